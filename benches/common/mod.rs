//! The benchmark study shared by the benches that need real transcripts: the whole of
//! `../shared/corpus/` (or `PITH_BENCH_CORPUS`), read in place.
//!
//! The study lives in `$TMPDIR/NAME`: its `transcripts` mirrors the corpus with hard links (a copy
//! where the corpus is on another file system), since pith reads no folder linked in from outside
//! the study; nothing is written into the corpus. Its `participants.csv` is the corpus's own when it
//! has one (`benches/corpus.sh` writes one naming each file's persona), else generated: every
//! transcript gets the name of its top corpus folder as persona.

// Each bench is its own crate and uses part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pith::analyze::Analyzer;
use pith::lexicon::Lexicon;
use pith::study::Study;

/// A bench study, opened with its analyzer and the built-in lexicons.
pub struct Bench {
    /// The study folder.
    pub dir: PathBuf,
    /// The study.
    pub study: Study,
    /// Its analyzer.
    pub analyzer: Analyzer,
    /// The built-in lexicons.
    pub lexicon: Lexicon,
}

/// The study `$TMPDIR/name` over the corpus, or `None` (with a message naming the `bench`)
/// when the corpus is absent.
pub fn open(name: &str, bench: &str) -> Option<Bench> {
    let Some(corpus) = corpus() else {
        eprintln!("skipping the {bench} benchmark: ../shared/corpus is absent (set PITH_BENCH_CORPUS)");
        return None;
    };
    let (dir, study) = study(&corpus, name);
    let analyzer = Analyzer::new(study.language().expect("language"));
    let lexicon = Lexicon::load(&analyzer, &[]).expect("built-in lexicons");
    Some(Bench { dir, study, analyzer, lexicon })
}

/// The corpus folder, when present.
fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("PITH_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    p.is_dir().then_some(p)
}

/// Makes (or reuses) the study `$TMPDIR/name` over `corpus` and opens it.
fn study(corpus: &Path, name: &str) -> (PathBuf, Study) {
    let study_dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&study_dir).expect("bench study folder");
    let transcripts = study_dir.join("transcripts");
    let mirrored = study_dir.join("mirrored-from");
    if std::fs::read(&mirrored).ok().as_deref() != Some(corpus.as_os_str().as_encoded_bytes()) {
        let _ = std::fs::remove_file(&transcripts);
        let _ = std::fs::remove_dir_all(&transcripts);
        mirror(corpus, &transcripts);
        std::fs::write(&mirrored, corpus.as_os_str().as_encoded_bytes()).expect("mirror record");
    }
    let manifest = match std::fs::read(corpus.join("participants.csv")) {
        // Its rows name transcripts by file name, which the study matches by stem.
        Ok(own) => own,
        Err(_) => {
            let study = Study::open(&study_dir).expect("study");
            let mut manifest = String::from("transcript,persona\n");
            for path in &study.transcripts {
                let rel = study.relative(path);
                let persona = rel.split('/').next().unwrap_or("root").to_string();
                manifest.push_str(&format!("\"{}\",{persona}\n", rel.replace('"', "\"\"")));
            }
            manifest.into_bytes()
        }
    };
    pith::fsutil::write_atomic(&study_dir.join("participants.csv"), &manifest).expect("manifest");
    let study = Study::open(&study_dir).expect("study");
    (study_dir, study)
}

/// Mirrors the files under `from` into `to`: a hard link each, a copy where linking fails.
fn mirror(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mirror folder");
    for entry in std::fs::read_dir(from).expect("corpus folder").flatten() {
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            mirror(&source, &target);
        } else if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target).expect("copy a corpus file");
        }
    }
}
