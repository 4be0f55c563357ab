//! Context around a match, NegEx-style: negation triggers before the term (scope: a few words,
//! ending at clause punctuation or a scope terminator such as "but"), post-negations of the
//! "... is not a concern" kind, pseudo-negations that do not negate ("not only", "no doubt"),
//! hedges and intensifiers in the same sentence.

use std::ops::Range;

use super::words::{self, Class};
use crate::analyze::{Analysis, TokenKind};
use crate::lexicon::is_clause_break;
use crate::model::{Cue, CueKind};

/// Words of negation scope before a term.
const PRE_SCOPE: usize = 4;
/// Words searched after a term for a "... is not a concern" post-negation.
const POST_SCOPE: usize = 5;
/// Words on either side searched for hedges and intensifiers.
const SENTENCE_WINDOW: usize = 8;

const NEGATIONS: &[&str] =
    &["not", "no", "never", "without", "nothing", "none", "nobody", "neither", "nor", "cannot", "hardly", "nowhere"];
/// Two-word sequences that contain a negation word but do not negate.
const PSEUDO_NEGATIONS: &[[&str; 2]] = &[
    ["not", "only"],
    ["not", "just"],
    ["no", "doubt"],
    ["no", "question"],
    ["not", "to"],
    ["nothing", "but"],
    ["without", "a"],
    ["no", "matter"],
    ["not", "least"],
    ["no", "wonder"],
    ["never", "mind"],
];
/// Words that end a negation scope (NegEx termination terms).
const TERMINATORS: &[&str] = &[
    "but", "however", "although", "though", "except", "yet", "which", "who", "because", "since", "whereas", "still",
    "instead", "so",
];
/// Nouns that make "X is not a <noun>" a negation of X.
const CONCERNS: &[&str] = &[
    "concern", "concerns", "issue", "issues", "problem", "problems", "worry", "priority", "factor", "deal", "thing",
    "focus",
];
const HEDGES: &[&[&str]] = &[
    &["maybe"],
    &["perhaps"],
    &["probably"],
    &["possibly"],
    &["might"],
    &["guess"],
    &["suppose"],
    &["sort", "of"],
    &["kind", "of"],
    &["kinda"],
    &["sorta"],
    &["i", "think"],
    &["not", "sure"],
    &["somewhat"],
    &["likely"],
    &["i", "feel", "like"],
    &["more", "or", "less"],
    &["a", "bit"],
    &["a", "little"],
];
const INTENSIFIERS: &[&[&str]] = &[
    &["really"],
    &["very"],
    &["absolutely"],
    &["extremely"],
    &["critical"],
    &["crucial"],
    &["huge"],
    &["biggest"],
    &["massive"],
    &["definitely"],
    &["totally"],
    &["incredibly"],
    &["constantly"],
    &["major"],
    &["top", "priority"],
    &["number", "one"],
    &["a", "lot"],
    &["so", "much"],
];

struct Word {
    token: usize,
    clause: u32,
    sentence: u32,
    class: Class,
}

/// The context classes of a word with this normalized form (see `words`).
pub(super) fn class_of(norm: &str) -> Class {
    let mut class = 0;
    if NEGATIONS.contains(&norm) || norm.ends_with("n't") {
        class |= words::NEGATION;
    }
    if TERMINATORS.contains(&norm) {
        class |= words::TERMINATOR;
    }
    if CONCERNS.contains(&norm) {
        class |= words::CONCERN;
    }
    if HEDGES.iter().any(|p| p[0] == norm) {
        class |= words::HEDGE;
    }
    if INTENSIFIERS.iter().any(|p| p[0] == norm) {
        class |= words::INTENSIFIER;
    }
    class
}

/// Words of a passage with their clause and sentence numbers.
pub(super) struct Context<'a> {
    analysis: &'a Analysis,
    words: Vec<Word>,
    /// Word index of each token (the next word for punctuation).
    word_of_token: Vec<usize>,
}

impl<'a> Context<'a> {
    /// The context of an analysis whose tokens are of `classes` (see `words`).
    pub(super) fn new(analysis: &'a Analysis, classes: &[Class]) -> Context<'a> {
        let mut words = Vec::new();
        let mut word_of_token = Vec::with_capacity(analysis.tokens.len());
        let (mut clause, mut sentence) = (0u32, 0u32);
        for ((i, t), &class) in analysis.tokens.iter().enumerate().zip(classes) {
            word_of_token.push(words.len());
            if t.kind == TokenKind::Punct {
                let p = analysis.norm(t);
                if is_clause_break(p) {
                    clause += 1;
                }
                if matches!(p, "." | "!" | "?" | ";" | "\u{2026}") {
                    sentence += 1;
                }
            } else {
                words.push(Word { token: i, clause, sentence, class });
            }
        }
        Context { analysis, words, word_of_token }
    }

    fn norm(&self, w: usize) -> &str {
        self.analysis.norm(&self.analysis.tokens[self.words[w].token])
    }

    fn is(&self, w: usize, class: Class) -> bool {
        self.words[w].class & class != 0
    }

    fn is_negation(&self, w: usize) -> bool {
        if !self.is(w, words::NEGATION) {
            return false;
        }
        let n = self.norm(w);
        !PSEUDO_NEGATIONS.iter().any(|[a, b]| {
            (n == *a && w + 1 < self.words.len() && self.norm(w + 1) == *b)
                || (n == *b && w > 0 && self.norm(w - 1) == *a)
        })
    }

    fn cue(&self, kind: CueKind, words: Range<usize>) -> Cue {
        let text = words.clone().map(|w| self.norm(w)).collect::<Vec<_>>().join(" ");
        let first = &self.analysis.tokens[self.words[words.start].token];
        let last = &self.analysis.tokens[self.words[words.end - 1].token];
        Cue { kind, text, bytes: first.bytes.start..last.bytes.end }
    }

    /// Word range of a match's tokens.
    fn word_range(&self, tokens: &Range<usize>) -> Option<Range<usize>> {
        let start = *self.word_of_token.get(tokens.start)?;
        let end = self.word_of_token.get(tokens.end).copied().unwrap_or(self.words.len());
        (start < end).then_some(start..end)
    }

    /// The negation whose scope covers the match, if any.
    pub(super) fn negation(&self, tokens: &Range<usize>) -> Option<Cue> {
        let range = self.word_range(tokens)?;
        let clause = self.words[range.start].clause;
        // Before: up to PRE_SCOPE words between the trigger and the term, same clause, no terminator.
        let mut w = range.start;
        while w > 0 && range.start - w <= PRE_SCOPE {
            w -= 1;
            if self.words[w].clause != clause || self.is(w, words::TERMINATOR) {
                break;
            }
            if self.is_negation(w) {
                return Some(self.cue(CueKind::Negation, w..w + 1));
            }
        }
        // After: "<term> is not really a concern", "<term> isn't an issue for us".
        let last_clause = self.words[range.end - 1].clause;
        let limit = (range.end + POST_SCOPE).min(self.words.len());
        for n in range.end..limit {
            if self.words[n].clause != last_clause || self.is(n, words::TERMINATOR) {
                break;
            }
            if self.is_negation(n) {
                let reach = (n + 4).min(self.words.len());
                if let Some(c) = (n + 1..reach)
                    .take_while(|&c| self.words[c].clause == last_clause)
                    .find(|&c| self.is(c, words::CONCERN))
                {
                    return Some(self.cue(CueKind::Negation, n..c + 1));
                }
            }
        }
        None
    }

    /// The length in words of the first phrase of `list` (whose first words are of `class`) that
    /// starts at word `w` (0: none).
    fn phrase_at(&self, list: &[&[&str]], class: Class, w: usize) -> usize {
        if !self.is(w, class) {
            return 0;
        }
        let first = self.norm(w);
        list.iter()
            .find(|phrase| {
                phrase[0] == first
                    && w + phrase.len() <= self.words.len()
                    && phrase.iter().enumerate().skip(1).all(|(i, p)| self.norm(w + i) == *p)
            })
            .map_or(0, |phrase| phrase.len())
    }

    /// The first phrase of `list` in the match's sentence, within a few words of it.
    fn find_phrase(&self, kind: CueKind, list: &[&[&str]], class: Class, tokens: &Range<usize>) -> Option<Cue> {
        let range = self.word_range(tokens)?;
        let sentence = self.words[range.start].sentence;
        let from = range.start.saturating_sub(SENTENCE_WINDOW);
        let to = (range.end + SENTENCE_WINDOW).min(self.words.len());
        for w in from..to {
            if self.words[w].sentence != sentence || range.contains(&w) {
                continue;
            }
            let end = w + self.phrase_at(list, class, w);
            if end > w && (end <= range.start || w >= range.end) {
                return Some(self.cue(kind, w..end));
            }
        }
        None
    }

    /// A hedge in the match's sentence.
    pub(super) fn hedge(&self, tokens: &Range<usize>) -> Option<Cue> {
        self.find_phrase(CueKind::Hedge, HEDGES, words::HEDGE, tokens)
    }

    /// An intensifier in the match's sentence.
    pub(super) fn intensifier(&self, tokens: &Range<usize>) -> Option<Cue> {
        self.find_phrase(CueKind::Intensifier, INTENSIFIERS, words::INTENSIFIER, tokens)
    }
}
