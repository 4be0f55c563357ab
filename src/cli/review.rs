//! `pith review STUDY --code CODE`: pith's hits and near misses of a code, in context, decided
//! one at a time with single keys (accept, reject, skip, quit), or as a CSV sheet to fill in
//! (`--sheet`) and read back (`--apply`).

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::Context as _;

use pith::review::{self, Decision, Item, Kind, Verdict};

use super::{open_study, Context, Outcome};

/// Arguments of `pith review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder.
    study: PathBuf,
    /// The pith code to review (its id, as `pith code` prints it).
    #[arg(long)]
    code: String,
    /// Passages to offer: hits and near misses alternating, those decided before left out.
    #[arg(long, default_value_t = 20)]
    sample: usize,
    /// Write the sample as a CSV sheet to fill in (a `decision` column: accept or reject).
    #[arg(long, conflicts_with = "apply")]
    sheet: Option<PathBuf>,
    /// Read the decisions of a filled-in sheet.
    #[arg(long)]
    apply: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    if let Some(sheet) = &args.apply {
        let decisions = review::read_sheet(sheet)?;
        review::record(&args.study, &args.code, &decisions)?;
        let accepted = decisions.iter().filter(|d| d.2 == Verdict::Accept).count();
        let _ = writeln!(
            io::stdout(),
            "recorded {} decisions on {} ({accepted} accepted, {} rejected)",
            decisions.len(),
            args.code,
            decisions.len() - accepted
        );
        return Ok(Outcome::Done);
    }
    let opened = open_study(ctx, &args.study)?;
    let (items, diagnostics) = review::items(&opened, &args.code, args.sample)?;
    let skipped = ctx.report_diagnostics(&diagnostics);
    if let Some(sheet) = &args.sheet {
        pith::fsutil::write_atomic(sheet, &review::sheet(&items))
            .with_context(|| format!("cannot write {}", sheet.display()))?;
        let _ = writeln!(io::stdout(), "{} passages to decide in {}", items.len(), sheet.display());
        return Ok(if skipped { Outcome::Partial } else { Outcome::Done });
    }
    if items.is_empty() {
        let _ = writeln!(io::stdout(), "nothing to review for {}: no undecided hit or near miss", args.code);
        return Ok(Outcome::Done);
    }
    let mut keys = Keys::new();
    let mut out = io::stdout().lock();
    let (mut decided, mut accepted_hits, mut hits) = (0, 0, 0);
    for (n, item) in items.iter().enumerate() {
        show(&mut out, n + 1, items.len(), item)?;
        let verdict = loop {
            write!(out, "  (a)ccept  (r)eject  (s)kip  (q)uit > ")?;
            out.flush()?;
            match keys.next()? {
                Some('a' | 'y') => break Some(Verdict::Accept),
                Some('r' | 'n') => break Some(Verdict::Reject),
                Some('s') => break None,
                Some('q') | None => {
                    writeln!(out, "\r")?;
                    return finish(&mut out, &args.code, decided, accepted_hits, hits, skipped);
                }
                Some(_) => write!(out, "\r\n")?,
            }
        };
        let said = match verdict {
            Some(Verdict::Accept) => "accepted",
            Some(Verdict::Reject) => "rejected",
            None => "skipped",
        };
        write!(out, "{said}\r\n\r\n")?;
        if let Some(v) = verdict {
            let decision: Decision = (item.transcript.clone(), item.chars.clone(), v);
            review::record(&args.study, &args.code, &[decision])?;
            decided += 1;
            if item.kind == Kind::Hit {
                hits += 1;
                accepted_hits += usize::from(v == Verdict::Accept);
            }
        }
    }
    finish(&mut out, &args.code, decided, accepted_hits, hits, skipped)
}

fn finish(
    out: &mut impl Write,
    code: &str,
    decided: usize,
    accepted_hits: usize,
    hits: usize,
    skipped: bool,
) -> anyhow::Result<Outcome> {
    write!(out, "{decided} decisions on {code} recorded in coding/")?;
    if hits > 0 {
        write!(
            out,
            "; {accepted_hits} of {hits} hits accepted (precision {:.2} on this sample)",
            accepted_hits as f64 / hits as f64
        )?;
    }
    write!(out, "\r\n")?;
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

fn show(out: &mut impl Write, n: usize, of: usize, item: &Item) -> io::Result<()> {
    let kind = match &item.kind {
        Kind::Hit => "hit".to_string(),
        Kind::NearMiss(why) => format!("near miss ({why})"),
    };
    write!(out, "[{n}/{of}] {}:{}  pith: {kind}\r\n", item.interview, item.index)?;
    if let Some(q) = &item.question {
        write!(out, "  Q: {}\r\n", super::agree::snippet(q))?;
    }
    for k in &item.kwic {
        write!(out, "  {}\r\n", review::in_context(k))?;
    }
    Ok(())
}

/// Single keys from a terminal in raw mode (restored on drop), else the first letter of each line
/// of standard input.
struct Keys {
    #[cfg(target_os = "linux")]
    saved: Option<rustix::termios::Termios>,
}

impl Keys {
    fn new() -> Keys {
        #[cfg(target_os = "linux")]
        {
            let stdin = io::stdin();
            let saved = stdin.is_terminal().then(|| rustix::termios::tcgetattr(&stdin).ok()).flatten();
            if let Some(old) = &saved {
                let mut raw = old.clone();
                raw.make_raw();
                // Output processing stays on, so that "\n" still starts a line.
                raw.output_modes = old.output_modes;
                let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &raw);
            }
            Keys { saved }
        }
        #[cfg(not(target_os = "linux"))]
        Keys {}
    }

    /// The next key, lowercased; `None` at the end of input or on Ctrl-C / Ctrl-D.
    fn next(&mut self) -> io::Result<Option<char>> {
        #[cfg(target_os = "linux")]
        if self.saved.is_some() {
            let mut b = [0u8; 1];
            return Ok(match io::stdin().read(&mut b)? {
                0 => None,
                _ if b[0] == 3 || b[0] == 4 => None,
                _ => Some(char::from(b[0]).to_ascii_lowercase()),
            });
        }
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().chars().next().unwrap_or(' ').to_ascii_lowercase()))
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(old) = &self.saved {
            let _ = rustix::termios::tcsetattr(io::stdin(), rustix::termios::OptionalActions::Now, old);
        }
    }
}
