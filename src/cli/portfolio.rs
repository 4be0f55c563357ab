//! `pith report STUDY1 STUDY2 … --out DIR` (or `--portfolio FILE`): the persona portfolio across
//! studies, from each study's last run (each brought up to date first, as `pith run` would).

use std::io::Write;

use pith::report::ReportFormat;
use pith::run::Observer;
use pith::words::counted;
use pith::Diagnostic;

use super::report::Args;
use super::{Context, Outcome};

struct Shown<'a> {
    ctx: &'a Context,
    skipped: bool,
}

impl Observer for Shown<'_> {
    fn diagnostics(&mut self, diagnostics: &[Diagnostic]) {
        self.skipped |= self.ctx.report_diagnostics(diagnostics);
    }
}

pub fn run(ctx: &Context, args: Args, formats: &[ReportFormat]) -> anyhow::Result<Outcome> {
    let Some(out) = &args.out else {
        anyhow::bail!("a portfolio needs --out DIR: where to write portfolio.md, portfolio.html and portfolio.json")
    };
    if args.by != "persona" {
        anyhow::bail!("a portfolio matches personas: --by {} is not used for one", args.by);
    }
    let studies = match &args.portfolio {
        Some(file) => pith::portfolio::read_list(file)?,
        None => args.study.clone(),
    };
    let mut shown = Shown { ctx, skipped: false };
    let inputs = pith::portfolio::gather(&studies, args.redact, &mut shown)?;
    let portfolio = pith::portfolio::build(&inputs);
    let written = pith::portfolio::write(&portfolio, formats, out)?;
    if !ctx.quiet {
        let mut err = std::io::stderr().lock();
        for i in inputs.iter().filter(|i| i.coded > 0) {
            let _ = writeln!(
                err,
                "pith: {}: coded {} to bring it up to date",
                i.path.display(),
                counted(i.coded, "interview")
            );
        }
        let golden = portfolio.personas.iter().filter(|p| p.golden).count();
        let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        let _ = writeln!(
            err,
            "pith: portfolio of {} studies: {golden} golden personas, {} gaps, {} overlaps; wrote {}",
            inputs.len(),
            portfolio.gaps.len(),
            portfolio.overlaps.len(),
            written.join(", ")
        );
    }
    Ok(if shown.skipped { Outcome::Partial } else { Outcome::Done })
}
