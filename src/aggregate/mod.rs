//! aggregate: takes coded interviews one at a time, gives per-group [`Aggregates`].
//!
//! Evidence is counted in interviews, not words: a code's prevalence in a persona is the
//! share of its interviews with at least one unnegated, unvetoed mention by a participant.
//! The [`Aggregator`] is a fold: it keeps counts, the best few quotes per code (each from a
//! different interview), word and phrase counts per group, and job rows; never the passages
//! themselves. `finish` computes the statistics: Fisher's exact test with Benjamini–Hochberg
//! q-values for code differences, weighted log-odds for words, golden themes, co-occurrence,
//! saturation and gaps. A fold can go on from the last run's ([`Aggregator::resume`]): a group
//! whose interviews are the same takes its merged term counts from it instead of merging them
//! again. Pure: no files (what it reads back comes through the caller's [`Fetch`]), and no
//! threads of its own.

mod quotes;
pub mod stats;
mod terms;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use quotes::Quote;
use terms::GroupTerms;
pub use terms::{is_content_word, TermCounts, Terms};

use crate::lexicon::Lexicon;
use crate::model::{CodedInterview, CodedPassage, Tag};
use crate::model::{Family, UNASSIGNED};

/// Benjamini–Hochberg q-value (false discovery rate over the codes tested for a group) below
/// which a code difference is called a difference. 10% is the usual rate for exploratory work.
pub const DIFFERENCE_Q: f64 = 0.10;
/// |z| above which a word is called distinctive (two-sided 95%).
pub const DISTINCTIVE_Z: f64 = 1.96;
/// Interviews per side below which the report says the sample is too small to tell.
pub const SMALL_SAMPLE: usize = 5;
/// Prevalence a code needs in every group to be golden.
pub const GOLDEN_PREVALENCE: f64 = 0.5;
/// Interviews of a group that must use a word before it can be called distinctive (one
/// talkative interviewee is not a persona).
pub const TERM_MIN_INTERVIEWS: usize = 2;
/// Quotes kept per code and group.
pub const QUOTES_PER_CODE: usize = 3;

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
    /// Thresholds used for the statements the report makes.
    pub thresholds: Thresholds,
}

/// The thresholds behind the report's claims.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    /// See [`DIFFERENCE_Q`].
    pub difference_q: f64,
    /// See [`DISTINCTIVE_Z`].
    pub distinctive_z: f64,
    /// See [`SMALL_SAMPLE`].
    pub small_sample: usize,
    /// See [`GOLDEN_PREVALENCE`].
    pub golden_prevalence: f64,
    /// See [`TERM_MIN_INTERVIEWS`].
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

/// What sets a group apart.
#[derive(Debug, Clone, Serialize)]
pub struct Distinctive {
    /// Codes whose prevalence differs from the rest, tested with Fisher's exact test.
    pub codes: Vec<DistinctiveCode>,
    /// Words and two-word phrases over-represented, by weighted log-odds with an informative Dirichlet prior.
    pub terms: Vec<DistinctiveTerm>,
    /// Set when either side has fewer than [`SMALL_SAMPLE`] interviews, or when even the most
    /// extreme split (every interview of the group, none of the rest) could not reach [`DIFFERENCE_Q`]:
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
    /// Whether q < [`DIFFERENCE_Q`]: called a difference.
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

#[derive(Default)]
struct CodeAcc {
    interviews: usize,
    mentions: usize,
    negated: usize,
    prompted: usize,
    hedged: usize,
    candidates: Vec<Quote>,
}

#[derive(Default)]
struct GroupAcc {
    interviews: usize,
    passages: usize,
    codes: BTreeMap<usize, CodeAcc>,
    families: BTreeMap<Family, usize>,
    words: GroupTerms,
    jobs: Vec<JobRow>,
    order: Vec<(String, BTreeSet<usize>)>,
    /// This run's keys of the group's interviews, in order (`None` once one comes without).
    keys: Option<Vec<Key>>,
    /// The last run's fold of the group, while this run's interviews are the same as its first
    /// `.1`: their term counts are not merged (nor decoded) unless the group turns out to differ.
    follows: Option<(LastGroup, usize)>,
    /// `words` as the last run encoded them, while they are what it left.
    encoded: Option<Vec<u8>>,
    /// Term counts that could not be read back: the group's words are incomplete.
    damaged: bool,
}

/// An interview's identity between runs (the run cache's key for it): the same key, the same
/// summary and term counts.
pub type Key = [u8; 32];

/// Reads back the term counts of interviews the last run folded, by key, in order (`None` if
/// one cannot be read); called from any thread.
pub type Fetch<'a> = dyn Fn(&[Key]) -> Option<Vec<TermCounts>> + Sync + 'a;

/// What a fold leaves for the next run ([`Aggregator::kept`], [`Aggregator::resume`]): per group,
/// the keys of its interviews in order and its term counts merged. A group whose interviews are
/// the same next time is not merged again: its counts are decoded from here.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Kept {
    groups: BTreeMap<String, LastGroup>,
}

#[derive(Debug, Serialize, Deserialize)]
struct LastGroup {
    keys: Vec<Key>,
    #[serde(with = "serde_bytes")]
    words: Vec<u8>,
}

/// A fold's [`Kept`] as it is written ([`Aggregator::kept`]).
#[derive(Serialize)]
#[serde(rename = "Kept")]
pub struct Keeping<'a> {
    groups: Groups<'a>,
}

/// [`Kept::groups`] as it is written: each group encoded when its turn comes.
struct Groups<'a>(Vec<(&'a str, &'a [Key], &'a GroupAcc)>);

impl Serialize for Groups<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        /// A [`LastGroup`] as it is written: the same fields, so the same bytes.
        #[derive(Serialize)]
        struct Written<'a> {
            keys: &'a [Key],
            #[serde(with = "serde_bytes")]
            words: std::borrow::Cow<'a, [u8]>,
        }
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for &(name, keys, g) in &self.0 {
            let words = match &g.encoded {
                Some(bytes) => std::borrow::Cow::Borrowed(bytes.as_slice()),
                None => std::borrow::Cow::Owned(g.words.encode()),
            };
            map.serialize_entry(name, &Written { keys, words })?;
        }
        map.end()
    }
}

/// One interview for [`Aggregator::add_all`]: its summary, its term counts and its key, if it has one.
pub struct Folded {
    /// From [`Summarizer::summarize`].
    pub summary: Summary,
    /// Its term counts: [`Terms::Encoded`] only when read back under `key`.
    pub terms: Terms,
    /// See [`Key`].
    pub key: Option<Key>,
}

/// Summarizes coded interviews for an [`Aggregator`], on any thread.
#[derive(Debug, Clone)]
pub struct Summarizer<'a> {
    lexicon: &'a Lexicon,
    by: String,
}

/// Counts of one code in one interview.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
struct CodeCounts {
    mentions: usize,
    prompted: usize,
    hedged: usize,
    negated: usize,
}

/// Passages per code and per pair of codes, in one interview.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct PairCounts {
    codes: HashMap<usize, usize>,
    pairs: HashMap<(usize, usize), usize>,
}

/// What the aggregates need of one interview besides its term counts: counts, its best quote
/// per code, its job rows (no passage text beyond the quotes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    group: String,
    passages: usize,
    codes: BTreeMap<usize, CodeCounts>,
    evidence_codes: BTreeSet<usize>,
    families: BTreeSet<Family>,
    #[serde(with = "quotes::scored")]
    best: HashMap<usize, Quote>,
    jobs: Vec<JobRow>,
    pairs: PairCounts,
    order_key: String,
}

/// The term counts of some interviews of one group, to merge into it ([`Aggregator::add_all`]).
pub struct TermMerge<'g> {
    group: &'g mut GroupAcc,
    /// Where the group's counts start from, when it stops following the last run.
    start: Option<Start>,
    counts: Vec<Terms>,
    fetch: Option<&'g Fetch<'g>>,
}

/// How a group that followed the last run catches up.
enum Start {
    /// It had all the last run's interviews: their counts merged, as the last run left them.
    Decode(Vec<u8>),
    /// It had the first of them: read back their counts.
    Fetch(Vec<Key>),
}

impl Start {
    /// How a group that followed `last` for its first `at` interviews catches up (`None`: it
    /// starts from nothing).
    fn of((last, at): (LastGroup, usize)) -> Option<Start> {
        if at == last.keys.len() {
            Some(Start::Decode(last.words))
        } else if at == 0 {
            None
        } else {
            let mut keys = last.keys;
            keys.truncate(at);
            Some(Start::Fetch(keys))
        }
    }
}

impl TermMerge<'_> {
    /// Merges the counts, in order.
    pub fn run(self) {
        let TermMerge { group, start, counts, fetch } = self;
        match start {
            None => {}
            Some(Start::Decode(bytes)) => match GroupTerms::decode(&bytes) {
                Some(words) => {
                    group.words = words;
                    group.encoded = Some(bytes);
                }
                None => group.damaged = true,
            },
            Some(Start::Fetch(keys)) => match fetch.and_then(|f| f(&keys)) {
                Some(all) => all.iter().for_each(|c| group.words.add(c)),
                None => group.damaged = true,
            },
        }
        for terms in counts {
            group.encoded = None;
            match terms.counts() {
                Some(c) => group.words.add(&c),
                None => group.damaged = true,
            }
        }
    }
}

impl Summarizer<'_> {
    /// Summarizes one interview.
    pub fn summarize(&self, interview: &CodedInterview) -> Summary {
        let group = interview.meta.attribute(&self.by).unwrap_or(UNASSIGNED).to_string();
        let mut codes: BTreeMap<usize, CodeCounts> = BTreeMap::new();
        let mut evidence_codes: BTreeSet<usize> = BTreeSet::new();
        // The best passage per code so far; its quote is made once, at the end.
        let mut best: HashMap<usize, (f64, &CodedPassage, &Tag, usize)> = HashMap::new();
        let mut jobs = Vec::new();
        let mut pairs = PairCounts::default();
        let mut passages = 0;
        for cp in &interview.passages {
            if !cp.passage.role.is_evidence() {
                continue;
            }
            passages += 1;
            let text = interview.text(&cp.passage);
            let mut here: Vec<usize> = Vec::new();
            let words = std::cell::OnceCell::new();
            for tag in &cp.tags {
                let acc = codes.entry(tag.code).or_default();
                if tag.is_evidence() {
                    acc.mentions += 1;
                    acc.prompted += usize::from(tag.prompted);
                    acc.hedged += usize::from(tag.hedged());
                    evidence_codes.insert(tag.code);
                    here.push(tag.code);
                    let words = *words.get_or_init(|| crate::words::word_count(text));
                    let s = quotes::score(tag, words);
                    if best.get(&tag.code).is_none_or(|(score, ..)| *score < s) {
                        best.insert(tag.code, (s, cp, tag, words));
                    }
                } else if tag.negated() {
                    acc.negated += 1;
                }
            }
            for (i, &a) in here.iter().enumerate() {
                *pairs.codes.entry(a).or_default() += 1;
                for &b in &here[i + 1..] {
                    *pairs.pairs.entry((a.min(b), a.max(b))).or_default() += 1;
                }
            }
            for job in &cp.jobs {
                jobs.push(JobRow {
                    interview: interview.meta.id.clone(),
                    participant: interview.meta.participant.clone(),
                    passage: cp.passage.index,
                    situation: job.situation.clone(),
                    motivation: job.motivation.clone(),
                    outcome: job.outcome.clone(),
                });
            }
        }
        let families = evidence_codes.iter().map(|&c| self.lexicon.codes()[c].family()).collect();
        let order_key = interview
            .meta
            .attribute("date")
            .map(|d| format!("{d}\u{0}{}", interview.meta.id))
            .unwrap_or_else(|| interview.meta.id.clone());
        let (id, participant) = (&interview.meta.id, &interview.meta.participant);
        let best = best
            .into_iter()
            .map(|(code, (s, cp, tag, words))| {
                (code, quotes::make(id, participant, &cp.passage, (interview.text(&cp.passage), words), tag, s))
            })
            .collect();
        Summary { group, passages, codes, evidence_codes, families, best, jobs, pairs, order_key }
    }
}

/// Folds coded interviews into aggregates.
pub struct Aggregator<'a> {
    lexicon: &'a Lexicon,
    by: String,
    groups: BTreeMap<String, GroupAcc>,
    pairs: HashMap<(usize, usize), usize>,
    code_passages: HashMap<usize, usize>,
    interviews: usize,
    /// The last run's groups not met yet.
    last: BTreeMap<String, LastGroup>,
    fetch: Option<Box<Fetch<'a>>>,
}

impl<'a> Aggregator<'a> {
    /// An aggregator grouping by `by` (`persona`, or any manifest attribute).
    pub fn new(lexicon: &'a Lexicon, by: &str) -> Aggregator<'a> {
        Aggregator {
            lexicon,
            by: by.to_string(),
            groups: BTreeMap::new(),
            pairs: HashMap::new(),
            code_passages: HashMap::new(),
            interviews: 0,
            last: BTreeMap::new(),
            fetch: None,
        }
    }

    /// Goes on from what the last run's fold left: a group whose interviews (by key, from
    /// [`Folded::key`]) are the ones it had, in the same order, takes its term counts from `kept`
    /// without merging them again; a group that differs merges from where it starts to differ,
    /// reading back with `fetch` the counts it skipped. Call before adding interviews.
    pub fn resume(&mut self, kept: Kept, fetch: Box<Fetch<'a>>) {
        self.last = kept.groups;
        self.fetch = Some(fetch);
    }

    /// Adds one interview, with the word counts coding made of it.
    pub fn add(&mut self, interview: &CodedInterview, terms: &TermCounts) {
        let summary = self.summarizer().summarize(interview);
        self.add_summary(summary, terms);
    }

    /// What [`Summarizer::summarize`] needs of the aggregator: cheap to share with workers.
    pub fn summarizer(&self) -> Summarizer<'a> {
        Summarizer { lexicon: self.lexicon, by: self.by.clone() }
    }

    /// Adds one interview, summarized (on any thread) by [`Summarizer::summarize`], with its
    /// term counts.
    pub fn add_summary(&mut self, summary: Summary, terms: &TermCounts) {
        let name = summary.group.clone();
        self.add_counts(summary, None);
        let fetch = self.fetch.as_deref();
        if let Some(group) = self.groups.get_mut(&name) {
            let start = group.follows.take().and_then(Start::of);
            TermMerge { group, start, counts: Vec::new(), fetch }.run();
            group.words.add(terms);
            group.encoded = None;
        }
    }

    /// Adds interviews summarized by the workers, in order. Their term counts, the costly part,
    /// are merged group by group: `merge` is given one [`TermMerge`] per group and may run them
    /// in parallel (each group's interviews merge in order, so the result never depends on it).
    pub fn add_all(&mut self, batch: Vec<Folded>, merge: impl FnOnce(Vec<TermMerge<'_>>)) {
        let mut work: BTreeMap<String, (Option<Start>, Vec<Terms>)> = BTreeMap::new();
        for Folded { summary, terms, key } in batch {
            let name = summary.group.clone();
            let group = self.add_counts(summary, key);
            if let Some((last, at)) = &mut group.follows {
                if matches!(terms, Terms::Encoded(_)) && key.is_some() && last.keys.get(*at) == key.as_ref() {
                    *at += 1;
                    continue;
                }
            }
            let start = group.follows.take().and_then(Start::of);
            let todo = work.entry(name).or_default();
            todo.0 = todo.0.take().or(start);
            todo.1.push(terms);
        }
        self.merge(work, merge);
    }

    /// Ends the fold of a run that [resumed](Aggregator::resume): the groups that still follow the
    /// last run take its counts, or read back those they skipped. Gives the number of groups
    /// whose counts could not be read back (their terms are incomplete: the run cannot report).
    pub fn settle(&mut self, merge: impl FnOnce(Vec<TermMerge<'_>>)) -> usize {
        let work = self
            .groups
            .iter_mut()
            .filter_map(|(name, g)| Some((name.clone(), (Start::of(g.follows.take()?), Vec::new()))))
            .collect();
        self.merge(work, merge);
        self.last.clear();
        self.groups.values().filter(|g| g.damaged).count()
    }

    fn merge(
        &mut self,
        mut work: BTreeMap<String, (Option<Start>, Vec<Terms>)>,
        merge: impl FnOnce(Vec<TermMerge<'_>>),
    ) {
        if work.is_empty() {
            return;
        }
        let fetch = self.fetch.as_deref();
        let merges = self
            .groups
            .iter_mut()
            .filter_map(|(name, group)| {
                let (start, counts) = work.remove(name)?;
                Some(TermMerge { group, start, counts, fetch })
            })
            .collect();
        merge(merges);
    }

    /// What this fold leaves for the next run's [`Aggregator::resume`] (the groups whose
    /// interviews all had keys), to serialize: it reads back as a [`Kept`]. Each group's counts
    /// are encoded as they are written, one group at a time. Call after [`Aggregator::settle`].
    pub fn kept(&self) -> Keeping<'_> {
        let groups = self
            .groups
            .iter()
            .filter(|(_, g)| !g.damaged)
            .filter_map(|(name, g)| Some((name.as_str(), g.keys.as_deref()?, g)))
            .collect();
        Keeping { groups: Groups(groups) }
    }

    /// Adds everything of a summary but its term counts; gives its group.
    fn add_counts(&mut self, summary: Summary, key: Option<Key>) -> &mut GroupAcc {
        let Summary { group: name, passages, codes, evidence_codes, families, best, jobs, pairs, order_key } = summary;
        self.interviews += 1;
        let group = match self.groups.entry(name) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let follows = self.last.remove(e.key()).map(|last| (last, 0));
                e.insert(GroupAcc { keys: Some(Vec::new()), follows, ..GroupAcc::default() })
            }
        };
        match (&mut group.keys, key) {
            (Some(keys), Some(key)) => keys.push(key),
            (keys, _) => *keys = None,
        }
        group.interviews += 1;
        group.passages += passages;
        for (code, n) in codes {
            let acc = group.codes.entry(code).or_default();
            acc.mentions += n.mentions;
            acc.prompted += n.prompted;
            acc.hedged += n.hedged;
            acc.negated += n.negated;
        }
        for (code, count) in pairs.codes {
            *self.code_passages.entry(code).or_default() += count;
        }
        for (pair, count) in pairs.pairs {
            *self.pairs.entry(pair).or_default() += count;
        }
        group.jobs.extend(jobs);
        for &c in &evidence_codes {
            group.codes.entry(c).or_default().interviews += 1;
        }
        for f in families {
            *group.families.entry(f).or_default() += 1;
        }
        for (code, q) in best {
            let candidates = &mut group.codes.entry(code).or_default().candidates;
            candidates.push(q);
            // Keep only the best few: memory stays bounded however many interviews a study has.
            if candidates.len() > QUOTES_PER_CODE {
                sort_quotes(candidates);
                candidates.truncate(QUOTES_PER_CODE);
            }
        }
        group.order.push((order_key, evidence_codes));
        group
    }

    /// Computes the statistics and selects the quotes. A resumed fold is [settled](Aggregator::settle)
    /// first if it was not (on this thread, and without saying whether counts were missing).
    pub fn finish(mut self, study: &str) -> Aggregates {
        if self.groups.values().any(|g| g.follows.is_some()) {
            self.settle(|merges| merges.into_iter().for_each(TermMerge::run));
        }
        let codes = self.lexicon.codes();
        let totals: HashMap<usize, usize> = {
            let mut t = HashMap::new();
            for g in self.groups.values() {
                for (c, acc) in &g.codes {
                    *t.entry(*c).or_default() += acc.interviews;
                }
            }
            t
        };
        let distinct = self.groups.values().map(|g| g.words.len()).sum();
        let mut corpus_words: FxHashMap<&str, u64> = FxHashMap::with_capacity_and_hasher(distinct, Default::default());
        let mut corpus_total = 0u64;
        for g in self.groups.values() {
            corpus_total += g.words.words;
            for t in g.words.iter() {
                *corpus_words.entry(t.key()).or_default() += t.count();
            }
        }
        // Each group's statistics on its own thread: they only read.
        let groups: Vec<(&String, &GroupAcc)> = self.groups.iter().collect();
        let persona = |&(name, g): &(&String, &GroupAcc)| -> Persona {
            let n = g.interviews;
            let rest_n = self.interviews - n;
            let mut code_stats: Vec<CodeStats> = g
                .codes
                .iter()
                .map(|(&c, acc)| {
                    let mut candidates = acc.candidates.clone();
                    sort_quotes(&mut candidates);
                    CodeStats {
                        code: codes[c].id.to_string(),
                        family: codes[c].family(),
                        label: codes[c].label.clone(),
                        interviews: acc.interviews,
                        prevalence: ratio(acc.interviews, n),
                        mentions: acc.mentions,
                        negated: acc.negated,
                        prompted: acc.prompted,
                        hedged: ratio(acc.hedged, acc.mentions),
                        quotes: candidates,
                    }
                })
                .collect();
            code_stats.sort_by(|a, b| {
                b.interviews.cmp(&a.interviews).then(b.mentions.cmp(&a.mentions)).then(a.code.cmp(&b.code))
            });
            let distinctive_codes =
                if rest_n > 0 { distinctive_codes(codes, g, &totals, n, rest_n) } else { Vec::new() };
            let min_p_value =
                if rest_n > 0 { stats::fisher_exact(n as u64, 0, 0, rest_n as u64).p_two_sided } else { 1.0 };
            let terms = if rest_n > 0 { distinctive_terms(g, &corpus_words, corpus_total) } else { Vec::new() };
            let families: Vec<FamilyStats> = Family::ALL
                .iter()
                .map(|&f| {
                    let k = g.families.get(&f).copied().unwrap_or(0);
                    FamilyStats { family: f, interviews: k, prevalence: ratio(k, n) }
                })
                .collect();
            let gaps = families.iter().filter(|f| f.interviews == 0).map(|f| f.family).collect();
            let known_unknowns = code_stats
                .iter()
                .filter(|c| c.family == Family::Uncertainty)
                .flat_map(|c| c.quotes.iter().cloned())
                .take(6)
                .collect();
            Persona {
                name: name.clone(),
                interviews: n,
                passages: g.passages,
                families,
                codes: code_stats,
                distinctive: Distinctive {
                    codes: distinctive_codes,
                    terms,
                    small_sample: n < SMALL_SAMPLE || rest_n < SMALL_SAMPLE || min_p_value >= DIFFERENCE_Q,
                    min_p_value,
                },
                jobs: g.jobs.clone(),
                gaps,
                known_unknowns,
                saturation: saturation(&g.order),
            }
        };
        let personas: Vec<Persona> = groups.par_iter().map(persona).collect();
        let golden = golden(&personas);
        let mut cooccurrence: Vec<Cooccurrence> = self
            .pairs
            .iter()
            .map(|(&(a, b), &count)| {
                let either = self.code_passages[&a] + self.code_passages[&b] - count;
                Cooccurrence {
                    a: codes[a].id.to_string(),
                    b: codes[b].id.to_string(),
                    count,
                    jaccard: ratio(count, either),
                }
            })
            .collect();
        cooccurrence.sort_by(|x, y| y.count.cmp(&x.count).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
        cooccurrence.truncate(25);
        let used: BTreeSet<usize> = self.groups.values().flat_map(|g| g.codes.keys().copied()).collect();
        let codebook = used
            .into_iter()
            .map(|c| CodebookEntry {
                code: codes[c].id.to_string(),
                family: codes[c].family(),
                parent: codes[c].parent.to_string(),
                label: codes[c].label.clone(),
                description: codes[c].description.clone(),
            })
            .collect();
        Aggregates {
            study: study.to_string(),
            group_by: self.by,
            lexicon: self.lexicon.fingerprint().to_string(),
            interviews: self.interviews,
            personas,
            golden,
            cooccurrence,
            codebook,
            thresholds: Thresholds {
                difference_q: DIFFERENCE_Q,
                distinctive_z: DISTINCTIVE_Z,
                small_sample: SMALL_SAMPLE,
                golden_prevalence: GOLDEN_PREVALENCE,
                term_min_interviews: TERM_MIN_INTERVIEWS,
            },
        }
    }
}

/// Best quote first; ties by interview id, so the choice does not depend on the order interviews came in.
fn sort_quotes(quotes: &mut [Quote]) {
    quotes.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.interview.cmp(&b.interview)));
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Fisher's exact test per code with evidence anywhere in the study, this group against the
/// rest, with Benjamini–Hochberg q-values over all of them (codes with equal prevalence count as
/// tests too). Gives the codes whose prevalence differs, most significant first.
fn distinctive_codes(
    codes: &[crate::lexicon::Code],
    g: &GroupAcc,
    totals: &HashMap<usize, usize>,
    n: usize,
    rest_n: usize,
) -> Vec<DistinctiveCode> {
    let mut tested: Vec<(usize, u64, u64, f64)> = totals
        .iter()
        .filter(|(_, &total)| total > 0)
        .map(|(&c, &total)| {
            let a = g.codes.get(&c).map_or(0, |acc| acc.interviews) as u64;
            let cc = (total as u64).saturating_sub(a);
            let f = stats::fisher_exact(a, (n as u64).saturating_sub(a), cc, (rest_n as u64).saturating_sub(cc));
            (c, a, cc, f.p_two_sided)
        })
        .collect();
    tested.sort_by_key(|t| t.0);
    let q = stats::benjamini_hochberg(&tested.iter().map(|t| t.3).collect::<Vec<_>>());
    let mut out: Vec<DistinctiveCode> = tested
        .iter()
        .zip(q)
        .filter_map(|(&(c, a, cc, p), q)| {
            let prevalence = ratio(a as usize, n);
            let rest_prevalence = ratio(cc as usize, rest_n);
            if prevalence == rest_prevalence {
                return None;
            }
            let (b, d) = ((n as u64).saturating_sub(a), (rest_n as u64).saturating_sub(cc));
            Some(DistinctiveCode {
                code: codes[c].id.to_string(),
                interviews: a as usize,
                prevalence,
                rest_interviews: cc as usize,
                rest_prevalence,
                p_value: p,
                q_value: q,
                log_odds_ratio: stats::haldane_log_odds_ratio(a, b, cc, d),
                significant: q < DIFFERENCE_Q,
                direction: if prevalence > rest_prevalence { Direction::Higher } else { Direction::Lower },
            })
        })
        .collect();
    out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.code.cmp(&b.code)));
    out.truncate(20);
    out
}

fn distinctive_terms(g: &GroupAcc, corpus: &FxHashMap<&str, u64>, corpus_total: u64) -> Vec<DistinctiveTerm> {
    let n_i = g.words.words;
    let n_j = corpus_total.saturating_sub(n_i);
    if n_i == 0 || n_j == 0 {
        return Vec::new();
    }
    // Prior: the whole study's word distribution, scaled to a tenth of its size.
    let a0 = corpus_total as f64 * 0.1;
    let mut out: Vec<DistinctiveTerm> = g
        .words
        .iter()
        .filter(|t| {
            t.count() >= 3
                && t.interviews() >= TERM_MIN_INTERVIEWS
                && (t.key().contains(' ') || is_content_word(t.key()))
        })
        .map(|t| {
            let (w, y_i) = (t.key(), t.count());
            let total = corpus.get(w).copied().unwrap_or(y_i);
            let a_w = stats::informative_prior(total, corpus_total, a0);
            let lo = stats::log_odds_dirichlet(y_i, n_i, total - y_i, n_j, a_w, a0);
            DistinctiveTerm {
                term: t.form().to_string(),
                stem: w.to_string(),
                count: y_i,
                interviews: t.interviews(),
                log_odds: lo.delta,
                z: lo.z,
                p_value: stats::two_sided_p_from_z(lo.z),
            }
        })
        .filter(|t| t.z > DISTINCTIVE_Z)
        .collect();
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.term.cmp(&b.term)));
    out.truncate(15);
    out
}

fn saturation(order: &[(String, BTreeSet<usize>)]) -> Saturation {
    let mut sorted: Vec<&(String, BTreeSet<usize>)> = order.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = BTreeSet::new();
    let (mut cumulative, mut new_codes) = (Vec::new(), Vec::new());
    for (_, codes) in &sorted {
        let before = seen.len();
        seen.extend(codes.iter().copied());
        new_codes.push(seen.len() - before);
        cumulative.push(seen.len());
    }
    let status = if sorted.len() < 4 {
        SaturationStatus::TooFew
    } else if new_codes[new_codes.len() - 2..].iter().all(|&n| n == 0) {
        SaturationStatus::Saturated
    } else {
        SaturationStatus::Climbing
    };
    Saturation {
        order: sorted.iter().map(|(k, _)| k.rsplit('\u{0}').next().unwrap_or(k).to_string()).collect(),
        cumulative,
        new_codes,
        status,
    }
}

fn golden(personas: &[Persona]) -> Vec<Golden> {
    if personas.len() < 2 {
        return Vec::new();
    }
    let mut all: BTreeSet<&str> = BTreeSet::new();
    for p in personas {
        all.extend(p.codes.iter().map(|c| c.code.as_str()));
    }
    let mut out: Vec<Golden> = all
        .into_iter()
        .filter_map(|code| {
            let prevalence: Vec<f64> = personas
                .iter()
                .map(|p| p.codes.iter().find(|c| c.code == code).map_or(0.0, |c| c.prevalence))
                .collect();
            let min = prevalence.iter().copied().fold(f64::INFINITY, f64::min);
            (min >= GOLDEN_PREVALENCE).then(|| Golden { code: code.to_string(), min_prevalence: min, prevalence })
        })
        .collect();
    out.sort_by(|a, b| b.min_prevalence.total_cmp(&a.min_prevalence).then(a.code.cmp(&b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};
    use crate::model::InterviewMeta;
    use crate::pipeline::{code_passages, Coded};
    use crate::segment::{segment, RoleRules};

    fn interview(lexicon: &Lexicon, analyzer: &Analyzer, id: &str, persona: &str, text: &str) -> Coded {
        let transcript =
            crate::ingest::read("x.txt".as_ref(), text.as_bytes()).map(|r| r.transcript).unwrap_or_default();
        let rules = RoleRules { interviewers: vec!["Maya".into()], participants: Vec::new() };
        let (passages, terms) = code_passages(
            lexicon,
            analyzer,
            &transcript.document,
            segment(&transcript, &rules),
            crate::pipeline::Output { terms: true, index: false },
        );
        let meta = InterviewMeta {
            id: id.into(),
            source: format!("transcripts/{id}.txt"),
            participant: id.into(),
            persona: persona.into(),
            attributes: vec![("segment".into(), if id.ends_with('1') { "one".into() } else { "other".into() })],
        };
        Coded { interview: CodedInterview { meta, transcript, passages }, terms }
    }

    /// Three "Ops" interviews that all talk about downtime (one of them five times) and electricity,
    /// and three "Fac" interviews that negate downtime and talk about electricity.
    fn aggregates(by: &str) -> Aggregates {
        let analyzer = Analyzer::new(Language::English);
        let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let ops = "Maya: What worries you?\nAna: Downtime. Downtime, downtime, downtime and downtime again. \
                   The electricity cost is huge too.\n";
        let fac = "Maya: What worries you?\nBo: We are not worried about downtime at all. The electricity cost \
                   is what I watch, electricity every month.\n";
        let mut agg = Aggregator::new(&lexicon, by);
        for i in 1..=3 {
            for c in [
                interview(&lexicon, &analyzer, &format!("ops{i}"), "Ops", ops),
                interview(&lexicon, &analyzer, &format!("fac{i}"), "Fac", fac),
            ] {
                agg.add(&c.interview, &c.terms);
            }
        }
        agg.finish("test")
    }

    #[test]
    fn term_counts_merged_by_group_in_any_order_give_the_sequential_result() {
        let analyzer = Analyzer::new(Language::English);
        let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let texts = [
            ("Ops", "Ana: Downtime worries me, chiller downtime above all, and the chiller plant."),
            ("Fac", "Bo: The electricity cost is what I watch, the chiller plant electricity."),
            ("Ops", "Cy: Chiller plant downtime again, downtime every summer."),
            ("Fac", "Di: Electricity bills and the chiller plant, electricity cost."),
        ];
        let interviews: Vec<Coded> = texts
            .iter()
            .enumerate()
            .map(|(i, (persona, text))| interview(&lexicon, &analyzer, &format!("i{i}"), persona, text))
            .collect();
        let mut sequential = Aggregator::new(&lexicon, "persona");
        for i in &interviews {
            sequential.add(&i.interview, &i.terms);
        }
        let mut batched = Aggregator::new(&lexicon, "persona");
        let summarizer = batched.summarizer();
        let batch = interviews
            .iter()
            .map(|i| Folded {
                summary: summarizer.summarize(&i.interview),
                terms: Terms::Counted(i.terms.clone()),
                key: None,
            })
            .collect();
        let mut groups = 0;
        batched.add_all(batch, |mut merges| {
            groups = merges.len();
            merges.reverse();
            merges.into_iter().for_each(TermMerge::run);
        });
        assert_eq!(groups, 2);
        let terms = |a: &Aggregator| -> Vec<(String, String, u64, usize, String)> {
            let mut all: Vec<_> = a
                .groups
                .iter()
                .flat_map(|(g, acc)| {
                    acc.words
                        .iter()
                        .map(|t| (g.clone(), t.key().to_string(), t.count(), t.interviews(), t.form().into()))
                })
                .collect();
            all.sort();
            all
        };
        let merged = terms(&batched);
        assert!(merged.contains(&("Ops".into(), "chiller plant".into(), 2, 2, "chiller plant".into())), "{merged:?}");
        assert_eq!(merged, terms(&sequential));
        let json = |a: Aggregator| serde_json::to_value(a.finish("t")).unwrap_or_default();
        assert_eq!(json(sequential), json(batched));
    }

    /// One fold of `items` (an interview, its key, and whether it is read back from the last
    /// run's cache, where `read_back` gives its encoding), resuming from `last` when given and
    /// fetching from `all` by key (`None`: every fetch fails). Gives the aggregates as JSON, what
    /// the fold keeps, the keys it fetched, and the groups it could not complete.
    fn fold(
        lexicon: &Lexicon,
        items: &[(&Coded, Key, Option<Vec<u8>>)],
        last: Option<Kept>,
        all: Option<&[(Key, &Coded)]>,
    ) -> (serde_json::Value, Kept, Vec<Key>, usize) {
        let fetched = std::sync::Mutex::new(Vec::new());
        let mut agg = Aggregator::new(lexicon, "persona");
        if let Some(last) = last {
            agg.resume(
                last,
                Box::new(|keys: &[Key]| {
                    fetched.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(keys);
                    let all = all?;
                    keys.iter().map(|k| all.iter().find(|(key, _)| key == k).map(|(_, i)| i.terms.clone())).collect()
                }),
            );
        }
        let summarizer = agg.summarizer();
        // Two batches, so that following the last run spans more than one.
        for half in items.chunks(items.len().div_ceil(2)) {
            let batch = half
                .iter()
                .map(|(i, key, read_back)| Folded {
                    summary: summarizer.summarize(&i.interview),
                    terms: match read_back {
                        Some(bytes) => Terms::Encoded(bytes.clone()),
                        None => Terms::Counted(i.terms.clone()),
                    },
                    key: Some(*key),
                })
                .collect();
            agg.add_all(batch, |merges| merges.into_iter().for_each(TermMerge::run));
        }
        let damaged = agg.settle(|merges| merges.into_iter().for_each(TermMerge::run));
        // Written as a run writes it, read back as the next run reads it.
        let written = postcard::to_stdvec(&agg.kept()).unwrap_or_else(|e| panic!("{e}"));
        let kept: Kept = postcard::from_bytes(&written).unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_value(agg.finish("t")).unwrap_or_default();
        (json, kept, fetched.into_inner().unwrap_or_else(|e| e.into_inner()), damaged)
    }

    #[test]
    fn a_resumed_fold_merges_only_the_groups_that_changed_and_reports_what_a_fresh_fold_does() {
        let analyzer = Analyzer::new(Language::English);
        let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = |i: usize| {
            format!("Ana: Downtime worries me, chiller {i} downtime and the chiller plant number {i}, plant {}.", i % 3)
        };
        // Ops: a0..a3, Fac: b0..b2, interleaved; a2 is edited into e2.
        let made: Vec<(String, &str, String)> = (0..4)
            .map(|i| (format!("a{i}"), "Ops", text(i)))
            .chain((0..3).map(|i| (format!("b{i}"), "Fac", text(10 + i))))
            .chain([("e2".to_string(), "Ops", text(99))])
            .collect();
        let interviews: Vec<Coded> =
            made.iter().map(|(id, persona, t)| interview(&lexicon, &analyzer, id, persona, t)).collect();
        let key = |id: &str| -> Key {
            let mut k = [0u8; 32];
            k[..id.len()].copy_from_slice(id.as_bytes());
            k
        };
        let by_id = |id: &str| interviews.iter().find(|i| i.interview.meta.id == id).unwrap_or_else(|| panic!("{id}"));
        let all: Vec<(Key, &Coded)> = interviews.iter().map(|i| (key(&i.interview.meta.id), i)).collect();
        let encoded = |i: &Coded| postcard::to_stdvec(&Terms::Counted(i.terms.clone())).ok();
        // What a run hands the fold: read back (encoded) unless the id is in `coded`.
        let items = |order: &[&str], coded: &[&str]| -> Vec<(&Coded, Key, Option<Vec<u8>>)> {
            order
                .iter()
                .map(|id| {
                    let i = by_id(id);
                    let bytes = (!coded.contains(id)).then(|| encoded(i)).flatten();
                    // The bytes a cache record holds are a postcard byte string around the counts.
                    let bytes = bytes.map(|b| postcard::from_bytes::<serde_bytes::ByteBuf>(&b).map(|b| b.into_vec()));
                    (i, key(id), bytes.transpose().unwrap_or_else(|e| panic!("{e}")))
                })
                .collect()
        };
        let first = ["a0", "b0", "a1", "b1", "a2", "b2", "a3"];
        let (fresh, kept, fetched, damaged) = fold(&lexicon, &items(&first, &first), None, None);
        assert_eq!((fetched.len(), damaged), (0, 0));
        assert_eq!(kept.groups.len(), 2);
        assert_eq!(kept.groups["Ops"].keys, [key("a0"), key("a1"), key("a2"), key("a3")]);
        let resumed = |order: &[&str], coded: &[&str]| {
            let (_, kept, ..) = fold(&lexicon, &items(&first, &first), None, None);
            fold(&lexicon, &items(order, coded), Some(kept), Some(&all))
        };
        let fresh_of = |order: &[&str]| fold(&lexicon, &items(order, order), None, None).0;

        // Unchanged: no group merges anything, so counts given as garbage are never decoded.
        let garbage: Vec<_> =
            items(&first, &[]).into_iter().map(|(i, k, _)| (i, k, Some(b"not counts".to_vec()))).collect();
        let (json, again, fetched, damaged) = fold(&lexicon, &garbage, Some(kept), Some(&all));
        assert_eq!((json, fetched.len(), damaged), (fresh.clone(), 0, 0));
        assert_eq!(again.groups["Ops"].words, fold(&lexicon, &items(&first, &first), None, None).1.groups["Ops"].words);

        // a2 edited: Ops reads back a0 and a1 and merges from there; Fac is taken whole.
        let edited = ["a0", "b0", "a1", "b1", "e2", "b2", "a3"];
        let (json, kept_edited, fetched, damaged) = resumed(&edited, &["e2"]);
        assert_eq!((&json, &fetched, damaged), (&fresh_of(&edited), &vec![key("a0"), key("a1")], 0));
        assert_ne!(json, fresh, "the edit shows");
        // What it keeps is what a fresh fold of the edited study keeps: a run after it resumes as well.
        let garbage: Vec<_> =
            items(&edited, &[]).into_iter().map(|(i, k, _)| (i, k, Some(b"not counts".to_vec()))).collect();
        let (json_after, _, fetched, damaged) = fold(&lexicon, &garbage, Some(kept_edited), Some(&all));
        assert_eq!((json_after, fetched.len(), damaged), (json, 0, 0));

        // A new interview at the end of Ops: its counts are merged onto the kept ones, nothing is read back.
        let appended = ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "e2"];
        let (json, _, fetched, damaged) = resumed(&appended, &["e2"]);
        assert_eq!((json, fetched.len(), damaged), (fresh_of(&appended), 0, 0));

        // a3 removed: Ops had the first three of the last run's four, read back at the end.
        let removed = ["a0", "b0", "a1", "b1", "a2", "b2"];
        let (json, _, fetched, damaged) = resumed(&removed, &[]);
        assert_eq!((json, fetched, damaged), (fresh_of(&removed), vec![key("a0"), key("a1"), key("a2")], 0));

        // Counts that cannot be read back leave the group incomplete, and say so.
        let (_, kept, ..) = fold(&lexicon, &items(&first, &first), None, None);
        let (.., damaged) = fold(&lexicon, &items(&edited, &["e2"]), Some(kept), None);
        assert_eq!(damaged, 1);
    }

    fn code<'a>(p: &'a Persona, id: &str) -> Option<&'a CodeStats> {
        p.codes.iter().find(|c| c.code == id)
    }

    #[test]
    fn prevalence_counts_interviews_not_words_and_never_negated_mentions() {
        let agg = aggregates("persona");
        let names: Vec<&str> = agg.personas.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Fac", "Ops"]);
        let (fac, ops) = (&agg.personas[0], &agg.personas[1]);
        let downtime = code(ops, "risk.downtime").unwrap_or_else(|| panic!("{:?}", ops.codes));
        assert_eq!((downtime.interviews, downtime.prevalence), (3, 1.0));
        assert_eq!(downtime.mentions, 3, "one passage per interview, however many words");
        let negated = code(fac, "risk.downtime").unwrap_or_else(|| panic!("{:?}", fac.codes));
        assert_eq!((negated.interviews, negated.mentions, negated.negated), (0, 0, 3));
        assert!(negated.quotes.is_empty());
        // Quotes: one per interview, at most QUOTES_PER_CODE.
        let interviews: BTreeSet<&str> = downtime.quotes.iter().map(|q| q.interview.as_str()).collect();
        assert_eq!(interviews.len(), downtime.quotes.len());
        assert_eq!(downtime.quotes.len(), QUOTES_PER_CODE);
    }

    #[test]
    fn three_against_three_is_too_small_to_call_a_difference() {
        let agg = aggregates("persona");
        let ops = &agg.personas[1];
        let d = ops.distinctive.codes.iter().find(|d| d.code == "risk.downtime").unwrap_or_else(|| panic!("untested"));
        // Fisher on [[3, 0], [0, 3]]: two-sided p = 2 / C(6, 3) = 0.1 (hand computed).
        assert!((d.p_value - 0.1).abs() < 1e-12, "{}", d.p_value);
        assert!(d.q_value >= d.p_value);
        assert!(!d.significant);
        assert_eq!(d.direction, Direction::Higher);
        assert!(ops.distinctive.small_sample);
        assert!((ops.distinctive.min_p_value - 0.1).abs() < 1e-12);
        // Cost is everywhere: golden, not distinctive.
        assert!(agg.golden.iter().any(|g| g.code == "need.cost" && g.prevalence == [1.0, 1.0]), "{:?}", agg.golden);
        assert!(!ops.distinctive.codes.iter().any(|d| d.code == "need.cost"));
    }

    #[test]
    fn distinctive_words_show_their_surface_form() {
        let agg = aggregates("persona");
        let ops = &agg.personas[1];
        let t = ops
            .distinctive
            .terms
            .iter()
            .find(|t| t.stem == "downtim")
            .unwrap_or_else(|| panic!("{:?}", ops.distinctive.terms));
        assert_eq!(t.term, "downtime");
        assert_eq!(t.interviews, 3);
        assert!(t.z > DISTINCTIVE_Z);
    }

    #[test]
    fn groups_by_any_attribute() {
        let agg = aggregates("segment");
        assert_eq!(agg.group_by, "segment");
        let sizes: Vec<(&str, usize)> = agg.personas.iter().map(|p| (p.name.as_str(), p.interviews)).collect();
        assert_eq!(sizes, [("one", 2), ("other", 4)]);
    }

    #[test]
    fn saturation_flags_flat_and_climbing_ends() {
        let set = |c: &[usize]| c.iter().copied().collect::<BTreeSet<usize>>();
        let flat = saturation(&[
            ("b".into(), set(&[1, 2])),
            ("a".into(), set(&[1])),
            ("c".into(), set(&[3])),
            ("d".into(), set(&[2, 3])),
            ("e".into(), set(&[1])),
        ]);
        assert_eq!(flat.order, ["a", "b", "c", "d", "e"]);
        assert_eq!(flat.cumulative, [1, 2, 3, 3, 3]);
        assert_eq!(flat.new_codes, [1, 1, 1, 0, 0]);
        assert_eq!(flat.status, SaturationStatus::Saturated);
        let climbing = saturation(&[
            ("a".into(), set(&[1])),
            ("b".into(), set(&[1])),
            ("c".into(), set(&[1])),
            ("d".into(), set(&[4])),
        ]);
        assert_eq!(climbing.status, SaturationStatus::Climbing);
        assert_eq!(saturation(&[("a".into(), set(&[1]))]).status, SaturationStatus::TooFew);
    }
}
