//! lexicon: takes lexicon files (built-in and a study's own), gives one compiled [`Lexicon`].
//!
//! A lexicon file is TOML, one family per built-in file (format: `lexicons/README.md`). Study
//! files add codes, replace built-in codes with the same id, or switch them off with
//! `disabled = true`. Every error names file and line; a broken lexicon is a hard error before
//! anything is written.

mod compile;
mod gate;
mod parse;

use std::path::{Path, PathBuf};

pub use compile::{is_clause_break, Match, Matcher};
pub use parse::{Element, TermKind};

use crate::analyze::Analyzer;
pub use crate::error::LexiconError;
use crate::error::Location;
use crate::meaning::{self, Meaning};
use crate::model::{CodeId, Family};

/// The built-in lexicons, embedded in the binary: (file name, contents).
pub const BUILTIN: [(&str, &str); 11] = [
    ("responsibility.toml", include_str!("../../lexicons/responsibility.toml")),
    ("reward.toml", include_str!("../../lexicons/reward.toml")),
    ("risk.toml", include_str!("../../lexicons/risk.toml")),
    ("need.toml", include_str!("../../lexicons/need.toml")),
    ("job.toml", include_str!("../../lexicons/job.toml")),
    ("trigger.toml", include_str!("../../lexicons/trigger.toml")),
    ("ecosystem.toml", include_str!("../../lexicons/ecosystem.toml")),
    ("uncertainty.toml", include_str!("../../lexicons/uncertainty.toml")),
    ("journey.toml", include_str!("../../lexicons/journey.toml")),
    ("role.toml", include_str!("../../lexicons/role.toml")),
    ("relation.toml", include_str!("../../lexicons/relation.toml")),
];

/// Where a lexicon file came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary (`lexicons/<name>` in the repository).
    Builtin(&'static str),
    /// A file on disk.
    File(PathBuf),
}

impl Origin {
    /// The path to name in messages.
    pub fn path(&self) -> PathBuf {
        match self {
            Origin::Builtin(name) => Path::new("lexicons").join(name),
            Origin::File(p) => p.clone(),
        }
    }
}

/// A term of a code, as written and as compiled.
#[derive(Debug, Clone)]
pub struct Term {
    /// The term as written in the file.
    pub source: String,
    /// What it matches.
    pub kind: TermKind,
    /// Where it was written.
    pub location: Location,
}

/// A code: an id, a label, a description and the terms that evidence it.
#[derive(Debug, Clone)]
pub struct Code {
    /// `family.name`.
    pub id: CodeId,
    /// Short human label.
    pub label: String,
    /// How the persona brief words the code after "5 of 6 Franks" (`fear downtime`), if given.
    pub says: Option<String>,
    /// What the code means: the codebook entry.
    pub description: String,
    /// Parent code id (the family itself when not given).
    pub parent: CodeId,
    /// Relative weight of the code's evidence (1.0 by default).
    pub weight: f64,
    /// Terms that evidence the code.
    pub terms: Vec<Term>,
    /// Exclusions: a match overlapping one of these is vetoed.
    pub exclusions: Vec<Term>,
    /// Where the code was defined.
    pub location: Location,
}

impl Code {
    /// The family, from the id.
    pub fn family(&self) -> Family {
        self.id.family()
    }
}

/// All codes of a run, compiled into one matcher.
#[derive(Debug)]
pub struct Lexicon {
    codes: Vec<Code>,
    matcher: Matcher,
    fingerprint: String,
    meaning: Option<&'static Meaning>,
    /// Non-fatal findings (terms that can never match, shadowed terms).
    pub warnings: Vec<LexiconError>,
}

impl Lexicon {
    /// Loads the built-in lexicons, then every `*.toml` under each of `extra` (files or folders)
    /// on top, and compiles them with `analyzer`. All errors are collected before returning.
    pub fn load(analyzer: &Analyzer, extra: &[PathBuf]) -> Result<Lexicon, Vec<LexiconError>> {
        let mut sources: Vec<(Origin, String)> =
            BUILTIN.iter().map(|(name, text)| (Origin::Builtin(name), text.to_string())).collect();
        let mut errors = Vec::new();
        for path in extra {
            match lexicon_files(path) {
                Ok(files) => {
                    for file in files {
                        let text = crate::fsutil::read_regular(&file, FILE_LIMIT)
                            .and_then(|b| String::from_utf8(b).map_err(|_| std::io::Error::other("not UTF-8 text")));
                        match text {
                            Ok(text) => sources.push((Origin::File(file), text)),
                            Err(e) => errors.push(LexiconError {
                                location: Location::new(&file, None),
                                message: format!("cannot read: {e}"),
                            }),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Lexicon::from_sources(analyzer, &sources)
    }

    /// Compiles lexicons from (origin, text) pairs, later sources overriding earlier ones by id.
    pub fn from_sources(analyzer: &Analyzer, sources: &[(Origin, String)]) -> Result<Lexicon, Vec<LexiconError>> {
        let mut errors = Vec::new();
        let mut codes: Vec<Code> = Vec::new();
        let mut hasher = blake3::Hasher::new();
        hasher.update(analyzer.language().name().as_bytes());
        for (origin, text) in sources {
            hasher.update(text.as_bytes());
            let builtin = matches!(origin, Origin::Builtin(_));
            match parse::parse_file(analyzer, origin, text) {
                Ok(file) => {
                    for entry in file {
                        let existing = codes.iter().position(|c| c.id == entry.code.id);
                        match (existing, entry.disabled) {
                            (Some(i), true) => {
                                codes.remove(i);
                            }
                            (None, true) => errors.push(LexiconError {
                                location: entry.code.location.clone(),
                                message: format!("cannot disable {}: no such code", entry.code.id),
                            }),
                            (Some(i), false) if builtin || codes[i].location.path == entry.code.location.path => errors
                                .push(LexiconError {
                                    location: entry.code.location.clone(),
                                    message: format!(
                                        "duplicate code id {} (first defined at {})",
                                        entry.code.id, codes[i].location
                                    ),
                                }),
                            (Some(i), false) => codes[i] = entry.code,
                            (None, false) => codes.push(entry.code),
                        }
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        for code in &codes {
            let parent_known =
                code.parent.as_str() == code.family().as_str() || codes.iter().any(|c| c.id == code.parent);
            if !parent_known {
                errors.push(LexiconError {
                    location: code.location.clone(),
                    message: format!("unknown parent {} for {}", code.parent, code.id),
                });
            } else if !code.id.as_str().starts_with(code.parent.as_str()) {
                errors.push(LexiconError {
                    location: code.location.clone(),
                    message: format!("{} must start with its parent's id {}", code.id, code.parent),
                });
            }
        }
        if !errors.is_empty() {
            errors.sort_by(|a, b| a.location.cmp(&b.location));
            return Err(errors);
        }
        let (matcher, warnings) = Matcher::compile(&codes);
        Ok(Lexicon {
            codes,
            matcher,
            fingerprint: hasher.finalize().to_hex()[..16].to_string(),
            meaning: None,
            warnings,
        })
    }

    /// The codes, in load order (index = code index in matches).
    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// A code by id.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id.as_str() == id)
    }

    /// A hash of every lexicon text and the language (and the meaning layer's weights when it is
    /// on): changes when any lexicon changes.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The lexicon with the meaning layer's second opinion on (`[coding] meaning` in pith.toml),
    /// or off.
    pub fn with_meaning(mut self, on: bool) -> Lexicon {
        if on != self.meaning.is_some() {
            let mut hasher = blake3::Hasher::new();
            hasher.update(self.fingerprint.as_bytes());
            if on {
                hasher.update(meaning::WEIGHTS.as_bytes());
            }
            self.fingerprint = hasher.finalize().to_hex()[..16].to_string();
            self.meaning = on.then(Meaning::builtin);
        }
        self
    }

    /// The meaning layer, when it is on.
    pub fn meaning(&self) -> Option<&'static Meaning> {
        self.meaning
    }
}

/// The most of one lexicon file read (a WordStat-sized dictionary is a few MB).
const FILE_LIMIT: u64 = 64 << 20;

/// The `*.toml` files under `path` (or `path` itself), sorted, recursively.
fn lexicon_files(path: &Path) -> Result<Vec<PathBuf>, LexiconError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| LexiconError { location: Location::new(path, None), message: format!("cannot read: {e}") })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| LexiconError {
            location: Location::new(&dir, None),
            message: format!("cannot read folder: {e}"),
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_symlink() && p.extension().is_some_and(|e| e == "toml") {
                return Err(LexiconError {
                    location: Location::new(&p, None),
                    message: "is a symbolic link: lexicons in a folder are read only as files of their own".into(),
                });
            } else if kind.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Language;

    #[test]
    fn builtin_lexicons_load_without_errors() {
        let lexicon = Lexicon::from_sources(
            &Analyzer::new(Language::English),
            &BUILTIN.map(|(n, t)| (Origin::Builtin(n), t.to_string())),
        );
        let lexicon = lexicon.unwrap_or_else(|e| panic!("{}", crate::Error::Lexicon(e)));
        for family in Family::EVERY {
            assert!(lexicon.codes().iter().any(|c| c.family() == family), "no code for {family}");
        }
    }

    #[test]
    fn every_builtin_expression_runs_only_on_passages_with_a_word_it_needs() {
        let lexicon = Lexicon::from_sources(
            &Analyzer::new(Language::English),
            &BUILTIN.map(|(n, t)| (Origin::Builtin(n), t.to_string())),
        )
        .unwrap_or_else(|e| panic!("{}", crate::Error::Lexicon(e)));
        let mut expressions = 0;
        for term in lexicon.codes().iter().flat_map(|c| c.terms.iter().chain(&c.exclusions)) {
            if let TermKind::Regex(re) = &term.kind {
                expressions += 1;
                let clauses = gate::clauses(re.as_str());
                assert!(!clauses.is_empty(), "{}", term.source);
            }
        }
        assert!(expressions > 0);
    }
}
