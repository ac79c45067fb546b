//! A city department's summary across its districts (issue 16, the city
//! level): which districts a city-level principal may read, and the merge
//! of each district's own summary ([`super::summary_view::summary`], run
//! by the worker on each district's database in parallel) into
//! per-district totals and a grand total.
//!
//! Each district's summary is the district use case itself, so its rows
//! and totals are masked exactly as any summary is; nothing here reads or
//! unmasks a value. A district whose summary failed is listed with a named
//! error (and the answer says it is incomplete): never a silent gap.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::{DenyReason, Principal, in_city, is_city_level};
use crate::api::SummaryView;
use crate::messages::Text;
use crate::summary::UnitTotals;

use super::ServiceError;

/// At most this many districts in one `districts=` list.
pub const MAX_DISTRICTS: usize = 64;

/// A district the deployment serves (the directory's `districts` map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedDistrict {
    pub code: String,
    pub name: String,
}

/// The districts a city-level principal reads: every served district of
/// its city, or those `asked` (a comma-separated list of codes), each of
/// which must be one of them (another city's district, an unserved code or
/// the city itself: 403 out of scope). Anyone else: 403.
pub fn districts_in_scope(
    principal: &Principal,
    served: &[ServedDistrict],
    asked: Option<&str>,
) -> Result<Vec<ServedDistrict>, ServiceError> {
    if !is_city_level(principal) {
        return Err(ServiceError::Forbidden(DenyReason::NotForRole));
    }
    let mine: Vec<&ServedDistrict> = served.iter().filter(|d| d.code.len() == 6 && in_city(&principal.org_unit, &d.code)).collect();
    let Some(asked) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(mine.into_iter().cloned().collect());
    };
    let codes: Vec<&str> = asked.split(',').map(str::trim).collect();
    if codes.len() > MAX_DISTRICTS || codes.iter().any(|c| c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit())) {
        return Err(ServiceError::BadRequest {
            code: "bad_districts",
            message: Text::new(
                format!("districts 须为逗号分隔的 6 位区县代码（至多 {MAX_DISTRICTS} 个）"),
                format!("districts: comma-separated 6-digit district codes (at most {MAX_DISTRICTS})"),
            ),
        });
    }
    let mut picked: Vec<ServedDistrict> = Vec::new();
    for code in codes {
        let district = mine.iter().find(|d| d.code == code).ok_or(ServiceError::Forbidden(DenyReason::OutOfScope))?;
        if !picked.iter().any(|p| p.code == code) {
            picked.push((*district).clone());
        }
    }
    Ok(picked)
}

/// Why one district's summary is missing from the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictFailure {
    /// `not_found` (the template is not published there), `forbidden`,
    /// `bad_request` or `unavailable` (its database failed).
    pub code: String,
    pub message: Text,
}

impl DistrictFailure {
    /// The failure as the reader may see it: a storage failure's detail
    /// stays in the worker's log.
    pub fn of(error: &ServiceError) -> DistrictFailure {
        let (code, message) = match error {
            ServiceError::NotFound { .. } => {
                ("not_found", Text::new("该区没有此报表模板", "the template is not published in this district"))
            }
            ServiceError::Forbidden(_) => ("forbidden", Text::new("无权读取该区的汇总", "not allowed to read this district's summary")),
            ServiceError::BadRequest { message, .. } => {
                return DistrictFailure { code: "bad_request".to_owned(), message: message.clone() };
            }
            _ => ("unavailable", Text::new("该区数据库暂时无法读取", "this district's database could not be read")),
        };
        DistrictFailure { code: code.to_owned(), message }
    }
}

/// One district's part of a city summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictPart {
    pub code: String,
    pub name: String,
    /// The district's totals (its summary's overall total), when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<UnitTotals>,
    /// The district's own summary (towns, villages, a page of masked rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SummaryView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DistrictFailure>,
}

/// `GET /api/city/summary/{template}`: per-district totals and the grand
/// total of the districts that answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitySummaryView {
    pub template_id: String,
    /// The reader's city (e.g. `500000`).
    pub city: String,
    pub districts: Vec<DistrictPart>,
    /// Submissions, rows and numeric sums added over the districts that
    /// answered (`computed` stays empty: a template's formulas are per
    /// district).
    pub total: UnitTotals,
    /// False when a district failed: the total lacks it.
    pub complete: bool,
}

/// Merges each district's summary (in the order given) into the city's.
/// When every district refused the reader (e.g. another department's
/// template), the answer is that refusal, not a list of refusals.
pub fn merge_city_summary(
    principal: &Principal,
    template_id: &str,
    parts: Vec<(ServedDistrict, Result<SummaryView, ServiceError>)>,
) -> Result<CitySummaryView, ServiceError> {
    if let Some((_, Err(ServiceError::Forbidden(reason)))) = parts.first()
        && parts.iter().all(|(_, outcome)| matches!(outcome, Err(ServiceError::Forbidden(_))))
    {
        return Err(ServiceError::Forbidden(*reason));
    }
    let mut total = UnitTotals { code: principal.org_unit.clone(), name: String::new(), ..UnitTotals::default() };
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    let mut districts = Vec::with_capacity(parts.len());
    let mut complete = true;
    for (district, outcome) in parts {
        match outcome {
            Ok(view) => {
                let mut totals = view.summary.total.clone();
                totals.code = district.code.clone();
                totals.name = district.name.clone();
                total.submissions += totals.submissions;
                total.rows += totals.rows;
                for (key, value) in &totals.sums {
                    *sums.entry(key.clone()).or_default() += value;
                }
                districts.push(DistrictPart {
                    code: district.code,
                    name: district.name,
                    totals: Some(totals),
                    summary: Some(view),
                    error: None,
                });
            }
            Err(error) => {
                complete = false;
                districts.push(DistrictPart {
                    code: district.code,
                    name: district.name,
                    totals: None,
                    summary: None,
                    error: Some(DistrictFailure::of(&error)),
                });
            }
        }
    }
    total.sums = sums;
    Ok(CitySummaryView { template_id: template_id.to_owned(), city: principal.org_unit.clone(), districts, total, complete })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn served() -> Vec<ServedDistrict> {
        [("350304", "荔城区"), ("500105", "江北区"), ("500118", "永川区")]
            .into_iter()
            .map(|(code, name)| ServedDistrict { code: code.to_owned(), name: name.to_owned() })
            .collect()
    }

    fn city() -> Principal {
        let mut p = crate::test_support::principal(Role::DepartmentAnalyst, "500000");
        p.department = Some("区民政局".to_owned());
        p
    }

    fn codes(d: &[ServedDistrict]) -> Vec<&str> {
        d.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn scope_is_the_citys_served_districts() {
        assert_eq!(codes(&districts_in_scope(&city(), &served(), None).unwrap()), ["500105", "500118"]);
        assert_eq!(codes(&districts_in_scope(&city(), &served(), Some("500118")).unwrap()), ["500118"]);
        assert_eq!(codes(&districts_in_scope(&city(), &served(), Some("500118,500105,500118")).unwrap()), ["500118", "500105"]);
        for refused in ["350304", "500105,350304", "500000", "500101"] {
            assert!(
                matches!(districts_in_scope(&city(), &served(), Some(refused)), Err(ServiceError::Forbidden(DenyReason::OutOfScope))),
                "{refused}"
            );
        }
        for bad in ["50011", "5001180", "abc", "500118,,500105", &"500118,".repeat(65)] {
            assert!(matches!(districts_in_scope(&city(), &served(), Some(bad)), Err(ServiceError::BadRequest { .. })), "{bad}");
        }
        let district_analyst = crate::test_support::principal(Role::DepartmentAnalyst, "500118");
        assert!(matches!(districts_in_scope(&district_analyst, &served(), None), Err(ServiceError::Forbidden(DenyReason::NotForRole))));
    }

    fn view(submissions: usize, rows: usize, sums: &[(&str, f64)]) -> SummaryView {
        let total = UnitTotals {
            code: "x".to_owned(),
            name: "x".to_owned(),
            submissions,
            rows,
            sums: sums.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            computed: Default::default(),
        };
        SummaryView {
            template_id: "t".to_owned(),
            template_version: 1,
            selected_version: None,
            versions: Vec::new(),
            title: "t".to_owned(),
            department: "区民政局".to_owned(),
            summary: crate::summary::Summary {
                columns: Vec::new(),
                summary_fields: Vec::new(),
                villages: Vec::new(),
                towns: Vec::new(),
                total,
            },
            rows: Vec::new(),
            total_rows: rows,
            offset: 0,
        }
    }

    #[test]
    fn totals_add_up_per_district_and_a_failure_is_named() {
        let s = served();
        let merged = merge_city_summary(
            &city(),
            "t",
            vec![(s[1].clone(), Ok(view(2, 5, &[("amount", 10.0)]))), (s[2].clone(), Ok(view(3, 7, &[("amount", 1.5), ("n", 2.0)])))],
        )
        .unwrap();
        assert!(merged.complete);
        assert_eq!((merged.total.submissions, merged.total.rows), (5, 12));
        assert_eq!(merged.total.sums.get("amount"), Some(&11.5));
        assert_eq!(merged.total.sums.get("n"), Some(&2.0));
        let jb = merged.districts[0].totals.as_ref().unwrap();
        assert_eq!((jb.code.as_str(), jb.name.as_str(), jb.rows), ("500105", "江北区", 5));

        let failed = merge_city_summary(
            &city(),
            "t",
            vec![(s[1].clone(), Ok(view(2, 5, &[]))), (s[2].clone(), Err(ServiceError::Storage("D1 timeout at host x".to_owned())))],
        )
        .unwrap();
        assert!(!failed.complete);
        assert_eq!(failed.total.rows, 5);
        let error = failed.districts[1].error.as_ref().unwrap();
        assert_eq!((failed.districts[1].code.as_str(), error.code.as_str()), ("500118", "unavailable"));
        assert!(!error.message.en.contains("host"), "storage detail stays in the log");
    }

    #[test]
    fn refused_by_every_district_is_one_refusal_and_by_some_is_named() {
        let s = served();
        let refused = || Err(ServiceError::Forbidden(DenyReason::NotForRole));
        let all = merge_city_summary(&city(), "t", vec![(s[1].clone(), refused()), (s[2].clone(), refused())]);
        assert!(matches!(all, Err(ServiceError::Forbidden(DenyReason::NotForRole))));
        let some = merge_city_summary(&city(), "t", vec![(s[1].clone(), Ok(view(1, 2, &[]))), (s[2].clone(), refused())]).unwrap();
        assert!(!some.complete);
        assert_eq!(some.districts[1].error.as_ref().unwrap().code, "forbidden");
    }
}
