//! Query latency on an index of the whole of `../shared/corpus/` (or `PITH_BENCH_CORPUS`).
//!
//! The study (`benches/common`) is built once, outside the timed loops, in
//! `$TMPDIR/pith-bench-search`. The index update is incremental, so a second run reuses it.
//! Each query asserts a non-zero result inside the loop.

mod common;

use std::hint::black_box;
use std::time::Instant;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use pith::index::{self, Filters, GroupBy, QueryMode, SearchRequest, StudyIndex};
use pith::model::Role;

/// Brings the bench study's index up to date and opens it.
fn build(b: &common::Bench) -> StudyIndex {
    let started = Instant::now();
    let opened = pith::run::Opened::open(&b.dir).expect("open the bench study");
    let (update, _) = pith::run::index(&opened, false, &mut ()).expect("index");
    eprintln!(
        "bench study {}: {} transcripts, {} indexed, {} unchanged, {} passages, in {:.1?}",
        b.dir.display(),
        b.study.transcripts.len(),
        update.indexed,
        update.unchanged,
        update.passages,
        started.elapsed()
    );
    index::open(&b.dir).expect("open index")
}

/// An exact-syntax request: the query parser and ranking alone, without the any-word mode.
fn request(query: &str, filters: Filters) -> SearchRequest {
    SearchRequest { filters, mode: QueryMode::Exact, ..SearchRequest::new(query) }
}

/// Times `idx.search(req)` as `name`, each search asserting a hit.
fn searching(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, idx: &StudyIndex, req: &SearchRequest) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let found = idx.search(black_box(req)).expect("search");
            assert!(!found.hits.is_empty());
            found
        })
    });
}

fn bench(c: &mut Criterion) {
    let Some(b) = common::open("pith-bench-search", "search") else { return };
    let mut idx = build(&b);
    let participant = || Filters { role: Some(Role::Participant), ..Filters::default() };
    let mut group = c.benchmark_group("search");

    let term = request("budget", participant());
    searching(&mut group, "term", &idx, &term);

    let phrase = request("\"customer feedback\"", participant());
    searching(&mut group, "phrase", &idx, &phrase);

    // Filtered to the persona it matches most in, whichever corpus this is.
    let query = "(pricing OR price) AND customer -free";
    let by_persona = idx.count_by(&request(query, participant()), &GroupBy::Persona).expect("count");
    let persona = by_persona.iter().max_by_key(|g| g.passages).map(|g| g.key.clone()).expect("a persona");
    let boolean = request(query, Filters { persona: Some(persona), ..participant() });
    searching(&mut group, "boolean_persona_filter", &idx, &boolean);

    let count = request("security", participant());
    group.bench_function("count_by_persona", |b| {
        b.iter(|| {
            let groups = idx.count_by(black_box(&count), &GroupBy::Persona).expect("count");
            assert!(groups.iter().any(|g| g.passages > 0));
            groups
        })
    });

    // The one-word query as typed: the any-word mode.
    let typed = SearchRequest { filters: participant(), ..SearchRequest::new("budget") };
    searching(&mut group, "term_any_word", &idx, &typed);

    // The same words three ways: any of them in the exact syntax, a question (any word, no
    // lexicon), and the question with `downtime` expanded to risk.downtime's terms.
    let strict = request("worries OR downtime OR budget", participant());
    searching(&mut group, "question_words_exact", &idx, &strict);
    let question = SearchRequest {
        filters: participant(),
        expand: false,
        ..SearchRequest::new("What worries them about downtime and the budget?")
    };
    searching(&mut group, "question_any_word", &idx, &question);
    idx.set_lexicon(&b.lexicon);
    let expanded = SearchRequest { expand: true, ..question.clone() };
    assert!(!idx.search(&expanded).expect("search").plan.expanded.is_empty());
    searching(&mut group, "question_any_word_expanded", &idx, &expanded);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
