//! `pith import PROJECT STUDY`: a researcher's coded project (REFI-QDA `.qdpx` or `.qdc`,
//! Taguette's or QualCoder's database, or a quotation export as CSV) into a study's transcripts, participants and human coding.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use pith::words::counted;

use super::{Context, Outcome};

/// Arguments of `pith import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project: a REFI-QDA project (.qdpx) or codebook (.qdc); Taguette's project database
    /// (.sqlite3); QualCoder's project (its NAME.qda folder or the data.qda in it); or a quotation
    /// export (.csv: ATLAS.ti's quotation manager, Taguette's highlights) of the study's own
    /// transcripts. Databases are only read: nothing is written beside them.
    project: PathBuf,
    /// The study folder (created when missing).
    study: PathBuf,
    /// With a quotation export: the codebook as CSV (ATLAS.ti's code manager export: Code,
    /// Comment, Groups).
    #[arg(long)]
    codebook: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let options = pith::import::Options { codebook: args.codebook.clone() };
    let done = pith::import::import(&args.project, &args.study, &options)
        .with_context(|| format!("cannot import {}", args.project.display()))?;
    let mut err = std::io::stderr().lock();
    if !ctx.quiet {
        for w in &done.warnings {
            let _ = writeln!(err, "pith: {}: warning: {w}", args.project.display());
        }
    }
    let _ = writeln!(
        std::io::stdout(),
        "imported {} ({} new or changed), {} participant rows, {}, {}{}",
        counted(done.sources, "source"),
        done.transcripts_written,
        done.participants,
        counted(done.codes, "code"),
        counted(done.selections, "coded selection"),
        done.selections_file.as_ref().map(|f| format!(" in {}", f.display())).unwrap_or_default()
    );
    Ok(if done.warnings.is_empty() { Outcome::Done } else { Outcome::Partial })
}
