//! Analyzer throughput (bytes of participant speech per second) on the sample study's
//! transcripts, one passage per line as the pipeline feeds them; the token count is asserted
//! inside the timed loop so the work cannot be optimized away.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pith::analyze::{Analysis, Analyzer, Language};

const TEXTS: [&str; 4] = [
    include_str!("../examples/cooling-study/transcripts/debbie/debbie-01-colo.txt"),
    include_str!("../examples/cooling-study/transcripts/debbie/debbie-05-hospital.txt"),
    include_str!("../examples/cooling-study/transcripts/frank/frank-01-campus.txt"),
    include_str!("../examples/cooling-study/transcripts/frank/frank-03-office-tower.txt"),
];

fn passages() -> Vec<&'static str> {
    TEXTS.iter().flat_map(|t| t.lines()).filter(|l| !l.trim().is_empty()).collect()
}

fn analyze(c: &mut Criterion) {
    let passages = passages();
    let bytes: usize = passages.iter().map(|p| p.len()).sum();
    let analyzer = Analyzer::new(Language::English);
    let mut analysis = Analysis::default();
    let expected: usize = passages.iter().map(|p| analyzer.analyze(p).tokens.len()).sum();
    let mut group = c.benchmark_group("analyze");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("sample passages", |b| {
        b.iter(|| {
            let mut tokens = 0;
            for p in &passages {
                analyzer.analyze_into(black_box(p), &mut analysis);
                tokens += analysis.tokens.len();
            }
            assert_eq!(tokens, expected);
        })
    });
    group.finish();
}

criterion_group!(benches, analyze);
criterion_main!(benches);
