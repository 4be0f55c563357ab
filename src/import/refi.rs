//! REFI-QDA projects (`.qdpx`: a zip with `project.qde` and the sources) and codebooks (`.qdc`):
//! takes the file's bytes, gives a [`Project`]. What the 2019 schemas
//! (`urn:QDA-XML:project:1.0`, `urn:QDA-XML:codebook:1.0`) require of what pith reads is checked
//! here, each failure naming the line: the root and its namespace, GUIDs, required attributes,
//! positions, and that every reference (a coding's code, a case's source and variable) resolves.
//!
//! Read: users (coders' names), codes nested in codes, sets of codes (as groups), variables,
//! cases with their values and sources, text sources (their text inline or an `internal://` file
//! under `sources/`; a PDF's text representation alike) with their coded selections, and codings
//! of a whole source. Pictures, audio and video are skipped with a warning, as are sources stored
//! outside the archive. A zip is read within the limits Word files get: entries, the inflated size
//! of `project.qde` and of each source, names that climb out of `sources/`.

use std::collections::HashMap;
use std::io::{Cursor, Read as _};

use quick_xml::events::{BytesStart, Event};

use super::{Case, ImportError, Project, RawSelection, Source};
use crate::coding::HumanCode;
use crate::ingest::{human_bytes, Limits};

const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// Reads a `.qdpx` archive.
pub fn read_qdpx(bytes: &[u8], limits: &Limits) -> Result<Project, ImportError> {
    let err = |m: String| ImportError::at(None, m);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| err(format!("not a REFI-QDA project: {e}")))?;
    if zip.len() > limits.max_docx_entries {
        return Err(err(format!(
            "the zip has {} entries (limit {}: max_docx_entries in pith.toml [limits])",
            zip.len(),
            limits.max_docx_entries
        )));
    }
    let qde = zip
        .file_names()
        .find(|n| n.eq_ignore_ascii_case("project.qde"))
        .map(str::to_string)
        .ok_or_else(|| err("not a REFI-QDA project: the zip has no project.qde".into()))?;
    let xml = entry(&mut zip, &qde, limits.max_docx_xml_bytes, "max_docx_xml_bytes")?;
    let xml = String::from_utf8(xml).map_err(|_| err("project.qde is not UTF-8".into()))?;
    let mut project = parse(&xml, Root::Project).map_err(|mut e| {
        e.location.path = "project.qde".into();
        e
    })?;
    let mut kept = Vec::new();
    for mut source in std::mem::take(&mut project.sources) {
        if let Some(path) = source.internal.take() {
            let Some(name) = internal_name(&path) else {
                project.warnings.push(format!(
                    "source {:?}: {path:?} is not a file of the archive's sources/ folder; skipped",
                    source.name
                ));
                continue;
            };
            let found = zip.file_names().find(|n| n.eq_ignore_ascii_case(&name)).map(str::to_string);
            let Some(found) = found else {
                project.warnings.push(format!("source {:?}: the archive has no {name}; skipped", source.name));
                continue;
            };
            let bytes = entry(&mut zip, &found, limits.max_transcript_bytes, "max_transcript_bytes")?;
            match String::from_utf8(bytes) {
                Ok(text) => source.text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text),
                Err(_) => {
                    project.warnings.push(format!("source {:?}: {name} is not UTF-8 text; skipped", source.name));
                    continue;
                }
            }
        }
        kept.push(source);
    }
    project.sources = kept;
    check_positions(&mut project);
    Ok(project)
}

/// Reads a `.qdc` codebook, or a `project.qde` given bare.
pub fn read_xml(bytes: &[u8]) -> Result<Project, ImportError> {
    let xml = std::str::from_utf8(bytes).map_err(|_| ImportError::at(None, "not UTF-8 text".into()))?;
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut project = parse(xml, Root::Either)?;
    if project.sources.iter().any(|s| s.internal.is_some()) {
        project.warnings.push("sources stored as files need the .qdpx archive; only inline sources read".into());
        project.sources.retain(|s| s.internal.is_none());
    }
    check_positions(&mut project);
    Ok(project)
}

/// One zip entry, at most `max` bytes inflated.
fn entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, max: u64, key: &str) -> Result<Vec<u8>, ImportError> {
    let file = zip.by_name(name).map_err(|e| ImportError::at(None, format!("cannot read {name}: {e}")))?;
    let mut out = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| ImportError::at(None, format!("cannot read {name}: {e}")))?;
    if out.len() as u64 > max {
        return Err(ImportError::at(
            None,
            format!(
                "{name} decompresses to more than {} (a zip bomb? limit: {key} in pith.toml [limits])",
                human_bytes(max)
            ),
        ));
    }
    Ok(out)
}

/// The zip entry an `internal://` path names: `sources/NAME`, NAME one file name.
fn internal_name(path: &str) -> Option<String> {
    let name = path.strip_prefix("internal://")?;
    let bad = name.is_empty()
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.get(1..2) == Some(":");
    (!bad).then(|| format!("sources/{name}"))
}

/// Drops selections outside their source's text, with a warning each.
fn check_positions(project: &mut Project) {
    let lengths: Vec<usize> = project.sources.iter().map(|s| s.text.chars().count()).collect();
    let guids: HashMap<&str, usize> = project.sources.iter().enumerate().map(|(i, s)| (s.guid.as_str(), i)).collect();
    let mut warnings = Vec::new();
    let mut kept = Vec::new();
    for mut s in std::mem::take(&mut project.selections) {
        let Some(&i) = guids.get(s.source.as_str()) else { continue };
        let len = lengths[i];
        let end = s.end.unwrap_or(len);
        if s.start > end || end > len {
            warnings.push(format!(
                "line {}: selection {}..{} of source {:?} lies outside its {len} characters; skipped",
                s.line, s.start, end, project.sources[i].name
            ));
            continue;
        }
        s.end = Some(end);
        kept.push(s);
    }
    project.selections = kept;
    project.warnings.extend(warnings);
}

#[derive(Clone, Copy, PartialEq)]
enum Root {
    Project,
    Either,
}

/// Where the parser is, as far as it matters.
#[derive(Default)]
struct State {
    path: Vec<String>,
    codes: Vec<usize>,
    code_guids: HashMap<String, usize>,
    users: HashMap<String, String>,
    variables: HashMap<String, String>,
    case: Option<Case>,
    value_variable: Option<String>,
    source: Option<usize>,
    selection: Option<RawSelection>,
    set: Option<String>,
    set_members: Vec<(String, String, usize)>,
    text: String,
    /// Case source refs and coding refs, resolved once every GUID is known.
    case_sources: Vec<(usize, String, usize)>,
    coding_refs: Vec<(RawSelection, String)>,
    /// The selection a `<Coding>` being read applies to.
    selection_coding: Option<RawSelection>,
}

fn line_of(xml: &str, pos: usize) -> usize {
    xml.as_bytes()[..pos.min(xml.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn attrs(e: &BytesStart, line: usize) -> Result<HashMap<String, String>, ImportError> {
    let mut out = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| ImportError::at(Some(line), format!("broken attribute: {err}")))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value =
            a.unescape_value().map_err(|err| ImportError::at(Some(line), format!("broken attribute: {err}")))?;
        if a.key.as_ref() == b"xmlns" || key != "xmlns" {
            out.insert(if a.key.as_ref() == b"xmlns" { "xmlns".into() } else { key }, value.into_owned());
        }
    }
    Ok(out)
}

fn required<'a>(a: &'a HashMap<String, String>, key: &str, element: &str, line: usize) -> Result<&'a str, ImportError> {
    a.get(key).map(String::as_str).ok_or_else(|| ImportError::at(Some(line), format!("<{element}> has no {key}")))
}

/// A GUID as the schema's pattern has it (with or without braces), lowercased without braces.
fn guid(a: &HashMap<String, String>, key: &str, element: &str, line: usize) -> Result<String, ImportError> {
    let g = required(a, key, element, line)?;
    let inner = g.strip_prefix('{').and_then(|g| g.strip_suffix('}')).unwrap_or(g);
    let ok = inner.len() == 36
        && inner
            .char_indices()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() });
    if !ok {
        return Err(ImportError::at(Some(line), format!("<{element}> {key}={g:?} is not a GUID")));
    }
    Ok(inner.to_ascii_lowercase())
}

fn position(a: &HashMap<String, String>, key: &str, line: usize) -> Result<usize, ImportError> {
    let v = required(a, key, "PlainTextSelection", line)?;
    v.trim().parse().map_err(|_| ImportError::at(Some(line), format!("{key}={v:?} is not a character position")))
}

fn parse(xml: &str, root: Root) -> Result<Project, ImportError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut project = Project::default();
    let mut st = State::default();
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            ImportError::at(Some(line_of(xml, reader.buffer_position() as usize)), format!("broken XML: {e}"))
        })?;
        let line = line_of(xml, at);
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                start(&mut project, &mut st, &name, &e, line, root)?;
                st.path.push(name);
                st.text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                start(&mut project, &mut st, &name, &e, line, root)?;
                st.path.push(name.clone());
                end(&mut project, &mut st, &name, line)?;
                st.path.pop();
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                end(&mut project, &mut st, &name, line)?;
                st.path.pop();
            }
            Event::Text(t) => {
                let t = t.unescape().map_err(|e| ImportError::at(Some(line), format!("broken text: {e}")))?;
                st.text.push_str(&t);
            }
            Event::CData(t) => st.text.push_str(&String::from_utf8_lossy(&t)),
            Event::Eof => break,
            _ => {}
        }
    }
    if project.root.is_none() {
        return Err(ImportError::at(None, "no REFI-QDA Project or CodeBook element".into()));
    }
    for (case, guid, line) in std::mem::take(&mut st.case_sources) {
        match project.sources.iter().position(|s| s.guid == guid) {
            Some(i) => project.cases[case].sources.push(i),
            None if project.skipped_sources.contains(&guid) => {}
            None => return Err(ImportError::at(Some(line), format!("<SourceRef> names no source: {guid}"))),
        }
    }
    qualify_names(&mut project);
    for (mut sel, code) in std::mem::take(&mut st.coding_refs) {
        let Some(&c) = st.code_guids.get(&code) else {
            return Err(ImportError::at(Some(sel.line), format!("<CodeRef> names no code of the codebook: {code}")));
        };
        sel.code = project.codes[c].code.clone();
        if let Some(user) = st.users.get(&sel.coder.trim_matches(['{', '}']).to_ascii_lowercase()) {
            sel.coder = user.clone();
        }
        project.selections.push(sel);
    }
    for (set, code, line) in std::mem::take(&mut st.set_members) {
        let Some(&c) = st.code_guids.get(&code) else {
            return Err(ImportError::at(Some(line), format!("<MemberCode> names no code of the codebook: {code}")));
        };
        if !project.codes[c].groups.contains(&set) {
            project.codes[c].groups.push(set);
        }
    }
    Ok(project)
}

fn start(
    project: &mut Project,
    st: &mut State,
    name: &str,
    e: &BytesStart,
    line: usize,
    root: Root,
) -> Result<(), ImportError> {
    let parent = st.path.last().map(String::as_str);
    if st.path.is_empty() {
        let a = attrs(e, line)?;
        let ns = a.get("xmlns").map(String::as_str);
        let ok = match name {
            "Project" => ns == Some(PROJECT_NS),
            "CodeBook" => root == Root::Either && ns == Some(CODEBOOK_NS),
            _ => false,
        };
        if !ok {
            return Err(ImportError::at(
                Some(line),
                format!(
                    "not a REFI-QDA {}: the root is <{name}> in namespace {:?} (expected {})",
                    if root == Root::Project { "project" } else { "project or codebook" },
                    ns.unwrap_or(""),
                    if root == Root::Project {
                        PROJECT_NS.to_string()
                    } else {
                        format!("{PROJECT_NS} or {CODEBOOK_NS}")
                    }
                ),
            ));
        }
        if name == "Project" {
            required(&a, "name", name, line)?;
            project.name = a.get("name").cloned().unwrap_or_default();
        }
        project.root = Some(name.to_string());
        return Ok(());
    }
    match (name, parent) {
        ("User", Some("Users")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            st.users.insert(g.clone(), a.get("name").cloned().unwrap_or(g));
        }
        ("Code", Some("Codes" | "Code")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            let code = required(&a, "name", name, line)?.trim().to_string();
            let codable = required(&a, "isCodable", name, line)?;
            if !matches!(codable, "true" | "false" | "1" | "0") {
                return Err(ImportError::at(Some(line), format!("isCodable={codable:?} is not a boolean")));
            }
            let parent = st.codes.last().map(|&p| project.codes[p].code.clone());
            project.codes.push(HumanCode { code, parent, ..HumanCode::default() });
            project.paths.push(st.codes.clone());
            let i = project.codes.len() - 1;
            if st.code_guids.insert(g.clone(), i).is_some() {
                return Err(ImportError::at(Some(line), format!("two codes have the GUID {g}")));
            }
            st.codes.push(i);
        }
        ("Variable", Some("Variables")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            let v = required(&a, "name", name, line)?.to_string();
            st.variables.insert(g, v);
        }
        ("Case", Some("Cases")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            st.case = Some(Case { name: a.get("name").cloned().unwrap_or(g), ..Case::default() });
        }
        ("VariableRef", Some("VariableValue")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "targetGUID", name, line)?;
            let v = st
                .variables
                .get(&g)
                .ok_or_else(|| ImportError::at(Some(line), format!("<VariableRef> names no variable: {g}")))?;
            st.value_variable = Some(v.clone());
        }
        ("SourceRef", Some("Case")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "targetGUID", name, line)?;
            st.case_sources.push((project.cases.len(), g, line));
        }
        ("TextSource" | "Representation", Some("Sources" | "PDFSource")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            let display = a.get("name").cloned().unwrap_or_else(|| g.clone());
            let internal = match a.get("plainTextPath") {
                Some(p) if p.starts_with("internal://") => Some(p.clone()),
                Some(p) => {
                    project
                        .warnings
                        .push(format!("line {line}: source {display:?} is stored outside the archive ({p}); skipped"));
                    project.skipped_sources.push(g);
                    return Ok(());
                }
                None => None,
            };
            // A PDF's text stands for the PDF: its cases name the PDF's GUID.
            if name == "Representation" {
                if let Some(pdf) = project.skipped_sources.pop() {
                    project.sources.push(Source {
                        guid: pdf,
                        name: display.clone(),
                        internal: internal.clone(),
                        text: String::new(),
                    });
                    st.source = Some(project.sources.len() - 1);
                    return Ok(());
                }
            }
            project.sources.push(Source { guid: g, name: display, internal, text: String::new() });
            st.source = Some(project.sources.len() - 1);
        }
        ("PDFSource", Some("Sources")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            // Read through its text representation, if it has one.
            project.skipped_sources.push(g);
        }
        ("PictureSource" | "AudioSource" | "VideoSource", Some("Sources")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "guid", name, line)?;
            project.warnings.push(format!(
                "line {line}: {name} {:?} is not text; skipped",
                a.get("name").map(String::as_str).unwrap_or(&g)
            ));
            project.skipped_sources.push(g);
        }
        ("PlainTextSelection", Some("TextSource" | "Representation")) if st.source.is_some() => {
            let a = attrs(e, line)?;
            guid(&a, "guid", name, line)?;
            let (start, end) = (position(&a, "startPosition", line)?, position(&a, "endPosition", line)?);
            let (start, end) = (start.min(end), start.max(end));
            let coder = a.get("creatingUser").cloned().unwrap_or_default();
            st.selection = Some(RawSelection {
                source: project.sources[st.source.unwrap_or_default()].guid.clone(),
                start,
                end: Some(end),
                code: String::new(),
                coder,
                line,
            });
        }
        ("Coding", Some("PlainTextSelection" | "TextSource" | "Representation")) if st.source.is_some() => {
            let a = attrs(e, line)?;
            guid(&a, "guid", name, line)?;
            let mut sel = match &st.selection {
                Some(s) => s.clone(),
                // A coding of the whole source.
                None => RawSelection {
                    source: project.sources[st.source.unwrap_or_default()].guid.clone(),
                    start: 0,
                    end: None,
                    code: String::new(),
                    coder: String::new(),
                    line,
                },
            };
            if let Some(u) = a.get("creatingUser") {
                sel.coder = u.clone();
            }
            sel.line = line;
            st.selection_coding = Some(sel);
        }
        ("CodeRef", Some("Coding")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "targetGUID", name, line)?;
            if let Some(sel) = st.selection_coding.take() {
                st.coding_refs.push((sel, g));
            }
        }
        ("Set", Some("Sets")) => {
            let a = attrs(e, line)?;
            guid(&a, "guid", name, line)?;
            st.set = Some(required(&a, "name", name, line)?.to_string());
        }
        ("MemberCode", Some("Set")) => {
            let a = attrs(e, line)?;
            let g = guid(&a, "targetGUID", name, line)?;
            if let Some(set) = &st.set {
                st.set_members.push((set.clone(), g, line));
            }
        }
        _ => {}
    }
    Ok(())
}

fn end(project: &mut Project, st: &mut State, name: &str, line: usize) -> Result<(), ImportError> {
    let parent = st.path.len().checked_sub(2).and_then(|i| st.path.get(i)).map(String::as_str);
    match (name, parent) {
        ("Code", Some("Codes" | "Code")) => {
            st.codes.pop();
        }
        ("Description", Some("Code")) => {
            if let Some(&c) = st.codes.last() {
                project.codes[c].description = st.text.trim().to_string();
            }
        }
        ("Case", Some("Cases")) => {
            if let Some(case) = st.case.take() {
                project.cases.push(case);
            }
        }
        (
            "TextValue" | "BooleanValue" | "IntegerValue" | "FloatValue" | "DateValue" | "DateTimeValue",
            Some("VariableValue"),
        ) => {
            if let (Some(case), Some(var)) = (&mut st.case, &st.value_variable) {
                case.attributes.push((var.clone(), st.text.trim().to_string()));
            }
        }
        ("VariableValue", _) => st.value_variable = None,
        ("PlainTextContent", Some("TextSource" | "Representation")) => {
            if let Some(s) = st.source {
                project.sources[s].text = std::mem::take(&mut st.text);
            }
        }
        ("PlainTextSelection", _) => st.selection = None,
        ("Coding", _) if st.selection_coding.take().is_some() => {
            return Err(ImportError::at(Some(line), "<Coding> has no <CodeRef>".into()));
        }
        ("TextSource" | "Representation", Some("Sources" | "PDFSource")) => st.source = None,
        ("Set", _) => st.set = None,
        _ => {}
    }
    Ok(())
}

/// Code names made unique: a name two codes share is qualified by its parents' (`A/B`); a
/// coder's GUID becomes their name.
fn qualify_names(project: &mut Project) {
    let mut count: HashMap<String, usize> = HashMap::new();
    for c in &project.codes {
        *count.entry(c.code.clone()).or_default() += 1;
    }
    let original: Vec<String> = project.codes.iter().map(|c| c.code.clone()).collect();
    let full = |i: usize| -> String {
        let mut parts: Vec<&str> = project.paths[i].iter().map(|&p| original[p].as_str()).collect();
        parts.push(&original[i]);
        parts.join("/")
    };
    let renamed: Vec<String> =
        (0..project.codes.len()).map(|i| if count[&original[i]] > 1 { full(i) } else { original[i].clone() }).collect();
    for (i, c) in project.codes.iter_mut().enumerate() {
        c.code = renamed[i].clone();
        c.parent = project.paths[i].last().map(|&p| renamed[p].clone());
    }
}
