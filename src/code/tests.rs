//! Coding checks: each renders the tags of one sentence as short text and compares.

use super::*;
use crate::analyze::{Analyzer, Language};
use crate::lexicon::{Lexicon, Origin};

const LEXICON: &str = r#"
family = "risk"
[[codes]]
id = "risk.downtime"
terms = ["downtime", "outage*", "go down", "goes down"]
[[codes]]
id = "risk.crash"
terms = ["crash"]
not = ["crash course"]
"#;

fn check(question: &str, text: &str, expect: &str) {
    let analyzer = Analyzer::new(Language::English);
    let lexicon = Lexicon::from_sources(&analyzer, &[(Origin::File("t.toml".into()), LEXICON.into())])
        .unwrap_or_else(|e| panic!("{e:?}"));
    let qa = analyzer.analyze(question);
    let q = question_codes(&lexicon, question, &qa);
    let a = analyzer.analyze(text);
    let tags = code_passage(&lexicon, text, &a, &q);
    let got = tags
        .iter()
        .map(|t| {
            let mentions = t
                .mentions
                .iter()
                .map(|m| {
                    let mut s = format!("{:?}@{}", &text[m.bytes.clone()], m.bytes.start);
                    if let Some(n) = &m.negation {
                        s += &format!(" neg={:?}", n.text);
                    }
                    if let Some(h) = &m.hedge {
                        s += &format!(" hedge={:?}", h.text);
                    }
                    if let Some(i) = &m.intensifier {
                        s += &format!(" int={:?}", i.text);
                    }
                    if m.vetoed_by.is_some() {
                        s += " vetoed";
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{} [{}] evidence={} prompted={}",
                lexicon.codes()[t.code].id,
                mentions,
                t.is_evidence(),
                t.prompted
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(got, expect, "\n  text: {text}");
}

#[test]
fn plain_mention() {
    check("", "Downtime is what keeps me up.", "risk.downtime [\"Downtime\"@0] evidence=true prompted=false");
}

#[test]
fn negation_before_the_term() {
    check(
        "",
        "Honestly, I'm not worried about downtime.",
        "risk.downtime [\"downtime\"@32 neg=\"not\"] evidence=false prompted=false",
    );
}

#[test]
fn negation_scope_ends_at_clause_and_terminator() {
    check(
        "",
        "It's not cheap, but downtime scares us.",
        "risk.downtime [\"downtime\"@20] evidence=true prompted=false",
    );
    check("", "We never had one. Outages hurt.", "risk.downtime [\"Outages\"@18] evidence=true prompted=false");
}

#[test]
fn pseudo_negation_does_not_negate() {
    check("", "Not only downtime, the cost too.", "risk.downtime [\"downtime\"@9] evidence=true prompted=false");
}

#[test]
fn post_negation() {
    check(
        "",
        "Downtime isn't really a concern for us.",
        "risk.downtime [\"Downtime\"@0 neg=\"isn't really a concern\" int=\"really\"] evidence=false prompted=false",
    );
    // "is not an option" means the opposite: it stays evidence.
    check("", "Downtime is not an option.", "risk.downtime [\"Downtime\"@0] evidence=true prompted=false");
}

#[test]
fn exclusion_vetoes_overlapping_match() {
    check("", "I took a crash course.", "");
    check("", "The crash cost us.", "risk.crash [\"crash\"@4] evidence=true prompted=false");
}

#[test]
fn prompted_when_the_question_used_the_code() {
    check(
        "How do you think about outages?",
        "We maybe had two last year, downtime hurts.",
        "risk.downtime [\"downtime\"@28 hedge=\"maybe\"] evidence=true prompted=true",
    );
}

#[test]
fn phrases_and_jobs() {
    check(
        "",
        "When the site goes down, we lose money.",
        "risk.downtime [\"goes down\"@14] evidence=true prompted=false",
    );
    let jobs = extract_jobs("I need to deploy servers faster so that the business can launch on time.");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].motivation, "deploy servers faster");
    assert_eq!(jobs[0].outcome.as_deref(), Some("the business can launch on time"));
    let jobs = extract_jobs("When a chiller trips, I get a call at 3am.");
    assert_eq!(jobs[0].situation.as_deref(), Some("a chiller trips"));
    assert_eq!(jobs[0].motivation, "get a call at 3am");
}

#[test]
fn job_gate_never_hides_a_statement() {
    let analyzer = Analyzer::new(Language::English);
    let with_jobs = [
        "I need to deploy servers faster so that the business can launch on time.",
        "We'd really like to cut the paperwork, because nobody reads it.",
        "We're trying to consolidate vendors in order to get one bill.",
        "Whenever the alarm fires, I walk the floor.",
        "Every time a tenant moves in, we redo the metering.",
        "The whole point is to stop guessing.",
        "What I'm trying to do is keep the lights on.",
        "THE GOAL IS to make releases boring.",
    ];
    for text in with_jobs {
        let jobs = extract_jobs(text);
        assert!(!jobs.is_empty(), "no job found in {text:?}");
        assert_eq!(crate::code::extract_jobs_analyzed(text, &analyzer.analyze(text)), jobs, "{text:?}");
    }
    let without = ["We shipped it on Tuesday.", "Soon we will know more.", "I want to cry."];
    for text in without {
        assert!(extract_jobs(text).is_empty(), "{text:?}");
    }
}

#[test]
fn job_parts_keep_their_length_limits() {
    let long = "x".repeat(170);
    // A motivation longer than 160 characters is no motivation; a later statement still is.
    let text = format!("We want to {long} so that it works. I need to ship weekly so that sales can plan.");
    let jobs = extract_jobs(&text);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].motivation, "ship weekly");
    // An outcome is cut at 160 characters, and the statement's bytes end there.
    let text = format!("I need to ship weekly so that {long}");
    let jobs = extract_jobs(&text);
    assert_eq!(jobs[0].outcome.as_deref().map(str::len), Some(160));
    assert_eq!(text[jobs[0].bytes.clone()].len(), text.len() - 10);
    // Too short a part (under three characters) is not one.
    assert!(extract_jobs("We want to go so we can.").is_empty());
    assert!(extract_jobs("When it, we do things.").is_empty());
}

#[test]
fn a_passage_coded_with_its_jobs_gets_what_each_gives_alone() {
    let analyzer = Analyzer::new(Language::English);
    let lexicon = Lexicon::from_sources(&analyzer, &[(Origin::File("t.toml".into()), LEXICON.into())])
        .unwrap_or_else(|e| panic!("{e:?}"));
    let question = analyzer.analyze("Any outage lately?");
    let q = question_codes(&lexicon, "Any outage lately?", &question);
    let (mut tagged, mut stated) = (0, 0);
    for text in [
        "We're not worried about downtime, but I need to cut outages so that the business can sleep.",
        "When the chiller trips, I get a call. It might crash, no crash course needed.",
        "Nothing here to code.",
    ] {
        let a = analyzer.analyze(text);
        let (tags, jobs) = code_passage_and_jobs(&lexicon, text, &a, &q);
        assert_eq!(tags, code_passage(&lexicon, text, &a, &q), "{text:?}");
        assert_eq!(jobs, extract_jobs_analyzed(text, &a), "{text:?}");
        assert_eq!(jobs, extract_jobs(text), "{text:?}");
        tagged += tags.len();
        stated += jobs.len();
    }
    assert!(tagged >= 2 && stated >= 2, "{tagged} tags, {stated} job statements");
}
