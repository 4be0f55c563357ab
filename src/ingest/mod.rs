//! ingest: takes a transcript file's bytes, gives a [`Transcript`] (document text + turns).
//!
//! The format is chosen by extension and, where the extension lies or is missing, by content.
//! Each format lives in its own module and does one thing: bytes → turns. Speaker labels and
//! timestamps in text-like formats are parsed once, in [`speaker`].
//!
//! Invariant: every turn's range lies inside the document text, on char boundaries, in
//! ascending order, without overlap.

mod decode;
pub mod speaker;
mod text;

use std::path::Path;

use crate::model::Transcript;

pub use decode::decode;

/// The transcript formats pith reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or Markdown with speaker labels (or none).
    Text,
}

impl Format {
    /// Every format, in detection order.
    pub const ALL: [Format; 1] = [Format::Text];

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
        }
    }

    /// Chooses a format from the path's extension, then the content.
    pub fn detect(path: &Path, _bytes: &[u8]) -> Option<Format> {
        let ext = path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("txt" | "md" | "markdown" | "text") | None => Some(Format::Text),
            _ => None,
        }
    }
}

/// A problem reading one file: what and, where known, the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line, if the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// What reading a file gives: the transcript and non-fatal warnings (line, message).
pub struct Read {
    /// The transcript.
    pub transcript: Transcript,
    /// Things worth a warning (a Windows-1252 decode, ignored lines).
    pub warnings: Vec<ReadError>,
}

/// Whether `path` looks like a transcript pith can read (by extension).
pub fn is_transcript_path(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    matches!(ext.as_deref(), Some("txt" | "md" | "markdown" | "text"))
}

/// Reads one transcript from its bytes.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Read, ReadError> {
    let format =
        Format::detect(path, bytes).ok_or_else(|| ReadError { line: None, message: "unsupported file type".into() })?;
    let (text, decoded) = decode(bytes);
    let mut warnings = Vec::new();
    if let Some(w) = decoded {
        warnings.push(w);
    }
    let transcript = match format {
        Format::Text => text::read(text),
    }?;
    if transcript.turns.is_empty() {
        return Err(ReadError { line: None, message: "no speech found (the file is empty or has only markup)".into() });
    }
    Ok(Read { transcript, warnings })
}
