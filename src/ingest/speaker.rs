//! The one speaker-label and timestamp grammar for text-like transcripts (text, Markdown,
//! the paragraphs of a `.docx` or an HTML page, and the `Name:` prefix inside subtitle cues).
//!
//! [`classify`] sorts one line into a [`Line`]: a speaker header on its own line
//! (`Name (00:01:02):`, `Name  0:02`, `Name: 0:02`, `**Name**`, `***Name***\`, `[Name] 11:02:09`;
//! a timestamp alone, `0:02`, keeps the speaker), a label with the speech on the same line
//! (`Name: text`, `[00:01:02] Name: text`, `Name (00:01:02): text`, `**Name:** text`), a timestamp
//! before unlabelled speech (`00:00:04 text`), a cue timing line (`00:01:25.000 --> 00:01:35.000`),
//! markup that is not speech (headings, rules), or text.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::TimeRange;

/// A speaker label found at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// The speaker's name as written.
    pub name: &'a str,
    /// Byte offset in the line where the turn's text starts.
    pub text_start: usize,
}

/// What one line of a text transcript is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// A speaker header alone on its line; the speech follows on the next lines. Without a
    /// name (`(00:01:16):`) it continues the current speaker at a new time.
    Header {
        /// The speaker, if the header names one.
        name: Option<&'a str>,
        /// The header's timestamp, in seconds.
        time: Option<f64>,
    },
    /// A label followed by speech on the same line.
    Inline {
        /// The speaker.
        name: &'a str,
        /// The label's timestamp, in seconds.
        time: Option<f64>,
        /// Byte offset in the line where the speech starts.
        text_start: usize,
    },
    /// A timestamp followed by speech, with no speaker (`00:00:04 text`, `[00:00:04] text`).
    Timed {
        /// The timestamp, in seconds.
        time: f64,
        /// Byte offset in the line where the speech starts.
        text_start: usize,
    },
    /// A subtitle-style timing line: not speech, gives the time of what follows.
    Timing(TimeRange),
    /// A heading, a rule or a front-matter fence: not speech.
    Markup,
    /// Speech (or its continuation).
    Text,
}

/// A timestamp: `1:02`, `01:02:03`, `00:01:02.500`, `00:01:02,500`.
const TS: &str = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?";
/// A speaker name: letters, digits, spaces and `. , ' ’ ‘ - _`, at most [`MAX_NAME_CHARS`]
/// (checked in code: a bounded repetition of these Unicode classes makes an automaton that
/// takes longer to build than a whole transcript takes to read).
const NAME: &str = r"[\p{L}\p{N}][\p{L}\p{N} .,'’‘\-_]*?";
/// The longest speaker label, in characters.
const MAX_NAME_CHARS: usize = 40;

struct Grammar {
    inline: Regex,
    bold: Regex,
    paren: Regex,
    bracket_name_header: Regex,
    bracket_time_inline: Regex,
    name_time_header: Regex,
    timed: Regex,
    timing: Regex,
    heading: Regex,
}

static GRAMMAR: LazyLock<Option<Grammar>> = LazyLock::new(|| {
    let re = |s: String| Regex::new(&s).ok();
    Some(Grammar {
        inline: re(format!(r"^\s*({NAME})\s*:(?:\s+|$)"))?,
        // `**Name**`, `***Name***\`, `**Name** 0:00`, `**Name** [0:00] text`, `**Name:** text`
        bold: re(format!(r"^\s*\*{{2,3}}({NAME})(:?)\*{{2,3}}(:?)\\?[ \t]*(?:\[?({TS})\]?)?[ \t]*\\?[ \t]*"))?,
        // `Name (00:01:02):` alone, `Name (00:01:02): text`, `(00:01:16):`
        paren: re(format!(r"^\s*({NAME})?\s*\(({TS})\)\s*:?\s*"))?,
        // `[Johnny Doe] 11:02:09`
        bracket_name_header: re(format!(r"^\s*\[({NAME})\]\s+({TS})\s*$"))?,
        // `[00:01:02] Name: text`
        bracket_time_inline: re(format!(r"^\s*\[({TS})\]\s*({NAME})\s*:\s+"))?,
        // `P1 0:00`, `Kelly Vaughn  0:00  `, `Alban: 0:00` (an HTML transcript's `<cite>` and `<time>`)
        name_time_header: re(format!(r"^\s*({NAME})\s*:?\s+({TS})\s*$"))?,
        // `00:00:04 text`, `[00:00:04] text`
        timed: re(format!(r"^\s*\[?({TS})\]?\s+(\S)"))?,
        timing: re(r"^\s*(\d+(?:[:.,]\d+)*)\s*-->\s*(\d+(?:[:.,]\d+)*)".into())?,
        heading: re(r"^\s{0,3}(?:#{1,6}(?:\s|$)|(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$|\.\.\.\s*$|<!--.*-->\s*$)".into())?,
    })
});

/// Words that look like a label but start ordinary sentences ("Note: ...", "So: ...").
const NOT_NAMES: &[&str] = &["note", "notes", "so", "well", "example", "e.g", "i.e", "ps", "update", "http", "https"];

/// Whether `name` is one of [`NOT_NAMES`], in any case.
fn not_a_name(name: &str) -> bool {
    NOT_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Whether `name` can be a speaker label: one to five words, several words only when each is
/// capitalized ("Dr. Ana Ruiz", "Speaker 1"), not a bare number, not a sentence opener.
fn plausible_name(name: &str) -> bool {
    if name.chars().count() > MAX_NAME_CHARS {
        return false;
    }
    let words = name.split_whitespace().count();
    if words == 0 || words > 5 || not_a_name(name.trim()) {
        return false;
    }
    let capitalized = |w: &str| w.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    if words > 1 && !name.split_whitespace().all(capitalized) {
        return false;
    }
    !name.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
}

/// Whether `byte` occurs in the first 64 bytes of `line` (cheaper than any regex).
fn early(line: &str, byte: u8) -> bool {
    line.as_bytes().iter().take(64).any(|&b| b == byte)
}

/// The looser name rule for labels that carry their own evidence (a timestamp or bold
/// markup): up to six words, the first one capitalized ("Eeke de Milliano", "Mike Maples, Jr.").
fn loose_name(name: &str) -> bool {
    if name.chars().count() > MAX_NAME_CHARS {
        return false;
    }
    let words = name.split_whitespace().count();
    let first_cap = name.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    // A final period only after an abbreviation ("Jr.", "Dr."): "**Great.**" is emphasis.
    let last = name.split_whitespace().last().unwrap_or("");
    let sentence_end = name.ends_with('.') && last.chars().count() > 3;
    (1..=6).contains(&words)
        && first_cap
        && !sentence_end
        && !name.ends_with(',')
        && !not_a_name(name)
        && !name.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
}

/// Parses `Name: text` (or `Name:` alone) at the start of `line`.
pub fn inline_label(line: &str) -> Option<Label<'_>> {
    // A label's colon comes within the first few dozen bytes (a name is at most 40 characters).
    if !early(line, b':') {
        return None;
    }
    let (name, text_start) = match ascii_inline_label(line) {
        Ok(found) => found?,
        Err(NotAscii) => {
            let caps = GRAMMAR.as_ref()?.inline.captures(line)?;
            (caps.get(1)?.as_str(), caps.get(0)?.end())
        }
    };
    let name = name.trim();
    plausible_name(name).then_some(Label { name, text_start })
}

/// The text an [`ascii_inline_label`] would need to read is not all ASCII.
struct NotAscii;

/// What `GRAMMAR.inline` captures in `line` (the name, and where the text after the label
/// starts), read byte by byte where that text is ASCII (most lines of most transcripts).
///
/// Neither the name nor the spaces around it can hold a colon, so the label's colon is the line's
/// first; the lazy name ends where only spaces are left before it.
fn ascii_inline_label(line: &str) -> Result<Option<(&str, usize)>, NotAscii> {
    // `\s` in ASCII.
    let space = crate::words::is_ascii_space;
    let b = line.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else { return Ok(None) };
    let spaces = b[colon + 1..].iter().take_while(|&&c| space(c)).count();
    let text_start = colon + 1 + spaces;
    if !b[..colon].is_ascii() || b.get(text_start).is_some_and(|c| !c.is_ascii()) {
        return Err(NotAscii);
    }
    if spaces == 0 && text_start < b.len() {
        return Ok(None);
    }
    let head = &b[..colon];
    let start = head.iter().take_while(|&&c| space(c)).count();
    let end = head.len() - head.iter().rev().take_while(|&&c| space(c)).count();
    let name = &head[start..end.max(start)];
    let named = name.first().is_some_and(u8::is_ascii_alphanumeric)
        && name.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b' ' | b'.' | b',' | b'\'' | b'-' | b'_'));
    // The bytes are ASCII, so any range of them is on a char boundary.
    Ok(named.then(|| (&line[start..end], text_start)))
}

/// Parses a timestamp (`1:02`, `01:02:03.5`, `00:01:02,500`, or plain seconds `3.480`) into seconds.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', ".");
    let mut total = 0.0;
    for part in s.split(':') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(total)
}

/// Parses a cue timing line (`00:01:25.000 --> 00:01:35.000`, also SRT commas and short forms).
pub fn cue_timing(line: &str) -> Option<TimeRange> {
    let caps = GRAMMAR.as_ref()?.timing.captures(line)?;
    let start = parse_timestamp(caps.get(1)?.as_str())?;
    let end = parse_timestamp(caps.get(2)?.as_str())?;
    Some(TimeRange { start, end: Some(end) })
}

/// Sorts one line (without its line break) into a [`Line`].
pub fn classify(line: &str) -> Line<'_> {
    let Some(g) = GRAMMAR.as_ref() else { return Line::Text };
    // Cheap byte tests first: most lines are plain speech and need no regex at all.
    let trimmed = line.trim();
    let Some(&first) = trimmed.as_bytes().first() else { return Line::Text };
    if matches!(first, b'#' | b'-' | b'*' | b'_' | b'=' | b'.' | b'<') && g.heading.is_match(line) {
        return Line::Markup;
    }
    let has_colon = early(line, b':');
    if !has_colon && first != b'*' && !line.bytes().any(|b| b.is_ascii_digit()) {
        return Line::Text;
    }
    if line.contains("-->") {
        if let Some(t) = cue_timing(line) {
            return Line::Timing(t);
        }
    }
    let time = |m: Option<regex::Match<'_>>| m.and_then(|m| parse_timestamp(m.as_str()));
    if let Some(c) = (first == b'*').then(|| g.bold.captures(line)).flatten() {
        let name = c.get(1).map(|m| m.as_str().trim()).filter(|n| loose_name(n));
        if let (Some(name), Some(all)) = (name, c.get(0)) {
            let t = time(c.get(4));
            if all.end() >= line.trim_end().len() {
                return Line::Header { name: Some(name), time: t };
            }
            let colon = c.get(2).is_some_and(|m| !m.is_empty()) || c.get(3).is_some_and(|m| !m.is_empty());
            if colon || t.is_some() {
                return Line::Inline { name, time: t, text_start: all.end() };
            }
        }
    }
    if let Some(c) = early(line, b'(').then(|| g.paren.captures(line)).flatten() {
        let name = c.get(1).map(|m| m.as_str().trim()).filter(|n| !n.is_empty());
        let ok = name.is_none_or(loose_name);
        if let (true, Some(all)) = (ok, c.get(0)) {
            let t = time(c.get(2));
            let has_colon = all.as_str().contains(':') && all.as_str().trim_end().ends_with(':');
            if all.end() >= line.trim_end().len() {
                return Line::Header { name, time: t };
            }
            if let (Some(name), true) = (name, has_colon) {
                return Line::Inline { name, time: t, text_start: all.end() };
            }
        }
    }
    if let Some(c) = (first == b'[').then(|| g.bracket_name_header.captures(line)).flatten() {
        if let Some(name) = c.get(1).map(|m| m.as_str().trim()).filter(|n| loose_name(n)) {
            return Line::Header { name: Some(name), time: time(c.get(2)) };
        }
    }
    if let Some(c) = (first == b'[').then(|| g.bracket_time_inline.captures(line)).flatten() {
        if let (Some(name), Some(all)) = (c.get(2).map(|m| m.as_str().trim()).filter(|n| loose_name(n)), c.get(0)) {
            return Line::Inline { name, time: time(c.get(1)), text_start: all.end() };
        }
    }
    let ends_in_digit = trimmed.as_bytes().last().is_some_and(u8::is_ascii_digit);
    if let Some(c) = ends_in_digit.then(|| g.name_time_header.captures(line)).flatten() {
        if let Some(name) = c.get(1).map(|m| m.as_str().trim()).filter(|n| plausible_name(n)) {
            return Line::Header { name: Some(name), time: time(c.get(2)) };
        }
    }
    if let Some(label) = has_colon.then(|| inline_label(line)).flatten() {
        if label.text_start >= line.trim_end().len() {
            return Line::Header { name: Some(label.name), time: None };
        }
        return Line::Inline { name: label.name, time: None, text_start: label.text_start };
    }
    let timed = first.is_ascii_digit() || first == b'[';
    if timed {
        // A timestamp alone on its line (`0:00`, `[00:01:02]`): what follows is said at that time.
        let bare = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(trimmed);
        if let Some(t) = bare.contains(':').then(|| parse_timestamp(bare)).flatten() {
            return Line::Header { name: None, time: Some(t) };
        }
    }
    if let Some(c) = timed.then(|| g.timed.captures(line)).flatten() {
        if let (Some(t), Some(speech)) = (time(c.get(1)), c.get(2)) {
            return Line::Timed { time: t, text_start: speech.start() };
        }
    }
    Line::Text
}

/// Whether a speaker label names an interviewer by convention (`Interviewer 1`, `Interviewer1`,
/// `interviewer`, `Q`, `MODERATOR`, `Host`, `Researcher`, `Notetaker`, ...).
pub fn is_interviewer_label(name: &str) -> bool {
    let n = name
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '_' || c == '-' || c == '#')
        .to_lowercase();
    matches!(
        n.as_str(),
        "q" | "interviewer"
            | "moderator"
            | "researcher"
            | "facilitator"
            | "host"
            | "question"
            | "int"
            | "mod"
            | "notetaker"
            | "note taker"
            | "note-taker"
            | "observer"
            | "ux researcher"
            | "lead researcher"
    )
}

/// Whether a speaker label names a participant by convention (`Participant 2`, `Interviewee`).
/// (`A` is not one: speech-to-text services name their first speaker `A`.)
pub fn is_participant_label(name: &str) -> bool {
    let n =
        name.trim().trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '_' || c == '-').to_lowercase();
    matches!(n.as_str(), "answer" | "participant" | "interviewee" | "respondent" | "guest" | "user" | "customer")
}

/// Research-study speaker ids: `P3` is a participant; beside `P` ids, `A1`, `R2`, `I1`, `M1`
/// or `F1` (author, researcher, interviewer, moderator, facilitator) are the research team.
/// Gives `Some(true)` for a team id, `Some(false)` for a participant id, `None` otherwise.
pub fn study_id(name: &str) -> Option<bool> {
    let name = name.trim();
    let mut chars = name.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let digits = chars.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match letter {
        'P' => Some(false),
        'A' | 'R' | 'I' | 'M' | 'F' => Some(true),
        _ => None,
    }
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
        assert_eq!(inline_label("NOTES: the file was cut"), None);
        assert_eq!(inline_label("  So:  what now"), None);
        assert_eq!(inline_label("Noted: the file was cut").map(|l| l.name), Some("Noted"));
        assert_eq!(inline_label("The meeting was at 10:30 and then we went on and on"), None);
        assert_eq!(inline_label("and the reason is this: we had no budget"), None);
    }

    #[test]
    fn ascii_labels_are_read_as_the_regex_reads_them() {
        let Some(g) = GRAMMAR.as_ref() else { panic!("the speaker grammar compiles") };
        let by_regex = |line: &str| g.inline.captures(line).map(|c| (c[1].to_string(), c[0].len()));
        let mut lines: Vec<String> = [
            "Maya: So tell me",
            "  Dr. Ana Ruiz \t:  yes",
            "Q:",
            "Q:x",
            "Q: ",
            ": text",
            "  : text",
            "P1:\r",
            "John\tSmith: hi",
            "a,b-c_d'e: f",
            "-x: y",
            "x y:z: w",
            "10:30 and then",
            "Name:\u{a0}text",
            "Ren\u{e9}: oui",
            "Maya:   \u{2003}text",
            "\u{2003}Maya: x",
            "x  :",
            "x\u{b}: y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every ASCII byte in each place of a short label.
        for c in (0u8..128).map(char::from) {
            for at in 0..4 {
                let mut s: Vec<char> = "Ab: c".chars().collect();
                s.insert(at, c);
                lines.push(s.into_iter().collect());
            }
        }
        for line in &lines {
            match ascii_inline_label(line) {
                Ok(found) => {
                    assert_eq!(found.map(|(n, at)| (n.to_string(), at)), by_regex(line), "{line:?}")
                }
                Err(NotAscii) => assert!(!line.is_ascii(), "{line:?}"),
            }
        }
        assert!(ascii_inline_label("Ren\u{e9}: oui").is_err() && ascii_inline_label("Name:\u{a0}text").is_err());
        assert_eq!(inline_label("Ren\u{e9}: oui").map(|l| (l.name, l.text_start)), Some(("Ren\u{e9}", 7)));
    }

    #[test]
    fn line_kinds() {
        let h = |name: &'static str, time: Option<f64>| Line::Header { name: Some(name), time };
        assert_eq!(classify("Lenny (00:01:02):"), h("Lenny", Some(62.0)));
        assert_eq!(classify("(00:01:16):"), Line::Header { name: None, time: Some(76.0) });
        assert_eq!(classify("Kelly Vaughn  0:17  "), h("Kelly Vaughn", Some(17.0)));
        assert_eq!(classify("P1 0:00"), h("P1", Some(0.0)));
        assert_eq!(classify("Alban: 1:11 "), h("Alban", Some(71.0)));
        assert_eq!(classify("Norma-Jean Belenky: 1:07"), h("Norma-Jean Belenky", Some(67.0)));
        assert_eq!(classify("**Interviewer**\\"), h("Interviewer", None));
        assert_eq!(classify("***Participant***\\"), h("Participant", None));
        assert_eq!(classify("**Emma Bostian** [1:02]"), h("Emma Bostian", Some(62.0)));
        assert_eq!(classify("[Johnny Doe] 11:02:09"), h("Johnny Doe", Some(39729.0)));
        assert_eq!(
            classify("Ana (00:00:05): Hi: there"),
            Line::Inline { name: "Ana", time: Some(5.0), text_start: 16 }
        );
        assert_eq!(classify("[00:01:02] Ana: Hi"), Line::Inline { name: "Ana", time: Some(62.0), text_start: 16 });
        assert_eq!(classify("**Ana:** Hi"), Line::Inline { name: "Ana", time: None, text_start: 9 });
        assert_eq!(classify("00:00:04 welcome back"), Line::Timed { time: 4.0, text_start: 9 });
        assert_eq!(classify("0:00 "), Line::Header { name: None, time: Some(0.0) });
        assert_eq!(classify("[01:02:03]"), Line::Header { name: None, time: Some(3723.0) });
        assert_eq!(classify("00:00:04 Émile"), Line::Timed { time: 4.0, text_start: 9 });
        assert_eq!(classify("00:01:25.000 --> 00:01:35.000"), Line::Timing(TimeRange { start: 85.0, end: Some(95.0) }));
        assert_eq!(classify("## Section 2"), Line::Markup);
        assert_eq!(classify("---"), Line::Markup);
        assert_eq!(classify("**Have you ever used any VA benefits or services?**"), Line::Text);
        assert_eq!(classify("We met at 10:30 that day."), Line::Text);
        assert_eq!(classify("**Great.**"), Line::Text);
        assert_eq!(classify("Mike Maples, Jr. (00:00:04):"), h("Mike Maples, Jr.", Some(4.0)));
        assert_eq!(classify("Eeke de Milliano (00:00:13):"), h("Eeke de Milliano", Some(13.0)));
        assert_eq!(classify("SPEAKER_00:"), h("SPEAKER_00", None));
        assert_eq!(classify("**Ali** [00:00:02] Today"), Line::Inline { name: "Ali", time: Some(2.0), text_start: 19 });
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1:02"), Some(62.0));
        assert_eq!(parse_timestamp("01:00:01,500"), Some(3601.5));
        assert_eq!(parse_timestamp("3.480"), Some(3.48));
        assert_eq!(parse_timestamp("1:x"), None);
    }

    #[test]
    fn interviewer_labels() {
        for l in ["Q", "Interviewer", "interviewer 1", "Interviewer1", "MODERATOR", "Researcher2", "Host"] {
            assert!(is_interviewer_label(l), "{l}");
        }
        for l in ["A", "Maya", "Participant", "Interviewee"] {
            assert!(!is_interviewer_label(l), "{l}");
        }
    }
}
