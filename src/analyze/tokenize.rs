//! Pre-tokenization of the original text with HF `tokenizers`' BERT pre-tokenizer
//! (whitespace dropped, each punctuation character isolated), then contractions joined:
//! `don` `'` `t` becomes `don't` when the three touch. ASCII text takes a byte loop that gives
//! the same tokens (tested against the pre-tokenizer on every ASCII byte and real transcripts).

use std::ops::Range;

use tokenizers::pipeline::{PreTokenizer, PreTokenizerScratch, Span};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;

use super::TokenKind;
use crate::words::is_ascii_space;

thread_local! {
    static SCRATCH: std::cell::RefCell<(PreTokenizerScratch, Vec<Span>)> =
        std::cell::RefCell::new((PreTokenizerScratch::default(), Vec::new()));
}

/// Calls `emit(byte_range, kind)` for every token of `text`, in order, through the BERT
/// pre-tokenizer's spans (any text; ASCII text takes [`pre_tokenize_ascii`], which gives the same).
pub(super) fn pre_tokenize_spans(text: &str, mut emit: impl FnMut(Range<usize>, TokenKind)) {
    pre_tokenize_at(text, 0, &mut emit);
}

/// [`pre_tokenize_spans`] of ASCII text in one pass over its bytes, with the BERT pre-tokenizer's
/// spans (whitespace dropped, each ASCII punctuation character alone, every other run a token)
/// classified and joined as [`pre_tokenize_at`] does: no spans to collect and read again.
pub(super) fn pre_tokenize_ascii(ascii: &str, mut emit: impl FnMut(Range<usize>, TokenKind)) {
    let text = ascii.as_bytes();
    let n = text.len();
    // The end of the run of bytes that are neither whitespace nor punctuation from `at`, and
    // what the run is, as `classify` has it.
    let run = |at: usize| {
        let (mut end, mut digits) = (at, true);
        while end < n {
            let class = ASCII[usize::from(text[end])];
            if class & (SPACE | PUNCT) != 0 {
                break;
            }
            digits &= class & DIGIT != 0;
            end += 1;
        }
        let kind = if end == at + 1 && ASCII[usize::from(text[at])] & ALNUM == 0 {
            TokenKind::Punct
        } else if digits {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        (end, kind)
    };
    let mut i = 0;
    while i < n {
        let class = ASCII[usize::from(text[i])];
        if class & SPACE != 0 {
            i += 1;
            continue;
        }
        if class & PUNCT != 0 {
            emit(i..i + 1, TokenKind::Punct);
            i += 1;
            continue;
        }
        let start = i;
        let (mut end, mut kind) = run(i);
        // Join word ' word into one token ("don't", "we're", "o'clock").
        while kind != TokenKind::Punct && end + 1 < n && text[end] == b'\'' {
            let (next, next_kind) = run(end + 1);
            if next == end + 1 || next_kind == TokenKind::Punct {
                break;
            }
            end = next;
            kind = TokenKind::Word;
        }
        emit(start..end, kind);
        i = end;
    }
}

const SPACE: u8 = 1;
const PUNCT: u8 = 2;
const DIGIT: u8 = 4;
const ALNUM: u8 = 8;

/// The class of each byte for [`pre_tokenize_ascii`]: [`SPACE`] (whitespace as `char::is_whitespace`,
/// and so the BERT pre-tokenizer, has it), [`PUNCT`], [`DIGIT`] and [`ALNUM`] for a digit, [`ALNUM`]
/// for a letter; 0 for the other bytes (controls), which join runs.
static ASCII: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        table[b] = if is_ascii_space(byte) {
            SPACE
        } else if byte.is_ascii_punctuation() {
            PUNCT
        } else if byte.is_ascii_digit() {
            DIGIT | ALNUM
        } else if byte.is_ascii_alphanumeric() {
            ALNUM
        } else {
            0
        };
        b += 1;
    }
    table
};

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

    /// The tokens of `text` the way the analyzer takes them.
    fn pre_tokenize(text: &str, mut emit: impl FnMut(Range<usize>, TokenKind)) {
        if text.is_ascii() {
            pre_tokenize_ascii(text, emit);
        } else {
            pre_tokenize_spans(text, &mut emit);
        }
    }

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

    /// The tokens of `text` through the BERT pre-tokenizer's spans, the way every text that is
    /// not ASCII goes.
    fn through_spans(text: &str) -> Vec<(Range<usize>, TokenKind)> {
        let mut out = Vec::new();
        pre_tokenize_spans(text, |r, k| out.push((r, k)));
        out
    }

    fn ascii(text: &str) -> Vec<(Range<usize>, TokenKind)> {
        let mut out = Vec::new();
        pre_tokenize_ascii(text, |r, k| out.push((r, k)));
        out
    }

    #[test]
    fn ascii_text_is_split_as_the_bert_pre_tokenizer_splits_it() {
        for text in [
            "Well, we're  not sure.",
            "'quoted' rock 'n' roll don't o'clock 90's '90s it''s x'",
            "a\u{b}b\u{c}c\td\re\nf \u{1}g \u{1} h\u{7f} \u{1c}\u{1d}",
            "don'\u{1} x don'\u{1}\u{1} y 12'34 12 3a a_b $5 <tag> ~x~ `code` ...",
            "",
            "   ",
            "'",
            "a'",
            "'a",
        ] {
            assert_eq!(ascii(text), through_spans(text), "{text:?}");
        }
        // Every ASCII byte in every place of short texts around a contraction.
        for b in 0u8..0x80 {
            let c = char::from(b);
            for text in [
                format!("{c}"),
                format!("a{c}b"),
                format!("don{c}t"),
                format!("don'{c}"),
                format!("{c}'t x"),
                format!("x {c}{c}'{c} y"),
            ] {
                assert_eq!(ascii(&text), through_spans(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn ascii_lines_of_real_transcripts_are_split_as_the_bert_pre_tokenizer_splits_them() {
        // `../shared/corpus` (or `$PITH_SHARED/corpus`): absent in a user's clone, always there in CI.
        let shared = std::env::var_os("PITH_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
        let mut dirs = vec![shared.join("corpus")];
        if !dirs[0].is_dir() {
            assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI must test with {}", dirs[0].display());
            eprintln!("skipped: no shared corpus at {}", dirs[0].display());
            return;
        }
        let mut lines = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else { continue };
                let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
                for line in head.lines().filter(|l| l.is_ascii()) {
                    assert_eq!(ascii(line), through_spans(line), "{}: {line:?}", path.display());
                    lines += 1;
                }
            }
        }
        assert!(lines > 10_000, "{lines} lines");
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
