//! changes: takes two reports read back ([`crate::readback::Report`]), an earlier and a later
//! one, and gives what moved between them ([`Changes`]): per persona the interviews added or
//! removed, codes that became or stopped being a difference, prevalence moves of more than one
//! interview, new quotes and saturation moving, and for the study the golden themes gained or
//! lost. What `report.json`'s `changes` section holds and `pith diff` prints.
//!
//! Each `pith run` keeps what is compared of its report.json (a [`Report`]) in the study's
//! `.pith/reports/` ([`kept_path`]), one per grouping and redaction, so that the next run of the
//! same kind compares against it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, Location, Result};
use crate::readback::{self, Persona, Report};
use crate::words::counted;

/// What moved between an earlier report and a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The earlier report; `None` when there is no earlier run to compare with.
    pub earlier: Option<Earlier>,
    /// The earlier report grouped interviews by another attribute: nothing below is compared.
    pub regrouped: bool,
    /// The lexicons differ: codes may move without any transcript changing.
    pub lexicon_changed: bool,
    /// Groups only the later report has.
    pub personas_added: Vec<String>,
    /// Groups only the earlier report has.
    pub personas_removed: Vec<String>,
    /// Codes that became golden themes.
    pub golden_added: Vec<String>,
    /// Codes that stopped being golden themes.
    pub golden_removed: Vec<String>,
    /// Per group in both reports, by name: only the groups where something moved.
    pub personas: Vec<PersonaChanges>,
}

/// The earlier report, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Earlier {
    /// Its interviews.
    pub interviews: usize,
    /// Its grouping attribute.
    pub group_by: String,
    /// Its lexicon fingerprint.
    pub lexicon: String,
}

/// What moved in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaChanges {
    /// Group name.
    pub name: String,
    /// Interview ids only the later report has in this group.
    pub interviews_added: Vec<String>,
    /// Interview ids only the earlier report has in this group.
    pub interviews_removed: Vec<String>,
    /// Codes called a difference now and not before (as the later report tests them).
    pub differences_added: Vec<Difference>,
    /// Codes called a difference before and not now (as the earlier report tested them).
    pub differences_removed: Vec<Difference>,
    /// Codes whose prevalence moved by more than one interview's share.
    pub prevalence: Vec<PrevalenceMove>,
    /// Quotes shown now that were not shown before.
    pub quotes_added: Vec<NewQuote>,
    /// Distinct codes or the saturation status changed.
    pub saturation: Option<SaturationMove>,
}

/// A code called a difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// `family.name`.
    pub code: String,
    /// `higher` or `lower` than the rest.
    pub direction: String,
    /// Benjamini–Hochberg q.
    pub q_value: f64,
}

/// A code's prevalence before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrevalenceMove {
    /// `family.name`.
    pub code: String,
    /// Prevalence before (0 without evidence).
    pub before: f64,
    /// Prevalence after.
    pub after: f64,
    /// Interviews with evidence before.
    pub interviews_before: usize,
    /// Interviews with evidence after.
    pub interviews_after: usize,
}

/// A quote the later report shows and the earlier did not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewQuote {
    /// The code it is a quote for.
    pub code: String,
    /// Interview id.
    pub interview: String,
    /// Participant.
    pub participant: String,
    /// Passage index.
    pub passage: usize,
    /// Text shown.
    pub text: String,
}

/// Saturation before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaturationMove {
    /// Status before (`saturated`, `climbing`, `too_few`).
    pub status_before: String,
    /// Status after.
    pub status_after: String,
    /// Distinct codes before.
    pub codes_before: usize,
    /// Distinct codes after.
    pub codes_after: usize,
}

impl PersonaChanges {
    fn is_empty(&self) -> bool {
        self.interviews_added.is_empty()
            && self.interviews_removed.is_empty()
            && self.differences_added.is_empty()
            && self.differences_removed.is_empty()
            && self.prevalence.is_empty()
            && self.quotes_added.is_empty()
            && self.saturation.is_none()
    }
}

impl Changes {
    /// The changes of a first run: there is nothing to compare with.
    pub fn first_run() -> Changes {
        Changes {
            earlier: None,
            regrouped: false,
            lexicon_changed: false,
            personas_added: Vec::new(),
            personas_removed: Vec::new(),
            golden_added: Vec::new(),
            golden_removed: Vec::new(),
            personas: Vec::new(),
        }
    }

    /// Whether nothing moved (also true of a first run).
    pub fn is_empty(&self) -> bool {
        !self.regrouped
            && !self.lexicon_changed
            && self.personas_added.is_empty()
            && self.personas_removed.is_empty()
            && self.golden_added.is_empty()
            && self.golden_removed.is_empty()
            && self.personas.is_empty()
    }
}

/// What moved from `before` to `after`.
pub fn compare(before: &Report, after: &Report) -> Changes {
    let mut changes = Changes {
        earlier: Some(Earlier {
            interviews: before.interviews,
            group_by: before.group_by.clone(),
            lexicon: before.lexicon.clone(),
        }),
        regrouped: before.group_by != after.group_by,
        lexicon_changed: before.lexicon != after.lexicon,
        ..Changes::first_run()
    };
    if changes.regrouped {
        return changes;
    }
    let names = |r: &Report| r.personas.iter().map(|p| p.name.clone()).collect::<BTreeSet<_>>();
    let (old, new) = (names(before), names(after));
    changes.personas_added = new.difference(&old).cloned().collect();
    changes.personas_removed = old.difference(&new).cloned().collect();
    let golden = |r: &Report| r.golden.iter().map(|g| g.code.clone()).collect::<BTreeSet<_>>();
    let (old, new) = (golden(before), golden(after));
    changes.golden_added = new.difference(&old).cloned().collect();
    changes.golden_removed = old.difference(&new).cloned().collect();
    for now in &after.personas {
        if let Some(then) = before.personas.iter().find(|p| p.name == now.name) {
            let moved = compare_persona(then, now);
            if !moved.is_empty() {
                changes.personas.push(moved);
            }
        }
    }
    changes
}

fn compare_persona(then: &Persona, now: &Persona) -> PersonaChanges {
    let ids = |p: &Persona| p.saturation.order.iter().cloned().collect::<BTreeSet<_>>();
    let (old, new) = (ids(then), ids(now));
    let differences = |p: &Persona| -> BTreeMap<String, Difference> {
        let called = p.distinctive.codes.iter().filter(|d| d.significant);
        called
            .map(|d| {
                let difference =
                    Difference { code: d.code.clone(), direction: d.direction.clone(), q_value: d.q_value };
                (d.code.clone(), difference)
            })
            .collect()
    };
    let (old_diff, new_diff) = (differences(then), differences(now));
    let codes: BTreeSet<&str> = then.codes.iter().chain(&now.codes).map(|c| c.code.as_str()).collect();
    // One interview's share of the larger group: a smaller move is one interview more or less.
    let step = 1.0 / then.interviews.max(now.interviews).max(1) as f64;
    let prevalence = codes
        .into_iter()
        .filter_map(|code| {
            let count = |p: &Persona| p.code(code).map_or(0, |c| c.interviews);
            let mv = PrevalenceMove {
                code: code.to_string(),
                before: then.prevalence(code),
                after: now.prevalence(code),
                interviews_before: count(then),
                interviews_after: count(now),
            };
            ((mv.after - mv.before).abs() > step + 1e-9).then_some(mv)
        })
        .collect();
    let shown: BTreeSet<(&str, &str, usize)> = then
        .codes
        .iter()
        .flat_map(|c| c.quotes.iter().map(move |q| (c.code.as_str(), q.interview.as_str(), q.passage)))
        .collect();
    let quotes_added = now
        .codes
        .iter()
        .flat_map(|c| c.quotes.iter().map(move |q| (c, q)))
        .filter(|(c, q)| !shown.contains(&(c.code.as_str(), q.interview.as_str(), q.passage)))
        .map(|(c, q)| NewQuote {
            code: c.code.clone(),
            interview: q.interview.clone(),
            participant: q.participant.clone(),
            passage: q.passage,
            text: q.text.clone(),
        })
        .collect();
    let (s0, s1) = (&then.saturation, &now.saturation);
    let saturation = (s0.status != s1.status || s0.codes() != s1.codes()).then(|| SaturationMove {
        status_before: s0.status.clone(),
        status_after: s1.status.clone(),
        codes_before: s0.codes(),
        codes_after: s1.codes(),
    });
    PersonaChanges {
        name: now.name.clone(),
        interviews_added: new.difference(&old).cloned().collect(),
        interviews_removed: old.difference(&new).cloned().collect(),
        differences_added: new_diff
            .iter()
            .filter(|(k, _)| !old_diff.contains_key(*k))
            .map(|(_, d)| d.clone())
            .collect(),
        differences_removed: old_diff
            .iter()
            .filter(|(k, _)| !new_diff.contains_key(*k))
            .map(|(_, d)| d.clone())
            .collect(),
        prevalence,
        quotes_added,
        saturation,
    }
}

/// Where a run grouped by `by` (with `redact` or not) keeps its report for the next one:
/// `.pith/reports/` under a name made from both, since `by` is the user's text.
pub fn kept_path(study: &Path, by: &str, redact: bool) -> PathBuf {
    let key = format!("{by}\0{}", if redact { "redacted" } else { "verbatim" });
    let hash = blake3::hash(key.as_bytes()).to_hex();
    study.join(crate::study::STATE_DIR).join("reports").join(format!("{}.json", &hash[..16]))
}

/// What changed since the report kept at `kept` (see [`kept_path`]), for a run whose report.json
/// is `now`, and `now` read back (what [`keep`] keeps). A kept report that cannot be read back is
/// a warning, and the run is compared with nothing.
pub fn since(kept: &Path, now: &[u8]) -> (Changes, Option<Diagnostic>, Option<Report>) {
    let after = readback::parse(Path::new("report.json"), now);
    let warn = |e: String| Some(Diagnostic::warning(Location::new(kept, None), format!("{e}; not compared with it")));
    if std::fs::symlink_metadata(kept).is_err() {
        return (Changes::first_run(), None, after.ok());
    }
    match (readback::load(kept), after) {
        (Ok(before), Ok(after)) => (compare(&before, &after), None, Some(after)),
        (Err(e), after) => (Changes::first_run(), warn(e.to_string()), after.ok()),
        (_, Err(e)) => (Changes::first_run(), warn(e.to_string()), None),
    }
}

/// Keeps what the next run compares of this run's report (`now`, read back) at `kept`: only the
/// parts [`readback::Report`] reads, a tenth of report.json on a large study; atomically and
/// never through a link in `.pith`.
pub fn keep(kept: &Path, now: &Report) -> Result<()> {
    for dir in kept.ancestors().skip(1).take(2) {
        crate::fsutil::refuse_symlinks(dir).map_err(|e| match e {
            Error::Symlink { path, .. } => Error::Symlink { path, in_state: true },
            e => e,
        })?;
    }
    let bytes = serde_json::to_vec(now).map_err(|e| Error::Invalid(format!("cannot write {}: {e}", kept.display())))?;
    crate::fsutil::write_atomic(kept, &bytes)
}

/// One part of [`describe`]: a heading (a group's name, or none for the study) and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The group's name; `None` for the lines about the whole study.
    pub heading: Option<String>,
    /// Plain-text lines, one statement each.
    pub lines: Vec<String>,
}

/// The changes in words, as every format shows them (plain text: the caller escapes).
pub fn describe(changes: &Changes) -> Vec<Part> {
    let Some(earlier) = &changes.earlier else {
        return vec![Part { heading: None, lines: vec!["No earlier run to compare with.".into()] }];
    };
    let mut study = vec![format!("Compared with the earlier run ({}).", counted(earlier.interviews, "interview"))];
    if changes.regrouped {
        study.push(format!("The earlier run grouped interviews by {}: groups are not compared.", earlier.group_by));
    }
    if changes.is_empty() {
        study.push("No changes.".into());
    }
    if changes.lexicon_changed {
        study.push("The lexicons changed: codes may move without any transcript changing.".into());
    }
    let list = |v: &[String]| v.join(", ");
    if !changes.personas_added.is_empty() {
        study.push(format!("New groups: {}.", list(&changes.personas_added)));
    }
    if !changes.personas_removed.is_empty() {
        study.push(format!("Groups gone: {}.", list(&changes.personas_removed)));
    }
    if !changes.golden_added.is_empty() {
        study.push(format!("Became golden themes: {}.", list(&changes.golden_added)));
    }
    if !changes.golden_removed.is_empty() {
        study.push(format!("No longer golden themes: {}.", list(&changes.golden_removed)));
    }
    let mut parts = vec![Part { heading: None, lines: study }];
    for p in &changes.personas {
        parts.push(Part { heading: Some(p.name.clone()), lines: persona_lines(p) });
    }
    parts
}

fn persona_lines(p: &PersonaChanges) -> Vec<String> {
    let mut lines = Vec::new();
    if !p.interviews_added.is_empty() {
        lines.push(format!("Interviews added: {}.", p.interviews_added.join(", ")));
    }
    if !p.interviews_removed.is_empty() {
        lines.push(format!("Interviews removed: {}.", p.interviews_removed.join(", ")));
    }
    for d in &p.differences_added {
        lines.push(format!("Now a difference: {} ({} than the rest, q = {:.3}).", d.code, d.direction, d.q_value));
    }
    for d in &p.differences_removed {
        lines.push(format!(
            "No longer a difference: {} (was {} than the rest, q = {:.3}).",
            d.code, d.direction, d.q_value
        ));
    }
    for m in &p.prevalence {
        lines.push(format!(
            "Prevalence of {}: {:.0}% → {:.0}% ({} → {} interviews).",
            m.code,
            m.before * 100.0,
            m.after * 100.0,
            m.interviews_before,
            m.interviews_after
        ));
    }
    if let Some(s) = &p.saturation {
        lines.push(format!(
            "Saturation: {} → {} distinct codes, {} → {}.",
            s.codes_before,
            s.codes_after,
            s.status_before.replace('_', " "),
            s.status_after.replace('_', " ")
        ));
    }
    for q in &p.quotes_added {
        lines.push(format!(
            "New quote for {}: “{}” ({}, {} ¶{}).",
            q.code, q.text, q.participant, q.interview, q.passage
        ));
    }
    lines
}

/// [`describe`] as plain text, a group's lines under its name.
pub fn to_text(changes: &Changes) -> String {
    let mut out = String::new();
    for part in describe(changes) {
        if let Some(h) = &part.heading {
            out.push_str(&format!("\n{h}\n"));
        }
        for line in &part.lines {
            let indent = if part.heading.is_some() { "  " } else { "" };
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out
}
