//! Searches a small index with arbitrary query text, as typed and with `--count-by`: a query
//! is answered or refused with an error, never a panic or a stack overflow.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pith::index::{GroupBy, SearchRequest, StudyIndex};

/// A one-interview study, indexed once per fuzzing process (kept in a folder that lives as long).
fn index() -> &'static StudyIndex {
    static INDEX: OnceLock<(tempfile::TempDir, StudyIndex)> = OnceLock::new();
    let (_, index) = INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("sam.txt"),
            "Interviewer: What worries you?\nSam: Downtime. An outage during quarter close would be on me.\n",
        )
        .expect("write");
        let opened = pith::run::Opened::open(dir.path()).expect("study");
        pith::run::index(&opened, false, &mut ()).expect("index");
        let index = pith::index::open(dir.path()).expect("open");
        (dir, index)
    });
    index
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let req = SearchRequest { limit: 5, ..SearchRequest::new(query) };
    let _ = index().search(&req);
    let _ = index().count_by(&req, &GroupBy::parse("persona"));
});
