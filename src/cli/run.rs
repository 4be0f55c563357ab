//! `pith run STUDY [--out DIR]`: code every transcript and write the reports.

use std::path::PathBuf;

use pith::pipeline;

use super::report::{parse_formats, write_reports, ALL_FORMATS};
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
    #[arg(long, value_delimiter = ',', default_value = ALL_FORMATS)]
    format: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let run = pipeline::run(&opened.study, &opened.lexicon, &opened.analyzer);
    ctx.check_strict(&run.diagnostics)?;
    let skipped = ctx.report_diagnostics(&run.diagnostics);
    write_reports(ctx, &opened, &run, &args.study, args.out.as_deref(), &args.by, &formats)?;
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}
