//! code: takes a passage's text and analysis plus the compiled [`Lexicon`], gives its [`Tag`]s.
//!
//! A tag is one code in one passage, with every mention (term, where, and its context:
//! negated, hedged, intensified, vetoed). A tag is **evidence** when at least one mention is
//! neither negated nor vetoed. It is **prompted** when a term of the same code appeared in the
//! interviewer question just before. Pure: no files, no threads.

mod context;
mod jobs;
mod words;

pub use jobs::{extract_jobs, extract_jobs_analyzed};

use words::Class;

use crate::analyze::Analysis;
use crate::lexicon::{Lexicon, Match};
use crate::model::{CodedPassage, Family, FamilySet, JobStatement, Mention, Tag};

/// The weight of evidence a family needs in one passage to be coded there.
pub const FAMILY_THRESHOLD: f64 = 1.0;

/// The weight of `family`'s evidence in a passage: for each of its codes that is evidence, the
/// code's weight once per distinct term with a counting mention. A code of weight 1 is enough on
/// its own; a weak code (weight 0.5) needs a second term or a second code.
pub fn family_weight(lexicon: &Lexicon, tags: &[Tag], family: Family) -> f64 {
    weights(lexicon, tags, Mention::counts)[family as usize]
}

/// Per family (indexed by `Family as usize`), the weight of the mentions of its codes that `keep`
/// keeps, each distinct term of a code counted once at the code's weight.
fn weights(lexicon: &Lexicon, tags: &[Tag], keep: fn(&Mention) -> bool) -> [f64; Family::EVERY.len()] {
    let mut total = [0.0; Family::EVERY.len()];
    let mut terms: Vec<usize> = Vec::new();
    for tag in tags {
        let code = &lexicon.codes()[tag.code];
        terms.clear();
        terms.extend(tag.mentions.iter().filter(|m| keep(m)).map(|m| m.term));
        terms.sort_unstable();
        terms.dedup();
        total[code.family() as usize] += code.weight * terms.len() as f64;
    }
    total
}

/// The families whose weight reaches [`FAMILY_THRESHOLD`].
fn reached(weights: [f64; Family::EVERY.len()]) -> FamilySet {
    Family::EVERY.into_iter().filter(|f| weights[*f as usize] >= FAMILY_THRESHOLD).collect()
}

/// The families a passage is coded with: those whose [`family_weight`] reaches [`FAMILY_THRESHOLD`].
pub fn evidence_families(lexicon: &Lexicon, tags: &[Tag]) -> FamilySet {
    reached(weights(lexicon, tags, Mention::counts))
}

/// The families a passage is about, as the coding standard labels them: as
/// [`evidence_families`], with negated mentions weighed too ("we weren't worried about
/// security" is about risk, though not evidence of it).
pub fn about_families(lexicon: &Lexicon, tags: &[Tag]) -> FamilySet {
    reached(weights(lexicon, tags, |m| m.vetoed_by.is_none()))
}

/// Whether `passage` counts `tag` in prevalence, search and exports: the tag is evidence and the
/// passage is evidence of its family, so a weak code alone is never counted.
pub fn counts(lexicon: &Lexicon, passage: &CodedPassage, tag: &Tag) -> bool {
    tag.is_evidence() && passage.evidence.contains(lexicon.codes()[tag.code].family())
}

/// The tags `passage` counts ([`counts`]).
pub fn counted<'a>(lexicon: &'a Lexicon, passage: &'a CodedPassage) -> impl Iterator<Item = &'a Tag> + 'a {
    passage.tags.iter().filter(|t| counts(lexicon, passage, t))
}

/// The codes a question mentions (any unvetoed match, negated or not): what makes an answer prompted.
pub fn question_codes(lexicon: &Lexicon, text: &str, analysis: &Analysis) -> Vec<usize> {
    let mut codes: Vec<usize> =
        lexicon.matcher().find(text, analysis).into_iter().filter(|m| m.vetoed_by.is_none()).map(|m| m.code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Codes `text` (analyzed as `analysis`); `question` lists the codes of the preceding question.
pub fn code_passage(lexicon: &Lexicon, text: &str, analysis: &Analysis, question: &[usize]) -> Vec<Tag> {
    code_passage_asking(lexicon, text, analysis, || question.to_vec())
}

/// [`code_passage`], with the question's codes asked of `question` only when the passage has a
/// match: most passages have none, and coding a question costs as much as coding an answer.
pub(crate) fn code_passage_asking(
    lexicon: &Lexicon,
    text: &str,
    analysis: &Analysis,
    question: impl FnOnce() -> Vec<usize>,
) -> Vec<Tag> {
    let matches = lexicon.matcher().find(text, analysis);
    if matches.is_empty() {
        return Vec::new();
    }
    let mut tags = tags_from_matches(analysis, &words::classes(analysis), matches, &question());
    keep_relations_beside_roles(lexicon, &mut tags);
    tags
}

/// A relation ("signs off", "pays") is what a role does: without a role in the passage it says
/// nothing, so its tags are dropped there.
fn keep_relations_beside_roles(lexicon: &Lexicon, tags: &mut Vec<Tag>) {
    let family = |t: &Tag| lexicon.codes()[t.code].family();
    if !tags.iter().any(|t| family(t) == Family::Role) {
        tags.retain(|t| family(t) != Family::Relation);
    }
}

/// [`code_passage`] and [`extract_jobs_analyzed`] of one passage, its words classed once for both.
pub fn code_passage_and_jobs(
    lexicon: &Lexicon,
    text: &str,
    analysis: &Analysis,
    question: &[usize],
) -> (Vec<Tag>, Vec<JobStatement>) {
    let classes = words::classes(analysis);
    let matches = lexicon.matcher().find(text, analysis);
    let mut tags =
        if matches.is_empty() { Vec::new() } else { tags_from_matches(analysis, &classes, matches, question) };
    keep_relations_beside_roles(lexicon, &mut tags);
    (tags, jobs::extract_classed(text, analysis, &classes))
}

fn tags_from_matches(analysis: &Analysis, classes: &[Class], matches: Vec<Match>, question: &[usize]) -> Vec<Tag> {
    let ctx = context::Context::new(analysis, classes);
    let mut tags: Vec<Tag> = Vec::new();
    for m in matches {
        let mention = Mention {
            term: m.term,
            negation: ctx.negation(&m.tokens),
            hedge: ctx.hedge(&m.tokens),
            intensifier: ctx.intensifier(&m.tokens),
            vetoed_by: m.vetoed_by,
            bytes: m.bytes,
        };
        match tags.iter_mut().find(|t| t.code == m.code) {
            Some(tag) => tag.mentions.push(mention),
            None => tags.push(Tag { code: m.code, mentions: vec![mention], prompted: question.contains(&m.code) }),
        }
    }
    tags.retain(Tag::is_reported);
    tags.sort_by_key(|t| t.code);
    tags
}

#[cfg(test)]
mod tests;
