//! Lexicon files → codes: TOML with line numbers, and the term syntax.
//!
//! Term syntax (one string per term; `lexicons/README.md` documents it for authors):
//! `word` (matched by stem), `prefix*`, `=exact` (normalized form, not stemmed),
//! `several words` (a phrase, in order), `word ~N word` (up to N words between),
//! `/regex/` (over the passage text, case-insensitive). A file's `[lists]` names lists of terms;
//! `@name` in a code's `terms` or `not` stands for one, so a list several codes share is written once.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::{Code, LexiconError, Origin, Term};
use crate::analyze::{Analyzer, TokenKind, APOSTROPHES};
use crate::error::Location;
use crate::model::{CodeId, Family};

/// One element of a phrase: how a single word is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// The word's stem equals this.
    Stem(String),
    /// The word's normalized form starts with this.
    Prefix(String),
    /// The word's normalized form equals this.
    Exact(String),
}

/// What a term matches.
#[derive(Debug, Clone)]
pub enum TermKind {
    /// Words in order; `gaps[i]` is how many words may stand between element `i` and `i + 1`.
    Phrase {
        /// The words.
        elements: Vec<Element>,
        /// Allowed gaps, one fewer than elements.
        gaps: Vec<u8>,
    },
    /// A regular expression over the passage text (case-insensitive).
    Regex(regex::Regex),
}

/// Largest gap a `~N` may allow.
pub const MAX_GAP: u8 = 9;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    family: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    lists: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    codes: Vec<RawCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    id: Spanned<String>,
    label: Option<String>,
    says: Option<Spanned<String>>,
    description: Option<String>,
    parent: Option<Spanned<String>>,
    weight: Option<Spanned<f64>>,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    not: Vec<Spanned<String>>,
    #[serde(default)]
    disabled: bool,
}

/// A parsed code, or an order to disable one.
pub(super) struct Entry {
    pub(super) code: Code,
    pub(super) disabled: bool,
}

/// Line numbers of byte offsets in one text: the newlines are found once, each lookup is a
/// binary search (a lexicon of 100,000 terms asks 100,000 times).
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Lines {
        Lines(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect())
    }

    /// The 1-based line holding `byte`.
    fn line(&self, byte: usize) -> usize {
        self.0.partition_point(|&nl| nl < byte) + 1
    }
}

/// Parses one lexicon file.
pub(super) fn parse_file(analyzer: &Analyzer, origin: &Origin, text: &str) -> Result<Vec<Entry>, Vec<LexiconError>> {
    let path = origin.path();
    let lines = Lines::of(text);
    let at = |byte: usize| Location::new(&path, Some(lines.line(byte)));
    let err = |byte: usize, message: String| LexiconError { location: at(byte), message };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start));
        vec![LexiconError {
            location: Location::new(&path, line),
            message: format!("invalid TOML: {}", e.message().trim()),
        }]
    })?;
    let mut errors = Vec::new();
    let family = match &raw.family {
        Some(f) => match Family::parse(f.get_ref()) {
            Some(fam) => Some(fam),
            None => {
                errors.push(err(
                    f.span().start,
                    format!("unknown family {:?} (one of: {})", f.get_ref(), family_names()),
                ));
                None
            }
        },
        None if matches!(origin, Origin::Builtin(_)) => {
            errors.push(err(0, "a built-in lexicon file must name its family".into()));
            None
        }
        None => None,
    };
    let mut lists = HashMap::new();
    for (name, list) in &raw.lists {
        if list.get_ref().is_empty() {
            errors.push(err(list.span().start, format!("list {name:?} is empty")));
        }
        lists.insert(name.as_str(), compile_terms(analyzer, list.get_ref(), None, &at, &mut errors));
    }
    let mut entries = Vec::new();
    for rc in raw.codes {
        let id_at = rc.id.span().start;
        let Some(id) = CodeId::parse(rc.id.get_ref()).filter(|id| id.as_str().contains('.')) else {
            errors.push(err(
                id_at,
                format!(
                    "invalid code id {:?}: expected family.name in lowercase (families: {})",
                    rc.id.get_ref(),
                    family_names()
                ),
            ));
            continue;
        };
        if let Some(fam) = family {
            if id.family() != fam {
                errors.push(err(id_at, format!("code {id} is not in this file's family {fam}")));
                continue;
            }
        }
        let parent = match &rc.parent {
            Some(p) => match CodeId::parse(p.get_ref()) {
                Some(pid) => pid,
                None => {
                    errors.push(err(p.span().start, format!("invalid parent id {:?}", p.get_ref())));
                    continue;
                }
            },
            None => CodeId::parse(id.family().as_str()).unwrap_or_else(|| id.clone()),
        };
        let weight = match &rc.weight {
            Some(w) if !(w.get_ref().is_finite() && *w.get_ref() > 0.0) => {
                errors.push(err(w.span().start, "weight must be a positive number".into()));
                1.0
            }
            Some(w) => *w.get_ref(),
            None => 1.0,
        };
        let terms = compile_terms(analyzer, &rc.terms, Some(&lists), &at, &mut errors);
        let exclusions = compile_terms(analyzer, &rc.not, Some(&lists), &at, &mut errors);
        if terms.is_empty() && !rc.disabled && rc.terms.is_empty() {
            errors.push(err(id_at, format!("code {id} has no terms")));
        }
        let says = rc.says.as_ref().and_then(|s| {
            let text = s.get_ref().split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                errors.push(err(s.span().start, "says must be a verb phrase, not empty".into()));
            }
            (!text.is_empty()).then_some(text)
        });
        let code = Code {
            label: rc.label.unwrap_or_else(|| id.as_str().rsplit('.').next().unwrap_or_default().replace('_', " ")),
            says,
            description: rc.description.unwrap_or_default(),
            parent,
            weight,
            terms,
            exclusions,
            location: at(id_at),
            id,
        };
        entries.push(Entry { code, disabled: rc.disabled });
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// Compiles a code's (or a named list's) term strings; `@name` stands for the terms of the named
/// list in `lists` (`None` inside a list: lists do not nest).
fn compile_terms(
    analyzer: &Analyzer,
    list: &[Spanned<String>],
    lists: Option<&HashMap<&str, Vec<Term>>>,
    at: &dyn Fn(usize) -> Location,
    errors: &mut Vec<LexiconError>,
) -> Vec<Term> {
    let mut out = Vec::new();
    for t in list {
        let (source, location) = (t.get_ref(), at(t.span().start));
        let message = if let Some(name) = source.trim().strip_prefix('@') {
            match lists.map(|lists| lists.get(name)) {
                Some(Some(terms)) => {
                    out.extend(terms.iter().cloned());
                    continue;
                }
                Some(None) => format!("term {source:?}: no list named {name:?} in this file's [lists]"),
                None => format!("term {source:?}: a list cannot refer to another list"),
            }
        } else {
            match parse_term(analyzer, source) {
                Ok(kind) => {
                    out.push(Term { source: source.clone(), kind, location });
                    continue;
                }
                Err(message) => format!("term {source:?}: {message}"),
            }
        };
        errors.push(LexiconError { location, message });
    }
    out
}

fn family_names() -> String {
    Family::EVERY.map(|f| f.as_str()).join(", ")
}

/// Parses one term string.
pub fn parse_term(analyzer: &Analyzer, source: &str) -> Result<TermKind, String> {
    let s = source.trim();
    if s.is_empty() {
        return Err("empty term".into());
    }
    if let Some(body) = s.strip_prefix('/') {
        let Some(pattern) = body.strip_suffix('/') else {
            return Err("a regular expression must end with '/'".into());
        };
        if pattern.is_empty() {
            return Err("empty regular expression".into());
        }
        return regex::RegexBuilder::new(&any_apostrophe(pattern))
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map(TermKind::Regex)
            .map_err(|e| format!("invalid regular expression: {}", e.to_string().lines().last().unwrap_or("")));
    }
    let mut elements = Vec::new();
    let mut gaps = Vec::new();
    let mut pending_gap: Option<u8> = None;
    for part in s.split_whitespace() {
        if let Some(n) = part.strip_prefix('~') {
            let gap = n
                .parse::<u8>()
                .ok()
                .filter(|g| (1..=MAX_GAP).contains(g))
                .ok_or_else(|| format!("'~{n}': a gap is ~1 to ~{MAX_GAP}"))?;
            if elements.is_empty() || pending_gap.is_some() {
                return Err("a gap ~N must stand between two words".into());
            }
            pending_gap = Some(gap);
            continue;
        }
        let mut part_elements = parse_element(analyzer, part)?;
        if !elements.is_empty() {
            gaps.push(pending_gap.take().unwrap_or(0));
        }
        gaps.extend(std::iter::repeat_n(0, part_elements.len() - 1));
        elements.append(&mut part_elements);
    }
    if pending_gap.is_some() {
        return Err("a gap ~N must stand between two words".into());
    }
    Ok(TermKind::Phrase { elements, gaps })
}

/// `pattern` with each plain apostrophe also matching the characters the analyzer folds to one, so
/// that an expression matches "don’t" as a word term does.
fn any_apostrophe(pattern: &str) -> String {
    let folded = APOSTROPHES.concat();
    let mut out = String::with_capacity(pattern.len());
    // Inside a character class (nested ones count); a `]` just after `[` or `[^` is literal.
    let (mut depth, mut opened, mut escaped) = (0usize, false, false);
    for c in pattern.chars() {
        let was_opened = std::mem::take(&mut opened);
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => (depth, opened) = (depth + 1, true),
            '^' if was_opened => opened = true,
            ']' if depth > 0 && !was_opened => depth -= 1,
            '\'' if depth > 0 => out.push_str(&folded),
            '\'' => {
                out.push_str(&format!("['{folded}]"));
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// One whitespace-free part of a term: `word`, `prefix*`, `=exact`. A part the analyzer splits
/// (`kilowatt-hour`) becomes several elements.
fn parse_element(analyzer: &Analyzer, part: &str) -> Result<Vec<Element>, String> {
    let (body, exact, prefix) = match (part.strip_prefix('='), part.strip_suffix('*')) {
        (Some(b), _) => (b, true, false),
        (None, Some(b)) => (b, false, true),
        (None, None) => (part, false, false),
    };
    if body.contains('*') {
        return Err(format!("'{part}': '*' may only end a word"));
    }
    if body.starts_with('~') || body.starts_with('=') {
        return Err(format!("'{part}': unknown term syntax"));
    }
    let analysis = analyzer.analyze(body);
    let words: Vec<_> = analysis.tokens.iter().filter(|t| t.kind != TokenKind::Punct).collect();
    if words.is_empty() {
        return Err(format!("'{part}' has no letters or digits to match"));
    }
    if prefix && (words.len() > 1 || analysis.norm(words[0]).chars().count() < 3) {
        return Err(format!("'{part}': a prefix needs at least three letters and no punctuation"));
    }
    let last = words.len() - 1;
    Ok(words
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if exact || t.kind == TokenKind::Number {
                Element::Exact(analysis.norm(t).to_string())
            } else if prefix && i == last {
                Element::Prefix(analysis.norm(t).to_string())
            } else {
                Element::Stem(analysis.stem(t).to_string())
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Language;

    fn term(s: &str) -> Result<String, String> {
        let a = Analyzer::new(Language::English);
        parse_term(&a, s).map(|k| match k {
            TermKind::Regex(r) => format!("regex {}", r.as_str()),
            TermKind::Phrase { elements, gaps } => {
                let mut out = String::new();
                for (i, e) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&format!(" ~{} ", gaps[i - 1]));
                    }
                    out.push_str(&format!("{e:?}"));
                }
                out
            }
        })
    }

    #[test]
    fn an_apostrophe_in_an_expression_matches_the_curly_ones_too() {
        let a = Analyzer::new(Language::English);
        let matches = |pattern: &str, text: &str| match parse_term(&a, pattern) {
            Ok(TermKind::Regex(r)) => r.find(text).map(|m| m.as_str().to_string()),
            _ => panic!("{pattern} is no expression"),
        };
        let said = |pattern: &str, text: &str| matches(pattern, text).is_some();
        assert!(said("/i don't know why/", "I don’t know why"));
        assert!(said("/i don't know why/", "I don't know why"));
        assert!(said("/we(?:'re| are) not sure/", "We\u{2018}re not sure"));
        assert!(!said("/i don't know/", "I dont know"));
        // In a class, beside other characters; a `]` first in a class is one of them.
        assert_eq!(matches("/[a-z']+/", "don’t").as_deref(), Some("don’t"));
        assert_eq!(matches("/[^a-z']+/", "don’t").as_deref(), None);
        assert_eq!(matches("/x[]']y/", "x]y x’y").as_deref(), Some("x]y"));
        assert!(said("/x[]']y/", "x’y"));
        assert!(said(r"/\['/", "[’"));
    }

    #[test]
    fn term_kinds() {
        assert_eq!(term("Worried").as_deref(), Ok("Stem(\"worri\")"));
        assert_eq!(term("outage*").as_deref(), Ok("Prefix(\"outage\")"));
        assert_eq!(term("=IT").as_deref(), Ok("Exact(\"it\")"));
        assert_eq!(
            term("single point ~2 failure").as_deref(),
            Ok("Stem(\"singl\") ~0 Stem(\"point\") ~2 Stem(\"failur\")")
        );
        assert_eq!(term("kilowatt-hour").as_deref(), Ok("Stem(\"kilowatt\") ~0 Stem(\"hour\")"));
        assert_eq!(term("/keeps? me up/").as_deref(), Ok("regex keeps? me up"));
    }

    #[test]
    fn bad_terms_say_why() {
        for (bad, why) in [
            ("", "empty"),
            ("*ware", "may only end"),
            ("ab*", "three letters"),
            ("~2 word", "between two words"),
            ("word ~2", "between two words"),
            ("a ~x b", "gap is ~1"),
            ("a ~12 b", "gap is ~1"),
            ("/unclosed", "must end with"),
            ("/(a/", "invalid regular expression"),
            ("--", "no letters"),
        ] {
            let e = term(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let a = Analyzer::new(Language::English);
        let text = "family = \"risk\"\n\n[[codes]]\nid = \"risk.x\"\nterms = [\n  \"ok\",\n  \"*bad\",\n]\n";
        let errs = parse_file(&a, &Origin::File("x.toml".into()), text).err().unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].location.line, Some(7));
        let errs = parse_file(&a, &Origin::File("x.toml".into()), "family = \"risk\"\n[[codes]]\nid = \n")
            .err()
            .unwrap_or_default();
        assert_eq!(errs[0].location.line, Some(3));
        assert!(errs[0].message.starts_with("invalid TOML"));
    }

    #[test]
    fn a_named_list_stands_where_it_is_referred_to() {
        let a = Analyzer::new(Language::English);
        let text = "family = \"job\"\n[lists]\nchat = [\n  \"i want to say\",\n  \"i want to add\",\n]\n\n\
            [[codes]]\nid = \"job.a\"\nterms = [\"i want to\"]\nnot = [\"@chat\", \"trying to recall\"]\n\n\
            [[codes]]\nid = \"job.b\"\nterms = [\"goal\", \"@chat\"]\n";
        let entries = parse_file(&a, &Origin::File("x.toml".into()), text).unwrap_or_else(|e| panic!("{e:?}"));
        let sources = |terms: &[Term]| terms.iter().map(|t| (t.source.clone(), t.location.line)).collect::<Vec<_>>();
        let chat = [("i want to say".to_string(), Some(4)), ("i want to add".to_string(), Some(5))];
        let mut not_a = chat.to_vec();
        not_a.push(("trying to recall".into(), Some(11)));
        assert_eq!(sources(&entries[0].code.exclusions), not_a);
        let mut terms_b = vec![("goal".to_string(), Some(15))];
        terms_b.extend(chat);
        assert_eq!(sources(&entries[1].code.terms), terms_b);
    }

    #[test]
    fn named_list_errors_name_the_line() {
        let a = Analyzer::new(Language::English);
        let text = "family = \"job\"\n[lists]\nbad = [\"*x\"]\nnested = [\"@bad\"]\nempty = []\n\n\
            [[codes]]\nid = \"job.a\"\nterms = [\"goal\"]\nnot = [\"@bad\", \"@nowhere\"]\n\n\
            [[codes]]\nid = \"job.b\"\nterms = [\"aim\"]\nnot = [\"@bad\"]\n";
        let errs = parse_file(&a, &Origin::File("x.toml".into()), text).err().unwrap_or_default();
        let mut found: Vec<_> = errs.iter().map(|e| (e.location.line.unwrap_or(0), e.message.as_str())).collect();
        found.sort();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].0 == 3 && found[0].1.contains("may only end"), "{found:?}");
        assert!(found[1].0 == 4 && found[1].1.contains("cannot refer to another list"), "{found:?}");
        assert!(found[2].0 == 5 && found[2].1.contains("is empty"), "{found:?}");
        assert!(found[3].0 == 10 && found[3].1.contains("no list named \"nowhere\""), "{found:?}");
    }
}
