//! `pith review STUDY --code CODE`: pith's hits and near misses of a code, in context, decided
//! one at a time with single keys (accept, reject, skip, quit), or as a CSV or HTML sheet to fill
//! in (`--sheet`) and read back (`--apply`); then the lexicon change the decisions support,
//! written when confirmed, and the code's agreement.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use pith::coding::HumanCoding;
use pith::review::propose::{self, Change, Proposal};
use pith::review::{self, Decision, Item, Kind, Named, Verdict};
use pith::run::Opened;

use super::{open_study, Context, Outcome};

/// Arguments of `pith review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder.
    study: PathBuf,
    /// The code to review: a pith code id (as `pith code` prints it), or a code of the study's
    /// codebook (any case) that corresponds to one; decisions are recorded under the name given.
    #[arg(long)]
    code: String,
    /// Passages to offer: hits and near misses alternating, those decided before left out.
    #[arg(long, default_value_t = 20)]
    sample: usize,
    /// Write the sample as a sheet to fill in: CSV (a `decision` column: accept or reject), or
    /// an HTML page (`.html`) whose button downloads the same CSV.
    #[arg(long, conflicts_with = "apply")]
    sheet: Option<PathBuf>,
    /// Read the decisions of a filled-in sheet (CSV).
    #[arg(long)]
    apply: Option<PathBuf>,
    /// With --apply: write the lexicon change the decisions support into the study lexicon.
    #[arg(long, requires = "apply")]
    write_lexicon: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let opened = open_study(ctx, &args.study)?;
    let coding = HumanCoding::load(&args.study)?;
    let named = review::named(&opened, &coding, &args.code)?;
    let code = named.recorded.as_str();
    if let Some(sheet) = &args.apply {
        let decisions = review::read_sheet(sheet)?;
        review::record(&args.study, code, &decisions)?;
        let accepted = decisions.iter().filter(|d| d.2 == Verdict::Accept).count();
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "recorded {} decisions on {code} ({accepted} accepted, {} rejected)",
            decisions.len(),
            decisions.len() - accepted
        )?;
        let write = args.write_lexicon;
        let skipped = after(ctx, &mut out, opened, &named, &args.study, |out| {
            if !write {
                writeln!(out, "not written: run again with --write-lexicon to write it")?;
            }
            Ok(write)
        })?;
        return Ok(if skipped { Outcome::Partial } else { Outcome::Done });
    }
    let (items, diagnostics) = review::items(&opened, &named.pith, args.sample)?;
    let skipped = ctx.report_diagnostics(&diagnostics);
    if let Some(sheet) = &args.sheet {
        let html = sheet.extension().is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        let bytes = if html { review::html::sheet(&items, code) } else { review::sheet(&items) };
        pith::fsutil::write_atomic(sheet, &bytes).with_context(|| format!("cannot write {}", sheet.display()))?;
        let _ = writeln!(io::stdout(), "{} passages to decide in {}", items.len(), sheet.display());
        return Ok(if skipped { Outcome::Partial } else { Outcome::Done });
    }
    if items.is_empty() {
        let _ = writeln!(io::stdout(), "nothing to review for {code}: no undecided hit or near miss");
        return Ok(Outcome::Done);
    }
    let mut keys = Keys::new();
    let mut out = io::stdout().lock();
    let (mut decided, mut accepted_hits, mut hits) = (0, 0, 0);
    'items: for (n, item) in items.iter().enumerate() {
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
                    break 'items;
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
            review::record(&args.study, code, &[decision])?;
            decided += 1;
            if item.kind == Kind::Hit {
                hits += 1;
                accepted_hits += usize::from(v == Verdict::Accept);
            }
        }
    }
    write!(out, "{decided} decisions on {code} recorded in coding/")?;
    if hits > 0 {
        write!(
            out,
            "; {accepted_hits} of {hits} hits accepted (precision {:.2} on this sample)",
            accepted_hits as f64 / hits as f64
        )?;
    }
    write!(out, "\r\n")?;
    let more = after(ctx, &mut out, opened, &named, &args.study, |out| {
        write!(out, "  (w)rite it to the study lexicon, any other key leaves it as it is > ")?;
        out.flush()?;
        let write = keys.next()? == Some('w');
        write!(out, "{}\r\n", if write { "write" } else { "left" })?;
        Ok(write)
    })?;
    Ok(if skipped || more { Outcome::Partial } else { Outcome::Done })
}

/// After decisions are recorded: the lexicon change they support, written when `confirm` says
/// so, then the code's agreement as `pith agree` gives it. Whether a transcript was skipped.
fn after<W: Write>(
    ctx: &Context,
    out: &mut W,
    opened: Opened,
    named: &Named,
    study: &Path,
    mut confirm: impl FnMut(&mut W) -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    let (proposal, diagnostics) = propose::propose(&opened, &named.pith, &named.recorded)?;
    let mut skipped = ctx.report_diagnostics(&diagnostics);
    let mut opened = opened;
    match proposal {
        None => write!(
            out,
            "no lexicon change proposed: no context word or lower weight drops {} rejected hits of {} and no accepted one\r\n",
            propose::MIN_SHARED,
            named.pith
        )?,
        Some(p) => {
            show_proposal(out, &p, study)?;
            if confirm(out)? {
                let file = propose::write(&opened, &p)?;
                write!(out, "written: {}\r\n", file.display())?;
                opened = open_study(ctx, study)?;
            }
        }
    }
    let coding = HumanCoding::load(study)?;
    if coding.selections.is_empty() {
        return Ok(skipped);
    }
    let paired = pith::human::pair(&opened, &coding)?;
    skipped |= ctx.report_diagnostics(&paired.diagnostics);
    let agreement = pith::human::agreement(&paired, &coding, &opened);
    if let Some(row) = agreement.codes.iter().find(|r| r.code == named.recorded) {
        super::agree::table(out, "agreement on the code, as pith agree gives it:", std::slice::from_ref(row))?;
    }
    Ok(skipped)
}

fn show_proposal(out: &mut impl Write, p: &Proposal, study: &Path) -> io::Result<()> {
    write!(
        out,
        "\r\nthe rejected hits of {} share a pattern ({} hits rejected, {} accepted):\r\n",
        p.code, p.rejected, p.accepted
    )?;
    for change in &p.changes {
        match change {
            Change::Exclude { word, terms, drops } => write!(
                out,
                "  {word:?} within {} words of its terms: {} exclusion{}, drops {drops} rejected hits\r\n",
                propose::GAP,
                terms.len(),
                if terms.len() == 1 { "" } else { "s" }
            )?,
            Change::Weight { from, to, drops } => write!(
                out,
                "  weight {from} to {to}: one of its terms alone no longer codes the family, drops {drops} rejected hits\r\n"
            )?,
        }
    }
    let file = p.file.strip_prefix(study).unwrap_or(&p.file);
    let what = if p.before.is_empty() { "new file" } else { "change to" };
    write!(out, "{what} {}:\r\n", file.display())?;
    for line in p.diff() {
        write!(out, "  {line}\r\n")?;
    }
    write!(
        out,
        "it drops {} of {} rejected hits and {} of {} accepted hits\r\n",
        p.drops_rejected, p.rejected, p.drops_accepted, p.accepted
    )
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
