//! Integration tests: the persona brief (`brief.md`, the first part of `report.html`, the
//! `brief` of `report.json`) on the sample study and on real interviews from `../shared/corpus`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{json_lines, pith, shared_corpus, TempStudy};

fn report(study: &Path) -> Value {
    let out = study.join("out");
    pith(["report".as_ref(), study.as_os_str(), "--out".as_ref(), out.as_os_str(), "-q".as_ref()]).stdout();
    let text = std::fs::read_to_string(out.join("report.json")).unwrap_or_else(|e| panic!("report.json: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report.json: {e}"))
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn brief<'a>(report: &'a Value, persona: &str) -> &'a Value {
    arr(&report["brief"]).iter().find(|b| b["persona"] == persona).unwrap_or_else(|| panic!("no brief for {persona}"))
}

/// The words of `text`, lowercased, one space apart, without ellipses or curly quotes.
fn words(text: &str) -> String {
    text.replace('…', " ").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn highlighted(q: &Value) -> Option<String> {
    let [s, e] = [q["highlight"][0].as_u64()?, q["highlight"][1].as_u64()?];
    Some(q["text"].as_str()?.chars().skip(s as usize).take((e - s) as usize).collect())
}

/// Every statement's count is its evidence's length and the persona's count of the code in
/// report.json; every quote of a statement is from an interview of its evidence.
fn check_counts(report: &Value) {
    for b in arr(&report["brief"]) {
        let persona = arr(&report["personas"]).iter().find(|p| p["name"] == b["persona"]).expect("persona of brief");
        for s in arr(&b["sections"]) {
            for st in arr(&s["statements"]) {
                let code = arr(&persona["codes"]).iter().find(|c| c["code"] == st["code"]).expect("code of statement");
                assert_eq!(st["interviews"], code["interviews"], "{st}");
                assert_eq!(st["interviews"].as_u64(), Some(arr(&st["evidence"]).len() as u64), "{st}");
                assert_eq!(code["weak"], false, "a weak code is stated: {st}");
                let text = st["text"].as_str().unwrap_or_default();
                assert!(text.starts_with(&format!("{} of {} ", st["interviews"], st["of"])), "{text}");
                let evidence: BTreeSet<&str> =
                    arr(&st["evidence"]).iter().filter_map(|e| e["interview"].as_str()).collect();
                for q in arr(&st["quotes"]) {
                    assert!(evidence.contains(q["interview"].as_str().unwrap_or_default()), "{q} not in {evidence:?}");
                }
            }
        }
    }
}

#[test]
fn sample_brief_reads_like_the_seed_with_counts_that_match_report_json() {
    let study = TempStudy::sample();
    let report = report(study.path());
    check_counts(&report);
    let transcript = |interview: &str| {
        let path = study.path().join("transcripts").join(format!("{interview}.txt"));
        words(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    };
    // The seed: only Debbie installs servers (and fears downtime while doing it); only Frank
    // knows the building management system.
    let core = |persona: &str| -> BTreeMap<String, (bool, u64)> {
        arr(&brief(&report, persona)["differences"])
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    (d["only"] == true, d["interviews"].as_u64().unwrap_or(0)),
                )
            })
            .collect()
    };
    let debbie = core("Data Center Debbie");
    assert_eq!(debbie.get("job.server_deployment"), Some(&(true, 6)), "{debbie:?}");
    assert_eq!(debbie.get("risk.downtime"), Some(&(true, 6)), "{debbie:?}");
    assert!(!debbie.contains_key("responsibility.building_management"));
    let frank = core("Facilities Frank");
    assert_eq!(frank.get("responsibility.building_management"), Some(&(true, 6)), "{frank:?}");
    assert!(!frank.contains_key("job.server_deployment") && !frank.contains_key("risk.downtime"));
    let lexicon = pith::lexicon::Lexicon::load(&pith::analyze::Analyzer::new(pith::analyze::Language::English), &[])
        .unwrap_or_else(|e| panic!("{e:?}"));
    for persona in ["Data Center Debbie", "Facilities Frank"] {
        let b = brief(&report, persona);
        let titles: Vec<&str> = arr(&b["sections"]).iter().filter_map(|s| s["section"].as_str()).collect();
        assert_eq!(titles, ["ecosystem", "responsibility", "reward", "risk", "need", "job", "uncertainty"]);
        for s in arr(&b["sections"]) {
            let statements = arr(&s["statements"]);
            assert!((1..=5).contains(&statements.len()), "{persona} {}: {} statements", s["section"], statements.len());
            for st in statements {
                // A built-in code is worded as its lexicon says ("fear downtime"), after the count.
                let says = lexicon.code(st["code"].as_str().unwrap_or_default()).and_then(|c| c.says.as_deref());
                if let Some(says) = says {
                    let text = st["text"].as_str().unwrap_or_default();
                    let count = format!("{} of {} ", st["interviews"], st["of"]);
                    assert!(text.starts_with(&count) && text.contains(&format!("s {says}")), "{text} / {says}");
                }
                let quotes = arr(&st["quotes"]);
                assert!((1..=2).contains(&quotes.len()), "{st}");
                for q in quotes {
                    // The quote and its highlighted match are the participant's words in that transcript.
                    let doc = transcript(q["interview"].as_str().unwrap_or_default());
                    let text = words(q["text"].as_str().unwrap_or_default());
                    assert!(doc.contains(&text), "{persona}: quote not in its transcript: {text}");
                    let mark = highlighted(q).map(|m| words(&m)).unwrap_or_default();
                    assert!(!mark.is_empty() && text.contains(&mark), "{q}");
                }
            }
        }
        let stories = arr(&b["stories"]);
        assert!(!stories.is_empty(), "{persona}: no user story");
        for s in stories {
            let text = s["text"].as_str().unwrap_or_default();
            assert!(text.starts_with("When ") || text.starts_with("I want to "), "{text}");
            assert!(text.contains(" so that ") || text.contains(" in order to "), "{text}");
        }
    }
    // Debbies speak of downtime in every interview; the brief's risk statement says so with a quote about it.
    let risks = arr(&brief(&report, "Data Center Debbie")["sections"])
        .iter()
        .find(|s| s["section"] == "risk")
        .map(|s| arr(&s["statements"]).to_vec())
        .unwrap_or_default();
    let downtime = risks.iter().find(|s| s["code"] == "risk.downtime").expect("downtime statement");
    assert!(
        downtime["text"].as_str().unwrap_or_default().starts_with("6 of 6 Data Center Debbies fear downtime"),
        "{downtime}"
    );
    for q in arr(&downtime["quotes"]) {
        let mark = highlighted(q).unwrap_or_default().to_lowercase();
        assert!(
            [
                "downtime",
                "outage",
                "uptime",
                "went down",
                "goes down",
                "go down",
                "crash",
                "incident",
                "reliability",
                "redundancy"
            ]
            .iter()
            .any(|t| mark.contains(t)),
            "{q}"
        );
        assert!(!q["text"].as_str().unwrap_or_default().contains("energy cost"), "{q}");
    }
    // The REFI-QDA project carries every statement as a note in a set per persona, with its evidence.
    let file = std::fs::File::open(study.path().join("out/study.qdpx")).expect("study.qdpx");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut project = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").expect("project.qde"), &mut project).expect("UTF-8");
    let statements: usize = arr(&report["brief"])
        .iter()
        .map(|b| {
            arr(&b["differences"]).len()
                + arr(&b["sections"]).iter().map(|s| arr(&s["statements"]).len()).sum::<usize>()
        })
        .sum();
    assert_eq!(project.matches("<Note ").count(), statements);
    assert_eq!(project.matches("<MemberNote ").count(), statements);
    assert!(project.contains("<Set guid=") && project.contains("name=\"Brief: Facilities Frank\""));
    assert!(project.contains("Evidence: debbie/debbie-0"), "notes name their evidence");
    let md = study.read("out/brief.md");
    assert!(md.contains("Only Data Center Debbies fear downtime:"), "{md}");
    assert!(md.contains("Only Facilities Franks run the building management system"), "{md}");
}

/// Headless Chromium, when installed (CI installs it: there its absence fails).
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("CI").is_err(), "CI=true but no Chromium at {}", path.display());
    eprintln!("skipped: no Chromium at {}", path.display());
    None
}

#[test]
fn sample_brief_prints_on_about_one_page_per_persona() {
    let Some(chromium) = chromium() else { return };
    let study = TempStudy::sample();
    let report = report(study.path());
    let html = study.read("out/report.html");
    let end = html.find("<!-- end of brief -->").expect("end of brief marker");
    let page = study.write("brief.html", format!("{}</main></body></html>", &html[..end]));
    let pdf = study.path().join("brief.pdf");
    let profile = tempfile::tempdir().expect("profile");
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let bytes =
        std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let personas = arr(&report["brief"]).len();
    // One page per persona, and the page of the title and the method note.
    assert!(pages >= personas && pages <= personas + 1, "{pages} pages for {personas} personas");
}

/// A study folder in a temp dir from corpus files, with a participants.csv of (file, persona).
fn corpus_study(dir: &Path, files: &[(std::path::PathBuf, String)]) -> TempStudy {
    let study = TempStudy::new();
    let mut csv = String::from("transcript,persona\n");
    for (path, persona) in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let name = if name.contains('.') { name } else { format!("{name}.md") };
        study.write(&format!("transcripts/{name}"), std::fs::read(dir.join(path)).expect("read corpus file"));
        csv.push_str(&format!("{name},{persona}\n"));
    }
    study.write("participants.csv", csv);
    study
}

/// No golden or top theme is a weak code, no quote's counting match is negated or the
/// interviewer's, and job statements have their shape.
fn check_real(study: &TempStudy) {
    let report = report(study.path());
    check_counts(&report);
    let weak: BTreeSet<&str> = arr(&report["personas"])
        .iter()
        .flat_map(|p| arr(&p["codes"]).iter())
        .filter(|c| c["weak"] == true)
        .filter_map(|c| c["code"].as_str())
        .collect();
    for g in arr(&report["golden"]) {
        assert!(!weak.contains(g["code"].as_str().unwrap_or_default()), "weak golden theme {g}");
    }
    let md = study.read("out/report.md");
    let weak_labels: BTreeSet<&str> = arr(&report["codebook"])
        .iter()
        .filter(|c| weak.contains(c["code"].as_str().unwrap_or_default()))
        .filter_map(|c| c["label"].as_str())
        .collect();
    for line in md.lines().filter(|l| l.starts_with("- Top themes: ")) {
        for label in &weak_labels {
            assert!(!line.contains(&format!("{label} (")), "weak top theme {label}: {line}");
        }
    }
    let rows = json_lines(&pith(["code".as_ref(), study.path().as_os_str()]).stdout());
    let passages: BTreeMap<(String, u64), &Value> = rows
        .iter()
        .map(|r| ((r["interview"].as_str().unwrap_or_default().to_string(), r["passage"].as_u64().unwrap_or(0)), r))
        .collect();
    let mut checked = 0;
    let mut check = |q: &Value, family: &str, code: Option<&str>| {
        let key = (q["interview"].as_str().unwrap_or_default().to_string(), q["passage"].as_u64().unwrap_or(0));
        let row = passages.get(&key).unwrap_or_else(|| panic!("no passage {key:?}"));
        assert!(row["role"] == "participant" || row["role"] == "unknown", "interviewer speech quoted: {q}");
        assert!(arr(&row["evidence"]).iter().any(|f| f == family), "{family} is not evidence in {key:?}: {q}");
        // A question put to the participant, kept in their turn by the notes, is the interviewer's.
        let text = q["text"].as_str().unwrap_or_default().trim_start_matches("… ");
        let first = text.find(['.', '?', '!']).map_or(text, |i| &text[..=i]);
        let addressed = first.split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case("you"));
        assert!(!(first.ends_with('?') && addressed), "the quote starts with a question to the participant: {q}");
        let mark = words(&highlighted(q).unwrap_or_else(|| panic!("no highlight: {q}")));
        let counting = arr(&row["codes"])
            .iter()
            .filter(|c| c["family"] == family && code.is_none_or(|code| c["code"] == code))
            .flat_map(|c| arr(&c["matches"]).iter())
            .any(|m| {
                m["negated_by"].is_null()
                    && m["vetoed_by"].is_null()
                    && words(m["text"].as_str().unwrap_or_default()) == mark
            });
        assert!(counting, "the highlighted match is not a counting one: {q}");
        checked += 1;
    };
    for p in arr(&report["personas"]) {
        for c in arr(&p["codes"]) {
            for q in arr(&c["quotes"]) {
                check(q, c["family"].as_str().unwrap_or_default(), c["code"].as_str());
            }
        }
    }
    for b in arr(&report["brief"]) {
        for s in arr(&b["sections"]) {
            for st in arr(&s["statements"]) {
                let family = st["code"].as_str().unwrap_or_default().split('.').next().unwrap_or_default();
                for q in arr(&st["quotes"]) {
                    check(q, family, st["code"].as_str());
                }
            }
        }
    }
    assert!(checked > 20, "{checked} quotes");
    for p in arr(&report["personas"]) {
        for j in arr(&p["jobs"]) {
            let outcome = j["outcome"].as_str().unwrap_or_default();
            assert!(
                outcome.split_whitespace().count() >= 2
                    && j["motivation"].as_str().unwrap_or_default().split_whitespace().count() >= 2,
                "{j}"
            );
            assert!(matches!(j["link"].as_str(), Some("so that" | "so" | "in order to")), "{j}");
            let key = (j["interview"].as_str().unwrap_or_default().to_string(), j["passage"].as_u64().unwrap_or(0));
            let text = words(passages[&key]["text"].as_str().unwrap_or_default());
            assert!(
                text.contains(&words(outcome)) && text.contains(&words(j["motivation"].as_str().unwrap_or_default())),
                "{j}"
            );
            assert_eq!(passages[&key]["role"], "participant", "{j}");
        }
    }
}

#[test]
fn real_interviews_brief_states_no_weak_theme_and_quotes_counting_matches() {
    let Some(corpus) = shared_corpus() else { return };
    let rust = corpus.join("rust-unsafe-interviews/transcripts");
    let mut files: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(&rust)
        .expect("rust transcripts")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()) && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (e.path().strip_prefix(&rust).map(Path::to_path_buf).unwrap_or_default(), "Rust developer".to_string())
        })
        .collect();
    files.sort();
    check_real(&corpus_study(&rust, &files));
    // SOURCES.md: thirteen Veterans and transitioning servicemembers, three commanding officers (p19-p21).
    let va = corpus.join("va-transition-discovery-2024");
    let mut files: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(&va)
        .expect("va notes")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()) && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let officer = ["notes-p19", "notes-p20", "notes-p21"].iter().any(|p| name.starts_with(p));
            (name.into(), if officer { "Commanding officer" } else { "Transitioning servicemember" }.to_string())
        })
        .collect();
    files.sort();
    check_real(&corpus_study(&va, &files));
}
