//! Edits of a template document's fields: add (a key in use is refused,
//! never replaced), update in place (keeping keywords the builder does not
//! write), add a ledger item, move, remove.

use serde_json::{Map, Value, json};

use super::ledger_property;
use super::problem;
use super::spec::{MANAGED, MANAGED_UI, NewFieldSpec, is_key, new_property, ui_of};
use crate::catalog::CatalogItem;
use crate::field_error::FieldError;

/// The title of the field holding `key`, for messages.
pub(super) fn title_of<'d>(doc: &'d Value, key: &str) -> Option<&'d str> {
    doc.get("properties")?.get(key)?.get("title")?.as_str()
}

/// The refusal of a key already used by another field.
pub(super) fn key_taken(doc: &Value, key: &str) -> FieldError {
    let title = title_of(doc, key).unwrap_or(key);
    problem(
        "/key",
        "key_taken",
        format!("字段名 {key} 已被「{title}」使用：请换一个字段名，或在字段列表中编辑「{title}」"),
        format!("the key {key} is already used by \"{title}\": choose another, or edit that field in the list"),
    )
}

/// Adds a new field. A key already in the template is refused (never a
/// silent replacement of, say, the ledger-bound 住址).
pub fn add_field(doc: &mut Value, spec: &NewFieldSpec) -> Result<(), Vec<FieldError>> {
    let mut property = new_property(spec);
    let key = spec.key.trim();
    if doc.get("properties").and_then(|p| p.get(key)).is_some() {
        let taken = key_taken(doc, key);
        match &mut property {
            Ok(_) => return Err(vec![taken]),
            Err(errors) => errors.insert(0, taken),
        }
    }
    let property = property?;
    add_property(doc, key, property, spec.required);
    Ok(())
}

/// Replaces field `old_key` by what `spec` says, in the same place. A new
/// key renames it (and its place in `required`); keywords the builder does
/// not write (a `description`, `x-renamed-from`, …) are kept. A field
/// bound to a ledger item keeps its binding, type and format: only its
/// title, required mark and display hints change.
pub fn update_field(doc: &mut Value, old_key: &str, spec: &NewFieldSpec) -> Result<(), Vec<FieldError>> {
    let Some(old) = doc.get("properties").and_then(|p| p.get(old_key)).and_then(Value::as_object).cloned() else {
        return Err(vec![problem("/key", "no_field", format!("没有字段 {old_key}"), format!("no field {old_key}"))]);
    };
    let key = spec.key.trim().to_owned();
    let mut errors = Vec::new();
    if key != old_key && doc.get("properties").and_then(|p| p.get(&key)).is_some() {
        errors.push(key_taken(doc, &key));
    }
    let fresh = if old.contains_key("x-ledger") {
        let mut p = Map::new();
        if !is_key(&key) {
            errors.push(problem(
                "/key",
                "invalid_key",
                "字段名须以小写字母开头，只含小写字母、数字和下划线".into(),
                "the key starts with a lowercase letter and has only lowercase letters, digits and _".into(),
            ));
        }
        if spec.title.trim().is_empty() {
            errors.push(problem("/title", "missing_title", "请填写中文名称（村里看到的列名）".into(), "enter the Chinese title".into()));
        }
        p.insert("title".into(), spec.title.trim().into());
        let ui = ui_of(&NewFieldSpec { kind: None, ..spec.clone() }, &mut errors);
        if !ui.is_empty() {
            p.insert("x-ui".into(), Value::Object(ui));
        }
        let mut kept = old.clone();
        kept.remove("title");
        let mut merged = p;
        for (k, v) in kept {
            if k == "x-ui" {
                continue;
            }
            merged.insert(k, v);
        }
        merged
    } else {
        match new_property(&NewFieldSpec { key: key.clone(), ..spec.clone() }) {
            Ok(Value::Object(p)) => p,
            Ok(_) => Map::new(),
            Err(mut e) => {
                errors.append(&mut e);
                Map::new()
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut property = old.clone();
    for k in MANAGED {
        if !old.contains_key("x-ledger") || *k == "title" {
            property.remove(*k);
        }
    }
    let mut ui = property.remove("x-ui").and_then(|u| u.as_object().cloned()).unwrap_or_default();
    for k in MANAGED_UI {
        if !(old.contains_key("x-ledger") && *k == "widget") {
            ui.remove(*k);
        }
    }
    for (k, v) in fresh {
        if k == "x-ui" {
            if let Value::Object(fresh_ui) = v {
                ui.extend(fresh_ui);
            }
        } else {
            property.insert(k, v);
        }
    }
    if !ui.is_empty() {
        property.insert("x-ui".into(), Value::Object(ui));
    }
    // Rebuild `properties` in order, the field in its old place.
    if let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
        for (k, v) in entries {
            if k == old_key {
                map.insert(key.clone(), Value::Object(property.clone()));
            } else {
                map.insert(k, v);
            }
        }
    }
    if let Some(list) = doc.get_mut("required").and_then(Value::as_array_mut) {
        let at = list.iter().position(|k| k == old_key);
        list.retain(|k| k != old_key && *k != key.as_str());
        if spec.required {
            list.insert(at.unwrap_or(list.len()).min(list.len()), Value::String(key.clone()));
        }
    } else if spec.required
        && let Some(object) = doc.as_object_mut()
    {
        object.insert("required".into(), json!([key.clone()]));
    }
    Ok(())
}

/// Adds ledger item `item` as a pre-filled field under a free key. An item
/// already in the template is refused, naming the field that has it.
pub fn add_ledger_item(doc: &mut Value, item: &CatalogItem) -> Result<String, FieldError> {
    let existing = doc
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|p| p.iter().find(|(_, v)| v.get("x-ledger").and_then(Value::as_str) == Some(item.name.as_str())));
    if let Some((key, v)) = existing {
        let title = v.get("title").and_then(Value::as_str).unwrap_or(key);
        return Err(problem(
            "/item",
            "item_already_added",
            format!("台账数据项「{}」已在表中（字段「{title}」），不必再加", item.title),
            format!("the ledger item \"{}\" is already in the form (field \"{title}\")", item.title),
        ));
    }
    let key = free_key(doc, &item.field);
    add_property(doc, &key, ledger_property(item), true);
    Ok(key)
}

/// Fields in the order the form shows them: those with `x-ui.order` first,
/// by it, then the others in document order (as the compiler plans them).
pub fn display_order(doc: &Value) -> Vec<String> {
    let Some(properties) = doc.get("properties").and_then(Value::as_object) else { return Vec::new() };
    let mut keys: Vec<(Option<i64>, usize, String)> = properties
        .iter()
        .enumerate()
        .map(|(i, (k, v))| (v.get("x-ui").and_then(|u| u.get("order")).and_then(Value::as_i64), i, k.clone()))
        .collect();
    keys.sort_by_key(|(order, i, _)| (order.is_none(), *order, *i));
    keys.into_iter().map(|(_, _, k)| k).collect()
}

/// Moves field `key` one place up (`up`) or down in the form's order.
/// The document's order becomes the display order; when some field had an
/// `x-ui.order`, every field gets one (1, 2, …) so both say the same.
/// `false` when it cannot move (first, last, or no such field).
pub fn move_field(doc: &mut Value, key: &str, up: bool) -> bool {
    let mut order = display_order(doc);
    let Some(at) = order.iter().position(|k| k == key) else { return false };
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|t| *t < order.len()) };
    let Some(to) = to else { return false };
    order.swap(at, to);
    let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) else { return false };
    let numbered = map.values().any(|v| v.get("x-ui").and_then(|u| u.get("order")).is_some());
    let mut old = std::mem::take(map);
    for (i, k) in order.iter().enumerate() {
        if let Some(mut v) = old.shift_remove(k) {
            if numbered && let Some(object) = v.as_object_mut() {
                let ui = object.entry("x-ui").or_insert_with(|| json!({}));
                if let Some(ui) = ui.as_object_mut() {
                    ui.insert("order".into(), json!(i + 1));
                }
            }
            map.insert(k.clone(), v);
        }
    }
    true
}

/// Adds (or replaces) property `key`; `required` puts it in `required`.
/// A document without `properties` gets one.
pub fn add_property(doc: &mut Value, key: &str, property: Value, required: bool) {
    let Some(object) = doc.as_object_mut() else { return };
    let properties = object.entry("properties").or_insert_with(|| json!({}));
    if let Some(map) = properties.as_object_mut() {
        map.insert(key.to_owned(), property);
    }
    let list = object.entry("required").or_insert_with(|| json!([]));
    if let Some(list) = list.as_array_mut() {
        list.retain(|k| k != key);
        if required {
            list.push(Value::String(key.to_owned()));
        }
    }
}

/// Removes property `key` (and from `required`).
pub fn remove_property(doc: &mut Value, key: &str) {
    if let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        // `shift_remove`: the fields after it keep their order (a plain
        // `remove` would move the last field into the gap).
        map.shift_remove(key);
    }
    if let Some(list) = doc.get_mut("required").and_then(Value::as_array_mut) {
        list.retain(|k| k != key);
    }
}

/// The key a catalog item gets in a template: its field name, or
/// `<field>_<n>` when taken.
pub fn free_key(doc: &Value, field: &str) -> String {
    let taken = |k: &str| doc.get("properties").and_then(|p| p.get(k)).is_some();
    if !taken(field) {
        return field.to_owned();
    }
    (2..).map(|n| format!("{field}_{n}")).find(|k| !taken(k)).unwrap_or_else(|| field.to_owned())
}
