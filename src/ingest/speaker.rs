//! The one speaker-label grammar for text-like transcripts: `Name: text`, `Q:`/`A:`,
//! and the labels pith treats as interviewers.

use std::sync::LazyLock;

use regex::Regex;

/// A speaker label found at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// The speaker's name as written.
    pub name: &'a str,
    /// Byte offset in the line where the turn's text starts.
    pub text_start: usize,
}

static INLINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // A name of up to five words (letters, digits, . ' - and spaces), then a colon and a space.
    Regex::new(r"^\s*([\p{L}\p{N}][\p{L}\p{N} .'\-_]{0,38}?)\s*:\s+").ok()
});

/// Words that look like a label but start ordinary sentences ("Note: ...", "So: ...").
const NOT_NAMES: &[&str] = &["note", "notes", "so", "well", "example", "e.g", "i.e", "ps", "update", "http", "https"];

/// Parses `Name: text` at the start of `line`.
pub fn inline_label(line: &str) -> Option<Label<'_>> {
    let re = INLINE.as_ref()?;
    let caps = re.captures(line)?;
    let name = caps.get(1)?;
    let words = name.as_str().split_whitespace().count();
    if words == 0 || words > 5 || NOT_NAMES.contains(&name.as_str().to_ascii_lowercase().as_str()) {
        return None;
    }
    // Several words are a name only when each is capitalized ("Dr. Ana Ruiz", "Speaker 1"),
    // which keeps "and the reason is this: ..." in the text.
    let capitalized = |w: &str| w.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    if words > 1 && !name.as_str().split_whitespace().all(capitalized) {
        return None;
    }
    // "at 10:30" is a time, not a label.
    if name.as_str().chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Label { name: name.as_str(), text_start: caps.get(0)?.end() })
}

/// Whether a speaker label names an interviewer by convention.
pub fn is_interviewer_label(name: &str) -> bool {
    let n = name.trim().trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ').to_ascii_lowercase();
    matches!(
        n.as_str(),
        "q" | "interviewer" | "moderator" | "researcher" | "facilitator" | "host" | "question" | "int" | "mod"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(inline_label("Maya: So tell me").map(|l| (l.name, l.text_start)), Some(("Maya", 6)));
        assert_eq!(inline_label("Dr. Ana Ruiz: yes").map(|l| l.name), Some("Dr. Ana Ruiz"));
        assert_eq!(inline_label("Q: Why?").map(|l| l.name), Some("Q"));
        assert_eq!(inline_label("Note: the file was cut"), None);
        assert_eq!(inline_label("The meeting was at 10:30 and then we went on and on"), None);
        assert_eq!(inline_label("and the reason is this: we had no budget"), None);
    }

    #[test]
    fn interviewer_labels() {
        for l in ["Q", "Interviewer", "interviewer 1", "Moderator", "Researcher2"] {
            assert!(is_interviewer_label(l), "{l}");
        }
        for l in ["A", "Maya", "Participant", "Interviewee"] {
            assert!(!is_interviewer_label(l), "{l}");
        }
    }
}
