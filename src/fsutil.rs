//! File-system helpers: atomic writes, files updated in place.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over the target. A reader sees the old file or the new one, never a half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes)?.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The first half of [`write_atomic`]: `bytes` in a temporary file beside `path`, flushed to
/// disk, for the caller to rename over `path`. Errors name `path`, not the temporary file.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = temporary_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.as_file_mut().write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    Ok(tmp)
}

/// Refuses `path` and, for a folder, the entries in it when any is a symbolic link: pith makes
/// none, so one in its own folders was put there to redirect a write or a delete.
pub fn refuse_symlinks(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    if meta.file_type().is_symlink() {
        return Err(Error::Symlink { path: path.to_path_buf(), in_state: false });
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_symlink()) {
                return Err(Error::Symlink { path: entry.path(), in_state: false });
            }
        }
    }
    Ok(())
}

/// Reads a settings or lexicon file of at most `limit` bytes. Anything but a regular file (a
/// FIFO would block forever, a device never end) is refused before it is opened.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MB, the most pith reads of such a file", limit >> 20),
        ));
    }
    Ok(bytes)
}

/// Prefix of the temporary files [`write_atomic`] renames into place.
pub const TEMP_PREFIX: &str = ".pith-tmp-";

/// A temporary file in `dir` for an output about to be renamed into place, with the permissions
/// any new file gets (0666 less the umask on Unix; `tempfile` alone makes it 0600, which would
/// hide the reports and the study's state from the researcher's group).
pub fn temporary_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir)
}

/// Opens `path` to read and write in place, creating it if missing and keeping what it holds.
pub fn open_in_place(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)
}

/// Age after which a temporary file in an output folder is taken as left by a killed writer.
/// No write of pith's takes this long, so a live writer's file is never removed.
pub const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes temporary files of [`write_atomic`] older than [`STALE_TEMP`] from `dir` (left
/// there by a process killed between writing and renaming); returns how many. Best effort.
pub fn clean_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let is_temp = entry.file_name().to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX));
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if is_temp && stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_permissions_of_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let out = std::process::Command::new("sh").args(["-c", "umask"]).output().unwrap_or_else(|e| panic!("{e}"));
        let umask = u32::from_str_radix(String::from_utf8_lossy(&out.stdout).trim(), 8).unwrap_or(0o022);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("report.md");
        write_atomic(&path, b"# report").unwrap_or_else(|e| panic!("{e}"));
        let mode = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{e}")).permissions().mode();
        assert_eq!(mode & 0o777, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
    }

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sub/report.md");
        write_atomic(&path, b"first version, long").unwrap_or_else(|e| panic!("{e}"));
        write_atomic(&path, b"second").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn cleans_only_old_temporaries() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let old = dir.path().join(".pith-tmp-old");
        let fresh = dir.path().join(".pith-tmp-fresh");
        let other = dir.path().join("report.md");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").unwrap_or_else(|e| panic!("{e}"));
        }
        let long_ago = std::time::SystemTime::now() - STALE_TEMP * 2;
        for p in [&old, &other] {
            let f = std::fs::File::options().write(true).open(p).unwrap_or_else(|e| panic!("{e}"));
            f.set_modified(long_ago).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(clean_stale_temporaries(dir.path()), 1);
        assert!(!old.exists() && fresh.exists() && other.exists());
    }
}
