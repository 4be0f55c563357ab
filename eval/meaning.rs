//! Meaning beyond the lexicons' words, measured: a passage's pooled static token embedding
//! (`eval/distill.py`'s table of all-MiniLM-L6-v2 tokens) fed to a logistic regression per
//! family, fitted leave-one-source-out on the training sources only. Three uses are scored: the
//! regression alone, the rule OR the regression (a family coded when either says so), and the
//! embedding as extra features beside the rule's in one regression.

use std::fmt::Write as _;
use std::path::Path;

use pith::meaning::Embeddings;
use pith::model::Family;

use super::dense::Dense;
use super::{blank, counts, f1_interval, folds, print_sources, print_table, Counts, Scored, CORE};

/// The L2 penalty of every regression here (the embedding's dimensions unscaled, the rule's
/// features standardized).
const L2: f64 = 5e-4;

/// Prints the table rows of each text in the JSON list at `path`, one line per text.
pub fn print_tokens(embeddings: &Embeddings, path: &Path) -> Result<(), String> {
    let json = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let texts: Vec<String> = serde_json::from_str(&json).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for text in texts {
        rows.clear();
        embeddings.token_rows(&text, &mut rows);
        println!("{}", rows.iter().map(u32::to_string).collect::<Vec<_>>().join(" "));
    }
    Ok(())
}

/// How the regression's verdict is used.
#[derive(Clone, Copy, PartialEq)]
enum Use {
    Alone,
    OrRule,
    /// One regression over the rule's features and the embedding.
    Beside,
}

/// The OR's leave-one-source-out predictions, and the families whose F1 they raise over the
/// rule's: only those get a classifier in pith's meaning layer.
pub struct Or {
    loso: Vec<Scored>,
    /// The families the OR helps, in [`Family::ALL`] order.
    pub helped: Vec<Family>,
}

/// Scores the OR leave-one-source-out and picks the families it helps.
pub fn or_loso(scored: &[Scored]) -> Or {
    let loso = loso(scored, Use::OrRule, 1.0);
    let f1 = |s: &[Scored], f: Family| counts(s, 0..s.len(), &[f]).scores().2;
    let helped = Family::ALL.into_iter().filter(|&f| f1(&loso, f) > f1(scored, f)).collect();
    Or { loso, helped }
}

/// The rule's predictions, with the OR's for the `helped` families.
fn restrict(rule: &[Scored], or: &[Scored], helped: &[Family]) -> Vec<Scored> {
    let mut out = blank(rule);
    for ((o, r), x) in out.iter_mut().zip(rule).zip(or) {
        let from = |f: &Family| if helped.contains(f) { x } else { r };
        o.predicted = Family::ALL.into_iter().filter(|f| from(f).predicted.contains(f)).collect();
    }
    out
}

/// Prints the three uses' leave-one-source-out tables, then the meaning layer's (the OR on the
/// families it helps) with its sources and learning curve.
pub fn report(scored: &[Scored], or: &Or, dims: usize) {
    for (what, how) in [
        ("a regression over the pooled embedding alone", Use::Alone),
        ("the rule OR a regression over the pooled embedding", Use::OrRule),
        ("one regression over the rule's features and the pooled embedding", Use::Beside),
    ] {
        println!("\nMeaning beyond words ({dims} dims): {what}, leave-one-source-out:");
        if how == Use::OrRule {
            print_table(&or.loso);
        } else {
            print_table(&loso(scored, how, 1.0));
        }
    }
    let names: Vec<&str> = or.helped.iter().map(|f| f.as_str()).collect();
    println!(
        "\nThe meaning layer: the rule OR the regression on the families where that raises F1 ({}), \
         leave-one-source-out:",
        names.join(", ")
    );
    let layer = restrict(scored, &or.loso, &or.helped);
    print_table(&layer);
    print_sources(&layer);
    let all: Vec<usize> = (0..scored.len()).collect();
    let curve: Vec<String> = [0.25, 0.5, 1.0]
        .iter()
        .map(|&share| {
            let run = (share < 1.0).then(|| restrict(scored, &loso(scored, Use::OrRule, share), &or.helped));
            let (c, lo, hi) = f1_interval(run.as_deref().unwrap_or(&layer), &all, &CORE);
            format!("{:.0}%: {:.3} ({lo:.3}-{hi:.3})", share * 100.0, c.scores().2)
        })
        .collect();
    println!("learning curve (core micro-F1 by share of the training folds used): {}", curve.join(", "));
}

/// pith's meaning layer: the OR's regressions fitted on every development passage, as the text of
/// `lexicons/meaning/weights.txt` (a family a line: threshold, intercept, weights).
pub fn fit_weights(dev: &[Scored], families: &[Family]) -> String {
    let mut out = String::from(
        "# pith's meaning layer: per family, a logistic regression over a passage's pooled token embedding\n\
         # (lexicons/meaning/tokens.i8, L2-normalized mean of its tokens' rows). A family is coded where the\n\
         # probability reaches the threshold. Fitted by `cargo run --release --example eval -- --fit-meaning`\n\
         # on the development passages of eval/ (labels eval/labels/gold.jsonl): Newton's method, L2 penalty\n\
         # 5e-4, threshold the best F1 of the lexicon rule OR this regression on those passages. Only the\n\
         # families where the OR raises leave-one-source-out F1 over the rule alone have a line.\n\
         # family threshold intercept weights...\n",
    );
    let all: Vec<&Scored> = dev.iter().collect();
    for (fi, &family) in Family::ALL.iter().enumerate().filter(|(_, f)| families.contains(f)) {
        let (model, threshold) = fit(&all, fi, family, Use::OrRule);
        let (bias, weights) = model.linear();
        let _ = write!(out, "{} {} {}", family.as_str(), threshold as f32, bias as f32);
        for w in weights {
            let _ = write!(out, " {}", w as f32);
        }
        out.push('\n');
    }
    out
}

/// The rule OR pith's meaning layer as the library runs it, on `scored`.
pub fn shipped(scored: &[Scored]) -> Vec<Scored> {
    let mut out = blank(scored);
    for (o, s) in out.iter_mut().zip(scored) {
        o.predicted = Family::ALL.into_iter().filter(|f| s.predicted.contains(f) || s.meaning.contains(f)).collect();
    }
    out
}

/// The regression for `family` fitted on `train` and its threshold: the best F1 of the verdict
/// `how` on those passages.
fn fit(train: &[&Scored], fi: usize, family: Family, how: Use) -> (Dense, f64) {
    let xs: Vec<Vec<f64>> = train.iter().map(|s| inputs(s, fi, how)).collect();
    let ys: Vec<bool> = train.iter().map(|s| s.gold.contains(&family)).collect();
    let standardize = if how == Use::Beside { super::FEATURES - 1 } else { 0 };
    let model = Dense::fit(&xs, &ys, standardize, L2);
    let rule = |s: &Scored| how == Use::OrRule && s.predicted.contains(&family);
    let probs: Vec<f64> = xs.iter().map(|x| model.probability(x)).collect();
    let f1_at = |t: f64| {
        let mut c = Counts::default();
        for ((p, s), &y) in probs.iter().zip(train).zip(&ys) {
            c.add(*p >= t || rule(s), y);
        }
        c.scores().2
    };
    let threshold =
        (1..=19).map(|i| f64::from(i) * 0.05).fold(0.5, |best, t| if f1_at(t) > f1_at(best) { t } else { best });
    (model, threshold)
}

/// The passage's features for `how`: the embedding, and for [`Use::Beside`] the rule's features
/// for `family` before it (the constant left out: the regression has its own intercept).
fn inputs(s: &Scored, fi: usize, how: Use) -> Vec<f64> {
    match how {
        Use::Beside => s.features[fi][1..].iter().chain(&s.embedding).copied().collect(),
        Use::Alone | Use::OrRule => s.embedding.clone(),
    }
}

/// Each source's passages predicted by regressions fitted on the other sources (`share` of their
/// passages, evenly spread); each threshold is the best F1 of the verdict `how` on those passages.
fn loso(scored: &[Scored], how: Use, share: f64) -> Vec<Scored> {
    let mut out = blank(scored);
    for (source, train) in folds(scored, share) {
        for (fi, &family) in Family::ALL.iter().enumerate() {
            let (model, threshold) = fit(&train, fi, family, how);
            for (i, s) in scored.iter().enumerate().filter(|(_, s)| s.source == source) {
                let rule = how == Use::OrRule && s.predicted.contains(&family);
                if model.probability(&inputs(s, fi, how)) >= threshold || rule {
                    out[i].predicted.push(family);
                }
            }
        }
    }
    out
}
