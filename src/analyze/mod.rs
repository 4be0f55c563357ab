//! analyze: takes text, gives tokens with offsets, normalized forms and stems.
//!
//! One [`Analyzer`] serves coding and the search index, so a search for "worried" and the
//! risk code that "worried" triggered agree. The pipeline, per passage:
//!
//! 1. `tokenize`: HF `tokenizers`' BERT pre-tokenizer splits the *original* text into word
//!    and punctuation runs (byte spans into the source; contractions such as `don't` are
//!    joined back into one word); ASCII text, most of it, is split in one pass over its bytes
//!    into the same tokens, without the pre-tokenizer's spans in between;
//! 2. `normalize`: each word is normalized on its own (NFKC, lowercase, apostrophe folding),
//!    so offsets always point into the original text and never need re-alignment; ASCII text,
//!    whose normalized words are its words lowercased, is lowercased whole instead;
//! 3. `stem`: Snowball stems through a per-thread word → stem cache.
//!
//! Invariant: every token's byte range lies inside the input, on char boundaries, in order,
//! without overlap; its char range counts the same text in Unicode scalar values.

pub(crate) mod clean;
mod normalize;
pub(crate) use normalize::APOSTROPHES;
mod stem;
mod tokenize;

use std::ops::Range;

pub use stem::{Language, Vocabulary};

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters (and digits mixed with letters).
    Word,
    /// Digits only.
    Number,
    /// A punctuation character: clause boundaries for negation scopes.
    Punct,
}

/// One token of an analyzed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range into the analyzed text.
    pub bytes: Range<usize>,
    /// Character range into the analyzed text.
    pub chars: Range<usize>,
    /// Word, number or punctuation.
    pub kind: TokenKind,
    norm: Range<u32>,
    stem: Range<u32>,
    /// Id of the normalized word in the analysis' vocabulary ([`NO_WORD`] for numbers and
    /// punctuation).
    word: u32,
}

const NO_WORD: u32 = u32::MAX;

/// An analyzed text: its tokens, and the normalized forms and stems they point to.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    buf: String,
    language: Option<Language>,
    /// The vocabulary every word's id is in (`None` if the stem cache started over mid-text).
    vocabulary: Option<Vocabulary>,
    /// The tokens, in text order.
    pub tokens: Vec<Token>,
}

impl Analysis {
    /// The token's normalized form (NFKC, lowercased, apostrophes folded).
    pub fn norm(&self, token: &Token) -> &str {
        &self.buf[token.norm.start as usize..token.norm.end as usize]
    }

    /// The token's stem (equal to the normalized form for numbers and punctuation).
    pub fn stem(&self, token: &Token) -> &str {
        &self.buf[token.stem.start as usize..token.stem.end as usize]
    }

    /// The language the text was analyzed in (`None` before any analysis).
    pub fn language(&self) -> Option<Language> {
        self.language
    }

    /// The vocabulary the ids of [`Analysis::word_id`] are in: the same id in the same vocabulary
    /// is the same normalized word. `None` when the words are not all in one vocabulary.
    pub fn vocabulary(&self) -> Option<Vocabulary> {
        self.vocabulary
    }

    /// The word token's id in [`Analysis::vocabulary`] (`None` for numbers and punctuation).
    pub fn word_id(&self, token: &Token) -> Option<u32> {
        (token.word != NO_WORD).then_some(token.word)
    }

    /// Appends the stem of `word`, already normalized, in this analysis' language (unchanged
    /// before any analysis): for a word made of several tokens, such as a spelled acronym.
    pub fn stem_into(&self, word: &str, out: &mut String) {
        match self.language {
            Some(language) => {
                let _ = stem::stem_into(language, word, out);
            }
            None => out.push_str(word),
        }
    }

    /// The word and number tokens only, with their index among all tokens.
    pub fn words(&self) -> impl Iterator<Item = (usize, &Token)> {
        self.tokens.iter().enumerate().filter(|(_, t)| t.kind != TokenKind::Punct)
    }
}

/// The one analyzer: normalization, pre-tokenization with offsets, and stemming.
#[derive(Debug)]
pub struct Analyzer {
    language: Language,
    normalizer: normalize::Normalizer,
}

impl Analyzer {
    /// An analyzer for `language`.
    pub fn new(language: Language) -> Analyzer {
        Analyzer { language, normalizer: normalize::Normalizer::new() }
    }

    /// The stemming language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Analyzes `text`.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut out = Analysis::default();
        self.analyze_into(text, &mut out);
        out
    }

    /// Analyzes `text` into `out`, reusing its buffers.
    pub fn analyze_into(&self, text: &str, out: &mut Analysis) {
        out.buf.clear();
        out.tokens.clear();
        out.language = Some(self.language);
        let (mut vocabulary, mut one_vocabulary) = (None, true);
        if text.is_ascii() {
            // An ASCII token's normalized form is its text lowercased, so the whole text is
            // lowercased at once and each token's form is where the token is: no copy per token.
            out.buf.push_str(text);
            out.buf.make_ascii_lowercase();
            tokenize::pre_tokenize_ascii(text, |range, kind| {
                let norm = range.start as u32..range.end as u32;
                out.tokens.push(Token {
                    chars: range.clone(),
                    bytes: range,
                    kind,
                    stem: norm.clone(),
                    norm,
                    word: NO_WORD,
                });
            });
        } else {
            let mut chars_before = 0usize;
            let mut bytes_before = 0usize;
            tokenize::pre_tokenize_spans(text, |range, kind| {
                chars_before += text[bytes_before..range.start].chars().count();
                bytes_before = range.start;
                let len = text[range.clone()].chars().count();
                let chars = chars_before..chars_before + len;
                let norm_start = out.buf.len();
                self.normalizer.normalize_into(&text[range.clone()], &mut out.buf);
                let norm = norm_start as u32..out.buf.len() as u32;
                out.tokens.push(Token { bytes: range, chars, kind, stem: norm.clone(), norm, word: NO_WORD });
            });
        }
        // Stemmed once every word is normalized, the stems that are not their word's start after
        // the normalized forms: a lookup reads a word already in place instead of one just
        // written behind the last stem, so the lookups do not wait on each other through the buffer.
        stem::with(self.language, |stemmer| {
            let Analysis { buf, tokens, .. } = &mut *out;
            for t in tokens.iter_mut().filter(|t| t.kind == TokenKind::Word) {
                let (stem, v, id) = stemmer.stem_in(buf, t.norm.start as usize..t.norm.end as usize);
                one_vocabulary &= *vocabulary.get_or_insert(v) == v;
                t.stem = stem.start as u32..stem.end as u32;
                t.word = id;
            }
        });
        out.vocabulary = vocabulary.filter(|_| one_vocabulary);
    }

    /// Normalizes and stems one word as it would be in running text (for lexicon terms).
    pub fn stem_word(&self, word: &str) -> String {
        let mut buf = String::new();
        self.normalizer.normalize_into(word, &mut buf);
        let mut stem = String::new();
        let _ = stem::stem_into(self.language, &buf, &mut stem);
        stem
    }

    /// Normalizes one word without stemming (for exact and prefix lexicon terms).
    pub fn normalize_word(&self, word: &str) -> String {
        let mut buf = String::new();
        self.normalizer.normalize_into(word, &mut buf);
        buf
    }
}

/// A passage's words as the index takes them: each word's stem followed by a newline, in text
/// order. No stem holds a newline: the analyzer splits words at whitespace and its
/// normalization (NFKC, lowercasing, apostrophe folding) never makes a control character.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stems(String);

impl Stems {
    /// The stems of an analyzed passage's words, as the index counts them (`clean`: markers
    /// left out, spelled acronyms joined).
    pub fn of(analysis: &Analysis) -> Stems {
        let mut line = String::with_capacity(analysis.tokens.len() * 8);
        clean::each_word(analysis, &mut String::new(), |w| {
            line.push_str(w.stem);
            line.push('\n');
        });
        Stems(line)
    }

    /// The text the index is given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> String {
        let a = Analyzer::new(Language::English).analyze(text);
        a.tokens
            .iter()
            .map(|t| format!("{}|{}|{}@{}", &text[t.bytes.clone()], a.norm(t), a.stem(t), t.chars.start))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn words_punctuation_and_stems() {
        assert_eq!(
            render("We're worried, really."),
            "We're|we're|we'r@0 worried|worried|worri@6 ,|,|,@13 really|really|realli@15 .|.|.@21"
        );
    }

    #[test]
    fn curly_apostrophes_fold_and_offsets_count_chars() {
        // "Don’t" has a 3-byte apostrophe: the next token's char offset is 6, its byte offset 8.
        let text = "Don’t panic";
        let a = Analyzer::new(Language::English).analyze(text);
        assert_eq!(a.tokens.len(), 2);
        assert_eq!(a.norm(&a.tokens[0]), "don't");
        assert_eq!(a.tokens[1].bytes, 8..13);
        assert_eq!(a.tokens[1].chars, 6..11);
    }

    #[test]
    fn nfkc_applies_per_token() {
        let a = Analyzer::new(Language::English).analyze("ﬁnance ＣＦＯ");
        assert_eq!(a.norm(&a.tokens[0]), "finance");
        assert_eq!(a.norm(&a.tokens[1]), "cfo");
    }

    #[test]
    fn numbers_are_not_stemmed() {
        let a = Analyzer::new(Language::English).analyze("in 2024");
        assert_eq!(a.tokens[1].kind, TokenKind::Number);
        assert_eq!(a.stem(&a.tokens[1]), "2024");
    }

    #[test]
    fn a_word_has_one_id_in_a_vocabulary() {
        let an = Analyzer::new(Language::English);
        let a = an.analyze("Worried, worried WORRIED worry in 2024");
        let b = an.analyze("still worried");
        assert_eq!(a.vocabulary(), b.vocabulary());
        assert!(a.vocabulary().is_some());
        let ids: Vec<_> = a.tokens.iter().map(|t| a.word_id(t)).collect();
        assert_eq!(ids[0], ids[2]);
        assert_eq!(ids[0], ids[3]);
        assert_eq!(ids[0], b.word_id(&b.tokens[1]));
        assert_ne!(ids[0], ids[4], "worry: same stem, another word");
        assert_eq!(ids[1], None, "punctuation");
        assert_eq!(ids[6], None, "a number");
    }

    #[test]
    fn a_stem_cache_starting_over_mid_text_leaves_the_text_without_a_vocabulary() {
        // More distinct words than a thread's cache keeps (a few hundred under test).
        let text: String = (0..600).map(|i| format!("worried{i}x ")).collect();
        let an = Analyzer::new(Language::English);
        let a = an.analyze(&text);
        assert_eq!(a.vocabulary(), None);
        assert!(a.tokens.iter().all(|t| a.stem(t).starts_with("worried") && a.stem(t).ends_with('x')));
        assert!(an.analyze("worried again").vocabulary().is_some());
    }

    #[test]
    fn inflections_share_a_stem() {
        let an = Analyzer::new(Language::English);
        assert_eq!(an.stem_word("worried"), an.stem_word("worry"));
        assert_eq!(an.stem_word("Worrying"), an.stem_word("worries"));
    }
}
