//! Integration tests: code. The lexicon language term by term, exclusions, study overrides and
//! hierarchy, lexicon warnings, and context (negation, pseudo-negation, hedges, prompted, jobs)
//! on sentences written for the test.

use pith::analyze::{Analyzer, Language};
use pith::code::{
    about_families, code_passage, evidence_families, extract_jobs, extract_jobs_analyzed, family_weight, question_codes,
};
use pith::lexicon::{Lexicon, LexiconError, Origin, TermKind};
use pith::model::Family;

use crate::util;

const STUDY: &str = r#"
family = "risk"
[[codes]]
id = "risk.heat"
label = "Heat"
terms = ["fail", "thermal*", "=meter", "hot aisle", "chiller ~2 trip", "/\\bkeeps? me up\\b/"]
not = ["hot aisle containment"]
[[codes]]
id = "risk.heat.humidity"
parent = "risk.heat"
terms = ["humidity"]
"#;

fn lexicon(sources: &[(Origin, &str)]) -> Result<Lexicon, Vec<LexiconError>> {
    let analyzer = Analyzer::new(Language::English);
    let owned: Vec<(Origin, String)> = sources.iter().map(|(o, t)| (o.clone(), t.to_string())).collect();
    Lexicon::from_sources(&analyzer, &owned)
}

fn study() -> Lexicon {
    lexicon(&[(Origin::File("study/risk.toml".into()), STUDY)]).unwrap_or_else(|e| panic!("{e:?}"))
}

/// `code "matched text" flags` for each mention, one per line.
fn code(lexicon: &Lexicon, question: &str, text: &str) -> Vec<String> {
    let analyzer = Analyzer::new(Language::English);
    let q = question_codes(lexicon, question, &analyzer.analyze(question));
    let tags = code_passage(lexicon, text, &analyzer.analyze(text), &q);
    let mut out = Vec::new();
    for t in &tags {
        for m in &t.mentions {
            let mut s = format!("{} {:?}", lexicon.codes()[t.code].id.as_str(), &text[m.bytes.clone()]);
            for (on, flag) in [
                (m.negation.is_some(), "negated"),
                (m.hedge.is_some(), "hedged"),
                (m.intensifier.is_some(), "intensified"),
                (m.vetoed_by.is_some(), "vetoed"),
                (t.prompted, "prompted"),
            ] {
                if on {
                    s += " ";
                    s += flag;
                }
            }
            out.push(s);
        }
    }
    out
}

#[test]
fn a_word_term_matches_by_stem() {
    let l = study();
    assert_eq!(code(&l, "", "The pumps failed twice."), ["risk.heat \"failed\""]);
    assert_eq!(code(&l, "", "Failing is the fear."), ["risk.heat \"Failing\""]);
}

#[test]
fn a_prefix_term_matches_any_ending() {
    let l = study();
    assert_eq!(code(&l, "", "Thermally it is fine."), ["risk.heat \"Thermally\""]);
    assert!(code(&l, "", "The therm is a unit.").is_empty());
}

#[test]
fn an_exact_term_skips_stemming() {
    let l = study();
    assert_eq!(code(&l, "", "The Meter reads high."), ["risk.heat \"Meter\""]);
    assert!(code(&l, "", "We bought meters.").is_empty(), "=meter must not match the plural");
}

#[test]
fn a_phrase_matches_in_order_and_gaps_allow_words_between() {
    let l = study();
    assert_eq!(code(&l, "", "We sit in the hot aisle."), ["risk.heat \"hot aisle\""]);
    assert!(code(&l, "", "The aisle is hot.").is_empty(), "phrases keep their order");
    assert_eq!(code(&l, "", "The chiller might trip."), ["risk.heat \"chiller might trip\""]);
    assert_eq!(code(&l, "", "The chiller on the roof trips."), Vec::<String>::new(), "three words is over ~2");
}

#[test]
fn a_regex_term_matches_constructions() {
    let l = study();
    assert_eq!(code(&l, "", "That keeps me up at night."), ["risk.heat \"keeps me up\""]);
}

#[test]
fn an_exclusion_vetoes_the_match_it_overlaps() {
    let l = study();
    assert_eq!(code(&l, "", "We added hot aisle containment."), Vec::<String>::new());
    assert_eq!(
        code(&l, "", "Hot aisle containment helped, the hot aisle is still hot."),
        ["risk.heat \"Hot aisle\" vetoed", "risk.heat \"hot aisle\""]
    );
}

#[test]
fn phrases_that_share_a_first_word_each_match_where_their_next_word_follows() {
    // "i" starts every phrase here: each is found by the word after it (its stem or exact
    // form), or read on when words may come between.
    let l = lexicon(&[(
        Origin::File("study/need.toml".into()),
        "family = \"need\"\n[[codes]]\nid = \"need.own\"\nterms = [\"i need\", \"i =wanted\", \"i run the\", \"i ~2 own\", \"i\"]\n",
    )])
    .unwrap_or_else(|e| panic!("{e:?}"));
    let text = "I needed it. I wanted it. I run the team. I really do own it. I run a shop. I want it.";
    let found = code(&l, "", text);
    for phrase in ["I needed", "I wanted", "I run the", "I really do own"] {
        assert!(found.contains(&format!("need.own {phrase:?}")), "{phrase:?} in {found:?}");
    }
    assert!(!found.iter().any(|f| f.contains("I run a") || f.contains("I want\"")), "{found:?}");
    assert_eq!(found.iter().filter(|f| f.starts_with("need.own \"I\"")).count(), 6, "{found:?}");
}

#[test]
fn a_match_overlapped_by_two_exclusions_names_the_first_in_the_text() {
    let l = lexicon(&[(
        Origin::File("study/risk.toml".into()),
        "family = \"risk\"\n[[codes]]\nid = \"risk.heat\"\nterms = [\"hot aisle\"]\nnot = [\"aisle containment\", \"the hot aisle\"]\n",
    )])
    .unwrap_or_else(|e| panic!("{e:?}"));
    let text = "We built the hot aisle containment.";
    let analyzer = Analyzer::new(Language::English);
    let matches = l.matcher().find(text, &analyzer.analyze(text));
    let code = &l.codes()[0];
    let named: Vec<(&str, Option<&str>)> = matches
        .iter()
        .map(|m| (&text[m.bytes.clone()], m.vetoed_by.map(|v| code.exclusions[v].source.as_str())))
        .collect();
    assert_eq!(named, [("hot aisle", Some("the hot aisle"))]);
}

#[test]
fn a_child_code_names_its_parent() {
    let l = study();
    let child = l.code("risk.heat.humidity").map(|c| c.parent.as_str().to_string());
    assert_eq!(child.as_deref(), Some("risk.heat"));
    let errs = lexicon(&[(
        Origin::File("study/x.toml".into()),
        "family = \"risk\"\n[[codes]]\nid = \"risk.a.b\"\nparent = \"risk.nope\"\nterms = [\"x\"]\n",
    )])
    .err()
    .unwrap_or_default();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("unknown parent risk.nope"), "{}", errs[0].message);
    assert_eq!(errs[0].location.line, Some(3));
}

#[test]
fn a_study_lexicon_overrides_or_disables_a_builtin_code_by_id() {
    let builtin = "family = \"risk\"\n[[codes]]\nid = \"risk.downtime\"\nterms = [\"outage\"]\n[[codes]]\nid = \"risk.fear\"\nterms = [\"worry\"]\n";
    let study = "family = \"risk\"\n[[codes]]\nid = \"risk.downtime\"\nterms = [\"brownout\"]\n[[codes]]\nid = \"risk.fear\"\ndisabled = true\n";
    let l = lexicon(&[(Origin::Builtin("risk.toml"), builtin), (Origin::File("s/risk.toml".into()), study)])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(code(&l, "", "A brownout, an outage, and worry."), ["risk.downtime \"brownout\""]);
    let dup = lexicon(&[(Origin::File("s/risk.toml".into()), builtin.replace("risk.fear", "risk.downtime").as_str())])
        .err()
        .unwrap_or_default();
    assert!(dup.iter().any(|e| e.message.starts_with("duplicate code id risk.downtime")), "{dup:?}");
}

#[test]
fn terms_that_match_everything_are_warned_about_with_their_line() {
    let text =
        "family = \"risk\"\n[[codes]]\nid = \"risk.x\"\nterms = [\n  \"the\",\n  \"/a*/\",\n  \"the outage\",\n]\n";
    let l = lexicon(&[(Origin::File("s/x.toml".into()), text)]).unwrap_or_else(|e| panic!("{e:?}"));
    let lines: Vec<Option<usize>> = l.warnings.iter().map(|w| w.location.line).collect();
    assert_eq!(lines, [Some(5), Some(6)], "{:?}", l.warnings);
    assert!(l.warnings[0].message.contains("function word"));
    assert!(l.warnings[1].message.contains("empty string"));
}

#[test]
fn the_builtin_lexicons_load_without_warnings() {
    let l = Lexicon::load(&Analyzer::new(Language::English), &[]).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn negation_is_reported_and_not_evidence_but_pseudo_negation_is() {
    let l = Lexicon::load(&Analyzer::new(Language::English), &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let got = code(&l, "", "Honestly, I'm not worried about downtime, we have generators.");
    assert!(got.contains(&"risk.downtime \"downtime\" negated".to_string()), "{got:?}");
    let got = code(&l, "", "Downtime is not a concern for us.");
    assert!(got.contains(&"risk.downtime \"Downtime\" negated".to_string()), "{got:?}");
    let got = code(&l, "", "No doubt the outage cost us a client.");
    assert!(got.contains(&"risk.downtime \"outage\"".to_string()), "{got:?}");
    let got = code(&l, "", "We never lose power, but an outage of the chillers would hurt.");
    assert!(got.contains(&"risk.downtime \"outage\"".to_string()), "a terminator ends the scope: {got:?}");
}

#[test]
fn hedges_and_intensifiers_are_marked() {
    let l = study();
    assert_eq!(code(&l, "", "Maybe it could fail."), ["risk.heat \"fail\" hedged"]);
    assert_eq!(code(&l, "", "Failing is absolutely the worst."), ["risk.heat \"Failing\" intensified"]);
}

#[test]
fn a_mention_is_prompted_only_when_the_question_used_a_term_of_its_code() {
    let l = study();
    assert_eq!(code(&l, "Do pumps ever fail?", "Yes, they fail."), ["risk.heat \"fail\" prompted"]);
    assert_eq!(code(&l, "What about humidity?", "They fail."), ["risk.heat \"fail\""]);
}

#[test]
fn job_statements_become_situation_motivation_outcome_rows() {
    let jobs = extract_jobs("We want to retrain weekly so that the forecasts follow the season.");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].motivation, "retrain weekly");
    assert_eq!(jobs[0].outcome.as_deref(), Some("the forecasts follow the season"));
    let jobs = extract_jobs("When a new hire joins, we give them one script to run.");
    assert_eq!(jobs[0].situation.as_deref(), Some("a new hire joins"));
    assert_eq!(jobs[0].motivation, "give them one script to run");
    let jobs = extract_jobs("Honestly the goal is to make releases boring.");
    assert_eq!(jobs[0].motivation, "make releases boring");
    assert!(extract_jobs("We shipped it on Tuesday.").is_empty());
}

#[test]
fn explain_a_study_passage_shows_its_question_and_why_each_match_counts_or_not() {
    let sample = crate::util::sample_study();
    let out = crate::util::pith([
        "lexicon".as_ref(),
        "explain".as_ref(),
        "--study".as_ref(),
        sample.as_os_str(),
        "--passage".as_ref(),
        "frank/frank-03-office-tower:16".as_ref(),
    ])
    .stdout();
    assert!(out.starts_with("question: What keeps you up at night?"), "{out}");
    assert!(out.contains("\"downtime\" matched term \"downtime\""), "{out}");
    assert!(out.contains("risk.downtime (Downtime and reliability): not evidence"), "{out}");
    assert!(out.contains("negated by \"not\""), "{out}");
    assert!(out.contains("risk.fear (Worry and fear (general)): evidence, prompted"), "{out}");
    let (_, err) = crate::util::pith([
        "lexicon".as_ref(),
        "explain".as_ref(),
        "--study".as_ref(),
        sample.as_os_str(),
        "--passage".as_ref(),
        "frank/frank-03-office-tower:x".as_ref(),
    ])
    .status(1);
    assert!(err.contains("expected INTERVIEW:N"), "{err}");
}

const WEIGHTED: &str = r#"
family = "risk"
[[codes]]
id = "risk.strong"
terms = ["outage"]
[[codes]]
id = "risk.weak"
weight = 0.5
terms = ["audit", "fine"]
"#;

#[test]
fn a_family_needs_one_strong_term_or_two_distinct_weak_ones() {
    let lexicon = lexicon(&[(Origin::File("study/risk.toml".into()), WEIGHTED)]).unwrap();
    let analyzer = Analyzer::new(Language::English);
    let families = |text: &str| {
        let tags = code_passage(&lexicon, text, &analyzer.analyze(text), &[]);
        (family_weight(&lexicon, &tags, Family::Risk), evidence_families(&lexicon, &tags).iter().collect::<Vec<_>>())
    };
    assert_eq!(families("We had an outage."), (1.0, vec![Family::Risk]));
    assert_eq!(families("The audit was on Monday."), (0.5, vec![]));
    // the same weak term twice is still one term
    assert_eq!(families("An audit, then another audit."), (0.5, vec![]));
    assert_eq!(families("The audit ended with a fine."), (1.0, vec![Family::Risk]));
    // a negated weak term does not count
    assert_eq!(families("No audit, but a fine."), (0.5, vec![]));
}

/// The coding standard's made-up examples (`../shared/CODEBOOK.md`, the "yes" column) of the
/// five core families, trigger and uncertainty are coded with their family by the built-in
/// lexicons. Ecosystem is left out: "we compared it against Amplitude" takes knowing that the
/// product is an alternative.
#[test]
fn the_standards_examples_are_coded_with_their_family() {
    let Some(shared) = crate::util::shared_dir("CODEBOOK.md") else { return };
    let codebook = std::fs::read_to_string(shared.join("CODEBOOK.md")).expect("the coding standard");
    let analyzer = Analyzer::new(Language::English);
    let l = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let mut checked = 0;
    for family in [
        Family::Need,
        Family::Risk,
        Family::Reward,
        Family::Responsibility,
        Family::Job,
        Family::Trigger,
        Family::Uncertainty,
    ] {
        let row = codebook
            .lines()
            .find(|line| line.starts_with(&format!("| {} |", family.as_str())))
            .unwrap_or_else(|| panic!("no row for {family:?} in the standard"));
        let yes = row.split('|').nth(3).expect("the examples column");
        for example in yes.split('"').skip(1).step_by(2) {
            let tags = code_passage(&l, example, &analyzer.analyze(example), &[]);
            assert!(about_families(&l, &tags).contains(family), "{family:?} not coded in {example:?}");
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} examples found");
}

/// A problem word alone does not code need; with a second cue it does. A defect word alone is
/// risk: the standard counts bugs and failures.
#[test]
fn problem_words_alone_are_weak_and_defect_words_are_risk() {
    let analyzer = Analyzer::new(Language::English);
    let l = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let families = |text: &str| evidence_families(&l, &code_passage(&l, text, &analyzer.analyze(text), &[]));
    assert!(!families("The problem with type punning is alignment.").contains(Family::Need));
    assert!(families("The problem is that rebuilding it is a lot of work.").contains(Family::Need));
    assert!(families("There was a segfault in the parser last week.").contains(Family::Risk));
    assert!(families("Half of those crates have undefined behavior somewhere.").contains(Family::Risk));
    assert!(families("We shipped a bug and the job failed overnight.").contains(Family::Risk));
    assert!(!families("We shipped the parser last week.").contains(Family::Risk));
}

/// Whether the built-in lexicons code `text` with the code `id`.
fn builtin_codes(id: &str, text: &str) -> bool {
    // Loaded once for every test that asks.
    static BUILTIN: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    let l = BUILTIN
        .get_or_init(|| Lexicon::load(&Analyzer::new(Language::English), &[]).unwrap_or_else(|e| panic!("{e:?}")));
    code(l, "", text).iter().any(|m| m.starts_with(&format!("{id} ")))
}

#[test]
fn a_commitment_is_a_mandate_only_when_made_in_public() {
    let mandate = |text: &str| builtin_codes("trigger.mandate", text);
    assert!(!mandate("I pushed a commit and the build went green."));
    assert!(!mandate("We committed the fix on Friday; it commits the lock file too."));
    assert!(!mandate("We have commitments to our producers, and provisions for commitments rose."));
    assert!(mandate("Our CEO made a public commitment to cut energy use."));
    assert!(mandate("The new regulation came in, and then a new CFO."));
}

#[test]
fn acquiring_resources_or_customers_is_no_change_in_the_business() {
    let change = |text: &str| builtin_codes("trigger.change", text);
    assert!(!change("Move semantics fit a language that has resource acquisition as initialization."));
    assert!(!change("Paid acquisition drove our customer acquisition costs up."));
    assert!(change("After the acquisition we had to move everything to their cloud."));
    assert!(change("The merger and then an acquisition got the ball rolling."));
}

#[test]
fn tools_libraries_and_custom_code_are_not_parties() {
    let suppliers = |text: &str| builtin_codes("ecosystem.suppliers", text);
    assert!(!suppliers("I wrapped the C library in a safe API and tested it with our own tool."));
    assert!(!suppliers("The framework runs on every platform we ship to."));
    assert!(!suppliers("We wrote a custom allocator and customized the build."));
    assert!(suppliers("Two customers asked for it, and a customer's audit made it urgent."));
    assert!(suppliers("Our vendor wanted us to switch to their cloud instead of the old servers."));
}

#[test]
fn a_computer_network_is_no_circle_of_advisors() {
    let advisors = |text: &str| builtin_codes("ecosystem.advisors", text);
    assert!(!advisors("The controls network is separate, and the tenants' networks are theirs."));
    assert!(!advisors("We trained a neural network on the network logs."));
    assert!(advisors("I asked around my network before we shortlisted anyone."));
    assert!(advisors("We met them at a networking event last spring."));
    assert!(advisors("Help them, network with them, introduce them to other people."));
    assert!(!advisors("We're software people: we know Linux, we know networking."));
}

#[test]
fn a_price_or_rate_going_up_is_no_win() {
    let growth = |text: &str| builtin_codes("reward.growth", text);
    assert!(!growth("The utility rate went up seven percent in January."));
    assert!(!growth("The commission approved a rate increase, and our prices have gone up twice."));
    assert!(!growth("There was an increase in our costs, and the power bill doubled."));
    assert!(growth("Our conversion rate increased after the launch."));
    assert!(growth("Sign-ups went up 20% and the team doubled."));
}

#[test]
fn what_something_is_called_is_no_success() {
    let success = |text: &str| builtin_codes("reward.success", text);
    assert!(!success("We don't have a data center, nobody calls it that."));
    assert!(success("A good week is when nobody calls me at night."));
}

#[test]
fn failing_over_is_downtime() {
    let downtime = |text: &str| builtin_codes("risk.downtime", text);
    assert!(downtime("We were forty minutes from failing over the whole payment platform."));
    assert!(downtime("The database failed over twice last month."));
    assert!(!downtime("Small failures over the years taught us to test restores."));
}

#[test]
fn a_board_that_sets_no_mandate_is_no_mandate() {
    let mandate = |text: &str| builtin_codes("trigger.mandate", text);
    assert!(!mandate("Honestly it's a Grafana board fed by SNMP from the PDUs."));
    assert!(!mandate("Once everyone was on board we went back to the drawing board."));
    assert!(!mandate("I keep a personal board of directors, people I ask for advice."));
    assert!(!mandate("I report to the board every quarter; it reads our numbers."));
    assert!(!mandate("We saw the temperatures climbing on our own board."));
    assert!(mandate("The board asked us to cut energy use by a fifth."));
}

#[test]
fn a_leasing_team_is_no_lease_ending() {
    let change = |text: &str| builtin_codes("trigger.change", text);
    assert!(!change("The leasing team puts the score in the brochure."));
    assert!(change("Our lease ends next year, so we had to decide where the servers go."));
    assert!(change("When the lease expired we moved to a colo."));
}

#[test]
fn what_they_are_not_sure_of_or_what_it_depends_on_is_a_known_unknown() {
    let unknown = |text: &str| builtin_codes("uncertainty.known_unknown", text);
    assert!(unknown("As for my Tricare, I'm not too sure at the moment."));
    assert!(unknown("It would depend on the claim, I guess."));
    assert!(unknown("I would like to use the VA loan, but I don't know too much about it."));
    assert!(unknown("Not sure how much the CPU was a bottleneck."));
    assert!(unknown("The longer the uncertainty persists, the harder it gets."));
    assert!(unknown("Traffic is hard to predict from one shop to the next."));
    assert!(!unknown("I don't know, it was fine, we shipped it on Friday."));
    assert!(!unknown("The result depends on the seed we pick."));
    assert!(!unknown("I'm sure the restore works; we test it every month."));
}

#[test]
fn uncertainty_doubt_and_headwinds_are_risks() {
    let fear = |text: &str| builtin_codes("risk.fear", text);
    assert!(fear("The longer the uncertainty persists, the harder it is to manage."));
    assert!(fear("There continues to be some uncertainty about next year."));
    assert!(fear("I have my doubts that the vendor will still be around."));
    assert!(fear("Freight costs were a headwind again this quarter."));
    assert!(!fear("No doubt the new rack made a difference."));
    assert!(!fear("It was, without a doubt, the best quarter we had."));
}

#[test]
fn an_opportunity_or_a_requirement_is_a_need_and_revenue_a_measure_of_winning() {
    let need = |text: &str| builtin_codes("need.explicit", text);
    assert!(need("There's a real opportunity in the mid-market that nobody serves."));
    assert!(need("The main requirement is that it runs on our own servers."));
    assert!(!need("Thanks for the opportunity to be here today."));
    assert!(!need("Thank you for giving me the opportunity to ask a question."));
    assert!(builtin_codes("reward.kpi", "Revenue per rack is what my team is judged on."));
}

#[test]
fn growth_and_looking_around_are_triggers_only_when_they_set_something_moving() {
    let trigger = |text: &str| ["trigger.event", "trigger.change"].iter().any(|id| builtin_codes(id, text));
    assert!(!trigger("Revenue growth was 12% and we expect expansion in the second half."));
    assert!(!trigger("Then you can start looking at the timestamps of each run."));
    assert!(!trigger("Upgrading the linter caused lots of new lints to get triggered."));
    assert!(trigger("As we grew, the old closet could not keep up."));
    assert!(trigger("We outgrew the spreadsheet, so we started looking for a real tool."));
    assert!(trigger("The motivation was that I was tired of chasing memory bugs in C++."));
}

/// The lexicon's expressions as a plain search runs them: (code, term, expression).
fn expressions(lexicon: &Lexicon) -> Vec<(usize, usize, regex::Regex)> {
    let mut out = Vec::new();
    for (ci, code) in lexicon.codes().iter().enumerate() {
        for (ti, term) in code.terms.iter().enumerate() {
            if let TermKind::Regex(re) = &term.kind {
                out.push((
                    ci,
                    ti,
                    regex::RegexBuilder::new(re.as_str()).case_insensitive(true).build().expect("compiles"),
                ));
            }
        }
    }
    out
}

/// Each lexicon expression's matches, as the matcher reports them and as a plain search of the
/// text finds them, for every line of `text`: (code, term, bytes) sorted.
fn expression_matches(
    lexicon: &Lexicon,
    expressions: &[(usize, usize, regex::Regex)],
    analyzer: &Analyzer,
    text: &str,
) -> (Vec<String>, Vec<String>) {
    let (mut found, mut expected) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let analysis = analyzer.analyze(line);
        for m in lexicon.matcher().find(line, &analysis) {
            if matches!(lexicon.codes()[m.code].terms[m.term].kind, TermKind::Regex(_)) {
                found.push(format!("{} {} {:?} {line:?}", m.code, m.term, m.bytes));
            }
        }
        for (ci, ti, re) in expressions {
            for m in re.find_iter(line).filter(|m| !m.is_empty()) {
                expected.push(format!("{ci} {ti} {:?} {line:?}", m.range()));
            }
        }
    }
    found.sort();
    expected.sort();
    (found, expected)
}

#[test]
fn expressions_skipped_for_the_words_they_need_miss_no_match() {
    // Each line meets an expression's words only just, or fails one by a letter: "ta" as a word
    // and inside "data", "day" and "today", "know" and "knows", boundaries beside apostrophes,
    // digits and hyphens; then non-ASCII text the gates are sound for, and text they are not.
    let text = "I'm a TA. I'm the TA's helper. I'm a data engineer. I'm the lead-ish dev.\n\
        That's the day we moved. That's the days we hated. That's the today we. THAT'S THE MONTH I quit.\n\
        We don't know. They still don't know. We don't know.. We don't knows. I don't know how, we didn't know why\n\
        We want to ship, so that we sleep. We have to ship it so we can sleep. We have to2 so that.\n\
        No one really knows. Nobody at all here knows! No way to verify. It's up in the air; a grey area, gray areas.\n\
        C’est unclear — naïve, I’m not sure. We’re not 100% sure. No idea, not a clue idea, zero idea.\n\
        \u{212A}nows it's UNCLEAR; nobody \u{212A}NOWS. Blind\u{301} spot, blind spot. 数据 is unclear, who owns 数据.\n";
    let analyzer = Analyzer::new(Language::English);
    let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let (found, expected) = expression_matches(&lexicon, &expressions(&lexicon), &analyzer, text);
    assert!(expected.len() >= 20, "the lines should meet the expressions: {expected:#?}");
    assert_eq!(found, expected);
}

#[test]
fn expressions_skipped_for_the_words_they_need_miss_no_match_in_real_transcripts() {
    let Some(corpus) = util::shared_corpus() else { return };
    let analyzer = Analyzer::new(Language::English);
    let lexicon = Lexicon::load(&analyzer, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let files = corpus_heads(&corpus);
    let expressions = expressions(&lexicon);
    let (mut lines, mut matched) = (0, 0);
    for (file, text) in &files {
        let (found, expected) = expression_matches(&lexicon, &expressions, &analyzer, text);
        lines += text.lines().count();
        matched += expected.len();
        assert_eq!(found, expected, "{}", file.display());
    }
    eprintln!("{matched} matches in {lines} lines of {} files", files.len());
    assert!(matched > 0, "{matched} matches in {lines} lines of {} files", files.len());
}

/// The first 20 kB of every text file of the corpus, decoded lossily: enough lines of every
/// kind and language of the corpus, in a debug build's time.
fn corpus_heads(corpus: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![corpus.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| ["txt", "vtt", "srt", "md", "json", "csv"].iter().any(|x| e == *x))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).expect("corpus file");
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(20_000)]).into_owned();
            (file, text)
        })
        .collect()
}

/// The job statements of each line of `text`, found with and without the analysis' word tests.
fn jobs_with_and_without_gates(analyzer: &Analyzer, text: &str) -> (Vec<String>, Vec<String>) {
    let (mut gated, mut plain) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let analysis = analyzer.analyze(line);
        gated.extend(extract_jobs_analyzed(line, &analysis).into_iter().map(|j| format!("{j:?} {line:?}")));
        plain.extend(extract_jobs(line).into_iter().map(|j| format!("{j:?} {line:?}")));
    }
    (gated, plain)
}

#[test]
fn job_statements_skipped_for_the_words_they_need_miss_none() {
    // Each line holds a statement only just, or misses one by a word or its order; the last
    // lines hide "I", "we" and "when" inside longer tokens, beside an apostrophe, a non-ASCII
    // letter or a control character, where the expressions' word boundary still holds.
    let text = "I want to ship it so that we sleep. We have to ship, so we can sleep.\n\
        We'd really like to grow in order to hire. I'm trying to scale because demand grew.\n\
        I want it so that it works. We so want to ship. So I want to ship.\n\
        When the chiller trips, I get a call. Whenever it rains, we close. Every time it fails, I panic.\n\
        I get a call when the chiller trips, and I panic. When, I said.\n\
        The goal is to cut costs. The whole point is speed. What I'm really trying to do is grow.\n\
        x'I want to ship so we sleep. rock'n'when it rains, we close. o'we'd like to go so it works.\n\
        \u{e9}we want to ship so we sleep. \u{e9}when it rains, we close. \u{1}when it rains, we close.\n\
        \u{1}I want to ship so we sleep. \u{212A}now: we like to go \u{17F}o we can. I want to \u{17F}hip \u{17F}o we can.\n";
    let analyzer = Analyzer::new(Language::English);
    let (gated, plain) = jobs_with_and_without_gates(&analyzer, text);
    assert!(plain.len() >= 14, "the lines should hold statements: {plain:#?}");
    assert_eq!(gated, plain);
}

#[test]
fn job_statements_skipped_for_the_words_they_need_miss_none_in_real_transcripts() {
    let Some(corpus) = util::shared_corpus() else { return };
    let analyzer = Analyzer::new(Language::English);
    let mut found = 0;
    for (file, text) in corpus_heads(&corpus) {
        let (gated, plain) = jobs_with_and_without_gates(&analyzer, &text);
        found += plain.len();
        assert_eq!(gated, plain, "{}", file.display());
    }
    assert!(found > 100, "{found} job statements in the corpus");
}

#[test]
fn each_passage_of_pith_code_carries_the_families_it_is_about_and_those_it_is_evidence_of() {
    let t = util::TempStudy::new();
    t.write(
        "transcripts/sam.txt",
        "Interviewer: What worries you about the site?\n\
         Sam: Honestly we weren't worried about downtime at all.\n\
         Interviewer: And the budget?\n\
         Sam: An outage during quarter close would be on me, that keeps me up at night.\n",
    );
    let rows = util::json_lines(&util::pith(["code".as_ref(), t.path().as_os_str()]).stdout());
    let field = |row: &serde_json::Value, key: &str| -> Vec<String> {
        row[key].as_array().unwrap_or_else(|| panic!("{key} missing: {row}")).iter().map(|f| f.to_string()).collect()
    };
    let risk = "\"risk\"".to_string();
    // Negated: about risk under the standard, not evidence of it.
    assert!(field(&rows[1], "families").contains(&risk), "{}", rows[1]);
    assert!(!field(&rows[1], "evidence").contains(&risk), "{}", rows[1]);
    assert!(field(&rows[3], "families").contains(&risk) && field(&rows[3], "evidence").contains(&risk), "{}", rows[3]);
    // Every evidence family is one the passage is about; questions carry none.
    for row in &rows {
        let families = field(row, "families");
        assert!(field(row, "evidence").iter().all(|f| families.contains(f)), "{row}");
    }
    assert!(field(&rows[0], "families").is_empty() && field(&rows[2], "evidence").is_empty());

    let csv = util::pith(["code".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} column"));
    let (families, evidence) = (column("families"), column("evidence"));
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert!(records[1][families].split(';').any(|f| f == "risk") && !records[1][evidence].contains("risk"));
}

/// `[coding] meaning = true`: each participant passage is about the families the lexicon rule
/// finds and those the meaning layer's classifiers find in its text; it is evidence of those too,
/// unless the rule saw only negated mentions of the family. Checked against the library's
/// classifiers on every passage of the sample study, after a run with the layer off, so that a
/// result kept from that run would show.
#[test]
fn the_meaning_layer_adds_the_families_its_classifiers_find() {
    let t = util::TempStudy::sample();
    let code = |t: &util::TempStudy| util::json_lines(&util::pith(["code".as_ref(), t.path().as_os_str()]).stdout());
    let set = |row: &serde_json::Value, key: &str| -> std::collections::BTreeSet<Family> {
        row[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} missing: {row}"))
            .iter()
            .map(|f| Family::parse(f.as_str().unwrap_or_default()).unwrap_or_else(|| panic!("{f}")))
            .collect()
    };
    util::pith(["run".as_ref(), t.path().as_os_str(), "-q".as_ref()]).stdout();
    let off = code(&t);
    let config = std::fs::read_to_string(t.path().join("pith.toml")).expect("pith.toml");
    t.write("pith.toml", format!("{config}\n[coding]\nmeaning = true\n"));
    let on = code(&t);
    assert_eq!(off.len(), on.len());
    let meaning = pith::meaning::Meaning::builtin();
    let mut gained = 0;
    for (a, b) in off.iter().zip(&on) {
        let (about, evidence) = (set(a, "families"), set(a, "evidence"));
        if b["role"] == "interviewer" {
            assert!(set(b, "families").is_empty(), "{b}");
            continue;
        }
        let found: std::collections::BTreeSet<Family> =
            meaning.families(b["text"].as_str().expect("text")).iter().collect();
        let negated_only: std::collections::BTreeSet<Family> = about.difference(&evidence).copied().collect();
        assert_eq!(set(b, "families"), about.union(&found).copied().collect(), "{b}");
        let expected: std::collections::BTreeSet<Family> =
            evidence.iter().chain(found.difference(&negated_only)).copied().collect();
        assert_eq!(set(b, "evidence"), expected, "{b}");
        gained += found.difference(&about).count();
    }
    assert!(gained > 0, "the layer adds no family to any passage of the sample study");
}

/// `pith lexicon explain` shows the meaning layer's verdict per family, as the library's
/// classifiers give it, and says whether the study has the layer on.
#[test]
fn lexicon_explain_shows_the_meaning_layers_score_per_family() {
    let text = "Honestly we were flying blind: nobody could tell which racks were about to overheat, \
                and every audit ended with a list of things we had missed.";
    let out = util::pith(["lexicon", "explain", text]).stdout();
    assert!(out.contains("meaning layer (off;"), "{out}");
    let found = pith::meaning::Meaning::builtin().families(text);
    for c in pith::meaning::Meaning::builtin().classifiers() {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", c.family)) && l.contains("(from"))
            .unwrap_or_else(|| panic!("no line for {}:\n{out}", c.family));
        let verdict = if found.contains(c.family) { "): found;" } else { "): not found;" };
        assert!(line.contains(verdict), "{line}");
    }
    let t = util::TempStudy::new();
    t.write("pith.toml", "[coding]\nmeaning = true\n");
    t.write("transcripts/a.txt", "Interviewer: Hi?\nAna: Hello.\n");
    let study = t.path().to_string_lossy().to_string();
    let out = util::pith(["lexicon", "explain", "--study", study.as_str(), text]).stdout();
    assert!(out.contains("meaning layer (on in this study)"), "{out}");
}

/// `says` words a code in the persona brief; it must say something.
#[test]
fn a_codes_says_is_read_and_an_empty_one_is_an_error() {
    let file = |says: &str| {
        format!("family = \"risk\"\n[[codes]]\nid = \"risk.heat\"\nsays = \"{says}\"\nterms = [\"heat\"]\n")
    };
    let l = lexicon(&[(Origin::File("study/risk.toml".into()), &file("fear  the\\nheat"))])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(l.code("risk.heat").and_then(|c| c.says.as_deref()), Some("fear the heat"));
    let errors = lexicon(&[(Origin::File("study/risk.toml".into()), &file(" "))]).expect_err("empty says");
    assert!(
        errors.iter().any(|e| e.message.contains("says must be a verb phrase") && e.location.line == Some(4)),
        "{errors:?}"
    );
}
