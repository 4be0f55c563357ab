//! The review sheet as one self-contained HTML page: takes the items to decide, gives a page with
//! each passage's question and mentions in context, accept and reject buttons per passage, and
//! an inline script that turns the choices into the CSV `pith review --apply` reads (downloaded,
//! and shown in a text box to copy). The page loads nothing: its policy allows its own styles and
//! the one script carrying its nonce; every transcript text is escaped.

use std::fmt::Write as _;

use super::{Item, Kind};
use crate::report::escape::html as esc;

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}\
legend{font-weight:600}.q{color:#555;font-style:italic}.kwic{margin:.25rem 0}\
mark{background:#ffe08a;padding:0 .15em}.kind{color:#666;font-weight:400}\
label{margin-right:1.5rem}textarea{width:100%;height:10rem;font:12px monospace}\
button{font-size:1rem;padding:.4rem 1rem}";

/// The choices as CSV (columns `--apply` reads, and the passage's ids to find it again), into
/// the text box and, on the button, downloaded as a `data:` URL (no blob, no request).
const SCRIPT: &str = r#"(function () {
  var q = function (v) { return '"' + String(v).replace(/"/g, '""') + '"'; };
  function csv() {
    var rows = [['transcript', 'start', 'end', 'interview', 'passage', 'decision']];
    document.querySelectorAll('fieldset[data-transcript]').forEach(function (f) {
      var chosen = f.querySelector('input:checked');
      rows.push([f.dataset.transcript, f.dataset.start, f.dataset.end, f.dataset.interview,
        f.dataset.passage, chosen ? chosen.value : '']);
    });
    return rows.map(function (r) { return r.map(q).join(','); }).join('\r\n') + '\r\n';
  }
  var box = document.getElementById('csv');
  function update() { box.value = csv(); }
  document.addEventListener('change', update);
  document.getElementById('download').addEventListener('click', function () {
    update();
    var a = document.createElement('a');
    a.href = 'data:text/csv;charset=utf-8,' + encodeURIComponent(box.value);
    a.download = document.body.dataset.file;
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
  update();
})();"#;

/// The page for `items` of the code `code`.
pub fn sheet(items: &[Item], code: &str) -> Vec<u8> {
    let nonce = &blake3::hash(SCRIPT.as_bytes()).to_hex()[..32];
    let title = format!("Review of {code}");
    let file = format!("review-{}.csv", crate::human::slug(code));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'\">\n\
         <meta name=\"generator\" content=\"pith {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n\
         <body data-file=\"{}\">\n<main>\n<h1>{}</h1>\n\
         <p>Accept a passage when the code applies to it, reject it when it does not, leave it to skip. \
         Then download the decisions and record them with <code>pith review STUDY --code {} --apply {}</code>.</p>\n<form>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        esc(&file),
        esc(&title),
        esc(&shell_word(code)),
        esc(&file),
    );
    for (n, item) in items.iter().enumerate() {
        let kind = match &item.kind {
            Kind::Hit => "hit".to_string(),
            Kind::NearMiss(why) => format!("near miss: {why}"),
        };
        let _ = write!(
            out,
            "<fieldset data-transcript=\"{}\" data-start=\"{}\" data-end=\"{}\" data-interview=\"{}\" data-passage=\"{}\">\n\
             <legend>{}/{} {}:{} <span class=\"kind\">pith: {}</span></legend>\n",
            esc(&item.transcript),
            item.chars.start,
            item.chars.end,
            esc(&item.interview),
            item.index,
            n + 1,
            items.len(),
            esc(&item.interview),
            item.index,
            esc(&kind),
        );
        if let Some(q) = &item.question {
            let _ = writeln!(out, "<p class=\"q\">Q: {}</p>", esc(q));
        }
        for (left, matched, right) in &item.kwic {
            // Spaced as `in_context` spaces the terminal's line.
            let gap = if right.starts_with(char::is_alphanumeric) { " " } else { "" };
            let _ =
                writeln!(out, "<p class=\"kwic\">…{} <mark>{}</mark>{gap}{}…</p>", esc(left), esc(matched), esc(right));
        }
        let name = format!("d{n}");
        for (value, label) in [("accept", "accept"), ("reject", "reject")] {
            let _ = writeln!(out, "<label><input type=\"radio\" name=\"{name}\" value=\"{value}\"> {label}</label>");
        }
        out.push_str("</fieldset>\n");
    }
    let _ = write!(
        out,
        "</form>\n<p><button type=\"button\" id=\"download\">Download the decisions (CSV)</button></p>\n\
         <p><label for=\"csv\">The same decisions, to copy into a file:</label></p>\n\
         <textarea id=\"csv\" readonly></textarea>\n</main>\n<script nonce=\"{nonce}\">{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out.into_bytes()
}

/// `s` as one shell word, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str) -> Item {
        Item {
            interview: "p<1>".into(),
            transcript: "a \"b\".txt".into(),
            index: 3,
            chars: 10..20,
            text: text.into(),
            question: Some("<b>why</b>?".into()),
            kind: Kind::Hit,
            kwic: vec![("<script>alert(1)</script> ".into(), "outage".into(), " & more".into())],
        }
    }

    #[test]
    fn the_page_escapes_transcript_text_and_runs_only_its_own_script() {
        let page = String::from_utf8(sheet(&[item("x"), item("y")], "risk.outage")).expect("UTF-8");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;  <mark>outage</mark> &amp; more"), "{page}");
        assert!(page.contains("Q: &lt;b&gt;why&lt;/b&gt;?"));
        assert!(page.contains("data-transcript=\"a &quot;b&quot;.txt\" data-start=\"10\" data-end=\"20\""));
        // One script, carrying the nonce the policy names; nothing else may load.
        let nonce = page.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce");
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains(&format!("<script nonce=\"{nonce}\">")));
        assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"));
        assert_eq!(page.matches("type=\"radio\" name=\"d1\"").count(), 2);
        assert!(!page.contains("name=\"d2\""));
    }
}
