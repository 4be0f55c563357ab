//! Quotation exports as CSV: takes the rows (a document, the quote's text, its codes, its coder)
//! and a study holding the transcripts, gives a [`Project`] whose selections are where each
//! quote is in its transcript.
//!
//! Layouts: ATLAS.ti's quotation manager export (`Text Content`, `Document`, `Codes`, `Creator`;
//! codes separated by commas or line breaks) and Taguette's highlights export (`document`,
//! `tag`, `content`). Their positions are paragraphs or none, so a quote is found by its text:
//! as written, else with case, punctuation and spaces ignored (transcripts and exports differ in
//! commas and line breaks), else by its first and last 40 letters and digits. A document names
//! a transcript by its file name or id (`P2_GMT20211119.odt`), else by its number (`Interview
//! P7` is the transcript `7`) when exactly one transcript has it.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ImportError, Project, RawSelection, Source};
use crate::coding::HumanCode;
use crate::ingest::Limits;
use crate::study::Study;

const TEXT: &[&str] = &["text content", "content", "quotation", "quote", "text"];
const DOCUMENT: &[&str] = &["document", "document name", "source"];
const CODES: &[&str] = &["codes", "code", "tag", "tags"];
const CODER: &[&str] = &["creator", "coder", "user"];

/// A CSV file: its header (lowercased) and its records, each with its line.
type Rows = (Vec<String>, Vec<(usize, Vec<String>)>);

fn csv_rows(bytes: &[u8]) -> Result<Rows, ImportError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::at(Some(1), format!("not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| ImportError::at(e.position().map(|p| p.line() as usize), format!("not CSV: {e}")))?;
        rows.push((r.position().map_or(0, |p| p.line() as usize), r.iter().map(str::to_string).collect()));
    }
    Ok((header, rows))
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| header.iter().position(|h| h == n))
}

/// Reads a codebook exported as CSV (ATLAS.ti's code manager: `Code`, `Comment`, `Groups`;
/// or `code`/`tag` with `description`).
pub fn read_codebook(bytes: &[u8]) -> Result<Vec<HumanCode>, ImportError> {
    let (header, rows) = csv_rows(bytes)?;
    let code = column(&header, &["code", "tag", "name"])
        .ok_or_else(|| ImportError::at(Some(1), format!("no `Code` column (header is: {})", header.join(", "))))?;
    let comment = column(&header, &["comment", "description", "definition"]);
    let groups = column(&header, &["groups", "group", "code groups"]);
    let mut out: Vec<HumanCode> = Vec::new();
    for (_, r) in rows {
        let name = r.get(code).map(|c| c.trim()).unwrap_or("");
        if name.is_empty() || out.iter().any(|c| c.code == name) {
            continue;
        }
        let cell = |i: Option<usize>| i.and_then(|i| r.get(i)).map(|s| s.trim().to_string()).unwrap_or_default();
        out.push(HumanCode {
            code: name.to_string(),
            parent: None,
            groups: cell(groups)
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
            description: cell(comment),
        });
    }
    Ok(out)
}

/// Splits a codes cell into code names: by line breaks and commas, a comma kept where the
/// codebook has a name with it.
fn split_codes(cell: &str, known: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in cell.split('\n') {
        let parts: Vec<&str> = line.split(',').collect();
        let mut i = 0;
        while i < parts.len() {
            // The longest run of parts from i that names a known code; else the part alone.
            let run = (i + 1..=parts.len()).rev().find(|&j| {
                let name = parts[i..j].join(",");
                known.iter().any(|k| k == name.trim())
            });
            let j = run.unwrap_or(i + 1);
            let name = parts[i..j].join(",").trim().to_string();
            if !name.is_empty() {
                out.push(name);
            }
            i = j;
        }
    }
    out
}

/// Letters and digits, lowercased, each with the char index it came from.
fn folded(text: &str) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut at = Vec::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                out.push(l);
                at.push(i);
            }
        }
    }
    (out, at)
}

/// Where `quote` is in `document` (char range), and whether it was found only by its ends.
pub fn find(document: &str, quote: &str) -> Option<(std::ops::Range<usize>, bool)> {
    let quote = quote.trim();
    if quote.is_empty() {
        return None;
    }
    if let Some(b) = document.find(quote) {
        let start = document[..b].chars().count();
        return Some((start..start + quote.chars().count(), false));
    }
    let (doc, at) = folded(document);
    let (q, _) = folded(quote);
    if q.is_empty() {
        return None;
    }
    let chars = |s: &str, byte: usize| s[..byte].chars().count();
    if let Some(b) = doc.find(&q) {
        let (first, last) = (chars(&doc, b), chars(&doc, b + q.len()) - 1);
        return Some((at[first]..at[last] + 1, false));
    }
    let n = q.chars().count();
    // Edited quotes: by their first and last letters, 40 of each, else 20.
    for ends in [40, 20] {
        if n < ends + ends / 2 {
            continue;
        }
        let head: String = q.chars().take(ends).collect();
        let tail: String = q.chars().skip(n - ends).collect();
        for (b, _) in doc.match_indices(&head) {
            let first = chars(&doc, b);
            // The tail within twice the quote's length after the head.
            let window_end = doc.char_indices().nth(first + 2 * n).map_or(doc.len(), |(i, _)| i);
            if let Some(t) = doc[b..window_end].find(&tail) {
                let last = chars(&doc, t + b + tail.len()) - 1;
                return Some((at[first]..at[last] + 1, true));
            }
        }
    }
    None
}

/// The transcripts of the study a document name can mean.
fn matches<'a>(document: &str, transcripts: &'a [(String, String)]) -> Vec<&'a (String, String)> {
    let name = document.trim().to_lowercase();
    let bare =
        name.rsplit_once('.').filter(|(_, e)| e.len() <= 5 && !e.contains(' ')).map_or(name.as_str(), |(b, _)| b);
    let by_name: Vec<_> = transcripts
        .iter()
        .filter(|(rel, _)| {
            let rel = rel.to_lowercase();
            let stem = rel.rsplit('/').next().unwrap_or(&rel);
            let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
            rel == name || stem == bare
        })
        .collect();
    if !by_name.is_empty() {
        return by_name;
    }
    let number = |s: &str| -> Option<u64> {
        let digits: String =
            s.chars().rev().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
        digits.chars().rev().collect::<String>().parse().ok()
    };
    let Some(n) = number(bare) else { return Vec::new() };
    transcripts
        .iter()
        .filter(|(rel, _)| {
            let stem = rel.rsplit('/').next().unwrap_or(rel);
            let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
            number(stem) == Some(n) && stem.chars().filter(char::is_ascii_digit).count() == n.to_string().len()
        })
        .collect()
}

/// Reads a quotation export against the study's transcripts.
pub fn read(
    bytes: &[u8],
    study: &Path,
    codebook: Option<Vec<HumanCode>>,
    limits: &Limits,
) -> Result<Project, ImportError> {
    let (header, rows) = csv_rows(bytes)?;
    let need = |names: &[&str], what: &str| {
        column(&header, names).ok_or_else(|| {
            ImportError::at(
                Some(1),
                format!("no {what} column ({}; header is: {})", names.join(" or "), header.join(", ")),
            )
        })
    };
    let (text_col, doc_col, codes_col) = (need(TEXT, "quote")?, need(DOCUMENT, "document")?, need(CODES, "codes")?);
    let coder_col = column(&header, CODER);
    let opened = Study::open(study).map_err(|e| {
        ImportError::at(None, format!("a quotation export is matched to the study's transcripts, and {e}"))
    })?;
    let mut transcripts = Vec::new();
    let mut project = Project { in_study: true, ..Project::default() };
    for path in &opened.transcripts {
        let rel = opened.relative(path);
        let read = crate::pipeline::read_transcript(&opened, path)
            .map_err(|d| d.message)
            .and_then(|bytes| crate::ingest::read_with(path, &bytes, limits).map_err(|e| e.message));
        match read {
            Ok(r) => transcripts.push((rel, r.transcript.document)),
            Err(m) => project.warnings.push(format!("{rel}: cannot be read ({m}); its quotes are skipped")),
        }
    }
    let mut codes: Vec<HumanCode> = codebook.unwrap_or_default();
    let known: Vec<String> = codes.iter().map(|c| c.code.clone()).collect();
    let mut used: BTreeMap<String, ()> = BTreeMap::new();
    let (mut unmatched, mut unfound, mut by_ends) = (BTreeMap::<String, usize>::new(), 0usize, 0usize);
    for (line, r) in rows {
        let cell = |i: usize| r.get(i).map(String::as_str).unwrap_or("");
        let document = cell(doc_col).trim();
        let found = matches(document, &transcripts);
        let [(rel, text)] = found.as_slice() else {
            if found.len() > 1 {
                project
                    .warnings
                    .push(format!("line {line}: document {document:?} could be several transcripts; skipped"));
            } else {
                *unmatched.entry(document.to_string()).or_default() += 1;
            }
            continue;
        };
        let Some((range, ends)) = find(text, cell(text_col)) else {
            unfound += 1;
            if unfound <= 10 {
                project.warnings.push(format!("line {line}: the quote is not in {rel}; skipped"));
            }
            continue;
        };
        by_ends += usize::from(ends);
        for code in split_codes(cell(codes_col), &known) {
            used.insert(code.clone(), ());
            project.selections.push(RawSelection {
                source: rel.clone(),
                start: range.start,
                end: Some(range.end),
                code,
                coder: coder_col.map(|c| cell(c).trim().to_string()).unwrap_or_default(),
                line,
            });
        }
    }
    for (document, n) in unmatched {
        project
            .warnings
            .push(format!("document {document:?} matches no transcript of the study; its {n} quotes are skipped"));
    }
    if unfound > 10 {
        project.warnings.push(format!("{} more quotes not found in their transcripts", unfound - 10));
    }
    if by_ends > 0 {
        project
            .warnings
            .push(format!("{by_ends} quotes found by their first and last words only (edited in the export)"));
    }
    for code in used.into_keys() {
        if !codes.iter().any(|c| c.code == code) {
            codes.push(HumanCode { code, ..HumanCode::default() });
        }
    }
    project.codes = codes;
    let used_sources: std::collections::BTreeSet<&str> = project.selections.iter().map(|s| s.source.as_str()).collect();
    project.sources = transcripts
        .into_iter()
        .filter(|(rel, _)| used_sources.contains(rel.as_str()))
        .map(|(rel, text)| Source { guid: rel.clone(), name: rel, internal: None, text })
        .collect();
    Ok(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_as_written_with_other_punctuation_or_by_their_ends() {
        let doc = "**Participant**\\\nIt's fast, and, honestly, safe.\nNext line.";
        let (r, ends) = find(doc, "It's fast, and, honestly, safe.").unwrap();
        assert_eq!(doc.chars().skip(r.start).take(r.len()).collect::<String>(), "It's fast, and, honestly, safe.");
        assert!(!ends);
        let (r, _) = find(doc, "it's fast and honestly safe").unwrap();
        assert_eq!(doc.chars().skip(r.start).take(r.len()).collect::<String>(), "It's fast, and, honestly, safe");
        let long = "word ".repeat(30) + "middle " + &"tail ".repeat(20);
        let edited = "word ".repeat(30) + "MIDDLE CHANGED " + &"tail ".repeat(20);
        let (r, ends) = find(&format!("x {long} y"), &edited).unwrap();
        assert!(ends && r.start == 2, "{r:?}");
        assert_eq!(find(doc, "not there at all"), None);
    }

    #[test]
    fn codes_split_at_commas_unless_the_codebook_has_the_comma() {
        let known = vec!["Bugs, memory".to_string(), "Speed".to_string()];
        assert_eq!(split_codes("Bugs, memory, Speed\nOther", &known), vec!["Bugs, memory", "Speed", "Other"]);
    }

    #[test]
    fn documents_match_by_name_else_by_their_number() {
        let t: Vec<(String, String)> =
            ["1.md", "7.md", "17.md", "P2_GMT.odt"].iter().map(|s| (s.to_string(), String::new())).collect();
        assert_eq!(matches("Interview P7", &t)[0].0, "7.md");
        assert_eq!(matches("Interview P17", &t)[0].0, "17.md");
        assert_eq!(matches("P2_GMT.odt", &t)[0].0, "P2_GMT.odt");
        assert!(matches("Interview P9", &t).is_empty());
    }
}
