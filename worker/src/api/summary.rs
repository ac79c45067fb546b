//! The department's summary of a template: `GET /api/summary` (totals per
//! village and town, summary formulas, a page of rows) and
//! `GET /api/summary/export` (every row as CSV or XLSX, flat or a sheet per
//! town). Read-only. Values bound to sensitive ledger items come masked
//! unless the reader is granted them; unmasked reads are audited per
//! submission.

use serde::Deserialize;
use serde_json::{Map, Value};
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, mask_template_rows};
use ybt_core::api::{SubmittedRow, SummaryRow, SummaryView};
use ybt_core::export::summary::{ExportRow, SheetLayout, summary_csv, summary_xlsx};
use ybt_core::messages::Text;
use ybt_core::summary::{RowFilter, VillageRows, columns, summarize};

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Download, Json, Reply, clock_ms, now_rfc3339};
use crate::store::Store;
use crate::template_cache;

/// Rows per page of the summary (the export has them all).
const MAX_PAGE: usize = 500;

#[derive(Deserialize, Default)]
struct Query {
    template_id: Option<String>,
    version: Option<u32>,
    org_unit: Option<String>,
    filter_key: Option<String>,
    filter_value: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
    format: Option<String>,
    layout: Option<String>,
}

/// One village's newest submission, parsed and masked.
struct Village {
    code: String,
    name: String,
    town_code: String,
    town: String,
    submission_id: String,
    rows: Vec<Map<String, Value>>,
}

struct Loaded {
    template: std::rc::Rc<ybt_core::CompiledTemplate>,
    villages: Vec<Village>,
    /// Milliseconds reading submissions out of D1.
    d1_ms: f64,
}

async fn load(req: &Request, store: &Store, principal: &Principal) -> Result<(Query, Loaded), AppError> {
    let query: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let Some(template_id) = query.template_id.clone() else {
        return Err(AppError::BadRequest {
            code: "missing_template_id",
            message: Text::new("请指定 template_id", "template_id is required"),
        });
    };
    let row = store.template(&template_id, query.version).await?.ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
    let template = template_cache::compiled(&row)?;
    let scope = query.org_unit.clone().unwrap_or_else(|| principal.org_unit.clone());
    require(principal, &Action::ReadSummary { org_unit: &scope, department: &template.meta.department })?;
    let filter = match (&query.filter_key, &query.filter_value) {
        (Some(key), value) if !key.is_empty() => {
            if template.field(key).is_none() {
                return Err(AppError::BadRequest {
                    code: "unknown_field",
                    message: Text::new(format!("报表中没有字段“{key}”"), format!("the template has no field {key:?}")),
                });
            }
            Some(RowFilter { key: key.clone(), value: value.clone().unwrap_or_default() })
        }
        _ => None,
    };
    let started = clock_ms();
    let submissions = store.summary_submissions(&template_id, row.version, &scope).await?;
    let d1_ms = clock_ms() - started;
    let catalog = template_cache::catalog()?;
    let mut villages = Vec::with_capacity(submissions.len());
    let mut unmasked_items: Vec<String> = Vec::new();
    let mut unmasked_ids = Vec::new();
    for s in submissions {
        let parsed: Vec<SubmittedRow> = serde_json::from_str(&s.rows)?;
        let mut rows: Vec<Map<String, Value>> = parsed.into_iter().map(|r| r.values).collect();
        // Masked first, then filtered: a filter on a protected field
        // compares only what this reader may see, so it answers no
        // yes/no question about the hidden digits.
        let mut unmasked = mask_template_rows(principal, &catalog, &template, rows.iter_mut());
        if let Some(filter) = &filter {
            rows.retain(|r| filter.matches(r));
            if rows.is_empty() {
                unmasked.clear();
            }
        }
        if !unmasked.is_empty() {
            unmasked_ids.push(s.id.clone());
            for item in unmasked {
                if !unmasked_items.contains(&item) {
                    unmasked_items.push(item);
                }
            }
        }
        villages.push(Village { code: s.org_unit, name: s.village, town_code: s.town_code, town: s.town, submission_id: s.id, rows });
    }
    audit::record(store, principal, "summary", &unmasked_items, &unmasked_ids).await?;
    Ok((query, Loaded { template, villages, d1_ms }))
}

/// `GET /api/summary?template_id=…[&version=N][&org_unit=CODE][&filter_key=K&filter_value=V][&offset=&limit=]`.
/// Answers with `Server-Timing: d1;dur=…` (submissions out of D1).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Reply<SummaryView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (query, loaded) = load(&req, &store, &principal).await?;
    let Loaded { template, villages, d1_ms } = loaded;
    let groups: Vec<VillageRows<'_>> = villages
        .iter()
        .map(|v| VillageRows { village_code: &v.code, village_name: &v.name, town_code: &v.town_code, town_name: &v.town, rows: &v.rows })
        .collect();
    let summary = summarize(&template, &groups, crate::http::today());
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(100).min(MAX_PAGE);
    let total_rows = villages.iter().map(|v| v.rows.len()).sum();
    let rows = villages
        .iter()
        .flat_map(|v| v.rows.iter().map(move |values| (v, values)))
        .skip(offset)
        .take(limit)
        .map(|(v, values)| SummaryRow {
            org_unit: v.code.clone(),
            village: v.name.clone(),
            town: v.town.clone(),
            submission_id: v.submission_id.clone(),
            values: values.clone(),
        })
        .collect();
    let view = SummaryView {
        template_id: template.meta.id.clone(),
        template_version: template.meta.version,
        title: template.title.clone(),
        department: template.meta.department.clone(),
        summary,
        rows,
        total_rows,
        offset,
    };
    Ok(Reply::from(Json(200, view)).header("Server-Timing", format!("d1;dur={d1_ms:.1}")))
}

/// `GET /api/summary/export?template_id=…&format=csv|xlsx[&layout=flat|town]` and the summary's filters.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (query, loaded) = load(&req, &store, &principal).await?;
    let format = query.format.as_deref().unwrap_or("xlsx");
    let layout = match query.layout.as_deref().unwrap_or("flat") {
        "flat" => SheetLayout::Flat,
        "town" => SheetLayout::PerTown,
        other => {
            return Err(AppError::BadRequest {
                code: "bad_layout",
                message: Text::new(format!("未知版式“{other}”：可用 flat 或 town"), format!("unknown layout {other:?}: use flat or town")),
            });
        }
    };
    let (columns, _) = columns(&loaded.template);
    let rows: Vec<ExportRow<'_>> = loaded
        .villages
        .iter()
        .flat_map(|v| v.rows.iter().map(move |values| ExportRow { town: &v.town, village: &v.name, values }))
        .collect();
    let name = format!("summary-{}-v{}", loaded.template.meta.id, loaded.template.meta.version);
    let (bytes, content_type) = match format {
        "csv" => (summary_csv(&columns, &rows), "text/csv; charset=utf-8"),
        "xlsx" => {
            let now = now_rfc3339();
            let created = format!("{}Z", now.get(..19).unwrap_or("2026-01-01T00:00:00"));
            let bytes = summary_xlsx(&loaded.template.title, &columns, &rows, layout, &created).map_err(|e| match e {
                ybt_core::export::ExportError::TooManyRows { .. } => AppError::BadRequest { code: "too_many_rows", message: e.message() },
                other => AppError::Internal(other.to_string()),
            })?;
            (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        other => {
            return Err(AppError::BadRequest {
                code: "bad_format",
                message: Text::new(format!("未知格式“{other}”：可用 csv 或 xlsx"), format!("unknown format {other:?}: use csv or xlsx")),
            });
        }
    };
    Ok(Download { content_type, filename: format!("{name}.{format}"), bytes })
}
