//! The start page: pick your village, then generate a report in one click.
//! It offers only what the role may do (`access::offers`, decided by
//! core's `authorize`): no 一键生成 for a role that may not generate forms,
//! the ledger for every role that may read it (of the unit picked).

use ybt_core::api::{Me, TemplateSummary};
use ybt_core::ledger::OrgUnit;
use yew::prelude::*;

use crate::api;
use crate::components::inbox::Inbox;
use crate::i18n::{Lang, tr};
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
    pub navigate: Callback<Route>,
}

/// Loads the children of `parent` into `target` whenever `parent` changes.
fn load_children(parent: Option<String>, target: UseStateHandle<Vec<OrgUnit>>, error: UseStateHandle<Option<String>>) {
    wasm_bindgen_futures::spawn_local(async move {
        match api::org_units(parent.as_deref()).await {
            Ok(list) => target.set(list.children),
            Err(e) => error.set(Some(e.message().zh)),
        }
    });
}

#[function_component(HomePage)]
pub fn home_page(props: &Props) -> Html {
    let lang = props.lang;
    let templates = use_state(Vec::<TemplateSummary>::new);
    let towns = use_state(Vec::<OrgUnit>::new);
    let villages = use_state(Vec::<OrgUnit>::new);
    // Staff of a village or town start there and cannot leave it.
    let own = props.me.user.org_unit.clone();
    let own_town = ybt_core::ids::OrgCode::parse(&own).ok().and_then(|c| c.town()).map(String::from);
    let own_village = (ybt_core::ids::OrgLevel::of_code(&own) == Some(ybt_core::ids::OrgLevel::Village)).then(|| own.clone());
    let town = use_state(|| own_town.clone());
    let village = use_state(|| own_village.clone());
    let error = use_state(|| None::<String>);
    let offers = ybt_core::access::offers(&props.me.user);
    let has_inbox = offers.inbox;
    let own_unit = own.clone();
    // The ledger of the most specific unit picked: a village, a town, or
    // the reader's own unit.
    let ledger_unit = (*village).clone().or_else(|| (*town).clone()).unwrap_or_else(|| own.clone());

    {
        let (templates, towns, error) = (templates.clone(), towns.clone(), error.clone());
        use_effect_with((), move |_| {
            let list_error = error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::templates().await {
                    Ok(list) => templates.set(list),
                    Err(e) => list_error.set(Some(e.message().zh)),
                }
            });
            // The district is the one root; its children are the towns.
            let (towns_for_root, error_for_root) = (towns.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(roots) = api::org_units(None).await {
                    if let Some(district) = roots.children.first() {
                        load_children(Some(district.code.clone()), towns_for_root, error_for_root);
                    }
                }
            });
        });
    }
    {
        let (villages, error, village, own_village) = (villages.clone(), error.clone(), village.clone(), own_village.clone());
        use_effect_with((*town).clone(), move |town| {
            village.set(own_village);
            match town {
                Some(code) => load_children(Some(code.clone()), villages, error),
                None => villages.set(Vec::new()),
            }
        });
    }

    let on_town = {
        let town = town.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            town.set((!value.is_empty()).then_some(value));
        })
    };
    let on_village = {
        let village = village.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            village.set((!value.is_empty()).then_some(value));
        })
    };
    let options = |units: &[OrgUnit], selected: &Option<String>| {
        units
            .iter()
            .map(|u| html! { <option value={u.code.clone()} selected={selected.as_deref() == Some(u.code.as_str())}>{ &u.name }</option> })
            .collect::<Html>()
    };

    html! {
        <>
            <crate::components::outbox_panel::OutboxPanel lang={lang} />
            if offers.generate_forms || offers.read_ledger {
            <section class="panel">
                <h2>{ tr(lang, "选择填报单位", "Choose your unit") }</h2>
                <label>{ tr(lang, "镇（街道）", "Town / street") }
                    <select id="town" onchange={on_town} disabled={own_town.is_some()}>
                        <option value="">{ tr(lang, "请选择", "Choose") }</option>
                        { options(&towns, &town) }
                    </select>
                </label>
                <label>{ tr(lang, "村（社区）", "Village / community") }
                    <select id="village" onchange={on_village} disabled={town.is_none() || own_village.is_some()}>
                        <option value="">{ tr(lang, "请选择", "Choose") }</option>
                        { options(&villages, &village) }
                    </select>
                </label>
            </section>
            }
            <section class="panel actions">
                if offers.read_ledger {
                    <button id="open-ledger" class="secondary" onclick={props.navigate.reform(move |_: MouseEvent| Route::Ledger { org_unit: ledger_unit.clone() })}>
                        { tr(lang, "台账", "Ledger") }
                        if !offers.write_ledger { { crate::i18n::tr(lang, "（只读）", " (read-only)") } }
                    </button>
                }
                <button id="open-burden" class="secondary" onclick={props.navigate.reform(move |_: MouseEvent| Route::Burden { org_unit: own_unit.clone() })}>
                    { tr(lang, "填报负担", "Reporting burden") }
                </button>
            </section>
            if has_inbox {
                <Inbox lang={lang} on_open={props.navigate.reform(|task_id| Route::Task { task_id })} />
            }
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            if offers.generate_forms {
            <section class="panel">
                <h2>{ tr(lang, "报表模板", "Report templates") }</h2>
                <ul class="templates">
                    { for templates.iter().map(|tpl| {
                        let navigate = props.navigate.clone();
                        let chosen = (*village).clone();
                        let template_id = tpl.id.clone();
                        let onclick = Callback::from(move |_: MouseEvent| {
                            if let Some(org_unit) = chosen.clone() {
                                navigate.emit(Route::Form { template_id: template_id.clone(), org_unit });
                            }
                        });
                        html! {
                            <li class="template" data-template={tpl.id.clone()}>
                                <div>
                                    <strong>{ &tpl.title }</strong>
                                    <span class="dept">{ &tpl.department }</span>
                                    <span class="burden">
                                        { format!("{} {} · {} {}", tpl.burden.prefilled, tr(lang, "项自动填入", "fields pre-filled"), tpl.burden.new, tr(lang, "项需填写", "fields to enter")) }
                                    </span>
                                </div>
                                <button class="generate" {onclick} disabled={village.is_none()}>{ tr(lang, "一键生成", "Generate") }</button>
                            </li>
                        }
                    }) }
                </ul>
            </section>
            }
        </>
    }
}
