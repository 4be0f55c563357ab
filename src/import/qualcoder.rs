//! QualCoder's project (`NAME.qda/data.qda`, an SQLite database): takes the opened database,
//! gives a [`Project`].
//!
//! Read: text sources (`source.fulltext`; pictures, audio and video have none and are skipped),
//! categories (`code_cat`, nested by `supercatid`) and codes (`code_name`, under their category
//! or, where QualCoder has it, their parent code `supercid`) as nested codes, coded text
//! (`code_text`: `pos0`..`pos1` count characters of the source's text; the coder is `owner`, and
//! selections whose `seltext` differs from the text there are counted in a warning), and cases
//! (`cases`, their sources by `case_text`, their attributes of type `case`). A category that
//! shares a code's name is called `NAME (category)`.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use super::sqlite::{columns, int, require, rows, shown, skipped, text, text_within};
use super::{Case, ImportError, Project, RawSelection, Source};
use crate::coding::HumanCode;
use crate::ingest::Limits;

const TOOL: &str = "QualCoder";

/// A node of the code tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    Category(i64),
    Code(i64),
}

/// Reads a QualCoder database.
pub fn read(conn: &Connection, limits: &Limits) -> Result<Project, ImportError> {
    require(
        conn,
        TOOL,
        &[
            ("source", &["id", "name", "fulltext"]),
            ("code_name", &["cid", "name", "catid"]),
            ("code_cat", &["catid", "name", "supercatid"]),
            ("code_text", &["cid", "fid", "seltext", "pos0", "pos1", "owner"]),
        ],
    )?;
    let mut project = Project::default();
    let listed =
        rows(conn, "source", "SELECT id, name, length(CAST(fulltext AS BLOB)) FROM source ORDER BY id", [], |r| {
            (int(r, 0), text(r, 1), int(r, 2))
        })?;
    // Source id → index in project.sources, and its text length in chars.
    let mut sources: HashMap<i64, (usize, usize)> = HashMap::new();
    for (id, name, len) in listed {
        let Some(id) = id else { continue };
        let name = name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("source {id}"));
        let len = len.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        if len == 0 {
            project.warnings.push(format!("source {name:?} has no text (a picture, audio or video?); skipped"));
            continue;
        }
        let sql = "SELECT fulltext FROM source WHERE id = ?1";
        let what = format!("source {name:?}");
        let Some(fulltext) = text_within(conn, sql, id, len, &what, limits, &mut project.warnings)? else { continue };
        if let Err(e) = limits.check_words(&fulltext) {
            project.warnings.push(format!("source {name:?}: {}; skipped", e.message));
            continue;
        }
        sources.insert(id, (project.sources.len(), fulltext.chars().count()));
        project.sources.push(Source { guid: format!("qualcoder:{id}"), name, internal: None, text: fulltext });
    }

    project.codes = codebook(conn, &mut project.warnings)?;
    let names: HashMap<i64, String> = code_names(conn)?;
    let coded = rows(
        conn,
        "code_text",
        "SELECT rowid, cid, fid, pos0, pos1, owner, seltext FROM code_text ORDER BY rowid",
        [],
        |r| (int(r, 0), int(r, 1), int(r, 2), int(r, 3), int(r, 4), text(r, 5), text(r, 6)),
    )?;
    let (mut outside, mut differ, mut unknown) = (0usize, 0usize, 0usize);
    for (row, cid, fid, pos0, pos1, owner, seltext) in coded {
        let row = row.unwrap_or_default();
        let Some(&(index, len)) = fid.and_then(|f| sources.get(&f)) else { continue };
        let Some(code) = cid.and_then(|c| names.get(&c)) else {
            unknown += 1;
            continue;
        };
        let range = pos0.zip(pos1).and_then(|(a, b)| Some((usize::try_from(a).ok()?, usize::try_from(b).ok()?)));
        let Some((start, end)) = range.filter(|&(a, b)| a <= b && b <= len) else {
            skipped(&mut project.warnings, &mut outside, || {
                format!(
                    "code_text row {row}: {}..{} lies outside the {len} characters of {:?}; skipped",
                    shown(pos0),
                    shown(pos1),
                    project.sources[index].name
                )
            });
            continue;
        };
        let source = &project.sources[index];
        if let Some(seltext) = &seltext {
            let at: String = source.text.chars().skip(start).take(end - start).collect();
            differ += usize::from(at.trim() != seltext.trim());
        }
        project.selections.push(RawSelection {
            source: source.guid.clone(),
            start,
            end: Some(end),
            code: code.clone(),
            coder: owner.map(|o| o.trim().to_string()).unwrap_or_default(),
            line: usize::try_from(row).unwrap_or_default(),
        });
    }
    if outside > 10 {
        project.warnings.push(format!("{} more coded texts outside their source; skipped", outside - 10));
    }
    if unknown > 0 {
        project.warnings.push(format!("{unknown} coded texts name no code of code_name; skipped"));
    }
    if differ > 0 {
        project.warnings.push(format!(
            "{differ} coded texts: the source's text at their positions differs from their seltext (kept as placed)"
        ));
    }
    project.cases = cases(conn, &sources)?;
    Ok(project)
}

/// Code id → its name in the codebook.
fn code_names(conn: &Connection) -> Result<HashMap<i64, String>, ImportError> {
    let codes = rows(conn, "code_name", "SELECT cid, name FROM code_name", [], |r| (int(r, 0), text(r, 1)))?;
    Ok(codes
        .into_iter()
        .filter_map(|(c, n)| Some((c?, n?.trim().to_string())))
        .filter(|(_, n)| !n.is_empty())
        .collect())
}

/// Categories and codes as one codebook, parents before their children.
fn codebook(conn: &Connection, warnings: &mut Vec<String>) -> Result<Vec<HumanCode>, ImportError> {
    let memo = |table: &str| -> Result<&'static str, ImportError> {
        Ok(if columns(conn, table)?.iter().any(|c| c == "memo") { "memo" } else { "NULL" })
    };
    let supercid = if columns(conn, "code_name")?.iter().any(|c| c == "supercid") { "supercid" } else { "NULL" };
    let mut nodes: BTreeMap<Node, (String, Option<Node>, String)> = BTreeMap::new();
    let cats = rows(
        conn,
        "code_cat",
        &format!("SELECT catid, name, supercatid, {} FROM code_cat", memo("code_cat")?),
        [],
        |r| (int(r, 0), text(r, 1), int(r, 2), text(r, 3)),
    )?;
    let codes = rows(
        conn,
        "code_name",
        &format!("SELECT cid, name, catid, {supercid}, {} FROM code_name", memo("code_name")?),
        [],
        |r| (int(r, 0), text(r, 1), int(r, 2), int(r, 3), text(r, 4)),
    )?;
    let code_names: Vec<String> = codes.iter().filter_map(|c| c.1.as_ref().map(|n| n.trim().to_string())).collect();
    for (id, name, parent, memo) in cats {
        let (Some(id), Some(name)) = (id, name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())) else {
            continue;
        };
        let name = if code_names.contains(&name) { format!("{name} (category)") } else { name };
        nodes.insert(Node::Category(id), (name, parent.map(Node::Category), memo.unwrap_or_default()));
    }
    for (id, name, cat, parent, memo) in codes {
        let (Some(id), Some(name)) = (id, name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())) else {
            continue;
        };
        let parent = parent.map(Node::Code).or(cat.map(Node::Category));
        nodes.insert(Node::Code(id), (name, parent, memo.unwrap_or_default()));
    }
    // A parent that is missing or makes a cycle is dropped.
    let keys: Vec<Node> = nodes.keys().copied().collect();
    for &node in &keys {
        let (mut at, mut seen) = (node, vec![node]);
        while let Some(parent) = nodes.get(&at).and_then(|n| n.1) {
            let cycle = seen.contains(&parent);
            if cycle || !nodes.contains_key(&parent) {
                if cycle {
                    warnings.push(format!("{:?} is its own ancestor; its parent is dropped", nodes[&at].0));
                }
                if let Some(n) = nodes.get_mut(&at) {
                    n.1 = None;
                }
                break;
            }
            seen.push(parent);
            at = parent;
        }
    }
    let depth = |node: Node| -> usize { std::iter::successors(Some(node), |n| nodes.get(n).and_then(|n| n.1)).count() };
    let mut ordered: Vec<(usize, Node)> = keys.iter().map(|&n| (depth(n), n)).collect();
    ordered.sort();
    Ok(ordered
        .into_iter()
        .map(|(_, node)| {
            let (name, parent, memo) = &nodes[&node];
            HumanCode {
                code: name.clone(),
                parent: parent.map(|p| nodes[&p].0.clone()),
                groups: Vec::new(),
                description: memo.trim().to_string(),
            }
        })
        .collect())
}

/// Cases with their attributes (type `case`) and the sources they hold.
fn cases(conn: &Connection, sources: &HashMap<i64, (usize, usize)>) -> Result<Vec<Case>, ImportError> {
    if !columns(conn, "cases")?.iter().any(|c| c == "caseid") {
        return Ok(Vec::new());
    }
    let listed =
        rows(conn, "cases", "SELECT caseid, name FROM cases ORDER BY caseid", [], |r| (int(r, 0), text(r, 1)))?;
    let links = if columns(conn, "case_text")?.iter().any(|c| c == "fid") {
        rows(conn, "case_text", "SELECT DISTINCT caseid, fid FROM case_text ORDER BY rowid", [], |r| {
            (int(r, 0), int(r, 1))
        })?
    } else {
        Vec::new()
    };
    let attribute_columns = columns(conn, "attribute")?;
    let attributes = if ["name", "attr_type", "value", "id"].iter().all(|c| attribute_columns.iter().any(|h| h == c)) {
        rows(
            conn,
            "attribute",
            "SELECT id, name, value FROM attribute WHERE attr_type = 'case' ORDER BY rowid",
            [],
            |r| (int(r, 0), text(r, 1), text(r, 2)),
        )?
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (id, name) in listed {
        let Some(id) = id else { continue };
        let mut case = Case {
            name: name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("case {id}")),
            ..Case::default()
        };
        for (_, fid) in links.iter().filter(|(c, _)| *c == Some(id)) {
            if let Some(&(index, _)) = fid.and_then(|f| sources.get(&f)) {
                if !case.sources.contains(&index) {
                    case.sources.push(index);
                }
            }
        }
        for (_, name, value) in attributes.iter().filter(|(c, _, _)| *c == Some(id)) {
            if let Some(name) = name.as_ref().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                case.attributes.push((name.to_string(), value.clone().unwrap_or_default().trim().to_string()));
            }
        }
        out.push(case);
    }
    Ok(out)
}
