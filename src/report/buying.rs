//! The buying unit in the reports: per persona a table of the roles its interviews name, the
//! relations stated and a quote; across personas a diagram (inline SVG, laid out by position
//! alone, so the same aggregates always draw the same picture) of who takes part in whose buying.

use std::fmt::Write;

use super::escape::{html as esc, markdown as md};
use super::html::truncate;
use crate::aggregate::{Aggregates, BuyingRole, Persona, Quote};
use crate::words::counted;

/// Roles drawn under each persona in the diagram.
const ROLES_DRAWN: usize = 8;
/// Width of one persona's column in the diagram.
const COLUMN: usize = 300;

fn relations(r: &BuyingRole) -> String {
    let mut parts: Vec<String> = Vec::new();
    for s in &r.relations {
        if s.interviews > 0 {
            parts.push(format!("{} ({})", s.label, s.interviews));
        }
        if s.negated > 0 {
            parts.push(format!("not {} ({})", s.label, s.negated));
        }
    }
    if parts.is_empty() {
        "named, no relation stated".into()
    } else {
        parts.join(", ")
    }
}

/// A quote in one Markdown table cell: the text, who and where.
pub(super) fn quote_cell(q: &Quote) -> String {
    format!("“{}” — {}, {} ¶{}", md(&q.text), md(&q.participant), md(&q.interview), q.passage)
}

/// The `### Buying unit` table of a persona, in Markdown.
pub(super) fn markdown(out: &mut String, p: &Persona) {
    let _ = writeln!(out, "### Buying unit\n");
    if p.buying_unit.is_empty() {
        let _ = writeln!(out, "No role named: ask who else takes part in choosing, paying for and approving.\n");
        return;
    }
    let _ = writeln!(out, "| role | interviews | relation stated (interviews) | quote |\n|---|---:|---|---|");
    for r in &p.buying_unit {
        let quote = r.quotes.first().map_or(String::new(), quote_cell);
        let _ = writeln!(
            out,
            "| {} (`{}`) | {}/{} | {} | {} |",
            md(&r.label),
            r.role,
            r.interviews,
            p.interviews,
            md(&relations(r)),
            quote
        );
    }
    out.push('\n');
}

/// The across-personas section, in Markdown.
pub(super) fn markdown_map(out: &mut String, agg: &Aggregates) {
    let map = &agg.buying_map;
    if agg.personas.len() < 2 {
        return;
    }
    let _ = writeln!(out, "## Who takes part in whose buying\n");
    for p in &map.personas {
        let role = match (&p.role, &p.because) {
            (Some(role), Some(because)) => format!("stands for `{role}` ({})", md(because)),
            _ => "stands for no role of the lexicon".into(),
        };
        let _ = writeln!(out, "- {} {role}", md(&p.persona));
    }
    out.push('\n');
    if map.links.is_empty() {
        let _ = writeln!(out, "No persona is named, as its role, in another persona's interviews.\n");
        return;
    }
    for l in &map.links {
        let n = agg.personas.iter().find(|p| p.name == l.to).map_or(0, |p| p.interviews);
        let how = if l.relations.is_empty() { "no relation stated".into() } else { l.relations.join(", ") };
        let _ = writeln!(
            out,
            "- {} → {}: named as `{}` in {} of {} ({how})",
            md(&l.from),
            md(&l.to),
            l.role,
            l.interviews,
            counted(n, "interview"),
            how = md(&how)
        );
    }
    out.push('\n');
}

/// The `Buying unit` table of a persona, in HTML.
pub(super) fn html(out: &mut String, p: &Persona) {
    let _ = writeln!(out, "<h3>Buying unit</h3>");
    if p.buying_unit.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"gap\">No role named: ask who else takes part in choosing, paying for and approving.</p>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"buying\"><thead><tr><th>role</th><th class=\"n\">interviews</th><th>relation stated (interviews)</th><th>quote</th></tr></thead><tbody>"
    );
    for r in &p.buying_unit {
        let quote = r.quotes.first().map_or(String::new(), |q| {
            format!(
                "“{}”<br><small>{} · {} ¶{}</small>",
                esc(&q.text),
                esc(&q.participant),
                esc(&q.interview),
                q.passage
            )
        });
        let _ = writeln!(
            out,
            "<tr><td>{} <code>{}</code></td><td class=\"n\">{}/{}</td><td>{}</td><td>{quote}</td></tr>",
            esc(&r.label),
            esc(&r.role),
            r.interviews,
            p.interviews,
            esc(&relations(r))
        );
    }
    let _ = writeln!(out, "</tbody></table>");
}

/// The across-personas diagram, in HTML: personas in a row, an arc from a persona to each
/// persona whose interviews name its role, and under each persona the other roles its
/// interviews name most.
pub(super) fn html_map(out: &mut String, agg: &Aggregates, color: fn(usize) -> &'static str) {
    let map = &agg.buying_map;
    if agg.personas.is_empty() {
        return;
    }
    let index = |name: &str| agg.personas.iter().position(|p| p.name == name);
    let links: Vec<(usize, usize, &crate::aggregate::InfluenceLink)> =
        map.links.iter().filter_map(|l| Some((index(&l.from)?, index(&l.to)?, l))).collect();
    let span = links.iter().map(|(a, b, _)| a.abs_diff(*b)).max().unwrap_or(0);
    let top = 60 + 70 * span;
    let x = |i: usize| 20 + COLUMN * i + COLUMN / 2;
    let own: Vec<Option<&str>> = agg
        .personas
        .iter()
        .map(|p| map.personas.iter().find(|r| r.persona == p.name).and_then(|r| r.role.as_deref()))
        .collect();
    let drawn: Vec<Vec<&BuyingRole>> = agg
        .personas
        .iter()
        .map(|p| p.buying_unit.iter().filter(|r| !own.contains(&Some(r.role.as_str()))).take(ROLES_DRAWN).collect())
        .collect();
    let rows = drawn.iter().map(Vec::len).max().unwrap_or(0);
    let (width, height) = (40 + COLUMN * agg.personas.len(), top + 80 + 28 * rows + 10);
    let _ = writeln!(
        out,
        "<h2>Who takes part in whose buying</h2>\n<p class=\"note\">An arrow from one persona to another: the second's interviews name the first's role (k of its n interviews, and the relations stated). Under each persona, the other roles its interviews name most. A persona stands for a role when its participants' <code>role</code> column in the manifest, or else its name, contains the role's id, label or one of its terms.</p>"
    );
    let _ = write!(
        out,
        "<div class=\"chart\"><svg class=\"buying-map\" role=\"img\" aria-label=\"Who takes part in whose buying\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#52606d\"/></marker></defs>"
    );
    for &(from, to, l) in &links {
        // Forward arcs outside, backward ones inside, so the two directions of a pair stay apart.
        let forward = from < to;
        let d = from.abs_diff(to);
        let (inset, rise) = if forward { (30, 35 + 70 * d) } else { (80, 10 + 70 * d) };
        let (x1, x2) = if forward { (x(from) + inset, x(to) - inset) } else { (x(from) - inset, x(to) + inset) };
        let apex = top - rise.min(top - 10);
        let control = 2 * apex as i64 - top as i64;
        let n = agg.personas[to].interviews;
        let how = if l.relations.is_empty() { "named".to_string() } else { l.relations.join(", ") };
        let label = format!("{}/{n} · {how}", l.interviews);
        let _ = write!(
            out,
            "<g class=\"link\"><title>{} → {}: {}</title><path d=\"M{x1} {top}Q{} {control} {x2} {top}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#1f2933\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">{}</text></g>",
            esc(&l.from),
            esc(&l.to),
            esc(&l.role),
            (x1 + x2) / 2,
            color(from),
            (x1 + x2) / 2,
            if forward { apex - 6 } else { apex + 16 },
            esc(&label)
        );
    }
    for (i, p) in agg.personas.iter().enumerate() {
        let cx = x(i);
        let role = own[i].unwrap_or("no role matched");
        let _ = write!(
            out,
            "<g class=\"persona-node\"><rect x=\"{}\" y=\"{top}\" width=\"240\" height=\"50\" rx=\"8\" fill=\"#fff\" stroke=\"{}\" stroke-width=\"3\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\">{}</text><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#52606d\">{}</text></g>",
            cx - 120,
            color(i),
            top + 21,
            esc(&truncate(&p.name, 30)),
            top + 38,
            esc(role)
        );
        for (k, r) in drawn[i].iter().enumerate() {
            let y = top + 80 + 28 * k;
            let label = format!("{} {}/{}", r.label, r.interviews, p.interviews);
            let _ = write!(
                out,
                "<g class=\"role-node\"><path d=\"M{} {}V{}H{}\" fill=\"none\" stroke=\"#d9e2ec\"/><rect x=\"{}\" y=\"{}\" width=\"220\" height=\"22\" rx=\"4\" fill=\"#f5f7fa\" stroke=\"#d9e2ec\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text></g>",
                cx - 120,
                top + 50,
                y + 11,
                cx - 100,
                cx - 100,
                y,
                cx - 94,
                y + 15,
                esc(&truncate(&label, 34))
            );
        }
    }
    let _ = writeln!(out, "</svg></div>");
}
