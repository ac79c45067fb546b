//! Dispatch an approved template with one click to a chosen set of towns
//! (a department: any town of the district) or villages (a town centre:
//! its own), with a due date; below, every dispatch with its progress.

use std::collections::BTreeSet;

use ybt_core::access::Role;
use ybt_core::api::{DispatchRequest, DispatchSummary, Me, TemplateSummary};
use ybt_core::ledger::OrgUnit;
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
    pub navigate: Callback<Route>,
}

#[function_component(DispatchPage)]
pub fn dispatch_page(props: &Props) -> Html {
    let lang = props.lang;
    let me = &props.me.user;
    let templates = use_state(Vec::<TemplateSummary>::new);
    let units = use_state(Vec::<OrgUnit>::new);
    let chosen = use_state(BTreeSet::<String>::new);
    let template = use_state(String::new);
    let due = use_state(|| "2026-12-31".to_owned());
    let dispatches = use_state(Vec::<DispatchSummary>::new);
    let message = use_state(|| None::<(bool, Text)>);
    // The id of the click being sent: a retry after a lost answer reuses it.
    let dispatch_id = use_state(api::new_id);
    let reload = use_state(|| 0u32);
    // Minutes per village of each approved (template, version), from its review.
    let minutes = use_state(Vec::<(String, u32, f64)>::new);
    {
        let (templates, units, dispatches, template) = (templates.clone(), units.clone(), dispatches.clone(), template.clone());
        let minutes = minutes.clone();
        let (own, department) =
            (me.org_unit.clone(), (me.role == Role::DepartmentAnalyst).then(|| me.department.clone().unwrap_or_default()));
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(mut list) = api::templates().await {
                    if let Some(d) = &department {
                        list.retain(|t| &t.department == d);
                    }
                    if template.is_empty()
                        && let Some(first) = list.first()
                    {
                        template.set(first.id.clone());
                    }
                    templates.set(list);
                }
                if let Ok(list) = api::org_units(Some(&own)).await {
                    units.set(list.children);
                }
                if let Ok(list) = api::dispatches().await {
                    dispatches.set(list);
                }
                if let Ok(list) = api::template_requests().await {
                    minutes.set(
                        list.iter()
                            .filter(|r| r.status == ybt_core::review::ReviewStatus::Approved)
                            .map(|r| (r.template_id.clone(), r.version, r.analysis.minutes_per_village))
                            .collect(),
                    );
                }
            });
        });
    }
    let toggle = |code: String| {
        let chosen = chosen.clone();
        Callback::from(move |_: Event| {
            let mut next = (*chosen).clone();
            if !next.remove(&code) {
                next.insert(code.clone());
            }
            chosen.set(next);
        })
    };
    let select_all = {
        let (chosen, units) = (chosen.clone(), units.clone());
        Callback::from(move |_: MouseEvent| chosen.set(units.iter().map(|u| u.code.clone()).collect()))
    };
    let clear = {
        let chosen = chosen.clone();
        Callback::from(move |_: MouseEvent| chosen.set(BTreeSet::new()))
    };
    let on_dispatch = {
        let (chosen, template, due, message, dispatch_id, reload) =
            (chosen.clone(), template.clone(), due.clone(), message.clone(), dispatch_id.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let request = DispatchRequest {
                dispatch_id: (*dispatch_id).clone(),
                template_id: (*template).clone(),
                template_version: None,
                org_units: chosen.iter().cloned().collect(),
                due_date: (*due).clone(),
            };
            let (message, dispatch_id, reload) = (message.clone(), dispatch_id.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::dispatch(&request).await {
                    Ok(receipt) => {
                        message.set(Some((
                            true,
                            Text::new(
                                format!("已下发到 {} 个村（社区）", receipt.villages),
                                format!("sent to {} villages", receipt.villages),
                            ),
                        )));
                        dispatch_id.set(api::new_id());
                        reload.set(*reload + 1);
                    }
                    Err(e) => message.set(Some((false, e.message()))),
                }
            });
        })
    };
    let navigate = props.navigate.clone();
    let is_department = me.role == Role::DepartmentAnalyst;
    // The burden of this dispatch: the reviewed minutes per village, times
    // the villages chosen (a town centre picks villages; a department picks
    // towns, whose villages it does not list here).
    let picked = templates.iter().find(|t| t.id == *template);
    let per_village = picked.and_then(|t| minutes.iter().find(|(id, v, _)| *id == t.id && *v == t.version).map(|(_, _, m)| *m));
    let burden = per_village.map(|m| {
        if is_department {
            Text::new(format!("预计每村（社区）约 {m} 分钟"), format!("about {m} minutes per village"))
        } else {
            let hours = ybt_core::review::total_hours(m, chosen.len());
            Text::new(
                format!("预计负担：已选 {} 个村（社区），每村约 {m} 分钟，合计约 {hours} 小时", chosen.len()),
                format!("estimated burden: {} villages chosen, about {m} minutes each, {hours} hours in all", chosen.len()),
            )
        }
    });
    html! {
        <>
            <section class="panel">
                <h2>{ tr(lang, "一键下发", "Dispatch") }</h2>
                <div class="field-row">
                    <label>{ tr(lang, "已准入的报表", "Approved template") }
                        <select id="dispatch-template" onchange={let t = template.clone(); Callback::from(move |e: Event| t.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))}>
                            { for templates.iter().map(|t| html! { <option value={t.id.clone()} selected={t.id == *template}>{ format!("{}（{} {} · {} · {}{}）", t.title, tr(lang, "版本", "version"), t.version, t.department,
                                t.published_at.as_deref().map(ybt_core::time::beijing_date).unwrap_or_default(), tr(lang, " 准入", " approved")) }</option> }) }
                        </select>
                    </label>
                    <label>{ tr(lang, "截止日期", "Due date") }
                        <input type="date" id="dispatch-due" value={(*due).clone()} oninput={let d = due.clone(); Callback::from(move |e: InputEvent| d.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
                    </label>
                </div>
                <fieldset class="picker" id="picker">
                    <legend>{ if is_department { tr(lang, "下发到哪些乡镇（街道）", "Send to these towns") } else { tr(lang, "下发到哪些村（社区）", "Send to these villages") } }</legend>
                    <div class="picker-actions">
                        <button type="button" class="secondary" id="pick-all" onclick={select_all}>{ tr(lang, "全选", "Select all") }</button>
                        <button type="button" class="secondary" id="pick-none" onclick={clear}>{ tr(lang, "清空", "Clear") }</button>
                        <span class="meta" id="pick-count" aria-live="polite">{ format!("{} {} / {}", tr(lang, "已选", "chosen"), chosen.len(), units.len()) }</span>
                    </div>
                    <ul class="units">
                        { for units.iter().map(|u| html! {
                            <li><label class="check" title={u.code.clone()}>
                                <input type="checkbox" data-code={u.code.clone()} checked={chosen.contains(&u.code)} onchange={toggle(u.code.clone())} />
                                <span>{ &u.name }</span>
                            </label></li>
                        }) }
                    </ul>
                </fieldset>
                if let Some(text) = &burden { <p class="meta" id="dispatch-burden" aria-live="polite">{ lang.pick(text) }</p> }
                <button class="primary" id="dispatch" onclick={on_dispatch} disabled={chosen.is_empty() || template.is_empty()}>{ tr(lang, "下发", "Dispatch") }</button>
                if let Some((ok, text)) = &*message { <p class={if *ok { "done" } else { "error" }} id="dispatch-result" role="status">{ lang.pick(text) }</p> }
            </section>
            <section class="panel">
                <h2>{ tr(lang, "下发记录与进度", "Dispatches and progress") }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="dispatches">
                        <thead><tr>
                            <th>{ tr(lang, "报表", "Template") }</th><th class="due">{ tr(lang, "截止", "Due") }</th>
                            <th class="count">{ tr(lang, "未打开", "Not opened") }</th><th class="count">{ tr(lang, "填报中", "In progress") }</th>
                            <th class="count">{ tr(lang, "已提交", "Submitted") }</th><th class="count">{ tr(lang, "已退回", "Returned") }</th><th></th>
                        </tr></thead>
                        <tbody>
                            { for dispatches.iter().map(|d| {
                                let (board, summary) = (d.dispatch_id.clone(), d.template_id.clone());
                                html! {
                                    <tr data-dispatch={d.dispatch_id.clone()}>
                                        <td>{ &d.title }
                                            <span class="meta dispatch-when">{ format!("{} {} · {} {}", tr(lang, "版本", "version"), d.template_version,
                                                tr(lang, "下发于", "sent"), ybt_core::time::beijing(&d.dispatched_at)) }</span>
                                            // On a phone the count columns give way to this line.
                                            <span class="compact">{ format!("{} {} · {} {}/{} · {} {} · {} {} · {} {}",
                                                tr(lang, "截止", "due"), d.due_date, tr(lang, "已提交", "submitted"), d.counts.submitted, d.counts.total,
                                                tr(lang, "未打开", "not opened"), d.counts.not_opened, tr(lang, "填报中", "in progress"), d.counts.draft,
                                                tr(lang, "已退回", "returned"), d.counts.returned) }</span>
                                        </td>
                                        <td class="due">{ &d.due_date }</td>
                                        <td class="count">{ d.counts.not_opened }</td><td class="count">{ d.counts.draft }</td>
                                        <td class="count">{ d.counts.submitted }</td><td class="count">{ d.counts.returned }</td>
                                        <td class="row-actions">
                                            <button class="secondary board" aria-label={format!("{} {}", tr(lang, "进度", "Board"), d.title)} onclick={navigate.reform(move |_| Route::Board { dispatch_id: board.clone() })}>{ tr(lang, "进度", "Board") }</button>
                                            <button class="secondary summary" aria-label={format!("{} {}", tr(lang, "汇总", "Summary"), d.title)} onclick={navigate.reform(move |_| Route::Summary { template_id: summary.clone() })}>{ tr(lang, "汇总", "Summary") }</button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
        </>
    }
}

/// The header buttons of the issue-7 pages for the roles that use them.
pub fn nav(lang: Lang, role: Role, navigate: &Callback<Route>) -> Html {
    let button = |id: &'static str, zh: &'static str, en: &'static str, to: Route| {
        html! { <button class="lang" id={id} onclick={navigate.reform(move |_: MouseEvent| to.clone())}>{ tr(lang, zh, en) }</button> }
    };
    match role {
        Role::DepartmentAnalyst => html! {
            <>
                { button("nav-authoring", "报表设计", "Design", Route::Authoring) }
                { button("nav-dispatch", "下发与汇总", "Dispatch & summary", Route::Dispatch) }
            </>
        },
        Role::TownCoordinator => html! {
            <>
                { button("nav-review", "报表准入", "Review", Route::Review) }
                { button("nav-dispatch", "下发与进度", "Dispatch & progress", Route::Dispatch) }
            </>
        },
        _ => html! {},
    }
}
