//! Integration tests: what the readers make of each real source in `../shared/corpus`, per
//! source, as counts of transcripts read, passages, and passages per role. A reader change that
//! moves any of them fails here, naming the source and both tables.

use std::collections::BTreeMap;

use pith::ingest::{self, PathKind};
use pith::model::Role;
use pith::segment::{self, RoleRules};

use crate::util::{shared_corpus, walk};

/// Sources read by their own tests (notes layouts, OpenDocument) rather than held to this table.
const OWN_TESTS: &[&str] = &["va-transition-discovery-2024", "va-servicemembers-2019", "va-avs-usability-2023"];

/// Per source: transcripts read, passages, and passages with role participant, interviewer,
/// unknown and note. `.odt` files are left out (they are read by their own test).
const COUNTS: &[(&str, [usize; 6])] = &[
    ("asr-diarization-comparison", [59, 7896, 5410, 2480, 6, 0]),
    ("data-ensemble-interviews", [13, 1006, 610, 335, 61, 0]),
    ("deepgram-callcenter-json", [1, 50, 25, 25, 0, 0]),
    ("earnings-calls", [346, 38409, 34403, 4002, 4, 0]),
    ("ladybug-podcast", [75, 10134, 6696, 3438, 0, 0]),
    ("lennys-podcast", [303, 70222, 45140, 25082, 0, 0]),
    ("ml-quality-practitioner-interviews", [37, 5837, 3954, 1876, 7, 0]),
    ("podcast-transcript-formats", [16, 605, 389, 209, 7, 0]),
    ("qmsum-meetings", [233, 131231, 95838, 35388, 5, 0]),
    ("requirements-quality-coded-statements", [2, 14, 0, 0, 14, 0]),
    ("rust-unsafe-interviews", [27, 3022, 1740, 1244, 38, 0]),
    ("scotus-oral-arguments-ot2019", [60, 15694, 13985, 1692, 17, 0]),
    ("serdif-usability-sessions", [18, 54, 20, 1, 33, 0]),
    ("talk-python-podcast", [120, 55264, 268, 0, 54996, 0]),
    ("zoom-txt-sample", [2, 17, 6, 6, 5, 0]),
];

/// The counts of every source of `corpus` the table covers.
fn counts(corpus: &std::path::Path) -> BTreeMap<String, [usize; 6]> {
    let mut files = Vec::new();
    walk(corpus, &mut files);
    let mut out: BTreeMap<String, [usize; 6]> = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(corpus).expect("inside").to_string_lossy().replace('\\', "/");
        let Some((source, _)) = rel.split_once('/') else { continue };
        let odt = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("odt"));
        let kind = ingest::path_kind(path);
        if OWN_TESTS.contains(&source) || odt || !matches!(kind, PathKind::Transcript | PathKind::Sniff) {
            continue;
        }
        let bytes = std::fs::read(path).expect("read");
        let Ok(read) = ingest::read(path, &bytes) else { continue };
        let passages = segment::segment(&read.transcript, &RoleRules::default());
        let row = out.entry(source.to_string()).or_default();
        row[0] += 1;
        row[1] += passages.len();
        for p in &passages {
            row[match p.role {
                Role::Participant => 2,
                Role::Interviewer => 3,
                Role::Unknown => 4,
                Role::Note => 5,
            }] += 1;
        }
    }
    out
}

fn table(rows: &BTreeMap<String, [usize; 6]>) -> String {
    rows.iter().map(|(s, c)| format!("    (\"{s}\", {c:?}),\n")).collect()
}

#[test]
fn every_other_source_reads_into_the_same_passages_and_roles() {
    let Some(corpus) = shared_corpus() else { return };
    let got = counts(&corpus);
    let want: BTreeMap<String, [usize; 6]> = COUNTS.iter().map(|(s, c)| (s.to_string(), *c)).collect();
    assert_eq!(got, want, "counts per source changed; now:\n{}", table(&got));
}

/// The passages of one corpus file, with default role rules.
fn read_passages(path: &std::path::Path) -> (pith::model::Transcript, Vec<pith::model::Passage>) {
    let bytes = std::fs::read(path).expect("read");
    let read = ingest::read(path, &bytes).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let passages = segment::segment(&read.transcript, &RoleRules::default());
    (read.transcript, passages)
}

#[test]
fn interview_notes_give_questions_answers_and_notes() {
    let Some(corpus) = shared_corpus() else { return };
    let mut guide: Vec<String> = Vec::new();
    let mut answers: Vec<(String, String)> = Vec::new();
    let mut dump = String::new();
    for source in OWN_TESTS {
        let mut files = Vec::new();
        walk(&corpus.join(source), &mut files);
        assert!(!files.is_empty(), "{source}");
        for path in files {
            let (t, passages) = read_passages(&path);
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let count = |r: Role| passages.iter().filter(|p| p.role == r).count();
            let (participant, interviewer, note) =
                (count(Role::Participant), count(Role::Interviewer), count(Role::Note));
            dump += &format!("{source}/{name}: {} passages, {participant} participant, {interviewer} interviewer, {note} note, {} unknown\n", passages.len(), count(Role::Unknown));
            assert!(
                participant > 0 && interviewer > 0,
                "{source}/{name}: {participant} participant, {interviewer} interviewer"
            );
            for p in &passages {
                let text = t.document[p.span.bytes.clone()].to_string();
                match p.role {
                    Role::Interviewer => guide.push(text),
                    Role::Participant => {
                        let q = p.question.map(|q| t.document[passages[q].span.bytes.clone()].to_string());
                        if let Some(q) = p.question {
                            assert_eq!(passages[q].role, Role::Interviewer, "{name}: {text}");
                        }
                        answers.push((text, q.unwrap_or_default()));
                    }
                    _ => {}
                }
            }
        }
    }
    eprintln!("{dump}");
    // Guide questions recur across interviews: none is inside any participant's passage.
    guide.retain(|q| q.split_whitespace().count() >= 5 && q.trim_end().ends_with('?'));
    for (answer, _) in &answers {
        if let Some(q) = guide.iter().find(|q| answer.contains(q.as_str())) {
            panic!("a guide question is in a participant's passage:\n{q}\nin:\n{answer}");
        }
    }
    let answer = |start: &str| answers.iter().find(|(a, _)| a.starts_with(start)).map(|(_, q)| q.as_str());
    assert_eq!(
        answer("At that time, I was not aware of the benefits."),
        Some("If you could wave a magic wand, what you do to make the whole benefits process easier?")
    );
    assert_eq!(
        answer("I’m using the education benefits right now."),
        Some("Have you ever used any VA benefits or services?")
    );
}

#[test]
fn opendocument_sessions_read_into_turns_with_their_speakers() {
    let Some(corpus) = shared_corpus() else { return };
    let mut files = Vec::new();
    walk(&corpus.join("serdif-usability-sessions"), &mut files);
    files.retain(|p| p.extension().is_some_and(|e| e == "odt"));
    assert_eq!(files.len(), 17);
    for path in files {
        let (t, passages) = read_passages(&path);
        let name = path.display();
        let moderator = passages.iter().filter(|p| p.speaker.as_deref() == Some("MODERATOR")).count();
        assert!(moderator > 0, "{name}: no MODERATOR turn");
        assert!(passages
            .iter()
            .filter(|p| p.speaker.as_deref() == Some("MODERATOR"))
            .all(|p| p.role == Role::Interviewer));
        let participant: Vec<&str> = passages
            .iter()
            .filter(|p| p.role == Role::Participant)
            .map(|p| &t.document[p.span.bytes.clone()])
            .collect();
        assert!(participant.len() >= 10, "{name}: {} participant passages", participant.len());
        assert!(
            participant.iter().all(|p| !p.contains("MODERATOR:")),
            "{name}: a moderator's line in a participant's passage"
        );
    }
}
