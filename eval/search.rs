//! Search quality on the QMSum meetings (`../shared/corpus/qmsum-meetings`): real meetings whose
//! specific queries carry human-marked relevant turn spans.
//!
//! For each split asked for, every meeting becomes a transcript of one study (in
//! `$TMPDIR/pith-search-eval-SPLIT`, its `transcripts/` hard links to the corpus files), indexed by
//! pith. Each specific query is searched, within its meeting, three ways:
//!
//! - `pith`: the question verbatim, as `pith search` runs it (mode chosen, names, expansion);
//! - `pith --no-expand`: the same without code expansion;
//! - `bm25 keywords`: tantivy's BM25 with its English stemming analyzer over the same passages,
//!   the query the question's keywords (pith's any-word words: the question without stopwords
//!   and question framing) joined with OR.
//!
//! A hit is relevant when its passage lies in a turn of a relevant span. Prints, per split and
//! method, found@10 (share of queries with a relevant passage in the top 10), MRR@10 and the
//! number of queries that failed with an error.
//!
//! Run: `cargo run --example search_eval` (train only), `-- train val test` for more splits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pith::index::{self, Filters, SearchRequest};
use pith::pipeline::{self, Output};
use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, Value, STORED, STRING};
use tantivy::{doc, Index, TantivyDocument, Term};

const TOP: usize = 10;

#[derive(Deserialize)]
struct Meeting {
    specific_query_list: Vec<SpecificQuery>,
    meeting_transcripts: Vec<Turn>,
}

#[derive(Deserialize)]
struct SpecificQuery {
    query: String,
    relevant_text_span: Vec<[String; 2]>,
}

#[derive(Deserialize)]
struct Turn {
    content: String,
}

/// One query: its meeting (interview id), text and relevant turn indexes.
struct Case {
    interview: String,
    query: String,
    relevant: Vec<(usize, usize)>,
}

#[derive(Default)]
struct Score {
    queries: usize,
    found: usize,
    reciprocal: f64,
    errors: usize,
}

impl Score {
    fn add(&mut self, rank: Option<usize>) {
        self.queries += 1;
        if let Some(r) = rank {
            self.found += 1;
            self.reciprocal += 1.0 / (r + 1) as f64;
        }
    }

    fn line(&self, split: &str, method: &str) -> String {
        let n = self.queries.max(1) as f64;
        format!(
            "| {split} | {method} | {} | {:.3} | {:.3} | {} |",
            self.queries,
            self.found as f64 / n,
            self.reciprocal / n,
            self.errors
        )
    }
}

fn main() -> ExitCode {
    let splits: Vec<String> = std::env::args().skip(1).collect();
    let splits = if splits.is_empty() { vec!["train".to_string()] } else { splits };
    let corpus = std::env::var_os("PITH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
        .join("qmsum-meetings");
    if !corpus.is_dir() {
        eprintln!("search_eval: no corpus at {}", corpus.display());
        return ExitCode::FAILURE;
    }
    println!("| split | method | queries | found@{TOP} | MRR@{TOP} | errors |");
    println!("|---|---|---|---|---|---|");
    for split in &splits {
        match run(&corpus.join(split), split) {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => {
                eprintln!("search_eval: {split}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn run(dir: &Path, split: &str) -> Result<Vec<String>, String> {
    let study_dir = std::env::temp_dir().join(format!("pith-search-eval-{split}"));
    let transcripts = study_dir.join("transcripts");
    std::fs::create_dir_all(&transcripts).map_err(|e| e.to_string())?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in &files {
        let to = transcripts.join(f.file_name().ok_or("file name")?);
        if !to.exists() && std::fs::hard_link(f, &to).is_err() {
            std::fs::copy(f, &to).map_err(|e| e.to_string())?;
        }
    }
    let opened = pith::run::Opened::open(&study_dir).map_err(|e| e.to_string())?;
    pith::run::index(&opened, false, &mut ()).map_err(|e| e.to_string())?;
    let pith::run::Opened { study, analyzer, lexicon } = opened;
    let mut idx = index::open(&study_dir).map_err(|e| e.to_string())?;
    idx.set_lexicon(&lexicon);

    // Per interview: each passage's JSON turn index; and the baseline's documents.
    let mut turn_of: HashMap<(String, usize), usize> = HashMap::new();
    let mut cases = Vec::new();
    let mut schema = Schema::builder();
    let text = schema.add_text_field(
        "text",
        tantivy::schema::TextOptions::default().set_indexing_options(
            tantivy::schema::TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let interview_field = schema.add_text_field("interview", STRING | STORED);
    let passage_field = schema.add_u64_field("passage", STORED);
    let baseline = Index::create_in_ram(schema.build());
    let mut writer = baseline.writer_with_num_threads(1, 50_000_000).map_err(|e| e.to_string())?;
    let mut passages = 0usize;
    for path in &study.transcripts {
        let meta = study.meta_for(path);
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let meeting: Meeting = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let coded = pipeline::process(&study, &lexicon, &analyzer, path, Output::default())
            .map_err(|d| d.to_string())?
            .0
            .interview;
        let json_turns = json_turn_indexes(&coded.transcript, &meeting.meeting_transcripts);
        for p in &coded.passages {
            passages += 1;
            let start = p.passage.span.bytes.start;
            let turn = coded
                .transcript
                .turns
                .iter()
                .position(|t| t.text.start <= start && start < t.text.end.max(t.text.start + 1));
            if let Some(j) = turn.and_then(|t| json_turns[t]) {
                turn_of.insert((meta.id.clone(), p.passage.index), j);
            }
            writer
                .add_document(doc!(
                    text => coded.text(&p.passage),
                    interview_field => meta.id.clone(),
                    passage_field => p.passage.index as u64,
                ))
                .map_err(|e| e.to_string())?;
        }
        for q in meeting.specific_query_list {
            let relevant = q
                .relevant_text_span
                .iter()
                .filter_map(|[a, b]| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                .collect();
            cases.push(Case { interview: meta.id.clone(), query: q.query, relevant });
        }
    }
    writer.commit().map_err(|e| e.to_string())?;
    eprintln!(
        "search_eval: {split}: {} meetings, {passages} passages, {} traced to their JSON turn, {} queries",
        study.transcripts.len(),
        turn_of.len(),
        cases.len()
    );
    let reader = baseline.reader().map_err(|e| e.to_string())?;
    let searcher = reader.searcher();
    let mut en_stem = baseline.tokenizers().get("en_stem").ok_or("no en_stem tokenizer")?;

    let relevant = |c: &Case, interview: &str, passage: usize| {
        turn_of.get(&(interview.to_string(), passage)).is_some_and(|t| c.relevant.iter().any(|(a, b)| a <= t && t <= b))
    };
    let (mut pith_score, mut plain_score, mut bm25_score) = (Score::default(), Score::default(), Score::default());
    for c in &cases {
        let request = |expand: bool| SearchRequest {
            filters: Filters { role: None, interview: Some(c.interview.clone()), ..Filters::default() },
            limit: TOP,
            expand,
            ..SearchRequest::new(c.query.clone())
        };
        let mut keywords = Vec::new();
        for (expand, score) in [(true, &mut pith_score), (false, &mut plain_score)] {
            match idx.search(&request(expand)) {
                Ok(found) => {
                    score.add(found.hits.iter().position(|h| relevant(c, &h.interview, h.passage)));
                    keywords = found.plan.words;
                }
                Err(e) => {
                    eprintln!("search_eval: {:?}: {e}", c.query);
                    score.errors += 1;
                    score.queries += 1;
                }
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &keywords {
            let mut stream = en_stem.token_stream(word);
            while let Some(t) = stream.next() {
                let term = Term::from_field_text(text, &t.text);
                clauses.push((Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))));
            }
        }
        let within = Term::from_field_text(interview_field, &c.interview);
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>),
            (Occur::Must, Box::new(TermQuery::new(within, IndexRecordOption::Basic))),
        ]);
        let top = searcher.search(&query, &TopDocs::with_limit(TOP).order_by_score()).map_err(|e| e.to_string())?;
        let mut rank = None;
        for (i, (_, addr)) in top.iter().enumerate() {
            let d: TantivyDocument = searcher.doc(*addr).map_err(|e| e.to_string())?;
            let passage = d.get_first(passage_field).and_then(|v| v.as_u64()).unwrap_or(u64::MAX) as usize;
            if relevant(c, &c.interview, passage) {
                rank = Some(i);
                break;
            }
        }
        bm25_score.add(rank);
    }
    Ok(vec![
        pith_score.line(split, "pith, question verbatim"),
        plain_score.line(split, "pith --no-expand, question verbatim"),
        bm25_score.line(split, "BM25, question cut to keywords"),
    ])
}

/// For each turn pith read, the index of the JSON turn it came from (`None` when none matches).
fn json_turn_indexes(transcript: &pith::model::Transcript, json: &[Turn]) -> Vec<Option<usize>> {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut next = 0;
    transcript
        .turns
        .iter()
        .map(|t| {
            let text = flat(&transcript.document[t.text.clone()]);
            let found = (next..json.len()).find(|&j| flat(&json[j].content) == text)?;
            next = found + 1;
            Some(found)
        })
        .collect()
}
