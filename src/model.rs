//! The nouns every stage shares: interviews, passages, roles, spans, codes and tags.
//!
//! Nothing here does work; stages take and give these values.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::analyze::Stems;

/// Where a piece of text sits in an interview's document text, both in bytes (what Rust
/// slices with) and in characters (Unicode scalar values: what the JSON contract, Python and the
/// QDA tools count). The two are never mixed in one field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte range into the document text.
    pub bytes: Range<usize>,
    /// Character range into the document text.
    pub chars: Range<usize>,
}

/// Who is speaking in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The interviewee: the only role whose passages are coded as evidence.
    Participant,
    /// The researcher asking the questions.
    Interviewer,
    /// No speaker label, or a label pith could not place.
    Unknown,
    /// A notetaker's or moderator's remark in interview notes (`Notetaker: ...`, `[clicks Next]`):
    /// neither side's speech, never coded.
    Note,
}

impl Role {
    /// The lowercase name used in outputs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Interviewer => "interviewer",
            Role::Unknown => "unknown",
            Role::Note => "note",
        }
    }

    /// Whether the role's passages are coded as evidence.
    pub fn is_evidence(self) -> bool {
        match self {
            Role::Participant | Role::Unknown => true,
            Role::Interviewer | Role::Note => false,
        }
    }

    /// Parses the lowercase name (as printed by [`Role::as_str`]).
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "participant" => Some(Role::Participant),
            "interviewer" => Some(Role::Interviewer),
            "unknown" => Some(Role::Unknown),
            "note" => Some(Role::Note),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A time range in seconds from the start of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimeRange {
    /// Start, in seconds.
    pub start: f64,
    /// End, in seconds, when the source gives one.
    pub end: Option<f64>,
}

/// The eight code families of the method (see the README). A closed set: lexicon files name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// A need to fulfil, a problem to solve, an opportunity to take.
    Need,
    /// What can go wrong: fear, uncertainty, doubt, personal and professional risk.
    Risk,
    /// How they win: KPIs, success, recognition.
    Reward,
    /// Role, accountabilities, daily and weekly work.
    Responsibility,
    /// Jobs to be done: goals and the outcomes they serve.
    Job,
    /// What made them start looking for a solution.
    Trigger,
    /// Influencers, suppliers, partners, competitors, the buying unit.
    Ecosystem,
    /// Known unknowns: what they say they don't know.
    Uncertainty,
    /// Stages of the buyer's journey (trigger to renewal): reported as a journey, not a canvas section.
    Journey,
    /// Roles in the buying unit (CFO, procurement, facilities, ...): reported as the buying unit.
    Role,
    /// What a role does in a purchase (approves, pays, blocks, ...), read beside role mentions.
    Relation,
}

/// A set of families: a passage's verdict under the coding standard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FamilySet(u16);

impl FamilySet {
    /// Adds `family`.
    pub fn insert(&mut self, family: Family) {
        self.0 |= 1 << family as u16;
    }

    /// Whether `family` is in the set.
    pub fn contains(self, family: Family) -> bool {
        self.0 & (1 << family as u16) != 0
    }

    /// The families in either set.
    pub fn union(self, other: FamilySet) -> FamilySet {
        FamilySet(self.0 | other.0)
    }

    /// The families of this set that are not in `other`.
    pub fn without(self, other: FamilySet) -> FamilySet {
        FamilySet(self.0 & !other.0)
    }

    /// The families in the set, in [`Family::EVERY`] order.
    pub fn iter(self) -> impl Iterator<Item = Family> {
        Family::EVERY.into_iter().filter(move |f| self.contains(*f))
    }
}

/// Written as the list of its families' names.
impl Serialize for FamilySet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl FromIterator<Family> for FamilySet {
    fn from_iter<I: IntoIterator<Item = Family>>(families: I) -> Self {
        let mut set = FamilySet::default();
        for f in families {
            set.insert(f);
        }
        set
    }
}

impl Family {
    /// Every family, in canvas order.
    pub const ALL: [Family; 8] = [
        Family::Responsibility,
        Family::Reward,
        Family::Risk,
        Family::Need,
        Family::Job,
        Family::Trigger,
        Family::Ecosystem,
        Family::Uncertainty,
    ];

    /// The families coded like the canvas ones but reported in sections of their own (the
    /// journey strip, the buying unit): left out of the canvas statistics.
    pub const STRUCTURE: [Family; 3] = [Family::Journey, Family::Role, Family::Relation];

    /// The canvas families, then the structure families.
    pub const EVERY: [Family; 11] = {
        let mut every = [Family::Journey; 11];
        let mut i = 0;
        while i < every.len() {
            every[i] = if i < 8 { Family::ALL[i] } else { Family::STRUCTURE[i - 8] };
            i += 1;
        }
        every
    };

    /// Whether the family is a section of the persona canvas (one of [`Family::ALL`]).
    pub fn is_canvas(self) -> bool {
        !Family::STRUCTURE.contains(&self)
    }

    /// The family's name, as in code ids and lexicon files.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Need => "need",
            Family::Risk => "risk",
            Family::Reward => "reward",
            Family::Responsibility => "responsibility",
            Family::Job => "job",
            Family::Trigger => "trigger",
            Family::Ecosystem => "ecosystem",
            Family::Uncertainty => "uncertainty",
            Family::Journey => "journey",
            Family::Role => "role",
            Family::Relation => "relation",
        }
    }

    /// A heading for reports.
    pub fn title(self) -> &'static str {
        match self {
            Family::Need => "Needs",
            Family::Risk => "Risks",
            Family::Reward => "Rewards",
            Family::Responsibility => "Responsibilities",
            Family::Job => "Jobs to be done",
            Family::Trigger => "Triggers",
            Family::Ecosystem => "Ecosystem",
            Family::Uncertainty => "Known unknowns",
            Family::Journey => "Journey",
            Family::Role => "Buying unit",
            Family::Relation => "Buying relations",
        }
    }

    /// Parses a family name.
    pub fn parse(s: &str) -> Option<Family> {
        Family::EVERY.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code id, `family.name` (for example `risk.downtime`), or a bare family for a parent node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeId {
    id: Box<str>,
    /// Kept beside the id: coding asks every tag's family.
    family: Family,
}

impl CodeId {
    /// Checks the shape `family[.name[.name...]]` with a known family and lowercase ASCII parts.
    pub fn parse(s: &str) -> Option<CodeId> {
        let mut parts = s.split('.');
        let family = Family::parse(parts.next()?)?;
        let ok_part = |p: &str| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        };
        if parts.all(ok_part) {
            Some(CodeId { id: s.into(), family })
        } else {
            None
        }
    }

    /// The family this code belongs to (its id's first part).
    pub fn family(&self) -> Family {
        self.family
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The chain of ancestors from the family down to this code: `risk`, `risk.downtime`.
    pub fn ancestry(&self) -> impl Iterator<Item = &str> {
        self.id.match_indices('.').map(|(i, _)| &self.id[..i]).chain(std::iter::once(&*self.id))
    }
}

/// Written as the id.
impl Serialize for CodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id)
    }
}

impl fmt::Display for CodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// One speaker turn as a reader found it, before roles are assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The speaker label as written (`Maya`, `A1`, `SPEAKER_00`), if any.
    pub speaker: Option<String>,
    /// The turn's text as a byte range into the document text (label excluded).
    pub text: Range<usize>,
    /// Time range, when the source has one.
    pub time: Option<TimeRange>,
    /// The 1-based line of the source where the turn starts (for messages).
    pub line: usize,
    /// The role the source's layout gives the turn (interview notes: question, answer, note),
    /// which decides over the speaker's; `None` when only the speaker can tell.
    pub role: Option<Role>,
    /// Where the later cues or segments merged into the turn start: (byte offset into the
    /// document, seconds), ascending; empty when the source times the turn as a whole.
    pub marks: Vec<(usize, f64)>,
}

/// What a reader gives: the document text and the turns in it.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// The interview's document text: the decoded file for text formats, pith's
    /// `Speaker: text` rendering for structured ones. All offsets point into it.
    pub document: String,
    /// The turns, in order; their ranges are disjoint and ascending.
    pub turns: Vec<Turn>,
    /// Attributes the source carries about itself (front matter: title, date, ...).
    pub attributes: Vec<(String, String)>,
}

/// A passage: the unit pith codes, indexes and quotes. One speaker turn, or a part of a long one.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Position within the interview, from 0.
    pub index: usize,
    /// Speaker label as written.
    pub speaker: Option<String>,
    /// Participant, interviewer, unknown or note.
    pub role: Role,
    /// Where the passage's text sits in the document text.
    pub span: Span,
    /// Time range, when known.
    pub time: Option<TimeRange>,
    /// Index of the interviewer passage that preceded this one (the prompting question).
    pub question: Option<usize>,
}

/// Interview-level facts from the manifest and the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewMeta {
    /// Stable id, unique in the study: the transcript's path under the transcripts folder, without
    /// extension (with it where two files would share an id).
    pub id: String,
    /// Path of the source, relative to the study folder, with `/` separators.
    pub source: String,
    /// Participant name or code.
    pub participant: String,
    /// Proto-persona the interviewee was recruited as (`unassigned` without a manifest row).
    pub persona: String,
    /// Every further manifest column, and the source's own attributes.
    pub attributes: Vec<(String, String)>,
}

impl InterviewMeta {
    /// The value of an attribute, `persona` and `participant` included.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        match key {
            "persona" => Some(&self.persona),
            "participant" => Some(&self.participant),
            "interview" => Some(&self.id),
            _ => self.attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str()),
        }
    }
}

/// Persona name used when the manifest says nothing.
pub const UNASSIGNED: &str = "unassigned";

/// What a context cue does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// Negates the mention.
    Negation,
    /// Softens the mention ("maybe", "I guess").
    Hedge,
    /// Strengthens the mention ("really", "critical").
    Intensifier,
}

/// A cue found near a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Negation, hedge or intensifier.
    pub kind: CueKind,
    /// The cue's words, normalized.
    pub text: String,
    /// Byte range in the passage text.
    pub bytes: Range<usize>,
}

/// One mention of a code: a term match and its context.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Index of the matched term in the code's terms.
    pub term: usize,
    /// Byte range in the passage text.
    pub bytes: Range<usize>,
    /// The negation cue whose scope covers the mention.
    pub negation: Option<Cue>,
    /// A hedge in the mention's sentence.
    pub hedge: Option<Cue>,
    /// An intensifier in the mention's sentence.
    pub intensifier: Option<Cue>,
    /// The exclusion that vetoed this mention.
    pub vetoed_by: Option<usize>,
}

impl Mention {
    /// Whether the mention counts as evidence.
    pub fn counts(&self) -> bool {
        self.negation.is_none() && self.vetoed_by.is_none()
    }
}

/// One code in one passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Index of the code in the lexicon ([`Lexicon::codes`](crate::lexicon::Lexicon::codes)).
    pub code: usize,
    /// The mentions, in text order (vetoed ones included, for explanations).
    pub mentions: Vec<Mention>,
    /// A term of the same code appeared in the preceding interviewer question.
    pub prompted: bool,
}

impl Tag {
    /// At least one mention counts as evidence.
    pub fn is_evidence(&self) -> bool {
        self.mentions.iter().any(Mention::counts)
    }

    /// Every unvetoed mention is negated.
    pub fn negated(&self) -> bool {
        let mut live = self.mentions.iter().filter(|m| m.vetoed_by.is_none()).peekable();
        live.peek().is_some() && live.all(|m| m.negation.is_some())
    }

    /// Every counting mention is hedged.
    pub fn hedged(&self) -> bool {
        let mut live = self.mentions.iter().filter(|m| m.counts()).peekable();
        live.peek().is_some() && live.all(|m| m.hedge.is_some())
    }

    /// Some counting mention is intensified.
    pub fn intensified(&self) -> bool {
        self.mentions.iter().any(|m| m.counts() && m.intensifier.is_some())
    }

    /// Whether the tag should be reported at all (something other than vetoed matches).
    pub fn is_reported(&self) -> bool {
        self.mentions.iter().any(|m| m.vetoed_by.is_none())
    }
}

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

/// A passage with its codes and job statements.
#[derive(Debug, Clone)]
pub struct CodedPassage {
    /// The passage.
    pub passage: Passage,
    /// Its tags (participant and unknown-role passages only; empty for interviewer turns).
    pub tags: Vec<Tag>,
    /// Job statements found in it (found only when it is coded for reports).
    pub jobs: Vec<JobStatement>,
    /// The families it is about under the coding standard, negated mentions included.
    pub about: FamilySet,
    /// The families it is evidence of: what prevalence, search and exports count. A tag counts
    /// only when it is evidence and its family is here.
    pub evidence: FamilySet,
    /// For an interviewer's passage, the codes its words name: what the question asked about
    /// (found only when coding for reports).
    pub asked: Vec<usize>,
    /// Its words for the index, when coding was asked to keep them.
    pub stems: Option<Stems>,
}

/// One interview, read and coded.
#[derive(Debug, Clone)]
pub struct CodedInterview {
    /// Who, which persona, from which file.
    pub meta: InterviewMeta,
    /// The document text and turns.
    pub transcript: Transcript,
    /// The passages, coded.
    pub passages: Vec<CodedPassage>,
}

impl CodedInterview {
    /// A passage's text.
    pub fn text(&self, p: &Passage) -> &str {
        &self.transcript.document[p.span.bytes.clone()]
    }
}
