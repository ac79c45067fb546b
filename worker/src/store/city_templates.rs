//! City filings and city dispatches in the directory database (issue 16,
//! the city level): the [`CityTemplates`] port. Each is one insert keyed by
//! the client's id (`ON CONFLICT DO NOTHING`); the districts' requests and
//! tasks are written by the district ports (`reviews.rs`, `dispatch.rs`) on
//! each district's own store.

use serde::Deserialize;
use ybt_core::service::ServiceError;
use ybt_core::service::city_templates::{CityDispatch, CityFiling, CityTemplates};

use super::{Store, num};
use crate::error::Storage;

#[derive(Deserialize)]
struct FilingRow {
    id: String,
    city: String,
    template_id: String,
    version: u32,
    title: String,
    department: String,
    districts: String,
    submitted_by: String,
    submitted_at: String,
    #[serde(default)]
    document: Option<String>,
}

impl FilingRow {
    fn into_filing(self) -> Result<CityFiling, ServiceError> {
        Ok(CityFiling {
            districts: serde_json::from_str(&self.districts).storage()?,
            document: self.document.as_deref().map(serde_json::from_str).transpose().storage()?.unwrap_or_default(),
            id: self.id,
            city: self.city,
            template_id: self.template_id,
            version: self.version,
            title: self.title,
            department: self.department,
            submitted_by: self.submitted_by,
            submitted_at: self.submitted_at,
        })
    }
}

const COLUMNS: &str = "id, city, template_id, version, title, department, districts, submitted_by, submitted_at";

impl CityTemplates for Store {
    async fn city_filing(&self, id: &str) -> Result<Option<CityFiling>, ServiceError> {
        self.directory
            .prepare(format!("SELECT {COLUMNS}, document FROM city_templates WHERE id = ?1"))
            .bind(&[id.into()])
            .storage()?
            .first::<FilingRow>(None)
            .await
            .storage()?
            .map(FilingRow::into_filing)
            .transpose()
    }

    async fn insert_city_filing(&self, f: &CityFiling) -> Result<bool, ServiceError> {
        let result = self
            .directory
            .prepare(
                "INSERT INTO city_templates (id, city, template_id, version, title, department, document, districts, \
                 submitted_by, submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&[
                f.id.as_str().into(),
                f.city.as_str().into(),
                f.template_id.as_str().into(),
                num(f.version),
                f.title.as_str().into(),
                f.department.as_str().into(),
                serde_json::to_string(&f.document).storage()?.into(),
                serde_json::to_string(&f.districts).storage()?.into(),
                f.submitted_by.as_str().into(),
                f.submitted_at.as_str().into(),
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// At most 200, newest first.
    async fn city_filings(&self, city: &str, department: &str) -> Result<Vec<CityFiling>, ServiceError> {
        self.directory
            .prepare(format!(
                "SELECT {COLUMNS} FROM city_templates WHERE city = ?1 AND department = ?2 ORDER BY submitted_at DESC, id LIMIT 200"
            ))
            .bind(&[city.into(), department.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<FilingRow>()
            .storage()?
            .into_iter()
            .map(FilingRow::into_filing)
            .collect()
    }

    async fn city_dispatch(&self, id: &str) -> Result<Option<CityDispatch>, ServiceError> {
        self.directory
            .prepare("SELECT id, filing_id, due_date, dispatched_by, dispatched_at FROM city_dispatches WHERE id = ?1")
            .bind(&[id.into()])
            .storage()?
            .first::<CityDispatch>(None)
            .await
            .storage()
    }

    async fn insert_city_dispatch(&self, d: &CityDispatch) -> Result<bool, ServiceError> {
        let result = self
            .directory
            .prepare(
                "INSERT INTO city_dispatches (id, filing_id, due_date, dispatched_by, dispatched_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&[
                d.id.as_str().into(),
                d.filing_id.as_str().into(),
                d.due_date.as_str().into(),
                d.dispatched_by.as_str().into(),
                d.dispatched_at.as_str().into(),
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }
}
