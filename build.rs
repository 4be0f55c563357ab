//! Fingerprints the library's source, so that a study's index and run cache, made by another
//! build of the same version (a `git pull` and rebuild), are not reused as if current.

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    let mut h = std::hash::DefaultHasher::new();
    for path in &files {
        path.to_string_lossy().replace('\\', "/").hash(&mut h);
        std::fs::read(path).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=PITH_SOURCE_HASH={:016x}", h.finish());
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
