//! Codes → one [`Matcher`] that finds every term of every code in one pass over a passage's
//! tokens: phrase patterns are indexed by their first word (stem, exact form, or prefix), and
//! all regular expressions run as one `RegexSet`. Coding cost stays flat as lexicons grow.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::ops::Range;

use regex::{Regex, RegexSet};

use super::{Code, Element, LexiconError, TermKind};
use crate::analyze::{Analysis, TokenKind};

/// One occurrence of a term in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the code in [`super::Lexicon::codes`].
    pub code: usize,
    /// Index of the term in the code's terms.
    pub term: usize,
    /// Token range (indices into [`Analysis::tokens`]).
    pub tokens: Range<usize>,
    /// Byte range into the analyzed text.
    pub bytes: Range<usize>,
    /// The exclusion (index into the code's `exclusions`) that vetoed this match, if any.
    pub vetoed_by: Option<usize>,
}

#[derive(Debug)]
struct Pattern {
    code: u32,
    term: u32,
    veto: bool,
    elements: Vec<Element>,
    gaps: Vec<u8>,
}

/// All terms of all codes, compiled.
#[derive(Debug)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    by_stem: FxHashMap<Box<str>, Vec<u32>>,
    by_exact: FxHashMap<Box<str>, Vec<u32>>,
    by_prefix: FxHashMap<Box<str>, Vec<u32>>,
    prefix_lens: Vec<usize>,
    /// `None` when the combined set is too large to build: each regex then runs alone.
    regex_set: Option<RegexSet>,
    regexes: Vec<(u32, u32, bool, Regex)>,
}

/// A word of the text: its token index and the clause it belongs to.
struct Word {
    token: usize,
    clause: u32,
}

/// Punctuation that ends a clause: phrases and negation scopes never span it.
pub fn is_clause_break(s: &str) -> bool {
    matches!(s, "." | "," | ";" | ":" | "!" | "?" | "(" | ")" | "\u{2014}" | "\u{2013}" | "\u{2026}" | "\"" | "[" | "]")
}

impl Matcher {
    /// Compiles the codes; returns warnings for terms that repeat or shadow others.
    pub fn compile(codes: &[Code]) -> (Matcher, Vec<LexiconError>) {
        let mut m = Matcher {
            patterns: Vec::new(),
            by_stem: FxHashMap::default(),
            by_exact: FxHashMap::default(),
            by_prefix: FxHashMap::default(),
            prefix_lens: Vec::new(),
            regex_set: None,
            regexes: Vec::new(),
        };
        let mut warnings = Vec::new();
        let mut seen: HashMap<(usize, String), (usize, usize)> = HashMap::new();
        for (ci, code) in codes.iter().enumerate() {
            let lists = [(&code.terms, false), (&code.exclusions, true)];
            for (list, veto) in lists {
                for (ti, term) in list.iter().enumerate() {
                    if let Some(why) = useless(&term.kind) {
                        warnings.push(LexiconError {
                            location: term.location.clone(),
                            message: format!("term {:?} of {}: {why}", term.source, code.id),
                        });
                    }
                    match &term.kind {
                        TermKind::Regex(re) => m.regexes.push((ci as u32, ti as u32, veto, re.clone())),
                        TermKind::Phrase { elements, gaps } => {
                            let key = format!("{veto}{elements:?}{gaps:?}");
                            // The same words in two codes is deliberate double coding; twice in one
                            // code is a leftover (often two inflections of one stem).
                            if let Some(&(_, first)) = seen.get(&(ci, key.clone())) {
                                warnings.push(LexiconError {
                                    location: term.location.clone(),
                                    message: format!(
                                        "term {:?} of {} matches exactly what {:?} matches",
                                        term.source, code.id, list[first].source
                                    ),
                                });
                            }
                            seen.insert((ci, key), (ci, ti));
                            let pid = m.patterns.len() as u32;
                            let first = match &elements[0] {
                                Element::Stem(s) => m.by_stem.entry(s.as_str().into()),
                                Element::Exact(s) => m.by_exact.entry(s.as_str().into()),
                                Element::Prefix(s) => {
                                    if !m.prefix_lens.contains(&s.len()) {
                                        m.prefix_lens.push(s.len());
                                    }
                                    m.by_prefix.entry(s.as_str().into())
                                }
                            };
                            first.or_default().push(pid);
                            m.patterns.push(Pattern {
                                code: ci as u32,
                                term: ti as u32,
                                veto,
                                elements: elements.clone(),
                                gaps: gaps.clone(),
                            });
                        }
                    }
                }
            }
        }
        m.prefix_lens.sort_unstable();
        m.regex_set = match regex::RegexSetBuilder::new(m.regexes.iter().map(|(_, _, _, r)| r.as_str()))
            .case_insensitive(true)
            .build()
        {
            Ok(set) => Some(set),
            Err(e) => {
                if let Some((ci, ti, _, _)) = m.regexes.first() {
                    let code = &codes[*ci as usize];
                    warnings.push(LexiconError {
                        location: code.terms.get(*ti as usize).map_or(code.location.clone(), |t| t.location.clone()),
                        message: format!("the regular expressions together are too large, none will match: {e}"),
                    });
                }
                None
            }
        };
        (m, warnings)
    }

    /// Every match of every term in `text` (analyzed as `analysis`), vetoed ones included
    /// (with `vetoed_by` set), ordered by position.
    pub fn find(&self, text: &str, analysis: &Analysis) -> Vec<Match> {
        let mut words = Vec::with_capacity(analysis.tokens.len());
        let mut clause = 0u32;
        for (i, t) in analysis.tokens.iter().enumerate() {
            if t.kind == TokenKind::Punct {
                if is_clause_break(analysis.norm(t)) {
                    clause += 1;
                }
            } else {
                words.push(Word { token: i, clause });
            }
        }
        let mut found: Vec<(u32, Range<usize>)> = Vec::new();
        let mut candidates: Vec<u32> = Vec::new();
        for wi in 0..words.len() {
            let tok = &analysis.tokens[words[wi].token];
            candidates.clear();
            if let Some(p) = self.by_stem.get(analysis.stem(tok)) {
                candidates.extend_from_slice(p);
            }
            let norm = analysis.norm(tok);
            if let Some(p) = self.by_exact.get(norm) {
                candidates.extend_from_slice(p);
            }
            for &len in &self.prefix_lens {
                if len > norm.len() {
                    break;
                }
                if let Some(p) = norm.get(..len).and_then(|pre| self.by_prefix.get(pre)) {
                    candidates.extend_from_slice(p);
                }
            }
            for &pid in &candidates {
                if let Some(end) = self.match_rest(&self.patterns[pid as usize], analysis, &words, wi) {
                    found.push((pid, words[wi].token..words[end].token + 1));
                }
            }
        }
        let mut matches: Vec<(bool, Match)> = found
            .into_iter()
            .map(|(pid, tokens)| {
                let p = &self.patterns[pid as usize];
                let bytes = analysis.tokens[tokens.start].bytes.start..analysis.tokens[tokens.end - 1].bytes.end;
                (p.veto, Match { code: p.code as usize, term: p.term as usize, tokens, bytes, vetoed_by: None })
            })
            .collect();
        if !self.regexes.is_empty() {
            let hits: Vec<usize> = match &self.regex_set {
                Some(set) => set.matches(text).into_iter().collect(),
                None => (0..self.regexes.len()).collect(),
            };
            for ri in hits {
                let (code, term, veto, re) = &self.regexes[ri];
                for m in re.find_iter(text) {
                    if m.start() == m.end() {
                        continue;
                    }
                    let tokens = token_range(analysis, m.range());
                    matches.push((
                        *veto,
                        Match { code: *code as usize, term: *term as usize, tokens, bytes: m.range(), vetoed_by: None },
                    ));
                }
            }
        }
        let (vetoes, mut out): (Vec<_>, Vec<_>) = matches.into_iter().partition(|(veto, _)| *veto);
        for (_, m) in &mut out {
            m.vetoed_by = vetoes
                .iter()
                .find(|(_, v)| v.code == m.code && v.bytes.start < m.bytes.end && m.bytes.start < v.bytes.end)
                .map(|(_, v)| v.term);
        }
        let mut out: Vec<Match> = out.into_iter().map(|(_, m)| m).collect();
        out.sort_by_key(|m| (m.bytes.start, m.code, m.term));
        out.dedup_by(|a, b| a.code == b.code && a.term == b.term && a.bytes == b.bytes);
        out
    }

    /// Matches the pattern's elements after the first, starting at word `start`; returns the
    /// index of the last matched word.
    fn match_rest(&self, p: &Pattern, analysis: &Analysis, words: &[Word], start: usize) -> Option<usize> {
        let mut at = start;
        for (element, &gap) in p.elements.iter().zip(std::iter::once(&0).chain(p.gaps.iter())).skip(1) {
            let mut next = None;
            for cand in at + 1..=(at + 1 + gap as usize).min(words.len().saturating_sub(1)) {
                if words[cand].clause != words[start].clause {
                    break;
                }
                if element_matches(element, analysis, words[cand].token) {
                    next = Some(cand);
                    break;
                }
            }
            at = next?;
        }
        (element_matches(&p.elements[0], analysis, words[start].token)).then_some(at)
    }
}

fn element_matches(e: &Element, analysis: &Analysis, token: usize) -> bool {
    let t = &analysis.tokens[token];
    match e {
        Element::Stem(s) => analysis.stem(t) == s,
        Element::Exact(s) => analysis.norm(t) == s,
        Element::Prefix(s) => analysis.norm(t).starts_with(s.as_str()),
    }
}

/// The tokens a byte range touches.
fn token_range(analysis: &Analysis, bytes: Range<usize>) -> Range<usize> {
    let first = analysis.tokens.partition_point(|t| t.bytes.end <= bytes.start);
    let last = analysis.tokens.partition_point(|t| t.bytes.start < bytes.end);
    first..last.max(first)
}

/// Function words: a term that is only one of these would tag nearly every passage.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "from", "have", "he", "i", "if", "in", "is",
    "it", "its", "me", "my", "of", "on", "or", "our", "she", "so", "that", "the", "their", "them", "there", "they",
    "this", "to", "us", "was", "we", "were", "what", "with", "you", "your",
];

/// Why a term is useless, if it is: it matches everything or tags nearly every passage.
fn useless(kind: &TermKind) -> Option<String> {
    match kind {
        TermKind::Regex(re) if re.is_match("") => {
            Some("the regular expression matches the empty string, so it matches every passage".into())
        }
        TermKind::Phrase { elements, .. } if elements.len() == 1 && is_function_word(&elements[0]) => {
            Some("a lone function word tags nearly every passage (use it in a phrase with a content word)".into())
        }
        _ => None,
    }
}

fn is_function_word(e: &Element) -> bool {
    match e {
        Element::Stem(s) | Element::Exact(s) => FUNCTION_WORDS.contains(&s.as_str()),
        Element::Prefix(_) => false,
    }
}
