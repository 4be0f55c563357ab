//! Reads arbitrary bytes as a report.json (what `pith diff` and the portfolio read): an error or
//! a report, never a crash; a report is compared with itself, described, and put in a portfolio
//! twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = pith::readback::parse(std::path::Path::new("report.json"), data) else { return };
    let changes = pith::changes::compare(&report, &report);
    let _ = pith::changes::to_text(&changes);
    let input = |path: &str| pith::portfolio::Input {
        path: path.into(),
        product: Default::default(),
        report: report.clone(),
        coded: 0,
    };
    let _ = pith::portfolio::build(&[input("a"), input("b")]);
});
