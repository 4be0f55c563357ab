//! One interview summarized for the fold, on the worker that coded it: counts per code and
//! family, its best quote per code, its job rows and code pairs; no passage text beyond those.

use super::*;

/// Summarizes coded interviews for an [`Aggregator`], on any thread.
#[derive(Debug, Clone)]
pub struct Summarizer<'a> {
    pub(super) lexicon: &'a Lexicon,
    pub(super) by: String,
}

/// Counts of one code in one interview.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
pub(super) struct CodeCounts {
    pub(super) mentions: usize,
    pub(super) prompted: usize,
    pub(super) hedged: usize,
    pub(super) negated: usize,
}

/// Passages per code and per pair of codes, in one interview.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct PairCounts {
    pub(super) codes: HashMap<usize, usize>,
    pub(super) pairs: HashMap<(usize, usize), usize>,
}

/// What the aggregates need of one interview besides its term counts: counts, its best quote
/// per code, its job rows (no passage text beyond the quotes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub(super) group: String,
    pub(super) passages: usize,
    pub(super) codes: BTreeMap<usize, CodeCounts>,
    pub(super) evidence_codes: BTreeSet<usize>,
    pub(super) families: BTreeSet<Family>,
    #[serde(with = "quotes::scored")]
    pub(super) best: HashMap<usize, Quote>,
    pub(super) jobs: Vec<JobRow>,
    pub(super) pairs: PairCounts,
    pub(super) order_key: String,
    pub(super) journey: journey::Seen,
    pub(super) buying: buying::Seen,
    /// Per code, the passages where it is evidence and the matched words (lowercased) that counted.
    pub(super) evidence: BTreeMap<usize, (Vec<usize>, BTreeSet<String>)>,
    /// Families the interviewer's questions named.
    pub(super) asked: BTreeSet<Family>,
    /// The manifest's and the source's attributes.
    pub(super) attributes: Vec<(String, String)>,
    /// The interview's id.
    pub(super) interview: String,
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
        let mut journey = journey::Builder::default();
        let mut evidence: BTreeMap<usize, (Vec<usize>, BTreeSet<String>)> = BTreeMap::new();
        let mut asked = BTreeSet::new();
        // Quotes and job statements are the participant's words: a passage of unknown role only
        // where no speaker was found to be the participant.
        let labelled = interview.passages.iter().any(|cp| cp.passage.role == crate::model::Role::Participant);
        let quotable = |role: crate::model::Role| match role {
            crate::model::Role::Participant => true,
            crate::model::Role::Unknown => !labelled,
            _ => false,
        };
        for cp in &interview.passages {
            asked.extend(cp.asked.iter().map(|&c| self.lexicon.codes()[c].family()));
            if !cp.passage.role.is_evidence() {
                continue;
            }
            passages += 1;
            let text = interview.text(&cp.passage);
            let mut here: Vec<usize> = Vec::new();
            let words = std::cell::OnceCell::new();
            journey.see(self.lexicon, cp, text);
            for tag in cp.tags.iter().filter(|t| self.lexicon.codes()[t.code].family().is_canvas()) {
                let acc = codes.entry(tag.code).or_default();
                if crate::code::counts(self.lexicon, cp, tag) {
                    let (at, matched) = evidence.entry(tag.code).or_default();
                    at.push(cp.passage.index);
                    for m in tag.mentions.iter().filter(|m| m.counts()) {
                        matched.insert(
                            text[m.bytes.clone()].split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(),
                        );
                    }
                    acc.mentions += 1;
                    acc.prompted += usize::from(tag.prompted);
                    acc.hedged += usize::from(tag.hedged());
                    evidence_codes.insert(tag.code);
                    here.push(tag.code);
                    let words = *words.get_or_init(|| crate::words::word_count(text));
                    let s = quotes::score(tag, words);
                    if quotable(cp.passage.role)
                        && best.get(&tag.code).is_none_or(|(score, ..)| *score < s)
                        && quotes::focus(text, tag).is_some()
                    {
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
            for job in cp.jobs.iter().filter(|_| quotable(cp.passage.role)) {
                let row = JobRow {
                    interview: interview.meta.id.clone(),
                    participant: interview.meta.participant.clone(),
                    passage: cp.passage.index,
                    situation: job.situation.clone(),
                    motivation: job.motivation.clone(),
                    outcome: job.outcome.clone(),
                    link: job.outcome.as_deref().and_then(|o| super::brief::link(&text[job.bytes.clone()], o)),
                };
                if super::brief::is_job_shaped(&row) {
                    jobs.push(row);
                }
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
        let (journey, buying) = (journey.finish(interview), buying::Seen::of(self.lexicon, interview));
        let attributes = interview.meta.attributes.clone();
        Summary {
            group,
            passages,
            codes,
            evidence_codes,
            families,
            best,
            jobs,
            pairs,
            order_key,
            evidence,
            asked,
            attributes,
            interview: interview.meta.id.clone(),
            journey,
            buying,
        }
    }
}
