//! Quote selection: per code, the best passage of each interview (unprompted, unnegated,
//! readable length first), trimmed at sentence boundaries with an ellipsis.

use serde::{Deserialize, Serialize};

use crate::model::Passage;
use crate::model::Tag;
use crate::words::word_count;

/// Words above which a quote is trimmed to the sentences around the mention.
const TRIM_ABOVE: usize = 70;
/// Words a trimmed quote aims for.
const TRIM_TARGET: usize = 55;

/// A quote, ready for a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quote {
    /// Interview id.
    pub interview: String,
    /// Participant.
    pub participant: String,
    /// Passage index within the interview.
    pub passage: usize,
    /// Speaker label.
    pub speaker: Option<String>,
    /// Text to show (trimmed with "…" where cut).
    pub text: String,
    /// Char offset of the passage in the document text.
    pub start: usize,
    /// Char end of the passage in the document text.
    pub end: usize,
    /// Start time in seconds, when known.
    pub time: Option<f64>,
    /// Whether the interviewer used a term of the code just before.
    pub prompted: bool,
    #[serde(skip)]
    pub(super) score: f64,
}

/// Scores a passage as a quote for a tag: higher is better.
pub(super) fn score(tag: &Tag, words: usize) -> f64 {
    let mut s = 0.0;
    if !tag.prompted {
        s += 2.0;
    }
    if tag.intensified() {
        s += 0.5;
    }
    if tag.hedged() {
        s -= 0.5;
    }
    s += match words {
        0..=7 => -2.0,
        8..=14 => -0.5,
        15..=90 => 1.0,
        _ => 0.5,
    };
    s + tag.mentions.iter().filter(|m| m.counts()).count().min(3) as f64 * 0.1
}

/// Builds the quote for `passage` (whose text is `text`, of `words` words), trimmed around the
/// tag's first counting mention.
pub(super) fn make(
    interview: &str,
    participant: &str,
    passage: &Passage,
    (text, words): (&str, usize),
    tag: &Tag,
    score: f64,
) -> Quote {
    let focus = tag.mentions.iter().find(|m| m.counts()).map_or(0, |m| m.bytes.start);
    Quote {
        interview: interview.to_string(),
        participant: participant.to_string(),
        passage: passage.index,
        speaker: passage.speaker.clone(),
        text: trim(text, words, focus),
        start: passage.span.chars.start,
        end: passage.span.chars.end,
        time: passage.time.map(|t| t.start),
        prompted: tag.prompted,
        score,
    }
}

/// Trims `text` (of `words` words) to whole sentences around byte `focus`, tidying whitespace.
fn trim(text: &str, words: usize, focus: usize) -> String {
    if words <= TRIM_ABOVE {
        return tidy(text);
    }
    let sentences = sentences(text);
    let Some(k) = sentences.iter().position(|(r, _)| r.end > focus) else {
        return tidy(text);
    };
    // before[i]: words in the sentences before sentence i.
    let mut before = Vec::with_capacity(sentences.len() + 1);
    before.push(0);
    for (_, n) in &sentences {
        before.push(before[before.len() - 1] + n);
    }
    let words = |lo: usize, hi: usize| before[hi] - before[lo];
    let (mut lo, mut hi) = (k, k + 1);
    while words(lo, hi) < TRIM_TARGET {
        let grow_right = hi < sentences.len();
        let grow_left = lo > 0;
        if grow_right && (words(lo, hi + 1) <= TRIM_TARGET + 15 || !grow_left) {
            hi += 1;
        } else if grow_left && words(lo - 1, hi) <= TRIM_TARGET + 15 {
            lo -= 1;
        } else {
            break;
        }
    }
    let mut out = String::new();
    if lo > 0 {
        out.push_str("… ");
    }
    out.push_str(&tidy(&text[sentences[lo].0.start..sentences[hi - 1].0.end]));
    if hi < sentences.len() {
        out.push_str(" …");
    }
    out
}

/// `text`'s words, one space between each.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The sentences of `text` (each ends at `.`, `!` or `?` before whitespace or the end of the
/// text), each with its words.
pub(super) fn sentences(text: &str) -> Vec<(std::ops::Range<usize>, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        if matches!(b[i], b'.' | b'!' | b'?') && (i + 1 == b.len() || b[i + 1].is_ascii_whitespace()) {
            out.push((start..i + 1, word_count(&text[start..i + 1])));
            start = i + 1;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push((start..text.len(), word_count(&text[start..])));
    }
    out
}

/// Serde for an interview's best quotes with their scores, which reports never show (a
/// [`Quote`] skips its score) but a summary kept between runs needs.
pub(super) mod scored {
    use std::collections::HashMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Quote;

    pub fn serialize<S: Serializer>(best: &HashMap<usize, Quote>, s: S) -> Result<S::Ok, S::Error> {
        let mut rows: Vec<(usize, f64, &Quote)> = best.iter().map(|(c, q)| (*c, q.score, q)).collect();
        rows.sort_by_key(|r| r.0);
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<usize, Quote>, D::Error> {
        let rows: Vec<(usize, f64, Quote)> = Vec::deserialize(d)?;
        Ok(rows.into_iter().map(|(c, score, q)| (c, Quote { score, ..q })).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trim(text: &str, focus: usize) -> String {
        super::trim(text, word_count(text), focus)
    }

    #[test]
    fn short_text_is_only_tidied() {
        assert_eq!(trim("We  worry\n about it.", 0), "We worry about it.");
    }

    #[test]
    fn sentences_hold_the_words_split_whitespace_finds_in_them() {
        for text in ["One. Two words!  Three more words? tail", "Caf\u{e9} ou th\u{e9}?\u{a0}Oui. Non", "x.y. z", ""] {
            let found = sentences(text);
            for (range, words) in &found {
                assert_eq!(*words, text[range.clone()].split_whitespace().count(), "{text:?} {range:?}");
            }
            let ends: Vec<usize> = found.iter().map(|(r, _)| r.end).collect();
            let expected: Vec<usize> = match text {
                "One. Two words!  Three more words? tail" => vec![4, 15, 34, 39],
                // A no-break space after "?" is not the whitespace that ends a sentence.
                "Caf\u{e9} ou th\u{e9}?\u{a0}Oui. Non" => vec![20, 24],
                "x.y. z" => vec![4, 6],
                _ => vec![],
            };
            assert_eq!(ends, expected, "{text:?}");
        }
    }

    #[test]
    fn long_text_is_cut_at_sentences_around_the_focus() {
        let filler = "This sentence has exactly eight words in it. ".repeat(10);
        let text = format!("{filler}Downtime is the thing that scares me most. {filler}");
        let focus = text.find("Downtime").unwrap_or(0);
        let q = trim(&text, focus);
        assert!(q.starts_with("… ") && q.ends_with(" …"), "{q}");
        assert!(q.contains("Downtime is the thing that scares me most."));
        let n = q.split_whitespace().count();
        assert!((TRIM_TARGET - 10..=TRIM_TARGET + 17).contains(&n), "{n}");
    }
}
