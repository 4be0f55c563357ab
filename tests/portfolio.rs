//! The persona portfolio across studies: `pith report STUDY1 STUDY2 … --out DIR`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{check_schema, copy_dir, pith, repo, shared_corpus, TempStudy};

const COOLING: &str = "Coolara rear-door cooling";
const WATCH: &str = "Coolara Watch";
const ML: &str = "DataLens quality monitor";

/// The second sample study, copied.
fn monitoring() -> TempStudy {
    let t = TempStudy::new();
    copy_dir(&repo().join("examples/monitoring-study"), t.path());
    t
}

/// A study of another product made from six of the corpus's ML practitioner interviews, all one
/// persona; `None` (with a message, or a failure under CI) without `../shared`.
fn corpus_study() -> Option<TempStudy> {
    let corpus = shared_corpus()?.join("ml-quality-practitioner-interviews");
    let t = TempStudy::new();
    let mut manifest = String::from("transcript,participant,persona\n");
    for n in [10, 11, 12, 13, 14, 15] {
        let name = format!("Interview-{n}.txt");
        std::fs::copy(corpus.join(&name), t.path().join(&name)).expect("copy corpus transcript");
        manifest.push_str(&format!("{name},P{n},ML Practitioner\n"));
    }
    t.write("participants.csv", manifest);
    t.write(
        "pith.toml",
        format!("title = \"ML quality interviews\"\n[study]\nproduct = \"{ML}\"\naddresses = [\"need.visibility\"]\n"),
    );
    Some(t)
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("JSON")
}

/// Per persona name, its need codes (not the stated-need ones) prevalent in any of the studies'
/// reports, worked out from the reports here.
fn needs(reports: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in reports {
        let stated: BTreeSet<&str> = r["codebook"]
            .as_array()
            .expect("codebook")
            .iter()
            .filter(|c| ["need.explicit", "need.pain_point"].iter().any(|s| c["code"] == *s || c["parent"] == *s))
            .filter_map(|c| c["code"].as_str())
            .collect();
        for p in r["personas"].as_array().expect("personas") {
            let entry = out.entry(p["name"].as_str().expect("name").to_string()).or_default();
            for c in p["codes"].as_array().expect("codes") {
                let code = c["code"].as_str().expect("code");
                if c["family"] == "need"
                    && c["prevalence"].as_f64().expect("prevalence") >= 0.5
                    && !stated.contains(code)
                {
                    entry.insert(code.to_string());
                }
            }
        }
    }
    out
}

fn portfolio(studies: &[&Path], out: &Path) -> Value {
    let mut args: Vec<&std::ffi::OsStr> = vec!["report".as_ref()];
    args.extend(studies.iter().map(|s| s.as_os_str()));
    args.extend(["--out".as_ref(), out.as_os_str(), "-q".as_ref()]);
    pith(args).stdout();
    read(&out.join("portfolio.json"))
}

fn golden(p: &Value) -> BTreeMap<String, Vec<(u64, String)>> {
    p["personas"]
        .as_array()
        .expect("personas")
        .iter()
        .filter(|x| x["golden"] == true)
        .map(|x| {
            let seen = x["studies"].as_array().expect("studies");
            let seen = seen
                .iter()
                .map(|a| (a["study"].as_u64().expect("index"), a["name"].as_str().expect("name").to_string()));
            (x["name"].as_str().expect("name").to_string(), seen.collect())
        })
        .collect()
}

#[test]
fn portfolio_finds_the_recurring_personas_their_gaps_and_overlaps() {
    let (cooling, watch) = (TempStudy::sample(), monitoring());
    let corpus = corpus_study();
    let mut studies = vec![cooling.path(), watch.path()];
    studies.extend(corpus.as_ref().map(|c| c.path()));
    let out = tempfile::tempdir().expect("temp");
    let p = portfolio(&studies, out.path());
    check_schema("docs/portfolio.schema.json", &out.path().join("portfolio.json"));

    // Debbie and Frank recur in both sample studies, by name; nothing else recurs.
    let names = |n: &str| vec![(0, n.to_string()), (1, n.to_string())];
    let expected = BTreeMap::from([
        ("Data Center Debbie".to_string(), names("Data Center Debbie")),
        ("Facilities Frank".to_string(), names("Facilities Frank")),
    ]);
    assert_eq!(golden(&p), expected);
    if corpus.is_some() {
        let ml = p["personas"].as_array().expect("personas").iter().find(|x| x["name"] == "ML Practitioner");
        assert_eq!(ml.expect("the corpus persona")["golden"], false);
    }

    // Gaps and overlaps as the studies' own reports and tags say.
    let reports: Vec<Value> = studies.iter().map(|s| read(&s.join("out/report.json"))).collect();
    let mut products: Vec<(&str, &[&str])> = vec![
        (COOLING, &["need.cooling_capacity", "need.energy_cost"]),
        (WATCH, &["need.visibility", "need.energy_cost"]),
    ];
    if corpus.is_some() {
        products.push((ML, &["need.visibility"]));
    }
    let (mut gaps, mut overlaps) = (BTreeSet::new(), BTreeSet::new());
    for (persona, codes) in needs(&reports) {
        for code in codes {
            let by: BTreeSet<String> =
                products.iter().filter(|(_, a)| a.contains(&code.as_str())).map(|(p, _)| p.to_string()).collect();
            match by.len() {
                0 => {
                    gaps.insert((persona.clone(), code));
                }
                1 => {}
                _ => {
                    overlaps.insert((persona.clone(), code, by));
                }
            }
        }
    }
    let got_gaps: BTreeSet<(String, String)> = p["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| (g["persona"].as_str().expect("persona").to_string(), g["code"].as_str().expect("code").to_string()))
        .collect();
    let got_overlaps: BTreeSet<(String, String, BTreeSet<String>)> = p["overlaps"]
        .as_array()
        .expect("overlaps")
        .iter()
        .map(|o| {
            let products =
                o["products"].as_array().expect("products").iter().map(|x| x.as_str().expect("name").to_string());
            (
                o["persona"].as_str().expect("p").to_string(),
                o["code"].as_str().expect("c").to_string(),
                products.collect(),
            )
        })
        .collect();
    assert_eq!(got_gaps, gaps);
    assert_eq!(got_overlaps, overlaps);
    // The price of ownership matters to both personas and neither product addresses it; both Coolara
    // products address the electricity bill.
    assert!(gaps.contains(&("Facilities Frank".to_string(), "need.cost".to_string())), "{gaps:?}");
    let both = BTreeSet::from([COOLING.to_string(), WATCH.to_string()]);
    assert!(
        overlaps.contains(&("Data Center Debbie".to_string(), "need.energy_cost".to_string(), both)),
        "{overlaps:?}"
    );

    let md = std::fs::read_to_string(out.path().join("portfolio.md")).expect("md");
    let html = std::fs::read_to_string(out.path().join("portfolio.html")).expect("html");
    for text in [&md, &html] {
        assert!(text.contains("Golden personas") && text.contains("Price and cost of ownership"));
    }
    // Nothing to run or fetch (the browser check in CI opens it too).
    assert!(["<script", "src=", "href=", "url("].iter().all(|s| !html.contains(s)));
}

#[test]
fn a_renamed_persona_is_matched_by_its_code_profile() {
    let (cooling, watch) = (TempStudy::sample(), monitoring());
    let manifest = watch.read("participants.csv").replace("Facilities Frank", "Building Manager");
    watch.write("participants.csv", manifest);
    let out = tempfile::tempdir().expect("temp");
    let p = portfolio(&[cooling.path(), watch.path()], out.path());
    let frank =
        p["personas"].as_array().expect("personas").iter().find(|x| x["name"] == "Facilities Frank").expect("Frank");
    let seen = frank["studies"].as_array().expect("studies");
    assert_eq!(seen.len(), 2, "{frank}");
    assert_eq!(seen[1]["name"], "Building Manager");
    assert_eq!(seen[1]["matched"]["by"], "profile");
    let similarity = seen[1]["matched"]["similarity"].as_f64().expect("similarity");
    assert!(similarity >= p["match_similarity"].as_f64().expect("threshold"), "{similarity}");
    assert_eq!(golden(&p).len(), 2);
}

#[test]
fn a_portfolio_file_lists_the_studies_and_mistakes_are_named() {
    let (cooling, watch) = (TempStudy::sample(), monitoring());
    let dir = TempStudy::new();
    let list = dir.write(
        "portfolio.txt",
        format!("# Coolara studies\n{}\n\n{}\n", cooling.path().display(), watch.path().display()),
    );
    let out = dir.path().join("out");
    pith([
        "report".as_ref(),
        "--portfolio".as_ref(),
        list.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ])
    .stdout();
    assert_eq!(golden(&read(&out.join("portfolio.json"))).len(), 2);

    let empty = dir.write("empty.txt", "# nothing yet\n");
    let (_, err) =
        pith(["report".as_ref(), "--portfolio".as_ref(), empty.as_os_str(), "--out".as_ref(), out.as_os_str()])
            .status(1);
    assert!(err.contains("empty.txt") && err.contains("lists no study folder"), "{err}");
    let (_, err) = pith(["report".as_ref(), cooling.path().as_os_str(), watch.path().as_os_str()]).status(1);
    assert!(err.contains("--out"), "{err}");
    // A mistyped tag is an error naming pith.toml and its line.
    let toml = watch.read("pith.toml").replace("addresses = ", "adresses = ");
    watch.write("pith.toml", toml);
    let (_, err) = pith([
        "report".as_ref(),
        cooling.path().as_os_str(),
        watch.path().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .status(1);
    assert!(err.contains("pith.toml:") && err.contains("adresses"), "{err}");
    let missing: PathBuf = dir.path().join("no-such-study");
    let (_, err) =
        pith(["report".as_ref(), cooling.path().as_os_str(), missing.as_os_str(), "--out".as_ref(), out.as_os_str()])
            .status(1);
    assert!(err.contains("no-such-study"), "{err}");
}
