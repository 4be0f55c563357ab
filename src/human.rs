//! Pith's coding beside the researcher's: takes an opened study and its human coding, codes
//! every transcript the researcher coded, and gives its participant passages with both codings
//! and their terms; then agreement ([`agreement`]), learned lexicon terms ([`suggest()`]) and
//! writing accepted terms into a study lexicon ([`accept`]). What `pith agree` and `pith lexicon
//! suggest` call.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::coding::agree::{self, Agreement, Unit};
use crate::coding::suggest::{self, Example, Learned, Split, Terms, Validated};
use crate::coding::{HumanCoding, Selection, Target};
use crate::error::{Diagnostic, Error, Result};
use crate::model::{CodedInterview, Family};
use crate::pipeline;
use crate::run::Opened;

/// A participant passage of a transcript the researcher coded.
#[derive(Debug, Clone)]
pub struct Passage {
    /// The interview id.
    pub interview: String,
    /// The passage's index in the interview.
    pub index: usize,
    /// Its text.
    pub text: String,
    /// The interviewer's passage before it.
    pub question: Option<String>,
    /// Pith's evidence codes, their ancestors and families.
    pub pith: BTreeSet<String>,
    /// The researcher's codes.
    pub human: BTreeSet<String>,
    /// Its terms ([`Terms`]).
    pub terms: Vec<u32>,
}

/// A study's passages with both codings.
pub struct Paired {
    /// The passages, interview by interview.
    pub passages: Vec<Passage>,
    /// The terms their ids name.
    pub terms: Terms,
    /// Transcripts skipped, and selections naming transcripts the study lacks.
    pub diagnostics: Vec<Diagnostic>,
}

/// Codes the transcripts `coding` has selections in and pairs their passages with it.
pub fn pair(opened: &Opened, coding: &HumanCoding) -> Result<Paired> {
    let mut by_transcript: BTreeMap<&str, Vec<&Selection>> = BTreeMap::new();
    for s in &coding.selections {
        by_transcript.entry(s.transcript.as_str()).or_default().push(s);
    }
    let study = &opened.study;
    let mut diagnostics = Vec::new();
    let coded: Vec<(&PathBuf, Vec<&Selection>)> = study
        .transcripts
        .iter()
        .filter_map(|p| by_transcript.remove(study.relative(p).as_str()).map(|s| (p, s)))
        .collect();
    for (missing, s) in by_transcript {
        diagnostics.push(Diagnostic::warning(
            crate::error::Location::new(study.root.join(crate::coding::DIR), None),
            format!("{} selections name {missing:?}, which is not a transcript of the study", s.len()),
        ));
    }
    if coded.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no human coding of its transcripts: import a coded project first (pith import PROJECT.qdpx {})",
            study.root.display(),
            study.root.display()
        )));
    }
    let paths: Vec<&PathBuf> = coded.iter().map(|(p, _)| *p).collect();
    let mut terms = Terms::default();
    let mut passages = Vec::new();
    for ((_, selections), interview) in coded.iter().zip(code_each(opened, &paths, &mut diagnostics)) {
        let Some(interview) = interview else { continue };
        let evidence: Vec<_> = interview.passages.iter().filter(|p| p.passage.role.is_evidence()).collect();
        let ranges: Vec<_> = evidence.iter().map(|p| p.passage.span.chars.clone()).collect();
        let human = agree::human_codes(&ranges, selections);
        for (cp, coded) in evidence.into_iter().zip(human) {
            let human: BTreeSet<String> = coded.iter().flat_map(|c| coding.ancestry(c)).map(str::to_string).collect();
            let mut pith = BTreeSet::new();
            for tag in crate::code::counted(&opened.lexicon, cp) {
                pith.extend(opened.lexicon.codes()[tag.code].id.ancestry().map(str::to_string));
            }
            let text = interview.text(&cp.passage).to_string();
            let question = cp
                .passage
                .question
                .and_then(|q| interview.passages.get(q))
                .map(|q| interview.text(&q.passage).to_string());
            let analysis = opened.analyzer.analyze(&text);
            passages.push(Passage {
                interview: interview.meta.id.clone(),
                index: cp.passage.index,
                terms: terms.of(&analysis),
                text,
                question,
                pith,
                human,
            });
        }
    }
    Ok(Paired { passages, terms, diagnostics })
}

/// Codes each of `paths` on the rayon pool: the coded interview, or `None` for a transcript
/// skipped (its diagnostic, and every warning, added to `diagnostics`).
pub fn code_each(
    opened: &Opened,
    paths: &[&PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<CodedInterview>> {
    let study = &opened.study;
    let results: Vec<_> = paths
        .par_iter()
        .map(|path| pipeline::process(study, &opened.lexicon, &opened.analyzer, path, pipeline::Output::default()))
        .collect();
    results
        .into_iter()
        .map(|r| match r {
            Ok((coded, warnings)) => {
                diagnostics.extend(warnings);
                Some(coded.interview)
            }
            Err(d) => {
                diagnostics.push(d);
                None
            }
        })
        .collect()
}

/// Agreement per human code and family.
pub fn agreement(paired: &Paired, coding: &HumanCoding, opened: &Opened) -> Agreement {
    let units: Vec<Unit> = paired
        .passages
        .iter()
        .map(|p| Unit {
            interview: p.interview.clone(),
            passage: p.index,
            pith: p.pith.clone(),
            human: p.human.clone(),
        })
        .collect();
    agree::agree(&units, &coding.codes(), |c| coding.target(c, &opened.lexicon))
}

/// What to learn: one code, or a group of codes (a passage is coded when any of them covers it).
#[derive(Debug, Clone)]
pub struct Question {
    /// The code or group's name.
    pub name: String,
    /// The codes.
    pub codes: Vec<String>,
}

/// A learned lexicon for a code, cross-validated.
pub struct Suggested {
    /// What was learned.
    pub question: Question,
    /// Coded passages, of all passages.
    pub coded: usize,
    /// All passages.
    pub passages: usize,
    /// Learned from every passage.
    pub learned: Learned,
    /// Learned from some interviews, tested on the others.
    pub validated: Validated,
}

impl Suggested {
    /// The verdict on the pooled held-out table.
    pub fn verdict(&self) -> suggest::Verdict {
        suggest::Verdict::of(&self.validated.pooled().0, self.coded)
    }
}

/// The examples a question labels.
pub fn examples(paired: &Paired, question: &Question) -> Vec<Example> {
    paired
        .passages
        .iter()
        .map(|p| Example {
            interview: p.interview.clone(),
            terms: p.terms.clone(),
            coded: question.codes.iter().any(|c| p.human.contains(c)),
        })
        .collect()
}

/// Learns `question` from every passage and cross-validates it over `splits` (by default five
/// folds of interviews).
pub fn suggest(paired: &Paired, question: Question, splits: Option<&[Split]>) -> Suggested {
    let examples = examples(paired, &question);
    let all: Vec<&Example> = examples.iter().collect();
    let learned = suggest::learn(&all);
    let interviews: BTreeSet<String> = examples.iter().map(|e| e.interview.clone()).collect();
    let folds;
    let splits = match splits {
        Some(s) => s,
        None => {
            folds = suggest::folds(&interviews, 5);
            &folds
        }
    };
    let validated = suggest::validate(&examples, splits);
    Suggested {
        coded: examples.iter().filter(|e| e.coded).count(),
        passages: examples.len(),
        question,
        learned,
        validated,
    }
}

/// The split learning on `train` and testing on the others, and its reverse.
pub fn both_ways(paired: &Paired, train: &BTreeSet<String>) -> Vec<Split> {
    let all: BTreeSet<String> = paired.passages.iter().map(|p| p.interview.clone()).collect();
    let rest: BTreeSet<String> = all.difference(train).cloned().collect();
    // Ids as written, runs of consecutive numbers as ranges (`1-10`).
    let name = |s: &BTreeSet<String>| {
        let mut v: Vec<&String> = s.iter().collect();
        v.sort_by_key(|x| suggest::natural(x));
        let mut parts: Vec<String> = Vec::new();
        let mut run: Option<(u64, u64)> = None;
        let flush = |run: &mut Option<(u64, u64)>, parts: &mut Vec<String>| {
            if let Some((a, b)) = run.take() {
                parts.push(if a == b { a.to_string() } else { format!("{a}-{b}") });
            }
        };
        for id in v {
            match (id.parse::<u64>().ok(), run) {
                (Some(n), Some((a, b))) if n == b + 1 => run = Some((a, n)),
                (Some(n), _) => {
                    flush(&mut run, &mut parts);
                    run = Some((n, n));
                }
                (None, _) => {
                    flush(&mut run, &mut parts);
                    parts.push(id.clone());
                }
            }
        }
        flush(&mut run, &mut parts);
        parts.join(",")
    };
    vec![
        Split { name: format!("{} → {}", name(train), name(&rest)), train: train.clone() },
        Split { name: format!("{} → {}", name(&rest), name(train)), train: rest },
    ]
}

/// What accepting terms wrote.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The lexicon file.
    pub file: PathBuf,
    /// The code id.
    pub code: String,
    /// The code's terms now.
    pub terms: Vec<String>,
}

/// A code id's name part from a human code's name (`Performance is Necessary` →
/// `performance_is_necessary`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').chars().take(48).collect::<String>();
    if out.is_empty() {
        "code".into()
    } else {
        out
    }
}

/// Writes `terms` as the terms of a study code for `question` (`<family>.<slug>`, labelled with
/// the human code) in `STUDY/lexicons/learned-<slug>.toml`, adding to the terms it has; the
/// study's lexicons are compiled with it before it replaces the old file.
pub fn accept(
    opened: &Opened,
    question: &Question,
    family: Family,
    description: &str,
    terms: &[String],
) -> Result<Accepted> {
    let dir = opened.study.root.join("lexicons");
    let slug = slug(&question.name);
    let file = dir.join(format!("learned-{slug}.toml"));
    let id = format!("{}.{slug}", family.as_str());
    let mut all: Vec<String> = Vec::new();
    if file.is_file() {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        let old: toml::Value =
            toml::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {}", file.display(), e.message().trim())))?;
        let old_terms = old
            .get("codes")
            .and_then(|c| c.as_array())
            .and_then(|c| c.first())
            .and_then(|c| c.get("terms"))
            .and_then(|t| t.as_array());
        all.extend(old_terms.into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)));
    }
    for t in terms {
        if !all.contains(t) {
            all.push(t.clone());
        }
    }
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = format!(
        "# Terms learned from the researcher's coding ({}) with `pith lexicon suggest`, accepted by the researcher.\n\n[[codes]]\nid = {}\nlabel = {}\ndescription = {}\nterms = [\n",
        question.codes.join(", "),
        quote(&id),
        quote(&question.name),
        quote(description),
    );
    for t in &all {
        text.push_str(&format!("  {},\n", quote(t)));
    }
    text.push_str("]\n");
    crate::fsutil::refuse_symlinks(&dir)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // Staged without the .toml extension, so that only the explicit path below reads it; as
    // the last source it overrides the code's old definition.
    let staged = crate::fsutil::stage(&file, text.as_bytes())?;
    let mut paths = opened.study.lexicon_paths();
    paths.push(staged.path().to_path_buf());
    crate::lexicon::Lexicon::load(&opened.analyzer, &paths).map_err(Error::Lexicon)?;
    staged.persist(&file).map_err(|e| Error::io(&file, e.error))?;
    Ok(Accepted { file, code: id, terms: all })
}

/// The family a question's code maps to, if any (its codes' targets, when they agree).
pub fn family_of(question: &Question, coding: &HumanCoding, opened: &Opened) -> Option<Family> {
    let families: BTreeSet<Family> = question
        .codes
        .iter()
        .filter_map(|c| coding.target(c, &opened.lexicon))
        .filter_map(|t| match t {
            Target::Family(f) => Some(f),
            Target::Code(id) => crate::model::CodeId::parse(&id).map(|c| c.family()),
        })
        .collect();
    (families.len() == 1).then(|| families.into_iter().next()).flatten()
}
