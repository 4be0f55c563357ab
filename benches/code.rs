//! Coding throughput: analyze + match every built-in and sample-study lexicon term + context,
//! per passage, on the sample study's transcripts. The number of tags is asserted in the loop.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pith::analyze::{Analysis, Analyzer, Language};
use pith::code;
use pith::lexicon::Lexicon;

const TEXTS: [&str; 4] = [
    include_str!("../examples/cooling-study/transcripts/debbie/debbie-02-bank.txt"),
    include_str!("../examples/cooling-study/transcripts/debbie/debbie-06-retail.txt"),
    include_str!("../examples/cooling-study/transcripts/frank/frank-02-hospital.txt"),
    include_str!("../examples/cooling-study/transcripts/frank/frank-05-county.txt"),
];

fn coding(c: &mut Criterion) {
    let passages: Vec<&str> = TEXTS.iter().flat_map(|t| t.lines()).filter(|l| !l.trim().is_empty()).collect();
    let bytes: usize = passages.iter().map(|p| p.len()).sum();
    let analyzer = Analyzer::new(Language::English);
    let study_lexicon = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cooling-study/lexicons");
    let lexicon = match Lexicon::load(&analyzer, &[study_lexicon]) {
        Ok(l) => l,
        Err(e) => panic!("lexicons: {e:?}"),
    };
    let mut analysis = Analysis::default();
    let count = |analysis: &mut Analysis| -> usize {
        passages
            .iter()
            .map(|p| {
                analyzer.analyze_into(black_box(p), analysis);
                code::code_passage(&lexicon, p, analysis, &[]).len()
            })
            .sum()
    };
    let expected = count(&mut analysis);
    assert!(expected > 100, "only {expected} tags");
    let mut group = c.benchmark_group("code");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("sample passages", |b| b.iter(|| assert_eq!(count(&mut analysis), expected)));
    group.finish();
}

criterion_group!(benches, coding);
criterion_main!(benches);
