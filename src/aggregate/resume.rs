//! Going on from the last run's fold: what a fold keeps for the next run, and how a group whose
//! interviews are the same takes its merged term counts from it instead of merging them again.

use super::*;
use crate::cache::Key;

/// Reads back the term counts of interviews the last run folded, by key, in order (`None` if
/// one cannot be read); called from any thread.
pub type Fetch<'a> = dyn Fn(&[Key]) -> Option<Vec<TermCounts>> + Sync + 'a;

/// What a fold leaves for the next run ([`Aggregator::kept`], [`Aggregator::resume`]): per group,
/// the keys of its interviews in order and its term counts merged. A group whose interviews are
/// the same next time is not merged again: its counts are decoded from here.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Kept {
    pub(super) groups: BTreeMap<String, LastGroup>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LastGroup {
    pub(super) keys: Vec<Key>,
    #[serde(with = "serde_bytes")]
    pub(super) words: Vec<u8>,
}

/// A fold's [`Kept`] as it is written ([`Aggregator::kept`]).
#[derive(Serialize)]
#[serde(rename = "Kept")]
pub struct Keeping<'a> {
    pub(super) groups: Groups<'a>,
}

/// [`Kept::groups`] as it is written: each group encoded when its turn comes.
pub(super) struct Groups<'a>(Vec<(&'a str, &'a [Key], &'a GroupAcc)>);

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

/// The term counts of some interviews of one group, to merge into it ([`Aggregator::add_all`]).
pub struct TermMerge<'g> {
    pub(super) group: &'g mut GroupAcc,
    /// Where the group's counts start from, when it stops following the last run.
    pub(super) start: Option<Start>,
    pub(super) counts: Vec<Terms>,
    pub(super) fetch: Option<&'g Fetch<'g>>,
}

/// How a group that followed the last run catches up.
pub(super) enum Start {
    /// It had all the last run's interviews: their counts merged, as the last run left them.
    Decode(Vec<u8>),
    /// It had the first of them: read back their counts.
    Fetch(Vec<Key>),
}

impl Start {
    /// How a group that followed `last` for its first `at` interviews catches up (`None`: it
    /// starts from nothing).
    pub(super) fn of((last, at): (LastGroup, usize)) -> Option<Start> {
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

impl<'a> Aggregator<'a> {
    /// Goes on from what the last run's fold left: a group whose interviews (by key, from
    /// [`Folded::key`]) are the ones it had, in the same order, takes its term counts from `kept`
    /// without merging them again; a group that differs merges from where it starts to differ,
    /// reading back with `fetch` the counts it skipped. Call before adding interviews.
    pub fn resume(&mut self, kept: Kept, fetch: Box<Fetch<'a>>) {
        self.last = kept.groups;
        self.fetch = Some(fetch);
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

    pub(super) fn merge(
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
}
