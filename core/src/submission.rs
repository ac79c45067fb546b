//! Checking a whole submission: its envelope (which template, which org
//! unit, which subjects) and every row against the template's validator.
//!
//! Pointers in the errors point into the request body, e.g.
//! `/rows/3/values/monthly_income`, so a client can put each at its cell.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::compile::{CompiledTemplate, FieldSource};
use crate::field_error::FieldError;
use crate::ids::ClientId;
use crate::validate::validate;

/// Most rows one submission may carry.
pub const MAX_ROWS: usize = 10_000;

/// Checks a submission body against the template it names. On success
/// returns the typed request; otherwise every problem found.
pub fn validate_submission(template: &CompiledTemplate, body: &Value) -> Result<SubmissionRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let str_field = |key: &str| body.get(key).and_then(Value::as_str);
    let id = str_field("submission_id").unwrap_or_default();
    if !ClientId::is_valid(id) {
        errors.push(FieldError::zh_en(
            "/submission_id",
            "invalid_submission_id",
            "提交编号缺失或无效（1–64 个字母、数字或连字符）",
            "submission_id missing or invalid (1–64 letters, digits or hyphens)",
        ));
    }
    if str_field("template_id") != Some(template.meta.id.as_str()) {
        errors.push(FieldError::zh_en("/template_id", "wrong_template", "表格模板不符", "template_id does not match the template"));
    }
    if body.get("template_version").and_then(Value::as_u64) != Some(u64::from(template.meta.version)) {
        errors.push(FieldError::zh_en(
            "/template_version",
            "stale_template_version",
            "模板版本已更新，请重新生成表格",
            "the template has a newer version; generate the form again",
        ));
    }
    if str_field("org_unit").is_none() {
        errors.push(FieldError::zh_en("/org_unit", "missing_org_unit", "缺少填报单位", "org_unit is missing"));
    }
    match body.get("rows").and_then(Value::as_array) {
        None => errors.push(FieldError::zh_en("/rows", "missing_rows", "缺少表格行", "rows must be an array")),
        Some(rows) if rows.len() > MAX_ROWS => errors.push(FieldError::zh_en(
            "/rows",
            "too_many_rows",
            &format!("行数超过上限 {MAX_ROWS}"),
            &format!("more than {MAX_ROWS} rows"),
        )),
        Some(rows) => {
            let mut seen = HashSet::new();
            for (i, row) in rows.iter().enumerate() {
                let subject = row.get("subject_id").and_then(Value::as_str);
                match subject {
                    None => errors.push(FieldError::zh_en(
                        &format!("/rows/{i}/subject_id"),
                        "missing_subject",
                        "缺少台账记录编号",
                        "subject_id is missing",
                    )),
                    Some(s) if !seen.insert(s) => errors.push(FieldError::zh_en(
                        &format!("/rows/{i}/subject_id"),
                        "duplicate_subject",
                        "同一对象出现了两行",
                        "the same subject appears in two rows",
                    )),
                    Some(_) => {}
                }
                match row.get("values") {
                    Some(values @ Value::Object(_)) => {
                        errors.extend(validate(template, values).into_iter().map(|mut e| {
                            e.pointer = format!("/rows/{i}/values{}", e.pointer);
                            e
                        }));
                    }
                    _ => errors.push(FieldError::zh_en(
                        &format!("/rows/{i}/values"),
                        "missing_values",
                        "缺少填报内容",
                        "values must be an object",
                    )),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(body.clone())
        .map_err(|e| vec![FieldError::zh_en("", "malformed", "提交内容格式不正确", &format!("malformed submission: {e}"))])
}

/// Counts the submission's cells by where their values came from: the
/// burden meter's numbers. Empty values are not counted.
pub fn count_cells(template: &CompiledTemplate, request: &SubmissionRequest) -> CellCounts {
    let mut counts = CellCounts { corrected: request.corrected_cells, ..CellCounts::default() };
    for row in &request.rows {
        for field in &template.fields {
            let filled = match row.values.get(&field.key) {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(_) => true,
            };
            if !filled {
                continue;
            }
            let slot = match field.source {
                FieldSource::Ledger { .. } => &mut counts.prefilled,
                FieldSource::New => &mut counts.typed,
                FieldSource::Computed { .. } => &mut counts.computed,
            };
            *slot += 1;
        }
    }
    counts
}

/// Checks that every row is about one of the form's subjects.
pub fn check_subjects(request: &SubmissionRequest, subjects: &HashSet<String>) -> Vec<FieldError> {
    request
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| !subjects.contains(&row.subject_id))
        .map(|(i, _)| {
            FieldError::zh_en(
                &format!("/rows/{i}/subject_id"),
                "unknown_subject",
                "该对象不在本单位的台账中",
                "this subject is not in the org unit's ledger",
            )
        })
        .collect()
}

/// One submitted row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmittedRow {
    pub subject_id: String,
    pub values: Map<String, Value>,
}

crate::read_object!(SubmittedRow { subject_id, values } default {});

/// `POST /api/submissions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmissionRequest {
    /// Chosen by the client once per form; a retried request with the same
    /// id returns the first result instead of storing the form twice.
    pub submission_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub rows: Vec<SubmittedRow>,
    /// The task this submission answers, when it was dispatched as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Pre-filled cells staff corrected in the ledger while filling the
    /// form (each correction is its own ledger update); for the burden meter.
    #[serde(default)]
    pub corrected_cells: u32,
    /// A survey (pick form) sent with no rows must say so on purpose: staff
    /// confirmed 本村无灾情. Refused with rows, required without.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_to_report: bool,
}

crate::read_object!(SubmissionRequest { submission_id, template_id, template_version, org_unit, rows } default { task_id, corrected_cells, nothing_to_report });

/// Cells of one submission by where their value came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellCounts {
    /// Values taken from the ledger.
    pub prefilled: u32,
    /// Values staff typed (new fields).
    pub typed: u32,
    /// Values the form computed.
    pub computed: u32,
    /// Pre-filled values staff corrected in the ledger.
    pub corrected: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::test_support::dibao;

    fn body(rows: Value) -> Value {
        json!({
            "submission_id": "3f1c-aa", "template_id": "dibao-monthly-visit",
            "template_version": 1, "org_unit": "500118100001", "rows": rows
        })
    }

    fn row(subject: &str, income: Value) -> Value {
        json!({"subject_id": subject, "values": {
            "name": "张三", "id_number": "11010519491231002X", "visited_on": "2026-11-02",
            "monthly_income": income, "living_condition": "良好"
        }})
    }

    fn pointers(result: Result<SubmissionRequest, Vec<FieldError>>) -> Vec<(String, String)> {
        result.err().unwrap_or_default().into_iter().map(|e| (e.pointer, e.code)).collect()
    }

    #[test]
    fn valid_submission_parses() {
        let request = validate_submission(&dibao(), &body(json!([row("p1", json!(500))]))).expect("valid");
        assert_eq!(request.rows.len(), 1);
        assert_eq!(request.rows[0].subject_id, "p1");
    }

    #[test]
    fn row_errors_point_into_the_body() {
        let got = pointers(validate_submission(&dibao(), &body(json!([row("p1", json!(1)), row("p2", json!(-3))]))));
        assert_eq!(got, [("/rows/1/values/monthly_income".to_owned(), "minimum".to_owned())]);
    }

    #[test]
    fn envelope_problems_are_all_reported() {
        let got = pointers(validate_submission(&dibao(), &json!({"template_id": "other", "template_version": 9})));
        let codes: Vec<&str> = got.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(codes, ["invalid_submission_id", "wrong_template", "stale_template_version", "missing_org_unit", "missing_rows"]);
    }

    #[test]
    fn duplicate_subjects_are_refused() {
        let got = pointers(validate_submission(&dibao(), &body(json!([row("p1", json!(1)), row("p1", json!(2))]))));
        assert_eq!(got, [("/rows/1/subject_id".to_owned(), "duplicate_subject".to_owned())]);
    }

    #[test]
    fn cells_are_counted_by_source() {
        let mut two = row("p2", json!(800));
        two["values"]["address"] = json!("");
        two["values"]["remarks"] = json!("子女在外务工");
        let mut request = validate_submission(&dibao(), &body(json!([row("p1", json!(500)), two]))).expect("valid");
        request.corrected_cells = 1;
        // Per row: name, id_number pre-filled (address empty or absent);
        // visited_on, monthly_income, living_condition typed, plus remarks once.
        let counts = count_cells(&dibao(), &request);
        assert_eq!(counts, CellCounts { prefilled: 4, typed: 7, computed: 0, corrected: 1 });
    }

    #[test]
    fn rows_about_strangers_are_refused() {
        let request = validate_submission(&dibao(), &body(json!([row("p1", json!(1)), row("p9", json!(2))]))).expect("valid");
        let subjects: HashSet<String> = ["p1".to_owned()].into();
        let got: Vec<String> = check_subjects(&request, &subjects).into_iter().map(|e| e.pointer).collect();
        assert_eq!(got, ["/rows/1/subject_id"]);
    }
}
