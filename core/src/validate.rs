//! The one validation API: a compiled template and a row in, every error out.
//!
//! The worker and the front-end call only this (through [`crate::submission`]),
//! so a row accepted in the browser is accepted by the worker and vice versa.

use serde_json::Value;

use crate::compile::CompiledTemplate;
pub use crate::field_error::FieldError;

/// Validates one row against a compiled template. Returns every error.
///
/// Every row is checked by the template's validation program (`ybt-rules`),
/// the same engine the browser runs; a `Value` is checked as its JSON text.
pub fn validate(template: &CompiledTemplate, row: &Value) -> Vec<FieldError> {
    let text = row.to_string();
    validate_json(template, &text).unwrap_or_default()
}

/// Whether one row is valid: the verdict of [`validate`] without building
/// the errors (no pointers, no messages), for callers that only need yes/no.
pub fn is_valid(template: &CompiledTemplate, row: &Value) -> bool {
    is_valid_json(template, &row.to_string())
}

/// [`validate`] for a row given as JSON text, read without building a
/// `serde_json::Value`. Errs when the text is not JSON.
pub fn validate_json(template: &CompiledTemplate, row: &str) -> Result<Vec<FieldError>, ybt_rules::JsonError> {
    let errors = template.rules.validate_json(row)?;
    Ok(errors.iter().map(|e| crate::messages::describe_rule(template.rules.program(), e)).collect())
}

/// [`is_valid`] for a row given as JSON text; text that is not JSON is not valid.
pub fn is_valid_json(template: &CompiledTemplate, row: &str) -> bool {
    template.rules.is_valid_json(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::test_support::dibao;

    fn check(row: Value, expect: &[(&str, &str)]) {
        let got: Vec<(String, String)> = validate(&dibao(), &row).into_iter().map(|e| (e.pointer, e.code)).collect();
        let expect: Vec<(String, String)> = expect.iter().map(|(p, c)| ((*p).to_owned(), (*c).to_owned())).collect();
        assert_eq!(got, expect, "row {row}");
    }

    fn good() -> Value {
        json!({
            "name": "张三", "id_number": "11010519491231002X", "address": "永川区",
            "visited_on": "2026-11-02", "monthly_income": 800, "living_condition": "一般"
        })
    }

    #[test]
    fn a_complete_row_is_valid() {
        check(good(), &[]);
    }

    #[test]
    fn each_kind_of_mistake_points_at_its_field() {
        let with = |key: &str, value: Value| {
            let mut row = good();
            row[key] = value;
            row
        };
        check(with("monthly_income", json!(-1)), &[("/monthly_income", "minimum")]);
        check(with("monthly_income", json!("八百")), &[("/monthly_income", "type")]);
        check(with("living_condition", json!("很好")), &[("/living_condition", "enum")]);
        check(with("visited_on", json!("2026-02-30")), &[("/visited_on", "format")]);
        check(with("id_number", json!("110105194912310021")), &[("/id_number", "format")]);
    }

    #[test]
    fn every_missing_field_is_listed() {
        let mut row = good();
        let obj = row.as_object_mut().expect("object");
        obj.remove("visited_on");
        obj.remove("monthly_income");
        check(row, &[("/visited_on", "required"), ("/monthly_income", "required")]);
    }

    #[test]
    fn messages_are_in_chinese_and_english() {
        let mut row = good();
        row["monthly_income"] = json!(-5);
        let errors = validate(&dibao(), &row);
        assert_eq!(errors[0].message.zh, "不能小于 0");
        assert_eq!(errors[0].message.en, "must be at least 0");
    }

    #[test]
    fn is_valid_is_the_verdict_of_validate() {
        let template = dibao();
        let mut bad = good();
        bad["monthly_income"] = json!(-1);
        let mut missing = good();
        missing.as_object_mut().expect("object").remove("visited_on");
        for row in [good(), bad, missing, json!(null), json!({})] {
            assert_eq!(is_valid(&template, &row), validate(&template, &row).is_empty(), "row {row}");
        }
    }

    #[test]
    fn json_text_gets_the_verdict_and_errors_of_its_value() {
        let template = dibao();
        let rows = [
            r#"{"name": "张三", "id_number": "11010519491231002X", "visited_on": "2026-11-02", "monthly_income": 800.5, "living_condition": "一般"}"#,
            r#"{"name": "张\u4e09", "id_number": "110105194912310021", "visited_on": "2026-02-30", "monthly_income": -1, "living_condition": "很好", "remarks": 3}"#,
            r#"{"name": "张三", "name": 1}"#,
            r#"{"monthly_income": "八百", "extra": [1, {"a": null}]}"#,
            "[]",
            "null",
        ];
        for text in rows {
            let row: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(is_valid_json(&template, text), is_valid(&template, &row), "{text}");
            assert_eq!(validate_json(&template, text).expect("JSON"), validate(&template, &row), "{text}");
        }
        assert!(!is_valid_json(&template, "{\"name\": "));
        assert!(validate_json(&template, "{} x").is_err());
    }
}
