//! The burden meter's figures: one row per submission, from the columns
//! written with it (migration 0004).

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{BurdenEntry, CellCounts};

use ybt_core::service::ServiceError;
use ybt_core::service::burden_report::{BurdenStore, bad_month};

use super::{Store, prefix_end};
use crate::error::Storage;

/// Most submissions one burden report reads.
pub const MAX_BURDEN_ENTRIES: usize = 5_000;

#[derive(Deserialize)]
struct BurdenRow {
    id: String,
    template_id: String,
    title: String,
    org_unit: String,
    org_unit_name: String,
    submitted_at: String,
    row_count: u32,
    prefilled_cells: u32,
    typed_cells: u32,
    computed_cells: u32,
    corrected_cells: u32,
    seconds_open: Option<u32>,
}

impl BurdenStore for Store {
    /// Submissions of `scope` and the units inside it, newest first, of one
    /// month (`YYYY-MM`) when given, narrowed to a department's templates
    /// when given.
    async fn burden_entries(&self, scope: &str, month: Option<&str>, department: Option<&str>) -> Result<Vec<BurdenEntry>, ServiceError> {
        let mut sql = String::from(
            "SELECT s.id, s.template_id, tp.title, s.org_unit, o.name AS org_unit_name, s.submitted_at, s.row_count, \
             s.prefilled_cells, s.typed_cells, s.computed_cells, s.corrected_cells, s.seconds_open \
             FROM submissions s JOIN templates tp ON tp.id = s.template_id AND tp.version = s.template_version \
             JOIN org_units o ON o.code = s.org_unit WHERE s.org_unit >= ?1 AND s.org_unit < ?2",
        );
        let mut params: Vec<JsValue> = vec![scope.into(), prefix_end(scope).into()];
        if let Some(month) = month {
            // A Beijing month, as bounds on the stored UTC text (which sorts as time).
            let (start, end) = ybt_core::burden::beijing_month_bounds(month).ok_or_else(|| bad_month(month))?;
            params.push(start.into());
            params.push(end.into());
            sql.push_str(" AND s.submitted_at >= ?3 AND s.submitted_at < ?4");
        }
        if let Some(department) = department {
            params.push(department.into());
            sql.push_str(&format!(" AND tp.department = ?{}", params.len()));
        }
        sql.push_str(&format!(" ORDER BY s.submitted_at DESC LIMIT {MAX_BURDEN_ENTRIES}"));
        let rows = self.db()?.prepare(sql).bind(&params).storage()?.all().await.storage()?.results::<BurdenRow>().storage()?;
        Ok(rows
            .into_iter()
            .map(|r| BurdenEntry {
                submission_id: r.id,
                template_id: r.template_id,
                title: r.title,
                org_unit: r.org_unit,
                org_unit_name: r.org_unit_name,
                submitted_at: r.submitted_at,
                rows: r.row_count,
                cells: CellCounts {
                    prefilled: r.prefilled_cells,
                    typed: r.typed_cells,
                    computed: r.computed_cells,
                    corrected: r.corrected_cells,
                },
                seconds_open: r.seconds_open,
            })
            .collect())
    }
}
