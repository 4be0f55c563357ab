//! `pith import` of Taguette's and QualCoder's project databases: the real Taguette project of
//! the SERDIF sessions, QualCoder projects built here with QualCoder's schema, hostile files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::util::{char_slice, csv_rows, pith, shared_corpus, walk, TempStudy};

/// Every file under `dir` with its bytes: to show an import left its input as it was.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("read"))).collect()
}

fn squeezed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn taguettes_own_database_imports_with_each_highlight_on_its_snippet() {
    let Some(corpus) = shared_corpus() else { return };
    let folder = corpus.join("serdif-usability-sessions/thematic-analysis");
    let db = folder.join("SERDIF_P2_ThematicAnalysis.sqlite3");
    let before = snapshot(&folder);
    let t = TempStudy::new();
    let study = t.path().join("study");
    let stdout = pith(["import".as_ref(), db.as_os_str(), study.as_os_str()]).stdout();
    assert!(stdout.contains("17 sources (17 new or changed)"), "{stdout}");
    assert_eq!(snapshot(&folder), before, "the import changed its input's folder");

    // What the test expects, from the database itself: each tagged highlight's snippet with its
    // markup removed, by document and tag.
    let conn = Connection::open_with_flags(
        format!("file:{}?mode=ro&immutable=1", db.display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .expect("open");
    let markup = regex::Regex::new("<[^>]*>").expect("regex");
    let mut stmt = conn
        .prepare(
            "SELECT d.name, t.path, h.snippet FROM highlights h JOIN highlight_tags ht ON ht.highlight_id = h.id \
             JOIN tags t ON t.id = ht.tag_id JOIN documents d ON d.id = h.document_id",
        )
        .expect("query");
    let mut expected: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .expect("rows")
    {
        let (document, tag, snippet) = row.expect("row");
        let text = markup.replace_all(&snippet, " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        let transcript = format!("{}.txt", document.trim_end_matches(".odt"));
        *expected.entry((transcript, tag, squeezed(&text))).or_default() += 1;
    }
    let wanted: usize = expected.values().sum();
    assert!(wanted > 1900, "{wanted} tagged highlights");

    let selections = csv_rows(&study.join("coding/selections/SERDIF_P2_ThematicAnalysis.csv"));
    assert_eq!(selections.len(), wanted);
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut matched = 0;
    for s in &selections {
        let text = texts
            .entry(s["transcript"].clone())
            .or_insert_with(|| std::fs::read_to_string(study.join("transcripts").join(&s["transcript"])).expect("t"));
        let at = char_slice(text, s["start"].parse().expect("start"), s["end"].parse().expect("end"));
        let key = (s["transcript"].clone(), s["code"].clone(), squeezed(&at));
        if let Some(n) = expected.get_mut(&key).filter(|n| **n > 0) {
            *n -= 1;
            matched += 1;
        }
        assert_eq!(s["coder"], "admin");
    }
    eprintln!("{matched} of {wanted} selections hold their highlight's snippet");
    assert!(matched * 1000 >= wanted * 995, "{matched} of {wanted} selections hold their highlight's snippet");
    let book = csv_rows(&study.join("coding/codebook.csv"));
    assert_eq!(book.len(), 22);
    assert!(book.iter().any(|c| c["code"] == "System issue" && c["description"].contains("crash")));

    // A second import finds its transcripts there and writes none.
    let again = pith(["import".as_ref(), db.as_os_str(), study.as_os_str()]).stdout();
    assert!(again.contains("17 sources (0 new or changed)"), "{again}");
    // Nor when the researcher has moved or renamed one: the same text is the same transcript.
    let transcripts = study.join("transcripts");
    std::fs::create_dir_all(transcripts.join("sessions")).expect("mkdir");
    std::fs::rename(transcripts.join("P2_GMT20211119.txt"), transcripts.join("sessions/P2.txt")).expect("mv");
    let moved = pith(["import".as_ref(), db.as_os_str(), study.as_os_str()]).stdout();
    assert!(moved.contains("17 sources (0 new or changed)"), "{moved}");
    assert!(!transcripts.join("P2_GMT20211119.txt").exists());
    let selections = csv_rows(&study.join("coding/selections/SERDIF_P2_ThematicAnalysis.csv"));
    assert!(selections.iter().any(|s| s["transcript"] == "sessions/P2.txt"));
    assert!(!selections.iter().any(|s| s["transcript"] == "P2_GMT20211119.txt"));
    let agree = pith(["agree".as_ref(), study.as_os_str()]).stdout();
    assert!(agree.contains("participant passages"), "{agree}");
}

/// QualCoder's tables as its project creation makes them (the columns pith reads and their
/// neighbours).
const QUALCODER_SCHEMA: &str = "
CREATE TABLE project (databaseversion text, date text, memo text, about text, bookmarkfile integer,
  bookmarkpos integer, codername text);
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text,
  owner text, date text, av_text_id integer, risid integer, unique(name));
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text, caseOrFile text,
  valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer,
  date text, owner text, unique(name, attr_type, id));
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer, pos1 integer,
  owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text, date text, unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text,
  supercatid integer, unique(name));
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer, seltext text, pos0 integer,
  pos1 integer, owner text, date text, memo text, avid integer, important integer,
  unique(cid, fid, pos0, pos1, owner));
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,
  date text, color text, supercid integer, unique(name));
";

const FIRST: &str =
    "Interviewer: How do builds go?\nAna: Builds are slow — café wifi makes it worse 🙃. It crashed twice.\n";
const SECOND: &str = "Interviewer: And releases?\nBen: Releases are a delight now.\n";

/// A QualCoder project `NAME.qda` under `dir`: two text sources and a picture, nested
/// categories, two coders, cases with attributes.
fn qualcoder_project(dir: &Path) -> PathBuf {
    let folder = dir.join("pilot.qda");
    std::fs::create_dir_all(folder.join("documents")).expect("mkdir");
    let conn = Connection::open(folder.join("data.qda")).expect("create");
    conn.execute_batch(QUALCODER_SCHEMA).expect("schema");
    conn.execute_batch(&format!(
        "INSERT INTO project VALUES ('v7', '2024-01-01', '', 'QualCoder 3.5', 0, 0, 'ana');
         INSERT INTO source (id, name, fulltext, owner) VALUES (1, 'ana.txt', '{}', 'alice'), (2, 'ben.docx', '{}', 'alice');
         INSERT INTO source (id, name, fulltext, mediapath) VALUES (3, 'whiteboard.png', NULL, '/images/whiteboard.png');
         INSERT INTO code_cat (catid, name, supercatid, memo) VALUES (1, 'Pains', NULL, 'What hurts'), (2, 'Speed', 1, '');
         INSERT INTO code_name (cid, name, catid, memo) VALUES (1, 'Slow builds', 2, 'Builds take long'),
           (2, 'Crashes', 1, ''), (3, 'Delight', NULL, ''), (4, 'Speed', NULL, 'A code sharing a category name');
         INSERT INTO cases (caseid, name) VALUES (1, 'Ana'), (2, 'Ben');
         INSERT INTO case_text (caseid, fid, pos0, pos1) VALUES (1, 1, 0, 10), (2, 2, 0, 10);
         INSERT INTO attribute_type (name, caseOrFile, valuetype) VALUES ('persona', 'case', 'character'), ('age', 'case', 'numeric');
         INSERT INTO attribute (name, attr_type, value, id) VALUES ('persona', 'case', 'Builder', 1), ('age', 'case', '34', 1),
           ('persona', 'case', 'Shipper', 2), ('persona', 'file', 'not a case attribute', 1);",
        FIRST.replace('\'', "''"),
        SECOND.replace('\'', "''")
    ))
    .expect("rows");
    let code = |cid: i64, fid: i64, text: &str, what: &str, owner: &str| {
        let start = text.find(what).expect("in text");
        let (pos0, pos1) = (text[..start].chars().count(), text[..start].chars().count() + what.chars().count());
        conn.execute(
            "INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![cid, fid, what, pos0, pos1, owner],
        )
        .expect("code_text");
    };
    code(1, 1, FIRST, "Builds are slow — café wifi makes it worse 🙃.", "alice");
    code(1, 1, FIRST, "Builds are slow", "bob");
    code(2, 1, FIRST, "It crashed twice.", "bob");
    code(3, 2, SECOND, "Releases are a delight now.", "alice");
    // Past the source's end; and a seltext that is not the text at its positions.
    conn.execute_batch(
        "INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES (2, 2, 'gone', 5, 999, 'bob'),
           (3, 2, 'edited since', 0, 5, 'bob');",
    )
    .expect("code_text");
    folder
}

#[test]
fn a_qualcoder_project_imports_with_nested_codes_two_coders_and_cases() {
    let t = TempStudy::new();
    let folder = qualcoder_project(t.path());
    let before = snapshot(&folder);
    let study = t.path().join("study");
    let (stdout, stderr) = pith(["import".as_ref(), folder.as_os_str(), study.as_os_str()]).status(2);
    assert!(stdout.contains("2 sources") && stdout.contains("2 participant rows"), "{stdout}");
    assert!(stderr.contains("source \"whiteboard.png\" has no text"), "{stderr}");
    let outside =
        format!("code_text row 5: 5..999 lies outside the {} characters of \"ben.docx\"", SECOND.chars().count());
    assert!(stderr.contains(&outside), "{stderr}");
    assert!(
        stderr.contains("1 coded texts: the source's text at their positions differs from their seltext"),
        "{stderr}"
    );
    assert_eq!(snapshot(&folder), before, "the import changed its input's folder");
    assert_eq!(std::fs::read_to_string(study.join("transcripts/ana.txt")).expect("ana"), FIRST);
    assert_eq!(std::fs::read_to_string(study.join("transcripts/ben.txt")).expect("ben"), SECOND);

    let book: BTreeMap<String, BTreeMap<String, String>> =
        csv_rows(&study.join("coding/codebook.csv")).into_iter().map(|r| (r["code"].clone(), r)).collect();
    assert_eq!(book["Slow builds"]["parent"], "Speed (category)");
    assert_eq!(book["Speed (category)"]["parent"], "Pains");
    assert_eq!(book["Crashes"]["parent"], "Pains");
    assert_eq!(book["Pains"]["parent"], "");
    assert_eq!(book["Pains"]["description"], "What hurts");
    assert_eq!(book["Speed"]["parent"], "");

    let selections = csv_rows(&study.join("coding/selections/pilot.csv"));
    assert_eq!(selections.len(), 5);
    for (code, coder, text, transcript) in [
        ("Slow builds", "alice", "Builds are slow — café wifi makes it worse 🙃.", "ana.txt"),
        ("Slow builds", "bob", "Builds are slow", "ana.txt"),
        ("Crashes", "bob", "It crashed twice.", "ana.txt"),
        ("Delight", "alice", "Releases are a delight now.", "ben.txt"),
    ] {
        let source = if transcript == "ana.txt" { FIRST } else { SECOND };
        assert!(
            selections.iter().any(|s| s["code"] == code
                && s["coder"] == coder
                && s["transcript"] == transcript
                && char_slice(source, s["start"].parse().expect("n"), s["end"].parse().expect("n")) == text),
            "{code} by {coder}: {selections:?}"
        );
    }
    let participants = csv_rows(&study.join("participants.csv"));
    let ana = participants.iter().find(|r| r["participant"] == "Ana").expect("Ana");
    assert_eq!(
        (ana["transcript"].as_str(), ana["persona"].as_str(), ana["age"].as_str()),
        ("ana.txt", "Builder", "34")
    );
    let ben = participants.iter().find(|r| r["participant"] == "Ben").expect("Ben");
    assert_eq!((ben["persona"].as_str(), ben["age"].as_str()), ("Shipper", ""));

    // The database file named alone imports the same, named by its folder.
    let other = t.path().join("other");
    let stdout = pith(["import".as_ref(), folder.join("data.qda").as_os_str(), other.as_os_str()]).status(2).0;
    assert!(stdout.contains("5 coded selections"), "{stdout}");
    assert_eq!(
        std::fs::read(other.join("coding/selections/pilot.csv")).expect("other"),
        std::fs::read(study.join("coding/selections/pilot.csv")).expect("study")
    );
    assert_eq!(snapshot(&folder), before);
}

/// A Taguette database with one document and the given highlights (id, document, start, end).
fn taguette_db(path: &Path, contents: &str, highlights: &[(&str, &str, &str)]) {
    let conn = Connection::open(path).expect("create");
    conn.execute_batch(
        "CREATE TABLE projects (id INTEGER PRIMARY KEY, name VARCHAR(200), description TEXT, created DATETIME);
         CREATE TABLE documents (id INTEGER PRIMARY KEY, name VARCHAR(200), description TEXT, filename VARCHAR(200),
           created DATETIME, project_id INTEGER, text_direction VARCHAR(13), contents TEXT);
         CREATE TABLE tags (id INTEGER PRIMARY KEY, project_id INTEGER, path VARCHAR(200), description TEXT);
         CREATE TABLE highlights (id INTEGER PRIMARY KEY, document_id INTEGER, start_offset INTEGER,
           end_offset INTEGER, snippet TEXT);
         CREATE TABLE highlight_tags (highlight_id INTEGER, tag_id INTEGER);
         INSERT INTO projects VALUES (1, 'p', '', '2024-01-01');
         INSERT INTO tags VALUES (1, 1, 'ux.speed', 'Speed');",
    )
    .expect("schema");
    conn.execute(
        "INSERT INTO documents VALUES (1, 'one.txt', '', 'one.txt', '2024-01-01', 1, 'LEFT_TO_RIGHT', ?1)",
        [contents],
    )
    .expect("document");
    for (i, (start, end, snippet)) in highlights.iter().enumerate() {
        conn.execute_batch(&format!(
            "INSERT INTO highlights VALUES ({id}, 1, {start}, {end}, '{snippet}'); INSERT INTO highlight_tags VALUES ({id}, 1);",
            id = i + 1
        ))
        .expect("highlight");
    }
}

#[test]
fn hostile_or_broken_databases_are_refused_or_their_bad_rows_skipped() {
    let t = TempStudy::new();
    let study = t.path().join("study");
    let refused = |input: &Path, says: &str| {
        let (_, stderr) = pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).status(1);
        assert!(stderr.contains(says), "{}: {stderr}", input.display());
        assert!(stderr.contains(&input.file_name().expect("name").to_string_lossy().to_string()), "{stderr}");
        assert!(!study.join("transcripts").exists() && !study.join("coding").exists(), "wrote into the study");
    };
    refused(&t.write("text.sqlite3", "just some text, not a database"), "not an SQLite database");
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend(std::iter::repeat_n(0xA5u8, 4096));
    refused(&t.write("garbage.db", &garbage), "not a readable SQLite database");
    let other = t.path().join("other.sqlite");
    Connection::open(&other).expect("db").execute_batch("CREATE TABLE things (a, b);").expect("t");
    refused(&other, "neither a Taguette project");
    let half = t.path().join("half.sqlite3");
    Connection::open(&half)
        .expect("db")
        .execute_batch("CREATE TABLE documents (id, name); CREATE TABLE highlights (id);")
        .expect("t");
    refused(&half, "table documents has no column filename, contents");
    std::fs::create_dir_all(t.path().join("empty.qda")).expect("mkdir");
    refused(&t.path().join("empty.qda"), "not a QualCoder project: it has no data.qda");
    let no_links = t.path().join("nolinks.sqlite3");
    taguette_db(&no_links, "<p>x</p>", &[]);
    Connection::open(&no_links).expect("db").execute_batch("DROP TABLE highlight_tags;").expect("drop");
    refused(&no_links, "no table highlight_tags");

    // Offsets out of range, reversed, negative or not numbers are skipped; the rest imported.
    let db = t.path().join("offsets.sqlite3");
    let html = "<p>Fast &amp; ‘calm’.</p>\n<p>Slow.</p>";
    taguette_db(
        &db,
        html,
        &[
            ("0", "4", "<p>Fast</p>"),
            ("5", "999", "x"),
            ("9", "3", "x"),
            ("-4", "2", "x"),
            ("'a'", "'b'", "x"),
            ("5", "6", "<p>not this</p>"),
        ],
    );
    let before = std::fs::read(&db).expect("db");
    let (stdout, stderr) = pith(["import".as_ref(), db.as_os_str(), study.as_os_str()]).status(2);
    assert!(stdout.contains("2 coded selections"), "{stdout}");
    assert!(stderr.contains("1 of 2 highlights: the text at their offsets differs from their snippet"), "{stderr}");
    assert!(stderr.contains("highlight 2: offsets 5..999 lie outside the text of \"one.txt\""), "{stderr}");
    assert_eq!(stderr.matches("lie outside").count(), 4, "{stderr}");
    assert_eq!(std::fs::read(&db).expect("db"), before);
    let mut listing: Vec<String> =
        std::fs::read_dir(t.path()).expect("ls").map(|e| e.expect("e").file_name().to_string_lossy().into()).collect();
    listing.sort();
    assert!(
        !listing.iter().any(|n| n.ends_with("-journal") || n.ends_with("-wal") || n.ends_with("-shm")),
        "{listing:?}"
    );
    assert_eq!(std::fs::read_to_string(study.join("transcripts/one.txt")).expect("one"), "Fast & ‘calm’.\nSlow.\n");
    let book = csv_rows(&study.join("coding/codebook.csv"));
    assert!(book.iter().any(|c| c["code"] == "ux.speed" && c["parent"] == "ux"), "{book:?}");
    // A log beside the database (the tool has it open) is named, and left alone.
    let wal = t.write("offsets.sqlite3-wal", "pending");
    let (_, stderr) = pith(["import".as_ref(), db.as_os_str(), study.as_os_str()]).status(2);
    assert!(stderr.contains("offsets.sqlite3-wal is beside it: Taguette may have it open"), "{stderr}");
    assert_eq!(std::fs::read(&wal).expect("wal"), b"pending");

    // A document larger than the study's limit is skipped, named.
    let small = t.path().join("small");
    std::fs::create_dir_all(&small).expect("mkdir");
    std::fs::write(small.join("pith.toml"), "[limits]\nmax_transcript_bytes = 1000\n").expect("toml");
    let big = t.path().join("big.sqlite3");
    taguette_db(&big, &format!("<p>{}</p>", "word ".repeat(1000)), &[("0", "4", "word")]);
    let (_, stderr) = pith(["import".as_ref(), big.as_os_str(), small.as_os_str()]).status(2);
    assert!(stderr.contains("document \"one.txt\" is 4 KB (limit 1000 bytes"), "{stderr}");
    assert!(!small.join("transcripts").exists());
}
