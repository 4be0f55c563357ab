//! `pith report STUDY [--out DIR] [--by ATTRIBUTE] [--format md,html,json,csv,qdpx]`: code the
//! study and write the workshop report in the chosen formats (`--format` parses as in `pith run`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use pith::aggregate::{Aggregator, Folded, Summary, TermMerge, Terms};
use pith::cache::Cache;
use pith::model::InterviewMeta;
use pith::report::redact::{Names, Redactor};
use pith::report::{self, ReportFormat};
use pith::study::OUT_DIR;
use pith::words::counted;
use pith::{index, pipeline};

use super::progress::Progress;
use super::{open_study, Context, Opened, Outcome};

/// The `--format` default: every format.
pub const ALL_FORMATS: &str = "md,html,json,csv,qdpx";

/// Arguments of `pith report` and `pith run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (or a bare folder of transcripts).
    pub(super) study: PathBuf,
    /// Where to write the reports (default: STUDY/out).
    #[arg(long, short)]
    pub(super) out: Option<PathBuf>,
    /// Group interviews by this manifest attribute instead of persona (e.g. segment).
    #[arg(long, default_value = "persona")]
    pub(super) by: String,
    /// Report formats, comma-separated: md, html, json, csv (matrix.csv), qdpx (study.qdpx + codebook.qdc).
    #[arg(long, value_delimiter = ',', default_value = ALL_FORMATS)]
    pub(super) format: Vec<String>,
    /// Pseudonymize participants (P01, P02, …), replace speaker and interviewer names, mask
    /// emails, phone numbers and URLs in the reports (the index keeps the verbatim text); skips
    /// qdpx, which needs the verbatim transcripts.
    #[arg(long)]
    pub(super) redact: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let done = produce(ctx, &opened, &args.study, args.out.as_deref(), &args.by, &formats, false, args.redact)?;
    done.say(ctx, &args.by);
    Ok(done.outcome)
}

/// What [`produce`] did.
pub struct Produced {
    /// Done, or done with inputs skipped.
    pub outcome: Outcome,
    /// Interviews coded.
    pub interviews: usize,
    /// Groups reported.
    pub groups: usize,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// The index update, when the index was kept up to date.
    pub update: Option<index::Update>,
    /// Nothing had changed since the last identical run: nothing was read or written.
    pub fresh: bool,
    /// Interviews unchanged since the last run, taken from its cache rather than coded.
    pub reused: usize,
}

impl Produced {
    /// The closing line on stderr.
    pub fn say(&self, ctx: &Context, by: &str) {
        if ctx.quiet {
            return;
        }
        let groups = format!("{} group{} by {by}", self.groups, if self.groups == 1 { "" } else { "s" });
        let scope = format!("{} ({groups})", counted(self.interviews, "interview"));
        let mut err = std::io::stderr().lock();
        if self.fresh {
            let out =
                self.written.first().and_then(|p| p.parent()).map_or_else(String::new, |p| p.display().to_string());
            let _ = writeln!(err, "pith: up to date: {scope}, nothing changed since the last run; reports in {out}");
            return;
        }
        let index = self.update.as_ref().map(|u| format!("; {}", super::index::summary(u))).unwrap_or_default();
        let written = self.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        let coded = if self.reused == 0 {
            scope
        } else {
            format!(
                "{} of {} ({groups}; {} unchanged since the last run)",
                self.interviews.saturating_sub(self.reused),
                counted(self.interviews, "interview"),
                self.reused
            )
        };
        let _ = writeln!(err, "pith: coded {coded}; wrote {written}{index}");
    }
}

/// Codes the study, streaming each interview into the aggregates, the REFI-QDA export and (with
/// `with_index`) the search index, then writes `formats` into `out` (default `STUDY/out`).
/// Diagnostics go to stderr; with `--strict`, a skipped transcript stops everything before any
/// file is written or the index is committed. With `redact`, the reports are redacted (see
/// [`Redactor`]) and the REFI-QDA export, which needs the verbatim transcripts, is skipped.
#[allow(clippy::too_many_arguments)]
pub fn produce(
    ctx: &Context,
    opened: &Opened,
    study: &Path,
    out: Option<&Path>,
    by: &str,
    formats: &[ReportFormat],
    with_index: bool,
    redact: bool,
) -> anyhow::Result<Produced> {
    let mut formats = formats.to_vec();
    if redact && formats.contains(&ReportFormat::Qdpx) {
        formats.retain(|f| *f != ReportFormat::Qdpx);
        if !ctx.quiet {
            let _ = writeln!(
                std::io::stderr().lock(),
                "pith: --redact: not writing study.qdpx and codebook.qdc (a QDA project carries the verbatim transcripts)"
            );
        }
    }
    let mut names: Vec<Names> = Vec::new();
    if out.is_none() {
        // A link at the default output folder leads out of the study; a named folder is the user's.
        pith::fsutil::refuse_symlinks(&study.join(OUT_DIR))?;
    }
    let out = out.map_or_else(|| study.join(OUT_DIR), Path::to_path_buf);
    opened.study.check_output(&out)?;
    let request = run_request(&out, &formats, by, redact);
    if with_index {
        if let Some(last) = index::up_to_date(&opened.study, &opened.lexicon, &request)? {
            return Ok(Produced {
                outcome: Outcome::Done,
                interviews: last.interviews,
                groups: last.groups,
                written: last.outputs.into_iter().map(|(p, _)| p).collect(),
                update: None,
                fresh: true,
                reused: last.interviews,
            });
        }
    }
    let out_existed = out.exists();
    let session = if with_index { Some(index::Session::begin(&opened.study, &opened.lexicon)?) } else { None };
    let mut writer = report::Writer::new(&formats, &out).context("cannot write the reports")?;
    let cache = with_index.then(|| Cache::open(&opened.study.root, &digest_variant(&formats, by)));
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
    let preparer = writer.preparer();
    let summarizer = agg.summarizer();
    let mut progress = Progress::new(ctx, &opened.study.transcripts);
    let mut folding = Vec::with_capacity(FOLD_BATCH);
    let streamed = pipeline::for_each_interview(
        &opened.study,
        &opened.lexicon,
        &opened.analyzer,
        session.as_ref(),
        cache.as_ref(),
        pipeline::Output { terms: true, index: false },
        |interview| {
            Ok(Digest {
                export: preparer.prepare(&opened.lexicon, &interview)?,
                summary: summarizer.summarize(&interview),
                names: Names::of(&interview),
                bytes: interview.transcript.document.len(),
                meta: interview.meta,
                terms: Terms::Counted(interview.terms),
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
            progress.done(digest.bytes);
            writer.add(&digest.meta, digest.export)
        },
    )?;
    agg.add_all(folding, |merges| pipeline::in_parallel(merges, TermMerge::run));
    if agg.settle(|merges| pipeline::in_parallel(merges, TermMerge::run)) > 0 {
        if let Some(cache) = &cache {
            // So that the next run codes everything again instead of failing the same way.
            cache.forget();
        }
        anyhow::bail!(
            "cannot read back the term counts of unchanged transcripts from {}: the next run codes them again",
            pith::cache::cache_path(&opened.study.root).display()
        );
    }
    let diagnostics = streamed.diagnostics;
    progress.finish();
    let checked = ctx.check_strict(&diagnostics).map_err(anyhow::Error::from).and_then(|()| {
        if grouped {
            Ok(())
        } else {
            Err(anyhow::anyhow!("no interview has the attribute {by:?} (a participants.csv column) to group by"))
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
    let skipped = ctx.report_diagnostics(&diagnostics);
    let title = opened.study.config.title.clone().unwrap_or_else(|| study_name(study));
    // The REFI-QDA project needs no aggregates: it is finished while the fold's state is kept for
    // the next run and the aggregates are computed.
    let (mut aggregates, project, kept) = std::thread::scope(|s| {
        let project = s.spawn(|| writer.finish_project(&title, &opened.lexicon));
        let kept = cache.as_ref().map(|cache| cache.put_whole(FOLD, &agg.kept()));
        (agg.finish(&title), project.join(), kept)
    });
    project.unwrap_or_else(|panic| std::panic::resume_unwind(panic)).context("cannot write the reports")?;
    if let (Some(Err(e)), false) = (kept, ctx.quiet) {
        // Only the next run's speed depends on it.
        let _ = writeln!(std::io::stderr().lock(), "pith: warning: {e}; the next run merges every group's terms again");
    }
    if redact {
        Redactor::new(&opened.study, &names)?.apply(&mut aggregates);
    }
    // The index update holds the study's lock: reports are written before it is released, so
    // a second `pith run` waits for neither half.
    let written = writer.finish(&aggregates, &opened.lexicon).context("cannot write the reports")?;
    // Only a run without diagnostics may be skipped next time: its messages would be lost.
    let record = (diagnostics.is_empty()).then(|| index::RunRecord {
        request,
        outputs: written.iter().filter_map(|p| Some((p.clone(), index::Stamp::of(p)?))).collect(),
        interviews: aggregates.interviews,
        groups: aggregates.personas.len(),
    });
    let update = prepared.map(|p| p.finish(record)).transpose()?;
    Ok(Produced {
        outcome: if skipped { Outcome::Partial } else { Outcome::Done },
        interviews: aggregates.interviews,
        groups: aggregates.personas.len(),
        written,
        update,
        fresh: false,
        reused: streamed.reused,
    })
}

/// Interviews whose term counts are merged together, their groups in parallel: the calling thread
/// waits for each merge, so few large ones (a re-run after one edit of the 200 MB bench corpus took
/// ~10% less with 512 than with 64; the counts waiting are a few MB).
const FOLD_BATCH: usize = 512;

/// What a report run keeps of one interview, made on the worker that coded it: everything the
/// fold and the exports need, so the passages are dropped there. The run cache keeps it too.
#[derive(serde::Serialize, serde::Deserialize)]
struct Digest {
    meta: InterviewMeta,
    bytes: usize,
    summary: Summary,
    terms: Terms,
    names: Names,
    export: report::Prepared,
}

/// What a [`Digest`] depends on besides the transcript's inputs: the grouping and whether the
/// REFI-QDA part is made.
fn digest_variant(formats: &[ReportFormat], by: &str) -> String {
    format!("digest {DIGEST_LAYOUT} qdpx={} by={by}", formats.contains(&ReportFormat::Qdpx))
}

/// Bumped when what a digest holds changes shape, so no run reads another layout's records.
const DIGEST_LAYOUT: u32 = 3;

/// What the fold keeps for the next run ([`pith::aggregate::Kept`]), beside the cache's records.
const FOLD: &str = "fold";

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

/// Parses `--format` values.
pub fn parse_formats(names: &[String]) -> anyhow::Result<Vec<ReportFormat>> {
    let mut formats = Vec::new();
    for name in names {
        let f = ReportFormat::parse(name).ok_or_else(|| {
            let known: Vec<&str> = ReportFormat::ALL.iter().map(|f| f.name()).collect();
            anyhow::anyhow!("unknown report format {name:?} (known: {})", known.join(", "))
        })?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    Ok(formats)
}
