//! Meaning beyond the lexicons' words, measured: a passage's pooled static token embedding
//! (`eval/distill.py`'s table of all-MiniLM-L6-v2 tokens) fed to a logistic regression per
//! family, fitted leave-one-source-out on the training sources only. Three uses are scored: the
//! regression alone, the rule OR the regression (a family coded when either says so), and the
//! embedding as extra features beside the rule's in one regression.

use std::path::{Path, PathBuf};

use pith::model::Family;

use super::dense::Dense;
use super::embed::Embeddings;
use super::{blank, f1_interval, folds, print_sources, print_table, Counts, Scored, CORE};

/// The L2 penalty of every regression here (the embedding's dimensions unscaled, the rule's
/// features standardized).
const L2: f64 = 5e-4;

/// The table `eval/distill.py` wrote: in `PITH_EMBEDDINGS=DIR`, else `target/embeddings`.
pub fn load(root: &Path) -> Result<Option<Embeddings>, String> {
    let dir = std::env::var_os("PITH_EMBEDDINGS").map_or_else(|| root.join("target/embeddings"), PathBuf::from);
    let (vocab, table) = (dir.join("vocab.txt"), dir.join("tokens.i8"));
    if !vocab.is_file() || !table.is_file() {
        eprintln!(
            "eval: no token embeddings in {} (make them with eval/distill.py, or set PITH_EMBEDDINGS)",
            dir.display()
        );
        return Ok(None);
    }
    let read_err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let vocab_text = std::fs::read_to_string(&vocab).map_err(|e| read_err(&vocab, e))?;
    let table_bytes = std::fs::read(&table).map_err(|e| read_err(&table, e))?;
    Embeddings::from_bytes(&vocab_text, &table_bytes).map(Some).map_err(|e| format!("{}: {e}", table.display()))
}

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

/// Prints the three uses' leave-one-source-out tables, and the OR's per source and learning curve.
pub fn report(scored: &[Scored], embeddings: &Embeddings) {
    let all: Vec<usize> = (0..scored.len()).collect();
    for (what, how) in [
        ("a regression over the pooled embedding alone", Use::Alone),
        ("the rule OR a regression over the pooled embedding", Use::OrRule),
        ("one regression over the rule's features and the pooled embedding", Use::Beside),
    ] {
        println!("\nMeaning beyond words ({} dims): {what}, leave-one-source-out:", embeddings.dims());
        let full = loso(scored, how, 1.0);
        print_table(&full);
        if how == Use::OrRule {
            print_sources(&full);
        }
        if how != Use::OrRule {
            continue;
        }
        let curve: Vec<String> = [0.25, 0.5, 1.0]
            .iter()
            .map(|&share| {
                let run = if share == 1.0 { None } else { Some(loso(scored, how, share)) };
                let (c, lo, hi) = f1_interval(run.as_deref().unwrap_or(&full), &all, &CORE);
                format!("{:.0}%: {:.3} ({lo:.3}-{hi:.3})", share * 100.0, c.scores().2)
            })
            .collect();
        println!("learning curve (core micro-F1 by share of the training folds used): {}", curve.join(", "));
    }
}

/// The rule OR the regression fitted on every development passage, scored on the frozen split:
/// printed once, beside the rule's scores there.
pub fn frozen(dev: &[Scored], frozen: &[Scored]) -> Vec<Scored> {
    let mut out = blank(frozen);
    for (fi, &family) in Family::ALL.iter().enumerate() {
        let (model, threshold) = fit(&dev.iter().collect::<Vec<_>>(), fi, family, Use::OrRule);
        for (o, s) in out.iter_mut().zip(frozen) {
            if model.probability(&inputs(s, fi, Use::OrRule)) >= threshold || s.predicted.contains(&family) {
                o.predicted.push(family);
            }
        }
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
