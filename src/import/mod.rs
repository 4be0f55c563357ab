//! `pith import`: takes a researcher's coded project and a study folder, gives the study its
//! transcripts, participants, codebook and human coding (`STUDY/coding/`, see [`crate::coding`]).
//!
//! Readers, each bytes → [`Project`]:
//!
//! - [`refi`]: REFI-QDA projects (`.qdpx`) and codebooks (`.qdc`), as NVivo, ATLAS.ti, MAXQDA,
//!   QualCoder and pith export them.
//!
//! Databases (SQLite) are opened read only and immutable: nothing is written beside them.
//! - [`taguette`]: Taguette's project database (`.sqlite3`).
//! - [`qualcoder`]: QualCoder's project (a `NAME.qda` folder holding the database `data.qda`).
//! - [`quotes`]: quotation exports as CSV (ATLAS.ti's quotation manager, Taguette's highlights),
//!   whose quotes are found in the study's own transcripts.
//!
//! Writing ([`import`]): each text source becomes `transcripts/<its name>.txt` holding its text
//! exactly, so REFI-QDA's character positions stay positions in pith's document; cases and their
//! variables become `participants.csv` rows (a `persona` variable is the persona); the codebook
//! is merged into `coding/codebook.csv`; the selections replace `coding/selections/<input>.csv`.
//! Every file is written atomically; a transcript already there with other text is never
//! overwritten (the source gets a `~2` name), and a source whose text a transcript of the study
//! already holds under another name is not written again.

pub mod qualcoder;
pub mod quotes;
pub mod refi;
mod sqlite;
pub mod taguette;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coding::{self, HumanCode, Selection};
use crate::error::Location;
use crate::ingest::Limits;

/// A project that cannot be imported: the file, the line where known, what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ImportError {
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl ImportError {
    /// An error at `line` of a file named later ([`ImportError::in_file`]).
    pub(crate) fn at(line: Option<usize>, message: String) -> ImportError {
        ImportError { location: Location::new("", line), message }
    }

    /// The error in `path`, or in the part of it the error names (`study.qdpx/project.qde`).
    fn in_file(mut self, path: &Path) -> ImportError {
        self.location.path =
            if self.location.path.as_os_str().is_empty() { path.to_path_buf() } else { path.join(&self.location.path) };
        self
    }
}

/// A text source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// Its GUID (or, for quotation exports, its transcript path).
    pub guid: String,
    /// Its name in the project.
    pub name: String,
    /// Its `internal://` path while the archive is read.
    pub(crate) internal: Option<String>,
    /// Its plain text.
    pub text: String,
}

/// A case: a participant, their variables and their sources (indexes into the sources).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Case {
    /// The case's name.
    pub name: String,
    /// Variable name → value, in the project's order.
    pub attributes: Vec<(String, String)>,
    /// Its sources.
    pub sources: Vec<usize>,
}

/// A coded selection as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSelection {
    /// The source's GUID.
    pub source: String,
    /// First character.
    pub start: usize,
    /// One past the last character (`None`: the source's end).
    pub end: Option<usize>,
    /// The code's name in the codebook.
    pub code: String,
    /// The coder.
    pub coder: String,
    /// The line of the input it was read from.
    pub line: usize,
}

/// What a reader gives.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The project's name.
    pub name: String,
    /// The text sources.
    pub sources: Vec<Source>,
    /// The cases.
    pub cases: Vec<Case>,
    /// The codebook, parents before their children.
    pub codes: Vec<HumanCode>,
    /// Every coded selection.
    pub selections: Vec<RawSelection>,
    /// What was skipped, and why.
    pub warnings: Vec<String>,
    /// For quotation exports: the source GUIDs are transcripts the study has already.
    pub in_study: bool,
    /// The root element read.
    pub(crate) root: Option<String>,
    /// Each code's ancestors (indexes into `codes`), while reading.
    pub(crate) paths: Vec<Vec<usize>>,
    /// GUIDs of sources not read (not text, outside the archive).
    pub(crate) skipped_sources: Vec<String>,
}

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A codebook to read with a quotation export (ATLAS.ti's code manager export as CSV).
    pub codebook: Option<PathBuf>,
}

/// The study's `[limits]` (`pith.toml`), or the defaults for a study without settings.
fn limits(study: &Path) -> Result<Limits, ImportError> {
    let path = study.join("pith.toml");
    let text = match crate::fsutil::read_regular(&path, 1 << 20) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Limits::default()),
        Err(e) => return Err(ImportError { location: Location::new(&path, None), message: e.to_string() }),
    };
    let config: crate::study::Config = toml::from_str(&text)
        .map_err(|e| ImportError { location: Location::new(&path, None), message: e.message().trim().to_string() })?;
    Ok(config.limits)
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Transcripts written (new or changed).
    pub transcripts_written: usize,
    /// Sources imported, written or already there.
    pub sources: usize,
    /// Participant rows written.
    pub participants: usize,
    /// Codes in the codebook read.
    pub codes: usize,
    /// Selections kept.
    pub selections: usize,
    /// The selections file.
    pub selections_file: Option<PathBuf>,
    /// What was skipped, and why.
    pub warnings: Vec<String>,
}

/// Larger inputs are refused before reading.
const INPUT_LIMIT: u64 = 2 << 30;

/// Imports `input` into the study at `study` (created when missing).
pub fn import(input: &Path, study: &Path, options: &Options) -> Result<Imported, ImportError> {
    let io =
        |path: &Path, e: std::io::Error| ImportError { location: Location::new(path, None), message: e.to_string() };
    let limits = limits(study)?;
    if let Some(db) = database(input)? {
        let project = read_database(&db, &limits).map_err(|e| e.in_file(&db))?;
        // QualCoder's `NAME.qda/data.qda` is named by its folder.
        let named = if db == input && !is_qualcoder_file(input) { input } else { db.parent().unwrap_or(input) };
        let stem = named.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
        return write(study, &project, &stem);
    }
    let bytes = crate::fsutil::read_regular(input, INPUT_LIMIT).map_err(|e| io(input, e))?;
    let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let project = match ext.as_str() {
        "qdpx" | "zip" => refi::read_qdpx(&bytes, &limits),
        "csv" => {
            let codebook = match &options.codebook {
                Some(p) => Some(
                    quotes::read_codebook(&crate::fsutil::read_regular(p, INPUT_LIMIT).map_err(|e| io(p, e))?)
                        .map_err(|e| e.in_file(p))?,
                ),
                None => None,
            };
            quotes::read(&bytes, study, codebook, &limits)
        }
        _ if bytes.starts_with(b"PK\x03\x04") => refi::read_qdpx(&bytes, &limits),
        _ => refi::read_xml(&bytes),
    }
    .map_err(|e| e.in_file(input))?;
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
    write(study, &project, &stem)
}

/// Extensions of project databases.
const DATABASE_EXTENSIONS: &[&str] = &["sqlite3", "sqlite", "db", "qda"];

fn is_qualcoder_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("data.qda"))
}

/// The SQLite database `input` is or holds (a QualCoder project folder), if it is one; an error
/// when it is named as one and is not.
fn database(input: &Path) -> Result<Option<PathBuf>, ImportError> {
    let at = |path: &Path, message: String| ImportError { location: Location::new(path, None), message };
    let meta = std::fs::metadata(input).map_err(|e| at(input, e.to_string()))?;
    let file = if meta.is_dir() {
        let file = input.join("data.qda");
        if !file.is_file() {
            return Err(at(input, "a folder, but not a QualCoder project: it has no data.qda".into()));
        }
        file
    } else {
        input.to_path_buf()
    };
    let meta = std::fs::metadata(&file).map_err(|e| at(&file, e.to_string()))?;
    if !meta.is_file() {
        return Err(at(&file, "not a regular file".into()));
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(&file).and_then(|mut f| {
        use std::io::Read as _;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    });
    let read = read.map_err(|e| at(&file, e.to_string()))?;
    let named = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DATABASE_EXTENSIONS.iter().any(|d| d.eq_ignore_ascii_case(e)));
    if read == head.len() && head == sqlite::MAGIC {
        if meta.len() > INPUT_LIMIT {
            return Err(at(&file, format!("larger than {} MB, the most pith reads of a project", INPUT_LIMIT >> 20)));
        }
        return Ok(Some(file));
    }
    if named {
        return Err(at(&file, "not an SQLite database (Taguette's and QualCoder's projects are)".into()));
    }
    Ok(None)
}

/// Reads a Taguette or QualCoder database.
fn read_database(path: &Path, limits: &Limits) -> Result<Project, ImportError> {
    let conn = sqlite::open(path)?;
    let (mut project, tool) = match sqlite::kind(&conn)? {
        sqlite::Kind::Taguette => (taguette::read(&conn, limits)?, "Taguette"),
        sqlite::Kind::QualCoder => (qualcoder::read(&conn, limits)?, "QualCoder"),
    };
    // Read immutable, the database ignores its log: changes still in one are not seen.
    for log in ["-wal", "-journal"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(log);
        if std::fs::metadata(&name).is_ok_and(|m| m.len() > 0) {
            project.warnings.push(format!(
                "{} is beside it: {tool} may have it open, and changes not yet in the database are not read \
                 (close {tool} and import again)",
                Path::new(&name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ));
        }
    }
    Ok(project)
}

/// A path component as a file name can have it: no separators, controls or leading dots.
fn safe_component(name: &str) -> String {
    let cleaned: String =
        name.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(120).collect();
    if cleaned.is_empty() {
        "source".into()
    } else {
        cleaned
    }
}

/// The transcript path a source name asks for: `/`-separated folders kept, each part made safe,
/// a document extension replaced by `.txt`.
fn transcript_path(name: &str) -> String {
    let parts: Vec<String> = name
        .split(['/', '\\'])
        .filter(|p| !p.trim().is_empty() && *p != "." && *p != "..")
        .map(safe_component)
        .collect();
    let mut path = if parts.is_empty() { "source".to_string() } else { parts.join("/") };
    for ext in [".txt", ".md", ".docx", ".doc", ".odt", ".rtf", ".pdf", ".vtt", ".srt", ".html"] {
        if path.to_ascii_lowercase().ends_with(ext) {
            path.truncate(path.len() - ext.len());
            break;
        }
    }
    path.push_str(".txt");
    path
}

/// Regular files under `dir` (`/`-separated paths relative to it) with their sizes; symlinks
/// and hidden entries are left out.
fn text_files(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((at, prefix)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            if kind.is_dir() && stack.len() < 10_000 {
                stack.push((entry.path(), rel));
            } else if kind.is_file() {
                out.push((rel, entry.metadata().map_or(0, |m| m.len())));
            }
        }
    }
    out.sort();
    out
}

/// A transcript of the study holding exactly `text` under another name.
fn same_text(dir: &Path, present: &[(String, u64)], text: &[u8]) -> Option<String> {
    present
        .iter()
        .filter(|(_, len)| *len == text.len() as u64)
        .find(|(rel, _)| std::fs::read(dir.join(rel)).is_ok_and(|b| b == text))
        .map(|(rel, _)| rel.clone())
}

fn write_err(e: crate::Error) -> ImportError {
    let (path, message) = match e {
        crate::Error::Io { path, source } => (path, source.to_string()),
        e => (PathBuf::new(), e.to_string()),
    };
    ImportError { location: Location::new(path, None), message }
}

/// Writes `project` into the study; `stem` names its selections file.
fn write(study: &Path, project: &Project, stem: &str) -> Result<Imported, ImportError> {
    let transcripts = study.join("transcripts");
    let coding_dir = study.join(coding::DIR);
    for dir in [study, &transcripts, &coding_dir] {
        crate::fsutil::refuse_symlinks(dir).map_err(write_err)?;
    }
    let mut done = Imported { codes: project.codes.len(), warnings: project.warnings.clone(), ..Imported::default() };
    // Source GUID → its transcript path.
    let mut paths: BTreeMap<&str, String> = BTreeMap::new();
    if project.in_study {
        for s in &project.sources {
            paths.insert(&s.guid, s.guid.clone());
        }
    } else {
        let mut taken: Vec<String> = Vec::new();
        // The study's transcripts, read once a source is not found under its own name.
        let mut present: Option<Vec<(String, u64)>> = None;
        for s in &project.sources {
            let wanted = transcript_path(&s.name);
            let mut n = 1;
            let rel = loop {
                let rel = if n == 1 { wanted.clone() } else { wanted.replacen(".txt", &format!("~{n}.txt"), 1) };
                n += 1;
                if taken.contains(&rel) {
                    continue;
                }
                match std::fs::read(transcripts.join(&rel)) {
                    Ok(old) if old == s.text.as_bytes() => break rel,
                    Ok(_) => continue,
                    Err(_) => {
                        let present = present.get_or_insert_with(|| text_files(&transcripts));
                        if let Some(same) = same_text(&transcripts, present, s.text.as_bytes()) {
                            break same;
                        }
                        crate::fsutil::write_atomic(&transcripts.join(&rel), s.text.as_bytes()).map_err(write_err)?;
                        done.transcripts_written += 1;
                        break rel;
                    }
                }
            };
            taken.push(rel.clone());
            paths.insert(&s.guid, rel);
        }
    }
    done.sources = paths.len();
    if !project.cases.is_empty() && !project.in_study {
        done.participants = write_participants(study, project, &paths)?;
    }
    let book = coding_dir.join(coding::CODEBOOK_FILE);
    let mut codes: BTreeMap<String, HumanCode> = BTreeMap::new();
    if book.is_file() {
        let old = coding::read_codebook(&book).map_err(|e| ImportError { location: e.location, message: e.message })?;
        codes.extend(old.into_iter().map(|c| (c.code.clone(), c)));
    }
    codes.extend(project.codes.iter().map(|c| (c.code.clone(), c.clone())));
    if !codes.is_empty() {
        crate::fsutil::write_atomic(&book, &coding::codebook_csv(codes.values())).map_err(write_err)?;
    }
    let lengths: BTreeMap<&str, usize> =
        project.sources.iter().map(|s| (s.guid.as_str(), s.text.chars().count())).collect();
    let mut selections: Vec<Selection> = project
        .selections
        .iter()
        .filter_map(|s| {
            Some(Selection {
                transcript: paths.get(s.source.as_str())?.clone(),
                start: s.start,
                end: s.end.unwrap_or_else(|| lengths.get(s.source.as_str()).copied().unwrap_or(s.start)),
                code: s.code.clone(),
                coder: s.coder.clone(),
            })
        })
        .collect();
    selections.sort();
    selections.dedup();
    done.selections = selections.len();
    if !project.sources.is_empty() || !selections.is_empty() {
        let file = coding_dir.join(coding::SELECTIONS_DIR).join(format!("{}.csv", safe_component(stem)));
        crate::fsutil::write_atomic(&file, &coding::selections_csv(&selections)).map_err(write_err)?;
        done.selections_file = Some(file);
    }
    Ok(done)
}

/// Adds or replaces the rows of the imported transcripts in `participants.csv`; gives how many.
fn write_participants(study: &Path, project: &Project, paths: &BTreeMap<&str, String>) -> Result<usize, ImportError> {
    let file = study.join("participants.csv");
    let mut header: Vec<String> = vec!["transcript".into(), "participant".into(), "persona".into()];
    let mut rows: Vec<BTreeMap<String, String>> = Vec::new();
    if file.is_file() {
        let bytes = crate::fsutil::read_regular(&file, 64 << 20)
            .map_err(|e| ImportError { location: Location::new(&file, None), message: e.to_string() })?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).comment(Some(b'#')).from_reader(&bytes[..]);
        let old: Vec<String> = reader
            .headers()
            .map_err(|e| ImportError { location: Location::new(&file, Some(1)), message: e.to_string() })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for h in &old {
            if !header.iter().any(|x| x.eq_ignore_ascii_case(h)) {
                header.push(h.clone());
            }
        }
        for record in reader.records() {
            let record = record.map_err(|e| ImportError {
                location: Location::new(&file, e.position().map(|p| p.line() as usize)),
                message: e.to_string(),
            })?;
            let row: BTreeMap<String, String> = old
                .iter()
                .zip(record.iter())
                .map(|(h, v)| {
                    (header.iter().find(|x| x.eq_ignore_ascii_case(h)).cloned().unwrap_or_default(), v.to_string())
                })
                .collect();
            rows.push(row);
        }
    }
    let mut written = 0;
    for case in &project.cases {
        for &s in &case.sources {
            let Some(rel) = project.sources.get(s).and_then(|s| paths.get(s.guid.as_str())) else { continue };
            let mut row = BTreeMap::new();
            row.insert("transcript".to_string(), rel.clone());
            row.insert("participant".to_string(), case.name.clone());
            for (k, v) in &case.attributes {
                let key = if k.eq_ignore_ascii_case("proto-persona") { "persona" } else { k.as_str() };
                let column = match header.iter().find(|h| h.eq_ignore_ascii_case(key)) {
                    Some(h) => h.clone(),
                    None => {
                        header.push(key.to_string());
                        key.to_string()
                    }
                };
                row.insert(column, v.clone());
            }
            rows.retain(|r| !r.get("transcript").is_some_and(|t| t.eq_ignore_ascii_case(rel)));
            rows.push(row);
            written += 1;
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&header);
    for r in &rows {
        let _ = w.write_record(header.iter().map(|h| r.get(h).map(String::as_str).unwrap_or("")));
    }
    crate::fsutil::write_atomic(&file, &w.into_inner().unwrap_or_default()).map_err(write_err)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_become_safe_paths_under_transcripts() {
        assert_eq!(transcript_path("frank/frank-03"), "frank/frank-03.txt");
        assert_eq!(transcript_path("../../etc/passwd"), "etc/passwd.txt");
        assert_eq!(transcript_path("Interview P1.docx"), "Interview P1.txt");
        assert_eq!(transcript_path("C:\\x\\.hidden"), "C_/x/hidden.txt");
        assert_eq!(transcript_path(""), "source.txt");
    }
}
