//! The builder's lists: the fields of the template in form order (each to
//! move, edit or remove) and the ledger catalog to add items from; what the
//! field form shows as problems.

use serde_json::Value;
use ybt_core::builder::{self, NewFieldSpec, SearchHit};
use ybt_core::{Catalog, FieldError};
use yew::prelude::*;

use crate::i18n::{Lang, tr};

/// What the buttons of a field do: (key, title, up), (key), (key, title).
pub struct Actions<'a> {
    pub move_field: &'a dyn Fn(String, String, bool) -> Callback<MouseEvent>,
    pub start_edit: &'a dyn Fn(String) -> Callback<MouseEvent>,
    pub remove: &'a dyn Fn(String, String) -> Callback<MouseEvent>,
}

/// 已选字段 in form order, with ↑ ↓ 编辑 删除 per field.
pub fn field_list(lang: Lang, doc: &Value, editing: Option<&str>, catalog: &Catalog, actions: &Actions<'_>) -> Html {
    let order = builder::display_order(doc);
    let count = order.len();
    html! {
        <ol class="fields" id="field-list">
            { for order.into_iter().enumerate().map(|(i, key)| {
                let p = &doc["properties"][&key];
                let kind = if p.get("x-ledger").is_some() { "prefilled" } else if p.get("x-compute").is_some() { "computed" } else { "new" };
                let title = p.get("title").and_then(Value::as_str).unwrap_or(&key).to_owned();
                let summary = builder::field_summary(doc, &key, catalog);
                let editing_this = editing == Some(key.as_str());
                html! {
                    <li class={classes!("field", kind, editing_this.then_some("editing"))} data-key={key.clone()}>
                        <span class="field-title">{ &title }</span>{ " " }<code>{ &key }</code>
                        <span class="meta field-summary">{ lang.pick(&summary) }</span>
                        <span class="field-actions">
                            <button type="button" class="up" id={format!("up-{key}")} disabled={i == 0} aria-label={format!("{}「{title}」", tr(lang, "上移", "Move up "))} onclick={(actions.move_field)(key.clone(), title.clone(), true)}>{ "↑" }</button>
                            <button type="button" class="down" id={format!("down-{key}")} disabled={i + 1 == count} aria-label={format!("{}「{title}」", tr(lang, "下移", "Move down "))} onclick={(actions.move_field)(key.clone(), title.clone(), false)}>{ "↓" }</button>
                            <button type="button" class="edit" aria-label={format!("{}「{title}」", tr(lang, "编辑", "Edit "))} onclick={(actions.start_edit)(key.clone())}>{ tr(lang, "编辑", "Edit") }</button>
                            <button type="button" class="remove" aria-label={format!("{}「{title}」", tr(lang, "删除", "Remove "))} onclick={(actions.remove)(key.clone(), title.clone())}>{ tr(lang, "删除", "Remove") }</button>
                        </span>
                    </li>
                }
            }) }
        </ol>
    }
}

/// The fields a formula may name: (key, title) in form order.
pub fn titles(doc: &Value) -> Vec<(String, String)> {
    builder::display_order(doc)
        .into_iter()
        .map(|k| {
            let t = doc["properties"][&k].get("title").and_then(Value::as_str).unwrap_or(&k).to_owned();
            (k, t)
        })
        .collect()
}

/// What the field form shows: problems found when it was submitted, and
/// the formula and pattern checked as they are typed.
pub fn field_errors(
    doc: Option<&Value>,
    editing: Option<&str>,
    spec: &NewFieldSpec,
    submitted: &[FieldError],
    catalog: &Catalog,
) -> Vec<FieldError> {
    let mut shown = submitted.to_vec();
    if let Some(doc) = doc
        && (!spec.formula.trim().is_empty() || !spec.pattern.trim().is_empty())
    {
        for e in builder::field_problems(doc, editing, spec, catalog) {
            if (e.pointer == "/formula" || e.pointer == "/pattern") && !shown.iter().any(|s| s.pointer == e.pointer) {
                shown.push(e);
            }
        }
    }
    shown
}

/// The ledger items the template binds already.
pub fn bound_items(doc: &Value) -> Vec<String> {
    doc.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.values().filter_map(|v| v.get("x-ledger").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The catalog items found, each with 添加 (or 已添加).
pub fn catalog_list(lang: Lang, hits: &[SearchHit<'_>], bound: &[String], add_item: &dyn Fn(String) -> Callback<MouseEvent>) -> Html {
    html! {
        <ul class="catalog" id="catalog">
            { for hits.iter().map(|hit| {
                let item = hit.item;
                let added = bound.contains(&item.name);
                html! {
                    <li class="catalog-item" data-item={item.name.clone()}>
                        { &item.title }
                        { for hit.alias.map(|a| html! { <span class="meta alias">{ format!("（{}{a}）", tr(lang, "又称 ", "also ")) }</span> }) }
                        { " " }<code>{ &item.name }</code>
                        <button type="button" class="add" disabled={added} aria-label={format!("{}「{}」", if added { tr(lang, "已添加", "Added ") } else { tr(lang, "添加", "Add ") }, item.title)} onclick={add_item(item.name.clone())}>
                            { if added { tr(lang, "已添加", "Added") } else { tr(lang, "添加", "Add") } }
                        </button>
                    </li>
                }
            }) }
            if hits.is_empty() {
                <li class="meta">{ tr(lang, "台账中没有这一项：可作为新增填报字段", "Not in the ledger: add it as a new field") }</li>
            }
        </ul>
    }
}
