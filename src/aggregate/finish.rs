//! The end of the fold: the statistics (Fisher's exact test with Benjamini–Hochberg q-values for
//! code differences, weighted log-odds for words), golden themes, saturation and the quotes.

use super::*;

impl Aggregator<'_> {
    /// Computes the statistics and selects the quotes. A resumed fold is [settled](Aggregator::settle)
    /// first if it was not (on this thread, and without saying whether counts were missing).
    pub fn finish(mut self, study: &str) -> Aggregates {
        if self.groups.values().any(|g| g.follows.is_some()) {
            self.settle(|merges| merges.into_iter().for_each(TermMerge::run));
        }
        let codes = self.lexicon.codes();
        let totals: HashMap<usize, usize> = {
            let mut t = HashMap::new();
            for g in self.groups.values() {
                for (c, acc) in &g.codes {
                    *t.entry(*c).or_default() += acc.interviews;
                }
            }
            t
        };
        let distinct = self.groups.values().map(|g| g.words.len()).sum();
        let mut corpus_words: FxHashMap<&str, u64> = FxHashMap::with_capacity_and_hasher(distinct, Default::default());
        let mut corpus_total = 0u64;
        for g in self.groups.values() {
            corpus_total += g.words.words;
            for t in g.words.iter() {
                *corpus_words.entry(t.key()).or_default() += t.count();
            }
        }
        // Each group's statistics on its own thread: they only read.
        let groups: Vec<(&String, &GroupAcc)> = self.groups.iter().collect();
        let persona = |&(name, g): &(&String, &GroupAcc)| -> Persona {
            let n = g.interviews;
            let rest_n = self.interviews - n;
            let mut code_stats: Vec<CodeStats> = g
                .codes
                .iter()
                .map(|(&c, acc)| {
                    let mut candidates = acc.candidates.clone();
                    sort_quotes(&mut candidates);
                    CodeStats {
                        code: codes[c].id.to_string(),
                        family: codes[c].family(),
                        label: codes[c].label.clone(),
                        weak: codes[c].weight < crate::code::FAMILY_THRESHOLD,
                        interviews: acc.interviews,
                        prevalence: ratio(acc.interviews, n),
                        mentions: acc.mentions,
                        negated: acc.negated,
                        prompted: acc.prompted,
                        hedged: ratio(acc.hedged, acc.mentions),
                        quotes: candidates,
                    }
                })
                .collect();
            code_stats.sort_by(|a, b| {
                b.interviews.cmp(&a.interviews).then(b.mentions.cmp(&a.mentions)).then(a.code.cmp(&b.code))
            });
            let distinctive_codes =
                if rest_n > 0 { distinctive_codes(codes, g, &totals, n, rest_n) } else { Vec::new() };
            let min_p_value =
                if rest_n > 0 { stats::fisher_exact(n as u64, 0, 0, rest_n as u64).p_two_sided } else { 1.0 };
            let terms = if rest_n > 0 { distinctive_terms(g, &corpus_words, corpus_total) } else { Vec::new() };
            let families: Vec<FamilyStats> = Family::ALL
                .iter()
                .map(|&f| {
                    let k = g.families.get(&f).copied().unwrap_or(0);
                    FamilyStats { family: f, interviews: k, prevalence: ratio(k, n) }
                })
                .collect();
            let gaps = families.iter().filter(|f| f.interviews == 0).map(|f| f.family).collect();
            // One passage once, different interviews first.
            let mut known_unknowns: Vec<Quote> = Vec::new();
            let candidates =
                code_stats.iter().filter(|c| c.family == Family::Uncertainty).flat_map(|c| c.quotes.iter());
            for fresh_only in [true, false] {
                for q in candidates.clone() {
                    let seen = |k: &Quote| k.interview == q.interview && (fresh_only || k.passage == q.passage);
                    if known_unknowns.len() < 6 && !known_unknowns.iter().any(seen) {
                        known_unknowns.push(q.clone());
                    }
                }
            }
            Persona {
                name: name.clone(),
                interviews: n,
                passages: g.passages,
                families,
                codes: code_stats,
                distinctive: Distinctive {
                    codes: distinctive_codes,
                    terms,
                    small_sample: n < SMALL_SAMPLE || rest_n < SMALL_SAMPLE || min_p_value >= DIFFERENCE_Q,
                    min_p_value,
                },
                jobs: g.jobs.clone(),
                gaps,
                known_unknowns,
                saturation: saturation(&g.order),
                journey: g.journey.stages(self.lexicon, n),
                buying_unit: g.buying.roles(self.lexicon, n),
            }
        };
        let personas: Vec<Persona> = groups.par_iter().map(persona).collect();
        let buying_map = buying::unit_map(self.lexicon, &self.groups);
        let all_passages: usize = self.groups.values().map(|g| g.passages).sum();
        let share: HashMap<String, f64> =
            self.code_passages.iter().map(|(&c, &k)| (codes[c].id.to_string(), ratio(k, all_passages))).collect();
        let golden = golden(&personas, &share);
        let brief = brief::build(&personas, &groups, codes, &self.by, &share);
        let mut cooccurrence: Vec<Cooccurrence> = self
            .pairs
            .iter()
            .map(|(&(a, b), &count)| {
                let either = self.code_passages[&a] + self.code_passages[&b] - count;
                Cooccurrence {
                    a: codes[a].id.to_string(),
                    b: codes[b].id.to_string(),
                    count,
                    jaccard: ratio(count, either),
                }
            })
            .collect();
        cooccurrence.sort_by(|x, y| y.count.cmp(&x.count).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
        cooccurrence.truncate(25);
        let used: BTreeSet<usize> = self.groups.values().flat_map(|g| g.codes.keys().copied()).collect();
        let codebook = used
            .into_iter()
            .map(|c| CodebookEntry {
                code: codes[c].id.to_string(),
                family: codes[c].family(),
                parent: codes[c].parent.to_string(),
                label: codes[c].label.clone(),
                description: codes[c].description.clone(),
            })
            .collect();
        Aggregates {
            study: study.to_string(),
            group_by: self.by,
            lexicon: self.lexicon.fingerprint().to_string(),
            interviews: self.interviews,
            personas,
            golden,
            cooccurrence,
            codebook,
            buying_map,
            brief,
            thresholds: Thresholds {
                difference_q: DIFFERENCE_Q,
                distinctive_z: DISTINCTIVE_Z,
                small_sample: SMALL_SAMPLE,
                golden_prevalence: GOLDEN_PREVALENCE,
                term_min_interviews: TERM_MIN_INTERVIEWS,
            },
            changes: None,
        }
    }
}

/// Best quote first; ties by interview id, so the choice does not depend on the order interviews came in.
pub(super) fn sort_quotes(quotes: &mut [Quote]) {
    quotes.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.interview.cmp(&b.interview)));
}

pub(super) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Fisher's exact test per code with evidence anywhere in the study, this group against the
/// rest, with Benjamini–Hochberg q-values over all of them (codes with equal prevalence count as
/// tests too). Gives the codes whose prevalence differs, most significant first.
pub(super) fn distinctive_codes(
    codes: &[crate::lexicon::Code],
    g: &GroupAcc,
    totals: &HashMap<usize, usize>,
    n: usize,
    rest_n: usize,
) -> Vec<DistinctiveCode> {
    let mut tested: Vec<(usize, u64, u64, f64)> = totals
        .iter()
        .filter(|(_, &total)| total > 0)
        .map(|(&c, &total)| {
            let a = g.codes.get(&c).map_or(0, |acc| acc.interviews) as u64;
            let cc = (total as u64).saturating_sub(a);
            let f = stats::fisher_exact(a, (n as u64).saturating_sub(a), cc, (rest_n as u64).saturating_sub(cc));
            (c, a, cc, f.p_two_sided)
        })
        .collect();
    tested.sort_by_key(|t| t.0);
    let q = stats::benjamini_hochberg(&tested.iter().map(|t| t.3).collect::<Vec<_>>());
    let mut out: Vec<DistinctiveCode> = tested
        .iter()
        .zip(q)
        .filter_map(|(&(c, a, cc, p), q)| {
            let prevalence = ratio(a as usize, n);
            let rest_prevalence = ratio(cc as usize, rest_n);
            if prevalence == rest_prevalence {
                return None;
            }
            let (b, d) = ((n as u64).saturating_sub(a), (rest_n as u64).saturating_sub(cc));
            Some(DistinctiveCode {
                code: codes[c].id.to_string(),
                interviews: a as usize,
                prevalence,
                rest_interviews: cc as usize,
                rest_prevalence,
                p_value: p,
                q_value: q,
                log_odds_ratio: stats::haldane_log_odds_ratio(a, b, cc, d),
                significant: q < DIFFERENCE_Q,
                direction: if prevalence > rest_prevalence { Direction::Higher } else { Direction::Lower },
            })
        })
        .collect();
    out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.code.cmp(&b.code)));
    out.truncate(20);
    out
}

pub(super) fn distinctive_terms(
    g: &GroupAcc,
    corpus: &FxHashMap<&str, u64>,
    corpus_total: u64,
) -> Vec<DistinctiveTerm> {
    let n_i = g.words.words;
    let n_j = corpus_total.saturating_sub(n_i);
    if n_i == 0 || n_j == 0 {
        return Vec::new();
    }
    // Prior: the whole study's word distribution, scaled to a tenth of its size.
    let a0 = corpus_total as f64 * 0.1;
    let mut out: Vec<DistinctiveTerm> = g
        .words
        .iter()
        .filter(|t| {
            t.count() >= 3
                && t.interviews() >= TERM_MIN_INTERVIEWS
                && (t.key().contains(' ') || is_content_word(t.key()))
        })
        .map(|t| {
            let (w, y_i) = (t.key(), t.count());
            let total = corpus.get(w).copied().unwrap_or(y_i);
            let a_w = stats::informative_prior(total, corpus_total, a0);
            let lo = stats::log_odds_dirichlet(y_i, n_i, total - y_i, n_j, a_w, a0);
            DistinctiveTerm {
                term: t.form().to_string(),
                stem: w.to_string(),
                count: y_i,
                interviews: t.interviews(),
                log_odds: lo.delta,
                z: lo.z,
                p_value: stats::two_sided_p_from_z(lo.z),
            }
        })
        .filter(|t| t.z > DISTINCTIVE_Z)
        .collect();
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.term.cmp(&b.term)));
    out.truncate(15);
    out
}

pub(super) fn saturation(order: &[(String, BTreeSet<usize>)]) -> Saturation {
    let mut sorted: Vec<&(String, BTreeSet<usize>)> = order.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = BTreeSet::new();
    let (mut cumulative, mut new_codes) = (Vec::new(), Vec::new());
    for (_, codes) in &sorted {
        let before = seen.len();
        seen.extend(codes.iter().copied());
        new_codes.push(seen.len() - before);
        cumulative.push(seen.len());
    }
    let status = if sorted.len() < 4 {
        SaturationStatus::TooFew
    } else if new_codes[new_codes.len() - 2..].iter().all(|&n| n == 0) {
        SaturationStatus::Saturated
    } else {
        SaturationStatus::Climbing
    };
    Saturation {
        order: sorted.iter().map(|(k, _)| k.rsplit('\u{0}').next().unwrap_or(k).to_string()).collect(),
        cumulative,
        new_codes,
        status,
    }
}

/// The golden themes: codes that can code their family alone, reach [`GOLDEN_PREVALENCE`] in
/// every group and are specific (in less than [`GOLDEN_MAX_SHARE`] of the study's passages),
/// ranked by lowest prevalence × (1 − passage share), at most [`GOLDEN_MAX`]. `share` is each
/// code's share of the study's passages.
pub(super) fn golden(personas: &[Persona], share: &HashMap<String, f64>) -> Vec<Golden> {
    if personas.len() < 2 {
        return Vec::new();
    }
    let mut all: BTreeSet<&str> = BTreeSet::new();
    for p in personas {
        all.extend(p.codes.iter().filter(|c| !c.weak).map(|c| c.code.as_str()));
    }
    let mut out: Vec<Golden> = all
        .into_iter()
        .filter_map(|code| {
            let prevalence: Vec<f64> = personas
                .iter()
                .map(|p| p.codes.iter().find(|c| c.code == code).map_or(0.0, |c| c.prevalence))
                .collect();
            let min = prevalence.iter().copied().fold(f64::INFINITY, f64::min);
            let passage_share = share.get(code).copied().unwrap_or(0.0);
            let score = min * (1.0 - passage_share);
            (min >= GOLDEN_PREVALENCE && passage_share < GOLDEN_MAX_SHARE).then(|| Golden {
                code: code.to_string(),
                min_prevalence: min,
                prevalence,
                passage_share,
                score,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.code.cmp(&b.code)));
    out.truncate(GOLDEN_MAX);
    out
}
