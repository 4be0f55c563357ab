//! Query latency on an index of the whole of `../shared/corpus/` (or `PITH_BENCH_CORPUS`).
//!
//! The study is built once, outside the timed loops, in `$TMPDIR/pith-bench-search`: its
//! `transcripts` is a symlink to the corpus (nothing is copied, nothing is written into the
//! corpus) and a generated `participants.csv` gives every transcript the name of its top
//! corpus folder as persona. The index update is incremental, so a second run reuses it.
//! Each query asserts a non-zero result inside the loop.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};

use pith::analyze::Analyzer;
use pith::index::{self, Filters, GroupBy, SearchRequest, StudyIndex};
use pith::lexicon::Lexicon;
use pith::model::Role;
use pith::study::Study;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("PITH_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    p.is_dir().then_some(p)
}

/// Makes (or reuses) the study and brings its index up to date.
fn build(corpus: &Path) -> (PathBuf, StudyIndex) {
    let study_dir = std::env::temp_dir().join("pith-bench-search");
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
    let analyzer = Analyzer::new(study.language().expect("language"));
    let lexicon = Lexicon::load(&analyzer, &[]).expect("built-in lexicons");
    let started = Instant::now();
    let (update, _) = index::update(&study, &lexicon, &analyzer).expect("index");
    eprintln!(
        "bench study {}: {} transcripts, {} indexed, {} unchanged, {} passages, in {:.1?}",
        study_dir.display(),
        study.transcripts.len(),
        update.indexed,
        update.unchanged,
        update.passages,
        started.elapsed()
    );
    let idx = index::open(&study_dir).expect("open index");
    (study_dir, idx)
}

fn request(query: &str, filters: Filters) -> SearchRequest {
    SearchRequest { query: query.to_string(), filters, limit: 20 }
}

fn bench(c: &mut Criterion) {
    let Some(corpus) = corpus() else {
        eprintln!("skipping the search benchmark: ../shared/corpus is absent (set PITH_BENCH_CORPUS)");
        return;
    };
    let (_, idx) = build(&corpus);
    let participant = || Filters { role: Some(Role::Participant), ..Filters::default() };
    let mut group = c.benchmark_group("search");

    let term = request("budget", participant());
    group.bench_function("term", |b| {
        b.iter(|| {
            let hits = idx.search(black_box(&term)).expect("search");
            assert!(!hits.is_empty());
            hits
        })
    });

    let phrase = request("\"customer feedback\"", participant());
    group.bench_function("phrase", |b| {
        b.iter(|| {
            let hits = idx.search(black_box(&phrase)).expect("search");
            assert!(!hits.is_empty());
            hits
        })
    });

    let boolean = request(
        "(pricing OR price) AND customer -free",
        Filters { persona: Some("lennys-podcast".into()), ..participant() },
    );
    group.bench_function("boolean_persona_filter", |b| {
        b.iter(|| {
            let hits = idx.search(black_box(&boolean)).expect("search");
            assert!(!hits.is_empty());
            hits
        })
    });

    let count = request("security", participant());
    group.bench_function("count_by_persona", |b| {
        b.iter(|| {
            let groups = idx.count_by(black_box(&count), &GroupBy::Persona).expect("count");
            assert!(groups.iter().any(|g| g.passages > 0));
            groups
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
