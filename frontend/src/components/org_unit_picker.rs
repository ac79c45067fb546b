//! Picks an account's org unit by name: the administrator types part of a
//! village's or town's name and picks it from what the worker finds (name,
//! level and the unit above, so two villages of one name are told apart).
//! Nobody types a GB/T 2260 code.

use std::cell::Cell;
use std::rc::Rc;

use ybt_core::api::OrgUnitHit;
use ybt_core::ledger::OrgLevel;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The level the role needs: only units of it are offered.
    pub level: OrgLevel,
    pub value: Option<OrgUnitHit>,
    pub on_pick: Callback<Option<OrgUnitHit>>,
    /// The worker's message for the field, if any.
    #[prop_or_default]
    pub error: Option<String>,
}

pub fn level_title(lang: Lang, level: OrgLevel) -> &'static str {
    match level {
        OrgLevel::District => tr(lang, "区", "district"),
        OrgLevel::Town => tr(lang, "镇（街道）", "town"),
        OrgLevel::Village => tr(lang, "村（社区）", "village"),
    }
}

#[function_component(OrgUnitPicker)]
pub fn org_unit_picker(props: &Props) -> Html {
    let lang = props.lang;
    let text = use_state(String::new);
    let hits = use_state(|| None::<Vec<OrgUnitHit>>);
    let failure = use_state(|| None::<String>);
    // Only the answer to the latest keystroke is shown.
    let latest = use_mut_ref(|| Rc::new(Cell::new(0u32)));
    let level = props.level;

    let oninput = {
        let (text, hits, failure, latest) = (text.clone(), hits.clone(), failure.clone(), latest.borrow().clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            text.set(value.clone());
            let query = value.trim().to_owned();
            let n = latest.get().wrapping_add(1);
            latest.set(n);
            if query.is_empty() {
                hits.set(None);
                return;
            }
            let (hits, failure, latest) = (hits.clone(), failure.clone(), latest.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let level = match level {
                    OrgLevel::District => "district",
                    OrgLevel::Town => "town",
                    OrgLevel::Village => "village",
                };
                let answer = api::search_org_units(&query, level).await;
                if latest.get() != n {
                    return;
                }
                match answer {
                    Ok(found) => {
                        failure.set(None);
                        hits.set(Some(found));
                    }
                    Err(e) => failure.set(Some(lang.pick(&e.message()).to_owned())),
                }
            });
        })
    };

    let label = format!("{}（{}）", tr(lang, "所属单位", "Org unit"), level_title(lang, level));
    if let Some(chosen) = &props.value {
        let clear = {
            let (on_pick, text, hits) = (props.on_pick.clone(), text.clone(), hits.clone());
            Callback::from(move |_: MouseEvent| {
                text.set(String::new());
                hits.set(None);
                on_pick.emit(None);
            })
        };
        return html! {
            <div class="org-picker" id="org-picker">
                <span class="org-label">{ label }</span>
                <p class="org-chosen" id="org-chosen" title={chosen.code.clone()}>
                    <strong>{ &chosen.name }</strong>
                    { format!(" · {}", level_title(lang, chosen.level)) }
                    { chosen.parent_name.as_ref().map(|p| format!(" · {p}")).unwrap_or_default() }
                    <button type="button" class="secondary" onclick={clear}
                        aria-label={format!("{}：{}", tr(lang, "更换所属单位", "Change org unit"), chosen.name)}>{ tr(lang, "更换", "Change") }</button>
                </p>
                if let Some(message) = &props.error { <span class="cell-error" data-error-for="org_unit">{ message }</span> }
            </div>
        };
    }
    html! {
        <div class="org-picker" id="org-picker">
            <label>{ label }
                <input type="search" name="org_unit_search" value={(*text).clone()} {oninput}
                    placeholder={tr(lang, "输入名称查找，如 胜利村", "type part of the name")}
                    aria-describedby="org-unit-hint" autocomplete="off" />
            </label>
            <span class="meta" id="org-unit-hint">{ tr(lang, "输入单位名称的一部分，再从列表中选择", "Type part of the name, then pick from the list") }</span>
            if let Some(message) = &props.error { <span class="cell-error" data-error-for="org_unit">{ message }</span> }
            if let Some(message) = &*failure { <span class="cell-error">{ message }</span> }
            if let Some(found) = &*hits {
                if found.is_empty() {
                    <p class="meta" id="org-none" role="status">{ tr(lang, "没有找到名称含此字的单位", "No unit of that name") }</p>
                } else {
                    <ul class="org-hits" id="org-hits" aria-label={tr(lang, "找到的单位", "Units found")}>
                        { for found.iter().map(|hit| {
                            let pick = {
                                let (on_pick, hit) = (props.on_pick.clone(), hit.clone());
                                Callback::from(move |_: MouseEvent| on_pick.emit(Some(hit.clone())))
                            };
                            let above = hit.parent_name.clone().unwrap_or_default();
                            html! {
                                <li><button type="button" class="org-hit" data-code={hit.code.clone()} onclick={pick}
                                    aria-label={format!("{} {} {above}", hit.name, level_title(lang, hit.level))}>
                                    <span class="org-name">{ &hit.name }</span>
                                    <span class="meta">{ format!("{} · {above}", level_title(lang, hit.level)) }</span>
                                </button></li>
                            }
                        }) }
                    </ul>
                }
            }
        </div>
    }
}
