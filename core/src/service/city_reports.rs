//! What a city department may summarise (issue 16, the city level):
//! `GET /api/city/reports`, its department's published templates across
//! the districts of its scope, with what each district holds of them, so
//! the city page can list them.
//!
//! Each district is read on its own database (routed by the worker) and
//! decided by [`district_reports`]: a template is listed only when
//! `authorize` gives the reader `ReadSummary` of it in that district, the
//! same decision the summary itself takes. Counts are of the newest
//! submission per village (what the summary counts), and no row value is
//! read, so there is nothing to mask.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::CompiledTemplate;
use crate::access::{Action, Decision, Principal, authorize};

use super::ServiceError;
use super::city::{DistrictFailure, ServedDistrict};

/// How much of one template a district holds: villages whose newest
/// submission counts, and their rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportCount {
    pub template_id: String,
    pub villages: usize,
    pub rows: usize,
}

/// What the report list reads from one district's database.
#[allow(async_fn_in_trait)]
pub trait CityReportsStore {
    /// The newest published version of every template, compiled.
    async fn report_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError>;
    /// Per template: villages with a submission (their newest, whatever its
    /// version) and the rows of those submissions.
    async fn report_counts(&self) -> Result<Vec<ReportCount>, ServiceError>;
}

/// One district's part of a listed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDistrict {
    pub code: String,
    pub name: String,
    /// The newest version published in this district.
    pub version: u32,
    pub villages: usize,
    pub rows: usize,
}

/// A template the reader may summarise in at least one district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityReport {
    pub id: String,
    pub title: String,
    pub department: String,
    /// The newest version published in any district.
    pub version: u32,
    /// The districts that publish it, in the order of the scope.
    pub districts: Vec<ReportDistrict>,
    pub villages: usize,
    pub rows: usize,
}

/// A district whose list could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedDistrict {
    pub code: String,
    pub name: String,
    pub error: DistrictFailure,
}

/// `GET /api/city/reports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityReports {
    pub city: String,
    /// Every district read (code and name), in the order of the scope.
    pub districts: Vec<ServedDistrictView>,
    /// By title.
    pub reports: Vec<CityReport>,
    /// Districts whose list failed: the reports may lack them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<FailedDistrict>,
    pub complete: bool,
}

/// A district of the scope, as the page lists it (its picker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedDistrictView {
    pub code: String,
    pub name: String,
}

/// One district's reports, as a city report lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictReport {
    pub id: String,
    pub title: String,
    pub department: String,
    pub version: u32,
    pub villages: usize,
    pub rows: usize,
}

/// The templates of `district` (whose database `store` is routed to) that
/// the reader may summarise there, with their counts.
pub async fn district_reports<S: CityReportsStore>(
    principal: &Principal,
    district: &ServedDistrict,
    store: &S,
) -> Result<Vec<DistrictReport>, ServiceError> {
    let templates = store.report_templates().await?;
    let readable: Vec<Rc<CompiledTemplate>> = templates
        .into_iter()
        .filter(|t| {
            authorize(principal, &Action::ReadSummary { org_unit: &district.code, department: &t.meta.department }) == Decision::Allow
        })
        .collect();
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    let counts = store.report_counts().await?;
    Ok(readable
        .iter()
        .map(|t| {
            let count = counts.iter().find(|c| c.template_id == t.meta.id).cloned().unwrap_or_default();
            DistrictReport {
                id: t.meta.id.clone(),
                title: t.title.clone(),
                department: t.meta.department.clone(),
                version: t.meta.version,
                villages: count.villages,
                rows: count.rows,
            }
        })
        .collect())
}

/// Merges the districts' lists (in the scope's order) into one list by
/// template; a failed district is named, never left out silently.
pub fn merge_city_reports(principal: &Principal, parts: Vec<(ServedDistrict, Result<Vec<DistrictReport>, ServiceError>)>) -> CityReports {
    let mut reports: Vec<CityReport> = Vec::new();
    let mut failed = Vec::new();
    let mut districts = Vec::with_capacity(parts.len());
    for (district, outcome) in parts {
        districts.push(ServedDistrictView { code: district.code.clone(), name: district.name.clone() });
        let list = match outcome {
            Ok(list) => list,
            Err(error) => {
                failed.push(FailedDistrict { code: district.code, name: district.name, error: DistrictFailure::of(&error) });
                continue;
            }
        };
        for r in list {
            let part = ReportDistrict {
                code: district.code.clone(),
                name: district.name.clone(),
                version: r.version,
                villages: r.villages,
                rows: r.rows,
            };
            match reports.iter_mut().find(|c| c.id == r.id) {
                Some(report) => {
                    if r.version > report.version {
                        (report.version, report.title) = (r.version, r.title);
                    }
                    report.villages += part.villages;
                    report.rows += part.rows;
                    report.districts.push(part);
                }
                None => reports.push(CityReport {
                    id: r.id,
                    title: r.title,
                    department: r.department,
                    version: r.version,
                    villages: part.villages,
                    rows: part.rows,
                    districts: vec![part],
                }),
            }
        }
    }
    reports.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    CityReports { city: principal.org_unit.clone(), districts, complete: failed.is_empty(), reports, failed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::service::ready as block_on;

    struct District {
        templates: Vec<Rc<CompiledTemplate>>,
        counts: Vec<ReportCount>,
    }

    impl CityReportsStore for District {
        async fn report_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
            Ok(self.templates.clone())
        }
        async fn report_counts(&self) -> Result<Vec<ReportCount>, ServiceError> {
            Ok(self.counts.clone())
        }
    }

    fn template(id: &str, version: u32, department: &str) -> Rc<CompiledTemplate> {
        let doc = serde_json::json!({
            "x-template": {"id": id, "version": version, "department": department},
            "x-subject": {"entity": "person"},
            "title": format!("{id} 报表"),
            "type": "object",
            "properties": {"name": {"type": "string", "title": "姓名", "x-ledger": "person.name"}}
        });
        Rc::new(crate::compile(&doc, &crate::Catalog::builtin().expect("catalog")).expect("compiles"))
    }

    fn count(id: &str, villages: usize, rows: usize) -> ReportCount {
        ReportCount { template_id: id.to_owned(), villages, rows }
    }

    fn city() -> Principal {
        let mut p = crate::test_support::principal(Role::DepartmentAnalyst, "500000");
        p.department = Some("区民政局".to_owned());
        p
    }

    fn district(code: &str, name: &str) -> ServedDistrict {
        ServedDistrict { code: code.to_owned(), name: name.to_owned() }
    }

    #[test]
    fn lists_the_departments_templates_per_district_with_counts() {
        let (jb, yc) = (district("500105", "江北区"), district("500118", "永川区"));
        let jb_store = District {
            templates: vec![template("aid", 1, "区民政局"), template("typhoon", 1, "区应急管理局")],
            counts: vec![count("aid", 2, 7), count("typhoon", 3, 9)],
        };
        let yc_store = District {
            templates: vec![template("aid", 2, "区民政局"), template("elderly", 1, "区民政局")],
            counts: vec![count("aid", 1, 4)],
        };
        let parts = vec![
            (jb.clone(), block_on(district_reports(&city(), &jb, &jb_store))),
            (yc.clone(), block_on(district_reports(&city(), &yc, &yc_store))),
        ];
        let merged = merge_city_reports(&city(), parts);
        assert!(merged.complete);
        let ids: Vec<_> = merged.reports.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["aid", "elderly"], "another department's template is not listed");
        let aid = &merged.reports[0];
        assert_eq!((aid.version, aid.villages, aid.rows), (2, 3, 11));
        let per: Vec<_> = aid.districts.iter().map(|d| (d.code.as_str(), d.version, d.rows)).collect();
        assert_eq!(per, [("500105", 1, 7), ("500118", 2, 4)]);
        assert_eq!(merged.reports[1].districts.iter().map(|d| d.rows).collect::<Vec<_>>(), [0], "published, nothing submitted");
    }

    #[test]
    fn a_district_outside_the_city_lists_nothing_and_a_failure_is_named() {
        let lc = district("350304", "荔城区");
        let store = District { templates: vec![template("aid", 1, "区民政局")], counts: vec![count("aid", 1, 1)] };
        assert_eq!(block_on(district_reports(&city(), &lc, &store)).unwrap(), Vec::new());
        let merged =
            merge_city_reports(&city(), vec![(district("500105", "江北区"), Err(ServiceError::Storage("D1 at host x".to_owned())))]);
        assert!(!merged.complete);
        assert_eq!((merged.failed[0].code.as_str(), merged.failed[0].error.code.as_str()), ("500105", "unavailable"));
        assert!(merged.reports.is_empty());
    }
}
