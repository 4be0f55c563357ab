//! Evaluation of pith's coding against passages labelled by hand under `../shared/CODEBOOK.md`.
//!
//! Takes the passage references (`eval/sample.jsonl`, `eval/heldout.jsonl`, `eval/grown.jsonl`:
//! the development set; `eval/frozen.jsonl`: the frozen test split), each a source file in
//! `../shared/corpus`, a character range (inside a JSON string when the reference has a
//! `field` pointer), the slice's SHA-1 and the question's range; and the labels
//! (`eval/labels/pass-a.jsonl` on every passage, `eval/labels/pass-b.jsonl`, an independent
//! second pass on 420 of them, `eval/labels/gold.jsonl`, their disagreements resolved against
//! the standard). Prints Cohen's kappa per family between the two passes; then codes every
//! passage with the built-in lexicons (a family is predicted by the library's rule as the
//! standard labels it, [`about_families`]: negated mentions weigh too) and prints, leave-one-source-out, precision, recall and F1 per family,
//! core micro-F1 per source, each with a 95% bootstrap interval over passages; then the frozen
//! split's scores alone (its errors are never listed). Passage text is read from the corpus at
//! run time, never stored.
//!
//! Then, as an experiment, a learned layer in place of the rule: a logistic regression per
//! family over the rule's features (counting and negated weight, codes, hedges, intensifiers,
//! prompting, length, person) and, second, the passage's hashed stems too, fitted on the other
//! sources for each held-out source.
//!
//! The built-in rule fits nothing to the labels, so each source's held-out predictions are the
//! rule's predictions: the leave-one-source-out figure is the rule's score on every development
//! source. The lexicons were written by hand while reading errors on `eval/sample.jsonl`; that
//! is what the development figure is fitted to, and why the frozen split is reported apart.
//!
//! Then meaning beyond the lexicons' words ([`meaning`]): a regression per family over the
//! passage's pooled token embedding (`lexicons/meaning/tokens.i8`), alone, OR-ed with the rule,
//! and beside the rule's features. The OR fitted on the whole development set is pith's meaning
//! layer (`lexicons/meaning/weights.txt`, written by `-- --fit-meaning`; every run says whether the
//! file is what a refit gives); the frozen split scores the rule OR the layer as pith runs it.
//! Variants of the layer (the regression on each sentence too, the question's embedding, max
//! pooling, a lower threshold where a term matched) are scored on the development set only; a
//! cheaper one (the rows' sum over the length of its first dimensions) on the frozen split too.
//!
//! Run: `cargo run --release --example eval` (`PITH_CORPUS=DIR` points at another corpus copy;
//! `-- --misses FAMILY` lists a family's errors on the development set and the rule's table there,
//! and stops (in seconds, for editing a lexicon), never reading the frozen split;
//! `-- --tokens TEXTS.json` prints the table rows of each text of a JSON list, for
//! `eval/tokcheck.py`; `-- --vectors VECTORS.jsonl` scores other passage vectors, such as
//! `eval/encoder.py`'s, in the meaning layer's place; `-- --fit-meaning` writes the meaning layer's
//! weights). `PITH_LEXICON_DIR=DIR` reads the eight built-in lexicon files from DIR.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pith::analyze::{Analyzer, Language};
use pith::code::{about_families, code_passage, question_codes};
use pith::lexicon::{Lexicon, Origin, BUILTIN};
use pith::meaning::{Embeddings, Meaning};
use pith::model::Family;
use pith::model::Tag;
use serde::Deserialize;

mod dense;
mod meaning;

/// Loads the built-in lexicons: the embedded ones, or, when `PITH_LEXICON_DIR=DIR` is set, the
/// files of the same names in DIR (read at run time, so editing a lexicon needs no rebuild).
fn builtin_lexicon(analyzer: &Analyzer) -> Result<Lexicon, String> {
    let render = |e: Vec<pith::lexicon::LexiconError>| pith::Error::Lexicon(e).to_string();
    let Some(dir) = std::env::var_os("PITH_LEXICON_DIR").map(PathBuf::from) else {
        return Lexicon::load(analyzer, &[]).map_err(render);
    };
    let mut sources = Vec::new();
    for (name, _) in BUILTIN {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        sources.push((Origin::Builtin(name), text));
    }
    eprintln!("eval: built-in lexicons read from {}", dir.display());
    Lexicon::from_sources(analyzer, &sources).map_err(render)
}

/// The five core families of the standard, scored together.
const CORE: [Family; 5] = [Family::Need, Family::Risk, Family::Reward, Family::Responsibility, Family::Job];

/// Bootstrap resamples behind each interval.
const RESAMPLES: usize = 1000;

#[derive(Deserialize)]
struct Span {
    #[serde(default)]
    field: Option<String>,
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct PassageRef {
    id: String,
    source: String,
    #[serde(default)]
    field: Option<String>,
    start: usize,
    end: usize,
    chars_sha1: String,
    question: Option<Span>,
}

#[derive(Deserialize)]
struct LabelRow {
    id: String,
    families: Vec<String>,
}

type Labels = BTreeMap<String, Vec<Family>>;

/// One coded passage: its reference id and source, the families predicted and labelled, and its
/// features per family (in [`Family::ALL`] order) for the learned layer.
struct Scored {
    id: String,
    source: String,
    predicted: Vec<Family>,
    gold: Vec<Family>,
    features: Vec<[f64; FEATURES]>,
    /// Hashed stems of the passage's words (bag of words, the same for every family).
    stems: Vec<u32>,
    /// The passage's pooled token embedding.
    embedding: Vec<f64>,
    /// Its sentences' pooled embeddings ([`meaning::sentences`]).
    sentences: Vec<Vec<f64>>,
    /// The per-dimension maximum of its token rows.
    max_pooled: Vec<f64>,
    /// The plain sum of its token rows.
    summed: Vec<f64>,
    /// The question's pooled embedding (zeros when there is none).
    question: Vec<f64>,
    /// The families with a term matched in the passage, negated or not (the rule's weak signal).
    touched: Vec<Family>,
    /// The families pith's meaning layer finds in the passage.
    meaning: Vec<Family>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut misses, mut tokens, mut vectors, mut refit) = (None, None, None, false);
    match args.as_slice() {
        [flag, fam] if flag == "--misses" => misses = Some(Family::parse(fam).ok_or(format!("unknown family {fam}"))?),
        [flag, file] if flag == "--tokens" => tokens = Some(file.clone()),
        [flag, file] if flag == "--vectors" => vectors = Some(PathBuf::from(file)),
        [flag] if flag == "--fit-meaning" => refit = true,
        [] => {}
        _ => {
            return Err(
                "usage: eval [--misses FAMILY | --tokens TEXTS.json | --vectors VECTORS.jsonl | --fit-meaning]".into()
            )
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = read_labels(&root.join("eval/labels/pass-a.jsonl"))?;
    let b = read_labels(&root.join("eval/labels/pass-b.jsonl"))?;
    let gold = read_labels(&root.join("eval/labels/gold.jsonl"))?;
    agreement(&a, &b);

    let analyzer = Analyzer::new(Language::English);
    let lexicon = builtin_lexicon(&analyzer)?;
    let Some(corpus) = corpus(root) else {
        println!("\nskipping the coding evaluation: ../shared/corpus is not beside the repository (set PITH_CORPUS)");
        return Ok(());
    };
    let mut texts = Texts { corpus, files: HashMap::new(), json: HashMap::new() };
    let mut dev = Vec::new();
    for set in ["sample", "heldout", "grown"] {
        dev.extend(read_jsonl::<PassageRef>(&root.join(format!("eval/{set}.jsonl")))?);
    }
    let frozen = read_jsonl::<PassageRef>(&root.join("eval/frozen.jsonl"))?;

    let embeddings = Embeddings::builtin();
    if let Some(path) = tokens {
        return meaning::print_tokens(embeddings, Path::new(&path));
    }
    let mut dev_scored = score(&dev, &gold, &mut texts, &analyzer, &lexicon, misses)?;
    if misses.is_some() {
        print_table(&dev_scored);
        return Ok(());
    }
    if let Some(path) = vectors {
        return meaning::report_vectors(&mut dev_scored, &path);
    }
    let or = meaning::or_loso(&dev_scored);
    let weights = meaning::fit_weights(&dev_scored, &or.helped);
    let weights_file = root.join("lexicons/meaning/weights.txt");
    if refit {
        std::fs::write(&weights_file, &weights).map_err(|e| format!("{}: {e}", weights_file.display()))?;
        println!("wrote {} (rebuild for pith and this evaluation to use it)", weights_file.display());
        return Ok(());
    }
    let same = weights == pith::meaning::WEIGHTS;
    println!(
        "
The meaning layer's weights (lexicons/meaning/weights.txt) are {}",
        if same { "byte-identical to a refit" } else { "NOT what a refit gives: run with --fit-meaning" }
    );
    println!(
        "\nDevelopment set, leave-one-source-out: {} passages from {} sources",
        dev_scored.len(),
        sources(&dev_scored).len()
    );
    print_table(&dev_scored);
    print_sources(&dev_scored);

    for (with_stems, what) in [(false, "the rule's features"), (true, "the rule's features and the passage's stems")] {
        let learned = learned_loso(&dev_scored, with_stems, 1.0);
        println!("\nA learned layer (a logistic regression per family over {what}), leave-one-source-out:");
        print_table(&learned);
        println!(
            "learning curve (core micro-F1 by share of the training folds used): {}",
            learning_curve(&learned, |share| learned_loso(&dev_scored, with_stems, share))
        );
    }

    let cheaper = meaning::report(&dev_scored, &or, embeddings.dims());

    let frozen_scored = score(&frozen, &gold, &mut texts, &analyzer, &lexicon, None)?;
    println!(
        "\nFrozen test split (never read while tuning; scores only): {} passages from {} sources",
        frozen_scored.len(),
        sources(&frozen_scored).len()
    );
    print_table(&frozen_scored);
    println!("\nFrozen test split, the rule OR pith's meaning layer (lexicons/meaning/weights.txt):");
    print_table(&meaning::shipped(&frozen_scored));
    println!(
        "\nFrozen test split, the rule OR the cheaper layer (the sum over the length of its first {} \
         dimensions; fitted on the development set, not shipped):",
        meaning::HEAD
    );
    print_table(&meaning::cheaper_on(&dev_scored, &frozen_scored, &cheaper));
    Ok(())
}

/// Codes each passage and pairs its predicted families with the gold ones; with `misses`, prints
/// that family's errors.
fn score(
    refs: &[PassageRef],
    gold: &Labels,
    texts: &mut Texts,
    analyzer: &Analyzer,
    lexicon: &Lexicon,
    misses: Option<Family>,
) -> Result<Vec<Scored>, String> {
    let pooled = |text: &str| Embeddings::builtin().pool(text).into_iter().map(f64::from).collect::<Vec<f64>>();
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let expected = gold.get(&r.id).ok_or(format!("{} has no gold label", r.id))?;
        let Some((tags, text, question)) = texts.code(r, analyzer, lexicon)? else { continue };
        let predicted: Vec<Family> = about_families(lexicon, &tags).iter().collect();
        let features = Family::ALL.iter().map(|&f| features(lexicon, &tags, &text, f)).collect();
        let analysis = analyzer.analyze(&text);
        let mut stems: Vec<u32> =
            analysis.words().map(|(_, t)| (xxhash(analysis.stem(t).as_bytes()) % STEM_BUCKETS as u64) as u32).collect();
        stems.sort_unstable();
        stems.dedup();
        if let Some(family) = misses {
            let (p, g) = (predicted.contains(&family), expected.contains(&family));
            if p != g {
                println!("{} {}: {}", r.id, if p { "FP" } else { "FN" }, terms_of(lexicon, &tags, family).join(" | "));
            }
        }
        out.push(Scored {
            id: r.id.clone(),
            source: source_of(&r.source).to_string(),
            predicted,
            gold: expected.clone(),
            features,
            stems,
            embedding: pooled(&text),
            sentences: meaning::sentences(&text).map(pooled).collect(),
            max_pooled: meaning::max_pool(&text),
            summed: meaning::sum_pool(&text),
            question: pooled(&question),
            touched: Family::ALL
                .into_iter()
                .filter(|&f| {
                    tags.iter().any(|t| {
                        lexicon.codes()[t.code].family() == f && t.mentions.iter().any(|m| m.vetoed_by.is_none())
                    })
                })
                .collect(),
            meaning: Meaning::builtin().families(&text).iter().collect(),
        });
    }
    Ok(out)
}

/// Features of a passage for one family: what the rule weighs and what it ignores.
const FEATURES: usize = 9;

fn features(lexicon: &Lexicon, tags: &[Tag], text: &str, family: Family) -> [f64; FEATURES] {
    let of_family = || tags.iter().filter(|t| lexicon.codes()[t.code].family() == family);
    let count = |pred: &dyn Fn(&Tag) -> bool| of_family().filter(|t| pred(t)).count() as f64;
    let negated =
        of_family().flat_map(|t| t.mentions.iter()).filter(|m| m.vetoed_by.is_none() && m.negation.is_some()).count()
            as f64;
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let person = |set: &[&str]| (words.iter().filter(|w| set.contains(&w.as_str())).count() as f64).ln_1p();
    [
        1.0,
        pith::code::family_weight(lexicon, tags, family),
        negated.ln_1p(),
        count(&|t: &Tag| t.is_evidence()),
        count(&|t: &Tag| t.hedged()),
        count(&|t: &Tag| t.intensified()),
        f64::from(u8::from(of_family().any(|t| t.prompted))),
        (words.len() as f64).ln_1p(),
        person(&["i", "we", "my", "our", "me", "us", "i'm", "we're", "i've", "we've"])
            - person(&["you", "your", "you're"]),
    ]
}

/// Buckets the passage's stems are hashed into.
const STEM_BUCKETS: usize = 1 << 13;

fn xxhash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A logistic regression for one family: weights over standardized features and hashed stems,
/// and the score threshold that gave the best F1 on its training passages.
struct Logistic {
    mean: [f64; FEATURES],
    scale: [f64; FEATURES],
    weights: [f64; FEATURES],
    stems: Vec<f64>,
    threshold: f64,
}

impl Logistic {
    /// Fits by batch gradient descent with an L2 penalty: deterministic, a few hundred steps.
    fn fit(xs: &[([f64; FEATURES], &[u32])], ys: &[bool]) -> Logistic {
        let n = xs.len().max(1) as f64;
        let mut mean = [0.0; FEATURES];
        let mut scale = [1.0; FEATURES];
        for j in 1..FEATURES {
            mean[j] = xs.iter().map(|x| x.0[j]).sum::<f64>() / n;
            let var = xs.iter().map(|x| (x.0[j] - mean[j]).powi(2)).sum::<f64>() / n;
            scale[j] = if var > 1e-12 { var.sqrt() } else { 1.0 };
        }
        let mut model =
            Logistic { mean, scale, weights: [0.0; FEATURES], stems: vec![0.0; STEM_BUCKETS], threshold: 0.5 };
        let z: Vec<[f64; FEATURES]> = xs.iter().map(|x| model.standardize(&x.0)).collect();
        let (rate, l2, l2_stems) = (0.5, 1e-3, 1e-2);
        for _ in 0..400 {
            let mut grad = [0.0; FEATURES];
            let mut grad_stems = vec![0.0; STEM_BUCKETS];
            for ((x, (_, stems)), &y) in z.iter().zip(xs).zip(ys) {
                let err = sigmoid(model.score(x, stems)) - f64::from(u8::from(y));
                for (g, xj) in grad.iter_mut().zip(x) {
                    *g += err * xj / n;
                }
                for &b in *stems {
                    grad_stems[b as usize] += err / n;
                }
            }
            for (j, (w, g)) in model.weights.iter_mut().zip(&grad).enumerate() {
                // The intercept is not penalized.
                let penalty = if j == 0 { 0.0 } else { l2 * *w };
                *w -= rate * (g + penalty);
            }
            for (w, g) in model.stems.iter_mut().zip(&grad_stems) {
                *w -= rate * (g + l2_stems * *w);
            }
        }
        let scores: Vec<f64> = z.iter().zip(xs).map(|(x, (_, stems))| sigmoid(model.score(x, stems))).collect();
        let f1_at = |t: f64| {
            let mut c = Counts::default();
            for (s, &y) in scores.iter().zip(ys) {
                c.add(*s >= t, y);
            }
            c.scores().2
        };
        model.threshold =
            (1..=16).map(|i| f64::from(i) * 0.05).fold(0.5, |best, t| if f1_at(t) > f1_at(best) { t } else { best });
        model
    }

    fn standardize(&self, x: &[f64; FEATURES]) -> [f64; FEATURES] {
        std::array::from_fn(|j| (x[j] - self.mean[j]) / self.scale[j])
    }

    fn score(&self, z: &[f64; FEATURES], stems: &[u32]) -> f64 {
        dot(&self.weights, z) + stems.iter().map(|&b| self.stems[b as usize]).sum::<f64>()
    }

    fn predicts(&self, x: &[f64; FEATURES], stems: &[u32]) -> bool {
        sigmoid(self.score(&self.standardize(x), stems)) >= self.threshold
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f64; FEATURES], b: &[f64; FEATURES]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The learned layer's predictions (with `with_stems`, the passage's hashed stems as features
/// too), leave-one-source-out: each source's passages predicted by models fitted on the other
/// sources only (`share` of their passages).
fn learned_loso(scored: &[Scored], with_stems: bool, share: f64) -> Vec<Scored> {
    let mut out = blank(scored);
    for (source, train) in folds(scored, share) {
        for (fi, &family) in Family::ALL.iter().enumerate() {
            let xs: Vec<([f64; FEATURES], &[u32])> =
                train.iter().map(|s| (s.features[fi], if with_stems { &s.stems[..] } else { &[][..] })).collect();
            let ys: Vec<bool> = train.iter().map(|s| s.gold.contains(&family)).collect();
            let model = Logistic::fit(&xs, &ys);
            for (i, s) in scored.iter().enumerate().filter(|(_, s)| s.source == source) {
                if model.predicts(&s.features[fi], if with_stems { &s.stems } else { &[] }) {
                    out[i].predicted.push(family);
                }
            }
        }
    }
    out
}

/// Each source with its fold's training passages: an evenly spread `share` (for the learning
/// curve) of the other sources' passages.
fn folds(scored: &[Scored], share: f64) -> Vec<(&str, Vec<&Scored>)> {
    sources(scored)
        .into_iter()
        .map(|source| {
            let others: Vec<&Scored> = scored.iter().filter(|s| s.source != source).collect();
            let keep = ((others.len() as f64 * share).round() as usize).max(1);
            (source, (0..keep).map(|k| others[k * others.len() / keep]).collect())
        })
        .collect()
}

/// The passages with their sources and gold labels, nothing predicted.
fn blank(scored: &[Scored]) -> Vec<Scored> {
    scored
        .iter()
        .map(|s| Scored {
            id: s.id.clone(),
            source: s.source.clone(),
            predicted: Vec::new(),
            gold: s.gold.clone(),
            features: Vec::new(),
            stems: Vec::new(),
            embedding: Vec::new(),
            sentences: Vec::new(),
            max_pooled: Vec::new(),
            summed: Vec::new(),
            question: Vec::new(),
            touched: Vec::new(),
            meaning: Vec::new(),
        })
        .collect()
}

/// The corpus folder a passage comes from (its first path component).
fn source_of(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

fn sources(scored: &[Scored]) -> Vec<&str> {
    let mut v: Vec<&str> = scored.iter().map(|s| s.source.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Counts of `families` over `passages` (indices into `scored`).
fn counts(scored: &[Scored], passages: impl Iterator<Item = usize>, families: &[Family]) -> Counts {
    let mut c = Counts::default();
    for i in passages {
        let s = &scored[i];
        for f in families {
            c.add(s.predicted.contains(f), s.gold.contains(f));
        }
    }
    c
}

/// F1 of `families` on `passages` with its 95% bootstrap interval (passages resampled with
/// replacement, a fixed seed: the same figures every run).
fn f1_interval(scored: &[Scored], passages: &[usize], families: &[Family]) -> (Counts, f64, f64) {
    let whole = counts(scored, passages.iter().copied(), families);
    let mut rng = SplitMix(0x5eed_0f1c_0de5);
    let mut f1s: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let draw = (0..passages.len()).map(|_| passages[rng.below(passages.len())]);
            counts(scored, draw, families).scores().2
        })
        .collect();
    f1s.sort_by(f64::total_cmp);
    let at = |q: f64| f1s[((RESAMPLES as f64 - 1.0) * q).round() as usize];
    (whole, at(0.025), at(0.975))
}

/// Core micro-F1 with its 95% interval when each training fold keeps 25, 50 and 100% of its
/// passages: `full` is the held-out predictions with every passage, `run(share)` gives the others.
fn learning_curve(full: &[Scored], run: impl Fn(f64) -> Vec<Scored>) -> String {
    let all: Vec<usize> = (0..full.len()).collect();
    let point = |share: f64, scored: &[Scored]| {
        let (c, lo, hi) = f1_interval(scored, &all, &CORE);
        format!("{:.0}%: {:.3} ({lo:.3}-{hi:.3})", share * 100.0, c.scores().2)
    };
    [0.25, 0.5]
        .map(|share| point(share, &run(share)))
        .into_iter()
        .chain([point(1.0, full)])
        .collect::<Vec<_>>()
        .join(", ")
}

/// SplitMix64: a small, well-known generator, enough for resampling.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Per-family and micro-averaged precision, recall and F1 with F1's interval.
fn print_table(scored: &[Scored]) {
    let all: Vec<usize> = (0..scored.len()).collect();
    println!("{:<16}{:>5}{:>5}{:>5}{:>8}{:>8}{:>8}   95% interval", "family", "tp", "fp", "fn", "P", "R", "F1");
    let row = |name: &str, families: &[Family]| {
        let (c, lo, hi) = f1_interval(scored, &all, families);
        let (p, r, f1) = c.scores();
        println!("{name:<16}{:>5}{:>5}{:>5}{p:>8.3}{r:>8.3}{f1:>8.3}   {lo:.3}-{hi:.3}", c.tp, c.fp, c.fn_);
    };
    for f in Family::ALL {
        row(f.as_str(), &[f]);
    }
    row("micro (core 5)", &CORE);
    row("micro (all 8)", &Family::ALL);
}

/// Core micro-F1 per source, with its interval.
fn print_sources(scored: &[Scored]) {
    println!("\n{:<38}{:>9}{:>8}   95% interval", "source (core micro-F1)", "passages", "F1");
    for source in sources(scored) {
        let passages: Vec<usize> = (0..scored.len()).filter(|&i| scored[i].source == source).collect();
        let (c, lo, hi) = f1_interval(scored, &passages, &CORE);
        println!("{source:<38}{:>9}{:>8.3}   {lo:.3}-{hi:.3}", passages.len(), c.scores().2);
    }
}

/// Corpus files read once, by source path (JSON files parsed once too).
struct Texts {
    corpus: PathBuf,
    files: HashMap<String, String>,
    json: HashMap<String, serde_json::Value>,
}

impl Texts {
    /// The characters a reference points at: a range of the file, or of the JSON string at `field`.
    fn slice(&mut self, source: &str, field: Option<&str>, start: usize, end: usize) -> Result<String, String> {
        if !self.files.contains_key(source) {
            let bytes = std::fs::read(self.corpus.join(source)).map_err(|e| format!("{source}: {e}"))?;
            self.files.insert(source.to_string(), decode(&bytes));
        }
        let text: &str = match field {
            None => &self.files[source],
            Some(pointer) => {
                if !self.json.contains_key(source) {
                    let doc = serde_json::from_str(&self.files[source]).map_err(|e| format!("{source}: {e}"))?;
                    self.json.insert(source.to_string(), doc);
                }
                self.json[source]
                    .pointer(pointer)
                    .and_then(|v| v.as_str())
                    .ok_or(format!("{source}: no string at {pointer}"))?
            }
        };
        let slice: String = text.chars().skip(start).take(end.saturating_sub(start)).collect();
        if slice.chars().count() != end - start {
            return Err(format!("{source}: range {start}..{end} is outside the text"));
        }
        Ok(slice)
    }

    /// Codes the passage `r` refers to (with its question): its tags, its text and the question's
    /// (empty when there is none); `None` when the corpus slice no longer matches the stored SHA-1.
    fn code(
        &mut self,
        r: &PassageRef,
        analyzer: &Analyzer,
        lexicon: &Lexicon,
    ) -> Result<Option<(Vec<Tag>, String, String)>, String> {
        let text = self.slice(&r.source, r.field.as_deref(), r.start, r.end)?;
        if sha1_smol::Sha1::from(text.as_bytes()).digest().to_string() != r.chars_sha1 {
            eprintln!("{}: the corpus slice changed (SHA-1 differs), skipped", r.id);
            return Ok(None);
        }
        let question = match &r.question {
            Some(q) => self.slice(&r.source, q.field.as_deref(), q.start, q.end)?,
            None => String::new(),
        };
        let q_codes = question_codes(lexicon, &question, &analyzer.analyze(&question));
        let tags = code_passage(lexicon, &text, &analyzer.analyze(&text), &q_codes);
        Ok(Some((tags, text, question)))
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn ratio(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            n as f64 / d as f64
        }
    }

    fn add(&mut self, predicted: bool, gold: bool) {
        match (predicted, gold) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    /// Precision, recall, F1.
    fn scores(&self) -> (f64, f64, f64) {
        let p = Self::ratio(self.tp, self.tp + self.fp);
        let r = Self::ratio(self.tp, self.tp + self.fn_);
        (p, r, if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) })
    }
}

/// `code: term` for every counting mention of `family`.
fn terms_of(lexicon: &Lexicon, tags: &[Tag], family: Family) -> Vec<String> {
    let mut v = Vec::new();
    for tag in tags {
        let code = &lexicon.codes()[tag.code];
        if code.family() != family {
            continue;
        }
        for m in &tag.mentions {
            let what = if m.vetoed_by.is_some() {
                "vetoed "
            } else if m.negation.is_some() {
                "negated "
            } else {
                ""
            };
            v.push(format!("{what}{}: {}", code.id.as_str(), code.terms[m.term].source));
        }
    }
    v
}

/// Cohen's kappa per family between the two passes on the passages both labelled, with percent
/// agreement: kappa = (po - pe) / (1 - pe), po the observed agreement, pe = pa*pb + (1-pa)(1-pb)
/// the agreement expected by chance from each pass's own rate of "yes".
fn agreement(a: &Labels, b: &Labels) {
    println!("Agreement between the two label passes ({} passages labelled twice)", b.len());
    println!("{:<16}{:>6}{:>6}{:>6}{:>6}{:>10}{:>8}", "family", "both", "A", "B", "none", "agree%", "kappa");
    for family in Family::ALL {
        let (mut yy, mut yn, mut ny, mut nn) = (0usize, 0usize, 0usize, 0usize);
        for (id, lb) in b {
            let ya = a.get(id).is_some_and(|la| la.contains(&family));
            match (ya, lb.contains(&family)) {
                (true, true) => yy += 1,
                (true, false) => yn += 1,
                (false, true) => ny += 1,
                (false, false) => nn += 1,
            }
        }
        let n = (yy + yn + ny + nn) as f64;
        let po = (yy + nn) as f64 / n;
        let (pa, pb) = ((yy + yn) as f64 / n, (yy + ny) as f64 / n);
        let pe = pa * pb + (1.0 - pa) * (1.0 - pb);
        let kappa = if pe >= 1.0 { 1.0 } else { (po - pe) / (1.0 - pe) };
        println!("{:<16}{yy:>6}{yn:>6}{ny:>6}{nn:>6}{:>9.1}%{kappa:>8.3}", family.as_str(), po * 100.0);
    }
}

fn corpus(root: &Path) -> Option<PathBuf> {
    let candidates = [std::env::var_os("PITH_CORPUS").map(PathBuf::from), Some(root.join("../shared/corpus"))];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// As eval/sample.py reads a file: UTF-8 without BOM, else Windows-1252.
fn decode(bytes: &[u8]) -> String {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1)))
        .collect()
}

fn read_labels(path: &Path) -> Result<Labels, String> {
    let mut labels = Labels::new();
    for row in read_jsonl::<LabelRow>(path)? {
        let families = row
            .families
            .iter()
            .map(|f| Family::parse(f).ok_or(format!("{}: {}: unknown family {f}", path.display(), row.id)))
            .collect::<Result<Vec<_>, _>>()?;
        labels.insert(row.id, families);
    }
    Ok(labels)
}
