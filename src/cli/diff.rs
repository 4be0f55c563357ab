//! `pith diff OLD.json NEW.json [--json]`: what changed between two report.json files, in the
//! words of the report's "what changed since the last run" section, or as its JSON.

use std::io::Write;
use std::path::PathBuf;

use super::{Context, Outcome};

/// Arguments of `pith diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier report.json.
    old: PathBuf,
    /// The later report.json.
    new: PathBuf,
    /// Print the changes as JSON (report.json's `changes` section) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(_ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let old = pith::readback::load(&args.old)?;
    let new = pith::readback::load(&args.new)?;
    let changes = pith::changes::compare(&old, &new);
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&changes)?;
        s.push('\n');
        s
    } else {
        pith::changes::to_text(&changes)
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::Done)
}
