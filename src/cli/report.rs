//! `pith report STUDY [--out DIR] [--by ATTRIBUTE] [--format md,html,json,csv,qdpx]`: code the
//! study and write the workshop report in the chosen formats (`--format` parses as in `pith run`).

use std::io::Write;
use std::path::PathBuf;

use pith::report::ReportFormat;
use pith::run::{Observer, Options, Ran};
use pith::words::counted;
use pith::Diagnostic;

use super::progress::Progress;
use super::{open_study, Context, Outcome};

/// The `--format` default: every format.
pub const ALL_FORMATS: &str = "md,html,json,csv,qdpx";

/// Arguments of `pith report` and `pith run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (or a bare folder of transcripts); several make a portfolio across them.
    #[arg(required_unless_present = "portfolio")]
    pub(super) study: Vec<PathBuf>,
    /// A file listing study folders, one a line: write the portfolio across them (as several STUDY).
    #[arg(long, conflicts_with = "study")]
    pub(super) portfolio: Option<PathBuf>,
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
    produce(ctx, args, false)
}

/// Runs the study's job with `args` (the index and run cache kept too with `index`), showing
/// progress and diagnostics, and says what was done.
pub fn produce(ctx: &Context, args: Args, index: bool) -> anyhow::Result<Outcome> {
    let formats = parse_formats(&args.format)?;
    let [study] = args.study.as_slice() else { return super::portfolio::run(ctx, args, &formats) };
    let opened = open_study(ctx, study)?;
    if args.redact && formats.contains(&ReportFormat::Qdpx) && !ctx.quiet {
        let _ = writeln!(
            std::io::stderr().lock(),
            "pith: --redact: not writing study.qdpx and codebook.qdc (a QDA project carries the verbatim transcripts)"
        );
    }
    let options = Options { out: args.out, by: args.by, formats, redact: args.redact, index, strict: ctx.strict };
    let mut shown = Shown { ctx, progress: Some(Progress::new(ctx, &opened.study.transcripts)) };
    let ran = pith::run::run(&opened, &options, &mut shown);
    shown.finish();
    let ran = ran?;
    say(ctx, &ran, &options.by);
    Ok(if ran.skipped { Outcome::Partial } else { Outcome::Done })
}

/// A run as the terminal shows it: a progress bar while coding, then the diagnostics.
struct Shown<'a> {
    ctx: &'a Context,
    progress: Option<Progress>,
}

impl Shown<'_> {
    fn finish(&mut self) {
        if let Some(p) = self.progress.take() {
            p.finish();
        }
    }
}

impl Observer for Shown<'_> {
    fn transcript(&mut self, bytes: u64) {
        if let Some(p) = &mut self.progress {
            p.done(bytes);
        }
    }

    fn diagnostics(&mut self, diagnostics: &[Diagnostic]) {
        self.finish();
        self.ctx.report_diagnostics(diagnostics);
    }
}

/// The closing line on stderr.
fn say(ctx: &Context, ran: &Ran, by: &str) {
    if ctx.quiet {
        return;
    }
    let groups = format!("{} by {by}", counted(ran.groups, "group"));
    let scope = format!("{} ({groups})", counted(ran.interviews, "interview"));
    let mut err = std::io::stderr().lock();
    if ran.fresh {
        let out = ran.written.first().and_then(|p| p.parent()).map_or_else(String::new, |p| p.display().to_string());
        let _ = writeln!(err, "pith: up to date: {scope}, nothing changed since the last run; reports in {out}");
        return;
    }
    let index = ran.update.as_ref().map(|u| format!("; {}", super::index::summary(u))).unwrap_or_default();
    let written = ran.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let coded = if ran.reused == 0 {
        scope
    } else {
        format!(
            "{} of {} ({groups}; {} unchanged since the last run)",
            ran.interviews.saturating_sub(ran.reused),
            counted(ran.interviews, "interview"),
            ran.reused
        )
    };
    let _ = writeln!(err, "pith: coded {coded}; wrote {written}{index}");
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
