//! Pre-tokenization of the original text with HF `tokenizers`' BERT pre-tokenizer
//! (whitespace dropped, each punctuation character isolated), then contractions joined:
//! `don` `'` `t` becomes `don't` when the three touch.

use std::ops::Range;

use tokenizers::pipeline::{PreTokenizer, PreTokenizerScratch, Span};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;

use super::TokenKind;

thread_local! {
    static SCRATCH: std::cell::RefCell<(PreTokenizerScratch, Vec<Span>)> =
        std::cell::RefCell::new((PreTokenizerScratch::default(), Vec::new()));
}

/// Calls `emit(byte_range, kind)` for every token of `text`, in order.
pub(super) fn pre_tokenize(text: &str, mut emit: impl FnMut(Range<usize>, TokenKind)) {
    pre_tokenize_at(text, 0, &mut emit);
}

fn pre_tokenize_at(text: &str, base: usize, emit: &mut dyn FnMut(Range<usize>, TokenKind)) {
    // The BERT pre-tokenizer counts in u32; split anything larger (never a real passage).
    if text.len() > u32::MAX as usize / 2 {
        let mid = floor_boundary(text, text.len() / 2);
        pre_tokenize_at(&text[..mid], base, emit);
        pre_tokenize_at(&text[mid..], base + mid, emit);
        return;
    }
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (scratch, spans) = &mut *guard;
        spans.clear();
        if BertPreTokenizer.pre_tokenize(text, scratch, spans).is_err() {
            spans.clear();
        }
        let mut i = 0;
        while i < spans.len() {
            let mut range = spans[i].range();
            let mut kind = classify(&text[range.clone()]);
            // Join word ' word into one token ("don't", "we're", "o'clock").
            while kind != TokenKind::Punct && i + 2 < spans.len() {
                let (ap, next) = (spans[i + 1].range(), spans[i + 2].range());
                if ap.start == range.end
                    && next.start == ap.end
                    && is_apostrophe(&text[ap.clone()])
                    && classify(&text[next.clone()]) != TokenKind::Punct
                {
                    range.end = next.end;
                    kind = TokenKind::Word;
                    i += 2;
                } else {
                    break;
                }
            }
            emit(base + range.start..base + range.end, kind);
            i += 1;
        }
    });
}

fn is_apostrophe(s: &str) -> bool {
    matches!(s, "'" | "\u{2019}" | "\u{02BC}" | "\u{FF07}")
}

fn classify(s: &str) -> TokenKind {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if s.len() == c.len_utf8() && !c.is_alphanumeric() => TokenKind::Punct,
        _ if s.bytes().all(|b| b.is_ascii_digit()) => TokenKind::Number,
        _ => TokenKind::Word,
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        pre_tokenize(text, |r, _| out.push(&text[r]));
        out
    }

    #[test]
    fn splits_words_and_isolates_punctuation() {
        assert_eq!(split("Well, we're  not sure."), ["Well", ",", "we're", "not", "sure", "."]);
    }

    #[test]
    fn apostrophes_that_do_not_join() {
        assert_eq!(split("'quoted' rock 'n' roll"), ["'", "quoted", "'", "rock", "'", "n", "'", "roll"]);
        assert_eq!(split("Debbie’s team"), ["Debbie’s", "team"]);
    }

    #[test]
    fn spans_are_ordered_disjoint_and_on_boundaries() {
        let text = "Ça coûte 3 000 € — non ? «oui» 日本語テキスト";
        let mut last = 0;
        pre_tokenize(text, |r, _| {
            assert!(r.start >= last && r.start < r.end && r.end <= text.len());
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            last = r.end;
        });
    }
}
