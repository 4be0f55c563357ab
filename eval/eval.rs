//! Evaluation of the built-in lexicons on the labelled development set (issue 4).
//!
//! Takes `eval/sample.jsonl` (references into `../shared/corpus`: source, char range, sha1 of the
//! slice, the question's char range), `eval/labels-a.jsonl` and `eval/labels-b.jsonl` (two
//! independent label passes) and `eval/labels.jsonl` (the gold set: disagreements resolved
//! against `eval/CODEBOOK.md`). Prints Cohen's kappa per family between the two passes, then
//! codes every passage with the built-in lexicons and prints precision, recall and F1 per family,
//! micro-averaged over the five core families and over all eight, negation counts, and the terms
//! behind false positives. A family is predicted by the library's weighing rule
//! ([`evidence_families`]). The same scores are printed for each half of the set (ids by parity),
//! so that tuning on one half can be checked on the other. Passage text is read from the corpus at
//! run time, never stored.
//!
//! Run: `cargo run --release --example eval` (`PITH_CORPUS=DIR` points at another corpus copy;
//! `-- --misses FAMILY` lists the ids and terms of that family's errors; `-- --dump` prints every
//! passage and family, predicted, gold, and the terms behind it, tab-separated).
//!
//! When `eval/heldout.jsonl` and `eval/heldout-labels.jsonl` exist (a second sample, labelled in
//! one pass before pith coded it, never tuned on), their scores are printed as a separate table;
//! their misses are never listed.
//!
//! `PITH_LEXICON_DIR=DIR` reads the eight built-in lexicon files from DIR at run time instead of
//! the copies embedded in the library (`PITH_LEXICON_DIR=lexicons` after editing them: no rebuild).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pith::analyze::{Analyzer, Language};
use pith::code::{code_passage, evidence_families, question_codes, Tag};
use pith::lexicon::{Lexicon, Origin, BUILTIN};
use pith::model::Family;
use serde::Deserialize;

/// Loads the built-in lexicons: the embedded ones, or, when `PITH_LEXICON_DIR=DIR` is set, the
/// files of the same names in DIR (read at run time, so editing a lexicon needs no rebuild).
fn builtin_lexicon(analyzer: &Analyzer) -> Result<Lexicon, String> {
    let render = |e: Vec<pith::lexicon::LexiconError>| pith::lexicon::LexiconErrors::render(&e);
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
    let lexicon = Lexicon::from_sources(analyzer, &sources).map_err(render)?;
    for w in &lexicon.warnings {
        eprintln!("eval: warning: {w}");
    }
    Ok(lexicon)
}

/// The five families the targets are stated on.
const CORE: [Family; 5] = [Family::Need, Family::Risk, Family::Reward, Family::Responsibility, Family::Job];

#[derive(Deserialize)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct SampleRow {
    id: String,
    source: String,
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
    let misses = match args.as_slice() {
        [flag, fam] if flag == "--misses" => Some(Family::parse(fam).ok_or(format!("unknown family {fam}"))?),
        [] => None,
        [flag] if flag == "--dump" => None,
        _ => return Err("usage: eval [--misses FAMILY | --dump]".into()),
    };
    let dump = args.first().is_some_and(|a| a == "--dump");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = read_labels(&root.join("eval/labels-a.jsonl"))?;
    let b = read_labels(&root.join("eval/labels-b.jsonl"))?;
    let gold = read_labels(&root.join("eval/labels.jsonl"))?;
    agreement(&a, &b);

    let analyzer = Analyzer::new(Language::English);
    let lexicon = builtin_lexicon(&analyzer)?;
    sample_study_negation(root, &analyzer, &lexicon)?;

    let Some(corpus) = corpus(root) else {
        println!("\nskipping the coding evaluation: ../shared/corpus is not beside the repository (set PITH_CORPUS)");
        return Ok(());
    };
    let samples = read_jsonl::<SampleRow>(&root.join("eval/sample.jsonl"))?;
    let mut texts = Texts { corpus: corpus.clone(), files: HashMap::new() };
    let mut scores: BTreeMap<Family, Counts> = Family::ALL.iter().map(|f| (*f, Counts::default())).collect();
    // The two halves by id parity (s001 odd, s002 even): tuning looked at the odd half's misses.
    let mut halves: [BTreeMap<Family, Counts>; 2] = [scores.clone(), scores.clone()];
    let mut fp_terms: BTreeMap<Family, BTreeMap<String, usize>> = BTreeMap::new();
    let (mut negated, mut negated_gold_absent, mut skipped) = (0usize, 0usize, 0usize);
    for row in &samples {
        let Some(expected) = gold.get(&row.id) else {
            return Err(format!("{} has no gold label", row.id));
        };
        let Some(tags) = texts.code(row, &analyzer, &lexicon)? else {
            skipped += 1;
            continue;
        };
        let predicted = evidence_families(&lexicon, &tags);
        for tag in &tags {
            let family = lexicon.codes()[tag.code].family();
            let n = tag.mentions.iter().filter(|m| m.vetoed_by.is_none() && m.negation.is_some()).count();
            negated += n;
            if !expected.contains(&family) {
                negated_gold_absent += n;
            }
        }
        let half = usize::from(half_of(&row.id) == Half::Even);
        for family in Family::ALL {
            let (p, g) = (predicted.contains(&family), expected.contains(&family));
            scores.entry(family).or_default().add(p, g);
            halves[half].entry(family).or_default().add(p, g);
            if dump {
                println!(
                    "DUMP\t{}\t{}\t{}\t{}\t{}",
                    row.id,
                    family.as_str(),
                    p,
                    g,
                    terms_of(&lexicon, &tags, family).join("\t")
                );
            }
            if p != g && misses == Some(family) {
                println!(
                    "{} {}: {}",
                    row.id,
                    if p { "FP" } else { "FN" },
                    terms_of(&lexicon, &tags, family).join(" | ")
                );
            }
            if p && !g {
                for t in terms_of(&lexicon, &tags, family) {
                    *fp_terms.entry(family).or_default().entry(t).or_default() += 1;
                }
            }
        }
    }
    println!("\nCoding the development set: {} passages ({skipped} skipped)", samples.len() - skipped);
    print_scores(&scores);
    println!(
        "\nF1 on each half of the set (ids by parity; round 2 read only the odd half's misses, round 3 both halves')"
    );
    println!("{:<16}{:>8}{:>8}", "family", "odd", "even");
    let f1 = |c: &Counts| c.scores().2;
    for family in scores.keys() {
        println!("{:<16}{:>8.3}{:>8.3}", family.as_str(), f1(&halves[0][family]), f1(&halves[1][family]));
    }
    let (odd, even) = (micro(&halves[0], &CORE), micro(&halves[1], &CORE));
    println!("{:<16}{:>8.3}{:>8.3}", "micro (core 5)", f1(&odd), f1(&even));
    let (odd, even) = (micro(&halves[0], &Family::ALL), micro(&halves[1], &Family::ALL));
    println!("{:<16}{:>8.3}{:>8.3}", "micro (all 8)", f1(&odd), f1(&even));
    println!(
        "\nnegated mentions (reported, not counted as evidence): {negated}, of which {negated_gold_absent} in \
         passages whose gold label lacks that family"
    );
    println!("\nmost frequent terms in false positives:");
    for (family, terms) in &fp_terms {
        let mut v: Vec<_> = terms.iter().collect();
        v.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        let top: Vec<String> = v.iter().take(8).map(|(t, n)| format!("{t} ({n})")).collect();
        println!("  {:<15} {}", family.as_str(), top.join(", "));
    }
    let dev_sources: Vec<&str> = samples.iter().map(|r| source_folder(&r.source)).collect();
    heldout(root, &mut texts, &analyzer, &lexicon, &dev_sources)
}

/// The corpus folder a sample comes from: its path without the file name.
fn source_folder(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(folder, _)| folder)
}

/// Scores on the held-out set (`eval/heldout.jsonl`, `eval/heldout-labels.jsonl`), when present:
/// passages labelled before pith coded them and never read while tuning, so only the scores are
/// printed, never the misses.
/// Core micro-F1 is also printed apart for passages from the development set's sources and from
/// sources it does not sample (`dev_sources`: the folders of the development passages).
fn heldout(
    root: &Path,
    texts: &mut Texts,
    analyzer: &Analyzer,
    lexicon: &Lexicon,
    dev_sources: &[&str],
) -> Result<(), String> {
    let (sample, labels) = (root.join("eval/heldout.jsonl"), root.join("eval/heldout-labels.jsonl"));
    if !sample.exists() || !labels.exists() {
        return Ok(());
    }
    let rows = read_jsonl::<SampleRow>(&sample)?;
    let gold = read_labels(&labels)?;
    let mut scores: BTreeMap<Family, Counts> = Family::ALL.iter().map(|f| (*f, Counts::default())).collect();
    // [from the development set's sources, from other sources]
    let mut by_origin: [BTreeMap<Family, Counts>; 2] = [scores.clone(), scores.clone()];
    let mut passages = [0usize; 2];
    let mut skipped = 0usize;
    for row in &rows {
        let Some(expected) = gold.get(&row.id) else {
            return Err(format!("{} has no held-out label", row.id));
        };
        let Some(tags) = texts.code(row, analyzer, lexicon)? else {
            skipped += 1;
            continue;
        };
        let predicted = evidence_families(lexicon, &tags);
        let origin = usize::from(!dev_sources.contains(&source_folder(&row.source)));
        passages[origin] += 1;
        for family in Family::ALL {
            let (p, g) = (predicted.contains(&family), expected.contains(&family));
            scores.entry(family).or_default().add(p, g);
            by_origin[origin].entry(family).or_default().add(p, g);
        }
    }
    println!("\nHeld-out set (never tuned on; scores only): {} passages ({skipped} skipped)", rows.len() - skipped);
    print_scores(&scores);
    println!(
        "core micro-F1: {:.3} on the {} passages from the development set's sources, {:.3} on the {} from other sources",
        micro(&by_origin[0], &CORE).scores().2,
        passages[0],
        micro(&by_origin[1], &CORE).scores().2,
        passages[1]
    );
    Ok(())
}

/// Corpus files read once, by source path, as characters (sample ranges count characters).
struct Texts {
    corpus: PathBuf,
    files: HashMap<String, Vec<char>>,
}

impl Texts {
    /// Codes the passage `row` refers to (with its question); `None` when the corpus slice no
    /// longer matches the stored sha1.
    fn code(&mut self, row: &SampleRow, analyzer: &Analyzer, lexicon: &Lexicon) -> Result<Option<Vec<Tag>>, String> {
        if !self.files.contains_key(&row.source) {
            let text = std::fs::read(self.corpus.join(&row.source)).map_err(|e| format!("{}: {e}", row.source))?;
            self.files.insert(row.source.clone(), decode(&text).chars().collect());
        }
        let chars = &self.files[&row.source];
        let slice = |s: usize, e: usize| chars.get(s..e).map(|c| c.iter().collect::<String>());
        let Some(text) = slice(row.start, row.end) else {
            return Err(format!("{}: range {}..{} is outside {}", row.id, row.start, row.end, row.source));
        };
        if sha1_smol::Sha1::from(text.as_bytes()).digest().to_string() != row.chars_sha1 {
            eprintln!("{}: the corpus slice changed (sha1 differs), skipped", row.id);
            return Ok(None);
        }
        let question = row.question.as_ref().and_then(|q| slice(q.start, q.end)).unwrap_or_default();
        let q_codes = question_codes(lexicon, &question, &analyzer.analyze(&question));
        Ok(Some(code_passage(lexicon, &text, &analyzer.analyze(&text), &q_codes)))
    }
}

#[derive(PartialEq)]
enum Half {
    Odd,
    Even,
}

/// Which half a passage id (`s` and a number) falls in: by the parity of its number.
fn half_of(id: &str) -> Half {
    match id.trim_start_matches(|c: char| !c.is_ascii_digit()).parse::<u32>() {
        Ok(n) if n % 2 == 0 => Half::Even,
        _ => Half::Odd,
    }
}

/// Counts summed over `families`.
/// The per-family table with both micro averages.
fn print_scores(scores: &BTreeMap<Family, Counts>) {
    println!("{:<16}{:>5}{:>5}{:>5}{:>8}{:>8}{:>8}", "family", "tp", "fp", "fn", "P", "R", "F1");
    for (family, c) in scores {
        c.print(family.as_str());
    }
    micro(scores, &CORE).print("micro (core 5)");
    micro(scores, &Family::ALL).print("micro (all 8)");
}

fn micro(scores: &BTreeMap<Family, Counts>, families: &[Family]) -> Counts {
    families.iter().fold(Counts::default(), |acc, f| {
        let c = &scores[f];
        Counts { tp: acc.tp + c.tp, fp: acc.fp + c.fp, fn_: acc.fn_ + c.fn_ }
    })
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

    fn print(&self, name: &str) {
        let (p, r, f1) = self.scores();
        println!("{name:<16}{:>5}{:>5}{:>5}{p:>8.3}{r:>8.3}{f1:>8.3}", self.tp, self.fp, self.fn_);
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

/// Cohen's kappa per family between the two passes, with percent agreement.
///
/// kappa = (po - pe) / (1 - pe), po the observed agreement, pe = pa*pb + (1-pa)(1-pb) the
/// agreement expected by chance from each coder's own rate of "yes" (pa, pb). Worked by hand for
/// `risk` in README.md ("Coding quality").
fn agreement(a: &Labels, b: &Labels) {
    println!("Agreement between the two label passes ({} passages)", a.len());
    println!("{:<16}{:>6}{:>6}{:>6}{:>6}{:>10}{:>8}", "family", "both", "A", "B", "none", "agree%", "kappa");
    for family in Family::ALL {
        let (mut yy, mut yn, mut ny, mut nn) = (0usize, 0usize, 0usize, 0usize);
        for (id, la) in a {
            let ya = la.contains(&family);
            let yb = b.get(id).is_some_and(|lb| lb.contains(&family));
            match (ya, yb) {
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

/// The sample study's "not worried about downtime" must be a negated mention, not evidence.
fn sample_study_negation(root: &Path, analyzer: &Analyzer, lexicon: &Lexicon) -> Result<(), String> {
    let path = root.join("examples/cooling-study/transcripts/frank/frank-03-office-tower.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let Some(line) =
        text.lines().find_map(|l| l.strip_prefix("Kwame: ").filter(|t| t.contains("worried about downtime")))
    else {
        return Err("the sample study no longer has Kwame's downtime sentence".into());
    };
    let tags = code_passage(lexicon, line, &analyzer.analyze(line), &[]);
    let downtime = tags.iter().find(|t| lexicon.codes()[t.code].id.as_str() == "risk.downtime");
    let verdict = match downtime {
        Some(t) if t.negated() => "negated (not counted)",
        Some(_) => "COUNTED AS EVIDENCE (wrong)",
        None => "not matched",
    };
    println!("\nsample study, Kwame (Frank persona) \"not worried about downtime\": risk.downtime {verdict}");
    Ok(())
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
