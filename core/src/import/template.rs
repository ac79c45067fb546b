//! The blank workbook a clerk fills in to import one record type (下载导入模板):
//! the catalog's Chinese titles as headers, identifier and phone columns
//! formatted as text (so Excel cannot turn an ID number into a rounded
//! number), date columns as dates, the allowed values of enumerated fields
//! as drop-down lists, and one example row marked `示例` in its 序号 column,
//! which import skips ([`super::SkipReason::Example`]). A second sheet,
//! 填写说明, has no header and is left out by import. So the template
//! imports as it is (nothing), or filled in (its rows), example row kept or
//! deleted.

#[cfg(feature = "spreadsheets")]
use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use serde_json::{Value, json};

use super::normalize::Kind;
#[cfg(feature = "spreadsheets")]
use crate::export::ExportError;
use crate::ledger::{FieldSpec, IdPart, RecordType, id_number_parts};

/// The first column: row numbers, and the example row's marker.
pub const SERIAL_HEADER: &str = "序号";
/// The marker in the 序号 column of the example row.
pub const EXAMPLE_MARKER: &str = "示例";

/// Rows below the header that get the drop-down lists.
#[cfg(feature = "spreadsheets")]
const VALIDATED_ROWS: u32 = 20_000;

/// The fields a file can fill: not the village (the unit imported into
/// fills it) and not lists of records (灾情记录), which no cell holds.
pub fn template_fields(record_type: &RecordType) -> Vec<&FieldSpec> {
    record_type.fields.iter().filter(|f| f.name != "village" && !f.structured).collect()
}

/// A synthetic value for the example row: valid for the field, obviously
/// not anyone's.
pub fn example_value(record_type: &RecordType, field: &FieldSpec) -> Value {
    // A birth date and gender agree with the example ID number, as
    // `RecordType::check_write` requires.
    let example_id = || crate::demo::id_number("110105", 1980, 1, 1, 1);
    match field.id_number_part {
        Some(IdPart::BirthDate) => return json!("1980-01-01"),
        Some(IdPart::Gender) => return json!(id_number_parts(&example_id()).map_or("男", |(_, gender)| gender)),
        None => {}
    }
    if let Some(first) = field.options.first() {
        return if field.json_type.as_deref() == Some("array") { json!([first]) } else { json!(first) };
    }
    match (Kind::of(field), field.format.as_deref(), field.json_type.as_deref()) {
        (Kind::Code, Some("cn-id-number"), _) => json!(example_id()),
        (Kind::Code, _, _) => json!(crate::demo::credit_code('1', "110105", "12345678").unwrap_or_default()),
        (Kind::Phone, _, _) => json!("13800138000"),
        (Kind::Date, _, _) => json!("2020-01-01"),
        (_, _, Some("integer")) => json!(if field.name.ends_with("year") { 2000 } else { 3 }),
        (_, _, Some("number")) => json!(100.5),
        _ => json!(match (record_type.entity.as_str(), field.name.as_str()) {
            ("person", "name") => "张三",
            (_, "parcel_no") => "500118-0001",
            (_, "household" | "household_no") => "H0001",
            (_, "address" | "location") => "示例村一组1号",
            _ => "示例",
        }),
    }
}

/// Writes the template of `record_type`. `created_at` (RFC 3339, UTC) is
/// the file's creation time: given, so the same call gives the same bytes.
#[cfg(feature = "spreadsheets")]
pub fn import_template(record_type: &RecordType, created_at: &str) -> Result<Vec<u8>, ExportError> {
    let fields = template_fields(record_type);
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::parse_from_str(created_at)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created).set_title(format!("{}导入模板", record_type.title)));
    let bold = Format::new().set_bold();
    let required = Format::new().set_bold().set_font_color("#C00000");
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let grey = Format::new().set_font_color("#808080").set_italic();
    let sheet = workbook.add_worksheet();
    sheet.set_name(&record_type.title)?;
    sheet.write_string_with_format(0, 0, SERIAL_HEADER, &bold)?;
    sheet.write_string_with_format(1, 0, EXAMPLE_MARKER, &grey)?;
    sheet.set_column_width(0, 6.0)?;
    for (i, field) in fields.iter().enumerate() {
        let col = (i + 1) as u16;
        let kind = Kind::of(field);
        let width = match kind {
            Kind::Code => 22.0,
            Kind::Phone | Kind::Date => 14.0,
            _ => (field.title.chars().count() as f64 * 2.4).max(10.0),
        };
        sheet.set_column_width(col, width)?;
        match kind {
            Kind::Code | Kind::Phone => {
                sheet.set_column_format(col, &text)?;
            }
            Kind::Date => {
                sheet.set_column_format(col, &date)?;
            }
            _ => {}
        }
        let title = if field.required { format!("{}*", field.title) } else { field.title.clone() };
        sheet.write_string_with_format(0, col, &title, if field.required { &required } else { &bold })?;
        match example_value(record_type, field) {
            Value::Number(n) => {
                sheet.write_number_with_format(1, col, n.as_f64().unwrap_or_default(), &grey)?;
            }
            Value::String(s) if kind == Kind::Date => {
                let day = ExcelDateTime::parse_from_str(&s)?;
                sheet.write_datetime_with_format(1, col, &day, &date.clone().set_font_color("#808080").set_italic())?;
            }
            Value::Array(items) => {
                let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                sheet.write_string_with_format(1, col, joined.join("、"), &grey)?;
            }
            Value::String(s) => {
                let format = if matches!(kind, Kind::Code | Kind::Phone) { grey.clone().set_num_format("@") } else { grey.clone() };
                sheet.write_string_with_format(1, col, &s, &format)?;
            }
            _ => {}
        }
        if let Some(validation) = validation(field, kind)? {
            sheet.add_data_validation(1, col, VALIDATED_ROWS, col, &validation)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let notes = workbook.add_worksheet();
    notes.set_name("填写说明")?;
    notes.set_column_width(0, 90.0)?;
    for (row, line) in notes_lines(record_type, &fields).iter().enumerate() {
        notes.write_string(row as u32, 0, line)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The drop-down list of an enumerated field, or the input hint of an
/// identifier; `None` for free text.
#[cfg(feature = "spreadsheets")]
fn validation(field: &FieldSpec, kind: Kind) -> Result<Option<DataValidation>, XlsxError> {
    if !field.options.is_empty() {
        let many = field.json_type.as_deref() == Some("array");
        let mut validation = DataValidation::new().allow_list_strings(field.options.as_slice())?;
        validation = if many {
            // Several values go in one cell (低保、残疾): a list cannot hold
            // that, so a value off the list only informs.
            validation
                .set_error_style(DataValidationErrorStyle::Information)
                .set_input_title(field.title.clone())?
                .set_input_message("可从下拉列表选择；多个请用“、”分隔")?
        } else {
            validation.set_error_title(field.title.clone())?.set_error_message("请从下拉列表中选择")?
        };
        return Ok(Some(validation));
    }
    let hint = match (kind, field.format.as_deref()) {
        (Kind::Code, Some("cn-id-number")) => "18 位身份证号（本列为文本格式，不会被改成科学计数法）",
        (Kind::Code, _) => "18 位统一社会信用代码（本列为文本格式）",
        (Kind::Phone, _) => "11 位手机号（本列为文本格式）",
        (Kind::Date, _) => "日期，如 1975-01-16",
        _ => return Ok(None),
    };
    Ok(Some(DataValidation::new().allow_any_value().set_input_title(field.title.clone())?.set_input_message(hint)?))
}

#[cfg(feature = "spreadsheets")]
fn notes_lines(record_type: &RecordType, fields: &[&FieldSpec]) -> Vec<String> {
    let mut lines = vec![
        format!("{}导入模板 · 填写说明", record_type.title),
        String::new(),
        "1. 在第一张表中从第 3 行起每行填写一条记录；第 2 行是示例（序号列为“示例”），导入时自动跳过，可保留也可删除。".to_owned(),
        "2. 标红并带 * 的列必须填写。身份证号、信用代码、手机号列已设为文本格式，请直接输入，不要加撇号或空格。".to_owned(),
        "3. 有下拉箭头的列请从列表中选择；“人员标签”等可填多个的列用“、”分隔。".to_owned(),
        "4. 日期可写为 1975-01-16、1975.1.16、1975年1月16日，导入时统一为 1975-01-16；全角数字会转为半角。".to_owned(),
        "5. 表格末尾的合计、填表人、审核人、制表日期等行会被自动识别并跳过。".to_owned(),
        String::new(),
        "各列：".to_owned(),
    ];
    for field in fields {
        let mut line = format!("· {}", field.title);
        if field.required {
            line.push_str("（必填）");
        }
        if !field.options.is_empty() {
            line.push_str(&format!("：{}", field.options.join(" / ")));
        }
        lines.push(line);
    }
    lines
}
