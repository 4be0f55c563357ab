//! Taguette's project database (`.sqlite3`): takes the opened database, gives a [`Project`].
//!
//! Each document's HTML becomes plain text, one line per paragraph ([`HtmlText`]). A highlight's
//! offsets count UTF-8 bytes of the document's text content (its text nodes, entities decoded)
//! and are mapped onto that plain text; the text there is compared with the highlight's snippet,
//! and highlights whose text differs are counted in a warning. Tags become codes, nested at `/`
//! and at a `.` between letters (`ux.navigation` under `ux`). The coder is the user whose
//! `highlight_add` command made the highlight, else the project's only member. A database of
//! several projects gives each project's documents a folder of its name.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use super::sqlite::{int, require, rows, shown, skipped, text, text_within};
use super::{ImportError, Project, RawSelection, Source};
use crate::coding::HumanCode;
use crate::ingest::html::HtmlText;
use crate::ingest::Limits;

const TOOL: &str = "Taguette";

/// Snippets longer than this are not compared with the text at their offsets.
const SNIPPET_LIMIT: usize = 1 << 20;

/// The code a tag path names and its ancestors, outermost first (`a.b/c` → `a`, `a.b`, `a.b/c`).
fn tag_levels(path: &str) -> Vec<String> {
    let path = path.trim();
    let chars: Vec<(usize, char)> = path.char_indices().collect();
    let mut levels = Vec::new();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let before = k.checked_sub(1).map(|k| chars[k].1);
        let after = chars.get(k + 1).map(|&(_, c)| c);
        let split = match c {
            '/' => true,
            '.' => before.is_some_and(char::is_alphabetic) && after.is_some_and(char::is_alphabetic),
            _ => false,
        };
        if split && !path[..i].trim().is_empty() && !path[i + 1..].trim().is_empty() {
            levels.push(path[..i].trim().to_string());
        }
    }
    levels.push(path.to_string());
    levels
}

/// Whitespace-insensitive text, to compare a snippet with the text at its offsets.
fn squeezed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A document read: its index in the project's sources and its text.
struct Document {
    source: usize,
    html: HtmlText,
}

/// Reads a Taguette database.
pub fn read(conn: &Connection, limits: &Limits) -> Result<Project, ImportError> {
    require(
        conn,
        TOOL,
        &[
            ("documents", &["id", "name", "filename", "contents"]),
            ("tags", &["id", "path", "description"]),
            ("highlights", &["id", "document_id", "start_offset", "end_offset", "snippet"]),
            ("highlight_tags", &["highlight_id", "tag_id"]),
        ],
    )?;
    let mut project = Project::default();
    let has_projects = !super::sqlite::columns(conn, "projects")?.is_empty();
    let projects: BTreeMap<i64, String> = if has_projects {
        rows(conn, "projects", "SELECT id, name FROM projects ORDER BY id", [], |r| {
            (int(r, 0).unwrap_or_default(), text(r, 1).unwrap_or_default())
        })?
        .into_iter()
        .collect()
    } else {
        BTreeMap::new()
    };
    if projects.len() == 1 {
        project.name = projects.values().next().cloned().unwrap_or_default();
    }
    let doc_project = super::sqlite::columns(conn, "documents")?.iter().any(|c| c == "project_id");
    let listed = rows(
        conn,
        "documents",
        &format!(
            "SELECT id, name, filename, length(CAST(contents AS BLOB)), {} FROM documents ORDER BY id",
            if doc_project { "project_id" } else { "NULL" }
        ),
        [],
        |r| (int(r, 0), text(r, 1), text(r, 2), int(r, 3), int(r, 4)),
    )?;
    let mut documents: HashMap<i64, Document> = HashMap::new();
    for (id, name, filename, len, project_id) in listed {
        let Some(id) = id else { continue };
        let name = name.filter(|n| !n.trim().is_empty()).or(filename).unwrap_or_else(|| format!("document {id}"));
        let name = match project_id.and_then(|p| projects.get(&p)) {
            Some(p) if projects.len() > 1 => format!("{}/{name}", p.replace(['/', '\\'], "_")),
            _ => name,
        };
        let len = len.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        let sql = "SELECT contents FROM documents WHERE id = ?1";
        let what = format!("document {name:?}");
        let Some(contents) = text_within(conn, sql, id, len, &what, limits, &mut project.warnings)? else { continue };
        let html = HtmlText::new(&contents);
        if html.text.trim().is_empty() {
            project.warnings.push(format!("document {name:?} has no text; skipped"));
            continue;
        }
        if let Err(e) = limits.check_words(&html.text) {
            project.warnings.push(format!("document {name:?}: {}; skipped", e.message));
            continue;
        }
        project.sources.push(Source { guid: format!("taguette:{id}"), name, internal: None, text: html.text.clone() });
        documents.insert(id, Document { source: project.sources.len() - 1, html });
    }

    // Tags: each path's levels become codes, parents first.
    let tags = rows(conn, "tags", "SELECT id, path, description FROM tags ORDER BY id", [], |r| {
        (int(r, 0), text(r, 1).unwrap_or_default(), text(r, 2).unwrap_or_default())
    })?;
    let mut tag_code: HashMap<i64, String> = HashMap::new();
    let mut codes: BTreeMap<String, HumanCode> = BTreeMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    for (id, path, description) in tags {
        let levels = tag_levels(&path);
        if path.trim().is_empty() {
            continue;
        }
        for (depth, level) in levels.iter().enumerate() {
            if !codes.contains_key(level) {
                let parent = depth.checked_sub(1).map(|d| levels[d].clone());
                codes.insert(level.clone(), HumanCode { code: level.clone(), parent, ..HumanCode::default() });
                order.push((depth, level.clone()));
            }
        }
        if let (Some(code), Some(last)) = (codes.get_mut(path.trim()), levels.last()) {
            if code.description.is_empty() {
                code.description = description.trim().to_string();
            }
            if let Some(id) = id {
                tag_code.insert(id, last.clone());
            }
        }
    }
    order.sort_by_key(|(depth, _)| *depth);
    project.codes = order.into_iter().filter_map(|(_, c)| codes.remove(&c)).collect();

    let coders = coders(conn)?;
    let fallback = only_member(conn)?.unwrap_or_else(|| "taguette".to_string());
    let highlights = rows(
        conn,
        "highlights",
        &format!(
            "SELECT h.id, h.document_id, h.start_offset, h.end_offset, \
             CASE WHEN length(CAST(h.snippet AS BLOB)) <= {SNIPPET_LIMIT} THEN h.snippet END, t.tag_id \
             FROM highlights h LEFT JOIN highlight_tags t ON t.highlight_id = h.id ORDER BY h.id, t.tag_id"
        ),
        [],
        |r| (int(r, 0), int(r, 1), int(r, 2), int(r, 3), text(r, 4), int(r, 5)),
    )?;
    let (mut outside, mut differ, mut checked) = (0usize, 0usize, 0usize);
    let mut last: Option<(i64, Option<(usize, usize)>)> = None;
    for (id, document, start, end, snippet, tag) in highlights {
        let (Some(id), Some(document)) = (id, document) else { continue };
        let Some(doc) = documents.get(&document) else { continue };
        let range = match last {
            Some((h, r)) if h == id => r,
            _ => {
                let r = place(doc, start, end);
                match (r, &snippet) {
                    (None, _) => {
                        let name = &project.sources[doc.source].name;
                        skipped(&mut project.warnings, &mut outside, || {
                            format!(
                                "highlight {id}: offsets {}..{} lie outside the text of {name:?} ({} bytes); skipped",
                                shown(start),
                                shown(end),
                                doc.html.content_len()
                            )
                        });
                    }
                    (Some(_), Some(snippet)) => {
                        checked += 1;
                        let at = start.zip(end).and_then(|(s, e)| {
                            doc.html.text_between(usize::try_from(s).ok()?, usize::try_from(e).ok()?)
                        });
                        differ += usize::from(at.map(squeezed) != Some(squeezed(&HtmlText::new(snippet).text)));
                    }
                    _ => {}
                }
                last = Some((id, r));
                r
            }
        };
        let Some((s, e)) = range else { continue };
        // A highlight with no tag codes nothing.
        let Some(code) = tag.and_then(|t| tag_code.get(&t)) else { continue };
        project.selections.push(RawSelection {
            source: project.sources[doc.source].guid.clone(),
            start: s,
            end: Some(e),
            code: code.clone(),
            coder: coders.get(&id).cloned().unwrap_or_else(|| fallback.clone()),
            line: usize::try_from(id).unwrap_or_default(),
        });
    }
    if outside > 10 {
        project.warnings.push(format!("{} more highlights outside their document's text; skipped", outside - 10));
    }
    if differ > 0 {
        project.warnings.push(format!(
            "{differ} of {checked} highlights: the text at their offsets differs from their snippet (kept as placed)"
        ));
    }
    Ok(project)
}

/// A highlight's byte offsets as a char range of its document's text.
fn place(doc: &Document, start: Option<i64>, end: Option<i64>) -> Option<(usize, usize)> {
    let (s, e) = (usize::try_from(start?).ok()?, usize::try_from(end?).ok()?);
    if s > e {
        return None;
    }
    let (s, e) = (doc.html.start(s)?, doc.html.end(e)?);
    Some((s, e.max(s)))
}

/// Highlight id → the login of the user whose command added it, where the log has one.
fn coders(conn: &Connection) -> Result<HashMap<i64, String>, ImportError> {
    let columns = super::sqlite::columns(conn, "commands")?;
    if !["user_login", "payload"].iter().all(|c| columns.iter().any(|h| h == c)) {
        return Ok(HashMap::new());
    }
    let commands = rows(
        conn,
        "commands",
        "SELECT user_login, payload FROM commands WHERE payload LIKE '%highlight_add%' \
         AND length(CAST(payload AS BLOB)) < 65536 ORDER BY id",
        [],
        |r| (text(r, 0), text(r, 1)),
    )?;
    let mut out = HashMap::new();
    for (login, payload) in commands {
        let (Some(login), Some(payload)) = (login, payload) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&payload) else { continue };
        if json.get("type").and_then(|t| t.as_str()) != Some("highlight_add") {
            continue;
        }
        if let Some(id) = json.get("highlight_id").and_then(serde_json::Value::as_i64) {
            out.insert(id, login);
        }
    }
    Ok(out)
}

/// The login of the project's only member, if it has one member.
fn only_member(conn: &Connection) -> Result<Option<String>, ImportError> {
    if !super::sqlite::columns(conn, "project_members")?.iter().any(|c| c == "user_login") {
        return Ok(None);
    }
    let members = rows(conn, "project_members", "SELECT DISTINCT user_login FROM project_members", [], |r| text(r, 0))?;
    Ok(match members.as_slice() {
        [Some(login)] => Some(login.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_paths_nest_at_slashes_and_dots_between_letters() {
        assert_eq!(tag_levels("ux.navigation/slow"), vec!["ux", "ux.navigation", "ux.navigation/slow"]);
        assert_eq!(tag_levels("Export (meta)data useful"), vec!["Export (meta)data useful"]);
        assert_eq!(tag_levels("version 1.2 issues"), vec!["version 1.2 issues"]);
        assert_eq!(tag_levels("/lead"), vec!["/lead"]);
    }
}
