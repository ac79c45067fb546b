//! A city department's reads across its districts (issue 16, the city
//! level): its report list and a report's summary; the export is a link.

use ybt_core::service::city::CitySummaryView;
use ybt_core::service::city_reports::CityReports;

use super::{ApiFailure, get};

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// The query of a city read: the districts picked (`""`: all of them).
fn districts_query(districts: &str) -> String {
    if districts.is_empty() { String::new() } else { format!("districts={}", encode(districts)) }
}

/// The reader's department's templates across its districts.
pub async fn city_reports() -> Result<CityReports, ApiFailure> {
    get("/api/city/reports").await
}

/// A template's per-district totals and the city's (no rows: `limit=0`).
pub async fn city_summary(template_id: &str, districts: &str) -> Result<CitySummaryView, ApiFailure> {
    let q = districts_query(districts);
    get(&format!("/api/city/summary/{}?limit=0{}{q}", encode(template_id), if q.is_empty() { "" } else { "&" })).await
}

/// The address of a city export (`csv` or `xlsx`) of the districts picked.
pub fn city_export_url(template_id: &str, format: &str, districts: &str) -> String {
    let q = districts_query(districts);
    format!("/api/city/export/{}?format={format}{}{q}", encode(template_id), if q.is_empty() { "" } else { "&" })
}
