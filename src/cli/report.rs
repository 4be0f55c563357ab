//! `pith report STUDY [--out DIR] [--by ATTRIBUTE] [--format md,html,json,csv,qdpx]`: code the
//! study and write the workshop report in the chosen formats (`--format` parses as in `pith run`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use pith::aggregate::{Aggregates, Aggregator};
use pith::pipeline::{self, Run};
use pith::report::redact::Redactor;
use pith::report::{self, ReportFormat, ReportInput};
use pith::study::OUT_DIR;

use super::run::parse_formats;
use super::{open_study, Context, Opened, Outcome};

/// The `--format` default: every format.
pub const ALL_FORMATS: &str = "md,html,json,csv,qdpx";

/// Arguments of `pith report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (or a bare folder of transcripts).
    study: PathBuf,
    /// Where to write the reports (default: STUDY/out).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Group interviews by this manifest attribute instead of persona (e.g. segment).
    #[arg(long, default_value = "persona")]
    by: String,
    /// Report formats, comma-separated: md, html, json, csv (matrix.csv), qdpx (study.qdpx + codebook.qdc).
    #[arg(long, value_delimiter = ',', default_value = ALL_FORMATS)]
    format: Vec<String>,
    /// Pseudonymize participants (P01, P02, …), replace speaker and interviewer names, mask
    /// emails, phone numbers and URLs; skips qdpx, which needs the verbatim transcripts.
    #[arg(long)]
    redact: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let run = pipeline::run(&opened.study, &opened.lexicon, &opened.analyzer);
    ctx.check_strict(&run.diagnostics)?;
    let skipped = ctx.report_diagnostics(&run.diagnostics);
    let out = args.out.as_deref();
    write_reports(ctx, &opened, &run, &args.study, out, &args.by, &formats, args.redact)?;
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// Aggregates the coded interviews by `by` and writes `formats` into `out` (default `STUDY/out`),
/// redacted when `redact` is set.
#[allow(clippy::too_many_arguments)]
pub fn write_reports(
    ctx: &Context,
    opened: &Opened,
    run: &Run,
    study: &Path,
    out: Option<&Path>,
    by: &str,
    formats: &[ReportFormat],
    redact: bool,
) -> anyhow::Result<()> {
    if by != "persona" && !run.interviews.iter().any(|i| i.meta.attribute(by).is_some()) {
        anyhow::bail!("no interview has the attribute {by:?} (a participants.csv column) to group by");
    }
    let mut agg = Aggregator::new(&opened.lexicon, by);
    for interview in &run.interviews {
        agg.add(interview);
    }
    let title = opened.study.config.title.clone().unwrap_or_else(|| study_name(study));
    let mut aggregates = agg.finish(&title);
    let mut formats = formats.to_vec();
    if redact {
        redact_reports(ctx, opened, run, &mut aggregates, &mut formats)?;
    }
    let out = out.map_or_else(|| study.join(OUT_DIR), Path::to_path_buf);
    let input = ReportInput { aggregates: &aggregates, interviews: &run.interviews, lexicon: &opened.lexicon };
    let written = report::write(&input, &formats, &out).context("cannot write the reports")?;
    if !ctx.quiet {
        let _ = writeln!(
            std::io::stderr().lock(),
            "pith: coded {} interviews ({} group{} by {by}); wrote {}",
            aggregates.interviews,
            aggregates.personas.len(),
            if aggregates.personas.len() == 1 { "" } else { "s" },
            written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

/// `--redact`: rewrites `aggregates` with the study's [`Redactor`] and drops the REFI-QDA
/// export (a QDA project needs the verbatim sources), saying so unless quiet.
pub fn redact_reports(
    ctx: &Context,
    opened: &Opened,
    run: &Run,
    aggregates: &mut Aggregates,
    formats: &mut Vec<ReportFormat>,
) -> anyhow::Result<()> {
    Redactor::new(&opened.study, &run.interviews)?.apply(aggregates);
    if formats.contains(&ReportFormat::Qdpx) {
        formats.retain(|f| *f != ReportFormat::Qdpx);
        if !ctx.quiet {
            let _ = writeln!(
                std::io::stderr().lock(),
                "pith: --redact: not writing study.qdpx and codebook.qdc (a QDA project carries the verbatim transcripts)"
            );
        }
    }
    Ok(())
}

fn study_name(path: &Path) -> String {
    std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "study".into())
}
