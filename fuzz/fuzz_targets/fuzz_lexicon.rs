//! Compiles arbitrary text as a study lexicon: no panic (errors are values).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pith::analyze::{Analyzer, Language};
use pith::lexicon::{Lexicon, Origin};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let analyzer = Analyzer::new(Language::English);
    let _ = Lexicon::from_sources(&analyzer, &[(Origin::File("fuzz.toml".into()), text.to_string())]);
});
