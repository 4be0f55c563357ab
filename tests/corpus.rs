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

/// Per source: transcripts read, passages, and passages with role participant, interviewer and
/// unknown. `.odt` files are left out (they are read by their own test).
const COUNTS: &[(&str, [usize; 5])] = &[
    ("asr-diarization-comparison", [59, 7896, 5410, 2480, 6]),
    ("data-ensemble-interviews", [13, 1006, 610, 335, 61]),
    ("deepgram-callcenter-json", [1, 50, 25, 25, 0]),
    ("earnings-calls", [346, 38409, 34403, 4002, 4]),
    ("ladybug-podcast", [75, 10134, 6696, 3438, 0]),
    ("lennys-podcast", [303, 70222, 45140, 25082, 0]),
    ("ml-quality-practitioner-interviews", [37, 5837, 3954, 1876, 7]),
    ("podcast-transcript-formats", [13, 431, 253, 173, 5]),
    ("qmsum-meetings", [233, 131231, 95838, 35388, 5]),
    ("requirements-quality-coded-statements", [2, 14, 0, 0, 14]),
    ("rust-unsafe-interviews", [27, 3022, 1740, 1244, 38]),
    ("scotus-oral-arguments-ot2019", [60, 15694, 13985, 1692, 17]),
    ("serdif-usability-sessions", [18, 54, 20, 1, 33]),
    ("talk-python-podcast", [120, 55264, 268, 0, 54996]),
    ("zoom-txt-sample", [2, 17, 6, 6, 5]),
];

/// The counts of every source of `corpus` the table covers.
fn counts(corpus: &std::path::Path) -> BTreeMap<String, [usize; 5]> {
    let mut files = Vec::new();
    walk(corpus, &mut files);
    let mut out: BTreeMap<String, [usize; 5]> = BTreeMap::new();
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
                _ => 4,
            }] += 1;
        }
    }
    out
}

fn table(rows: &BTreeMap<String, [usize; 5]>) -> String {
    rows.iter().map(|(s, c)| format!("    (\"{s}\", {c:?}),\n")).collect()
}

#[test]
fn every_other_source_reads_into_the_same_passages_and_roles() {
    let Some(corpus) = shared_corpus() else { return };
    let got = counts(&corpus);
    let want: BTreeMap<String, [usize; 5]> = COUNTS.iter().map(|(s, c)| (s.to_string(), *c)).collect();
    assert_eq!(got, want, "counts per source changed; now:\n{}", table(&got));
}
