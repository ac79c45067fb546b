//! A village's ledger of people, and each record's history: who changed
//! what, when, through which channel, old → new.

use serde_json::Value;
use ybt_core::api::{LedgerList, RecordDetail};
use ybt_core::ledger::Source;
use yew::prelude::*;

use crate::api;
use crate::components::import_panel::ImportPanel;
use crate::i18n::{Key, Lang, t};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub org_unit: String,
    pub back: Callback<MouseEvent>,
}

/// The columns shown in the list; the rest are in the history.
const SHOWN: [&str; 4] = ["name", "gender", "id_number", "phone"];

fn source_title(lang: Lang, source: Source) -> &'static str {
    let (zh, en) = match source {
        Source::Visit => ("走访", "visit"),
        Source::Form => ("报表", "form"),
        Source::Import => ("导入", "import"),
        Source::Department => ("部门系统", "department"),
        Source::Survey => ("应急摸排", "survey"),
        Source::Transfer => ("迁移", "transfer"),
        Source::Demo => ("演示数据", "demo"),
    };
    if lang == Lang::Zh { zh } else { en }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

#[function_component(LedgerPage)]
pub fn ledger_page(props: &Props) -> Html {
    let lang = props.lang;
    let list = use_state(|| None::<LedgerList>);
    let detail = use_state(|| None::<RecordDetail>);
    let error = use_state(|| None::<String>);
    // Bumped after an import, to fetch the list again.
    let reloads = use_state(|| 0u32);
    {
        let (list, error) = (list.clone(), error.clone());
        use_effect_with((props.org_unit.clone(), *reloads), move |(org_unit, _)| {
            let org_unit = org_unit.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::ledger("person", &org_unit).await {
                    Ok(l) => list.set(Some(l)),
                    Err(e) => error.set(Some(e.message().zh)),
                }
            });
        });
    }
    let show_history = {
        let (detail, error) = (detail.clone(), error.clone());
        Callback::from(move |id: String| {
            let (detail, error) = (detail.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::ledger_record(&id).await {
                    Ok(d) => detail.set(Some(d)),
                    Err(e) => error.set(Some(e.message().zh)),
                }
            });
        })
    };
    let Some(list) = &*list else {
        return html! {
            <>
                if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
                <p class="loading">{ t(lang, Key::Loading) }</p>
            </>
        };
    };
    let fields: Vec<(String, String)> = list.columns.iter().map(|c| (c.name.clone(), c.title.clone())).collect();
    let imported = {
        let reloads = reloads.clone();
        Callback::from(move |()| reloads.set(*reloads + 1))
    };
    let title_of = |name: &str| list.columns.iter().find(|c| c.name == name).map_or_else(|| name.to_owned(), |c| c.title.clone());
    // A value as people read it: the village's code as its name.
    let shown = |field: &str, value: &Value| match value {
        Value::String(code) if field == "village" && *code == list.org_unit && !list.org_unit_name.is_empty() => list.org_unit_name.clone(),
        other => text(other),
    };
    let history = detail.as_ref().map(|d| {
        html! {
            <section class="panel" id="history">
                <h2>{ format!("{} · {}", t(lang, Key::History), text(&d.record.data["name"])) }</h2>
                if d.history.is_empty() { <p>{ t(lang, Key::NoHistory) }</p> }
                // A list rather than a table: each change reads whole on a phone too.
                <ol class="history">
                    { for d.history.iter().rev().map(|h| html! {
                        <li class="history-entry" data-source={h.source.as_str()} data-version={h.version.to_string()}>
                            <p class="history-head">
                                <span class="sr-only">{ t(lang, Key::Version) }</span><span class="version">{ format!("v{}", h.version) }</span>
                                <span class="sr-only">{ t(lang, Key::When) }</span><span class="when">{ ybt_core::time::beijing(&h.changed_at) }</span>
                                <span class="sr-only">{ t(lang, Key::Who) }</span>
                                <span class="who" title={h.changed_by.clone()}>{ d.people.get(&h.changed_by).unwrap_or(&h.changed_by) }</span>
                                <span class="sr-only">{ t(lang, Key::Source) }</span><span class="source">{ source_title(lang, h.source) }</span>
                            </p>
                            <ul class="changes" aria-label={t(lang, Key::Changes)}>{ for h.changes.iter().map(|(field, (old, new))| html! {
                                <li>{ format!("{}：{} → {}", title_of(field), shown(field, old), shown(field, new)) }</li>
                            }) }</ul>
                        </li>
                    }) }
                </ol>
            </section>
        }
    });
    html! {
        <>
            <button class="back" onclick={props.back.clone()}>{ t(lang, Key::Back) }</button>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            <section class="panel">
                <h2 id="ledger-title">{ t(lang, Key::Ledger) }{ " · " }
                    <span title={list.org_unit.clone()}>{ if list.org_unit_name.is_empty() { &list.org_unit } else { &list.org_unit_name } }</span></h2>
                <div class="table-wrap">
                <table class="ledger">
                    <thead><tr>
                        { for SHOWN.iter().map(|name| html! { <th>{ title_of(name) }</th> }) }
                        <th>{ t(lang, Key::Version) }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.records.iter().map(|record| {
                            let id = record.id.clone();
                            let onclick = show_history.reform(move |_: MouseEvent| id.clone());
                            html! {
                                <tr class="ledger-row" data-id={record.id.clone()}>
                                    { for SHOWN.iter().map(|name| html! { <td>{ text(&record.data[*name]) }</td> }) }
                                    <td>{ record.version }</td>
                                    <td><button class="history-button" {onclick}>{ t(lang, Key::History) }</button></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                </div>
            </section>
            { history }
            <ImportPanel {lang} org_unit={props.org_unit.clone()} {fields} {imported} />
        </>
    }
}
