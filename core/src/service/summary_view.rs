//! The department's summary of a template (`GET /api/summary`: totals per
//! village and town, summary formulas, a page of rows) and its export
//! (every row as CSV or XLSX, flat or a sheet per town). Read-only. By
//! default every version's data: each village's newest submission, mapped
//! onto the newest version (`versioning::VersionChain`) and marked with its
//! version; `version=N` reads one version as it was. Values bound to
//! sensitive ledger items come masked unless the reader is granted them;
//! unmasked reads are audited per submission.

use crate::service::require;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::CompiledTemplate;
use crate::access::{Action, Principal, mask_template_rows};
use crate::api::{PublishedVersion, SubmittedRow, SummaryRow, SummaryView};
use crate::export::XlsxJob;
use crate::export::job::SummaryRow as JobRow;
use crate::export::summary::{ExportRow, SheetLayout, summary_csv};
use crate::messages::Text;
use crate::service::spreadsheets::{Spreadsheets, export_error};
use crate::summary::{RowFilter, VillageRows, columns, summarize};
use crate::versioning::VersionChain;

use super::submissions::SubmissionStore;
use super::{AuditLog, Now, ServiceError};

/// Rows per page of the summary (the export has them all).
const MAX_PAGE: usize = 500;

/// A published version of a template, compiled.
#[derive(Debug, Clone)]
pub struct Published {
    pub version: u32,
    pub published_at: String,
    pub template: Rc<CompiledTemplate>,
}

/// A submission a summary counts: the newest of its village.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySubmission {
    pub id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub village: String,
    pub town_code: String,
    pub town: String,
    pub rows: Vec<SubmittedRow>,
}

/// What a summary reads.
#[allow(async_fn_in_trait)]
pub trait SummaryStore {
    /// Every published version of a template, oldest first.
    async fn published_versions(&self, template_id: &str) -> Result<Vec<Published>, ServiceError>;
    /// The newest submission of each village inside `scope` for a version
    /// (`None`: whatever its version), with village and town names, by
    /// village code.
    async fn summary_submissions(
        &self,
        template_id: &str,
        version: Option<u32>,
        scope: &str,
    ) -> Result<Vec<SummarySubmission>, ServiceError>;
}

/// The summary's query, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryQuery {
    pub template_id: Option<String>,
    /// A version number, or `all` (the default).
    pub version: Option<String>,
    pub org_unit: Option<String>,
    pub filter_key: Option<String>,
    pub filter_value: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub format: Option<String>,
    pub layout: Option<String>,
}

/// The summary as a file to download.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryFile {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// One village's newest submission, parsed, masked and (when all versions
/// are read) mapped onto the newest version.
pub(crate) struct Village {
    code: String,
    pub(crate) name: String,
    town_code: String,
    pub(crate) town: String,
    submission_id: String,
    pub(crate) version: u32,
    pub(crate) rows: Vec<Map<String, Value>>,
}

/// What a summary and its export read: also the city export's part of one
/// district (`service::city_export`), so it is masked in this one place.
pub(crate) struct Loaded {
    /// The version whose columns are shown: the picked one or the newest.
    pub(crate) template: Rc<CompiledTemplate>,
    /// `None`: all versions.
    pub(crate) selected: Option<u32>,
    versions: Vec<PublishedVersion>,
    pub(crate) villages: Vec<Village>,
    /// Milliseconds reading submissions out of storage.
    storage_ms: f64,
}

impl Loaded {
    /// Every row as an export's line: its town and village, and its version
    /// when all versions are read.
    pub(crate) fn export_rows(&self) -> Vec<ExportRow<'_>> {
        self.villages
            .iter()
            .flat_map(|v| {
                v.rows.iter().map(move |values| ExportRow {
                    town: &v.town,
                    village: &v.name,
                    version: self.selected.is_none().then_some(v.version),
                    values,
                })
            })
            .collect()
    }
}

fn parse_version(text: Option<&str>) -> Result<Option<u32>, ServiceError> {
    match text.map(str::trim) {
        None | Some("" | "all") => Ok(None),
        Some(text) => text.parse::<u32>().map(Some).map_err(|_| ServiceError::BadRequest {
            code: "bad_version",
            message: Text::new(
                format!("版本“{text}”无效：请写版本号（如 1），或 all 表示全部版本"),
                format!("invalid version {text:?}: give a version number (e.g. 1) or all"),
            ),
        }),
    }
}

pub(crate) async fn load<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<Loaded, ServiceError> {
    let Some(template_id) = query.template_id.as_deref() else {
        return Err(ServiceError::BadRequest {
            code: "missing_template_id",
            message: Text::new("请指定 template_id", "template_id is required"),
        });
    };
    let selected = parse_version(query.version.as_deref())?;
    let published = store.published_versions(template_id).await?;
    let not_found = || ServiceError::NotFound { what: "template", zh: "该报表模板" };
    let newest = published.last().map(|p| p.template.clone()).ok_or_else(not_found)?;
    let template = match selected {
        Some(v) => published.iter().find(|p| p.version == v).map(|p| p.template.clone()).ok_or_else(not_found)?,
        None => newest.clone(),
    };
    let scope = query.org_unit.as_deref().unwrap_or(&principal.org_unit);
    // The newest version's department owns the template (an id belongs to
    // the department that first published it).
    require(principal, &Action::ReadSummary { org_unit: scope, department: &newest.meta.department })?;
    let filter = match (&query.filter_key, &query.filter_value) {
        (Some(key), value) if !key.is_empty() => {
            if template.field(key).is_none() {
                return Err(ServiceError::BadRequest {
                    code: "unknown_field",
                    message: Text::new(format!("报表中没有字段“{key}”"), format!("the template has no field {key:?}")),
                });
            }
            Some(RowFilter { key: key.clone(), value: value.clone().unwrap_or_default() })
        }
        _ => None,
    };
    let chain = VersionChain::new(&published.iter().map(|p| &*p.template).collect::<Vec<_>>());
    let started = clock();
    let submissions = store.summary_submissions(template_id, selected, scope).await?;
    let storage_ms = clock() - started;
    let catalog = store.catalog()?;
    let mut versions: Vec<PublishedVersion> = published
        .iter()
        .map(|p| PublishedVersion { version: p.version, published_at: p.published_at.clone(), villages: 0, rows: 0 })
        .collect();
    let mut villages = Vec::with_capacity(submissions.len());
    let mut unmasked_items: Vec<String> = Vec::new();
    let mut unmasked_ids = Vec::new();
    for s in submissions {
        let mut rows: Vec<Map<String, Value>> = s.rows.into_iter().map(|r| r.values).collect();
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
        let own = published.iter().find(|p| p.version == s.template_version).map_or_else(|| template.clone(), |p| p.template.clone());
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
    store.unmasked_read(principal, "summary", &unmasked_items, &unmasked_ids, now).await?;
    Ok(Loaded { template, selected, versions, villages, storage_ms })
}

/// The summary and a page of its rows, with the milliseconds spent reading
/// submissions out of storage (by `clock`).
pub async fn summary<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<(SummaryView, f64), ServiceError> {
    summary_with_template(principal, query, now, store, clock).await.map(|(view, ms, _)| (view, ms))
}

/// [`summary`] and the compiled version whose columns it shows (the city
/// summary recomputes that version's formulas on its merged totals).
pub async fn summary_with_template<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<(SummaryView, f64, Rc<CompiledTemplate>), ServiceError> {
    let Loaded { template, selected, versions, villages, storage_ms } = load(principal, query, now, store, clock).await?;
    let groups: Vec<VillageRows<'_>> = villages
        .iter()
        .map(|v| VillageRows { village_code: &v.code, village_name: &v.name, town_code: &v.town_code, town_name: &v.town, rows: &v.rows })
        .collect();
    let summary = summarize(&template, &groups, now.today());
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
    Ok((view, storage_ms, template))
}

/// Every row of the summary as a file: `format` csv or xlsx (default),
/// `layout` flat (default) or a sheet per town. An XLSX file is written by
/// `sheets` from the rows as masked for the reader.
pub async fn summary_export<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
    sheets: &impl Spreadsheets,
) -> Result<SummaryFile, ServiceError> {
    let loaded = load(principal, query, now, store, &|| 0.0).await?;
    let format = query.format.as_deref().unwrap_or("xlsx");
    let layout = match query.layout.as_deref().unwrap_or("flat") {
        "flat" => SheetLayout::Flat,
        "town" => SheetLayout::PerTown,
        other => {
            return Err(ServiceError::BadRequest {
                code: "bad_layout",
                message: Text::new(format!("未知版式“{other}”：可用 flat 或 town"), format!("unknown layout {other:?}: use flat or town")),
            });
        }
    };
    let (columns, _) = columns(&loaded.template);
    let rows = loaded.export_rows();
    let name = match loaded.selected {
        Some(v) => format!("summary-{}-v{v}", loaded.template.meta.id),
        None => format!("summary-{}-all", loaded.template.meta.id),
    };
    let (bytes, content_type) = match format {
        "csv" => (summary_csv(&columns, &rows), "text/csv; charset=utf-8"),
        "xlsx" => {
            let created = format!("{}Z", now.instant.get(..19).unwrap_or("2026-01-01T00:00:00"));
            let job = XlsxJob::Summary {
                title: loaded.template.title.as_str().into(),
                columns: (&columns[..]).into(),
                rows: rows
                    .iter()
                    .map(|r| JobRow {
                        town: r.town.into(),
                        village: r.village.into(),
                        version: r.version,
                        values: std::borrow::Cow::Borrowed(r.values),
                    })
                    .collect(),
                layout,
                created_at: created,
            };
            job.check().map_err(export_error)?;
            (sheets.xlsx(&job).await?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        other => {
            return Err(ServiceError::BadRequest {
                code: "bad_format",
                message: Text::new(format!("未知格式“{other}”：可用 csv 或 xlsx"), format!("unknown format {other:?}: use csv or xlsx")),
            });
        }
    };
    Ok(SummaryFile { content_type, filename: format!("{name}.{format}"), bytes })
}
