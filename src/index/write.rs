//! Bringing the index up to date: hash every transcript's inputs, re-index the changed ones,
//! delete the removed ones, commit once, then record the new state.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use tantivy::schema::Facet;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::schema::{attr_value, Fields};
use super::state::{study_fingerprint, transcript_hash, Lock, State};
use super::{index_dir, index_error, lock_path, open_dir, state_path};
use crate::analyze::Analyzer;
use crate::error::{Diagnostic, Error, Location, Result};
use crate::lexicon::Lexicon;
use crate::pipeline::{self, CodedInterview};
use crate::study::{Study, CONFIG_FILE};

/// Writer memory budget, shared by its threads.
const WRITER_MEMORY: usize = 200_000_000;
/// Writer threads.
const WRITER_THREADS: usize = 2;

/// What an update did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Update {
    /// Transcripts (re-)indexed.
    pub indexed: usize,
    /// Transcripts whose documents were current.
    pub unchanged: usize,
    /// Transcripts gone from the study whose documents were removed.
    pub removed: usize,
    /// Whether everything was re-indexed (no index yet, lexicons or settings changed).
    pub rebuilt: bool,
    /// Passages in the index after the update.
    pub passages: u64,
}

/// Updates the index of `study` (`pith index`): transcripts whose inputs are unchanged are not
/// read again; changed ones are read, coded and replace their documents; deleted ones are
/// removed. Gives the study's diagnostics and those of the transcripts read.
pub fn update(study: &Study, lexicon: &Lexicon, analyzer: &Analyzer) -> Result<(Update, Vec<Diagnostic>)> {
    let (update, mut diagnostics) = update_inner(study, lexicon, |path, bytes| {
        match pipeline::process_bytes(study, lexicon, analyzer, path, bytes) {
            Ok((interview, warnings)) => (Some(Cow::Owned(interview)), warnings),
            Err(d) => (None, vec![d]),
        }
    })?;
    diagnostics.extend(study.diagnostics.iter().cloned());
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location));
    Ok((update, diagnostics))
}

/// Updates the index of `study` from `interviews` coded already by [`pipeline::run`] with the
/// same lexicon (`pith run`). A transcript missing from `interviews` could not be read: its old
/// documents are removed. Gives no diagnostics of its own beyond unreadable files.
pub fn update_with(study: &Study, lexicon: &Lexicon, interviews: &[CodedInterview]) -> Result<Update> {
    let by_source: HashMap<&str, &CodedInterview> = interviews.iter().map(|i| (i.meta.source.as_str(), i)).collect();
    let (update, _) = update_inner(study, lexicon, |path, _| {
        (by_source.get(study.source(path).as_str()).map(|i| Cow::Borrowed(*i)), Vec::new())
    })?;
    Ok(update)
}

type Coder<'a> = dyn Fn(&Path, &[u8]) -> (Option<Cow<'a, CodedInterview>>, Vec<Diagnostic>) + Sync + 'a;

fn update_inner<'a>(
    study: &Study,
    lexicon: &Lexicon,
    code: impl Fn(&Path, &[u8]) -> (Option<Cow<'a, CodedInterview>>, Vec<Diagnostic>) + Sync + 'a,
) -> Result<(Update, Vec<Diagnostic>)> {
    let code: &Coder<'a> = &code;
    let root = &study.root;
    let _lock = Lock::acquire(root, &lock_path(root))?;
    let language = study.language()?;
    let config = match std::fs::read(root.join(CONFIG_FILE)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(root.join(CONFIG_FILE), e)),
    };
    let fingerprint = study_fingerprint(lexicon.fingerprint(), &config);
    let old = State::load(&state_path(root))
        .filter(|s| s.study == fingerprint && s.language == language.name())
        .unwrap_or_default();
    let rebuilt = old.study.is_empty();
    let dir = index_dir(root);
    let opened = if rebuilt { None } else { open_dir(&dir, language, false).ok().flatten() };
    let (index, fields) = match opened {
        Some(found) => found,
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            }
            open_dir(&dir, language, true)?.ok_or_else(|| Error::NotIndexed { study: root.clone() })?
        }
    };
    let old = if rebuilt { State::default() } else { old };
    let writer: IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY).map_err(index_error(&dir))?;

    let mut new =
        State { language: language.name().to_string(), study: fingerprint.clone(), transcripts: BTreeMap::new() };
    let present: HashSet<String> = study.transcripts.iter().map(|p| study.source(p)).collect();
    let removed: Vec<&String> = old.transcripts.keys().filter(|s| !present.contains(*s)).collect();
    for source in &removed {
        writer.delete_term(Term::from_field_text(fields.source, source));
    }

    // One pass, in parallel: read, hash, and re-index only what changed. Nothing but the
    // transcripts in flight is held in memory.
    let failed: Mutex<Option<tantivy::TantivyError>> = Mutex::new(None);
    let outcomes: Vec<Outcome> = study
        .transcripts
        .par_iter()
        .map(|path| {
            let source = study.source(path);
            let delete = || writer.delete_term(Term::from_field_text(fields.source, &source));
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    delete();
                    let d = Diagnostic::skipped(Location::new(path, None), format!("cannot read: {e}"));
                    return Outcome { source, hash: None, changed: true, diagnostics: vec![d] };
                }
            };
            let hash = transcript_hash(&fingerprint, &bytes, study.row_for(path));
            if old.transcripts.get(&source) == Some(&hash) {
                return Outcome { source, hash: Some(hash), changed: false, diagnostics: Vec::new() };
            }
            delete();
            let (coded, diagnostics) = code(path, &bytes);
            drop(bytes);
            let Some(interview) = coded else { return Outcome { source, hash: None, changed: true, diagnostics } };
            for doc in documents(&fields, lexicon, &interview) {
                if let Err(e) = writer.add_document(doc) {
                    if let Ok(mut slot) = failed.lock() {
                        slot.get_or_insert(e);
                    }
                    return Outcome { source, hash: None, changed: true, diagnostics };
                }
            }
            Outcome { source, hash: Some(hash), changed: true, diagnostics }
        })
        .collect();
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(index_error(&dir)(e));
    }
    let (mut indexed, mut unchanged) = (0, 0);
    let mut diagnostics = Vec::new();
    for mut o in outcomes {
        diagnostics.append(&mut o.diagnostics);
        if let Some(hash) = o.hash {
            if o.changed {
                indexed += 1;
            } else {
                unchanged += 1;
            }
            new.transcripts.insert(o.source, hash);
        }
    }
    let mut writer = writer;
    writer.commit().map_err(index_error(&dir))?;
    writer.wait_merging_threads().map_err(index_error(&dir))?;
    new.save(&state_path(root))?;
    let passages = index.reader().map(|r| r.searcher().num_docs()).map_err(index_error(&dir))?;
    Ok((Update { indexed, unchanged, removed: removed.len(), rebuilt, passages }, diagnostics))
}

/// What became of one transcript.
struct Outcome {
    source: String,
    /// Its inputs' hash when its documents are current (unchanged, or re-indexed).
    hash: Option<String>,
    /// Whether it was read and coded again.
    changed: bool,
    diagnostics: Vec<Diagnostic>,
}

/// The documents of one interview: one per passage.
fn documents(fields: &Fields, lexicon: &Lexicon, interview: &CodedInterview) -> Vec<TantivyDocument> {
    let meta = &interview.meta;
    interview
        .passages
        .iter()
        .map(|cp| {
            let p = &cp.passage;
            let mut doc = TantivyDocument::default();
            doc.add_text(fields.source, &meta.source);
            doc.add_text(fields.interview, &meta.id);
            doc.add_u64(fields.passage, p.index as u64);
            doc.add_text(fields.participant, &meta.participant);
            doc.add_text(fields.persona, &meta.persona);
            if let Some(s) = &p.speaker {
                doc.add_text(fields.speaker, s);
            }
            doc.add_text(fields.role, p.role.as_str());
            if let Some(t) = p.time {
                doc.add_f64(fields.time, t.start);
            }
            doc.add_text(fields.text, interview.text(p));
            for tag in &cp.tags {
                let Some(code) = lexicon.codes().get(tag.code) else { continue };
                let field = if tag.negated() { fields.negated } else { fields.code };
                doc.add_facet(field, code_facet(&code.id));
            }
            for (k, v) in &meta.attributes {
                doc.add_text(fields.attr, attr_value(k, v));
            }
            doc
        })
        .collect()
}

/// The facet of a code: its ancestry, `/risk/risk.downtime`.
pub(super) fn code_facet(code: &crate::model::CodeId) -> Facet {
    Facet::from_path(code.ancestry())
}
