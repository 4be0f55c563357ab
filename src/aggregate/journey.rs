//! The journey strip: takes the `journey` family's tags passage by passage, gives per persona
//! each stage of the buyer's journey with its prevalence (interviews), the risks and needs said
//! in the same passages, and a quote. A stage no interview evidences is kept, with none.

use super::*;

/// Risks and needs shown per stage.
const TOP_PER_STAGE: usize = 3;

/// One interview's journey: per stage code, what its passages said.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct Seen {
    stages: BTreeMap<usize, StageSeen>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StageSeen {
    passages: usize,
    /// Passages of the stage per risk or need code evidenced in them.
    with: BTreeMap<usize, usize>,
    score: f64,
    quote: Quote,
}

/// Builds an interview's [`Seen`] as its passages go by.
#[derive(Default)]
pub(super) struct Builder<'a> {
    stages: BTreeMap<usize, (usize, BTreeMap<usize, usize>)>,
    best: HashMap<usize, (f64, &'a CodedPassage, &'a Tag, usize)>,
}

impl<'a> Builder<'a> {
    /// Takes one evidence passage (`text`, of `words` words).
    pub(super) fn see(&mut self, lexicon: &Lexicon, cp: &'a CodedPassage, text: &str) {
        let family = |t: &Tag| lexicon.codes()[t.code].family();
        let stages = cp.tags.iter().filter(|t| family(t) == Family::Journey && t.is_evidence());
        let mut words = None;
        for tag in stages {
            let (passages, with) = self.stages.entry(tag.code).or_default();
            *passages += 1;
            for other in crate::code::counted(lexicon, cp).filter(|t| matches!(family(t), Family::Risk | Family::Need))
            {
                *with.entry(other.code).or_default() += 1;
            }
            let words = *words.get_or_insert_with(|| crate::words::word_count(text));
            let score = quotes::score(tag, words);
            if self.best.get(&tag.code).is_none_or(|(s, ..)| *s < score) {
                self.best.insert(tag.code, (score, cp, tag, words));
            }
        }
    }

    /// The interview's journey, its quotes made.
    pub(super) fn finish(self, interview: &CodedInterview) -> Seen {
        let mut best = self.best;
        let stages = self
            .stages
            .into_iter()
            .filter_map(|(code, (passages, with))| {
                let (score, cp, tag, words) = best.remove(&code)?;
                let (id, who) = (&interview.meta.id, &interview.meta.participant);
                let quote = quotes::make(id, who, &cp.passage, (interview.text(&cp.passage), words), tag, score);
                Some((code, StageSeen { passages, with, score, quote }))
            })
            .collect();
        Seen { stages }
    }
}

/// A group's journey so far.
#[derive(Debug, Default)]
pub(super) struct Acc {
    stages: BTreeMap<usize, StageAcc>,
}

#[derive(Debug, Default)]
struct StageAcc {
    interviews: usize,
    passages: usize,
    with: BTreeMap<usize, usize>,
    quotes: Vec<Quote>,
}

impl Acc {
    pub(super) fn add(&mut self, seen: Seen) {
        for (code, s) in seen.stages {
            let acc = self.stages.entry(code).or_default();
            acc.interviews += 1;
            acc.passages += s.passages;
            for (c, n) in s.with {
                *acc.with.entry(c).or_default() += n;
            }
            acc.quotes.push(Quote { score: s.score, ..s.quote });
            if acc.quotes.len() > 1 {
                sort_quotes(&mut acc.quotes);
                acc.quotes.truncate(1);
            }
        }
    }

    /// Every journey stage of the lexicon, in its order, for a group of `n` interviews.
    pub(super) fn stages(&self, lexicon: &Lexicon, n: usize) -> Vec<JourneyStage> {
        let codes = lexicon.codes();
        let top = |acc: &StageAcc, family: Family| -> Vec<StageCode> {
            let mut rows: Vec<(usize, usize)> =
                acc.with.iter().filter(|(c, _)| codes[**c].family() == family).map(|(c, k)| (*c, *k)).collect();
            rows.sort_by(|a, b| b.1.cmp(&a.1).then(codes[a.0].id.cmp(&codes[b.0].id)));
            rows.iter()
                .take(TOP_PER_STAGE)
                .map(|&(c, passages)| StageCode {
                    code: codes[c].id.to_string(),
                    label: codes[c].label.clone(),
                    passages,
                })
                .collect()
        };
        let empty = StageAcc::default();
        codes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.family() == Family::Journey)
            .map(|(i, c)| {
                let acc = self.stages.get(&i).unwrap_or(&empty);
                JourneyStage {
                    stage: c.id.to_string(),
                    label: c.label.clone(),
                    interviews: acc.interviews,
                    prevalence: finish::ratio(acc.interviews, n),
                    passages: acc.passages,
                    risks: top(acc, Family::Risk),
                    needs: top(acc, Family::Need),
                    quote: acc.quotes.first().cloned(),
                }
            })
            .collect()
    }
}

/// A stage of the buyer's journey in a group.
#[derive(Debug, Clone, Serialize)]
pub struct JourneyStage {
    /// The stage's code (`journey.evaluation`).
    pub stage: String,
    /// Its label.
    pub label: String,
    /// Interviews with evidence of the stage.
    pub interviews: usize,
    /// interviews / group interviews.
    pub prevalence: f64,
    /// Passages with evidence of the stage.
    pub passages: usize,
    /// The risk codes most often evidenced in the stage's passages.
    pub risks: Vec<StageCode>,
    /// The need codes most often evidenced in the stage's passages.
    pub needs: Vec<StageCode>,
    /// The best passage of the stage; none when no interview evidences it.
    pub quote: Option<Quote>,
}

/// A code said in the same passages as a journey stage.
#[derive(Debug, Clone, Serialize)]
pub struct StageCode {
    /// `family.name`.
    pub code: String,
    /// Its label.
    pub label: String,
    /// Passages of the stage that evidence it too.
    pub passages: usize,
}
