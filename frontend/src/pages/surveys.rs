//! Emergency surveys (应急摸排): a department or town centre starts one in a
//! click for every village of a town or the district and follows the live
//! board (polled every few seconds); village staff see their survey tasks.

use gloo_net::http::Request;
use ybt_core::access::Role;
use ybt_core::api::{ErrorBody, Me, TaskSummary};
use ybt_core::survey::{SurveyBoard, SurveySummary};
use yew::prelude::*;

use crate::components::intake_list::IntakeList;
use crate::components::quick_survey::QuickSurvey;
use crate::i18n::{Lang, tr};

/// The shipped survey template.
pub const SURVEY_TEMPLATE: &str = "typhoon-damage-survey";
/// How often the board is fetched again.
const POLL_MS: u32 = 3_000;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
    /// Opens a village's survey task.
    pub open_task: Callback<TaskSummary>,
}

pub(crate) async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let r = Request::get(url).send().await.map_err(|e| e.to_string())?;
    if r.ok() {
        r.json::<T>().await.map_err(|e| e.to_string())
    } else {
        Err(r.json::<ErrorBody>().await.map(|b| format!("{} / {}", b.error.message.zh, b.error.message.en)).unwrap_or_default())
    }
}

pub(crate) async fn post<T: serde::de::DeserializeOwned>(url: &str, body: &serde_json::Value) -> Result<T, String> {
    let r =
        Request::post(url).header("X-Yibiaotong", "1").json(body).map_err(|e| e.to_string())?.send().await.map_err(|e| e.to_string())?;
    if r.ok() {
        r.json::<T>().await.map_err(|e| e.to_string())
    } else {
        Err(r.json::<ErrorBody>().await.map(|b| format!("{} / {}", b.error.message.zh, b.error.message.en)).unwrap_or_default())
    }
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
    let scope = use_state(|| own.clone());
    let reason = use_state(String::new);
    let towns = use_state(Vec::<ybt_core::ledger::OrgUnit>::new);
    let refresh = use_state(|| 0u32);

    {
        let (surveys, tasks, towns, own, message) = (surveys.clone(), tasks.clone(), towns.clone(), own.clone(), message.clone());
        let tasks_loaded = tasks_loaded.clone();
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match get::<Vec<SurveySummary>>("/api/surveys").await {
                    Ok(list) => surveys.set(list),
                    Err(e) => message.set(Some(e)),
                }
                if role == Role::VillageStaff || role == Role::TownCoordinator {
                    if let Ok(list) = get::<Vec<TaskSummary>>(&format!("/api/tasks?template_id={SURVEY_TEMPLATE}")).await {
                        tasks.set(list);
                    }
                    tasks_loaded.set(true);
                }
                if own.len() == 6 {
                    if let Ok(list) = get::<ybt_core::api::OrgUnitList>(&format!("/api/org-units?parent={own}")).await {
                        towns.set(list.children);
                    }
                }
            });
        });
    }

    let can_start = matches!(role, Role::DepartmentAnalyst | Role::TownCoordinator);
    let start = can_start.then(|| {
        let on_start = {
            let (scope, reason, message, selected, refresh) = (scope.clone(), reason.clone(), message.clone(), selected.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                let dispatch_id = web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_default();
                let body = serde_json::json!({
                    "dispatch_id": dispatch_id, "template_id": SURVEY_TEMPLATE, "scope": *scope, "reason": *reason
                });
                let (message, selected, refresh) = (message.clone(), selected.clone(), refresh.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match post::<SurveySummary>("/api/surveys", &body).await {
                        Ok(s) => {
                            message.set(Some(match lang {
                                Lang::Zh => format!("已下发到 {} 个村（社区）", s.villages),
                                Lang::En => format!("sent to {} villages", s.villages),
                            }));
                            selected.set(Some(s.dispatch_id));
                            refresh.set(*refresh + 1);
                        }
                        Err(e) => message.set(Some(e)),
                    }
                });
            })
        };
        let on_scope = {
            let scope = scope.clone();
            Callback::from(move |e: Event| scope.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))
        };
        let on_reason = {
            let reason = reason.clone();
            Callback::from(move |e: InputEvent| reason.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
        };
        let on_started = {
            let (message, selected, refresh) = (message.clone(), selected.clone(), refresh.clone());
            Callback::from(move |s: SurveySummary| {
                message.set(Some(match lang {
                    Lang::Zh => format!("已下发到 {} 个村（社区）", s.villages),
                    Lang::En => format!("sent to {} villages", s.villages),
                }));
                selected.set(Some(s.dispatch_id));
                refresh.set(*refresh + 1);
            })
        };
        html! {
            <div class="survey-start">
                <h3>{ tr(lang, "发起台风受灾摸排（应急快速通道）", "Start a typhoon damage survey (emergency fast track)") }</h3>
                <select id="survey-scope" onchange={on_scope}>
                    <option value={own.clone()} selected={*scope == own}>{ if own.len() == 6 { tr(lang, "全区所有村（社区）", "every village of the district") } else { tr(lang, "本镇街所有村（社区）", "every village of the town") } }</option>
                    { for towns.iter().map(|t| html! { <option value={t.code.clone()} selected={*scope == t.code}>{ &t.name }</option> }) }
                </select>
                <input id="survey-reason" placeholder={tr(lang, "事由（记录在案）", "reason (logged)")} oninput={on_reason} />
                <button id="survey-start" class="primary" onclick={on_start}>{ tr(lang, "一键下发", "Send to all villages") }</button>
                <QuickSurvey lang={lang} scope={(*scope).clone()} reason={(*reason).clone()} on_started={on_started} />
                <p class="hint">{ tr(lang, "应急摸排不经审核直接下发，发起人和事由记录在案；填报校验照常。", "Emergency surveys skip the review step (who and why are logged); validation still applies.") }</p>
            </div>
        }
    });

    let task_list = (!tasks.is_empty()).then(|| {
        html! {
            <table class="survey-tasks">
                <tr><th>{ tr(lang, "村（社区）", "Village") }</th><th>{ tr(lang, "截止", "Due") }</th><th>{ tr(lang, "状态", "Status") }</th><th></th></tr>
                { for tasks.iter().map(|t| {
                    let open = { let (t, cb) = (t.clone(), props.open_task.clone()); Callback::from(move |_: MouseEvent| cb.emit(t.clone())) };
                    html! { <tr class="survey-task" data-dispatch={t.dispatch_id.clone()}>
                        <td>{ &t.org_unit_name }</td><td>{ &t.due_date }</td><td>{ t.status.as_str() }</td>
                        <td><button class="open-survey" onclick={open}>{ tr(lang, "填报", "Fill in") }</button></td></tr> }
                }) }
            </table>
        }
    });

    let list = surveys.iter().map(|s| {
        let id = s.dispatch_id.clone();
        let select = { let selected = selected.clone(); Callback::from(move |_: MouseEvent| selected.set(Some(id.clone()))) };
        html! {
            <li><button class="survey-item" onclick={select}>{ format!("{} · {} · {} · {}", s.title, s.scope_name, ybt_core::time::beijing(&s.started_at), s.villages) }</button>
                if s.closed_at.is_some() { <span class="closed">{ tr(lang, " 已结束", " closed") }</span> }</li>
        }
    });

    html! {
        <section class="surveys">
            <h2>{ tr(lang, "应急摸排", "Emergency surveys") }</h2>
            { start }
            if let Some(m) = &*message { <p id="survey-message" class="status">{ m }</p> }
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

#[derive(Properties, PartialEq)]
struct BoardProps {
    lang: Lang,
    dispatch_id: String,
    can_close: bool,
}

/// The live board, fetched again every [`POLL_MS`].
#[function_component(Board)]
fn board_view(props: &BoardProps) -> Html {
    let lang = props.lang;
    let board = use_state(|| None::<SurveyBoard>);
    let error = use_state(|| None::<String>);
    let tick = use_state(|| 0u32);
    {
        let (board, error, id) = (board.clone(), error.clone(), props.dispatch_id.clone());
        use_effect_with((props.dispatch_id.clone(), *tick), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match get::<SurveyBoard>(&format!("/api/surveys/{id}")).await {
                    Ok(b) => board.set(Some(b)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    {
        let tick = tick.clone();
        use_effect_with(props.dispatch_id.clone(), move |_| {
            let interval = gloo_timers_interval(POLL_MS, move || tick.set(*tick + 1));
            move || drop(interval)
        });
    }
    let on_close = {
        let (id, error, tick) = (props.dispatch_id.clone(), error.clone(), tick.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, error, tick) = (id.clone(), error.clone(), tick.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match post::<ybt_core::survey::CloseAnswer>(&format!("/api/surveys/{id}/close"), &serde_json::json!({})).await {
                    Ok(a) => error.set(Some(match lang {
                        Lang::Zh => format!("已结束：{} 条台账记录写入灾情记录，{} 个新对象待审核", a.records_updated, a.queued_for_review),
                        Lang::En => format!("closed: {} records updated, {} queued for review", a.records_updated, a.queued_for_review),
                    })),
                    Err(e) => error.set(Some(e)),
                }
                tick.set(*tick + 1);
            });
        })
    };
    let Some(b) = &*board else {
        return html! { <p class="loading">{ error.as_deref().unwrap_or("…") }</p> };
    };
    let head = html! {
        <tr><th>{ tr(lang, "单位", "Unit") }</th><th>{ tr(lang, "已报", "Submitted") }</th>
            { for b.figures.iter().map(|f| html! { <th>{ &f.title }</th> }) }</tr>
    };
    let line = |l: &ybt_core::survey::BoardLine, class: &'static str| {
        let state = match l.status {
            Some(s) if l.villages == 1 => s.as_str().to_owned(),
            _ => format!("{}/{}", l.submitted, l.villages),
        };
        html! {
            <tr class={class} data-unit={l.org_unit.clone()}>
                <td>{ &l.name }</td><td class="state">{ state }</td>
                { for b.figures.iter().map(|f| html! { <td class="figure" data-key={f.key.clone()}>{ l.figures.get(&f.key).copied().unwrap_or(0.0) }</td> }) }
            </tr>
        }
    };
    html! {
        <div class="board" id="board">
            <h3>{ format!("{} · {}", b.survey.title, b.survey.scope_name) }</h3>
            <p class="hint">{ &b.survey.fast_track }</p>
            if props.can_close && b.survey.closed_at.is_none() {
                <button id="survey-close" onclick={on_close}>{ tr(lang, "结束并写入台账", "Close and write to the ledger") }</button>
            }
            if let Some(e) = &*error { <p class="status" id="board-message">{ e }</p> }
            <table class="board-table">
                { head.clone() }
                { line(&b.total, "total") }
                { for b.towns.iter().map(|t| line(t, "town")) }
            </table>
            <h4>{ tr(lang, "易涝点", "Flood-prone points") }</h4>
            <ul class="points">
                { for b.points.iter().map(|p| html! {
                    <li class="point"><strong>{ &p.title }</strong>{ format!(" · {}", p.org_unit_name) }
                        { for p.photos.iter().map(|h| html! { <img class="point-photo" src={format!("/api/photos/{h}")} alt={p.title.clone()} /> }) }</li>
                }) }
            </ul>
            <details open={b.villages.len() <= 30}>
                <summary>{ tr(lang, "各村（社区）", "Villages") }</summary>
                <table class="board-table">{ head }{ for b.villages.iter().map(|v| line(v, "village")) }</table>
            </details>
        </div>
    }
}

/// Calls `f` every `ms` milliseconds until the guard drops.
fn gloo_timers_interval(ms: u32, f: impl Fn() + 'static) -> Option<IntervalGuard> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window()?;
    let closure = Closure::<dyn Fn()>::new(f);
    let id = window.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms as i32).ok()?;
    Some(IntervalGuard { id, _closure: closure })
}

struct IntervalGuard {
    id: i32,
    _closure: wasm_bindgen::closure::Closure<dyn Fn()>,
}

impl Drop for IntervalGuard {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_interval_with_handle(self.id);
        }
    }
}
