//! Snowball stems through a per-thread word → stem cache (a corpus has few distinct words).

use std::cell::RefCell;
use std::hash::Hasher as _;
use std::num::NonZeroU64;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::HashTable;
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHasher;

/// Stemming languages (the Snowball algorithms `rust-stemmers` ships).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (Porter2).
    English,
    /// French.
    French,
    /// German.
    German,
    /// Spanish.
    Spanish,
    /// Italian.
    Italian,
    /// Portuguese.
    Portuguese,
    /// Dutch.
    Dutch,
    /// Swedish.
    Swedish,
    /// Norwegian.
    Norwegian,
    /// Danish.
    Danish,
    /// Finnish.
    Finnish,
    /// Russian.
    Russian,
}

impl Language {
    const ALL: [(Language, &'static str, &'static str, Algorithm); 12] = [
        (Language::English, "english", "en", Algorithm::English),
        (Language::French, "french", "fr", Algorithm::French),
        (Language::German, "german", "de", Algorithm::German),
        (Language::Spanish, "spanish", "es", Algorithm::Spanish),
        (Language::Italian, "italian", "it", Algorithm::Italian),
        (Language::Portuguese, "portuguese", "pt", Algorithm::Portuguese),
        (Language::Dutch, "dutch", "nl", Algorithm::Dutch),
        (Language::Swedish, "swedish", "sv", Algorithm::Swedish),
        (Language::Norwegian, "norwegian", "no", Algorithm::Norwegian),
        (Language::Danish, "danish", "da", Algorithm::Danish),
        (Language::Finnish, "finnish", "fi", Algorithm::Finnish),
        (Language::Russian, "russian", "ru", Algorithm::Russian),
    ];

    /// Parses a language name (`english`) or ISO 639-1 code (`en`).
    pub fn parse(s: &str) -> Option<Language> {
        let s = s.trim().to_ascii_lowercase();
        Language::ALL.iter().find(|(_, name, code, _)| *name == s || *code == s).map(|(l, ..)| *l)
    }

    /// The language's name.
    pub fn name(self) -> &'static str {
        Language::ALL[self as usize].1
    }

    fn algorithm(self) -> Algorithm {
        Language::ALL[self as usize].3
    }
}

/// Past this many distinct words a thread's cache starts over (in a new [`Vocabulary`]), so
/// memory stays bounded.
const CACHE_LIMIT: usize = if cfg!(test) { 1 << 8 } else { 1 << 18 };
/// Past this many bytes of words and stems a thread's cache starts over too: memory stays bounded
/// whatever the words' lengths, and offsets into its text fit in 32 bits.
const TEXT_LIMIT: usize = 1 << 26;

/// How one thread's cache numbers the words it has stemmed: in the same vocabulary, the same id
/// is the same normalized word (so the same stem), whichever analysis it comes from. A cache
/// that starts over, or changes language, starts a new vocabulary; none is ever reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocabulary(NonZeroU64);

static NEXT_VOCABULARY: AtomicU64 = AtomicU64::new(1);

impl Vocabulary {
    fn new() -> Vocabulary {
        Vocabulary(NonZeroU64::new(NEXT_VOCABULARY.fetch_add(1, Ordering::Relaxed)).unwrap_or(NonZeroU64::MIN))
    }
}

/// Bytes of a word its table entry holds (longer words are compared in the cache's text).
const INLINE: usize = 21;
/// [`Entry::len`] of a word longer than [`INLINE`].
const SPILLED: u8 = u8::MAX;

/// A word of a cache's table: its id, its stem and, when short, its bytes (zero-padded), so a
/// lookup of a short word compares within the table and copies its stem without another read
/// when the stem is the start of the word (most words are short, most stems their word's start).
#[derive(Clone, Copy)]
struct Entry {
    id: u32,
    /// Where the stem is in the cache's text, or [`PREFIX`] when the stem is the word's first
    /// `stem_len` bytes.
    stem: u32,
    stem_len: u16,
    len: u8,
    bytes: [u8; INLINE],
}

/// [`Entry::stem`] of a word whose stem is its start (the word itself, or the word less a suffix).
const PREFIX: u32 = u32::MAX;
/// [`Entry::stem_len`] of a stem too long to say: its end is read from the cache's `words`.
const LONG_STEM: u16 = u16::MAX;

struct Cache {
    language: Language,
    stemmer: Stemmer,
    vocabulary: Vocabulary,
    /// Normalized words, found by their hash.
    ids: HashTable<Entry>,
    /// By id: the word's start, its end (where its stem starts) and its stem's end in `text`.
    words: Vec<(u32, u32, u32)>,
    text: String,
}

impl Cache {
    fn new(language: Language) -> Cache {
        Cache {
            language,
            stemmer: Stemmer::create(language.algorithm()),
            vocabulary: Vocabulary::new(),
            ids: HashTable::new(),
            words: Vec::new(),
            text: String::new(),
        }
    }
}

fn hash(word: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(word);
    h.finish()
}

/// Where a word's stem is: its first bytes, or a range of the cache's text.
enum Stem {
    Start(usize),
    Kept(Range<usize>),
}

impl Cache {
    /// The stem and id of the normalized word `word`, stemmed and kept if it is new (in a new
    /// vocabulary when the cache is full).
    fn lookup(&mut self, word: &str) -> (Stem, u32) {
        let w = word.as_bytes();
        let h = hash(w);
        let mut padded = [0u8; INLINE];
        let short = w.len() <= INLINE;
        if short {
            padded[..w.len()].copy_from_slice(w);
        }
        let Cache { ids, words, text, .. } = &*self;
        let found = ids.find(h, |e| {
            if short {
                usize::from(e.len) == w.len() && e.bytes == padded
            } else {
                let (start, end, _) = words[e.id as usize];
                e.len == SPILLED && text.as_bytes()[start as usize..end as usize] == *w
            }
        });
        if let Some(e) = found {
            let stem = if e.stem == PREFIX {
                Stem::Start(usize::from(e.stem_len))
            } else if e.stem_len == LONG_STEM {
                let (_, stem, end) = words[e.id as usize];
                Stem::Kept(stem as usize..end as usize)
            } else {
                Stem::Kept(e.stem as usize..e.stem as usize + usize::from(e.stem_len))
            };
            return (stem, e.id);
        }
        if self.words.len() >= CACHE_LIMIT || self.text.len() + 2 * word.len() > TEXT_LIMIT {
            *self = Cache::new(self.language);
        }
        let stem = self.stemmer.stem(word);
        let Cache { ids, words, text, .. } = self;
        let start = text.len() as u32;
        text.push_str(word);
        let end = text.len() as u32;
        text.push_str(&stem);
        let id = words.len() as u32;
        words.push((start, end, text.len() as u32));
        let stem_len = u16::try_from(stem.len()).ok().filter(|&len| len < LONG_STEM);
        let (at, found) = match stem_len {
            // A Snowball stem of a normalized word that is the word's start ends at a char boundary.
            Some(_) if word.starts_with(&*stem) => (PREFIX, Stem::Start(stem.len())),
            _ => (end, Stem::Kept(end as usize..text.len())),
        };
        let stem_len = stem_len.unwrap_or(LONG_STEM);
        let mut entry = Entry { id, stem: at, stem_len, len: SPILLED, bytes: [0; INLINE] };
        if short {
            entry.len = w.len() as u8;
            entry.bytes = padded;
        }
        ids.insert_unique(h, entry, |e| {
            let (start, end, _) = words[e.id as usize];
            hash(&text.as_bytes()[start as usize..end as usize])
        });
        (found, id)
    }
}

/// A thread's stem cache for one language, lent for the words of one text by [`with`].
pub(super) struct StemCache<'a>(&'a mut Cache);

impl StemCache<'_> {
    /// Where the stem of the normalized word at `word` in `buf` is in `buf`: the word's start when
    /// the stem is that (most are: nothing is copied), else the stem appended to `buf`. Gives too
    /// the word's id and the vocabulary it is in.
    pub(super) fn stem_in(&mut self, buf: &mut String, word: Range<usize>) -> (Range<usize>, Vocabulary, u32) {
        let (stem, id) = self.0.lookup(&buf[word.clone()]);
        let stem = match stem {
            Stem::Start(len) if buf.is_char_boundary(word.start + len) => word.start..word.start + len,
            // Never: a start is cut at a char boundary.
            Stem::Start(_) => word,
            Stem::Kept(range) => {
                let start = buf.len();
                buf.push_str(&self.0.text[range]);
                start..buf.len()
            }
        };
        (stem, self.0.vocabulary, id)
    }
}

thread_local! {
    static CACHE: RefCell<Option<Cache>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's stem cache for `language`.
pub(super) fn with<R>(language: Language, f: impl FnOnce(&mut StemCache<'_>) -> R) -> R {
    CACHE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let cache = match &mut *slot {
            Some(c) if c.language == language => c,
            other => other.insert(Cache::new(language)),
        };
        f(&mut StemCache(cache))
    })
}

/// Appends the stem of the normalized word `word` to `out`; gives the word's id and the
/// vocabulary it is in.
pub(super) fn stem_into(language: Language, word: &str, out: &mut String) -> (Vocabulary, u32) {
    // Stemmed where the analyzer stems words, in its buffer, then the word taken out.
    let start = out.len();
    out.push_str(word);
    let (stem, vocabulary, id) = with(language, |cache| cache.stem_in(out, start..start + word.len()));
    if stem.start == start {
        out.truncate(stem.end);
    } else {
        out.replace_range(start..stem.start, "");
    }
    (vocabulary, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_codes() {
        assert_eq!(Language::parse("English"), Some(Language::English));
        assert_eq!(Language::parse("de"), Some(Language::German));
        assert_eq!(Language::parse("klingon"), None);
        for (l, name, ..) in Language::ALL {
            assert_eq!(l.name(), name);
        }
    }

    #[test]
    fn cache_gives_the_stemmers_answer_and_switches_language() {
        let mut a = String::new();
        let first = stem_into(Language::English, "running", &mut a);
        let again = stem_into(Language::English, "running", &mut a);
        assert_eq!(a, "runrun");
        assert_eq!(first, again, "the same word, the same id");
        let other = stem_into(Language::English, "runs", &mut a);
        assert_eq!(a, "runrunrun");
        assert_eq!(other.0, first.0);
        assert_ne!(other.1, first.1, "another word, another id, even with the same stem");
        let mut f = String::new();
        let french = stem_into(Language::French, "continuellement", &mut f);
        assert_eq!(f, Stemmer::create(Algorithm::French).stem("continuellement"));
        assert_ne!(french.0, first.0, "another language, another vocabulary");
    }

    #[test]
    fn long_words_are_told_apart_beyond_the_bytes_an_entry_holds() {
        let (mut a, mut b, mut c) = (String::new(), String::new(), String::new());
        let long = "counterrevolutionaries"; // longer than INLINE
        let other = "counterrevolutionariez"; // the same first INLINE bytes
        assert!(long.len() > INLINE && long[..INLINE] == other[..INLINE]);
        let first = stem_into(Language::English, long, &mut a);
        let second = stem_into(Language::English, other, &mut b);
        let again = stem_into(Language::English, long, &mut c);
        assert_ne!(first.1, second.1);
        assert_eq!(first, again);
        assert_eq!(a, c);
        assert_eq!(a, Stemmer::create(Algorithm::English).stem(long));
        assert_eq!(b, Stemmer::create(Algorithm::English).stem(other));
    }

    #[test]
    fn a_cached_stem_is_the_stemmers_whether_it_is_the_word_its_start_or_neither() {
        // Its stem (the word without "ing") is longer than an entry can say.
        let huge = "ba".repeat(35_000) + "ing";
        assert_ne!(Stemmer::create(Algorithm::English).stem(&huge), huge);
        // Its own stem, its start, neither ("worri"), and a start cut after a two-byte letter.
        for word in ["cat", "the", "cats", "worry", "happily", "caf\u{e9}s", huge.as_str()] {
            let expected = Stemmer::create(Algorithm::English).stem(word).to_string();
            for _ in 0..2 {
                let mut out = String::from("<");
                stem_into(Language::English, word, &mut out);
                assert_eq!(out, format!("<{expected}"), "{:.20}", word);
            }
        }
    }
}
