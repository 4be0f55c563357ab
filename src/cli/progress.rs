//! A progress bar on stderr for long runs (files, bytes, MB/s, ETA), drawn only when stderr is
//! a terminal and `--quiet` is off: silent in pipes, logs and tests.

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;

/// Progress over a study's transcripts.
pub struct Progress {
    bar: Option<ProgressBar>,
    files: usize,
    done: usize,
}

impl Progress {
    /// A bar over `transcripts` (their sizes on disk make the total), or nothing when stderr is
    /// not a terminal.
    pub fn new(ctx: &Context, transcripts: &[PathBuf]) -> Progress {
        let files = transcripts.len();
        if ctx.quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None, files, done: 0 };
        }
        let total: u64 = transcripts.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ETA {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(format!("0/{files} files"));
        Progress { bar: Some(bar), files, done: 0 }
    }

    /// One transcript of `bytes` on disk done.
    pub fn done(&mut self, bytes: u64) {
        self.done += 1;
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}/{} files", self.done, self.files));
            bar.inc(bytes);
        }
    }

    /// Clears the bar (the closing line says what was done).
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

impl pith::run::Observer for Progress {
    fn transcript(&mut self, bytes: u64) {
        self.done(bytes);
    }
}
