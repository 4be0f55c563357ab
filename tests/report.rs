//! Integration tests: report (`pith report`, `pith run --format`, every output format).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{char_slice, json_lines, pith, repo, report_code, report_persona, TempStudy};

const DEBBIE: &str = "Data Center Debbie";
const FRANK: &str = "Facilities Frank";

/// Writes every format for a copy of the sample study; returns (study, out folder).
fn sample_report() -> (TempStudy, PathBuf) {
    let study = TempStudy::sample();
    let out = study.path().join("report-out");
    pith(["report".as_ref(), study.path().as_os_str(), "--out".as_ref(), out.as_os_str(), "-q".as_ref()]).stdout();
    (study, out)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn distinctive<'a>(persona: &'a Value, id: &str) -> Option<&'a Value> {
    persona["distinctive"]["codes"].as_array()?.iter().find(|c| c["code"] == id)
}

#[test]
fn sample_report_shows_the_core_differences_with_quotes() {
    let (_study, out) = sample_report();
    let report = read_json(&out.join("report.json"));
    let (debbie, frank) = (report_persona(&report, DEBBIE), report_persona(&report, FRANK));
    assert_eq!(debbie["interviews"], 6);
    assert_eq!(frank["interviews"], 6);

    // Only Debbie installs servers; only Frank runs the building management system.
    for (p, id) in [(debbie, "job.server_deployment"), (frank, "responsibility.building_management")] {
        let d = distinctive(p, id).unwrap_or_else(|| panic!("{id} not distinctive for {}", p["name"]));
        assert_eq!(d["significant"], true, "{d}");
        assert_eq!(d["direction"], "higher", "{d}");
        assert!(d["q_value"].as_f64().unwrap_or(1.0) < report["thresholds"]["difference_q"].as_f64().unwrap_or(0.0));
        let quotes =
            report_code(p, id).map(|c| c["quotes"].as_array().cloned().unwrap_or_default()).unwrap_or_default();
        assert!(!quotes.is_empty(), "{id} has no quote for {}", p["name"]);
    }
    // The same codes read as "lower" from the other side.
    let d = distinctive(frank, "job.server_deployment").expect("server deployment tested for Frank");
    assert_eq!((d["direction"].as_str(), d["interviews"].as_u64()), (Some("lower"), Some(0)));

    // Both care about electricity: golden, with quotes on both sides.
    let golden = report["golden"].as_array().expect("golden");
    let energy = golden.iter().find(|g| g["code"] == "need.energy_cost").expect("need.energy_cost is golden");
    assert_eq!(energy["prevalence"].as_array().map(Vec::len), Some(2));
    for p in [debbie, frank] {
        let c = report_code(p, "need.energy_cost").expect("energy cost coded");
        assert!(c["prevalence"].as_f64().unwrap_or(0.0) >= 0.5);
        assert!(!c["quotes"].as_array().expect("quotes").is_empty());
    }

    // Frank's downtime mention is negated ("not worried about downtime"): shown, never counted.
    let downtime = report_code(frank, "risk.downtime").expect("Frank's negated downtime mention is listed");
    assert_eq!(downtime["interviews"], 0, "{downtime}");
    assert_eq!(downtime["prevalence"].as_f64(), Some(0.0));
    assert!(downtime["negated"].as_u64().unwrap_or(0) >= 1, "{downtime}");
    assert!(downtime["quotes"].as_array().expect("quotes").is_empty());
}

#[test]
fn quotes_come_from_different_interviews_and_slice_back_to_their_passage() {
    let (study, out) = sample_report();
    let report = read_json(&out.join("report.json"));
    let documents: HashMap<String, String> =
        json_lines(&pith(["code".as_ref(), study.path().as_os_str(), "--documents".as_ref()]).stdout())
            .into_iter()
            .map(|d| {
                (d["interview"].as_str().unwrap_or("").to_string(), d["document"].as_str().unwrap_or("").to_string())
            })
            .collect();
    let mut quotes = 0;
    for p in report["personas"].as_array().expect("personas") {
        for c in p["codes"].as_array().expect("codes") {
            let list = c["quotes"].as_array().expect("quotes");
            let interviews: BTreeSet<&str> = list.iter().filter_map(|q| q["interview"].as_str()).collect();
            assert_eq!(interviews.len(), list.len(), "{} repeats an interview: {list:?}", c["code"]);
            for q in list {
                quotes += 1;
                let doc = &documents[q["interview"].as_str().expect("interview")];
                let passage = char_slice(doc, as_usize(&q["start"]), as_usize(&q["end"]));
                let tidy = passage.split_whitespace().collect::<Vec<_>>().join(" ");
                let text = q["text"].as_str().expect("text");
                for part in text.split('…').map(str::trim).filter(|s| !s.is_empty()) {
                    assert!(tidy.contains(part), "quote part {part:?} is not in its passage {tidy:?}");
                }
                assert!(text.split_whitespace().count() <= 90, "quote too long: {text}");
            }
        }
    }
    assert!(quotes > 50, "only {quotes} quotes");
}

fn as_usize(v: &Value) -> usize {
    v.as_u64().map_or_else(|| panic!("not a count: {v}"), |n| n as usize)
}

#[test]
fn saturation_accumulates_distinct_codes_in_interview_order() {
    let (_study, out) = sample_report();
    let report = read_json(&out.join("report.json"));
    for p in report["personas"].as_array().expect("personas") {
        let s = &p["saturation"];
        let cumulative: Vec<u64> =
            s["cumulative"].as_array().expect("cumulative").iter().filter_map(Value::as_u64).collect();
        let new: Vec<u64> = s["new_codes"].as_array().expect("new").iter().filter_map(Value::as_u64).collect();
        assert_eq!(cumulative.len(), as_usize(&p["interviews"]));
        let mut sum = 0;
        for (c, n) in cumulative.iter().zip(&new) {
            sum += n;
            assert_eq!(*c, sum);
        }
        let with_evidence = p["codes"].as_array().expect("codes").iter().filter(|c| c["interviews"] != 0).count();
        assert_eq!(cumulative.last().copied(), Some(with_evidence as u64));
        let status = s["status"].as_str().expect("status");
        let last_two_flat = new.len() >= 4 && new[new.len() - 2..].iter().all(|&n| n == 0);
        assert_eq!(status == "saturated", last_two_flat, "{s}");
        // Interview order follows the manifest's date column: Debbie's interviews are dated in id order.
        let order: Vec<&str> = s["order"].as_array().expect("order").iter().filter_map(Value::as_str).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }
}

#[test]
fn matrix_csv_agrees_with_report_json() {
    let (_study, out) = sample_report();
    let report = read_json(&out.join("report.json"));
    let mut csv = csv::Reader::from_path(out.join("matrix.csv")).expect("matrix.csv");
    let header: Vec<String> = csv.headers().expect("header").iter().map(str::to_string).collect();
    assert_eq!(&header[..3], ["code", "family", "label"]);
    assert_eq!(&header[3..], [DEBBIE, FRANK]);
    let mut rows = 0;
    for record in csv.records() {
        let record = record.expect("row");
        rows += 1;
        for (i, name) in header[3..].iter().enumerate() {
            let in_csv: f64 = record[3 + i].parse().expect("prevalence");
            let in_json = report_code(report_persona(&report, name), &record[0])
                .map_or(0.0, |c| c["prevalence"].as_f64().unwrap_or(-1.0));
            assert!((in_csv - in_json).abs() < 1e-4, "{} {name}: csv {in_csv} json {in_json}", &record[0]);
        }
    }
    assert_eq!(rows, report["codebook"].as_array().map_or(0, Vec::len));
    assert!(rows > 20);
}

#[test]
fn report_json_validates_against_the_documented_schema() {
    let (_study, out) = sample_report();
    crate::util::check_schema("docs/report.schema.json", &out.join("report.json"));
}

/// One coded selection of the qdpx: source text slice and the codes applied.
struct Selection {
    interview: String,
    start: usize,
    end: usize,
    slice: String,
    codes: BTreeSet<String>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| a.unescape_value().ok()).map(|v| v.to_string())
}

/// Reads study.qdpx: (code guid → code id from the codebook, selections with their source slices).
fn read_qdpx(path: &Path) -> (BTreeMap<String, String>, Vec<Selection>, String) {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("study.qdpx")).expect("a zip");
    let mut project = String::new();
    zip.by_name("project.qde").expect("project.qde").read_to_string(&mut project).expect("UTF-8");
    let mut sources: HashMap<String, String> = HashMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        if let Some(name) = f.name().strip_prefix("sources/").map(str::to_string) {
            let mut text = String::new();
            f.read_to_string(&mut text).expect("UTF-8 source");
            sources.insert(name, text);
        }
    }
    let mut codes = BTreeMap::new();
    let mut selections: Vec<Selection> = Vec::new();
    let (mut source, mut interview) = (String::new(), String::new());
    let mut reader = quick_xml::Reader::from_str(&project);
    loop {
        match reader.read_event().expect("well-formed project.qde") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"Code" => {
                    let name = attr(&e, "name").expect("code name");
                    // Codable codes are named "Label (family.name)".
                    if attr(&e, "isCodable").as_deref() == Some("true") {
                        let id = name.rsplit('(').next().and_then(|s| s.strip_suffix(')')).expect("id in name");
                        codes.insert(attr(&e, "guid").expect("guid"), id.to_string());
                    }
                }
                b"TextSource" => {
                    let path = attr(&e, "plainTextPath").expect("plainTextPath");
                    let file = path.strip_prefix("internal://").expect("internal source");
                    source = sources.get(file).unwrap_or_else(|| panic!("{file} not in the zip")).clone();
                    interview = attr(&e, "name").expect("source name");
                }
                b"PlainTextSelection" => {
                    let start: usize = attr(&e, "startPosition").and_then(|v| v.parse().ok()).expect("start");
                    let end: usize = attr(&e, "endPosition").and_then(|v| v.parse().ok()).expect("end");
                    assert!(start < end && end <= source.chars().count(), "{start}..{end} outside {interview}");
                    let slice = char_slice(&source, start, end);
                    selections.push(Selection {
                        interview: interview.clone(),
                        start,
                        end,
                        slice,
                        codes: BTreeSet::new(),
                    });
                }
                b"CodeRef" => {
                    let target = attr(&e, "targetGUID").expect("targetGUID");
                    selections.last_mut().expect("a coding inside a selection").codes.insert(target);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (codes, selections, project)
}

#[test]
fn qdpx_codings_slice_their_source_to_the_coded_passage() {
    let (study, out) = sample_report();
    let codes = check_qdpx_codings(study.path(), &out);
    // Frank's negated downtime is not exported as a coding.
    let (_, selections, _) = read_qdpx(&out.join("study.qdpx"));
    let downtime =
        codes.iter().find(|(_, id)| *id == "risk.downtime").map(|(g, _)| g.clone()).expect("risk.downtime in codebook");
    assert!(!selections.iter().any(|s| s.interview.starts_with("frank/") && s.codes.contains(&downtime)));
}

#[test]
fn qdpx_positions_count_characters_not_bytes() {
    // The fixture's eve.txt has accents, a dash and emoji before and inside coded passages.
    let study = TempStudy::new();
    crate::util::copy_dir(&repo().join("tests/fixtures/report/hostile"), study.path());
    let out = study.path().join("out");
    pith(["report".as_ref(), study.path().as_os_str(), "--format".as_ref(), "qdpx".as_ref(), "-q".as_ref()]).stdout();
    check_qdpx_codings(study.path(), &out);
    let (_, selections, _) = read_qdpx(&out.join("study.qdpx"));
    assert!(selections.iter().any(|s| s.slice.contains("ça coûte cher 💸")), "the non-ASCII passage is coded");
}

#[test]
fn qdpx_on_real_transcripts_slices_and_validates() {
    // A small folder of the shared corpus: Markdown interview notes with non-ASCII punctuation.
    let Some(shared) = crate::util::shared_dir("corpus/va-transition-discovery-2024") else { return };
    let study = shared.join("corpus/va-transition-discovery-2024");
    let out = TempStudy::new();
    pith([
        "report".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
        "--format".as_ref(),
        "qdpx,json".as_ref(),
        "-q".as_ref(),
    ])
    .stdout();
    check_qdpx_codings(&study, out.path());
    let (_, selections, project) = read_qdpx(&out.path().join("study.qdpx"));
    assert!(selections.len() > 10, "only {} coded passages", selections.len());
    if Command::new("xmllint").arg("--version").output().is_ok() {
        let qde = out.path().join("project.qde");
        std::fs::write(&qde, project).expect("write project.qde");
        let xsd = shared.join("refi/Project-mrt2019.xsd");
        let run = Command::new("xmllint").arg("--noout").arg("--schema").arg(xsd).arg(&qde).output().expect("xmllint");
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    }
}

/// Every selection of `out/study.qdpx` slices its source to a passage of `pith code`, and carries
/// exactly the codes it counts as evidence. Returns code guid → id.
fn check_qdpx_codings(study: &Path, out: &Path) -> BTreeMap<String, String> {
    let (codes, selections, _) = read_qdpx(&out.join("study.qdpx"));
    let passages = json_lines(&pith(["code".as_ref(), study.as_os_str()]).stdout());
    let by_position: HashMap<(String, usize), &Value> = passages
        .iter()
        .map(|p| ((p["interview"].as_str().unwrap_or("").to_string(), as_usize(&p["start"])), p))
        .collect();
    let mut coded_passages = 0;
    for p in &passages {
        coded_passages += usize::from(p["codes"].as_array().is_some_and(|c| c.iter().any(|c| c["evidence"] == true)));
    }
    assert_eq!(selections.len(), coded_passages, "one selection per passage with evidence");
    for s in &selections {
        let p = by_position
            .get(&(s.interview.clone(), s.start))
            .unwrap_or_else(|| panic!("no passage at {}:{}", s.interview, s.start));
        assert_eq!(as_usize(&p["end"]), s.end);
        assert_eq!(s.slice, p["text"].as_str().expect("text"), "selection text differs from the passage");
        let applied: BTreeSet<&str> = s
            .codes
            .iter()
            .map(|g| codes.get(g).unwrap_or_else(|| panic!("coding refers to unknown code {g}")).as_str())
            .collect();
        let evidence: BTreeSet<&str> = p["codes"]
            .as_array()
            .expect("codes")
            .iter()
            .filter(|c| c["evidence"] == true)
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert_eq!(applied, evidence, "{}:{}", s.interview, s.start);
    }
    codes
}

#[test]
fn qdpx_is_reproducible_byte_for_byte() {
    let (study, out) = sample_report();
    let again = study.path().join("again");
    pith([
        "report".as_ref(),
        study.path().as_os_str(),
        "--out".as_ref(),
        again.as_os_str(),
        "--format".as_ref(),
        "qdpx".as_ref(),
        "-q".as_ref(),
    ])
    .stdout();
    for f in ["study.qdpx", "codebook.qdc"] {
        assert!(
            std::fs::read(out.join(f)).expect(f) == std::fs::read(again.join(f)).expect(f),
            "{f} differs between runs"
        );
    }
}

#[test]
fn qdpx_and_qdc_validate_against_the_refi_schemas() {
    let Some(shared) = crate::util::shared_dir("refi") else { return };
    let refi = shared.join("refi");
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("skipping: xmllint missing (.ci/run installs libxml2-utils)");
        return;
    }
    // The sample study, and the fixture whose names, labels and text are markup and non-ASCII.
    let (_sample, sample_out) = sample_report();
    let hostile = TempStudy::new();
    crate::util::copy_dir(&repo().join("tests/fixtures/report/hostile"), hostile.path());
    pith(["report".as_ref(), hostile.path().as_os_str(), "--format".as_ref(), "qdpx".as_ref(), "-q".as_ref()]).stdout();
    for out in [sample_out, hostile.path().join("out")] {
        let (_, _, project) = read_qdpx(&out.join("study.qdpx"));
        let qde = out.join("project.qde");
        std::fs::write(&qde, project).expect("write project.qde");
        for (xsd, file) in [("Project-mrt2019.xsd", qde), ("Codebook-mrt2019.xsd", out.join("codebook.qdc"))] {
            let run = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(refi.join(xsd))
                .arg(&file)
                .output()
                .expect("xmllint");
            assert!(
                run.status.success(),
                "{} does not validate against {xsd}:\n{}",
                file.display(),
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }
}

#[test]
fn codebook_nests_codes_under_their_parent() {
    use quick_xml::events::Event;
    // The fixture's lexicons/nested.toml puts need.cost.power_bill under need.cost.
    let study = TempStudy::new();
    crate::util::copy_dir(&repo().join("tests/fixtures/report/hostile"), study.path());
    pith(["report".as_ref(), study.path().as_os_str(), "--format".as_ref(), "qdpx".as_ref(), "-q".as_ref()]).stdout();
    let qdc = study.read("out/codebook.qdc");
    let mut reader = quick_xml::Reader::from_str(&qdc);
    let (mut stack, mut parent_of) = (Vec::<String>::new(), HashMap::<String, String>::new());
    loop {
        match reader.read_event().expect("well-formed codebook.qdc") {
            Event::Start(e) if e.name().as_ref() == b"Code" => {
                let name = attr(&e, "name").expect("name");
                parent_of.insert(name.clone(), stack.last().cloned().unwrap_or_default());
                stack.push(name);
            }
            Event::Empty(e) if e.name().as_ref() == b"Code" => {
                parent_of.insert(attr(&e, "name").expect("name"), stack.last().cloned().unwrap_or_default());
            }
            Event::End(e) if e.name().as_ref() == b"Code" => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(parent_of[r#"Power <bill> & "co" (need.cost.power_bill)"#], "Price and cost of ownership (need.cost)");
    assert_eq!(parent_of["Price and cost of ownership (need.cost)"], "Needs");
    assert_eq!(parent_of["Needs"], "");
}

#[test]
fn html_and_markdown_escape_every_transcript_string() {
    let study = TempStudy::new();
    crate::util::copy_dir(&repo().join("tests/fixtures/report/hostile"), study.path());
    let out = study.path().join("out");
    pith(["report".as_ref(), study.path().as_os_str(), "-q".as_ref()]).stdout();
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let lower = html.to_lowercase();
    for forbidden in ["<script", "<img", "<b>", "<i>", "href=", "onerror=alert", "http-equiv=\"refresh\"", "src=\"http"]
    {
        let ok = match forbidden {
            "onerror=alert" => !lower.contains("<img src=x onerror=alert"),
            // The brief links its quotes to themselves, in the page; nothing else is a link.
            "href=" => lower.matches("href=").count() == lower.matches("href=\"#").count(),
            _ => !lower.contains(forbidden),
        };
        assert!(ok, "report.html contains {forbidden}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the script text is shown as text");
    assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt;"), "participant name escaped");
    assert!(html.contains("Ops &lt;i&gt;Olga&lt;/i&gt;"), "persona escaped");
    assert!(html.contains("[click here](http://evil.example/x)"), "a Markdown link stays text in HTML");
    assert!(html.contains("Content-Security-Policy"), "the page forbids every fetch and script");
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "markdown escapes inline HTML");
    assert!(md.contains("\\[click here\\](http://evil.example/x)"), "markdown escapes links");
    assert!(!md.contains("<script>") && !md.contains("<b>Eve"), "raw markup left in report.md");
}

#[test]
fn by_attribute_groups_by_a_manifest_column() {
    let study = TempStudy::sample();
    let out = study.path().join("by-segment");
    pith([
        "report".as_ref(),
        study.path().as_os_str(),
        "--by".as_ref(),
        "segment".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-q".as_ref(),
    ])
    .stdout();
    let report = read_json(&out.join("report.json"));
    assert_eq!(report["group_by"], "segment");
    let names: BTreeSet<&str> =
        report["personas"].as_array().expect("groups").iter().filter_map(|p| p["name"].as_str()).collect();
    // participants.csv: enterprise x3, public sector x3, healthcare x2, and four single segments.
    assert!(
        names.contains("enterprise") && names.contains("public sector") && names.contains("healthcare"),
        "{names:?}"
    );
    assert_eq!(report_persona(&report, "enterprise")["interviews"], 3);
    assert_eq!(report_persona(&report, "public sector")["interviews"], 3);
    assert_eq!(names.len(), 7, "{names:?}");
    // Groups of one or two interviews cannot show a difference: flagged as too small to tell.
    assert_eq!(report_persona(&report, "healthcare")["distinctive"]["small_sample"], true);
    let total: u64 =
        report["personas"].as_array().expect("groups").iter().filter_map(|p| p["interviews"].as_u64()).sum();
    assert_eq!(total, 12);
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 1, "only report.json was asked for");
}

#[test]
fn by_an_unknown_attribute_is_an_error() {
    let study = TempStudy::sample();
    let (_, stderr) =
        pith(["report".as_ref(), study.path().as_os_str(), "--by".as_ref(), "shoe_size".as_ref()]).status(1);
    assert!(stderr.contains("shoe_size"), "{stderr}");
    assert!(!study.path().join("out").exists(), "nothing written");
}

#[test]
fn format_chooses_the_files_written() {
    let study = TempStudy::sample();
    let out = study.path().join("some");
    pith([
        "run".as_ref(),
        study.path().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--format".as_ref(),
        "csv,qdpx,html".as_ref(),
        "-q".as_ref(),
    ])
    .stdout();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["codebook.qdc", "matrix.csv", "report.html", "study.qdpx"]);
    let (_, stderr) =
        pith(["report".as_ref(), study.path().as_os_str(), "--format".as_ref(), "md,pdf".as_ref()]).status(1);
    assert!(stderr.contains("pdf") && stderr.contains("qdpx"), "names the bad format and the known ones: {stderr}");
}

#[test]
fn report_defaults_to_every_format_in_study_out() {
    let study = TempStudy::sample();
    pith(["report".as_ref(), study.path().as_os_str(), "-q".as_ref()]).stdout();
    for f in ["report.md", "report.html", "report.json", "matrix.csv", "study.qdpx", "codebook.qdc"] {
        assert!(study.path().join("out").join(f).is_file(), "{f} missing");
    }
    let md = study.read("out/report.md");
    let overview = md.find("## Overview").expect("overview");
    let detail = md.find("in detail").expect("detail");
    assert!(overview < detail, "overview comes before the detail");
}

#[test]
fn one_thread_and_several_write_the_same_files() {
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let study = TempStudy::sample();
        pith(["--threads", threads, "-q", "run", study.path().to_str().unwrap()]).stdout();
        let out = study.path().join("out");
        let mut files = BTreeMap::new();
        for name in ["report.md", "report.html", "report.json", "matrix.csv", "study.qdpx", "codebook.qdc"] {
            files.insert(name, std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
        }
        let hits =
            pith(["search", study.path().to_str().unwrap(), "chiller", "--json", "--role", "any", "--limit", "500"])
                .stdout();
        outputs.push((files, hits, study));
    }
    let (one, one_hits, _) = &outputs[0];
    let (three, three_hits, _) = &outputs[1];
    for (name, bytes) in one {
        assert!(bytes == &three[name], "{name} differs between --threads 1 and --threads 3");
    }
    assert!(!one_hits.is_empty());
    assert_eq!(one_hits, three_hits);
}
