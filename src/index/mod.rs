//! index: takes coded interviews, gives an on-disk tantivy index of every passage
//! (`STUDY/.pith/index`), searchable by words, persona, code, role, interview and attribute.
//!
//! - A [`Session`] brings the index up to date while the pipeline streams every coded
//!   interview by: transcripts whose inputs are unchanged are not coded again.
//! - [`open`] opens the index for reading; [`StudyIndex::search`] reads a question as any-word
//!   text or the exact query syntax and ranks passages by BM25 with a highlighted snippet,
//!   [`StudyIndex::count_by`] counts passages and interviews per group.
//!
//! Invariants: the index takes each passage's words as the coder's stems ([`Stems`](crate::analyze::Stems), from the
//! pipeline's one analysis), and queries and snippets are analyzed by the same
//! [`Analyzer`](crate::analyze::Analyzer), so a query stems as coding does. After an update, the
//! index holds exactly the documents a fresh build would. One writer at a time (`.pith/lock`);
//! readers never wait.

mod count;
mod merge;
mod query;
mod readonly;
mod schema;
mod search;
mod state;
mod tokenizer;
mod write;

use std::path::{Path, PathBuf};

use tantivy::directory::MmapDirectory;
use tantivy::Index;

pub use query::{Expander, Expansion, Mode, Plan, QueryMode};
pub use schema::Fields;
pub use search::{
    parse_passage_id, Empty, Filters, Found, GroupBy, GroupCount, Hit, Known, Kwic, SearchRequest, Snippet,
    StoredPassage, StudyIndex,
};
pub use state::{RunRecord, Stamp};
pub use tokenizer::PithTokenizer;
pub use write::{up_to_date, Inputs, Pending, Session, Update};

use crate::analyze::Language;
use crate::error::{Error, Result};
use crate::study::STATE_DIR;

/// The index folder of a study.
pub fn index_dir(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("index")
}

/// Where a rebuild writes the new index, switched in for [`index_dir`] when it commits.
fn rebuild_dir(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("index.new")
}

/// Where the replaced index waits, for the moment of the switch, to be removed.
fn retired_dir(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("index.old")
}

/// The retired index, when a writer was killed between the two renames of a switch: it is then
/// the committed one.
fn interrupted_switch(study: &Path) -> Option<PathBuf> {
    let retired = retired_dir(study);
    (!index_dir(study).exists() && retired.exists()).then_some(retired)
}

/// The folder holding the study's committed index.
fn live_dir(study: &Path) -> PathBuf {
    interrupted_switch(study).unwrap_or_else(|| index_dir(study))
}

/// Refuses a study whose `.pith` folder, or anything pith keeps in it, is a symbolic link: a
/// write, a delete or a read would go where the link leads.
pub fn check_state_dir(study: &Path) -> Result<()> {
    let dirs = [study.join(STATE_DIR), index_dir(study), rebuild_dir(study), retired_dir(study)];
    dirs.iter().try_for_each(|dir| crate::fsutil::refuse_symlinks(dir)).map_err(|e| match e {
        Error::Symlink { path, .. } => Error::Symlink { path, in_state: true },
        e => e,
    })
}

fn state_path(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("state.json")
}

fn lock_path(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("lock")
}

fn index_error(dir: &Path) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
    move |source| Error::Index { path: dir.to_path_buf(), source }
}

/// How [`open_dir`] opens an index folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// To search: the folder may be read-only.
    Search,
    /// To update what is there.
    Write,
    /// To update, creating an empty index when there is none.
    Create,
}

/// Opens the index in `dir` (creating it with pith's schema when `Access::Create` and absent),
/// its text field taking [`Stems`]. Gives `None` when there is no index and not `Create`.
fn open_dir(dir: &Path, access: Access) -> Result<Option<(Index, Fields)>> {
    let exists = dir.join("meta.json").is_file();
    if !exists && access != Access::Create {
        return Ok(None);
    }
    if !exists {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let directory = MmapDirectory::open(dir).map_err(|e| Error::Index { path: dir.to_path_buf(), source: e.into() })?;
    let index = if access == Access::Search {
        Index::open(readonly::SearchDirectory(directory)).map_err(index_error(dir))?
    } else if exists {
        Index::open(directory).map_err(index_error(dir))?
    } else {
        Index::create(directory, schema::build(), tantivy::IndexSettings::default()).map_err(index_error(dir))?
    };
    index.tokenizers().register(tokenizer::STEMS, tokenizer::StemsTokenizer::default());
    let fields = Fields::resolve(&index.schema()).ok_or_else(|| Error::Index {
        path: dir.to_path_buf(),
        source: tantivy::TantivyError::SchemaError(
            "not an index this version of pith reads (fields missing): `pith index` rebuilds it".into(),
        ),
    })?;
    Ok(Some((index, fields)))
}

/// Opens the index of the study at `study` for searching.
///
/// [`Error::NotIndexed`] when `pith index` never ran on it.
pub fn open(study: &Path) -> Result<StudyIndex> {
    if !study.is_dir() {
        return Err(Error::NotAStudy { path: study.to_path_buf(), reason: "not a folder" });
    }
    check_state_dir(study)?;
    let not_indexed = || Error::NotIndexed { study: study.to_path_buf() };
    let state = state::State::load(&state_path(study)).ok_or_else(not_indexed)?;
    let language = Language::parse(&state.language).ok_or_else(not_indexed)?;
    let dir = live_dir(study);
    let (index, fields) = open_dir(&dir, Access::Search)?.ok_or_else(not_indexed)?;
    StudyIndex::new(index, fields, language, dir)
}
