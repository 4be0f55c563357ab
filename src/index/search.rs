//! Reading the index: takes a [`SearchRequest`], gives ranked passages with snippets and match
//! offsets ([`Found`]), or counts per group. How the query text is read: `query`.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EmptyQuery, Occur, Query, QueryParser, QueryParserError, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::count;
use super::query::{self, Expander, Mode, Plan, QueryMode};
use super::schema::{attr_value, Fields};
use super::tokenizer::for_queries;
use super::write::code_facet;
use crate::analyze::clean;
use crate::analyze::{Analyzer, Language};
use crate::error::{Error, Result};
use crate::model::{CodeId, Role, Span};

/// The separator of facet path parts in a facet column (tantivy's `FACET_SEP_BYTE`).
pub(super) const FACET_SEP: char = '\u{0}';

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

/// A search: the query as typed, how to read it, filters and how many hits to give.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query as typed: a question or words, or the exact syntax (`"phrases"`, `OR`,
    /// `NOT`/`-`, `field:value`, `*`).
    pub query: String,
    /// Filters.
    pub filters: Filters,
    /// Most hits to return.
    pub limit: usize,
    /// Which parser: chosen from the text, or the exact syntax always.
    pub mode: QueryMode,
    /// Whether words naming a code add its lexicon terms (any-word mode, with a lexicon given
    /// by [`StudyIndex::set_lexicon`]).
    pub expand: bool,
}

impl SearchRequest {
    /// A request for `query` with the defaults: no filter, 20 hits, mode chosen, expansion on.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            filters: Filters::default(),
            limit: 20,
            mode: QueryMode::Auto,
            expand: true,
        }
    }
}

/// The hits of a search and how its query was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Best first.
    pub hits: Vec<Hit>,
    /// The mode that ran, names boosted, words expanded.
    pub plan: Plan,
}

/// One match of a hit seen in context: the text before it, the match, the text after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kwic {
    /// Up to the asked width of text before the match, whitespace collapsed.
    pub left: String,
    /// The matched word.
    pub matched: String,
    /// Up to the asked width of text after it.
    pub right: String,
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
    /// Its best fragment for the query, without non-speech markers.
    pub snippet: Snippet,
    /// Every occurrence of a query word in `text`, in order.
    pub matches: Vec<Span>,
    /// Non-speech markers in `text` (bytes), left out of the index and of snippets.
    pub markers: Vec<Range<usize>>,
}

impl Hit {
    /// Each match with up to `width` characters of the passage on either side, markers left out.
    pub fn kwic(&self, width: usize) -> Vec<Kwic> {
        let bytes: Vec<Range<usize>> = self.matches.iter().map(|m| m.bytes.clone()).collect();
        let (text, matches) = clean::cut(&self.text, &self.markers, &bytes);
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        matches
            .iter()
            .map(|m| {
                let left = flat(&text[..m.start]);
                let right = flat(&text[m.end..]);
                let skip = left.chars().count().saturating_sub(width);
                Kwic {
                    left: left.chars().skip(skip).collect(),
                    matched: text[m.clone()].to_string(),
                    right: right.chars().take(width).collect(),
                }
            })
            .collect()
    }

    /// The passage's id, `INTERVIEW:N`, as `pith lexicon explain --passage` takes it.
    pub fn id(&self) -> String {
        format!("{}:{}", self.interview, self.passage)
    }
}

/// A passage id, `INTERVIEW:N` (or `INTERVIEW#N`), as interview id and passage index.
pub fn parse_passage_id(id: &str) -> Option<(&str, usize)> {
    let (interview, n) = id.rsplit_once([':', '#'])?;
    Some((interview, n.trim().parse().ok()?)).filter(|(i, _)| !i.is_empty())
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

/// How deep a query's brackets may nest.
pub const MAX_NESTING: usize = 64;

/// Passages of fewer words than this are ranked as if their matches were diluted by the square
/// root of their share of it: BM25 alone favours a two-word "yeah, battery" over a sentence.
const SHORT_WORDS: f32 = 10.0;

/// How much a passage of a speaker, participant or persona named in the query gains.
const NAME_BOOST: f32 = 0.5;

/// Why a search found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Passages of other roles than participant match (interviewer or unknown).
    OtherRoles,
    /// The exact query matches nothing, but passages with some of its words exist.
    NotEveryWord,
    /// Passages match without the persona, code, interview and attribute filters.
    Filters,
    /// The query has no word to search.
    NoWords,
    /// No passage has any of the words.
    NoMatch,
}

/// What the index knows of a study: the values of the name fields.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Personas.
    pub personas: Vec<String>,
    /// Participants.
    pub participants: Vec<String>,
    /// Speaker labels.
    pub speakers: Vec<String>,
    /// Attribute keys.
    pub attributes: Vec<String>,
}

/// A request's tantivy query, how it was read, and the name fields whose values it boosts.
struct Planned {
    query: Box<dyn Query>,
    plan: Plan,
    names: Vec<(Field, String)>,
}

/// An index opened for searching. Cheap to keep; every search sees the last commit.
pub struct StudyIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
    /// The analyzer for raw text, to find the query's words in a stored passage.
    analyzer: TextAnalyzer,
    /// pith's analyzer, for the any-word mode and match offsets.
    pith: Analyzer,
    expander: Option<Expander>,
    known: OnceLock<Known>,
    dir: PathBuf,
}

impl StudyIndex {
    /// Reads `index`, analyzing queries for `language`.
    pub(super) fn new(index: Index, fields: Fields, language: Language, dir: PathBuf) -> Result<StudyIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|source| Error::Index { path: dir.clone(), source })?;
        let (tokenizers, analyzer) = for_queries(language);
        let mut parser = QueryParser::new(index.schema(), vec![fields.text], tokenizers);
        parser.set_conjunction_by_default();
        let pith = Analyzer::new(language);
        Ok(StudyIndex { index, reader, fields, parser, analyzer, pith, expander: None, known: OnceLock::new(), dir })
    }

    /// Lets words naming a code of `lexicon` expand to its terms (see [`SearchRequest::expand`]),
    /// and makes [`StudyIndex::check`] know its codes.
    pub fn set_lexicon(&mut self, lexicon: &crate::lexicon::Lexicon) {
        self.expander = Some(Expander::new(lexicon, &self.pith));
    }

    /// The personas, participants, speakers and attribute keys of the indexed passages.
    pub fn known(&self) -> Result<&Known> {
        if let Some(k) = self.known.get() {
            return Ok(k);
        }
        let searcher = self.reader.searcher();
        let terms = |field: Field| -> Result<Vec<String>> {
            let mut out = Vec::new();
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field).map_err(self.err())?;
                let mut stream = inverted.terms().stream().map_err(|e| self.err()(e.into()))?;
                while stream.advance() {
                    out.push(String::from_utf8_lossy(stream.key()).into_owned());
                }
            }
            out.sort();
            out.dedup();
            Ok(out)
        };
        let f = &self.fields;
        let mut attributes: Vec<String> =
            terms(f.attr)?.iter().filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_string())).collect();
        attributes.dedup();
        let known = Known {
            personas: terms(f.persona)?,
            participants: terms(f.participant)?,
            speakers: terms(f.speaker)?,
            attributes,
        };
        Ok(self.known.get_or_init(|| known))
    }

    /// Checks that the request's persona, code and attributes exist in the study:
    /// [`Error::Unknown`] names the one that does not, with the known ones.
    pub fn check(&self, req: &SearchRequest) -> Result<()> {
        let known = self.known()?;
        let filters = &req.filters;
        if let Some(p) = &filters.persona {
            unknown("persona", p, &known.personas)?;
        }
        if let (Some(c), Some(e)) = (&filters.code, &self.expander) {
            unknown("code", c.as_str(), e.known())?;
        }
        for (k, _) in &filters.attrs {
            unknown("attribute", &k.trim().to_lowercase(), &known.attributes)?;
        }
        Ok(())
    }

    /// A failure of tantivy's, checked against the index's checksums: damage is named as such.
    fn err(&self) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
        move |source| match self.index.validate_checksum() {
            Ok(damaged) if !damaged.is_empty() => {
                let mut files: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
                files.sort();
                Error::Index {
                    path: self.dir.clone(),
                    source: tantivy::TantivyError::DataCorruption(tantivy::error::DataCorruption::comment_only(
                        format!(
                            "the index is damaged ({}): the next `pith run` or `pith index` rebuilds it",
                            files.join(", ")
                        ),
                    )),
                }
            }
            _ => Error::Index { path: self.dir.clone(), source },
        }
    }

    /// Passages in the index.
    pub fn passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The exact-syntax query of `text`, or why it does not parse: where, and what to do.
    fn exact(&self, text: &str) -> std::result::Result<Box<dyn Query>, String> {
        // The grammar's parser recurses once per bracket: thousands of them overflow its stack.
        let mut depth = 0usize;
        for (at, c) in text.chars().enumerate() {
            depth = match c {
                '(' => depth + 1,
                ')' => depth.saturating_sub(1),
                _ => depth,
            };
            if depth > MAX_NESTING {
                return Err(format!("at character {}: brackets nested more than {MAX_NESTING} deep", at + 1));
            }
        }
        if text.matches('"').count() % 2 == 1 {
            let at = text.rfind('"').map_or(1, |b| text[..b].chars().count() + 1);
            return Err(format!("at character {at}: a quote is not closed: close the quote or remove it"));
        }
        let (_, errors) = tantivy::query_grammar::parse_query_lenient(text);
        if let Some(e) = errors.first() {
            let at = text.get(..e.pos).map_or(e.pos, |s| s.chars().count()) + 1;
            let fix = if text.matches('(').count() != text.matches(')').count() {
                "balance the brackets, or leave --exact out to search the words"
            } else {
                "put the text in double quotes to search it as a phrase, or leave --exact out"
            };
            return Err(format!("at character {at}: {}: {fix}", e.message));
        }
        self.parser.parse_query(text).map_err(|e| {
            let at = |needle: &str| text.find(needle).map_or(1, |b| text[..b].chars().count() + 1);
            match &e {
                QueryParserError::FieldDoesNotExist(field) => format!(
                    "at character {}: no field {field:?} (fields: {}): write `{field}\\:` to search the word",
                    at(&format!("{field}:")),
                    query::FIELDS.join(", ")
                ),
                QueryParserError::UnsupportedQuery(m) if text.contains('/') => format!(
                    "at character {}: {m}: a `/` starts a regular expression, which search does not take: \
                     put the text in double quotes",
                    at("/")
                ),
                other => other.to_string(),
            }
        })
    }

    /// Why `req` finds nothing, trying it with what the user could change: the first of the
    /// roles, the exact syntax, the filters, the words.
    pub fn why_empty(&self, req: &SearchRequest) -> Result<Empty> {
        let finds = |change: &dyn Fn(&mut SearchRequest)| -> Result<bool> {
            let mut r = SearchRequest { limit: 1, ..req.clone() };
            change(&mut r);
            Ok(!self.search(&r)?.hits.is_empty())
        };
        if req.filters.role == Some(Role::Participant) && finds(&|r| r.filters.role = None)? {
            return Ok(Empty::OtherRoles);
        }
        let plan = self.query(req)?.plan;
        if plan.mode == Mode::Exact && finds(&|r| r.mode = QueryMode::AnyWord)? {
            return Ok(Empty::NotEveryWord);
        }
        let unfiltered = |r: &mut SearchRequest| r.filters = Filters { role: r.filters.role, ..Filters::default() };
        let mut bare = req.clone();
        unfiltered(&mut bare);
        if bare.filters != req.filters && finds(&unfiltered)? {
            return Ok(Empty::Filters);
        }
        Ok(if plan.mode == Mode::AnyWord && plan.words.is_empty() { Empty::NoWords } else { Empty::NoMatch })
    }

    /// Checks that a count's group is one the study has: [`Error::Unknown`] for an attribute no
    /// interview has.
    pub fn check_group(&self, by: &GroupBy) -> Result<()> {
        match by {
            GroupBy::Attribute(a) => unknown("attribute", a, &self.known()?.attributes),
            _ => Ok(()),
        }
    }

    /// The query of a request and how it was read, every filter a required term.
    fn query(&self, req: &SearchRequest) -> Result<Planned> {
        let bad = |reason: String| Error::Query { query: req.query.clone(), reason };
        let meant = req.mode == QueryMode::Exact || (req.mode == QueryMode::Auto && query::deliberate(&req.query));
        let attempt = meant.then(|| self.exact(&req.query));
        let (user, plan, names): (Box<dyn Query>, Plan, Vec<(Field, String)>) = match attempt {
            Some(Ok(parsed)) => {
                let plan = Plan {
                    mode: Mode::Exact,
                    not_syntax: None,
                    words: Vec::new(),
                    names: Vec::new(),
                    expanded: Vec::new(),
                };
                (parsed, plan, Vec::new())
            }
            Some(Err(reason)) if req.mode == QueryMode::Exact => return Err(bad(reason)),
            attempt => {
                let not_syntax = attempt.and_then(|a| a.err());
                let expander = if req.expand { self.expander.as_ref() } else { None };
                let words = query::any_word(&self.fields, &self.pith, &req.query, expander);
                let known = self.known()?;
                let f = &self.fields;
                let mut names = Vec::new();
                let mut named = Vec::new();
                for (field, values) in
                    [(f.speaker, &known.speakers), (f.participant, &known.participants), (f.persona, &known.personas)]
                {
                    for (name, _) in query::names_in(&req.query, values) {
                        if !named.contains(&name) {
                            named.push(name.clone());
                        }
                        names.push((field, name));
                    }
                }
                let plan = Plan {
                    mode: Mode::AnyWord,
                    not_syntax,
                    words: words.words,
                    names: named,
                    expanded: words.expanded,
                };
                (words.query.unwrap_or_else(|| Box::new(EmptyQuery)), plan, names)
            }
        };
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
            return Ok(Planned { query: user, plan, names });
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, user)];
        for t in terms {
            clauses.push((Occur::Must, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
        }
        Ok(Planned { query: Box::new(BooleanQuery::new(clauses)), plan, names })
    }

    /// The best `limit` passages for the request, by BM25 (short passages damped, named
    /// speakers', participants' and personas' passages raised; equal scores in interview and
    /// passage order, whatever the index's segment layout), with snippets and match offsets.
    /// Passages with no words (only markers) are never hits.
    ///
    /// [`Error::Query`] when the query is meant as exact syntax and does not parse, saying where
    /// and what to do.
    pub fn search(&self, req: &SearchRequest) -> Result<Found> {
        let Planned { query, plan, names } = self.query(req)?;
        let searcher = self.reader.searcher();
        let text_field = self.fields.text;
        let limit = req.limit.max(1);
        // BM25's top candidates first, which tantivy finds without scoring every match, then
        // rescored; every match is rescored only when one outside them could still rank.
        let candidates = (limit * 4).max(64);
        let plain = searcher.search(&*query, &TopDocs::with_limit(candidates).order_by_score()).map_err(self.err())?;
        let mut rescorers = std::collections::HashMap::new();
        let mut top: Vec<(Score, tantivy::DocAddress)> = plain
            .iter()
            .map(|&(score, addr)| {
                let rescore = rescorers
                    .entry(addr.segment_ord)
                    .or_insert_with(|| rescorer(searcher.segment_reader(addr.segment_ord), text_field, &names));
                (rescore(addr.doc_id, score), addr)
            })
            .collect();
        top.sort_by(|a, b| b.0.total_cmp(&a.0));
        let gain = if names.is_empty() { 1.0 } else { 1.0 + NAME_BOOST };
        let settled = plain.len() < candidates
            || top.get(limit - 1).zip(plain.last()).is_some_and(|(kept, last)| kept.0 >= gain * last.0);
        if !settled {
            let every = TopDocs::with_limit(limit)
                .tweak_score(move |segment: &SegmentReader| rescorer(segment, text_field, &names));
            top = searcher.search(&*query, &every).map_err(self.err())?;
        }
        top.truncate(limit);
        let (snippets, terms) = self.snippets(&searcher, &*query)?;
        let f = &self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            if score <= 0.0 {
                continue;
            }
            let doc: TantivyDocument = searcher.doc(addr).map_err(self.err())?;
            let text_of = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let text = text_of(f.written).unwrap_or_default();
            let analysis = self.pith.analyze(&text);
            let markers = clean::markers(&analysis);
            let mut matches = Vec::new();
            clean::each_word(&analysis, &mut String::new(), |w| {
                if terms.contains(w.stem) {
                    matches.push(Span { bytes: w.bytes, chars: w.chars });
                }
            });
            let snippet = snippets.snippet(&text);
            let snippet = if snippet.highlighted().is_empty() {
                let (clean, _) = clean::cut(&text, &markers, &[]);
                Snippet { fragment: head(&clean, SNIPPET_CHARS).to_string(), highlighted: Vec::new() }
            } else {
                // The whole passage when it fits, rather than cut at the outer matches.
                let range =
                    if text.chars().count() <= SNIPPET_CHARS { 0..text.len() } else { snippet.fragment_range() };
                let shift = snippet.fragment_range().start;
                let highlighted: Vec<Range<usize>> = snippet
                    .highlighted()
                    .iter()
                    .map(|r| r.start + shift - range.start..r.end + shift - range.start)
                    .collect();
                let inside: Vec<Range<usize>> = markers
                    .iter()
                    .filter(|m| range.start <= m.start && m.end <= range.end)
                    .map(|m| m.start - range.start..m.end - range.start)
                    .collect();
                let (fragment, highlighted) = clean::cut(&text[range], &inside, &highlighted);
                Snippet { fragment, highlighted }
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
                matches,
                markers,
            });
        }
        hits.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then_with(|| a.interview.cmp(&b.interview)).then(a.passage.cmp(&b.passage))
        });
        Ok(Found { hits, plan })
    }

    /// Snippets of the stored text around the query's words: as tantivy's
    /// `SnippetGenerator::create`, which would look for them in the indexed field itself.
    /// Also gives the stems of those words.
    fn snippets(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> Result<(SnippetGenerator, std::collections::BTreeSet<String>)> {
        let mut terms = std::collections::BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == self.fields.text {
                terms.insert(term.clone());
            }
        });
        let mut words = std::collections::BTreeMap::new();
        for term in terms {
            let Some(word) = term.value().as_str().map(str::to_string) else { continue };
            let docs = searcher.doc_freq(&term).map_err(self.err())?;
            if docs > 0 {
                words.insert(word, 1.0 / (1.0 + docs as f32));
            }
        }
        let stems = words.keys().cloned().collect();
        Ok((SnippetGenerator::new(words, self.analyzer.clone(), self.fields.written, SNIPPET_CHARS), stems))
    }

    /// For each group of `by`: the passages matching the request, the distinct interviews among
    /// them, and the group's interviews in the whole index. Groups with no match are left out;
    /// sorted by matching interviews, then passages (most first), then name.
    pub fn count_by(&self, req: &SearchRequest, by: &GroupBy) -> Result<Vec<GroupCount>> {
        let query = self.query(req)?.query;
        count::count_by(&self.reader.searcher(), &*query, by, self.err())
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
                    text: s(f.written),
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

/// A segment's score tweak: BM25 `score` damped for a passage under [`SHORT_WORDS`] words, and
/// raised by [`NAME_BOOST`] for a passage whose name field holds one of `names`.
fn rescorer(segment: &SegmentReader, text: Field, names: &[(Field, String)]) -> impl Fn(DocId, Score) -> Score {
    let norms = segment.get_fieldnorms_reader(text).ok();
    let named: Vec<(tantivy::columnar::StrColumn, u64)> = names
        .iter()
        .filter_map(|(field, value)| {
            let column = segment.fast_fields().str(segment.schema().get_field_name(*field)).ok()??;
            let ord = column.dictionary().term_ord(value).ok()??;
            Some((column, ord))
        })
        .collect();
    move |doc: DocId, score: Score| {
        let words = norms.as_ref().map_or(SHORT_WORDS, |n| n.fieldnorm(doc) as f32);
        let mut score = score * (words / SHORT_WORDS).min(1.0).sqrt();
        if named.iter().any(|(column, ord)| column.term_ords(doc).any(|o| o == *ord)) {
            score *= 1.0 + NAME_BOOST;
        }
        score
    }
}

/// [`Error::Unknown`] unless `given` is one of `known`.
fn unknown(what: &'static str, given: &str, known: &[String]) -> Result<()> {
    if known.iter().any(|k| k == given) {
        return Ok(());
    }
    let suggestion = known
        .iter()
        .find(|k| k.to_lowercase() == given.to_lowercase())
        .or_else(|| known.iter().find(|k| k.to_lowercase().contains(&given.to_lowercase())))
        .cloned();
    Err(Error::Unknown { what, given: given.to_string(), suggestion, known: known.to_vec() })
}

/// The first `n` characters of `text`.
fn head(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i])
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
        let index = Index::create_in_ram(crate::index::schema::build());
        index.tokenizers().register(super::super::tokenizer::STEMS, super::super::tokenizer::StemsTokenizer::default());
        let analyzer = crate::analyze::Analyzer::new(Language::English);
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
                doc.add_text(fields.text, crate::analyze::Stems::of(&analyzer.analyze(text)).as_str());
                doc.add_text(fields.written, text);
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
        StudyIndex::new(index, fields, Language::English, PathBuf::from("memory")).unwrap()
    }

    fn counts(idx: &StudyIndex, query: &str, by: GroupBy) -> Vec<(String, u64, u64, u64)> {
        let req = SearchRequest { limit: 10, ..SearchRequest::new(query) };
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
        let req = SearchRequest { limit: 10, ..SearchRequest::new("*") };
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
