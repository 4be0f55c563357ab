//! Per-token normalization with HF `tokenizers` normalizers: NFKC, lowercase, and
//! apostrophe/quote folding. ASCII tokens take a fast path with the same result.

use tokenizers::normalizers::{Lowercase, Replace, NFKC};
use tokenizers::pipeline::{normalize_all, PipelineNormalizer};

/// Characters folded to a plain apostrophe: right and left single quotes, modifier letter
/// apostrophe, prime and fullwidth apostrophe.
pub(crate) const APOSTROPHES: [&str; 5] = ["\u{2019}", "\u{2018}", "\u{02BC}", "\u{2032}", "\u{FF07}"];

#[derive(Debug)]
pub(super) struct Normalizer {
    chain: Vec<PipelineNormalizer>,
}

impl Normalizer {
    pub(super) fn new() -> Normalizer {
        let mut chain = vec![PipelineNormalizer::NFKC(NFKC), PipelineNormalizer::Lowercase(Lowercase)];
        for a in APOSTROPHES {
            // A plain-string pattern never fails to compile.
            if let Ok(r) = Replace::new(a.to_string(), "'") {
                chain.push(PipelineNormalizer::Replace(r));
            }
        }
        Normalizer { chain }
    }

    /// Appends the normalized form of `token` to `out`.
    pub(super) fn normalize_into(&self, token: &str, out: &mut String) {
        if token.is_ascii() {
            // NFKC leaves ASCII unchanged and no folded character is ASCII.
            let start = out.len();
            out.push_str(token);
            out[start..].make_ascii_lowercase();
            return;
        }
        match normalize_all(&self.chain, token, 0) {
            Ok(norm) => out.push_str(&norm),
            // The chain has no fallible step on valid UTF-8; keep the token as it is if it ever does.
            Err(_) => out.push_str(&token.to_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        Normalizer::new().normalize_into(s, &mut out);
        out
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_chain() {
        let n = Normalizer::new();
        for w in ["Hello", "CFO", "don't", "x86_64", "MiXeD"] {
            let slow = normalize_all(&n.chain, w, 0).map(|c| c.into_owned()).unwrap_or_default();
            assert_eq!(norm(w), slow, "{w}");
        }
    }

    #[test]
    fn folds_and_composes() {
        assert_eq!(norm("We\u{2019}RE"), "we're");
        assert_eq!(norm("Cafe\u{301}"), "café");
        assert_eq!(norm("Ⅳ"), "iv");
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        for w in ["Ｆｕｌｌ", "ﬁ", "Straße", "İstanbul", "Ωmega"] {
            let once = norm(w);
            assert_eq!(norm(&once), once, "{w}");
        }
    }
}
