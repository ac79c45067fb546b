//! The ledger page of every reading role: search first (a name, an address,
//! or the last digits of an ID number or phone), filters by tag and group,
//! pages, and beside the list the record picked: its values in words, an
//! edit form for those who may write (checked by core as they type, saved
//! as a versioned correction with history) and its history. The search,
//! masking and paging are the worker's (core's `ledger::browse`); this page
//! only asks and shows. `record` is the record beside the list.

mod record;

use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::{LedgerPage as Page, RecordDetail};
use ybt_core::ledger::OrgLevel;
use ybt_core::ledger::browse::{LedgerQuery, display};
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api;
use crate::components::import_panel::ImportPanel;
use crate::i18n::{Lang, tr};
use crate::timer::{ElementListener, Timeout};
use record::RecordPanel;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub org_unit: String,
    pub back: Callback<MouseEvent>,
}

const ENTITY: &str = "person";
/// The fields a card shows under the name; the rest are in the record.
const CARD: [&str; 4] = ["gender", "id_number", "phone", "address"];

/// The text of the input or select an event came from.
fn input_value(e: &impl AsRef<web_sys::Event>) -> String {
    let event: &web_sys::Event = e.as_ref();
    event
        .target_dyn_into::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .or_else(|| event.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()))
        .unwrap_or_default()
}

/// Moves focus (and the screen) to the element `id` once it is drawn.
fn focus_later(id: &'static str) -> Timeout {
    Timeout::new(0, move || {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
            el.scroll_into_view();
            if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    })
}

#[function_component(LedgerPage)]
pub fn ledger_page(props: &Props) -> Html {
    let lang = props.lang;
    let query = use_state(LedgerQuery::default);
    let search_ref = use_node_ref();
    let page = use_state(|| None::<Rc<Page>>);
    let selected = use_state(|| None::<String>);
    let detail = use_state(|| None::<Rc<RecordDetail>>);
    let error = use_state(|| None::<Text>);
    let reloads = use_state(|| 0u32);
    let debounce = use_mut_ref(|| None::<Timeout>);
    let focus = use_mut_ref(|| None::<Timeout>);
    let composing = use_mut_ref(|| false);

    {
        let (page, error) = (page.clone(), error.clone());
        use_effect_with((props.org_unit.clone(), (*query).clone(), *reloads), move |(org_unit, query, _)| {
            let (org_unit, query) = (org_unit.clone(), query.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::ledger_search(ENTITY, &org_unit, &query).await {
                    Ok(p) => {
                        error.set(None);
                        page.set(Some(Rc::new(p)));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    // Set when a record is opened: its heading takes the focus once drawn.
    let want_focus = use_mut_ref(|| false);
    {
        let (detail, error, want_focus, focus) = (detail.clone(), error.clone(), want_focus.clone(), focus.clone());
        use_effect_with(((*selected).clone(), *reloads), move |(id, _)| {
            if let Some(id) = id.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match api::ledger_record(&id).await {
                        Ok(d) => {
                            detail.set(Some(Rc::new(d)));
                            if std::mem::take(&mut *want_focus.borrow_mut()) {
                                *focus.borrow_mut() = Some(focus_later("record-title"));
                            }
                        }
                        Err(e) => error.set(Some(e.message())),
                    }
                });
            } else {
                detail.set(None);
            }
        });
    }

    // Searching as typing pauses; nothing while an input method composes.
    // The query as it is now, for callbacks made in an earlier render (the
    // composition listener lives as long as the page).
    let latest = use_mut_ref(LedgerQuery::default);
    *latest.borrow_mut() = (*query).clone();
    let run_search = {
        let (query, latest) = (query.clone(), latest.clone());
        Rc::new(move |text: String| {
            let mut next = latest.borrow().clone();
            if next.q == text {
                return;
            }
            next.q = text;
            next.page = None;
            query.set(next);
        })
    };
    // Yew has no attribute for composition events: listen on the element
    // once it is drawn (after the first answer).
    {
        let (search_ref, composing, debounce, run_search) = (search_ref.clone(), composing.clone(), debounce.clone(), run_search.clone());
        use_effect_with(page.is_some(), move |drawn| {
            let listeners = drawn.then(|| search_ref.cast::<web_sys::Element>()).flatten().map(|element| {
                let target: web_sys::EventTarget = element.into();
                let start = {
                    let composing = composing.clone();
                    ElementListener::new(target.clone(), "compositionstart", move |_| *composing.borrow_mut() = true)
                };
                let end = ElementListener::new(target, "compositionend", move |e: web_sys::Event| {
                    *composing.borrow_mut() = false;
                    let text = input_value(&e);
                    let run_search = run_search.clone();
                    *debounce.borrow_mut() = Some(Timeout::new(350, move || run_search(text)));
                });
                (start, end)
            });
            move || drop(listeners)
        });
    }
    let on_search_input = {
        let (debounce, composing, run_search) = (debounce.clone(), composing.clone(), run_search.clone());
        Callback::from(move |e: InputEvent| {
            if *composing.borrow() || e.is_composing() {
                return;
            }
            let text = input_value(&e);
            let run_search = run_search.clone();
            *debounce.borrow_mut() = Some(Timeout::new(350, move || run_search(text)));
        })
    };
    let on_search_submit = {
        let (search_ref, debounce, run_search) = (search_ref.clone(), debounce.clone(), run_search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            *debounce.borrow_mut() = None;
            run_search(search_ref.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default());
        })
    };
    let on_filter = |which: &'static str| {
        let query = query.clone();
        Callback::from(move |e: Event| {
            let value = input_value(&e);
            let mut next = (*query).clone();
            let value = (!value.is_empty()).then_some(value);
            if which == "tag" {
                next.tag = value;
            } else {
                next.group = value;
            }
            next.page = None;
            query.set(next);
        })
    };
    let go_page = |to: usize| {
        let query = query.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*query).clone();
            next.page = Some(to);
            query.set(next);
        })
    };
    let open = {
        let (selected, want_focus) = (selected.clone(), want_focus.clone());
        Callback::from(move |id: String| {
            *want_focus.borrow_mut() = true;
            selected.set(Some(id));
        })
    };
    let close = {
        let (selected, focus) = (selected.clone(), focus.clone());
        Callback::from(move |_: MouseEvent| {
            let id = (*selected).clone();
            selected.set(None);
            // Back to the card the reader came from.
            *focus.borrow_mut() = Some(Timeout::new(0, move || {
                let button = id.and_then(|id| {
                    web_sys::window()?.document()?.query_selector(&format!("li.ledger-row[data-id=\"{id}\"] button.history-button")).ok()?
                });
                if let Some(b) = button.and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b).ok()) {
                    let _ = b.focus();
                }
            }));
        })
    };
    let saved = {
        let reloads = reloads.clone();
        Callback::from(move |()| reloads.set(*reloads + 1))
    };

    let Some(list) = page.as_ref().map(Rc::clone) else {
        return html! {
            <>
                <button class="back" onclick={props.back.clone()}>{ tr(lang, "返回", "Back") }</button>
                if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
                <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p>
            </>
        };
    };
    let types = crate::catalog::record_types();
    let Some(record_type) = types.get(ENTITY) else { return html! {} };
    let title_of = |name: &str| record_type.field(name).map_or_else(|| name.to_owned(), |f| f.title.clone());
    let unit_name = if list.org_unit_name.is_empty() { list.org_unit.clone() } else { list.org_unit_name.clone() };
    let many_units = OrgLevel::of_code(&list.org_unit) != Some(OrgLevel::Village);
    let is_village = !many_units;
    let fields: Vec<(String, String)> = list.columns.iter().map(|c| (c.name.clone(), c.title.clone())).collect();
    let imported = saved.clone();
    let open_id = (*selected).clone();

    let cards = list.records.iter().map(|record| {
        let name = display(&record.data["name"], &list.units);
        let id = record.id.clone();
        let onclick = open.reform(move |_: MouseEvent| id.clone());
        let tags = record.data.get("tags").and_then(Value::as_array).cloned().unwrap_or_default();
        let is_open = open_id.as_deref() == Some(record.id.as_str());
        html! {
            <li class={classes!("ledger-row", is_open.then_some("open"))} data-id={record.id.clone()}>
                <div class="card-head">
                    <h3 class="ledger-name">{ &name }</h3>
                    if many_units {
                        <span class="card-unit" title={record.org_unit.clone()}>{ display(&Value::String(record.org_unit.clone()), &list.units) }</span>
                    }
                </div>
                <dl class="card-fields">
                    { for CARD.iter().map(|f| html! {
                        <div class="card-field" data-field={*f}><dt>{ title_of(f) }</dt><dd>{ display(record.data.get(*f).unwrap_or(&Value::Null), &list.units) }</dd></div>
                    }) }
                </dl>
                if !tags.is_empty() {
                    <p class="card-tags">{ for tags.iter().filter_map(Value::as_str).map(|tag| html! { <span class="chip">{ tag }</span> }) }</p>
                }
                <button class="secondary history-button" aria-expanded={is_open.to_string()} aria-controls="record"
                    aria-label={format!("{}{}", tr(lang, "查看记录和历史：", "Record and history: "), name)} {onclick}>
                    { tr(lang, "查看 · 历史", "View · history") }
                </button>
            </li>
        }
    });

    let filters = html! {
        <div class="ledger-filters">
            <label>{ tr(lang, "人员标签", "Tag") }
                <select id="ledger-tag" onchange={on_filter("tag")}>
                    <option value="" selected={query.tag.is_none()}>{ tr(lang, "全部", "All") }</option>
                    { for list.tags.iter().map(|f| html! {
                        <option value={f.value.clone()} selected={query.tag.as_deref() == Some(f.value.as_str())}>{ format!("{}（{}）", f.value, f.count) }</option>
                    }) }
                </select>
            </label>
            <label>{ tr(lang, "村民小组", "Group") }
                <select id="ledger-group" onchange={on_filter("group")}>
                    <option value="" selected={query.group.is_none()}>{ tr(lang, "全部", "All") }</option>
                    { for list.groups.iter().map(|f| html! {
                        <option value={f.value.clone()} selected={query.group.as_deref() == Some(f.value.as_str())}>{ format!("{}（{}）", f.value, f.count) }</option>
                    }) }
                </select>
            </label>
        </div>
    };
    let pager = html! {
        <nav class="pager" aria-label={tr(lang, "翻页", "Pages")}>
            <button class="secondary" id="page-prev" disabled={list.page <= 1} onclick={go_page(list.page.saturating_sub(1).max(1))}>{ tr(lang, "上一页", "Previous") }</button>
            <span id="page-of">{ format!("{} {} / {} {}", tr(lang, "第", "page"), list.page, list.pages, tr(lang, "页", "")) }</span>
            <button class="secondary" id="page-next" disabled={list.page >= list.pages} onclick={go_page(list.page + 1)}>{ tr(lang, "下一页", "Next") }</button>
        </nav>
    };
    let record_panel = (*detail).as_ref().filter(|d| open_id.as_deref() == Some(d.record.id.as_str())).map(|d| {
        html! {
            <RecordPanel {lang} detail={Rc::clone(d)} units={list.units.clone()} may_write={list.may_write}
                on_close={close.clone()} on_saved={saved.clone()} />
        }
    });

    html! {
        <>
            <button class="back" onclick={props.back.clone()}>{ tr(lang, "返回", "Back") }</button>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <div class={classes!("ledger-layout", record_panel.is_some().then_some("with-record"))}>
                <section class="panel ledger-list" aria-labelledby="ledger-title">
                    <h2 id="ledger-title">{ tr(lang, "台账", "Ledger") }{ " · " }<span title={list.org_unit.clone()}>{ &unit_name }</span></h2>
                    <form class="ledger-search" role="search" onsubmit={on_search_submit}>
                        <label class="search-label">{ tr(lang, "搜索", "Search") }
                            <input id="ledger-q" type="search" ref={search_ref} oninput={on_search_input}
                                placeholder={tr(lang, "姓名、住址，或证件号、电话后 4 位", "name, address, or last 4 digits of an ID or phone")}
                                aria-describedby="ledger-count" />
                        </label>
                        <button class="primary" type="submit">{ tr(lang, "搜索", "Search") }</button>
                    </form>
                    { filters }
                    <p id="ledger-count" class="meta" aria-live="polite">
                        { format!("{} {} {}", tr(lang, "共", "found"), list.total, tr(lang, "人", "people")) }
                        if !list.may_write { <span class="readonly" id="ledger-readonly">{ tr(lang, " · 只读：可查看，不能修改", " · read-only") }</span> }
                    </p>
                    if list.records.is_empty() { <p class="empty-state">{ tr(lang, "没有符合条件的人员。", "No one matches.") }</p> }
                    <ul class="ledger-cards">{ for cards }</ul>
                    { pager }
                    <p class="exports">
                        <a class="button" id="export-xlsx" href={api::ledger_export_url(ENTITY, &list.org_unit, "xlsx")} download="">{ tr(lang, "导出 Excel", "Export Excel") }</a>
                        <a class="button" id="export-csv" href={api::ledger_export_url(ENTITY, &list.org_unit, "csv")} download="">{ tr(lang, "导出 CSV", "Export CSV") }</a>
                    </p>
                </section>
                { record_panel.unwrap_or_default() }
            </div>
            if list.may_write && is_village {
                <ImportPanel {lang} org_unit={props.org_unit.clone()} {fields} {imported} />
            }
        </>
    }
}
