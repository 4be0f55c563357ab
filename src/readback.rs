//! readback: takes a `report.json` file, gives the parts of it that later runs compare
//! (interviews, code prevalence, differences, golden themes, quotes, saturation) as typed data.
//! What the changes since the last run and the portfolio read: the file is the interface, so
//! neither reaches into the aggregation.

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::error::ReadError;

/// Version of the report.json schema, written and read.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest report.json read back (a study of thousands of interviews stays far below it).
const MAX_BYTES: u64 = 512 << 20;

/// A report.json, as far as it is compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The report.json schema's version.
    pub schema_version: u32,
    /// Study title.
    pub study: String,
    /// The attribute interviews were grouped by.
    pub group_by: String,
    /// Lexicon fingerprint.
    pub lexicon: String,
    /// Interviews coded.
    pub interviews: usize,
    /// Groups, by name.
    pub personas: Vec<Persona>,
    /// Golden themes.
    pub golden: Vec<Golden>,
    /// Every code with evidence.
    pub codebook: Vec<CodebookEntry>,
    /// Prevalence a golden theme reaches in every group.
    pub thresholds: Thresholds,
}

/// The thresholds a report used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Thresholds {
    /// Prevalence a code needs in every group to be golden.
    pub golden_prevalence: f64,
}

/// One group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persona {
    /// Group name.
    pub name: String,
    /// Interviews in the group.
    pub interviews: usize,
    /// Codes with any mention.
    pub codes: Vec<Code>,
    /// Codes tested against the rest.
    pub distinctive: Distinctive,
    /// Distinct codes as interviews accumulate.
    pub saturation: Saturation,
}

impl Persona {
    /// A code's evidence in the group, if any.
    pub fn code(&self, code: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// A code's prevalence in the group (0 without evidence).
    pub fn prevalence(&self, code: &str) -> f64 {
        self.code(code).map_or(0.0, |c| c.prevalence)
    }
}

/// A code's evidence in a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Code {
    /// `family.name`.
    pub code: String,
    /// The family.
    pub family: String,
    /// Interviews with evidence.
    pub interviews: usize,
    /// interviews / group interviews.
    pub prevalence: f64,
    /// Best quotes.
    pub quotes: Vec<Quote>,
}

/// A quote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quote {
    /// Interview id.
    pub interview: String,
    /// Participant.
    pub participant: String,
    /// Passage index.
    pub passage: usize,
    /// The text shown.
    pub text: String,
}

/// A group's tested codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Distinctive {
    /// Every code tested.
    pub codes: Vec<Tested>,
}

/// A code tested against the rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tested {
    /// `family.name`.
    pub code: String,
    /// Benjamini–Hochberg q.
    pub q_value: f64,
    /// Whether called a difference.
    pub significant: bool,
    /// `higher` or `lower`.
    pub direction: String,
}

/// Saturation of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saturation {
    /// Interview ids in the order counted: every interview of the group.
    pub order: Vec<String>,
    /// Distinct codes after each interview.
    pub cumulative: Vec<usize>,
    /// `saturated`, `climbing` or `too_few`.
    pub status: String,
}

impl Saturation {
    /// Distinct codes after the last interview.
    pub fn codes(&self) -> usize {
        self.cumulative.last().copied().unwrap_or(0)
    }
}

/// A golden theme.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Golden {
    /// `family.name`.
    pub code: String,
}

/// A codebook entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodebookEntry {
    /// `family.name`.
    pub code: String,
    /// The family.
    pub family: String,
    /// Parent code (empty for none).
    pub parent: String,
    /// Label.
    pub label: String,
}

/// Reads the report.json at `path`.
pub fn load(path: &Path) -> Result<Report, ReadError> {
    let io = |source| ReadError::Io { path: path.to_path_buf(), source };
    let bytes = crate::fsutil::read_regular(path, MAX_BYTES).map_err(io)?;
    parse(path, &bytes)
}

/// Reads a report.json's bytes; `path` names it in errors.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Report, ReadError> {
    let not_report = |e: serde_json::Error| ReadError::NotReport {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string().rsplit_once(" at line ").map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
    };
    // One pass for a report of this version; the probe below only words the error of another.
    if let Ok(report) = serde_json::from_slice::<Report>(bytes) {
        if report.schema_version == SCHEMA_VERSION {
            return Ok(report);
        }
    }
    #[derive(Deserialize)]
    struct Version {
        schema_version: Option<serde_json::Value>,
        personas: Option<serde::de::IgnoredAny>,
    }
    let version: Version = serde_json::from_slice(bytes).map_err(not_report)?;
    let found = match (version.schema_version, version.personas) {
        (Some(v), Some(_)) => v.as_u64(),
        _ => None,
    };
    match found {
        Some(v) if v == u64::from(SCHEMA_VERSION) => serde_json::from_slice(bytes).map_err(not_report),
        Some(found) => Err(ReadError::Version { path: path.to_path_buf(), found, expected: SCHEMA_VERSION }),
        None => Err(ReadError::NotReport {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "no schema_version and personas at the top level".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_json_is_refused_with_the_file_and_line() {
        let p = Path::new("x.json");
        let e = parse(p, b"{\n  \"a\": [1,\n").unwrap_err().to_string();
        assert!(e.starts_with("x.json:3:"), "{e}");
        let e = parse(p, b"{\"name\": \"package\"}").unwrap_err().to_string();
        assert!(e.contains("no schema_version"), "{e}");
        let e = parse(p, b"{\"schema_version\": 7, \"personas\": []}").unwrap_err().to_string();
        assert!(e.contains("schema version 7"), "{e}");
        let e = parse(p, b"{\"schema_version\": 1, \"personas\": [{\"name\": 3}]}").unwrap_err().to_string();
        assert!(e.contains("x.json:1:") && e.contains("invalid type"), "{e}");
    }
}
