//! pith turns interview transcripts into coded, searchable evidence for persona work.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! transcripts → ingest → segment → analyze → code → index      (tantivy)
//!              (turns)  (passages) (tokens)  (tags) → aggregate  (per persona)
//!                                                   → report     (md, html, json, csv, qdpx)
//! ```
//!
//! [`ingest`] reads text and Markdown (speaker labels, Otter/Rev headers, front matter),
//! WebVTT, SubRip, speech-to-text JSON and Word `.docx` transcripts, chosen by extension and
//! then by content, into a document text and speaker turns that every offset points into.
//! [`study`] opens a study folder, [`lexicon`] compiles the lexicons ([`meaning`] is their optional
//! second opinion from token embeddings), [`pipeline`] runs the
//! stages over every transcript in parallel and streams the coded interviews on, [`index`] keeps
//! them searchable, [`aggregate`] folds them into per-persona tables and [`report`] writes them.
//! [`run`] is the whole job in that order, what `pith run`, `pith report` and `pith index` call;
//! the shared nouns (transcripts, passages, tags, coded interviews) are in [`model`].
//!
//! ```
//! use pith::{analyze::{Analyzer, Language}, lexicon::Lexicon, model::Transcript, pipeline, segment};
//!
//! let analyzer = Analyzer::new(Language::English);
//! let lexicon = Lexicon::load(&analyzer, &[]).expect("built-in lexicons are valid");
//! let transcript = pith::ingest::read(
//!     "interview.txt".as_ref(),
//!     b"Interviewer: What worries you?\nDebbie: Downtime. We can't afford an outage.\n",
//! ).expect("readable").transcript;
//! let passages = segment::segment(&transcript, &segment::RoleRules::default());
//! let (coded, _terms) = pipeline::code_passages(&lexicon, &analyzer, &transcript.document, passages, Default::default());
//! let codes: Vec<&str> = coded[1].tags.iter().map(|t| lexicon.codes()[t.code].id.as_str()).collect();
//! assert!(codes.contains(&"risk.downtime"));
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod analyze;
pub mod cache;
pub mod changes;
pub mod code;
pub mod coding;
pub mod error;
pub mod fsutil;
pub mod human;
pub mod import;
pub mod index;
pub mod ingest;
pub mod lexicon;
pub mod meaning;
pub mod model;
pub mod pipeline;
pub mod portfolio;
pub mod readback;
pub mod report;
pub mod review;
pub mod run;
pub mod segment;
pub mod study;
pub mod words;

pub use error::{Diagnostic, Error, Result, Severity};
