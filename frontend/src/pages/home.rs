//! The start page: pick your village, then generate a report in one click.

use ybt_core::api::{Me, TemplateSummary};
use ybt_core::ledger::OrgUnit;
use yew::prelude::*;

use crate::api;
use crate::app::Route;
use crate::components::inbox::Inbox;
use crate::i18n::{Key, Lang, t};

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
    let own_town = (own.len() >= 9).then(|| own[..9].to_owned());
    let own_village = (own.len() == 12).then(|| own.clone());
    let town = use_state(|| own_town.clone());
    let village = use_state(|| own_village.clone());
    let error = use_state(|| None::<String>);
    // Village staff and town coordinators get dispatched tasks.
    let has_inbox = matches!(props.me.user.role, ybt_core::access::Role::VillageStaff | ybt_core::access::Role::TownCoordinator);
    let own_unit = own.clone();

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
            <crate::pages::survey::OutboxPanel lang={lang} />
            <section class="panel">
                <h2>{ t(lang, Key::ChooseUnit) }</h2>
                <label>{ t(lang, Key::Town) }
                    <select id="town" onchange={on_town} disabled={own_town.is_some()}>
                        <option value="">{ t(lang, Key::ChooseOption) }</option>
                        { options(&towns, &town) }
                    </select>
                </label>
                <label>{ t(lang, Key::Village) }
                    <select id="village" onchange={on_village} disabled={town.is_none() || own_village.is_some()}>
                        <option value="">{ t(lang, Key::ChooseOption) }</option>
                        { options(&villages, &village) }
                    </select>
                </label>
            </section>
            <section class="panel actions">
                if let Some(code) = own_village.clone() {
                    <button id="open-ledger" class="secondary" onclick={props.navigate.reform(move |_: MouseEvent| Route::Ledger { org_unit: code.clone() })}>
                        { t(lang, Key::Ledger) }
                    </button>
                }
                <button id="open-burden" class="secondary" onclick={props.navigate.reform(move |_: MouseEvent| Route::Burden { org_unit: own_unit.clone() })}>
                    { t(lang, Key::Burden) }
                </button>
            </section>
            if has_inbox {
                <Inbox lang={lang} on_open={props.navigate.reform(|task_id| Route::Task { task_id })} />
            }
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            <section class="panel">
                <h2>{ t(lang, Key::Templates) }</h2>
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
                                        { format!("{} {} · {} {}", tpl.burden.prefilled, t(lang, Key::Prefilled), tpl.burden.new, t(lang, Key::NewFields)) }
                                    </span>
                                </div>
                                <button class="generate" {onclick} disabled={village.is_none()}>{ t(lang, Key::Generate) }</button>
                            </li>
                        }
                    }) }
                </ul>
            </section>
        </>
    }
}
