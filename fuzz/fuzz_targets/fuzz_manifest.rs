//! Parses arbitrary bytes as `participants.csv`: no panic, and every row kept names a
//! transcript inside the study.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut diagnostics = Vec::new();
    if let Ok(rows) = pith::study::parse_manifest(std::path::Path::new("participants.csv"), data, &mut diagnostics) {
        for row in rows {
            assert!(!row.transcript.is_empty());
            assert!(!row.transcript.split(['/', '\\']).any(|c| c == ".."), "{:?} escapes", row.transcript);
            assert!(!row.transcript.starts_with(['/', '\\']), "{:?} is absolute", row.transcript);
        }
    }
});
