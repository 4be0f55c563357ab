//! pith's plain rendering for structured formats (VTT, SRT, JSON, docx): utterances are merged
//! into turns and written as one `Speaker: text` line per turn (just `text` without a speaker).
//! Turn ranges point at the text after the label.

use crate::model::{Role, TimeRange, Transcript, Turn};

/// One utterance as a structured reader found it (a cue, a JSON segment, a docx turn).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Utterance {
    /// Speaker label, if any.
    pub speaker: Option<String>,
    /// The speech; whitespace is collapsed when rendered.
    pub text: String,
    /// Time range, if the source has one.
    pub time: Option<TimeRange>,
    /// 1-based line in the source where it starts.
    pub line: usize,
    /// The role the source's layout gives it (interview notes), if any.
    pub role: Option<Role>,
    /// Where utterances merged into this one start: (index of their first word, seconds).
    pub marks: Vec<(usize, f64)>,
}

/// Unlabelled utterances (subtitles without speakers, Whisper segments) are joined into
/// paragraphs of at least this many words, ending at a sentence end, so that passages keep a
/// useful time.
const PARAGRAPH_WORDS: usize = 80;

/// Whether an unlabelled paragraph of `words` words ending in `text` is long enough to close
/// before the next utterance.
fn paragraph_done(words: usize, text: &str) -> bool {
    words >= PARAGRAPH_WORDS && text.trim_end().ends_with(['.', '!', '?', '"', '\u{201D}'])
}

/// Merges consecutive utterances of one speaker into one turn, keeping the first start and the
/// last end time. Unlabelled utterances merge into paragraphs of about [`PARAGRAPH_WORDS`] words.
pub(super) fn merge(items: Vec<Utterance>) -> Vec<Utterance> {
    let mut out: Vec<Utterance> = Vec::new();
    let mut words = 0usize;
    for item in items {
        if item.text.trim().is_empty() {
            continue;
        }
        let n = item.text.split_whitespace().count();
        if let Some(last) = out.last_mut() {
            let done = last.speaker.is_none() && paragraph_done(words, &last.text);
            if last.speaker == item.speaker && last.role == item.role && !done {
                if let Some(t) = item.time {
                    last.marks.push((words, t.start));
                }
                last.text.push(' ');
                last.text.push_str(&item.text);
                last.time = match (last.time, item.time) {
                    (Some(a), Some(b)) => Some(TimeRange { start: a.start, end: b.end.or(Some(b.start)) }),
                    (a, b) => a.or(b),
                };
                words += n;
                continue;
            }
        }
        words = n;
        out.push(item);
    }
    out
}

/// Renders turns as `Speaker: text` lines and points each turn at its text.
pub(super) fn render(items: Vec<Utterance>, attributes: Vec<(String, String)>) -> Transcript {
    let mut document = String::new();
    let mut turns = Vec::with_capacity(items.len());
    for item in merge(items) {
        if let Some(s) = &item.speaker {
            document.push_str(s);
            document.push_str(": ");
        }
        let start = document.len();
        let mut marks = item.marks.iter().peekable();
        let mut at = Vec::new();
        for (i, word) in item.text.split_whitespace().enumerate() {
            if i > 0 {
                document.push(' ');
            }
            while let Some(&&(_, t)) = marks.peek().filter(|(w, _)| *w <= i) {
                at.push((document.len(), t));
                marks.next();
            }
            document.push_str(word);
        }
        let text = start..document.len();
        let (speaker, time, line, role) = (item.speaker, item.time, item.line, item.role);
        turns.push(Turn { speaker, text, time, line, role, marks: at });
        document.push('\n');
    }
    Transcript { document, turns, attributes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(speaker: Option<&str>, text: &str, start: f64, end: f64) -> Utterance {
        Utterance {
            speaker: speaker.map(str::to_string),
            text: text.into(),
            time: Some(TimeRange { start, end: Some(end) }),
            line: 1,
            role: None,
            marks: Vec::new(),
        }
    }

    #[test]
    fn merges_one_speaker_and_renders_lines() {
        let t = render(
            vec![
                u(Some("Ann"), "Why\n now?", 1.0, 2.0),
                u(Some("Bo"), "Because.", 2.0, 3.0),
                u(Some("Bo"), "", 3.0, 4.0),
                u(Some("Bo"), "Yes.", 3.5, 5.0),
            ],
            Vec::new(),
        );
        assert_eq!(t.document, "Ann: Why now?\nBo: Because. Yes.\n");
        assert_eq!(&t.document[t.turns[1].text.clone()], "Because. Yes.");
        assert_eq!(t.turns[1].time, Some(TimeRange { start: 2.0, end: Some(5.0) }));
        assert_eq!(t.turns[1].marks, [(t.document.find("Yes").unwrap_or(0), 3.5)]);
    }
}
