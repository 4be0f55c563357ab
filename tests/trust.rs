//! Trust under hostile study folders: nothing outside the study is written, deleted or read
//! through a symbolic link; a run leaves no stale output beside its own; a rebuild keeps the
//! old index searchable until the new one commits; spreadsheets never run a cell; redaction
//! finds names however they are typed; hangs and deep recursion are refused.

use std::ffi::OsStr;
use std::path::Path;

use crate::util::{pith, TempStudy};

const GOOD: &str = "Interviewer: What worries you?\nSam: Downtime. An outage during quarter close would be on me.\n";

fn study_with_one_transcript() -> TempStudy {
    let t = TempStudy::new();
    t.write("transcripts/sam.txt", GOOD);
    t
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    crate::util::walk(dir, &mut files);
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap_or_default())).collect()
}

#[cfg(unix)]
#[test]
fn a_symlinked_state_folder_or_state_file_is_refused_and_its_target_left_alone() {
    for link in [".pith", ".pith/cache", ".pith/lock", ".pith/state.json", ".pith/index"] {
        let t = study_with_one_transcript();
        let victim = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(victim.path().join("index")).expect("mkdir");
        std::fs::write(victim.path().join("index/precious"), b"keep me").expect("write");
        std::fs::write(victim.path().join("cache"), b"keep me too").expect("write");
        std::fs::create_dir_all(t.path().join(".pith")).expect("mkdir");
        let target = if link == ".pith" || link == ".pith/index" {
            victim.path().to_path_buf()
        } else {
            victim.path().join("cache")
        };
        if link == ".pith" {
            std::fs::remove_dir(t.path().join(".pith")).expect("rmdir");
        }
        symlink(&target, &t.path().join(link));
        let before = snapshot(victim.path());

        let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(1);
        assert!(stderr.contains("symbolic link"), "{link}: {stderr}");
        assert_eq!(snapshot(victim.path()), before, "{link}: the link's target changed");
        let (_, stderr) = pith(["index".as_ref(), t.path().as_os_str()]).status(1);
        assert!(stderr.contains("symbolic link"), "{link}: {stderr}");
        assert_eq!(snapshot(victim.path()), before, "{link}: pith index changed the link's target");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_default_output_folder_is_refused_but_a_named_one_is_used() {
    let t = study_with_one_transcript();
    let victim = tempfile::tempdir().expect("temp dir");
    symlink(victim.path(), &t.path().join("out"));
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(1);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(snapshot(victim.path()).is_empty(), "reports were written through the link");

    let named = victim.path().join("reports");
    pith([
        "report".as_ref(),
        t.path().as_os_str(),
        "--out".as_ref(),
        named.as_os_str(),
        "--format".as_ref(),
        "md".as_ref(),
    ])
    .stdout();
    assert!(named.join("report.md").is_file());
}

#[cfg(unix)]
#[test]
fn inputs_behind_links_out_of_the_study_are_never_read() {
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(outside.path().join("transcripts")).expect("mkdir");
    std::fs::write(outside.path().join("transcripts/secret.txt"), "Interviewer: Hi\nEve: SECRET-TRANSCRIPT words\n")
        .expect("write");
    std::fs::write(outside.path().join("config"), "SECRET-FIRST-LINE = 1\n").expect("write");

    for (link, target) in [
        ("transcripts", outside.path().join("transcripts")),
        ("pith.toml", outside.path().join("config")),
        ("participants.csv", outside.path().join("config")),
    ] {
        let t = TempStudy::new();
        t.write("sam.txt", GOOD);
        symlink(&target, &t.path().join(link));
        let out = pith(["code".as_ref(), t.path().as_os_str()]).output();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{link}: {stderr}");
        assert!(stderr.contains("symbolic link"), "{link}: {stderr}");
        assert!(!stdout.contains("SECRET") && !stderr.contains("SECRET"), "{link}: read through the link:\n{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_settings_or_lexicon_is_refused_instead_of_waited_on() {
    for place in ["pith.toml", "participants.csv", "lexicons/mine.toml"] {
        let t = study_with_one_transcript();
        let path = t.path().join(place);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let made = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo");
        assert!(made.success());
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pith"))
            .arg("code")
            .arg(t.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // A hang is a failure: the child is waited on for at most a minute, then killed.
        let mut status = None;
        for _ in 0..600 {
            if let Some(s) = child.try_wait().expect("wait") {
                status = Some(s);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let Some(status) = status else {
            let _ = child.kill();
            panic!("pith waited on a FIFO at {place}");
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
        assert_eq!(status.code(), Some(1), "{place}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{place}: {stderr}");
    }
}

#[test]
fn a_run_removes_its_own_outputs_of_formats_it_did_not_write_this_time() {
    let t = TempStudy::new();
    t.write("participants.csv", "transcript,participant,persona\nsam.txt,Samantha Quill,Ops\n");
    t.write("transcripts/sam.txt", "Interviewer: What worries you?\nSamantha Quill: Downtime worries me.\n");
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let out = t.path().join("out");
    assert!(out.join("study.qdpx").is_file() && out.join("matrix.csv").is_file());
    std::fs::write(out.join("notes-of-mine.txt"), b"mine").expect("write");

    pith(["run".as_ref(), t.path().as_os_str(), "--redact".as_ref(), "-q".as_ref()]).stdout();
    assert!(!out.join("study.qdpx").exists() && !out.join("codebook.qdc").exists(), "the verbatim project stayed");
    for name in ["report.md", "brief.md", "report.html", "report.json", "matrix.csv"] {
        let text = std::fs::read_to_string(out.join(name)).expect("report");
        assert!(!text.contains("Samantha") && !text.contains("Quill"), "{name} names the participant");
    }
    pith(["report".as_ref(), t.path().as_os_str(), "--format".as_ref(), "md".as_ref()]).stdout();
    let mut left: Vec<String> =
        std::fs::read_dir(&out).expect("out").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(
        left,
        ["brief.md", "notes-of-mine.txt", "report.md"],
        "a file of another format stayed, or the user's went"
    );
}

#[test]
fn a_rebuild_keeps_the_old_index_searchable_until_the_new_one_commits() {
    let t = study_with_one_transcript();
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let hits = |t: &TempStudy| {
        let (stdout, _) =
            pith(["search".as_ref(), t.path().as_os_str(), "outage".as_ref(), "--json".as_ref()]).status(0);
        stdout.lines().count()
    };
    assert_eq!(hits(&t), 1);
    // A settings change rebuilds the index; the run then fails writing the reports (the output
    // folder is a file), after the new index was built but before it committed.
    t.write("pith.toml", "interviewers = [\"Interviewer\"]\n");
    std::fs::remove_dir_all(t.path().join("out")).expect("rm out");
    std::fs::write(t.path().join("out"), b"not a folder").expect("write");
    let out = pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).output();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(hits(&t), 1, "the failed rebuild emptied the index");
    std::fs::remove_file(t.path().join("out")).expect("rm");
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    assert_eq!(hits(&t), 1);
    assert!(!t.path().join(".pith/index.new").exists() && !t.path().join(".pith/index.old").exists());
}

#[test]
fn csv_cells_never_start_a_formula() {
    let t = TempStudy::new();
    t.write(
        "participants.csv",
        "transcript,participant,persona\nsam.txt,@Sam,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\n",
    );
    t.write(
        "transcripts/sam.txt",
        "Interviewer: What worries you?\nSam: =1+2 downtime worries me.\nSam: -5 racks went down, an outage.\n",
    );
    pith(["report".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    let code = pith(["code".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    let matrix = t.read("out/matrix.csv");
    for (name, text) in [("matrix.csv", matrix.as_str()), ("pith code --format csv", code.as_str())] {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.expect("CSV record").iter() {
                cells += 1;
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: a cell starts a formula: {cell:?}"
                );
            }
        }
        assert!(cells > 10, "{name}: {text}");
        assert!(text.contains("'=HYPERLINK"), "{name}: the persona is not there, neutralized:\n{text}");
    }
    assert!(code.contains("'=1+2 downtime") && code.contains("'-5 racks") && code.contains("'@Sam"), "{code}");
}

#[test]
fn redaction_finds_names_however_they_are_typed() {
    let t = TempStudy::new();
    t.write("participants.csv", "transcript,participant,persona\nsio.txt,Siobhán O'Brien-Walsh,Ops\n");
    let nfd = "Siobha\u{301}n";
    let text = format!(
        "Interviewer: Who runs the room?\nSiobhán O'Brien-Walsh: I do. Ask {nfd} or Ms O\u{2019}Brien, or Siobhan, or just Walsh, or SIOBHÁN O’BRIEN. Downtime worries me.\n"
    );
    t.write("transcripts/sio.txt", text);
    pith(["report".as_ref(), t.path().as_os_str(), "--redact".as_ref(), "--format".as_ref(), "md,json".as_ref()])
        .stdout();
    for name in ["out/report.md", "out/report.json"] {
        let report = t.read(name);
        let folded: String = unicode_fold(&report);
        for part in ["siobhan", "brien", "walsh"] {
            assert!(!folded.contains(part), "{name} keeps {part:?}:\n{report}");
        }
        assert!(report.contains("P01"), "{name}: {report}");
    }
}

/// Lowercase, accents dropped: what a reader would still recognize as the name.
fn unicode_fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

#[test]
fn deeply_nested_queries_are_an_error_not_a_crash() {
    let t = study_with_one_transcript();
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
    let query = format!("{}outage{}", "(".repeat(5000), ")".repeat(5000));
    let (_, stderr) = pith(["search".as_ref(), t.path().as_os_str(), query.as_ref(), "--exact".as_ref()]).status(1);
    assert!(stderr.contains("nested"), "{stderr}");
    // Without --exact, text that does not parse is searched as its words.
    let (stdout, _) = pith(["search".as_ref(), t.path().as_os_str(), query.as_ref()]).status(0);
    assert!(stdout.contains("outage"), "{stdout}");
    let fine = format!("{}outage{}", "(".repeat(20), ")".repeat(20));
    let (stdout, _) = pith(["search".as_ref(), t.path().as_os_str(), fine.as_ref()]).status(0);
    assert!(stdout.contains("outage"), "{stdout}");
}

#[test]
fn a_lexicon_of_a_hundred_thousand_terms_loads_and_names_its_last_line() {
    let t = study_with_one_transcript();
    let mut toml = String::from("[[codes]]\nid = \"need.bulk\"\nlabel = \"Bulk\"\nterms = [\n");
    for i in 0..100_000 {
        toml.push_str(&format!("  \"bulkterm{i}\",\n"));
    }
    toml.push_str("  \"\",\n]\n");
    t.write("lexicons/bulk.toml", &toml);
    let lines = toml.lines().count();
    let (_, stderr) = pith(["lexicon".as_ref(), "check".as_ref(), t.path().join("lexicons").as_os_str()]).status(1);
    assert!(
        stderr.contains(&format!("bulk.toml:{}", lines - 1)),
        "the error does not name line {}:\n{stderr}",
        lines - 1
    );
}

/// Flips bytes in the middle of every segment file of the study's index.
fn damage_index(study: &Path) {
    for entry in std::fs::read_dir(study.join(".pith/index")).expect("index").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".json") {
            continue;
        }
        let mut bytes = std::fs::read(entry.path()).expect("read");
        let at = bytes.len() / 3;
        for b in bytes.iter_mut().skip(at).take(16) {
            *b ^= 0x5a;
        }
        std::fs::write(entry.path(), bytes).expect("write");
    }
}

#[test]
fn a_damaged_index_is_found_and_rebuilt_by_the_next_run_or_index() {
    for command in ["run", "index"] {
        let t = TempStudy::sample();
        pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
        let search = |t: &TempStudy| {
            pith(["search".as_ref(), t.path().as_os_str(), "downtime".as_ref(), "--json".as_ref()]).output()
        };
        let before = search(&t).stdout;
        assert!(!before.is_empty());
        damage_index(t.path());
        let out = pith([command.as_ref(), t.path().as_os_str()]).output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
        assert!(!stderr.contains("up to date"), "{command} trusted a damaged index: {stderr}");
        let after = search(&t);
        assert_eq!(after.status.code(), Some(0), "{}", String::from_utf8_lossy(&after.stderr));
        assert_eq!(after.stdout, before, "{command}: search differs after the rebuild");
    }
}

/// `Ana: ok` turns, `n` of them: a file a few bytes per passage.
fn tiny_turns(n: usize) -> String {
    (0..n).map(|i| format!("{}: ok {}\n", if i % 2 == 0 { "Ana" } else { "Bo" }, i % 97)).collect()
}

#[test]
fn a_transcript_over_the_passage_or_word_limit_is_skipped_by_name_and_the_others_coded() {
    // Memory follows passages and words, not bytes: the default passage limit refuses a small
    // file of many tiny turns before it is segmented.
    let t = study_with_one_transcript();
    t.write("transcripts/log.txt", tiny_turns(60_000));
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(2);
    let line = stderr.lines().find(|l| l.contains("log.txt")).unwrap_or_else(|| panic!("log.txt not named: {stderr}"));
    assert!(line.contains("skipped") && line.contains("max_passages"), "{line}");
    assert!(stderr.contains("coded 1 interview ("), "the good transcript was not coded: {stderr}");

    // The limits are the study's: words are counted before reading turns, passages after
    // splitting long turns.
    let t = study_with_one_transcript();
    t.write("pith.toml", "[limits]\nmax_words = 300\nmax_passages = 2\n");
    t.write(
        "transcripts/long.txt",
        format!("Interviewer: Tell me.\nAna: {}\n", "We keep the plant running. ".repeat(60)),
    );
    t.write(
        "transcripts/split.txt",
        format!("Interviewer: Tell me.\nAna: {}\n", "We keep it up all night. ".repeat(40)),
    );
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(2);
    let named = |file: &str| stderr.lines().find(|l| l.contains(file)).unwrap_or_default().to_string();
    assert!(named("long.txt").contains("words (limit 300") && named("long.txt").contains("max_words"), "{stderr}");
    assert!(named("split.txt").contains("passages") && named("split.txt").contains("max_passages"), "{stderr}");
    assert!(stderr.contains("coded 1 interview ("), "{stderr}");
}

#[test]
fn an_output_folder_the_next_run_would_read_as_transcripts_is_refused() {
    let t = study_with_one_transcript();
    let inside = t.path().join("transcripts/reports");
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str(), "--out".as_ref(), inside.as_os_str()]).status(1);
    assert!(stderr.contains("next run would code the reports"), "{stderr}");
    assert!(!inside.exists(), "the refused folder was made");
    // Beside the transcripts is fine, and so is a study without a transcripts folder's own out/.
    let beside = t.path().join("reports");
    pith(["run".as_ref(), t.path().as_os_str(), "--out".as_ref(), beside.as_os_str(), "-q".as_ref()]).stdout();
    let bare = TempStudy::new();
    bare.write("sam.txt", GOOD);
    let (_, stderr) =
        pith(["run".as_ref(), bare.path().as_os_str(), "--out".as_ref(), bare.path().join("r").as_os_str()]).status(1);
    assert!(stderr.contains("next run would code the reports"), "{stderr}");
    pith(["run".as_ref(), bare.path().as_os_str(), "-q".as_ref()]).stdout();
    let (_, stderr) = pith(["run".as_ref(), bare.path().as_os_str()]).status(0);
    assert!(stderr.contains(" 1 interview ("), "the reports were read as transcripts: {stderr}");
}

#[test]
fn a_query_may_start_with_an_excluded_word() {
    let t = study_with_one_transcript();
    t.write("transcripts/lee.txt", "Interviewer: And you?\nLee: Downtime, and the noise of the fans.\n");
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let hits = pith(["search".as_ref(), t.path().as_os_str(), "-noise downtime".as_ref(), "--json".as_ref()]).stdout();
    let hits = crate::util::json_lines(&hits);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["interview"], "sam");
}

/// Runs `pith ARGS` with every file it writes limited to `kb` KiB, as a full disk would stop it.
#[cfg(unix)]
fn pith_with_file_limit(kb: u64, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_pith"))
        .args(args)
        .output()
        .expect("run bash")
}

#[cfg(unix)]
#[test]
fn a_full_disk_keeps_the_previous_reports_whole_and_says_so_plainly() {
    let t = TempStudy::sample();
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let out = t.path().join("out");
    let before = snapshot(&out);
    // A limit some of the new reports fit under and some do not.
    let sizes: Vec<u64> = before.iter().map(|(_, b)| b.len() as u64).collect();
    let (small, large) = (sizes.iter().min().copied().unwrap_or(0), sizes.iter().max().copied().unwrap_or(0));
    assert!(large > 4 * small, "the sample's reports are too alike in size for this test: {sizes:?}");
    let limit = (small + large) / 2 / 1024;

    let run = pith_with_file_limit(limit, &[OsStr::new("run"), t.path().as_os_str(), OsStr::new("--redact")]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    for raw in ["ZipWriter", "at path", "serialize buffer", ".pith-tmp"] {
        assert!(!stderr.contains(raw), "raw message {raw:?}: {stderr}");
    }
    assert_eq!(snapshot(&out), before, "a failed run left a mix of old and new reports");

    // A project that cannot be finished says so once, plainly, and leaves nothing behind.
    let fresh = t.path().join("fresh");
    let run =
        pith_with_file_limit(limit, &[OsStr::new("run"), t.path().as_os_str(), OsStr::new("--out"), fresh.as_os_str()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("ZipWriter") && !stderr.contains("i/o error"), "{stderr}");
    assert!(snapshot(&fresh).is_empty(), "files were left in the output folder");
}

#[cfg(unix)]
#[test]
fn a_read_only_study_can_be_searched() {
    let t = study_with_one_transcript();
    pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let mut files = Vec::new();
    crate::util::walk(t.path(), &mut files);
    let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let search = if root {
        // Permissions do not bind root: the search runs as `nobody` on a study it owns but may
        // not write.
        let nobody = "65534";
        let chown =
            std::process::Command::new("chown").args(["-R", &format!("{nobody}:{nobody}")]).arg(t.path()).status();
        let parent = t.path().parent().expect("temp folder");
        let _ = std::process::Command::new("chmod").arg("a+x").arg(parent).status();
        if !chown.is_ok_and(|s| s.success()) {
            eprintln!("skipped: cannot hand the study to another user");
            return;
        }
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid", nobody, "--regid", nobody, "--clear-groups", env!("CARGO_BIN_EXE_pith")]);
        cmd
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_pith"))
    };
    let made = std::process::Command::new("chmod").arg("-R").arg("a-w,a+rX").arg(t.path()).status();
    assert!(made.is_ok_and(|s| s.success()), "chmod");
    let mut search = search;
    let out = search.args(["search".as_ref(), t.path().as_os_str(), "outage".as_ref()]).output();
    let _ = std::process::Command::new("chmod").arg("-R").arg("u+w").arg(t.path()).status();
    let out = match out {
        Ok(out) => out,
        Err(e) if root => {
            eprintln!("skipped: setpriv is not available ({e})");
            return;
        }
        Err(e) => panic!("run pith: {e}"),
    };
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("outage"), "{stdout}");
    let mut after = Vec::new();
    crate::util::walk(t.path(), &mut after);
    assert_eq!(after, files, "searching wrote into the study");
}
