//! `pith run STUDY [--out DIR]`: code every transcript and write the reports.

use std::path::PathBuf;

use pith::report::ReportFormat;

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
    let formats = parse_formats(&args.format)?;
    let opened = open_study(ctx, &args.study)?;
    let done =
        super::report::produce(ctx, &opened, &args.study, args.out.as_deref(), &args.by, &formats, true, args.redact)?;
    done.say(ctx, &args.by);
    Ok(done.outcome)
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
