//! `report.html`: one self-contained page (inline CSS and SVG, no script, no font or image from
//! the network) with the overview first, then the charts and the detail per group. It prints
//! well: each group's detail starts on a new page and quotes never split.
//!
//! Invariant: every string that comes from a transcript, the manifest or a lexicon goes through
//! [`escape::html`](super::escape::html).

use std::fmt::Write;

use super::escape::html as esc;
use super::{clock, pct};
use crate::aggregate::{Aggregates, CodeStats, Direction, Persona, Quote};
use crate::model::Family;
use crate::words::counted;

/// Colours for groups, in group order (Tableau 10, readable on white and in greyscale print).
const PALETTE: [&str; 8] = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"];

const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--bg:#f5f7fa;--accent:#4e79a7}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0;background:#fff}
main{max-width:1080px;margin:0 auto;padding:32px 28px 64px}
h1{font-size:28px;margin:0 0 6px}h2{font-size:22px;margin:40px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:17px;margin:24px 0 8px}h4{font-size:15px;margin:16px 0 6px}
p.note{color:var(--muted);font-size:13px;max-width:70em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
.card{border:1px solid var(--line);border-top:5px solid var(--c,var(--accent));border-radius:8px;padding:14px 16px;background:#fff}
.card h3{margin:0 0 4px}.card .meta{color:var(--muted);font-size:13px;margin-bottom:8px}
.card dl{margin:0}.card dt{font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-top:8px}
.card dd{margin:2px 0 0}
.pill{display:inline-block;background:var(--bg);border:1px solid var(--line);border-radius:12px;padding:1px 9px;margin:2px 4px 2px 0;font-size:13px}
.pill.hi{background:#e6f4ea;border-color:#9fd3ad}.pill.lo{background:#fdecea;border-color:#f3b1ab}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}
blockquote{margin:8px 0 12px;padding:8px 14px;border-left:4px solid var(--c,var(--accent));background:var(--bg);border-radius:0 6px 6px 0;break-inside:avoid}
blockquote p{margin:0 0 4px}blockquote footer{font-size:12px;color:var(--muted)}
.tag{font-size:11px;border:1px solid var(--line);border-radius:4px;padding:0 4px;margin-left:4px}
.chart{overflow-x:auto}svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.gap{color:#8a3b12}
.persona{border-top:6px solid var(--c,var(--accent));margin-top:48px;padding-top:4px}
@media print{
 body{font-size:11pt}main{max-width:none;padding:0}
 .persona{break-before:page}h2,h3,h4{break-after:avoid}tr,blockquote,.card{break-inside:avoid}
 .cards{grid-template-columns:1fr 1fr}svg{max-width:100%;height:auto}
 @page{margin:16mm 14mm}
}
"#;

/// Line patterns for groups, so curves stay apart where they overlap and in greyscale print.
const DASHES: [&str; 4] = ["none", "7 4", "2 3", "10 3 2 3"];

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// What a page may show as images besides inline SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Images {
    /// None.
    None,
    /// `data:` URLs (the saturation charts).
    Data,
}

/// The start of a self-contained pith page, up to its method note: a policy that lets it load
/// nothing but its own styles (and `data:` images where asked), `css` inlined, `title` as title
/// and heading.
pub(crate) fn page_start(out: &mut String, title: &str, css: &[&str], images: Images, note: &str) {
    let img = if images == Images::Data { "; img-src data:" } else { "" };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'{img}\">\n<meta name=\"generator\" content=\"pith {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"note\">{}</p>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        css.concat(),
        esc(title),
        esc(note),
    );
}

pub(super) fn render(agg: &Aggregates) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("{}: persona insights", agg.study);
    page_start(&mut out, &title, &[CSS, super::brief::CSS], Images::Data, &super::method_note(agg, |s| s.to_string()));
    super::brief::html(&mut out, agg, color);
    let _ = writeln!(out, "<h2>Overview</h2>\n<div class=\"cards\">");
    for (i, p) in agg.personas.iter().enumerate() {
        card(&mut out, agg, p, i);
    }
    let _ = writeln!(out, "</div>");
    if agg.personas.len() > 1 {
        golden(&mut out, agg);
    }
    super::changes::html(&mut out, agg);
    let _ = writeln!(
        out,
        "<h2>Prevalence by code</h2>\n<p class=\"note\">Share of each group's interviews with evidence of the code (k of n). Outlined cells are called differences: ▲ more, ▼ less than the rest.</p>\n<div class=\"chart\">{}</div>",
        heatmap(agg)
    );
    let _ = writeln!(
        out,
        "<h2>Saturation</h2>\n<p class=\"note\">Distinct codes found as interviews accumulate, in interview order (date, then id). A flat end means the last interviews added nothing new.</p>\n<div class=\"chart\">{}</div>",
        saturation(agg)
    );
    super::buying::html_map(&mut out, agg, color);
    for (i, p) in agg.personas.iter().enumerate() {
        detail(&mut out, agg, p, i);
    }
    if !agg.cooccurrence.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Codes that occur together</h2>\n<table><thead><tr><th>code</th><th>code</th><th class=\"n\">passages</th><th class=\"n\">Jaccard</th></tr></thead><tbody>"
        );
        for c in agg.cooccurrence.iter().take(15) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td></tr>",
                code_cell(agg, &c.a),
                code_cell(agg, &c.b),
                c.count,
                c.jaccard
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Lexicon {}. Generated by pith {}.</p>\n</main>\n</body>\n</html>",
        esc(&agg.lexicon),
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn label_of<'a>(agg: &'a Aggregates, code: &'a str) -> &'a str {
    agg.codebook.iter().find(|c| c.code == code).map_or(code, |c| c.label.as_str())
}

fn code_cell(agg: &Aggregates, code: &str) -> String {
    format!("{} <code>{}</code>", esc(label_of(agg, code)), esc(code))
}

fn card(out: &mut String, agg: &Aggregates, p: &Persona, i: usize) {
    let _ = writeln!(
        out,
        "<section class=\"card\" style=\"--c:{}\"><h3>{}</h3><div class=\"meta\">{} · {} · {}</div><dl>",
        color(i),
        esc(&p.name),
        counted(p.interviews, "interview"),
        counted(p.passages, "passage"),
        esc(p.saturation.status.describe())
    );
    let pills = |dir: Direction, class: &str| -> Vec<String> {
        p.distinctive
            .codes
            .iter()
            .filter(|d| d.significant && d.direction == dir)
            .map(|d| {
                format!(
                    "<span class=\"pill {class}\" title=\"{} vs {} of the rest; p = {:.3}, q = {:.3}\">{}</span>",
                    pct(d.prevalence),
                    pct(d.rest_prevalence),
                    d.p_value,
                    d.q_value,
                    esc(label_of(agg, &d.code))
                )
            })
            .collect()
    };
    let (hi, lo) = (pills(Direction::Higher, "hi"), pills(Direction::Lower, "lo"));
    let _ = write!(out, "<dt>Sets them apart</dt><dd>");
    if hi.is_empty() && lo.is_empty() {
        let why = if agg.personas.len() == 1 {
            "Only one group: nothing to compare with.".to_string()
        } else if p.distinctive.small_sample {
            "Sample too small to tell.".to_string()
        } else {
            format!("No code difference clears q &lt; {}.", agg.thresholds.difference_q)
        };
        let _ = write!(out, "{why}");
    } else {
        let _ = write!(out, "{}", hi.join(""));
        if !lo.is_empty() {
            let _ = write!(out, "<br>Less than the rest: {}", lo.join(""));
        }
    }
    let _ = writeln!(out, "</dd>");
    let words: Vec<String> =
        p.distinctive.terms.iter().take(8).map(|t| format!("<span class=\"pill\">{}</span>", esc(&t.term))).collect();
    if !words.is_empty() {
        let _ = writeln!(out, "<dt>Their words</dt><dd>{}</dd>", words.join(""));
    }
    let top: Vec<String> = p
        .codes
        .iter()
        .filter(|c| c.is_theme())
        .take(6)
        .map(|c| format!("{} <code>{}/{}</code>", esc(&c.label), c.interviews, p.interviews))
        .collect();
    let _ =
        writeln!(out, "<dt>Top themes</dt><dd>{}</dd>", if top.is_empty() { "none".into() } else { top.join(", ") });
    if !p.gaps.is_empty() {
        let gaps: Vec<&str> = p.gaps.iter().map(|f| f.title()).collect();
        let _ = writeln!(out, "<dt>No evidence yet</dt><dd class=\"gap\">{}</dd>", esc(&gaps.join(", ")));
    }
    let _ = writeln!(out, "</dl></section>");
}

fn golden(out: &mut String, agg: &Aggregates) {
    let _ = writeln!(out, "<h2>Shared by every group</h2>");
    if agg.golden.is_empty() {
        let _ = writeln!(
            out,
            "<p>No code reaches {} prevalence in every group.</p>",
            pct(agg.thresholds.golden_prevalence)
        );
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Codes with at least {} prevalence in every group, by their lowest prevalence (hover for each group's).</p><p>",
        pct(agg.thresholds.golden_prevalence)
    );
    for g in &agg.golden {
        let each: Vec<String> =
            agg.personas.iter().zip(&g.prevalence).map(|(p, v)| format!("{}: {}", p.name, pct(*v))).collect();
        let _ = write!(
            out,
            "<span class=\"pill\" title=\"{}\">{} <code>{}</code></span>",
            esc(&each.join("; ")),
            esc(label_of(agg, &g.code)),
            pct(g.min_prevalence)
        );
    }
    let _ = writeln!(out, "</p>");
}

/// Code × group heatmap: one row per code of the codebook (in canvas order), cells shaded by prevalence.
fn heatmap(agg: &Aggregates) -> String {
    let (label_w, cell_w, row_h, head_h) = (380.0, 140.0, 20.0, 44.0);
    let mut rows: Vec<&crate::aggregate::CodebookEntry> = agg.codebook.iter().collect();
    rows.sort_by_key(|c| (Family::ALL.iter().position(|f| *f == c.family), c.code.clone()));
    let width = label_w + cell_w * agg.personas.len() as f64;
    let height = head_h + row_h * rows.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Prevalence heatmap, code by group\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    for (j, p) in agg.personas.iter().enumerate() {
        let x = label_w + cell_w * j as f64 + cell_w / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"18\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"600\" fill=\"{}\">{}</text><text x=\"{x}\" y=\"34\" text-anchor=\"middle\" font-size=\"11\" fill=\"#52606d\">n = {}</text>",
            color(j),
            esc(&truncate(&p.name, 18)),
            p.interviews
        );
    }
    let mut last_family = None;
    for (r, code) in rows.iter().enumerate() {
        let y = head_h + row_h * r as f64;
        if last_family != Some(code.family) {
            if r > 0 {
                let _ = write!(
                    svg,
                    "<line x1=\"0\" x2=\"{width}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#9aa5b1\" stroke-width=\"1\"/>"
                );
            }
            let _ = write!(
                svg,
                "<text x=\"0\" y=\"{}\" font-size=\"11\" font-weight=\"700\" fill=\"#52606d\">{}</text>",
                y + 14.0,
                esc(&code.family.title().to_uppercase())
            );
        }
        last_family = Some(code.family);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1f2933\">{}<title>{}</title></text>",
            label_w - 8.0,
            y + 14.0,
            esc(&truncate(&code.label, 40)),
            esc(&code.code)
        );
        for (j, p) in agg.personas.iter().enumerate() {
            let stats = p.codes.iter().find(|c| c.code == code.code);
            let (k, prevalence) = stats.map_or((0, 0.0), |c| (c.interviews, c.prevalence));
            let x = label_w + cell_w * j as f64;
            let text_fill = if prevalence > 0.55 { "#fff" } else { "#1f2933" };
            let called = p.distinctive.codes.iter().find(|d| d.code == code.code && d.significant);
            let (stroke, mark) = match called.map(|d| d.direction) {
                Some(Direction::Higher) => (" stroke=\"#f28e2b\" stroke-width=\"3\"", " ▲"),
                Some(Direction::Lower) => (" stroke=\"#f28e2b\" stroke-width=\"3\" stroke-dasharray=\"3 2\"", " ▼"),
                None => ("", ""),
            };
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{stroke}><title>{}: {}/{}</title></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{text_fill}\">{}/{}{mark}</text>",
                x + 1.0,
                y + 1.0,
                cell_w - 2.0,
                row_h - 2.0,
                shade(prevalence),
                esc(&p.name),
                k,
                p.interviews,
                x + cell_w / 2.0,
                y + 14.0,
                k,
                p.interviews
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A blue ramp from near-white (0) to dark blue (1).
pub(super) fn shade(p: f64) -> String {
    let p = p.clamp(0.0, 1.0);
    let mix = |lo: f64, hi: f64| (lo + (hi - lo) * p).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(240.0, 33.0), mix(244.0, 80.0), mix(248.0, 140.0))
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Cumulative distinct codes per group as interviews accumulate: one line per group.
fn saturation(agg: &Aggregates) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 48.0, 200.0, 16.0, 40.0);
    let max_n = agg.personas.iter().map(|p| p.saturation.cumulative.len()).max().unwrap_or(0).max(1);
    let max_y = agg.personas.iter().filter_map(|p| p.saturation.cumulative.last().copied()).max().unwrap_or(0).max(1);
    let max_y = (max_y as f64 / 5.0).ceil() * 5.0;
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    // x = 0 is the origin (no interview, no code); interview i (from 1) sits at x = i.
    let x_of = |i: usize| left + plot_w * (i as f64) / max_n as f64;
    let y_of = |v: usize| top + plot_h * (1.0 - v as f64 / max_y);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Saturation curves\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    for k in 0..=5 {
        let v = (max_y * k as f64 / 5.0) as usize;
        let y = y_of(v);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e4e7eb\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">{v}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0
        );
    }
    let step = max_n.div_ceil(20).max(1);
    for i in (0..=max_n).step_by(step) {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#52606d\">{i}</text>",
            x_of(i),
            top + plot_h + 16.0,
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#52606d\">interviews</text><text x=\"12\" y=\"{}\" font-size=\"12\" fill=\"#52606d\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">distinct codes</text>",
        left + plot_w / 2.0,
        h - 6.0,
        top + plot_h / 2.0,
        top + plot_h / 2.0
    );
    for (j, p) in agg.personas.iter().enumerate() {
        let c = color(j);
        let dash = DASHES[j % DASHES.len()];
        let points: Vec<String> = std::iter::once(format!("{:.1},{:.1}", x_of(0), y_of(0)))
            .chain(
                p.saturation.cumulative.iter().enumerate().map(|(i, &v)| format!("{:.1},{:.1}", x_of(i + 1), y_of(v))),
            )
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\" stroke-dasharray=\"{dash}\" points=\"{}\"/>",
            points.join(" ")
        );
        for (i, &v) in p.saturation.cumulative.iter().enumerate() {
            let new = p.saturation.new_codes.get(i).copied().unwrap_or(0);
            let id = p.saturation.order.get(i).map_or("", String::as_str);
            let _ = write!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\"><title>{}: {v} codes (+{new})</title></circle>",
                x_of(i + 1),
                y_of(v),
                esc(id)
            );
        }
        let ly = top + 14.0 + 20.0 * j as f64;
        let lx = left + plot_w + 16.0;
        let _ = write!(
            svg,
            "<line x1=\"{lx}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"3\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1f2933\">{}</text>",
            lx + 18.0,
            lx + 24.0,
            ly + 4.0,
            esc(&truncate(&p.name, 24))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn quote(out: &mut String, q: &Quote) {
    let when = q.time.map(|t| format!(" · {}", clock(t))).unwrap_or_default();
    let prompted = if q.prompted { "<span class=\"tag\">prompted</span>" } else { "" };
    let _ = writeln!(
        out,
        "<blockquote><p>“{}”</p><footer>{} · {} ¶{}{}{}</footer></blockquote>",
        super::brief::marked(q, esc, "<mark>", "</mark>"),
        esc(&q.participant),
        esc(&q.interview),
        q.passage,
        esc(&when),
        prompted
    );
}

fn detail(out: &mut String, agg: &Aggregates, p: &Persona, i: usize) {
    let _ =
        writeln!(out, "<section class=\"persona\" style=\"--c:{}\">\n<h2>{} in detail</h2>", color(i), esc(&p.name));
    if !p.distinctive.codes.is_empty() {
        let _ = writeln!(
            out,
            "<h3>How they differ from the rest</h3><table><thead><tr><th>code</th><th class=\"n\">here</th><th class=\"n\">rest</th><th class=\"n\">p</th><th class=\"n\">q</th><th class=\"n\">log odds ratio</th><th>called</th></tr></thead><tbody>"
        );
        for d in &p.distinctive.codes {
            let called = match (d.significant, d.direction) {
                (true, Direction::Higher) => "<span class=\"pill hi\">higher</span>",
                (true, Direction::Lower) => "<span class=\"pill lo\">lower</span>",
                (false, _) => "not a difference",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}/{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:+.2}</td><td>{called}</td></tr>",
                code_cell(agg, &d.code),
                d.interviews,
                p.interviews,
                pct(d.rest_prevalence),
                d.p_value,
                d.q_value,
                d.log_odds_ratio
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    if p.distinctive.small_sample && agg.personas.len() > 1 {
        let _ = writeln!(
            out,
            "<p class=\"note\">Too small to tell: the most extreme split these sample sizes allow has p = {:.3}.</p>",
            p.distinctive.min_p_value
        );
    }
    for family in Family::ALL {
        let codes: Vec<&CodeStats> = p.codes.iter().filter(|c| c.family == family).collect();
        let _ = writeln!(out, "<h3>{}</h3>", esc(family.title()));
        if codes.iter().all(|c| c.interviews == 0) {
            let _ =
                writeln!(out, "<p class=\"gap\">No evidence: a known unknown to take into the next interviews.</p>");
            if codes.is_empty() {
                continue;
            }
        }
        let _ = writeln!(
            out,
            "<table><thead><tr><th>code</th><th class=\"n\">interviews</th><th class=\"n\">mentions</th><th class=\"n\">negated</th><th class=\"n\">prompted</th><th class=\"n\">hedged</th></tr></thead><tbody>"
        );
        for c in &codes {
            let _ = writeln!(
                out,
                "<tr><td>{} <code>{}</code></td><td class=\"n\">{}/{} ({})</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&c.label),
                esc(&c.code),
                c.interviews,
                p.interviews,
                pct(c.prevalence),
                c.mentions,
                c.negated,
                c.prompted,
                pct(c.hedged)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
        for c in codes.iter().filter(|c| !c.quotes.is_empty()).take(5) {
            let _ = writeln!(out, "<h4>{}</h4>", esc(&c.label));
            for q in &c.quotes {
                quote(out, q);
            }
        }
    }
    super::journey::html(out, p);
    super::buying::html(out, p);
    if !p.known_unknowns.is_empty() {
        let _ = writeln!(out, "<h3>What they said they don't know</h3>");
        for q in &p.known_unknowns {
            quote(out, q);
        }
    }
    if !p.jobs.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Job statements</h3><table><thead><tr><th>who</th><th>when</th><th>wants to</th><th>so that</th></tr></thead><tbody>"
        );
        for j in p.jobs.iter().take(30) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&j.participant),
                esc(j.situation.as_deref().unwrap_or("")),
                esc(&j.motivation),
                esc(j.outcome.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    if !p.distinctive.terms.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Distinctive words</h3><table><thead><tr><th>word</th><th class=\"n\">count</th><th class=\"n\">interviews</th><th class=\"n\">log-odds</th><th class=\"n\">z</th></tr></thead><tbody>"
        );
        for t in &p.distinctive.terms {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.1}</td></tr>",
                esc(&t.term),
                t.count,
                t.interviews,
                t.log_odds,
                t.z
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "</section>");
}
