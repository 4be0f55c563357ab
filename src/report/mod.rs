//! report: takes a [`ReportInput`] (the [`Aggregates`], plus the coded interviews for the
//! exports that carry sources), gives files in the output folder, one module per format.
//!
//! Every file is rendered in memory first and written atomically; nothing is written until
//! every requested format has rendered. Escaping lives in one place ([`escape`]).

mod csv;
pub mod escape;
mod html;
mod json;
mod markdown;
pub mod passages;
mod qdpx;
pub mod redact;

pub use escape::markdown as escape_markdown;
pub use qdpx::guid;

use std::path::{Path, PathBuf};

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::lexicon::Lexicon;
use crate::pipeline::CodedInterview;

/// What the report writers read: the aggregates every format shows, and the coded
/// interviews and lexicon the REFI-QDA export needs for its sources, codings and codebook.
#[derive(Clone, Copy)]
pub struct ReportInput<'a> {
    /// Per-group statistics, quotes and the codebook.
    pub aggregates: &'a Aggregates,
    /// The coded interviews (document text and tagged passages), in a stable order.
    pub interviews: &'a [CodedInterview],
    /// The lexicon the interviews were coded with.
    pub lexicon: &'a Lexicon,
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportFormat {
    /// `report.md`: the workshop hand-out.
    Markdown,
    /// `report.html`: one self-contained page with charts, for screens and print.
    Html,
    /// `report.json`: the stable machine-readable contract (`docs/report.schema.json`).
    Json,
    /// `matrix.csv`: code × group prevalence.
    Csv,
    /// `study.qdpx` (REFI-QDA project) and `codebook.qdc` (REFI-QDA codebook).
    Qdpx,
}

impl ReportFormat {
    /// Every format, in the order they are written.
    pub const ALL: [ReportFormat; 5] =
        [ReportFormat::Markdown, ReportFormat::Html, ReportFormat::Json, ReportFormat::Csv, ReportFormat::Qdpx];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Qdpx => "qdpx",
        }
    }

    /// Parses a command-line name (`md` or `markdown`, `html`, `json`, `csv`, `qdpx`).
    pub fn parse(s: &str) -> Option<ReportFormat> {
        let s = s.trim().to_ascii_lowercase();
        ReportFormat::ALL.into_iter().find(|f| f.name() == s || (s == "markdown" && *f == ReportFormat::Markdown))
    }

    /// The files this format writes.
    pub fn file_names(self) -> &'static [&'static str] {
        match self {
            ReportFormat::Markdown => &["report.md"],
            ReportFormat::Html => &["report.html"],
            ReportFormat::Json => &["report.json"],
            ReportFormat::Csv => &["matrix.csv"],
            ReportFormat::Qdpx => &[qdpx::PROJECT_FILE, qdpx::CODEBOOK_FILE],
        }
    }

    /// Renders the format's files, in [`ReportFormat::file_names`] order.
    fn render(self, input: &ReportInput<'_>) -> Result<Vec<Vec<u8>>> {
        let agg = input.aggregates;
        Ok(match self {
            ReportFormat::Markdown => vec![markdown::render(agg).into_bytes()],
            ReportFormat::Html => vec![html::render(agg).into_bytes()],
            ReportFormat::Json => vec![json::render(agg)?],
            ReportFormat::Csv => vec![csv::render(agg)?],
            ReportFormat::Qdpx => {
                let project = qdpx::project(input)?;
                vec![project, qdpx::codebook(input.lexicon).into_bytes()]
            }
        })
    }
}

/// Renders every format, then writes them into `out`; returns the paths written.
pub fn write(input: &ReportInput<'_>, formats: &[ReportFormat], out: &Path) -> Result<Vec<PathBuf>> {
    let mut rendered: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for f in formats {
        for (name, bytes) in f.file_names().iter().zip(f.render(input)?) {
            rendered.push((out.join(name), bytes));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    crate::fsutil::clean_stale_temporaries(out);
    let mut written = Vec::new();
    for (path, bytes) in rendered {
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// A percentage for display: `83%`.
fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// A time for display: `00:12:05`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The method in two sentences, with the thresholds in force; `esc` escapes for the format.
fn method_note(agg: &Aggregates, esc: fn(&str) -> String) -> String {
    let t = &agg.thresholds;
    format!(
        "{} interviews in {} group{} by {}. Prevalence counts interviews, not words: an interview counts \
         for a code when its participant mentioned it at least once without negating it. A code is called a \
         difference when Fisher's exact test on interview counts gives a Benjamini–Hochberg q below {} (false \
         discovery rate over the codes tested for the group); groups under {} interviews, or too small for any \
         split to reach that, are marked too small to tell. Distinctive words and two-word phrases are weighted log-odds with an \
         informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), z above {}, used in at least {} interviews. \
         Golden themes reach {} prevalence in every group.",
        agg.interviews,
        agg.personas.len(),
        if agg.personas.len() == 1 { "" } else { "s" },
        esc(&agg.group_by),
        t.difference_q,
        t.small_sample,
        t.distinctive_z,
        t.term_min_interviews,
        pct(t.golden_prevalence)
    )
}
