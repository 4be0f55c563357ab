//! `pith agree STUDY`: pith's coding against the researcher's, per human code and family.

use std::io::{self, Write};
use std::path::PathBuf;

use pith::coding::agree::{Row, Side};
use pith::coding::HumanCoding;

use super::{open_study, Context, Outcome};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Csv,
}

/// Arguments of `pith agree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder, with human coding under coding/ (pith import writes it).
    study: PathBuf,
    /// Output format: a table with the differing passages, or one CSV row per code and family.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Differing passages to list per code (text format).
    #[arg(long, default_value_t = 5)]
    show: usize,
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{x:.2}"))
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let opened = open_study(ctx, &args.study)?;
    let coding = HumanCoding::load(&args.study)?;
    let paired = pith::human::pair(&opened, &coding)?;
    let skipped = ctx.report_diagnostics(&paired.diagnostics);
    let agreement = pith::human::agreement(&paired, &coding, &opened);
    let mut out = io::stdout().lock();
    match args.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["kind", "code", "pith", "both", "pith_only", "human_only", "neither", "kappa", "f1"])?;
            for (kind, rows) in [("code", &agreement.codes), ("family", &agreement.families)] {
                for r in rows.iter() {
                    let t = &r.table;
                    w.write_record([
                        kind,
                        &r.code,
                        r.target.as_str(),
                        &t.both.to_string(),
                        &t.pith_only.to_string(),
                        &t.human_only.to_string(),
                        &t.neither.to_string(),
                        &num(t.kappa()),
                        &num(t.f1()),
                    ])?;
                }
            }
            w.flush()?;
        }
        Format::Text => {
            writeln!(out, "{} participant passages of the transcripts the researcher coded", agreement.passages)?;
            if agreement.codes.is_empty() {
                writeln!(
                    out,
                    "\nno human code corresponds to a pith code or family: name them in {}/coding/mapping.csv (code,pith)",
                    args.study.display()
                )?;
            } else {
                table(&mut out, "per code", &agreement.codes)?;
                table(
                    &mut out,
                    "per family (a passage is the researcher's when any code mapped into the family covers it)",
                    &agreement.families,
                )?;
            }
            if !agreement.unmapped.is_empty() {
                writeln!(
                    out,
                    "\n{} human codes have no pith counterpart (map them in coding/mapping.csv): {}",
                    agreement.unmapped.len(),
                    agreement.unmapped.join(", ")
                )?;
            }
            for r in agreement.codes.iter().filter(|r| !r.differ.is_empty() && args.show > 0) {
                writeln!(out, "\n{} ({}): {} passages differ", r.code, r.target.as_str(), r.differ.len())?;
                for (interview, passage, side) in r.differ.iter().take(args.show) {
                    let who = match side {
                        Side::Pith => "pith only ",
                        Side::Human => "human only",
                    };
                    let text = paired
                        .passages
                        .iter()
                        .find(|p| &p.interview == interview && p.index == *passage)
                        .map(|p| snippet(&p.text))
                        .unwrap_or_default();
                    writeln!(out, "  {who} {interview}:{passage}  {text}")?;
                }
            }
        }
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// Agreement rows as a table under `title`.
pub fn table(out: &mut impl Write, title: &str, rows: &[Row]) -> io::Result<()> {
    writeln!(out, "\n{title}")?;
    writeln!(
        out,
        "  {:<40} {:<28} {:>5} {:>9} {:>10} {:>6} {:>5}",
        "code", "pith", "both", "pith only", "human only", "kappa", "F1"
    )?;
    for r in rows {
        let t = &r.table;
        writeln!(
            out,
            "  {:<40} {:<28} {:>5} {:>9} {:>10} {:>6} {:>5}",
            r.code,
            r.target.as_str(),
            t.both,
            t.pith_only,
            t.human_only,
            num(t.kappa()),
            num(t.f1())
        )?;
    }
    Ok(())
}

/// The passage's first 100 characters on one line.
pub fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 100 {
        format!("{}…", flat.chars().take(100).collect::<String>())
    } else {
        flat
    }
}
