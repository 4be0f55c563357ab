//! A researcher's own coding, kept in the study beside pith's: takes the files under
//! `STUDY/coding/`, gives [`HumanCoding`] (selections, codebook, mapping onto pith's codes);
//! [`agree`] compares it with pith's coding passage by passage, [`suggest`] learns lexicon
//! terms from it.
//!
//! The files (CSV with a header row, one record per line, UTF-8; `docs/human-coding.md`):
//!
//! - `coding/selections/*.csv`: `transcript,start,end,code,coder`. `transcript` is the path
//!   under `transcripts/`; `start` and `end` count characters (Unicode scalar values) into its
//!   document text, end exclusive, as REFI-QDA positions do; `code` is a codebook code.
//!   `pith import` writes one file per imported project, `pith review` writes `review.csv`.
//! - `coding/codebook.csv`: `code,parent,groups,description` (`groups` separated by `;`).
//! - `coding/mapping.csv` (the researcher's, optional): `code,pith`, the human code and the
//!   pith code id or family it corresponds to. Codes named as pith names them map without it.

pub mod agree;
pub mod suggest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Location;
use crate::lexicon::Lexicon;
use crate::model::Family;

/// The folder under the study.
pub const DIR: &str = "coding";
/// The codebook file under [`DIR`].
pub const CODEBOOK_FILE: &str = "codebook.csv";
/// The mapping file under [`DIR`].
pub const MAPPING_FILE: &str = "mapping.csv";
/// The folder of selection files under [`DIR`].
pub const SELECTIONS_DIR: &str = "selections";

const SELECTION_HEADER: [&str; 5] = ["transcript", "start", "end", "code", "coder"];
const CODEBOOK_HEADER: [&str; 4] = ["code", "parent", "groups", "description"];
/// Larger coding files are refused (a coded project of 100 interviews is a few MB).
const FILE_LIMIT: u64 = 256 << 20;

/// A human coding file that cannot be read: file, line, what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct CodingError {
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl CodingError {
    fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> CodingError {
        CodingError { location: Location::new(path, line), message: message.into() }
    }
}

/// One coded stretch of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selection {
    /// The transcript's path under `transcripts/`, `/`-separated.
    pub transcript: String,
    /// First character (Unicode scalar values from the document's start).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The code applied.
    pub code: String,
    /// Who applied it (a name, a REFI-QDA user, `pith review`).
    pub coder: String,
}

/// A code of the researcher's codebook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HumanCode {
    /// Its name, unique in the codebook.
    pub code: String,
    /// The code it is nested under, if any.
    pub parent: Option<String>,
    /// The code groups (ATLAS.ti) or sets it belongs to.
    pub groups: Vec<String>,
    /// Its definition.
    pub description: String,
}

/// What a human code corresponds to in pith.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A pith code, by id.
    Code(String),
    /// A whole family.
    Family(Family),
}

impl Target {
    /// The code id or the family name.
    pub fn as_str(&self) -> &str {
        match self {
            Target::Code(id) => id,
            Target::Family(f) => f.as_str(),
        }
    }
}

/// A study's human coding.
#[derive(Debug, Clone, Default)]
pub struct HumanCoding {
    /// Every selection of every file, sorted.
    pub selections: Vec<Selection>,
    /// The codebook, by code name.
    pub codebook: BTreeMap<String, HumanCode>,
    /// The researcher's mapping (`mapping.csv`), human code → pith target.
    pub mapping: BTreeMap<String, Target>,
}

impl HumanCoding {
    /// Reads `STUDY/coding/`; a study without it has no human coding (empty). A bad record is an
    /// error naming its file and line.
    pub fn load(study: &Path) -> Result<HumanCoding, CodingError> {
        let dir = study.join(DIR);
        let mut coding = HumanCoding::default();
        let codebook = dir.join(CODEBOOK_FILE);
        if codebook.is_file() {
            coding.codebook = read_codebook(&codebook)?.into_iter().map(|c| (c.code.clone(), c)).collect();
        }
        let mapping = dir.join(MAPPING_FILE);
        if mapping.is_file() {
            coding.mapping = read_mapping(&mapping)?;
        }
        let selections = dir.join(SELECTIONS_DIR);
        if selections.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&selections)
                .map_err(|e| CodingError::new(&selections, None, e.to_string()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "csv"))
                .collect();
            files.sort();
            for file in files {
                coding.selections.extend(read_selections(&file)?);
            }
        }
        coding.selections.sort();
        coding.selections.dedup();
        Ok(coding)
    }

    /// Every code named in the codebook or by a selection, sorted.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self.codebook.keys().cloned().collect();
        codes.extend(self.selections.iter().map(|s| s.code.clone()));
        codes.sort();
        codes.dedup();
        codes
    }

    /// The code of the codebook or of a selection named `name`, ignoring case.
    pub fn find(&self, name: &str) -> Option<String> {
        let name = name.trim();
        let codes = self.codes();
        let lower = name.to_lowercase();
        codes.iter().find(|c| c.as_str() == name).or_else(|| codes.iter().find(|c| c.to_lowercase() == lower)).cloned()
    }

    /// The pith code or family `code` corresponds to: the mapping file's, else by name (a pith
    /// code id, a label, `Label (id)` as pith's REFI-QDA export names codes, or a family name
    /// or title), case-insensitively.
    pub fn target(&self, code: &str, lexicon: &Lexicon) -> Option<Target> {
        if let Some(t) = self.mapping.get(code) {
            return Some(t.clone());
        }
        by_name(code, lexicon)
    }

    /// `code` and the codes it is nested under (coding a child codes its parents, as QDA tools
    /// aggregate them).
    pub fn ancestry<'a>(&'a self, code: &'a str) -> Vec<&'a str> {
        let mut out = vec![code];
        let mut at = code;
        while let Some(parent) = self.codebook.get(at).and_then(|c| c.parent.as_deref()) {
            if out.contains(&parent) {
                break;
            }
            out.push(parent);
            at = parent;
        }
        out
    }

    /// The codes grouped under each group of the codebook.
    pub fn groups(&self) -> BTreeMap<String, Vec<String>> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in self.codebook.values() {
            for g in &c.groups {
                groups.entry(g.clone()).or_default().push(c.code.clone());
            }
        }
        groups
    }
}

/// Up to `n` of `names` closest to `given`, ignoring case: those containing it or contained in
/// it first, then by edit distance.
pub fn closest(given: &str, names: &[String], n: usize) -> Vec<String> {
    let given = given.trim().to_lowercase();
    let mut scored: Vec<(bool, usize, &String)> = names
        .iter()
        .map(|name| {
            let lower = name.to_lowercase();
            let near = lower.contains(&given) || given.contains(&lower);
            (!near, edit_distance(&given, &lower), name)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.2 == b.2);
    scored.into_iter().take(n).map(|(_, _, name)| name.clone()).collect()
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The pith target a code name names, if any.
pub fn by_name(code: &str, lexicon: &Lexicon) -> Option<Target> {
    let name = code.trim();
    // `Label (family.code)`: the id in the last parentheses.
    let inner = name.strip_suffix(')').and_then(|n| n.rsplit_once('(')).map(|(_, id)| id.trim());
    for candidate in inner.into_iter().chain([name]) {
        if let Some(c) = lexicon.codes().iter().find(|c| c.id.as_str().eq_ignore_ascii_case(candidate)) {
            return Some(Target::Code(c.id.as_str().to_string()));
        }
    }
    if let Some(c) = lexicon.codes().iter().find(|c| c.label.eq_ignore_ascii_case(name)) {
        return Some(Target::Code(c.id.as_str().to_string()));
    }
    Family::ALL
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(name) || f.title().eq_ignore_ascii_case(name))
        .map(Target::Family)
}

fn read_text(path: &Path) -> Result<String, CodingError> {
    let bytes =
        crate::fsutil::read_regular(path, FILE_LIMIT).map_err(|e| CodingError::new(path, None, e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| CodingError::new(path, None, "not UTF-8 text"))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// The records of a CSV file with the columns `header` names (in any order, case-insensitive),
/// each with its line; a missing column is an error.
fn records(path: &Path, header: &[&str], required: usize) -> Result<Vec<(usize, Vec<String>)>, CodingError> {
    let text = read_text(path)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).comment(Some(b'#')).from_reader(text.as_bytes());
    let heads: Vec<String> = reader
        .headers()
        .map_err(|e| CodingError::new(path, Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut columns = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match heads.iter().position(|h| h == name) {
            Some(at) => columns.push(Some(at)),
            None if i < required => {
                return Err(CodingError::new(
                    path,
                    Some(1),
                    format!("no `{name}` column (expected {}; header is: {})", header.join(","), heads.join(",")),
                ))
            }
            None => columns.push(None),
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            CodingError::new(path, e.position().map(|p| p.line() as usize), format!("not a CSV record: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let fields = columns.iter().map(|c| c.and_then(|c| record.get(c)).unwrap_or("").to_string()).collect();
        out.push((line, fields));
    }
    Ok(out)
}

/// Reads one selections file.
pub fn read_selections(path: &Path) -> Result<Vec<Selection>, CodingError> {
    let mut out = Vec::new();
    for (line, f) in records(path, &SELECTION_HEADER, 4)? {
        let number = |i: usize, what: &str| {
            f[i].trim().parse::<usize>().map_err(|_| {
                CodingError::new(path, Some(line), format!("{what} {:?} is not a character position", f[i]))
            })
        };
        let (start, end) = (number(1, "start")?, number(2, "end")?);
        if end < start {
            return Err(CodingError::new(path, Some(line), format!("end {end} is before start {start}")));
        }
        let (transcript, code) = (f[0].trim(), f[3].trim());
        if transcript.is_empty() || code.is_empty() {
            return Err(CodingError::new(path, Some(line), "a selection needs a transcript and a code"));
        }
        out.push(Selection {
            transcript: transcript.to_string(),
            start,
            end,
            code: code.to_string(),
            coder: f[4].trim().to_string(),
        });
    }
    Ok(out)
}

/// Reads a codebook file.
pub fn read_codebook(path: &Path) -> Result<Vec<HumanCode>, CodingError> {
    let mut out: Vec<HumanCode> = Vec::new();
    for (line, f) in records(path, &CODEBOOK_HEADER, 1)? {
        let code = f[0].trim();
        if code.is_empty() {
            return Err(CodingError::new(path, Some(line), "a codebook row needs a code"));
        }
        if out.iter().any(|c| c.code == code) {
            return Err(CodingError::new(path, Some(line), format!("code {code:?} is in the codebook twice")));
        }
        out.push(HumanCode {
            code: code.to_string(),
            parent: Some(f[1].trim().to_string()).filter(|p| !p.is_empty()),
            groups: split_groups(&f[2]),
            description: f[3].trim().to_string(),
        });
    }
    Ok(out)
}

/// Groups as a codebook cell lists them (`;`-separated).
pub fn split_groups(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|g| !g.is_empty()).map(str::to_string).collect()
}

fn read_mapping(path: &Path) -> Result<BTreeMap<String, Target>, CodingError> {
    let mut out = BTreeMap::new();
    for (line, f) in records(path, &["code", "pith"], 2)? {
        let (code, target) = (f[0].trim(), f[1].trim());
        let target = match Family::parse(target) {
            Some(family) => Target::Family(family),
            None if crate::model::CodeId::parse(target).is_some() => Target::Code(target.to_string()),
            None => {
                return Err(CodingError::new(
                    path,
                    Some(line),
                    format!("{target:?} is neither a pith code id (family.name) nor a family"),
                ))
            }
        };
        out.insert(code.to_string(), target);
    }
    Ok(out)
}

/// `selections` as a selections file.
pub fn selections_csv(selections: &[Selection]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = w.write_record(SELECTION_HEADER);
    for s in selections {
        let _ = w.write_record([&s.transcript, &s.start.to_string(), &s.end.to_string(), &s.code, &s.coder]);
    }
    w.into_inner().unwrap_or_default()
}

/// `codes` as a codebook file.
pub fn codebook_csv<'a>(codes: impl IntoIterator<Item = &'a HumanCode>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CODEBOOK_HEADER);
    for c in codes {
        let _ =
            w.write_record([c.code.as_str(), c.parent.as_deref().unwrap_or(""), &c.groups.join("; "), &c.description]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_and_codebook_files_read_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let sel = vec![
            Selection {
                transcript: "a/b.txt".into(),
                start: 3,
                end: 9,
                code: "Cost, \"hidden\"".into(),
                coder: "Ann".into(),
            },
            Selection { transcript: "c.txt".into(), start: 0, end: 1, code: "Risk".into(), coder: String::new() },
        ];
        let book = vec![HumanCode {
            code: "Cost".into(),
            parent: Some("Money".into()),
            groups: vec!["G1".into(), "G2".into()],
            description: "line one\nline two".into(),
        }];
        std::fs::create_dir_all(dir.path().join("coding/selections")).unwrap();
        std::fs::write(dir.path().join("coding/selections/x.csv"), selections_csv(&sel)).unwrap();
        std::fs::write(dir.path().join("coding/codebook.csv"), codebook_csv(&book)).unwrap();
        let back = HumanCoding::load(dir.path()).unwrap();
        assert_eq!(back.selections, sel);
        assert_eq!(back.codebook.values().cloned().collect::<Vec<_>>(), book);
    }

    #[test]
    fn a_bad_record_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, "transcript,start,end,code\na.txt,1,2,X\na.txt,9,x,X\n").unwrap();
        let e = read_selections(&path).unwrap_err();
        assert_eq!(e.location.line, Some(3));
        assert!(e.message.contains("\"x\""), "{e}");
        std::fs::write(&path, "transcript,start,end,code\na.txt,5,2,X\n").unwrap();
        assert!(read_selections(&path).unwrap_err().message.contains("before start"));
        std::fs::write(&path, "file,start\n").unwrap();
        assert!(read_selections(&path).unwrap_err().message.contains("no `transcript` column"));
    }
}

#[cfg(test)]
mod closest_tests {
    use super::closest;

    #[test]
    fn the_closest_names_are_those_containing_it_then_the_fewest_edits_away() {
        let names: Vec<String> =
            ["Site Outage", "Cost", "risk.outage", "Sight", "Unrelated"].iter().map(|s| s.to_string()).collect();
        assert_eq!(closest("site outgae", &names, 2), ["Site Outage", "risk.outage"]);
        let mut outage = closest("OUTAGE", &names, 2);
        outage.sort();
        assert_eq!(outage, ["Site Outage", "risk.outage"]);
        assert_eq!(closest("cots", &names, 1), ["Cost"]);
    }
}
