//! Integration tests: ingest. Small hand-written fixtures per format (tests/fixtures/ingest/,
//! each with its expectation here), the whole shared corpus, and `pith run`/`pith code` on a
//! folder that mixes every format.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use pith::ingest::{self, PathKind};
use pith::model::{Passage, Role, Transcript};
use pith::segment::{self, RoleRules};

use crate::util::{char_slice, json_lines, odt, pith, repo, shared_corpus, walk, zip, TempStudy};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/ingest").join(name)
}

fn read_fixture(name: &str) -> (Transcript, Vec<Passage>) {
    let path = fixture(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let read = ingest::read(&path, &bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let passages = segment::segment(&read.transcript, &RoleRules::default());
    (read.transcript, passages)
}

/// One passage rendered as a short line: `speaker|role|text|time|question index`.
fn show(t: &Transcript, p: &Passage) -> String {
    let time = p.time.map_or("-".to_string(), |t| match t.end {
        Some(e) => format!("{}-{}", t.start, e),
        None => format!("{}", t.start),
    });
    let q = p.question.map_or("-".to_string(), |q| q.to_string());
    format!("{}|{}|{}|{}|q{}", p.speaker.as_deref().unwrap_or("-"), p.role, &t.document[p.span.bytes.clone()], time, q)
}

/// Checks the offsets contract on every passage: the char span slices the same text as the byte span.
fn check_offsets(t: &Transcript, passages: &[Passage]) {
    for p in passages {
        let by_bytes = &t.document[p.span.bytes.clone()];
        assert_eq!(char_slice(&t.document, p.span.chars.start, p.span.chars.end), by_bytes);
        assert_eq!(by_bytes.trim(), by_bytes, "passage has untrimmed whitespace: {by_bytes:?}");
    }
}

fn check(name: &str, expected: &[&str]) -> Transcript {
    let (t, passages) = read_fixture(name);
    check_offsets(&t, &passages);
    let got: Vec<String> = passages.iter().map(|p| show(&t, p)).collect();
    assert_eq!(got, expected, "{name}");
    t
}

/// What a corpus folder's transcripts must give (see corpus/SOURCES.md).
struct SourceExpectation {
    folder: &'static str,
    /// Every transcript names at least two speakers.
    labelled: bool,
    /// Every transcript has an interviewer (by label or by who asks the questions).
    interviewer: bool,
    /// Speaker labels starting with this text (case-insensitive) must get this role.
    roles: &'static [(&'static str, Role)],
}

const SOURCES: &[SourceExpectation] = &[
    SourceExpectation {
        folder: "lennys-podcast",
        labelled: true,
        interviewer: true,
        roles: &[("Lenny", Role::Interviewer)],
    },
    SourceExpectation {
        folder: "rust-unsafe-interviews/transcripts",
        labelled: true,
        interviewer: true,
        roles: &[("Interviewer", Role::Interviewer), ("Participant", Role::Participant)],
    },
    SourceExpectation {
        folder: "ml-quality-practitioner-interviews",
        labelled: true,
        interviewer: true,
        roles: &[("Interviewer", Role::Interviewer), ("Interviewee", Role::Participant)],
    },
    SourceExpectation {
        folder: "data-ensemble-interviews/transcripts",
        labelled: true,
        interviewer: true,
        roles: &[("A1", Role::Interviewer), ("R1", Role::Interviewer), ("P", Role::Participant)],
    },
    SourceExpectation { folder: "ladybug-podcast", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "qmsum-meetings", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "scotus-oral-arguments-ot2019", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "earnings-calls", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "deepgram-callcenter-json", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "asr-diarization-comparison", labelled: true, interviewer: false, roles: &[] },
    SourceExpectation { folder: "zoom-txt-sample", labelled: true, interviewer: true, roles: &[] },
];

/// Corpus files whose roles the rules in `SOURCES` do not describe: a compilation episode of
/// many guests' answers, where the host is not the one asking most of the questions.
const ROLE_EXCEPTIONS: &[&str] = &["lennys-podcast/interview-q-compilation.md"];

/// Files in the corpus that are data about transcripts, not transcripts (coding tables,
/// column descriptions): they must fail with a reason, not yield passages.
const NOT_TRANSCRIPTS: &[&str] = &["requirements-quality-coded-statements/columns.json"];

#[derive(Default)]
struct Summary {
    files: usize,
    passages: usize,
    speakers: BTreeSet<String>,
    with_interviewer: usize,
    skipped: Vec<String>,
    elapsed: std::time::Duration,
}

#[test]
fn reads_the_whole_shared_corpus() {
    let Some(corpus) = shared_corpus() else { return };
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    let mut summaries: BTreeMap<String, Summary> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&corpus).expect("inside").to_string_lossy().replace('\\', "/");
        let source = rel.split('/').next().unwrap_or("").to_string();
        let kind = ingest::path_kind(path);
        let licence = rel.rsplit('/').next().is_some_and(|n| n.to_ascii_lowercase().starts_with("licen"));
        if licence
            || !matches!(kind, PathKind::Transcript | PathKind::Sniff | PathKind::Unsupported)
            || !rel.contains('/')
        {
            continue;
        }
        let bytes = std::fs::read(path).expect("read");
        let started = std::time::Instant::now();
        let summary = summaries.entry(source.clone()).or_default();
        let read = match ingest::read(path, &bytes) {
            Ok(r) => r,
            Err(e) => {
                let binary = kind == PathKind::Sniff && ingest::Format::sniff(&bytes).is_none();
                let expected = binary || kind == PathKind::Unsupported || NOT_TRANSCRIPTS.contains(&rel.as_str());
                if !expected {
                    failures.push(format!("{rel}: {e:?}"));
                }
                summary.skipped.push(format!("{rel}: {}", e.message));
                continue;
            }
        };
        assert!(!NOT_TRANSCRIPTS.contains(&rel.as_str()), "{rel} is not a transcript but was read as one");
        let passages = segment::segment(&read.transcript, &RoleRules::default());
        if passages.is_empty() {
            failures.push(format!("{rel}: no passages"));
        }
        let speakers: BTreeSet<&str> = passages.iter().filter_map(|p| p.speaker.as_deref()).collect();
        let has_interviewer = passages.iter().any(|p| p.role == Role::Interviewer);
        if let Some(exp) = SOURCES.iter().find(|s| rel.starts_with(s.folder)) {
            let is_transcript = kind != PathKind::Unsupported && !rel.to_lowercase().contains("readme");
            if is_transcript && exp.labelled && speakers.len() < 2 {
                failures.push(format!("{rel}: expected speakers, found {speakers:?}"));
            }
            if is_transcript && exp.interviewer && !has_interviewer {
                failures.push(format!("{rel}: no interviewer among {speakers:?}"));
            }
            for p in passages.iter().filter(|_| !ROLE_EXCEPTIONS.contains(&rel.as_str())) {
                let Some(speaker) = p.speaker.as_deref() else { continue };
                let wanted = exp
                    .roles
                    .iter()
                    .find(|(prefix, _)| speaker.get(..prefix.len()).is_some_and(|s| s.eq_ignore_ascii_case(prefix)));
                if let Some((_, role)) = wanted.filter(|(_, role)| *role != p.role) {
                    failures.push(format!("{rel}: {speaker} is {} but should be {role}", p.role));
                    break;
                }
            }
        }
        for p in &passages {
            let text = &read.transcript.document[p.span.bytes.clone()];
            if text.is_empty() || text.trim() != text {
                failures.push(format!("{rel}: passage {} is not trimmed speech: {text:?}", p.index));
                break;
            }
        }
        summary.elapsed += started.elapsed();
        summary.files += 1;
        summary.passages += passages.len();
        summary.with_interviewer += usize::from(has_interviewer);
        summary.speakers.extend(speakers.iter().map(|s| s.to_string()));
    }
    eprintln!(
        "{:<40} {:>6} {:>9} {:>9} {:>12} {:>8}",
        "source", "files", "passages", "speakers", "interviewer", "skipped"
    );
    for (source, s) in &summaries {
        eprintln!(
            "{source:<40} {:>6} {:>9} {:>9} {:>12} {:>8} {:>8.2}",
            s.files,
            s.passages,
            s.speakers.len(),
            s.with_interviewer,
            s.skipped.len(),
            s.elapsed.as_secs_f64()
        );
        for why in &s.skipped {
            eprintln!("    skipped {why}");
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn text_labels_with_bom_crlf_and_a_colon_in_the_text() {
    let t = check(
        "labels-bom-crlf.txt",
        &[
            "Interviewer|interviewer|What broke first?|-|q-",
            "Maya|participant|The chiller: it failed at 10:30.\r\nIt took the whole row down.|-|q0",
            "Interviewer|interviewer|And then?|-|q-",
            "Maya|participant|We moved racks.|-|q2",
        ],
    );
    // The BOM is dropped: offsets count from the first character after it.
    assert!(t.document.starts_with("Interviewer: What"));
    assert_eq!(t.turns[0].text.start, "Interviewer: ".len());
}

#[test]
fn rev_headers_front_matter_and_continuation_timestamps() {
    let t = check(
        "rev-headers.md",
        &[
            "Host|interviewer|Why did you start looking?|5|q-",
            "Ana Ruiz|participant|Our old vendor kept missing deadlines.|9|q0",
            "Ana Ruiz|participant|So we switched.|20|q0",
        ],
    );
    let attrs: Vec<(&str, &str)> = t.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(attrs, [("guest", "Ana Ruiz"), ("title", "Cooling at scale"), ("date", "2024-03-01")]);
}

#[test]
fn bold_markdown_headers_are_not_in_the_turns() {
    check(
        "bold-headers.md",
        &[
            "Interviewer|interviewer|Tell me about your week?|-|q-",
            "Participant|participant|Busy. Two outages.|-|q0",
            "Interviewer|interviewer|Which one hurt most?|-|q-",
            "Participant|participant|The second.|-|q2",
        ],
    );
}

#[test]
fn otter_header_lines_and_the_researcher_found_by_questions() {
    check(
        "otter.txt",
        &[
            "A1|interviewer|Thanks for joining. What do you build?|0|q-",
            "P1|participant|Profilers for HPC codes.|4|q0",
            "A1|interviewer|Who uses them?|69|q-",
            "P1|participant|Mostly our own team.|72|q2",
        ],
    );
}

#[test]
fn inline_timestamps_and_q_labels() {
    check(
        "inline-times.txt",
        &[
            "Q|interviewer|How many sites do you run?|1|q-",
            "Lee|participant|Three, soon four.|4|q0",
            "Ana|participant|And I run the fourth: the new one.|9|q0",
        ],
    );
}

#[test]
fn unlabelled_text_gives_paragraphs_with_role_unknown() {
    check(
        "unlabelled.txt",
        &["-|unknown|The team runs three sites\nand wants a fourth.|-|q-", "-|unknown|Budget is the blocker.|-|q-"],
    );
}

#[test]
fn webvtt_voices_prefixes_notes_empty_and_overlapping_cues() {
    let t = check(
        "zoom.vtt",
        &[
            "Interviewer|interviewer|What do you monitor every day?|1-3.5|q-",
            "Dana Lee|participant|Temperatures, mostly. And power draw & humidity.|3-9.25|q0",
            "Interviewer|interviewer|Why humidity?|10-12|q-",
            "Dana Lee|participant|Static kills disks.|12.5-15|q2",
        ],
    );
    assert_eq!(
        t.document,
        "Interviewer: What do you monitor every day?\nDana Lee: Temperatures, mostly. And power draw & humidity.\n\
         Interviewer: Why humidity?\nDana Lee: Static kills disks.\n"
    );
}

#[test]
fn subrip_name_prefix_and_multi_line_cues() {
    let t = check(
        "buzz.srt",
        &[
            "Kevin|interviewer|Welcome back to the show. What are you working on?|0-4|q-",
            "Alban|participant|A new hosting plan.|4.1-7|q0",
        ],
    );
    assert_eq!(t.document, "Kevin: Welcome back to the show. What are you working on?\nAlban: A new hosting plan.\n");
}

#[test]
fn json_whisper_segments_without_speakers() {
    let t = check("whisper.json", &["-|unknown|Hello. We run two sites.|0-4.25|q-"]);
    assert_eq!(t.document, "Hello. We run two sites.\n");
}

#[test]
fn json_utterances_in_milliseconds() {
    check(
        "assemblyai.json",
        &[
            "A|interviewer|Which tool do you use?|0.25-2.1|q-",
            "B|participant|Grafana, and a lot of scripts.|2.3-5.4|q0",
            "A|interviewer|Why scripts?|5.6-6.2|q-",
            "B|participant|Habit.|6.4-7|q2",
        ],
    );
}

#[test]
fn json_plain_array_merges_one_speaker() {
    check(
        "array.json",
        &[
            "SPEAKER_00|interviewer|Any worries?|1.5-2.5|q-",
            "SPEAKER_01|participant|Downtime. Always downtime.|3-5.5|q0",
        ],
    );
}

#[test]
fn json_behind_a_lying_extension() {
    let path = fixture("podcast-json.txt");
    let bytes = std::fs::read(&path).expect("fixture");
    assert_eq!(ingest::Format::detect(&path, &bytes), Some(ingest::Format::Json));
    check("podcast-json.txt", &["Host|interviewer|Who are you?|0.5-2|q-", "Guest|participant|A listener.|2.1-3|q0"]);
}

#[test]
fn podcasting_html_cites_times_and_paragraphs() {
    let path = fixture("podcast.html");
    let bytes = std::fs::read(&path).expect("fixture");
    assert_eq!(ingest::Format::sniff(&bytes), Some(ingest::Format::Html), "a page without its extension");
    let t = check(
        "podcast.html",
        &[
            "-|unknown|Hi, and welcome.|0|q-",
            "Kevin|interviewer|What are you working on?|4|q-",
            "Alban|participant|A new hosting plan & it's nearly done. Pricing is the hard part.|7|q1",
            "Kevin|interviewer|Why pricing?|3723|q-",
        ],
    );
    assert!(!t.document.contains("Episode 12") && !t.document.contains("not speech"), "{}", t.document);
}

/// The same episode published as HTML, JSON and SubRip reads into the same turns: speakers, words
/// and (to the second the HTML gives) times. The JSON and SubRip files stop a few words short
/// of the HTML at the very end.
#[test]
fn an_episode_in_html_reads_as_its_json_does() {
    let Some(corpus) = shared_corpus() else { return };
    let dir = corpus.join("podcast-transcript-formats/transcriptator");
    let turns = |name: &str| {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).expect("corpus file");
        let t = ingest::read(&path, &bytes).unwrap_or_else(|e| panic!("{name}: {e:?}")).transcript;
        t.turns
            .iter()
            .map(|turn| {
                let words = t.document[turn.text.clone()].split_whitespace().collect::<Vec<_>>().join(" ");
                (turn.speaker.clone(), words, turn.time.map(|x| x.start))
            })
            .collect::<Vec<_>>()
    };
    let html = turns("buzzcast.html");
    assert!(html.len() > 30, "{} turns", html.len());
    for other in ["buzzcast.json", "buzzcast.srt"] {
        let other_turns = turns(other);
        assert_eq!(html.len(), other_turns.len(), "{other}");
        let last = html.len() - 1;
        for (i, ((speaker, words, time), (o_speaker, o_words, o_time))) in html.iter().zip(&other_turns).enumerate() {
            assert_eq!(speaker, o_speaker, "{other}: turn {i}");
            if i == last {
                assert!(words.starts_with(o_words.as_str()), "{other}: last turn\n{words}\n{o_words}");
            } else {
                assert_eq!(words, o_words, "{other}: turn {i}");
            }
            let (t, o) = (time.expect("an HTML time"), o_time.expect("a time"));
            assert!(t <= o && o - t < 1.0, "{other}: turn {i} at {t} and {o}");
        }
    }
}

#[test]
fn docx_paragraphs_and_tables_but_not_page_headers() {
    let t = check(
        "table-header.docx",
        &[
            "Interviewer|interviewer|What do you use today?|-|q-",
            "Sam|participant|Spreadsheets, sadly. It works until it doesn't.|-|q0",
            "Interviewer|interviewer|Do you trust the vendor?|-|q-",
            "Sam|participant|Not yet.|-|q2",
        ],
    );
    assert!(!t.document.contains("CONFIDENTIAL"));
}

#[test]
fn windows_1252_decodes_with_a_warning() {
    let path = fixture("cp1252.txt");
    let read = ingest::read(&path, &std::fs::read(&path).expect("fixture")).expect("readable");
    assert_eq!(read.warnings.len(), 1);
    assert_eq!(read.warnings[0].line, Some(1));
    check(
        "cp1252.txt",
        &[
            "Interviewer|interviewer|What\u{2019}s the worry?|-|q-",
            "Ana|participant|We\u{2019}re \u{201C}fine\u{201D}.|-|q0",
        ],
    );
}

#[test]
fn group_interviews_have_several_participants() {
    check(
        "group.txt",
        &[
            "Moderator|interviewer|Who decides on new tools?|-|q-",
            "Kim|participant|Our CFO.|-|q0",
            "Raj|participant|And the CIO, for anything on the network.|-|q0",
            "Moderator|interviewer|Anyone else?|-|q-",
            "Kim|participant|Procurement, late.|-|q3",
        ],
    );
}

#[test]
fn manifest_speaker_and_config_interviewers_decide_roles() {
    let (t, _) = read_fixture("group.txt");
    let rules = RoleRules { interviewers: vec!["kim".into()], participants: vec!["Raj".into()] };
    let roles = segment::assign_roles(&t, &rules);
    assert_eq!(roles["Kim"], Role::Interviewer);
    assert_eq!(roles["Raj"], Role::Participant);
    assert_eq!(roles["Moderator"], Role::Interviewer);
}

/// A study whose transcripts folder mixes every format, plus two files that cannot be read.
fn mixed_study() -> TempStudy {
    let study = TempStudy::new();
    for name in [
        "labels-bom-crlf.txt",
        "rev-headers.md",
        "otter.txt",
        "zoom.vtt",
        "buzz.srt",
        "podcast.html",
        "assemblyai.json",
        "table-header.docx",
        "cp1252.txt",
        "group.txt",
    ] {
        study.write(&format!("transcripts/{name}"), std::fs::read(fixture(name)).expect("fixture"));
    }
    study.write("transcripts/nested/no-extension", "Interviewer: Why?\nBo: Because.\n");
    study.write("transcripts/broken.json", "{\n  \"segments\": [\n    {\"text\": \"hi\",}\n  ]\n}\n");
    study.write("transcripts/session.odt", b"PK\x03\x04not really");
    study.write("transcripts/slides.pages", b"PK\x03\x04not really");
    study.write("transcripts/codes.csv", "not,a,transcript\n");
    study.write("transcripts/cover.png", b"\x89PNG\r\n\x1a\n\x00\x00");
    study.write("transcripts/recording.bin", b"\x00\x01\x02binary");
    study.write(
        "participants.csv",
        "transcript,participant,persona,speaker\nZOOM,Dana,Debbie,Dana Lee\nnested/no-extension,Bo,Frank,\nghost.txt,Nobody,Frank,\n",
    );
    study
}

#[test]
fn run_on_a_mixed_folder_reports_the_rest_and_names_each_unreadable_file() {
    let study = mixed_study();
    let (_, stderr) = pith(["run".as_ref(), study.path().as_os_str()]).status(2);
    assert!(stderr.contains("broken.json:3: skipped: invalid JSON"), "{stderr}");
    assert!(stderr.contains("session.odt: skipped: not an OpenDocument file"), "{stderr}");
    assert!(stderr.contains("slides.pages: skipped: Pages files are not supported"), "{stderr}");
    assert!(stderr.contains("cp1252.txt:1: warning: not UTF-8"), "{stderr}");
    assert!(stderr.contains("no transcript matches \"ghost.txt\""), "{stderr}");
    assert!(stderr.contains("group.txt: warning: no row in participants.csv"), "{stderr}");
    assert!(stderr.contains("recording.bin: skipped: binary file (NUL bytes"), "{stderr}");
    assert!(!stderr.contains("codes.csv") && !stderr.contains("cover.png"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&study.read("out/report.json")).expect("report.json");
    assert_eq!(report["interviews"], 11, "{report}");
}

#[test]
fn strict_stops_at_the_first_unreadable_file() {
    let study = mixed_study();
    let (_, stderr) = pith(["--strict".as_ref(), "run".as_ref(), study.path().as_os_str()]).status(1);
    assert!(stderr.contains("broken.json:3"), "{stderr}");
    assert!(!study.path().join("out/report.json").exists());
}

#[test]
fn every_passage_slices_back_out_of_its_document() {
    let study = mixed_study();
    let (docs, _) = pith(["code".as_ref(), study.path().as_os_str(), "--documents".as_ref()]).status(2);
    let documents: BTreeMap<String, String> = json_lines(&docs)
        .into_iter()
        .map(|d| (d["interview"].as_str().expect("id").to_string(), d["document"].as_str().expect("doc").to_string()))
        .collect();
    assert_eq!(documents.len(), 11);
    assert!(documents["zoom"].starts_with("Interviewer: What do you monitor every day?\n"));
    let (rows, _) = pith(["code".as_ref(), study.path().as_os_str()]).status(2);
    let rows = json_lines(&rows);
    for row in &rows {
        let doc = &documents[row["interview"].as_str().expect("id")];
        let (start, end) = (row["start"].as_u64().expect("start") as usize, row["end"].as_u64().expect("end") as usize);
        assert_eq!(char_slice(doc, start, end), row["text"].as_str().expect("text"), "{row}");
    }
    let dana: Vec<_> = rows.iter().filter(|r| r["interview"] == "zoom" && r["role"] == "participant").collect();
    assert_eq!(dana.len(), 2);
    assert_eq!(dana[0]["participant"], "Dana");
    assert_eq!(dana[0]["persona"], "Debbie");
    assert_eq!(dana[0]["time"], 3.0);
    assert_eq!(dana[0]["question"], "What do you monitor every day?");
    let bo = rows.iter().find(|r| r["interview"] == "nested/no-extension" && r["speaker"] == "Bo").expect("Bo");
    assert_eq!((bo["persona"].as_str(), bo["role"].as_str()), (Some("Frank"), Some("participant")));
}

#[test]
fn manifest_rows_match_by_path_or_stem_case_insensitively() {
    let study = TempStudy::new();
    let nfd = "transcripts/Jos\u{65}\u{301}.txt";
    for rel in ["transcripts/nested/P1.txt", "transcripts/other/p2.md", "transcripts/p3.vtt", "transcripts/p4.txt", nfd]
    {
        study.write(rel, "Interviewer: Why?\nAna: Because.\n");
    }
    study.write(
        "participants.csv",
        "transcript,persona\nTranscripts/Nested/p1.TXT,Debbie\nP2,Frank\np3,Frank\nnested/p9.txt,Debbie\njos\u{e9},Frank\n",
    );
    let opened = pith::study::Study::open(study.path()).expect("study");
    let persona = |rel: &str| opened.meta_for(&study.path().join(rel)).persona;
    assert_eq!(persona("transcripts/nested/P1.txt"), "Debbie");
    assert_eq!(persona("transcripts/other/p2.md"), "Frank");
    assert_eq!(persona("transcripts/p3.vtt"), "Frank");
    assert_eq!(persona("transcripts/p4.txt"), "unassigned");
    assert_eq!(persona(nfd), "Frank", "an NFD file name matches an NFC row");
    let warnings: Vec<String> = opened.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("p4.txt: warning: no row in participants.csv")), "{warnings:?}");
    assert!(warnings
        .iter()
        .any(|w| w.contains("participants.csv:5: warning: no transcript matches \"nested/p9.txt\"")));
}

/// Every cut of every fixture (and a few corrupted bytes) reads or fails with a reason, never
/// panics, and what it reads keeps the turn invariant: inside the document, on char
/// boundaries, ascending, disjoint, trimmed speech.
#[test]
fn truncated_and_corrupted_inputs_never_panic_and_keep_the_turn_invariant() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/ingest"))
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut checked = 0;
    for path in names {
        let bytes = std::fs::read(&path).expect("fixture");
        let step = (bytes.len() / 40).max(1);
        for cut in (0..=bytes.len()).step_by(step) {
            let mut variants = vec![bytes[..cut].to_vec()];
            let mut corrupted = bytes.clone();
            if let Some(b) = corrupted.get_mut(cut) {
                *b = 0xE9; // a lone Latin-1 byte: not UTF-8
            }
            variants.push(corrupted);
            for v in variants {
                let Ok(read) = ingest::read(&path, &v) else { continue };
                let t = &read.transcript;
                let mut last_end = 0;
                for turn in &t.turns {
                    let r = turn.text.clone();
                    assert!(r.start >= last_end && r.start < r.end && r.end <= t.document.len(), "{path:?} cut {cut}");
                    assert!(t.document.is_char_boundary(r.start) && t.document.is_char_boundary(r.end));
                    let text = &t.document[r.clone()];
                    assert_eq!(text.trim(), text, "{path:?} cut {cut}");
                    last_end = r.end;
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} variants read");
}

#[test]
fn a_bare_folder_ignores_what_is_obviously_not_a_transcript() {
    let study = TempStudy::new();
    study.write("interview-1.txt", "Interviewer: Why?\nAna: Because.\n");
    study.write("interview-2", "Interviewer: How?\nBo: Slowly.\n");
    study.write("codes.csv", "code,label\n");
    study.write("photo.jpg", b"\xFF\xD8\xFF\xE0\x00");
    study.write("LICENSE", "MIT License\n");
    study.write("data.bin", b"\x00\x01\x02");
    study.write("README.md", "# About this study\n");
    let (out, stderr) = pith(["code".as_ref(), study.path().as_os_str(), "--documents".as_ref()]).status(0);
    assert_eq!(stderr, "");
    let ids: Vec<String> = json_lines(&out).iter().map(|d| d["interview"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(ids, ["interview-1", "interview-2"]);
}

fn passages_of(name: &str, bytes: &[u8], limits: &ingest::Limits) -> Result<Vec<String>, String> {
    let read = ingest::read_with(std::path::Path::new(name), bytes, limits).map_err(|e| e.message)?;
    let t = read.transcript;
    Ok(segment::segment(&t, &RoleRules::default()).iter().map(|p| show(&t, p)).collect())
}

#[test]
fn odt_paragraphs_speaker_labels_and_spaces() {
    let body = r#"<text:p>Interviewer: What do you use today?</text:p><text:p>Sam:<text:s text:c="2"/>Spreadsheets,<text:line-break/>sadly &amp; slowly.</text:p><text:table><text:table-row><text:table-cell><text:p>Interviewer: Do you trust the vendor?</text:p></text:table-cell></text:table-row></text:table><text:p>Sam: Not yet.<text:note><text:note-body><text:p>Footnote.</text:p></text:note-body></text:note></text:p>"#;
    let got = passages_of("session.odt", &odt(body), &ingest::Limits::default());
    assert_eq!(
        got.as_deref(),
        Ok(&[
            "Interviewer|interviewer|What do you use today?|-|q-".to_string(),
            "Sam|participant|Spreadsheets, sadly & slowly.|-|q0".to_string(),
            "Interviewer|interviewer|Do you trust the vendor?|-|q-".to_string(),
            "Sam|participant|Not yet.|-|q2".to_string(),
        ][..])
    );
    // Without its extension, the zip is still found to be OpenDocument.
    assert_eq!(passages_of("session", &odt(body), &ingest::Limits::default()).map(|p| p.len()), Ok(4));
}

#[test]
fn odt_bold_question_lines_are_notes() {
    let q = |text: &str| format!(r#"<text:p><text:span text:style-name="B">{text}</text:span></text:p>"#);
    let body = [
        q("Why did you switch tools?"),
        "<text:p>The old one kept crashing.</text:p>".into(),
        q("Tell me about the last outage."),
        "<text:p>Two days down.</text:p><text:p>[moderator shares the prototype]</text:p>".into(),
        q("What would you change?"),
        "<text:p>Faster alerts.</text:p>".into(),
    ]
    .concat();
    let got = passages_of("notes.odt", &odt(&body), &ingest::Limits::default());
    assert_eq!(
        got.as_deref(),
        Ok(&[
            "-|interviewer|Why did you switch tools?|-|q-".to_string(),
            "-|participant|The old one kept crashing.|-|q0".to_string(),
            "-|interviewer|Tell me about the last outage.|-|q-".to_string(),
            "-|participant|Two days down.|-|q2".to_string(),
            "-|note|moderator shares the prototype|-|q-".to_string(),
            "-|interviewer|What would you change?|-|q-".to_string(),
            "-|participant|Faster alerts.|-|q5".to_string(),
        ][..])
    );
}

#[test]
fn odt_zip_bombs_and_entry_floods_are_refused_like_docx() {
    let limits = ingest::Limits { max_docx_xml_bytes: 100 << 10, max_docx_entries: 10, ..ingest::Limits::default() };
    let filler = format!("<text:p>Sam: {}</text:p>", "a ".repeat(60_000));
    let bomb = passages_of("bomb.odt", &odt(&filler), &limits);
    assert_eq!(bomb, Err("content.xml decompresses to more than 100 KB (a zip bomb? limit: max_docx_xml_bytes in pith.toml [limits])".into()));
    let names: Vec<String> = (0..11).map(|i| format!("pad{i}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let flood = passages_of("flood.odt", &zip(&entries), &limits).map_err(|e| e.split(" (").next().map(str::to_string));
    assert_eq!(flood, Err(Some("not an OpenDocument file: the zip has 11 entries".into())));
    let empty = passages_of("empty.odt", &zip(&[("mimetype", b"application/vnd.oasis.opendocument.text")]), &limits);
    assert_eq!(empty, Err("not an OpenDocument file: the zip has no content.xml".into()));
}

/// Interview ids of a study's `pith code` rows, with how many rows carry each (interview, passage).
fn coded_ids(study: &TempStudy) -> (BTreeSet<String>, usize, String) {
    let (rows, stderr) = pith(["code".as_ref(), study.path().as_os_str()]).status(0);
    let rows = json_lines(&rows);
    let keys: BTreeSet<(String, u64)> = rows
        .iter()
        .map(|r| (r["interview"].as_str().unwrap_or("").to_string(), r["passage"].as_u64().unwrap_or(0)))
        .collect();
    let repeated = rows.len() - keys.len();
    (keys.into_iter().map(|(id, _)| id).collect(), repeated, stderr)
}

/// A study with `buzz.srt` and `buzz.json`, two different interviews.
fn one_name_two_files() -> TempStudy {
    let study = TempStudy::new();
    study.write("transcripts/buzz.srt", std::fs::read(fixture("buzz.srt")).expect("fixture"));
    study.write("transcripts/buzz.json", std::fs::read(fixture("assemblyai.json")).expect("fixture"));
    study
}

#[test]
fn files_that_share_a_name_are_distinct_interviews() {
    let study = one_name_two_files();
    study.write("transcripts/caf\u{e9}.txt", "Interviewer: Why?\nAna: Downtime, in March.\n");
    study.write("transcripts/cafe\u{301}.txt", "Interviewer: How?\nBo: Downtime again, in May.\n");
    let (ids, repeated, stderr) = coded_ids(&study);
    let want: BTreeSet<String> =
        ["buzz.json", "buzz.srt", "caf\u{e9}.txt", "caf\u{e9}.txt~2"].iter().map(|s| s.to_string()).collect();
    assert_eq!(ids, want, "{stderr}");
    assert_eq!(repeated, 0, "no passage number is given twice");

    // Search hits and `--passage` name the same ids.
    pith(["index".as_ref(), study.path().as_os_str()]).stdout();
    let hits = pith(["search".as_ref(), study.path().as_os_str(), "downtime".as_ref(), "--json".as_ref()]).stdout();
    let hit_ids: BTreeSet<String> =
        json_lines(&hits).iter().map(|h| h["interview"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(hit_ids.len(), 2, "{hits}");
    assert!(hit_ids.is_subset(&want), "{hit_ids:?}");
    for id in &hit_ids {
        let at = format!("{id}:1");
        let args = ["lexicon".as_ref(), "explain".as_ref(), "--study".as_ref(), study.path().as_os_str()];
        let out = pith(args.into_iter().chain(["--passage".as_ref(), at.as_ref()])).stdout();
        assert!(out.contains("Downtime"), "{at}: {out}");
    }
}

#[test]
fn one_participant_for_two_files_of_one_name_is_a_warning_naming_both() {
    let study = one_name_two_files();
    study.write("participants.csv", "transcript,participant,persona\nbuzz,Alban,Host\n");
    let (ids, _, stderr) = coded_ids(&study);
    assert_eq!(ids.len(), 2, "{stderr}");
    assert!(
        stderr.contains(
            "participants.csv:2: warning: buzz.json (interview buzz.json) and buzz.srt (interview buzz.srt) are 2 \
             interviews of one participant (Alban)"
        ),
        "{stderr}"
    );
}

/// Passage times of the `name` transcript: (first words, start, end).
fn passage_times(name: &str, text: &str) -> Vec<(String, f64, Option<f64>)> {
    let read = ingest::read(std::path::Path::new(name), text.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
    let t = read.transcript;
    segment::segment(&t, &RoleRules::default())
        .iter()
        .map(|p| {
            let words: Vec<&str> = t.document[p.span.bytes.clone()].split_whitespace().take(2).collect();
            let time = p.time.unwrap_or_default();
            (words.join(" "), time.start, time.end)
        })
        .collect()
}

/// `n` sentences of 15 words, the first word of each naming it (`S01`, `S02`, ...).
fn sentences(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("S{i:02} alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn each_piece_of_a_split_turn_starts_at_its_own_time() {
    // Three cues of one speaker merge into one 180-word turn, split after sentence 8: the second
    // piece starts where the third cue does.
    let vtt = format!(
        "WEBVTT\n\n00:00:10.000 --> 00:00:20.000\n<v Ana>{}\n\n00:00:20.000 --> 00:00:30.000\n<v Ana>{}\n\n\
         00:00:30.000 --> 00:00:40.000\n<v Ana>{}\n",
        sentences(1, 4),
        sentences(5, 4),
        sentences(9, 4)
    );
    let got = passage_times("a.vtt", &vtt);
    assert_eq!(
        got.iter().map(|(w, s, _)| (w.as_str(), *s)).collect::<Vec<_>>(),
        [("S01 alpha", 10.0), ("S09 alpha", 30.0)]
    );
    assert_eq!(got[1].2, Some(40.0));

    // A text transcript times turns only: the second piece, two thirds into Ana's turn by
    // characters, starts two thirds of the way to Bo's turn.
    let text = format!("Ana (00:01:00):\n{}\n\nBo (00:03:00):\nOkay.\n", sentences(1, 12));
    let got = passage_times("a.md", &text);
    assert_eq!(got.len(), 3);
    assert_eq!((got[0].0.as_str(), got[0].1), ("S01 alpha", 60.0));
    assert_eq!(got[1].0, "S09 alpha");
    assert!((got[1].1 - 140.0).abs() < 0.5, "{got:?}");
    assert_eq!(got[2].1, 180.0);
}
