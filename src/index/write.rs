//! Bringing the index up to date: hash every transcript's inputs, re-index the changed ones,
//! delete the removed ones, commit once, then record the new state.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;

use tantivy::schema::Facet;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::merge::SmallSegments;
use super::schema::{attr_value, Fields};
use super::state::{
    content_hash, index_stamps, now_ns, study_fingerprint, transcript_hash, Lock, RunRecord, Seen, Stamp, State,
};
use super::{
    index_dir, index_error, interrupted_switch, lock_path, open_dir, rebuild_dir, retired_dir, state_path, Access,
};
use crate::analyze::{Analyzer, Stems};
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::model::CodedInterview;
use crate::study::{Study, CONFIG_FILE};

/// Writer memory budget, shared by its threads; a full budget is written out as a segment. Small
/// enough that a modest study fills it too, so that peak memory follows the work in flight and not
/// the study's size (200 MB bench corpus: 360 MB peak with 48 MB, 366-384 MB with 64 MB, 516 MB
/// with 200 MB, wall time the same within the machine's noise).
const WRITER_MEMORY: usize = 48_000_000;
/// Most writer threads ([`writer_threads`]): tantivy wants at least 15 MB of the budget per thread.
const MAX_WRITER_THREADS: usize = 3;
/// Interviews' documents the coders may hand the [`Feeder`] ahead of the writer.
const FEED_AHEAD: usize = 128;

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

/// An index update in progress: holds the study's lock and the writer. Transcripts are offered
/// one at a time, from any thread: [`Session::is_current`] says whether a transcript's inputs are
/// unchanged since the last commit, [`Session::replace`] re-indexes a coded interview,
/// [`Session::keep`] records an unchanged one. [`Session::finish`] removes the documents of every
/// transcript not offered (deleted or unreadable), commits once and records the new state;
/// [`Session::prepare`] does it in two steps, the writer's part running while the caller goes on.
pub struct Session {
    _lock: Lock,
    dir: std::path::PathBuf,
    index: tantivy::Index,
    fields: Fields,
    /// For passages coded without their [`Stems`].
    analyzer: Analyzer,
    feeder: Feeder,
    fingerprint: String,
    old: State,
    new: Mutex<State>,
    counts: Mutex<(usize, usize)>,
    rebuilt: bool,
    switch: Option<Switch>,
    live: std::path::PathBuf,
    state_file: std::path::PathBuf,
}

/// A rebuilt index, written beside the live one, to be put in its place once committed.
struct Switch {
    built: std::path::PathBuf,
    live: std::path::PathBuf,
    retired: std::path::PathBuf,
}

impl Switch {
    /// Puts the built index in place of the live one: two renames, then the old one removed.
    fn apply(self) -> Result<()> {
        if self.retired.exists() {
            std::fs::remove_dir_all(&self.retired).map_err(|e| Error::io(&self.retired, e))?;
        }
        if self.live.exists() {
            std::fs::rename(&self.live, &self.retired).map_err(|e| Error::io(&self.live, e))?;
        }
        std::fs::rename(&self.built, &self.live).map_err(|e| Error::io(&self.built, e))?;
        if self.retired.exists() {
            std::fs::remove_dir_all(&self.retired).map_err(|e| Error::io(&self.retired, e))?;
        }
        Ok(())
    }
}

impl Session {
    /// Locks the study and opens (or rebuilds, when the lexicons or settings changed) its index.
    pub fn begin(study: &Study, lexicon: &Lexicon) -> Result<Session> {
        let root = &study.root;
        let lock = Lock::acquire(root, &lock_path(root))?;
        // The state and cache files a killed writer was about to rename into place.
        crate::fsutil::clean_stale_temporaries(&root.join(crate::study::STATE_DIR));
        let language = study.language()?;
        let fingerprint = fingerprint(study, lexicon)?;
        let old = State::load(&state_path(root))
            .filter(|s| s.study == fingerprint && s.language == language.name())
            .unwrap_or_default();
        let rebuilt = old.study.is_empty();
        let live = index_dir(root);
        if let Some(retired) = interrupted_switch(root) {
            std::fs::rename(&retired, &live).map_err(|e| Error::io(&retired, e))?;
        }
        let opened = if rebuilt { None } else { open_dir(&live, Access::Write).ok().flatten() };
        // Files that moved since the last commit are checked against tantivy's checksums: a
        // damaged index is rebuilt, not trusted.
        let opened = opened.filter(|(index, _)| {
            index_stamps(&live) == old.index_files || index.validate_checksum().is_ok_and(|damaged| damaged.is_empty())
        });
        // An index that does not open is rebuilt whole, whatever the state file says. A rebuild
        // writes beside the live index, which searches keep reading until the new one commits.
        let rebuilt = opened.is_none();
        let unfinished = rebuild_dir(root);
        if !rebuilt && unfinished.exists() {
            std::fs::remove_dir_all(&unfinished).map_err(|e| Error::io(&unfinished, e))?;
        }
        let dir = if rebuilt { unfinished } else { live.clone() };
        let (index, fields) = match opened {
            Some(found) => found,
            None => {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                }
                open_dir(&dir, Access::Create)?.ok_or_else(|| Error::NotIndexed { study: root.clone() })?
            }
        };
        let old = if rebuilt { State::default() } else { old };
        let writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(writer_threads(), WRITER_MEMORY).map_err(index_error(&dir))?;
        writer.set_merge_policy(Box::new(SmallSegments::default()));
        // A writer killed mid-commit leaves files its commit never recorded; this run's commit
        // would name some of them again (a segment's deletes at the same opstamp) and fail.
        writer.garbage_collect_files().wait().map_err(index_error(&dir))?;
        let new = State {
            language: language.name().to_string(),
            study: fingerprint.clone(),
            transcripts: BTreeMap::new(),
            saved_ns: 0,
            run: None,
            index_files: BTreeMap::new(),
        };
        let feeder = Feeder::start(writer, fields).map_err(|e| Error::io(&dir, e))?;
        let switch = rebuilt.then(|| Switch { built: dir.clone(), live: live.clone(), retired: retired_dir(root) });
        Ok(Session {
            _lock: lock,
            dir,
            index,
            fields,
            analyzer: Analyzer::new(language),
            feeder,
            fingerprint,
            old,
            new: Mutex::new(new),
            counts: Mutex::new((0, 0)),
            rebuilt,
            switch,
            live,
            state_file: state_path(root),
        })
    }

    /// The inputs of the transcript at `path`, known without reading it when its `stamp` (taken
    /// now) shows the file unchanged since the last update.
    pub fn trusted(&self, study: &Study, path: &Path, source: &str, stamp: Option<Stamp>) -> Option<Inputs> {
        trusted(&self.old, &self.fingerprint, study, path, source, stamp).map(Inputs)
    }

    /// The inputs of the transcript at `path` whose bytes are `bytes`, read after taking `stamp`.
    pub fn inputs(&self, study: &Study, path: &Path, bytes: &[u8], stamp: Option<Stamp>) -> Inputs {
        let content = content_hash(bytes);
        let hash = transcript_hash(&self.fingerprint, &content, study.row_for(path));
        Inputs(Seen { hash, content, stamp })
    }

    /// Whether the index holds current documents for `source` with these inputs.
    pub fn is_current(&self, source: &str, inputs: &Inputs) -> bool {
        self.old.transcripts.get(source).is_some_and(|seen| seen.hash == inputs.0.hash)
    }

    /// Records that `source`'s documents are current.
    pub fn keep(&self, source: &str, inputs: Inputs) {
        if let Ok(mut new) = self.new.lock() {
            new.transcripts.insert(source.to_string(), inputs.0);
        }
        if let Ok(mut c) = self.counts.lock() {
            c.1 += 1;
        }
    }

    /// Replaces the documents of `interview` (with these inputs).
    pub fn replace(&self, lexicon: &Lexicon, interview: &CodedInterview, inputs: Inputs) {
        let source = interview.meta.source.clone();
        let documents = documents(&self.fields, &self.analyzer, lexicon, interview);
        self.feeder.feed(source.clone(), documents);
        if let Ok(mut new) = self.new.lock() {
            new.transcripts.insert(source, inputs.0);
        }
        if let Ok(mut c) = self.counts.lock() {
            c.0 += 1;
        }
    }

    /// Removes what was not offered, commits, and saves the state (with the record of the run
    /// that made this update, if it was a complete `pith run`).
    pub fn finish(self, run: Option<RunRecord>) -> Result<Update> {
        self.prepare().finish(run)
    }

    /// Ends the update: every transcript not offered is to be removed, and the writer starts
    /// writing out what it holds, on its own thread, while the caller goes on. Nothing is
    /// committed before [`Pending::finish`]; dropping the [`Pending`] commits nothing.
    pub fn prepare(self) -> Pending {
        let new = self.new.into_inner().unwrap_or_default();
        let removed: Vec<String> =
            self.old.transcripts.keys().filter(|s| !new.transcripts.contains_key(*s)).cloned().collect();
        let (indexed, unchanged) = self.counts.into_inner().unwrap_or_default();
        let update = Update { indexed, unchanged, removed: removed.len(), rebuilt: self.rebuilt, passages: 0 };
        self.feeder.prepare(removed);
        Pending {
            _lock: self._lock,
            dir: self.dir,
            index: self.index,
            feeder: self.feeder,
            new,
            update,
            switch: self.switch,
            live: self.live,
            state_file: self.state_file,
        }
    }
}

/// An update whose commit is being prepared ([`Session::prepare`]).
pub struct Pending {
    _lock: Lock,
    dir: std::path::PathBuf,
    index: tantivy::Index,
    feeder: Feeder,
    new: State,
    update: Update,
    switch: Option<Switch>,
    live: std::path::PathBuf,
    state_file: std::path::PathBuf,
}

impl Pending {
    /// Commits, and saves the state (with the record of the run that made this update, if it
    /// was a complete `pith run`).
    pub fn finish(self, run: Option<RunRecord>) -> Result<Update> {
        let dir = self.dir;
        if let Some(e) = self.feeder.commit() {
            return Err(index_error(&dir)(e));
        }
        // From the commit's record: a reader would open every segment's files to count them.
        let segments = self.index.searchable_segment_metas().map_err(index_error(&dir))?;
        let passages = segments.iter().map(|m| u64::from(m.num_docs())).sum();
        drop(self.index);
        if let Some(switch) = self.switch {
            switch.apply()?;
        }
        let mut new = self.new;
        new.run = run;
        new.index_files = index_stamps(&self.live);
        new.saved_ns = now_ns();
        new.save(&self.state_file)?;
        Ok(Update { passages, ..self.update })
    }
}

/// The thread that hands coded interviews' documents to the index writer, so that the coders go
/// on while the writer writes a full segment out (it takes no document meanwhile, and a coder
/// handing it one would wait): they wait only when [`FEED_AHEAD`] interviews are queued. At the
/// end it prepares the commit (the writer writes out its last segments) while the reports are
/// made, and commits when told to.
struct Feeder {
    queue: Option<SyncSender<Feed>>,
    thread: Option<JoinHandle<Option<tantivy::TantivyError>>>,
}

/// What the [`Feeder`]'s thread is told, in this order.
enum Feed {
    /// An interview's documents, to replace those of its source.
    Documents(String, Vec<TantivyDocument>),
    /// No more documents: remove these sources and prepare the commit.
    Prepare(Vec<String>),
    /// Commit what was prepared.
    Commit,
}

impl Feeder {
    fn start(mut writer: IndexWriter<TantivyDocument>, fields: Fields) -> std::io::Result<Feeder> {
        let (queue, queued) = sync_channel::<Feed>(FEED_AHEAD);
        let thread = std::thread::Builder::new().name("pith-index-feed".into()).spawn(move || {
            let mut failed = None;
            let removed = loop {
                match queued.recv() {
                    // Past a failure the queue is drained, so that no coder waits on it.
                    Ok(Feed::Documents(..)) if failed.is_some() => {}
                    Ok(Feed::Documents(source, documents)) => {
                        writer.delete_term(Term::from_field_text(fields.source, &source));
                        for doc in documents {
                            if let Err(e) = writer.add_document(doc) {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                    Ok(Feed::Prepare(removed)) => break removed,
                    // Closed unprepared: the writer goes without committing.
                    Ok(Feed::Commit) | Err(_) => return failed,
                }
            };
            if failed.is_some() {
                return failed;
            }
            for source in &removed {
                writer.delete_term(Term::from_field_text(fields.source, source));
            }
            let prepared = match writer.prepare_commit() {
                Ok(prepared) => prepared,
                Err(e) => return Some(e),
            };
            match queued.recv() {
                Ok(Feed::Commit) => {
                    if let Err(e) = prepared.commit() {
                        return Some(e);
                    }
                }
                // Told nothing more: the prepared commit is abandoned.
                _ => return prepared.abort().err(),
            }
            writer.wait_merging_threads().err()
        })?;
        Ok(Feeder { queue: Some(queue), thread: Some(thread) })
    }

    /// Queues an interview's documents, to replace those of `source`.
    fn feed(&self, source: String, documents: Vec<TantivyDocument>) {
        self.send(Feed::Documents(source, documents));
    }

    /// No more documents: `removed` are to be removed, and the commit is prepared.
    fn prepare(&self, removed: Vec<String>) {
        self.send(Feed::Prepare(removed));
    }

    fn send(&self, feed: Feed) {
        if let Some(queue) = &self.queue {
            // Fails only once the thread has ended (after a failure, told to prepare), and then
            // what it ended with says why.
            let _ = queue.send(feed);
        }
    }

    /// Commits what was prepared; gives the first error the writer gave.
    fn commit(mut self) -> Option<tantivy::TantivyError> {
        self.send(Feed::Commit);
        self.queue = None;
        // The thread is taken only here and on drop, and this takes the feeder.
        match self.thread.take()?.join() {
            Ok(failed) => failed,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What one transcript's documents depend on, as [`Session::trusted`] or [`Session::inputs`]
/// found it.
#[derive(Debug, Clone)]
pub struct Inputs(Seen);

impl Inputs {
    /// The hash of everything the transcript's documents depend on.
    pub fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// What `old` saw of `source`, brought up to date without reading the file: its content hash
/// when `stamp` (taken now) shows the file unchanged, and the input hash that content gives with
/// today's `fingerprint` and manifest row.
fn trusted(
    old: &State,
    fingerprint: &str,
    study: &Study,
    path: &Path,
    source: &str,
    stamp: Option<Stamp>,
) -> Option<Seen> {
    let content = old.transcripts.get(source)?.trusted_content(stamp, old.saved_ns)?;
    let hash = transcript_hash(fingerprint, content, study.row_for(path));
    Some(Seen { hash, content: content.to_string(), stamp })
}

/// Index writer threads: one per two worker threads (coding a passage costs about twice indexing
/// it, and every writer thread flushes segments of its own that later merge: on the 200 MB bench
/// corpus with two workers, one writer thread took 34 s and two 39 s), at least one, capped.
fn writer_threads() -> usize {
    (rayon::current_num_threads() / 2).clamp(1, MAX_WRITER_THREADS)
}

/// The study fingerprint: pith, schema, lexicons and `pith.toml`.
fn fingerprint(study: &Study, lexicon: &Lexicon) -> Result<String> {
    let root = &study.root;
    let config = match std::fs::read(root.join(CONFIG_FILE)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(root.join(CONFIG_FILE), e)),
    };
    Ok(study_fingerprint(lexicon.fingerprint(), &config))
}

/// The record of the last `pith run` of `study`, if it was asked `request` and nothing it read
/// or wrote has changed since: same lexicons and settings, the same transcripts with the same
/// stamps (and manifest rows), no study diagnostics, its outputs as it left them. Takes the
/// study's lock while it looks.
pub fn up_to_date(study: &Study, lexicon: &Lexicon, request: &str) -> Result<Option<RunRecord>> {
    let root = &study.root;
    let _lock = Lock::acquire(root, &lock_path(root))?;
    let Some(state) = State::load(&state_path(root)) else { return Ok(None) };
    let Some(run) = state.run.as_ref().filter(|r| r.request == request) else { return Ok(None) };
    let fingerprint = fingerprint(study, lexicon)?;
    let fresh = study.diagnostics.is_empty()
        && state.study == fingerprint
        && state.language == study.language()?.name()
        && index_dir(root).is_dir()
        && index_stamps(&index_dir(root)) == state.index_files
        && study.transcripts.len() == state.transcripts.len()
        && study.transcripts.iter().all(|path| {
            let source = study.source(path);
            trusted(&state, &fingerprint, study, path, &source, Stamp::of(path))
                .is_some_and(|now| state.transcripts.get(&source).is_some_and(|seen| seen.hash == now.hash))
        })
        && run.outputs.iter().all(|(path, stamp)| Stamp::of(path) == Some(*stamp));
    Ok(fresh.then(|| run.clone()))
}

/// The documents of one interview: one per passage.
fn documents(
    fields: &Fields,
    analyzer: &Analyzer,
    lexicon: &Lexicon,
    interview: &CodedInterview,
) -> Vec<TantivyDocument> {
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
            match &cp.stems {
                Some(stems) => doc.add_text(fields.text, stems.as_str()),
                None => doc.add_text(fields.text, Stems::of(&analyzer.analyze(interview.text(p))).as_str()),
            }
            doc.add_text(fields.written, interview.text(p));
            // `--code` finds a passage by the verdict the reports count.
            for tag in crate::code::counted(lexicon, cp) {
                doc.add_facet(fields.code, code_facet(&lexicon.codes()[tag.code].id));
            }
            for tag in cp.tags.iter().filter(|t| t.negated()) {
                doc.add_facet(fields.negated, code_facet(&lexicon.codes()[tag.code].id));
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
