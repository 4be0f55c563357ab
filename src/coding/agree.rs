//! Agreement between pith's coding and the researcher's: takes each participant passage with
//! pith's codes and the human codes whose selections cover it ([`Unit`]), gives per human code
//! and per family the passages coded by both, by pith only, by the researcher only, Cohen's
//! kappa, F1 and the passages where they differ.
//!
//! A selection codes a passage when they share at least half of the passage or half of the
//! selection (in characters): a quote of one sentence codes the passage it is in, a quote
//! spanning three passages codes those it mostly covers.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::{Selection, Target};
use crate::model::Family;

/// One participant passage, as both coders saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The interview id.
    pub interview: String,
    /// The passage's index in its interview.
    pub passage: usize,
    /// Pith's evidence codes, their ancestors and their families (ids and family names).
    pub pith: BTreeSet<String>,
    /// The human codes whose selections cover it.
    pub human: BTreeSet<String>,
}

/// Whether a selection of `selection` characters codes a passage of `passage` characters.
pub fn covers(selection: &Range<usize>, passage: &Range<usize>) -> bool {
    let shared = selection.end.min(passage.end).saturating_sub(selection.start.max(passage.start));
    let (s, p) = (selection.len(), passage.len());
    shared > 0 && (2 * shared >= s || 2 * shared >= p)
}

/// The human codes of each passage (char ranges) from the selections of its transcript.
pub fn human_codes(passages: &[Range<usize>], selections: &[&Selection]) -> Vec<BTreeSet<String>> {
    passages
        .iter()
        .map(|p| selections.iter().filter(|s| covers(&(s.start..s.end), p)).map(|s| s.code.clone()).collect())
        .collect()
}

/// A 2×2 table of passages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Table {
    /// Coded by both.
    pub both: usize,
    /// By pith only.
    pub pith_only: usize,
    /// By the researcher only.
    pub human_only: usize,
    /// By neither.
    pub neither: usize,
}

impl Table {
    /// Counts one passage.
    pub fn add(&mut self, pith: bool, human: bool) {
        match (pith, human) {
            (true, true) => self.both += 1,
            (true, false) => self.pith_only += 1,
            (false, true) => self.human_only += 1,
            (false, false) => self.neither += 1,
        }
    }

    /// Every passage counted.
    pub fn total(&self) -> usize {
        self.both + self.pith_only + self.human_only + self.neither
    }

    /// Cohen's kappa, with the researcher and pith as the two raters; `None` where chance
    /// agreement is total (both coded every passage, or none).
    pub fn kappa(&self) -> Option<f64> {
        let n = self.total() as f64;
        if n == 0.0 {
            return None;
        }
        let (a, b, c, d) = (self.both as f64, self.pith_only as f64, self.human_only as f64, self.neither as f64);
        let observed = (a + d) / n;
        let chance = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n);
        (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
    }

    /// F1 with the researcher's coding as the reference; `None` when neither coded anything.
    pub fn f1(&self) -> Option<f64> {
        let denominator = 2 * self.both + self.pith_only + self.human_only;
        (denominator > 0).then(|| 2.0 * self.both as f64 / denominator as f64)
    }

    /// Precision: of the passages pith coded, the share the researcher coded too.
    pub fn precision(&self) -> Option<f64> {
        let coded = self.both + self.pith_only;
        (coded > 0).then(|| self.both as f64 / coded as f64)
    }

    /// Recall: of the passages the researcher coded, the share pith coded too.
    pub fn recall(&self) -> Option<f64> {
        let coded = self.both + self.human_only;
        (coded > 0).then(|| self.both as f64 / coded as f64)
    }
}

/// Which coder coded a passage the other did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Pith coded it, the researcher did not.
    Pith,
    /// The researcher coded it, pith did not.
    Human,
}

/// The agreement on one human code (or family) and its pith counterpart.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The human code, or for a family row the family's name.
    pub code: String,
    /// What pith's side is.
    pub target: Target,
    /// The passages.
    pub table: Table,
    /// The passages where the two differ: (interview, passage, who coded it).
    pub differ: Vec<(String, usize, Side)>,
}

/// Agreement over a study.
#[derive(Debug, Clone, Default)]
pub struct Agreement {
    /// One row per human code with a pith counterpart, in code order.
    pub codes: Vec<Row>,
    /// One row per family some human code maps into: a passage is the researcher's when any of
    /// those codes covers it.
    pub families: Vec<Row>,
    /// Human codes with no pith counterpart (neither by name nor in `mapping.csv`).
    pub unmapped: Vec<String>,
    /// Participant passages compared.
    pub passages: usize,
}

/// Compares the two codings over `units`, human codes mapped by `target`.
pub fn agree(units: &[Unit], codes: &[String], target: impl Fn(&str) -> Option<Target>) -> Agreement {
    let mut out = Agreement { passages: units.len(), ..Agreement::default() };
    let mut by_family: BTreeMap<Family, Vec<String>> = BTreeMap::new();
    for code in codes {
        let Some(t) = target(code) else {
            out.unmapped.push(code.clone());
            continue;
        };
        let family = match &t {
            Target::Family(f) => Some(*f),
            Target::Code(id) => crate::model::CodeId::parse(id).map(|c| c.family()),
        };
        if let Some(f) = family {
            by_family.entry(f).or_default().push(code.clone());
        }
        let key = t.as_str().to_string();
        out.codes.push(row(code.clone(), t, units, |u| u.pith.contains(&key), |u| u.human.contains(code)));
    }
    for (family, codes) in by_family {
        let key = family.as_str().to_string();
        out.families.push(row(
            key.clone(),
            Target::Family(family),
            units,
            |u| u.pith.contains(&key),
            |u| codes.iter().any(|c| u.human.contains(c)),
        ));
    }
    out
}

fn row(
    code: String,
    target: Target,
    units: &[Unit],
    pith: impl Fn(&Unit) -> bool,
    human: impl Fn(&Unit) -> bool,
) -> Row {
    let mut table = Table::default();
    let mut differ = Vec::new();
    for u in units {
        let (p, h) = (pith(u), human(u));
        table.add(p, h);
        if p != h {
            differ.push((u.interview.clone(), u.passage, if p { Side::Pith } else { Side::Human }));
        }
    }
    Row { code, target, table, differ }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_and_f1_match_a_worked_example() {
        // 20 both, 5 pith only, 10 human only, 15 neither (n = 50): observed 0.7, chance
        // (25·30 + 25·20) / 2500 = 0.5, kappa 0.4; F1 40 / 55.
        let t = Table { both: 20, pith_only: 5, human_only: 10, neither: 15 };
        assert!((t.kappa().unwrap() - 0.4).abs() < 1e-12);
        assert!((t.f1().unwrap() - 40.0 / 55.0).abs() < 1e-12);
        assert_eq!(Table { both: 3, ..Table::default() }.kappa(), None);
        assert_eq!(Table { both: 3, neither: 3, ..Table::default() }.kappa(), Some(1.0));
        assert_eq!(Table { neither: 3, ..Table::default() }.f1(), None);
    }

    #[test]
    fn a_selection_codes_the_passages_it_mostly_covers() {
        assert!(covers(&(10..20), &(0..100)), "a sentence inside a passage");
        assert!(covers(&(0..300), &(100..200)), "a long quote over a whole passage");
        assert!(!covers(&(90..300), &(0..100)), "a quote overlapping a passage's last words");
        assert!(covers(&(90..110), &(0..100)), "half of a short quote");
        assert!(!covers(&(100..110), &(0..100)), "touching is not sharing");
    }

    #[test]
    fn rows_count_each_passage_once_and_list_the_differences() {
        let unit = |p: usize, pith: &[&str], human: &[&str]| Unit {
            interview: "a".into(),
            passage: p,
            pith: pith.iter().map(|s| s.to_string()).collect(),
            human: human.iter().map(|s| s.to_string()).collect(),
        };
        let units = vec![
            unit(0, &["risk", "risk.downtime"], &["Downtime"]),
            unit(1, &["risk", "risk.cost"], &["Downtime"]),
            unit(2, &[], &["Cost"]),
            unit(3, &[], &[]),
        ];
        let codes = vec!["Cost".to_string(), "Downtime".to_string(), "Mood".to_string()];
        let a = agree(&units, &codes, |c| match c {
            "Downtime" => Some(Target::Code("risk.downtime".into())),
            "Cost" => Some(Target::Code("risk.cost".into())),
            _ => None,
        });
        assert_eq!(a.unmapped, vec!["Mood".to_string()]);
        let downtime = a.codes.iter().find(|r| r.code == "Downtime").unwrap();
        assert_eq!(downtime.table, Table { both: 1, pith_only: 0, human_only: 1, neither: 2 });
        assert_eq!(downtime.differ, vec![("a".to_string(), 1, Side::Human)]);
        let risk = &a.families[0];
        assert_eq!(risk.target, Target::Family(Family::Risk));
        assert_eq!(risk.table, Table { both: 2, pith_only: 0, human_only: 1, neither: 1 });
    }
}
