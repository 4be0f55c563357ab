//! portfolio: takes several studies' last reports (their kept report.json, read back with
//! [`crate::readback`], after bringing each up to date as `pith run` does) and each study's `[study]` tags in
//! `pith.toml`, gives a [`Portfolio`]: the personas matched across studies (golden personas
//! recur in several), the codes they share everywhere, where each study's persona differs, and
//! the portfolio's gaps (a persona's needs no study's product addresses) and overlaps (a
//! persona's need addressed by several products). [`write()`] renders it as portfolio.md,
//! portfolio.html and portfolio.json (`docs/portfolio.schema.json`).
//!
//! Personas match by name (case and spacing aside); a persona whose name no other study uses
//! matches the most similar persona of another study when the cosine similarity of their code
//! profiles reaches [`MATCH_SIMILARITY`]: a profile is the persona's prevalence of every code
//! minus that code's prevalence over all its study's interviews, so what every persona of a
//! study shares, and how much a study's interviews say overall, weigh nothing. A study with one
//! persona has no profile to compare (it is matched by name only).

mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Diagnostic, Error, Location, Result};
use crate::model::UNASSIGNED;
use crate::readback::{self, Report};
use crate::run::{Observer, Opened, Options};
use crate::study::Product;

pub use render::write;

/// Cosine similarity of code profiles at or above which two personas of different studies with
/// different names are taken as the same persona. Profiles from a handful of interviews are
/// noisy: in the two sample studies a renamed persona meets its namesake at 0.17 and the other
/// persona at -0.17.
pub const MATCH_SIMILARITY: f64 = 0.15;

/// Codes of the need family that say a need was stated rather than what it is: never a gap.
const STATED: [&str; 2] = ["need.explicit", "need.pain_point"];

/// One study as the portfolio reads it.
pub struct Input {
    /// The study folder as given.
    pub path: PathBuf,
    /// `[study]` in its `pith.toml`.
    pub product: Product,
    /// Its last report.
    pub report: Report,
    /// Interviews coded to bring it up to date (0 when unchanged since its last run).
    pub coded: usize,
}

/// Reads each study's last report after bringing the study up to date as `pith run` would
/// (an unchanged study is not read again; only changed transcripts are coded); `redact` reads
/// the pseudonymized reports. A study that cannot be brought up to date (a read-only folder)
/// is read from its last report with a warning. Diagnostics go to `observer`.
pub fn gather(paths: &[PathBuf], redact: bool, observer: &mut dyn Observer) -> Result<Vec<Input>> {
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        let opened = Opened::open(path)?;
        let kept = crate::changes::kept_path(&opened.study.root, &Options::default().by, redact);
        let coded = match crate::run::run(&opened, &Options { redact, ..Options::default() }, observer) {
            Ok(ran) if ran.fresh => 0,
            Ok(ran) => ran.interviews - ran.reused,
            Err(e) if std::fs::symlink_metadata(&kept).is_ok() => {
                let message = format!("cannot bring the study up to date ({e}); reading its last report");
                observer.diagnostics(&[Diagnostic::warning(Location::new(path, None), message)]);
                0
            }
            Err(e) => return Err(e),
        };
        if std::fs::symlink_metadata(&kept).is_err() {
            // An unchanged study whose last run was made by a pith that kept no report.
            return Err(Error::Invalid(format!(
                "{}: its last run kept no report.json to read; delete {} (always safe) and run it again",
                path.display(),
                path.join(crate::study::STATE_DIR).display()
            )));
        }
        let report = readback::load(&kept)?;
        let product = opened.study.config.study.clone();
        inputs.push(Input { path: path.clone(), product, report, coded });
    }
    let known: BTreeSet<&str> = inputs.iter().flat_map(|i| i.report.codebook.iter().map(|c| c.code.as_str())).collect();
    let mut warnings = Vec::new();
    for i in &inputs {
        let config = i.path.join(crate::study::CONFIG_FILE);
        if i.product.addresses.is_empty() {
            let message = "no [study] addresses: the portfolio counts this study's product as addressing no need";
            warnings.push(Diagnostic::warning(Location::new(&config, None), message));
        }
        for code in i.product.addresses.iter().filter(|c| !known.contains(c.as_str())) {
            let message = format!("[study] addresses {code:?}, a code no study of the portfolio has evidence of");
            warnings.push(Diagnostic::warning(Location::new(&config, None), message));
        }
    }
    observer.diagnostics(&warnings);
    Ok(inputs)
}

/// Reads a portfolio file: one study folder a line, relative to the file's folder; blank lines
/// and lines starting with `#` are skipped.
pub fn read_list(file: &Path) -> Result<Vec<PathBuf>> {
    let bytes = crate::fsutil::read_regular(file, 1 << 20).map_err(|e| Error::io(file, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Invalid(format!("{}: not UTF-8 text (one study folder a line)", file.display())))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let studies: Vec<PathBuf> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| base.join(l)).collect();
    if studies.is_empty() {
        return Err(Error::Invalid(format!("{}: lists no study folder (one a line)", file.display())));
    }
    Ok(studies)
}

/// The portfolio across studies.
#[derive(Debug, Clone, Serialize)]
pub struct Portfolio {
    /// The studies, in the order given.
    pub studies: Vec<StudyEntry>,
    /// See [`MATCH_SIMILARITY`].
    pub match_similarity: f64,
    /// Prevalence at which a code counts as prevalent for a persona (the reports' golden
    /// threshold).
    pub prevalent: f64,
    /// Personas across the portfolio, those in most studies first.
    pub personas: Vec<PortfolioPersona>,
    /// A persona's need that no study's product addresses.
    pub gaps: Vec<Gap>,
    /// A persona's need that several studies' products address.
    pub overlaps: Vec<Overlap>,
}

/// A study of the portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct StudyEntry {
    /// Study title.
    pub title: String,
    /// Folder as given.
    pub path: String,
    /// Product name (`[study] product`, else the title).
    pub product: String,
    /// Codes its product addresses (`[study] addresses`).
    pub addresses: Vec<String>,
    /// Interviews in its report.
    pub interviews: usize,
    /// Interviews coded to bring it up to date (0 when unchanged since its last run).
    pub coded: usize,
}

/// How a study's persona joined a portfolio persona.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Matched {
    /// The first study with this persona.
    First,
    /// The same name.
    Name,
    /// Its centred code profile, with this cosine similarity.
    Profile {
        /// Cosine similarity.
        similarity: f64,
    },
}

/// A persona across studies.
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioPersona {
    /// The name of its first appearance.
    pub name: String,
    /// In several studies: a golden persona.
    pub golden: bool,
    /// Its appearance in each study.
    pub studies: Vec<Appearance>,
    /// Codes prevalent for it in every study it appears in.
    pub shared: Vec<String>,
    /// Its needs (need codes prevalent for it in any study) and the products addressing each.
    pub needs: Vec<Need>,
}

/// A persona in one study.
#[derive(Debug, Clone, Serialize)]
pub struct Appearance {
    /// Index into [`Portfolio::studies`].
    pub study: usize,
    /// The persona's name there.
    pub name: String,
    /// Its interviews there.
    pub interviews: usize,
    /// How it was matched.
    pub matched: Matched,
    /// Codes prevalent for it here and in no other study's appearance.
    pub only_here: Vec<String>,
    /// Codes prevalent for it in every other study but not here.
    pub missing_here: Vec<String>,
}

/// A need of a persona.
#[derive(Debug, Clone, Serialize)]
pub struct Need {
    /// `need.name`.
    pub code: String,
    /// Label.
    pub label: String,
    /// Highest prevalence for the persona across its studies.
    pub prevalence: f64,
    /// Products addressing it.
    pub products: Vec<String>,
}

/// A persona's need no product addresses.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// The persona.
    pub persona: String,
    /// `need.name`.
    pub code: String,
    /// Label.
    pub label: String,
    /// Highest prevalence for the persona.
    pub prevalence: f64,
}

/// A persona's need several products address.
#[derive(Debug, Clone, Serialize)]
pub struct Overlap {
    /// The persona.
    pub persona: String,
    /// `need.name`.
    pub code: String,
    /// Label.
    pub label: String,
    /// The products.
    pub products: Vec<String>,
}

fn key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Matches the studies' personas and finds the portfolio's gaps and overlaps.
pub fn build(inputs: &[Input]) -> Portfolio {
    let prevalent = inputs.first().map_or(0.5, |i| i.report.thresholds.golden_prevalence);
    let studies: Vec<StudyEntry> = inputs
        .iter()
        .map(|i| StudyEntry {
            title: i.report.study.clone(),
            path: i.path.display().to_string(),
            product: i.product.product.clone().unwrap_or_else(|| i.report.study.clone()),
            addresses: i.product.addresses.clone(),
            interviews: i.report.interviews,
            coded: i.coded,
        })
        .collect();
    // Every persona of every study: (study, persona index).
    let all: Vec<(usize, usize)> = inputs
        .iter()
        .enumerate()
        .flat_map(|(s, i)| {
            i.report.personas.iter().enumerate().filter(|(_, p)| p.name != UNASSIGNED).map(move |(p, _)| (s, p))
        })
        .collect();
    let persona = |(s, p): (usize, usize)| &inputs[s].report.personas[p];
    let codes: BTreeSet<&str> = all.iter().flat_map(|&m| persona(m).codes.iter().map(|c| c.code.as_str())).collect();
    // Each study's prevalence of each code over all its interviews: what its personas deviate from.
    let study_mean: Vec<BTreeMap<&str, f64>> = inputs
        .iter()
        .map(|i| {
            let n = i.report.personas.iter().map(|p| p.interviews).sum::<usize>().max(1) as f64;
            let mean =
                |c: &str| i.report.personas.iter().map(|p| p.interviews as f64 * p.prevalence(c)).sum::<f64>() / n;
            codes.iter().map(|&c| (c, mean(c))).collect()
        })
        .collect();
    let profile = |m: (usize, usize)| -> Vec<f64> {
        codes.iter().map(|&c| persona(m).prevalence(c) - study_mean[m.0][c]).collect()
    };
    let profiles: BTreeMap<(usize, usize), Vec<f64>> = all.iter().map(|&m| (m, profile(m))).collect();

    // Clusters of (study, persona, how matched).
    let mut clusters: Vec<Vec<((usize, usize), Matched)>> = Vec::new();
    for (s, _) in inputs.iter().enumerate() {
        let mine: Vec<(usize, usize)> = all.iter().copied().filter(|m| m.0 == s).collect();
        let mut unmatched = Vec::new();
        for m in mine {
            let named = clusters.iter().position(|c| {
                c.iter().all(|(o, _)| o.0 != s)
                    && c.iter().any(|(o, _)| key(&persona(*o).name) == key(&persona(m).name))
            });
            match named {
                Some(c) => clusters[c].push((m, Matched::Name)),
                None => unmatched.push(m),
            }
        }
        // The most similar pairs first, each persona and cluster taken once.
        let mut pairs: Vec<(f64, (usize, usize), usize)> = Vec::new();
        for &m in &unmatched {
            for (c, cluster) in clusters.iter().enumerate() {
                if cluster.iter().any(|(o, _)| o.0 == s) {
                    continue;
                }
                let similarity =
                    cluster.iter().map(|(o, _)| cosine(&profiles[&m], &profiles[o])).fold(f64::MIN, f64::max);
                if similarity >= MATCH_SIMILARITY {
                    pairs.push((similarity, m, c));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let (mut taken, mut filled) = (BTreeSet::new(), BTreeSet::new());
        for (similarity, m, c) in pairs {
            if taken.contains(&m) || filled.contains(&c) {
                continue;
            }
            taken.insert(m);
            filled.insert(c);
            clusters[c].push((m, Matched::Profile { similarity: (similarity * 1000.0).round() / 1000.0 }));
        }
        for m in unmatched.into_iter().filter(|m| !taken.contains(m)) {
            clusters.push(vec![(m, Matched::First)]);
        }
    }
    clusters.sort_by_key(|c| std::cmp::Reverse(c.len()));

    let label = |code: &str| {
        inputs
            .iter()
            .flat_map(|i| &i.report.codebook)
            .find(|c| c.code == code)
            .map_or_else(|| code.to_string(), |c| c.label.clone())
    };
    let stated = |code: &str| {
        STATED.contains(&code)
            || inputs
                .iter()
                .flat_map(|i| &i.report.codebook)
                .any(|c| c.code == code && STATED.contains(&c.parent.as_str()))
    };
    let products = studies_products(inputs);
    let (mut gaps, mut overlaps) = (Vec::new(), Vec::new());
    let personas = clusters
        .into_iter()
        .map(|cluster| {
            let name = persona(cluster[0].0).name.clone();
            let prevalent_in = |m: (usize, usize)| -> BTreeSet<&str> {
                persona(m).codes.iter().filter(|c| c.prevalence >= prevalent).map(|c| c.code.as_str()).collect()
            };
            let sets: Vec<BTreeSet<&str>> = cluster.iter().map(|(m, _)| prevalent_in(*m)).collect();
            let shared: Vec<String> = if cluster.len() > 1 {
                sets[0].iter().filter(|c| sets.iter().all(|s| s.contains(*c))).map(|c| c.to_string()).collect()
            } else {
                Vec::new()
            };
            let studies = cluster
                .iter()
                .enumerate()
                .map(|(k, &(m, matched))| {
                    let others: Vec<&BTreeSet<&str>> =
                        sets.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, s)| s).collect();
                    let (only_here, missing_here) = if others.is_empty() {
                        (Vec::new(), Vec::new())
                    } else {
                        let only = sets[k].iter().filter(|c| others.iter().all(|o| !o.contains(*c)));
                        let union: BTreeSet<&str> = others.iter().flat_map(|o| o.iter().copied()).collect();
                        let missing =
                            union.into_iter().filter(|c| others.iter().all(|o| o.contains(c)) && !sets[k].contains(c));
                        (only.map(|c| c.to_string()).collect(), missing.map(String::from).collect())
                    };
                    Appearance {
                        study: m.0,
                        name: persona(m).name.clone(),
                        interviews: persona(m).interviews,
                        matched,
                        only_here,
                        missing_here,
                    }
                })
                .collect();
            let mut needs: BTreeMap<&str, f64> = BTreeMap::new();
            for &(m, _) in &cluster {
                for c in persona(m).codes.iter().filter(|c| c.family == "need" && c.prevalence >= prevalent) {
                    let p = needs.entry(c.code.as_str()).or_default();
                    *p = p.max(c.prevalence);
                }
            }
            let needs: Vec<Need> = needs
                .into_iter()
                .filter(|(code, _)| !stated(code))
                .map(|(code, prevalence)| Need {
                    code: code.to_string(),
                    label: label(code),
                    prevalence,
                    products: studies_addressing(&products, code),
                })
                .collect();
            for n in &needs {
                match n.products.len() {
                    0 => gaps.push(Gap {
                        persona: name.clone(),
                        code: n.code.clone(),
                        label: n.label.clone(),
                        prevalence: n.prevalence,
                    }),
                    1 => {}
                    _ => overlaps.push(Overlap {
                        persona: name.clone(),
                        code: n.code.clone(),
                        label: n.label.clone(),
                        products: n.products.clone(),
                    }),
                }
            }
            PortfolioPersona { name, golden: cluster.len() > 1, studies, shared, needs }
        })
        .collect();
    Portfolio { studies, match_similarity: MATCH_SIMILARITY, prevalent, personas, gaps, overlaps }
}

/// Each study's product name and the codes it addresses.
fn studies_products(inputs: &[Input]) -> Vec<(String, &[String])> {
    inputs
        .iter()
        .map(|i| (i.product.product.clone().unwrap_or_else(|| i.report.study.clone()), i.product.addresses.as_slice()))
        .collect()
}

fn studies_addressing(products: &[(String, &[String])], code: &str) -> Vec<String> {
    let mut out: Vec<String> =
        products.iter().filter(|(_, a)| a.iter().any(|c| c == code)).map(|(p, _)| p.clone()).collect();
    out.dedup();
    out
}

/// Cosine similarity; 0 when either vector is all zeros.
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        dot / n
    }
}

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn cosine_of_opposite_and_zero_profiles() {
        assert!((cosine(&[1.0, -1.0], &[2.0, -2.0]) - 1.0).abs() < 1e-12);
        assert!((cosine(&[1.0, -1.0], &[-1.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
