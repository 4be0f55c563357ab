//! Integration tests: `pith search` reading questions as typed, the exact syntax, markers and
//! acronyms, names, code expansion, zero-hit messages, `--kwic` and passage ids.

use serde_json::Value;

use crate::util::{char_slice, json_lines, pith, shared_dir, TempStudy};

/// A study of one product meeting: a Professor and Grad D, markers, acronyms and short turns.
fn meeting() -> TempStudy {
    let t = TempStudy::new();
    t.write(
        "transcripts/meeting.txt",
        "Professor: The budget for the remote is tight this year, we have to watch it.\n\
         Grad D: The budget for the remote is tight this year, we have to watch it.\n\
         Grad D: {vocalsound} {disfmarker}\n\
         Grad D: Yeah, battery.\n\
         Professor: The battery {disfmarker} should last a year, and the battery case must be easy to open [laughs] for anyone.\n\
         Grad D: We could use an L_C_D_ screen, or an L.C.D. panel with (inaudible) a backlight.\n\
         Professor: I'm afraid the room goes down every summer when it's hot.\n",
    );
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
    t
}

/// `pith search STUDY QUERY ARGS... --json`: (hits, stderr), asserting exit status 0.
fn search(t: &TempStudy, query: &str, args: &[&str]) -> (Vec<Value>, String) {
    let mut all: Vec<&std::ffi::OsStr> =
        vec!["search".as_ref(), t.path().as_os_str(), query.as_ref(), "--json".as_ref()];
    all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
    let (stdout, stderr) = pith(all).status(0);
    (json_lines(&stdout), stderr)
}

/// The ids of the hits, best first.
fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter().map(|h| h["id"].as_str().expect("id").to_string()).collect()
}

#[test]
fn every_character_class_searches_verbatim_without_an_error() {
    let t = meeting();
    for q in [
        "What did they say about the remote control's battery?",
        "don't",
        "it's the customer's battery",
        "battery/budget and/or costs",
        "Design: the remote",
        "[laughs] battery",
        "{vocalsound}",
        "\"unbalanced battery",
        "it's \"odd\" and 'single",
        "(((battery",
        "battery)",
        "C:\\path\\to",
        "^2 ~ * ?",
        ":",
        "-",
        "AND",
        "NOT OR",
        "battery~2",
        "http://example.com/battery",
    ] {
        let (_, stderr) = search(&t, q, &["--role", "any"]);
        assert!(!stderr.contains("error"), "{q:?}: {stderr}");
    }
    let (hits, _) = search(&t, "What did they say about the remote control's battery?", &[]);
    assert_eq!(hits[0]["mode"], "any-word");
    assert!(ids(&hits).contains(&"meeting:4".to_string()), "{hits:?}");
}

#[test]
fn the_exact_syntax_keeps_its_meaning() {
    let t = meeting();
    let exact = |q: &str| {
        let (hits, _) = search(&t, q, &[]);
        assert!(hits.iter().all(|h| h["mode"] == "exact"), "{q}: {hits:?}");
        let mut v = ids(&hits);
        v.sort();
        v
    };
    assert_eq!(exact("battery AND case"), ["meeting:4"]);
    assert_eq!(exact("battery -case"), ["meeting:3"]);
    assert_eq!(exact("-case battery"), ["meeting:3"]);
    assert_eq!(exact("\"battery case\""), ["meeting:4"]);
    assert_eq!(exact("\"case battery\""), Vec::<String>::new());
    assert_eq!(exact("screen OR panel"), ["meeting:5"]);
    assert_eq!(exact("speaker:Professor AND budget"), ["meeting:0"]);
    // Plain words are any-word unless --exact: then every word is required.
    let (any, _) = search(&t, "battery screen", &[]);
    assert_eq!(any.len(), 3, "{any:?}");
    let (all, _) = search(&t, "battery screen", &["--exact"]);
    assert!(all.is_empty());
    // --exact reports where the syntax breaks and what to do.
    let (_, stderr) =
        pith(["search".as_ref(), t.path().as_os_str(), "\"battery".as_ref(), "--exact".as_ref()]).status(1);
    assert!(stderr.contains("at character") && stderr.contains("close the quote"), "{stderr}");
    let (_, stderr) =
        pith(["search".as_ref(), t.path().as_os_str(), "Design:x".as_ref(), "--exact".as_ref()]).status(1);
    assert!(stderr.contains("at character 1") && stderr.contains("Design\\:"), "{stderr}");
    // Syntax that does not parse without --exact is searched as words, and pith says so.
    let (hits, stderr) = search(&t, "(battery AND", &[]);
    assert!(stderr.contains("not valid query syntax"), "{stderr}");
    assert_eq!(hits[0]["mode"], "any-word");
}

#[test]
fn markers_are_not_indexed_or_shown_and_acronyms_are_words() {
    let t = meeting();
    let (hits, _) = search(&t, "vocalsound disfmarker laughs inaudible", &[]);
    assert!(hits.is_empty(), "{hits:?}");
    let (hits, _) = search(&t, "battery", &[]);
    let long = hits.iter().find(|h| h["id"] == "meeting:4").expect("the battery passage");
    let snippet = long["snippet"].as_str().unwrap();
    assert!(!snippet.contains("disfmarker") && !snippet.contains("[laughs]"), "{snippet}");
    assert!(snippet.contains("**battery** should last"), "{snippet}");
    // The stored text keeps its markers; offsets point into it.
    let text = long["text"].as_str().unwrap();
    assert!(text.contains("{disfmarker}"));
    for m in long["matches"].as_array().unwrap() {
        assert_eq!(char_slice(text, m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize), "battery");
    }
    // A passage of markers alone is never a hit, not even of `*`.
    let (all, _) = search(&t, "*", &["--limit", "100"]);
    assert!(!ids(&all).contains(&"meeting:2".to_string()), "{all:?}");
    assert_eq!(all.len(), 6);
    // Both spellings of the acronym are found by it, in the same passage.
    let (hits, _) = search(&t, "LCD", &[]);
    assert_eq!(ids(&hits), ["meeting:5"]);
    let m = hits[0]["matches"].as_array().unwrap();
    let text = hits[0]["text"].as_str().unwrap();
    let words: Vec<String> =
        m.iter().map(|m| char_slice(text, m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize)).collect();
    assert_eq!(words, ["L_C_D", "L.C.D"]);
}

#[test]
fn a_short_passage_does_not_outrank_a_substantive_one_for_being_short() {
    let t = meeting();
    let (hits, _) = search(&t, "battery", &[]);
    assert_eq!(ids(&hits), ["meeting:4", "meeting:3"]);
}

#[test]
fn a_name_in_the_question_ranks_that_speakers_passages_higher_without_filtering() {
    let t = meeting();
    let (hits, stderr) = search(&t, "What did the Professor say about the budget?", &[]);
    assert_eq!(ids(&hits), ["meeting:0", "meeting:1"]);
    assert!(stderr.contains("ranked higher: passages of Professor"), "{stderr}");
    let (hits, _) = search(&t, "What did Grad D say about the budget?", &[]);
    assert_eq!(ids(&hits), ["meeting:1", "meeting:0"]);
    // The two passages are the same words: without a name they tie, in passage order.
    let (hits, _) = search(&t, "budget", &[]);
    assert_eq!(hits[0]["score"], hits[1]["score"]);
}

#[test]
fn a_word_naming_a_code_adds_its_lexicon_terms() {
    let t = meeting();
    // "afraid the room goes down" shares no word with the question but a term of risk.downtime.
    let (hits, stderr) = search(&t, "worries about downtime", &[]);
    assert_eq!(ids(&hits), ["meeting:6"]);
    assert!(
        stderr.contains("expanded \"downtime\" with code risk.downtime") && stderr.contains("goes down"),
        "{stderr}"
    );
    let (hits, _) = search(&t, "worries about downtime", &["--no-expand"]);
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn zero_hits_and_unknown_names_say_why_and_what_to_try() {
    let t = meeting();
    let code = |args: &[&str]| {
        let mut all: Vec<&std::ffi::OsStr> = vec!["search".as_ref(), t.path().as_os_str()];
        all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
        pith(all).output()
    };
    let err = |args: &[&str]| {
        let out = code(args);
        (out.status.code(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (status, stderr) = err(&["battery", "--persona", "UNASSIGNED"]);
    assert_eq!(status, Some(2));
    assert!(stderr.contains("did you mean \"unassigned\"") && stderr.contains("known: unassigned"), "{stderr}");
    let (status, stderr) = err(&["battery", "--code", "risk.nonexistent"]);
    assert_eq!(status, Some(2));
    assert!(stderr.contains("no code \"risk.nonexistent\"") && stderr.contains("risk.downtime"), "{stderr}");
    let (status, stderr) = err(&["battery", "--count-by", "shoe_size"]);
    assert_eq!(status, Some(2));
    assert!(stderr.contains("no attribute \"shoe_size\""), "{stderr}");
    let (hits, stderr) = search(&t, "zebra", &[]);
    assert!(hits.is_empty() && stderr.contains("no passage has any of these words"), "{stderr}");
    let (hits, stderr) = search(&t, "battery AND zebra", &[]);
    assert!(hits.is_empty() && stderr.contains("without the syntax or --exact"), "{stderr}");
    let (hits, stderr) = search(&t, "battery", &["--code", "risk.downtime"]);
    assert!(hits.is_empty() && stderr.contains("with these filters"), "{stderr}");
    let (hits, stderr) = search(&t, "*", &["--count-by", "persona"]);
    assert_eq!(hits.len(), 1);
    assert!(stderr.contains("persona is unassigned"), "{stderr}");
    let (_, stderr) = search(&t, "?!", &[]);
    assert!(stderr.contains("no words to search"), "{stderr}");

    // Only an interviewer says it: --role any finds it.
    let i = TempStudy::new();
    i.write("transcripts/a.txt", "Interviewer: What about the zebra crossing?\nAnn: Fine.\n");
    pith(["index".as_ref(), i.path().as_os_str()]).stdout();
    let (hits, stderr) = search(&i, "zebra", &[]);
    assert!(hits.is_empty() && stderr.contains("--role any"), "{stderr}");
}

#[test]
fn kwic_aligns_every_match_and_names_its_passage() {
    let t = meeting();
    let out = pith(["search".as_ref(), t.path().as_os_str(), "battery".as_ref(), "--kwic".as_ref()]).stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in &lines {
        let chars: Vec<char> = line.chars().collect();
        // 40 characters of left context, two spaces, the match.
        let matched: String = chars[42..49].iter().collect();
        assert_eq!(matched, "battery", "{line:?}");
        assert!(!line.contains("disfmarker"), "{line}");
    }
    assert!(lines[0].ends_with("meeting:4") && lines[2].ends_with("meeting:3"), "{out}");
    assert!(lines[0].contains("  battery  should last a year"), "{}", lines[0]);
}

#[test]
fn one_passage_id_everywhere() {
    let t = meeting();
    let out = pith(["search".as_ref(), t.path().as_os_str(), "screen".as_ref()]).stdout();
    assert!(out.starts_with("meeting:5  Grad D"), "{out}");
    for id in ["meeting:5", "meeting#5"] {
        let out = pith(["lexicon", "explain", "--study", t.path().to_str().unwrap(), "--passage", id]).stdout();
        assert!(out.contains("stem=screen") && out.contains("stem=panel"), "{id}: {out}");
    }
}

#[test]
fn a_closed_pipe_ends_the_search_quietly() {
    let t = TempStudy::new();
    let text: String = (0..3000).map(|i| format!("Ann: The battery number {i} is flat again today.\n")).collect();
    t.write("transcripts/a.txt", text);
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["search".as_ref(), t.path().as_os_str(), "battery".as_ref(), "-n".as_ref(), "3000".as_ref()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn qmsum_questions_pasted_verbatim_all_run_and_spelled_acronyms_are_found() {
    let Some(shared) = shared_dir("corpus/qmsum-meetings/train") else { return };
    let train = shared.join("corpus/qmsum-meetings/train");
    let t = TempStudy::new();
    let mut queries = Vec::new();
    for name in ["ES2002a.json", "ES2003a.json", "Bed004.json"] {
        let bytes = std::fs::read(train.join(name)).expect("meeting");
        let meeting: Value = serde_json::from_slice(&bytes).expect("JSON");
        for q in meeting["specific_query_list"].as_array().expect("queries") {
            queries.push(q["query"].as_str().expect("query").to_string());
        }
        t.write(&format!("transcripts/{name}"), bytes);
    }
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
    assert!(queries.len() > 10);
    for q in &queries {
        let (hits, stderr) = search(&t, q, &["--role", "any", "-n", "10"]);
        assert!(!stderr.contains("error"), "{q:?}: {stderr}");
        assert!(!hits.is_empty(), "{q:?}");
        for h in &hits {
            let snippet = h["snippet"].as_str().unwrap();
            assert!(!snippet.contains("{vocalsound}") && !snippet.contains("{disfmarker}"), "{snippet}");
        }
    }
    let (hits, _) = search(&t, "LCD", &["--role", "any"]);
    assert!(hits.iter().any(|h| h["text"].as_str().unwrap().contains("L_C_D_")), "{hits:?}");
}

/// `--code` finds the passages the reports count: a weak code alone is listed by `pith code` but
/// not counted, and not found; with a second term of its family it is both.
#[test]
fn code_filter_follows_the_family_verdict() {
    let t = TempStudy::new();
    t.write(
        "transcripts/ana.txt",
        "Maya: Tell me about the plant.\n\
         Ana: The electricity cost is high in summer.\n\
         Maya: And then?\n\
         Ana: The electricity cost is high, and we have to cut our operating cost.\n",
    );
    let rows = json_lines(&pith(["code".as_ref(), t.path().as_os_str()]).stdout());
    let cost = |row: &Value| {
        row["codes"].as_array().expect("codes").iter().find(|c| c["code"] == "need.cost").cloned().expect("need.cost")
    };
    let participant: Vec<&Value> = rows.iter().filter(|r| r["role"] == "participant").collect();
    assert_eq!(participant.len(), 2);
    assert_eq!(
        (cost(participant[0])["evidence"].as_bool(), cost(participant[1])["evidence"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(participant[0]["evidence"].as_array().expect("families").is_empty());
    assert_eq!(participant[1]["evidence"], serde_json::json!(["need"]));
    pith(["index".as_ref(), t.path().as_os_str()]).stdout();
    for code in ["need.cost", "need"] {
        let (hits, _) = search(&t, "*", &["--code", code]);
        let passages: Vec<u64> = hits.iter().filter_map(|h| h["passage"].as_u64()).collect();
        assert_eq!(passages, [participant[1]["passage"].as_u64().expect("passage")], "--code {code}");
    }
}
