//! Quote selection: per code, the best passage of each interview (unprompted, unnegated,
//! readable length first), cut at sentence boundaries from the sentence of the mention that
//! counted, with an ellipsis where cut and that mention's place in the quote.

use serde::{Deserialize, Serialize};

use crate::model::Passage;
use crate::model::Tag;
use crate::words::sentences;

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
    /// Char range in `text` of the words that counted for the code (the match to highlight).
    pub highlight: Option<[usize; 2]>,
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

/// Builds the quote for `passage` (whose text is `text`, of `words` words), cut around the
/// tag's first counting mention.
pub(super) fn make(
    interview: &str,
    participant: &str,
    passage: &Passage,
    (text, words): (&str, usize),
    tag: &Tag,
    score: f64,
) -> Quote {
    let focus = self::focus(text, tag).unwrap_or(0..0);
    let (text, highlight) = cut(text, words, focus);
    Quote {
        interview: interview.to_string(),
        participant: participant.to_string(),
        passage: passage.index,
        speaker: passage.speaker.clone(),
        text,
        highlight,
        start: passage.span.chars.start,
        end: passage.span.chars.end,
        time: passage.time.map(|t| t.start),
        prompted: tag.prompted,
        score,
    }
}

/// The counting mention of `tag` a quote is cut around: the first that is not in a question put
/// to the participant ("Have you used the VA?"), which interview notes often keep in the answer
/// and which is the interviewer's words. `None`: no mention to quote.
pub(super) fn focus(text: &str, tag: &Tag) -> Option<std::ops::Range<usize>> {
    let asked = |at: usize| {
        sentences(text).into_iter().find(|(r, _)| r.end > at).is_some_and(|(r, _)| {
            let sentence = &text[r];
            sentence.trim_end().ends_with('?')
                && sentence
                    .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
                    .any(|w| matches!(w.to_lowercase().as_str(), "you" | "your" | "you're" | "you’re" | "you've"))
        })
    };
    tag.mentions.iter().find(|m| m.counts() && !asked(m.bytes.start)).map(|m| m.bytes.clone())
}

/// [`trim`]s `text` around the byte range `focus` and finds `focus` in the result: the trimmed
/// text and the char range of the focus in it.
pub(super) fn cut(text: &str, words: usize, focus: std::ops::Range<usize>) -> (String, Option<[usize; 2]>) {
    let out = trim(text, words, focus.start);
    let highlight = locate(&out, text.get(focus).unwrap_or_default());
    (out, highlight)
}

/// The char range of `needle` (whitespace tidied) in `text`: the first whole-word occurrence.
pub(crate) fn locate(text: &str, needle: &str) -> Option<[usize; 2]> {
    let needle = tidy(needle);
    if needle.is_empty() {
        return None;
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle).map(|i| i + from) {
        let end = i + needle.len();
        if !word(text[..i].chars().next_back()) && !word(text[end..].chars().next()) {
            let start = text[..i].chars().count();
            return Some([start, start + needle.chars().count()]);
        }
        from = i + text[i..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Cuts `text` (of `words` words) to whole sentences from the one holding byte `focus`, tidying
/// whitespace: what comes before that sentence (a negated mention of the same code, the end of
/// another thought) is left out.
fn trim(text: &str, words: usize, focus: usize) -> String {
    let sentences = sentences(text);
    let first = sentences.first().is_none_or(|(r, _)| r.end > focus);
    if words <= TRIM_ABOVE && first {
        return tidy(text);
    }
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
    let (lo, mut hi) = (k, k + 1);
    while words(lo, hi) < TRIM_TARGET && hi < sentences.len() && words(lo, hi + 1) <= TRIM_TARGET + 15 {
        hi += 1;
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
    use crate::words::word_count;

    fn trim(text: &str, focus: usize) -> String {
        super::trim(text, word_count(text), focus)
    }

    #[test]
    fn a_question_put_to_the_participant_is_not_quoted_as_theirs() {
        let text = "Have you talked to the VA? No. The VA never called me back.";
        let at = |from: usize| {
            let start = text[from..].find("VA").map_or(0, |i| i + from);
            crate::model::Mention {
                term: 0,
                bytes: start..start + 2,
                negation: None,
                hedge: None,
                intensifier: None,
                vetoed_by: None,
            }
        };
        let (asked, said) = (at(0), at(25));
        let tag = |mentions| Tag { code: 0, mentions, prompted: false };
        assert_eq!(focus(text, &tag(vec![asked.clone(), said.clone()])), Some(said.bytes.clone()));
        assert_eq!(focus(text, &tag(vec![asked])), None);
        let (quote, highlight) = cut(text, word_count(text), said.bytes);
        assert_eq!(quote, "… The VA never called me back.");
        assert_eq!(highlight, Some([6, 8]));
    }

    #[test]
    fn short_text_is_only_tidied() {
        assert_eq!(trim("We  worry\n about it.", 0), "We worry about it.");
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
