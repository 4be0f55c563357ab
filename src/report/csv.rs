//! `matrix.csv`: one row per code of the codebook, one prevalence column per group
//! (interviews with evidence / interviews in the group, 0 to 1), in `report.json`'s group order.
//! Text cells go through [`super::csv_cell`], so no name or label runs as a formula.

use crate::aggregate::Aggregates;
use crate::error::{Error, Result};

pub(super) fn render(agg: &Aggregates) -> Result<Vec<u8>> {
    let fail = |e: ::csv::Error| Error::Invalid(format!("cannot render matrix.csv: {e}"));
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["code".to_string(), "family".to_string(), "label".to_string()];
    header.extend(agg.personas.iter().map(|p| super::csv_cell(&p.name).into_owned()));
    w.write_record(&header).map_err(fail)?;
    for entry in &agg.codebook {
        let mut row = vec![
            super::csv_cell(&entry.code).into_owned(),
            entry.family.as_str().to_string(),
            super::csv_cell(&entry.label).into_owned(),
        ];
        for p in &agg.personas {
            let prevalence = p.codes.iter().find(|c| c.code == entry.code).map_or(0.0, |c| c.prevalence);
            row.push(format!("{prevalence:.4}"));
        }
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::Invalid(format!("cannot render matrix.csv: {e}")))
}
