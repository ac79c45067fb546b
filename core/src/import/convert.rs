//! A cell's text or number as the JSON value its ledger field holds, its
//! text first cleaned by [`super::normalize`]: tag lists split, numbers
//! read. Anything that does not convert is passed on as text, so the record
//! schema reports it with the same messages as every other validation.

use serde_json::{Value, json};

use super::normalize::{self, Change, Changes, Kind};
use super::sheet::{Cell, excel_serial_to_date};
use crate::ledger::FieldSpec;
use crate::text::Text;

/// A cell that cannot even be handed to validation.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    pub code: &'static str,
    pub message: Text,
}

/// The value of `cell` for `field`, and what normalisation changed in its
/// text; `None` for an empty cell, which leaves the field as it is (an
/// import never erases ledger data by omission).
pub fn convert(field: &FieldSpec, cell: &Cell) -> Result<Option<(Value, Changes)>, CellProblem> {
    if let Cell::Error(e) = cell {
        return Err(CellProblem {
            code: "cell_error",
            message: Text::new(format!("单元格是错误值 {e}"), format!("the cell holds the error value {e}")),
        });
    }
    let kind = Kind::of(field);
    let mut changes = Changes::default();
    let owned;
    let text: &str = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(raw) => {
            let (clean, done) = normalize::text(raw, kind);
            if clean.is_empty() {
                return Ok(None);
            }
            changes = done;
            owned = clean.into_owned();
            &owned
        }
        _ => {
            owned = cell.text();
            &owned
        }
    };
    let value = match kind {
        Kind::Code => {
            if matches!(cell, Cell::Float(f) if f.abs() >= 1e15) {
                // Excel keeps 15 significant digits: the last ones are gone.
                return Err(CellProblem {
                    code: "lost_precision",
                    message: Text::new(
                        "号码被 Excel 存成了数字，末尾几位已丢失：请把该列设为“文本”后重新录入",
                        "Excel stored this number as a numeric value and lost its last digits: format the column as text and re-enter it",
                    ),
                });
            }
            json!(text)
        }
        Kind::Date => match cell {
            Cell::Float(f) => {
                changes.add(Change::ExcelSerial);
                json!(excel_serial_to_date(*f).unwrap_or_else(|| text.to_owned()))
            }
            Cell::Int(i) if (1..100_000).contains(i) => {
                changes.add(Change::ExcelSerial);
                json!(excel_serial_to_date(*i as f64).unwrap_or_else(|| text.to_owned()))
            }
            _ => json!(text),
        },
        _ => match (field.json_type.as_deref(), cell) {
            (Some("integer"), Cell::Int(i)) => json!(i),
            (Some("integer"), Cell::Float(f)) if f.fract() == 0.0 && f.abs() < 9e15 => json!(*f as i64),
            (Some("integer"), _) => number_text(text, true),
            (Some("number"), Cell::Int(i)) => json!(i),
            (Some("number"), Cell::Float(f)) => json!(f),
            (Some("number"), _) => number_text(text, false),
            (Some("array"), _) => {
                let items: Vec<String> = text
                    .split(['、', ',', '，', ';', '；', '/', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                json!(items)
            }
            (Some("boolean"), _) => match text {
                "是" | "true" | "TRUE" | "1" => json!(true),
                "否" | "false" | "FALSE" | "0" => json!(false),
                other => json!(other),
            },
            _ => json!(text),
        },
    };
    Ok(Some((value, changes)))
}

/// A number written as text (`"1,200"`, `"3.5"`); left as text if it is not.
fn number_text(text: &str, integer: bool) -> Value {
    let cleaned: String = text.chars().filter(|c| *c != ',' && *c != '，').collect();
    if integer {
        if let Ok(i) = cleaned.parse::<i64>() {
            return json!(i);
        }
    } else if let Ok(f) = cleaned.parse::<f64>()
        && f.is_finite()
    {
        return json!(f);
    }
    json!(text)
}

/// `2026/1/5`, `2026.1.5`, `2026年1月5日`, `20260105` → `2026-01-05`;
/// anything else unchanged (validation then reports it).
pub fn normalize_date(text: &str) -> String {
    normalize::date_spelling(text).unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RecordTypes;

    fn check(entity: &str, field: &str, cell: Cell, expect: Result<Option<Value>, &str>) {
        let types = RecordTypes::builtin().expect("types");
        let spec = types.get(entity).and_then(|t| t.field(field)).expect("field");
        let got = convert(spec, &cell).map(|v| v.map(|(value, _)| value)).map_err(|p| p.code);
        assert_eq!(got, expect, "{entity}.{field} {cell:?}");
    }

    #[test]
    fn conversions() {
        let t = |s: &str| Cell::Text(s.to_owned());
        check("person", "name", t("张三"), Ok(Some(json!("张三"))));
        check("person", "name", Cell::Empty, Ok(None));
        check("person", "id_number", t("11010519491231002x"), Ok(Some(json!("11010519491231002X"))));
        check("person", "id_number", Cell::Float(110105194912310020.0), Err("lost_precision"));
        check("person", "phone", t("138-1234 5678"), Ok(Some(json!("13812345678"))));
        check("person", "phone", Cell::Float(13812345678.0), Ok(Some(json!("13812345678"))));
        check("person", "birth_date", t("1949/12/31"), Ok(Some(json!("1949-12-31"))));
        check("person", "birth_date", t("1949年1月3日"), Ok(Some(json!("1949-01-03"))));
        check("person", "birth_date", t("19491231"), Ok(Some(json!("1949-12-31"))));
        check("person", "birth_date", Cell::Date("1949-12-31".into()), Ok(Some(json!("1949-12-31"))));
        check("person", "birth_date", Cell::Float(25569.0), Ok(Some(json!("1970-01-01"))));
        check("person", "birth_date", t("去年"), Ok(Some(json!("去年"))));
        check("person", "tags", t("低保、残疾"), Ok(Some(json!(["低保", "残疾"]))));
        check("person", "tags", t("低保，残疾; 退役军人"), Ok(Some(json!(["低保", "残疾", "退役军人"]))));
        check("house", "floors", Cell::Float(3.0), Ok(Some(json!(3))));
        check("house", "floors", t("3"), Ok(Some(json!(3))));
        check("house", "floors", t("三层"), Ok(Some(json!("三层"))));
        check("house", "area", t("1,200.5"), Ok(Some(json!(1200.5))));
        check("house", "area", Cell::Int(80), Ok(Some(json!(80))));
        check("person", "name", Cell::Error("#N/A".into()), Err("cell_error"));
    }
}
