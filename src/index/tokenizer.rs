//! pith's one [`Analyzer`] as a tantivy tokenizer: token text is the stem, offsets are byte
//! offsets into the indexed text, positions count words (punctuation is skipped), so the index
//! and the coder see the same words and a phrase query matches what a lexicon phrase would.
//!
//! The index analyzes each passage again rather than taking the coder's tokens: tantivy 0.27's
//! `TantivyDocument` keeps a `PreTokenizedString` as JSON and parses it back before indexing,
//! which measured slower (20 MB corpus: 13.8 s of CPU against 10.9 s) than a second analysis.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analyze::{Analysis, Analyzer, Language, TokenKind};

/// The analyzer wrapped for tantivy (cheap to clone: the analyzer is shared).
#[derive(Clone)]
pub struct PithTokenizer {
    analyzer: Arc<Analyzer>,
    analysis: Analysis,
}

impl PithTokenizer {
    /// A tokenizer stemming for `language`.
    pub fn new(language: Language) -> PithTokenizer {
        PithTokenizer { analyzer: Arc::new(Analyzer::new(language)), analysis: Analysis::default() }
    }
}

/// The words of one analyzed text as tantivy tokens, made one at a time in a single token.
pub struct PithTokenStream<'a> {
    analysis: &'a Analysis,
    /// The next of the analysis's tokens to look at.
    next: usize,
    /// Words handed out so far: the next word's position.
    words: usize,
    token: Token,
}

impl Tokenizer for PithTokenizer {
    type TokenStream<'a> = PithTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PithTokenStream<'a> {
        self.analyzer.analyze_into(text, &mut self.analysis);
        PithTokenStream { analysis: &self.analysis, next: 0, words: 0, token: Token::default() }
    }
}

impl TokenStream for PithTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some(t) = self.analysis.tokens.get(self.next) {
            self.next += 1;
            if t.kind == TokenKind::Punct {
                continue;
            }
            self.token.offset_from = t.bytes.start;
            self.token.offset_to = t.bytes.end;
            self.token.position = self.words;
            self.token.text.clear();
            self.token.text.push_str(self.analysis.stem(t));
            self.words += 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, std::ops::Range<usize>)> {
        let mut t = PithTokenizer::new(Language::English);
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = stream.next() {
            out.push((tok.text.clone(), tok.position, tok.offset_from..tok.offset_to));
        }
        out
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
            let mut stream = t.token_stream(text);
            let mut got = Vec::new();
            while let Some(tok) = stream.next() {
                got.push((tok.text.clone(), tok.position));
            }
            let want: Vec<(String, usize)> = want.into_iter().enumerate().map(|(i, w)| (w.to_string(), i)).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn empty_text_gives_no_tokens() {
        assert!(tokens(" , . ").is_empty());
    }
}
