//! What words a lexicon's regular expression needs: fragments of which at least one must be
//! inside a word of any text the expression matches, so passages without them skip it.
//!
//! Read from the expression's syntax tree: a literal run (`when`, `so that`) must appear in every
//! match; a group needs one of its branches; a concatenation needs any one of its parts, and the
//! part whose weakest alternative is longest is kept. A fragment is the longest run of ASCII
//! letters and digits in such a literal, lowercased.
//!
//! Sound for text that [`applies_to`] accepts, analyzed by pith's analyzer: a run of ASCII letters
//! and digits never spans two tokens, and in such text no character case-folds to an ASCII
//! letter but ASCII letters themselves (the Kelvin sign and long s do) and none composes with an
//! ASCII letter under NFKC (combining marks do), so a fragment of a match is inside the
//! normalized (NFKC, lowercased) form of the word that holds it.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The fragments, one of which is inside a normalized word of any text [`applies_to`] accepts
/// and `pattern` matches (case-insensitively); `None` when the expression needs no particular word.
pub fn fragments(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(pattern).ok()?;
    let mut frags: Vec<String> = needs(&hir)?.iter().map(|s| fragment(s).to_string()).collect();
    frags.sort();
    frags.dedup();
    Some(frags)
}

/// Whether gating is sound for `text`: ASCII, Latin-1, Latin Extended-A but the long s, and
/// general punctuation and currency signs (no combining marks, no compatibility letters).
pub fn applies_to(text: &str) -> bool {
    text.is_ascii() || text.chars().all(|c| c < '\u{17F}' || ('\u{2000}'..='\u{20CF}').contains(&c))
}

/// Strings one of which every match contains (lowercased); `None` when there is no such set
/// with a fragment in each.
fn needs(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => text(hir).map(|s| vec![s]).filter(|set| strength(set) > 0),
        HirKind::Capture(c) => needs(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => needs(&r.sub),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(needs(b)?);
            }
            Some(all)
        }
        HirKind::Concat(parts) => {
            let mut best: Option<Vec<String>> = None;
            let mut keep = |set: Vec<String>| {
                if strength(&set) > best.as_ref().map_or(0, |b| strength(b)) {
                    best = Some(set);
                }
            };
            let mut run = String::new();
            for part in parts {
                if let Some(s) = text(part) {
                    run.push_str(&s);
                } else if !matches!(part.kind(), HirKind::Look(_) | HirKind::Empty) {
                    keep(vec![std::mem::take(&mut run)]);
                    if let Some(set) = needs(part) {
                        keep(set);
                    }
                }
            }
            keep(vec![run]);
            best
        }
        _ => None,
    }
}

/// The literal text `hir` matches, lowercased, when it matches exactly one text up to case.
fn text(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).ok().map(str::to_ascii_lowercase),
        HirKind::Class(class) => letter(class).map(String::from),
        _ => None,
    }
}

/// The ASCII letter a case-insensitive class stands for: `[Kk\u{212A}]` is `k`.
fn letter(class: &Class) -> Option<char> {
    let Class::Unicode(class) = class else { return None };
    let mut ascii: Vec<char> = Vec::new();
    for range in class.ranges() {
        for c in range.start()..=range.end() {
            match c {
                'a'..='z' | 'A'..='Z' if ascii.len() < 2 => ascii.push(c),
                '\u{212A}' | '\u{17F}' => {}
                _ => return None,
            }
        }
    }
    match ascii[..] {
        [a, b] if a.eq_ignore_ascii_case(&b) => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

/// The longest run of ASCII letters and digits in `s`.
fn fragment(s: &str) -> &str {
    s.split(|c: char| !c.is_ascii_alphanumeric()).max_by_key(|run| run.len()).unwrap_or("")
}

/// How selective a set is: the length of its weakest fragment (0: some string has none).
fn strength(set: &[String]) -> usize {
    set.iter().map(|s| fragment(s).len()).min().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frags(pattern: &str) -> Option<Vec<&'static str>> {
        fragments(pattern).map(|v| v.into_iter().map(|s| &*s.leak()).collect())
    }

    #[test]
    fn literals_groups_and_concatenations() {
        assert_eq!(frags(r"\bunclear\b"), Some(vec!["unclear"]));
        // The longest run of the literal: "anyone's" has "anyone".
        assert_eq!(frags(r"\banyone's guess\b"), Some(vec!["anyone"]));
        // The part whose weakest alternative is longest: "want|need" over "so that|so we can|in
        // order to", whose "can" is shorter; "i|we" is weaker still.
        assert_eq!(
            frags(r"\b(?:i|we) (?:want|need) to\b[^.?!;]{1,80}?\b(?:so that|so we can|in order to)\b"),
            Some(vec!["need", "want"])
        );
        assert_eq!(frags(r"\b(?:i|we) (?:want|try) to\b.*\b(?:so that|in order to)\b"), Some(vec!["order", "that"]));
        assert_eq!(frags(r"\bgr[ae]y area\b"), Some(vec!["area"]));
        assert_eq!(frags(r"(?:no|not a clue|zero) idea"), Some(vec!["idea"]));
        // A repeated group is needed once; an optional one not at all.
        assert_eq!(frags(r"(?:ab+c)+"), Some(vec!["a"]));
        assert_eq!(frags(r"(?:unclear)?x"), Some(vec!["x"]));
        assert_eq!(frags(r"(?:unclear)?"), None);
    }

    #[test]
    fn expressions_without_a_needed_word_are_not_gated() {
        assert_eq!(frags(r"[a-z]+ly\b"), Some(vec!["ly"]));
        assert_eq!(frags(r"\w+"), None);
        assert_eq!(frags(r"\.\.\."), None);
        // One branch without a word: nothing is needed.
        assert_eq!(frags(r"(?:unclear|\d+)"), None);
        assert_eq!(frags(r"(unclosed"), None);
    }

    #[test]
    fn case_folding_keeps_letters_and_the_kelvin_sign_is_a_k() {
        assert_eq!(frags(r"(?-i)Knows"), Some(vec!["knows"]));
        assert_eq!(frags(r"KNOWS"), Some(vec!["knows"]));
        assert_eq!(frags(r"[kx]nows"), Some(vec!["nows"]));
    }

    #[test]
    fn applies_to_text_where_no_character_folds_or_composes_into_an_ascii_letter() {
        assert!(applies_to("plain"));
        assert!(applies_to("Café “quoted” — £3 naïve Łódź"));
        assert!(!applies_to("\u{212A}nows"));
        assert!(!applies_to("\u{17F}ure"));
        assert!(!applies_to("unclear\u{301}"));
        assert!(!applies_to("数据"));
    }

    #[test]
    fn every_fragment_is_in_a_normalized_word_of_a_text_the_expression_matches() {
        let analyzer = crate::analyze::Analyzer::new(crate::analyze::Language::English);
        for (pattern, text) in [
            (r"\bunclear\b", "It's UNCLEAR's fault."),
            (r"\b(?:i|we) want to\b[^.]{1,80}?\b(?:so that|so we can)\b", "We want to ship, so we can sleep."),
            (r"\bgr[ae]y area\b", "a GREY Area-ish, really"),
            (r"\b(?:i'm|i am) not sure\b", "I'm not sure"),
            (r"\bunclear\b", "C’est unclear — naïve"),
        ] {
            assert!(regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap().is_match(text), "{text}");
            assert!(applies_to(text), "{text}");
            let analysis = analyzer.analyze(text);
            let words: Vec<&str> = analysis.words().map(|(_, t)| analysis.norm(t)).collect();
            let frags = fragments(pattern).unwrap();
            assert!(frags.iter().any(|f| words.iter().any(|w| w.contains(f.as_str()))), "{pattern} {words:?}");
        }
    }
}
