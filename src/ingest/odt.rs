//! OpenDocument text `.odt`: takes `content.xml`, gives its paragraphs and headings (table cells
//! and list items included; footnotes, comments and tracked deletions not), each with whether it
//! is wholly bold (by its automatic styles) and whether it is a list item;
//! [`office`](super::office) does the rest.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::office::Paragraph;

/// Elements whose text is not the document's body text.
const SKIPPED: &[&[u8]] = &[b"note", b"annotation", b"tracked-changes", b"sequence-decls"];

fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// Whether a `style:text-properties` element makes text bold (`fo:font-weight` bold or 600+).
fn bold_weight(e: &BytesStart<'_>) -> bool {
    attribute(e, b"font-weight").is_some_and(|w| w == "bold" || w.parse::<u32>().is_ok_and(|n| n >= 600))
}

/// The document's paragraphs (`text:s` → its count of spaces, `text:tab` → tab,
/// `text:line-break` → space).
pub(super) fn paragraphs(xml: &str) -> Result<Vec<Paragraph>, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut bold_styles: HashSet<String> = HashSet::new();
    let mut style: Option<String> = None;
    let mut current: Option<Paragraph> = None;
    // Bold of the paragraph, then of each open span inside it.
    let mut bold: Vec<bool> = Vec::new();
    let (mut skip, mut list_items) = (0usize, 0usize);
    loop {
        let event = reader.read_event()?;
        let (start, e) = match &event {
            Event::Start(e) => (true, Some(e)),
            Event::Empty(e) => (false, Some(e)),
            _ => (false, None),
        };
        if let Some(e) = e {
            let name = e.local_name();
            let name = name.as_ref();
            if SKIPPED.contains(&name) {
                skip += usize::from(start);
                continue;
            }
            if skip > 0 {
                continue;
            }
            let styled = |e: &BytesStart<'_>| attribute(e, b"style-name").is_some_and(|s| bold_styles.contains(&s));
            match name {
                b"style" if start => style = attribute(e, b"name"),
                b"text-properties" if bold_weight(e) => bold_styles.extend(style.clone()),
                b"list-item" if start => list_items += 1,
                b"p" | b"h" => {
                    let paragraph = Paragraph { item: list_items > 0, ..Default::default() };
                    if start {
                        bold = vec![styled(e)];
                        current = Some(paragraph);
                    } else {
                        out.push(paragraph);
                    }
                }
                b"span" if start => {
                    let inherited = bold.last().copied().unwrap_or(false);
                    bold.push(styled(e) || inherited);
                }
                b"s" => {
                    let n = attribute(e, b"c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1);
                    if let Some(p) = current.as_mut() {
                        p.text.extend(std::iter::repeat_n(' ', n.min(1024)));
                    }
                }
                b"tab" => current.iter_mut().for_each(|p| p.text.push('\t')),
                b"line-break" => current.iter_mut().for_each(|p| p.text.push(' ')),
                _ => {}
            }
            continue;
        }
        match event {
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if SKIPPED.contains(&name) {
                    skip = skip.saturating_sub(1);
                } else if skip == 0 {
                    match name {
                        b"style" => style = None,
                        b"list-item" => list_items = list_items.saturating_sub(1),
                        b"span" => {
                            bold.pop();
                        }
                        b"p" | b"h" => {
                            out.extend(current.take().map(Paragraph::finish));
                        }
                        _ => {}
                    }
                }
            }
            Event::Text(t) if skip == 0 => {
                if let Some(p) = current.as_mut() {
                    p.push(&t.unescape()?, bold.last().copied().unwrap_or(false));
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_spans_spaces_and_bold_styles() {
        let xml = r#"<office:document-content xmlns:office="o" xmlns:text="t" xmlns:style="s" xmlns:fo="f">
            <office:automatic-styles>
              <style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
              <style:style style:name="P1" style:family="paragraph"><style:text-properties fo:font-weight="normal"/></style:style>
            </office:automatic-styles>
            <office:body><office:text>
              <text:p text:style-name="P1"><text:span text:style-name="T1">Why did you switch?</text:span></text:p>
              <text:p><text:s text:c="4"/><text:tab/>It&apos;s <text:span text:style-name="T1">slow</text:span>.<text:note><text:note-body><text:p>footnote</text:p></text:note-body></text:note></text:p>
              <text:list><text:list-item><text:p>MODERATOR: Next?<text:line-break/>Go on.</text:p></text:list-item></text:list>
              <text:h>Task 2</text:h>
            </office:text></office:body></office:document-content>"#;
        let got = paragraphs(xml).unwrap_or_default();
        let view: Vec<(&str, bool, bool)> = got.iter().map(|p| (p.text.as_str(), p.bold, p.item)).collect();
        assert_eq!(
            view,
            [
                ("Why did you switch?", true, false),
                ("    \tIt's slow.", false, false),
                ("MODERATOR: Next? Go on.", false, true),
                ("Task 2", false, false),
            ]
        );
    }
}
