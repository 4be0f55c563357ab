//! The tables the reports show: what `report.json` serializes (`docs/report.schema.json`
//! describes it) and every other format renders.

use serde::{Deserialize, Serialize};

use super::{BuyingMap, BuyingRole, JourneyStage, Quote};
use crate::model::Family;

/// Everything the reports show.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregates {
    /// Study title.
    pub study: String,
    /// The attribute interviews are grouped by (`persona` by default).
    pub group_by: String,
    /// Lexicon fingerprint.
    pub lexicon: String,
    /// Interviews coded.
    pub interviews: usize,
    /// One entry per group, by name.
    pub personas: Vec<Persona>,
    /// Codes prevalent in every group.
    pub golden: Vec<Golden>,
    /// Codes that occur in the same passages.
    pub cooccurrence: Vec<Cooccurrence>,
    /// The codebook: every code with evidence anywhere.
    pub codebook: Vec<CodebookEntry>,
    /// Who takes part in whose buying, across groups.
    pub buying_map: BuyingMap,
    /// Per group, the brief: its insight statements in canvas order, with their evidence.
    pub brief: Vec<super::PersonaBrief>,
    /// Thresholds used for the statements the report makes.
    pub thresholds: Thresholds,
    /// What changed since the last run of the same kind (set by the run, not the fold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::changes::Changes>,
}

/// The thresholds behind the report's claims.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    /// See [`DIFFERENCE_Q`](super::DIFFERENCE_Q).
    pub difference_q: f64,
    /// See [`DISTINCTIVE_Z`](super::DISTINCTIVE_Z).
    pub distinctive_z: f64,
    /// See [`SMALL_SAMPLE`](super::SMALL_SAMPLE).
    pub small_sample: usize,
    /// See [`GOLDEN_PREVALENCE`](super::GOLDEN_PREVALENCE).
    pub golden_prevalence: f64,
    /// See [`TERM_MIN_INTERVIEWS`](super::TERM_MIN_INTERVIEWS).
    pub term_min_interviews: usize,
}

/// A code in the codebook.
#[derive(Debug, Clone, Serialize)]
pub struct CodebookEntry {
    /// `family.name`.
    pub code: String,
    /// The family.
    pub family: Family,
    /// Parent code.
    pub parent: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: String,
}

/// One group (a persona, or a value of the `--by` attribute).
#[derive(Debug, Clone, Serialize)]
pub struct Persona {
    /// Group name.
    pub name: String,
    /// Interviews in the group.
    pub interviews: usize,
    /// Participant passages in the group.
    pub passages: usize,
    /// Per family: interviews with evidence of any of its codes.
    pub families: Vec<FamilyStats>,
    /// Codes with any mention, by prevalence then mentions.
    pub codes: Vec<CodeStats>,
    /// What sets the group apart from the rest.
    pub distinctive: Distinctive,
    /// Job statements.
    pub jobs: Vec<JobRow>,
    /// Canvas sections with no evidence.
    pub gaps: Vec<Family>,
    /// Known-unknowns passages (the `uncertainty` family's quotes).
    pub known_unknowns: Vec<Quote>,
    /// New codes as interviews accumulate.
    pub saturation: Saturation,
    /// Each stage of the buyer's journey, in the lexicon's order.
    pub journey: Vec<JourneyStage>,
    /// The roles its interviews name as taking part in buying.
    pub buying_unit: Vec<BuyingRole>,
}

/// A family's evidence in a group.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyStats {
    /// The family.
    pub family: Family,
    /// Interviews with evidence.
    pub interviews: usize,
    /// interviews / group interviews.
    pub prevalence: f64,
}

/// A code's evidence in a group.
#[derive(Debug, Clone, Serialize)]
pub struct CodeStats {
    /// `family.name`.
    pub code: String,
    /// The family.
    pub family: Family,
    /// Label.
    pub label: String,
    /// A weak code (weight below 1): it counts only beside a second term or code of its family,
    /// and is never a theme on its own.
    pub weak: bool,
    /// Interviews with evidence (an unnegated mention).
    pub interviews: usize,
    /// interviews / group interviews.
    pub prevalence: f64,
    /// Passages with evidence.
    pub mentions: usize,
    /// Passages where every mention was negated (not evidence).
    pub negated: usize,
    /// Passages with evidence whose question used the code.
    pub prompted: usize,
    /// Share of evidence passages whose mentions are all hedged.
    pub hedged: f64,
    /// Best quotes, from different interviews.
    pub quotes: Vec<Quote>,
}

impl CodeStats {
    /// Whether the code may be listed as a theme: it has evidence and is not weak.
    pub fn is_theme(&self) -> bool {
        self.interviews > 0 && !self.weak
    }
}

/// What sets a group apart.
#[derive(Debug, Clone, Serialize)]
pub struct Distinctive {
    /// Codes whose prevalence differs from the rest, tested with Fisher's exact test.
    pub codes: Vec<DistinctiveCode>,
    /// Words and two-word phrases over-represented, by weighted log-odds with an informative Dirichlet prior.
    pub terms: Vec<DistinctiveTerm>,
    /// Set when either side has fewer than [`SMALL_SAMPLE`](super::SMALL_SAMPLE) interviews, or when even the most
    /// extreme split (every interview of the group, none of the rest) could not reach [`DIFFERENCE_Q`](super::DIFFERENCE_Q):
    /// the sample is too small to tell.
    pub small_sample: bool,
    /// Fisher's p-value for that most extreme split: the smallest p-value these sample sizes allow.
    pub min_p_value: f64,
}

/// Which way a group differs from the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More prevalent in the group than in the rest.
    Higher,
    /// Less prevalent in the group than in the rest.
    Lower,
}

/// A code difference between a group and the rest.
#[derive(Debug, Clone, Serialize)]
pub struct DistinctiveCode {
    /// `family.name`.
    pub code: String,
    /// Interviews in the group with evidence.
    pub interviews: usize,
    /// Prevalence in the group.
    pub prevalence: f64,
    /// Prevalence in the rest.
    pub rest_prevalence: f64,
    /// Interviews in the rest with evidence.
    pub rest_interviews: usize,
    /// Fisher's exact two-sided p-value.
    pub p_value: f64,
    /// Benjamini–Hochberg q-value over every code tested for this group.
    pub q_value: f64,
    /// Effect size: log odds ratio with the Haldane–Anscombe correction.
    pub log_odds_ratio: f64,
    /// Whether q < [`DIFFERENCE_Q`](super::DIFFERENCE_Q): called a difference.
    pub significant: bool,
    /// Higher or lower than the rest.
    pub direction: Direction,
}

/// A distinctive word of a group.
#[derive(Debug, Clone, Serialize)]
pub struct DistinctiveTerm {
    /// The word or two-word phrase, in its most frequent form in the group.
    pub term: String,
    /// The stem (or two stems) the statistic counts: every form of the word.
    pub stem: String,
    /// Occurrences in the group.
    pub count: u64,
    /// Interviews of the group that use it.
    pub interviews: usize,
    /// Log-odds ratio (delta).
    pub log_odds: f64,
    /// z-score.
    pub z: f64,
    /// Two-sided p-value of z.
    pub p_value: f64,
}

/// A job statement in a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRow {
    /// Interview id.
    pub interview: String,
    /// Participant.
    pub participant: String,
    /// Passage index.
    pub passage: usize,
    /// "When ..." part.
    pub situation: Option<String>,
    /// What they want.
    pub motivation: String,
    /// What for.
    pub outcome: Option<String>,
    /// The words that joined motivation and outcome (`so that`, `so`, `in order to`).
    pub link: Option<String>,
}

/// Saturation: distinct codes found as interviews accumulate.
#[derive(Debug, Clone, Serialize)]
pub struct Saturation {
    /// Interview ids in the order they were counted.
    pub order: Vec<String>,
    /// Cumulative distinct codes after each interview.
    pub cumulative: Vec<usize>,
    /// New codes each interview added.
    pub new_codes: Vec<usize>,
    /// Whether the last interviews still add codes.
    pub status: SaturationStatus,
}

/// Whether a group's interviews still find new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaturationStatus {
    /// The last two interviews added no new code: more interviews are unlikely to find new themes.
    Saturated,
    /// One of the last two interviews still added a code: keep interviewing.
    Climbing,
    /// Fewer than four interviews: too few to judge.
    TooFew,
}

impl SaturationStatus {
    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            SaturationStatus::Saturated => "saturated: the last two interviews added no new code",
            SaturationStatus::Climbing => "still climbing: recent interviews added new codes",
            SaturationStatus::TooFew => "too few interviews to judge",
        }
    }
}

/// A code prevalent in every group.
#[derive(Debug, Clone, Serialize)]
pub struct Golden {
    /// `family.name`.
    pub code: String,
    /// Lowest prevalence across groups.
    pub min_prevalence: f64,
    /// Prevalence per group, in group order.
    pub prevalence: Vec<f64>,
    /// Share of the study's participant passages with evidence of the code.
    pub passage_share: f64,
    /// What the themes are ranked by: `min_prevalence × (1 − passage_share)`.
    pub score: f64,
}

/// Two codes in the same passages.
#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    /// First code.
    pub a: String,
    /// Second code.
    pub b: String,
    /// Passages with both.
    pub count: usize,
    /// both / either.
    pub jaccard: f64,
}
