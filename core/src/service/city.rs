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
//!
//! The template's summary formulas (`sum(...)` fields) are recomputed on
//! the merged sums ([`city_formulas`]), so the city's value is what one
//! district holding every row would show.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::CompiledTemplate;
use crate::access::{DenyReason, Principal, in_city, is_city_level};
use crate::api::SummaryView;
use crate::messages::Text;
use crate::summary::UnitTotals;

use super::submissions::SubmissionStore;
use super::summary_view::{SummaryQuery, SummaryStore, summary_with_template};
use super::{AuditLog, Now, ServiceError};

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
    /// answered; `computed`: the template's summary formulas on those sums
    /// (of the newest version any district answered with).
    pub total: UnitTotals,
    /// False when a district failed: the total lacks it.
    pub complete: bool,
}

/// One district's summary, with the compiled version whose columns it shows.
#[derive(Debug, Clone)]
pub struct DistrictSummary {
    pub view: SummaryView,
    pub template: Rc<CompiledTemplate>,
}

/// The district summary use case on one district's store (routed by the
/// caller): `query.org_unit` is the district.
pub async fn district_summary<S: SummaryStore + SubmissionStore + AuditLog>(
    principal: &Principal,
    query: &SummaryQuery,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<DistrictSummary, ServiceError> {
    let (view, _, template) = summary_with_template(principal, query, now, store, clock).await?;
    Ok(DistrictSummary { view, template })
}

/// The template's summary formulas on merged per-district sums. A summary
/// formula reads rows only through `sum(field)`, so it is evaluated over
/// one stand-in row per district holding that district's sums: `sum(f)`
/// over them is the city's sum of `f`, the value one district holding
/// every row would compute (to the 1/100 000 the district sums are
/// rounded to).
pub fn city_formulas(template: &CompiledTemplate, district_sums: &[&BTreeMap<String, f64>], now: &Now) -> Map<String, Value> {
    let rows: Vec<Map<String, Value>> = district_sums
        .iter()
        .map(|sums| {
            sums.iter().filter_map(|(key, value)| serde_json::Number::from_f64(*value).map(|n| (key.clone(), Value::Number(n)))).collect()
        })
        .collect();
    crate::compute_summary(template, &rows, now.today())
}

/// Merges each district's summary (in the order given) into the city's.
/// When every district refused the reader (e.g. another department's
/// template), the answer is that refusal, not a list of refusals.
pub fn merge_city_summary(
    principal: &Principal,
    template_id: &str,
    parts: Vec<(ServedDistrict, Result<DistrictSummary, ServiceError>)>,
    now: &Now,
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
    let mut newest: Option<Rc<CompiledTemplate>> = None;
    for (district, outcome) in parts {
        match outcome {
            Ok(DistrictSummary { view, template }) => {
                if newest.as_ref().is_none_or(|n| n.meta.version < template.meta.version) {
                    newest = Some(template);
                }
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
    if let Some(template) = newest {
        let answered: Vec<&BTreeMap<String, f64>> = districts.iter().filter_map(|d| d.totals.as_ref()).map(|t| &t.sums).collect();
        total.computed = city_formulas(&template, &answered, now);
    }
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

    fn template() -> Rc<CompiledTemplate> {
        let doc = serde_json::json!({
            "x-template": {"id": "t", "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "amount": {"type": "number", "title": "金额"},
                "n": {"type": "integer", "title": "人数"},
                "grand": {"type": "number", "title": "总额", "x-compute": "sum(amount)"},
                "per_head": {"type": "number", "title": "人均", "x-compute": "round(sum(amount) / sum(n), 2)"},
                "big": {"type": "string", "title": "规模", "x-compute": "if(sum(n) > 10, \"大\", \"小\")"}
            }
        });
        Rc::new(crate::compile(&doc, &crate::Catalog::builtin().expect("catalog")).expect("compiles"))
    }

    fn now() -> Now {
        Now::new("2026-11-30T02:00:00Z".to_owned())
    }

    fn view(submissions: usize, rows: usize, sums: &[(&str, f64)]) -> DistrictSummary {
        let total = UnitTotals {
            code: "x".to_owned(),
            name: "x".to_owned(),
            submissions,
            rows,
            sums: sums.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            computed: Default::default(),
        };
        let view = SummaryView {
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
        };
        DistrictSummary { view, template: template() }
    }

    #[test]
    fn formulas_are_recomputed_as_one_district_holding_every_row_would() {
        use crate::summary::{VillageRows, summarize};
        let t = template();
        let rows = |values: &[(f64, i64)]| -> Vec<Map<String, Value>> {
            values
                .iter()
                .map(|(a, n)| serde_json::json!({"name": "x", "amount": a, "n": n}).as_object().cloned().expect("object"))
                .collect()
        };
        let (a, b) = (rows(&[(0.1, 1), (0.2, 2), (100.0, 3)]), rows(&[(33.35, 4), (7.0, 1)]));
        fn village<'a>(code: &'a str, rows: &'a [Map<String, Value>]) -> VillageRows<'a> {
            VillageRows { village_code: code, village_name: code, town_code: &code[..9], town_name: "镇", rows }
        }
        let jb = summarize(&t, &[village("500105100001", &a)], None);
        let yc = summarize(&t, &[village("500118100001", &b)], None);
        let one = summarize(&t, &[village("500105100001", &a), village("500118100001", &b)], None);
        let part = |summary: crate::summary::Summary| {
            let mut p = view(0, 0, &[]);
            p.view.summary = summary;
            p
        };
        let s = served();
        let merged =
            merge_city_summary(&city(), "t", vec![(s[1].clone(), Ok(part(jb.clone()))), (s[2].clone(), Ok(part(yc)))], &now()).unwrap();
        assert_eq!(merged.total.computed["per_head"], one.total.computed["per_head"], "a ratio of sums, not a sum of ratios");
        assert_eq!(merged.total.computed["big"], serde_json::json!("大"), "11 people city-wide, neither district alone");
        assert_eq!(jb.total.computed["big"], serde_json::json!("小"));
        let (city_grand, one_grand) = (merged.total.computed["grand"].as_f64().unwrap(), one.total.computed["grand"].as_f64().unwrap());
        assert!((city_grand - one_grand).abs() < 1e-9, "{city_grand} vs {one_grand}");
        assert_eq!(merged.districts[0].totals.as_ref().unwrap().computed, jb.total.computed, "each district keeps its own");
    }

    #[test]
    fn totals_add_up_per_district_and_a_failure_is_named() {
        let s = served();
        let merged = merge_city_summary(
            &city(),
            "t",
            vec![(s[1].clone(), Ok(view(2, 5, &[("amount", 10.0)]))), (s[2].clone(), Ok(view(3, 7, &[("amount", 1.5), ("n", 2.0)])))],
            &now(),
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
            &now(),
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
        let all = merge_city_summary(&city(), "t", vec![(s[1].clone(), refused()), (s[2].clone(), refused())], &now());
        assert!(matches!(all, Err(ServiceError::Forbidden(DenyReason::NotForRole))));
        let some = merge_city_summary(&city(), "t", vec![(s[1].clone(), Ok(view(1, 2, &[]))), (s[2].clone(), refused())], &now()).unwrap();
        assert!(!some.complete);
        assert_eq!(some.districts[1].error.as_ref().unwrap().code, "forbidden");
    }
}
