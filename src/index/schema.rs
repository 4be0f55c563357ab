//! The index schema: one document per passage. Field names are named once, here.
//!
//! Raw (untokenized) fields are fast so filters and `count_by` read columns rather than
//! stored documents; the passage's words are indexed as the coder's stems (see `tokenizer`)
//! and its text is stored beside them as written; codes are hierarchical
//! facets (`/risk/risk.downtime`), negated codes a facet field of their own; participant
//! attributes are one multi-valued raw field of `key=value` strings (keys lowercased), which
//! serves `--attr KEY=VALUE` as a term and `--count-by KEY` as a column.

use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};

use super::tokenizer::STEMS;

/// Bumped whenever the schema or what goes into a document changes: an index with another
/// version is rebuilt from scratch.
pub const SCHEMA_VERSION: u32 = 3;

/// Source path relative to the study: the key an update deletes by.
pub const SOURCE: &str = "source";
/// Interview id.
pub const INTERVIEW: &str = "interview";
/// Passage index within the interview.
pub const PASSAGE: &str = "passage";
/// Participant name or code.
pub const PARTICIPANT: &str = "participant";
/// Proto-persona.
pub const PERSONA: &str = "persona";
/// Speaker label as written.
pub const SPEAKER: &str = "speaker";
/// `participant`, `interviewer` or `unknown`.
pub const ROLE: &str = "role";
/// Start time in seconds.
pub const TIME: &str = "time";
/// The passage's words (the default search field; indexed, not stored).
pub const TEXT: &str = "text";
/// The passage as written (stored: hits and snippets).
pub const WRITTEN: &str = "written";
/// Codes the passage is evidence for, as facets.
pub const CODE: &str = "code";
/// Codes whose every mention in the passage is negated.
pub const NEGATED: &str = "negated";
/// Participant attributes, `key=value`.
pub const ATTR: &str = "attr";

/// The fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The `source` field.
    pub source: Field,
    /// The `interview` field.
    pub interview: Field,
    /// The `passage` field.
    pub passage: Field,
    /// The `participant` field.
    pub participant: Field,
    /// The `persona` field.
    pub persona: Field,
    /// The `speaker` field.
    pub speaker: Field,
    /// The `role` field.
    pub role: Field,
    /// The `time` field.
    pub time: Field,
    /// The `text` field.
    pub text: Field,
    /// The `written` field.
    pub written: Field,
    /// The `code` field.
    pub code: Field,
    /// The `negated` field.
    pub negated: Field,
    /// The `attr` field.
    pub attr: Field,
}

/// Builds the schema.
pub fn build() -> Schema {
    let mut b = Schema::builder();
    let raw = STRING | STORED | FAST;
    b.add_text_field(SOURCE, STRING | STORED);
    b.add_text_field(INTERVIEW, raw.clone());
    b.add_u64_field(PASSAGE, NumericOptions::default().set_stored().set_fast());
    b.add_text_field(PARTICIPANT, raw.clone());
    b.add_text_field(PERSONA, raw.clone());
    b.add_text_field(SPEAKER, raw.clone());
    b.add_text_field(ROLE, raw.clone());
    b.add_f64_field(TIME, STORED);
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(STEMS).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field(TEXT, text);
    b.add_text_field(WRITTEN, STORED);
    b.add_facet_field(CODE, FacetOptions::default().set_stored());
    b.add_facet_field(NEGATED, FacetOptions::default().set_stored());
    b.add_text_field(ATTR, raw);
    b.build()
}

impl Fields {
    /// Resolves the fields of `schema`; `None` when it is not pith's schema.
    pub fn resolve(schema: &Schema) -> Option<Fields> {
        let f = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            source: f(SOURCE)?,
            interview: f(INTERVIEW)?,
            passage: f(PASSAGE)?,
            participant: f(PARTICIPANT)?,
            persona: f(PERSONA)?,
            speaker: f(SPEAKER)?,
            role: f(ROLE)?,
            time: f(TIME)?,
            text: f(TEXT)?,
            written: f(WRITTEN)?,
            code: f(CODE)?,
            negated: f(NEGATED)?,
            attr: f(ATTR)?,
        })
    }
}

/// The `attr` value for an attribute: key lowercased and trimmed, value as written.
pub fn attr_value(key: &str, value: &str) -> String {
    format!("{}={}", key.trim().to_lowercase(), value.trim())
}
