//! The journey strip in the reports: per persona, each stage of the buyer's journey with its
//! prevalence, the risks and needs said in the same passages, and a quote; a stage without
//! evidence says so.

use std::fmt::Write;

use super::escape::{html as esc, markdown as md};
use super::pct;
use crate::aggregate::{JourneyStage, Persona, StageCode};

const NO_EVIDENCE: &str = "No evidence: ask about this stage in the next interviews.";

fn codes(list: &[StageCode]) -> String {
    list.iter().map(|c| format!("{} ({})", c.label, c.passages)).collect::<Vec<_>>().join(", ")
}

/// The `### Journey` table of a persona, in Markdown.
pub(super) fn markdown(out: &mut String, p: &Persona) {
    if p.journey.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Journey\n\n| stage | interviews | risks in the same passages | needs in the same passages | quote |\n|---|---:|---|---|---|"
    );
    for s in &p.journey {
        let quote = match &s.quote {
            Some(q) => super::buying::quote_cell(q),
            None => NO_EVIDENCE.into(),
        };
        let _ = writeln!(
            out,
            "| {} | {}/{} ({}) | {} | {} | {} |",
            md(&s.label),
            s.interviews,
            p.interviews,
            pct(s.prevalence),
            md(&codes(&s.risks)),
            md(&codes(&s.needs)),
            quote
        );
    }
    out.push('\n');
}

/// The journey strip of a persona, in HTML: one column per stage, in journey order.
pub(super) fn html(out: &mut String, p: &Persona) {
    if p.journey.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>Journey</h3>\n<p class=\"note\">Each stage of the buyer's journey: interviews with evidence of it, and the risks and needs said in the same passages (passages).</p>\n<div class=\"journey\" style=\"display:grid;grid-template-columns:repeat({},minmax(130px,1fr));gap:8px;overflow-x:auto\">",
        p.journey.len()
    );
    for s in &p.journey {
        stage(out, s, p.interviews);
    }
    let _ = writeln!(out, "</div>");
}

fn stage(out: &mut String, s: &JourneyStage, n: usize) {
    let shade = super::html::shade(0.5 * s.prevalence);
    let _ = write!(
        out,
        "<section class=\"stage\" style=\"border:1px solid #d9e2ec;border-radius:6px;padding:8px;font-size:13px;break-inside:avoid\"><h4 style=\"margin:0 0 4px;padding:4px;background:{shade};border-radius:4px\">{}</h4><div><strong>{}/{n}</strong> ({})</div>",
        esc(&s.label),
        s.interviews,
        pct(s.prevalence)
    );
    let Some(q) = &s.quote else {
        let _ = writeln!(out, "<p class=\"gap\">{NO_EVIDENCE}</p></section>");
        return;
    };
    for (title, list) in [("risks", &s.risks), ("needs", &s.needs)] {
        if !list.is_empty() {
            let _ = write!(out, "<div><small>{title}</small><br>{}</div>", esc(&codes(list)));
        }
    }
    let _ = writeln!(
        out,
        "<blockquote style=\"font-size:12px;margin:6px 0;padding:4px 6px\"><p>“{}”</p><footer>{} · {} ¶{}</footer></blockquote></section>",
        esc(&q.text),
        esc(&q.participant),
        esc(&q.interview),
        q.passage
    );
}
