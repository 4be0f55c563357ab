//! Lexicon changes from review decisions: takes an opened study, a pith code and the
//! researcher's decisions on its hits, gives exclusions or a lower weight for the code that
//! would drop rejected hits and no accepted one ([`propose`]), and writes them into the study's
//! lexicons ([`write()`]).
//!
//! The rule: a **context word** is a content word standing within [`GAP`] words of a counting
//! mention of the code, in the same clause, and not one of the mention's words. A context word
//! seen beside mentions in at least [`MIN_SHARED`] rejected hits becomes exclusions
//! `word ~2 TERM` or `TERM ~2 word` (one per term and side it was seen with). Applied to the
//! decided hits, it is proposed when it drops at least [`MIN_SHARED`] rejected hits and no
//! accepted one; the best first, then the next on the hits left, up to [`MAX_EXCLUSIONS`].
//! Then, for a code weighing more than [`WEAK`]: weight [`WEAK`] (one of its terms alone no
//! longer codes the family) when that drops at least [`MIN_SHARED`] of the rejected hits left
//! and no accepted one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::analyze::{Analysis, TokenKind};
use crate::coding::{self, agree::covers, HumanCoding};
use crate::error::{Diagnostic, Error, Result};
use crate::lexicon::{is_clause_break, Lexicon, Origin, TermKind, BUILTIN};
use crate::model::Tag;
use crate::run::Opened;

/// The fewest rejected hits a change must drop: a pattern is what several share.
pub const MIN_SHARED: usize = 2;
/// The weight proposed for a code most of whose hits are rejected (a weak code).
pub const WEAK: f64 = 0.5;
/// Words that may stand between a context word and the mention.
pub const GAP: usize = 2;
/// The most context words proposed at once.
pub const MAX_EXCLUSIONS: usize = 5;

/// One change to a code.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Exclusions: a context word beside the code's terms.
    Exclude {
        /// The context word, as most often written.
        word: String,
        /// The exclusion terms.
        terms: Vec<String>,
        /// Rejected hits it drops (of those the changes before it left).
        drops: usize,
    },
    /// A lower weight for the code.
    Weight {
        /// The code's weight now.
        from: f64,
        /// The weight proposed.
        to: f64,
        /// Rejected hits it drops (of those the exclusions left).
        drops: usize,
    },
}

/// A proposed change to the study lexicon, with what it does to the decided hits.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The pith code id.
    pub code: String,
    /// The changes, in the order chosen.
    pub changes: Vec<Change>,
    /// Hits the researcher rejected.
    pub rejected: usize,
    /// Hits the researcher accepted.
    pub accepted: usize,
    /// Rejected hits the changes drop.
    pub drops_rejected: usize,
    /// Accepted hits the changes drop (none, by the rule; counted on the changed lexicon).
    pub drops_accepted: usize,
    /// The study lexicon file written.
    pub file: PathBuf,
    /// Its text now (empty when it is new).
    pub before: String,
    /// Its text with the changes.
    pub after: String,
}

impl Proposal {
    /// The changed lines, `-` before and `+` after (one hunk: the files differ in one stretch).
    pub fn diff(&self) -> Vec<String> {
        let old: Vec<&str> = self.before.lines().collect();
        let new: Vec<&str> = self.after.lines().collect();
        let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
        let mut out: Vec<String> = old[head..old.len() - tail].iter().map(|l| format!("- {l}")).collect();
        out.extend(new[head..new.len() - tail].iter().map(|l| format!("+ {l}")));
        out
    }
}

/// A decided passage pith codes with the code.
struct Hit {
    accepted: bool,
    text: String,
    analysis: Analysis,
    tags: Vec<Tag>,
}

/// The passages decided for `recorded` (the name decisions are recorded under) that pith codes
/// with the code at `index`: accepted when a selection of that code covers them, rejected when a
/// line of `coding/rejected.csv` does and no selection.
fn decided_hits(opened: &Opened, index: usize, recorded: &str, diagnostics: &mut Vec<Diagnostic>) -> Result<Vec<Hit>> {
    let root = &opened.study.root;
    let invalid = |e: coding::CodingError| Error::Invalid(e.to_string());
    let accepted: Vec<_> =
        HumanCoding::load(root).map_err(invalid)?.selections.into_iter().filter(|s| s.code == recorded).collect();
    let rejected_file = root.join(coding::DIR).join(super::REJECTED_FILE);
    let rejected: Vec<_> = if rejected_file.is_file() {
        coding::read_selections(&rejected_file).map_err(invalid)?.into_iter().filter(|s| s.code == recorded).collect()
    } else {
        Vec::new()
    };
    let transcripts: BTreeSet<&str> = accepted.iter().chain(&rejected).map(|s| s.transcript.as_str()).collect();
    let study = &opened.study;
    let paths: Vec<&PathBuf> =
        study.transcripts.iter().filter(|p| transcripts.contains(study.relative(p).as_str())).collect();
    let mut out = Vec::new();
    for (path, interview) in paths.iter().zip(crate::human::code_each(opened, &paths, diagnostics)) {
        let Some(interview) = interview else { continue };
        let transcript = study.relative(path);
        for cp in interview.passages.iter().filter(|p| p.passage.role.is_evidence()) {
            let chars = &cp.passage.span.chars;
            let on = |s: &&coding::Selection| s.transcript == transcript && covers(&(s.start..s.end), chars);
            let accepted = accepted.iter().any(|s| on(&s));
            if !accepted && !rejected.iter().any(|s| on(&s)) {
                continue;
            }
            if !cp.tags.iter().any(|t| t.code == index && crate::code::counts(&opened.lexicon, cp, t)) {
                continue;
            }
            let text = interview.text(&cp.passage).to_string();
            let analysis = opened.analyzer.analyze(&text);
            out.push(Hit { accepted, text, analysis, tags: cp.tags.clone() });
        }
    }
    Ok(out)
}

/// Whether `tags` code the code at `index` when it weighs `weight`.
fn is_hit(lexicon: &Lexicon, index: usize, tags: &[Tag], weight: f64) -> bool {
    let Some(tag) = tags.iter().find(|t| t.code == index && t.is_evidence()) else { return false };
    let code = &lexicon.codes()[index];
    let mut terms: Vec<usize> = tag.mentions.iter().filter(|m| m.counts()).map(|m| m.term).collect();
    terms.sort_unstable();
    terms.dedup();
    let total = crate::code::family_weight(lexicon, tags, code.family()) + (weight - code.weight) * terms.len() as f64;
    total >= crate::code::FAMILY_THRESHOLD - 1e-9
}

/// The content words within [`GAP`] words of the mention at `bytes`, in its clause: (stem, form, left of it).
fn context_words(analysis: &Analysis, bytes: &std::ops::Range<usize>) -> Vec<(String, String, bool)> {
    let tokens = &analysis.tokens;
    let inside: Vec<usize> =
        (0..tokens.len()).filter(|&i| tokens[i].bytes.start < bytes.end && bytes.start < tokens[i].bytes.end).collect();
    let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else { return Vec::new() };
    let own: BTreeSet<&str> = inside.iter().map(|&i| analysis.stem(&tokens[i])).collect();
    let mut out = Vec::new();
    let sides: [(Box<dyn Iterator<Item = usize>>, bool); 2] =
        [(Box::new((0..first).rev()), true), (Box::new(last + 1..tokens.len()), false)];
    for (walk, left) in sides {
        let mut words = 0;
        for i in walk {
            let t = &tokens[i];
            match t.kind {
                TokenKind::Punct if is_clause_break(analysis.norm(t)) => break,
                TokenKind::Word => {
                    let (stem, norm) = (analysis.stem(t), analysis.norm(t));
                    let plain = norm.chars().all(|c| c.is_alphanumeric() || c == '\'' || c == '-');
                    if crate::aggregate::is_content_word(stem) && plain && !own.contains(stem) {
                        out.push((stem.to_string(), norm.to_string(), left));
                    }
                    words += 1;
                    if words > GAP {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A context word's exclusions and the rejected hits it was seen in.
#[derive(Default)]
struct Candidate {
    forms: BTreeMap<String, usize>,
    terms: BTreeSet<String>,
    seen_in: BTreeSet<usize>,
}

/// `tags` with the mentions of the code at `index` that a match of `probe` overlaps vetoed.
fn vetoed(probe: &Lexicon, hit: &Hit, tags: &[Tag], index: usize) -> Vec<Tag> {
    let spans: Vec<_> = probe.matcher().find(&hit.text, &hit.analysis).into_iter().map(|m| m.bytes).collect();
    let mut tags = tags.to_vec();
    for tag in tags.iter_mut().filter(|t| t.code == index) {
        for m in &mut tag.mentions {
            if m.vetoed_by.is_none() && spans.iter().any(|s| s.start < m.bytes.end && m.bytes.start < s.end) {
                // Vetoed by the probe, which is none of the code's own exclusions.
                m.vetoed_by = Some(usize::MAX);
            }
        }
    }
    tags
}

/// The accepted (`accepted`) or rejected hits that are hits `before` and not `after`.
fn dropped(hits: &[Hit], before: &[bool], after: &[bool], accepted: bool) -> usize {
    (0..hits.len()).filter(|&i| hits[i].accepted == accepted && before[i] && !after[i]).count()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The change the decisions on the pith code `code` (recorded as `recorded`) support, if any.
pub fn propose(opened: &Opened, code: &str, recorded: &str) -> Result<(Option<Proposal>, Vec<Diagnostic>)> {
    let lexicon = &opened.lexicon;
    let Some(index) = lexicon.codes().iter().position(|c| c.id.as_str() == code) else {
        return Err(Error::Invalid(format!("no pith code {code:?}")));
    };
    let def = &lexicon.codes()[index];
    let mut diagnostics = Vec::new();
    let hits = decided_hits(opened, index, recorded, &mut diagnostics)?;
    let rejected = hits.iter().filter(|h| !h.accepted).count();
    let accepted = hits.len() - rejected;
    let mut candidates: BTreeMap<String, Candidate> = BTreeMap::new();
    for (n, hit) in hits.iter().enumerate().filter(|(_, h)| !h.accepted) {
        let Some(tag) = hit.tags.iter().find(|t| t.code == index) else { continue };
        for m in tag.mentions.iter().filter(|m| m.counts()) {
            let term = &def.terms[m.term];
            if matches!(term.kind, TermKind::Regex(_)) {
                continue;
            }
            for (stem, form, left) in context_words(&hit.analysis, &m.bytes) {
                let c = candidates.entry(stem).or_default();
                *c.forms.entry(form.clone()).or_default() += 1;
                let source = term.source.trim();
                c.terms.insert(if left {
                    format!("{form} ~{GAP} {source}")
                } else {
                    format!("{source} ~{GAP} {form}")
                });
                c.seen_in.insert(n);
            }
        }
    }
    let mut state: Vec<Vec<Tag>> = hits.iter().map(|h| h.tags.clone()).collect();
    let alive = |state: &[Vec<Tag>], weight: f64| -> Vec<bool> {
        state.iter().map(|tags| is_hit(lexicon, index, tags, weight)).collect()
    };
    let mut changes = Vec::new();
    let mut probes: Vec<(String, Vec<String>, Lexicon)> = Vec::new();
    for (stem, c) in candidates.into_iter().filter(|(_, c)| c.seen_in.len() >= MIN_SHARED) {
        let terms: Vec<String> = c.terms.into_iter().collect();
        let text = format!(
            "[[codes]]\nid = \"{}.review_probe\"\nterms = [{}]\n",
            def.family().as_str(),
            terms.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
        );
        let Ok(probe) = Lexicon::from_sources(&opened.analyzer, &[(Origin::File(PathBuf::from("probe")), text)]) else {
            continue;
        };
        let form = c.forms.iter().max_by_key(|(f, n)| (**n, std::cmp::Reverse((*f).clone()))).map(|(f, _)| f.clone());
        probes.push((form.unwrap_or(stem), terms, probe));
    }
    while changes.len() < MAX_EXCLUSIONS {
        let now = alive(&state, def.weight);
        let mut best: Option<(usize, usize, Vec<Vec<Tag>>)> = None;
        for (p, (_, terms, probe)) in probes.iter().enumerate() {
            let next: Vec<Vec<Tag>> = hits.iter().zip(&state).map(|(h, tags)| vetoed(probe, h, tags, index)).collect();
            let after = alive(&next, def.weight);
            let (drops, harms) = (dropped(&hits, &now, &after, false), dropped(&hits, &now, &after, true));
            let better = match &best {
                None => true,
                Some((q, d, _)) => drops > *d || (drops == *d && terms.len() < probes[*q].1.len()),
            };
            if harms == 0 && drops >= MIN_SHARED && better {
                best = Some((p, drops, next));
            }
        }
        let Some((p, drops, next)) = best else { break };
        state = next;
        let (word, terms, _) = probes.remove(p);
        changes.push(Change::Exclude { word, terms, drops });
    }
    let mut weight = def.weight;
    if def.weight > WEAK {
        let (now, after) = (alive(&state, def.weight), alive(&state, WEAK));
        let drops = dropped(&hits, &now, &after, false);
        if drops >= MIN_SHARED && dropped(&hits, &now, &after, true) == 0 {
            weight = WEAK;
            changes.push(Change::Weight { from: def.weight, to: WEAK, drops });
        }
    }
    if changes.is_empty() {
        return Ok((None, diagnostics));
    }
    let (start, end) = (vec![true; hits.len()], alive(&state, weight));
    let (file, before, after) = edited(opened, code, &changes)?;
    let proposal = Proposal {
        code: code.to_string(),
        drops_rejected: dropped(&hits, &start, &end, false),
        drops_accepted: dropped(&hits, &start, &end, true),
        changes,
        rejected,
        accepted,
        file,
        before,
        after,
    };
    Ok((Some(proposal), diagnostics))
}

/// Whether `path` is a built-in lexicon's.
fn builtin(path: &Path) -> bool {
    BUILTIN.iter().any(|(name, _)| Origin::Builtin(name).path() == path)
}

/// The study lexicon file the changes go to, its text now and with them: the study file that
/// defines the code, edited in place (comments and layout kept), or for a built-in code (or one
/// defined outside the study) `STUDY/lexicons/review-<id>.toml` redefining it whole.
fn edited(opened: &Opened, code: &str, changes: &[Change]) -> Result<(PathBuf, String, String)> {
    let def = opened.lexicon.code(code).ok_or_else(|| Error::Invalid(format!("no pith code {code:?}")))?;
    let exclusions: Vec<&String> = changes
        .iter()
        .flat_map(|c| match c {
            Change::Exclude { terms, .. } => terms.iter().collect(),
            Change::Weight { .. } => Vec::new(),
        })
        .collect();
    let weight = changes.iter().find_map(|c| match c {
        Change::Weight { to, .. } => Some(*to),
        Change::Exclude { .. } => None,
    });
    let path = &def.location.path;
    if !builtin(path) && path.starts_with(&opened.study.root) && path.is_file() {
        let before = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |what: &str| Error::Invalid(format!("{}: {what}", path.display()));
        let mut doc: toml_edit::DocumentMut = before.parse().map_err(|e: toml_edit::TomlError| bad(e.message()))?;
        let table = doc
            .get_mut("codes")
            .and_then(|c| c.as_array_of_tables_mut())
            .and_then(|codes| codes.iter_mut().find(|t| t.get("id").and_then(|v| v.as_str()) == Some(code)))
            .ok_or_else(|| bad(&format!("no [[codes]] table with id = {code:?} to edit")))?;
        if !exclusions.is_empty() {
            let not = table
                .entry("not")
                .or_insert(toml_edit::value(toml_edit::Array::new()))
                .as_array_mut()
                .ok_or_else(|| bad(&format!("`not` of {code} is not a list")))?;
            let multiline =
                not.iter().any(|v| v.decor().prefix().and_then(|p| p.as_str()).is_some_and(|p| p.contains('\n')));
            for t in exclusions {
                if multiline {
                    not.push_formatted(toml_edit::Value::from(t.as_str()).decorated("\n  ", ""));
                } else {
                    not.push(t.as_str());
                }
            }
            if multiline {
                not.set_trailing("\n");
                not.set_trailing_comma(true);
            }
        }
        if let Some(w) = weight {
            table["weight"] = toml_edit::value(w);
        }
        return Ok((path.clone(), before, doc.to_string()));
    }
    let file = opened.study.root.join("lexicons").join(format!("review-{}.toml", code.replace('.', "-")));
    let mut text = format!(
        "# {code} as pith has it, with changes `pith review` proposed from the researcher's decisions and the\n\
         # researcher confirmed. This file replaces the code's definition (lexicons/README.md).\n\n\
         [[codes]]\nid = {}\nlabel = {}\ndescription = {}\n",
        quote(code),
        quote(&def.label),
        quote(&def.description)
    );
    if def.parent.as_str() != def.family().as_str() {
        text.push_str(&format!("parent = {}\n", quote(def.parent.as_str())));
    }
    text.push_str(&format!("weight = {}\n", toml::Value::Float(weight.unwrap_or(def.weight))));
    let list = |name: &str, items: Vec<&str>| {
        let mut s = format!("{name} = [\n");
        for i in items {
            s.push_str(&format!("  {},\n", quote(i)));
        }
        s + "]\n"
    };
    text.push_str(&list("terms", def.terms.iter().map(|t| t.source.as_str()).collect()));
    let mut not: Vec<&str> = def.exclusions.iter().map(|t| t.source.as_str()).collect();
    not.extend(exclusions.iter().map(|s| s.as_str()));
    text.push_str(&list("not", not));
    Ok((file, String::new(), text))
}

/// Writes the proposal's file, after compiling the study's lexicons with it and checking that
/// the code has the changes there (no later study file redefines it).
pub fn write(opened: &Opened, proposal: &Proposal) -> Result<PathBuf> {
    let file = &proposal.file;
    let study = &opened.study;
    if !study.config.lexicons.iter().any(|p| file.starts_with(study.root.join(p))) {
        return Err(Error::Invalid(format!(
            "{} is not among the study's lexicons (`lexicons` in pith.toml): add \"lexicons\" there",
            file.display()
        )));
    }
    if let Some(dir) = file.parent() {
        crate::fsutil::refuse_symlinks(dir)?;
    }
    let staged = crate::fsutil::stage(file, proposal.after.as_bytes())?;
    // Staged without the .toml extension, so that only the explicit path reads it, last, as the
    // file will be read where it is.
    let paths = study.lexicon_paths();
    let mut with = paths.clone();
    with.push(staged.path().to_path_buf());
    let has = |lexicon: &Lexicon| {
        let Some(code) = lexicon.code(&proposal.code) else { return false };
        proposal.changes.iter().all(|change| match change {
            Change::Exclude { terms, .. } => terms.iter().all(|t| code.exclusions.iter().any(|e| &e.source == t)),
            Change::Weight { to, .. } => (code.weight - to).abs() < 1e-9,
        })
    };
    if !has(&Lexicon::load(&opened.analyzer, &with).map_err(Error::Lexicon)?) {
        return Err(Error::Invalid(format!("{}: the change does not compile as proposed", file.display())));
    }
    staged.persist(file).map_err(|e| Error::io(file, e.error))?;
    let now = Lexicon::load(&opened.analyzer, &paths).map_err(Error::Lexicon)?;
    if !has(&now) {
        let last = now.code(&proposal.code).map(|c| c.location.path.display().to_string()).unwrap_or_default();
        return Err(Error::Invalid(format!(
            "{} is written, but {last} defines {} after it: move the change there",
            file.display(),
            proposal.code
        )));
    }
    Ok(file.clone())
}
