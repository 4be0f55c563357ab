//! Word and two-word-phrase counts for the distinctive-terms statistic.
//!
//! Counting happens per interview, in the parallel workers ([`TermCounts::add_passage`]), so the
//! fold only merges small maps. The fold keeps memory bounded with lossy counting (Manku &
//! Motwani 2002): when a group's map outgrows [`GROUP_TERM_LIMIT`], terms seen fewer times than
//! the current threshold are dropped. A dropped term had too few occurrences to be distinctive
//! (the statistic needs at least three in two interviews); counts of kept terms may be low by at
//! most the threshold, which the report's numbers never approach for the terms it shows.

use std::hash::Hasher as _;

use hashbrown::HashTable;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use crate::analyze::{Analysis, Vocabulary};

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

/// A string in a term table's text buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BufStr {
    start: u32,
    len: u32,
}

impl BufStr {
    fn get(self, text: &str) -> &str {
        &text[self.start as usize..(self.start + self.len) as usize]
    }

    /// Appends `parts` (joined by a space) to `text`.
    fn push(text: &mut String, parts: Words<'_>) -> BufStr {
        let start = text.len() as u32;
        text.push_str(parts.0);
        if let Some(second) = parts.1 {
            text.push(' ');
            text.push_str(second);
        }
        BufStr { start, len: text.len() as u32 - start }
    }

    /// The next `len` bytes of stored `text` from `at`, which moves past them (`None` past its
    /// end or off a char boundary).
    fn take(text: &str, at: &mut u32, len: u32) -> Option<BufStr> {
        let span = BufStr { start: *at, len };
        text.get(*at as usize..at.checked_add(len)? as usize)?;
        *at += len;
        Some(span)
    }

    /// Appends a term's `form` to stored `text` after its `key`, or nothing when it is the key;
    /// gives the length stored for it (0: the key).
    fn push_form(text: &mut String, key: &str, form: &str) -> u32 {
        if form == key {
            return 0;
        }
        text.push_str(form);
        form.len() as u32
    }

    /// Whether the span holds `parts` (joined by a space).
    fn holds(self, text: &str, parts: Words<'_>) -> bool {
        let s = self.get(text).as_bytes();
        match parts.1 {
            None => s == parts.0.as_bytes(),
            Some(b) => {
                let a = parts.0.as_bytes();
                s.len() == a.len() + 1 + b.len() && s.starts_with(a) && s[a.len()] == b' ' && s.ends_with(b.as_bytes())
            }
        }
    }
}

/// A term or form as its words: one, or two joined by a space.
type Words<'a> = (&'a str, Option<&'a str>);

/// The words of a key written out ("build manag" → `("build", Some("manag"))`).
fn split_key(key: &str) -> Words<'_> {
    // A byte loop: keys are a word or two, too short for `split_once`'s searcher to pay off.
    match key.bytes().position(|b| b == b' ') {
        Some(i) => (&key[..i], Some(&key[i + 1..])),
        None => (key, None),
    }
}

fn key_hash(key: Words<'_>) -> u64 {
    let mut h = FxHasher::default();
    h.write(key.0.as_bytes());
    if let Some(second) = key.1 {
        h.write_u8(b' ');
        h.write(second.as_bytes());
    }
    h.finish()
}

const NO_FORM: u32 = u32::MAX;

/// One term of an interview: its key, occurrences and first form.
#[derive(Debug, Clone, Copy)]
struct Term {
    hash: u64,
    key: BufStr,
    count: u32,
    /// First of its forms (a list through [`Form::next`]).
    forms: u32,
}

/// A surface form of a term and its occurrences.
#[derive(Debug, Clone, Copy)]
struct Form {
    text: BufStr,
    count: u32,
    next: u32,
}

/// The term counts of one interview's evidence passages: each stem, or two stems joined by a
/// space, with its occurrences and the normalized surface forms it took.
///
/// Flat, to travel cheaply from the worker that counts to the fold that merges: every key and
/// form in one text buffer, each term with its hash, so the fold never hashes a string again.
#[derive(Debug, Clone, Default)]
pub struct TermCounts {
    text: String,
    terms: Vec<Term>,
    forms: Vec<Form>,
    /// Positions in `terms` by key, while counting.
    index: HashTable<u32>,
    /// While counting, what each word of the analyzer's vocabulary counts as: its term and form
    /// (positions in `terms` and `forms`) and whether it is a content word; each pair of words,
    /// their phrase's term and form. Looked up by word ids, so a word seen before is never hashed.
    seen: Seen,
    /// Words counted.
    pub words: u64,
}

#[derive(Debug, Clone, Default)]
struct Seen {
    vocabulary: Option<Vocabulary>,
    words: FxHashMap<u32, (u32, u32, bool)>,
    pairs: FxHashMap<(u32, u32), (u32, u32)>,
}

impl TermCounts {
    /// Counts the words of an analyzed passage and its two-word phrases of content words
    /// ("building management").
    pub fn add_passage(&mut self, analysis: &Analysis) {
        let vocabulary = analysis.vocabulary();
        if vocabulary != self.seen.vocabulary {
            self.seen = Seen { vocabulary, ..Seen::default() };
        }
        let mut previous: Option<(&str, &str, Option<u32>)> = None;
        for (_, t) in analysis.words() {
            let (stem, norm) = (analysis.stem(t), analysis.norm(t));
            let id = analysis.word_id(t).filter(|_| vocabulary.is_some());
            self.words += 1;
            let content = match id.and_then(|id| self.seen.words.get(&id)) {
                Some(&(term, form, content)) => {
                    self.count(term, form, 1);
                    content
                }
                None => {
                    let (term, form) = self.add((stem, None), (norm, None), 1);
                    let content = is_content_word(stem);
                    if let Some(id) = id {
                        self.seen.words.insert(id, (term, form, content));
                    }
                    content
                }
            };
            if let (Some((ps, pn, pid)), true) = (previous, content) {
                let pair = pid.zip(id);
                match pair.and_then(|pair| self.seen.pairs.get(&pair)) {
                    Some(&(term, form)) => self.count(term, form, 1),
                    None => {
                        let found = self.add((ps, Some(stem)), (pn, Some(norm)), 1);
                        if let Some(pair) = pair {
                            self.seen.pairs.insert(pair, found);
                        }
                    }
                }
            }
            previous = content.then_some((stem, norm, id));
        }
    }

    /// Adds `n` occurrences to a term and one of its forms.
    fn count(&mut self, term: u32, form: u32, n: u32) {
        self.terms[term as usize].count += n;
        self.forms[form as usize].count += n;
    }

    /// Adds `n` occurrences of `key` in the form `form`; gives their positions in `terms` and
    /// `forms`.
    fn add(&mut self, key: Words<'_>, form: Words<'_>, n: u32) -> (u32, u32) {
        if self.index.len() != self.terms.len() {
            self.reindex();
        }
        let hash = key_hash(key);
        let (text, terms) = (&self.text, &self.terms);
        let found = self.index.find(hash, |&i| {
            let t = &terms[i as usize];
            t.hash == hash && t.key.holds(text, key)
        });
        let i = match found {
            Some(&i) => i as usize,
            None => {
                let span = BufStr::push(&mut self.text, key);
                self.terms.push(Term { hash, key: span, count: 0, forms: NO_FORM });
                let terms = &self.terms;
                self.index.insert_unique(hash, (terms.len() - 1) as u32, |&j| terms[j as usize].hash);
                terms.len() - 1
            }
        };
        self.terms[i].count += n;
        let mut f = self.terms[i].forms;
        while f != NO_FORM {
            let form_entry = &mut self.forms[f as usize];
            if form_entry.text.holds(&self.text, form) {
                form_entry.count += n;
                return (i as u32, f);
            }
            f = form_entry.next;
        }
        // Most words are their own stem: the form then shares the key's text.
        let key_span = self.terms[i].key;
        let text = if key_span.holds(&self.text, form) { key_span } else { BufStr::push(&mut self.text, form) };
        self.forms.push(Form { text, count: n, next: self.terms[i].forms });
        self.terms[i].forms = (self.forms.len() - 1) as u32;
        (i as u32, self.terms[i].forms)
    }

    fn reindex(&mut self) {
        let terms = &self.terms;
        self.index.clear();
        for (i, t) in terms.iter().enumerate() {
            self.index.insert_unique(t.hash, i as u32, |&j| terms[j as usize].hash);
        }
    }

    /// Drops what only counting needs (call when the interview is counted); counting may go on.
    pub fn seal(&mut self) {
        self.index = HashTable::new();
        self.seen = Seen::default();
        self.text.shrink_to_fit();
        self.terms.shrink_to_fit();
        self.forms.shrink_to_fit();
    }

    /// Distinct terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Occurrences of `key` (a stem, or two stems joined by a space) and its forms with theirs.
    pub fn get(&self, key: &str) -> Option<(u32, Vec<(&str, u32)>)> {
        let t = self.terms.iter().find(|t| t.key.holds(&self.text, split_key(key)))?;
        Some((t.count, self.forms_of(t).collect()))
    }

    fn forms_of<'a>(&'a self, t: &Term) -> impl Iterator<Item = (&'a str, u32)> + 'a {
        let mut f = t.forms;
        std::iter::from_fn(move || {
            let form = self.forms.get(f as usize)?;
            f = form.next;
            Some((form.text.get(&self.text), form.count))
        })
    }
}

/// [`TermCounts`] as stored between runs: each term's key then its forms, back to back in one
/// text (a form that is the key itself is not repeated).
#[derive(Serialize, Deserialize)]
struct Stored {
    text: String,
    /// Key length, occurrences, number of forms.
    terms: Vec<(u32, u32, u32)>,
    /// Form length (0: the key), occurrences.
    forms: Vec<(u32, u32)>,
    words: u64,
}

impl Serialize for TermCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut stored = Stored {
            text: String::with_capacity(self.text.len()),
            terms: Vec::with_capacity(self.terms.len()),
            forms: Vec::with_capacity(self.forms.len()),
            words: self.words,
        };
        for t in &self.terms {
            let key = t.key.get(&self.text);
            stored.text.push_str(key);
            let before = stored.forms.len();
            for (form, n) in self.forms_of(t) {
                stored.forms.push((BufStr::push_form(&mut stored.text, key, form), n));
            }
            stored.terms.push((key.len() as u32, t.count, (stored.forms.len() - before) as u32));
        }
        stored.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TermCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let stored = Stored::deserialize(d)?;
        TermCounts::from_stored(stored).ok_or_else(|| serde::de::Error::custom("damaged term counts"))
    }
}

impl TermCounts {
    fn from_stored(stored: Stored) -> Option<TermCounts> {
        let Stored { text, terms: stored_terms, forms: stored_forms, words } = stored;
        let mut terms = Vec::with_capacity(stored_terms.len());
        let mut forms: Vec<Form> = Vec::with_capacity(stored_forms.len());
        let (mut at, mut next_form) = (0u32, 0usize);
        let mut take = |len: u32| BufStr::take(&text, &mut at, len);
        for (key_len, count, n_forms) in stored_terms {
            let key = take(key_len)?;
            let hash = key_hash(split_key(key.get(&text)));
            let mut first = NO_FORM;
            for &(len, n) in stored_forms.get(next_form..next_form.checked_add(n_forms as usize)?)? {
                let form = if len == 0 { key } else { take(len)? };
                forms.push(Form { text: form, count: n, next: first });
                first = (forms.len() - 1) as u32;
            }
            next_form += n_forms as usize;
            terms.push(Term { hash, key, count, forms: first });
        }
        Some(TermCounts { text, terms, forms, index: HashTable::new(), seen: Seen::default(), words })
    }
}

/// An interview's term counts as the fold gets them: counted by this run, or read back from the
/// run cache still encoded, so that a group the fold resumes from the last run never decodes them.
/// Either way they are stored as their encoding.
#[derive(Debug, Clone)]
pub enum Terms {
    /// Counted by this run.
    Counted(TermCounts),
    /// Read back, not decoded yet.
    Encoded(Vec<u8>),
}

impl Terms {
    /// The counts (`None` if encoded counts are damaged).
    pub fn counts(self) -> Option<TermCounts> {
        match self {
            Terms::Counted(counts) => Some(counts),
            Terms::Encoded(bytes) => postcard::from_bytes(&bytes).ok(),
        }
    }
}

impl Serialize for Terms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Terms::Counted(counts) => {
                s.serialize_bytes(&postcard::to_stdvec(counts).map_err(serde::ser::Error::custom)?)
            }
            Terms::Encoded(bytes) => s.serialize_bytes(bytes),
        }
    }
}

impl<'de> Deserialize<'de> for Terms {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Terms::Encoded(serde_bytes::ByteBuf::deserialize(d)?.into_vec()))
    }
}

/// A group's term counts, merged from interviews. Keys and forms up to [`Text`]'s inline size
/// live in the table's entries (the fold looks up every term of every interview: one cache line
/// per lookup, not two); longer ones in one text buffer, compacted when lossy counting prunes.
#[derive(Debug, Default)]
pub(super) struct GroupTerms {
    table: HashTable<GroupTerm>,
    text: String,
    pub(super) words: u64,
    /// Lossy-counting threshold: terms with fewer occurrences were dropped.
    floor: u64,
}

/// [`GroupTerms`] as stored between runs: each term's key then its forms, back to back in one
/// text (a form that is the key itself is not repeated).
#[derive(Default, Serialize, Deserialize)]
struct StoredGroup {
    text: String,
    /// Key length, occurrences, interviews, number of forms.
    terms: Vec<(u32, u64, u64, u32)>,
    /// Form length (0: the key), occurrences.
    forms: Vec<(u32, u64)>,
    words: u64,
    floor: u64,
}

/// A term's counts in a group.
#[derive(Debug)]
struct GroupTerm {
    hash: u64,
    key: Text,
    count: u64,
    interviews: usize,
    /// Forms and their occurrences, the first inline (most terms have one).
    form: (Text, u64),
    more: Vec<(Text, u64)>,
}

/// Bytes a [`Text`] holds inline.
const INLINE: usize = 22;

/// A string of a group's table: inline when short, else in the table's text buffer.
#[derive(Debug, Clone, Copy)]
enum Text {
    Inline(u8, [u8; INLINE]),
    Spilled(BufStr),
}

impl Text {
    fn new(buffer: &mut String, s: &str) -> Text {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text::Inline(s.len() as u8, bytes)
        } else {
            Text::Spilled(BufStr::push(buffer, (s, None)))
        }
    }

    fn get<'a>(&'a self, buffer: &'a str) -> &'a str {
        match self {
            // Inline bytes are always a whole string copied from a `&str`.
            Text::Inline(len, bytes) => std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default(),
            Text::Spilled(span) => span.get(buffer),
        }
    }

    fn is(&self, buffer: &str, s: &str) -> bool {
        match self {
            Text::Inline(len, bytes) => &bytes[..*len as usize] == s.as_bytes(),
            Text::Spilled(span) => span.len as usize == s.len() && span.get(buffer) == s,
        }
    }

    /// The same string in `buffer`, copied from `old`.
    fn moved(self, old: &str, buffer: &mut String) -> Text {
        match self {
            Text::Inline(..) => self,
            Text::Spilled(span) => Text::Spilled(BufStr::push(buffer, (span.get(old), None))),
        }
    }
}

/// A group's term, as the statistics read it.
pub(super) struct GroupTermRef<'a> {
    text: &'a str,
    term: &'a GroupTerm,
}

impl<'a> GroupTermRef<'a> {
    /// The stem, or two stems joined by a space.
    pub(super) fn key(&self) -> &'a str {
        self.term.key.get(self.text)
    }

    /// Occurrences in the group.
    pub(super) fn count(&self) -> u64 {
        self.term.count
    }

    /// Interviews of the group that used it.
    pub(super) fn interviews(&self) -> usize {
        self.term.interviews
    }

    /// The most frequent form (ties: the alphabetically first).
    pub(super) fn form(&self) -> &'a str {
        let text = self.text;
        std::iter::once(&self.term.form)
            .chain(&self.term.more)
            .map(|(s, n)| (s.get(text), *n))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map_or_else(|| self.key(), |(f, _)| f)
    }
}

impl GroupTerms {
    /// Merges one interview's counts.
    pub(super) fn add(&mut self, counts: &TermCounts) {
        self.words += counts.words;
        let GroupTerms { table, text, .. } = self;
        for t in &counts.terms {
            let key = t.key.get(&counts.text);
            let found = table.find_mut(t.hash, |g| g.hash == t.hash && g.key.is(text, key));
            let mut forms = counts.forms_of(t);
            let g = match found {
                Some(g) => g,
                None => {
                    let Some((form, n)) = forms.next() else { continue };
                    let key = Text::new(text, key);
                    let form = Text::new(text, form);
                    let g = GroupTerm {
                        hash: t.hash,
                        key,
                        count: 0,
                        interviews: 0,
                        form: (form, u64::from(n)),
                        more: Vec::new(),
                    };
                    table.insert_unique(t.hash, g, |g| g.hash).into_mut()
                }
            };
            g.count += u64::from(t.count);
            g.interviews += 1;
            for (form, n) in forms {
                let n = u64::from(n);
                if g.form.0.is(text, form) {
                    g.form.1 += n;
                } else if let Some(m) = g.more.iter_mut().find(|(s, _)| s.is(text, form)) {
                    m.1 += n;
                } else {
                    g.more.push((Text::new(text, form), n));
                }
            }
        }
        if self.table.len() > GROUP_TERM_LIMIT {
            self.prune();
        }
    }

    fn prune(&mut self) {
        while self.table.len() > GROUP_TERM_LIMIT / 2 {
            self.floor += 1;
            let floor = self.floor;
            self.table.retain(|t| t.count > floor);
        }
        // The dropped terms' text goes too.
        let old = std::mem::take(&mut self.text);
        let text = &mut self.text;
        for g in self.table.iter_mut() {
            g.key = g.key.moved(&old, text);
            g.form.0 = g.form.0.moved(&old, text);
            for m in &mut g.more {
                m.0 = m.0.moved(&old, text);
            }
        }
    }

    /// The group's counts as bytes, for [`GroupTerms::decode`] in a later run.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut stored = StoredGroup { words: self.words, floor: self.floor, ..StoredGroup::default() };
        for g in self.table.iter() {
            let key = g.key.get(&self.text);
            stored.text.push_str(key);
            let forms = std::iter::once(&g.form).chain(&g.more);
            for (form, n) in forms.clone() {
                stored.forms.push((BufStr::push_form(&mut stored.text, key, form.get(&self.text)), *n));
            }
            stored.terms.push((key.len() as u32, g.count, g.interviews as u64, forms.count() as u32));
        }
        postcard::to_stdvec(&stored).unwrap_or_default()
    }

    /// Counts encoded by [`GroupTerms::encode`] (`None` if damaged): the same terms, counts,
    /// forms and pruning threshold, so merging goes on as if they had never been stored.
    pub(super) fn decode(bytes: &[u8]) -> Option<GroupTerms> {
        let StoredGroup { text: stored_text, terms, forms, words, floor } = postcard::from_bytes(bytes).ok()?;
        let mut out = GroupTerms { table: HashTable::with_capacity(terms.len()), text: String::new(), words, floor };
        let (mut at, mut next_form) = (0u32, 0usize);
        let mut take = |len: u32| Some(BufStr::take(&stored_text, &mut at, len)?.get(&stored_text));
        for (key_len, count, interviews, n_forms) in terms {
            let key = take(key_len)?;
            let mut these = Vec::with_capacity(n_forms as usize);
            for &(len, n) in forms.get(next_form..next_form.checked_add(n_forms as usize)?)? {
                let form = if len == 0 { key } else { take(len)? };
                these.push((Text::new(&mut out.text, form), n));
            }
            next_form += n_forms as usize;
            let mut these = these.into_iter();
            let form = these.next()?;
            let hash = key_hash(split_key(key));
            let key = Text::new(&mut out.text, key);
            let term = GroupTerm { hash, key, count, interviews: interviews as usize, form, more: these.collect() };
            out.table.insert_unique(hash, term, |g| g.hash);
        }
        Some(out)
    }

    /// Every term of the group, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = GroupTermRef<'_>> {
        self.table.iter().map(|term| GroupTermRef { text: &self.text, term })
    }

    /// Distinct terms.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// A term by key.
    #[cfg(test)]
    fn get(&self, key: &str) -> Option<GroupTermRef<'_>> {
        self.iter().find(|t| t.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    fn sorted_forms(counts: &TermCounts, key: &str) -> Vec<(String, u32)> {
        let mut forms: Vec<_> = counts.get(key).map(|(_, f)| f).unwrap_or_default();
        forms.sort();
        forms.into_iter().map(|(f, n)| (f.to_string(), n)).collect()
    }

    #[test]
    fn counts_words_and_content_word_pairs_with_their_forms() {
        let a = Analyzer::new(Language::English);
        let mut counts = TermCounts::default();
        counts.add_passage(&a.analyze("The building management system and building managers."));
        assert_eq!(counts.words, 7);
        assert_eq!(counts.get("build").map(|t| t.0), Some(2));
        assert_eq!(sorted_forms(&counts, "build"), [("building".to_string(), 2)]);
        // Pairs of content words only: "the building" is not a phrase, "manag system" is.
        assert_eq!(counts.get("build manag").map(|t| t.0), Some(2));
        assert_eq!(counts.get("manag system").map(|t| t.0), Some(1));
        assert!(counts.get("the build").is_none());
        assert!(counts.get("system and").is_none());
        assert_eq!(
            sorted_forms(&counts, "build manag"),
            [("building management".to_string(), 1), ("building managers".to_string(), 1)]
        );
        // A word that is its own stem keeps one form; counting after sealing goes on.
        assert_eq!(sorted_forms(&counts, "system"), [("system".to_string(), 1)]);
        counts.seal();
        counts.add_passage(&a.analyze("Systems."));
        assert_eq!(sorted_forms(&counts, "system"), [("system".to_string(), 1), ("systems".to_string(), 1)]);
        assert_eq!(counts.get("system").map(|t| t.0), Some(2));
    }

    fn one(key: &str, forms: &[(&str, u32)]) -> TermCounts {
        let mut counts = TermCounts::default();
        for (form, n) in forms {
            counts.add((key, None), (form, None), *n);
        }
        counts
    }

    #[test]
    fn merging_counts_interviews_and_keeps_the_most_frequent_form() {
        let mut g = GroupTerms::default();
        g.add(&one("manag", &[("managers", 2), ("management", 1)]));
        g.add(&one("manag", &[("management", 1), ("manage", 4)]));
        let t = g.get("manag").expect("merged");
        assert_eq!((t.count(), t.interviews()), (8, 2));
        assert_eq!(t.form(), "manage");
        g.add(&one("manag", &[("management", 3)]));
        assert_eq!(g.get("manag").map(|t| t.form()), Some("management"));
        // A tie (5 and 5) goes to the alphabetically first form.
        g.add(&one("manag", &[("manage", 1)]));
        assert_eq!(g.get("manag").map(|t| t.form()), Some("manage"));
    }

    #[test]
    fn pruning_keeps_frequent_terms_with_their_forms() {
        let mut g = GroupTerms::default();
        let frequent = one("cool", &[("cooling", 5)]);
        g.add(&frequent);
        g.add(&frequent);
        // Longer than what an entry holds inline: kept in the text buffer, which pruning compacts.
        let long = one("telecommun infrastructur", &[("telecommunications infrastructure", 4)]);
        g.add(&long);
        for i in 0..GROUP_TERM_LIMIT {
            g.add(&one(&format!("rare{i}"), &[(&format!("rarely{i}"), 1)]));
        }
        assert!(g.len() <= GROUP_TERM_LIMIT);
        let cool = g.get("cool").expect("a frequent term survives pruning");
        assert_eq!((cool.count(), cool.interviews(), cool.form()), (10, 2, "cooling"));
        // Kept terms merge as before, and spilled text survives the compaction.
        g.add(&one("cool", &[("cooler", 1)]));
        assert_eq!(g.get("cool").map(|t| (t.count(), t.form())), Some((11, "cooling")));
        let long = g.get("telecommun infrastructur").expect("a long frequent term survives pruning");
        assert_eq!((long.count(), long.form()), (4, "telecommunications infrastructure"));
    }

    #[test]
    fn encoded_group_counts_merge_on_as_if_never_stored() {
        let mut g = GroupTerms::default();
        g.add(&one("manag", &[("managers", 2), ("management", 1)]));
        g.add(&one("telecommun infrastructur", &[("telecommunications infrastructure", 4)]));
        for i in 0..GROUP_TERM_LIMIT {
            g.add(&one(&format!("rare{i}"), &[(&format!("rarely{i}"), 1)]));
        }
        assert!(g.floor > 0, "pruned: the threshold is part of what is stored");
        let mut back = GroupTerms::decode(&g.encode()).expect("decoded");
        assert_eq!((back.words, back.floor, back.len()), (g.words, g.floor, g.len()));
        let next = [one("manag", &[("manage", 4)]), one("rare7", &[("rare", 1)]), one("new", &[("news", 1)])];
        for counts in &next {
            g.add(counts);
            back.add(counts);
        }
        let all = |g: &GroupTerms| -> Vec<(String, u64, usize, String)> {
            let mut v: Vec<_> =
                g.iter().map(|t| (t.key().to_string(), t.count(), t.interviews(), t.form().to_string())).collect();
            v.sort();
            v
        };
        assert_eq!(all(&back), all(&g));
        assert_eq!(back.get("manag").map(|t| (t.count(), t.interviews(), t.form())), Some((7, 2, "manage")));
        assert!(GroupTerms::decode(b"damaged").is_none());
        let mut cut = g.encode();
        cut.truncate(cut.len() / 2);
        assert!(GroupTerms::decode(&cut).is_none());
    }

    #[test]
    fn stored_counts_come_back_the_same() {
        let a = Analyzer::new(Language::English);
        let mut counts = TermCounts::default();
        counts.add_passage(&a.analyze("The building management system and building managers. Systems fail."));
        let bytes = serde_json::to_vec(&counts).expect("stored");
        let back: TermCounts = serde_json::from_slice(&bytes).expect("read back");
        assert_eq!(back.words, counts.words);
        assert_eq!(back.len(), counts.len());
        for key in ["build", "build manag", "system", "manag system", "fail"] {
            assert_eq!(back.get(key).map(|t| t.0), counts.get(key).map(|t| t.0), "{key}");
            assert_eq!(sorted_forms(&back, key), sorted_forms(&counts, key), "{key}");
        }
        // The hashes came back too: merging the copy and the original gives one entry per term.
        let mut g = GroupTerms::default();
        g.add(&counts);
        g.add(&back);
        assert_eq!(g.len(), counts.len());
        assert_eq!(g.get("build manag").map(|t| (t.count(), t.interviews())), Some((4, 2)));
        // Counting goes on after a round trip.
        let mut back = back;
        back.add_passage(&a.analyze("building"));
        assert_eq!(back.get("build").map(|t| t.0), Some(3));
        // Damaged data is an error, not a panic.
        let mut damaged: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        damaged["terms"][0][0] = serde_json::json!(1_000_000);
        assert!(serde_json::from_value::<TermCounts>(damaged.clone()).is_err(), "a key past the text");
        damaged["terms"][0] = serde_json::json!([1, 1, 1_000_000]);
        assert!(serde_json::from_value::<TermCounts>(damaged).is_err(), "more forms than stored");
    }
}
