//! What words a lexicon's regular expression needs: clauses of word fragments, every clause
//! with a fragment inside a word of any text the expression matches, so passages without them
//! skip it.
//!
//! Read from the expression's syntax tree: every literal run (`when`, `so that`) is in every
//! match, and so is one branch of each group the match goes through; a concatenation needs all
//! that its parts need. A fragment is a run of ASCII letters and digits of such a literal,
//! lowercased, with whether the expression puts a word boundary before or after it (`\bta\b`,
//! or a space, as in `the day`).
//!
//! Sound for text that [`applies_to`] accepts, analyzed by pith's analyzer: a run of ASCII letters
//! and digits never spans two tokens, and in such text no character case-folds to an ASCII
//! letter but ASCII letters themselves (the Kelvin sign and long s do) and none composes with an
//! ASCII letter under NFKC (combining marks do), so a fragment of a match is inside the
//! normalized (NFKC, lowercased) form of the word that holds it. In ASCII text a normalized word
//! is its text lowercased, so the characters around the fragment are there too: a boundary the
//! expression asks for is at an end of the word or beside a character that is no letter or digit.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A run of ASCII letters and digits (lowercased) that a match has inside one word, and whether
/// the word has a boundary just before or after it there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fragment {
    pub text: Box<str>,
    pub starts_word: bool,
    pub ends_word: bool,
}

/// One of these fragments is in every match.
pub type Clause = Vec<Fragment>;

/// Most clauses kept for one expression, the most selective first.
const MAX_CLAUSES: usize = 4;

/// The shortest fragment worth a clause: one letter is inside most words.
const MIN_FRAGMENT: usize = 2;

/// Clauses every match of `pattern` (case-insensitively) satisfies in text [`applies_to`]
/// accepts, the most selective first; empty when the expression needs no particular word.
pub fn clauses(pattern: &str) -> Vec<Clause> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(pattern) else {
        return Vec::new();
    };
    let mut all: Vec<Clause> = needs(&hir, false, false)
        .into_iter()
        .filter(|c| strength(c) >= MIN_FRAGMENT)
        .map(|mut c| {
            c.sort();
            c.dedup();
            c
        })
        .collect();
    all.sort_by_key(|c| std::cmp::Reverse(score(c)));
    all.dedup();
    all.truncate(MAX_CLAUSES);
    all
}

/// Whether gating is sound for `text`: ASCII, Latin-1, Latin Extended-A but the long s, and
/// general punctuation and currency signs (no combining marks, no compatibility letters).
pub fn applies_to(text: &str) -> bool {
    text.is_ascii() || text.chars().all(|c| c < '\u{17F}' || ('\u{2000}'..='\u{20CF}').contains(&c))
}

impl Fragment {
    /// Whether the occurrence of the fragment at `at` in the normalized `word` has the
    /// boundaries the expression asks for (only sound for words of ASCII text).
    pub fn bounded_at(&self, word: &str, at: usize) -> bool {
        let bytes = word.as_bytes();
        let end = at + self.text.len();
        let apart = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_none_or(|b| !b.is_ascii_alphanumeric());
        (!self.starts_word || apart(at.checked_sub(1))) && (!self.ends_word || apart(Some(end)))
    }
}

/// Clauses all of which every match of `hir` satisfies. `before` and `after`: whether every
/// match of `hir` has a word boundary just before and just after it.
fn needs(hir: &Hir, before: bool, after: bool) -> Vec<Clause> {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => match text(hir) {
            Some(s) => literal(&s, &[], before, after),
            None => Vec::new(),
        },
        HirKind::Capture(c) => needs(&c.sub, before, after),
        HirKind::Repetition(r) if r.min >= 1 => {
            // Only a part repeated once is sure to meet both ends.
            let once = r.max == Some(1);
            needs(&r.sub, before && once, after && once)
        }
        HirKind::Alternation(branches) => {
            let mut any = Clause::new();
            for b in branches {
                match needs(b, before, after).into_iter().max_by_key(score) {
                    Some(best) => any.extend(best),
                    None => return Vec::new(),
                }
            }
            vec![any]
        }
        HirKind::Concat(parts) => {
            let mut all = Vec::new();
            // The literal run being read, with the positions in it where a boundary is asserted.
            let mut run = String::new();
            let mut marks: Vec<usize> = Vec::new();
            let mut run_before = before;
            for (i, part) in parts.iter().enumerate() {
                if let Some(s) = text(part) {
                    run.push_str(&s);
                    continue;
                }
                match part.kind() {
                    HirKind::Look(look) if is_boundary(*look) => marks.push(run.len()),
                    HirKind::Look(_) | HirKind::Empty => {}
                    _ => {
                        let part_before = (run.is_empty() && run_before)
                            || marks.contains(&run.len())
                            || run.chars().next_back().is_some_and(is_apart);
                        let part_after = match parts.get(i + 1) {
                            None => after,
                            Some(next) => match (next.kind(), text(next)) {
                                (HirKind::Look(look), _) => is_boundary(*look),
                                (_, Some(s)) => s.chars().next().is_some_and(is_apart),
                                _ => false,
                            },
                        };
                        // The run's end and the next run's start: only where a boundary is marked.
                        all.extend(literal(&run, &marks, run_before, false));
                        all.extend(needs(part, part_before, part_after));
                        run.clear();
                        marks.clear();
                        run_before = false;
                    }
                }
            }
            all.extend(literal(&run, &marks, run_before, after));
            all
        }
        _ => Vec::new(),
    }
}

/// A clause for each run of ASCII letters and digits in the literal `s`, with a boundary
/// asserted at `marks`, before `s` when `before` and after it when `after`.
fn literal(s: &str, marks: &[usize], before: bool, after: bool) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut at = 0;
    for run in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let end = at + run.len();
        if !run.is_empty() {
            let starts_word =
                if at == 0 { before } else { s[..at].chars().next_back().is_some_and(is_apart) } || marks.contains(&at);
            let ends_word = if end == s.len() { after } else { s[end..].chars().next().is_some_and(is_apart) }
                || marks.contains(&end);
            out.push(vec![Fragment { text: run.into(), starts_word, ends_word }]);
        }
        at = end + s[end..].chars().next().map_or(0, char::len_utf8);
    }
    out
}

/// A character that is not part of a word in ASCII text (`_` is: regular expressions count it).
fn is_apart(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric() && c != '_'
}

/// Looks that, beside a letter or digit of a match, put a character that is no part of a word
/// (or the end of the text) on its other side, or cannot hold there at all.
fn is_boundary(look: Look) -> bool {
    !matches!(look, Look::WordAsciiNegate | Look::WordUnicodeNegate)
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

/// How long a clause's shortest fragment is (0: a branch needs none).
fn strength(clause: &Clause) -> usize {
    clause.iter().map(|f| f.text.len()).min().unwrap_or(0)
}

/// How selective a clause is: its weakest fragment's length, a boundary counting half a letter.
fn score(clause: &Clause) -> usize {
    clause.iter().map(|f| 2 * f.text.len() + usize::from(f.starts_word) + usize::from(f.ends_word)).min().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each clause as `<fragment>|...` (`<`, `>`: a boundary the word must have there).
    fn show(pattern: &str) -> Vec<String> {
        let mark = |f: &Fragment| {
            format!("{}{}{}", if f.starts_word { "<" } else { "" }, f.text, if f.ends_word { ">" } else { "" })
        };
        clauses(pattern).iter().map(|c| c.iter().map(mark).collect::<Vec<_>>().join("|")).collect()
    }

    #[test]
    fn every_literal_run_and_one_branch_of_each_group_are_needed() {
        assert_eq!(show(r"\bunclear\b"), ["<unclear>"]);
        // Every run of a literal, the most selective first; a space is a boundary.
        assert_eq!(show(r"\bblind spot\b"), ["<blind>", "<spot>"]);
        assert_eq!(show(r"\banyone's guess\b"), ["<anyone>", "<guess>"]);
        // A group needs one of its branches: each branch's most selective clause.
        assert_eq!(show(r"\bthat's the (?:day|week) (?:we|i)\b"), ["<that>", "<the>", "<day>|<week>"]);
        // One-letter fragments are in most words: not worth a clause.
        assert_eq!(show(r"\b(?:i|we) do\b"), ["<do>"]);
        // A boundary only where the expression puts one: none after an optional letter, none
        // before a part that follows an optional group.
        assert_eq!(show(r"\bfalls? between\b"), ["<between>", "<fall"]);
        assert_eq!(show(r"\bwe (?:really )?want\b"), ["want>", "<we>"]);
        // Part of a repetition is needed once, but its copies may meet another word's edge.
        assert_eq!(show(r"x(?:ab+cd)+"), ["cd"]);
        assert_eq!(show(r"(?:unclear)?x"), Vec::<String>::new());
    }

    #[test]
    fn expressions_without_a_needed_word_are_not_gated() {
        assert_eq!(show(r"\w+"), Vec::<String>::new());
        assert_eq!(show(r"\.\.\."), Vec::<String>::new());
        // One branch without a word: the group needs nothing.
        assert_eq!(show(r"(?:unclear|\d+)"), Vec::<String>::new());
        assert_eq!(show(r"(unclosed"), Vec::<String>::new());
    }

    #[test]
    fn case_folding_keeps_letters_and_the_kelvin_sign_is_a_k() {
        assert_eq!(show(r"(?-i)Knows"), ["knows"]);
        assert_eq!(show(r"\bKNOWS\b"), ["<knows>"]);
        assert_eq!(show(r"[kx]nows"), ["nows"]);
    }

    #[test]
    fn an_underscore_or_a_letter_beside_a_fragment_is_no_boundary() {
        assert_eq!(show(r"\bso_that\b"), ["that>", "<so"]);
        assert_eq!(show(r"\bcafé\b"), ["<caf"]);
    }

    #[test]
    fn a_boundary_is_an_end_of_the_word_or_a_character_that_is_no_letter_or_digit() {
        let f = |starts_word, ends_word| Fragment { text: "ta".into(), starts_word, ends_word };
        assert!(f(true, true).bounded_at("ta", 0));
        assert!(f(true, true).bounded_at("ta's", 0));
        assert!(!f(true, true).bounded_at("data", 2));
        assert!(f(false, true).bounded_at("data", 2));
        assert!(!f(true, false).bounded_at("data", 2));
        assert!(!f(false, true).bounded_at("tax", 0));
        assert!(f(false, false).bounded_at("stay", 1));
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
    fn every_clause_is_met_by_a_normalized_word_of_a_text_the_expression_matches() {
        let analyzer = crate::analyze::Analyzer::new(crate::analyze::Language::English);
        for (pattern, text) in [
            (r"\bunclear\b", "It's UNCLEAR's fault."),
            (r"\b(?:i|we) want to\b[^.]{1,80}?\b(?:so that|so we can)\b", "We want to ship, so we can sleep."),
            (r"\bgr[ae]y area\b", "a GREY Area-ish, really"),
            (r"\b(?:i'm|i am) not sure\b", "I'm not sure"),
            (r"\bunclear\b", "C’est unclear — naïve"),
            (r"\bthe (?:ta|pm)\b", "I was THE TA's pick"),
        ] {
            assert!(regex::RegexBuilder::new(pattern).case_insensitive(true).build().unwrap().is_match(text), "{text}");
            assert!(applies_to(text), "{text}");
            let analysis = analyzer.analyze(text);
            let words: Vec<&str> = analysis.words().map(|(_, t)| analysis.norm(t)).collect();
            let clauses = clauses(pattern);
            assert!(!clauses.is_empty(), "{pattern}");
            for clause in clauses {
                let met = |whole: bool| {
                    clause.iter().any(|f| {
                        words.iter().any(|w| w.match_indices(&*f.text).any(|(at, _)| !whole || f.bounded_at(w, at)))
                    })
                };
                assert!(met(false), "{pattern} {clause:?} {words:?}");
                assert!(!text.is_ascii() || met(true), "{pattern} {clause:?} {words:?}");
            }
        }
    }
}
