//! The portfolio as portfolio.md, portfolio.html (self-contained: inline CSS, no script, nothing
//! from the network) and portfolio.json (`docs/portfolio.schema.json`). Every string from a study
//! goes through [`crate::report::escape`].

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{Matched, Portfolio, PortfolioPersona};
use crate::error::{Error, Result};
use crate::report::escape;
use crate::report::ReportFormat;
use crate::report::{page_start, Images};

/// Version of portfolio.json's schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Writes the portfolio in `formats` (Markdown, HTML and JSON; others have no portfolio form)
/// into `out`: every file staged first, then renamed into place. Gives the paths written.
pub fn write(portfolio: &Portfolio, formats: &[ReportFormat], out: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    for f in formats {
        match f {
            ReportFormat::Markdown => files.push(("portfolio.md", markdown(portfolio).into_bytes())),
            ReportFormat::Html => files.push(("portfolio.html", html(portfolio).into_bytes())),
            ReportFormat::Json => files.push(("portfolio.json", json(portfolio)?)),
            ReportFormat::Csv | ReportFormat::Qdpx => {}
        }
    }
    if files.is_empty() {
        return Err(Error::Invalid("a portfolio is written as md, html or json: none of them was asked for".into()));
    }
    let staged = files
        .into_iter()
        .map(|(name, bytes)| {
            let path = out.join(name);
            crate::fsutil::stage(&path, &bytes).map(|file| (path, file))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut written = Vec::new();
    for (path, file) in staged {
        file.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        written.push(path);
    }
    Ok(written)
}

fn json(p: &Portfolio) -> Result<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        #[serde(flatten)]
        portfolio: &'a Portfolio,
    }
    let mut out = serde_json::to_vec_pretty(&Doc { schema_version: SCHEMA_VERSION, portfolio: p })
        .map_err(|e| Error::Invalid(format!("cannot render portfolio.json: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// The method in words; `esc` escapes for the format.
fn method(p: &Portfolio) -> String {
    format!(
        "Each study's report from its last run (the study brought up to date first, as pith run does). Personas match across studies by name; a persona \
         whose name no other study uses matches the most similar persona of another study when the cosine \
         similarity of their code profiles (prevalence of each code minus its prevalence over all the study's \
         interviews) is at least {}. A code is prevalent for a persona at {} of its interviews. A persona's \
         needs are the need codes prevalent for it in any study (stating a need or a pain point is not itself \
         one); a gap is a need no study's product addresses by its pith.toml [study] addresses, an overlap one \
         that several products address.",
        p.match_similarity,
        pct(p.prevalent)
    )
}

fn how(m: Matched) -> String {
    match m {
        Matched::First => "first seen here".into(),
        Matched::Name => "same name".into(),
        Matched::Profile { similarity } => format!("similar profile (cosine {similarity:.2})"),
    }
}

fn list(codes: &[String]) -> String {
    if codes.is_empty() {
        "none".into()
    } else {
        codes.join(", ")
    }
}

/// The personas found in one study only, with the study's title.
fn single(p: &Portfolio) -> Vec<String> {
    let one = p.personas.iter().filter(|x| !x.golden);
    one.map(|x| format!("{} ({})", x.name, p.studies[x.studies[0].study].title)).collect()
}

fn markdown(p: &Portfolio) -> String {
    let e = escape::markdown;
    let mut out = String::new();
    let _ = writeln!(out, "# Persona portfolio\n\n{}\n\n## Studies\n", e(&method(p)));
    let _ = writeln!(out, "| study | product | interviews | addresses |\n|---|---|---:|---|");
    for s in &p.studies {
        let _ =
            writeln!(out, "| {} | {} | {} | {} |", e(&s.title), e(&s.product), s.interviews, e(&list(&s.addresses)));
    }
    let golden: Vec<&PortfolioPersona> = p.personas.iter().filter(|x| x.golden).collect();
    let _ = writeln!(out, "\n## Golden personas (in several studies)\n");
    if golden.is_empty() {
        let _ = writeln!(out, "No persona recurs in more than one study.");
    }
    for x in &golden {
        let _ = writeln!(out, "### {}\n", e(&x.name));
        let _ = writeln!(out, "Shared in every study: {}.\n", e(&list(&x.shared)));
        for a in &x.studies {
            let _ = writeln!(
                out,
                "- {} as {} ({} interviews, {}): only here {}; missing here {}.",
                e(&p.studies[a.study].title),
                e(&a.name),
                a.interviews,
                how(a.matched),
                e(&list(&a.only_here)),
                e(&list(&a.missing_here))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Personas in one study only: {}.\n", e(&list(&single(p))));
    let _ = writeln!(out, "## Gaps: needs no product addresses\n");
    if p.gaps.is_empty() {
        let _ = writeln!(out, "No gap: every prevalent need is addressed by a product.");
    } else {
        let _ = writeln!(out, "| persona | need | prevalence |\n|---|---|---:|");
        for g in &p.gaps {
            let _ = writeln!(out, "| {} | {} (`{}`) | {} |", e(&g.persona), e(&g.label), g.code, pct(g.prevalence));
        }
    }
    let _ = writeln!(out, "\n## Overlaps: needs several products address\n");
    if p.overlaps.is_empty() {
        let _ = writeln!(out, "No overlap: no need is addressed by more than one product.");
    } else {
        let _ = writeln!(out, "| persona | need | products |\n|---|---|---|");
        for o in &p.overlaps {
            let _ =
                writeln!(out, "| {} | {} (`{}`) | {} |", e(&o.persona), e(&o.label), o.code, e(&o.products.join(", ")));
        }
    }
    out
}

const CSS: &str = "body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;color:#1f2933;margin:0}\
main{max-width:1080px;margin:0 auto;padding:32px 28px 64px}h2{border-bottom:2px solid #d9e2ec;padding-bottom:6px;margin-top:36px}\
p.note{color:#52606d;font-size:13px;max-width:70em}table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px}\
th,td{border-bottom:1px solid #d9e2ec;padding:5px 8px;text-align:left;vertical-align:top}th{background:#f5f7fa}\
td.n{text-align:right}code{font:12px ui-monospace,Menlo,Consolas,monospace;color:#52606d}\
.gap{color:#8a3b12}@media print{tr{break-inside:avoid}h2,h3{break-after:avoid}}";

fn html(p: &Portfolio) -> String {
    let e = escape::html;
    let mut out = String::new();
    page_start(&mut out, "Persona portfolio", &[CSS], Images::None, &method(p));
    let _ = writeln!(out, "<h2>Studies</h2>\n<table><thead><tr><th>study</th><th>product</th><th>interviews</th><th>addresses</th></tr></thead><tbody>");
    for s in &p.studies {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            e(&s.title),
            e(&s.product),
            s.interviews,
            e(&list(&s.addresses))
        );
    }
    let _ = writeln!(out, "</tbody></table>\n<h2>Golden personas (in several studies)</h2>");
    let golden: Vec<&PortfolioPersona> = p.personas.iter().filter(|x| x.golden).collect();
    if golden.is_empty() {
        let _ = writeln!(out, "<p>No persona recurs in more than one study.</p>");
    }
    for x in golden {
        let _ = writeln!(out, "<h3>{}</h3>\n<p>Shared in every study: {}.</p>", e(&x.name), e(&list(&x.shared)));
        let _ = writeln!(out, "<table><thead><tr><th>study</th><th>as</th><th>matched</th><th>only here</th><th>missing here</th></tr></thead><tbody>");
        for a in &x.studies {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} ({} interviews)</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&p.studies[a.study].title),
                e(&a.name),
                a.interviews,
                e(&how(a.matched)),
                e(&list(&a.only_here)),
                e(&list(&a.missing_here))
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "<p>Personas in one study only: {}.</p>", e(&list(&single(p))));
    let _ = writeln!(
        out,
        "<h2>Needs and the products that address them</h2>\n<p class=\"note\">Each persona's needs (rows) against each study's product (columns): a dot where the product addresses the need, a cross where none does (a gap); two dots or more in a row are an overlap.</p>\n<div>{}</div>",
        coverage(p)
    );
    let _ = writeln!(out, "<h2>Gaps: needs no product addresses</h2>");
    if p.gaps.is_empty() {
        let _ = writeln!(out, "<p>No gap: every prevalent need is addressed by a product.</p>");
    } else {
        let _ = writeln!(out, "<table><thead><tr><th>persona</th><th>need</th><th>prevalence</th></tr></thead><tbody>");
        for g in &p.gaps {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"gap\">{} <code>{}</code></td><td class=\"n\">{}</td></tr>",
                e(&g.persona),
                e(&g.label),
                e(&g.code),
                pct(g.prevalence)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "<h2>Overlaps: needs several products address</h2>");
    if p.overlaps.is_empty() {
        let _ = writeln!(out, "<p>No overlap: no need is addressed by more than one product.</p>");
    } else {
        let _ = writeln!(out, "<table><thead><tr><th>persona</th><th>need</th><th>products</th></tr></thead><tbody>");
        for o in &p.overlaps {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} <code>{}</code></td><td>{}</td></tr>",
                e(&o.persona),
                e(&o.label),
                e(&o.code),
                e(&o.products.join(", "))
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "</main>\n</body>\n</html>");
    out
}

/// The needs × products chart: one row per persona's need, one column per product.
fn coverage(p: &Portfolio) -> String {
    let e = escape::html;
    let products: Vec<&str> = p.studies.iter().map(|s| s.product.as_str()).collect();
    let rows: Vec<(&str, &super::Need)> =
        p.personas.iter().flat_map(|x| x.needs.iter().map(move |n| (x.name.as_str(), n))).collect();
    let (left, col, row, top) = (420.0, 180.0, 22.0, 60.0);
    let width = left + col * products.len() as f64 + 20.0;
    let height = top + row * rows.len().max(1) as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Needs and products\">"
    );
    for (j, product) in products.iter().enumerate() {
        let x = left + col * (j as f64 + 0.5);
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            top - 12.0,
            e(product)
        );
    }
    for (i, (persona, need)) in rows.iter().enumerate() {
        let y = top + row * i as f64 + row / 2.0;
        if i % 2 == 0 {
            let _ = write!(
                svg,
                "<rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"{row}\" fill=\"#f5f7fa\"/>",
                y - row / 2.0
            );
        }
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\" font-size=\"12\">{}: {} ({})</text>",
            y + 4.0,
            e(persona),
            e(&need.label),
            pct(need.prevalence)
        );
        for (j, product) in products.iter().enumerate() {
            let x = left + col * (j as f64 + 0.5);
            if need.products.iter().any(|n| n == product) {
                let _ = write!(
                    svg,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"6\" fill=\"#4e79a7\"><title>{} addresses it</title></circle>",
                    e(product)
                );
            }
        }
        if need.products.is_empty() {
            let x = left + col * (products.len() as f64 - 0.5) / 2.0;
            let _ = write!(
                svg,
                "<text x=\"{x}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\" fill=\"#8a3b12\">✕ gap</text>",
                y + 5.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}
