//! Lexicon terms learned from the researcher's coding: takes participant passages (their
//! words, analyzed) labelled by whether the researcher gave them a code, gives the terms that
//! tell those passages from the rest, a lexicon of them, and how well that lexicon reproduces
//! the code on interviews it was not learned from.
//!
//! **Scoring** is the weighted log-odds ratio with an informative prior of Monroe, Colaresi and
//! Quinn (2008, "Fightin' Words"), over passages rather than word tokens: a lexicon codes a
//! passage when a term occurs in it at all, so what matters is in how many coded and uncoded
//! passages a term occurs, not how often one talkative answer repeats it. Per term the presence
//! in a coded passage and in an uncoded one are two Bernoulli rates; their prior is a Beta (the
//! two-outcome Dirichlet) centred on the term's rate in all passages, worth [`PRIOR_PASSAGES`]
//! passages. The score is the difference of the smoothed log-odds over its standard error (a
//! z-score): rare terms seen twice in coded passages do not outrank frequent ones that are
//! reliably more common there, which raw log-odds and PMI do.
//!
//! **The lexicon** is built by forward selection over the best-scored terms: the term that most
//! raises F1 on the training passages is added, while it raises it by [`MIN_GAIN`] and up to
//! [`MAX_TERMS`] terms. **Cross-validation** splits by interview, never within one: a term is
//! only worth its held-out precision on people it has not heard.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::agree::Table;
use crate::aggregate::is_content_word;
use crate::analyze::{Analysis, TokenKind};

/// Weight of the prior, in passages.
pub const PRIOR_PASSAGES: f64 = 20.0;
/// A term must reach this score to be suggested (two-sided 5%).
pub const MIN_Z: f64 = 1.96;
/// A term must occur in at least this many coded passages to be suggested.
pub const MIN_CODED_HITS: usize = 2;
/// The largest lexicon forward selection builds.
pub const MAX_TERMS: usize = 25;
/// The smallest gain in training F1 that adds a term.
pub const MIN_GAIN: f64 = 0.005;
/// Candidates forward selection considers (best scored first).
const CANDIDATES: usize = 200;
/// Below this many coded passages a code is not judged.
pub const MIN_CODED: usize = 5;
/// Below this many coded passages a code a lexicon fails on is not judged either: half of a few
/// passages is too little to learn from.
pub const MIN_CODED_TO_FAIL: usize = 15;

/// A term's shape, as the lexicon syntax writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// One word (any word with its stem).
    Word,
    /// Two words in a row.
    Phrase,
    /// Two words with up to two others between (`a ~2 b`).
    Gapped,
}

/// The terms seen in a set of passages.
#[derive(Debug, Default)]
pub struct Terms {
    keys: HashMap<(Shape, String), u32>,
    shapes: Vec<Shape>,
    /// Per term, its surface forms and how often each was seen.
    surfaces: Vec<HashMap<String, u32>>,
}

impl Terms {
    /// The ids of the terms of one passage, sorted, each once.
    pub fn of(&mut self, analysis: &Analysis) -> Vec<u32> {
        let mut out = Vec::new();
        let mut clause: Vec<(&str, &str)> = Vec::new();
        let mut flush = |clause: &mut Vec<(&str, &str)>, out: &mut Vec<u32>| {
            for i in 0..clause.len() {
                let (stem, norm) = clause[i];
                let content = is_content_word(stem) && usable(norm);
                if content && norm.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
                    out.push(self.id(Shape::Word, stem.to_string(), norm.to_string()));
                }
                if let Some(&(next, next_norm)) = clause.get(i + 1) {
                    if usable(norm) && usable(next_norm) && (content || is_content_word(next)) {
                        out.push(self.id(Shape::Phrase, format!("{stem} {next}"), format!("{norm} {next_norm}")));
                    }
                }
                for gap in [2, 3] {
                    if let Some(&(far, far_norm)) = clause.get(i + gap) {
                        if content && is_content_word(far) && usable(far_norm) {
                            out.push(self.id(
                                Shape::Gapped,
                                format!("{stem} ~ {far}"),
                                format!("{norm} ~2 {far_norm}"),
                            ));
                        }
                    }
                }
            }
            clause.clear();
        };
        for token in &analysis.tokens {
            match token.kind {
                TokenKind::Word => clause.push((analysis.stem(token), analysis.norm(token))),
                _ => flush(&mut clause, &mut out),
            }
        }
        flush(&mut clause, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    fn id(&mut self, shape: Shape, key: String, surface: String) -> u32 {
        let next = self.shapes.len() as u32;
        let id = *self.keys.entry((shape, key)).or_insert(next);
        if id == next {
            self.shapes.push(shape);
            self.surfaces.push(HashMap::new());
        }
        *self.surfaces[id as usize].entry(surface).or_default() += 1;
        id
    }

    /// The term as a lexicon term: its most frequent surface form (ties: the first in order).
    pub fn text(&self, id: u32) -> String {
        let forms = &self.surfaces[id as usize];
        let best = forms.values().copied().max().unwrap_or(0);
        forms.iter().filter(|(_, &n)| n == best).map(|(s, _)| s.clone()).min().unwrap_or_default()
    }

    /// The term's shape.
    pub fn shape(&self, id: u32) -> Shape {
        self.shapes[id as usize]
    }
}

/// A word the lexicon syntax can take as written (no operator characters).
fn usable(norm: &str) -> bool {
    !norm.is_empty() && !norm.contains(['=', '/', '*', '@', '~', '"', '\\']) && norm.chars().any(char::is_alphabetic)
}

/// One passage to learn from or test on.
#[derive(Debug, Clone)]
pub struct Example {
    /// The interview it is from.
    pub interview: String,
    /// Its terms ([`Terms::of`]).
    pub terms: Vec<u32>,
    /// Whether the researcher coded it.
    pub coded: bool,
}

/// A term's score on a set of passages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// The term.
    pub term: u32,
    /// Weighted log-odds z-score.
    pub z: f64,
    /// Passages it occurs in.
    pub hits: usize,
    /// Coded passages it occurs in.
    pub coded_hits: usize,
}

impl Score {
    /// The share of its passages that are coded.
    pub fn precision(&self) -> f64 {
        if self.hits == 0 {
            0.0
        } else {
            self.coded_hits as f64 / self.hits as f64
        }
    }
}

/// Every term of `examples` that occurs in a coded passage, scored, best first.
pub fn score(examples: &[&Example]) -> Vec<Score> {
    let coded_n = examples.iter().filter(|e| e.coded).count() as f64;
    let other_n = examples.len() as f64 - coded_n;
    let mut counts: HashMap<u32, (usize, usize)> = HashMap::new();
    for e in examples {
        for &t in &e.terms {
            let c = counts.entry(t).or_default();
            if e.coded {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
    }
    let mut out: Vec<Score> = counts
        .into_iter()
        .filter(|(_, (coded, _))| *coded > 0)
        .map(|(term, (coded, other))| {
            let rate = (coded + other) as f64 / (coded_n + other_n);
            let (a, b) = (PRIOR_PASSAGES * rate, PRIOR_PASSAGES * (1.0 - rate));
            let (y1, y0) = (coded as f64, other as f64);
            let log_odds = |y: f64, n: f64| ((y + a) / (n - y + b)).ln();
            let delta = log_odds(y1, coded_n) - log_odds(y0, other_n);
            let variance = 1.0 / (y1 + a) + 1.0 / (coded_n - y1 + b) + 1.0 / (y0 + a) + 1.0 / (other_n - y0 + b);
            Score { term, z: delta / variance.sqrt(), hits: coded + other, coded_hits: coded }
        })
        .collect();
    out.sort_by(|x, y| y.z.total_cmp(&x.z).then(x.term.cmp(&y.term)));
    out
}

/// What one training set gives: every term scored and the lexicon chosen from them.
#[derive(Debug, Clone)]
pub struct Learned {
    /// Every term seen in a coded passage, best first.
    pub scores: Vec<Score>,
    /// The lexicon, in the order terms were added.
    pub lexicon: Vec<u32>,
}

/// Learns a lexicon from `examples`.
pub fn learn(examples: &[&Example]) -> Learned {
    let scores = score(examples);
    let candidates: Vec<&Score> =
        scores.iter().filter(|s| s.z >= MIN_Z && s.coded_hits >= MIN_CODED_HITS).take(CANDIDATES).collect();
    let coded_total = examples.iter().filter(|e| e.coded).count();
    // Passages (by index) each candidate occurs in.
    let mut hits: HashMap<u32, Vec<usize>> = candidates.iter().map(|s| (s.term, Vec::new())).collect();
    for (i, e) in examples.iter().enumerate() {
        for t in &e.terms {
            if let Some(h) = hits.get_mut(t) {
                h.push(i);
            }
        }
    }
    let mut covered = vec![false; examples.len()];
    let (mut tp, mut fp) = (0usize, 0usize);
    let f1 = |tp: usize, fp: usize| {
        let d = tp + fp + coded_total;
        if d == 0 {
            0.0
        } else {
            2.0 * tp as f64 / d as f64
        }
    };
    let mut lexicon = Vec::new();
    while lexicon.len() < MAX_TERMS {
        let mut best: Option<(f64, u32, usize, usize)> = None;
        for s in &candidates {
            if lexicon.contains(&s.term) {
                continue;
            }
            let (mut t, mut f) = (tp, fp);
            for &i in &hits[&s.term] {
                if !covered[i] {
                    if examples[i].coded {
                        t += 1;
                    } else {
                        f += 1;
                    }
                }
            }
            let gain = f1(t, f) - f1(tp, fp);
            if best.is_none_or(|b| gain > b.0) {
                best = Some((gain, s.term, t, f));
            }
        }
        let Some((gain, term, t, f)) = best else { break };
        if gain < MIN_GAIN {
            break;
        }
        for &i in &hits[&term] {
            covered[i] = true;
        }
        (tp, fp) = (t, f);
        lexicon.push(term);
    }
    Learned { scores, lexicon }
}

/// Whether a lexicon codes a passage.
pub fn codes(lexicon: &[u32], example: &Example) -> bool {
    lexicon.iter().any(|t| example.terms.binary_search(t).is_ok())
}

/// One train/test split by interview.
#[derive(Debug, Clone)]
pub struct Split {
    /// What to call it (`1-10 → 11-19`, `fold 2 of 5`).
    pub name: String,
    /// The interviews learned from; the others are tested on.
    pub train: BTreeSet<String>,
}

/// A split's outcome on its held-out interviews.
#[derive(Debug, Clone)]
pub struct Tested {
    /// The split.
    pub name: String,
    /// The learned lexicon against the researcher.
    pub lexicon: Table,
    /// Coding every passage (the always-yes baseline) against the researcher.
    pub always_yes: Table,
}

/// How a term fared held out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldOut {
    /// Splits whose lexicon took it.
    pub splits: usize,
    /// Held-out passages it occurred in, in those splits.
    pub hits: usize,
    /// Of those, coded ones.
    pub coded_hits: usize,
}

/// Cross-validation of a code's lexicon over `splits`.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Each split.
    pub splits: Vec<Tested>,
    /// Per term, over every split whose lexicon took it.
    pub terms: BTreeMap<u32, HeldOut>,
}

impl Validated {
    /// The splits' tables added up: (lexicon, always yes).
    pub fn pooled(&self) -> (Table, Table) {
        let mut sum = (Table::default(), Table::default());
        for s in &self.splits {
            for (into, from) in [(&mut sum.0, &s.lexicon), (&mut sum.1, &s.always_yes)] {
                into.both += from.both;
                into.pith_only += from.pith_only;
                into.human_only += from.human_only;
                into.neither += from.neither;
            }
        }
        sum
    }
}

/// Learns on each split's training interviews and tests on the rest.
pub fn validate(examples: &[Example], splits: &[Split]) -> Validated {
    let mut out = Validated { splits: Vec::new(), terms: BTreeMap::new() };
    for split in splits {
        let (train, test): (Vec<&Example>, Vec<&Example>) =
            examples.iter().partition(|e| split.train.contains(&e.interview));
        let learned = learn(&train);
        let (mut lexicon, mut always_yes) = (Table::default(), Table::default());
        for e in &test {
            lexicon.add(codes(&learned.lexicon, e), e.coded);
            always_yes.add(true, e.coded);
        }
        for &t in &learned.lexicon {
            let h = out.terms.entry(t).or_default();
            h.splits += 1;
            for e in test.iter().filter(|e| e.terms.binary_search(&t).is_ok()) {
                h.hits += 1;
                h.coded_hits += usize::from(e.coded);
            }
        }
        out.splits.push(Tested { name: split.name.clone(), lexicon, always_yes });
    }
    out
}

/// `k` splits by interview: sorted (numbers in names as numbers), the i-th held out in split
/// `i mod k`.
pub fn folds(interviews: &BTreeSet<String>, k: usize) -> Vec<Split> {
    let mut sorted: Vec<&String> = interviews.iter().collect();
    sorted.sort_by_key(|a| natural(a));
    let k = k.clamp(1, sorted.len().max(1));
    (0..k)
        .map(|fold| Split {
            name: format!("fold {} of {k}", fold + 1),
            train: sorted.iter().enumerate().filter(|(i, _)| i % k != fold).map(|(_, s)| (*s).clone()).collect(),
        })
        .collect()
}

/// A sort key that orders `p2` before `p10`.
pub fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((std::mem::take(&mut text), digits.parse().unwrap_or(u64::MAX)));
                digits.clear();
            }
            text.push(c);
        }
    }
    out.push((text, if digits.is_empty() { 0 } else { digits.parse().unwrap_or(u64::MAX) }));
    out
}

/// What cross-validation says of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Fewer than [`MIN_CODED`] coded passages, or fewer than [`MIN_CODED_TO_FAIL`] and not
    /// reproduced: nothing to judge by.
    TooFew,
    /// Held-out kappa of at least 0.4 (moderate agreement or better).
    Reproduced,
    /// Held-out kappa from 0.2 to 0.4: a lexicon finds some of it.
    Partly,
    /// Held-out kappa under 0.2: words alone do not say it; usually a stance or judgement.
    NotByWords,
}

impl Verdict {
    /// The verdict for held-out agreement `table` with `coded` coded passages in all.
    pub fn of(table: &Table, coded: usize) -> Verdict {
        if coded < MIN_CODED {
            return Verdict::TooFew;
        }
        match table.kappa().unwrap_or(0.0) {
            k if k >= 0.4 => Verdict::Reproduced,
            k if k >= 0.2 => Verdict::Partly,
            _ if coded < MIN_CODED_TO_FAIL => Verdict::TooFew,
            _ => Verdict::NotByWords,
        }
    }

    /// A sentence for the researcher.
    pub fn says(self) -> &'static str {
        match self {
            Verdict::TooFew => "too few coded passages to tell",
            Verdict::Reproduced => "a lexicon reproduces it on interviews it did not learn from",
            Verdict::Partly => "a lexicon finds part of it; review its hits",
            Verdict::NotByWords => {
                "a lexicon cannot reproduce it: the words do not carry it (a stance or judgement code?)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    fn examples(passages: &[(&str, &str, bool)]) -> (Terms, Vec<Example>) {
        let analyzer = Analyzer::new(Language::English);
        let mut terms = Terms::default();
        let out = passages
            .iter()
            .map(|(i, text, coded)| Example {
                interview: i.to_string(),
                terms: terms.of(&analyzer.analyze(text)),
                coded: *coded,
            })
            .collect();
        (terms, out)
    }

    #[test]
    fn terms_are_stems_phrases_and_gapped_pairs_within_a_clause() {
        let (terms, e) = examples(&[("a", "Memory safety matters, really", false)]);
        let texts: BTreeSet<String> = e[0].terms.iter().map(|&t| terms.text(t)).collect();
        for want in ["memory", "safety", "memory safety", "memory ~2 matters", "matters"] {
            assert!(texts.contains(want), "{want} missing from {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.contains("matters really") || t.contains("matters ~2")), "{texts:?}");
    }

    #[test]
    fn a_term_of_the_coded_passages_outranks_one_of_every_passage() {
        let mut rows = Vec::new();
        for i in 0..30 {
            let coded = i % 3 == 0;
            let text = if coded { "the borrow checker keeps the code safe" } else { "we keep the code tidy" };
            rows.push(("a", text, coded));
        }
        let (terms, e) = examples(&rows);
        let refs: Vec<&Example> = e.iter().collect();
        let scores = score(&refs);
        let rank = |t: &str| scores.iter().position(|s| terms.text(s.term) == t).unwrap();
        assert!(rank("borrow") < rank("code"), "borrow ranks below code");
        let best = scores.iter().find(|s| terms.text(s.term) == "borrow").unwrap();
        assert_eq!((best.hits, best.coded_hits), (10, 10));
        assert!(best.z > MIN_Z);
        let learned = learn(&refs);
        assert_eq!(learned.lexicon.len(), 1, "one term codes every coded passage: {:?}", learned.lexicon);
    }

    #[test]
    fn cross_validation_tests_only_on_held_out_interviews() {
        // Only "trouble" is in every coded passage of interview a, so it is the lexicon learned
        // there; tested on b alone, it finds b's coded passages, which share no other word.
        let topics = ["borrow", "checker", "pointer", "alias", "layout"];
        let mut rows = Vec::new();
        for (i, topic) in topics.iter().cycle().take(20).enumerate() {
            let coded = format!("{topic} trouble");
            rows.push(("a".to_string(), coded, true));
            rows.push(("a".to_string(), format!("lunch plans {i}"), false));
            rows.push(("b".to_string(), format!("lifetime trouble {i}"), true));
            rows.push(("b".to_string(), format!("dinner plans {i}"), false));
        }
        let rows: Vec<(&str, &str, bool)> = rows.iter().map(|(i, t, c)| (i.as_str(), t.as_str(), *c)).collect();
        let (_, e) = examples(&rows);
        let split = Split { name: "a → b".into(), train: ["a".to_string()].into() };
        let v = validate(&e, &[split]);
        let t = &v.splits[0];
        assert_eq!(t.lexicon.total(), 40, "only b's passages are tested");
        assert_eq!(t.always_yes, Table { both: 20, pith_only: 20, human_only: 0, neither: 0 });
        assert_eq!(t.lexicon, Table { both: 20, pith_only: 0, human_only: 0, neither: 20 });
        assert_eq!(v.terms.len(), 1, "one term learned");
    }

    #[test]
    fn a_code_is_judged_only_on_enough_coded_passages() {
        let good = Table { both: 8, pith_only: 2, human_only: 2, neither: 88 };
        let bad = Table { both: 1, pith_only: 20, human_only: 19, neither: 60 };
        assert!(good.kappa().unwrap() > 0.4 && bad.kappa().unwrap() < 0.0);
        assert_eq!(Verdict::of(&good, 8), Verdict::Reproduced);
        assert_eq!(Verdict::of(&good, 4), Verdict::TooFew);
        assert_eq!(Verdict::of(&bad, 10), Verdict::TooFew);
        assert_eq!(Verdict::of(&bad, 20), Verdict::NotByWords);
    }

    #[test]
    fn folds_keep_interviews_whole_and_order_numbers_naturally() {
        let ids: BTreeSet<String> = (1..=19).map(|i| i.to_string()).collect();
        let f = folds(&ids, 5);
        assert_eq!(f.len(), 5);
        assert!(!f[0].train.contains("1") && !f[0].train.contains("6") && f[0].train.contains("2"));
        let held: usize = f.iter().map(|s| ids.len() - s.train.len()).sum();
        assert_eq!(held, 19, "each interview is held out once");
    }
}
