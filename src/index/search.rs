//! Reading the index: ranked search with snippets, and counts per group.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::column_index::{MultiValueIndex, Set};
use tantivy::columnar::{Column, ColumnIndex, RowId};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::schema::{self, attr_value, Fields};
use super::write::code_facet;
use crate::error::{Error, Result};
use crate::model::{CodeId, Role};

/// The separator of facet path parts in a facet column (tantivy's `FACET_SEP_BYTE`).
const FACET_SEP: char = '\u{0}';

/// Longest snippet fragment, in characters.
const SNIPPET_CHARS: usize = 200;

/// Filters that narrow a search; every one given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Only this persona (exact name).
    pub persona: Option<String>,
    /// Only passages coded with this code or a code under it (a family matches all its codes).
    pub code: Option<CodeId>,
    /// Only this role; `None` for every role.
    pub role: Option<Role>,
    /// Only this interview id.
    pub interview: Option<String>,
    /// Only interviews whose attribute `key` has `value` (keys compare case-insensitively).
    pub attrs: Vec<(String, String)>,
}

/// A search: a query in tantivy's query language, filters and how many hits to give.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query as typed: words (all required), `"phrases"`, `OR`, `NOT`/`-`, `field:value`, `*`.
    pub query: String,
    /// Filters.
    pub filters: Filters,
    /// Most hits to return.
    pub limit: usize,
}

/// The best fragment of a passage for a query, with the matched words' byte ranges in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// A part of the passage text (the whole text when it is short).
    pub fragment: String,
    /// Byte ranges of the matched words in `fragment`, in order, disjoint.
    pub highlighted: Vec<Range<usize>>,
}

impl Snippet {
    /// The fragment with every matched word between `open` and `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.fragment.len() + 8 * self.highlighted.len());
        let mut at = 0;
        for r in &self.highlighted {
            let (Some(before), Some(word)) = (self.fragment.get(at..r.start), self.fragment.get(r.clone())) else {
                continue;
            };
            out.push_str(before);
            out.push_str(open);
            out.push_str(word);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(self.fragment.get(at..).unwrap_or_default());
        out
    }
}

/// One matching passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Interview id.
    pub interview: String,
    /// Passage index within the interview.
    pub passage: usize,
    /// Participant.
    pub participant: String,
    /// Persona.
    pub persona: String,
    /// Speaker label, if any.
    pub speaker: Option<String>,
    /// Role.
    pub role: Role,
    /// Start time in seconds, if known.
    pub time: Option<f64>,
    /// BM25 score.
    pub score: f32,
    /// The passage text.
    pub text: String,
    /// Codes the passage is evidence for.
    pub codes: Vec<CodeId>,
    /// Its best fragment for the query.
    pub snippet: Snippet,
}

/// A passage document as stored, for comparisons (codes as facet paths, `/risk/risk.downtime`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoredPassage {
    /// Interview id.
    pub interview: String,
    /// Passage index.
    pub passage: usize,
    /// The passage text.
    pub text: String,
    /// Codes it is evidence for, sorted.
    pub codes: Vec<String>,
    /// Negated codes, sorted.
    pub negated: Vec<String>,
}

/// What to count matching passages by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// Persona.
    Persona,
    /// Each code (a passage counts once for each code it is evidence for).
    Code,
    /// Interview.
    Interview,
    /// Participant.
    Participant,
    /// A manifest attribute (case-insensitive name).
    Attribute(String),
}

impl GroupBy {
    /// `persona`, `code`, `interview`, `participant`, or any other name as an attribute.
    pub fn parse(s: &str) -> GroupBy {
        match s.trim().to_lowercase().as_str() {
            "persona" => GroupBy::Persona,
            "code" => GroupBy::Code,
            "interview" => GroupBy::Interview,
            "participant" => GroupBy::Participant,
            other => GroupBy::Attribute(other.to_string()),
        }
    }
}

/// One group of a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    /// The group (persona name, code id, interview id, attribute value).
    pub key: String,
    /// Matching passages in the group.
    pub passages: u64,
    /// Distinct interviews with a matching passage.
    pub interviews: u64,
    /// Interviews in the group at all (for a code: interviews with any passage of it).
    pub total_interviews: u64,
}

/// An index opened for searching. Cheap to keep; every search sees the last commit.
pub struct StudyIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
    dir: PathBuf,
}

impl StudyIndex {
    pub(super) fn new(index: Index, fields: Fields, dir: PathBuf) -> Result<StudyIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|source| Error::Index { path: dir.clone(), source })?;
        let mut parser = QueryParser::for_index(&index, vec![fields.text]);
        parser.set_conjunction_by_default();
        Ok(StudyIndex { index, reader, fields, parser, dir })
    }

    fn err(&self) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
        move |source| Error::Index { path: self.dir.clone(), source }
    }

    /// Passages in the index.
    pub fn passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The query of a request: the user's query, parsed, and every filter as a required term.
    fn query(&self, req: &SearchRequest) -> Result<Box<dyn Query>> {
        let bad = |reason: String| Error::Query { query: req.query.clone(), reason };
        let (_, errors) = tantivy::query_grammar::parse_query_lenient(&req.query);
        if let Some(e) = errors.first() {
            let at = req.query.get(..e.pos).map_or(e.pos, |s| s.chars().count()) + 1;
            return Err(bad(format!("at character {at}: {}", e.message)));
        }
        let user = self.parser.parse_query(&req.query).map_err(|e| bad(e.to_string()))?;
        let f = &self.fields;
        let mut terms: Vec<Term> = Vec::new();
        let filters = &req.filters;
        if let Some(p) = &filters.persona {
            terms.push(Term::from_field_text(f.persona, p));
        }
        if let Some(r) = filters.role {
            terms.push(Term::from_field_text(f.role, r.as_str()));
        }
        if let Some(i) = &filters.interview {
            terms.push(Term::from_field_text(f.interview, i));
        }
        if let Some(c) = &filters.code {
            terms.push(Term::from_facet(f.code, &code_facet(c)));
        }
        for (k, v) in &filters.attrs {
            terms.push(Term::from_field_text(f.attr, &attr_value(k, v)));
        }
        if terms.is_empty() {
            return Ok(user);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, user)];
        for t in terms {
            clauses.push((Occur::Must, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The best `limit` passages for the request, by BM25 (equal scores in interview and passage
    /// order, whatever the index's segment layout), with snippets.
    ///
    /// [`Error::Query`] when the query does not parse, saying where and why.
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<Hit>> {
        let query = self.query(req)?;
        let searcher = self.reader.searcher();
        let top =
            searcher.search(&*query, &TopDocs::with_limit(req.limit.max(1)).order_by_score()).map_err(self.err())?;
        let mut snippets = SnippetGenerator::create(&searcher, &*query, self.fields.text).map_err(self.err())?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let f = &self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top.into_iter().take(req.limit) {
            let doc: TantivyDocument = searcher.doc(addr).map_err(self.err())?;
            let text_of = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let text = text_of(f.text).unwrap_or_default();
            let snippet = snippets.snippet(&text);
            let snippet = if snippet.highlighted().is_empty() {
                Snippet { fragment: head(&text, SNIPPET_CHARS).to_string(), highlighted: Vec::new() }
            } else if text.chars().count() <= SNIPPET_CHARS {
                // The whole passage fits: keep it whole rather than cut at the outer matches.
                let shift = snippet.fragment_range().start;
                let highlighted = snippet.highlighted().iter().map(|r| r.start + shift..r.end + shift).collect();
                Snippet { fragment: text.clone(), highlighted }
            } else {
                Snippet { fragment: snippet.fragment().to_string(), highlighted: snippet.highlighted().to_vec() }
            };
            let codes = doc
                .get_all(f.code)
                .filter_map(|v| v.as_facet())
                .filter_map(|s| s.rsplit(FACET_SEP).next().and_then(CodeId::parse))
                .collect();
            hits.push(Hit {
                interview: text_of(f.interview).unwrap_or_default(),
                passage: doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or_default() as usize,
                participant: text_of(f.participant).unwrap_or_default(),
                persona: text_of(f.persona).unwrap_or_default(),
                speaker: text_of(f.speaker),
                role: text_of(f.role).and_then(|r| Role::parse(&r)).unwrap_or(Role::Unknown),
                time: doc.get_first(f.time).and_then(|v| v.as_f64()),
                score,
                text,
                codes,
                snippet,
            });
        }
        hits.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then_with(|| a.interview.cmp(&b.interview)).then(a.passage.cmp(&b.passage))
        });
        Ok(hits)
    }

    /// For each group of `by`: the passages matching the request, the distinct interviews among
    /// them, and the group's interviews in the whole index. Groups with no match are left out;
    /// sorted by matching interviews, then passages (most first), then name.
    pub fn count_by(&self, req: &SearchRequest, by: &GroupBy) -> Result<Vec<GroupCount>> {
        let query = self.query(req)?;
        let searcher = self.reader.searcher();
        let grouping = Grouping::of(by);
        let matched = searcher.search(&*query, &GroupCollector { field: grouping.field }).map_err(self.err())?;
        let segments = searcher.segment_readers();
        let mut keys = Keys::default();
        let groups_of = segments.iter().map(|s| keys.groups(s, &grouping)).collect::<tantivy::Result<Vec<_>>>();
        let groups_of = groups_of.map_err(self.err())?;
        let interviews_of = interview_ids(segments).map_err(self.err())?;

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
                let pairs = live_pairs(segment, grouping.field, &wanted).map_err(self.err())?;
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

    /// Every document, sorted: for comparing two indexes.
    pub fn dump(&self) -> Result<Vec<StoredPassage>> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let mut out = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument =
                    searcher.doc(tantivy::DocAddress::new(ord as SegmentOrdinal, doc_id)).map_err(self.err())?;
                let s = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                let facets = |field| {
                    let mut v: Vec<String> = doc.get_all(field).filter_map(|v| v.as_facet().map(facet_path)).collect();
                    v.sort();
                    v
                };
                let passage = doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or_default() as usize;
                out.push(StoredPassage {
                    interview: s(f.interview),
                    passage,
                    text: s(f.text),
                    codes: facets(f.code),
                    negated: facets(f.negated),
                });
            }
        }
        out.sort();
        Ok(out)
    }

    /// The underlying tantivy index (for tools and benchmarks).
    pub fn tantivy(&self) -> &Index {
        &self.index
    }
}

/// A facet as a path, `/risk/risk.downtime`, from its stored (encoded) form.
fn facet_path(encoded: &str) -> String {
    encoded.split(FACET_SEP).fold(String::new(), |mut out, part| {
        out.push('/');
        out.push_str(part);
        out
    })
}

/// The first `n` characters of `text`.
fn head(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i])
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
/// interview) ordinal pairs; [`StudyIndex::count_by`] turns ordinals into keys.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_snippet_wraps_each_highlight_and_keeps_the_rest() {
        // "Ça" is 3 bytes: "coûte" is bytes 4..10; "très" is 5 bytes, so the last "cher" is 23..27.
        let s = Snippet { fragment: "Ça coûte cher, très cher".into(), highlighted: vec![4..10, 23..27] };
        assert_eq!(s.marked("**", "**"), "Ça **coûte** cher, très **cher**");
        let none = Snippet { fragment: "plain".into(), highlighted: Vec::new() };
        assert_eq!(none.marked("<", ">"), "plain");
    }

    #[test]
    fn facet_paths_and_heads() {
        assert_eq!(facet_path("risk\u{0}risk.downtime"), "/risk/risk.downtime");
        assert_eq!(head("Ça coûte", 4), "Ça c");
        assert_eq!(head("short", 10), "short");
    }

    /// A passage document: interview, persona, source, text, codes, attributes.
    type Doc<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);

    /// An index in memory with one segment per slice of documents, then the documents of
    /// `deleted` sources deleted.
    fn index_of(segments: &[&[Doc]], deleted: &[&str]) -> StudyIndex {
        let index = Index::create_in_ram(schema::build());
        index
            .tokenizers()
            .register(super::super::ANALYZER, super::super::PithTokenizer::new(crate::analyze::Language::English));
        let fields = Fields::resolve(&index.schema()).unwrap();
        let mut writer: tantivy::IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for segment in segments {
            for (passage, (interview, persona, source, text, codes, attrs)) in segment.iter().enumerate() {
                let mut doc = TantivyDocument::default();
                doc.add_text(fields.source, source);
                doc.add_text(fields.interview, interview);
                doc.add_u64(fields.passage, passage as u64);
                doc.add_text(fields.participant, interview.to_uppercase());
                doc.add_text(fields.persona, persona);
                doc.add_text(fields.role, "participant");
                doc.add_text(fields.text, text);
                for c in *codes {
                    doc.add_facet(fields.code, code_facet(&CodeId::parse(c).unwrap()));
                }
                for (k, v) in *attrs {
                    doc.add_text(fields.attr, attr_value(k, v));
                }
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        for source in deleted {
            writer.delete_term(Term::from_field_text(fields.source, source));
        }
        writer.commit().unwrap();
        StudyIndex::new(index, fields, PathBuf::from("memory")).unwrap()
    }

    fn counts(idx: &StudyIndex, query: &str, by: GroupBy) -> Vec<(String, u64, u64, u64)> {
        let req = SearchRequest { query: query.into(), filters: Filters::default(), limit: 10 };
        let groups = idx.count_by(&req, &by).unwrap();
        groups.into_iter().map(|g| (g.key, g.passages, g.interviews, g.total_interviews)).collect()
    }

    fn row(key: &str, passages: u64, interviews: u64, total: u64) -> (String, u64, u64, u64) {
        (key.to_string(), passages, interviews, total)
    }

    #[test]
    fn counts_merge_segments_by_name_and_leave_deleted_documents_out() {
        // Interview `a` has live passages in both segments (from two sources); `c` is deleted
        // (its terms stay in the first segment's dictionaries) and alone had `tier=gold`. The
        // columns come in each layout: one value per document (persona), several (codes, and
        // attributes in the first segment), at most one (attributes in the second).
        let first: &[Doc] = &[
            ("a", "P", "a.txt", "alpha", &["risk.downtime"], &[("segment", "x")]),
            ("b", "P", "b.txt", "alpha", &["risk.downtime", "reward.speed"], &[("segment", "y")]),
            ("c", "Q", "c.txt", "beta", &["reward.speed"], &[("segment", "x"), ("tier", "gold")]),
        ];
        let second: &[Doc] = &[
            ("a", "P", "a.vtt", "beta", &["risk.downtime"], &[("segment", "x")]),
            ("d", "Q", "d.txt", "alpha gamma", &[], &[]),
            ("e", "Q", "e.txt", "alpha", &[], &[("segment", "z")]),
        ];
        let idx = index_of(&[first, second], &["c.txt"]);
        assert_eq!(idx.tantivy().searchable_segments().unwrap().len(), 2);

        assert_eq!(counts(&idx, "alpha", GroupBy::Persona), [row("P", 2, 2, 2), row("Q", 2, 2, 2)]);
        assert_eq!(counts(&idx, "beta", GroupBy::Persona), [row("P", 1, 1, 2)]);
        assert_eq!(counts(&idx, "*", GroupBy::Code), [row("risk.downtime", 3, 2, 2), row("reward.speed", 1, 1, 1)]);
        assert_eq!(counts(&idx, "beta", GroupBy::Code), [row("risk.downtime", 1, 1, 2)]);
        assert_eq!(
            counts(&idx, "alpha", GroupBy::Interview),
            [row("a", 1, 1, 1), row("b", 1, 1, 1), row("d", 1, 1, 1), row("e", 1, 1, 1)]
        );
        assert_eq!(counts(&idx, "beta", GroupBy::Participant), [row("A", 1, 1, 1)]);
        let segments = counts(&idx, "alpha", GroupBy::parse("Segment"));
        assert_eq!(segments, [row("x", 1, 1, 1), row("y", 1, 1, 1), row("z", 1, 1, 1)]);
        let segments = counts(&idx, "*", GroupBy::parse("segment"));
        assert_eq!(segments, [row("x", 2, 1, 1), row("y", 1, 1, 1), row("z", 1, 1, 1)]);
        // The attribute exists but no matching passage has it: no group, no error.
        assert_eq!(counts(&idx, "gamma", GroupBy::parse("segment")), []);
        // Only the deleted interview had a tier: as if no interview had one.
        let req = SearchRequest { query: "*".into(), filters: Filters::default(), limit: 10 };
        let err = idx.count_by(&req, &GroupBy::parse("tier")).unwrap_err().to_string();
        assert!(err.contains("no interview has an attribute \"tier\""), "{err}");
    }

    #[test]
    fn group_by_names() {
        assert_eq!(GroupBy::parse("Persona"), GroupBy::Persona);
        assert_eq!(GroupBy::parse("code"), GroupBy::Code);
        assert_eq!(GroupBy::parse("Segment"), GroupBy::Attribute("segment".into()));
    }
}
