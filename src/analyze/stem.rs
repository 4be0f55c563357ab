//! Snowball stems through a per-thread word → stem cache (a corpus has few distinct words).

use std::cell::RefCell;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;

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

/// Past this many distinct words a thread's cache starts over, so memory stays bounded.
const CACHE_LIMIT: usize = 1 << 18;

struct Cache {
    language: Language,
    stemmer: Stemmer,
    stems: FxHashMap<Box<str>, Box<str>>,
}

thread_local! {
    static CACHE: RefCell<Option<Cache>> = const { RefCell::new(None) };
}

/// Appends the stem of the normalized word `word` to `out`.
pub(super) fn stem_into(language: Language, word: &str, out: &mut String) {
    CACHE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let cache = match &mut *slot {
            Some(c) if c.language == language => c,
            other => other.insert(Cache {
                language,
                stemmer: Stemmer::create(language.algorithm()),
                stems: FxHashMap::default(),
            }),
        };
        if let Some(stem) = cache.stems.get(word) {
            out.push_str(stem);
            return;
        }
        let stem: Box<str> = cache.stemmer.stem(word).into();
        out.push_str(&stem);
        if cache.stems.len() >= CACHE_LIMIT {
            cache.stems.clear();
        }
        cache.stems.insert(word.into(), stem);
    });
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
        stem_into(Language::English, "running", &mut a);
        stem_into(Language::English, "running", &mut a);
        assert_eq!(a, "runrun");
        let mut f = String::new();
        stem_into(Language::French, "continuellement", &mut f);
        assert_eq!(f, Stemmer::create(Algorithm::French).stem("continuellement"));
    }
}
