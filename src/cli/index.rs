//! `pith index STUDY`: parse, segment, code and index; incremental.

use std::io::Write;
use std::path::PathBuf;

use pith::index;
use pith::words::counted;

use super::progress::Progress;
use super::{open_study, Context, Outcome};

/// Arguments of `pith index`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (or a bare folder of transcripts).
    study: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let opened = open_study(ctx, &args.study)?;
    let mut progress = Progress::new(ctx, &opened.study.transcripts);
    let indexed = pith::run::index(&opened, ctx.strict, &mut progress);
    progress.finish();
    let (update, diagnostics) = indexed?;
    let skipped = ctx.report_diagnostics(&diagnostics);
    if !ctx.quiet {
        let _ = writeln!(std::io::stderr(), "pith: {}", summary(&update));
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// One line on what an index update did.
pub fn summary(u: &index::Update) -> String {
    format!(
        "index: {} indexed{}, {} unchanged, {} removed; {}",
        counted(u.indexed, "transcript"),
        if u.rebuilt { " (full rebuild)" } else { "" },
        u.unchanged,
        u.removed,
        counted(u.passages as usize, "passage")
    )
}
