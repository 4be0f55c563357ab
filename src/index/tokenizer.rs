//! The index's words are the coder's: each passage is analyzed once, by the pipeline, and the
//! index takes its stems as [`Stems`] (one stem per line), which [`StemsTokenizer`] only splits.
//! Queries and snippets start from raw text, so for them the same tokenizer name maps to
//! [`PithTokenizer`], pith's one analyzer; [`for_queries`] gives that mapping.
//!
//! Both give the same tokens for a passage: its words' stems as `clean` has them (punctuation
//! and non-speech markers skipped, spelled acronyms joined), positions counting words, so a search for "worried" and a phrase query match what the coder saw.
//! (Offsets differ, but the index keeps positions only; snippets re-analyze the stored text.)
//!
//! Why not tantivy's `PreTokenizedString`: 0.27 copies it per document (and its `TantivyDocument`
//! round-trips it through JSON), one `String` per token, which measured slower than analyzing
//! again.

use std::sync::Arc;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager};

use crate::analyze::clean;
use crate::analyze::{Analysis, Analyzer, Language};

/// The name the text field's tokenizer is registered under.
pub const STEMS: &str = "pith-stems";

/// Splits [`Stems`] into tantivy tokens: what the index writer registers.
#[derive(Clone, Default)]
pub struct StemsTokenizer {
    token: Token,
}

/// The tokens of one [`Stems`] text.
pub struct StemsStream<'a> {
    /// The stems not yet given.
    rest: &'a str,
    token: &'a mut Token,
}

impl Tokenizer for StemsTokenizer {
    type TokenStream<'a> = StemsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> StemsStream<'a> {
        // Position usize::MAX: the first token's is one more, 0.
        self.token.reset();
        StemsStream { rest: text, token: &mut self.token }
    }
}

impl TokenStream for StemsStream<'_> {
    fn advance(&mut self) -> bool {
        if self.rest.is_empty() {
            return false;
        }
        // Stems are short: a byte loop finds the newline sooner than a general search would start.
        let len = self.rest.bytes().position(|b| b == b'\n').unwrap_or(self.rest.len());
        let stem = &self.rest[..len];
        self.rest = self.rest.get(len + 1..).unwrap_or("");
        let t = &mut *self.token;
        t.position = t.position.wrapping_add(1);
        t.offset_from = t.offset_to;
        t.offset_to = t.offset_from + stem.len() + 1;
        t.text.clear();
        t.text.push_str(stem);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// pith's analyzer as a tantivy tokenizer, for raw text: queries and snippets.
#[derive(Clone)]
pub struct PithTokenizer {
    analyzer: Arc<Analyzer>,
    analysis: Analysis,
    /// The words of the last text: byte range and range of its stem in `stems`.
    words: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    stems: String,
    scratch: String,
}

impl PithTokenizer {
    /// A tokenizer stemming for `language`.
    pub fn new(language: Language) -> PithTokenizer {
        PithTokenizer {
            analyzer: Arc::new(Analyzer::new(language)),
            analysis: Analysis::default(),
            words: Vec::new(),
            stems: String::new(),
            scratch: String::new(),
        }
    }
}

/// The words of one analyzed text as tantivy tokens, made one at a time in a single token.
pub struct PithTokenStream<'a> {
    words: &'a [(std::ops::Range<usize>, std::ops::Range<usize>)],
    stems: &'a str,
    /// Words handed out so far: the next word's index and position.
    next: usize,
    token: Token,
}

impl Tokenizer for PithTokenizer {
    type TokenStream<'a> = PithTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PithTokenStream<'a> {
        self.analyzer.analyze_into(text, &mut self.analysis);
        let (words, stems) = (&mut self.words, &mut self.stems);
        words.clear();
        stems.clear();
        clean::each_word(&self.analysis, &mut self.scratch, |w| {
            let start = stems.len();
            stems.push_str(w.stem);
            words.push((w.bytes, start..stems.len()));
        });
        PithTokenStream { words: &self.words, stems: &self.stems, next: 0, token: Token::default() }
    }
}

impl TokenStream for PithTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((bytes, stem)) = self.words.get(self.next) else { return false };
        self.token.offset_from = bytes.start;
        self.token.offset_to = bytes.end;
        self.token.position = self.next;
        self.token.text.clear();
        self.token.text.push_str(&self.stems[stem.clone()]);
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Tokenizers for text as people write it, where [`STEMS`] is pith's analyzer for `language`,
/// and that analyzer (for snippets).
pub fn for_queries(language: Language) -> (TokenizerManager, TextAnalyzer) {
    let analyzer = TextAnalyzer::from(PithTokenizer::new(language));
    let manager = TokenizerManager::default();
    manager.register(STEMS, analyzer.clone());
    (manager, analyzer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Stems;

    type Tokens = Vec<(String, usize, std::ops::Range<usize>)>;

    fn drain(mut stream: impl TokenStream) -> Tokens {
        let mut out = Vec::new();
        while let Some(tok) = stream.next() {
            out.push((tok.text.clone(), tok.position, tok.offset_from..tok.offset_to));
        }
        out
    }

    fn tokens(text: &str) -> Tokens {
        drain(PithTokenizer::new(Language::English).token_stream(text))
    }

    fn without_offsets(tokens: Tokens) -> Vec<(String, usize)> {
        tokens.into_iter().map(|(t, p, _)| (t, p)).collect()
    }

    #[test]
    fn stems_with_word_positions_and_byte_offsets() {
        let got = tokens("We’re worried, really worried.");
        assert_eq!(
            got,
            vec![
                ("we'r".to_string(), 0, 0..7),
                ("worri".to_string(), 1, 8..15),
                ("realli".to_string(), 2, 17..23),
                ("worri".to_string(), 3, 24..31),
            ]
        );
    }

    #[test]
    fn one_tokenizer_gives_each_text_its_own_tokens() {
        let mut t = PithTokenizer::new(Language::English);
        for (text, want) in [("Chillers failing, again!", vec!["chiller", "fail", "again"]), ("ok", vec!["ok"])] {
            let got = without_offsets(drain(t.token_stream(text)));
            let want: Vec<(String, usize)> = want.into_iter().enumerate().map(|(i, w)| (w.to_string(), i)).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn empty_text_gives_no_tokens() {
        assert!(tokens(" , . ").is_empty());
    }

    #[test]
    fn the_index_gets_the_tokens_the_analyzer_would_give() {
        // Compatibility characters whose NFKC holds a space (¨, ´, ﹍), other whitespace,
        // numbers, contractions, punctuation-only and empty texts.
        let texts = [
            "We’re worried, really worried.",
            "a¨b x´y ﹍z  tab\there\nnew line\u{2028}sep\u{a0}nbsp",
            "In 2024 we paid $3,000 — twice!",
            "ﬁnance ＣＦＯ don't can’t",
            "the L_C_D_ {vocalsound} screen [laughs] L.C.D. (inaudible) done",
            " , . ",
            "",
        ];
        let analyzer = Analyzer::new(Language::English);
        let mut stems = StemsTokenizer::default();
        for text in texts {
            let line = Stems::of(&analyzer.analyze(text));
            let indexed = without_offsets(drain(stems.token_stream(line.as_str())));
            assert_eq!(indexed, without_offsets(tokens(text)), "{text:?}");
        }
        // A stream is done when the text is: the same tokenizer starts each text at position 0.
        let again = drain(stems.token_stream("a\nb\n"));
        assert_eq!(without_offsets(again), [("a".to_string(), 0), ("b".to_string(), 1)]);
    }
}
