//! What the city department's report list reads from one district's
//! database (issue 16, the city level): the [`CityReportsStore`] port.

use std::rc::Rc;

use serde::Deserialize;
use ybt_core::CompiledTemplate;
use ybt_core::service::ServiceError;
use ybt_core::service::city_reports::{CityReportsStore, ReportCount};
use ybt_core::service::reviews::Reviews;

use super::Store;
use crate::error::Storage;

#[derive(Deserialize)]
struct CountRow {
    template_id: String,
    villages: usize,
    row_count: usize,
}

impl CityReportsStore for Store {
    async fn report_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
        Ok(Reviews::published_templates(self).await?.into_iter().map(|p| p.template).collect())
    }

    /// The newest submission of each village per template (as the summary
    /// counts them), and the rows they hold, counted in SQL.
    async fn report_counts(&self) -> Result<Vec<ReportCount>, ServiceError> {
        let rows = self
            .db()?
            .prepare(
                "SELECT template_id, COUNT(*) AS villages, COALESCE(SUM(json_array_length(rows)), 0) AS row_count \
                 FROM (SELECT template_id, rows, ROW_NUMBER() OVER (PARTITION BY template_id, org_unit ORDER BY submitted_at DESC, id DESC) AS newest \
                       FROM submissions) \
                 WHERE newest = 1 GROUP BY template_id",
            )
            .all()
            .await
            .storage()?
            .results::<CountRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| ReportCount { template_id: r.template_id, villages: r.villages, rows: r.row_count }).collect())
    }
}
