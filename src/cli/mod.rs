//! The only code that knows clap, stdout, stderr and exit codes. Each subcommand has its own
//! file with its arguments and a `run` function; this module dispatches and turns errors
//! into messages and exit statuses (0 all good, 1 nothing could be done, 2 inputs skipped or
//! a persona, code or attribute the study does not have).

mod agree;
mod code;
mod diff;
mod import;
mod index;
mod init;
mod lexicon;
mod portfolio;
mod progress;
mod report;
mod review;
mod run;
mod search;
mod suggest;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use pith::analyze::Analyzer;
use pith::lexicon::Lexicon;
use pith::run::Opened;
use pith::{Diagnostic, Error, Severity};

/// pith: code customer interview transcripts into evidence for persona work.
#[derive(Debug, Parser)]
#[command(name = "pith", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Cores to use: as many worker threads, and (on Linux) all of pith's threads, the index
    /// writer's included, kept on that many cores (default: every core).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Stop at the first transcript that cannot be read.
    #[arg(long, global = true)]
    strict: bool,
    /// Print no warnings, only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scaffold a study: pith.toml, participants.csv and transcripts/ with an example.
    Init(init::Args),
    /// Code every transcript and write the reports (the main job).
    Run(run::Args),
    /// Code the study and write the workshop report (md, html, json, csv, qdpx).
    Report(report::Args),
    /// Parse, segment, code and index every transcript (incremental).
    Index(index::Args),
    /// Print every passage with its codes (JSON lines or CSV).
    Code(code::Args),
    /// Search the indexed passages, or count matches per persona, code or attribute.
    Search(search::Args),
    /// What changed between two report.json files (text, or --json).
    Diff(diff::Args),
    /// Check lexicons, or explain what a text would be coded as.
    #[command(subcommand)]
    Lexicon(lexicon::Command),
    /// Import a coded project (REFI-QDA .qdpx or .qdc, Taguette or QualCoder, ATLAS.ti quotes).
    Import(import::Args),
    /// Compare pith's coding with the researcher's: kappa and F1 per code and family.
    Agree(agree::Args),
    /// Accept or reject pith's hits and near misses of a code, one at a time or as a sheet.
    Review(review::Args),
}

/// How a command ended.
pub enum Outcome {
    /// Everything done.
    Done,
    /// Done, but some inputs were skipped.
    Partial,
}

/// Runs the command line; returns the exit status.
pub fn run(cli: Cli) -> u8 {
    if let Some(n) = cli.threads {
        keep_to_cores(n.max(1));
        // Fails only if a pool was built already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let ctx = Context { strict: cli.strict, quiet: cli.quiet };
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Run(args) => run::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Index(args) => index::run(&ctx, args),
        Command::Code(args) => code::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Lexicon(cmd) => lexicon::run(&ctx, cmd),
        Command::Import(args) => import::run(&ctx, args),
        Command::Agree(args) => agree::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Review(args) => review::run(&ctx, args),
    };
    match result {
        Ok(Outcome::Done) => 0,
        Ok(Outcome::Partial) => 2,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            // The library's errors already say their source; a cause is added when it says more.
            let mut msg = String::new();
            for cause in e.chain().map(|c| c.to_string()) {
                if msg.ends_with(&cause) {
                    continue;
                }
                if !msg.is_empty() {
                    msg.push_str(": ");
                }
                msg.push_str(&cause);
            }
            let _ = writeln!(io::stderr(), "pith: error: {msg}");
            // A name the study does not have is a usage error, as clap's are.
            if e.chain()
                .any(|c| matches!(c.downcast_ref::<Error>(), Some(Error::Unknown { .. } | Error::UnknownCode { .. })))
            {
                2
            } else {
                1
            }
        }
    }
}

/// Keeps the process on `n` of the cores it may run on (the first `n`), so that `--threads N`
/// means N cores: tantivy's index writer runs threads of its own beside the workers, which would
/// otherwise take another core. Threads started later inherit it; called before any is.
#[cfg(target_os = "linux")]
fn keep_to_cores(n: usize) {
    use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};
    let Ok(allowed) = sched_getaffinity(None) else { return };
    if allowed.count() as usize <= n {
        return;
    }
    let mut cores = CpuSet::new();
    for cpu in (0..CpuSet::MAX_CPU).filter(|&cpu| allowed.is_set(cpu)).take(n) {
        cores.set(cpu);
    }
    // Not being able to narrow it only leaves pith on more cores than asked.
    let _ = sched_setaffinity(None, &cores);
}

#[cfg(not(target_os = "linux"))]
fn keep_to_cores(_: usize) {}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// Settings every command shares.
pub struct Context {
    /// `--strict`.
    pub strict: bool,
    /// `--quiet`.
    pub quiet: bool,
}

impl Context {
    /// Prints diagnostics to stderr; returns whether any input was skipped.
    pub fn report_diagnostics(&self, diagnostics: &[Diagnostic]) -> bool {
        let mut err = io::stderr().lock();
        let mut skipped = false;
        for d in diagnostics {
            skipped |= d.severity == Severity::Skipped;
            if d.severity == Severity::Skipped || !self.quiet {
                let _ = writeln!(err, "pith: {d}");
            }
        }
        skipped
    }

    /// With `--strict`, the first skipped input is an error.
    pub fn check_strict(&self, diagnostics: &[Diagnostic]) -> Result<(), Error> {
        pith::run::check_strict(self.strict, diagnostics)
    }
}

/// Opens a study and compiles its lexicons; a broken lexicon is an error naming file:line.
pub fn open_study(ctx: &Context, path: &Path) -> anyhow::Result<Opened> {
    let opened = Opened::open(path).map_err(|e| match e {
        Error::Lexicon(errors) => broken_lexicon(errors),
        e => anyhow::Error::from(e).context(format!("cannot open study {}", path.display())),
    })?;
    warn_lexicon(ctx, &opened.lexicon);
    Ok(opened)
}

/// Loads built-in lexicons plus `extra`; prints warnings unless quiet.
pub fn load_lexicon(ctx: &Context, analyzer: &Analyzer, extra: &[PathBuf]) -> anyhow::Result<Lexicon> {
    let lexicon = Lexicon::load(analyzer, extra).map_err(broken_lexicon)?;
    warn_lexicon(ctx, &lexicon);
    Ok(lexicon)
}

fn broken_lexicon(errors: Vec<pith::lexicon::LexiconError>) -> anyhow::Error {
    anyhow::anyhow!("broken lexicon, nothing was written:\n{}", Error::Lexicon(errors))
}

fn warn_lexicon(ctx: &Context, lexicon: &Lexicon) {
    if !ctx.quiet {
        for w in &lexicon.warnings {
            let _ = writeln!(io::stderr(), "pith: {}: warning: {}", w.location, w.message);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::thread::sched_getaffinity;

    fn cores() -> u32 {
        sched_getaffinity(None).expect("affinity").count()
    }

    // Each on a thread of its own: the affinity set is the calling thread's, so the other tests
    // keep theirs.
    #[test]
    fn threads_started_after_keep_to_cores_stay_on_that_many_cores() {
        std::thread::spawn(|| {
            super::keep_to_cores(1);
            assert_eq!(cores(), 1);
            assert_eq!(std::thread::spawn(cores).join().expect("thread"), 1);
        })
        .join()
        .expect("test thread");
    }

    #[test]
    fn asking_for_more_cores_than_allowed_keeps_them_all() {
        std::thread::spawn(|| {
            let all = cores();
            super::keep_to_cores(all as usize + 1);
            assert_eq!(cores(), all);
        })
        .join()
        .expect("test thread");
    }
}
