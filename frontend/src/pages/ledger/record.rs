//! A record beside the ledger list: its values in words, the edit form
//! (checked by core's `edit_patch` as staff type, saved through `PATCH` with
//! the version read) and its history.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Map, Value};
use ybt_core::api::{PatchRecordRequest, RecordDetail};
use ybt_core::ledger::browse::{display, edit_patch, editable, typed_value};
use ybt_core::ledger::{FieldSpec, LedgerRecord, Source};
use yew::prelude::*;

use super::input_value;
use crate::api::{self, Conflict};
use crate::i18n::{Lang, tr};

fn source_title(lang: Lang, source: Source) -> &'static str {
    match source {
        Source::Visit => tr(lang, "走访", "visit"),
        Source::Form => tr(lang, "报表", "form"),
        Source::Import => tr(lang, "导入", "import"),
        Source::Department => tr(lang, "部门系统", "department"),
        Source::Survey => tr(lang, "应急摸排", "survey"),
        Source::Transfer => tr(lang, "迁移", "transfer"),
        Source::Demo => tr(lang, "演示数据", "demo"),
    }
}

#[derive(Properties, PartialEq)]
pub struct RecordProps {
    pub lang: Lang,
    pub detail: Rc<RecordDetail>,
    pub units: BTreeMap<String, String>,
    pub may_write: bool,
    pub on_close: Callback<MouseEvent>,
    pub on_saved: Callback<()>,
}

/// The typed state of one field of the edit form: its text, or the ticked
/// options of a list field.
fn initial_edits(fields: &[&FieldSpec], data: &Value) -> Map<String, Value> {
    fields.iter().map(|f| (f.name.clone(), data.get(&f.name).cloned().unwrap_or(Value::Null))).collect()
}

/// Who made a change, by name: an account's display name, a department's
/// system as it signed (`区民政局 (key …)`), else the system itself — never
/// a user name.
fn who(lang: Lang, people: &BTreeMap<String, String>, entry: &ybt_core::ledger::HistoryEntry) -> String {
    match people.get(&entry.changed_by) {
        Some(name) => name.clone(),
        None if entry.source == Source::Department => entry.changed_by.clone(),
        None => tr(lang, "系统", "the system").to_owned(),
    }
}

/// A record beside the list: values in words, the edit form, the history.
#[function_component(RecordPanel)]
pub fn record_panel(props: &RecordProps) -> Html {
    let lang = props.lang;
    let record: &LedgerRecord = &props.detail.record;
    let types = crate::catalog::record_types();
    let editing = use_state(|| false);
    let edits = use_state(Map::<String, Value>::new);
    let errors = use_state(BTreeMap::<String, String>::new);
    let notice = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // A record shown anew (another one, or a new version) ends an edit.
    {
        let (editing, errors) = (editing.clone(), errors.clone());
        use_effect_with((record.id.clone(), record.version), move |_| {
            editing.set(false);
            errors.set(BTreeMap::new());
        });
    }
    let Some(record_type) = types.get(&record.entity) else { return html! {} };
    let editable_fields: Vec<&FieldSpec> = record_type.fields.iter().filter(|f| editable(f)).collect();
    let name = display(&record.data["name"], &props.units);
    // A transfer's history entry changes the record's unit, not a field.
    let title_of = |field: &str| match record_type.field(field) {
        Some(f) => f.title.clone(),
        None if field == "org_unit" => tr(lang, "所属村（社区）", "village").to_owned(),
        None => field.to_owned(),
    };

    let start_edit = {
        let (editing, edits, notice) = (editing.clone(), edits.clone(), notice.clone());
        let initial = initial_edits(&editable_fields, &record.data);
        Callback::from(move |_: MouseEvent| {
            edits.set(initial.clone());
            notice.set(None);
            editing.set(true);
        })
    };
    let cancel = {
        let (editing, errors) = (editing.clone(), errors.clone());
        Callback::from(move |_: MouseEvent| {
            editing.set(false);
            errors.set(BTreeMap::new());
        })
    };
    // Checks the whole record as it would be stored, as the worker will.
    let check = {
        let types = Rc::clone(&types);
        let (entity, data) = (record.entity.clone(), record.data.clone());
        Rc::new(move |edits: &Map<String, Value>| -> Result<ybt_core::ledger::Patch, BTreeMap<String, String>> {
            let Some(record_type) = types.get(&entity) else { return Err(BTreeMap::new()) };
            edit_patch(record_type, &data, edits).map_err(|errors| {
                errors.into_iter().map(|e| (e.pointer.rsplit('/').next().unwrap_or_default().to_owned(), e.message.zh.clone())).collect()
            })
        })
    };
    let set_field = {
        let (edits, errors, check) = (edits.clone(), errors.clone(), check.clone());
        Rc::new(move |field: String, value: Value| {
            let mut next = (*edits).clone();
            next.insert(field, value);
            errors.set(check(&next).err().unwrap_or_default());
            edits.set(next);
        })
    };
    let onsubmit = {
        let (edits, errors, notice, busy, editing) = (edits.clone(), errors.clone(), notice.clone(), busy.clone(), editing.clone());
        let (check, id, version, on_saved) = (check.clone(), record.id.clone(), record.version, props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let patch = match check(&edits) {
                Ok(patch) => patch,
                Err(found) => {
                    errors.set(found);
                    notice.set(Some("请先改正标红的项目".to_owned()));
                    return;
                }
            };
            if patch.is_empty() {
                editing.set(false);
                notice.set(Some("没有修改".to_owned()));
                return;
            }
            let request = PatchRecordRequest { expected_version: version, patch, source: Some(Source::Visit) };
            let (errors, notice, busy, editing, on_saved, id) =
                (errors.clone(), notice.clone(), busy.clone(), editing.clone(), on_saved.clone(), id.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_record(&id, &request).await {
                    Ok(_) => {
                        editing.set(false);
                        notice.set(Some("已保存，修改记录见下方历史".to_owned()));
                        on_saved.emit(());
                    }
                    Err(Conflict::Stale { message, .. }) => {
                        notice.set(Some(format!("{}。已显示当前内容，请核对后再改。", message.zh)));
                        editing.set(false);
                        on_saved.emit(());
                    }
                    Err(Conflict::Other(api::ApiFailure::Server { body, .. })) if !body.error.fields.is_empty() => {
                        errors.set(
                            body.error
                                .fields
                                .iter()
                                .map(|e| (e.pointer.rsplit('/').next().unwrap_or_default().to_owned(), e.message.zh.clone()))
                                .collect(),
                        );
                        notice.set(Some(body.error.message.zh.clone()));
                    }
                    Err(Conflict::Other(failure)) => notice.set(Some(failure.message().zh)),
                }
                busy.set(false);
            });
        })
    };

    let control = |field: &FieldSpec| -> Html {
        let name_attr = field.name.clone();
        let id = format!("edit-{}", field.name);
        let error_id = format!("edit-{}-error", field.name);
        let error = errors.get(&field.name).cloned();
        let value = edits.get(&field.name).cloned().unwrap_or(Value::Null);
        let label = format!("{} · {}", field.title, name);
        let is_list = field.json_type.as_deref() == Some("array");
        let input = if is_list {
            let ticked: Vec<String> = value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
            html! {
                <fieldset class="edit-options" aria-describedby={error_id.clone()}>
                    <legend>{ &field.title }</legend>
                    { for field.options.iter().map(|option| {
                        let (set_field, field_name, option_value) = (set_field.clone(), name_attr.clone(), option.clone());
                        let current = ticked.clone();
                        let onchange = Callback::from(move |e: Event| {
                            let on = e.target_dyn_into::<web_sys::HtmlInputElement>().is_some_and(|i| i.checked());
                            let mut next: Vec<String> = current.iter().filter(|t| **t != option_value).cloned().collect();
                            if on {
                                next.push(option_value.clone());
                            }
                            set_field(field_name.clone(), Value::Array(next.into_iter().map(Value::String).collect()));
                        });
                        html! {
                            <label class="check"><input type="checkbox" checked={ticked.contains(option)} {onchange} />{ option }</label>
                        }
                    }) }
                </fieldset>
            }
        } else if !field.options.is_empty() {
            let (set_field, spec) = (set_field.clone(), field.clone());
            let onchange = Callback::from(move |e: Event| set_field(spec.name.clone(), typed_value(&spec, &input_value(&e))));
            html! {
                <select {id} aria-label={label} aria-invalid={error.is_some().to_string()} aria-describedby={error_id.clone()} {onchange}>
                    <option value="" selected={value.is_null()}>{ "—" }</option>
                    { for field.options.iter().map(|o| html! { <option value={o.clone()} selected={value.as_str() == Some(o.as_str())}>{ o }</option> }) }
                </select>
            }
        } else {
            let (set_field, spec) = (set_field.clone(), field.clone());
            let oninput = Callback::from(move |e: InputEvent| set_field(spec.name.clone(), typed_value(&spec, &input_value(&e))));
            let (kind, mode) = match field.format.as_deref() {
                Some("date") => ("date", None),
                Some("cn-mobile") => ("tel", Some("numeric")),
                _ => ("text", None),
            };
            let text = match &value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            html! {
                <input {id} type={kind} inputmode={mode} value={text} aria-label={label} aria-invalid={error.is_some().to_string()}
                    aria-describedby={error_id.clone()} {oninput} />
            }
        };
        html! {
            <div class={classes!("edit-field", error.is_some().then_some("invalid"))} data-field={field.name.clone()}>
                if !is_list { <span class="edit-title" aria-hidden="true">{ &field.title }</span> }
                { input }
                <span class="cell-error" id={error_id}>{ error.unwrap_or_default() }</span>
            </div>
        }
    };

    let values = html! {
        <dl class="record-fields">
            { for record_type.fields.iter().map(|f| html! {
                <div class="record-field" data-field={f.name.clone()}>
                    <dt>{ &f.title }</dt>
                    <dd>{ display(record.data.get(&f.name).unwrap_or(&Value::Null), &props.units) }</dd>
                </div>
            }) }
        </dl>
    };
    let people = &props.detail.people;
    let history = html! {
        <section id="history" aria-labelledby="history-title">
            <h3 id="history-title">{ tr(lang, "历史", "History") }</h3>
            if props.detail.history.is_empty() { <p>{ tr(lang, "没有修改记录", "No changes recorded") }</p> }
            // A list rather than a table: each change reads whole on a phone too.
            <ol class="history">
                { for props.detail.history.iter().rev().map(|h| html! {
                    <li class="history-entry" data-source={h.source.as_str()} data-version={h.version.to_string()}>
                        <p class="history-head">
                            <span class="sr-only">{ tr(lang, "版本", "Version") }</span><span class="version">{ format!("v{}", h.version) }</span>
                            <span class="sr-only">{ tr(lang, "时间", "When") }</span><span class="when">{ ybt_core::time::beijing(&h.changed_at) }</span>
                            <span class="sr-only">{ tr(lang, "修改人", "Changed by") }</span>
                            <span class="who">{ who(lang, people, h) }</span>
                            <span class="sr-only">{ tr(lang, "来源", "Source") }</span><span class="source">{ source_title(lang, h.source) }</span>
                        </p>
                        <ul class="changes" aria-label={tr(lang, "修改内容（原值 → 新值）", "Changes (old → new)")}>{ for h.changes.iter().map(|(field, (old, new))| html! {
                            <li>{ format!("{}：{} → {}", title_of(field), display(old, &props.units), display(new, &props.units)) }</li>
                        }) }</ul>
                    </li>
                }) }
            </ol>
        </section>
    };
    html! {
        <section class="panel record-detail" id="record" aria-labelledby="record-title">
            <div class="record-head">
                <h2 id="record-title" tabindex="-1">{ &name }</h2>
                <button class="back close-record" onclick={props.on_close.clone()}>{ tr(lang, "返回列表", "Back to the list") }</button>
            </div>
            <p class="meta">{ format!("v{} · {} {}", record.version, tr(lang, "更新于", "updated"), ybt_core::time::beijing(&record.updated_at)) }</p>
            if let Some(text) = &*notice { <p class="notice" id="record-notice" role="status">{ text }</p> }
            if *editing {
                <form class="record-edit" id="record-edit" onsubmit={onsubmit} novalidate=true>
                    { for editable_fields.iter().map(|f| control(f)) }
                    <p class="edit-actions">
                        <button class="primary" type="submit" id="save-record" disabled={*busy}>{ tr(lang, "保存修改", "Save") }</button>
                        <button class="secondary" type="button" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
                    </p>
                </form>
            } else {
                { values }
                if props.may_write {
                    <button class="primary" id="edit-record" onclick={start_edit}>{ format!("{}{}", tr(lang, "修改：", "Edit: "), name) }</button>
                }
            }
            { history }
        </section>
    }
}
