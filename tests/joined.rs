//! The buying unit and the journey strip: the roles and relations the sample's transcripts
//! state come out of `report.json`, the diagram links the personas that name each other, and
//! every journey stage has evidence or says it has none.

use serde_json::Value;

use crate::util::{char_slice, json_lines, pith, report_persona, sample_study, TempStudy};

fn run(study: &TempStudy) -> Value {
    pith(["report".as_ref(), study.path().as_os_str(), "--out".as_ref(), study.path().join("out").as_os_str()])
        .stdout();
    serde_json::from_str(&study.read("out/report.json")).expect("report.json parses")
}

fn role<'a>(persona: &'a Value, id: &str) -> &'a Value {
    persona["buying_unit"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["role"] == id))
        .unwrap_or_else(|| panic!("{id} not in the buying unit of {}", persona["name"]))
}

/// Interviews of `role` that state `relation` (not negated).
fn stated(role: &Value, relation: &str) -> u64 {
    role["relations"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["relation"] == relation))
        .and_then(|r| r["interviews"].as_u64())
        .unwrap_or(0)
}

fn transcript(rel: &str) -> String {
    std::fs::read_to_string(sample_study().join("transcripts").join(rel)).expect("sample transcript")
}

#[test]
fn the_buying_unit_names_the_roles_and_relations_the_sample_transcripts_state() {
    let study = TempStudy::sample();
    let report = run(&study);
    let debbie = report_persona(&report, "Data Center Debbie");
    let frank = report_persona(&report, "Facilities Frank");
    // (persona, interview, sentence as the transcript says it, role, relation stated)
    let facts = [
        (debbie, "debbie/debbie-01-colo", "The CFO signs.", "role.finance", "relation.approves"),
        (debbie, "debbie/debbie-01-colo", "Procurement runs the RFP.", "role.procurement", "relation.purchases"),
        (debbie, "debbie/debbie-02-bank", "Then my CIO, who'd have to sponsor it.", "role.cio", "relation.influences"),
        (debbie, "debbie/debbie-02-bank", "The CFO would approve the capital.", "role.finance", "relation.approves"),
        (
            frank,
            "frank/frank-01-campus",
            "And the VP of finance signs off at the end.",
            "role.finance",
            "relation.approves",
        ),
        (
            frank,
            "frank/frank-01-campus",
            "Our engineering consultant does the design.",
            "role.consultant",
            "relation.influences",
        ),
        (
            frank,
            "frank/frank-01-campus",
            "The sustainability office wants to see the carbon math.",
            "role.sustainability",
            "relation.influences",
        ),
    ];
    for (persona, interview, sentence, id, relation) in facts {
        assert!(transcript(&format!("{interview}.txt")).contains(sentence), "{interview} no longer says {sentence:?}");
        let r = role(persona, id);
        let named_in: Vec<&str> =
            r["named_in"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        assert!(named_in.contains(&interview), "{id} not named in {interview}: {named_in:?}");
        assert!(stated(r, relation) >= 1, "{id}: {relation} not stated: {}", r["relations"]);
        assert_eq!(r["interviews"].as_u64(), Some(named_in.len() as u64));
    }
    // Facilities is named by Debbie's interviews, the data center team by Frank's.
    assert!(role(debbie, "role.facilities")["interviews"].as_u64().unwrap_or(0) >= 4);
    assert!(role(frank, "role.data_center")["interviews"].as_u64().unwrap_or(0) >= 4);

    // Every quote is a sentence of the passage it points to.
    let docs = json_lines(&pith(["code".as_ref(), study.path().as_os_str(), "--documents".as_ref()]).stdout());
    let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut quotes = 0;
    for persona in [debbie, frank] {
        for r in persona["buying_unit"].as_array().into_iter().flatten() {
            for q in r["quotes"].as_array().into_iter().flatten() {
                let doc = docs.iter().find(|d| d["interview"] == q["interview"]).expect("quoted interview");
                let (start, end) = (q["start"].as_u64().unwrap_or(0) as usize, q["end"].as_u64().unwrap_or(0) as usize);
                let passage = tidy(&char_slice(doc["document"].as_str().unwrap_or_default(), start, end));
                let text = q["text"].as_str().unwrap_or_default();
                assert!(!text.is_empty() && passage.contains(text), "{text:?} not in {passage:?}");
                quotes += 1;
            }
        }
    }
    assert!(quotes > 20, "{quotes}");
    let md = study.read("out/report.md");
    assert!(md.contains("### Buying unit") && md.contains("“Procurement runs the RFP.”"));
}

#[test]
fn the_diagram_links_debbie_and_frank_both_ways() {
    let study = TempStudy::sample();
    let report = run(&study);
    let map = &report["buying_map"];
    let stands = |name: &str| {
        map["personas"].as_array().and_then(|ps| ps.iter().find(|p| p["persona"] == name)).map(|p| p["role"].clone())
    };
    assert_eq!(stands("Data Center Debbie"), Some(Value::from("role.data_center")));
    assert_eq!(stands("Facilities Frank"), Some(Value::from("role.facilities")));
    let link = |from: &str, to: &str| {
        map["links"].as_array().and_then(|ls| ls.iter().find(|l| l["from"] == from && l["to"] == to)).cloned()
    };
    let frank_in_debbie = link("Facilities Frank", "Data Center Debbie").expect("Debbie's interviews name facilities");
    let debbie_in_frank = link("Data Center Debbie", "Facilities Frank").expect("Frank's interviews name the IT folks");
    assert_eq!(frank_in_debbie["role"], "role.facilities");
    assert_eq!(debbie_in_frank["role"], "role.data_center");
    // "Facilities handles the building side" (debbie-01, -04, -05, -06): facilities owns it.
    assert!(frank_in_debbie["relations"].as_array().is_some_and(|r| r.contains(&Value::from("owns"))));
    let html = study.read("out/report.html");
    let svg = html.find("<svg class=\"buying-map\"").map(|at| &html[at..]).expect("the buying-unit diagram");
    let svg = &svg[..svg.find("</svg>").expect("closed")];
    assert_eq!(svg.matches("<g class=\"link\">").count(), 2, "{svg}");
    assert!(svg.contains("<title>Facilities Frank → Data Center Debbie: role.facilities</title>"));
    assert!(svg.contains("<title>Data Center Debbie → Facilities Frank: role.data_center</title>"));
    assert!(!svg.contains("<script"));
    // The same aggregates draw the same picture.
    let again = TempStudy::sample();
    run(&again);
    assert_eq!(again.read("out/report.html"), html);
}

#[test]
fn every_journey_stage_of_the_sample_has_evidence_or_says_it_has_none() {
    let study = TempStudy::sample();
    let report = run(&study);
    let stages = [
        "journey.trigger",
        "journey.evaluation",
        "journey.purchase",
        "journey.onboarding",
        "journey.use",
        "journey.support",
        "journey.renewal",
    ];
    for name in ["Data Center Debbie", "Facilities Frank"] {
        let p = report_persona(&report, name);
        let journey = p["journey"].as_array().expect("journey");
        let ids: Vec<&str> = journey.iter().filter_map(|s| s["stage"].as_str()).collect();
        assert_eq!(ids, stages, "{name}");
        for s in journey {
            let n = s["interviews"].as_u64().unwrap_or(0);
            assert_eq!(n > 0, !s["quote"].is_null(), "{name} {}", s["stage"]);
            if n > 0 {
                let interview = s["quote"]["interview"].as_str().unwrap_or_default();
                assert!(interview.starts_with(if name.starts_with("Data") { "debbie/" } else { "frank/" }));
            }
        }
        // No canvas table holds a journey, role or relation code: those have sections of their own.
        for c in p["codes"].as_array().into_iter().flatten() {
            let code = c["code"].as_str().unwrap_or_default();
            assert!(!["journey.", "role.", "relation."].iter().any(|f| code.starts_with(f)), "{code}");
        }
    }
    // Debbie's renewal passages ("I really worry about lock-in") carry vendor lock-in.
    let debbie = report_persona(&report, "Data Center Debbie");
    let renewal = &debbie["journey"][6];
    assert!(renewal["interviews"].as_u64().unwrap_or(0) >= 3, "{renewal}");
    assert!(!renewal["risks"].as_array().is_none_or(|r| r.is_empty()), "{renewal}");
    let md = study.read("out/report.md");
    assert!(md.contains("### Journey") && md.contains("| Renewal or switching |"));
    assert!(study.read("out/report.html").contains("<div class=\"journey\""));
}

/// Two short interviews: relations beside roles, negation, a stage without evidence, the
/// `role` column naming what a persona stands for.
fn small_study() -> TempStudy {
    let study = TempStudy::new();
    study.write(
        "participants.csv",
        "transcript,participant,persona,role\nops1.txt,Ana,Ops,data center operations\nbld1.txt,Bo,Builders,facilities\n",
    );
    study.write(
        "transcripts/ops1.txt",
        "Maya: Who else is involved?\n\
         Ana: The CFO signs off on anything over fifty thousand. Procurement doesn't decide anything here. \
         Our facilities team owns the chillers.\n\
         Maya: How do you choose?\n\
         Ana: We compared three vendors side by side, and I worry about downtime with every one of them.\n",
    );
    study.write(
        "transcripts/bld1.txt",
        "Maya: Who else is involved?\nBo: The data center team pays for their own cooling, and the CFO approves it.\n",
    );
    study
}

#[test]
fn relations_respect_negation_and_a_stage_without_evidence_says_so() {
    let study = small_study();
    let report = run(&study);
    let ops = report_persona(&report, "Ops");
    assert_eq!(stated(role(ops, "role.finance"), "relation.approves"), 1);
    let procurement = role(ops, "role.procurement");
    assert_eq!(stated(procurement, "relation.decides"), 0, "{procurement}");
    let decides =
        procurement["relations"].as_array().and_then(|r| r.iter().find(|r| r["relation"] == "relation.decides"));
    assert_eq!(decides.map(|d| d["negated"].clone()), Some(Value::from(1)), "{procurement}");
    assert_eq!(stated(role(ops, "role.facilities"), "relation.owns"), 1);

    let evaluation = ops["journey"].as_array().and_then(|j| j.iter().find(|s| s["stage"] == "journey.evaluation"));
    let evaluation = evaluation.expect("evaluation stage");
    assert_eq!(evaluation["interviews"], 1);
    assert_eq!(evaluation["risks"][0]["code"], "risk.downtime");
    let renewal = ops["journey"].as_array().and_then(|j| j.iter().find(|s| s["stage"] == "journey.renewal"));
    let renewal = renewal.expect("renewal stage, even without evidence");
    assert_eq!((renewal["interviews"].as_u64(), renewal["quote"].is_null()), (Some(0), true));
    let md = study.read("out/report.md");
    let row = md.lines().find(|l| l.starts_with("| Renewal or switching |")).expect("renewal row");
    assert!(row.contains("No evidence"), "{row}");
    assert!(study.read("out/report.html").contains("No evidence: ask about this stage"));

    // The role column says what each persona stands for; each names the other.
    let map = &report["buying_map"];
    let because: Vec<&str> =
        map["personas"].as_array().into_iter().flatten().filter_map(|p| p["because"].as_str()).collect();
    assert!(because.iter().all(|b| b.starts_with("role \"")), "{because:?}");
    let links: Vec<(&str, &str)> = map["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| Some((l["from"].as_str()?, l["to"].as_str()?)))
        .collect();
    assert_eq!(links, [("Ops", "Builders"), ("Builders", "Ops")]);
}

#[test]
fn pith_code_shows_journey_role_and_relation_codes_like_the_others() {
    let study = small_study();
    let rows = json_lines(&pith(["code".as_ref(), study.path().as_os_str()]).stdout());
    let families: Vec<&str> = rows
        .iter()
        .flat_map(|r| r["codes"].as_array().into_iter().flatten())
        .filter_map(|c| c["family"].as_str())
        .collect();
    for family in ["journey", "role", "relation", "risk"] {
        assert!(families.contains(&family), "{family}: {families:?}");
    }
}

#[test]
fn search_filters_by_a_role_but_words_naming_a_stage_or_role_are_not_expanded() {
    let study = small_study();
    pith(["index".as_ref(), study.path().as_os_str()]).stdout();
    let search = |args: &[&str]| {
        let mut all: Vec<&std::ffi::OsStr> = vec!["search".as_ref(), study.path().as_os_str()];
        all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
        let (stdout, stderr) = pith(all).status(0);
        (json_lines(&stdout), stderr)
    };
    // "procurement" and "evaluation" name codes of the role and journey families: searched as words.
    let (_, stderr) = search(&["procurement evaluation downtime", "--json"]);
    assert!(stderr.contains("with code risk.downtime"), "{stderr}");
    assert!(!stderr.contains("with code role.") && !stderr.contains("with code journey."), "{stderr}");
    // The codes still filter: both passages name the CFO, one of them procurement too.
    let (hits, _) = search(&["CFO", "--code", "role.finance", "--json"]);
    assert_eq!(hits.len(), 2, "{hits:?}");
    let (hits, _) = search(&["CFO", "--code", "role.procurement", "--json"]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["interview"], "ops1");
}

#[test]
fn a_relation_is_coded_only_beside_a_role() {
    let study = TempStudy::new();
    study.write(
        "transcripts/a.txt",
        "Maya: Who pays?\nAna: We pay for it out of our own budget.\nMaya: And then?\nAna: The CFO pays for it.\n",
    );
    let rows = json_lines(&pith(["code".as_ref(), study.path().as_os_str()]).stdout());
    let families = |i: usize| -> Vec<String> {
        rows.iter()
            .filter(|r| r["role"] == "participant")
            .nth(i)
            .and_then(|r| r["codes"].as_array())
            .map(|cs| cs.iter().filter_map(|c| c["family"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    assert!(!families(0).contains(&"relation".to_string()), "{:?}", families(0));
    assert!(families(1).contains(&"relation".to_string()) && families(1).contains(&"role".to_string()));
}
