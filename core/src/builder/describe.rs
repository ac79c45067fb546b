//! A field as people read it ([`field_summary`]) and as the compiler would
//! see it once in the template ([`field_problems`]).

use serde_json::Value;

use super::edit::{add_field, update_field};
use super::spec::{NewFieldSpec, NewFieldType, field_spec};
use crate::catalog::Catalog;
use crate::field_error::FieldError;
use crate::text::Text;

/// What a field is, in a few words for the builder's list and the review:
/// where it comes from, its type and format, its rule, and its marks
/// (台账预填 · 身份证号 · 必填; 新增 · 文本 · 银行卡号 · 敏感; 计算 · round(…)).
pub fn field_summary(doc: &Value, key: &str, catalog: &Catalog) -> Text {
    let Some(spec) = field_spec(doc, key) else { return Text::new("", "") };
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    if !spec.ledger.is_empty() {
        let item = catalog.get(&spec.ledger).map_or(spec.ledger.clone(), |i| i.title.clone());
        zh.push(format!("台账预填「{item}」"));
        en.push(format!("pre-filled from the ledger ({})", spec.ledger));
    } else if let Some(kind) = spec.kind {
        zh.push(if kind == NewFieldType::Computed { "自动计算".into() } else { format!("新增 · {}", kind.title().zh) });
        en.push(if kind == NewFieldType::Computed { "computed".into() } else { format!("new · {}", kind.title().en) });
        if let Some(preset) = super::presets::by_id(&spec.preset) {
            zh.push(preset.title_zh.into());
            en.push(preset.title_en.into());
        } else if !spec.pattern.is_empty() {
            zh.push(format!("格式 {}", spec.pattern));
            en.push(format!("pattern {}", spec.pattern));
        }
        let range = match (spec.minimum.as_str(), spec.maximum.as_str()) {
            ("", "") => None,
            (a, "") => Some(format!("≥ {a}")),
            ("", b) => Some(format!("≤ {b}")),
            (a, b) => Some(format!("{a}–{b}")),
        };
        if let Some(range) = range {
            zh.push(range.clone());
            en.push(range);
        }
        if !spec.max_length.is_empty() {
            zh.push(format!("最多 {} 字", spec.max_length));
            en.push(format!("≤ {} characters", spec.max_length));
        }
        if !spec.options.is_empty() {
            zh.push(format!("选项：{}", spec.options));
            en.push(format!("options: {}", spec.options));
        }
        if !spec.formula.is_empty() {
            zh.push(format!("公式 {}", spec.formula));
            en.push(format!("formula {}", spec.formula));
        }
    }
    for (on, z, e) in
        [(spec.required, "必填", "required"), (spec.writeback, "回写台账", "written back"), (spec.sensitive, "敏感", "sensitive")]
    {
        if on {
            zh.push(z.into());
            en.push(e.into());
        }
    }
    Text::new(zh.join(" · "), en.join(" · "))
}

/// Every problem with `spec` as a field of `doc` (in place of `editing`
/// when a field is being edited), at the builder's inputs (`/formula`,
/// `/pattern`, …): the spec's own, and what the compiler says of the field
/// once it is in the template — a formula reading a field that is not
/// there, a regex that does not compile — so the form checks as the author
/// types, with the compiler as the one judge.
pub fn field_problems(doc: &Value, editing: Option<&str>, spec: &NewFieldSpec, catalog: &Catalog) -> Vec<FieldError> {
    let mut candidate = doc.clone();
    let applied = match editing {
        Some(old) => update_field(&mut candidate, old, spec),
        None => add_field(&mut candidate, spec),
    };
    if let Err(errors) = applied {
        return errors;
    }
    let Err(errors) = crate::compile(&candidate, catalog) else { return Vec::new() };
    let field = format!("/properties/{}", crate::compile::escape_pointer(spec.key.trim()));
    errors
        .into_iter()
        .filter_map(|e| {
            let rest = e.pointer.strip_prefix(&field)?;
            let input = match rest.trim_start_matches('/') {
                "x-compute" => "/formula",
                "pattern" => "/pattern",
                "x-ui/width" => "/width",
                "x-ui/order" => "/order",
                "x-ui/help" => "/help",
                "x-writeback" | "x-writeback-item" => "/writeback",
                "x-sensitive" => "/sensitive",
                "minimum" => "/minimum",
                "maximum" => "/maximum",
                "maxLength" => "/max_length",
                "enum" => "/options",
                "type" => "/kind",
                _ => "/key",
            };
            Some(FieldError::zh_en(
                input,
                serde_json::to_value(e.code).ok().and_then(|c| c.as_str().map(str::to_owned)).unwrap_or_default(),
                format!("{}。{}", e.message.zh, e.hint.zh),
                format!("{}. {}", e.message.en, e.hint.en),
            ))
        })
        .collect()
}
