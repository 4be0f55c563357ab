//! Codes → one [`Matcher`] that finds every term of every code in one pass over a passage's
//! tokens: phrase patterns are indexed by their first word (stem, exact form, or prefix). A
//! regular expression runs only on passages holding a word it needs (see `gate`; all of them,
//! as one `RegexSet`, on text where that test is not sound). Coding cost stays flat as lexicons grow.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::ops::Range;

use regex::{Regex, RegexSet};

use aho_corasick::AhoCorasick;

use super::{gate, Code, Element, LexiconError, TermKind};
use crate::analyze::{Analysis, Language, Token, TokenKind, Vocabulary};

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
    /// The elements after the first (the first is how the pattern was looked up), each with
    /// the words allowed before it.
    rest: Vec<(Step, u8)>,
}

/// A phrase element, compiled: stems and exact forms by their id in the matcher's vocabulary.
#[derive(Debug)]
enum Step {
    Stem(u32),
    Exact(u32),
    Prefix(Box<str>),
}

/// All terms of all codes, compiled.
#[derive(Debug)]
pub struct Matcher {
    /// Tells this matcher's entries in the per-thread candidate cache from another's.
    id: u64,
    patterns: Vec<Pattern>,
    by_stem: FxHashMap<Box<str>, Vec<u32>>,
    by_exact: FxHashMap<Box<str>, Vec<u32>>,
    by_prefix: FxHashMap<Box<str>, Vec<u32>>,
    prefix_lens: Vec<usize>,
    /// Ids (from 1) of the stems that phrases name after their first word.
    stem_ids: FxHashMap<Box<str>, u32>,
    /// Ids (from 1) of the exact forms that phrases name after their first word.
    exact_ids: FxHashMap<Box<str>, u32>,
    /// `None` when the combined set is too large to build: each regex then runs alone.
    regex_set: Option<RegexSet>,
    regexes: Vec<(u32, u32, bool, Regex)>,
    gates: Gates,
}

/// What the expressions need (see `gate`): clauses of word fragments, a bit for each clause.
#[derive(Debug, Default)]
struct Gates {
    /// Finds the fragments in a normalized word (`None`: no expression needs any).
    finder: Option<AhoCorasick>,
    /// For each fragment text (by the finder's pattern id): the ways clauses need it, with
    /// their bits.
    fragments: Vec<Vec<(gate::Fragment, u128)>>,
    /// For each expression: the clauses it needs, all of them (0: it runs on every passage).
    needed: Vec<u128>,
}

/// Most clauses the gates tell apart; an expression's clauses past them are not checked.
const MAX_GATE_CLAUSES: usize = 128;

static NEXT_MATCHER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Bytes of lazy-DFA cache for the lexicons' regular expressions (per thread).
const REGEX_DFA_CACHE: usize = 64 << 20;

/// Past this many distinct words a thread's candidate cache starts over.
const CANDIDATE_CACHE_LIMIT: usize = 1 << 18;

/// Per thread: for each normalized word seen, the patterns that can start at it (its stem, its
/// exact form and its prefixes looked up once), for one matcher and analysis language at a time.
/// Words are found by their id in the analyzer's vocabulary (an index, not a hash lookup) when
/// the analysis has one, by their normalized form otherwise. Most words share what the matcher
/// knows of them (nothing, or the same gate bits), so each word holds an index into `knowns`,
/// where each value is once: the tables a word's lookup touches stay small enough for the CPU's
/// cache, where one [`Known`] per word (64 bytes) did not.
#[derive(Default)]
struct CandidateCache {
    owner: (u64, Option<Language>),
    by_norm: FxHashMap<Box<str>, u32>,
    vocabulary: Option<Vocabulary>,
    /// By word id: 1 + its index in `knowns` (0: not seen yet).
    by_word: Vec<u32>,
    /// Distinct values, found by their hash in `distinct`.
    knowns: Vec<Known>,
    distinct: hashbrown::HashTable<u32>,
    /// Buffers of [`Matcher::find`], kept between calls so that they do not grow anew each time.
    scratch: Scratch,
}

#[derive(Default)]
struct Scratch {
    words: Vec<Word>,
    /// (word, index of what the matcher knows of it in `knowns`) for words that have candidates.
    starts: Vec<(usize, u32)>,
    /// (pattern, tokens) of the patterns that matched.
    found: Vec<(u32, Range<usize>)>,
}

impl CandidateCache {
    /// Readies the cache for `matcher`'s words in `analysis`: a cache of another matcher or
    /// language, or past its size, starts over; word ids are per vocabulary.
    fn serve(&mut self, matcher: u64, analysis: &Analysis) {
        let owner = (matcher, analysis.language());
        if self.owner != owner || self.knowns.len() >= CANDIDATE_CACHE_LIMIT {
            self.by_norm.clear();
            self.by_word.clear();
            self.knowns.clear();
            self.distinct.clear();
            self.owner = owner;
        }
        let vocabulary = analysis.vocabulary();
        if vocabulary.is_some() && self.vocabulary != vocabulary {
            self.by_word.clear();
            self.vocabulary = vocabulary;
        }
    }

    /// Where in `knowns` what `matcher` knows of the word `t` is, learning it the first time:
    /// by word id when the analysis has a vocabulary, else by normalized form.
    fn known_at(&mut self, matcher: &Matcher, analysis: &Analysis, t: &Token) -> u32 {
        let norm = analysis.norm(t);
        let CandidateCache { by_norm, by_word, knowns, distinct, vocabulary, .. } = self;
        match analysis.word_id(t).filter(|_| vocabulary.is_some()) {
            Some(id) => {
                let id = id as usize;
                if by_word.len() <= id {
                    by_word.resize(id + 1, 0);
                }
                if by_word[id] == 0 {
                    by_word[id] = intern(knowns, distinct, matcher.know(norm, analysis.stem(t))) + 1;
                }
                by_word[id] - 1
            }
            None => match by_norm.get(norm) {
                Some(&at) => at,
                None => {
                    if by_norm.len() >= CANDIDATE_CACHE_LIMIT {
                        by_norm.clear();
                    }
                    let at = intern(knowns, distinct, matcher.know(norm, analysis.stem(t)));
                    by_norm.insert(norm.into(), at);
                    at
                }
            },
        }
    }
}

thread_local! {
    static CANDIDATES: std::cell::RefCell<CandidateCache> = std::cell::RefCell::default();
}

/// A word of the text: its token index and the clause it belongs to.
struct Word {
    token: usize,
    clause: u32,
    /// Id of the word's stem in the matcher's vocabulary (0: none).
    stem: u32,
    /// Id of the word's normalized form in the matcher's vocabulary (0: none).
    exact: u32,
}

/// What the matcher knows of one normalized word.
#[derive(PartialEq, Eq, Hash)]
struct Known {
    stem: u32,
    exact: u32,
    /// The gates' clauses (bits) the word meets: anywhere in it, and with the boundaries each
    /// asks for (for ASCII text).
    loose: u128,
    strict: u128,
    /// The patterns that can start at the word.
    candidates: Candidates,
}

/// The patterns that can start at a word: those that need a given next word, by that word, so
/// that a word most patterns start at ("i", "we", "the") is matched by a search, not a scan.
#[derive(PartialEq, Eq, Hash)]
struct Candidates {
    /// Patterns of one word.
    one_word: Box<[u32]>,
    /// Patterns whose next word [`Matcher::match_rest`] has to find (a prefix, or words allowed
    /// in between).
    any_next: Box<[u32]>,
    /// (the next word needed, pattern), sorted.
    by_next: Box<[(Next, u32)]>,
}

impl Candidates {
    fn is_empty(&self) -> bool {
        self.one_word.is_empty() && self.any_next.is_empty() && self.by_next.is_empty()
    }

    /// The patterns that need `next` as their next word.
    fn needing(&self, next: Next) -> impl Iterator<Item = u32> + '_ {
        let from = self.by_next.partition_point(|(n, _)| *n < next);
        self.by_next[from..].iter().take_while(move |(n, _)| *n == next).map(|&(_, p)| p)
    }
}

/// The word a pattern needs right after its first, looked up where the word is at hand, before
/// the pattern itself is read.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Next {
    /// This stem, as the very next word of the clause.
    Stem(u32),
    /// This exact form, as the very next word of the clause.
    Exact(u32),
}

impl Gates {
    /// Takes the clauses, each its bit in the order given.
    fn learn(&mut self, clauses: Vec<gate::Clause>) {
        let mut texts: Vec<Box<str>> = Vec::new();
        for (bit, clause) in clauses.into_iter().enumerate() {
            for f in clause {
                let Some(id) = index_in(&mut texts, &f.text, usize::MAX) else { continue };
                if id == self.fragments.len() {
                    self.fragments.push(Vec::new());
                }
                match self.fragments[id].iter_mut().find(|(g, _)| *g == f) {
                    Some((_, bits)) => *bits |= 1 << bit,
                    None => self.fragments[id].push((f, 1 << bit)),
                }
            }
        }
        // Fragments are a few short words: the automaton always builds.
        self.finder = (!texts.is_empty()).then(|| AhoCorasick::new(texts.iter().map(|t| t.as_bytes())).ok()).flatten();
    }

    /// The clauses a normalized word meets: anywhere in it, and with their boundaries.
    fn met_by(&self, norm: &str) -> (u128, u128) {
        let (mut loose, mut strict) = (0, 0);
        if let Some(finder) = &self.finder {
            for found in finder.find_overlapping_iter(norm) {
                for (fragment, bits) in &self.fragments[found.pattern().as_usize()] {
                    loose |= bits;
                    if fragment.bounded_at(norm, found.start()) {
                        strict |= bits;
                    }
                }
            }
        }
        (loose, strict)
    }
}

/// Punctuation that ends a clause: phrases and negation scopes never span it.
pub fn is_clause_break(s: &str) -> bool {
    matches!(s, "." | "," | ";" | ":" | "!" | "?" | "(" | ")" | "\u{2014}" | "\u{2013}" | "\u{2026}" | "\"" | "[" | "]")
}

impl Matcher {
    /// Compiles the codes; returns warnings for terms that repeat or shadow others.
    pub fn compile(codes: &[Code]) -> (Matcher, Vec<LexiconError>) {
        let mut m = Matcher {
            id: NEXT_MATCHER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            patterns: Vec::new(),
            by_stem: FxHashMap::default(),
            by_exact: FxHashMap::default(),
            by_prefix: FxHashMap::default(),
            prefix_lens: Vec::new(),
            stem_ids: FxHashMap::default(),
            exact_ids: FxHashMap::default(),
            regex_set: None,
            regexes: Vec::new(),
            gates: Gates::default(),
        };
        let mut clauses: Vec<gate::Clause> = Vec::new();
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
                        TermKind::Regex(re) => {
                            let needed = gate::clauses(re.as_str())
                                .iter()
                                .filter_map(|clause| index_in(&mut clauses, clause, MAX_GATE_CLAUSES))
                                .fold(0u128, |needed, bit| needed | 1 << bit);
                            m.gates.needed.push(needed);
                            m.regexes.push((ci as u32, ti as u32, veto, re.clone()));
                        }
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
                            let rest =
                                elements[1..].iter().zip(gaps.iter()).map(|(e, &gap)| (m.step(e), gap)).collect();
                            m.patterns.push(Pattern { code: ci as u32, term: ti as u32, veto, rest });
                        }
                    }
                }
            }
        }
        m.prefix_lens.sort_unstable();
        m.gates.learn(clauses);
        m.regex_set = match regex::RegexSetBuilder::new(m.regexes.iter().map(|(_, _, _, r)| r.as_str()))
            .case_insensitive(true)
            // The lazy DFA's cache: at the default 2 MB, lexicons with bounded repetitions
            // ("[^.]{1,80}") make it start over many times per passage.
            .dfa_size_limit(REGEX_DFA_CACHE)
            .build()
        {
            Ok(set) => Some(set),
            Err(e) => {
                if let Some((ci, ti, _, _)) = m.regexes.first() {
                    let code = &codes[*ci as usize];
                    warnings.push(LexiconError {
                        location: code.terms.get(*ti as usize).map_or(code.location.clone(), |t| t.location.clone()),
                        message: format!(
                            "the regular expressions together are too large to run as one set, each runs alone \
                             (slower): {e}"
                        ),
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
        let mut scratch = CANDIDATES.with(|cell| std::mem::take(&mut cell.borrow_mut().scratch));
        let out = self.find_with(text, analysis, &mut scratch);
        let Scratch { words, starts, found } = &mut scratch;
        words.clear();
        starts.clear();
        found.clear();
        CANDIDATES.with(|cell| cell.borrow_mut().scratch = scratch);
        out
    }

    fn find_with(&self, text: &str, analysis: &Analysis, scratch: &mut Scratch) -> Vec<Match> {
        let (loose, strict) = self.match_phrases(analysis, scratch);
        let regexes = self.regexes_to_run(text, loose, strict);
        if scratch.found.is_empty() && regexes.is_empty() {
            return Vec::new();
        }
        let mut matches: Vec<(bool, Match)> = scratch
            .found
            .drain(..)
            .map(|(pid, tokens)| {
                let p = &self.patterns[pid as usize];
                let bytes = analysis.tokens[tokens.start].bytes.start..analysis.tokens[tokens.end - 1].bytes.end;
                (p.veto, Match { code: p.code as usize, term: p.term as usize, tokens, bytes, vetoed_by: None })
            })
            .collect();
        for ri in regexes {
            let (code, term, veto, re) = &self.regexes[ri];
            for m in re.find_iter(text).filter(|m| m.start() < m.end()) {
                let tokens = token_range(analysis, m.range());
                matches.push((
                    *veto,
                    Match { code: *code as usize, term: *term as usize, tokens, bytes: m.range(), vetoed_by: None },
                ));
            }
        }
        apply_vetoes(matches)
    }

    /// Reads the passage's words into `scratch.words` (what the thread's cache knows of each) and
    /// matches the phrase patterns into `scratch.found`; gives the gate clauses the words meet,
    /// loosely and strictly (see [`gate`]).
    fn match_phrases(&self, analysis: &Analysis, scratch: &mut Scratch) -> (u128, u128) {
        let Scratch { words, starts, found } = scratch;
        CANDIDATES.with(|cell| {
            let mut cache = cell.borrow_mut();
            cache.serve(self.id, analysis);
            let (mut loose, mut strict) = (0u128, 0u128);
            let mut clause = 0u32;
            for (i, t) in analysis.tokens.iter().enumerate() {
                if t.kind == TokenKind::Punct {
                    clause += u32::from(is_clause_break(analysis.norm(t)));
                    continue;
                }
                let at = cache.known_at(self, analysis, t);
                let known = &cache.knowns[at as usize];
                loose |= known.loose;
                strict |= known.strict;
                if !known.candidates.is_empty() {
                    starts.push((words.len(), at));
                }
                words.push(Word { token: i, clause, stem: known.stem, exact: known.exact });
            }
            for &(wi, at) in starts.iter() {
                let candidates = &cache.knowns[at as usize].candidates;
                let mut matched = |pattern: u32, end: Option<usize>| {
                    if let Some(end) = end {
                        found.push((pattern, words[wi].token..words[end].token + 1));
                    }
                };
                for &p in candidates.one_word.iter() {
                    matched(p, Some(wi));
                }
                for &p in candidates.any_next.iter() {
                    matched(p, self.match_rest(&self.patterns[p as usize], analysis, words, wi));
                }
                // The next word is the one needed; it still has to be in the same clause, which
                // `match_rest` checks.
                let Some(next) = words.get(wi + 1) else { continue };
                let needed = [Next::Stem(next.stem), Next::Exact(next.exact)];
                for next in needed.into_iter().filter(|n| !matches!(n, Next::Stem(0) | Next::Exact(0))) {
                    for p in candidates.needing(next) {
                        matched(p, self.match_rest(&self.patterns[p as usize], analysis, words, wi));
                    }
                }
            }
            (loose, strict)
        })
    }

    /// The expressions that may match `text`: by the words they need where that test is sound,
    /// else those the combined set finds.
    fn regexes_to_run(&self, text: &str, loose: u128, strict: u128) -> Vec<usize> {
        if self.regexes.is_empty() {
            return Vec::new();
        }
        let met = if text.is_ascii() { Some(strict) } else { gate::applies_to(text).then_some(loose) };
        match (met, &self.regex_set) {
            (Some(met), _) => {
                self.gates.needed.iter().enumerate().filter(|(_, &needs)| needs & !met == 0).map(|(ri, _)| ri).collect()
            }
            (None, Some(set)) => set.matches(text).into_iter().collect(),
            (None, None) => (0..self.regexes.len()).collect(),
        }
    }

    /// What the matcher knows of a word with this normalized form and stem.
    fn know(&self, norm: &str, stem: &str) -> Known {
        let (loose, strict) = self.gates.met_by(norm);
        Known {
            stem: self.stem_ids.get(stem).copied().unwrap_or(0),
            exact: self.exact_ids.get(norm).copied().unwrap_or(0),
            loose,
            strict,
            candidates: self.candidates(norm, stem),
        }
    }

    /// The patterns whose first element matches a word with this normalized form and stem.
    fn candidates(&self, norm: &str, stem: &str) -> Candidates {
        let mut out: Vec<u32> = Vec::new();
        if let Some(p) = self.by_stem.get(stem) {
            out.extend_from_slice(p);
        }
        if let Some(p) = self.by_exact.get(norm) {
            out.extend_from_slice(p);
        }
        for &len in &self.prefix_lens {
            if len > norm.len() {
                break;
            }
            if let Some(p) = norm.get(..len).and_then(|pre| self.by_prefix.get(pre)) {
                out.extend_from_slice(p);
            }
        }
        let (mut one_word, mut any_next, mut by_next) = (Vec::new(), Vec::new(), Vec::new());
        for pattern in out {
            match self.patterns[pattern as usize].rest.first() {
                None => one_word.push(pattern),
                Some((Step::Stem(id), 0)) => by_next.push((Next::Stem(*id), pattern)),
                Some((Step::Exact(id), 0)) => by_next.push((Next::Exact(*id), pattern)),
                Some(_) => any_next.push(pattern),
            }
        }
        by_next.sort_unstable();
        Candidates { one_word: one_word.into(), any_next: any_next.into(), by_next: by_next.into() }
    }

    fn step(&mut self, e: &Element) -> Step {
        let intern = |ids: &mut FxHashMap<Box<str>, u32>, s: &str| {
            let next = ids.len() as u32 + 1;
            *ids.entry(s.into()).or_insert(next)
        };
        match e {
            Element::Stem(s) => Step::Stem(intern(&mut self.stem_ids, s)),
            Element::Exact(s) => Step::Exact(intern(&mut self.exact_ids, s)),
            Element::Prefix(s) => Step::Prefix(s.as_str().into()),
        }
    }

    /// Matches the pattern's elements after the first, starting at word `start`; returns the
    /// index of the last matched word.
    fn match_rest(&self, p: &Pattern, analysis: &Analysis, words: &[Word], start: usize) -> Option<usize> {
        let mut at = start;
        for (step, gap) in &p.rest {
            let mut next = None;
            for cand in at + 1..=(at + 1 + *gap as usize).min(words.len().saturating_sub(1)) {
                let w = &words[cand];
                if w.clause != words[start].clause {
                    break;
                }
                let hit = match step {
                    Step::Stem(id) => w.stem == *id,
                    Step::Exact(id) => w.exact == *id,
                    Step::Prefix(s) => analysis.norm(&analysis.tokens[w.token]).starts_with(&**s),
                };
                if hit {
                    next = Some(cand);
                    break;
                }
            }
            at = next?;
        }
        Some(at)
    }
}

/// The index of `item` in `list`, where a copy is added if no equal value is and the list holds
/// fewer than `max` (`None` when it is full).
fn index_in<T: PartialEq + Clone>(list: &mut Vec<T>, item: &T, max: usize) -> Option<usize> {
    match list.iter().position(|x| x == item) {
        Some(at) => Some(at),
        None if list.len() < max => {
            list.push(item.clone());
            Some(list.len() - 1)
        }
        None => None,
    }
}

/// The index of `known` in `knowns`, where it is added if no equal value is.
/// Marks each match an exclusion of its code overlaps as vetoed by it, drops the exclusions, and
/// gives the matches in text order without duplicates.
fn apply_vetoes(matches: Vec<(bool, Match)>) -> Vec<Match> {
    let (vetoes, mut out): (Vec<_>, Vec<_>) = matches.into_iter().partition(|(veto, _)| *veto);
    // Whatever order the matches were found in, the same veto is named and the same order given.
    for (_, m) in &mut out {
        m.vetoed_by = vetoes
            .iter()
            .filter(|(_, v)| v.code == m.code && v.bytes.start < m.bytes.end && m.bytes.start < v.bytes.end)
            .map(|(_, v)| (v.bytes.start, v.bytes.end, v.term))
            .min()
            .map(|(.., term)| term);
    }
    let mut out: Vec<Match> = out.into_iter().map(|(_, m)| m).collect();
    out.sort_by_key(|m| (m.bytes.start, m.code, m.term, m.bytes.end));
    out.dedup_by(|a, b| a.code == b.code && a.term == b.term && a.bytes == b.bytes);
    out
}

fn intern(knowns: &mut Vec<Known>, distinct: &mut hashbrown::HashTable<u32>, known: Known) -> u32 {
    use std::hash::BuildHasher as _;
    let hash = rustc_hash::FxBuildHasher.hash_one(&known);
    if let Some(&at) = distinct.find(hash, |&i| knowns[i as usize] == known) {
        return at;
    }
    knowns.push(known);
    let at = (knowns.len() - 1) as u32;
    distinct.insert_unique(hash, at, |&i| rustc_hash::FxBuildHasher.hash_one(&knowns[i as usize]));
    at
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
