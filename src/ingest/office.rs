//! Word `.docx` and OpenDocument `.odt`: takes the zip's bytes, gives a transcript. The document
//! part (`word/document.xml`, `content.xml`) is read within the limits (zip entries, inflated
//! size) and its paragraphs ([`docx`](super::docx), [`odt`](super::odt)) become lines; the notes
//! rules read them when they are notes (list items and bold sentences as `- ` bullets, wholly
//! bold paragraphs as `**…**`), the text rules otherwise; pith's `Speaker: text` rendering gives
//! the document.

use std::io::{Cursor, Read as _};

use super::render::{render, Utterance};
use super::{docx, human_bytes, notes, odt, text, Limits, ReadError};
use crate::model::Transcript;

/// One paragraph of a word-processor document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Paragraph {
    /// Its text (tabs kept, line breaks as spaces).
    pub text: String,
    /// Every character of it is bold (a question line in notes).
    pub bold: bool,
    /// It is an item of a bulleted or numbered list.
    pub item: bool,
    /// Some of its text is not bold.
    pub(super) plain: bool,
}

impl Paragraph {
    /// Adds a run of text, bold or not.
    pub fn push(&mut self, text: &str, bold: bool) {
        self.plain |= !bold && !text.trim().is_empty();
        self.text.push_str(text);
    }

    /// The paragraph, bold when it has text and all of it is bold.
    pub fn finish(mut self) -> Paragraph {
        self.bold = !self.plain && !self.text.trim().is_empty();
        self
    }
}

/// The word-processor formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Word `.docx`.
    Word,
    /// OpenDocument text `.odt`.
    OpenDocument,
}

impl Kind {
    fn part(self) -> &'static str {
        match self {
            Kind::Word => "word/document.xml",
            Kind::OpenDocument => "content.xml",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Word => "a Word file",
            Kind::OpenDocument => "an OpenDocument file",
        }
    }

    fn paragraphs(self, xml: &str) -> Result<Vec<Paragraph>, quick_xml::Error> {
        match self {
            Kind::Word => docx::paragraphs(xml),
            Kind::OpenDocument => odt::paragraphs(xml),
        }
    }
}

/// Reads a `.docx` or `.odt` (`kind` is what the extension says; a zip holding the other
/// format's part is read as that format).
pub(super) fn read(bytes: &[u8], limits: &Limits, kind: Kind) -> Result<Transcript, ReadError> {
    let err = |message: String| ReadError { line: None, message };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| err(format!("not {}: {e}", kind.name())))?;
    if zip.len() > limits.max_docx_entries {
        return Err(err(format!(
            "not {}: the zip has {} entries (limit {}: max_docx_entries in pith.toml [limits])",
            kind.name(),
            zip.len(),
            limits.max_docx_entries
        )));
    }
    let other = if kind == Kind::Word { Kind::OpenDocument } else { Kind::Word };
    let kind = if zip.index_for_name(kind.part()).is_none() && zip.index_for_name(other.part()).is_some() {
        other
    } else {
        kind
    };
    let part =
        zip.by_name(kind.part()).map_err(|_| err(format!("not {}: the zip has no {}", kind.name(), kind.part())))?;
    let max = limits.max_docx_xml_bytes;
    let mut raw = Vec::new();
    part.take(max.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| err(format!("cannot read {}: {e}", kind.part())))?;
    if raw.len() as u64 > max {
        return Err(err(format!(
            "{} decompresses to more than {} (a zip bomb? limit: max_docx_xml_bytes in pith.toml [limits])",
            kind.part(),
            human_bytes(max)
        )));
    }
    let xml = String::from_utf8(raw).map_err(|e| err(format!("cannot read {}: {e}", kind.part())))?;
    let paragraphs = kind.paragraphs(&xml).map_err(|e| err(format!("broken {}: {e}", kind.part())))?;
    Ok(transcript(&paragraphs))
}

/// The transcript of a document's paragraphs: notes when their structure says so, else the text
/// rules over the plain lines.
pub(super) fn transcript(paragraphs: &[Paragraph]) -> Transcript {
    let lines = |marked: bool| -> String {
        let mut out = String::new();
        for p in paragraphs {
            let text = p.text.trim();
            // A bold sentence is a guide line, a bold word or two a speaker's name or a heading.
            let guide_line = p.bold && text.split_whitespace().count() >= 4;
            if marked && (p.item || guide_line) {
                out.push_str("- ");
            }
            if marked && p.bold && !text.is_empty() {
                out.push_str("**");
                out.push_str(text);
                out.push_str("**");
            } else {
                out.push_str(if marked { text } else { &p.text });
            }
            out.push('\n');
        }
        out
    };
    let marked = lines(true);
    let (body, _) = text::front_matter(&marked);
    let (document, turns) = match notes::turns(&marked, body) {
        Some(turns) => (marked, turns),
        None => {
            let plain = lines(false);
            let (body, _) = text::front_matter(&plain);
            let turns = text::turns(&plain, body);
            (plain, turns)
        }
    };
    let (_, attributes) = text::front_matter(&document);
    let utterances = turns
        .into_iter()
        .map(|t| Utterance {
            speaker: t.speaker,
            text: document[t.text].to_string(),
            time: t.time,
            line: t.line,
            role: t.role,
            marks: Vec::new(),
        })
        .collect();
    render(utterances, attributes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn para(text: &str, bold: bool, item: bool) -> Paragraph {
        Paragraph { text: text.into(), bold, item, ..Paragraph::default() }
    }

    #[test]
    fn bold_list_items_are_questions_only_in_notes() {
        let notes = [
            para("Why did you switch?", true, true),
            para("The old one broke.", false, false),
            para("Tell me more.", true, true),
            para("It was slow.", false, false),
            para("What now?", true, false),
            para("Fine.", false, false),
        ];
        let t = transcript(&notes);
        let roles: Vec<_> = t.turns.iter().map(|x| (x.role, &t.document[x.text.clone()])).collect();
        assert_eq!(roles[0], (Some(Role::Interviewer), "Why did you switch?"));
        assert_eq!(roles[3], (Some(Role::Participant), "It was slow."));
        assert_eq!(roles.len(), 6);
        let labelled = [para("Ana: Hi.", true, true), para("Bo: Hello?", false, false)];
        let t = transcript(&labelled);
        assert_eq!(t.document, "Ana: Hi.\nBo: Hello?\n");
        assert!(t.turns.iter().all(|x| x.role.is_none()));
    }
}
