//! The persona brief: `brief.md` and the first part of `report.html`, rendered from
//! [`Aggregates::brief`]. Per group: its layers in one line, its core differences, the canvas
//! sections with their statements and quotes, its jobs as user stories and what to ask next.
//! Every string from a transcript or the manifest goes through the format's escaping.

use std::fmt::Write;

use super::escape::{html as esc, markdown as md};
use crate::aggregate::{Aggregates, Layer, PersonaBrief, Quote, DIFFERENCE_Q};
use crate::model::Family;

/// Marks the end of the brief in `report.html`: the detailed tables follow.
pub const HTML_END: &str = "<!-- end of brief -->";

/// Styles of the brief in `report.html`: compact, one persona per printed page.
pub(super) const CSS: &str = r#"
.brief{border-top:6px solid var(--c,var(--accent));margin-top:28px;padding-top:2px}
.brief h2{margin-top:8px}.brief .layers{color:var(--muted);font-size:13px;margin:0 0 8px}
.brief h3{font-size:15px;margin:12px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.brief ul{margin:0;padding-left:18px}.brief li{margin:2px 0}
.brief blockquote{margin:2px 0 4px;padding:2px 10px;font-size:13px}
.brief .core li{font-weight:600}
.brief .asks li{color:#8a3b12}
mark{background:#fde68a;padding:0 1px}
@media print{
 @page{margin:10mm}
 .brief{break-before:page;font-size:7.8pt;line-height:1.22;border-top-width:3px}.brief h2{font-size:13pt;margin:2px 0}
 .brief .layers{font-size:7.5pt;margin:0 0 3px}.brief ul{padding-left:12px}.brief li{margin:1px 0}
 .brief h3{font-size:8pt;margin:5px 0 1px}.brief blockquote{font-size:7.5pt;margin:1px 0 2px;padding:1px 6px}
 .brief blockquote footer{font-size:7pt}.brief li blockquote:nth-of-type(n+2){display:none}
 .brief blockquote p,.brief blockquote footer{display:inline;margin-right:4px}
 .brief .canvas{column-count:2;column-gap:6mm}
}

"#;

/// How the brief is built, for its readers.
fn method(agg: &Aggregates) -> String {
    format!(
        "Each statement counts interviews of the persona with evidence of one code: a participant passage \
         where the code's family rule was met and the mention was not negated. It names the code, or the words \
         that counted in most interviews, and says so when Fisher's exact test against the other personas gives \
         q below {DIFFERENCE_Q} (core differences list those). At most {} statements per section, codes that \
         cannot code their family alone are never stated; quotes are cut from the sentence whose words counted, \
         the participant's own. {} interviews in all.",
        crate::aggregate::SECTION_STATEMENTS,
        agg.interviews
    )
}

/// A layer in words: its values with their interviews, a range for numbers, or how many there are.
fn layer(l: &Layer) -> String {
    if let Some([lo, hi]) = l.range.as_ref().filter(|_| l.distinct > 3) {
        return format!("{} {lo}–{hi}", l.attribute);
    }
    if l.distinct > 3 && l.values.iter().all(|v| v.interviews == 1) {
        return format!("{}: {} different", l.attribute, l.distinct);
    }
    let mut parts: Vec<String> = l.values.iter().map(|v| format!("{} ({})", v.value, v.interviews)).collect();
    if l.distinct > l.values.len() {
        parts.push(format!("{} more", l.distinct - l.values.len()));
    }
    format!("{}: {}", l.attribute, parts.join(", "))
}

fn layers(b: &PersonaBrief) -> String {
    let parts: Vec<String> = b.layers.iter().map(layer).collect();
    parts.join(" · ")
}

/// `text` with its highlighted range wrapped by `open`/`close`, each piece escaped by `escape`.
pub(super) fn marked(q: &Quote, escape: fn(&str) -> String, open: &str, close: &str) -> String {
    let Some([s, e]) = q.highlight else { return escape(&q.text) };
    let byte = |c: usize| q.text.char_indices().nth(c).map_or(q.text.len(), |(b, _)| b);
    let (s, e) = (byte(s), byte(e));
    format!("{}{open}{}{close}{}", escape(&q.text[..s]), escape(&q.text[s..e]), escape(&q.text[e..]))
}

fn cite(q: &Quote) -> String {
    format!("{}, {} ¶{}", q.participant, q.interview, q.passage)
}

/// `brief.md`.
pub(super) fn markdown(agg: &Aggregates) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: persona briefs\n\n{}\n", md(&agg.study), md(&method(agg)));
    for b in &agg.brief {
        let _ = writeln!(out, "## {} ({})\n", md(&b.persona), crate::words::counted(b.interviews, "interview"));
        if !b.layers.is_empty() {
            let _ = writeln!(out, "{}\n", md(&layers(b)));
        }
        let _ = writeln!(out, "**Core differences**\n");
        for d in &b.differences {
            let _ = writeln!(out, "- {}", md(&d.text));
        }
        if b.differences.is_empty() {
            let _ = writeln!(out, "- {}", no_difference(agg));
        }
        out.push('\n');
        for s in &b.sections {
            let _ = writeln!(out, "### {}\n", s.title);
            for st in &s.statements {
                let _ = writeln!(out, "- {}", md(&st.text));
                for q in &st.quotes {
                    let _ = writeln!(out, "  > “{}” ({})", marked(q, md, "**", "**"), md(&cite(q)));
                }
            }
            if s.section == Family::Job {
                for story in &b.stories {
                    let ids: Vec<String> =
                        story.evidence.iter().map(|e| format!("{} ¶{}", e.interview, e.passages[0])).collect();
                    let _ = writeln!(out, "- Story: {} ({})", md(&story.text), md(&ids.join("; ")));
                }
            }
            if s.statements.is_empty() && (s.section != Family::Job || b.stories.is_empty()) {
                let _ = writeln!(out, "- No code of this section has evidence in two interviews.");
            }
            if s.section == Family::Uncertainty {
                for q in &b.questions {
                    let _ = writeln!(out, "- Ask next: {}", md(&q.text));
                }
            }
            out.push('\n');
        }
    }
    out
}

fn no_difference(agg: &Aggregates) -> String {
    if agg.brief.len() < 2 {
        "Only one group: nothing to compare with.".into()
    } else {
        format!("No code sets them apart at q < {DIFFERENCE_Q} (with few interviews, only large differences can).")
    }
}

/// The brief as the first part of `report.html`.
pub(super) fn html(out: &mut String, agg: &Aggregates, color: fn(usize) -> &'static str) {
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&method(agg)));
    for (i, b) in agg.brief.iter().enumerate() {
        let _ = writeln!(
            out,
            "<article class=\"brief\" id=\"brief-{i}\" style=\"--c:{}\">\n<h2>{}</h2>\n<p class=\"layers\">{} · {}</p>",
            color(i),
            esc(&b.persona),
            crate::words::counted(b.interviews, "interview"),
            esc(&layers(b))
        );
        let _ = writeln!(out, "<ul class=\"core\">");
        for d in &b.differences {
            let _ = writeln!(out, "<li>{}</li>", esc(&d.text));
        }
        if b.differences.is_empty() {
            let _ = writeln!(out, "<li>{}</li>", esc(&no_difference(agg)));
        }
        let _ = writeln!(out, "</ul>\n<div class=\"canvas\">");
        for (k, s) in b.sections.iter().enumerate() {
            let _ = writeln!(out, "<section>\n<h3>{}</h3>\n<ul>", s.title);
            for (j, st) in s.statements.iter().enumerate() {
                let _ = writeln!(out, "<li>{}", esc(&st.text));
                for (n, q) in st.quotes.iter().enumerate() {
                    let id = format!("b{i}-{k}-{j}-{n}");
                    let _ = writeln!(
                        out,
                        "<blockquote id=\"{id}\"><p>“{}”</p><footer><a href=\"#{id}\">{}</a></footer></blockquote>",
                        marked(q, esc, "<mark>", "</mark>"),
                        esc(&cite(q))
                    );
                }
                let _ = writeln!(out, "</li>");
            }
            if s.section == Family::Job {
                for story in &b.stories {
                    let ids: Vec<String> =
                        story.evidence.iter().map(|e| format!("{} ¶{}", e.interview, e.passages[0])).collect();
                    let _ = writeln!(
                        out,
                        "<li><em>{}</em> <small>({})</small></li>",
                        esc(&story.text),
                        esc(&ids.join("; "))
                    );
                }
            }
            if s.statements.is_empty() && (s.section != Family::Job || b.stories.is_empty()) {
                let _ = writeln!(out, "<li class=\"gap\">No code of this section has evidence in two interviews.</li>");
            }
            let _ = writeln!(out, "</ul>");
            if s.section == Family::Uncertainty && !b.questions.is_empty() {
                let _ = writeln!(out, "<h3>Ask next</h3>\n<ul class=\"asks\">");
                for q in &b.questions {
                    let _ = writeln!(out, "<li>{}</li>", esc(&q.text));
                }
                let _ = writeln!(out, "</ul>");
            }
            let _ = writeln!(out, "</section>");
        }
        let _ = writeln!(out, "</div>\n</article>");
    }
    let _ = writeln!(out, "{HTML_END}");
}
