//! Indexing throughput: coded interviews of `../shared/corpus/` (or `PITH_BENCH_CORPUS`, the study
//! of `benches/common`) written into a fresh tantivy index by an index `Session` (documents of
//! the coder's stems, one commit), bytes of transcript per second. Coding happens once, outside
//! the timed loop; the number of documents is asserted inside it.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;

use pith::index::{Session, Stamp};
use pith::model::CodedInterview;
use pith::pipeline::{self, Output};

/// Interviews indexed per iteration.
const SLICE: usize = 150;

fn bench(c: &mut Criterion) {
    let Some(common::Bench { dir, study, analyzer, lexicon }) = common::open("pith-bench-index", "index") else {
        return;
    };
    let coded: Vec<(&std::path::Path, CodedInterview, Vec<u8>)> = study.transcripts
        [..SLICE.min(study.transcripts.len())]
        .par_iter()
        .filter_map(|path| {
            let bytes = pipeline::read_transcript(&study, path).ok()?;
            let (coded, _) = pipeline::process_bytes(
                &study,
                &lexicon,
                &analyzer,
                path,
                &bytes,
                Output { reports: false, index: true },
            )
            .ok()?;
            Some((path.as_path(), coded.interview, bytes))
        })
        .collect();
    let bytes: usize = coded.iter().map(|(_, i, _)| i.transcript.document.len()).sum();
    let passages: u64 = coded.iter().map(|(_, i, _)| i.passages.len() as u64).sum();
    eprintln!("index bench: {} interviews, {:.1} MB, {passages} passages", coded.len(), bytes as f64 / 1e6);

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("fresh index", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(dir.join(".pith"));
            let session = Session::begin(&study, &lexicon).expect("session");
            coded.par_iter().for_each(|(path, interview, raw)| {
                let inputs = session.inputs(&study, path, raw, Stamp::of(path));
                session.replace(&lexicon, interview, inputs);
            });
            let update = session.finish(None).expect("commit");
            assert_eq!(update.indexed, coded.len());
            assert_eq!(update.passages, passages);
            update
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
