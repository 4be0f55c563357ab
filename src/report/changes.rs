//! The "what changed since the last run" section of report.md and report.html, from the
//! aggregates' [`Changes`](crate::changes::Changes) in the words [`describe`] gives.

use std::fmt::Write;

use super::escape;
use crate::aggregate::Aggregates;
use crate::changes::describe;

const TITLE: &str = "What changed since the last run";

/// The section in Markdown; nothing when the run made no comparison.
pub(super) fn markdown(out: &mut String, agg: &Aggregates) {
    let Some(changes) = &agg.changes else { return };
    let _ = writeln!(out, "## {TITLE}\n");
    for part in describe(changes) {
        if let Some(h) = &part.heading {
            let _ = writeln!(out, "### {}\n", escape::markdown(h));
        }
        for line in &part.lines {
            let _ = writeln!(out, "- {}", escape::markdown(line));
        }
        out.push('\n');
    }
}

/// The section in HTML; nothing when the run made no comparison.
pub(super) fn html(out: &mut String, agg: &Aggregates) {
    let Some(changes) = &agg.changes else { return };
    let _ = writeln!(out, "<h2 id=\"changes\">{TITLE}</h2>");
    for part in describe(changes) {
        if let Some(h) = &part.heading {
            let _ = writeln!(out, "<h3>{}</h3>", escape::html(h));
        }
        let _ = write!(out, "<ul class=\"changes\">");
        for line in &part.lines {
            let _ = write!(out, "<li>{}</li>", escape::html(line));
        }
        let _ = writeln!(out, "</ul>");
    }
}
