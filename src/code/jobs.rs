//! Job statements: "I want/need/have to X so (that) / in order to Y", "when X, I Y",
//! "the goal is X", "what I'm trying to do is X" → (situation, motivation, outcome) rows.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::words::{self, Class};
use crate::analyze::Analysis;
use crate::model::JobStatement;

// Part lengths are checked in code ([`MIN_PART`], [`MAX_PART`]): bounded repetitions of these
// classes would make automata that cost more to build and run than the passages they scan.
static WANT_SO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:i|we)(?:(?:['’]d| would)? (?:really )?(?:want|need|have|like|wanna|am trying|are trying|try|hope)|['’](?:m|re) (?:really )?trying) to ([^.;!?]+?),? (?:so that|so|in order to|because) ([^.;!?]+)",
    )
    .ok()
});
static WHEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)(?:when|whenever|every time) ([^.;!?,]+), (?:i|we) ([^.;!?]+)").ok());
static GOAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:the (?:goal|aim|objective|whole point) is(?: to)?|what (?:i['’]m|i am|we['’]re|we are) (?:really )?trying to do is(?: to)?) ([^.;!?]+)",
    )
    .ok()
});

/// The shortest part of a statement, in characters.
const MIN_PART: usize = 3;
/// The longest part of a statement, in characters; a final part is cut there.
const MAX_PART: usize = 160;
/// The longest situation ("when ..."), in characters.
const MAX_SITUATION: usize = 120;

/// A part of `max` characters at most (and [`MIN_PART`] at least).
fn fits(m: &regex::Match<'_>, max: usize) -> bool {
    let n = m.as_str().chars().count();
    (MIN_PART..=max).contains(&n)
}

/// The final part, cut to [`MAX_PART`] characters, as a range of `text`.
fn tail(m: &regex::Match<'_>) -> Option<Range<usize>> {
    let s = m.as_str();
    let len = s.char_indices().nth(MAX_PART).map_or(s.len(), |(i, _)| i);
    (s[..len].chars().count() >= MIN_PART).then_some(m.start()..m.start() + len)
}

/// Every match of `re` in `text` that `accept` turns into a statement; where `accept` refuses
/// a match, the search goes on from the next character, as a bounded pattern would.
fn statements(
    re: &Regex,
    text: &str,
    mut accept: impl FnMut(&regex::Captures<'_>) -> Option<JobStatement>,
    out: &mut Vec<JobStatement>,
) {
    let mut at = 0;
    while let Some(c) = re.captures_at(text, at) {
        let Some(all) = c.get(0) else { break };
        match accept(&c) {
            Some(statement) => {
                at = statement.bytes.end.max(all.start() + 1);
                out.push(statement);
            }
            None => at = all.start() + text[all.start()..].chars().next().map_or(1, char::len_utf8),
        }
        while at < text.len() && !text.is_char_boundary(at) {
            at += 1;
        }
        if at >= text.len() {
            break;
        }
    }
}

/// Which constructions a passage can hold, from its tokens: each needs words of its own in an
/// order of its own ("want to ... so", "when ..., I", "the goal is", "trying to do is"), a cheap
/// test that spares most passages the expressions. Every test is one the expression's literal
/// text makes true: a word it spells between spaces is a token of that normalized form (NFKC
/// folds the letters that match case-insensitively, the Kelvin sign and long s), and words it
/// puts one space apart are adjacent tokens.
#[derive(Debug, Clone, Copy, Default)]
struct Possible {
    /// "want", "need", ... or "trying", followed by "to".
    want_to: bool,
    /// "so", "order" or "because" after a `want_to`.
    so_after: bool,
    /// "when", "whenever" or "every".
    when: bool,
    /// "," followed by "i" or "we", after a `when`.
    comma_person_after_when: bool,
    /// "i", "we" or a contraction of either.
    person: bool,
    /// "goal", "aim", "objective" or "point".
    goal: bool,
    /// "trying".
    trying: bool,
}

impl Possible {
    fn of(text: &str, analysis: &Analysis, classes: &[Class]) -> Possible {
        let mut p = Possible::default();
        // The expressions put a word boundary, not a space, before "i", "we" and "when": a
        // character beside which the boundary holds can join them into a longer token. In
        // printable ASCII text only an apostrophe does ("x'when"); elsewhere they are presumed.
        let plain = text.bytes().all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c));
        if !plain {
            p.person = true;
            p.when = true;
        }
        let (mut after_want, mut after_comma) = (false, false);
        for (t, &class) in analysis.tokens.iter().zip(classes) {
            let (was_want, was_comma) = (after_want, after_comma);
            after_want = class & (words::WANT | words::TRYING) != 0;
            after_comma = class & words::COMMA != 0;
            p.trying |= class & words::TRYING != 0;
            p.want_to |= was_want && class & words::TO != 0;
            p.so_after |= p.want_to && class & words::SO != 0;
            p.when |= class & words::WHEN != 0;
            if class & words::PERSON != 0 {
                p.person = true;
                p.comma_person_after_when |= was_comma && p.when;
            }
            p.goal |= class & words::GOAL != 0;
            if class & words::APOSTROPHE != 0 {
                // From the token's start and from after each of its apostrophes (the whole token,
                // holding one, is none of these words).
                let n = analysis.norm(t);
                for rest in std::iter::once(n).chain(n.match_indices('\'').map(|(i, _)| &n[i + 1..])) {
                    p.person |= matches!(rest, "i" | "we") || rest.starts_with("i'") || rest.starts_with("we'");
                    p.when |= matches!(rest, "when" | "whenever" | "every");
                }
            }
        }
        p
    }

    const ALL: Possible = Possible {
        want_to: true,
        so_after: true,
        when: true,
        comma_person_after_when: true,
        person: true,
        goal: true,
        trying: true,
    };
}

/// The job-statement classes of a word with this normalized form (see `words`).
pub(super) fn class_of(norm: &str) -> Class {
    match norm {
        "want" | "need" | "have" | "like" | "wanna" | "try" | "hope" => words::WANT,
        "trying" => words::TRYING,
        "to" => words::TO,
        "so" | "order" | "because" => words::SO,
        "when" | "whenever" | "every" => words::WHEN,
        "i" | "we" => words::PERSON,
        "goal" | "aim" | "objective" | "point" => words::GOAL,
        _ => 0,
    }
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches([',', ' ']).to_string()
}

/// Extracts the job statements of a passage, in text order, without overlaps.
pub fn extract_jobs(text: &str) -> Vec<JobStatement> {
    extract(text, Possible::ALL)
}

/// [`extract_jobs`] for a passage analyzed already: the same statements, found faster (the
/// analysis tells which constructions cannot occur).
pub fn extract_jobs_analyzed(text: &str, analysis: &Analysis) -> Vec<JobStatement> {
    extract_classed(text, analysis, &words::classes(analysis))
}

/// [`extract_jobs_analyzed`] of an analysis whose tokens are of `classes` (see `words`).
pub(super) fn extract_classed(text: &str, analysis: &Analysis, classes: &[Class]) -> Vec<JobStatement> {
    extract(text, Possible::of(text, analysis, classes))
}

fn extract(text: &str, possible: Possible) -> Vec<JobStatement> {
    let mut found: Vec<JobStatement> = Vec::new();
    if let (true, true, Some(re)) = (possible.want_to && possible.person, possible.so_after, &*WANT_SO) {
        statements(
            re,
            text,
            |c| {
                let (all, m, o) = (c.get(0)?, c.get(1)?, c.get(2)?);
                let outcome = tail(&o)?;
                fits(&m, MAX_PART).then(|| JobStatement {
                    situation: None,
                    motivation: clean(m.as_str()),
                    outcome: Some(clean(&text[outcome.clone()])),
                    bytes: all.start()..outcome.end,
                })
            },
            &mut found,
        );
    }
    if let (true, Some(re)) = (possible.comma_person_after_when, &*WHEN) {
        statements(
            re,
            text,
            |c| {
                let (all, s, m) = (c.get(0)?, c.get(1)?, c.get(2)?);
                let motivation = tail(&m)?;
                fits(&s, MAX_SITUATION).then(|| JobStatement {
                    situation: Some(clean(s.as_str())),
                    motivation: clean(&text[motivation.clone()]),
                    outcome: None,
                    bytes: all.start()..motivation.end,
                })
            },
            &mut found,
        );
    }
    if let (true, Some(re)) = (possible.goal || possible.trying, &*GOAL) {
        statements(
            re,
            text,
            |c| {
                let (all, m) = (c.get(0)?, c.get(1)?);
                let motivation = tail(&m)?;
                Some(JobStatement {
                    situation: None,
                    motivation: clean(&text[motivation.clone()]),
                    outcome: None,
                    bytes: all.start()..motivation.end,
                })
            },
            &mut found,
        );
    }
    // Earlier constructions win where statements overlap.
    let mut out: Vec<JobStatement> = Vec::new();
    for s in found {
        if !out.iter().any(|o| o.bytes.start < s.bytes.end && s.bytes.start < o.bytes.end) {
            out.push(s);
        }
    }
    out.sort_by_key(|j| j.bytes.start);
    out
}
