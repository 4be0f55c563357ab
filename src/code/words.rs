//! The words coding asks about besides the lexicons' terms: negations, the words that end a
//! negation scope, the first words of hedges and intensifiers (see `context`), and the words job
//! statements are made of (see `jobs`). Takes an analysis, gives a [`Class`] per token: each
//! distinct word is classed once per thread, by its id in the analysis' vocabulary, so a passage
//! is classed without comparing a word's text.

use std::cell::RefCell;

use crate::analyze::{Analysis, TokenKind, Vocabulary};

/// What a token is to coding, as bits.
pub(super) type Class = u32;

/// A negation word ("not", "never", "don't").
pub(super) const NEGATION: Class = 1;
/// A word that ends a negation scope ("but", "however").
pub(super) const TERMINATOR: Class = 1 << 1;
/// A noun of "X is not a concern".
pub(super) const CONCERN: Class = 1 << 2;
/// The first word of a hedge phrase ("maybe", "kind" of "kind of").
pub(super) const HEDGE: Class = 1 << 3;
/// The first word of an intensifier phrase ("really", "top" of "top priority").
pub(super) const INTENSIFIER: Class = 1 << 4;
/// "want", "need", "have", "like", "wanna", "try", "hope" (before "to" in job statements).
pub(super) const WANT: Class = 1 << 5;
/// "trying".
pub(super) const TRYING: Class = 1 << 6;
/// "to".
pub(super) const TO: Class = 1 << 7;
/// "so", "order", "because" (before a job statement's outcome).
pub(super) const SO: Class = 1 << 8;
/// "when", "whenever", "every".
pub(super) const WHEN: Class = 1 << 9;
/// "i", "we".
pub(super) const PERSON: Class = 1 << 10;
/// "goal", "aim", "objective", "point".
pub(super) const GOAL: Class = 1 << 11;
/// A word with an apostrophe inside ("i'm", "x'when").
pub(super) const APOSTROPHE: Class = 1 << 12;
/// The punctuation ",".
pub(super) const COMMA: Class = 1 << 13;

/// A word not classed yet.
const UNKNOWN: Class = Class::MAX;

/// One thread's classes of the words of one vocabulary, by word id.
#[derive(Default)]
struct Memo {
    vocabulary: Option<Vocabulary>,
    by_word: Vec<Class>,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::default();
}

/// The class of every token of `analysis`, in order.
pub(super) fn classes(analysis: &Analysis) -> Vec<Class> {
    let mut out = Vec::with_capacity(analysis.tokens.len());
    let Some(vocabulary) = analysis.vocabulary() else {
        out.extend(analysis.tokens.iter().map(|t| class_of(analysis.norm(t), t.kind)));
        return out;
    };
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let Memo { vocabulary: seen, by_word } = &mut *memo;
        if *seen != Some(vocabulary) {
            *seen = Some(vocabulary);
            by_word.clear();
        }
        for t in &analysis.tokens {
            let class = match analysis.word_id(t) {
                Some(id) => {
                    let id = id as usize;
                    if by_word.len() <= id {
                        by_word.resize(id + 1, UNKNOWN);
                    }
                    if by_word[id] == UNKNOWN {
                        by_word[id] = class_of(analysis.norm(t), t.kind);
                    }
                    by_word[id]
                }
                None => class_of(analysis.norm(t), t.kind),
            };
            out.push(class);
        }
    });
    out
}

/// The class of a token with this normalized form.
fn class_of(norm: &str, kind: TokenKind) -> Class {
    match kind {
        TokenKind::Punct if norm == "," => COMMA,
        TokenKind::Punct => 0,
        TokenKind::Word | TokenKind::Number => {
            let apostrophe = if norm.contains('\'') { APOSTROPHE } else { 0 };
            super::context::class_of(norm) | super::jobs::class_of(norm) | apostrophe
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    #[test]
    fn a_word_has_its_class_whether_classed_anew_or_remembered() {
        let analyzer = Analyzer::new(Language::English);
        let text = "So I don't think it's a problem, but we want to, when I'm trying.";
        let first = analyzer.analyze(text);
        let again = analyzer.analyze(text);
        assert!(first.vocabulary().is_some());
        let expected: Vec<Class> = first.tokens.iter().map(|t| class_of(first.norm(t), t.kind)).collect();
        assert_eq!(classes(&first), expected);
        assert_eq!(classes(&again), expected, "remembered");
        let of = |word: &str| {
            let i = first.tokens.iter().position(|t| first.norm(t) == word).unwrap_or_else(|| panic!("{word}"));
            expected[i]
        };
        assert_eq!(of("so"), SO | TERMINATOR | INTENSIFIER);
        assert_eq!(of("i"), PERSON | HEDGE);
        assert_eq!(of("don't"), NEGATION | APOSTROPHE);
        assert_eq!(of("a"), HEDGE | INTENSIFIER);
        assert_eq!(of("problem"), CONCERN);
        assert_eq!(of(","), COMMA);
        assert_eq!(of("want"), WANT);
        assert_eq!(of("to"), TO);
        assert_eq!(of("when"), WHEN);
        assert_eq!(of("i'm"), APOSTROPHE);
        assert_eq!(of("trying"), TRYING);
        assert_eq!(of("think"), 0, "a hedge's second word");
    }
}
