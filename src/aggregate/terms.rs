//! Word and two-word-phrase counts for the distinctive-terms statistic.
//!
//! Counting happens per interview, in the parallel workers ([`TermCounts::add_passage`]), so the
//! fold only merges small maps. The fold keeps memory bounded with lossy counting (Manku &
//! Motwani 2002): when a group's map outgrows [`GROUP_TERM_LIMIT`], terms seen fewer times than
//! the current threshold are dropped. A dropped term had too few occurrences to be distinctive
//! (the statistic needs at least three in two interviews); counts of kept terms may be low by at
//! most the threshold, which the report's numbers never approach for the terms it shows.

use rustc_hash::FxHashMap;

use crate::analyze::Analysis;

/// Function words that log-odds would otherwise rank (their variance is tiny).
const STOP: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "is", "it", "that", "this", "i",
    "we", "you", "they", "he", "she", "our", "my", "your", "their", "be", "was", "were", "are", "so", "like", "just",
    "know", "mean", "yeah", "um", "uh", "oh", "do", "have", "has", "had", "not", "no", "what", "there", "them", "us",
    "me", "if", "then", "about", "from", "as", "by", "can", "would", "could", "get", "got", "go", "one", "all", "out",
    "up", "it'", "that'", "i'm", "don't", "we'r", "they'r", "okay", "right", "realli", "kind", "thing", "think", "it",
    "s", "t", "who", "those", "these", "which", "when", "where", "how", "some", "more", "veri", "much", "also", "been",
    "will", "did", "doe", "here", "than", "its", "ani", "becaus", "say", "said", "stuff", "gonna", "we'v", "i'v",
    "i'd", "we'd", "actual", "basic", "sure", "well", "yes", "someth", "there'", "what'", "he'", "she'", "into",
    "over", "onli", "even", "still", "again", "now", "back", "let", "him", "her", "his",
];

/// Distinct terms a group keeps before lossy counting prunes rare ones.
pub const GROUP_TERM_LIMIT: usize = 40_000;

/// Whether a stem is a content word (not a function word, has a letter).
pub fn is_content_word(stem: &str) -> bool {
    static STOP_SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| STOP.iter().copied().collect());
    stem.chars().any(char::is_alphabetic) && !STOP_SET.contains(stem)
}

/// Occurrences of one term in one interview, with the surface forms it took.
#[derive(Debug, Clone, Default)]
pub struct TermCount {
    /// Occurrences.
    pub count: u32,
    /// Normalized surface forms and their occurrences (usually one).
    pub forms: Vec<(Box<str>, u32)>,
}

/// The term counts of one interview's evidence passages.
#[derive(Debug, Clone, Default)]
pub struct TermCounts {
    /// Stem, or two stems joined by a space, → counts.
    pub terms: FxHashMap<Box<str>, TermCount>,
    /// Words counted.
    pub words: u64,
}

impl TermCounts {
    /// Counts the words of an analyzed passage and its two-word phrases of content words
    /// ("building management").
    pub fn add_passage(&mut self, analysis: &Analysis) {
        let mut key = String::new();
        let mut form = String::new();
        let mut previous: Option<(&str, &str)> = None;
        for (_, t) in analysis.words() {
            let (stem, norm) = (analysis.stem(t), analysis.norm(t));
            self.words += 1;
            self.count(stem, norm);
            let content = is_content_word(stem);
            match previous {
                Some((ps, pn)) if content => {
                    key.clear();
                    key.push_str(ps);
                    key.push(' ');
                    key.push_str(stem);
                    form.clear();
                    form.push_str(pn);
                    form.push(' ');
                    form.push_str(norm);
                    self.count(&key, &form);
                }
                _ => {}
            }
            previous = content.then_some((stem, norm));
        }
    }

    fn count(&mut self, key: &str, form: &str) {
        let entry = match self.terms.get_mut(key) {
            Some(e) => e,
            None => self.terms.entry(key.into()).or_default(),
        };
        entry.count += 1;
        match entry.forms.iter_mut().find(|(f, _)| &**f == form) {
            Some((_, n)) => *n += 1,
            None => entry.forms.push((form.into(), 1)),
        }
    }
}

/// A group's term counts, merged from interviews.
#[derive(Debug, Default)]
pub(super) struct GroupTerms {
    pub(super) terms: FxHashMap<Box<str>, GroupTerm>,
    pub(super) words: u64,
    /// Lossy-counting threshold: terms with fewer occurrences were dropped.
    floor: u64,
}

/// A term's counts in a group.
#[derive(Debug, Default)]
pub(super) struct GroupTerm {
    pub(super) count: u64,
    pub(super) interviews: usize,
    pub(super) forms: FxHashMap<Box<str>, u64>,
}

impl GroupTerm {
    /// The most frequent form (ties: the alphabetically first).
    pub(super) fn form(&self) -> Option<&str> {
        self.forms.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(f, _)| &**f)
    }
}

impl GroupTerms {
    /// Merges one interview's counts.
    pub(super) fn add(&mut self, counts: &TermCounts) {
        self.words += counts.words;
        for (key, c) in &counts.terms {
            let g = match self.terms.get_mut(key) {
                Some(g) => g,
                None => self.terms.entry(key.clone()).or_default(),
            };
            g.count += u64::from(c.count);
            g.interviews += 1;
            for (form, n) in &c.forms {
                match g.forms.get_mut(form) {
                    Some(m) => *m += u64::from(*n),
                    None => {
                        g.forms.insert(form.clone(), u64::from(*n));
                    }
                }
            }
        }
        if self.terms.len() > GROUP_TERM_LIMIT {
            self.prune();
        }
    }

    fn prune(&mut self) {
        while self.terms.len() > GROUP_TERM_LIMIT / 2 {
            self.floor += 1;
            let floor = self.floor;
            self.terms.retain(|_, t| t.count > floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    #[test]
    fn counts_words_and_content_word_pairs_with_their_forms() {
        let a = Analyzer::new(Language::English);
        let mut counts = TermCounts::default();
        counts.add_passage(&a.analyze("The building management system and building managers."));
        assert_eq!(counts.words, 7);
        let build = &counts.terms["build"];
        assert_eq!(build.count, 2);
        assert_eq!(build.forms, vec![("building".into(), 2)]);
        // Pairs of content words only: "the building" is not a phrase, "manag system" is.
        assert_eq!(counts.terms["build manag"].count, 2);
        assert_eq!(counts.terms["manag system"].count, 1);
        assert!(!counts.terms.contains_key("the build"));
        assert!(!counts.terms.contains_key("system and"));
        let forms: Vec<_> = counts.terms["build manag"].forms.iter().map(|(f, n)| (f.to_string(), *n)).collect();
        assert_eq!(forms, vec![("building management".to_string(), 1), ("building managers".to_string(), 1)]);
    }

    #[test]
    fn merging_counts_interviews_and_pruning_keeps_frequent_terms() {
        let mut g = GroupTerms::default();
        let mut frequent = TermCounts::default();
        frequent.terms.insert("cool".into(), TermCount { count: 5, forms: vec![("cooling".into(), 5)] });
        g.add(&frequent);
        g.add(&frequent);
        assert_eq!(g.terms["cool"].count, 10);
        assert_eq!(g.terms["cool"].interviews, 2);
        assert_eq!(g.terms["cool"].form(), Some("cooling"));
        for i in 0..GROUP_TERM_LIMIT {
            let mut rare = TermCounts::default();
            rare.terms.insert(format!("rare{i}").into(), TermCount { count: 1, forms: Vec::new() });
            g.add(&rare);
        }
        assert!(g.terms.len() <= GROUP_TERM_LIMIT);
        assert_eq!(g.terms["cool"].count, 10, "a frequent term survives pruning with its exact count");
    }
}
