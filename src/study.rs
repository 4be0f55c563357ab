//! study: takes a study folder, gives a [`Study`]: settings (`pith.toml`), the typed manifest
//! (`participants.csv`) and the list of transcripts. Reads files; never writes.
//!
//! A bare folder of transcripts is a study too: without `transcripts/`, the folder itself
//! holds them, and every interview's persona is `unassigned` unless a manifest says otherwise.
//!
//! Which files are transcripts: every file whose extension names a format pith reads; files
//! in a transcript-like format pith cannot read (`.doc`, `.pdf`, ...), so that the run names
//! them as skipped; and files without an extension or with an unknown one: in `transcripts/`
//! all of them (one that is not a transcript is named as skipped), in a bare folder only those
//! whose content sniffs as text, subtitles, JSON or a zip. Files that are obviously not
//! transcripts (`.csv`, `.toml`, `.xlsx`, images, audio) are ignored without a word.
//! Manifest rows match transcripts by relative path or file stem, case-insensitively and whatever
//! the Unicode normalization (NFC or NFD) of either.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization as _;

use crate::analyze::Language;
use crate::error::{Diagnostic, Error, Location, Result};
use crate::ingest::{self, Limits, PathKind};
use crate::model::{InterviewMeta, UNASSIGNED};
use crate::segment::RoleRules;

/// The settings file's name.
pub const CONFIG_FILE: &str = "pith.toml";
/// The manifest's name.
pub const MANIFEST_FILE: &str = "participants.csv";
/// pith's own state folder inside a study.
pub const STATE_DIR: &str = ".pith";
/// Default report folder inside a study.
pub const OUT_DIR: &str = "out";

/// `pith.toml`, as typed by the researcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Stemming language (`english`, `fr`, ...).
    #[serde(default = "default_language")]
    pub language: String,
    /// Speaker names of the interviewers.
    #[serde(default)]
    pub interviewers: Vec<String>,
    /// Folders or files of study lexicons, relative to the study (default `lexicons`).
    #[serde(default = "default_lexicons")]
    pub lexicons: Vec<PathBuf>,
    /// Study title for reports.
    #[serde(default)]
    pub title: Option<String>,
    /// Per-transcript limits (`[limits]`).
    #[serde(default)]
    pub limits: Limits,
    /// What the study's product is and which needs it addresses (`[study]`), for portfolios.
    #[serde(default)]
    pub study: Product,
    /// How passages are coded (`[coding]`).
    #[serde(default)]
    pub coding: Coding,
}

/// `[coding]` in `pith.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coding {
    /// Also code the families the meaning layer's classifiers find (see [`crate::meaning`]):
    /// more of what people say without a lexicon's words, at a cost in speed; off by default.
    #[serde(default)]
    pub meaning: bool,
}

/// `[study]` in `pith.toml`: the product a study is about, for `pith report` over several studies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The product's name.
    pub product: Option<String>,
    /// Codes (`family.name`) of the needs the product addresses.
    #[serde(default)]
    pub addresses: Vec<String>,
}

fn default_language() -> String {
    "english".into()
}

fn default_lexicons() -> Vec<PathBuf> {
    vec![PathBuf::from("lexicons")]
}

impl Default for Config {
    fn default() -> Config {
        Config {
            language: default_language(),
            interviewers: Vec::new(),
            lexicons: default_lexicons(),
            title: None,
            limits: Limits::default(),
            study: Product::default(),
            coding: Coding::default(),
        }
    }
}

/// One row of `participants.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    /// Transcript reference as written: a path relative to the transcripts folder, or a file stem.
    pub transcript: String,
    /// Participant name or code.
    pub participant: Option<String>,
    /// Proto-persona.
    pub persona: Option<String>,
    /// The participant's speaker label in the transcript, when given.
    pub speaker: Option<String>,
    /// Every other column, in file order.
    pub attributes: Vec<(String, String)>,
    /// 1-based line in the manifest.
    pub line: usize,
}

/// A study folder, opened.
#[derive(Debug)]
pub struct Study {
    /// The study folder.
    pub root: PathBuf,
    /// Where the transcripts are (`root/transcripts`, or `root` itself).
    pub transcripts_dir: PathBuf,
    /// Settings.
    pub config: Config,
    /// Manifest rows.
    pub manifest: Vec<ManifestRow>,
    /// Transcript files, sorted.
    pub transcripts: Vec<PathBuf>,
    /// Warnings found while opening (unmatched manifest rows, transcripts without a row).
    pub diagnostics: Vec<Diagnostic>,
    /// The manifest rows by the keys a transcript can match them with.
    keys: ManifestKeys,
    /// Each transcript's interview id, unique within the study.
    ids: HashMap<PathBuf, String>,
}

/// Manifest row indexes by normalized reference, built once so that matching every transcript
/// of a large study stays linear. In every map the first row with a key wins, as a scan would.
#[derive(Debug, Default)]
struct ManifestKeys {
    /// The reference as written (lowercase, `/`, no `./` or `transcripts/` in front).
    exact: HashMap<String, usize>,
    /// The reference and the reference without its extension.
    loose: HashMap<String, usize>,
    /// Same as `loose`, for references that are a bare file name.
    stem: HashMap<String, usize>,
}

impl ManifestKeys {
    fn new(rows: &[ManifestRow]) -> ManifestKeys {
        let mut keys = ManifestKeys::default();
        for (i, r) in rows.iter().enumerate() {
            let t: String = r.transcript.trim().replace('\\', "/").to_lowercase().nfc().collect();
            let t = t.trim_start_matches("./");
            let t = t.strip_prefix("transcripts/").unwrap_or(t).to_string();
            let bare = no_ext(&t).to_string();
            keys.exact.entry(t.clone()).or_insert(i);
            keys.loose.entry(t.clone()).or_insert(i);
            keys.loose.entry(bare.clone()).or_insert(i);
            if !t.contains('/') {
                keys.stem.entry(t).or_insert(i);
                keys.stem.entry(bare).or_insert(i);
            }
        }
        keys
    }
}

/// A reference without its extension (`a/b.txt` → `a/b`; a dot in a folder name is kept).
fn no_ext(t: &str) -> &str {
    t.rsplit_once('.').filter(|(_, e)| !e.contains('/')).map_or(t, |(a, _)| a)
}

impl Study {
    /// Opens the study at `root`; a study without a transcript to read is an error that says
    /// where transcripts go.
    pub fn open(root: &Path) -> Result<Study> {
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
        if !meta.is_dir() {
            return Err(Error::NotAStudy { path: root.to_path_buf(), reason: "not a folder" });
        }
        let canonical_root = root.canonicalize().map_err(|e| Error::io(root, e))?;
        for name in [CONFIG_FILE, MANIFEST_FILE, "transcripts"] {
            refuse_link_out(&canonical_root, &root.join(name))?;
        }
        let config = read_config(&root.join(CONFIG_FILE))?;
        check_lexicon_paths(root, &canonical_root, &config)?;
        let nested = root.join("transcripts");
        let bare = !nested.is_dir();
        let transcripts_dir = if bare { root.to_path_buf() } else { nested };
        let manifest_path = root.join(MANIFEST_FILE);
        let mut diagnostics = Vec::new();
        let manifest =
            if manifest_path.exists() { read_manifest(&manifest_path, &mut diagnostics)? } else { Vec::new() };
        let mut transcripts = Vec::new();
        let walk = Walk { root: &transcripts_dir, study: &canonical_root, bare };
        walk.collect(&transcripts_dir, &mut transcripts, &mut diagnostics)?;
        if transcripts.is_empty() {
            return Err(Error::NoTranscripts { transcripts: root.join("transcripts") });
        }
        transcripts.sort();
        let keys = ManifestKeys::new(&manifest);
        let mut study = Study {
            root: root.to_path_buf(),
            transcripts_dir,
            config,
            manifest,
            transcripts,
            diagnostics,
            keys,
            ids: HashMap::new(),
        };
        study.check_manifest(&manifest_path);
        study.assign_ids(&manifest_path);
        Ok(study)
    }

    /// The stemming language.
    pub fn language(&self) -> Result<Language> {
        Language::parse(&self.config.language).ok_or_else(|| Error::Config {
            location: Location::new(self.root.join(CONFIG_FILE), None),
            message: format!("unknown language {:?}", self.config.language),
        })
    }

    /// Study lexicon paths that exist (the default `lexicons/` may be absent).
    pub fn lexicon_paths(&self) -> Vec<PathBuf> {
        self.config
            .lexicons
            .iter()
            .map(|p| self.root.join(p))
            .filter(|p| p.exists() || !p.ends_with("lexicons"))
            .collect()
    }

    /// Refuses an output folder where the next run would read the reports as transcripts: inside
    /// the transcripts folder (for a study without one, anywhere but its skipped folders).
    pub fn check_output(&self, out: &Path) -> Result<()> {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        // The nearest existing folder resolves links; the rest is a plain name.
        let resolved = |p: &Path| {
            let p = absolute(p);
            let existing = p.ancestors().find(|a| a.exists()).unwrap_or(&p);
            let rest = p.strip_prefix(existing).unwrap_or(Path::new(""));
            existing.canonicalize().map_or_else(|_| p.clone(), |c| c.join(rest))
        };
        let (out, transcripts, root) = (resolved(out), resolved(&self.transcripts_dir), resolved(&self.root));
        let bare = transcripts == root;
        let skipped = |inside: &Path| {
            inside.components().enumerate().any(|(i, c)| walk_skips(&c.as_os_str().to_string_lossy(), bare, i == 0))
        };
        if out.strip_prefix(&transcripts).is_ok_and(|inside| !skipped(inside)) {
            let folder = if bare { "the study folder, where pith reads transcripts" } else { "the transcripts folder" };
            return Err(Error::Invalid(format!(
                "output folder {}: inside {folder}, so the next run would code the reports as interviews: \
                 write them elsewhere (the default is {})",
                out.display(),
                self.root.join(OUT_DIR).display()
            )));
        }
        Ok(())
    }

    /// Path of a transcript relative to the transcripts folder, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        slash_path(path.strip_prefix(&self.transcripts_dir).unwrap_or(path))
    }

    /// Path of a transcript relative to the study folder, with `/` separators.
    pub fn source(&self, path: &Path) -> String {
        slash_path(path.strip_prefix(&self.root).unwrap_or(path))
    }

    /// The manifest row for a transcript, case-insensitively: by relative path (with or
    /// without `transcripts/` in front and with or without the extension), else by file stem.
    pub fn row_for(&self, path: &Path) -> Option<&ManifestRow> {
        self.row_index(path).and_then(|i| self.manifest.get(i))
    }

    fn row_index(&self, path: &Path) -> Option<usize> {
        let rel: String = self.relative(path).to_lowercase().nfc().collect();
        let stem: String =
            path.file_stem().map(|s| s.to_string_lossy().to_lowercase().nfc().collect()).unwrap_or_default();
        let keys = &self.keys;
        keys.exact.get(&rel).or_else(|| keys.loose.get(no_ext(&rel))).or_else(|| keys.stem.get(&stem)).copied()
    }

    /// Interview facts for a transcript: id, source, participant, persona, attributes.
    pub fn meta_for(&self, path: &Path) -> InterviewMeta {
        let id = self.ids.get(path).cloned().unwrap_or_else(|| base_id(&self.relative(path)));
        let row = self.row_for(path);
        InterviewMeta {
            participant: row.and_then(|r| r.participant.clone()).unwrap_or_else(|| id.clone()),
            persona: row.and_then(|r| r.persona.clone()).unwrap_or_else(|| UNASSIGNED.to_string()),
            attributes: row.map(|r| r.attributes.clone()).unwrap_or_default(),
            source: self.source(path),
            id,
        }
    }

    /// Role rules for a transcript: the study's interviewers and the manifest's speaker label.
    pub fn role_rules(&self, path: &Path) -> RoleRules {
        RoleRules {
            interviewers: self.config.interviewers.clone(),
            participants: self.row_for(path).and_then(|r| r.speaker.clone()).into_iter().collect(),
        }
    }

    /// Gives every transcript an id: its path under the transcripts folder without the extension,
    /// in Unicode NFC. Files whose ids would clash (`a.srt` and `a.json`; `café.txt` in NFC and
    /// NFD) keep their extension, then a `~2`, `~3` ... in path order; those the manifest gives
    /// one participant are named in a warning.
    fn assign_ids(&mut self, manifest_path: &Path) {
        let mut by_base: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for t in &self.transcripts {
            by_base.entry(base_id(&self.relative(t))).or_default().push(t.clone());
        }
        let mut taken: std::collections::HashSet<String> = by_base.keys().cloned().collect();
        let mut clashes: Vec<(String, Vec<PathBuf>)> = by_base.into_iter().filter(|(_, p)| p.len() > 1).collect();
        clashes.sort();
        for t in &self.transcripts {
            self.ids.insert(t.clone(), base_id(&self.relative(t)));
        }
        for (base, paths) in clashes {
            taken.remove(&base);
            for path in &paths {
                let full: String = self.relative(path).nfc().collect();
                let mut id = full.clone();
                let mut n = 1;
                while !taken.insert(id.clone()) {
                    n += 1;
                    id = format!("{full}~{n}");
                }
                self.ids.insert(path.clone(), id);
            }
            self.warn_one_participant(manifest_path, &paths);
        }
    }

    /// Warns when files that are distinct interviews all have one participant in the manifest.
    fn warn_one_participant(&mut self, manifest_path: &Path, paths: &[PathBuf]) {
        let rows: Vec<Option<usize>> = paths.iter().map(|p| self.row_index(p)).collect();
        let Some(Some(first)) = rows.first().copied() else { return };
        let participant = |i: usize| self.manifest[i].participant.clone();
        if !rows.iter().all(|r| r.is_some_and(|r| participant(r) == participant(first))) {
            return;
        }
        let row = &self.manifest[first];
        let names: Vec<String> =
            paths.iter().map(|p| format!("{} (interview {})", self.relative(p), self.ids[p])).collect();
        let who = row.participant.as_deref().unwrap_or(&row.transcript);
        self.diagnostics.push(Diagnostic::warning(
            Location::new(manifest_path, Some(row.line)),
            format!(
                "{} are {} interviews of one participant ({who}): if one is a copy of the other, remove it; \
                 else give each its own row",
                names.join(" and "),
                paths.len()
            ),
        ));
    }

    fn check_manifest(&mut self, manifest_path: &Path) {
        if self.manifest.is_empty() {
            return;
        }
        let mut used = vec![false; self.manifest.len()];
        let mut unmatched = Vec::new();
        for t in &self.transcripts {
            match self.row_index(t) {
                Some(i) => used[i] = true,
                None => unmatched.push(t.clone()),
            }
        }
        for t in unmatched {
            self.diagnostics.push(Diagnostic::warning(
                Location::new(&t, None),
                format!("no row in {MANIFEST_FILE}: persona is {UNASSIGNED}"),
            ));
        }
        for (row, used) in self.manifest.iter().zip(used) {
            if !used {
                self.diagnostics.push(Diagnostic::warning(
                    Location::new(manifest_path, Some(row.line)),
                    format!("no transcript matches {:?}", row.transcript),
                ));
            }
        }
    }
}

/// The id of a transcript at `rel` (under the transcripts folder): without its extension, in NFC.
fn base_id(rel: &str) -> String {
    no_ext(rel).nfc().collect()
}

fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Refuses `path` when it is a symbolic link that leads out of the study (or nowhere): what lies
/// outside the study is read only when the user names it.
fn refuse_link_out(canonical_root: &Path, path: &Path) -> Result<()> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && !path.canonicalize().is_ok_and(|c| c.starts_with(canonical_root)) {
        return Err(Error::Symlink { path: path.to_path_buf(), in_state: false });
    }
    Ok(())
}

/// The most of `pith.toml` read: settings are a few lines.
const CONFIG_LIMIT: u64 = 1 << 20;
/// The most of `participants.csv` read.
const MANIFEST_LIMIT: u64 = 64 << 20;

fn read_config(path: &Path) -> Result<Config> {
    let bytes = match crate::fsutil::read_regular(path, CONFIG_LIMIT) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = String::from_utf8(bytes).map_err(|_| Error::Config {
        location: Location::new(path, None),
        message: "not UTF-8 text: save pith.toml as UTF-8".into(),
    })?;
    toml::from_str(&text).map_err(|e| Error::Config {
        location: Location::new(path, e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)),
        message: e.message().trim().to_string(),
    })
}

/// Column names with a meaning of their own (case-insensitive); the rest are attributes.
const TRANSCRIPT_COLUMNS: &[&str] = &["transcript", "file", "filename", "interview"];

fn read_manifest(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Result<Vec<ManifestRow>> {
    let bytes = crate::fsutil::read_regular(path, MANIFEST_LIMIT).map_err(|e| Error::io(path, e))?;
    parse_manifest(path, &bytes, diagnostics)
}

/// Parses manifest bytes (`participants.csv`) read from `path`: the rows (lines starting with `#`
/// are comments), with bad, duplicate and out-of-study rows left out as diagnostics; an error when there is no transcript column.
pub fn parse_manifest(path: &Path, bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> Result<Vec<ManifestRow>> {
    let (text, warning) = ingest::decode(bytes);
    if let Some(w) = warning {
        diagnostics.push(Diagnostic::warning(Location::new(path, w.line), w.message));
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Manifest { location: Location::new(path, Some(1)), message: e.to_string() })?
        .iter()
        .map(|h| h.to_string())
        .collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let Some(t_col) = find(TRANSCRIPT_COLUMNS) else {
        return Err(Error::Manifest {
            location: Location::new(path, Some(1)),
            message: format!("no `transcript` column (header is: {})", headers.join(", ")),
        });
    };
    let p_col = find(&["participant", "name", "participant_id"]);
    let persona_col = find(&["persona", "proto-persona", "proto_persona"]);
    let s_col = find(&["speaker", "speaker_label"]);
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                diagnostics.push(Diagnostic::skipped(Location::new(path, line), format!("bad row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if let Some(why) = record.get(t_col).and_then(escapes_study) {
            diagnostics.push(Diagnostic::skipped(Location::new(path, Some(line)), why));
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|v| !v.is_empty()).map(str::to_string);
        let Some(transcript) = get(Some(t_col)) else {
            if record.iter().any(|v| !v.is_empty()) {
                diagnostics.push(Diagnostic::skipped(Location::new(path, Some(line)), "row has no transcript"));
            }
            continue;
        };
        if let Some(first) = seen.insert(transcript.to_lowercase(), line) {
            diagnostics.push(Diagnostic::skipped(
                Location::new(path, Some(line)),
                format!("duplicate row for {transcript:?} (first on line {first}); this row is ignored"),
            ));
            seen.insert(transcript.to_lowercase(), first);
            continue;
        }
        let special = [Some(t_col), p_col, persona_col, s_col];
        let attributes = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !special.contains(&Some(*i)))
            .filter_map(|(i, h)| record.get(i).filter(|v| !v.is_empty()).map(|v| (h.clone(), v.to_string())))
            .collect();
        rows.push(ManifestRow {
            transcript,
            participant: get(p_col),
            persona: get(persona_col),
            speaker: get(s_col),
            attributes,
            line,
        });
    }
    Ok(rows)
}

/// Folders a bare study skips: pith's own state, reports and study lexicons.
const SKIP_DIRS: &[&str] = &[STATE_DIR, OUT_DIR, "lexicons", "target", "node_modules"];

/// Whether the walk leaves out the folder `name` (at the top of the transcripts folder when
/// `top`): hidden folders, and a bare study's own folders (`out`, `.pith`, `lexicons`, ...).
fn walk_skips(name: &str, bare: bool, top: bool) -> bool {
    name.starts_with('.') || (bare && top && SKIP_DIRS.contains(&name))
}

/// Files without an extension that are never transcripts.
const NOT_TRANSCRIPTS: &[&str] = &["license", "licence", "copying", "notice", "authors", "changelog", "makefile"];

/// Whether a file without an extension holds text (or a zip) that a reader could take.
fn sniffs_as_transcript(path: &Path) -> bool {
    let mut head = Vec::with_capacity(8192);
    let read = std::fs::File::open(path).and_then(|f| f.take(8192).read_to_end(&mut head));
    read.is_ok() && !head.is_empty() && ingest::Format::sniff(&head).is_some()
}

/// Why a manifest `transcript` value points outside the study, if it does.
fn escapes_study(value: &str) -> Option<String> {
    let value = value.trim();
    let unified = value.replace('\\', "/");
    let p = Path::new(&unified);
    let drive = unified.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && unified.get(1..3) == Some(":/");
    let absolute = p.is_absolute() || unified.starts_with('/') || drive;
    if absolute {
        return Some(format!("transcript {value:?} is an absolute path: give it relative to the study"));
    }
    if p.components().any(|c| c == std::path::Component::ParentDir) {
        return Some(format!("transcript {value:?} points outside the study (`..`): this row is ignored"));
    }
    None
}

/// Refuses `lexicons = [...]` entries that lead outside the study (absolute, `..`, symlinks).
fn check_lexicon_paths(root: &Path, canonical_root: &Path, config: &Config) -> Result<()> {
    for p in &config.lexicons {
        let outside = p.is_absolute()
            || p.components().any(|c| c == std::path::Component::ParentDir)
            || root.join(p).canonicalize().is_ok_and(|c| !c.starts_with(canonical_root));
        if outside {
            return Err(Error::Config {
                location: Location::new(root.join(CONFIG_FILE), None),
                message: format!(
                    "lexicon path {:?} leads outside the study: keep study lexicons inside it",
                    p.display()
                ),
            });
        }
    }
    Ok(())
}

/// Walks a transcripts folder.
struct Walk<'a> {
    /// The transcripts folder.
    root: &'a Path,
    /// The study folder, canonical: symlinks must resolve inside it.
    study: &'a Path,
    /// Whether the study is a bare folder of transcripts.
    bare: bool,
}

impl Walk<'_> {
    fn collect(&self, dir: &Path, out: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) -> Result<()> {
        let (root, bare) = (self.root, self.bare);
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let mut ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if ft.is_symlink() {
                match path.canonicalize() {
                    Ok(target) if target.starts_with(self.study) => {
                        if target.is_dir() {
                            diagnostics.push(Diagnostic::warning(
                                Location::new(&path, None),
                                "symlinked folder not followed: move or copy its transcripts into the study",
                            ));
                            continue;
                        }
                        ft = std::fs::metadata(&target).map_err(|e| Error::io(&path, e))?.file_type();
                    }
                    Ok(_) => {
                        if !matches!(ingest::path_kind(&path), PathKind::Other) {
                            diagnostics.push(Diagnostic::skipped(
                                Location::new(&path, None),
                                "symlink leads outside the study: copy the file into the study instead",
                            ));
                        }
                        continue;
                    }
                    Err(e) => {
                        if !matches!(ingest::path_kind(&path), PathKind::Other) {
                            diagnostics
                                .push(Diagnostic::skipped(Location::new(&path, None), format!("broken symlink: {e}")));
                        }
                        continue;
                    }
                }
            }
            if ft.is_dir() {
                if !walk_skips(&name, bare, dir == root) {
                    self.collect(&path, out, diagnostics)?;
                }
            } else if ft.is_file() {
                let lower = name.to_ascii_lowercase();
                let readme = lower.starts_with("readme");
                let wanted = match ingest::path_kind(&path) {
                    PathKind::Transcript | PathKind::Unsupported => true,
                    // In `transcripts/`, a file that does not sniff as a transcript is named as
                    // skipped; in a bare folder it is ignored.
                    PathKind::Sniff => {
                        !NOT_TRANSCRIPTS.iter().any(|n| lower.starts_with(n)) && (!bare || sniffs_as_transcript(&path))
                    }
                    PathKind::Other => false,
                };
                if wanted && !(bare && dir == root && readme) {
                    out.push(path);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_study_without_transcripts_is_an_error_naming_where_they_go() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("temp dir: {dir:?}") };
        let _ = std::fs::write(dir.path().join("README.md"), "Interviews go here.\n");
        match Study::open(dir.path()) {
            Err(Error::NoTranscripts { transcripts }) => assert_eq!(transcripts, dir.path().join("transcripts")),
            other => panic!("expected NoTranscripts, got {other:?}"),
        }
    }

    #[test]
    fn manifest_paths_leading_out_of_the_study_are_named() {
        for bad in ["/etc/passwd", "C:\\Users\\x.txt", "c:/x.txt", "../x.txt", "a/../../x", "a\\..\\..\\x"] {
            assert!(escapes_study(bad).is_some(), "{bad}");
        }
        for good in ["a.txt", "sub/a.txt", "a:b.txt", "..a.txt", "P01"] {
            assert_eq!(escapes_study(good), None, "{good}");
        }
    }
}
