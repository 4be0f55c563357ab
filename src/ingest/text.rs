//! Plain text and Markdown: the document text is the decoded file itself (a BOM is dropped,
//! so offsets count from after it). Lines are sorted by the [`speaker`](super::speaker)
//! grammar; continuation lines belong to the current speaker; a turn's range covers its speech
//! only (labels, timestamps, header lines and markup are outside it). YAML front matter
//! becomes attributes. Without any label, each paragraph is a turn with no speaker. A document
//! laid out as interview notes is read by [`notes`](super::notes) instead.

use super::speaker::{classify, Line};
use crate::model::{TimeRange, Transcript, Turn};

/// Reads a text transcript.
pub fn read(document: String) -> Transcript {
    let (body, attributes) = front_matter(&document);
    let turns = super::notes::turns(&document, body).unwrap_or_else(|| turns(&document, body));
    Transcript { document, turns, attributes }
}

/// A turn being built: its speech range is unknown until its first line of speech.
struct Open {
    speaker: Option<String>,
    text: Option<std::ops::Range<usize>>,
    time: Option<TimeRange>,
    line: usize,
}

impl Open {
    /// Closes the turn if it has speech and opens the next one of the same speaker.
    fn split(self, turns: &mut Vec<Turn>, time: Option<TimeRange>) -> Option<Open> {
        if self.text.is_none() {
            return Some(Open { time: time.or(self.time), ..self });
        }
        let next = Open { speaker: self.speaker.clone(), text: None, time, line: 0 };
        self.close(turns);
        next.speaker.is_some().then_some(next)
    }

    fn close(self, turns: &mut Vec<Turn>) {
        if let Some(text) = self.text.filter(|r| r.start < r.end) {
            turns.push(Turn {
                speaker: self.speaker,
                text,
                time: self.time,
                line: self.line,
                role: None,
                marks: Vec::new(),
            });
        }
    }
}

/// The turns of `document` from byte `from` on (the text reader's rules; docx reuses them).
pub(super) fn turns(document: &str, from: usize) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut labelled = false;
    let mut current: Option<Open> = None;
    let mut blank_run = true;
    let mut pending_time: Option<TimeRange> = None;
    let first_line = document[..from].matches('\n').count();
    let mut offset = from;
    for (i, raw) in document[from..].split_inclusive('\n').enumerate() {
        let line_no = first_line + i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += raw.len();
        if line.trim().is_empty() {
            blank_run = true;
            continue;
        }
        let at = |t: f64| Some(TimeRange { start: t, end: None });
        let (speech_start, time) = match classify(line) {
            Line::Markup => {
                // Markup inside a turn splits it, so that the turn's ranges hold speech only.
                if let Some(t) = current.take() {
                    current = t.split(&mut turns, None);
                }
                blank_run = true;
                continue;
            }
            Line::Timing(t) => {
                // A cue timing line (a Zoom transcript pasted into Markdown) starts a new
                // utterance; its speaker is unknown unless the cue names one.
                if let Some(t) = current.take() {
                    t.close(&mut turns);
                }
                pending_time = Some(t);
                blank_run = true;
                continue;
            }
            Line::Header { name: Some(name), time } => {
                labelled = true;
                if let Some(t) = current.take() {
                    t.close(&mut turns);
                }
                let time = time.map(|t| TimeRange { start: t, end: None }).or(pending_time.take());
                current = Some(Open { speaker: Some(name.to_string()), text: None, time, line: line_no });
                blank_run = false;
                continue;
            }
            Line::Header { name: None, time } => {
                // `(00:01:16):` continues the speaker in a new turn at the new time; before any
                // speaker, it is the time of what follows.
                match current.take() {
                    Some(t) => current = t.split(&mut turns, time.and_then(at)),
                    None => pending_time = time.and_then(at).or(pending_time),
                }
                blank_run = false;
                continue;
            }
            Line::Inline { name, time, text_start } => {
                labelled = true;
                if let Some(t) = current.take() {
                    t.close(&mut turns);
                }
                let time = time.and_then(at).or(pending_time.take());
                current = Some(Open { speaker: Some(name.to_string()), text: None, time, line: line_no });
                (text_start, None)
            }
            Line::Timed { time, text_start } => {
                // `00:00:04 text` starts a new turn of the current speaker, so that turns never
                // hold a timestamp.
                if let Some(t) = current.take() {
                    current = t.split(&mut turns, at(time));
                }
                (text_start, at(time))
            }
            Line::Text => (0, None),
        };
        let content = &line[speech_start..];
        let lead = content.len() - content.trim_start().len();
        let begin = start + speech_start + lead;
        let end = start + line.trim_end().len();
        if begin >= end {
            blank_run = false;
            continue;
        }
        let continues = current.as_ref().is_some_and(|t| t.text.is_none() || labelled || !blank_run);
        if !continues {
            if let Some(t) = current.take() {
                t.close(&mut turns);
            }
            current = Some(Open { speaker: None, text: None, time: None, line: line_no });
        }
        if let Some(t) = current.as_mut() {
            match &mut t.text {
                Some(r) => r.end = end,
                None => t.text = Some(begin..end),
            }
            if t.line == 0 {
                t.line = line_no;
            }
            if t.time.is_none() {
                t.time = time.or(pending_time.take());
            }
        }
        blank_run = false;
    }
    if let Some(t) = current.take() {
        t.close(&mut turns);
    }
    turns
}

/// YAML front matter: `---` on the first line, `key: value` lines, `---` or `...` to close.
/// Gives the byte offset where the body starts and the simple scalar fields (lists, nested
/// maps and multi-line values are skipped). Without front matter: `(0, [])`.
pub fn front_matter(document: &str) -> (usize, Vec<(String, String)>) {
    let mut lines = document.split_inclusive('\n');
    let mut offset = match lines.next() {
        Some(first) if first.trim_end() == "---" => first.len(),
        _ => return (0, Vec::new()),
    };
    let mut fields = Vec::new();
    for raw in lines {
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line == "---" || line == "..." {
            return (offset, fields);
        }
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        let unquoted =
            ['"', '\''].iter().find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q))).unwrap_or(value);
        let open_quote = unquoted == value && value.starts_with(['"', '\'']);
        let key = key.trim();
        if !key.is_empty() && !unquoted.is_empty() && !open_quote && !key.contains(' ') {
            fields.push((key.to_string(), unquoted.to_string()));
        }
    }
    // No closing fence: not front matter after all.
    (0, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(doc: &str) -> Vec<(Option<String>, String, usize, Option<f64>)> {
        let t = read(doc.to_string());
        t.turns
            .iter()
            .map(|x| (x.speaker.clone(), t.document[x.text.clone()].to_string(), x.line, x.time.map(|t| t.start)))
            .collect()
    }

    #[test]
    fn labels_and_continuations() {
        let got = turns("Maya: Hi.\r\nTom: Well,\r\nI mean yes.\r\n\r\nAnd more.\r\nMaya: Thanks\n");
        assert_eq!(
            got,
            vec![
                (Some("Maya".into()), "Hi.".into(), 1, None),
                (Some("Tom".into()), "Well,\r\nI mean yes.\r\n\r\nAnd more.".into(), 2, None),
                (Some("Maya".into()), "Thanks".into(), 6, None),
            ]
        );
    }

    #[test]
    fn unlabelled_paragraphs() {
        let got = turns("# Title\nFirst para\nstill first.\n\n  Second para.\n");
        assert_eq!(
            got,
            vec![(None, "First para\nstill first.".into(), 2, None), (None, "Second para.".into(), 5, None)]
        );
    }

    #[test]
    fn header_lines_and_continuation_timestamps() {
        let got = turns("Lenny (00:00:39):\nWelcome.\n\n(00:01:16):\nMore.\n\nApril Dunford (00:01:20):\nThanks.\n");
        assert_eq!(
            got,
            vec![
                (Some("Lenny".into()), "Welcome.".into(), 1, Some(39.0)),
                (Some("Lenny".into()), "More.".into(), 5, Some(76.0)),
                (Some("April Dunford".into()), "Thanks.".into(), 7, Some(80.0)),
            ]
        );
    }

    #[test]
    fn timed_lines_start_turns_without_their_timestamps() {
        let got = turns("00:00:01 One.\n00:00:02 Two.\nAna: Hi.\n00:01:05 More.\n");
        assert_eq!(
            got,
            vec![
                (None, "One.".into(), 1, Some(1.0)),
                (None, "Two.".into(), 2, Some(2.0)),
                (Some("Ana".into()), "Hi.".into(), 3, None),
                (Some("Ana".into()), "More.".into(), 4, Some(65.0)),
            ]
        );
    }

    #[test]
    fn cue_timing_lines_start_unlabelled_utterances() {
        let doc =
            "00:00:01.000 --> 00:00:04.000\nHello there.\nNotetaker: P greets.\n00:00:05.000 --> 00:00:06.000\nHi.\n";
        let t = read(doc.to_string());
        let got: Vec<_> = t
            .turns
            .iter()
            .map(|x| (x.speaker.as_deref(), &t.document[x.text.clone()], x.time.map(|t| t.start)))
            .collect();
        assert_eq!(
            got,
            [(None, "Hello there.", Some(1.0)), (Some("Notetaker"), "P greets.", None), (None, "Hi.", Some(5.0))]
        );
        assert_eq!(t.turns[0].time.and_then(|t| t.end), Some(4.0));
    }

    #[test]
    fn front_matter_fields_become_attributes() {
        let doc = "---\nguest: April Dunford\ntitle: 'Pitch'\nkeywords:\n- growth\n---\nLenny (00:00:01):\nHi?\n";
        let t = read(doc.to_string());
        assert_eq!(t.attributes, vec![("guest".into(), "April Dunford".into()), ("title".into(), "Pitch".into())]);
        assert_eq!(t.turns.len(), 1);
        assert_eq!(&t.document[t.turns[0].text.clone()], "Hi?");
    }
}
