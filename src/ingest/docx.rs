//! Word `.docx`: the paragraphs of `word/document.xml` (table cells included, page headers and
//! footers not: they live in other parts of the zip), one per line, then the text reader's
//! rules, then pith's `Speaker: text` rendering.

use std::io::{Cursor, Read as _};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::render::{render, Utterance};
use super::{human_bytes, notes, text, Limits, ReadError};
use crate::model::Transcript;

/// Reads a `.docx` transcript.
pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Transcript, ReadError> {
    let err = |message: String| ReadError { line: None, message };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| err(format!("not a Word file: {e}")))?;
    if zip.len() > limits.max_docx_entries {
        return Err(err(format!(
            "not a Word file: the zip has {} entries (limit {}: max_docx_entries in pith.toml [limits])",
            zip.len(),
            limits.max_docx_entries
        )));
    }
    let part = zip
        .by_name("word/document.xml")
        .map_err(|_| err("not a Word file: the zip has no word/document.xml".into()))?;
    let max = limits.max_docx_xml_bytes;
    let mut raw = Vec::new();
    part.take(max.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| err(format!("cannot read word/document.xml: {e}")))?;
    if raw.len() as u64 > max {
        return Err(err(format!(
            "word/document.xml decompresses to more than {} (a zip bomb? limit: max_docx_xml_bytes in pith.toml [limits])",
            human_bytes(max)
        )));
    }
    let xml = String::from_utf8(raw).map_err(|e| err(format!("cannot read word/document.xml: {e}")))?;
    let plain = paragraphs(&xml).map_err(|e| err(format!("broken word/document.xml: {e}")))?;
    let (body, attributes) = text::front_matter(&plain);
    let turns = notes::turns(&plain, body).unwrap_or_else(|| text::turns(&plain, body));
    let utterances = turns
        .into_iter()
        .map(|t| Utterance {
            speaker: t.speaker,
            text: plain[t.text].to_string(),
            time: t.time,
            line: t.line,
            role: t.role,
        })
        .collect();
    Ok(render(utterances, attributes))
}

/// The document's paragraphs as text, one per line (`w:tab` → tab, `w:br` → space).
fn paragraphs(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event()? {
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push(' '),
                b"p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.unescape()?),
            Event::CData(t) if in_text => out.push_str(&String::from_utf8_lossy(&t)),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_runs_and_entities() {
        let xml = r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Ann:</w:t></w:r><w:r><w:t xml:space="preserve"> Tom &amp; me</w:t></w:r></w:p><w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        assert_eq!(paragraphs(xml).ok().as_deref(), Some("Ann: Tom & me\n\ncell\n"));
    }
}
