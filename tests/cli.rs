//! The command line: init, lexicon check/explain, exit statuses.

use crate::util::{json_lines, pith, TempStudy};

#[test]
fn init_scaffolds_a_study_whose_example_is_never_coded_until_copied() {
    let t = TempStudy::new();
    let dir = t.path().join("new-study");
    pith(["init".as_ref(), dir.as_os_str()]).stdout();
    let config = std::fs::read_to_string(dir.join("pith.toml")).unwrap_or_default();
    assert!(config.lines().any(|l| l.starts_with('#')), "pith.toml is commented");
    let manifest = std::fs::read_to_string(dir.join("participants.csv")).unwrap_or_default();
    assert!(manifest.starts_with("transcript,participant,persona"));
    assert!(manifest.lines().any(|l| l.starts_with("# interview,P01,")), "an example row, commented: {manifest}");
    assert!(dir.join("examples/interview.txt").is_file());
    assert_eq!(std::fs::read_dir(dir.join("transcripts")).map(|d| d.count()).ok(), Some(0));

    // Nothing to code yet: an error that says where transcripts go, and no reports.
    let (_, stderr) = pith(["run".as_ref(), dir.as_os_str()]).status(1);
    let where_to = dir.join("transcripts");
    assert!(
        stderr.contains(&format!("no transcripts to read: put the interviews in {}", where_to.display())),
        "{stderr}"
    );
    assert!(!dir.join("out").exists());

    // Copied in, the example is one interview; its manifest row, once uncommented, applies.
    std::fs::copy(dir.join("examples/interview.txt"), where_to.join("interview.txt")).expect("copy");
    std::fs::write(dir.join("participants.csv"), manifest.replace("# interview,P01,", "interview,P01,"))
        .expect("write");
    let (_, stderr) = pith(["run".as_ref(), dir.as_os_str()]).status(0);
    assert!(stderr.contains("coded 1 interview (1 group by persona)"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let rows = json_lines(&pith(["code".as_ref(), dir.as_os_str()]).stdout());
    assert_eq!(rows.len(), 4);
    assert_eq!((rows[3]["participant"].as_str(), rows[3]["persona"].as_str()), (Some("P01"), Some("Operations lead")));
    let codes: Vec<&str> =
        rows[3]["codes"].as_array().into_iter().flatten().filter_map(|c| c["code"].as_str()).collect();
    assert!(codes.contains(&"risk.downtime"), "{codes:?}");
    let report = std::fs::read_to_string(dir.join("out/report.md")).unwrap_or_default();
    assert!(report.contains("(1 interview, 2 passages)"), "{report}");

    // A second init keeps what is there.
    std::fs::write(dir.join("pith.toml"), "language = \"english\"\n").unwrap_or_default();
    pith(["init".as_ref(), dir.as_os_str()]).stdout();
    assert_eq!(std::fs::read_to_string(dir.join("pith.toml")).unwrap_or_default(), "language = \"english\"\n");
}

#[test]
fn init_on_an_existing_bare_study_changes_nothing_it_reports() {
    let t = TempStudy::new();
    t.write("a.txt", "Interviewer: Any risks?\nSam: The budget overrun scares me.\n");
    t.write("b.txt", "Interviewer: And you?\nAna: Downtime worries me a lot.\n");
    let before = pith(["code".as_ref(), t.path().as_os_str()]).stdout();
    pith(["init".as_ref(), t.path().as_os_str()]).stdout();
    assert!(t.path().join("pith.toml").is_file() && t.path().join("participants.csv").is_file());
    assert!(!t.path().join("transcripts").exists() && !t.path().join("examples").exists());
    let (after, stderr) = pith(["code".as_ref(), t.path().as_os_str()]).status(0);
    assert_eq!(after, before);
    assert_eq!(stderr, "");
}

#[test]
fn an_empty_study_is_an_error_that_says_where_transcripts_go() {
    let t = TempStudy::new();
    t.write("README.md", "Interviews go here.\n");
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(1);
    let want = format!("no transcripts to read: put the interviews in {}", t.path().join("transcripts").display());
    assert!(stderr.contains(&want), "{stderr}");
    assert!(!t.path().join("out").exists());
}

#[test]
fn bare_folder_is_a_study_with_unassigned_personas() {
    let t = TempStudy::new();
    t.write("a.txt", "Interviewer: Any risks?\nSam: The budget overrun scares me.\n");
    t.write("README.md", "This folder is not an interview.\n");
    let rows = json_lines(&pith(["code".as_ref(), t.path().as_os_str()]).stdout());
    assert_eq!(rows.len(), 2, "README is not read as a transcript");
    assert_eq!(rows[1]["persona"], "unassigned");
    assert_eq!(rows[1]["interview"], "a");
    assert_eq!(rows[1]["question"], "Any risks?");
}

#[test]
fn lexicon_check_accepts_the_builtins_and_explain_says_why() {
    let out = pith(["lexicon", "check"]).stdout();
    assert!(out.starts_with("ok: "), "{out}");
    let out = pith(["lexicon", "explain", "We're not worried about downtime, but the budget scares me."]).stdout();
    assert!(out.contains("risk.downtime") && out.contains("negated by \"not\""), "{out}");
    assert!(out.contains("risk.cost_overrun") || out.contains("responsibility.planning"), "{out}");
}

#[test]
fn bad_arguments_exit_1() {
    let t = TempStudy::new();
    let missing = t.path().join("nope");
    let (_, stderr) = pith(["run".as_ref(), missing.as_os_str()]).status(1);
    assert!(stderr.contains("nope"), "{stderr}");
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str(), "--format".as_ref(), "pdf".as_ref()]).status(1);
    assert!(stderr.contains("unknown report format"), "{stderr}");
}

#[test]
fn progress_is_drawn_on_a_terminal_only() {
    let t = TempStudy::sample();
    // stderr is a pipe here: the closing line, and no bar.
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(0);
    assert!(stderr.contains("coded 12 interviews"), "{stderr}");
    assert!(!stderr.contains("ETA") && !stderr.contains("files ["), "a bar in a pipe:\n{stderr}");
    // On a terminal (util-linux `script` gives the command one), the bar is drawn.
    let Ok(script) = which("script") else {
        eprintln!("skipped the terminal half: no `script` command here");
        return;
    };
    std::fs::remove_dir_all(t.path().join(".pith")).unwrap();
    let command = format!("{} run {} --format md", env!("CARGO_BIN_EXE_pith"), t.path().display());
    let out = std::process::Command::new(script).args(["-qefc", &command, "/dev/null"]).output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("files") && shown.contains("ETA"), "no bar on a terminal:\n{shown}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()).ok_or(())
}

#[test]
fn code_rows_are_one_line_of_json_each_whatever_the_text_holds() {
    let t = TempStudy::new();
    let question = "Was it \"hard\", C:\\path\\?";
    let answer = "Tab\there, bell\u{7}, esc\u{1b}, unit\u{1f}, line\u{2028}sep, para\u{2029}sep, del\u{7f}, \
                  café — 😀 </script> {\"a\": [1]} done.";
    t.write("a.txt", format!("Interviewer: {question}\n\nAna: {answer}\n"));
    let out = pith(["code".as_ref(), t.path().as_os_str()]).stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for line in &lines {
        assert!(!line.bytes().any(|b| b < 0x20), "a control character is escaped: {line}");
    }
    let rows = json_lines(&out);
    assert_eq!(rows[0]["text"], question);
    assert_eq!(rows[1]["text"], answer);
    assert_eq!(rows[1]["question"], question);
    assert_eq!(
        rows[1]["start"].as_u64(),
        Some(("Interviewer: ".len() + question.chars().count() + 2 + "Ana: ".len()) as u64)
    );
    let (docs, _) = pith(["code".as_ref(), t.path().as_os_str(), "--documents".as_ref()]).status(0);
    let docs = json_lines(&docs);
    assert_eq!(docs[0]["document"], format!("Interviewer: {question}\n\nAna: {answer}\n"));
}
