//! `pith code STUDY`: every passage with its codes, as JSON lines or CSV, to stdout or a file.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context as _;

use pith::lexicon::Lexicon;
use pith::model::CodedInterview;
use pith::pipeline::{self, Output, Reuse};
use pith::report::passages::{document_row, passage_rows, CSV_HEADER};

use super::progress::Progress;
use super::{open_study, Context, Outcome};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Jsonl,
    Csv,
}

/// Arguments of `pith code`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder.
    study: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Print one object per interview with its document text instead of passages.
    #[arg(long)]
    documents: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let opened = open_study(ctx, &args.study)?;
    // With -o, rows go to a temporary file beside the target, renamed into place at the end.
    let mut file = match &args.output {
        Some(path) => {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let tmp = pith::fsutil::temporary_in(dir).with_context(|| format!("cannot write {}", path.display()))?;
            Some(tmp)
        }
        None => None,
    };
    let sink: Box<dyn Write + '_> = match &mut file {
        Some(f) => Box::new(BufWriter::new(f.as_file_mut())),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut sink = sink;
    let (format, documents) = (args.format, args.documents);
    header(&mut sink, format, documents)?;
    let output_error = |e: io::Error| pith::Error::io("<output>", e);
    let mut progress = Progress::new(ctx, &opened.study.transcripts);
    let streamed = pipeline::for_each_interview(
        &opened.study,
        &opened.lexicon,
        &opened.analyzer,
        None,
        Reuse::Never,
        Output::default(),
        |coded| {
            let i = coded.interview;
            render(&i, &opened.lexicon, format, documents).map_err(output_error)
        },
        |bytes, _| sink.write_all(&bytes).map_err(output_error),
        |size| progress.done(size),
    )?;
    let diagnostics = streamed.diagnostics;
    progress.finish();
    sink.flush()?;
    drop(sink);
    ctx.check_strict(&diagnostics)?;
    let skipped = ctx.report_diagnostics(&diagnostics);
    if let (Some(tmp), Some(path)) = (file, &args.output) {
        tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// Writes the CSV header line (JSON lines have none).
fn header(sink: &mut dyn Write, format: Format, documents: bool) -> io::Result<()> {
    if let Format::Csv = format {
        let mut writer = csv::Writer::from_writer(sink);
        if documents {
            writer.write_record(["interview", "source", "document"])?;
        } else {
            writer.write_record(CSV_HEADER)?;
        }
        writer.flush()?;
    }
    Ok(())
}

/// Appends `row` as one line of JSON.
fn json_line(out: &mut Vec<u8>, row: &impl serde::Serialize) -> io::Result<()> {
    sonic_rs::to_writer(&mut *out, row).map_err(io::Error::other)?;
    out.push(b'\n');
    Ok(())
}

/// One interview's rows, rendered (on the worker that coded it).
fn render(interview: &CodedInterview, lexicon: &Lexicon, format: Format, documents: bool) -> io::Result<Vec<u8>> {
    // Rows carry each passage, its question and their metadata: about 3.3 times the document in
    // the bench corpus; room for more spares most interviews a copy as the buffer grows.
    let mut out = Vec::with_capacity(interview.transcript.document.len().saturating_mul(4));
    match (format, documents) {
        (Format::Jsonl, true) => {
            json_line(&mut out, &document_row(interview))?;
        }
        (Format::Jsonl, false) => {
            for row in passage_rows(interview, lexicon) {
                json_line(&mut out, &row)?;
            }
        }
        (Format::Csv, true) => {
            let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(&mut out);
            let d = document_row(interview);
            let cell = |t: &str| pith::report::csv_cell(t).into_owned();
            writer.write_record([cell(d.interview), cell(d.source), cell(d.document)])?;
            writer.flush()?;
        }
        (Format::Csv, false) => {
            let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(&mut out);
            for row in passage_rows(interview, lexicon) {
                writer.write_record(row.csv_fields())?;
            }
            writer.flush()?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use pith::model::{Family, FamilySet, Role};
    use pith::report::passages::{CodeRow, PassageRow, TermRow};

    #[test]
    fn rows_are_the_json_serde_json_writes() {
        let text = "ctl \u{1}\u{1f}\u{7f} \"q\" \\ \t\n\r\u{8}\u{c} \u{2028} caf\u{e9} \u{1f600} </script>";
        let families: FamilySet = [Family::Need, Family::Risk].into_iter().collect();
        for time in [None, Some(0.1), Some(1e21), Some(3.0), Some(123456789.125), Some(f64::NAN)] {
            let term = TermRow {
                term: "\"outage*\"",
                text,
                start: 0,
                end: usize::MAX,
                negated_by: Some("n\u{2019}t"),
                hedged_by: None,
                vetoed_by: Some("\\x"),
            };
            let code = CodeRow {
                code: "risk.downtime",
                family: Family::Risk,
                negated: false,
                prompted: true,
                hedged: false,
                intensified: true,
                evidence: true,
                terms: vec!["a", text],
                matches: vec![term],
            };
            let row = PassageRow {
                interview: "int\u{0}1",
                participant: "p",
                persona: "",
                passage: 7,
                speaker: None,
                role: Role::Participant,
                text,
                start: 3,
                end: 9,
                time,
                question: Some(text),
                families,
                evidence: FamilySet::default(),
                codes: vec![code.clone(), code],
            };
            let mut got = Vec::new();
            super::json_line(&mut got, &row).unwrap_or_else(|e| panic!("{e}"));
            let mut want = serde_json::to_vec(&row).unwrap_or_else(|e| panic!("{e}"));
            want.push(b'\n');
            assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want), "time {time:?}");
        }
        // Strings are escaped in blocks: each character that needs it, at every place in a block.
        for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{e9}', '\u{1f600}'] {
            for at in 0..70 {
                let text: String = "x".repeat(at) + &special.to_string() + &"y".repeat(70 - at);
                let mut got = Vec::new();
                super::json_line(&mut got, &text).unwrap_or_else(|e| panic!("{e}"));
                let want = serde_json::to_string(&text).unwrap_or_else(|e| panic!("{e}")) + "\n";
                assert_eq!(String::from_utf8_lossy(&got), want);
            }
        }
    }
}
