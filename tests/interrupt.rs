//! Integration tests: interrupted runs. `pith run` killed (SIGKILL) at varied moments leaves
//! the previous reports and the index usable, and the next run recovers without cleanup.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::util::{pith, TempStudy};

const TRANSCRIPTS: usize = 300;
const KILLS: u64 = 8;
/// Every file `pith run` writes by default.
const FILES: [&str; 7] =
    ["report.md", "brief.md", "report.html", "report.json", "matrix.csv", "study.qdpx", "codebook.qdc"];

const OPENERS: [&str; 6] = [
    "Honestly the power bill is what worries me most",
    "We had a hot spot in the old hall last summer",
    "Downtime is the thing my boss asks about every week",
    "The spreadsheet we use for capacity is always out of date",
    "Rack density keeps going up with the new customers",
    "Training the technicians takes longer than anyone plans",
];
const MIDDLES: [&str; 5] = [
    "and the vendor never calls back when the chiller fails",
    "so we escalate to facilities and wait for budget",
    "because procurement wants three quotes for everything",
    "which means I sleep with the phone on the pillow",
    "though nobody has measured the airflow in years",
];

fn transcript(n: usize) -> String {
    let mut text = String::new();
    for turn in 0..12 {
        text.push_str(&format!("Interviewer: Question {turn} for interview {n}, what happened next?\n"));
        let a = OPENERS[(n + turn) % OPENERS.len()];
        let b = MIDDLES[(n * 7 + turn) % MIDDLES.len()];
        let c = OPENERS[(n * 3 + turn * 5) % OPENERS.len()].to_lowercase();
        text.push_str(&format!("Participant: {a}, {b}. Site {n} turn {turn}: {c}, {b}.\n"));
    }
    text
}

fn run(study: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pith"));
    cmd.args(["run".as_ref(), study.as_os_str(), "-q".as_ref()]).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// The passages (`t012:3`) `pith search` finds for `query`.
fn search(study: &Path, query: &str) -> Vec<String> {
    let out = pith(["search".as_ref(), study.as_os_str(), query.as_ref(), "-n".as_ref(), "10000".as_ref()]).stdout();
    out.lines().filter(|l| l.starts_with('t')).filter_map(|l| l.split_whitespace().next()).map(String::from).collect()
}

/// The report files and their bytes.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    FILES.iter().map(|n| (n.to_string(), std::fs::read(out.join(n)).unwrap_or_else(|e| panic!("{n}: {e}")))).collect()
}

/// A report file is complete: JSON parses and counts every interview, Markdown has its title,
/// method note and last line, HTML closes, the CSV has its header and rows, the REFI-QDA
/// project opens as a zip with its project file, the codebook closes.
fn assert_complete(name: &str, bytes: &[u8]) {
    if name == "study.qdpx" {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(zip.by_name("project.qde").is_ok(), "{name} has no project.qde");
        return;
    }
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    match name {
        "report.json" => {
            let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name} is torn: {e}"));
            assert_eq!(v["interviews"], TRANSCRIPTS, "{name}");
        }
        "report.md" => assert!(
            text.starts_with("# ") && text.contains("Prevalence counts interviews") && text.ends_with('\n'),
            "{name} is torn"
        ),
        "report.html" => assert!(text.trim_end().ends_with("</html>"), "{name} is torn"),
        "codebook.qdc" => assert!(text.trim_end().ends_with("</CodeBook>"), "{name} is torn"),
        _ => assert!(text.lines().count() > 2 && text.ends_with('\n'), "{name} is torn"),
    }
}

#[test]
fn killed_runs_leave_previous_outputs_and_index_usable_and_the_next_run_recovers() {
    let study = TempStudy::new();
    study.write("pith.toml", "title = \"Interrupted\"\n");
    for n in 0..TRANSCRIPTS {
        study.write(&format!("transcripts/t{n:03}.txt"), transcript(n));
    }
    let out = study.path().join("out");
    assert!(run(study.path()).status().unwrap().success(), "the first run failed");
    let mut previous = outputs(&out);
    previous.iter().for_each(|(n, b)| assert_complete(n, b));
    let baseline_hits = search(study.path(), "chiller");
    assert!(baseline_hits.len() > 100, "search finds too little to compare: {baseline_hits:?}");

    for k in 0..KILLS {
        // Change a few transcripts so that the run re-indexes and rewrites different reports.
        for n in (k as usize * 10)..(k as usize * 10 + 10) {
            let extra = format!("Participant: Round{k} brought a new chiller story.\n");
            study.write(&format!("transcripts/t{n:03}.txt"), transcript(n) + &extra);
        }
        let mut child = run(study.path()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(50 + (k * 397) % 1450));
        let _ = child.kill();
        let _ = child.wait();

        for ((name, before), (_, now)) in previous.iter().zip(outputs(&out)) {
            if &now != before {
                assert_complete(name, &now);
            }
        }
        let leftovers: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !FILES.contains(&n.as_str()))
            .collect();
        assert!(leftovers.iter().all(|n| n.starts_with(".pith-tmp-")), "unexpected files in out/: {leftovers:?}");
        // The index opens and answers after the kill: the old passages are all still there.
        let hits = search(study.path(), "chiller");
        assert!(baseline_hits.iter().all(|h| hits.contains(h)), "iteration {k}: the index lost passages");

        // The next run succeeds without cleanup (the killed run's lock went with its process) and sees the change.
        let next = run(study.path()).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&next.stderr);
        assert!(next.status.success(), "iteration {k}: the run after a kill failed ({}): {stderr}", next.status);
        previous = outputs(&out);
        previous.iter().for_each(|(n, b)| assert_complete(n, b));
        let round = search(study.path(), &format!("round{k}"));
        assert_eq!(round.len(), 10, "iteration {k}: {round:?}");
    }
}

#[test]
fn a_lock_file_nobody_holds_is_taken_over_and_a_held_one_stops_a_second_writer() {
    let study = TempStudy::sample();
    // Left by a killed writer whose pid now belongs to another program (this test process):
    // nobody holds the lock, so it is taken over.
    study.write(".pith/lock", std::process::id().to_string());
    pith(["run".as_ref(), study.path().as_os_str(), "-q".as_ref()]).stdout();
    assert!(!study.path().join(".pith/lock").exists(), "the lock outlived the run");

    // This test process holds the lock, as a second writer at work would.
    let held = std::fs::File::create(study.path().join(".pith/lock")).unwrap();
    held.lock().unwrap();
    std::fs::write(study.path().join(".pith/lock"), std::process::id().to_string()).unwrap();
    let out = pith(["run".as_ref(), study.path().as_os_str(), "-q".as_ref()]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains(&format!("locked by pid {}", std::process::id())), "{stderr}");
    drop(held);
    pith(["run".as_ref(), study.path().as_os_str(), "-q".as_ref()]).stdout();
}

/// The files of `dir` (not recursive) and their bytes.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// Makes `dir` hold `files` and nothing else.
fn put_back(dir: &Path, files: &[(String, Vec<u8>)]) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn a_commit_killed_after_writing_its_files_does_not_stop_the_next_run() {
    // A kill between writing a commit's files and recording them in meta.json, rebuilt exactly:
    // the study as before the commit, plus the files the commit wrote (and registered).
    let study = TempStudy::new();
    for n in 0..20 {
        study.write(&format!("transcripts/t{n:03}.txt"), transcript(n));
    }
    assert!(run(study.path()).status().unwrap().success(), "the first run failed");
    let (state, index) = (study.path().join(".pith"), study.path().join(".pith/index"));
    let (before, index_before) = (files_of(&state), files_of(&index));
    study.write("transcripts/t003.txt", transcript(3) + "Participant: The roof leaks onto the switchgear.\n");
    assert!(run(study.path()).status().unwrap().success(), "the run after the edit failed");
    let written: Vec<_> =
        files_of(&index).into_iter().filter(|(n, _)| !index_before.iter().any(|(m, _)| m == n)).collect();
    assert!(written.iter().any(|(n, _)| n.ends_with(".del")), "the edit deleted no document: {written:?}");

    put_back(&state, &before);
    put_back(&index, &index_before);
    let managed = index.join(".managed.json");
    let mut names: Vec<String> = serde_json::from_slice(&std::fs::read(&managed).unwrap()).unwrap();
    for (name, bytes) in &written {
        if name != "meta.json" && name != ".managed.json" {
            std::fs::write(index.join(name), bytes).unwrap();
            names.push(name.clone());
        }
    }
    std::fs::write(&managed, serde_json::to_vec(&names).unwrap()).unwrap();
    assert_eq!(search(study.path(), "switchgear"), Vec::<String>::new(), "the commit was not undone");

    let next = run(study.path()).stderr(Stdio::piped()).output().unwrap();
    assert!(next.status.success(), "the run after the killed commit failed: {}", String::from_utf8_lossy(&next.stderr));
    assert_eq!(search(study.path(), "switchgear").len(), 1);
}
