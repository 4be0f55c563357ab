//! `report.md`: the workshop hand-out. A short overview per persona first (the shareable
//! artefact), then the detail with quotes. Every transcript string is escaped.

use std::fmt::Write;

use super::escape::markdown as escape;
use super::{clock, pct};
use crate::aggregate::{Aggregates, CodeStats, Direction, Persona, Quote};
use crate::model::Family;
use crate::words::counted;

fn label_of<'a>(agg: &'a Aggregates, code: &'a str) -> &'a str {
    agg.codebook.iter().find(|c| c.code == code).map_or(code, |c| c.label.as_str())
}

fn time(t: Option<f64>) -> String {
    t.map(|s| format!(" at {}", clock(s))).unwrap_or_default()
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
    let _ = writeln!(out, "{}\n", super::method_note(agg, escape));
    let _ = writeln!(out, "## Overview\n");
    for p in &agg.personas {
        overview(&mut out, agg, p);
    }
    super::changes::markdown(&mut out, agg);
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
    super::buying::markdown_map(&mut out, agg);
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
    let (interviews, passages) = (counted(p.interviews, "interview"), counted(p.passages, "passage"));
    let _ = writeln!(out, "### {} ({interviews}, {passages})\n", escape(&p.name));
    let apart: Vec<String> = p
        .distinctive
        .codes
        .iter()
        .filter(|d| d.significant && d.direction == Direction::Higher)
        .map(|d| {
            format!(
                "**{}** ({} vs {} of the rest, p = {:.3}, q = {:.3})",
                escape(label_of(agg, &d.code)),
                pct(d.prevalence),
                pct(d.rest_prevalence),
                d.p_value,
                d.q_value
            )
        })
        .collect();
    if !apart.is_empty() {
        let _ = writeln!(out, "- Sets them apart: {}", apart.join("; "));
    } else if agg.personas.len() == 1 {
        let _ = writeln!(out, "- Sets them apart: only one group, nothing to compare with");
    } else if p.distinctive.small_sample {
        let _ = writeln!(out, "- Sets them apart: sample too small to tell");
    } else {
        let _ = writeln!(out, "- Sets them apart: no code difference clears q < {}", agg.thresholds.difference_q);
    }
    let words: Vec<String> = p.distinctive.terms.iter().take(8).map(|t| escape(&t.term)).collect();
    if !words.is_empty() {
        let _ = writeln!(out, "- Their words: {}", words.join(", "));
    }
    let top: Vec<String> = p
        .codes
        .iter()
        .filter(|c| c.is_theme())
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
        "- Saturation: {} ({} codes after {})\n",
        p.saturation.status.describe(),
        p.saturation.cumulative.last().copied().unwrap_or(0),
        counted(p.interviews, "interview")
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
    super::journey::markdown(out, p);
    super::buying::markdown(out, p);
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
    if !p.distinctive.codes.is_empty() {
        let _ = writeln!(
            out,
            "### How they differ from the rest\n\n| code | here | rest | p | q | log odds ratio | called |\n|---|---:|---:|---:|---:|---:|---|"
        );
        for d in &p.distinctive.codes {
            let _ = writeln!(
                out,
                "| {} (`{}`) | {}/{} | {} | {:.3} | {:.3} | {:+.2} | {} |",
                escape(label_of(agg, &d.code)),
                d.code,
                d.interviews,
                p.interviews,
                pct(d.rest_prevalence),
                d.p_value,
                d.q_value,
                d.log_odds_ratio,
                match (d.significant, d.direction) {
                    (true, Direction::Higher) => "higher",
                    (true, Direction::Lower) => "lower",
                    (false, _) => "not a difference",
                }
            );
        }
        out.push('\n');
    }
    if !p.known_unknowns.is_empty() {
        let _ = writeln!(out, "### What they said they don't know\n");
        for q in &p.known_unknowns {
            quote_line(out, q);
        }
    }
    if !p.distinctive.terms.is_empty() {
        let terms: Vec<String> = p
            .distinctive
            .terms
            .iter()
            .map(|t| format!("{} (z = {:.1}, {} interviews)", escape(&t.term), t.z, t.interviews))
            .collect();
        let _ = writeln!(out, "### Distinctive words\n\n{}\n", terms.join(", "));
    }
}
