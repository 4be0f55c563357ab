//! What of an analyzed passage the index counts as words: takes an [`Analysis`], gives its
//! words for the index, queries and snippets, and the byte ranges of its non-speech markers.
//!
//! - Markers are left out: `{vocalsound}`, `{disfmarker}` (any one to three words in braces), and
//!   `[laughs]`, `(inaudible)`, `[crosstalk]`, `<noise>` (one to four words in brackets,
//!   parentheses or angle brackets of which one names a non-speech event). The text keeps
//!   them; words around one are adjacent, so a phrase spans it.
//! - A spelled acronym (`L_C_D_`, `L.C.D.`, `U.S.`) is one word, its letters joined (`lcd`).
//!
//! The coder sees the analysis unchanged: this is the index's view only.

use std::ops::Range;

use super::{Analysis, Token, TokenKind};

/// Words naming a bracketed non-speech event, as normalized prefixes.
const NON_SPEECH: [&str; 26] = [
    "laugh",
    "chuckl",
    "giggl",
    "inaudib",
    "unintelligib",
    "indecipherab",
    "crosstalk",
    "cross-talk",
    "overlap",
    "silence",
    "pause",
    "noise",
    "cough",
    "sigh",
    "sneez",
    "applause",
    "music",
    "background",
    "vocalsound",
    "nonvocalsound",
    "disfmarker",
    "gap",
    "phonetic",
    "technical",
    "operator",
    "blank",
];

/// Most tokens between a marker's brackets.
const MARKER_TOKENS: usize = 8;

/// A word as the index takes it: the byte and char range it spans in the text, and its stem.
pub(crate) struct Word<'a> {
    /// Bytes of the text, from its first token's start to its last's end.
    pub bytes: Range<usize>,
    /// The same span in characters.
    pub chars: Range<usize>,
    /// Its stem.
    pub stem: &'a str,
}

/// Calls `f` with each word of `analysis` the index counts, in order; `scratch` holds joined stems.
pub(crate) fn each_word(analysis: &Analysis, scratch: &mut String, mut f: impl FnMut(Word<'_>)) {
    let tokens = &analysis.tokens;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.kind == TokenKind::Punct {
            i = marker_end(analysis, i).map_or(i + 1, |end| end + 1);
            continue;
        }
        if let Some((last, next)) = acronym(analysis, i) {
            scratch.clear();
            let mut letters = String::with_capacity(last - i);
            for l in tokens[i..=last].iter().filter(|l| l.kind != TokenKind::Punct) {
                letters.push_str(analysis.norm(l));
            }
            analysis.stem_into(&letters, scratch);
            let end = &tokens[last];
            f(Word { bytes: t.bytes.start..end.bytes.end, chars: t.chars.start..end.chars.end, stem: scratch });
            i = next;
            continue;
        }
        f(Word { bytes: t.bytes.clone(), chars: t.chars.clone(), stem: analysis.stem(t) });
        i += 1;
    }
}

/// Byte ranges of the non-speech markers of `analysis`, brackets included, in order.
pub(crate) fn markers(analysis: &Analysis) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < analysis.tokens.len() {
        match marker_end(analysis, i) {
            Some(end) => {
                out.push(analysis.tokens[i].bytes.start..analysis.tokens[end].bytes.end);
                i = end + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// The index of the closing bracket when token `open` opens a non-speech marker.
fn marker_end(analysis: &Analysis, open: usize) -> Option<usize> {
    let tokens = &analysis.tokens;
    let close = match analysis.norm(tokens.get(open)?) {
        "{" => "}",
        "[" => "]",
        "(" => ")",
        "<" => ">",
        _ => return None,
    };
    let end = (open + 1..tokens.len().min(open + 2 + MARKER_TOKENS)).find(|&j| {
        let t = &tokens[j];
        t.kind == TokenKind::Punct && matches!(analysis.norm(t), "}" | "]" | ")" | ">" | "{" | "[" | "(" | "<")
    })?;
    if analysis.norm(&tokens[end]) != close {
        return None;
    }
    let inside = &tokens[open + 1..end];
    let words: Vec<&Token> = inside.iter().filter(|t| t.kind == TokenKind::Word).collect();
    let named = if close == "}" {
        (1..=3).contains(&words.len())
    } else {
        (1..=4).contains(&words.len())
            && words.iter().any(|w| NON_SPEECH.iter().any(|p| analysis.norm(w).starts_with(p)))
    };
    named.then_some(end)
}

/// When token `at` starts a spelled acronym (single letters, each joined to the next by a `.` or
/// `_` with no space): its last letter's index and the index of the token after it.
fn acronym(analysis: &Analysis, at: usize) -> Option<(usize, usize)> {
    let tokens = &analysis.tokens;
    let letter = |t: &Token| t.kind == TokenKind::Word && t.bytes.len() == 1;
    let sep = |t: &Token| t.kind == TokenKind::Punct && matches!(analysis.norm(t), "." | "_");
    let (mut last, mut i) = (at, at);
    if !letter(&tokens[at]) {
        return None;
    }
    while let (Some(s), Some(l)) = (tokens.get(i + 1), tokens.get(i + 2)) {
        if !(sep(s) && letter(l) && s.bytes.start == tokens[i].bytes.end && l.bytes.start == s.bytes.end) {
            break;
        }
        last = i + 2;
        i += 2;
    }
    if last == at {
        return None;
    }
    let next = match tokens.get(last + 1) {
        Some(s) if sep(s) && s.bytes.start == tokens[last].bytes.end => last + 2,
        _ => last + 1,
    };
    Some((last, next))
}

/// `text` without the byte ranges `cut` (sorted, disjoint), each cut taking one space beside it,
/// and `keep` (ranges of `text`) mapped into the result; ranges that lose text are dropped.
pub(crate) fn cut(text: &str, cut: &[Range<usize>], keep: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(text.len());
    // (start in text, start in out) of each kept piece.
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
    let mut at = 0;
    for c in cut {
        let mut start = c.start.max(at);
        let mut end = c.end.min(text.len());
        if start >= end {
            continue;
        }
        if text[end..].starts_with(' ') {
            end += 1;
        } else if start > at && text[..start].ends_with(' ') {
            start -= 1;
        }
        pieces.push((at, start, out.len()));
        out.push_str(&text[at..start]);
        at = end;
    }
    pieces.push((at, text.len(), out.len()));
    out.push_str(&text[at..]);
    let map = |r: &Range<usize>| {
        let (from, _, to) = pieces.iter().find(|(from, end, _)| *from <= r.start && r.end <= *end)?;
        Some(r.start - from + to..r.end - from + to)
    };
    let kept = keep.iter().filter_map(map).collect();
    (out, kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    fn words(text: &str) -> Vec<(String, String)> {
        let analysis = Analyzer::new(Language::English).analyze(text);
        let mut out = Vec::new();
        each_word(&analysis, &mut String::new(), |w| out.push((text[w.bytes].to_string(), w.stem.to_string())));
        out
    }

    fn stems(text: &str) -> Vec<String> {
        words(text).into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn markers_are_not_words() {
        assert_eq!(stems("Battery {vocalsound} life {disfmarker} matters"), ["batteri", "life", "matter"]);
        assert_eq!(stems("[laughs] ok (inaudible) [crosstalk] <noise> [Speech Overlap] yes"), ["ok", "yes"]);
        assert!(stems("{vocalsound} {gap} [LAUGHTER]").is_empty());
    }

    #[test]
    fn brackets_around_speech_stay_words() {
        assert_eq!(stems("the [EnsembleAPI] object (Wales)"), ["the", "ensembleapi", "object", "wale"]);
        assert_eq!(stems("[unclosed laughs"), ["unclos", "laugh"]);
        assert_eq!(stems("{a b c d} x"), ["a", "b", "c", "d", "x"]);
    }

    #[test]
    fn spelled_acronyms_are_one_word() {
        assert_eq!(words("the L_C_D_ screen"), [("the", "the"), ("L_C_D", "lcd"), ("screen", "screen")].map(pair));
        assert_eq!(stems("an L.C.D. and a T_V_"), ["an", "lcd", "and", "a", "tv"]);
        assert_eq!(stems("U.S. policy"), ["us", "polici"]);
        // Letters apart are letters: "I. I think", "a _ b".
        assert_eq!(stems("did I. I think"), ["did", "i", "i", "think"]);
        assert_eq!(stems("a _ b"), ["a", "b"]);
    }

    fn pair((a, b): (&str, &str)) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn marker_ranges_and_cutting_them_out() {
        let text = "So {vocalsound} the battery [laughs] lasts";
        let analysis = Analyzer::new(Language::English).analyze(text);
        let m = markers(&analysis);
        assert_eq!(m.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), ["{vocalsound}", "[laughs]"]);
        let battery = text.find("battery").unwrap();
        let lasts = text.find("lasts").unwrap();
        let (clean, kept) = cut(text, &m, &[battery..battery + 7, lasts..lasts + 5]);
        assert_eq!(clean, "So the battery lasts");
        assert_eq!(kept.iter().map(|r| &clean[r.clone()]).collect::<Vec<_>>(), ["battery", "lasts"]);
    }
}
