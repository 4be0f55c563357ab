//! HTML text, as Taguette stores its documents (paragraphs, headings and lists of sanitized
//! HTML) and podcast hosts publish transcripts (Podcasting 2.0's `text/html`: a `<cite>` speaker,
//! a `<time>`, `<p>` speech): takes the HTML, gives its plain text, one line per block element
//! (`p`, headings, list items, table cells, `div`, `br`), and where each byte of the HTML's text
//! content (its text nodes with entities decoded, as a browser's `textContent` has them) lies in
//! that text.
//!
//! Whitespace between blocks (the line breaks of the HTML source) is dropped; inside a block a
//! line break is a space. Comments, `<script>`, `<style>` and `<title>` are skipped, unknown
//! entities kept as written. Tags are read leniently: no element needs its end tag.

use super::office::Paragraph;

/// The lines of `html`'s plain text as paragraphs, for the readers of word-processor documents.
pub(super) fn paragraphs(html: &str) -> Vec<Paragraph> {
    HtmlText::new(html)
        .text
        .lines()
        .map(|line| {
            let mut p = Paragraph::default();
            p.push(line, false);
            p.finish()
        })
        .collect()
}

/// A run of the HTML's text content and where it went.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Its first byte in the text content.
    content: usize,
    /// Its length in bytes.
    len: usize,
    /// Where it starts in the plain text: byte and char offset (for a dropped run, where the
    /// next kept text starts).
    out_byte: usize,
    out_char: usize,
    /// It is in the plain text, byte for byte.
    kept: bool,
    /// The char and byte offsets just after the kept text before it.
    prev_end: (usize, usize),
}

/// The most bytes of text content one [`Segment`] holds.
const CHUNK: usize = 4096;

/// An HTML document as plain text.
#[derive(Debug, Clone, Default)]
pub struct HtmlText {
    /// The plain text.
    pub text: String,
    segments: Vec<Segment>,
    chars: usize,
    /// The char and byte offsets just after the last kept text.
    kept_end: (usize, usize),
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "header",
    "footer",
    "br",
    "hr",
];

impl HtmlText {
    /// Reads `html`.
    pub fn new(html: &str) -> HtmlText {
        let mut out = HtmlText::default();
        let mut content = 0usize;
        let mut skip: Option<String> = None;
        let mut rest = html;
        while !rest.is_empty() {
            let Some(lt) = rest.find('<') else {
                out.text_node(rest, &mut content, skip.is_some());
                break;
            };
            let (text, tag) = rest.split_at(lt);
            out.text_node(text, &mut content, skip.is_some());
            if let Some(body) = tag.strip_prefix("<!--") {
                rest = body.find("-->").map_or("", |e| &body[e + 3..]);
                continue;
            }
            let opens_tag = tag[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
            if !opens_tag {
                out.text_node("<", &mut content, skip.is_some());
                rest = &tag[1..];
                continue;
            }
            let end = tag_end(tag);
            let inner = tag[1..end].strip_suffix('>').unwrap_or(&tag[1..end]);
            rest = &tag[end..];
            let closing = inner.starts_with('/');
            let name: String = inner
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(skipped) = &skip {
                if closing && *skipped == name {
                    skip = None;
                }
                continue;
            }
            if !closing && matches!(name.as_str(), "script" | "style" | "title") && !inner.ends_with('/') {
                skip = Some(name);
            } else if BLOCKS.contains(&name.as_str()) {
                out.line_break(name == "br");
            }
        }
        out
    }

    /// Adds a text node (entities not yet decoded).
    fn text_node(&mut self, raw: &str, content: &mut usize, skipped: bool) {
        if raw.is_empty() || skipped {
            return;
        }
        let decoded = decode_entities(raw);
        let at_line_start = self.text.is_empty() || self.text.ends_with('\n');
        if at_line_start && decoded.trim().is_empty() && decoded.contains('\n') {
            self.segments.push(Segment {
                content: *content,
                len: decoded.len(),
                out_byte: self.text.len(),
                out_char: self.chars,
                kept: false,
                prev_end: self.kept_end,
            });
            *content += decoded.len();
            return;
        }
        // Kept text in runs of a few KB, so that placing an offset counts the chars of one run.
        let mut rest = decoded.as_str();
        while !rest.is_empty() {
            let mut cut = rest.len().min(CHUNK);
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            let (run, tail) = rest.split_at(cut);
            self.segments.push(Segment {
                content: *content,
                len: run.len(),
                out_byte: self.text.len(),
                out_char: self.chars,
                kept: true,
                prev_end: self.kept_end,
            });
            *content += run.len();
            self.text.extend(run.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }));
            self.chars += run.chars().count();
            self.kept_end = (self.chars, self.text.len());
            rest = tail;
        }
    }

    /// Ends the current line (a `br` even when it is empty).
    fn line_break(&mut self, always: bool) {
        if always || !(self.text.is_empty() || self.text.ends_with('\n')) {
            self.text.push('\n');
            self.chars += 1;
        }
    }

    /// The length of the text content in bytes.
    pub fn content_len(&self) -> usize {
        self.segments.last().map_or(0, |s| s.content + s.len)
    }

    /// The char offset in [`HtmlText::text`] of byte `at` of the text content, as the start of a
    /// range (dropped whitespace goes to the text after it); `None` past the content's end.
    pub fn start(&self, at: usize) -> Option<usize> {
        self.locate(at, false).map(|(c, _)| c)
    }

    /// The char offset of byte `at` of the text content as the end of a range (dropped
    /// whitespace goes to the text before it); `None` past the content's end.
    pub fn end(&self, at: usize) -> Option<usize> {
        self.locate(at, true).map(|(c, _)| c)
    }

    /// The plain text of the text content's bytes `start..end`.
    pub fn text_between(&self, start: usize, end: usize) -> Option<&str> {
        let (_, from) = self.locate(start, false)?;
        let (_, to) = self.locate(end, true)?;
        self.text.get(from..to.max(from))
    }

    /// The char and byte offsets in the text of byte `at` of the content, as an end or a start.
    fn locate(&self, at: usize, as_end: bool) -> Option<(usize, usize)> {
        if at == 0 && as_end {
            return Some((0, 0));
        }
        if at == self.content_len() && !as_end {
            return Some((self.chars, self.text.len()));
        }
        // The segment holding byte `at` (as a start) or the byte before it (as an end).
        let i = self.segments.partition_point(|s| if as_end { s.content < at } else { s.content <= at });
        let s = self.segments[i.checked_sub(1)?];
        let inside = if as_end { at <= s.content + s.len } else { at < s.content + s.len };
        if !inside {
            return None;
        }
        if !s.kept {
            return Some(if as_end { s.prev_end } else { (s.out_char, s.out_byte) });
        }
        // A byte inside a char counts the char.
        let run = &self.text[s.out_byte..];
        let (chars, bytes) = run
            .char_indices()
            .take_while(|&(i, _)| i < at - s.content)
            .fold((0, 0), |(n, _), (i, c)| (n + 1, i + c.len_utf8()));
        Some((s.out_char + chars, s.out_byte + bytes))
    }
}

/// The byte after a tag's `>` (quoted attribute values may hold `>`), or the end.
fn tag_end(tag: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    tag.len()
}

/// Decodes character references: the XML five, `&nbsp;`, numeric ones; others stay as written.
fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.get(1..rest.find(';').filter(|&e| e <= 10).unwrap_or(0)).and_then(|name| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, name.len() + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str, r: std::ops::Range<usize>) -> String {
        s.chars().skip(r.start).take(r.len()).collect()
    }

    #[test]
    fn blocks_become_lines_and_content_offsets_map_onto_them() {
        let html = "<h2>Intro</h2>\n<p> It&#39;s ‘fine’ &amp; <b>fast</b>.</p>\n<p>Next<br>line &lt;3</p>";
        let t = HtmlText::new(html);
        assert_eq!(t.text, "Intro\n It's ‘fine’ & fast.\nNext\nline <3\n");
        // The text content, as a browser has it, with byte offsets.
        let content = "Intro\n It's ‘fine’ & fast.\nNextline <3";
        assert_eq!(t.content_len(), content.len());
        let range = |word: &str| {
            let b = content.find(word).unwrap();
            t.start(b).unwrap()..t.end(b + word.len()).unwrap()
        };
        for word in ["Intro", "‘fine’ & fast.", "line <3", "It's"] {
            assert_eq!(chars(&t.text, range(word)), word);
            let b = content.find(word).unwrap();
            assert_eq!(t.text_between(b, b + word.len()), Some(word));
        }
        assert_eq!(
            t.text_between(content.find("fine").unwrap(), content.find("Next").unwrap() + 2),
            Some("fine’ & fast.\nNe")
        );
        // Across the dropped line break between blocks.
        assert_eq!(chars(&t.text, range("fast.\nNext")), "fast.\nNext");
        assert_eq!(chars(&t.text, range("Intro\n")), "Intro");
        assert_eq!(t.start(content.len() + 1), None);
        assert_eq!(t.end(content.len() + 1), None);
    }

    #[test]
    fn offsets_in_long_text_map_across_its_runs() {
        let para = "é".repeat(3000) + "x" + &"ü".repeat(3000);
        let t = HtmlText::new(&format!("<p>{para}</p>"));
        let b = para.find('x').unwrap();
        assert_eq!((t.start(b), t.end(b + 1)), (Some(3000), Some(3001)));
        assert_eq!(t.end(para.len()), Some(6001));
    }

    #[test]
    fn comments_scripts_and_stray_angles() {
        let t = HtmlText::new("<p>a < b<!-- x --><script>var x = '<p>';</script> c &bogus; &#xZZ;</p><p title='>'>d");
        assert_eq!(t.text, "a < b c &bogus; &#xZZ;\nd");
    }
}
