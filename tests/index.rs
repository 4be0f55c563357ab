//! Integration tests: index (`pith index`, `pith search`, `pith run` keeping the index current).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::{json_lines, pith, walk, TempStudy};

/// A small study: Maya interviews two Franks and one Debbie. Expectations are in each test.
fn small_study() -> TempStudy {
    let t = TempStudy::new();
    t.write("pith.toml", "interviewers = [\"Maya\"]\n");
    t.write(
        "participants.csv",
        "transcript,participant,persona,segment\n\
         frank-1.txt,Frank,Facilities Frank,healthcare\n\
         frank-2.txt,Fred,Facilities Frank,retail\n\
         debbie-1.txt,Deb,Data Center Debbie,healthcare\n",
    );
    t.write(
        "transcripts/frank-1.txt",
        "Maya: What worries you?\n\
         Frank: I worry about the chiller plant every summer.\n\
         Maya: And the budget?\n\
         Frank: The budget is worrying, honestly.\n",
    );
    t.write(
        "transcripts/frank-2.txt",
        "Maya: Any outages?\n\
         Fred: We had an outage last year. Nobody was hurt.\n\
         Maya: Do you worry about downtime?\n\
         Fred: We're not worried about downtime at all.\n",
    );
    t.write(
        "transcripts/debbie-1.txt",
        "Maya: Tell me about your week.\n\
         Deb: Mostly deploying servers. Downtime is what everyone worries about here.\n\
         Deb: Worried, but not about cost.\n",
    );
    t
}

fn index(t: &TempStudy) {
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
}

/// `pith search STUDY QUERY ARGS... --json`, parsed.
fn search(t: &TempStudy, query: &str, args: &[&str]) -> Vec<Value> {
    let mut all: Vec<&std::ffi::OsStr> =
        vec!["search".as_ref(), t.path().as_os_str(), query.as_ref(), "--json".as_ref()];
    all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
    json_lines(&pith(all).stdout())
}

/// The hits as `interview#passage`, sorted.
fn hits(t: &TempStudy, query: &str, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = search(t, query, args)
        .iter()
        .map(|h| format!("{}#{}", h["interview"].as_str().unwrap(), h["passage"]))
        .collect();
    v.sort();
    v
}

#[test]
fn stemmed_query_finds_inflected_forms() {
    let t = small_study();
    index(&t);
    // "worried" stems like "worry", "worrying", "worries"; participant passages only by default.
    assert_eq!(hits(&t, "worried", &[]), ["debbie-1#1", "debbie-1#2", "frank-1#1", "frank-1#3", "frank-2#3"]);
    let all_roles = hits(&t, "worried", &["--role", "any"]);
    assert!(all_roles.contains(&"frank-1#0".to_string()) && all_roles.contains(&"frank-2#2".to_string()));
    assert_eq!(hits(&t, "worry", &["--role", "interviewer"]), ["frank-1#0", "frank-2#2"]);
}

#[test]
fn unlabelled_passages_need_role_any_and_pith_says_so() {
    let t = TempStudy::new();
    // No speaker labels: one paragraph passage of unknown role.
    t.write("notes.txt", "The chiller tripped twice in August.\n");
    index(&t);
    let (out, stderr) = pith(["search".as_ref(), t.path().as_os_str(), "chiller".as_ref()]).status(0);
    assert_eq!(out, "");
    assert!(stderr.contains("--role any"), "{stderr}");
    assert_eq!(hits(&t, "chiller", &["--role", "any"]), ["notes#0"]);
    assert_eq!(hits(&t, "chiller", &["--role", "unknown"]), ["notes#0"]);
}

#[test]
fn hits_carry_the_contract_fields_and_a_marked_snippet() {
    let t = small_study();
    index(&t);
    let found = search(&t, "chiller", &[]);
    assert_eq!(found.len(), 1);
    let h = &found[0];
    assert_eq!(h["interview"], "frank-1");
    assert_eq!(h["passage"], 1);
    assert_eq!(h["persona"], "Facilities Frank");
    assert_eq!(h["role"], "participant");
    assert_eq!(h["speaker"], "Frank");
    assert_eq!(h["text"], "I worry about the chiller plant every summer.");
    assert_eq!(h["snippet"], "I worry about the **chiller** plant every summer.");
    assert!(h["score"].as_f64().unwrap() > 0.0);
    // Piped human output marks matches with ** too, and names interview, speaker and persona.
    let out = pith(["search".as_ref(), t.path().as_os_str(), "chiller".as_ref()]).stdout();
    assert!(out.contains("frank-1:1") && out.contains("Frank (Facilities Frank)"), "{out}");
    assert!(out.contains("**chiller**"), "{out}");
}

#[test]
fn filters_by_persona_code_subtree_role_interview_and_attribute() {
    let t = small_study();
    index(&t);
    assert_eq!(hits(&t, "worried", &["--persona", "Data Center Debbie"]), ["debbie-1#1", "debbie-1#2"]);
    // Fred's "not worried about downtime" is a negated risk.downtime: kept apart from the codes,
    // so only Fred's outage and Deb's downtime are evidence of risk.downtime.
    assert_eq!(hits(&t, "*", &["--code", "risk.downtime"]), ["debbie-1#1", "frank-2#1"]);
    for h in search(&t, "*", &["--code", "risk.downtime"]) {
        assert!(h["codes"].as_array().unwrap().iter().any(|c| c == "risk.downtime"), "{h}");
    }
    // The family matches its subtree.
    let risk = hits(&t, "*", &["--code", "risk"]);
    assert!(risk.contains(&"debbie-1#1".to_string()) && risk.contains(&"frank-2#1".to_string()), "{risk:?}");
    assert!(!risk.contains(&"frank-2#3".to_string()), "{risk:?}");
    // The negated code is searchable on its own field.
    assert_eq!(hits(&t, "negated:\"/risk/risk.downtime\"", &[]), ["frank-2#3"]);
    assert_eq!(hits(&t, "worried", &["--interview", "frank-2"]), ["frank-2#3"]);
    assert_eq!(hits(&t, "worried", &["--attr", "Segment=retail"]), ["frank-2#3"]);
    assert_eq!(
        hits(&t, "worried", &["--attr", "segment=healthcare", "--persona", "Facilities Frank"]),
        ["frank-1#1", "frank-1#3"]
    );
    // Query-language fields and operators.
    assert_eq!(hits(&t, "worried AND persona:\"Facilities Frank\" -budget", &[]), ["frank-1#1", "frank-2#3"]);
    assert_eq!(hits(&t, "chiller OR outage", &[]), ["frank-1#1", "frank-2#1"]);
}

#[test]
fn phrase_queries_respect_word_order_and_adjacency() {
    let t = small_study();
    index(&t);
    // "not worried" touches in Fred's answer only; Deb's "Worried, but not" has them apart.
    assert_eq!(hits(&t, "\"not worried\"", &[]), ["frank-2#3"]);
    assert_eq!(hits(&t, "not worried", &["--exact"]), ["debbie-1#2", "frank-2#3"]);
    // Stemmed inside phrases too.
    assert_eq!(hits(&t, "\"deploy server\"", &[]), ["debbie-1#1"]);
}

#[test]
fn count_by_persona_gives_passages_interviews_and_group_totals() {
    let t = small_study();
    index(&t);
    let groups = search(&t, "worried", &["--count-by", "persona"]);
    let got: Vec<(String, u64, u64, u64)> = groups
        .iter()
        .map(|g| {
            assert_eq!(g["group"], "persona");
            (
                g["key"].as_str().unwrap().to_string(),
                g["passages"].as_u64().unwrap(),
                g["interviews"].as_u64().unwrap(),
                g["total_interviews"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("Facilities Frank".to_string(), 3, 2, 2), ("Data Center Debbie".to_string(), 2, 1, 1)]);
    let by_segment =
        pith(["search".as_ref(), t.path().as_os_str(), "worried".as_ref(), "--count-by".as_ref(), "segment".as_ref()])
            .stdout();
    assert_eq!(by_segment, "healthcare\t4 passages\t2 of 2 interviews\nretail\t1 passage\t1 of 1 interview\n");
}

/// Brute force over `pith code`: participant passages with a non-negated code under `prefix`.
fn code_rows(study: &std::path::Path) -> Vec<Value> {
    json_lines(&pith(["code".as_ref(), study.as_os_str()]).stdout())
}

fn has_code(row: &Value, code: &str) -> bool {
    row["codes"].as_array().unwrap().iter().any(|c| {
        let id = c["code"].as_str().unwrap();
        c["evidence"] == true && (id == code || id.starts_with(&format!("{code}.")))
    })
}

/// `pith search STUDY '*' ARGS` (a `--count-by`): group → (passages, interviews, total interviews).
fn group_counts(t: &TempStudy, args: &[&str]) -> BTreeMap<String, (u64, usize, usize)> {
    search(t, "*", args)
        .iter()
        .map(|g| {
            let n = |k: &str| g[k].as_u64().unwrap();
            let key = g["key"].as_str().unwrap().to_string();
            (key, (n("passages"), n("interviews") as usize, n("total_interviews") as usize))
        })
        .collect()
}

#[test]
fn count_by_agrees_with_a_brute_force_count_over_pith_code() {
    let t = TempStudy::sample();
    pith(["run".as_ref(), t.path().as_os_str()]).stdout();
    let rows = code_rows(t.path());
    let participant: Vec<&Value> = rows.iter().filter(|r| r["role"] == "participant").collect();

    // Per code, over every participant passage; the total over passages of any role.
    let mut expected: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
    let mut totals: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        for c in r["codes"].as_array().unwrap() {
            if c["evidence"] == true {
                let code = c["code"].as_str().unwrap().to_string();
                let interview = r["interview"].as_str().unwrap().to_string();
                totals.entry(code.clone()).or_default().insert(interview.clone());
                if r["role"] == "participant" {
                    let e = expected.entry(code).or_default();
                    e.0 += 1;
                    e.1.insert(interview);
                }
            }
        }
    }
    let got = group_counts(&t, &["--count-by", "code"]);
    let expected_counts: BTreeMap<String, (u64, usize, usize)> =
        expected.iter().map(|(k, (n, i))| (k.clone(), (*n, i.len(), totals[k].len()))).collect();
    assert!(expected_counts.len() > 10, "the sample study codes many codes");
    assert_eq!(got, expected_counts);

    // Per code in one interview: its totals still count every interview.
    let one = participant[0]["interview"].as_str().unwrap();
    let mut expected: BTreeMap<String, (u64, usize, usize)> = BTreeMap::new();
    for r in participant.iter().filter(|r| r["interview"] == one) {
        for c in r["codes"].as_array().unwrap() {
            if c["evidence"] == true {
                let code = c["code"].as_str().unwrap();
                expected.entry(code.to_string()).or_insert((0, 1, totals[code].len())).0 += 1;
            }
        }
    }
    assert!(expected.values().any(|(_, _, total)| *total > 1), "codes of this interview occur in others");
    let got = group_counts(&t, &["--count-by", "code", "--interview", one]);
    assert_eq!(got, expected);

    // Per persona, for the risk family.
    let mut expected: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
    for r in participant.iter().filter(|r| has_code(r, "risk")) {
        let e = expected.entry(r["persona"].as_str().unwrap().to_string()).or_default();
        e.0 += 1;
        e.1.insert(r["interview"].as_str().unwrap().to_string());
    }
    let got = group_counts(&t, &["--count-by", "persona", "--code", "risk"]);
    let expected: BTreeMap<String, (u64, usize, usize)> =
        expected.iter().map(|(k, (n, i))| (k.clone(), (*n, i.len(), 6))).collect();
    assert_eq!(got, expected);
}

fn dump(study: &std::path::Path) -> Vec<pith::index::StoredPassage> {
    pith::index::open(study).unwrap().dump().unwrap()
}

fn update(study: &std::path::Path) -> pith::index::Update {
    let opened = pith::run::Opened::open(study).unwrap();
    pith::run::index(&opened, false, &mut ()).unwrap().0
}

#[test]
fn incremental_updates_leave_the_index_equal_to_a_fresh_build() {
    let t = TempStudy::sample();
    let first = update(t.path());
    assert!(first.rebuilt);
    assert_eq!(first.indexed, 12);
    let reader = pith::index::open(t.path()).unwrap();
    let before = reader.passages();

    // Unchanged: nothing re-read.
    let again = update(t.path());
    assert_eq!((again.indexed, again.unchanged, again.removed, again.rebuilt), (0, 12, 0, false));

    // Edit one, add one, delete one.
    let edited = "transcripts/frank/frank-01-campus.txt";
    let text = t.read(edited).replace("budget", "allowance");
    t.write(edited, text);
    t.write(
        "transcripts/frank/frank-07-airport.txt",
        "Maya: What keeps you up?\nOlga: Chiller failures. Downtime at the gates.\n",
    );
    std::fs::remove_file(t.path().join("transcripts/debbie/debbie-06-retail.txt")).unwrap();
    let step = update(t.path());
    assert_eq!((step.indexed, step.unchanged, step.removed, step.rebuilt), (2, 10, 1, false));

    // A reader opened before the update still answers from its snapshot.
    assert_eq!(reader.passages(), before);

    let fresh = TempStudy::new();
    crate::util::copy_dir(t.path(), fresh.path());
    assert!(!fresh.path().join(".pith").exists(), "copy_dir leaves pith's state behind");
    update(fresh.path());
    let incremental = dump(t.path());
    assert_eq!(incremental, dump(fresh.path()));
    assert!(incremental
        .iter()
        .any(|d| d.interview == "frank/frank-07-airport" && d.codes.contains(&"/risk/risk.downtime".to_string())));
    assert!(!incremental.iter().any(|d| d.interview == "debbie/debbie-06-retail"));
    assert!(!incremental.iter().any(|d| d.interview == "frank/frank-01-campus" && d.text.contains("budget")));

    // A manifest change re-indexes that interview only; a lexicon change re-codes everything.
    let manifest = t.read("participants.csv").replace("Frank,Facilities Frank,Frank", "Frank,Data Center Debbie,Frank");
    t.write("participants.csv", manifest);
    let step = update(t.path());
    assert_eq!((step.indexed, step.unchanged, step.rebuilt), (1, 11, false));
    assert_eq!(
        search(&t, "*", &["--interview", "frank/frank-01-campus", "--limit", "1"])[0]["persona"],
        "Data Center Debbie"
    );
    t.write(
        "lexicons/extra.toml",
        "[[codes]]\nid = \"need.allowance\"\nlabel = \"Allowance\"\ndescription = \"An allowance.\"\nterms = [\"allowance\"]\n",
    );
    let step = update(t.path());
    assert!(step.rebuilt);
    assert_eq!(step.indexed, 12);
    assert_eq!(
        hits(&t, "*", &["--code", "need.allowance", "--limit", "1000"]).len(),
        dump(t.path()).iter().filter(|d| d.codes.contains(&"/need/need.allowance".to_string())).count()
    );
    assert!(!hits(&t, "*", &["--code", "need.allowance"]).is_empty());
}

#[test]
fn pith_run_builds_and_updates_the_index() {
    let t = small_study();
    pith(["run".as_ref(), t.path().as_os_str()]).stdout();
    assert_eq!(hits(&t, "chiller", &[]), ["frank-1#1"]);
    t.write("transcripts/frank-1.txt", "Maya: What worries you?\nFrank: The cooling tower.\n");
    let (_, stderr) = pith(["run".as_ref(), t.path().as_os_str()]).status(0);
    assert!(stderr.contains("1 transcript indexed") && stderr.contains("2 unchanged"), "{stderr}");
    assert!(hits(&t, "chiller", &[]).is_empty());
    assert_eq!(hits(&t, "tower", &[]), ["frank-1#1"]);
}

#[test]
fn errors_say_what_to_do() {
    let t = small_study();
    let (_, stderr) = pith(["search".as_ref(), t.path().as_os_str(), "worry".as_ref()]).status(1);
    assert!(stderr.contains("run `pith index"), "{stderr}");
    index(&t);
    let exact = |q: &str| pith(["search".as_ref(), t.path().as_os_str(), q.as_ref(), "--exact".as_ref()]).status(1);
    let (_, stderr) = exact("(worry AND");
    assert!(stderr.contains("does not parse") && stderr.contains("at character"), "{stderr}");
    let (_, stderr) = exact("colour:red");
    assert!(stderr.contains("does not parse") && stderr.contains("colour"), "{stderr}");
    let (_, stderr) =
        pith(["search".as_ref(), t.path().as_os_str(), "*".as_ref(), "--count-by".as_ref(), "shoe_size".as_ref()])
            .status(2);
    assert!(stderr.contains("shoe_size"), "{stderr}");
}

#[test]
fn a_live_writer_locks_the_study_and_a_lock_it_left_is_taken_over() {
    let t = small_study();
    // This test process holds the lock, as a writer at work would.
    let pid = std::process::id();
    let lock = t.write(".pith/lock", pid.to_string());
    let held = std::fs::File::open(&lock).unwrap();
    held.lock().unwrap();
    let (_, stderr) = pith(["index".as_ref(), t.path().as_os_str()]).status(1);
    assert!(stderr.contains(&format!("locked by pid {pid}")), "{stderr}");
    // Released (as when its process ends), the file it left is taken over, and so are the
    // temporary files a killed writer left in .pith (once a minute old; a young one may be a
    // live writer's).
    drop(held);
    let old = t.write(".pith/.pith-tmp-killed", "half a state file");
    let young = t.write(".pith/.pith-tmp-young", "half a cache");
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(120)).unwrap();
    index(&t);
    assert!(!old.exists() && young.exists());
    assert!(!t.path().join(".pith/lock").exists());
    assert_eq!(hits(&t, "chiller", &[]), ["frank-1#1"]);
}

/// Sets every input file under `dir` (not pith's state, not the reports) to a modification time
/// a minute ago, so that stamps are out of the window in which pith does not trust them, and a
/// re-run can only be caused by what changed in the inputs.
fn age(dir: &std::path::Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == ".pith" || n == "out") {
            continue;
        }
        if path.is_dir() {
            age(&path);
        } else {
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(past).unwrap();
        }
    }
}

fn modified(path: &std::path::Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn an_identical_run_over_unchanged_inputs_is_skipped_and_any_change_redoes_it() {
    let t = TempStudy::sample();
    age(t.path());
    let run = |extra: &[&str]| {
        let mut args = vec!["run", t.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        pith(args).status(0).1
    };
    let first = run(&[]);
    assert!(first.contains("coded 12 interviews"), "{first}");
    let report = t.path().join("out/report.json");
    let written = modified(&report);

    let second = run(&[]);
    assert!(second.contains("up to date"), "{second}");
    assert!(second.contains("12 interviews"), "{second}");
    assert_eq!(modified(&report), written, "an up-to-date run rewrote the report");

    // Another request (formats) is another run.
    let other = run(&["--format", "md"]);
    assert!(other.contains("coded 12 interviews"), "{other}");
    assert!(!other.contains("unchanged since the last run"), "what another request made was reused: {other}");
    assert!(run(&["--format", "md"]).contains("up to date"));

    // A transcript edited with its size kept and an old time is still seen: its stamp moved.
    run(&[]);
    let edited = "transcripts/frank/frank-01-campus.txt";
    assert!(search(&t, "gadget", &["--role", "any"]).is_empty());
    let text = t.read(edited).replacen("budget", "gadget", 1);
    t.write(edited, &text);
    age(t.path());
    let after_edit = run(&[]);
    assert!(after_edit.contains("coded 1 of 12 interviews"), "{after_edit}");
    assert!(after_edit.contains("11 unchanged since the last run"), "{after_edit}");
    let hits = search(&t, "gadget", &["--role", "any"]);
    assert!(hits.iter().any(|h| h["interview"] == "frank/frank-01-campus"), "{hits:?}");
    assert!(run(&[]).contains("up to date"));

    // A report removed or changed by hand is written again (from what the last run kept).
    std::fs::remove_file(t.path().join("out/report.md")).unwrap();
    let rewritten = run(&[]);
    assert!(rewritten.contains("coded 0 of 12 interviews (2 groups by persona; 12 unchanged"), "{rewritten}");
    assert!(t.path().join("out/report.md").exists());

    // A manifest change, a lexicon change: re-done.
    let manifest = t.read("participants.csv").replace("Frank,Facilities Frank,Frank", "Frank,Data Center Debbie,Frank");
    t.write("participants.csv", manifest);
    age(t.path());
    let after_manifest = run(&[]);
    assert!(after_manifest.contains("coded 1 of 12 interviews"), "only Frank's row changed: {after_manifest}");
    t.write(
        "lexicons/extra.toml",
        "[[codes]]\nid = \"need.allowance\"\nlabel = \"Allowance\"\nterms = [\"allowance\"]\n",
    );
    age(t.path());
    assert!(run(&[]).contains("coded 12 interviews"));
    assert!(run(&[]).contains("up to date"));
}

/// Every report file of a run, by name.
fn outputs(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().to_string(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn a_rerun_codes_only_what_changed_and_writes_what_a_fresh_run_writes() {
    let t = TempStudy::sample();
    age(t.path());
    // The report each run keeps for the next one's changes section, as it was before the last
    // run: a fresh run starts from it too, so that both say the same about what changed.
    let (kept, before) = (t.path().join(".pith/reports"), tempfile::tempdir().unwrap());
    let run = |out: &str| {
        if kept.is_dir() {
            crate::util::copy_dir(&kept, before.path());
        }
        let out = t.path().join(out);
        pith(["run", t.path().to_str().unwrap(), "--out", out.to_str().unwrap()]).status(0).1
    };
    let fresh_run = |out: &str| {
        std::fs::remove_dir_all(t.path().join(".pith")).unwrap();
        crate::util::copy_dir(before.path(), &kept);
        let said = run(out);
        assert!(said.contains("coded 12 interviews"), "{said}");
        outputs(&t.path().join(out))
    };
    let out = t.path().join("out");
    assert!(run("out").contains("coded 12 interviews"));
    assert!(t.path().join(".pith/cache").is_file());
    let before = outputs(&out);

    // One edit: Kwame adds a worry.
    let edited = "transcripts/frank/frank-03-office-tower.txt";
    let text = t.read(edited);
    t.write(edited, format!("{text}\nKwame: Honestly my biggest fear is a refrigerant leak on the roof.\n"));
    age(t.path());
    let second = run("out");
    assert!(second.contains("coded 1 of 12 interviews"), "{second}");
    let reused = outputs(&out);
    assert_eq!(reused, fresh_run("fresh"), "a run using the cache wrote other reports than a fresh one");
    assert_ne!(reused["study.qdpx"], before["study.qdpx"], "the edited transcript is in the project");

    // The fold's term counts, kept per group, are taken whole where a group is unchanged; after
    // a second edit in another group, and with the kept fold damaged, the reports are the same.
    run("out");
    assert!(t.path().join(".pith/cache.fold").is_file());
    let other = "transcripts/debbie/debbie-02-bank.txt";
    let other_text = t.read(other);
    t.write(other, format!("{other_text}\nMarcus: The spreadsheet is where the real numbers live.\n"));
    age(t.path());
    assert!(run("out").contains("coded 1 of 12 interviews"));
    let resumed = outputs(&out);
    assert_eq!(resumed, fresh_run("fresh"), "a run resuming the fold wrote other reports than a fresh one");
    run("out");
    std::fs::write(t.path().join(".pith/cache.fold"), vec![7u8; 4096]).unwrap();
    t.write(other, &other_text);
    age(t.path());
    assert!(run("out").contains("coded 1 of 12 interviews"));
    assert_eq!(outputs(&out), fresh_run("fresh"));

    // A damaged cache is not trusted: everything is coded again, with the same result.
    run("out");
    std::fs::write(t.path().join(".pith/cache"), vec![7u8; 4096]).unwrap();
    t.write(edited, &text);
    age(t.path());
    let third = run("out");
    assert!(third.contains("coded 12 interviews"), "{third}");
    assert_eq!(outputs(&out), fresh_run("fresh"));
}

#[test]
fn a_session_dropped_unfinished_changes_nothing_and_frees_the_writer_for_the_next() {
    // Coders hand documents to the writer through a thread of the session's own: dropping the
    // session, or its prepared commit (a --strict stop, a failed report), must wait for it and
    // commit nothing, or the next session in this process finds tantivy's writer lock still held
    // and fails to open the index.
    let t = TempStudy::sample();
    let first = update(t.path());
    let before = dump(t.path());
    let study = pith::study::Study::open(t.path()).unwrap();
    let analyzer = pith::analyze::Analyzer::new(study.language().unwrap());
    let lexicon = pith::lexicon::Lexicon::load(&analyzer, &study.lexicon_paths()).unwrap();
    let output = pith::pipeline::Output { reports: false, index: true };
    let coded: Vec<_> = study
        .transcripts
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let (interview, _) =
                pith::pipeline::process_bytes(&study, &lexicon, &analyzer, path, &bytes, output).unwrap();
            (path, bytes, interview)
        })
        .collect();
    for round in 0..3 {
        let session = pith::index::Session::begin(&study, &lexicon).unwrap();
        if round == 1 {
            // Nothing offered, so committed it would remove every transcript's documents: its
            // commit prepared, then given up.
            drop(session.prepare());
        } else {
            // More interviews than the thread takes ahead, so it is at work when the session goes.
            for (path, bytes, interview) in coded.iter().cycle().take(200) {
                session.replace(&lexicon, &interview.interview, session.inputs(&study, path, bytes, None));
            }
            drop(session);
        }
        assert_eq!(dump(t.path()), before, "round {round}: nothing committed");
    }
    let again = update(t.path());
    assert_eq!((again.indexed, again.unchanged, again.passages), (0, first.indexed, first.passages));
    assert_eq!(dump(t.path()), before);
}

#[test]
fn a_segment_whose_passages_were_mostly_reindexed_is_rewritten_without_the_deleted_ones() {
    let t = TempStudy::sample();
    update(t.path());
    let mut files = Vec::new();
    walk(&t.path().join("transcripts"), &mut files);
    assert_eq!(files.len(), 12);
    for file in &files[1..] {
        let mut text = std::fs::read_to_string(file).unwrap();
        text.push_str("\nMaya: Thank you for your time.\n");
        std::fs::write(file, text).unwrap();
    }
    let step = update(t.path());
    assert_eq!((step.indexed, step.unchanged, step.rebuilt), (11, 1, false));

    // Eleven of twelve interviews' passages were deleted from the first segment: tantivy's own
    // policy leaves them there (fewer than eight segments), the writer's rewrites it.
    let index = tantivy::Index::open_in_dir(pith::index::index_dir(t.path())).unwrap();
    let segments = index.searchable_segment_metas().unwrap();
    let deleted: u32 = segments.iter().map(|s| s.num_deleted_docs()).sum();
    assert_eq!(deleted, 0, "{} segments", segments.len());
    let live: u32 = segments.iter().map(|s| s.num_docs()).sum();
    assert_eq!(live as usize, dump(t.path()).len());
}

#[test]
fn hits_in_unlabelled_transcripts_name_the_manifest_participant() {
    let t = TempStudy::new();
    for (rel, text) in [
        ("transcripts/ana.txt", "We worry about downtime every single week.\n\nAnd the budget, too.\n"),
        ("participants.csv", "transcript,participant,persona\nana,Ana Ruiz,Ops\n"),
    ] {
        t.write(rel, text);
    }
    pith(["index".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let out = pith(
        ["search", "--role", "any"]
            .map(std::ffi::OsStr::new)
            .into_iter()
            .chain([t.path().as_os_str(), "downtime".as_ref()]),
    )
    .stdout();
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with("ana:0  Ana Ruiz (Ops)"), "{out}");
}

/// Counts what a run tells its observer of each transcript.
#[derive(Default)]
struct Tally {
    transcripts: usize,
    bytes: u64,
}

impl pith::run::Observer for Tally {
    fn transcript(&mut self, bytes: u64) {
        self.transcripts += 1;
        self.bytes += bytes;
    }
}

#[test]
fn progress_counts_every_transcript_at_its_size_on_disk_whether_coded_unchanged_or_skipped() {
    let t = small_study();
    t.write("transcripts/empty.txt", "");
    let on_disk: u64 = ["frank-1.txt", "frank-2.txt", "debbie-1.txt", "empty.txt"]
        .iter()
        .map(|f| std::fs::metadata(t.path().join("transcripts").join(f)).unwrap().len())
        .sum();
    let opened = pith::run::Opened::open(t.path()).unwrap();
    for pass in ["coded", "unchanged"] {
        let mut tally = Tally::default();
        pith::run::index(&opened, false, &mut tally).unwrap();
        assert_eq!((tally.transcripts, tally.bytes), (4, on_disk), "index, {pass}");
    }
    for (n, pass) in ["coded", "from the run cache"].into_iter().enumerate() {
        let mut tally = Tally::default();
        let options = pith::run::Options { out: Some(t.path().join(format!("out-{n}"))), ..Default::default() };
        pith::run::run(&opened, &options, &mut tally).unwrap();
        assert_eq!((tally.transcripts, tally.bytes), (4, on_disk), "run, {pass}");
    }
}
