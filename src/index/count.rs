//! Counts per group (`pith search --count-by`): passages and distinct interviews matching a
//! query, and each group's interviews in the whole index, read from the fast-field columns a
//! block at a time, by ordinals (strings only for the groups reported).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::column_index::{MultiValueIndex, Set};
use tantivy::columnar::{Column, ColumnIndex, RowId};
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::schema::{self, attr_value};
use super::search::{GroupBy, GroupCount, FACET_SEP};
use crate::error::{Error, Result};

/// For each group of `by`: the passages matching `query`, the distinct interviews among them,
/// and the group's interviews in the whole index (see [`super::StudyIndex::count_by`]).
pub(super) fn count_by(
    searcher: &Searcher,
    query: &dyn Query,
    by: &GroupBy,
    err: impl Fn(tantivy::TantivyError) -> Error,
) -> Result<Vec<GroupCount>> {
    let grouping = Grouping::of(by);
    let matched = searcher.search(query, &GroupCollector { field: grouping.field }).map_err(&err)?;
    let segments = searcher.segment_readers();
    let mut keys = Keys::default();
    let groups_of = segments.iter().map(|s| keys.groups(s, &grouping)).collect::<tantivy::Result<Vec<_>>>();
    let groups_of = groups_of.map_err(&err)?;
    let interviews_of = interview_ids(segments).map_err(&err)?;

    let mut passages: Vec<u64> = vec![0; keys.keys.len()];
    let mut matched_pairs = Vec::new();
    for m in matched {
        let segment = m.segment as usize;
        let (Some(groups), Some(interviews)) = (groups_of.get(segment), interviews_of.get(segment)) else {
            continue;
        };
        for (ord, n) in m.passages.iter().enumerate() {
            if let Some(Some(g)) = groups.get(ord) {
                passages[*g as usize] += n;
            }
        }
        matched_pairs.extend(id_pairs(groups, interviews, &m.pairs));
    }

    // Totals: the groups that matched; with no match at all, whether the attribute exists.
    let any_group = passages.iter().all(|n| *n == 0) && matches!(grouping.decode, Decode::Attribute(_));
    let mut total_pairs = Vec::new();
    for ((segment, groups), interviews) in segments.iter().zip(&groups_of).zip(&interviews_of) {
        let wanted: Vec<bool> =
            groups.iter().map(|g| g.is_some_and(|g| any_group || passages[g as usize] > 0)).collect();
        if wanted.contains(&true) {
            let pairs = live_pairs(segment, grouping.field, &wanted).map_err(&err)?;
            total_pairs.extend(id_pairs(groups, interviews, &pairs));
        }
    }
    if let GroupBy::Attribute(name) = by {
        if total_pairs.is_empty() {
            return Err(Error::Invalid(format!(
                "no interview has an attribute {name:?} (group by persona, code, interview, participant or a manifest column)"
            )));
        }
    }
    let interviews = distinct_per_group(matched_pairs, keys.keys.len());
    let totals = distinct_per_group(total_pairs, keys.keys.len());
    let mut groups: Vec<GroupCount> = keys
        .keys
        .into_iter()
        .enumerate()
        .filter(|(g, _)| passages[*g] > 0)
        .map(|(g, key)| GroupCount {
            key,
            passages: passages[g],
            interviews: interviews[g],
            total_interviews: totals[g],
        })
        .collect();
    groups.sort_by(|a, b| {
        b.interviews.cmp(&a.interviews).then(b.passages.cmp(&a.passages)).then_with(|| a.key.cmp(&b.key))
    });
    Ok(groups)
}

/// Documents read at a time when scanning a whole segment.
const SCAN_BLOCK: u32 = 4096;

/// The column a grouping reads, and how its terms become group keys.
struct Grouping {
    field: &'static str,
    decode: Decode,
}

#[derive(Clone)]
enum Decode {
    Plain,
    /// A code facet: its last path part.
    Facet,
    /// The terms with this `key=` prefix, without it; other terms are no group.
    Attribute(String),
}

impl Grouping {
    fn of(by: &GroupBy) -> Grouping {
        let (field, decode) = match by {
            GroupBy::Persona => (schema::PERSONA, Decode::Plain),
            GroupBy::Code => (schema::CODE, Decode::Facet),
            GroupBy::Interview => (schema::INTERVIEW, Decode::Plain),
            GroupBy::Participant => (schema::PARTICIPANT, Decode::Plain),
            GroupBy::Attribute(key) => (schema::ATTR, Decode::Attribute(attr_value(key, ""))),
        };
        Grouping { field, decode }
    }
}

impl Decode {
    /// The group key of a column term, if it is one.
    fn key<'a>(&self, term: &'a str) -> Option<&'a str> {
        match self {
            Decode::Plain => Some(term),
            Decode::Facet => term.rsplit(FACET_SEP).next(),
            Decode::Attribute(prefix) => term.strip_prefix(prefix.as_str()),
        }
    }
}

/// Group keys met in any segment, numbered densely: column ordinals are per segment, these
/// ids hold across segments.
#[derive(Default)]
struct Keys {
    /// Group keys by id.
    keys: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Keys {
    /// A segment's group ordinals → group ids (`None`: the term is no group).
    fn groups(&mut self, segment: &SegmentReader, grouping: &Grouping) -> tantivy::Result<Vec<Option<u32>>> {
        let Some(column) = segment.fast_fields().str(grouping.field)? else { return Ok(Vec::new()) };
        let mut out = vec![None; column.num_terms()];
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            let key = std::str::from_utf8(terms.key()).ok().and_then(|t| grouping.decode.key(t));
            if let (Some(key), Some(slot)) = (key, out.get_mut(terms.term_ord() as usize)) {
                *slot = Some(match self.ids.get(key) {
                    Some(id) => *id,
                    None => {
                        let id = self.keys.len() as u32;
                        self.keys.push(key.to_string());
                        self.ids.insert(key.to_string(), id);
                        id
                    }
                });
            }
        }
        Ok(out)
    }
}

/// Per segment, interview ordinal → an id that is the same for the same interview in every
/// segment: the segments' interview dictionaries (each sorted) merged.
fn interview_ids(segments: &[SegmentReader]) -> tantivy::Result<Vec<Vec<Option<u32>>>> {
    let columns =
        segments.iter().map(|s| s.fast_fields().str(schema::INTERVIEW)).collect::<tantivy::Result<Vec<_>>>()?;
    let mut ids: Vec<Vec<Option<u32>>> =
        columns.iter().map(|c| vec![None; c.as_ref().map_or(0, |c| c.num_terms())]).collect();
    let mut streams = Vec::new();
    for (segment, column) in columns.iter().enumerate() {
        if let Some(column) = column {
            let mut terms = column.dictionary().stream()?;
            if terms.advance() {
                streams.push((segment, terms));
            }
        }
    }
    let mut next = 0;
    let mut least = Vec::new();
    while let Some(min) = streams.iter().map(|(_, t)| t.key()).min() {
        least.clear();
        least.extend((0..streams.len()).filter(|k| streams[*k].1.key() == min));
        for k in least.iter().rev() {
            let (segment, terms) = &mut streams[*k];
            if let Some(slot) = ids[*segment].get_mut(terms.term_ord() as usize) {
                *slot = Some(next);
            }
            if !terms.advance() {
                streams.swap_remove(*k);
            }
        }
        next += 1;
    }
    Ok(ids)
}

/// (group ordinal, interview ordinal) pairs of a segment as (group id, interview id).
fn id_pairs<'a>(
    groups: &'a [Option<u32>],
    interviews: &'a [Option<u32>],
    pairs: &'a [(u64, u64)],
) -> impl Iterator<Item = (u32, u32)> + 'a {
    pairs.iter().filter_map(|(g, i)| {
        let group = groups.get(*g as usize).copied().flatten()?;
        Some((group, interviews.get(*i as usize).copied().flatten()?))
    })
}

/// Distinct interviews per group id, from (group id, interview id) pairs.
fn distinct_per_group(pairs: Vec<(u32, u32)>, groups: usize) -> Vec<u64> {
    let mut pairs: Vec<u64> = pairs.into_iter().map(|(g, i)| (u64::from(g) << 32) | u64::from(i)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = vec![0; groups];
    for pair in pairs {
        if let Some(n) = out.get_mut((pair >> 32) as usize) {
            *n += 1;
        }
    }
    out
}

/// Distinct (group ordinal, interview ordinal) pairs, gathered per run of documents of one
/// interview: a segment holds an interview's passages mostly together, so a pair is mostly
/// met again within its run, where telling it apart is one flag.
#[derive(Default)]
struct Pairs {
    run: Option<u64>,
    /// The groups of the current run, and a flag per group ordinal for them.
    groups: Vec<u64>,
    seen: Vec<bool>,
    pairs: Vec<(u64, u64)>,
}

impl Pairs {
    fn add(&mut self, group: u64, interview: u64) {
        if self.run != Some(interview) {
            self.flush();
            self.run = Some(interview);
        }
        let at = group as usize;
        if at >= self.seen.len() {
            self.seen.resize(at + 1, false);
        }
        if !self.seen[at] {
            self.seen[at] = true;
            self.groups.push(group);
        }
    }

    fn flush(&mut self) {
        if let Some(interview) = self.run.take() {
            for g in self.groups.drain(..) {
                self.seen[g as usize] = false;
                self.pairs.push((g, interview));
            }
        }
    }

    fn finish(mut self) -> Vec<(u64, u64)> {
        self.flush();
        self.pairs.sort_unstable();
        self.pairs.dedup();
        self.pairs
    }
}

/// Reads the group and interview ordinals of documents, a block at a time.
struct OrdReader {
    group: Column<u64>,
    interview: Column<u64>,
    interviews: Vec<Option<u64>>,
    value_docs: Vec<DocId>,
    rows: Vec<RowId>,
    values: Vec<u64>,
}

impl OrdReader {
    /// `None` when the segment has no value in either column.
    fn open(segment: &SegmentReader, field: &str) -> tantivy::Result<Option<OrdReader>> {
        let fast = segment.fast_fields();
        let (Some(group), Some(interview)) = (fast.str(field)?, fast.str(schema::INTERVIEW)?) else {
            return Ok(None);
        };
        Ok(Some(OrdReader {
            group: group.ords().clone(),
            interview: interview.ords().clone(),
            interviews: Vec::new(),
            value_docs: Vec::new(),
            rows: Vec::new(),
            values: Vec::new(),
        }))
    }

    /// Calls `f(group, interview)` for each group value of each of `docs` (ascending) that has
    /// an interview.
    fn read(&mut self, docs: &[DocId], mut f: impl FnMut(u64, u64)) {
        self.interviews.clear();
        self.interviews.resize(docs.len(), None);
        self.interview.first_vals(docs, &mut self.interviews);
        self.value_docs.clear();
        self.rows.clear();
        self.group.row_ids_for_docs(docs, &mut self.value_docs, &mut self.rows);
        self.values.clear();
        self.values.resize(self.rows.len(), 0);
        self.group.values.get_vals(&self.rows, &mut self.values);
        let mut at = 0;
        for (doc, group) in self.value_docs.iter().zip(&self.values) {
            while docs.get(at).is_some_and(|d| d < doc) {
                at += 1;
            }
            if let Some(Some(interview)) = self.interviews.get(at) {
                f(*group, *interview);
            }
        }
    }
}

/// The distinct (group, interview) ordinal pairs of a segment's live documents, for the
/// group ordinals `wanted` marks.
fn live_pairs(segment: &SegmentReader, field: &str, wanted: &[bool]) -> tantivy::Result<Vec<(u64, u64)>> {
    let Some(mut reader) = OrdReader::open(segment, field)? else { return Ok(Vec::new()) };
    let alive = segment.alive_bitset();
    let is_alive = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
    let max_doc = segment.max_doc();
    let blocks = (0..max_doc).step_by(SCAN_BLOCK as usize).map(|start| start..max_doc.min(start + SCAN_BLOCK));
    let wanted = |g: u64| wanted.get(g as usize).copied().unwrap_or(false);
    let full = |c: &Column<u64>| matches!(c.index, ColumnIndex::Full) && c.values.num_vals() >= max_doc;
    if full(&reader.group) && full(&reader.interview) {
        // One value per document: read both columns a block at a time; a pair is looked at
        // only where it changes.
        let mut pairs = Vec::new();
        let mut last = None;
        let (mut groups, mut interviews) = (vec![0; SCAN_BLOCK as usize], vec![0; SCAN_BLOCK as usize]);
        for block in blocks {
            let n = block.len();
            reader.group.values.get_range(u64::from(block.start), &mut groups[..n]);
            reader.interview.values.get_range(u64::from(block.start), &mut interviews[..n]);
            for ((doc, g), i) in block.zip(&groups).zip(&interviews) {
                let pair = (*g, *i);
                if last != Some(pair) && is_alive(doc) {
                    last = Some(pair);
                    if wanted(*g) {
                        pairs.push(pair);
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        return Ok(pairs);
    }
    if let (true, ColumnIndex::Multivalued(MultiValueIndex::MultiValueIndexV2(index))) =
        (full(&reader.interview), &reader.group.index)
    {
        // Several values per document: per block, the documents with values (by rank), where
        // their values start, and the values, each read at once.
        let mut pairs = Pairs::default();
        let mut interviews = vec![0; SCAN_BLOCK as usize];
        let (mut docs, mut starts, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for block in blocks {
            let ranks = index.optional_index.rank(block.start)..index.optional_index.rank(block.end);
            if ranks.is_empty() {
                continue;
            }
            reader.interview.values.get_range(u64::from(block.start), &mut interviews[..block.len()]);
            docs.clear();
            docs.extend(ranks.clone());
            index.optional_index.select_batch(&mut docs);
            starts.clear();
            starts.resize(docs.len() + 1, 0);
            index.start_index_column.get_range(u64::from(ranks.start), &mut starts);
            let first = starts[0];
            values.clear();
            values.resize((starts[docs.len()] - first) as usize, 0);
            reader.group.values.get_range(u64::from(first), &mut values);
            for ((doc, start), end) in docs.iter().zip(&starts).zip(&starts[1..]) {
                let interview = doc.checked_sub(block.start).and_then(|at| interviews.get(at as usize));
                let (Some(interview), true) = (interview, is_alive(*doc)) else { continue };
                for g in values.get((start - first) as usize..(end - first) as usize).unwrap_or_default() {
                    if wanted(*g) {
                        pairs.add(*g, *interview);
                    }
                }
            }
        }
        return Ok(pairs.finish());
    }
    let mut pairs = Pairs::default();
    let mut docs = Vec::with_capacity(SCAN_BLOCK as usize);
    for block in blocks {
        docs.clear();
        docs.extend(block.filter(|d| is_alive(*d)));
        reader.read(&docs, |g, i| {
            if wanted(g) {
                pairs.add(g, i);
            }
        });
    }
    Ok(pairs.finish())
}

/// Counts the matching documents of each segment by group ordinal, and their distinct (group,
/// interview) ordinal pairs; [`count_by`] turns ordinals into keys.
struct GroupCollector {
    field: &'static str,
}

/// One segment's matches, by ordinals of that segment.
struct SegmentMatches {
    segment: SegmentOrdinal,
    /// Matching passages per group ordinal.
    passages: Vec<u64>,
    pairs: Vec<(u64, u64)>,
}

struct GroupSegment {
    segment: SegmentOrdinal,
    reader: Option<OrdReader>,
    passages: Vec<u64>,
    pairs: Pairs,
}

impl Collector for GroupCollector {
    type Fruit = Vec<SegmentMatches>;
    type Child = GroupSegment;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<GroupSegment> {
        Ok(GroupSegment {
            segment,
            reader: OrdReader::open(reader, self.field)?,
            passages: Vec::new(),
            pairs: Pairs::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<SegmentMatches>>) -> tantivy::Result<Vec<SegmentMatches>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for GroupSegment {
    type Fruit = Vec<SegmentMatches>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let Some(reader) = &mut self.reader else { return };
        let (passages, pairs) = (&mut self.passages, &mut self.pairs);
        reader.read(docs, |g, i| {
            let g_at = g as usize;
            if g_at >= passages.len() {
                passages.resize(g_at + 1, 0);
            }
            passages[g_at] += 1;
            pairs.add(g, i);
        });
    }

    fn harvest(self) -> Vec<SegmentMatches> {
        vec![SegmentMatches { segment: self.segment, passages: self.passages, pairs: self.pairs.finish() }]
    }
}
