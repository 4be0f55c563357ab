//! Reads arbitrary bytes as a `.odt` transcript: no panic, and the turn invariant holds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pith::pipeline::check_read(std::path::Path::new("fuzz.odt"), data);
});
