//! What a row of a kind shows and requires (bound fields on their entity's
//! kind, `x-ui.kinds`, `if`/`then` requirements), and reading typed numbers
//! and submission errors back onto a row's fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::compile::{CompiledTemplate, FieldPlan, FieldSource};
use crate::ids::LedgerItem;

/// A field as shown on a row of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct KindField<'a> {
    pub field: &'a FieldPlan,
    /// Required on rows of this kind (always, or by the kind's `if`/`then`).
    pub required: bool,
}

/// What each kind's `if {kind: const K} then {...}` (at the top or in
/// `allOf`) requires: its `required` keys, and arrays it gives a
/// `minItems` of at least 1.
pub fn kind_requirements(template: &CompiledTemplate) -> BTreeMap<String, BTreeSet<String>> {
    let kind_field = template.subject.kind_field.as_deref().unwrap_or_default();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let schema = &template.schema;
    let branches = std::iter::once(schema).chain(schema.get("allOf").and_then(Value::as_array).into_iter().flatten());
    for branch in branches {
        let condition = branch.pointer(&format!("/if/properties/{}", crate::compile::escape_pointer(kind_field)));
        let kind = condition.and_then(|c| {
            c.get("const").and_then(Value::as_str).or_else(|| match c.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
                Some([one]) => one.as_str(),
                _ => None,
            })
        });
        let (Some(kind), Some(then)) = (kind, branch.get("then")) else { continue };
        let keys = found.entry(kind.to_owned()).or_default();
        keys.extend(then.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned));
        if let Some(properties) = then.get("properties").and_then(Value::as_object) {
            keys.extend(
                properties
                    .iter()
                    .filter(|(_, p)| p.get("minItems").and_then(Value::as_u64).is_some_and(|n| n >= 1))
                    .map(|(k, _)| k.clone()),
            );
        }
    }
    found
}

/// The fields a row of `kind` shows, in form order (the kind field itself
/// is the row's heading, not a field): a field bound to a ledger item only
/// on the kind picked from that record type, a field with `x-ui.kinds` only
/// on those kinds, any other field on every kind. `required` says where to
/// put the `*`: required always, or by this kind's `if`/`then`.
pub fn kind_fields<'a>(template: &'a CompiledTemplate, kind: &str) -> Vec<KindField<'a>> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let entity = subject.kinds.iter().find(|k| k.kind == kind).and_then(|k| k.entity.as_deref());
    let requirements = kind_requirements(template);
    let required_here = requirements.get(kind);
    template
        .fields
        .iter()
        .filter(|f| f.key != kind_field)
        .filter(|f| match &f.source {
            FieldSource::Ledger { item } => LedgerItem::split(item).map(|(e, _)| e) == entity,
            _ => f.ui.kinds.is_empty() || f.ui.kinds.iter().any(|k| k == kind),
        })
        .map(|field| KindField { field, required: field.required || required_here.is_some_and(|keys| keys.contains(&field.key)) })
        .collect()
}

/// The value a typed text stands for in a number field: the number when the
/// whole text is one (full-width digits and 。 as typed by some Chinese
/// keyboards included), else the text itself, so that validation says it
/// is not a number. `None` for blank text. The text stays what staff see:
/// this value is never written back into the box.
pub fn typed_number(text: &str, integer: bool) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let ascii: String = trimmed
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '－' => '-',
            other => other,
        })
        .collect();
    let number = if integer {
        ascii.parse::<i64>().ok().map(Value::from)
    } else {
        ascii
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| ascii.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64).map(Value::Number))
    };
    Some(number.unwrap_or_else(|| Value::String(trimmed.to_owned())))
}

/// Where a submission error belongs: `/rows/{i}/values/{key}…` → (row, the
/// field, if any), so that it is shown in words at that field.
pub fn error_place(pointer: &str) -> Option<(usize, Option<&str>)> {
    let rest = pointer.strip_prefix("/rows/")?;
    let (row, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let row = row.parse().ok()?;
    let key = rest.strip_prefix("values/").map(|k| k.split('/').next().unwrap_or(k)).filter(|k| !k.is_empty());
    Some((row, key))
}
