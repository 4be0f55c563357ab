//! What the last index update saw (`.pith/state.json`), and the writer lock (`.pith/lock`).
//!
//! The state maps each indexed transcript's source path to a hash of everything its documents
//! depend on: the file's bytes, its manifest row and the study fingerprint (pith version,
//! schema version, lexicons, `pith.toml`). Equal hash: the documents in the index are current.
//! It also keeps each file's size and modification time when its bytes were hashed, so a file
//! whose stamp has not moved need not be read again (as git's index does, a stamp too close to
//! the moment the state was saved is not trusted), and the request and outputs of the last
//! `pith run`, so that the same run over unchanged inputs can be skipped.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::study::ManifestRow;

/// The state file, as written after each commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    /// Stemming language the index was built with (the tokenizer must match it on open).
    pub language: String,
    /// Hash of what every document depends on besides its own transcript.
    pub study: String,
    /// Source path → what was seen of the transcript.
    pub transcripts: BTreeMap<String, Seen>,
    /// When the state was saved (nanoseconds since the Unix epoch).
    #[serde(default)]
    pub saved_ns: u64,
    /// The last complete `pith run` without diagnostics, if the last writer was one.
    #[serde(default)]
    pub run: Option<RunRecord>,
    /// The index's files as the last commit left them: one that moved since is checked for damage.
    #[serde(default)]
    pub index_files: BTreeMap<String, Stamp>,
}

/// The stamps of an index folder's files (tantivy's lock files aside, which any reader touches).
pub fn index_stamps(dir: &Path) -> BTreeMap<String, Stamp> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".lock") {
                return None;
            }
            Some((name, Stamp::of(&e.path())?))
        })
        .collect()
}

/// What was seen of one transcript.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seen {
    /// Hash of the transcript's inputs (bytes, manifest row, study fingerprint).
    pub hash: String,
    /// Hash of the file's bytes alone.
    pub content: String,
    /// The file's size and modification time just before it was read.
    pub stamp: Option<Stamp>,
}

/// A file's size and modification time.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
}

impl Stamp {
    /// The file's stamp, if it can be read.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(Stamp { len: meta.len(), mtime_ns: u64::try_from(mtime.as_nanos()).ok()? })
    }
}

/// Stamps this close to the moment the state was saved are not trusted: the file may have
/// changed again within the file system's timestamp granularity.
pub const RACY_NS: u64 = 2_000_000_000;

/// The request and outputs of a `pith run`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunRecord {
    /// Hash of what the run was asked (output folder, formats, grouping, redaction).
    pub request: String,
    /// The files it wrote, with their stamps after writing.
    pub outputs: Vec<(PathBuf, Stamp)>,
    /// Interviews coded.
    pub interviews: usize,
    /// Groups reported.
    pub groups: usize,
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

impl Seen {
    /// The content hash, if the file's current stamp shows it unchanged since the state saved
    /// at `saved_ns` was written.
    pub fn trusted_content(&self, now: Option<Stamp>, saved_ns: u64) -> Option<&str> {
        let (was, now) = (self.stamp?, now?);
        (was == now && now.mtime_ns.saturating_add(RACY_NS) < saved_ns).then_some(self.content.as_str())
    }
}

impl State {
    /// Reads the state; `None` when missing or unreadable (the index is then rebuilt).
    pub fn load(path: &Path) -> Option<State> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes the state atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
        write_atomic(path, &bytes)
    }
}

/// The study fingerprint: changes when anything every document depends on changes.
pub fn study_fingerprint(lexicon_fingerprint: &str, config: &[u8]) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        env!("CARGO_PKG_VERSION").as_bytes(),
        env!("PITH_SOURCE_HASH").as_bytes(),
        &super::schema::SCHEMA_VERSION.to_le_bytes(),
        lexicon_fingerprint.as_bytes(),
        config,
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().to_hex().to_string()
}

/// The hash of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The hash of one transcript's inputs, from the hash of its bytes ([`content_hash`]).
pub fn transcript_hash(study: &str, content: &str, row: Option<&ManifestRow>) -> String {
    let mut h = blake3::Hasher::new();
    let mut part = |p: &[u8]| {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    };
    part(study.as_bytes());
    part(content.as_bytes());
    if let Some(r) = row {
        for field in [Some(&r.transcript), r.participant.as_ref(), r.persona.as_ref(), r.speaker.as_ref()] {
            part(field.map_or(&[0xff][..], |s| s.as_bytes()));
        }
        for (k, v) in &r.attributes {
            part(k.as_bytes());
            part(v.as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

/// The writer lock: an exclusive lock held by the operating system on a file holding the writer's
/// pid (for the message a second writer gets). The system releases it when the process ends, however
/// it ends, so a killed writer never blocks the next one and a pid reused by another program (after
/// a reboot, say) is never taken for a writer.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    _file: std::fs::File,
}

impl Lock {
    /// Takes the lock of `study` at `path`; [`Error::Locked`] while another process holds it.
    pub fn acquire(study: &Path, path: &Path) -> Result<Lock> {
        super::check_state_dir(study)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        for _ in 0..RACES {
            let mut file = crate::fsutil::open_in_place(path).map_err(|e| Error::io(path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let pid = std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse::<u32>().ok());
                    return Err(Error::Locked { study: study.to_path_buf(), pid, lock: path.to_path_buf() });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
            }
            // The holder we raced with removes the file before releasing it: the lock is ours only
            // if the file locked is still the one at `path`.
            if !is_same_file(&file, path) {
                continue;
            }
            file.set_len(0).map_err(|e| Error::io(path, e))?;
            file.write_all(std::process::id().to_string().as_bytes()).map_err(|e| Error::io(path, e))?;
            return Ok(Lock { path: path.to_path_buf(), _file: file });
        }
        Err(Error::io(path, std::io::Error::other("the lock file keeps being replaced by another process")))
    }
}

/// Times [`Lock::acquire`] tries again when the file it locked was removed by the holder it waited out.
const RACES: usize = 8;

impl Drop for Lock {
    /// Removes the file while still holding it; the lock goes with the file handle.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn is_same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be removed, so the file locked is the one at its path.
#[cfg(not(unix))]
fn is_same_file(_file: &std::fs::File, _path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_one_nobody_holds_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pith/lock");
        let held = Lock::acquire(dir.path(), &path).unwrap();
        match Lock::acquire(dir.path(), &path) {
            Err(Error::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(held);
        assert!(!path.exists());
        // A lock file nobody holds (its writer was killed) may name a pid that runs again as
        // another program (here: this test process): it is taken over whatever it says, and the
        // file then names this writer alone (padded here, so a left-over tail would show).
        std::fs::write(&path, format!("{:>24}", std::process::id())).unwrap();
        let again = Lock::acquire(dir.path(), &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), std::process::id().to_string());
        drop(again);
    }

    #[test]
    fn hash_changes_with_manifest_row_and_study() {
        let row = ManifestRow {
            transcript: "a.txt".into(),
            participant: Some("Ann".into()),
            persona: Some("Frank".into()),
            speaker: None,
            attributes: vec![("segment".into(), "retail".into())],
            line: 2,
        };
        let text = content_hash(b"text");
        let base = transcript_hash("s", &text, Some(&row));
        let moved = ManifestRow { line: 9, ..row.clone() };
        assert_eq!(base, transcript_hash("s", &text, Some(&moved)));
        let other = ManifestRow { persona: Some("Debbie".into()), ..row.clone() };
        assert_ne!(base, transcript_hash("s", &text, Some(&other)));
        assert_ne!(base, transcript_hash("t", &text, Some(&row)));
        assert_ne!(base, transcript_hash("s", &text, None));
        assert_ne!(base, transcript_hash("s", &content_hash(b"text!"), Some(&row)));
    }

    #[test]
    fn a_stamp_is_trusted_only_when_unchanged_and_older_than_the_state() {
        let stamp = Stamp { len: 10, mtime_ns: 1_000_000_000_000 };
        let seen = Seen { hash: "h".into(), content: "c".into(), stamp: Some(stamp) };
        let later = stamp.mtime_ns + 10 * RACY_NS;
        assert_eq!(seen.trusted_content(Some(stamp), later), Some("c"));
        assert_eq!(seen.trusted_content(Some(Stamp { len: 11, ..stamp }), later), None);
        assert_eq!(seen.trusted_content(Some(Stamp { mtime_ns: stamp.mtime_ns + 1, ..stamp }), later), None);
        assert_eq!(seen.trusted_content(None, later), None);
        // Saved within the racy window after the file's modification: read it again.
        assert_eq!(seen.trusted_content(Some(stamp), stamp.mtime_ns + RACY_NS / 2), None);
    }
}
