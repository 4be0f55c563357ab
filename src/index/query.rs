//! How a query as typed becomes a tantivy query: takes the text, the study's names and
//! (optionally) its lexicon, gives a [`Plan`] saying which mode ran and what was added.
//!
//! - **Exact**: tantivy's query language (`AND`, `OR`, `-word`, `"phrase"`, `field:value`, `*`),
//!   every word required. Chosen when the text uses that syntax on purpose and parses, or with
//!   [`QueryMode::Exact`].
//! - **Any word**: everything else (questions, loose phrases, text that does not parse). Every
//!   content word may match and BM25 ranks passages with more and rarer query words higher;
//!   stopwords and the words that frame a question ("what did they say about") are left out
//!   when other words remain; two content words next to each other also count as a phrase;
//!   words naming a code or family add that code's lexicon terms ([`Expander`]).

use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::schema::Fields;
use super::write::code_facet;
use crate::analyze::clean;
use crate::analyze::{Analysis, Analyzer, Language};
use crate::lexicon::{Element, Lexicon, TermKind};
use crate::model::{CodeId, Family};

/// Which parser a request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueryMode {
    /// Exact syntax when the query uses it on purpose and parses, any word otherwise.
    #[default]
    Auto,
    /// Always the exact syntax; a query that does not parse is an error.
    Exact,
    /// Always any word, whatever syntax the text has.
    AnyWord,
}

/// The mode a search ran in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Ranked any-word text.
    AnyWord,
    /// The exact query syntax.
    Exact,
}

impl Mode {
    /// `any-word` or `exact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AnyWord => "any-word",
            Mode::Exact => "exact",
        }
    }
}

/// What a query word expanded to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expansion {
    /// The query word as typed.
    pub word: String,
    /// The code or family it names.
    pub code: String,
    /// The lexicon terms added; a family adds no terms, only the passages coded with it.
    pub terms: Vec<String>,
}

/// How a query was run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    /// The mode that ran.
    pub mode: Mode,
    /// Why text that looked like syntax was searched as words (its parse error).
    pub not_syntax: Option<String>,
    /// The query's words that were searched (any-word mode).
    pub words: Vec<String>,
    /// Speakers, participants and personas named in the query, whose passages were boosted.
    pub names: Vec<String>,
    /// Words expanded with a code's terms.
    pub expanded: Vec<Expansion>,
}

/// Field names of the exact syntax (`field:value`).
pub(super) const FIELDS: [&str; 8] =
    ["persona", "participant", "speaker", "role", "interview", "attr", "code", "negated"];

/// Whether `query` uses the exact syntax on purpose: an operator, a `-`/`+` before a word, a
/// closed `"phrase"`, `field:value` with a known field, or `*` alone.
pub(super) fn deliberate(query: &str) -> bool {
    let query = query.trim();
    if query == "*" {
        return true;
    }
    let quotes = query.matches('"').count();
    if quotes >= 2 && quotes.is_multiple_of(2) {
        return true;
    }
    query.split_whitespace().any(|w| {
        let w = w.trim_start_matches('(');
        matches!(w, "AND" | "OR" | "NOT" | "&&" | "||")
            || (w.len() > 1
                && (w.starts_with('-') || w.starts_with('+'))
                && w[1..].starts_with(|c: char| c.is_alphanumeric() || c == '"' || c == '('))
            || w.split_once(':').is_some_and(|(field, value)| {
                !value.is_empty() && FIELDS.iter().any(|f| f.eq_ignore_ascii_case(field) && *f == field)
            })
    })
}

/// Lowercased words a question leaves out when it has others: English stopwords, and the words
/// that frame a question about what people said.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "let's",
    "me",
    "more",
    "most",
    "mustn't",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "shan't",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "with",
    "won't",
    "would",
    "wouldn't",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
    // Words that frame a question about an interview rather than say what it is about.
    "say",
    "said",
    "says",
    "saying",
    "think",
    "thought",
    "thinks",
    "discuss",
    "discussed",
    "discussing",
    "discussion",
    "discussions",
    "talk",
    "talked",
    "talking",
    "mention",
    "mentioned",
    "summarize",
    "summarise",
    "summary",
    "tell",
    "told",
    "feel",
    "felt",
    "opinion",
    "opinions",
    "view",
    "views",
];

/// A query word: where it is in the query, its stem, and whether it is a stopword.
struct Word {
    /// Its bytes in the query.
    bytes: Range<usize>,
    /// Its place among the query's words.
    position: usize,
    stem: String,
    stop: bool,
}

fn words_of(analysis: &Analysis, query: &str, language: Language) -> Vec<Word> {
    let mut out = Vec::new();
    clean::each_word(analysis, &mut String::new(), |w| {
        let lower = query[w.bytes.clone()].to_lowercase().replace('\u{2019}', "'");
        let stop = language == Language::English && STOPWORDS.contains(&lower.as_str());
        out.push(Word { bytes: w.bytes, position: out.len(), stem: w.stem.to_string(), stop });
    });
    out
}

/// A code or family a word names, and what it adds to a query.
#[derive(Debug, Clone)]
struct Named {
    /// The code or family id.
    id: String,
    /// Its lexicon terms as written (none for a family).
    written: Vec<String>,
    /// Each of those terms' stems.
    stems: Vec<Vec<String>>,
}

/// Codes and families a query word can name, and the terms each adds.
#[derive(Debug, Clone, Default)]
pub struct Expander {
    /// Stem of the naming word → the codes and families it names.
    by_stem: BTreeMap<String, Vec<Named>>,
    /// Every code id of the lexicon, and the families.
    known: Vec<String>,
}

impl Expander {
    /// The codes of `lexicon`: a code is named by the last part of its id (`downtime` for
    /// `risk.downtime`, when one word) and adds its terms that are words or phrases of words
    /// (no prefixes, gaps or expressions); a family is named by its name and adds its passages.
    /// Only the canvas families and their codes expand a query.
    pub fn new(lexicon: &Lexicon, analyzer: &Analyzer) -> Expander {
        let mut by_stem: BTreeMap<String, Vec<Named>> = BTreeMap::new();
        let mut known = Vec::new();
        for family in Family::EVERY {
            let name = family.as_str();
            known.push(name.to_string());
            if !family.is_canvas() {
                continue;
            }
            by_stem.entry(analyzer.stem_word(name)).or_default().push(Named {
                id: name.to_string(),
                written: Vec::new(),
                stems: Vec::new(),
            });
        }
        for code in lexicon.codes() {
            known.push(code.id.as_str().to_string());
            let Some(last) = code.id.as_str().rsplit('.').next() else { continue };
            // Journey stages, roles and relations are named by everyday words ("use", "support").
            if last.contains(['_', '-']) || last == code.family().as_str() || !code.family().is_canvas() {
                continue;
            }
            let (mut written, mut stems) = (Vec::new(), Vec::new());
            for term in &code.terms {
                let TermKind::Phrase { elements, gaps } = &term.kind else { continue };
                if gaps.iter().any(|&g| g > 0) {
                    continue;
                }
                let words: Option<Vec<String>> = elements
                    .iter()
                    .map(|e| match e {
                        Element::Stem(s) | Element::Exact(s) => Some(s.clone()),
                        Element::Prefix(_) => None,
                    })
                    .collect();
                if let Some(words) = words {
                    written.push(term.source.clone());
                    stems.push(words);
                }
            }
            by_stem.entry(analyzer.stem_word(last)).or_default().push(Named {
                id: code.id.as_str().to_string(),
                written,
                stems,
            });
        }
        known.sort();
        known.dedup();
        Expander { by_stem, known }
    }

    /// Every code and family id.
    pub fn known(&self) -> &[String] {
        &self.known
    }
}

/// The any-word query for `query`: clauses on the text field, and the plan's words and expansions.
pub(super) struct AnyWord {
    pub query: Option<Box<dyn Query>>,
    pub words: Vec<String>,
    pub expanded: Vec<Expansion>,
}

/// Weight of a phrase of two adjacent query words, beside each word's own.
const PHRASE_WEIGHT: f32 = 1.0;
/// Weight of a term a code word expands to, beside the query's own words.
const EXPANSION_WEIGHT: f32 = 0.3;

pub(super) fn any_word(fields: &Fields, analyzer: &Analyzer, query: &str, expander: Option<&Expander>) -> AnyWord {
    let analysis = analyzer.analyze(query);
    let all = words_of(&analysis, query, analyzer.language());
    let mut content: Vec<&Word> = all.iter().filter(|w| !w.stop).collect();
    if content.is_empty() {
        content = all.iter().collect();
    }
    let text = |stem: &str| Term::from_field_text(fields.text, stem);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for w in &content {
        if seen.insert(w.stem.as_str()) {
            clauses.push((Occur::Should, Box::new(TermQuery::new(text(&w.stem), IndexRecordOption::WithFreqs))));
        }
    }
    for pair in content.windows(2) {
        let gap = pair[1].position - pair[0].position;
        if gap <= 3 && pair[0].stem != pair[1].stem {
            let phrase =
                PhraseQuery::new_with_offset_and_slop(vec![(0, text(&pair[0].stem)), (gap, text(&pair[1].stem))], 1);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(phrase), PHRASE_WEIGHT))));
        }
    }
    let mut expanded = Vec::new();
    if let Some(expander) = expander {
        let mut named = std::collections::BTreeSet::new();
        for w in &content {
            for Named { id: code, written, stems } in expander.by_stem.get(&w.stem).into_iter().flatten() {
                if !named.insert(code.as_str()) {
                    continue;
                }
                let Some(id) = CodeId::parse(code) else { continue };
                let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for words in stems.iter().filter(|s| !(s.len() == 1 && s[0] == w.stem)) {
                    let q: Box<dyn Query> = match words.as_slice() {
                        [one] => Box::new(TermQuery::new(text(one), IndexRecordOption::WithFreqs)),
                        many => Box::new(PhraseQuery::new(many.iter().map(|s| text(s)).collect())),
                    };
                    terms.push((Occur::Should, q));
                }
                let facet = Term::from_facet(fields.code, &code_facet(&id));
                terms.push((Occur::Should, Box::new(TermQuery::new(facet, IndexRecordOption::Basic))));
                let added = Box::new(BooleanQuery::new(terms));
                clauses.push((Occur::Should, Box::new(BoostQuery::new(added, EXPANSION_WEIGHT))));
                expanded.push(Expansion {
                    word: query[w.bytes.clone()].to_string(),
                    code: code.clone(),
                    terms: written.clone(),
                });
            }
        }
    }
    let words = content.iter().map(|w| query[w.bytes.clone()].to_string()).collect();
    let query: Option<Box<dyn Query>> =
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>);
    AnyWord { query, words, expanded }
}

/// Where the names of `names` occur in `query` as whole words (case-insensitively; a name of
/// one or two characters, such as a speaker `A`, only as written): each name found and the
/// query's bytes it covers.
pub(super) fn names_in(query: &str, names: &[String]) -> Vec<(String, Range<usize>)> {
    let words = name_words(query);
    let mut found = Vec::new();
    for name in names {
        let parts: Vec<&str> = name_words(name).into_iter().map(|(_, w)| w).collect();
        if parts.is_empty() || words.len() < parts.len() {
            continue;
        }
        let short = name.chars().count() <= 2;
        let same = |w: &str, p: &str| if short { w == p } else { w.to_lowercase() == p.to_lowercase() };
        if let Some(start) =
            (0..=words.len() - parts.len()).find(|&s| parts.iter().enumerate().all(|(k, p)| same(words[s + k].1, p)))
        {
            let (last_at, last) = words[start + parts.len() - 1];
            found.push((name.clone(), words[start].0..last_at + last.len()));
        }
    }
    found
}

/// The words of a name or query for matching names: runs of letters, digits, `-` and inner
/// `.`, with their byte offsets (an apostrophe ends a word: "Professor's" holds "Professor").
fn name_words(text: &str) -> Vec<(usize, &str)> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .map(|w| w.trim_start_matches('.'))
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w.trim_end_matches('.')))
        .filter(|(_, w)| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_on_purpose() {
        for q in
            ["a AND b", "a OR b", "-noise downtime", "\"not worried\"", "persona:Frank", "*", "(a OR b)", "+must x"]
        {
            assert!(deliberate(q), "{q}");
        }
        for q in [
            "What did they say about the remote control's battery?",
            "don't",
            "and/or costs",
            "Design: the case",
            "a \"half quote",
            "well - maybe",
            "e-mail",
            "Persona:frank",
            "(inaudible) moment",
        ] {
            assert!(!deliberate(q), "{q}");
        }
    }

    #[test]
    fn names_match_whole_words() {
        let names: Vec<String> = ["Grad D", "A", "Professor", "Facilities Frank"].map(String::from).to_vec();
        let found = |q: &str| names_in(q, &names).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(found("What did Grad D say about the Professor's idea?"), ["Grad D", "Professor"]);
        assert_eq!(found("what did grad d think"), ["Grad D"]);
        assert_eq!(found("What did A think about a plan"), ["A"]);
        assert!(found("a plan for graduates").is_empty());
        assert_eq!(found("what worries facilities frank"), ["Facilities Frank"]);
    }
}
