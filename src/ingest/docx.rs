//! Word `.docx`: takes `word/document.xml`, gives its paragraphs (table cells included, page
//! headers and footers not: they live in other parts of the zip), each with whether it is wholly
//! bold and whether it is a list item; [`office`](super::office) does the rest.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::office::Paragraph;

/// Whether a `w:b` element switches bold on (`<w:b/>`, `<w:b w:val="1"/>`; not `w:val="0"`).
fn switches_on(e: &BytesStart<'_>) -> bool {
    let off = e.attributes().flatten().any(|a| {
        a.key.local_name().as_ref() == b"val" && matches!(a.value.as_ref(), b"0" | b"false" | b"off" | b"none")
    });
    !off
}

/// The document's paragraphs (`w:tab` → tab, `w:br` → space).
pub(super) fn paragraphs(xml: &str) -> Result<Vec<Paragraph>, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current = Paragraph::default();
    let (mut in_text, mut run_bold) = (false, false);
    loop {
        match reader.read_event()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"r" => run_bold = false,
                b"b" => run_bold = switches_on(&e),
                b"numPr" => current.item = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => out.push(std::mem::take(&mut current).finish()),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => current.text.push('\t'),
                b"br" | b"cr" => current.text.push(' '),
                b"b" => run_bold = switches_on(&e),
                b"numPr" => current.item = true,
                b"p" => out.push(std::mem::take(&mut current)),
                _ => {}
            },
            Event::Text(t) if in_text => current.push(&t.unescape()?, run_bold),
            Event::CData(t) if in_text => current.text.push_str(&String::from_utf8_lossy(&t)),
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
        let got = paragraphs(xml).unwrap_or_default();
        let text: Vec<&str> = got.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, ["Ann: Tom & me", "", "cell"]);
    }

    #[test]
    fn bold_paragraphs_and_list_items() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>Why?</w:t></w:r></w:p>
            <w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Half </w:t></w:r><w:r><w:t>bold</w:t></w:r></w:p>
            <w:p><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>Not bold</w:t></w:r></w:p></w:body></w:document>"#;
        let got = paragraphs(xml).unwrap_or_default();
        let flags: Vec<(bool, bool)> = got.iter().map(|p| (p.bold, p.item)).collect();
        assert_eq!(flags, [(true, true), (false, false), (false, false)]);
    }
}
