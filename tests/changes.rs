//! What changed since the last run: the report's `changes` section and `pith diff`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::{check_schema, pith, TempStudy};

/// A Data Center Debbie interview the sample study does not have.
const NEW_INTERVIEW: &str = "\
Maya: Thanks for joining, Joanna. Could you start with your role?
Joanna: Sure. I run the data center for Kestrel Insurance, one site, about two megawatts, and a team of five. I came up through the network side, so cooling was never my thing until it became my problem.
Maya: What does a normal week look like?
Joanna: Change windows on Tuesday, a vendor walk-through most Thursdays, and in between I am deploying servers for the claims platform. The business keeps buying bigger boxes and I keep finding room for them.
Maya: What worries you most?
Joanna: Honestly, running out of cooling before we run out of space. We had a hot spot last spring in the back row and nobody could tell me how much headroom we had left. I had to guess, and I hate guessing.
Maya: Who gets involved when you buy something like cooling equipment?
Joanna: Facilities owns the chillers, so they have to agree. Procurement runs the bid, and anything big goes to our CFO, who wants a payback period. And the incumbent vendor always shows up with a discount the week we talk to anyone else.
Maya: What would success look like for you?
Joanna: My boss told the board we deployed the new claims cluster in a week, and that got noticed. I want that every time. I need to see, per rack, what capacity I have left, so I can say yes to the business without risking an outage.
";

fn run(study: &Path) -> Value {
    pith(["run".as_ref(), study.as_os_str(), "-q".as_ref()]).stdout();
    let text = std::fs::read_to_string(study.join("out/report.json")).expect("report.json");
    serde_json::from_str(&text).expect("JSON")
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

fn persona<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["personas"].as_array()?.iter().find(|p| p["name"] == name)
}

fn significant(p: &Value) -> BTreeSet<String> {
    let codes = p["distinctive"]["codes"].as_array().expect("distinctive codes");
    codes.iter().filter(|d| d["significant"] == true).map(|d| d["code"].as_str().expect("code").to_string()).collect()
}

fn codes(p: &Value) -> Vec<(String, f64, u64)> {
    p["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            let id = c["code"].as_str().expect("code").to_string();
            (id, c["prevalence"].as_f64().expect("prevalence"), c["interviews"].as_u64().expect("interviews"))
        })
        .collect()
}

fn quotes(p: &Value) -> BTreeSet<(String, String, u64)> {
    let mut out = BTreeSet::new();
    for c in p["codes"].as_array().expect("codes") {
        for q in c["quotes"].as_array().expect("quotes") {
            let interview = q["interview"].as_str().expect("interview").to_string();
            out.insert((
                c["code"].as_str().expect("code").to_string(),
                interview,
                q["passage"].as_u64().expect("passage"),
            ));
        }
    }
    out
}

/// What moved in one persona between two reports, worked out here from the reports themselves.
struct Expected {
    added: BTreeSet<String>,
    removed: BTreeSet<String>,
    became: BTreeSet<String>,
    stopped: BTreeSet<String>,
    prevalence: BTreeSet<String>,
    quotes: BTreeSet<(String, String, u64)>,
    saturation: bool,
}

fn expected(before: &Value, after: &Value) -> Expected {
    let order = |p: &Value| strings(&p["saturation"]["order"]);
    let (sig0, sig1) = (significant(before), significant(after));
    let n = before["interviews"].as_u64().expect("n").max(after["interviews"].as_u64().expect("n")) as f64;
    let (c0, c1) = (codes(before), codes(after));
    let prevalence_of = |cs: &[(String, f64, u64)], id: &str| cs.iter().find(|c| c.0 == id).map_or(0.0, |c| c.1);
    let ids: BTreeSet<&String> = c0.iter().chain(&c1).map(|c| &c.0).collect();
    let last = |p: &Value| {
        (p["saturation"]["status"].clone(), p["saturation"]["cumulative"].as_array().and_then(|a| a.last().cloned()))
    };
    Expected {
        added: order(after).difference(&order(before)).cloned().collect(),
        removed: order(before).difference(&order(after)).cloned().collect(),
        became: sig1.difference(&sig0).cloned().collect(),
        stopped: sig0.difference(&sig1).cloned().collect(),
        prevalence: ids
            .into_iter()
            .filter(|id| (prevalence_of(&c1, id) - prevalence_of(&c0, id)).abs() * n > 1.0 + 1e-6)
            .cloned()
            .collect(),
        quotes: quotes(after).difference(&quotes(before)).cloned().collect(),
        saturation: last(before) != last(after),
    }
}

fn codes_of(v: &Value) -> BTreeSet<String> {
    v.as_array().expect("list").iter().map(|d| d["code"].as_str().expect("code").to_string()).collect()
}

#[test]
fn adding_an_interview_names_exactly_what_moved() {
    let study = TempStudy::sample();
    let first = run(study.path());
    let changes = &first["changes"];
    assert!(changes["earlier"].is_null(), "a first run has nothing to compare with: {changes}");
    assert!(study.read("out/report.md").contains("No earlier run to compare with."));

    study.write("transcripts/debbie/debbie-07-insurance.txt", NEW_INTERVIEW);
    let manifest = study.read("participants.csv");
    let row =
        "debbie/debbie-07-insurance.txt,Joanna,Data Center Debbie,Joanna,enterprise,Kestrel Insurance,1,2026-03-23\n";
    study.write("participants.csv", format!("{manifest}{row}"));
    let second = run(study.path());
    check_schema("docs/report.schema.json", &study.path().join("out/report.json"));
    let changes = &second["changes"];
    assert_eq!(changes["earlier"]["interviews"], 12);
    assert_eq!(changes["lexicon_changed"], false);
    assert_eq!(strings(&changes["personas_added"]), BTreeSet::new());

    let golden = |r: &Value| codes_of(&r["golden"]);
    let became: BTreeSet<String> = golden(&second).difference(&golden(&first)).cloned().collect();
    let stopped: BTreeSet<String> = golden(&first).difference(&golden(&second)).cloned().collect();
    assert_eq!(strings(&changes["golden_added"]), became);
    assert_eq!(strings(&changes["golden_removed"]), stopped);

    let listed = changes["personas"].as_array().expect("personas");
    for name in ["Data Center Debbie", "Facilities Frank"] {
        let e = expected(persona(&first, name).expect("before"), persona(&second, name).expect("after"));
        let moved = e.added.len()
            + e.removed.len()
            + e.became.len()
            + e.stopped.len()
            + e.prevalence.len()
            + e.quotes.len()
            + usize::from(e.saturation);
        let Some(got) = listed.iter().find(|p| p["name"] == name) else {
            assert_eq!(moved, 0, "{name} moved but is not listed");
            continue;
        };
        assert_eq!(strings(&got["interviews_added"]), e.added, "{name}");
        assert_eq!(strings(&got["interviews_removed"]), e.removed, "{name}");
        assert_eq!(codes_of(&got["differences_added"]), e.became, "{name}");
        assert_eq!(codes_of(&got["differences_removed"]), e.stopped, "{name}");
        assert_eq!(codes_of(&got["prevalence"]), e.prevalence, "{name}");
        let got_quotes: BTreeSet<(String, String, u64)> = got["quotes_added"]
            .as_array()
            .expect("quotes")
            .iter()
            .map(|q| {
                let (code, interview) = (q["code"].as_str().expect("code"), q["interview"].as_str().expect("id"));
                (code.to_string(), interview.to_string(), q["passage"].as_u64().expect("passage"))
            })
            .collect();
        assert_eq!(got_quotes, e.quotes, "{name}");
        assert_eq!(!got["saturation"].is_null(), e.saturation, "{name}");
    }
    // The interview went to Debbie alone, and some of its quotes are shown.
    let debbie = listed.iter().find(|p| p["name"] == "Data Center Debbie").expect("Debbie moved");
    assert_eq!(strings(&debbie["interviews_added"]), BTreeSet::from(["debbie/debbie-07-insurance".to_string()]));
    let quoted = debbie["quotes_added"].as_array().expect("quotes");
    assert!(quoted.iter().any(|q| q["interview"] == "debbie/debbie-07-insurance"), "{debbie}");
    if let Some(frank) = listed.iter().find(|p| p["name"] == "Facilities Frank") {
        assert_eq!(strings(&frank["interviews_added"]), BTreeSet::new());
    }
    let md = study.read("out/report.md");
    assert!(md.contains("Interviews added: debbie/debbie-07-insurance."), "{md}");
    assert!(study.read("out/report.html").contains("What changed since the last run"));

    // pith diff of the two reports says the same as the run did.
    let old = study.path().join("first.json");
    std::fs::write(&old, serde_json::to_vec(&first).expect("json")).expect("write");
    let new = study.path().join("out/report.json");
    let diffed: Value =
        serde_json::from_str(&pith(["diff".as_ref(), old.as_os_str(), new.as_os_str(), "--json".as_ref()]).stdout())
            .expect("diff --json");
    assert_eq!(&diffed, changes);
}

#[test]
fn pith_report_keeps_nothing_in_the_study() {
    let study = TempStudy::sample();
    let out = tempfile::tempdir().expect("temp");
    pith(["report".as_ref(), study.path().as_os_str(), "--out".as_ref(), out.path().as_os_str(), "-q".as_ref()])
        .stdout();
    assert!(!study.path().join(".pith").exists());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).expect("read")).expect("JSON");
    assert!(report["changes"]["earlier"].is_null());
}

#[test]
fn a_report_compared_with_itself_has_no_changes() {
    let study = TempStudy::sample();
    let report = run(study.path());
    let path = study.path().join("out/report.json");
    let text = pith(["diff".as_ref(), path.as_os_str(), path.as_os_str()]).stdout();
    assert!(text.contains("No changes."), "{text}");
    assert!(!text.contains("Interviews") && !text.contains("Now a difference"), "{text}");
    let json: Value =
        serde_json::from_str(&pith(["diff".as_ref(), path.as_os_str(), path.as_os_str(), "--json".as_ref()]).stdout())
            .expect("JSON");
    assert_eq!(json["earlier"]["interviews"], report["interviews"]);
    for key in ["personas", "personas_added", "personas_removed", "golden_added", "golden_removed"] {
        assert_eq!(json[key], Value::Array(vec![]), "{key}");
    }

    // A second report of unchanged transcripts says so.
    let again = study.path().join("again");
    pith(["report".as_ref(), study.path().as_os_str(), "--out".as_ref(), again.as_os_str(), "-q".as_ref()]).stdout();
    let second: Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("report.json")).expect("read")).expect("JSON");
    assert_eq!(second["changes"]["personas"], Value::Array(vec![]));
    assert!(std::fs::read_to_string(again.join("report.md")).expect("md").contains("No changes."));
}

#[test]
fn diff_refuses_files_that_are_not_pith_reports_of_this_version() {
    let study = TempStudy::new();
    let other = study.write("package.json", "{\n  \"name\": \"x\"\n}\n");
    let broken = study.write("broken.json", "{\n  \"schema_version\": 1,\n  \"personas\": [\n");
    let future = study.write("future.json", "{\"schema_version\": 2, \"personas\": []}");
    for (file, says) in [
        (&other, "not a pith report.json: no schema_version"),
        (&broken, "broken.json:4:"),
        (&future, "schema version 2"),
    ] {
        let (_, err) = pith(["diff".as_ref(), file.as_os_str(), file.as_os_str()]).status(1);
        assert!(err.contains(says) && err.contains(&*file.file_name().expect("name").to_string_lossy()), "{err}");
    }
}

/// `pith run` keeps only what the next run compares: a diff of the kept file against the report
/// it came from finds nothing, and the file is a fraction of report.json's size.
#[test]
fn the_kept_report_holds_what_is_compared_in_a_fraction_of_the_bytes() {
    let study = TempStudy::sample();
    run(study.path());
    let reports: Vec<std::path::PathBuf> = std::fs::read_dir(study.path().join(".pith/reports"))
        .expect("kept reports")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let (kept, full) = (&reports[0], study.path().join("out/report.json"));
    let size = |p: &Path| std::fs::metadata(p).expect("size").len();
    assert!(size(kept) * 2 < size(&full), "{} against {}", size(kept), size(&full));
    let json: Value =
        serde_json::from_str(&pith(["diff".as_ref(), kept.as_os_str(), full.as_os_str(), "--json".as_ref()]).stdout())
            .expect("JSON");
    for key in ["personas", "personas_added", "personas_removed", "golden_added", "golden_removed"] {
        assert_eq!(json[key], Value::Array(vec![]), "{key}");
    }
}
