//! Rules across fields of one record that a JSON Schema cannot say: a
//! birth date and a gender must agree with the ID number they are part of
//! (GB 11643-1999: digits 7–14 are the birth date, digit 17 is odd for men,
//! even for women).
//!
//! A field takes part by naming the part in its schema
//! (`"x-id-number-part": "birth_date"` or `"gender"`); the ID number is the
//! record's field of format `cn-id-number`. [`RecordType::check_write`] is
//! the one function every write path calls (through `plan_insert` and
//! `plan_update`): file imports, department ingest, corrections, form
//! write-back, survey closes and intake.

use serde_json::Value;

use super::record_type::{IdPart, RecordType};
use crate::field_error::FieldError;
use crate::formats::is_cn_id_number;
use crate::text::Text;

/// Code of a field that contradicts the ID number of its record.
pub const CONTRADICTS_ID_NUMBER: &str = "contradicts_id_number";

/// The birth date (`YYYY-MM-DD`) and gender (`男`/`女`) an ID number says.
pub fn id_number_parts(id: &str) -> Option<(String, &'static str)> {
    if !is_cn_id_number(id) {
        return None;
    }
    let date = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
    let gender = if (id.as_bytes()[16] - b'0') % 2 == 1 { "男" } else { "女" };
    Some((date, gender))
}

impl RecordType {
    /// Every problem of `after` as a record of this type: its schema, and
    /// the rules across fields of [`self`](super::rules). `before` is the
    /// stored record of an update (`None` for an insert): a rule across
    /// fields is checked only when one of its fields changes, so a record
    /// stored before the rule existed can still have its phone corrected.
    pub fn check_write(&self, before: Option<&Value>, after: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(after);
        let Some(id_field) = self.fields.iter().find(|f| f.format.as_deref() == Some("cn-id-number")) else { return errors };
        let parts: Vec<_> = self.fields.iter().filter_map(|f| f.id_number_part.map(|p| (f, p))).collect();
        if parts.is_empty() {
            return errors;
        }
        let Some((born, gender)) = after.get(&id_field.name).and_then(Value::as_str).and_then(id_number_parts) else { return errors };
        let changed = |field: &str| before.is_none_or(|b| b.get(field) != after.get(field));
        for (field, part) in parts {
            let pointer = format!("/{}", field.name);
            if !(changed(&id_field.name) || changed(&field.name)) || errors.iter().any(|e| e.pointer == pointer) {
                continue;
            }
            let Some(value) = after.get(&field.name).and_then(Value::as_str) else { continue };
            let agrees = match part {
                IdPart::BirthDate => value == born,
                IdPart::Gender => value == gender,
            };
            if !agrees {
                errors.push(FieldError::new(pointer, CONTRADICTS_ID_NUMBER, contradiction(field, id_field, part)));
            }
        }
        errors
    }
}

/// `「出生日期」与「身份证号」不一致…`: names both fields, repeats neither value
/// (the message may reach a reader the values are masked for).
fn contradiction(field: &super::FieldSpec, id_field: &super::FieldSpec, part: IdPart) -> Text {
    let (zh_where, en_where) = match part {
        IdPart::BirthDate => ("身份证号第 7–14 位是出生日期", "digits 7–14 of an ID number are the birth date"),
        IdPart::Gender => ("身份证号第 17 位单数为男、双数为女", "digit 17 of an ID number is odd for men, even for women"),
    };
    Text::new(
        format!("「{}」与「{}」不一致（{zh_where}），请核对两者", field.title, id_field.title),
        format!("{} ({}) contradicts {} ({}): {en_where}; check both", field.title, field.name, id_field.title, id_field.name),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::ledger::RecordTypes;

    /// (stored record or none, record after the write, pointer → code of every error)
    fn check(before: Option<Value>, after: Value, expect: &[(&str, &str)]) {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let mut got: Vec<(String, String)> = person.check_write(before.as_ref(), &after).into_iter().map(|e| (e.pointer, e.code)).collect();
        got.sort();
        let expect: Vec<(String, String)> = expect.iter().map(|(p, c)| ((*p).to_owned(), (*c).to_owned())).collect();
        assert_eq!(got, expect, "{before:?} → {after}");
    }

    const ID: &str = "11010519491231002X"; // born 1949-12-31, digit 17 is 2: a woman

    #[test]
    fn parts_of_an_id_number() {
        assert_eq!(id_number_parts(ID), Some(("1949-12-31".to_owned(), "女")));
        assert_eq!(id_number_parts("500118197503028792"), None, "bad check digit");
        assert_eq!(id_number_parts("123"), None);
    }

    #[test]
    fn birth_date_and_gender_against_the_id_number() {
        let c = CONTRADICTS_ID_NUMBER;
        check(None, json!({"name": "张三", "id_number": ID, "birth_date": "1949-12-31", "gender": "女"}), &[]);
        check(None, json!({"name": "张三", "id_number": ID}), &[]);
        check(None, json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-01"}), &[("/birth_date", c)]);
        check(None, json!({"name": "张三", "id_number": ID, "gender": "男"}), &[("/gender", c)]);
        check(
            None,
            json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-01", "gender": "男"}),
            &[("/birth_date", c), ("/gender", c)],
        );
        // A bad date or ID number is reported once, by the schema.
        check(None, json!({"name": "张三", "id_number": ID, "birth_date": "去年"}), &[("/birth_date", "format")]);
        check(None, json!({"name": "张三", "id_number": "110105194912310021", "birth_date": "1950-01-01"}), &[("/id_number", "format")]);
    }

    #[test]
    fn only_a_change_to_the_fields_of_a_rule_checks_it() {
        let stored = json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-01"});
        let c = CONTRADICTS_ID_NUMBER;
        // A record stored before the rule: its phone can still be corrected.
        check(Some(stored.clone()), json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-01", "phone": "13812345678"}), &[]);
        check(Some(stored.clone()), json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-02"}), &[("/birth_date", c)]);
        check(Some(stored), json!({"name": "张三", "id_number": ID, "birth_date": "1949-12-31"}), &[]);
    }

    #[test]
    fn the_message_names_both_fields_and_neither_value() {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let errors = person.check_write(None, &json!({"name": "张三", "id_number": ID, "birth_date": "1950-01-01"}));
        let zh = &errors[0].message.zh;
        assert!(zh.contains("「出生日期」") && zh.contains("「身份证号」"), "{zh}");
        assert!(!zh.contains("1949") && !zh.contains("1950"), "{zh}");
    }
}
