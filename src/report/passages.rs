//! `pith code` output: one row per passage (JSON lines or CSV), or one per interview with
//! its document text (`--documents`). Offsets are characters into the document text.

use serde::Serialize;

use crate::lexicon::Lexicon;
use crate::model::CodedInterview;
use crate::model::{Family, FamilySet, Role};

/// One matched term of a code in a passage.
#[derive(Debug, Clone, Serialize)]
pub struct TermRow<'a> {
    /// The term as written in the lexicon.
    pub term: &'a str,
    /// The matched text.
    pub text: &'a str,
    /// Char offset in the document text.
    pub start: usize,
    /// Char end in the document text.
    pub end: usize,
    /// The negation cue, if the mention is negated.
    pub negated_by: Option<&'a str>,
    /// The hedge in its sentence, if any.
    pub hedged_by: Option<&'a str>,
    /// The exclusion that vetoed it, if any.
    pub vetoed_by: Option<&'a str>,
}

/// One code in a passage.
#[derive(Debug, Clone, Serialize)]
pub struct CodeRow<'a> {
    /// `family.name`.
    pub code: &'a str,
    /// Its family.
    pub family: Family,
    /// Every mention negated: not evidence.
    pub negated: bool,
    /// The interviewer used a term of this code just before.
    pub prompted: bool,
    /// Every counting mention hedged.
    pub hedged: bool,
    /// Some counting mention intensified.
    pub intensified: bool,
    /// Counts as evidence for prevalence.
    pub evidence: bool,
    /// The distinct terms that matched, as written in the lexicon.
    pub terms: Vec<&'a str>,
    /// Each match with its position and context.
    pub matches: Vec<TermRow<'a>>,
}

/// One passage, as `pith code --format jsonl` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PassageRow<'a> {
    /// Interview id.
    pub interview: &'a str,
    /// Participant.
    pub participant: &'a str,
    /// Persona.
    pub persona: &'a str,
    /// Index within the interview.
    pub passage: usize,
    /// Speaker label.
    pub speaker: Option<&'a str>,
    /// Role.
    pub role: Role,
    /// Exactly the document text between `start` and `end`.
    pub text: &'a str,
    /// Char offset in the document text.
    pub start: usize,
    /// Char end in the document text.
    pub end: usize,
    /// Start time in seconds, if known.
    pub time: Option<f64>,
    /// The interviewer turn before it.
    pub question: Option<&'a str>,
    /// The families the passage is about, as the coding standard labels them (a family whose
    /// mentions are all negated counts: "we weren't worried about security" is about risk).
    pub families: FamilySet,
    /// The families it is evidence of: what prevalence counts.
    pub evidence: FamilySet,
    /// Its codes.
    pub codes: Vec<CodeRow<'a>>,
}

/// One interview with its document text, as `pith code --documents` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRow<'a> {
    /// Interview id.
    pub interview: &'a str,
    /// Source path relative to the study.
    pub source: &'a str,
    /// The document text all offsets point into.
    pub document: &'a str,
}

/// The document row of an interview.
pub fn document_row(interview: &CodedInterview) -> DocumentRow<'_> {
    DocumentRow {
        interview: &interview.meta.id,
        source: &interview.meta.source,
        document: &interview.transcript.document,
    }
}

/// The passage rows of an interview.
pub fn passage_rows<'a>(interview: &'a CodedInterview, lexicon: &'a Lexicon) -> impl Iterator<Item = PassageRow<'a>> {
    let doc = &interview.transcript.document;
    interview.passages.iter().map(move |cp| {
        let p = &cp.passage;
        let text = &doc[p.span.bytes.clone()];
        let ascii = text.is_ascii();
        let chars_at = |byte: usize| p.span.chars.start + if ascii { byte } else { text[..byte].chars().count() };
        let codes = cp
            .tags
            .iter()
            .map(|tag| {
                let code = &lexicon.codes()[tag.code];
                let mut terms: Vec<&str> = Vec::new();
                let matches = tag
                    .mentions
                    .iter()
                    .map(|m| {
                        let term = code.terms.get(m.term).map_or("", |t| t.source.as_str());
                        if m.vetoed_by.is_none() && !terms.contains(&term) {
                            terms.push(term);
                        }
                        TermRow {
                            term,
                            text: &text[m.bytes.clone()],
                            start: chars_at(m.bytes.start),
                            end: chars_at(m.bytes.end),
                            negated_by: m.negation.as_ref().map(|c| c.text.as_str()),
                            hedged_by: m.hedge.as_ref().map(|c| c.text.as_str()),
                            vetoed_by: m.vetoed_by.and_then(|v| code.exclusions.get(v)).map(|t| t.source.as_str()),
                        }
                    })
                    .collect();
                CodeRow {
                    code: code.id.as_str(),
                    family: code.family(),
                    negated: tag.negated(),
                    prompted: tag.prompted,
                    hedged: tag.hedged(),
                    intensified: tag.intensified(),
                    evidence: crate::code::counts(lexicon, cp, tag),
                    terms,
                    matches,
                }
            })
            .collect();
        PassageRow {
            interview: &interview.meta.id,
            participant: &interview.meta.participant,
            persona: &interview.meta.persona,
            passage: p.index,
            speaker: p.speaker.as_deref(),
            role: p.role,
            text,
            start: p.span.chars.start,
            end: p.span.chars.end,
            time: p.time.map(|t| t.start),
            question: p.question.and_then(|q| interview.passages.get(q)).map(|q| &doc[q.passage.span.bytes.clone()]),
            families: cp.about,
            evidence: cp.evidence,
            codes,
        }
    })
}

/// The CSV header of `pith code --format csv`.
pub const CSV_HEADER: [&str; 14] = [
    "interview",
    "participant",
    "persona",
    "passage",
    "speaker",
    "role",
    "start",
    "end",
    "time",
    "question",
    "codes",
    "families",
    "evidence",
    "text",
];

impl PassageRow<'_> {
    /// The row as CSV fields (codes as `code` or `code!negated`, `;`-separated).
    pub fn csv_fields(&self) -> [String; 14] {
        let codes: Vec<String> = self
            .codes
            .iter()
            .map(|c| if c.negated { format!("{}!negated", c.code) } else { c.code.to_string() })
            .collect();
        let cell = |t: &str| super::csv_cell(t).into_owned();
        let families = |fs: FamilySet| fs.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(";");
        [
            cell(self.interview),
            cell(self.participant),
            cell(self.persona),
            self.passage.to_string(),
            cell(self.speaker.unwrap_or("")),
            self.role.to_string(),
            self.start.to_string(),
            self.end.to_string(),
            self.time.map(|t| t.to_string()).unwrap_or_default(),
            cell(self.question.unwrap_or("")),
            codes.join(";"),
            families(self.families),
            families(self.evidence),
            cell(self.text),
        ]
    }
}
