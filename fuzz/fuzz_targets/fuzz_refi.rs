//! Reads arbitrary bytes as a REFI-QDA archive and as project or codebook XML: no panic, and
//! every selection kept lies inside its source's text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = pith::ingest::Limits::default();
    let read = [pith::import::refi::read_qdpx(data, &limits), pith::import::refi::read_xml(data)];
    for project in read.into_iter().flatten() {
        for s in &project.selections {
            let source = project.sources.iter().find(|x| x.guid == s.source).expect("a selection's source is kept");
            let end = s.end.expect("positions are checked");
            assert!(s.start <= end && end <= source.text.chars().count());
        }
    }
});
