//! `pith run STUDY [--out DIR]`: code every transcript and write the reports.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use pith::aggregate::Aggregator;
use pith::report::{self, ReportFormat, ReportInput};
use pith::study::OUT_DIR;
use pith::{index, pipeline};

use super::{open_study, Context, Outcome};

/// Arguments of `pith run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (or a bare folder of transcripts).
    study: PathBuf,
    /// Where to write the reports (default: STUDY/out).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Group interviews by this manifest attribute instead of persona.
    #[arg(long, default_value = "persona")]
    by: String,
    /// Report formats, comma-separated: md, html, json, csv (matrix.csv), qdpx (study.qdpx + codebook.qdc).
    #[arg(long, value_delimiter = ',', default_value = super::report::ALL_FORMATS)]
    format: Vec<String>,
    /// Redact the reports as `pith report --redact` does (the index keeps the verbatim text).
    #[arg(long)]
    redact: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let mut formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let run = pipeline::run(&opened.study, &opened.lexicon, &opened.analyzer);
    ctx.check_strict(&run.diagnostics)?;
    let skipped = ctx.report_diagnostics(&run.diagnostics);
    let update = index::update_with(&opened.study, &opened.lexicon, &run.interviews)?;
    let mut agg = Aggregator::new(&opened.lexicon, &args.by);
    for interview in &run.interviews {
        agg.add(interview);
    }
    let title = opened.study.config.title.clone().unwrap_or_else(|| study_name(&args.study));
    let mut aggregates = agg.finish(&title);
    if args.redact {
        super::report::redact_reports(ctx, &opened, &run, &mut aggregates, &mut formats)?;
    }
    let out = args.out.unwrap_or_else(|| args.study.join(OUT_DIR));
    let input = ReportInput { aggregates: &aggregates, interviews: &run.interviews, lexicon: &opened.lexicon };
    let written = report::write(&input, &formats, &out).context("cannot write the reports")?;
    if !ctx.quiet {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "pith: coded {} interviews ({} groups by {}); wrote {}; {}",
            aggregates.interviews,
            aggregates.personas.len(),
            args.by,
            written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            super::index::summary(&update)
        );
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
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

fn study_name(path: &std::path::Path) -> String {
    std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "study".into())
}
