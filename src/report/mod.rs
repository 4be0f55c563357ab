//! report: takes the [`Aggregates`] (and, for the REFI-QDA project, the coded interviews as
//! they stream by), gives files in the output folder, one module per format.
//!
//! A [`Writer`] is made before the interviews are coded: [`Writer::add`] streams each coded
//! interview into the exports that carry sources (the REFI-QDA zip, built in a temporary file),
//! and [`Writer::finish`] renders every other format from the aggregates, then puts every file in
//! place atomically; a file is never half-written and nothing of a failed run replaces the
//! previous reports. Escaping lives in one place ([`escape`]).

mod brief;
mod buying;
mod changes;
mod csv;
pub mod escape;
mod html;
mod journey;
mod json;
mod markdown;
pub mod passages;
mod qdpx;
pub mod redact;

pub use escape::markdown as escape_markdown;
pub(crate) use html::{page_start, Images};
pub use json::{render as render_json, SCHEMA_VERSION};
pub use qdpx::guid;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::model::CodedInterview;
use crate::model::InterviewMeta;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportFormat {
    /// `report.md`: the workshop hand-out, and `brief.md`: one page per persona.
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
            ReportFormat::Markdown => &["report.md", "brief.md"],
            ReportFormat::Html => &["report.html"],
            ReportFormat::Json => &["report.json"],
            ReportFormat::Csv => &["matrix.csv"],
            ReportFormat::Qdpx => &[qdpx::PROJECT_FILE, qdpx::CODEBOOK_FILE],
        }
    }

    /// Renders the format's files from the aggregates, in [`ReportFormat::file_names`] order
    /// (the REFI-QDA project itself streams through [`Writer`]; only its codebook renders here).
    fn render(self, agg: &Aggregates, lexicon: &Lexicon) -> Result<Vec<(&'static str, Vec<u8>)>> {
        Ok(match self {
            ReportFormat::Markdown => {
                vec![("report.md", markdown::render(agg).into_bytes()), ("brief.md", brief::markdown(agg).into_bytes())]
            }
            ReportFormat::Html => vec![("report.html", html::render(agg).into_bytes())],
            ReportFormat::Json => vec![("report.json", json::render(agg)?)],
            ReportFormat::Csv => vec![("matrix.csv", csv::render(agg)?)],
            ReportFormat::Qdpx => vec![(qdpx::CODEBOOK_FILE, qdpx::codebook(lexicon).into_bytes())],
        })
    }
}

/// Writes the reports of one run: streams coded interviews into the REFI-QDA project while they
/// are coded, then renders and puts every file in place.
pub struct Writer {
    out: PathBuf,
    formats: Vec<ReportFormat>,
    qdpx: Option<qdpx::Builder>,
    /// The REFI-QDA project, finished ([`Writer::finish_project`]) and waiting to be put in place.
    project: Option<tempfile::NamedTempFile>,
}

impl Writer {
    /// A writer of `formats` into `out`.
    pub fn new(formats: &[ReportFormat], out: &Path) -> Result<Writer> {
        let qdpx = if formats.contains(&ReportFormat::Qdpx) { Some(qdpx::Builder::new(out)?) } else { None };
        Ok(Writer { out: out.to_path_buf(), formats: formats.to_vec(), qdpx, project: None })
    }

    /// What [`Preparer::prepare`] needs to know of the writer: cheap to copy to the workers.
    pub fn preparer(&self) -> Preparer {
        Preparer { qdpx: self.qdpx.is_some() }
    }

    /// Streams one coded interview, prepared by [`Preparer::prepare`], into the exports that
    /// carry sources.
    pub fn add(&mut self, meta: &InterviewMeta, prepared: InterviewPart) -> Result<()> {
        match (&mut self.qdpx, prepared.qdpx) {
            (Some(q), Some(part)) => q.add(meta, part),
            _ => Ok(()),
        }
    }

    /// Finishes the REFI-QDA project of the study titled `study` once every interview is in. It
    /// needs no aggregates, so it may run while they are computed; [`Writer::finish`] does it
    /// otherwise. Nothing is in place before [`Writer::finish`].
    pub fn finish_project(&mut self, study: &str, lexicon: &Lexicon) -> Result<()> {
        self.finish_project_with(study, lexicon, None)
    }

    /// [`Writer::finish_project`], with the briefs' statements as notes when given.
    fn finish_project_with(&mut self, study: &str, lexicon: &Lexicon, brief: Option<qdpx::Brief<'_>>) -> Result<()> {
        if let Some(q) = self.qdpx.take() {
            self.project = Some(q.finish(study, lexicon, brief)?);
        }
        Ok(())
    }

    /// Renders every format, then writes them into the output folder and removes the files of
    /// the formats not asked for; returns the paths written.
    /// Formats render in parallel and are written to temporary files in parallel; only when
    /// every one is on disk are they renamed into place, so a full disk leaves the previous
    /// outputs, not a mix of old and new.
    pub fn finish(mut self, agg: &Aggregates, lexicon: &Lexicon) -> Result<Vec<PathBuf>> {
        let rendered: Vec<Vec<(&str, Vec<u8>)>> =
            self.formats.par_iter().map(|f| f.render(agg, lexicon)).collect::<Result<_>>()?;
        self.finish_project_with(&agg.study, lexicon, Some(qdpx::Brief { personas: &agg.brief, by: &agg.group_by }))?;
        std::fs::create_dir_all(&self.out).map_err(|e| Error::io(&self.out, e))?;
        crate::fsutil::clean_stale_temporaries(&self.out);
        let out = &self.out;
        let files: Vec<(&str, Vec<u8>)> = rendered.into_iter().flatten().collect();
        let mut staged: Vec<(PathBuf, tempfile::NamedTempFile)> = files
            .into_par_iter()
            .map(|(name, bytes)| {
                let path = out.join(name);
                crate::fsutil::stage(&path, &bytes).map(|file| (path, file))
            })
            .collect::<Result<_>>()?;
        staged.extend(self.project.take().map(|file| (out.join(qdpx::PROJECT_FILE), file)));
        let mut written = Vec::with_capacity(staged.len());
        for (path, file) in staged {
            file.persist(&path).map_err(|e| Error::io(&path, e.error))?;
            written.push(path);
        }
        written.sort();
        // The folder's pith files are this run's: one a run with other formats (or `--redact`)
        // left would sit beside the new ones as if current.
        for format in ReportFormat::ALL.into_iter().filter(|f| !self.formats.contains(f)) {
            for name in format.file_names() {
                let path = self.out.join(name);
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
                    _ => {}
                }
            }
        }
        Ok(written)
    }
}

/// Makes what the exports need of one interview, on any thread.
#[derive(Debug, Clone, Copy)]
pub struct Preparer {
    qdpx: bool,
}

/// One interview's share of the exports (see [`Writer::add`]).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct InterviewPart {
    qdpx: Option<qdpx::Part>,
}

impl Preparer {
    /// Prepares one coded interview for [`Writer::add`].
    pub fn prepare(&self, lexicon: &Lexicon, interview: &CodedInterview) -> Result<InterviewPart> {
        Ok(InterviewPart { qdpx: if self.qdpx { Some(qdpx::part(lexicon, interview)?) } else { None } })
    }
}

/// A CSV cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading apostrophe (OWASP's advice for CSV injection),
/// which spreadsheets show as text and do not display.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
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
        "{} in {} by {}. Prevalence counts interviews, not words: an interview counts \
         for a code when its participant mentioned it at least once without negating it. A code is called a \
         difference when Fisher's exact test on interview counts gives a Benjamini–Hochberg q below {} (false \
         discovery rate over the codes tested for the group); groups under {} interviews, or too small for any \
         split to reach that, are marked too small to tell. Distinctive words and two-word phrases are weighted log-odds with an \
         informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), z above {}, used in at least {} interviews. \
         Golden themes reach {} prevalence in every group, can code their family alone and are in under {} of the \
         study's passages; they are ranked by lowest prevalence × (1 − passage share), at most {}.",
        crate::words::counted(agg.interviews, "interview"),
        crate::words::counted(agg.personas.len(), "group"),
        esc(&agg.group_by),
        t.difference_q,
        t.small_sample,
        t.distinctive_z,
        t.term_min_interviews,
        pct(t.golden_prevalence),
        pct(crate::aggregate::GOLDEN_MAX_SHARE),
        crate::aggregate::GOLDEN_MAX
    )
}
