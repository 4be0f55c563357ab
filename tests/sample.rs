//! The sample study end to end: the facts its interviews were written to contain must come
//! out of `pith run` (report.json) and `pith code` (passages, offsets, speakers, codes).

use serde_json::Value;

use crate::util::{char_slice, json_lines, pith, report_code, report_persona, TempStudy};

fn run_sample() -> (TempStudy, Value) {
    let study = TempStudy::sample();
    pith(["run".as_ref(), study.path().as_os_str()]).stdout();
    let report: Value = serde_json::from_str(&study.read("out/report.json")).expect("report.json parses");
    (study, report)
}

#[test]
fn report_has_both_personas_with_interview_counts() {
    let (study, report) = run_sample();
    assert_eq!(report["interviews"], 12);
    for name in ["Data Center Debbie", "Facilities Frank"] {
        let p = report_persona(&report, name);
        assert_eq!(p["interviews"], 6, "{name}");
        assert!(p["passages"].as_u64().unwrap_or(0) > 60, "{name}: {}", p["passages"]);
    }
    let md = study.read("out/report.md");
    assert!(md.contains("## Data Center Debbie in detail") && md.contains("## Facilities Frank in detail"));
}

#[test]
fn debbie_ranks_server_deployment_and_frank_shows_the_building_management_system() {
    let (study, report) = run_sample();
    let debbie = report_persona(&report, "Data Center Debbie");
    let frank = report_persona(&report, "Facilities Frank");

    let deploy = report_code(debbie, "job.server_deployment").expect("Debbie mentions server deployment");
    assert_eq!(deploy["interviews"], 6);
    assert!(report_code(frank, "job.server_deployment").is_none_or(|c| c["interviews"] == 0));
    let bms = report_code(frank, "responsibility.building_management").expect("Frank mentions the BMS");
    assert_eq!(bms["interviews"], 6);
    assert!(report_code(debbie, "responsibility.building_management").is_none_or(|c| c["interviews"] == 0));

    // Ranked: Debbie's codes are sorted by interviews, so server deployment is among those all six share.
    let rank = debbie["codes"].as_array().and_then(|cs| cs.iter().position(|c| c["code"] == "job.server_deployment"));
    let all_six = debbie["codes"].as_array().map_or(0, |cs| cs.iter().filter(|c| c["interviews"] == 6).count());
    assert!(rank.is_some_and(|r| r < all_six), "rank {rank:?} of {all_six}");

    // Both are called differences in the overview, with quotes in the detail.
    let distinct = |p: &Value, id: &str| {
        p["distinctive"]["codes"].as_array().is_some_and(|cs| {
            cs.iter().any(|c| c["code"] == id && c["significant"] == true && c["direction"] == "higher")
        })
    };
    assert!(distinct(debbie, "job.server_deployment"));
    assert!(distinct(frank, "responsibility.building_management"));
    assert!(!deploy["quotes"].as_array().is_none_or(|q| q.is_empty()));
    let md = study.read("out/report.md");
    assert!(md.contains("Deploying and installing servers") && md.contains("Building management system"));
}

#[test]
fn electricity_bill_is_shared_and_franks_negated_downtime_is_not_evidence() {
    let (_study, report) = run_sample();
    let golden: Vec<&str> =
        report["golden"].as_array().map(|g| g.iter().filter_map(|c| c["code"].as_str()).collect()).unwrap_or_default();
    assert!(golden.contains(&"need.energy_cost"), "golden: {golden:?}");
    let frank = report_persona(&report, "Facilities Frank");
    let downtime = report_code(frank, "risk.downtime").expect("Frank's negated downtime mention is reported");
    assert_eq!(downtime["interviews"], 0, "a negated mention is not evidence");
    assert!(downtime["negated"].as_u64().unwrap_or(0) >= 1);
    let debbie = report_persona(&report, "Data Center Debbie");
    assert!(report_code(debbie, "risk.downtime").is_some_and(|c| c["interviews"].as_u64().unwrap_or(0) >= 5));
}

#[test]
fn code_output_slices_the_document_text_and_names_speakers_roles_and_terms() {
    let study = TempStudy::sample();
    let rows = json_lines(&pith(["code".as_ref(), study.path().as_os_str()]).stdout());
    let docs = json_lines(&pith(["code".as_ref(), study.path().as_os_str(), "--documents".as_ref()]).stdout());
    assert_eq!(docs.len(), 12);
    let doc_of = |id: &str| -> String {
        docs.iter().find(|d| d["interview"] == id).and_then(|d| d["document"].as_str()).unwrap_or_default().to_string()
    };
    let mut checked = 0;
    for row in &rows {
        for key in ["interview", "participant", "persona", "passage", "speaker", "role", "text", "start", "end"] {
            assert!(row.get(key).is_some(), "missing {key} in {row}");
        }
        let doc = doc_of(row["interview"].as_str().unwrap_or_default());
        let (start, end) = (row["start"].as_u64().unwrap_or(0) as usize, row["end"].as_u64().unwrap_or(0) as usize);
        assert_eq!(char_slice(&doc, start, end), row["text"].as_str().unwrap_or_default());
        let speaker = row["speaker"].as_str().unwrap_or_default();
        let expected_role = if speaker == "Maya" { "interviewer" } else { "participant" };
        assert_eq!(row["role"], expected_role, "{speaker}");
        if expected_role == "participant" {
            assert!(row["question"].is_string(), "every answer follows one of Maya's questions");
        }
        for c in row["codes"].as_array().into_iter().flatten() {
            for m in c["matches"].as_array().into_iter().flatten() {
                let (s, e) = (m["start"].as_u64().unwrap_or(0) as usize, m["end"].as_u64().unwrap_or(0) as usize);
                assert_eq!(char_slice(&doc, s, e), m["text"].as_str().unwrap_or_default());
                checked += 1;
            }
            assert!(!c["terms"].as_array().is_none_or(|t| t.is_empty()) || c["negated"] == true);
        }
    }
    assert!(checked > 500, "only {checked} matches checked");

    // Kwame's sentence, as written: "Honestly, I'm not worried about downtime, ..."
    let kwame = rows
        .iter()
        .find(|r| {
            r["speaker"] == "Kwame" && r["text"].as_str().is_some_and(|t| t.contains("not worried about downtime"))
        })
        .expect("Kwame's passage");
    let downtime = kwame["codes"].as_array().and_then(|cs| cs.iter().find(|c| c["code"] == "risk.downtime"));
    let downtime = downtime.expect("downtime is tagged");
    assert_eq!(downtime["negated"], true);
    assert_eq!(downtime["terms"], serde_json::json!(["downtime"]));
}

#[test]
fn broken_lexicon_exits_1_naming_file_and_line_and_writes_nothing() {
    let study = TempStudy::sample();
    study.write("lexicons/broken.toml", "[[codes]]\nid = \"need.x\"\nterms = [\n  \"fine\",\n  \"*oops\",\n]\n");
    let (_, stderr) = pith(["run".as_ref(), study.path().as_os_str()]).status(1);
    assert!(stderr.contains("broken.toml:5:"), "{stderr}");
    assert!(!study.path().join("out").exists(), "nothing may be written");
    let (_, stderr) = pith(["lexicon".as_ref(), "check".as_ref(), study.path().join("lexicons").as_os_str()]).status(1);
    assert!(stderr.contains("broken.toml:5:") && stderr.contains("'*' may only end a word"), "{stderr}");

    study.write("lexicons/broken.toml", "[[codes]\nid = 1\n");
    let (_, stderr) = pith(["run".as_ref(), study.path().as_os_str()]).status(1);
    assert!(stderr.contains("broken.toml:1:") && stderr.contains("invalid TOML"), "{stderr}");
    assert!(!study.path().join("out").exists());
}
