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

mod brief;
mod buying;
mod finish;
mod journey;
mod quotes;
mod resume;
pub mod stats;
mod summary;
mod tables;
mod terms;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use brief::*;
pub use buying::{BuyingMap, BuyingRole, InfluenceLink, PersonaRole, StatedRelation, MAX_GAP, ROLE_COLUMN};
use finish::sort_quotes;
pub use journey::{JourneyStage, StageCode};
pub(crate) use quotes::locate;
pub use quotes::Quote;
pub use resume::{Fetch, Keeping, Kept, TermMerge};
use resume::{LastGroup, Start};
pub use summary::{Summarizer, Summary};
pub use tables::*;
use terms::GroupTerms;
pub use terms::{is_content_word, TermCounts, Terms};

use crate::cache::Key;
use crate::lexicon::Lexicon;
use crate::model::{CodedInterview, CodedPassage, Mention, Tag};
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
/// Share of the study's participant passages at or above which a code is background, not a
/// theme: it is everywhere, so it tells nothing about anyone.
pub const GOLDEN_MAX_SHARE: f64 = 0.25;
/// Golden themes listed at most.
pub const GOLDEN_MAX: usize = 10;
/// Interviews of a group that must use a word before it can be called distinctive (one
/// talkative interviewee is not a persona).
pub const TERM_MIN_INTERVIEWS: usize = 2;
/// Quotes kept per code and group.
pub const QUOTES_PER_CODE: usize = 3;

#[derive(Default)]
struct CodeAcc {
    interviews: usize,
    mentions: usize,
    negated: usize,
    prompted: usize,
    hedged: usize,
    candidates: Vec<Quote>,
    /// Matched words that counted → interviews using them.
    phrases: BTreeMap<String, usize>,
    /// Every passage where the code is evidence, as (the interview's place in the group's `ids`,
    /// the passage's index): small, for a study of thousands of interviews keeps them all.
    evidence: Vec<(u32, u32)>,
}

impl CodeAcc {
    /// The interviews with evidence, each with its passages, in the order they were added.
    fn evidence_by_interview(&self) -> impl Iterator<Item = (u32, Vec<usize>)> + '_ {
        self.evidence.chunk_by(|a, b| a.0 == b.0).map(|run| (run[0].0, run.iter().map(|&(_, p)| p as usize).collect()))
    }
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
    /// The ids of the group's interviews, in the order they were added.
    ids: Vec<String>,
    /// This run's keys of the group's interviews, in order (`None` once one comes without).
    keys: Option<Vec<Key>>,
    /// The last run's fold of the group, while this run's interviews are the same as its first
    /// `.1`: their term counts are not merged (nor decoded) unless the group turns out to differ.
    follows: Option<(LastGroup, usize)>,
    /// `words` as the last run encoded them, while they are what it left.
    encoded: Option<Vec<u8>>,
    /// Term counts that could not be read back: the group's words are incomplete.
    damaged: bool,
    journey: journey::Acc,
    buying: buying::Acc,
    /// Attribute → value → interviews.
    layers: BTreeMap<String, BTreeMap<String, usize>>,
    /// Family → interviews whose questions named it.
    asked: BTreeMap<Family, usize>,
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

    /// Adds everything of a summary but its term counts; gives its group.
    fn add_counts(&mut self, summary: Summary, key: Option<Key>) -> &mut GroupAcc {
        let Summary {
            group: name,
            passages,
            codes,
            evidence_codes,
            families,
            best,
            jobs,
            pairs,
            order_key,
            journey,
            buying,
            evidence,
            asked,
            attributes,
            interview,
        } = summary;
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
        group.journey.add(journey);
        group.buying.add(buying);
        let place = group.ids.len() as u32;
        group.ids.push(interview);
        for (code, (at, matched)) in evidence {
            let acc = group.codes.entry(code).or_default();
            acc.evidence.extend(at.into_iter().map(|p| (place, p as u32)));
            for m in matched {
                *acc.phrases.entry(m).or_default() += 1;
            }
        }
        for f in asked {
            *group.asked.entry(f).or_default() += 1;
        }
        for (k, v) in attributes {
            let values = group.layers.entry(k).or_default();
            // A column with a value per interview (a name, a date) is summed up, not listed.
            if values.len() < brief::LAYER_VALUES || values.contains_key(&v) {
                *values.entry(v).or_default() += 1;
            }
        }
        group
    }
}

#[cfg(test)]
mod tests {
    use super::finish::saturation;
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
            crate::pipeline::Output { reports: true, index: false },
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
        // "cost" alone is a weak code without a second term of its family: mentioned everywhere,
        // counted nowhere, so neither golden nor distinctive.
        assert!(agg
            .personas
            .iter()
            .all(|p| p.codes.iter().any(|c| c.code == "need.cost" && c.weak && c.mentions == 0 && c.interviews == 0)));
        assert!(!agg.golden.iter().any(|g| g.code == "need.cost"), "{:?}", agg.golden);
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
