//! Plain text and Markdown: `Name: text` turns, continuation lines belong to the current
//! speaker; without any label, each paragraph is a turn with no speaker.

use super::speaker::inline_label;
use super::ReadError;
use crate::model::{Transcript, Turn};

/// Reads a text transcript; the document text is the decoded file itself.
pub fn read(document: String) -> Result<Transcript, ReadError> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut labelled = false;
    let mut offset = 0usize;
    let mut current: Option<Turn> = None;
    let mut blank_run = true;
    for (i, raw) in document.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += raw.len();
        if line.trim().is_empty() {
            blank_run = true;
            continue;
        }
        if let Some(label) = inline_label(line) {
            labelled = true;
            if let Some(t) = current.take() {
                turns.push(t);
            }
            let text_start = start + label.text_start;
            current = Some(Turn {
                speaker: Some(label.name.to_string()),
                text: text_start..start + line.trim_end().len(),
                time: None,
                line: line_no,
            });
        } else {
            let lead = line.len() - line.trim_start().len();
            let end = start + line.trim_end().len();
            match &mut current {
                // Continuation line (or a new paragraph of the same speaker, once labels are in use).
                Some(t) if labelled || !blank_run => t.text.end = end,
                _ => {
                    if let Some(t) = current.take() {
                        turns.push(t);
                    }
                    current = Some(Turn { speaker: None, text: start + lead..end, time: None, line: line_no });
                }
            }
        }
        blank_run = false;
    }
    if let Some(t) = current.take() {
        turns.push(t);
    }
    turns.retain(|t| t.text.start < t.text.end);
    Ok(Transcript { document, turns, attributes: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(doc: &str) -> Vec<(Option<String>, String, usize)> {
        let t = read(doc.to_string()).unwrap_or_default();
        t.turns.iter().map(|x| (x.speaker.clone(), t.document[x.text.clone()].to_string(), x.line)).collect()
    }

    #[test]
    fn labels_and_continuations() {
        let got = turns("Maya: Hi.\r\nTom: Well,\r\nI mean yes.\r\n\r\nAnd more.\r\nMaya: Thanks\n");
        assert_eq!(
            got,
            vec![
                (Some("Maya".into()), "Hi.".into(), 1),
                (Some("Tom".into()), "Well,\r\nI mean yes.\r\n\r\nAnd more.".into(), 2),
                (Some("Maya".into()), "Thanks".into(), 6),
            ]
        );
    }

    #[test]
    fn unlabelled_paragraphs() {
        let got = turns("First para\nstill first.\n\n  Second para.\n");
        assert_eq!(got, vec![(None, "First para\nstill first.".into(), 1), (None, "Second para.".into(), 4)]);
    }
}
