//! Emergency surveys (应急摸排): a department or town centre starts one in a
//! click for every village of a town or the district and follows the live
//! board (polled every few seconds, `board`); village staff see their survey tasks.

mod board;

use ybt_core::access::Role;
use ybt_core::api::{Me, TaskSummary};
use ybt_core::ids::OrgLevel;
use ybt_core::survey::{SurveyPreview, SurveySummary};
use yew::prelude::*;

use crate::api;
use crate::components::intake_list::IntakeList;
use crate::components::quick_survey::QuickSurvey;
use crate::i18n::{Lang, tr};
use board::Board;

/// The shipped survey template.
pub const SURVEY_TEMPLATE: &str = "typhoon-damage-survey";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
    /// Opens a village's survey task.
    pub open_task: Callback<TaskSummary>,
}

/// `YYYY-MM-DD`, `days` from today (the browser's calendar).
fn date_in(days: f64) -> String {
    let date = js_sys::Date::new_0();
    date.set_date(date.get_date() + days as u32);
    format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date())
}

#[function_component(SurveysPage)]
pub fn surveys_page(props: &Props) -> Html {
    let lang = props.lang;
    let role = props.me.user.role;
    let own = props.me.user.org_unit.clone();
    let surveys = use_state(Vec::<SurveySummary>::new);
    let tasks = use_state(Vec::<TaskSummary>::new);
    // Whether the task list has come back (an empty list then says so).
    let tasks_loaded = use_state(|| false);
    let selected = use_state(|| None::<String>);
    let message = use_state(|| None::<String>);
    // A town centre sends to its town; a district department chooses (no default: 267 villages is a choice).
    let scope = use_state(|| if OrgLevel::of_code(&own) == Some(OrgLevel::Town) { own.clone() } else { String::new() });
    let reason = use_state(String::new);
    let due_date = use_state(|| date_in(1.0));
    let towns = use_state(Vec::<ybt_core::ledger::OrgUnit>::new);
    let refresh = use_state(|| 0u32);
    // One dispatch id per start form: a double tap, or a retry after a lost
    // answer, starts one survey. A new one only after a survey started.
    let dispatch_id = use_state(crate::api::new_id);
    let confirm = use_state(|| None::<SurveyPreview>);
    let busy = use_state(|| false);

    {
        let (surveys, tasks, towns, own, message) = (surveys.clone(), tasks.clone(), towns.clone(), own.clone(), message.clone());
        let tasks_loaded = tasks_loaded.clone();
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let list = match api::surveys().await {
                    Ok(list) => list,
                    Err(e) => {
                        message.set(Some(e.both()));
                        Vec::new()
                    }
                };
                if role == Role::VillageStaff || role == Role::TownCoordinator {
                    // Every survey's tasks, the shipped one and ad-hoc ones alike.
                    if let Ok(all) = api::tasks().await {
                        tasks.set(all.into_iter().filter(|t| list.iter().any(|s| s.dispatch_id == t.dispatch_id)).collect());
                    }
                    tasks_loaded.set(true);
                }
                surveys.set(list);
                if OrgLevel::of_code(&own) == Some(OrgLevel::District) {
                    if let Ok(list) = api::org_unit_children(&own).await {
                        towns.set(list.children);
                    }
                }
            });
        });
    }

    let can_start = matches!(role, Role::DepartmentAnalyst | Role::TownCoordinator);
    let body = |scope: &str, reason: &str, due: &str, id: &str| serde_json::json!({ "dispatch_id": id, "template_id": SURVEY_TEMPLATE, "scope": scope, "reason": reason, "due_date": due });
    let start = can_start.then(|| {
        // Step 1: what would happen, for the starter to confirm.
        let on_start = {
            let (scope, reason, due_date, dispatch_id, message, confirm, busy) =
                (scope.clone(), reason.clone(), due_date.clone(), dispatch_id.clone(), message.clone(), confirm.clone(), busy.clone());
            Callback::from(move |_: MouseEvent| {
                if scope.is_empty() {
                    message.set(Some(tr(lang, "请先选择下发范围", "choose where to send it first").into()));
                    return;
                }
                if *busy {
                    return;
                }
                busy.set(true);
                let request = body(&scope, &reason, &due_date, &dispatch_id);
                let (message, confirm, busy) = (message.clone(), confirm.clone(), busy.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::preview_survey(&request).await {
                        Ok(preview) => {
                            message.set(None);
                            confirm.set(Some(preview));
                        }
                        Err(e) => message.set(Some(e.both())),
                    }
                    busy.set(false);
                });
            })
        };
        // Step 2: start it, under the form's one dispatch id.
        let on_confirm = {
            let (scope, reason, due_date, dispatch_id, message, confirm, busy) =
                (scope.clone(), reason.clone(), due_date.clone(), dispatch_id.clone(), message.clone(), confirm.clone(), busy.clone());
            let (selected, refresh) = (selected.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                if *busy {
                    return;
                }
                busy.set(true);
                let request = body(&scope, &reason, &due_date, &dispatch_id);
                let (message, confirm, busy, selected, refresh, dispatch_id) =
                    (message.clone(), confirm.clone(), busy.clone(), selected.clone(), refresh.clone(), dispatch_id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::start_survey(&request).await {
                        Ok(s) => {
                            message.set(Some(match lang {
                                Lang::Zh => format!("已下发到{}的 {} 个村（社区），截止 {}", s.scope_name, s.villages, s.due_date),
                                Lang::En => format!("sent to {} villages of {}, due {}", s.villages, s.scope_name, s.due_date),
                            }));
                            selected.set(Some(s.dispatch_id));
                            confirm.set(None);
                            dispatch_id.set(crate::api::new_id());
                            refresh.set(*refresh + 1);
                        }
                        Err(e) => message.set(Some(e.both())),
                    }
                    busy.set(false);
                });
            })
        };
        let on_cancel = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(None))
        };
        let on_scope = {
            let (scope, confirm) = (scope.clone(), confirm.clone());
            Callback::from(move |e: Event| {
                confirm.set(None);
                scope.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value())
            })
        };
        let on_reason = {
            let reason = reason.clone();
            Callback::from(move |e: InputEvent| reason.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
        };
        let on_due = {
            let (due_date, confirm) = (due_date.clone(), confirm.clone());
            Callback::from(move |e: Event| {
                confirm.set(None);
                due_date.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value())
            })
        };
        let on_started = {
            let (message, selected, refresh) = (message.clone(), selected.clone(), refresh.clone());
            Callback::from(move |s: SurveySummary| {
                message.set(Some(match lang {
                    Lang::Zh => format!("已下发到{}的 {} 个村（社区），截止 {}", s.scope_name, s.villages, s.due_date),
                    Lang::En => format!("sent to {} villages of {}, due {}", s.villages, s.scope_name, s.due_date),
                }));
                selected.set(Some(s.dispatch_id));
                refresh.set(*refresh + 1);
            })
        };
        let confirm_view = (*confirm).clone().map(|p| {
            html! {
                <div class="confirm" id="survey-confirm-box" role="alertdialog" aria-labelledby="survey-confirm-text">
                    <p id="survey-confirm-text">{ match lang {
                        Lang::Zh => format!("将向{}的 {} 个村（社区）下发“{}”，截止 {}。确认下发？", p.scope_name, p.villages, p.title, p.due_date),
                        Lang::En => format!("Send \"{}\" to {} villages of {}, due {}?", p.title, p.villages, p.scope_name, p.due_date),
                    } }</p>
                    <button id="survey-confirm" class="primary" disabled={*busy} onclick={on_confirm}>{ match lang {
                        Lang::Zh => format!("确认下发到 {} 个村（社区）", p.villages),
                        Lang::En => format!("Send to {} villages", p.villages),
                    } }</button>
                    <button id="survey-cancel" class="secondary" onclick={on_cancel}>{ tr(lang, "取消", "Cancel") }</button>
                </div>
            }
        });
        html! {
            <div class="survey-start panel">
                <h3>{ tr(lang, "发起台风受灾摸排（应急快速通道）", "Start a typhoon damage survey (emergency fast track)") }</h3>
                <label>{ tr(lang, "下发范围", "Send to") }
                    <select id="survey-scope" onchange={on_scope}>
                        if OrgLevel::of_code(&own) == Some(OrgLevel::District) {
                            <option value="" selected={scope.is_empty()}>{ tr(lang, "请选择范围", "choose") }</option>
                            <option value={own.clone()} selected={*scope == own}>{ tr(lang, "全区所有村（社区）", "every village of the district") }</option>
                        } else {
                            <option value={own.clone()} selected={*scope == own}>{ tr(lang, "本镇街所有村（社区）", "every village of the town") }</option>
                        }
                        { for towns.iter().map(|t| html! { <option value={t.code.clone()} selected={*scope == t.code}>{ &t.name }</option> }) }
                    </select>
                </label>
                <label>{ tr(lang, "截止日期", "Due") }
                    <input id="survey-due" type="date" value={(*due_date).clone()} onchange={on_due} /></label>
                <label>{ tr(lang, "事由（记录在案）", "Reason (logged)") }
                    <input id="survey-reason" oninput={on_reason} /></label>
                <button id="survey-start" class="primary" disabled={*busy || confirm.is_some()} onclick={on_start}>{ tr(lang, "一键下发", "Send to all villages") }</button>
                { confirm_view }
                <QuickSurvey lang={lang} scope={(*scope).clone()} reason={(*reason).clone()} due_date={(*due_date).clone()} on_started={on_started} />
                <p class="hint">{ tr(lang, "应急摸排不经审核直接下发，发起人和事由记录在案；填报校验照常。", "Emergency surveys skip the review step (who and why are logged); validation still applies.") }</p>
            </div>
        }
    });

    let task_list = (!tasks.is_empty()).then(|| {
        html! {
            <div class="table-wrap">
            <table class="survey-tasks form-table">
                <tr><th>{ tr(lang, "摸排", "Survey") }</th><th>{ tr(lang, "截止", "Due") }</th><th>{ tr(lang, "状态", "Status") }</th><th></th></tr>
                { for tasks.iter().map(|t| {
                    let open = { let (t, cb) = (t.clone(), props.open_task.clone()); Callback::from(move |_: MouseEvent| cb.emit(t.clone())) };
                    html! { <tr class="survey-task" data-dispatch={t.dispatch_id.clone()}>
                        <td class="name">{ &t.title }<span class="dept">{ &t.org_unit_name }</span></td><td class="nowrap">{ &t.due_date }</td>
                        <td><span class={classes!("status", t.status.as_str())}>{ lang.pick(&t.status.title()).to_owned() }</span></td>
                        <td><button class="open-survey primary" onclick={open}>{ tr(lang, "填报", "Fill in") }</button></td></tr> }
                }) }
            </table>
            </div>
        }
    });

    let list = surveys.iter().map(|s| {
        let id = s.dispatch_id.clone();
        let select = {
            let selected = selected.clone();
            Callback::from(move |_: MouseEvent| selected.set(Some(id.clone())))
        };
        html! {
            <li><button class="survey-item secondary" onclick={select}>{ match lang {
                Lang::Zh => format!("{} · {} · {} 发起 · {} 个村 · 截止 {}", s.title, s.scope_name, ybt_core::time::beijing(&s.started_at), s.villages, s.due_date),
                Lang::En => format!("{} · {} · started {} · {} villages · due {}", s.title, s.scope_name, ybt_core::time::beijing(&s.started_at), s.villages, s.due_date),
            } }</button>
                if s.closed_at.is_some() { <span class="closed">{ tr(lang, " 已结束", " closed") }</span> }</li>
        }
    });

    html! {
        <section class="surveys">
            <h2>{ tr(lang, "应急摸排", "Emergency surveys") }</h2>
            <crate::components::outbox_panel::OutboxPanel lang={lang} />
            { start }
            if let Some(m) = &*message { <p id="survey-message" class="status" role="status">{ m }</p> }
            { task_list }
            if role == Role::VillageStaff && *tasks_loaded && tasks.is_empty() {
                <div class="empty-state" id="survey-empty">
                    <p><strong>{ tr(lang, "目前没有应急摸排任务。", "There is no emergency survey for you now.") }</strong></p>
                    <p>{ tr(lang,
                        "遇台风、暴雨等灾情，镇街或区里发起摸排后，本村（社区）的任务会出现在这里：点“填报”登记受灾的人员、房屋、农田、企业和易涝点，可附现场照片；没有网络时也能先填，联网后自动上传。",
                        "When a typhoon or flood strikes and the town or district starts a survey, your village's task appears here: press “Fill in” to record affected people, houses, fields, enterprises and flood points, with photos; without a connection you can fill it in and it is sent once you are back online.") }</p>
                </div>
            }
            if role != Role::VillageStaff { <ul class="survey-list">{ for list }</ul> }
            if role == Role::TownCoordinator { <IntakeList lang={lang} /> }
            if let Some(id) = (*selected).clone() {
                if role != Role::VillageStaff { <Board lang={lang} dispatch_id={id} can_close={can_start} /> }
            }
        </section>
    }
}
