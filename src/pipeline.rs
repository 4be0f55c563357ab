//! pipeline: the only place that knows the per-transcript stage order and the threads.
//!
//! Per transcript, in parallel (rayon): read → segment → analyze → code, then what the caller
//! makes of the coded interview on the same worker, handed back in a stable order. Nothing is shared
//! between interviews but the `&Lexicon` and the `&Analyzer`. A transcript that cannot be
//! read becomes a [`Diagnostic`] and the others go on.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::aggregate::TermCounts;
use crate::analyze::{Analysis, Analyzer, Stems};
use crate::cache::{self, Cache};
use crate::code;
use crate::error::{Diagnostic, Location, Result};
use crate::index;
use crate::ingest;
use crate::lexicon::Lexicon;
use crate::model::{CodedInterview, CodedPassage, FamilySet, Passage};
use crate::segment;
use crate::study::Study;

/// What coding produces beyond passages and their tags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Output {
    /// What reports need: job statements ([`CodedPassage::jobs`]) and the words of evidence
    /// passages counted ([`Coded::terms`]).
    pub reports: bool,
    /// Keep each passage's words for the index ([`CodedPassage::stems`]).
    pub index: bool,
}

/// One interview, coded, with the word counts coding made beside it.
#[derive(Debug, Clone)]
pub struct Coded {
    /// The interview.
    pub interview: CodedInterview,
    /// Word and phrase counts of its evidence passages, for distinctive terms (empty unless
    /// asked for with [`Output::reports`]).
    pub terms: TermCounts,
}

/// One transcript's outcome: coded with its warnings, or skipped with the reason.
pub type Processed = std::result::Result<(Coded, Vec<Diagnostic>), Diagnostic>;

/// Reads, segments and codes one transcript.
pub fn process(study: &Study, lexicon: &Lexicon, analyzer: &Analyzer, path: &Path, output: Output) -> Processed {
    let bytes = read_transcript(study, path)?;
    process_bytes(study, lexicon, analyzer, path, &bytes, output)
}

/// Reads `bytes` as `path` and segments the result, panicking when the reader invariant
/// breaks: a bug in pith, never the input's fault. For fuzz targets and tests.
pub fn check_read(path: &Path, bytes: &[u8]) {
    if let Ok(read) = ingest::read(path, bytes) {
        if let Some(problem) = ingest::invariant_violation(&read.transcript) {
            panic!("{}: {problem}", path.display());
        }
        let _ = segment::segment(&read.transcript, &segment::RoleRules::default());
    }
}

/// Reads a transcript within the study's size limit (`[limits] max_transcript_bytes`).
pub fn read_transcript(study: &Study, path: &Path) -> std::result::Result<Vec<u8>, Diagnostic> {
    read_bounded(path, study.config.limits.max_transcript_bytes)
        .map_err(|message| Diagnostic::skipped(Location::new(path, None), message))
}

/// Segments and codes one transcript whose bytes were read already (the index reads them to
/// hash them first).
pub fn process_bytes(
    study: &Study,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    path: &Path,
    bytes: &[u8],
    output: Output,
) -> Processed {
    let limits = &study.config.limits;
    let read = ingest::read_with(path, bytes, limits)
        .map_err(|e| Diagnostic::skipped(Location::new(path, e.line), e.message))?;
    let warnings =
        read.warnings.into_iter().map(|w| Diagnostic::warning(Location::new(path, w.line), w.message)).collect();
    let mut meta = study.meta_for(path);
    for (k, v) in &read.transcript.attributes {
        if meta.attribute(k).is_none() {
            meta.attributes.push((k.clone(), v.clone()));
        }
    }
    let passages = segment::segment_with(&read.transcript, &study.role_rules(path), limits.max_passage_bytes);
    limits.check_passages(passages.len()).map_err(|e| Diagnostic::skipped(Location::new(path, None), e.message))?;
    let (passages, terms) = code_passages(lexicon, analyzer, &read.transcript.document, passages, output);
    Ok((Coded { interview: CodedInterview { meta, transcript: read.transcript, passages }, terms }, warnings))
}

/// Reads a file of at most `max` bytes: the size is checked from metadata before reading and
/// the read itself is bounded (the file may grow in between).
fn read_bounded(path: &Path, max: u64) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read as _;
    let too_big = |n: u64| {
        format!(
            "the file is {} (limit {}: raise max_transcript_bytes in pith.toml [limits] if this is really a transcript)",
            ingest::human_bytes(n),
            ingest::human_bytes(max)
        )
    };
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let len = file.metadata().map_err(|e| format!("cannot read: {e}"))?.len();
    if len > max {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Analyzes and codes the passages of one document; with [`Output::reports`], extracts job
/// statements, counts the words of its evidence passages and codes every question
/// ([`CodedPassage::asked`]). Otherwise a question is coded only when an answer to it has a match,
/// to say which of the answer's codes it prompted.
pub fn code_passages(
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    document: &str,
    passages: Vec<Passage>,
    output: Output,
) -> (Vec<CodedPassage>, TermCounts) {
    let mut terms = TermCounts::default();
    let mut analysis = Analysis::default();
    let mut question = Analysis::default();
    // The last question coded for its answers, by passage index: a question's answers follow it.
    let mut asked: Option<(usize, Vec<usize>)> = None;
    let mut out: Vec<CodedPassage> = Vec::with_capacity(passages.len());
    for passage in passages {
        let text = &document[passage.span.bytes.clone()];
        let is_evidence = passage.role.is_evidence();
        if is_evidence || output.reports || output.index {
            analyzer.analyze_into(text, &mut analysis);
        }
        let stems = output.index.then(|| Stems::of(&analysis));
        if !is_evidence {
            let asked = if output.reports { code::question_codes(lexicon, text, &analysis) } else { Vec::new() };
            let none = FamilySet::default();
            out.push(CodedPassage {
                passage,
                tags: Vec::new(),
                jobs: Vec::new(),
                asked,
                about: none,
                evidence: none,
                stems,
            });
            continue;
        }
        let q = passage.question.and_then(|qi| out.iter().rev().find(|cp| cp.passage.index == qi));
        let (tags, jobs) = if output.reports {
            terms.add_passage(&analysis);
            code::code_passage_and_jobs(lexicon, text, &analysis, q.map_or(&[], |cp| cp.asked.as_slice()))
        } else {
            let ask = || match q.filter(|cp| !cp.passage.role.is_evidence()) {
                None => Vec::new(),
                Some(cp) => match &asked {
                    Some((qi, codes)) if *qi == cp.passage.index => codes.clone(),
                    _ => {
                        let text = &document[cp.passage.span.bytes.clone()];
                        analyzer.analyze_into(text, &mut question);
                        let codes = code::question_codes(lexicon, text, &question);
                        asked = Some((cp.passage.index, codes.clone()));
                        codes
                    }
                },
            };
            (code::code_passage_asking(lexicon, text, &analysis, ask), Vec::new())
        };
        let (mut about, mut evidence) = (code::about_families(lexicon, &tags), code::evidence_families(lexicon, &tags));
        if let Some(meaning) = lexicon.meaning() {
            // The classifiers cannot see negation: a family the rule found only in negated
            // mentions stays out of the evidence.
            let found = meaning.families_analyzed(text, &analysis);
            evidence = evidence.union(found.without(about.without(evidence)));
            about = about.union(found);
        }
        out.push(CodedPassage { passage, tags, jobs, asked: Vec::new(), about, evidence, stems });
    }
    terms.seal();
    (out, terms)
}

/// Transcripts handed to the workers at a time.
const BATCH: usize = 32;
/// Coded batches that may wait for the calling thread: the workers run this far ahead while it
/// merges. At most `WAITING + 2` batches are in memory: one being coded, these, one being consumed.
const WAITING: usize = 4;

/// Runs `work` on every path in parallel and hands the results to `consume` in path order, on
/// the calling thread, while the workers go on with the next batch. Memory holds only the
/// results in flight. Stops at the first error `consume` returns. With a pool of one thread
/// (`--threads 1`), all of it runs on the calling thread.
pub fn stream<T: Send>(
    paths: &[PathBuf],
    work: impl Fn(&Path) -> T + Sync,
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    // One thread (`--threads 1`): everything on the calling thread, one transcript at a time.
    if rayon::current_num_threads() == 1 {
        for path in paths {
            consume(work(path))?;
        }
        return Ok(());
    }
    let work = &work;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(WAITING);
        scope.spawn(move || {
            for batch in paths.chunks(BATCH) {
                let done: Vec<T> = batch.par_iter().map(|p| work(p)).collect();
                if tx.send(done).is_err() {
                    break;
                }
            }
        });
        for done in rx {
            for item in done {
                consume(item)?;
            }
        }
        Ok(())
    })
}

/// Runs `f` on every item, in parallel on the worker threads (on the calling thread with one).
pub fn in_parallel<T: Send>(items: Vec<T>, f: impl Fn(T) + Sync + Send) {
    if rayon::current_num_threads() == 1 || items.len() < 2 {
        items.into_iter().for_each(f);
    } else {
        items.into_par_iter().for_each(f);
    }
}

/// One transcript's outcome after `prepare`, with its record for this run's cache.
enum Done<T> {
    Coded(T, Vec<Diagnostic>, Option<cache::Record>),
    Reused(T, Vec<Diagnostic>, cache::Record),
    /// Current in the index, and nothing else asked of it.
    Unchanged,
    Skipped(Diagnostic),
    Failed(crate::Error),
}

/// What `prepare` made of one transcript, with the warnings reading it gave: what the cache keeps.
type Cached<T> = (T, Vec<Diagnostic>);

/// What [`for_each_interview`] made of a transcript, read back from the `cache` by its record's
/// key (`None` if it is not there, or damaged).
pub fn cached<T: DeserializeOwned>(cache: &Cache, key: cache::Key) -> Option<T> {
    cache.get::<Cached<T>>(key).map(|((value, _), _)| value)
}

/// What [`for_each_interview`] did besides handing results on.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The study's diagnostics and those of the transcripts, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
    /// Transcripts current in the index that were not read or coded again.
    pub reused: usize,
}

/// What [`for_each_interview`] does with a transcript whose index documents are current.
#[derive(Debug, Clone, Copy)]
pub enum Reuse<'a> {
    /// Codes it again (always so without an index session).
    Never,
    /// Takes what `prepare` made of it last time from the run cache (a miss codes it again);
    /// every result goes into the cache for the next run.
    Cache(&'a Cache),
    /// Nothing: it is not read again and `consume` never sees it (the index alone is kept).
    Skip,
}

/// Codes every transcript of the study in parallel, runs `prepare` on each coded interview on the
/// same worker (what can be made in parallel: rows, export parts), and hands the results to
/// `consume` in a stable order (the transcripts' sorted paths). `output` says what coding keeps.
/// With an index `session`, also re-indexes the interviews whose inputs changed, and what happens
/// to the others is `reuse`'s. `consume` gets each result with the key of its record in the run
/// cache, which [`cached`] reads it back by. `progress` is told every transcript's size on disk as
/// it is done with, whether coded, reused, unchanged or skipped.
#[allow(clippy::too_many_arguments)]
pub fn for_each_interview<T: Send + Serialize + DeserializeOwned>(
    study: &Study,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    session: Option<&index::Session>,
    reuse: Reuse<'_>,
    output: Output,
    prepare: impl Fn(Coded) -> Result<T> + Sync,
    mut consume: impl FnMut(T, Option<cache::Key>) -> Result<()>,
    mut progress: impl FnMut(u64),
) -> Result<Streamed> {
    let mut diagnostics = study.diagnostics.clone();
    let mut reused = 0;
    let output = Output { index: session.is_some(), ..output };
    let (cache, skip) = match (session, reuse) {
        (Some(_), Reuse::Cache(cache)) => (Some(cache), false),
        (Some(_), Reuse::Skip) => (None, true),
        _ => (None, false),
    };
    let mut writer = match cache.map(Cache::writer).transpose() {
        Ok(w) => w,
        Err(e) => {
            diagnostics.push(Diagnostic::warning(Location::new(cache::cache_path(&study.root), None), e.to_string()));
            None
        }
    };
    let work = |path: &Path, stamp: Option<index::Stamp>| -> Done<T> {
        // Prepared on this worker, with its record for the cache under `key`.
        let prepared = |coded: Coded, warnings: Vec<Diagnostic>, key: Option<cache::Key>| match prepare(coded) {
            Ok(prepared) => {
                let kept: Cached<T> = (prepared, warnings);
                let record = cache.zip(key).and_then(|(c, k)| c.record(k, &kept));
                Done::Coded(kept.0, kept.1, record)
            }
            Err(e) => Done::Failed(e),
        };
        let Some(session) = session else {
            return match read_transcript(study, path)
                .and_then(|bytes| process_bytes(study, lexicon, analyzer, path, &bytes, output))
            {
                Ok((coded, warnings)) => prepared(coded, warnings, None),
                Err(d) => Done::Skipped(d),
            };
        };
        let source = study.source(path);
        // Kept from the last run: the index is current for these inputs (and the cache has them).
        let reuse = |inputs: index::Inputs| -> std::result::Result<Done<T>, index::Inputs> {
            if !session.is_current(&source, &inputs) {
                return Err(inputs);
            }
            if skip {
                session.keep(&source, inputs);
                return Ok(Done::Unchanged);
            }
            let Some(cache) = cache else { return Err(inputs) };
            match cache.get::<Cached<T>>(cache.key(&source, inputs.hash())) {
                Some(((prepared, warnings), record)) => {
                    session.keep(&source, inputs);
                    Ok(Done::Reused(prepared, warnings, record))
                }
                None => Err(inputs),
            }
        };
        if let Some(inputs) = session.trusted(study, path, &source, stamp) {
            if let Ok(done) = reuse(inputs) {
                return done;
            }
        }
        let bytes = match read_transcript(study, path) {
            Ok(b) => b,
            Err(d) => return Done::Skipped(d),
        };
        // From the bytes read, not the stamp: what is coded is what the index records.
        let inputs = match reuse(session.inputs(study, path, &bytes, stamp)) {
            Ok(done) => return done,
            Err(inputs) => inputs,
        };
        let key = cache.map(|c| c.key(&source, inputs.hash()));
        let current = session.is_current(&source, &inputs);
        let (coded, warnings) = match process_bytes(study, lexicon, analyzer, path, &bytes, output) {
            Ok(coded) => coded,
            Err(d) => return Done::Skipped(d),
        };
        if current {
            session.keep(&source, inputs);
        } else {
            session.replace(lexicon, &coded.interview, inputs);
        }
        prepared(coded, warnings, key)
    };
    // One look at the file gives the index its stamp and the progress its size on disk.
    let work = |path: &Path| {
        let stamp = index::Stamp::of(path);
        (work(path, stamp), stamp.map_or(0, |s| s.len))
    };
    stream(&study.transcripts, work, |(done, size): (Done<T>, u64)| {
        progress(size);
        let (prepared, mut warnings, record) = match done {
            Done::Coded(prepared, warnings, record) => (prepared, warnings, record),
            Done::Reused(prepared, warnings, record) => {
                reused += 1;
                (prepared, warnings, Some(record))
            }
            Done::Unchanged => {
                reused += 1;
                return Ok(());
            }
            Done::Skipped(d) => {
                diagnostics.push(d);
                return Ok(());
            }
            Done::Failed(e) => return Err(e),
        };
        diagnostics.append(&mut warnings);
        if let (Some(w), Some(r)) = (writer.as_mut(), record.as_ref()) {
            w.put(r);
        }
        consume(prepared, record.as_ref().map(cache::Record::key))
    })?;
    if let Some(Err(e)) = writer.map(cache::Writer::commit) {
        diagnostics.push(Diagnostic::warning(
            Location::new(cache::cache_path(&study.root), None),
            format!("{}; the next run codes every transcript again", e.without_path()),
        ));
    }
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(Streamed { diagnostics, reused })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Language;
    use crate::segment::RoleRules;

    #[test]
    fn job_statements_and_word_counts_are_made_only_for_reports() {
        let analyzer = Analyzer::new(Language::English);
        let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = "Interviewer: What do you own?\nAna: I need to cut outages so that the business can sleep.\n";
        let transcript = ingest::read("a.txt".as_ref(), text.as_bytes()).map(|r| r.transcript).unwrap_or_default();
        let code = |reports| {
            let passages = segment::segment(&transcript, &RoleRules::default());
            code_passages(&lexicon, &analyzer, &transcript.document, passages, Output { reports, index: false })
        };
        let ((plain, no_terms), (full, terms)) = (code(false), code(true));
        assert_eq!(plain.len(), 2);
        assert!(plain.iter().all(|cp| cp.jobs.is_empty()));
        assert_eq!(full.iter().map(|cp| cp.jobs.len()).sum::<usize>(), 1);
        assert!(no_terms.is_empty() && !terms.is_empty());
        for (a, b) in plain.iter().zip(&full) {
            assert_eq!((&a.tags, a.about, a.evidence), (&b.tags, b.about, b.evidence));
        }
        assert!(!full[1].tags.is_empty());
    }

    #[test]
    fn questions_are_coded_only_when_an_answer_needs_them_and_prompt_the_same_codes() {
        let analyzer = Analyzer::new(Language::English);
        let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = "Interviewer: Any outages or security worries lately?\n\
                    Ana: Nothing comes to mind.\n\
                    Ana: We had an outage last week and it hurt.\n\
                    Ana: Security worries me too.\n\
                    Interviewer: And then what happened?\n\
                    Ana: We had another outage.\n\
                    Interviewer: Tell me about the weather.\n\
                    Ana: Fine.\n";
        let transcript = ingest::read("a.txt".as_ref(), text.as_bytes()).map(|r| r.transcript).unwrap_or_default();
        let code = |reports, index| {
            let passages = segment::segment(&transcript, &RoleRules::default());
            code_passages(&lexicon, &analyzer, &transcript.document, passages, Output { reports, index }).0
        };
        let full = code(true, false);
        let prompted = |cps: &[CodedPassage]| -> Vec<(usize, usize, bool)> {
            cps.iter().flat_map(|cp| cp.tags.iter().map(|t| (cp.passage.index, t.code, t.prompted))).collect()
        };
        // Answers to the first question are prompted, the answer to the second is not.
        let want = prompted(&full);
        let (on, off): (Vec<_>, Vec<_>) = want.iter().copied().partition(|(_, _, p)| *p);
        assert!(on.len() >= 2 && !off.is_empty(), "{want:?}");
        assert!(!full[0].asked.is_empty() && full[4].asked.is_empty());
        for (reports, index) in [(false, false), (false, true)] {
            let lazy = code(reports, index);
            assert_eq!(prompted(&lazy), want, "index: {index}");
            assert!(lazy.iter().all(|cp| cp.asked.is_empty()));
            assert_eq!(lazy.iter().all(|cp| cp.stems.is_some()), index);
        }
    }
}
