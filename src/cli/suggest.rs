//! `pith lexicon suggest STUDY --code CODE`: lexicon terms learned from the researcher's coding,
//! cross-validated across interviews, and `--accept` to write them into a study lexicon.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;

use pith::coding::agree::Table;
use pith::coding::suggest::{self, Shape, Split};
use pith::coding::HumanCoding;
use pith::human::{self, Paired, Question, Suggested};
use pith::model::Family;

use super::{open_study, Context, Outcome};

/// Arguments of `pith lexicon suggest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder, with human coding under coding/ (pith import writes it).
    study: PathBuf,
    /// The code to learn terms for: a code of the study's codebook (any case), or a pith code id
    /// (the codes that correspond to it).
    #[arg(long, conflicts_with_all = ["group", "all"])]
    code: Option<String>,
    /// A code group of the codebook: a passage is coded when any of its codes covers it.
    #[arg(long, conflicts_with = "all")]
    group: Option<String>,
    /// Every code and group with enough coded passages: what a lexicon reproduces, as a table.
    #[arg(long)]
    all: bool,
    /// Learn on these interviews and test on the others, then the reverse (ids or number ranges:
    /// `1-10`, `p1,p2`); default: five folds of interviews.
    #[arg(long, value_delimiter = ',')]
    train: Vec<String>,
    /// Terms to list.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Write terms into the study lexicon: `lexicon` (the learned lexicon's) or numbers from the list.
    #[arg(long, value_delimiter = ',', conflicts_with = "all")]
    accept: Vec<String>,
    /// The family of the study code the accepted terms go to (default: the family the code maps to).
    #[arg(long)]
    family: Option<String>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{x:.2}"))
}

/// The interviews `--train` names.
fn train_set(paired: &Paired, train: &[String]) -> anyhow::Result<BTreeSet<String>> {
    let ids: BTreeSet<&str> = paired.passages.iter().map(|p| p.interview.as_str()).collect();
    let mut out = BTreeSet::new();
    for t in train.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if ids.contains(t) {
            out.insert(t.to_string());
            continue;
        }
        let range =
            t.split_once('-').and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)));
        let Some((a, b)) = range else {
            anyhow::bail!(
                "--train {t:?}: no interview with that id among the coded ones ({})",
                ids.iter().copied().collect::<Vec<_>>().join(", ")
            );
        };
        let number = |id: &str| {
            id.rsplit('/')
                .next()
                .and_then(|s| s.chars().filter(char::is_ascii_digit).collect::<String>().parse::<u64>().ok())
        };
        out.extend(ids.iter().filter(|id| number(id).is_some_and(|n| (a..=b).contains(&n))).map(|s| s.to_string()));
    }
    if out.is_empty() || out.len() == ids.len() {
        anyhow::bail!("--train must name some of the coded interviews, not none or all");
    }
    Ok(out)
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let opened = open_study(ctx, &args.study)?;
    let coding = HumanCoding::load(&args.study)?;
    let paired = human::pair(&opened, &coding)?;
    let skipped = ctx.report_diagnostics(&paired.diagnostics);
    let splits: Option<Vec<Split>> =
        if args.train.is_empty() { None } else { Some(human::both_ways(&paired, &train_set(&paired, &args.train)?)) };
    let mut out = io::stdout().lock();
    if args.all {
        all(&mut out, &paired, &coding, splits.as_deref())?;
        return Ok(if skipped { Outcome::Partial } else { Outcome::Done });
    }
    let question = match (&args.code, &args.group) {
        (Some(code), _) => question(&coding, &opened, code)?,
        (None, Some(group)) => {
            let groups = coding.groups();
            let Some(codes) = groups.get(group) else {
                return Err(pith::Error::Unknown {
                    what: "code group",
                    given: group.clone(),
                    suggestion: None,
                    known: groups.keys().cloned().collect(),
                }
                .into());
            };
            Question { name: group.clone(), codes: codes.clone() }
        }
        (None, None) => anyhow::bail!("say what to learn: --code CODE, --group GROUP or --all"),
    };
    let s = human::suggest(&paired, question, splits.as_deref());
    let listed = print_one(&mut out, &paired, &s, args.top)?;
    if !args.accept.is_empty() {
        let terms: Vec<String> = if args.accept.iter().any(|a| a == "lexicon") {
            s.learned.lexicon.iter().map(|&t| paired.terms.text(t)).collect()
        } else {
            let mut terms = Vec::new();
            for a in &args.accept {
                let n: usize = a
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--accept {a:?}: give `lexicon` or numbers from the list"))?;
                let t = listed
                    .get(n.wrapping_sub(1))
                    .ok_or_else(|| anyhow::anyhow!("--accept {n}: the list has {} terms", listed.len()))?;
                terms.push(t.clone());
            }
            terms
        };
        let family = match &args.family {
            Some(f) => Family::parse(f).ok_or_else(|| {
                anyhow::anyhow!("--family {f:?}: not a family ({})", Family::ALL.map(|f| f.as_str()).join(", "))
            })?,
            None => human::family_of(&s.question, &coding, &opened).ok_or_else(|| {
                anyhow::anyhow!(
                    "{:?} maps to no pith family: say which with --family (or map it in coding/mapping.csv)",
                    s.question.name
                )
            })?,
        };
        let description = coding.codebook.get(&s.question.name).map(|c| c.description.clone()).unwrap_or_default();
        writeln!(out, "\nwriting {} terms to the study lexicon: {}", terms.len(), terms.join(", "))?;
        let accepted = human::accept(&opened, &s.question, family, &description, &terms)?;
        writeln!(out, "{}: code {} now has {} terms", accepted.file.display(), accepted.code, accepted.terms.len())?;
    }
    Ok(if skipped { Outcome::Partial } else { Outcome::Done })
}

/// What `--code` names: a code of the codebook (any case), or a pith code id, standing for the
/// human codes that correspond to it.
fn question(coding: &HumanCoding, opened: &pith::run::Opened, code: &str) -> anyhow::Result<Question> {
    if let Some(human) = coding.find(code) {
        return Ok(Question { name: human.clone(), codes: vec![human] });
    }
    if let Some(id) =
        opened.lexicon.codes().iter().map(|c| c.id.as_str()).find(|id| id.eq_ignore_ascii_case(code.trim()))
    {
        let codes: Vec<String> = coding
            .codes()
            .into_iter()
            .filter(|c| coding.target(c, &opened.lexicon).is_some_and(|t| t.as_str() == id))
            .collect();
        if codes.is_empty() {
            anyhow::bail!(
                "no code of the study's coding corresponds to {id}: map one to it in coding/mapping.csv (code,pith), or review its hits with `pith review --code {id}`"
            );
        }
        let name = if codes.len() == 1 { codes[0].clone() } else { id.to_string() };
        return Ok(Question { name, codes });
    }
    let mut names = coding.codes();
    names.extend(opened.lexicon.codes().iter().map(|c| c.id.as_str().to_string()));
    Err(pith::Error::UnknownCode { given: code.to_string(), closest: pith::coding::closest(code, &names, 5) }.into())
}

fn rates(t: &Table) -> String {
    format!("precision {} recall {} F1 {} kappa {}", pct(t.precision()), pct(t.recall()), pct(t.f1()), pct(t.kappa()))
}

/// Prints one code's suggestions; gives the listed terms, numbered from 1.
fn print_one(out: &mut impl Write, paired: &Paired, s: &Suggested, top: usize) -> io::Result<Vec<String>> {
    let share = s.coded as f64 / s.passages.max(1) as f64;
    writeln!(
        out,
        "{}: {} of {} participant passages coded ({:.1}%)",
        s.question.name,
        s.coded,
        s.passages,
        100.0 * share
    )?;
    let (lexicon, yes) = s.validated.pooled();
    for t in &s.validated.splits {
        writeln!(
            out,
            "  held out, {}: lexicon {}; always yes F1 {}",
            t.name,
            rates(&t.lexicon),
            pct(t.always_yes.f1())
        )?;
    }
    writeln!(out, "  held out, pooled: lexicon {}; always yes F1 {}", rates(&lexicon), pct(yes.f1()))?;
    writeln!(out, "  verdict: {}", s.verdict().says())?;
    writeln!(out, "\nterms (weighted log-odds z over passages; * = in the learned lexicon; held out = in the splits whose lexicon took it)")?;
    writeln!(
        out,
        "  {:>3}  {:<32} {:<7} {:>6} {:>5} {:>6} {:>9}   {:>6} {:>5} {:>9}",
        "#", "term", "shape", "z", "hits", "coded", "precision", "splits", "hits", "precision"
    )?;
    let mut listed = Vec::new();
    let shown =
        s.learned.scores.iter().filter(|x| x.z >= suggest::MIN_Z && x.coded_hits >= suggest::MIN_CODED_HITS).take(top);
    for (i, x) in shown.enumerate() {
        let text = paired.terms.text(x.term);
        let shape = match paired.terms.shape(x.term) {
            Shape::Word => "word",
            Shape::Phrase => "phrase",
            Shape::Gapped => "gapped",
        };
        let held = s.validated.terms.get(&x.term).copied().unwrap_or_default();
        let held_precision = (held.hits > 0).then(|| held.coded_hits as f64 / held.hits as f64);
        let star = if s.learned.lexicon.contains(&x.term) { "*" } else { " " };
        writeln!(
            out,
            "  {:>3}{star} {:<32} {:<7} {:>6.2} {:>5} {:>6} {:>9.2}   {:>3}/{:<2} {:>5} {:>9}",
            i + 1,
            text,
            shape,
            x.z,
            x.hits,
            x.coded_hits,
            x.precision(),
            held.splits,
            s.validated.splits.len(),
            held.hits,
            pct(held_precision)
        )?;
        listed.push(text);
    }
    if listed.is_empty() {
        writeln!(out, "  none: no term is found in coded passages reliably more often than elsewhere")?;
    }
    Ok(listed)
}

/// Prints every code and group with enough coded passages as a Markdown table, each kind by
/// held-out kappa, best first; with one or two splits (`--train`), each split's figures too.
fn all(out: &mut impl Write, paired: &Paired, coding: &HumanCoding, splits: Option<&[Split]>) -> io::Result<()> {
    let mut questions: Vec<(&str, Question)> = Vec::new();
    for (group, codes) in coding.groups() {
        questions.push(("group", Question { name: group, codes }));
    }
    for code in coding.codes() {
        questions.push(("code", Question { name: code.clone(), codes: vec![code] }));
    }
    let mut done: Vec<(&str, Suggested)> = questions
        .into_iter()
        .map(|(kind, q)| (kind, human::suggest(paired, q, splits)))
        .filter(|(_, s)| s.coded >= suggest::MIN_CODED)
        .collect();
    done.sort_by(|(k1, a), (k2, b)| {
        let kappa = |s: &Suggested| s.validated.pooled().0.kappa().unwrap_or(0.0);
        k2.cmp(k1).then(kappa(b).total_cmp(&kappa(a))).then(a.question.name.cmp(&b.question.name))
    });
    let per_split = splits.is_some_and(|s| s.len() <= 2);
    let mut head = "| kind | code or group | coded passages |".to_string();
    let mut rule = "|---|---|---:|".to_string();
    if let (true, Some(splits)) = (per_split, splits) {
        for s in splits {
            head.push_str(&format!(" {}: F1 | kappa | always-yes F1 |", s.name));
            rule.push_str("---:|---:|---:|");
        }
    }
    head.push_str(" pooled precision | recall | F1 | kappa | always-yes F1 | verdict | first terms learned from all |");
    rule.push_str("---:|---:|---:|---:|---:|---|---|");
    writeln!(out, "{head}\n{rule}")?;
    for (kind, s) in &done {
        let mut row = format!("| {kind} | {} | {} |", s.question.name.replace('|', "\\|"), s.coded);
        if per_split {
            for t in &s.validated.splits {
                row.push_str(&format!(
                    " {} | {} | {} |",
                    pct(t.lexicon.f1()),
                    pct(t.lexicon.kappa()),
                    pct(t.always_yes.f1())
                ));
            }
        }
        let (lexicon, yes) = s.validated.pooled();
        let terms: Vec<String> = s.learned.lexicon.iter().take(4).map(|&t| paired.terms.text(t)).collect();
        row.push_str(&format!(
            " {} | {} | {} | {} | {} | {} | {} |",
            pct(lexicon.precision()),
            pct(lexicon.recall()),
            pct(lexicon.f1()),
            pct(lexicon.kappa()),
            pct(yes.f1()),
            match s.verdict() {
                suggest::Verdict::Reproduced => "reproduced",
                suggest::Verdict::Partly => "partly",
                suggest::Verdict::NotByWords => "not by words",
                suggest::Verdict::TooFew => "too few",
            },
            terms.join(", ").replace('|', "\\|")
        ));
        writeln!(out, "{row}")?;
    }
    Ok(())
}
