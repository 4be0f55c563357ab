//! Job statements: "I want/need/have to X so (that) / in order to Y", "when X, I Y",
//! "the goal is X", "what I'm trying to do is X" → (situation, motivation, outcome) rows.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// One job statement found in a passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobStatement {
    /// "When ..." part, if stated.
    pub situation: Option<String>,
    /// What they want to do.
    pub motivation: String,
    /// What for, if stated.
    pub outcome: Option<String>,
    /// Byte range of the statement in the passage text.
    #[serde(skip)]
    pub bytes: Range<usize>,
}

static WANT_SO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:i|we)(?:'d| would)? (?:really )?(?:want|need|have|like|wanna|'m trying|am trying|are trying|'re trying|try|hope) to ([^.;!?]{3,160}?),? (?:so that|so|in order to|because) ([^.;!?]{3,160})",
    )
    .ok()
});
static WHEN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:when|whenever|every time) ([^.;!?,]{3,120}), (?:i|we) ([^.;!?]{3,160})").ok()
});
static GOAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:the (?:goal|aim|objective|whole point) is(?: to)?|what (?:i'm|i am|we're|we are) (?:really )?trying to do is(?: to)?) ([^.;!?]{3,160})",
    )
    .ok()
});

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches([',', ' ']).to_string()
}

/// Extracts the job statements of a passage, in text order, without overlaps.
pub fn extract_jobs(text: &str) -> Vec<JobStatement> {
    let mut out: Vec<JobStatement> = Vec::new();
    let mut push = |s: JobStatement| {
        if !out.iter().any(|o| o.bytes.start < s.bytes.end && s.bytes.start < o.bytes.end) {
            out.push(s);
        }
    };
    if let Some(re) = &*WANT_SO {
        for c in re.captures_iter(text) {
            if let (Some(all), Some(m), Some(o)) = (c.get(0), c.get(1), c.get(2)) {
                push(JobStatement {
                    situation: None,
                    motivation: clean(m.as_str()),
                    outcome: Some(clean(o.as_str())),
                    bytes: all.range(),
                });
            }
        }
    }
    if let Some(re) = &*WHEN {
        for c in re.captures_iter(text) {
            if let (Some(all), Some(s), Some(m)) = (c.get(0), c.get(1), c.get(2)) {
                push(JobStatement {
                    situation: Some(clean(s.as_str())),
                    motivation: clean(m.as_str()),
                    outcome: None,
                    bytes: all.range(),
                });
            }
        }
    }
    if let Some(re) = &*GOAL {
        for c in re.captures_iter(text) {
            if let (Some(all), Some(m)) = (c.get(0), c.get(1)) {
                push(JobStatement {
                    situation: None,
                    motivation: clean(m.as_str()),
                    outcome: None,
                    bytes: all.range(),
                });
            }
        }
    }
    out.sort_by_key(|j| j.bytes.start);
    out
}
