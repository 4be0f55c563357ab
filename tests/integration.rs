//! The one integration-test binary (ripgrep-style): one module per area, shared helpers in `util`.

mod util;

mod brief;
mod changes;
mod cli;
mod code;
mod corpus;
mod databases;
mod hostile;
mod human_coding;
mod index;
mod ingest;
mod interrupt;
mod joined;
mod portfolio;
mod privacy;
mod report;
mod sample;
mod search;
mod trust;
