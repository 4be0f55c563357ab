//! report: takes [`Aggregates`], gives files in the output folder, one module per format.
//!
//! Every file is rendered in memory first and written atomically; nothing is written until
//! every requested format has rendered.

mod json;
mod markdown;
pub mod passages;

pub use markdown::escape as escape_markdown;

use std::path::{Path, PathBuf};

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportFormat {
    /// `report.md`: the workshop hand-out.
    Markdown,
    /// `report.json`: the stable machine-readable contract.
    Json,
}

impl ReportFormat {
    /// Every format, in the order they are written.
    pub const ALL: [ReportFormat; 2] = [ReportFormat::Markdown, ReportFormat::Json];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<ReportFormat> {
        let s = s.trim().to_ascii_lowercase();
        ReportFormat::ALL.into_iter().find(|f| f.name() == s || (s == "markdown" && *f == ReportFormat::Markdown))
    }

    /// The file this format writes.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "report.md",
            ReportFormat::Json => "report.json",
        }
    }

    fn render(self, agg: &Aggregates) -> Result<Vec<u8>> {
        match self {
            ReportFormat::Markdown => Ok(markdown::render(agg).into_bytes()),
            ReportFormat::Json => json::render(agg),
        }
    }
}

/// Renders every format, then writes them into `out`; returns the paths written.
pub fn write(agg: &Aggregates, formats: &[ReportFormat], out: &Path) -> Result<Vec<PathBuf>> {
    let rendered: Vec<(PathBuf, Vec<u8>)> =
        formats.iter().map(|f| Ok((out.join(f.file_name()), f.render(agg)?))).collect::<Result<_>>()?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    for (path, bytes) in rendered {
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}
