//! `pith code STUDY`: every passage with its codes, as JSON lines or CSV, to stdout or a file.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context as _;

use pith::lexicon::Lexicon;
use pith::pipeline::{self, CodedInterview, Output};
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
    // With -o, rows go to a temporary file beside the target, renamed into place at the end.
    let mut file = match &args.output {
        Some(path) => {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let tmp = tempfile::Builder::new()
                .prefix(".pith-tmp-")
                .tempfile_in(dir)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Some(tmp)
        }
        None => None,
    };
    let sink: Box<dyn Write + '_> = match &mut file {
        Some(f) => Box::new(BufWriter::new(f.as_file_mut())),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut rows = Rows::new(sink, args.format, args.documents)?;
    let diagnostics =
        pipeline::for_each_interview(&opened.study, &opened.lexicon, &opened.analyzer, None, Output::default(), |i| {
            rows.write(&i, &opened.lexicon).map_err(|e| pith::Error::io("<output>", e))
        })?;
    rows.finish()?;
    ctx.check_strict(&diagnostics)?;
    let skipped = ctx.report_diagnostics(&diagnostics);
    if let (Some(tmp), Some(path)) = (file, &args.output) {
        tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// The output rows, written as each interview arrives.
enum Rows<'a> {
    Json { sink: Box<dyn Write + 'a>, documents: bool },
    Csv { writer: Box<csv::Writer<Box<dyn Write + 'a>>>, documents: bool },
}

impl<'a> Rows<'a> {
    fn new(sink: Box<dyn Write + 'a>, format: Format, documents: bool) -> io::Result<Rows<'a>> {
        Ok(match format {
            Format::Jsonl => Rows::Json { sink, documents },
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(sink);
                if documents {
                    writer.write_record(["interview", "source", "document"])?;
                } else {
                    writer.write_record(CSV_HEADER)?;
                }
                Rows::Csv { writer: Box::new(writer), documents }
            }
        })
    }

    fn write(&mut self, interview: &CodedInterview, lexicon: &Lexicon) -> io::Result<()> {
        match self {
            Rows::Json { sink, documents: true } => {
                serde_json::to_writer(&mut *sink, &document_row(interview))?;
                sink.write_all(b"\n")
            }
            Rows::Json { sink, documents: false } => {
                for row in passage_rows(interview, lexicon) {
                    serde_json::to_writer(&mut *sink, &row)?;
                    sink.write_all(b"\n")?;
                }
                Ok(())
            }
            Rows::Csv { writer, documents: true } => {
                let d = document_row(interview);
                Ok(writer.write_record([d.interview, d.source, d.document])?)
            }
            Rows::Csv { writer, documents: false } => {
                for row in passage_rows(interview, lexicon) {
                    writer.write_record(row.csv_fields())?;
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Rows::Json { mut sink, .. } => sink.flush(),
            Rows::Csv { mut writer, .. } => writer.flush(),
        }
    }
}
