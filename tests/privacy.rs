//! Integration tests: privacy (`pith report --redact`, escaping of hostile transcript text,
//! no network).

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

use crate::util::{pith, TempStudy};

/// (file, participant, speaker label, persona, email, phone). Every answer names the person,
/// a colleague, an email, a phone number and a URL next to a sample-lexicon term, so quotes
/// carry them. Sorted participants: Aiko Tanaka P01, Elena Petrova P02, Jonas Weber P03,
/// Marcus Okafor P04, Priya Sharma P05, Tom Becker P06.
const PEOPLE: [(&str, &str, &str, &str, &str, &str); 6] = [
    (
        "debbie/priya-sharma.txt",
        "Priya Sharma",
        "Priya Sharma",
        "Debbie",
        "priya.sharma@brightline.io",
        "+44 20 7946 0958",
    ),
    ("debbie/marcus.txt", "Marcus Okafor", "Marcus", "Debbie", "m.okafor@northfield-bank.com", "(555) 123-4567"),
    ("debbie/elena.txt", "Elena Petrova", "Elena", "Debbie", "elena@parcelwise.co.uk", "555.867.5309"),
    ("frank/tom-becker.txt", "Tom Becker", "Tom Becker", "Frank", "tom_becker@calder.edu", "+1 415-555-0132"),
    ("frank/aiko.txt", "Aiko Tanaka", "Aiko", "Frank", "aiko.tanaka@example.org", "+81 3-1234-5678"),
    ("frank/jonas.txt", "Jonas Weber", "Jonas", "Frank", "jonas@weber.de", "030 12345678"),
];
const INTERVIEWER: &str = "Sam Lee";
const URL: &str = "https://intranet.brightline.io/cooling";

fn transcript(i: usize) -> String {
    let (_, name, label, _, email, phone) = PEOPLE[i];
    let first = name.split(' ').next().unwrap_or(name);
    let (colleague, _, _, _, colleague_email, _) = PEOPLE[(i + 1) % PEOPLE.len()];
    let colleague = PEOPLE.iter().find(|p| p.0 == colleague).map_or("", |p| p.1);
    format!(
        "{INTERVIEWER}: Thanks {first}. What keeps you up at night?\n\
         {label}: I'm {name}. The power bill is the thing, write to {email}, Sam, or call {phone} about the power bill.\n\
         {INTERVIEWER}: And the cooling?\n\
         {label}: We have a hot spot in hall B, {first} here again; {colleague} saw the hot spot too, \
         mail {colleague_email}, see {URL} for the hot spot map.\n\
         Sam: Anything else?\n\
         {label}: Rack density keeps rising, my phone is {phone}, Sam Lee knows the rack density numbers.\n"
    )
}

/// Writes the study with the transcripts in `order`.
fn study(order: &[usize]) -> TempStudy {
    let study = TempStudy::new();
    study.write(
        "pith.toml",
        format!("title = \"Privacy study\"\ninterviewers = [\"{INTERVIEWER}\"]\nlexicons = [\"lexicons\"]\n"),
    );
    let lexicon = std::fs::read(crate::util::sample_study().join("lexicons/datacenter.toml")).unwrap();
    study.write("lexicons/datacenter.toml", lexicon);
    let mut manifest = String::from("transcript,participant,persona,speaker\n");
    for &i in order {
        let (file, name, label, persona, _, _) = PEOPLE[i];
        manifest.push_str(&format!("{file},{name},{persona},{label}\n"));
        study.write(&format!("transcripts/{file}"), transcript(i));
    }
    study.write("participants.csv", manifest);
    study
}

fn report(study: &Path, out: &Path) -> String {
    let (_, stderr) = pith([
        "report".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--redact".as_ref(),
        "--format".as_ref(),
        "md,html,json,csv,qdpx".as_ref(),
    ])
    .status(0);
    stderr
}

fn outputs(out: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<_> = std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap())).collect()
}

/// Everything identifying the input holds: names and their parts, emails, phone numbers (as
/// typed and as their last digits), the URL.
fn secrets() -> Vec<String> {
    let mut s = vec![INTERVIEWER.to_string(), "Sam".into(), "Lee".into(), URL.into(), "brightline".into()];
    for (file, name, label, _, email, phone) in PEOPLE {
        s.extend([name.to_string(), label.to_string(), email.to_string(), phone.to_string()]);
        s.extend(name.split(' ').map(String::from));
        s.push(phone[phone.len() - 4..].to_string());
        s.push(file.rsplit('/').next().unwrap().trim_end_matches(".txt").to_string());
    }
    s
}

#[test]
fn redacted_reports_hold_no_name_email_phone_or_url_and_pseudonyms_are_stable() {
    let first = study(&[0, 1, 2, 3, 4, 5]);
    let out = first.path().join("out");
    let stderr = report(first.path(), &out);
    assert!(stderr.contains("--redact") && stderr.contains("study.qdpx"), "qdpx skip not said:\n{stderr}");

    let files = outputs(&out);
    let names: Vec<String> = files.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().to_string()).collect();
    assert_eq!(names, ["brief.md", "matrix.csv", "report.html", "report.json", "report.md"]);
    for secret in secrets() {
        let re = Regex::new(&format!(r"(?i)\b{}\b", regex::escape(&secret))).unwrap();
        for (path, text) in &files {
            assert!(!re.is_match(text), "{} contains {secret:?}", path.display());
        }
    }

    // The redaction did not empty the report: the quotes are there, pseudonymized and masked.
    let json: Value = serde_json::from_str(&files[3].1).unwrap();
    let quotes: Vec<&Value> = json["personas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["codes"].as_array().unwrap())
        .flat_map(|c| c["quotes"].as_array().unwrap())
        .collect();
    assert!(quotes.len() >= 6, "too few quotes to test: {}", quotes.len());
    let all_quotes: String = quotes.iter().map(|q| q["text"].as_str().unwrap()).collect::<Vec<_>>().join("\n");
    for mask in ["[email]", "[phone]", "[url]", "Interviewer"] {
        assert!(all_quotes.contains(mask), "no {mask} in quotes:\n{all_quotes}");
    }
    // Priya Sharma is the fifth participant by name; her quotes say so, and where a quote names
    // her (quotes start at the sentence that counted, so not all do), so does its text.
    let priya: Vec<&&Value> = quotes.iter().filter(|q| q["participant"] == "P05").collect();
    assert!(!priya.is_empty());
    for q in &priya {
        assert_eq!(q["speaker"], "P05");
        assert!(q["interview"].as_str().unwrap().starts_with('I'));
    }
    assert!(priya.iter().any(|q| q["text"].as_str().unwrap().contains("P05")), "{priya:?}");
    let md = &files[4].1;
    assert!(md.contains("P01") && md.contains("P06"), "pseudonyms missing from report.md");

    // Stable: a second run, and a study written in another order, give the same report.
    report(first.path(), &out);
    assert_eq!(outputs(&out), files);
    let second = study(&[5, 3, 1, 4, 0, 2]);
    let out2 = second.path().join("out");
    report(second.path(), &out2);
    let again = outputs(&out2);
    assert_eq!(again.len(), files.len());
    for ((_, a), (_, b)) in files.iter().zip(&again) {
        assert_eq!(a, b);
    }
}

#[test]
fn hostile_transcript_text_renders_as_text_in_markdown_and_html() {
    let study = TempStudy::sample();
    study.write(
        "transcripts/debbie/hostile.txt",
        "Maya: What keeps you up at night?\n\
         Zed: The power bill <script>alert(1)</script> and [link](http://evil.example) and the power bill.\n",
    );
    let out = study.path().join("out");
    pith(["report".as_ref(), study.path().as_os_str(), "--format".as_ref(), "md,html".as_ref(), "-q".as_ref()])
        .stdout();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(md.contains("alert(1)"), "the hostile quote is not in report.md; the test proves nothing");
    assert!(!md.contains("<script>") && !md.contains("[link](http"), "report.md carries markup");
    assert!(md.contains(r"\<script\>") && md.contains(r"\[link\](http://evil.example)"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert") && !html.contains("href=\"http://evil"));
}

/// `pith run` under `strace -f -e trace=network`: no socket other than AF_UNIX, no connect.
#[test]
fn pith_run_opens_no_network_connection() {
    let strace = std::process::Command::new("strace").arg("-V").output();
    if !strace.is_ok_and(|o| o.status.success()) {
        eprintln!("strace is not installed: skipping the network test");
        return;
    }
    let study = TempStudy::sample();
    let log = study.path().join("strace.log");
    let status = std::process::Command::new("strace")
        .args(["-f", "-e", "trace=network", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_pith"))
        .args(["run".as_ref(), study.path().as_os_str(), "-q".as_ref()])
        .status()
        .unwrap();
    if !status.success() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        if log.contains("PTRACE") || log.is_empty() {
            eprintln!("strace cannot trace here (ptrace not permitted): skipping the network test");
            return;
        }
        panic!("pith run under strace failed:\n{log}");
    }
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(std::fs::metadata(study.path().join("out/report.json")).is_ok());
    for line in log.lines() {
        let net = line.contains("socket(") || line.contains("connect(") || line.contains("sendto(");
        assert!(!net || line.contains("AF_UNIX"), "network call: {line}");
    }
}

/// Without a manifest the participant is the interview id, a file path: it gets a pseudonym,
/// but the words of the path are not names to strike from the quotes.
#[test]
fn redaction_without_a_manifest_keeps_words_that_only_file_names_hold() {
    let study = TempStudy::new();
    study.write(
        "acme/call.txt",
        "Q: What worries you?\nA: I am worried about downtime, we call the acme team about the budget.\n",
    );
    study.write("acme/other.txt", "Q: What worries you?\nA: I am worried about downtime, call me at 555-123-4567.\n");
    let out = study.path().join("out");
    pith(["report".as_ref(), study.path().as_os_str(), "--redact".as_ref(), "--format".as_ref(), "json".as_ref()])
        .status(0);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let quotes: Vec<&Value> =
        json["personas"][0]["codes"].as_array().unwrap().iter().flat_map(|c| c["quotes"].as_array().unwrap()).collect();
    let texts: Vec<&str> = quotes.iter().map(|q| q["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("we call the acme team")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("call me at [phone].")), "{texts:?}");
    for q in quotes {
        assert!(["P01", "P02"].contains(&q["participant"].as_str().unwrap()), "{q}");
        assert!(["I01", "I02"].contains(&q["interview"].as_str().unwrap()), "{q}");
    }
}
