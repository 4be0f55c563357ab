//! Meaning beyond the lexicons' words, measured: a passage's pooled static token embedding
//! (`eval/distill.py`'s table of all-MiniLM-L6-v2 tokens) fed to a logistic regression per
//! family, fitted leave-one-source-out on the training sources only. Three uses are scored: the
//! regression alone, the rule OR the regression (a family coded when either says so), and the
//! embedding as extra features beside the rule's in one regression. Then variants of the OR, each
//! with the meaning layer's choice of families: the regression applied to each sentence too, the
//! question's embedding as inputs too, max pooling beside the mean, a lower threshold where a
//! term of the family matched, and the rows' sum normalized by its leading dimensions alone (a
//! cheaper layer, also scored on the frozen split). Other vectors per passage (the full
//! encoder's, `eval/encoder.py`) can be scored by the same protocol in the table's place.

use std::fmt::Write as _;
use std::path::Path;

use pith::meaning::Embeddings;
use pith::model::Family;

use super::dense::Dense;
use super::{blank, counts, f1_interval, folds, learning_curve, print_sources, print_table, Counts, Scored, CORE};

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

/// The sentences of `text` as pith cuts them ([`pith::words::sentences`]); each cut falls between
/// tokens, so the sentences' tokens are the passage's.
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    pith::words::sentences(text).into_iter().map(move |(range, _)| &text[range])
}

/// The per-dimension maximum of `text`'s token rows (zeros when no token is known).
pub fn max_pool(text: &str) -> Vec<f64> {
    let embeddings = Embeddings::builtin();
    let mut rows = Vec::new();
    embeddings.token_rows(text, &mut rows);
    let mut max = vec![f32::NEG_INFINITY; embeddings.dims()];
    for &row in &rows {
        for (m, v) in max.iter_mut().zip(&embeddings.row(row)) {
            *m = m.max(*v);
        }
    }
    max.into_iter().map(|m| if m.is_finite() { f64::from(m) } else { 0.0 }).collect()
}

/// The plain sum of `text`'s token rows (zeros when no token is known).
pub fn sum_pool(text: &str) -> Vec<f64> {
    let embeddings = Embeddings::builtin();
    let mut rows = Vec::new();
    embeddings.token_rows(text, &mut rows);
    let mut sum = vec![0f64; embeddings.dims()];
    for &row in &rows {
        for (s, v) in sum.iter_mut().zip(&embeddings.row(row)) {
            *s += f64::from(*v);
        }
    }
    sum
}

/// The leading dimensions whose length normalizes the sum in [`Inputs::HeadNormalized`].
pub const HEAD: usize = 32;

/// What a regression reads of a passage.
#[derive(Clone, Copy, PartialEq)]
enum Inputs {
    /// The pooled embedding.
    Mean,
    /// The rule's features for the family (the constant left out: the regression has its own
    /// intercept), then the pooled embedding.
    RuleAndMean,
    /// The pooled embedding, then the question's.
    MeanAndQuestion,
    /// The pooled embedding, then the per-dimension maximum of the token rows.
    MeanAndMax,
    /// The pooled embedding, then that maximum L2-normalized (on the mean's scale).
    MeanAndUnitMax,
    /// The sum of the token rows over the length of its first [`HEAD`] dimensions: scored from
    /// each token's dot product with the weights and its [`HEAD`] leading values, a few numbers
    /// a token where the layer adds all 256.
    HeadNormalized,
}

/// How a regression's probability becomes a verdict.
#[derive(Clone, Copy, PartialEq)]
enum Verdict {
    /// The regression alone.
    Alone,
    /// The rule OR the regression.
    OrRule,
    /// The rule OR the regression on the passage or on any of its sentences.
    OrRuleSentences,
    /// The rule OR the regression, at a second, lower threshold where a term of the family
    /// matched (negated or not) without the rule coding it.
    OrRuleTouched,
}

/// A regression's inputs and how its probability becomes a verdict.
#[derive(Clone, Copy, PartialEq)]
struct Use {
    inputs: Inputs,
    verdict: Verdict,
}

/// The rule OR a regression over `inputs`.
const fn or(inputs: Inputs) -> Use {
    Use { inputs, verdict: Verdict::OrRule }
}

/// A regression over `inputs` on its own.
const fn alone(inputs: Inputs) -> Use {
    Use { inputs, verdict: Verdict::Alone }
}

/// The rule OR the regression over the pooled embedding: pith's meaning layer.
const LAYER: Use = or(Inputs::Mean);

/// The cheaper variant, also scored on the frozen split ([`cheaper_on`]).
const CHEAPER: Use = or(Inputs::HeadNormalized);

/// The variants of the meaning layer (`docs/coding-quality.md` says what each costs).
const VARIANTS: [(&str, Use); 6] = [
    ("sentence max", Use { inputs: Inputs::Mean, verdict: Verdict::OrRuleSentences }),
    ("question context", or(Inputs::MeanAndQuestion)),
    ("mean and max pooling", or(Inputs::MeanAndMax)),
    ("mean and normalized max pooling", or(Inputs::MeanAndUnitMax)),
    ("lower threshold where a term matched", Use { inputs: Inputs::Mean, verdict: Verdict::OrRuleTouched }),
    ("normalized by the first 32 dimensions", CHEAPER),
];

/// A use's leave-one-source-out predictions, and the families whose F1 they raise over the
/// rule's: only those get a classifier in pith's meaning layer.
pub struct Or {
    loso: Vec<Scored>,
    /// The families the use helps, in [`Family::ALL`] order.
    pub helped: Vec<Family>,
}

/// Scores the meaning layer leave-one-source-out and picks the families it helps.
pub fn or_loso(scored: &[Scored]) -> Or {
    chosen(scored, LAYER)
}

/// Scores `how` leave-one-source-out and picks the families where it raises F1 over the rule.
fn chosen(scored: &[Scored], how: Use) -> Or {
    let loso = loso(scored, how, 1.0);
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
/// families it helps) with its sources and learning curve, then its variants'. Gives the families
/// the cheaper variant helps, for [`cheaper_on`].
pub fn report(scored: &[Scored], or: &Or, dims: usize) -> Vec<Family> {
    for (what, how) in [
        ("a regression over the pooled embedding alone", alone(Inputs::Mean)),
        ("the rule OR a regression over the pooled embedding", LAYER),
        ("one regression over the rule's features and the pooled embedding", alone(Inputs::RuleAndMean)),
    ] {
        println!("\nMeaning beyond words ({dims} dims): {what}, leave-one-source-out:");
        if how == LAYER {
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
    println!(
        "learning curve (core micro-F1 by share of the training folds used): {}",
        learning_curve(&layer, |share| restrict(scored, &loso(scored, LAYER, share), &or.helped))
    );

    println!("\nVariants of the meaning layer (each the rule OR its regression on the families where that raises F1), leave-one-source-out:");
    header("variant");
    row("the meaning layer", &layer, &or.helped);
    let mut cheaper = Vec::new();
    for (name, how) in VARIANTS {
        let variant = chosen(scored, how);
        row(name, &restrict(scored, &variant.loso, &variant.helped), &variant.helped);
        if how == CHEAPER {
            cheaper = variant.helped;
        }
    }
    cheaper
}

/// The head of a table of [`row`]s.
fn header(what: &str) {
    print!("{what:<44}{:>7}{:>14}{:>7}{:>7}", "core F1", "95% interval", "P", "R");
    CORE.iter().for_each(|f| print!("{:>8.7}", f.as_str()));
    println!("   families");
}

/// One line: core micro-F1 with its interval, precision, recall, each core family's F1 and the
/// families a layer has a classifier for.
fn row(name: &str, layer: &[Scored], helped: &[Family]) {
    let (c, lo, hi) = f1_interval(layer, &(0..layer.len()).collect::<Vec<_>>(), &CORE);
    let (p, r, f1) = c.scores();
    print!("{name:<44}{f1:>7.3}{:>14}{p:>7.3}{r:>7.3}", format!("{lo:.3}-{hi:.3}"));
    CORE.iter().for_each(|&f| print!("{:>8.3}", counts(layer, 0..layer.len(), &[f]).scores().2));
    let names: Vec<&str> = helped.iter().map(|f| f.as_str()).collect();
    println!("   {}", names.join(" "));
}

/// The meaning layer's protocol with other passage vectors (`eval/encoder.py`'s full-encoder ones,
/// a JSON line `{"id", "vector"}` per development passage) in place of the pooled embedding: prints
/// the regression alone and the rule OR it on the families it helps, beside the meaning layer.
pub fn report_vectors(scored: &mut [Scored], path: &Path) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        vector: Vec<f64>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut by_id = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line: Line = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        by_id.insert(line.id, line.vector);
    }
    let Or { loso: static_loso, helped: static_helped } = or_loso(scored);
    let static_layer = restrict(scored, &static_loso, &static_helped);
    let mut dims = None;
    for s in scored.iter_mut() {
        let vector = by_id.remove(&s.id).ok_or(format!("{}: no vector for {}", path.display(), s.id))?;
        if *dims.get_or_insert(vector.len()) != vector.len() {
            return Err(format!("{}: {} has {} dims, not {dims:?}", path.display(), s.id, vector.len()));
        }
        s.embedding = vector;
    }
    let dims = dims.unwrap_or(0);
    println!("\nThe vectors of {} ({dims} dims) in the meaning layer's place, leave-one-source-out:", path.display());
    header("layer");
    row("the rule", scored, &[]);
    row("the meaning layer (the static table)", &static_layer, &static_helped);
    row("a regression over the vectors alone", &loso(scored, alone(Inputs::Mean), 1.0), &[]);
    let or = or_loso(scored);
    let layer = restrict(scored, &or.loso, &or.helped);
    row("the rule OR the vectors' regression", &layer, &or.helped);
    print_table(&layer);
    println!(
        "learning curve of the OR (core micro-F1 by share of the training folds used): {}",
        learning_curve(&layer, |share| restrict(scored, &loso(scored, LAYER, share), &or.helped))
    );
    Ok(())
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
        let fitted = fit(&all, fi, family, LAYER);
        let (bias, weights) = fitted.model.linear();
        let _ = write!(out, "{} {} {}", family.as_str(), fitted.threshold as f32, bias as f32);
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

/// The rule OR the cheaper variant on `frozen`: on the families it helps leave-one-source-out on
/// `dev` (`helped`, from [`report`]), its regressions fitted on all of `dev`, as the meaning
/// layer's are.
pub fn cheaper_on(dev: &[Scored], frozen: &[Scored], helped: &[Family]) -> Vec<Scored> {
    let all: Vec<&Scored> = dev.iter().collect();
    let mut out = blank(frozen);
    for (o, s) in out.iter_mut().zip(frozen) {
        o.predicted = s.predicted.clone();
    }
    for (fi, &family) in Family::ALL.iter().enumerate().filter(|(_, f)| helped.contains(f)) {
        let fitted = fit(&all, fi, family, CHEAPER);
        for (o, s) in out.iter_mut().zip(frozen) {
            if !o.predicted.contains(&family) && fitted.predicts(s, fi, family, CHEAPER) {
                o.predicted.push(family);
            }
        }
    }
    out
}

/// A family's regression and the thresholds of its verdict.
struct Fitted {
    model: Dense,
    threshold: f64,
    /// The threshold where a term of the family matched ([`Verdict::OrRuleTouched`]; the other
    /// verdicts have `threshold` here).
    touched: f64,
}

impl Fitted {
    /// The verdict `how` on passage `s`.
    fn predicts(&self, s: &Scored, fi: usize, family: Family, how: Use) -> bool {
        let rule = how.verdict != Verdict::Alone && s.predicted.contains(&family);
        let threshold = if s.touched.contains(&family) { self.touched } else { self.threshold };
        rule || self.score(s, fi, how) >= threshold
    }

    /// The regression's probability on the passage, or for [`Verdict::OrRuleSentences`] its
    /// highest on the passage and its sentences.
    fn score(&self, s: &Scored, fi: usize, how: Use) -> f64 {
        let passage = self.model.probability(&inputs(s, fi, how.inputs));
        if how.verdict != Verdict::OrRuleSentences {
            return passage;
        }
        s.sentences.iter().map(|x| self.model.probability(x)).fold(passage, f64::max)
    }
}

/// The regression for `family` fitted on `train` and its thresholds: the best F1 of the verdict
/// `how` on those passages.
fn fit(train: &[&Scored], fi: usize, family: Family, how: Use) -> Fitted {
    let xs: Vec<Vec<f64>> = train.iter().map(|s| inputs(s, fi, how.inputs)).collect();
    let ys: Vec<bool> = train.iter().map(|s| s.gold.contains(&family)).collect();
    let standardize = if how.inputs == Inputs::RuleAndMean { super::FEATURES - 1 } else { 0 };
    let mut fitted = Fitted { model: Dense::fit(&xs, &ys, standardize, L2), threshold: 0.5, touched: 0.5 };
    let scores: Vec<f64> = train.iter().map(|s| fitted.score(s, fi, how)).collect();
    let f1_at = |(t, low): (f64, f64)| {
        let mut c = Counts::default();
        for ((p, s), &y) in scores.iter().zip(train).zip(&ys) {
            let rule = how.verdict != Verdict::Alone && s.predicted.contains(&family);
            c.add(rule || *p >= if s.touched.contains(&family) { low } else { t }, y);
        }
        c.scores().2
    };
    let grid = || (1..=19).map(|i| f64::from(i) * 0.05);
    let candidates: Vec<(f64, f64)> = if how.verdict == Verdict::OrRuleTouched {
        grid().flat_map(|t| grid().filter(move |&low| low <= t).map(move |low| (t, low))).collect()
    } else {
        grid().map(|t| (t, t)).collect()
    };
    let (threshold, touched) =
        candidates.into_iter().fold((0.5, 0.5), |best, c| if f1_at(c) > f1_at(best) { c } else { best });
    fitted.threshold = threshold;
    fitted.touched = touched;
    fitted
}

/// The passage's inputs to a regression.
fn inputs(s: &Scored, fi: usize, what: Inputs) -> Vec<f64> {
    match what {
        Inputs::Mean => s.embedding.clone(),
        Inputs::RuleAndMean => s.features[fi][1..].iter().chain(&s.embedding).copied().collect(),
        Inputs::MeanAndQuestion => s.embedding.iter().chain(&s.question).copied().collect(),
        Inputs::MeanAndMax => s.embedding.iter().chain(&s.max_pooled).copied().collect(),
        Inputs::MeanAndUnitMax => {
            let norm = s.max_pooled.iter().map(|x| x * x).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
            s.embedding.iter().copied().chain(s.max_pooled.iter().map(|x| x / norm)).collect()
        }
        Inputs::HeadNormalized => {
            let norm = s.summed[..HEAD].iter().map(|x| x * x).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
            s.summed.iter().map(|x| x / norm).collect()
        }
    }
}

/// Each source's passages predicted by regressions fitted on the other sources (`share` of their
/// passages, evenly spread); each threshold is the best F1 of the verdict `how` on those passages.
fn loso(scored: &[Scored], how: Use, share: f64) -> Vec<Scored> {
    let mut out = blank(scored);
    for (source, train) in folds(scored, share) {
        for (fi, &family) in Family::ALL.iter().enumerate() {
            let fitted = fit(&train, fi, family, how);
            for (i, s) in scored.iter().enumerate().filter(|(_, s)| s.source == source) {
                if fitted.predicts(s, fi, family, how) {
                    out[i].predicted.push(family);
                }
            }
        }
    }
    out
}
