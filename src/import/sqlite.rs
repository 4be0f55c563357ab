//! Project databases (Taguette's, QualCoder's): opened read only and immutable, so that SQLite
//! writes no journal or WAL file beside the user's file and takes no lock; their tables and
//! columns checked before any is read.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::ImportError;
use crate::ingest::{human_bytes, Limits};

/// The first bytes of every SQLite 3 database.
pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

/// Which tool wrote a database, by its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Taguette,
    QualCoder,
}

/// An SQL error at `what`.
pub(crate) fn err(what: &str, e: rusqlite::Error) -> ImportError {
    ImportError::at(None, format!("cannot read {what}: {e}"))
}

/// Opens `path`, which starts with [`MAGIC`].
pub(crate) fn open(path: &Path) -> Result<Connection, ImportError> {
    let absolute = std::path::absolute(path).map_err(|e| ImportError::at(None, e.to_string()))?;
    let mut uri = String::from("file:");
    for b in absolute.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| err("the database", e))?;
    // A database that is not one fails here, on its first read.
    tables(&conn)?;
    Ok(conn)
}

/// The database's tables, lowercased.
pub(crate) fn tables(conn: &Connection) -> Result<Vec<String>, ImportError> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .map_err(|e| ImportError::at(None, format!("not a readable SQLite database: {e}")))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ImportError::at(None, format!("not a readable SQLite database: {e}")))?;
    Ok(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
}

/// Which tool's project the database is, by its tables.
pub(crate) fn kind(conn: &Connection) -> Result<Kind, ImportError> {
    let tables = tables(conn)?;
    let has = |t: &str| tables.iter().any(|x| x == t);
    if has("highlights") && has("documents") {
        Ok(Kind::Taguette)
    } else if has("code_text") && has("source") {
        Ok(Kind::QualCoder)
    } else {
        Err(ImportError::at(
            None,
            format!(
                "an SQLite database, but neither a Taguette project (tables documents, highlights) nor a \
                 QualCoder project (tables source, code_text); its tables: {}",
                if tables.is_empty() { "none".to_string() } else { tables.join(", ") }
            ),
        ))
    }
}

/// The columns of `table`, lowercased (none when it is missing).
pub(crate) fn columns(conn: &Connection, table: &str) -> Result<Vec<String>, ImportError> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(|e| err(&format!("the columns of {table}"), e))?;
    let names = stmt
        .query_map([table], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| err(&format!("the columns of {table}"), e))?;
    Ok(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
}

/// Checks that each table has the columns read from it; `tool` names the format in the error.
pub(crate) fn require(conn: &Connection, tool: &str, tables: &[(&str, &[&str])]) -> Result<(), ImportError> {
    for (table, wanted) in tables {
        let have = columns(conn, table)?;
        if have.is_empty() {
            return Err(ImportError::at(None, format!("not a {tool} project: it has no table {table}")));
        }
        let missing: Vec<&str> = wanted.iter().copied().filter(|c| !have.iter().any(|h| h == c)).collect();
        if !missing.is_empty() {
            return Err(ImportError::at(
                None,
                format!("not a {tool} project: table {table} has no column {}", missing.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Column `i` of a row as an integer (an integer stored as text too).
pub(crate) fn int(row: &rusqlite::Row, i: usize) -> Option<i64> {
    match row.get_ref(i).ok()? {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// Counts a skipped row, its warning kept while there are ten at most.
pub(crate) fn skipped(warnings: &mut Vec<String>, count: &mut usize, message: impl FnOnce() -> String) {
    *count += 1;
    if *count <= 10 {
        warnings.push(message());
    }
}

/// An integer read for a message: `?` when it was not one.
pub(crate) fn shown(value: Option<i64>) -> String {
    value.map_or_else(|| "?".to_string(), |v| v.to_string())
}

/// Column `i` of a row as text (`None` when NULL; bytes not UTF-8 replaced).
pub(crate) fn text(row: &rusqlite::Row, i: usize) -> Option<String> {
    match row.get_ref(i).ok()? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// Runs `sql` and maps each row; `what` names the rows in an error.
pub(crate) fn rows<T>(
    conn: &Connection,
    what: &str,
    sql: &str,
    params: impl rusqlite::Params,
    mut map: impl FnMut(&rusqlite::Row) -> T,
) -> Result<Vec<T>, ImportError> {
    let mut stmt = conn.prepare(sql).map_err(|e| err(what, e))?;
    let mut rows = stmt.query(params).map_err(|e| err(what, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| err(what, e))? {
        out.push(map(row));
    }
    Ok(out)
}

/// The text `sql` selects for row `id` (of `len` bytes), or `None` with a warning naming `what`
/// when it is larger than the study's `max_transcript_bytes`.
pub(crate) fn text_within(
    conn: &Connection,
    sql: &str,
    id: i64,
    len: u64,
    what: &str,
    limits: &Limits,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ImportError> {
    if len > limits.max_transcript_bytes {
        warnings.push(format!(
            "{what} is {} (limit {}: max_transcript_bytes in pith.toml [limits]); skipped",
            human_bytes(len),
            human_bytes(limits.max_transcript_bytes)
        ));
        return Ok(None);
    }
    let found = rows(conn, what, sql, [id], |r| text(r, 0))?;
    Ok(Some(found.into_iter().flatten().next().unwrap_or_default()))
}
