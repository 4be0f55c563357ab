//! Helpers for integration tests: a temporary study folder and a `pith` runner whose
//! `stdout()` asserts success before returning (ripgrep's convention).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled sample study.
pub fn sample_study() -> PathBuf {
    repo().join("examples/cooling-study")
}

/// `../shared/corpus` (or `$PITH_SHARED/corpus`), or `None` (with a message) when it is absent, as
/// in a user's clone. CI always has it.
pub fn shared_corpus() -> Option<PathBuf> {
    shared_dir("corpus").map(|p| p.join("corpus"))
}

/// A temporary study folder, removed on drop.
pub struct TempStudy {
    dir: tempfile::TempDir,
}

impl TempStudy {
    /// An empty study folder.
    pub fn new() -> TempStudy {
        TempStudy { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A copy of the sample study.
    pub fn sample() -> TempStudy {
        let t = TempStudy::new();
        copy_dir(&sample_study(), t.path());
        t
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Reads a file as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }
}

/// Every file under `dir`, recursively, in path order, appended to `out`.
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read_dir").filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Copies a folder recursively, skipping pith's own state and outputs.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == ".pith" || name == "out" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A `pith` invocation.
pub struct Pith {
    cmd: Command,
}

/// Starts a `pith` command with the given arguments.
pub fn pith<I, S>(args: I) -> Pith
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pith"));
    cmd.args(args);
    Pith { cmd }
}

impl Pith {
    /// Runs and returns the raw output.
    pub fn output(mut self) -> Output {
        self.cmd.output().expect("run pith")
    }

    /// Runs, asserts exit status 0, returns stdout.
    pub fn stdout(self) -> String {
        let out = self.output();
        assert!(
            out.status.success(),
            "pith failed with {:?}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs, asserts the given exit status, returns (stdout, stderr).
    pub fn status(self, code: i32) -> (String, String) {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(code), "stderr:\n{stderr}");
        assert!(!stderr.contains("panicked"), "pith panicked:\n{stderr}");
        (String::from_utf8_lossy(&out.stdout).to_string(), stderr)
    }
}

/// Parses JSON lines.
pub fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

/// Slices `text` by character offsets (Unicode scalar values), as the JSON contract counts.
pub fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

/// `../shared` (or `$PITH_SHARED`, for a worktree that has it elsewhere), or `None` with a message
/// naming what is skipped. Under `CI=true` a missing `../shared` fails the test instead: a CI
/// without it would pass without testing.
pub fn shared_dir(what: &str) -> Option<PathBuf> {
    let p = std::env::var_os("PITH_SHARED").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    if p.join(what).exists() {
        Some(p)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is not there, and CI must test with it (set PITH_SHARED or put shared/ beside the clone)",
            p.join(what).display()
        );
    } else {
        eprintln!(
            "skipping: {} is not there (set PITH_SHARED, or put shared/ beside the repository)",
            p.join(what).display()
        );
        None
    }
}

/// A persona (group) of a parsed `report.json`, by name.
pub fn report_persona<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["personas"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no persona {name} in report.json"))
}

/// A code's entry in a persona of `report.json`.
pub fn report_code<'a>(persona: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    persona["codes"].as_array()?.iter().find(|c| c["code"] == id)
}

/// A zip archive of the given entries, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

/// An OpenDocument text file whose body is `paragraphs` (`text:p` elements, written as given)
/// with a bold automatic text style `B`.
pub fn odt(paragraphs: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"><office:automatic-styles><style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style></office:automatic-styles><office:body><office:text>{paragraphs}</office:text></office:body></office:document-content>"#
    );
    zip(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", content.as_bytes())])
}

/// Validates the JSON file `json` against the schema at `schema` (relative to the repository);
/// skips with a message when no python3 has jsonschema.
pub fn check_schema(schema: &str, json: &Path) {
    // Python's jsonschema is the reference implementation of draft 2020-12 and ships with the
    // machine image (.ci/run installs Debian's python3-jsonschema otherwise); no Rust crate to build.
    let script = "import json,sys,jsonschema\n\
                  s=json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(s)\n\
                  jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2])))\n";
    let Some(python) = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|p| Command::new(p).args(["-c", "import jsonschema"]).output().is_ok_and(|o| o.status.success()))
    else {
        eprintln!("skipping: no python3 with jsonschema (.ci/run installs python3-jsonschema)");
        return;
    };
    let run = Command::new(python).arg("-c").arg(script).arg(repo().join(schema)).arg(json).output().expect("python");
    assert!(
        run.status.success(),
        "{} does not match {schema}:\n{}",
        json.display(),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Reads a CSV file as rows of header → value.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    reader
        .records()
        .map(|r| header.iter().cloned().zip(r.expect("record").iter().map(str::to_string)).collect())
        .collect()
}
