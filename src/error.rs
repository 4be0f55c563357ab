//! Errors (a run cannot go on) and diagnostics (one input was skipped or needs a look).
//!
//! Fatal problems are [`Error`] values; a problem with one transcript or one manifest row
//! is a [`Diagnostic`] that travels next to the result, so one bad file never stops the rest.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A location in an input file: path and, where known, 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
}

impl Location {
    /// A location in `path` at `line`.
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>) -> Location {
        Location { path: path.into(), line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// Everything that stops a command before it can do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The study folder is missing or not a folder.
    #[error("{}: not a study folder ({reason})", path.display())]
    NotAStudy {
        /// The folder given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// `pith.toml` is invalid.
    #[error("{location}: {message}")]
    Config {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// `participants.csv` cannot be used at all (a bad row is a diagnostic instead).
    #[error("{location}: {message}")]
    Manifest {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// One or more lexicon files are broken; nothing was written.
    #[error("{}", lines(.0))]
    Lexicon(Vec<LexiconError>),
    /// The search index failed.
    #[error("index {}: {source}", path.display())]
    Index {
        /// The index folder.
        path: PathBuf,
        /// What tantivy said.
        source: tantivy::TantivyError,
    },
    /// A search query does not parse.
    #[error("query {query:?} does not parse: {reason}")]
    Query {
        /// The query as typed.
        query: String,
        /// Where and why.
        reason: String,
    },
    /// A search names a persona, code or attribute the study does not have.
    #[error(
        "no {what} {given:?} in this study{}; known: {}",
        suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default(),
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    Unknown {
        /// `persona`, `code` or `attribute`.
        what: &'static str,
        /// The name as given.
        given: String,
        /// A known name it could be meant as (same letters in another case, or one containing it).
        suggestion: Option<String>,
        /// Every known name.
        known: Vec<String>,
    },
    /// A `--code` that is neither a pith code nor a code of the study's codebook.
    #[error(
        "no code {given:?} among pith's codes and the study's codebook; the closest: {}",
        if closest.is_empty() { "none".to_string() } else { closest.join(", ") }
    )]
    UnknownCode {
        /// The name as given.
        given: String,
        /// The closest known names.
        closest: Vec<String>,
    },
    /// The study was never indexed.
    #[error("{} has no index yet: run `pith index {}` first", study.display(), study.display())]
    NotIndexed {
        /// The study folder.
        study: PathBuf,
    },
    /// Another pith process is writing to the study.
    #[error(
        "study {} is locked by {} (lock file {})",
        study.display(),
        pid.map_or_else(|| "another pith process".to_string(), |p| format!("pid {p}")),
        lock.display()
    )]
    Locked {
        /// The study folder.
        study: PathBuf,
        /// The process holding the lock, as its lock file names it.
        pid: Option<u32>,
        /// The lock file.
        lock: PathBuf,
    },
    /// A transcript could not be read and `--strict` asked to stop at the first one.
    #[error("{0}")]
    Strict(Diagnostic),
    /// A path pith would write, create, delete or read through is a symbolic link it did not make.
    #[error(
        "{}: is a symbolic link; pith never writes, deletes or reads through a link in its own folders \
         or leading out of the study: remove the link{}",
        path.display(),
        if *in_state { " (.pith is pith's own folder, safe to delete)" } else { "" }
    )]
    Symlink {
        /// The link.
        path: PathBuf,
        /// Whether it is in the study's `.pith` folder.
        in_state: bool,
    },
    /// The study holds no transcript pith would read.
    #[error(
        "no transcripts to read: put the interviews in {} (.txt, .md, .vtt, .srt, .json, .docx or .odt files; \
         sub-folders are fine)",
        transcripts.display()
    )]
    NoTranscripts {
        /// Where transcripts go.
        transcripts: PathBuf,
    },
    /// An option given to the library is invalid (unknown attribute, bad format name).
    #[error("{0}")]
    Invalid(String),
    /// A report.json cannot be read back.
    #[error(transparent)]
    Report(#[from] ReadError),
}

impl Error {
    /// The message without the file an I/O error names, for a diagnostic that names it already.
    pub fn without_path(&self) -> String {
        match self {
            Error::Io { source, .. } => source.to_string(),
            e => e.to_string(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Error {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
}

/// A report.json that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not JSON, or not a pith report.
    #[error("{}:{line}:{column}: not a pith report.json: {message}", path.display())]
    NotReport {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A pith report of another schema version.
    #[error("{}: report.json schema version {found}; this pith reads version {expected}: make both reports with the same pith", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it has.
        found: u64,
        /// The version this pith reads.
        expected: u32,
    },
}

/// One problem in a lexicon file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    /// File and line.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// One item per line.
fn lines<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    /// Worth knowing; nothing was skipped (a file decoded as Windows-1252, a manifest row
    /// with no transcript).
    Warning,
    /// An input was skipped: the run finishes, with exit status 2.
    Skipped,
}

/// A problem with one input that did not stop the run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Warning or skipped.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What is wrong, in words a researcher can act on.
    pub message: String,
}

impl Diagnostic {
    /// An input that was skipped.
    pub fn skipped(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Skipped, location, message: message.into() }
    }

    /// A warning.
    pub fn warning(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, location, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.severity {
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        };
        write!(f, "{}: {what}: {}", self.location, self.message)
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
