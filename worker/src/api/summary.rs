//! The department's summary of a template: `GET /api/summary` (totals per
//! village and town, summary formulas, a page of rows) and
//! `GET /api/summary/export` (every row as CSV or XLSX, flat or a sheet per
//! town). Read-only. By default every version's data: each village's newest
//! submission, mapped onto the newest version (`versioning::VersionChain`)
//! and marked with its version; `version=N` reads one version as it was. Values bound to sensitive ledger items come masked
//! unless the reader is granted them; unmasked reads are audited per
//! submission.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::{Map, Value};
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, mask_template_rows};
use ybt_core::api::{PublishedVersion, SubmittedRow, SummaryRow, SummaryView};
use ybt_core::export::summary::{ExportRow, SheetLayout, summary_csv, summary_xlsx};
use ybt_core::messages::Text;
use ybt_core::summary::{RowFilter, VillageRows, columns, summarize};
use ybt_core::versioning::VersionChain;

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
    /// A version number, or `all` (the default).
    version: Option<String>,
    org_unit: Option<String>,
    filter_key: Option<String>,
    filter_value: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
    format: Option<String>,
    layout: Option<String>,
}

/// One village's newest submission, parsed, masked and (when all versions
/// are read) mapped onto the newest version.
struct Village {
    code: String,
    name: String,
    town_code: String,
    town: String,
    submission_id: String,
    version: u32,
    rows: Vec<Map<String, Value>>,
}

struct Loaded {
    /// The version whose columns are shown: the picked one or the newest.
    template: Rc<ybt_core::CompiledTemplate>,
    /// `None`: all versions.
    selected: Option<u32>,
    versions: Vec<PublishedVersion>,
    villages: Vec<Village>,
    /// Milliseconds reading submissions out of D1.
    d1_ms: f64,
}

fn parse_version(text: Option<&str>) -> Result<Option<u32>, AppError> {
    match text.map(str::trim) {
        None | Some("" | "all") => Ok(None),
        Some(text) => text.parse::<u32>().map(Some).map_err(|_| AppError::BadRequest {
            code: "bad_version",
            message: Text::new(
                format!("版本“{text}”无效：请写版本号（如 1），或 all 表示全部版本"),
                format!("invalid version {text:?}: give a version number (e.g. 1) or all"),
            ),
        }),
    }
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
    let selected = parse_version(query.version.as_deref())?;
    let published = store.template_versions(&template_id).await?;
    let not_found = AppError::NotFound { what: "template", zh: "该报表模板" };
    let mut compiled: Vec<(u32, Rc<ybt_core::CompiledTemplate>)> = Vec::with_capacity(published.len());
    for p in &published {
        compiled.push((p.version, template_cache::compiled(&p.template_row())?));
    }
    let newest = compiled.last().map(|(_, t)| t.clone()).ok_or(not_found)?;
    let template = match selected {
        Some(v) => compiled
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, t)| t.clone())
            .ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?,
        None => newest.clone(),
    };
    let scope = query.org_unit.clone().unwrap_or_else(|| principal.org_unit.clone());
    // The newest version's department owns the template (an id belongs to
    // the department that first published it).
    require(principal, &Action::ReadSummary { org_unit: &scope, department: &newest.meta.department })?;
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
    let chain = VersionChain::new(&compiled.iter().map(|(_, t)| &**t).collect::<Vec<_>>());
    let started = clock_ms();
    let submissions = store.summary_submissions(&template_id, selected, &scope).await?;
    let d1_ms = clock_ms() - started;
    let catalog = template_cache::catalog()?;
    let mut versions: Vec<PublishedVersion> = published
        .iter()
        .map(|p| PublishedVersion { version: p.version, published_at: p.published_at.clone(), villages: 0, rows: 0 })
        .collect();
    let mut villages = Vec::with_capacity(submissions.len());
    let mut unmasked_items: Vec<String> = Vec::new();
    let mut unmasked_ids = Vec::new();
    for s in submissions {
        let parsed: Vec<SubmittedRow> = serde_json::from_str(&s.rows)?;
        let mut rows: Vec<Map<String, Value>> = parsed.into_iter().map(|r| r.values).collect();
        if let Some(v) = versions.iter_mut().find(|v| v.version == s.template_version) {
            v.villages += 1;
            v.rows += rows.len();
        }
        // Masked under the version it was submitted with first (its own
        // fields' guards), then mapped onto the shown version and masked
        // again under it (a field may be guarded only in the newer one);
        // masking a masked value changes nothing. Then filtered: a filter
        // on a protected field compares only what this reader may see, so
        // it answers no yes/no question about the hidden digits.
        let own = compiled.iter().find(|(n, _)| *n == s.template_version).map_or_else(|| template.clone(), |(_, t)| t.clone());
        let mut unmasked = mask_template_rows(principal, &catalog, &own, rows.iter_mut());
        if selected.is_none() && s.template_version != template.meta.version {
            for row in &mut rows {
                chain.to_newest(s.template_version, row);
            }
            for item in mask_template_rows(principal, &catalog, &template, rows.iter_mut()) {
                if !unmasked.contains(&item) {
                    unmasked.push(item);
                }
            }
        }
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
        villages.push(Village {
            code: s.org_unit,
            name: s.village,
            town_code: s.town_code,
            town: s.town,
            submission_id: s.id,
            version: s.template_version,
            rows,
        });
    }
    audit::record(store, principal, "summary", &unmasked_items, &unmasked_ids).await?;
    Ok((query, Loaded { template, selected, versions, villages, d1_ms }))
}

/// `GET /api/summary?template_id=…[&version=N|all][&org_unit=CODE][&filter_key=K&filter_value=V][&offset=&limit=]`.
/// Answers with `Server-Timing: d1;dur=…` (submissions out of D1).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Reply<SummaryView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (query, loaded) = load(&req, &store, &principal).await?;
    let Loaded { template, selected, versions, villages, d1_ms } = loaded;
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
            version: v.version,
            values: values.clone(),
        })
        .collect();
    let view = SummaryView {
        template_id: template.meta.id.clone(),
        template_version: template.meta.version,
        selected_version: selected,
        versions,
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
        .flat_map(|v| {
            v.rows.iter().map(move |values| ExportRow {
                town: &v.town,
                village: &v.name,
                version: loaded.selected.is_none().then_some(v.version),
                values,
            })
        })
        .collect();
    let name = match loaded.selected {
        Some(v) => format!("summary-{}-v{v}", loaded.template.meta.id),
        None => format!("summary-{}-all", loaded.template.meta.id),
    };
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
