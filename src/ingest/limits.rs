//! Limits that keep a hostile or mistaken file (a 40 MB log, a zip bomb, a deeply nested
//! JSON) from exhausting memory or time: each is a clear "skipped" message instead.
//!
//! The defaults are far above any real interview transcript; `pith.toml` may change them in
//! its `[limits]` table.

use serde::Deserialize;

use super::ReadError;

/// Per-transcript limits, read from `pith.toml` `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest transcript file read, in bytes (checked from metadata before reading).
    pub max_transcript_bytes: u64,
    /// Longest line, in bytes: a file with a longer line is skipped.
    pub max_line_bytes: usize,
    /// Longest passage, in bytes: a longer piece of a turn is cut into passages of at most
    /// this size, at whitespace where there is some (nothing is dropped).
    pub max_passage_bytes: usize,
    /// Most passages in one transcript: a transcript that segments into more is skipped.
    pub max_passages: usize,
    /// Most words in one transcript: a transcript with more is skipped before it is segmented.
    pub max_words: usize,
    /// Largest decompressed `word/document.xml` of a `.docx` (or `content.xml` of an `.odt`), in bytes.
    pub max_docx_xml_bytes: u64,
    /// Most entries in a `.docx` (or `.odt`) zip.
    pub max_docx_entries: usize,
    /// Deepest nesting of a JSON transcript (at most 128: the JSON parser's own limit).
    pub max_json_depth: usize,
}

impl Limits {
    /// Refuses a transcript `text` of more than [`Limits::max_words`] words. Words are a byte
    /// long at least and a byte apart: a text too short to hold that many is not counted.
    pub fn check_words(&self, text: &str) -> Result<(), ReadError> {
        if text.len().div_ceil(2) <= self.max_words {
            return Ok(());
        }
        over("words", crate::words::word_count(text), self.max_words, "max_words")
    }

    /// Refuses a transcript of more than [`Limits::max_passages`] passages.
    pub fn check_passages(&self, passages: usize) -> Result<(), ReadError> {
        over("passages", passages, self.max_passages, "max_passages")
    }
}

fn over(what: &str, n: usize, max: usize, key: &str) -> Result<(), ReadError> {
    if n <= max {
        return Ok(());
    }
    let message =
        format!("the transcript has {n} {what} (limit {max}: raise {key} in pith.toml [limits] if this is really one interview)");
    Err(ReadError { line: None, message })
}

/// One megabyte.
const MB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_transcript_bytes: 64 * MB,
            max_line_bytes: MB as usize,
            max_passage_bytes: 64 * 1024,
            max_passages: 50_000,
            max_words: 1_000_000,
            max_docx_xml_bytes: 200 * MB,
            max_docx_entries: 10_000,
            max_json_depth: 128,
        }
    }
}

/// A byte count for messages: `64 MB`, `12 KB`, `300 bytes`.
pub fn human_bytes(n: u64) -> String {
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// The 1-based line and length of the first line longer than `max` bytes, if any.
pub fn long_line(bytes: &[u8], max: usize) -> Option<(usize, usize)> {
    bytes.split(|&b| b == b'\n').enumerate().find(|(_, l)| l.len() > max).map(|(i, l)| (i + 1, l.len()))
}

/// The deepest nesting of `[`/`{` in JSON text (strings skipped), stopping once past `max`.
pub fn json_depth(text: &str, max: usize) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > max {
                    return deepest;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Known binary formats by their first bytes.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xFF\xD8\xFF", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x7FELF", "ELF executable"),
    (b"\x1F\x8B", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xFD7zXZ\x00", "xz"),
    (b"7z\xBC\xAF\x27\x1C", "7-Zip"),
    (b"Rar!\x1A\x07", "RAR"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"ID3", "MP3"),
    (b"OggS", "Ogg audio"),
    (b"fLaC", "FLAC"),
    (b"RIFF", "RIFF (WAV/AVI/WebP)"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "old Office (.doc/.xls)"),
    (b"\xCA\xFE\xBA\xBE", "Mach-O or Java class"),
    (b"\xCF\xFA\xED\xFE", "Mach-O executable"),
    (b"\x00\x00\x00\x18ftyp", "MP4"),
    (b"\x00\x00\x00\x20ftyp", "MP4"),
    (b"\x00\x00\x00\x1Cftyp", "MP4/M4A"),
];

/// What a binary file looks like (`PDF`, `PNG`, ...), or `Some("unknown")` when its first KB
/// holds NUL bytes; `None` for text and zips (a zip may be a `.docx`).
pub fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    if let Some((_, name)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(name);
    }
    if bytes.starts_with(b"PK") {
        return None;
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Some("UTF-16 text: save it as UTF-8");
    }
    head.contains(&0).then_some("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_skips_strings() {
        assert_eq!(json_depth(r#"{"a": [1, {"b": "[[[{{"}]}"#, 128), 3);
        assert_eq!(json_depth(&"[".repeat(1000), 128), 129);
    }

    #[test]
    fn binary_by_magic_or_nul() {
        assert_eq!(binary_kind(b"%PDF-1.7 ..."), Some("PDF"));
        assert_eq!(binary_kind(b"Ana: hi\x00there"), Some("unknown"));
        assert_eq!(binary_kind(b"PK\x03\x04\x00\x00"), None);
        assert_eq!(binary_kind(b"Ana: hi"), None);
    }

    #[test]
    fn long_line_names_the_line() {
        assert_eq!(long_line(b"a\nbbbb\nc", 3), Some((2, 4)));
        assert_eq!(long_line(b"a\nbbb\nc", 3), None);
        assert_eq!(human_bytes(64 * MB), "64 MB");
    }
}
