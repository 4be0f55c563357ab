//! Aggregation throughput on the whole of `../shared/corpus/` (or `PITH_BENCH_CORPUS`), grouped by
//! corpus folder (`benches/common`): the workers' share (term counting, `Summarizer::summarize`)
//! on a slice of the corpus, and the fold (`Aggregator::add_summary` for every interview, then
//! `finish`: the statistics) on all of it. Coding happens once, outside the timed loops; counts
//! of the results are asserted inside them.

mod common;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rayon::prelude::*;

use pith::aggregate::{Aggregator, Summary, TermCounts};
use pith::analyze::Analysis;
use pith::model::CodedInterview;
use pith::pipeline::{self, Output};

/// Interviews the worker-side benches run over (the fold takes them all).
const SLICE: usize = 150;

fn bench(c: &mut Criterion) {
    let Some(common::Bench { study, analyzer, lexicon, .. }) = common::open("pith-bench-aggregate", "aggregate") else {
        return;
    };
    let output = Output { reports: true, index: false };
    let summarizer = Aggregator::new(&lexicon, "persona").summarizer();
    // Every interview reduced to what the fold takes; the first SLICE kept whole.
    let reduced: Vec<(Summary, TermCounts, usize, Option<CodedInterview>)> = study
        .transcripts
        .par_iter()
        .enumerate()
        .filter_map(|(i, path)| {
            let (coded, _) = pipeline::process(&study, &lexicon, &analyzer, path, output).ok()?;
            let summary = summarizer.summarize(&coded.interview);
            let bytes = coded.interview.transcript.document.len();
            let terms = coded.terms.clone();
            Some((summary, terms, bytes, (i < SLICE).then_some(coded.interview)))
        })
        .collect();
    let interviews = reduced.len();
    let all_bytes: usize = reduced.iter().map(|r| r.2).sum();
    let slice: Vec<&CodedInterview> = reduced.iter().filter_map(|r| r.3.as_ref()).collect();
    let slice_bytes: usize = slice.iter().map(|i| i.transcript.document.len()).sum();
    let analyses: Vec<Analysis> = slice
        .iter()
        .flat_map(|i| i.passages.iter().filter(|p| p.passage.role.is_evidence()).map(|p| i.text(&p.passage)))
        .map(|text| analyzer.analyze(text))
        .collect();
    eprintln!("aggregate bench: {interviews} interviews, {:.1} MB", all_bytes as f64 / 1e6);

    let mut group = c.benchmark_group("aggregate");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(slice_bytes as u64));
    let words: u64 = reduced.iter().filter(|r| r.3.is_some()).map(|r| r.1.words).sum();
    group.bench_function("count terms", |b| {
        b.iter(|| {
            let mut counts = TermCounts::default();
            for a in &analyses {
                counts.add_passage(black_box(a));
            }
            assert_eq!(counts.words, words);
            counts
        })
    });
    group.bench_function("summarize", |b| {
        b.iter(|| {
            let summaries: Vec<Summary> = slice.iter().map(|i| summarizer.summarize(black_box(i))).collect();
            assert_eq!(summaries.len(), slice.len());
            summaries
        })
    });

    group.throughput(Throughput::Bytes(all_bytes as u64));
    let summaries: Vec<Summary> = reduced.iter().map(|r| r.0.clone()).collect();
    group.bench_function("fold and finish", |b| {
        b.iter_batched(
            || summaries.clone(),
            |summaries| {
                let mut agg = Aggregator::new(&lexicon, "persona");
                for (summary, r) in summaries.into_iter().zip(&reduced) {
                    agg.add_summary(summary, &r.1);
                }
                let aggregates = agg.finish("bench");
                assert_eq!(aggregates.interviews, interviews);
                assert!(aggregates.personas.iter().any(|p| !p.distinctive.terms.is_empty()));
                aggregates
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
