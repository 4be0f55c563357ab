//! The benchmark study shared by the benches that need real transcripts: the whole of
//! `../shared/corpus/` (or `PITH_BENCH_CORPUS`), read in place.
//!
//! The study lives in `$TMPDIR/NAME`: its `transcripts` is a symlink to the corpus (nothing is
//! copied, nothing is written into the corpus) and a generated `participants.csv` gives every
//! transcript the name of its top corpus folder as persona.

use std::path::{Path, PathBuf};

use pith::study::Study;

/// The corpus folder, when present.
pub fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("PITH_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    p.is_dir().then_some(p)
}

/// Makes (or reuses) the study `$TMPDIR/name` over `corpus` and opens it.
pub fn study(corpus: &Path, name: &str) -> (PathBuf, Study) {
    let study_dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&study_dir).expect("bench study folder");
    let link = study_dir.join("transcripts");
    if std::fs::read_link(&link).ok().as_deref() != Some(corpus) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(corpus, &link).expect("symlink to the corpus");
    }
    let study = Study::open(&study_dir).expect("study");
    let mut manifest = String::from("transcript,persona\n");
    for path in &study.transcripts {
        let rel = study.relative(path);
        let persona = rel.split('/').next().unwrap_or("root").to_string();
        manifest.push_str(&format!("\"{}\",{persona}\n", rel.replace('"', "\"\"")));
    }
    pith::fsutil::write_atomic(&study_dir.join("participants.csv"), manifest.as_bytes()).expect("manifest");
    let study = Study::open(&study_dir).expect("study");
    (study_dir, study)
}
