//! `report.json`: the aggregates as the documented contract (`docs/report.schema.json`).

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};

pub use crate::readback::SCHEMA_VERSION;

/// The aggregates as report.json's bytes.
pub fn render(agg: &Aggregates) -> Result<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        #[serde(flatten)]
        aggregates: &'a Aggregates,
    }
    let mut out = serde_json::to_vec_pretty(&Doc { schema_version: SCHEMA_VERSION, aggregates: agg })
        .map_err(|e| Error::Invalid(format!("cannot render report.json: {e}")))?;
    out.push(b'\n');
    Ok(out)
}
