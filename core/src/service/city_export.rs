//! A city department's summary as a file (issue 16, the city level):
//! `GET /api/city/export/{template}?format=csv|xlsx`. Each district's rows
//! are read by the district summary's own `load` on that district's
//! database ([`district_rows`], run by the worker per district in
//! parallel), so they are masked, filtered and audited exactly as the
//! district summary export is; [`city_export`] writes them as one file with
//! per-district totals and the city's (`export::city_table`), a district
//! that failed named in it.

use serde_json::{Map, Value};

use crate::access::Principal;
use crate::export::city_table::{CityTable, DistrictSection, city_csv, city_job};
use crate::messages::Text;
use crate::summary::columns;

use super::city::{DistrictFailure, ServedDistrict};
use super::spreadsheets::{Spreadsheets, export_error};
use super::submissions::SubmissionStore;
use super::summary_view::{Loaded, SummaryFile, SummaryQuery, SummaryStore, load};
use super::{AuditLog, Now, ServiceError};

/// One district's rows, masked for the reader (opaque: only [`city_export`]
/// reads it).
pub struct DistrictRows(Loaded);

/// The file format asked for: checked before any district is read.
pub fn export_format(format: Option<&str>) -> Result<&'static str, ServiceError> {
    match format.unwrap_or("xlsx") {
        "csv" => Ok("csv"),
        "xlsx" => Ok("xlsx"),
        other => Err(ServiceError::BadRequest {
            code: "bad_format",
            message: Text::new(format!("未知格式“{other}”：可用 csv 或 xlsx"), format!("unknown format {other:?}: use csv or xlsx")),
        }),
    }
}

/// Every row of one district's summary (`query.org_unit` the district, on
/// its routed store), as the district summary export reads them.
pub async fn district_rows<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
) -> Result<DistrictRows, ServiceError> {
    load(principal, query, now, store, &|| 0.0).await.map(DistrictRows)
}

/// When no district answered, the one answer: a refusal (another
/// department's template) before a template published nowhere, before a
/// bad request, before a storage failure.
fn nothing_answered(errors: Vec<ServiceError>) -> ServiceError {
    let rank = |e: &ServiceError| match e {
        ServiceError::Forbidden(_) => 0,
        ServiceError::NotFound { .. } => 1,
        ServiceError::BadRequest { .. } => 2,
        _ => 3,
    };
    errors.into_iter().min_by_key(rank).unwrap_or_else(|| ServiceError::Storage("no district to export".to_owned()))
}

/// The city's file of the districts' rows, in the order given. When no
/// district answered, that answer ([`nothing_answered`]: every district
/// refusing the reader is that refusal, as the city summary's); otherwise
/// a district that failed is a named line, and the city total says it
/// lacks it.
pub async fn city_export(
    principal: &Principal,
    format: &'static str,
    parts: Vec<(ServedDistrict, Result<DistrictRows, ServiceError>)>,
    now: &Now,
    sheets: &impl Spreadsheets,
) -> Result<SummaryFile, ServiceError> {
    // The columns of the newest version any district answered with.
    let Some(template) =
        parts.iter().filter_map(|(_, outcome)| outcome.as_ref().ok()).map(|d| &d.0.template).max_by_key(|t| t.meta.version).cloned()
    else {
        return Err(nothing_answered(parts.into_iter().filter_map(|(_, outcome)| outcome.err()).collect()));
    };
    let (columns, summary_fields) = columns(&template);
    let today = now.today();
    let mut districts = Vec::with_capacity(parts.len());
    let mut all_rows: Vec<Map<String, Value>> = Vec::new();
    for (district, outcome) in &parts {
        let name = district.name.as_str();
        match outcome {
            Ok(DistrictRows(loaded)) => {
                let rows = loaded.export_rows();
                let own: Vec<Map<String, Value>> = loaded.villages.iter().flat_map(|v| v.rows.iter().cloned()).collect();
                let computed = if summary_fields.is_empty() { Map::new() } else { crate::compute_summary(&template, &own, today) };
                all_rows.extend(own);
                districts.push(DistrictSection { name, villages: loaded.villages.len(), rows, computed, failure: None });
            }
            Err(error) => districts.push(DistrictSection {
                name,
                villages: 0,
                rows: Vec::new(),
                computed: Map::new(),
                failure: Some(DistrictFailure::of(error).message.zh),
            }),
        }
    }
    let computed = if summary_fields.is_empty() { Map::new() } else { crate::compute_summary(&template, &all_rows, today) };
    let table = CityTable { title: &template.title, columns: &columns, summary_fields: &summary_fields, districts, computed };
    let name = format!("city-summary-{}-{}", template.meta.id, principal.org_unit);
    let (bytes, content_type) = match format {
        "csv" => (city_csv(&table), "text/csv; charset=utf-8"),
        _ => {
            let created = format!("{}Z", now.instant.get(..19).unwrap_or("2026-01-01T00:00:00"));
            // Written by the spreadsheet port (issue 14: the `ybt-sheets`
            // worker), from values already masked.
            let job = city_job(&table, &created);
            job.check().map_err(export_error)?;
            let bytes = sheets.xlsx(&job).await?;
            (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
    };
    Ok(SummaryFile { content_type, filename: format!("{name}.{format}"), bytes })
}
