//! `pith lexicon check [PATH...]` and `pith lexicon explain [--study S] TEXT`.

use std::io::{self, Write};
use std::path::PathBuf;

use pith::analyze::{Analyzer, Language};
use pith::code;
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
    /// Show what would be coded in TEXT, and why.
    Explain {
        /// Use this study's lexicons and language.
        #[arg(long)]
        study: Option<PathBuf>,
        /// The text to code.
        text: String,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> anyhow::Result<Outcome> {
    match cmd {
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
        Command::Explain { study, text } => {
            let (analyzer, extra) = match &study {
                Some(s) => {
                    let study = Study::open(s)?;
                    (Analyzer::new(study.language()?), study.lexicon_paths())
                }
                None => (Analyzer::new(Language::English), Vec::new()),
            };
            let lexicon = load_lexicon(ctx, &analyzer, &extra)?;
            let analysis = analyzer.analyze(&text);
            let mut out = io::stdout().lock();
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
            let tags = code::code_passage(&lexicon, &text, &analysis, &[]);
            if tags.is_empty() {
                writeln!(out, "no codes")?;
            }
            for tag in &tags {
                let c = &lexicon.codes()[tag.code];
                let verdict = if tag.is_evidence() { "evidence" } else { "not evidence" };
                writeln!(out, "{} ({}): {verdict}", c.id, c.label)?;
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
            Ok(Outcome::Done)
        }
    }
}
