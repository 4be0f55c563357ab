//! ingest: takes a transcript file's bytes, gives a [`Transcript`] (document text + turns).
//!
//! The format is chosen by extension and, where the extension lies or is missing, by content
//! ([`Format::detect`]). Each format lives in its own module and does one thing: bytes → turns.
//!
//! | format | module | document text |
//! | --- | --- | --- |
//! | text, Markdown | `text` | the decoded file (a BOM is dropped: offsets count from after it) |
//! | WebVTT, SubRip | `cue` | pith's rendering: one `Speaker: text` line per merged turn |
//! | JSON (Whisper, WhisperX, AssemblyAI, Deepgram, Podcasting 2.0, plain arrays) | `json` | pith's rendering |
//! | Word `.docx`, OpenDocument `.odt` | `office` with `docx` or `odt` (paragraphs, then the notes or text rules) | pith's rendering |
//! | HTML (Podcasting 2.0 `text/html`, saved pages) | `html` (a line per block), then the text rules as for `office` | pith's rendering |
//! | interview notes (text, Markdown, docx) | `notes`, when the structure says so | as its format |
//!
//! Speaker labels and timestamps in text-like formats are parsed once, in [`speaker`]; VTT and
//! SRT share one cue parser; the structured formats share one renderer. Bytes that are not
//! UTF-8 decode as Windows-1252 with a warning. Before any reader runs, [`Limits`] (file size,
//! line length, `.docx`/`.odt` entries and inflated size, JSON depth) and binary content (by magic
//! bytes or NULs) turn a hostile file into a [`ReadError`] that says why.
//!
//! Invariant: every turn's range lies inside the document text, on char boundaries, in
//! ascending order, without overlap, and holds speech only (no label, timestamp or markup at
//! either end).

mod cue;
mod decode;
mod docx;
pub mod html;
mod json;
mod limits;
mod notes;
mod odt;
mod office;
mod render;
pub mod speaker;
mod text;

use std::borrow::Cow;
use std::path::Path;

use crate::model::Transcript;

pub use decode::decode;
pub use limits::{binary_kind, human_bytes, Limits};
pub use text::front_matter;

/// The transcript formats pith reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or Markdown with speaker labels (or none).
    Text,
    /// WebVTT subtitles (Zoom, Teams, YouTube).
    Vtt,
    /// SubRip subtitles.
    Srt,
    /// JSON from speech-to-text services.
    Json,
    /// Word `.docx`.
    Docx,
    /// OpenDocument text `.odt`.
    Odt,
    /// An HTML page.
    Html,
}

/// Extensions of formats pith does not read but a researcher may drop in: skipped with a reason.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("doc", "old Word .doc files are not supported: save it as .docx or .txt"),
    ("rtf", "RTF is not supported: save it as .docx or .txt"),
    ("pdf", "PDF is not supported: export the transcript as .txt, .docx or .vtt"),
    ("pages", "Pages files are not supported: export the transcript as .docx or .txt"),
];

impl Format {
    /// Every format, in detection order.
    pub const ALL: [Format; 7] =
        [Format::Docx, Format::Odt, Format::Vtt, Format::Srt, Format::Json, Format::Html, Format::Text];

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Vtt => "vtt",
            Format::Srt => "srt",
            Format::Json => "json",
            Format::Docx => "docx",
            Format::Odt => "odt",
            Format::Html => "html",
        }
    }

    /// The file extensions that name the format.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Text => &["txt", "md", "markdown", "text"],
            Format::Vtt => &["vtt", "webvtt"],
            Format::Srt => &["srt"],
            Format::Json => &["json"],
            Format::Docx => &["docx"],
            Format::Odt => &["odt"],
            Format::Html => &["html", "htm", "xhtml"],
        }
    }

    /// The format the extension names, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.extensions().contains(&ext.as_str()))
    }

    /// Chooses a format from the content alone: zip → docx (its reader takes an `.odt` zip too),
    /// `WEBVTT` → VTT, a number then a timing line → SRT, `{` or `[{` → JSON, `<!DOCTYPE html` or
    /// `<html` → HTML, other text → text; binary bytes → `None`.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Some(Format::Docx);
        }
        let head = &bytes[..bytes.len().min(8192)];
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        if head.contains(&0) {
            return None;
        }
        // Checked first as it is: most transcripts are UTF-8, and the check is several times
        // faster than a lossy decoding.
        let text = std::str::from_utf8(head).map_or_else(|_| String::from_utf8_lossy(head), Cow::Borrowed);
        let trimmed = text.trim_start();
        if trimmed.starts_with("WEBVTT") {
            return Some(Format::Vtt);
        }
        let starts = |prefix: &str| trimmed.get(..prefix.len()).is_some_and(|h| h.eq_ignore_ascii_case(prefix));
        if starts("<!doctype html") || starts("<html") {
            return Some(Format::Html);
        }
        let mut lines = trimmed.lines().filter(|l| !l.trim().is_empty());
        let first = lines.next().unwrap_or("").trim();
        let second = lines.next().unwrap_or("");
        if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) && second.contains("-->") {
            return Some(Format::Srt);
        }
        // JSON, possibly after Markdown headings (a pasted API response): `{` then a key or
        // `}`, or `[` then a value; "{inaudible}" or "[00:01] Ana: hi" are text.
        let body_at = trimmed
            .lines()
            .map(str::trim_start)
            .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .and_then(|l| trimmed.find(l))
            .unwrap_or(0);
        let body = &trimmed[body_at..];
        let next = |s: &str| s.get(1..).and_then(|r| r.trim_start().chars().next());
        let json = (body.starts_with('{') && next(body).is_none_or(|c| matches!(c, '"' | '}')))
            || (body.starts_with('[') && next(body).is_none_or(|c| matches!(c, '{' | '[' | '"' | ']')));
        if json {
            return Some(Format::Json);
        }
        Some(Format::Text)
    }

    /// Chooses a format from the path's extension, then the content where the extension is
    /// missing, unknown or lies (a `.txt` holding JSON, WebVTT or an HTML page, a `.docx` that is
    /// not a zip).
    pub fn detect(path: &Path, bytes: &[u8]) -> Option<Format> {
        let sniffed = Format::sniff(bytes);
        match Format::from_extension(path) {
            Some(Format::Text) => match sniffed {
                Some(f @ (Format::Json | Format::Vtt | Format::Srt | Format::Html)) => Some(f),
                _ => Some(Format::Text),
            },
            Some(Format::Docx | Format::Odt) if sniffed != Some(Format::Docx) => sniffed,
            Some(Format::Vtt | Format::Srt) if matches!(sniffed, Some(Format::Vtt | Format::Srt)) => sniffed,
            Some(f) => Some(f),
            None if unsupported_reason(path).is_some() => None,
            None => sniffed,
        }
    }
}

fn unsupported_reason(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    UNSUPPORTED.iter().find(|(e, _)| *e == ext).map(|(_, why)| *why)
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

/// Extensions of files that are obviously not transcripts: ignored without a word.
const NOT_TRANSCRIPT_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "xlsx", "xls", "ods", "toml", "yaml", "yml", "ini", "lock", "png", "jpg", "jpeg", "gif", "svg",
    "webp", "heic", "mp3", "wav", "m4a", "aac", "ogg", "flac", "mp4", "mov", "webm", "mkv", "zip", "gz", "tar", "qdpx",
    "qdc", "sqlite", "sqlite3", "db", "exe", "dll", "so", "dylib", "rs", "py", "js", "css", "sh",
];

/// How a study treats a file it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// A transcript format pith reads (by extension).
    Transcript,
    /// A transcript-like format pith cannot read (`.doc`, `.pdf`): read, to be skipped with a reason.
    Unsupported,
    /// No extension, or one pith does not know: a transcript if its content sniffs as one.
    Sniff,
    /// Not a transcript (`.csv`, `.toml`, `.xlsx`, images, ...): ignored without a word.
    Other,
}

/// Sorts a path by its extension.
pub fn path_kind(path: &Path) -> PathKind {
    if Format::from_extension(path).is_some() {
        PathKind::Transcript
    } else if unsupported_reason(path).is_some() {
        PathKind::Unsupported
    } else if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| NOT_TRANSCRIPT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    {
        PathKind::Other
    } else {
        PathKind::Sniff
    }
}

/// Whether `path` names a transcript pith can read (by extension).
pub fn is_transcript_path(path: &Path) -> bool {
    path_kind(path) == PathKind::Transcript
}

/// Reads one transcript from its bytes, with the default [`Limits`].
pub fn read(path: &Path, bytes: &[u8]) -> Result<Read, ReadError> {
    read_with(path, bytes, &Limits::default())
}

/// Reads one transcript from its bytes within `limits`.
pub fn read_with(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Read, ReadError> {
    let too_big = |what: &str, n: u64, max: u64| ReadError {
        line: None,
        message: format!(
            "{what} is {} (limit {}: raise [limits] in pith.toml if this is really a transcript)",
            human_bytes(n),
            human_bytes(max)
        ),
    };
    if bytes.len() as u64 > limits.max_transcript_bytes {
        return Err(too_big("the file", bytes.len() as u64, limits.max_transcript_bytes));
    }
    if let Some(why) = unsupported_reason(path) {
        return Err(ReadError { line: None, message: why.to_string() });
    }
    if let Some(kind) = binary_kind(bytes) {
        let message = match kind {
            "unknown" => "binary file (NUL bytes: not a text transcript)".to_string(),
            kind => format!("binary file (looks like {kind})"),
        };
        return Err(ReadError { line: None, message });
    }
    let Some(format) = Format::detect(path, bytes) else {
        return Err(ReadError { line: None, message: "binary file (not a transcript)".into() });
    };
    let mut warnings = Vec::new();
    let transcript = if let Some(kind) = office_kind(format) {
        office::read(bytes, limits, kind)?
    } else {
        if let Some((line, len)) = limits::long_line(bytes, limits.max_line_bytes) {
            return Err(ReadError {
                line: Some(line),
                message: format!(
                    "line is {} long (limit {}: raise max_line_bytes in pith.toml [limits] if this is really a transcript)",
                    human_bytes(len as u64),
                    human_bytes(limits.max_line_bytes as u64)
                ),
            });
        }
        let (text, decoded) = decode(bytes);
        if let Some(w) = decoded {
            warnings.push(w);
        }
        // Memory follows words and turns, not bytes: a file of tiny turns is many times its size.
        limits.check_words(&text)?;
        match format {
            Format::Vtt => cue::read(&text, cue::Dialect::Vtt)?,
            Format::Srt => cue::read(&text, cue::Dialect::Srt)?,
            Format::Json => json::read(&text, limits.max_json_depth)?,
            Format::Html => office::transcript(&html::paragraphs(&text)),
            Format::Text | Format::Docx | Format::Odt => text::read(text),
        }
    };
    if transcript.turns.is_empty() {
        return Err(ReadError { line: None, message: "no speech found (the file is empty or has only markup)".into() });
    }
    if office_kind(format).is_some() {
        limits.check_words(&transcript.document)?;
    }
    // Every turn becomes a passage at least.
    limits.check_passages(transcript.turns.len())?;
    Ok(Read { transcript, warnings })
}

/// The word-processor format a [`Format`] names, if it names one.
fn office_kind(format: Format) -> Option<office::Kind> {
    match format {
        Format::Docx => Some(office::Kind::Word),
        Format::Odt => Some(office::Kind::OpenDocument),
        _ => None,
    }
}

/// Where a transcript breaks the reader invariant (ranges inside the document, on char
/// boundaries, ascending and disjoint), if it does. For tests and fuzz targets.
pub fn invariant_violation(t: &Transcript) -> Option<String> {
    let doc = &t.document;
    let mut last_end = 0;
    for (i, turn) in t.turns.iter().enumerate() {
        let r = &turn.text;
        if r.start > r.end || r.end > doc.len() {
            return Some(format!("turn {i}: {r:?} outside the document ({} bytes)", doc.len()));
        }
        if !doc.is_char_boundary(r.start) || !doc.is_char_boundary(r.end) {
            return Some(format!("turn {i}: {r:?} not on char boundaries"));
        }
        if r.start < last_end {
            return Some(format!("turn {i}: {r:?} overlaps or precedes the previous turn (ends at {last_end})"));
        }
        last_end = r.end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_extension_then_content() {
        let detect = |path: &str, bytes: &[u8]| Format::detect(Path::new(path), bytes);
        assert_eq!(detect("a.txt", b"{inaudible} hi"), Some(Format::Text));
        assert_eq!(detect("a.txt", b"[00:01] Ana: hi"), Some(Format::Text));
        assert_eq!(detect("a.md", b"# Deepgram Response\n\n{\n  \"results\": {}}"), Some(Format::Json));
        assert_eq!(detect("a.txt", b"\xEF\xBB\xBFWEBVTT\n\n1\n00:00.000 --> 00:01.000\nhi"), Some(Format::Vtt));
        assert_eq!(detect("notes", b"1\n00:00:01,000 --> 00:00:02,000\nhi"), Some(Format::Srt));
        assert_eq!(detect("a.vtt", b"1\n00:00:01,000 --> 00:00:02,000\nhi"), Some(Format::Srt));
        assert_eq!(detect("a.docx", b"Ana: hi"), Some(Format::Text));
        assert_eq!(detect("a", b"PK\x03\x04..."), Some(Format::Docx));
        assert_eq!(detect("a.odt", b"PK\x03\x04..."), Some(Format::Odt));
        assert_eq!(detect("a.odt", b"Ana: hi"), Some(Format::Text));
        assert_eq!(detect("a.bin", b"\x00\x01\x02"), None);
        assert_eq!(detect("a.json", b"[{\"text\": \"hi\"}]"), Some(Format::Json));
        assert_eq!(detect("a.txt", b"  <!DOCTYPE html>\n<p>hi</p>"), Some(Format::Html), "a page saved as .txt");
        assert_eq!(detect("a", b"<HTML><body><p>hi</p>"), Some(Format::Html));
        assert_eq!(detect("a.txt", b"<p>Ana: hi</p>"), Some(Format::Text), "markup in a text file is text");
        assert_eq!(detect("a.html", b"Ana: hi"), Some(Format::Html), "a page without tags is still read as one");
    }

    #[test]
    fn unreadable_files_say_why() {
        let err = |path: &str, bytes: &[u8]| read(Path::new(path), bytes).err().map(|e| (e.line, e.message));
        assert_eq!(err("a.pdf", b"%PDF-1.4").map(|e| e.1.starts_with("PDF is not supported")), Some(true));
        assert_eq!(err("a.json", b"{\n\"segments\": [\n{\"text\": 1,}]}").map(|e| e.0), Some(Some(3)));
        assert_eq!(err("a.md", b"# Only a heading\n").map(|e| e.1.starts_with("no speech")), Some(true));
        assert_eq!(err("a.vtt", b"WEBVTT\n\nNOTE nothing\n").map(|e| e.1.starts_with("no cues")), Some(true));
    }
}
