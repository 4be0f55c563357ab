//! The review loop: takes an opened study and a pith code, gives a sample of its hits and near
//! misses (mentions that did not count: negated, vetoed by an exclusion, or a weak code alone) in context, and
//! records the researcher's decisions as human coding: an accepted passage is a selection of the
//! code in `coding/selections/review.csv` (so `pith agree` counts it), a rejected one a line of
//! `coding/rejected.csv` (same columns); decided passages are not offered again.

pub mod html;
pub mod propose;

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use crate::coding::{self, HumanCoding, Selection, Target};
use crate::error::{Diagnostic, Error, Result};
use crate::run::Opened;

/// The coder named on review decisions.
pub const CODER: &str = "pith review";
/// The file of accepted passages, under `coding/selections/`.
pub const ACCEPTED_FILE: &str = "review.csv";
/// The file of rejected passages, under `coding/`.
pub const REJECTED_FILE: &str = "rejected.csv";

/// The code a review is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The pith code id whose hits are offered.
    pub pith: String,
    /// The code decisions are recorded under: the pith id, or the codebook's code named.
    pub recorded: String,
}

/// The code `name` names: a pith code id, or (ignoring case) a code of the study's codebook that
/// corresponds to a pith code (`coding/mapping.csv`, or by name as `pith agree` pairs them).
pub fn named(opened: &Opened, coding: &HumanCoding, name: &str) -> Result<Named> {
    let lexicon = &opened.lexicon;
    if let Some(c) = lexicon.codes().iter().find(|c| c.id.as_str().eq_ignore_ascii_case(name.trim())) {
        return Ok(Named { pith: c.id.as_str().to_string(), recorded: c.id.as_str().to_string() });
    }
    if let Some(human) = coding.find(name) {
        return match coding.target(&human, lexicon) {
            Some(Target::Code(id)) => Ok(Named { pith: id, recorded: human }),
            other => Err(Error::Invalid(format!(
                "{human:?} corresponds to {}: map it to a pith code in coding/mapping.csv (code,pith), or learn one \
                 with `pith lexicon suggest --code {human:?} --accept lexicon`",
                match other {
                    Some(t) => format!("the whole family {}, not one pith code", t.as_str()),
                    None => "no pith code".to_string(),
                }
            ))),
        };
    }
    let mut names: Vec<String> = lexicon.codes().iter().map(|c| c.id.as_str().to_string()).collect();
    names.extend(coding.codes());
    Err(Error::UnknownCode { given: name.to_string(), closest: coding::closest(name, &names, 5) })
}

/// Why a passage is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Pith codes it.
    Hit,
    /// A term of the code is there but does not count; why.
    NearMiss(String),
}

/// One passage to decide on.
#[derive(Debug, Clone)]
pub struct Item {
    /// The interview id.
    pub interview: String,
    /// The transcript's path under `transcripts/`.
    pub transcript: String,
    /// The passage's index.
    pub index: usize,
    /// Its characters in the document.
    pub chars: Range<usize>,
    /// Its text.
    pub text: String,
    /// The interviewer's passage before it.
    pub question: Option<String>,
    /// Hit or near miss.
    pub kind: Kind,
    /// Each mention in context: (left, the words matched, right).
    pub kwic: Vec<(String, String, String)>,
}

/// A researcher's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The code applies.
    Accept,
    /// It does not.
    Reject,
}

/// Characters of context on each side of a mention.
const CONTEXT: usize = 50;

fn kwic(text: &str, bytes: Range<usize>) -> (String, String, String) {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let left: String = text[..bytes.start].chars().rev().take(CONTEXT).collect::<Vec<_>>().into_iter().rev().collect();
    let right: String = text[bytes.end..].chars().take(CONTEXT).collect();
    (flat(&left), flat(&text[bytes.clone()]), flat(&right))
}

/// A mention in context on one line: `…left [match] right…`.
pub fn in_context((left, matched, right): &(String, String, String)) -> String {
    let gap = if right.starts_with(char::is_alphanumeric) { " " } else { "" };
    format!("…{left} [{matched}]{gap}{right}…")
}

/// The passages already decided for `code`: (transcript, start, end).
pub fn decided(study: &Path, code: &str) -> std::result::Result<BTreeSet<(String, usize, usize)>, coding::CodingError> {
    let mut out = BTreeSet::new();
    for file in [
        study.join(coding::DIR).join(coding::SELECTIONS_DIR).join(ACCEPTED_FILE),
        study.join(coding::DIR).join(REJECTED_FILE),
    ] {
        if file.is_file() {
            for s in coding::read_selections(&file)?.into_iter().filter(|s| s.code == code) {
                out.insert((s.transcript, s.start, s.end));
            }
        }
    }
    Ok(out)
}

/// Up to `sample` undecided hits and near misses of the pith code `code` (its id), hits and near
/// misses alternating, in an order fixed by the passages (the same sample every time).
pub fn items(opened: &Opened, code: &str, sample: usize) -> Result<(Vec<Item>, Vec<Diagnostic>)> {
    let Some(index) = opened.lexicon.codes().iter().position(|c| c.id.as_str() == code) else {
        return Err(Error::Unknown {
            what: "code",
            given: code.to_string(),
            suggestion: opened
                .lexicon
                .codes()
                .iter()
                .map(|c| c.id.as_str())
                .find(|c| c.contains(code))
                .map(str::to_string),
            known: opened.lexicon.codes().iter().map(|c| c.id.as_str().to_string()).collect(),
        });
    };
    let study = &opened.study;
    let done = decided(&study.root, code).map_err(|e| Error::Invalid(e.to_string()))?;
    let (mut hits, mut near, mut diagnostics) = (Vec::new(), Vec::new(), Vec::new());
    let paths: Vec<&std::path::PathBuf> = study.transcripts.iter().collect();
    for (path, interview) in paths.iter().zip(crate::human::code_each(opened, &paths, &mut diagnostics)) {
        let Some(interview) = interview else { continue };
        let transcript = study.relative(path);
        for cp in interview.passages.iter().filter(|p| p.passage.role.is_evidence()) {
            let Some(tag) = cp.tags.iter().find(|t| t.code == index) else { continue };
            let chars = cp.passage.span.chars.clone();
            if done.contains(&(transcript.clone(), chars.start, chars.end)) {
                continue;
            }
            let text = interview.text(&cp.passage).to_string();
            let kind = if crate::code::counts(&opened.lexicon, cp, tag) {
                Kind::Hit
            } else if tag.is_evidence() {
                Kind::NearMiss("a weak code alone: its family's rule is not met".to_string())
            } else {
                let m = &tag.mentions[0];
                let why = if let Some(n) = &m.negation {
                    format!("negated by {:?}", n.text)
                } else {
                    "vetoed by an exclusion".to_string()
                };
                Kind::NearMiss(why)
            };
            let item = Item {
                interview: interview.meta.id.clone(),
                transcript: transcript.clone(),
                index: cp.passage.index,
                kwic: tag.mentions.iter().map(|m| kwic(&text, m.bytes.clone())).collect(),
                question: cp
                    .passage
                    .question
                    .and_then(|q| interview.passages.get(q))
                    .map(|q| interview.text(&q.passage).to_string()),
                chars,
                text,
                kind,
            };
            if item.kind == Kind::Hit {
                hits.push(item);
            } else {
                near.push(item);
            }
        }
    }
    let key = |i: &Item| blake3::hash(format!("{}\0{}", i.interview, i.index).as_bytes());
    hits.sort_by_key(|i| *key(i).as_bytes());
    near.sort_by_key(|i| *key(i).as_bytes());
    let mut out = Vec::new();
    let (mut h, mut n) = (hits.into_iter(), near.into_iter());
    while out.len() < sample {
        match (h.next(), n.next()) {
            (None, None) => break,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
    out.truncate(sample);
    Ok((out, diagnostics))
}

/// A decision on a passage: its transcript, its characters, the verdict.
pub type Decision = (String, Range<usize>, Verdict);

/// Adds decisions on passages for `code` to the study's review files (each rewritten whole,
/// atomically, so that a review stopped half way keeps what was decided).
pub fn record(study: &Path, code: &str, decisions: &[Decision]) -> Result<()> {
    let files = [
        (Verdict::Accept, study.join(coding::DIR).join(coding::SELECTIONS_DIR).join(ACCEPTED_FILE)),
        (Verdict::Reject, study.join(coding::DIR).join(REJECTED_FILE)),
    ];
    let selection = |(transcript, chars, _): &Decision| Selection {
        transcript: transcript.clone(),
        start: chars.start,
        end: chars.end,
        code: code.to_string(),
        coder: CODER.to_string(),
    };
    let decided: Vec<Selection> = decisions.iter().map(selection).collect();
    for (verdict, file) in files {
        let mut all = if file.is_file() {
            coding::read_selections(&file).map_err(|e| Error::Invalid(e.to_string()))?
        } else {
            Vec::new()
        };
        let before = all.len();
        // A later decision on a passage replaces an earlier one, in either file.
        all.retain(|s| {
            !decided
                .iter()
                .any(|d| (&d.transcript, d.start, d.end, &d.code) == (&s.transcript, s.start, s.end, &s.code))
        });
        let removed = all.len() < before;
        all.extend(decisions.iter().filter(|(_, _, v)| *v == verdict).map(selection));
        if all.len() == before && !removed {
            continue;
        }
        all.sort();
        crate::fsutil::write_atomic(&file, &coding::selections_csv(&all))?;
    }
    Ok(())
}

/// Items as a sheet to fill in (CSV): a `decision` column to set to `accept` or `reject`.
pub fn sheet(items: &[Item]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "transcript",
        "start",
        "end",
        "interview",
        "passage",
        "pith",
        "question",
        "in context",
        "text",
        "decision",
    ]);
    for i in items {
        let pith = match &i.kind {
            Kind::Hit => "hit".to_string(),
            Kind::NearMiss(why) => format!("near miss: {why}"),
        };
        let context: Vec<String> = i.kwic.iter().map(in_context).collect();
        let _ = w.write_record([
            i.transcript.as_str(),
            &i.chars.start.to_string(),
            &i.chars.end.to_string(),
            &i.interview,
            &i.index.to_string(),
            &pith,
            i.question.as_deref().unwrap_or(""),
            &context.join(" | "),
            &i.text,
            "",
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// The decisions of a filled-in sheet; `accept`/`yes`/`y`/`1`
/// or `reject`/`no`/`n`/`0`, an empty cell skipped, anything else an error naming the line.
pub fn read_sheet(path: &Path) -> std::result::Result<Vec<Decision>, coding::CodingError> {
    let bytes = crate::fsutil::read_regular(path, 256 << 20).map_err(|e| coding::CodingError {
        location: crate::error::Location::new(path, None),
        message: e.to_string(),
    })?;
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let err = |line: Option<usize>, message: String| coding::CodingError {
        location: crate::error::Location::new(path, line),
        message,
    };
    let header: Vec<String> =
        reader.headers().map_err(|e| err(Some(1), e.to_string()))?.iter().map(|h| h.trim().to_lowercase()).collect();
    let col =
        |name: &str| header.iter().position(|h| h == name).ok_or_else(|| err(Some(1), format!("no `{name}` column")));
    let (t, s, e, d) = (col("transcript")?, col("start")?, col("end")?, col("decision")?);
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|x| err(x.position().map(|p| p.line() as usize), x.to_string()))?;
        let line = r.position().map(|p| p.line() as usize);
        let cell = |i: usize| r.get(i).unwrap_or("").trim();
        let verdict = match cell(d).to_lowercase().as_str() {
            "" | "skip" => continue,
            "accept" | "yes" | "y" | "1" | "a" => Verdict::Accept,
            "reject" | "no" | "n" | "0" | "r" => Verdict::Reject,
            other => return Err(err(line, format!("decision {other:?}: write accept, reject or leave it empty"))),
        };
        let number = |i: usize| {
            cell(i).parse::<usize>().map_err(|_| err(line, format!("{:?} is not a character position", cell(i))))
        };
        out.push((cell(t).to_string(), number(s)?..number(e)?, verdict));
    }
    Ok(out)
}
