//! Reading the index: ranked search with snippets, and counts per group.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
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
        let collector = GroupCollector { by: by.clone() };
        let matched = searcher.search(&*query, &collector).map_err(self.err())?;
        let totals = searcher.search(&AllQuery, &collector).map_err(self.err())?;
        if let GroupBy::Attribute(name) = by {
            if totals.is_empty() {
                return Err(Error::Invalid(format!(
                    "no interview has an attribute {name:?} (group by persona, code, interview, participant or a manifest column)"
                )));
            }
        }
        let mut groups: Vec<GroupCount> = matched
            .into_iter()
            .map(|(key, (passages, interviews))| GroupCount {
                total_interviews: totals.get(&key).map_or(0, |(_, i)| i.len() as u64),
                interviews: interviews.len() as u64,
                passages,
                key,
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

/// Group key → (matching passages, distinct interviews).
type Groups = HashMap<String, (u64, HashSet<String>)>;

/// Counts documents per group and distinct interviews per group from fast fields.
struct GroupCollector {
    by: GroupBy,
}

struct GroupSegment {
    group: Option<StrColumn>,
    interview: Option<StrColumn>,
    decode: Decode,
    /// Matching passages per group ordinal.
    passages: Vec<u64>,
    /// Distinct (group ordinal, interview ordinal) pairs seen.
    pairs: HashSet<(u64, u64)>,
    /// The interview of the documents collected last and the groups seen for it: a segment
    /// holds an interview's passages mostly together, so most pairs never reach the hash set.
    current: Option<(u64, Vec<u64>)>,
}

/// Moves the current interview's groups into the pairs.
fn flush(current: &mut Option<(u64, Vec<u64>)>, pairs: &mut HashSet<(u64, u64)>) {
    if let Some((interview, groups)) = current.take() {
        pairs.extend(groups.into_iter().map(|g| (g, interview)));
    }
}

#[derive(Clone)]
enum Decode {
    Plain,
    Facet,
    Attribute(String),
}

impl Collector for GroupCollector {
    type Fruit = Groups;
    type Child = GroupSegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<GroupSegment> {
        let (field, decode) = match &self.by {
            GroupBy::Persona => (schema::PERSONA, Decode::Plain),
            GroupBy::Code => (schema::CODE, Decode::Facet),
            GroupBy::Interview => (schema::INTERVIEW, Decode::Plain),
            GroupBy::Participant => (schema::PARTICIPANT, Decode::Plain),
            GroupBy::Attribute(key) => (schema::ATTR, Decode::Attribute(attr_value(key, ""))),
        };
        let fast = segment.fast_fields();
        Ok(GroupSegment {
            group: fast.str(field)?,
            interview: fast.str(schema::INTERVIEW)?,
            decode,
            passages: Vec::new(),
            pairs: HashSet::new(),
            current: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Groups>) -> tantivy::Result<Groups> {
        let mut all = Groups::new();
        for fruit in fruits {
            for (key, (n, interviews)) in fruit {
                let e = all.entry(key).or_default();
                e.0 += n;
                e.1.extend(interviews);
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for GroupSegment {
    type Fruit = Groups;

    fn collect(&mut self, doc: DocId, _: Score) {
        let (Some(group), Some(interview)) = (&self.group, &self.interview) else { return };
        let Some(interview) = interview.term_ords(doc).next() else { return };
        if self.current.as_ref().is_some_and(|(i, _)| *i != interview) {
            flush(&mut self.current, &mut self.pairs);
        }
        let (_, seen) = self.current.get_or_insert_with(|| (interview, Vec::new()));
        for ord in group.term_ords(doc) {
            let i = ord as usize;
            if i >= self.passages.len() {
                self.passages.resize(i + 1, 0);
            }
            self.passages[i] += 1;
            if !seen.contains(&ord) {
                seen.push(ord);
            }
        }
    }

    fn harvest(mut self) -> Groups {
        flush(&mut self.current, &mut self.pairs);
        let mut out = Groups::new();
        let (Some(group), Some(interview)) = (&self.group, &self.interview) else { return out };
        let mut interviews: HashMap<u64, Vec<u64>> = HashMap::new();
        for (g, i) in &self.pairs {
            interviews.entry(*g).or_default().push(*i);
        }
        let mut key = String::new();
        let mut name = String::new();
        for (ord, n) in self.passages.iter().enumerate().filter(|(_, n)| **n > 0) {
            key.clear();
            if !matches!(group.ord_to_str(ord as u64, &mut key), Ok(true)) {
                continue;
            }
            let key = match &self.decode {
                Decode::Plain => key.clone(),
                Decode::Facet => key.rsplit(FACET_SEP).next().unwrap_or_default().to_string(),
                Decode::Attribute(prefix) => match key.strip_prefix(prefix.as_str()) {
                    Some(value) => value.to_string(),
                    None => continue,
                },
            };
            let e = out.entry(key).or_default();
            e.0 += n;
            for i in interviews.remove(&(ord as u64)).unwrap_or_default() {
                name.clear();
                if matches!(interview.ord_to_str(i, &mut name), Ok(true)) {
                    e.1.insert(name.clone());
                }
            }
        }
        out
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

    #[test]
    fn group_by_names() {
        assert_eq!(GroupBy::parse("Persona"), GroupBy::Persona);
        assert_eq!(GroupBy::parse("code"), GroupBy::Code);
        assert_eq!(GroupBy::parse("Segment"), GroupBy::Attribute("segment".into()));
    }
}
