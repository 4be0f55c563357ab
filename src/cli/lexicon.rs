//! `pith lexicon check [PATH...]` and `pith lexicon explain [--study S] (TEXT | --passage INTERVIEW:N)`.

use std::io::{self, Write};
use std::path::PathBuf;

use pith::analyze::{Analyzer, Language};
use pith::code;
use pith::lexicon::Lexicon;
use pith::meaning::Meaning;
use pith::pipeline;
use pith::study::Study;

use super::{load_lexicon, Context, Outcome};

/// `pith lexicon ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate the built-in lexicons plus the given files or folders; errors name file:line.
    Check {
        /// Lexicon files or folders to check on top of the built-in ones.
        paths: Vec<PathBuf>,
        /// Stemming language.
        #[arg(long, default_value = "english")]
        language: String,
    },
    /// Show what would be coded in TEXT (or a study's passage), and why.
    Explain {
        /// Use this study's lexicons and language.
        #[arg(long)]
        study: Option<PathBuf>,
        /// Explain passage N of interview INTERVIEW of the study (`INTERVIEW:N`, as `pith code`
        /// prints them), with the question before it.
        #[arg(long, value_name = "INTERVIEW:N", requires = "study", conflicts_with = "text")]
        passage: Option<String>,
        /// The text to code.
        text: Option<String>,
    },
    /// Suggest terms that tell the passages the researcher coded with a code from the rest.
    Suggest(super::suggest::Args),
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Suggest(args) => super::suggest::run(ctx, args),
        Command::Check { paths, language } => {
            let language =
                Language::parse(&language).ok_or_else(|| anyhow::anyhow!("unknown language {language:?}"))?;
            let analyzer = Analyzer::new(language);
            let lexicon = load_lexicon(ctx, &analyzer, &paths)?;
            let _ = writeln!(
                io::stdout(),
                "ok: {} codes, {} terms, {} warnings",
                lexicon.codes().len(),
                lexicon.codes().iter().map(|c| c.terms.len()).sum::<usize>(),
                lexicon.warnings.len()
            );
            Ok(Outcome::Done)
        }
        Command::Explain { study, passage, text } => {
            let (study, analyzer, extra) = match &study {
                Some(s) => {
                    let study = Study::open(s)?;
                    let analyzer = Analyzer::new(study.language()?);
                    let extra = study.lexicon_paths();
                    (Some(study), analyzer, extra)
                }
                None => (None, Analyzer::new(Language::English), Vec::new()),
            };
            let meaning_on = study.as_ref().is_some_and(|s| s.config.coding.meaning);
            let lexicon = load_lexicon(ctx, &analyzer, &extra)?.with_meaning(meaning_on);
            let mut out = io::stdout().lock();
            match (passage, text, &study) {
                (Some(at), None, Some(study)) => {
                    let (text, question) = find_passage(study, &lexicon, &analyzer, &at)?;
                    explain(&mut out, &lexicon, &analyzer, &text, question.as_deref())?;
                }
                (Some(_), None, None) => anyhow::bail!("--passage needs --study"),
                (None, Some(text), _) => explain(&mut out, &lexicon, &analyzer, &text, None)?,
                _ => anyhow::bail!("give either TEXT or --passage INTERVIEW:N"),
            }
            Ok(Outcome::Done)
        }
    }
}

/// The text of passage `INTERVIEW:N` of the study, and the interviewer question before it.
fn find_passage(
    study: &Study,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    at: &str,
) -> anyhow::Result<(String, Option<String>)> {
    let (id, n) = pith::index::parse_passage_id(at).ok_or_else(|| {
        anyhow::anyhow!("--passage {at:?}: expected INTERVIEW:N (as `pith code` and `pith search` print them)")
    })?;
    let path = study
        .transcripts
        .iter()
        .find(|p| study.meta_for(p).id == id)
        .ok_or_else(|| anyhow::anyhow!("no interview {id:?} in the study"))?;
    let interview = pipeline::process(study, lexicon, analyzer, path, pipeline::Output::default())
        .map_err(|d| anyhow::anyhow!("{d}"))?
        .0
        .interview;
    let passage = interview
        .passages
        .iter()
        .find(|p| p.passage.index == n)
        .ok_or_else(|| anyhow::anyhow!("{id} has {} passages, no passage {n}", interview.passages.len()))?;
    let question = passage
        .passage
        .question
        .and_then(|q| interview.passages.iter().find(|p| p.passage.index == q))
        .map(|q| interview.text(&q.passage).to_string());
    Ok((interview.text(&passage.passage).to_string(), question))
}

/// Prints the tokens of `text`, each match with its term and code, and why it was negated,
/// hedged, intensified, prompted (a term of its code in `question`) or vetoed.
fn explain(
    out: &mut impl Write,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    text: &str,
    question: Option<&str>,
) -> io::Result<()> {
    let mut prompting = Vec::new();
    if let Some(q) = question {
        writeln!(out, "question: {}", q.split_whitespace().collect::<Vec<_>>().join(" "))?;
        let qa = analyzer.analyze(q);
        for m in lexicon.matcher().find(q, &qa).into_iter().filter(|m| m.vetoed_by.is_none()) {
            let c = &lexicon.codes()[m.code];
            let term = c.terms.get(m.term).map_or("", |t| t.source.as_str());
            writeln!(out, "  question mentions {} with {:?} (term {term:?})", c.id, &q[m.bytes.clone()])?;
            prompting.push(m.code);
        }
        writeln!(out, "passage: {}", text.split_whitespace().collect::<Vec<_>>().join(" "))?;
    }
    let analysis = analyzer.analyze(text);
    writeln!(out, "tokens:")?;
    for t in &analysis.tokens {
        writeln!(
            out,
            "  {:>4}..{:<4} {:<16} stem={}",
            t.chars.start,
            t.chars.end,
            &text[t.bytes.clone()],
            analysis.stem(t)
        )?;
    }
    let tags = code::code_passage(lexicon, text, &analysis, &prompting);
    if tags.is_empty() {
        writeln!(out, "no codes")?;
    }
    let evidence = code::evidence_families(lexicon, &tags);
    for tag in &tags {
        let c = &lexicon.codes()[tag.code];
        let verdict = match (tag.is_evidence(), evidence.contains(c.family())) {
            (true, true) => "evidence",
            (true, false) => "not evidence: its family's rule is not met (a weak code needs a second term or code)",
            (false, _) => "not evidence",
        };
        let prompted = if tag.prompted { ", prompted: the question used a term of this code" } else { "" };
        writeln!(out, "{} ({}): {verdict}{prompted}", c.id, c.label)?;
        for m in &tag.mentions {
            let term = c.terms.get(m.term).map_or("", |t| t.source.as_str());
            write!(
                out,
                "  {:?} matched term {:?} ({})",
                &text[m.bytes.clone()],
                term,
                c.terms.get(m.term).map_or_else(String::new, |t| t.location.to_string())
            )?;
            if let Some(n) = &m.negation {
                write!(out, "; negated by {:?}", n.text)?;
            }
            if let Some(h) = &m.hedge {
                write!(out, "; hedged by {:?}", h.text)?;
            }
            if let Some(i) = &m.intensifier {
                write!(out, "; intensified by {:?}", i.text)?;
            }
            if let Some(v) = m.vetoed_by.and_then(|v| c.exclusions.get(v)) {
                write!(out, "; vetoed by exclusion {:?}", v.source)?;
            }
            writeln!(out)?;
        }
    }
    explain_meaning(out, lexicon, text)?;
    let jobs = code::extract_jobs(text);
    for j in &jobs {
        writeln!(
            out,
            "job statement: situation={:?} motivation={:?} outcome={:?}",
            j.situation.as_deref().unwrap_or(""),
            j.motivation,
            j.outcome.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

/// Prints each family's probability from the meaning layer, whether it is coded, and the tokens
/// that moved it most.
fn explain_meaning(out: &mut impl Write, lexicon: &Lexicon, text: &str) -> io::Result<()> {
    let state = if lexicon.meaning().is_some() {
        "on in this study"
    } else {
        "off; `[coding] meaning = true` in a study's pith.toml turns it on"
    };
    writeln!(out, "meaning layer ({state}): probability, threshold, and what each token added to the log-odds")?;
    for e in Meaning::builtin().explain(text, 5) {
        let verdict = if e.probability >= e.threshold { "found" } else { "not found" };
        let tokens: Vec<String> = e.tokens.iter().map(|(t, s)| format!("{t} {s:+.2}")).collect();
        writeln!(
            out,
            "  {:<15} {:.2} (from {:.2}): {verdict}; {}",
            e.family.as_str(),
            e.probability,
            e.threshold,
            tokens.join(", ")
        )?;
    }
    Ok(())
}
