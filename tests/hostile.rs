//! Hostile input: broken, huge, binary and out-of-study files are skipped with a message that
//! names them, the other transcripts are still coded, the exit status follows the contract,
//! and pith never panics or writes outside `--out` and `STUDY/.pith`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{json_lines, pith, repo, TempStudy};

const GOOD: &str = "Interviewer: What worries you?\nSam: Downtime. An outage during quarter close would be on me.\n";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/hostile").join(name)).expect("fixture")
}

/// Interviews coded by `pith code`, by id.
fn coded(stdout: &str) -> BTreeSet<String> {
    json_lines(stdout).iter().filter_map(|r| r["interview"].as_str().map(str::to_string)).collect()
}

/// The stderr line that names `file`, asserting there is one.
fn line_for<'a>(stderr: &'a str, file: &str) -> &'a str {
    stderr.lines().find(|l| l.contains(file)).unwrap_or_else(|| panic!("no message names {file}:\n{stderr}"))
}

#[test]
fn a_study_full_of_bad_files_codes_the_good_ones_and_names_the_bad() {
    let t = TempStudy::new();
    t.write("pith.toml", "language = \"english\"\n[limits]\nmax_docx_xml_bytes = 10_000_000\nmax_docx_entries = 100\n");
    t.write("transcripts/good.txt", GOOD);
    t.write("transcripts/empty.txt", "");
    t.write("transcripts/blank.txt", " \n\t\n   \n");
    t.write("transcripts/invalid-utf8.txt", b"Interviewer: Why?\nSam: Because the caf\xe9 \xff\xfe closed.\n");
    t.write("transcripts/nul.txt", b"Interviewer: Why?\nSam: Because\x00 it broke.\n");
    let mut long = b"Sam: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    t.write("transcripts/long-line.txt", &long);
    let speakers: String = (0..10_000).map(|i| format!("Speaker{i}: I said thing number {i}.\n")).collect();
    t.write("transcripts/crowd.txt", speakers);
    t.write(
        "transcripts/bad-times.vtt",
        "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\n<v Sam>Backwards in time.\n\n99:99:99.999 --> 00:00:02.000\n<v Ana>Nonsense time.\n\nnot a timing line\n<v Ana>Orphan text.\n",
    );
    t.write(
        "transcripts/wrong-types.json",
        r#"{"segments": [{"text": 42, "speaker": [1], "start": "soon"}, {"text": null}]}"#,
    );
    t.write("transcripts/deep.json", format!("{}{}", "[".repeat(5000), "]".repeat(5000)));
    t.write("transcripts/fake.docx", "Interviewer: Hi\nSam: this is text saved as .docx\n");
    t.write("transcripts/png.docx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    t.write("transcripts/report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
    t.write("transcripts/data.bin", b"\x7FELF\x02\x01\x01\x00\x00\x00");
    t.write("transcripts/bomb.docx", fixture("bomb.docx"));
    t.write("transcripts/many-entries.docx", fixture("many-entries.docx"));
    t.write("transcripts/not-word.docx", fixture("not-word.docx"));
    let big = std::fs::File::create(t.path().join("transcripts/huge-log.txt")).expect("create");
    big.set_len(65 * 1024 * 1024).expect("sparse 65 MB file");
    t.write("participants.csv", "transcript,participant,persona\ngood.txt,P1,Ops\nmissing.txt,P2,Ops\ngood.txt,P3,Ops\n../../etc/passwd,P4,Ops\n/etc/hosts,P5,Ops\n");

    let (stdout, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(2);
    let ids = coded(&stdout);
    for id in ["good", "invalid-utf8", "crowd", "bad-times", "fake"] {
        assert!(ids.contains(id), "{id} is coded: {ids:?}\n{stderr}");
    }
    for id in
        ["empty", "blank", "nul", "long-line", "deep", "png", "report", "data", "bomb", "many-entries", "not-word"]
    {
        assert!(!ids.contains(id), "{id} is not coded");
    }
    let expect = [
        ("empty.txt", "skipped: no speech"),
        ("blank.txt", "skipped: no speech"),
        ("invalid-utf8.txt:2", "warning: not UTF-8"),
        ("nul.txt", "skipped: binary file"),
        ("long-line.txt:1", "skipped: line is 10.0 MB long (limit 1 MB"),
        ("deep.json", "skipped: JSON is nested deeper than 128 levels"),
        ("png.docx", "skipped: binary file (looks like PNG)"),
        ("report.pdf", "skipped: PDF is not supported"),
        ("data.bin", "skipped: binary file (looks like ELF executable)"),
        ("bomb.docx", "skipped: word/document.xml decompresses to more than 9.5 MB"),
        ("many-entries.docx", "skipped: not a Word file: the zip has 151 entries (limit 100"),
        ("not-word.docx", "skipped: not a Word file"),
        ("huge-log.txt", "skipped: the file is 65 MB (limit 64 MB"),
        ("participants.csv:3", "warning: no transcript matches \"missing.txt\""),
        ("participants.csv:4", "skipped: duplicate row for \"good.txt\""),
        ("participants.csv:5", "skipped: transcript \"../../etc/passwd\" points outside the study"),
        ("participants.csv:6", "skipped: transcript \"/etc/hosts\" is an absolute path"),
    ];
    for (file, message) in expect {
        let named = format!("{file}: {}", message);
        assert!(stderr.lines().any(|l| l.contains(&named)), "expected {named:?} in:\n{stderr}");
    }
    let rows = json_lines(&stdout);
    let crowd = rows.iter().filter(|r| r["interview"] == "crowd").count();
    assert_eq!(crowd, 10_000, "one passage per speaker turn");
    let long_rows: Vec<_> = rows.iter().filter(|r| r["interview"] == "good").collect();
    assert_eq!(long_rows.len(), 2);
}

#[test]
fn a_long_turn_is_cut_into_passages_within_the_limit_and_nothing_is_lost() {
    let t = TempStudy::new();
    t.write("pith.toml", "[limits]\nmax_passage_bytes = 1000\n");
    let words: String = (0..2000).map(|i| format!("w{i} ")).collect();
    t.write("transcripts/monologue.txt", format!("Sam: {words}\n"));
    let (stdout, _) = pith(["code".as_ref(), t.path().as_os_str()]).status(0);
    let rows = json_lines(&stdout);
    assert!(rows.len() > 10, "{} passages", rows.len());
    let mut text = String::new();
    for r in &rows {
        let t = r["text"].as_str().unwrap_or_default();
        assert!(t.len() <= 1000, "passage of {} bytes", t.len());
        text.push_str(t);
        text.push(' ');
    }
    assert_eq!(text.split_whitespace().count(), 2000, "every word kept");
}

#[test]
fn limits_table_rejects_unknown_keys_naming_pith_toml() {
    let t = TempStudy::new();
    t.write("pith.toml", "[limits]\nmax_size = 3\n");
    t.write("a.txt", GOOD);
    let (_, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(1);
    assert!(stderr.contains("pith.toml:2") && stderr.contains("max_size"), "{stderr}");
}

#[test]
fn lexicon_paths_outside_the_study_are_refused() {
    let outside = TempStudy::new();
    outside.write("evil/x.toml", "[[codes]]\nid = \"risk.x\"\nterms = [\"x\"]\n");
    for path in ["../evil".to_string(), outside.path().join("evil").display().to_string()] {
        let t = TempStudy::new();
        t.write("pith.toml", format!("lexicons = [{path:?}]\n"));
        t.write("a.txt", GOOD);
        let (_, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(1);
        assert!(stderr.contains("pith.toml") && stderr.contains("leads outside the study"), "{stderr}");
    }
    #[cfg(unix)]
    {
        let t = TempStudy::new();
        std::os::unix::fs::symlink(outside.path().join("evil"), t.path().join("lexicons")).expect("symlink");
        t.write("a.txt", GOOD);
        let (_, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(1);
        assert!(stderr.contains("leads outside the study"), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_leading_out_of_the_study_are_skipped() {
    let outside = TempStudy::new();
    let secret = outside.write("secret.txt", "Interviewer: Hi\nBoss: The merger is on.\n");
    let t = TempStudy::new();
    t.write("transcripts/good.txt", GOOD);
    std::os::unix::fs::symlink(&secret, t.path().join("transcripts/leak.txt")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), t.path().join("transcripts/outside")).expect("symlink");
    std::os::unix::fs::symlink(t.path().join("transcripts/good.txt"), t.path().join("transcripts/alias.txt"))
        .expect("symlink");
    let (stdout, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(2);
    assert!(!stdout.contains("merger"), "nothing read through the symlink");
    assert!(line_for(&stderr, "leak.txt").contains("skipped: symlink leads outside the study"), "{stderr}");
    assert!(line_for(&stderr, "outside").contains("skipped: symlink leads outside the study"), "{stderr}");
    assert_eq!(coded(&stdout), ["alias", "good"].into_iter().map(String::from).collect());
}

#[test]
fn lexicon_regexes_that_look_catastrophic_are_linear_or_refused() {
    let t = TempStudy::new();
    t.write("lexicons/slow.toml", "[[codes]]\nid = \"risk.slow\"\nterms = [\"/(a+)+$/\", \"/(x|x)*y/\"]\n");
    t.write("a.txt", format!("Interviewer: Hi\nSam: {}b downtime\n", "a".repeat(50_000)));
    let (stdout, _) = pith(["code".as_ref(), t.path().as_os_str()]).status(0);
    assert_eq!(json_lines(&stdout).len(), 2);

    t.write("lexicons/huge.toml", "[[codes]]\nid = \"risk.huge\"\nterms = [\n  \"/\\\\w{1000}{1000}/\",\n]\n");
    let (_, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(1);
    assert!(stderr.contains("huge.toml:4"), "names file and line: {stderr}");
}

/// Every file under `dir` except those under the excluded folders, with its contents.
fn tree(dir: &Path, excluded: &[&Path]) -> BTreeSet<(String, Vec<u8>)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = entry.path();
            if excluded.iter().any(|e| p.starts_with(e)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert((p.display().to_string(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out
}

#[test]
fn pith_writes_only_under_out_and_the_state_folder() {
    let parent = TempStudy::new();
    let study = parent.path().join("study");
    crate::util::copy_dir(&crate::util::sample_study(), &study);
    std::fs::write(study.join("transcripts/nul.txt"), b"\x00\x01").expect("write");
    let out = parent.path().join("elsewhere/reports");
    let state = study.join(".pith");
    let before = tree(parent.path(), &[&out, &state]);
    pith(["run".as_ref(), study.as_os_str(), "--out".as_ref(), out.as_os_str()]).status(2);
    pith(["code".as_ref(), study.as_os_str()]).status(2);
    assert_eq!(tree(parent.path(), &[&out, &state]), before, "nothing written outside --out and .pith");
    assert!(out.join("report.json").is_file());
}

#[test]
fn fuzz_regressions_read_without_panic() {
    let dir = repo().join("tests/fixtures/fuzz-regressions");
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/fuzz-regressions").flatten() {
        let path = entry.path();
        let bytes = std::fs::read(&path).expect("fixture");
        // The file's name says which reader found it (`fuzz_json-...`); read it as every format.
        for ext in ["txt", "vtt", "srt", "json", "docx", "bin"] {
            pith::pipeline::check_read(&path.with_extension(ext), &bytes);
        }
    }
}

#[test]
fn the_init_template_documents_every_limit_with_its_default() {
    let t = TempStudy::new();
    let dir = t.path().join("s");
    pith(["init".as_ref(), dir.as_os_str()]).stdout();
    std::fs::copy(dir.join("examples/interview.txt"), dir.join("transcripts/interview.txt")).expect("copy");
    let config = std::fs::read_to_string(dir.join("pith.toml")).expect("pith.toml");
    let uncommented: String = config
        .lines()
        .map(|l| if l.starts_with("# [limits]") || l.starts_with("# max_") { &l[2..] } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(uncommented.matches("max_").count(), 8, "{uncommented}");
    std::fs::write(dir.join("pith.toml"), uncommented).expect("write");
    let rows = json_lines(&pith(["code".as_ref(), dir.as_os_str()]).stdout());
    assert_eq!(rows.len(), 4);
    let defaults = pith::ingest::Limits::default();
    assert_eq!((defaults.max_transcript_bytes, defaults.max_docx_entries), (64 << 20, 10_000));
    assert!(config.contains(&format!("max_transcript_bytes = {}", defaults.max_transcript_bytes)));
    assert!(config.contains(&format!("max_docx_xml_bytes = {}", defaults.max_docx_xml_bytes)));
    assert!(config.contains(&format!("max_passages = {}", defaults.max_passages)));
    assert!(config.contains(&format!("max_words = {}", defaults.max_words)));
}
