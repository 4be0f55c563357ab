//! `pith code STUDY`: every passage with its codes, as JSON lines or CSV, to stdout or a file.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context as _;

use pith::pipeline;
use pith::report::passages::{document_row, passage_rows, CSV_HEADER};

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
    let run = pipeline::run(&opened.study, &opened.lexicon, &opened.analyzer);
    ctx.check_strict(&run.diagnostics)?;
    let skipped = ctx.report_diagnostics(&run.diagnostics);
    let mut buf: Vec<u8> = Vec::new();
    let mut sink: Box<dyn Write> = match &args.output {
        Some(_) => Box::new(&mut buf),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match (args.format, args.documents) {
        (Format::Jsonl, true) => {
            for i in &run.interviews {
                serde_json::to_writer(&mut sink, &document_row(i))?;
                sink.write_all(b"\n")?;
            }
        }
        (Format::Jsonl, false) => {
            for i in &run.interviews {
                for row in passage_rows(i, &opened.lexicon) {
                    serde_json::to_writer(&mut sink, &row)?;
                    sink.write_all(b"\n")?;
                }
            }
        }
        (Format::Csv, documents) => {
            let mut w = csv::Writer::from_writer(&mut sink);
            if documents {
                w.write_record(["interview", "source", "document"])?;
                for i in &run.interviews {
                    let d = document_row(i);
                    w.write_record([d.interview, d.source, d.document])?;
                }
            } else {
                w.write_record(CSV_HEADER)?;
                for i in &run.interviews {
                    for row in passage_rows(i, &opened.lexicon) {
                        w.write_record(row.csv_fields())?;
                    }
                }
            }
            w.flush()?;
        }
    }
    sink.flush()?;
    drop(sink);
    if let Some(path) = &args.output {
        pith::fsutil::write_atomic(path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}
