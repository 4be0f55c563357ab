//! The command line: init, lexicon check/explain, exit statuses.

use crate::util::{json_lines, pith, TempStudy};

#[test]
fn init_scaffolds_a_study_that_runs() {
    let t = TempStudy::new();
    let dir = t.path().join("new-study");
    pith(["init".as_ref(), dir.as_os_str()]).stdout();
    let config = std::fs::read_to_string(dir.join("pith.toml")).unwrap_or_default();
    assert!(config.lines().any(|l| l.starts_with('#')), "pith.toml is commented");
    let manifest = std::fs::read_to_string(dir.join("participants.csv")).unwrap_or_default();
    assert!(manifest.starts_with("transcript,participant,persona"));
    assert!(dir.join("transcripts/example.txt").is_file());
    let rows = json_lines(&pith(["code".as_ref(), dir.as_os_str()]).stdout());
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3]["persona"], "Unassigned persona");
    let codes: Vec<&str> =
        rows[3]["codes"].as_array().into_iter().flatten().filter_map(|c| c["code"].as_str()).collect();
    assert!(codes.contains(&"risk.downtime"), "{codes:?}");
    // A second init keeps what is there.
    std::fs::write(dir.join("pith.toml"), "language = \"english\"\n").unwrap_or_default();
    pith(["init".as_ref(), dir.as_os_str()]).stdout();
    assert_eq!(std::fs::read_to_string(dir.join("pith.toml")).unwrap_or_default(), "language = \"english\"\n");
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
