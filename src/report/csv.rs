//! `matrix.csv`: one row per code of the codebook, one prevalence column per group
//! (interviews with evidence / interviews in the group, 0 to 1), in `report.json`'s group order.

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};

pub(super) fn render(agg: &Aggregates) -> Result<Vec<u8>> {
    let fail = |e: ::csv::Error| Error::Invalid(format!("cannot render matrix.csv: {e}"));
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code".to_string(), "family".to_string(), "label".to_string()];
    header.extend(agg.personas.iter().map(|p| p.name.clone()));
    w.write_record(&header).map_err(fail)?;
    for entry in &agg.codebook {
        let mut row = vec![entry.code.clone(), entry.family.as_str().to_string(), entry.label.clone()];
        for p in &agg.personas {
            let prevalence = p.codes.iter().find(|c| c.code == entry.code).map_or(0.0, |c| c.prevalence);
            row.push(format!("{prevalence:.4}"));
        }
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::Invalid(format!("cannot render matrix.csv: {e}")))
}
