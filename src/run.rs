//! run: the whole job on a study, in the pipeline's order. Takes an [`Opened`] study and
//! [`Options`]; gives what it did ([`Ran`]) and tells an [`Observer`] as it goes.
//!
//! [`run`] codes every transcript once, streaming each coded interview into the index (with
//! [`Options::index`]), the run cache, the aggregates and the REFI-QDA export, then writes the
//! reports; an unchanged study is not read again. [`index()`] keeps only the index current.

use std::path::{Path, PathBuf};

use crate::aggregate::{Aggregator, Folded, Summary, TermMerge, Terms};
use crate::analyze::Analyzer;
use crate::cache::Cache;
use crate::error::{Diagnostic, Error, Location, Result, Severity};
use crate::index;
use crate::lexicon::Lexicon;
use crate::model::InterviewMeta;
use crate::pipeline::{self, Output, Reuse};
use crate::report::redact::{Names, Redactor};
use crate::report::{self, ReportFormat};
use crate::study::{Study, OUT_DIR};

/// A study opened with its analyzer and compiled lexicon: what every command starts from.
pub struct Opened {
    /// The study.
    pub study: Study,
    /// Its analyzer.
    pub analyzer: Analyzer,
    /// Built-in plus study lexicons.
    pub lexicon: Lexicon,
}

impl Opened {
    /// Opens the study at `path` and compiles its lexicons (a broken one is
    /// [`Error::Lexicon`], naming file and line).
    pub fn open(path: &Path) -> Result<Opened> {
        let study = Study::open(path)?;
        let analyzer = Analyzer::new(study.language()?);
        let lexicon = Lexicon::load(&analyzer, &study.lexicon_paths())
            .map_err(Error::Lexicon)?
            .with_meaning(study.config.coding.meaning);
        Ok(Opened { study, analyzer, lexicon })
    }
}

/// What a [`run`] is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the reports go (default: `STUDY/out`).
    pub out: Option<PathBuf>,
    /// The manifest attribute interviews are grouped by (`persona` by default).
    pub by: String,
    /// The formats to write. With [`Options::redact`], REFI-QDA is left out.
    pub formats: Vec<ReportFormat>,
    /// Pseudonymize the reports (see [`Redactor`]).
    pub redact: bool,
    /// Keep the search index and the run cache current too (`pith run`), which lets a run of an
    /// unchanged study read nothing again.
    pub index: bool,
    /// Stop at the first transcript that cannot be read, before anything is written.
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            out: None,
            by: "persona".into(),
            formats: ReportFormat::ALL.to_vec(),
            redact: false,
            index: true,
            strict: false,
        }
    }
}

/// What a run tells its caller while it works; each method does nothing unless implemented.
pub trait Observer {
    /// One transcript of `bytes` bytes on disk is done with: coded, taken from the run cache,
    /// current in the index, or skipped.
    fn transcript(&mut self, _bytes: u64) {}
    /// Diagnostics: all of coding's before any report is written, later ones as they come.
    fn diagnostics(&mut self, _diagnostics: &[Diagnostic]) {}
}

impl Observer for () {}

/// What [`run`] did.
#[derive(Debug)]
pub struct Ran {
    /// Interviews reported.
    pub interviews: usize,
    /// Groups reported.
    pub groups: usize,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// The index update, when the index was kept current.
    pub update: Option<index::Update>,
    /// Nothing had changed since the last identical run: nothing was read or written.
    pub fresh: bool,
    /// Interviews unchanged since the last run, taken from its cache rather than coded.
    pub reused: usize,
    /// Whether a transcript was skipped (its diagnostic went to the observer).
    pub skipped: bool,
}

/// Interviews whose term counts are merged together, their groups in parallel: the calling thread
/// waits for each merge, so few large ones (the counts waiting are a few MB).
const FOLD_BATCH: usize = 512;

/// What a run keeps of one interview, made on the worker that coded it: everything the fold and
/// the exports need, so the passages are dropped there. The run cache keeps it too.
#[derive(serde::Serialize, serde::Deserialize)]
struct Digest {
    meta: InterviewMeta,
    summary: Summary,
    terms: Terms,
    names: Names,
    export: report::InterviewPart,
}

/// What a [`Digest`] depends on besides the transcript's inputs: the grouping and whether the
/// REFI-QDA part is made.
fn digest_variant(formats: &[ReportFormat], by: &str) -> String {
    format!("digest {DIGEST_LAYOUT} qdpx={} by={by}", formats.contains(&ReportFormat::Qdpx))
}

/// Bumped when what a digest holds changes shape, so no run reads another layout's records.
const DIGEST_LAYOUT: u32 = 4;

/// What the fold keeps for the next run ([`crate::aggregate::Kept`]), beside the cache's records.
const FOLD: &str = "fold";

/// Codes the study at `root` (as `opened`), streaming each interview into the aggregates, the
/// REFI-QDA export and (with [`Options::index`]) the search index and run cache, then writes
/// the reports. With [`Options::strict`], a skipped transcript stops everything before any file
/// is written or the index is committed.
pub fn run(opened: &Opened, options: &Options, observer: &mut dyn Observer) -> Result<Ran> {
    let Options { by, redact, strict, .. } = options;
    let (by, redact, study) = (by.as_str(), *redact, &opened.study.root);
    let mut formats = options.formats.clone();
    if redact {
        formats.retain(|f| *f != ReportFormat::Qdpx);
    }
    if options.out.is_none() {
        // A link at the default output folder leads out of the study; a named folder is the user's.
        crate::fsutil::refuse_symlinks(&study.join(OUT_DIR))?;
    }
    let out = options.out.clone().unwrap_or_else(|| study.join(OUT_DIR));
    opened.study.check_output(&out)?;
    let request = run_request(&out, &formats, by, redact);
    if options.index {
        if let Some(last) = index::up_to_date(&opened.study, &opened.lexicon, &request)? {
            return Ok(Ran {
                interviews: last.interviews,
                groups: last.groups,
                written: last.outputs.into_iter().map(|(p, _)| p).collect(),
                update: None,
                fresh: true,
                reused: last.interviews,
                skipped: false,
            });
        }
    }
    let out_existed = out.exists();
    let session = if options.index { Some(index::Session::begin(&opened.study, &opened.lexicon)?) } else { None };
    let mut writer = report::Writer::new(&formats, &out)?;
    let cache = options.index.then(|| Cache::open(study, &digest_variant(&formats, by)));
    let mut agg = Aggregator::new(&opened.lexicon, by);
    if let Some(cache) = &cache {
        let kept = cache.get_whole(FOLD).unwrap_or_default();
        agg.resume(
            kept,
            Box::new(|keys: &[_]| {
                use rayon::prelude::*;
                keys.par_iter()
                    .map(|&key| pipeline::cached::<Digest>(cache, key).and_then(|d| d.terms.counts()))
                    .collect()
            }),
        );
    }
    let mut grouped = by == "persona";
    let mut names: Vec<Names> = Vec::new();
    let preparer = writer.preparer();
    let summarizer = agg.summarizer();
    let mut folding = Vec::with_capacity(FOLD_BATCH);
    let streamed = pipeline::for_each_interview(
        &opened.study,
        &opened.lexicon,
        &opened.analyzer,
        session.as_ref(),
        cache.as_ref().map_or(Reuse::Never, Reuse::Cache),
        Output { reports: true, index: false },
        |coded| {
            let interview = coded.interview;
            Ok(Digest {
                export: preparer.prepare(&opened.lexicon, &interview)?,
                summary: summarizer.summarize(&interview),
                names: Names::of(&interview),
                meta: interview.meta,
                terms: Terms::Counted(coded.terms),
            })
        },
        |digest, key| {
            grouped |= digest.meta.attribute(by).is_some();
            if redact {
                names.push(digest.names);
            }
            folding.push(Folded { summary: digest.summary, terms: digest.terms, key });
            if folding.len() == FOLD_BATCH {
                agg.add_all(std::mem::take(&mut folding), |merges| pipeline::in_parallel(merges, TermMerge::run));
            }
            writer.add(&digest.meta, digest.export)
        },
        |bytes| observer.transcript(bytes),
    )?;
    agg.add_all(folding, |merges| pipeline::in_parallel(merges, TermMerge::run));
    if agg.settle(|merges| pipeline::in_parallel(merges, TermMerge::run)) > 0 {
        if let Some(cache) = &cache {
            // So that the next run codes everything again instead of failing the same way.
            cache.forget();
        }
        return Err(Error::Invalid(format!(
            "cannot read back the term counts of unchanged transcripts from {}: the next run codes them again",
            crate::cache::cache_path(study).display()
        )));
    }
    let diagnostics = streamed.diagnostics;
    let checked = check_strict(*strict, &diagnostics).and_then(|()| {
        if grouped {
            Ok(())
        } else {
            Err(Error::Invalid(format!(
                "no interview has the attribute {by:?} (a participants.csv column) to group by"
            )))
        }
    });
    if let Err(e) = checked {
        drop(writer);
        if !out_existed {
            // Only the folder this run made, and only while it is empty.
            let _ = std::fs::remove_dir(&out);
        }
        return Err(e);
    }
    // The index writes its last segments out while the aggregates and reports are made; it
    // commits after them.
    let prepared = session.map(index::Session::prepare);
    observer.diagnostics(&diagnostics);
    let skipped = diagnostics.iter().any(|d| d.severity == Severity::Skipped);
    let title = opened.study.config.title.clone().unwrap_or_else(|| study_name(study));
    // The REFI-QDA project carries the briefs' statements: the writer finishes it with the aggregates.
    let kept = cache.as_ref().map(|cache| cache.put_whole(FOLD, &agg.kept()));
    let mut aggregates = agg.finish(&title);
    if let Some(Err(e)) = kept {
        // Only the next run's speed depends on it.
        let path = crate::cache::cache_path(study).with_extension(FOLD);
        let message = format!("{}; the next run merges every group's terms again", e.without_path());
        observer.diagnostics(&[Diagnostic::warning(Location::new(path, None), message)]);
    }
    if redact {
        Redactor::new(&opened.study, &names)?.apply(&mut aggregates);
    }
    let kept = crate::changes::kept_path(study, by, redact);
    let (changes, unread, now) = crate::changes::since(&kept, &report::render_json(&aggregates)?);
    observer.diagnostics(unread.as_slice());
    aggregates.changes = Some(changes);
    // The index update holds the study's lock: reports are written before it is released, so
    // a second `pith run` waits for neither half.
    let written = writer.finish(&aggregates, &opened.lexicon)?;
    // Only `pith run` keeps state in the study; `pith report` compares with what it kept.
    let keep = now.filter(|_| options.index).map(|now| crate::changes::keep(&kept, &now));
    if let Some(Err(e)) = keep {
        // Only the next run's changes section depends on it.
        let message = format!("{}; the next run cannot say what changed", e.without_path());
        observer.diagnostics(&[Diagnostic::warning(Location::new(kept, None), message)]);
    }
    // Only a run without diagnostics may be skipped next time: its messages would be lost.
    let record = (diagnostics.is_empty()).then(|| index::RunRecord {
        request,
        outputs: written.iter().filter_map(|p| Some((p.clone(), index::Stamp::of(p)?))).collect(),
        interviews: aggregates.interviews,
        groups: aggregates.personas.len(),
    });
    let update = prepared.map(|p| p.finish(record)).transpose()?;
    Ok(Ran {
        interviews: aggregates.interviews,
        groups: aggregates.personas.len(),
        written,
        update,
        fresh: false,
        reused: streamed.reused,
        skipped,
    })
}

/// Brings the study's search index up to date (`pith index`): transcripts whose inputs are
/// unchanged are not read again beyond hashing; changed ones are coded and replace their
/// documents; deleted ones are removed. Gives the update and its diagnostics, which the observer
/// has not seen.
pub fn index(opened: &Opened, strict: bool, observer: &mut dyn Observer) -> Result<(index::Update, Vec<Diagnostic>)> {
    let session = index::Session::begin(&opened.study, &opened.lexicon)?;
    let streamed = pipeline::for_each_interview(
        &opened.study,
        &opened.lexicon,
        &opened.analyzer,
        Some(&session),
        Reuse::Skip,
        Output::default(),
        |_| Ok(()),
        |(), _| Ok(()),
        |bytes| observer.transcript(bytes),
    )?;
    check_strict(strict, &streamed.diagnostics)?;
    Ok((session.finish(None)?, streamed.diagnostics))
}

/// With `strict`, the first skipped input is an error ([`Error::Strict`]).
pub fn check_strict(strict: bool, diagnostics: &[Diagnostic]) -> Result<()> {
    match diagnostics.iter().find(|d| strict && d.severity == Severity::Skipped) {
        Some(d) => Err(Error::Strict(d.clone())),
        None => Ok(()),
    }
}

/// What a run is asked, as a hash: the same request over unchanged inputs gives the same files.
fn run_request(out: &Path, formats: &[ReportFormat], by: &str, redact: bool) -> String {
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let mut h = blake3::Hasher::new();
    for part in [env!("CARGO_PKG_VERSION"), &out.to_string_lossy(), by, if redact { "redact" } else { "verbatim" }]
        .into_iter()
        .chain(formats.iter().map(|f| f.name()))
    {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

fn study_name(path: &Path) -> String {
    std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "study".into())
}
