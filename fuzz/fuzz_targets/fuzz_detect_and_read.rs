//! Reads arbitrary bytes under an extension chosen by the first byte (or none): format
//! detection and every reader, no panic, and the turn invariant holds.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "fuzz",
    "fuzz.txt",
    "fuzz.md",
    "fuzz.vtt",
    "fuzz.srt",
    "fuzz.json",
    "fuzz.docx",
    "fuzz.html",
    "fuzz.pdf",
    "fuzz.xyz",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    pith::pipeline::check_read(std::path::Path::new(name), bytes);
});
