//! `report.md`: the workshop hand-out. A short overview per persona first (the shareable
//! artefact), then the detail with quotes. Every transcript string is escaped.

use std::fmt::Write;

use crate::aggregate::{Aggregates, CodeStats, Persona, Quote};
use crate::model::Family;

/// Escapes Markdown (and inline HTML) so transcript text renders as text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '<' | '>' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

fn label_of<'a>(agg: &'a Aggregates, code: &'a str) -> &'a str {
    agg.codebook.iter().find(|c| c.code == code).map_or(code, |c| c.label.as_str())
}

fn time(t: Option<f64>) -> String {
    t.map(|s| {
        let s = s.max(0.0) as u64;
        format!(" at {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    })
    .unwrap_or_default()
}

fn quote_line(out: &mut String, q: &Quote) {
    let prompted = if q.prompted { ", prompted" } else { "" };
    let _ = writeln!(
        out,
        "> “{}”  \n> — {}, {} ¶{}{}{}\n",
        escape(&q.text),
        escape(&q.participant),
        escape(&q.interview),
        q.passage,
        time(q.time),
        prompted
    );
}

pub(super) fn render(agg: &Aggregates) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: persona insights\n", escape(&agg.study));
    let _ = writeln!(
        out,
        "{} interviews in {} groups by `{}`. Prevalence counts interviews, not words: \
         an interview counts for a code when its participant mentioned it at least once without \
         negating it. Differences are Fisher's exact test on interview counts (called a difference \
         at p < {}); samples under {} interviews are flagged as too small to tell.\n",
        agg.interviews,
        agg.personas.len(),
        escape(&agg.group_by),
        agg.thresholds.difference_p,
        agg.thresholds.small_sample
    );
    let _ = writeln!(out, "## Overview\n");
    for p in &agg.personas {
        overview(&mut out, agg, p);
    }
    if agg.personas.len() > 1 {
        let _ = writeln!(out, "## Shared by every group (golden themes)\n");
        if agg.golden.is_empty() {
            let _ =
                writeln!(out, "No code reaches {} prevalence in every group.\n", pct(agg.thresholds.golden_prevalence));
        } else {
            let header: Vec<String> = agg.personas.iter().map(|p| escape(&p.name)).collect();
            let _ = writeln!(out, "| code | {} |", header.join(" | "));
            let _ = writeln!(out, "|---|{}", "---:|".repeat(header.len()));
            for g in &agg.golden {
                let cells: Vec<String> = g.prevalence.iter().map(|p| pct(*p)).collect();
                let _ = writeln!(out, "| {} (`{}`) | {} |", escape(label_of(agg, &g.code)), g.code, cells.join(" | "));
            }
            out.push('\n');
        }
    }
    for p in &agg.personas {
        detail(&mut out, agg, p);
    }
    if !agg.cooccurrence.is_empty() {
        let _ =
            writeln!(out, "## Codes that occur together\n\n| code | code | passages | Jaccard |\n|---|---|---:|---:|");
        for c in agg.cooccurrence.iter().take(10) {
            let _ = writeln!(out, "| `{}` | `{}` | {} | {:.2} |", c.a, c.b, c.count, c.jaccard);
        }
        out.push('\n');
    }
    out
}

fn overview(out: &mut String, agg: &Aggregates, p: &Persona) {
    let _ = writeln!(out, "### {} ({} interviews, {} passages)\n", escape(&p.name), p.interviews, p.passages);
    let apart: Vec<String> = p
        .distinctive
        .codes
        .iter()
        .filter(|d| d.significant && d.direction == "higher")
        .map(|d| {
            format!(
                "**{}** ({} vs {} of the rest, p = {:.3})",
                escape(label_of(agg, &d.code)),
                pct(d.prevalence),
                pct(d.rest_prevalence),
                d.p_value
            )
        })
        .collect();
    if !apart.is_empty() {
        let _ = writeln!(out, "- Sets them apart: {}", apart.join("; "));
    } else if p.distinctive.small_sample {
        let _ = writeln!(out, "- Sets them apart: sample too small to tell");
    } else {
        let _ = writeln!(out, "- Sets them apart: no code difference clears p < {}", agg.thresholds.difference_p);
    }
    let top: Vec<String> = p
        .codes
        .iter()
        .filter(|c| c.interviews > 0)
        .take(6)
        .map(|c| format!("{} ({}/{})", escape(&c.label), c.interviews, p.interviews))
        .collect();
    let _ = writeln!(out, "- Top themes: {}", if top.is_empty() { "none".into() } else { top.join(", ") });
    if !p.gaps.is_empty() {
        let gaps: Vec<&str> = p.gaps.iter().map(|f| f.title()).collect();
        let _ = writeln!(out, "- No evidence yet (ask next time): {}", gaps.join(", "));
    }
    let _ = writeln!(
        out,
        "- Saturation: {} ({} codes after {} interviews)\n",
        p.saturation.status,
        p.saturation.cumulative.last().copied().unwrap_or(0),
        p.interviews
    );
}

fn code_row(out: &mut String, c: &CodeStats, n: usize) {
    let _ = writeln!(
        out,
        "| {} (`{}`) | {}/{} ({}) | {} | {} | {} |",
        escape(&c.label),
        c.code,
        c.interviews,
        n,
        pct(c.prevalence),
        c.mentions,
        c.negated,
        c.prompted
    );
}

fn detail(out: &mut String, agg: &Aggregates, p: &Persona) {
    let _ = writeln!(out, "## {} in detail\n", escape(&p.name));
    for family in Family::ALL {
        let codes: Vec<&CodeStats> = p.codes.iter().filter(|c| c.family == family).collect();
        let _ = writeln!(out, "### {}\n", family.title());
        if codes.is_empty() {
            let _ = writeln!(out, "No evidence: a known unknown to take into the next interviews.\n");
            continue;
        }
        let _ = writeln!(out, "| code | interviews | mentions | negated | prompted |\n|---|---:|---:|---:|---:|");
        for c in &codes {
            code_row(out, c, p.interviews);
        }
        out.push('\n');
        for c in codes.iter().filter(|c| !c.quotes.is_empty()).take(5) {
            let _ = writeln!(out, "**{}**\n", escape(&c.label));
            for q in &c.quotes {
                quote_line(out, q);
            }
        }
    }
    if !p.jobs.is_empty() {
        let _ = writeln!(out, "### Job statements\n\n| who | when | wants to | so that |\n|---|---|---|---|");
        for j in p.jobs.iter().take(30) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&j.participant),
                escape(j.situation.as_deref().unwrap_or("")),
                escape(&j.motivation),
                escape(j.outcome.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    if !p.distinctive.terms.is_empty() {
        let terms: Vec<String> =
            p.distinctive.terms.iter().map(|t| format!("{} (z = {:.1})", escape(&t.term), t.z)).collect();
        let _ = writeln!(out, "### Distinctive words\n\n{}\n", terms.join(", "));
    }
    let _ = agg;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_html() {
        assert_eq!(escape("<script>x</script> [a](b) *x*"), "\\<script\\>x\\</script\\> \\[a\\](b) \\*x\\*");
    }
}
