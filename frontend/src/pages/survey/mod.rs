//! A village's emergency survey form (pick mode): it starts empty; staff
//! add rows by picking ledger records (search by name, the last digits of
//! an ID number, or an address) or as new records, attach photos and a
//! location, and submit — offline too: the form, the rows typed, the photos
//! and the submission are kept on the device and sent once the connection
//! returns. A village with nothing to report says so explicitly (本村无灾情).
//!
//! The page's state is one reducer (`state`); each row is a component
//! (`row`) with its inputs (`inputs`); `pick` searches the ledger;
//! `open_task` opens a task from anywhere as a survey or as a form.

mod inputs;
mod open_task;
mod pick;
mod row;
mod state;

use std::collections::HashMap;

use serde_json::{Map, json};
use ybt_core::FieldError;
use ybt_core::api::{SubmissionRequest, SubmittedRow, TaskSummary};
use ybt_core::survey::{NEW_PREFIX, error_place};
use ybt_core::tasks::TaskStatus;
use yew::prelude::*;

pub use open_task::OpenTask;
use pick::PickPanel;
use row::SurveyRow;
use state::{Action, SurveyState, form_key, rows_key, text_key, uuid};

use crate::components::outbox_panel::OutboxPanel;
use crate::hooks::use_window_event;
use crate::i18n::{Lang, tr};
use crate::survey_io::{self, Delivery, task_key};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub task: TaskSummary,
    pub back: Callback<()>,
}

/// The request a submit sends: the rows kept on the device, under their one id.
fn request_of(state: &SurveyState, task: &TaskSummary) -> Option<SubmissionRequest> {
    let form = state.form.as_ref()?;
    Some(SubmissionRequest {
        submission_id: state.local.submission_id.clone(),
        template_id: form.template_id.clone(),
        template_version: form.template_version,
        org_unit: task.org_unit.clone(),
        rows: state.local.rows.clone(),
        task_id: Some(task.id.clone()),
        corrected_cells: 0,
        nothing_to_report: state.local.nothing_to_report && state.local.rows.is_empty(),
    })
}

/// The delivery line under the submit button: a CSS class and the words.
fn delivery_status(lang: Lang, delivery: &Delivery, already: bool) -> Option<(&'static str, String)> {
    Some(match delivery {
        Delivery::Sending => ("sending", tr(lang, "正在发送…", "sending…").to_owned()),
        Delivery::Queued { failures, .. } => (
            "queued",
            match (lang, *failures) {
                (Lang::Zh, 0) => "排队中：已保存在本机，联网后自动发送".to_owned(),
                (Lang::Zh, n) => format!("排队中：已保存在本机，网络不通（已试 {n} 次），稍后自动重试"),
                (Lang::En, _) => "queued: saved on this device, sent automatically once online".to_owned(),
            },
        ),
        Delivery::Done(o) if o.refused.is_none() => (
            "delivered",
            match lang {
                Lang::Zh if o.rows == 0 => {
                    format!("已送达：已提交“本村无灾情”（{}）", o.at.get(..16).unwrap_or_default().replace('T', " "))
                }
                Lang::Zh => format!("已送达：已提交 {} 行（{}）", o.rows, o.at.get(..16).unwrap_or_default().replace('T', " ")),
                Lang::En => format!("delivered: {} rows submitted", o.rows),
            },
        ),
        Delivery::Done(o) => (
            "refused",
            format!("{}{}", tr(lang, "未被接收：", "refused: "), o.refused.as_ref().map(|m| lang.pick(m).to_owned()).unwrap_or_default()),
        ),
        Delivery::Unknown if already => ("delivered", tr(lang, "本村已提交此摸排", "this village has submitted").to_owned()),
        Delivery::Unknown => return None,
    })
}

/// Loads the form (and keeps it, with the task, for offline use); offline,
/// the kept copy serves. Keeps the rows on the device as they change, and
/// the previews of their photos.
#[hook]
fn use_survey(task: &TaskSummary, lang: Lang) -> (UseReducerHandle<SurveyState>, UseStateHandle<TaskStatus>) {
    let state = use_reducer(|| SurveyState::load(&task.id));
    let server_status = use_state(|| task.status);
    {
        let (dispatch, task, server_status, kept) = (state.dispatcher(), task.clone(), server_status.clone(), state.form.is_some());
        use_effect_with(task.id.clone(), move |_| {
            // Opened from the inbox, the form came with the question whether
            // the task is a survey's (`OpenTask`): kept, and read above (a
            // device that could not keep it asks again).
            if let Some(answered) = state::take_just_kept(&task.id).filter(|_| kept) {
                survey_io::save(&task_key(&task.id), &answered);
                server_status.set(answered.status);
                return;
            }
            survey_io::save(&task_key(&task.id), &task);
            wasm_bindgen_futures::spawn_local(async move {
                match crate::api::open_task_kept(&task.id).await {
                    Ok((answer, text)) => {
                        survey_io::save_text(&form_key(&task.id), &text);
                        survey_io::save(&task_key(&task.id), &answer.task);
                        server_status.set(answer.task.status);
                        dispatch.dispatch(Action::FormLoaded(answer.form));
                    }
                    // A 2xx answer that could not be read leaves the page as it was.
                    Err(crate::api::ApiFailure::Network { status: Some(200..=299), .. }) => {}
                    _ if kept => dispatch.dispatch(Action::Note(Some(
                        tr(lang, "离线：使用本机保存的表格", "offline: using the form kept on this device").into(),
                    ))),
                    _ => dispatch.dispatch(Action::Note(Some(
                        tr(lang, "无法加载表格，请联网后重试", "cannot load the form: connect and retry").into(),
                    ))),
                }
            });
        });
    }
    {
        let task_id = task.id.clone();
        use_effect_with(state.local.clone(), move |now| survey_io::save(&rows_key(&task_id), now));
    }
    // Previews from the photos kept on the device; the server's copy otherwise.
    {
        let hashes: Vec<String> = survey_io::photos_of(&SubmissionRequest {
            submission_id: String::new(),
            template_id: String::new(),
            template_version: 0,
            org_unit: String::new(),
            rows: state.local.rows.clone(),
            task_id: None,
            corrected_cells: 0,
            nothing_to_report: false,
        });
        let (dispatch, previews) = (state.dispatcher(), state.previews.clone());
        use_effect_with(hashes, move |hashes| {
            let missing: Vec<String> = hashes.iter().filter(|h| !previews.contains_key(*h)).cloned().collect();
            if !missing.is_empty() {
                wasm_bindgen_futures::spawn_local(async move {
                    for hash in missing {
                        let url = survey_io::photo_url(&hash).await.unwrap_or_else(|| format!("/api/photos/{hash}"));
                        dispatch.dispatch(Action::Preview { hash, url });
                    }
                });
            }
        });
    }
    (state, server_status)
}

#[function_component(SurveyPage)]
pub fn survey_page(props: &Props) -> Html {
    let lang = props.lang;
    let task = props.task.clone();
    let (state, server_status) = use_survey(&task, lang);
    // The 选取 panel open, if any: (entity, kind, how many times one was opened).
    let picking = use_state(|| None::<(String, String, u32)>);
    // Re-render on every change of the outbox (queued, sending, delivered).
    use_window_event(survey_io::EVENT);
    let dispatch = state.dispatcher();

    let Some(form) = state.form.clone() else {
        return html! { <section class="survey"><p class="loading" id="survey-status">{ state.note.as_deref().unwrap_or("正在加载… Loading…") }</p></section> };
    };
    let Some(template) = state.template.clone() else {
        return html! { <p class="error">{ tr(lang, "无法载入此表的校验规则，请联网后重新打开", "the form's rules did not load: open it again online") }</p> };
    };
    let kind_field = template.0.subject.kind_field.clone().unwrap_or_default();
    let delivery = survey_io::delivery(&state.local.submission_id);
    // A refusal's errors are shown at their fields.
    let errors_now: &[FieldError] = match &delivery {
        Delivery::Done(outcome) if outcome.refused.is_some() && state.shown_errors.is_empty() => &outcome.errors,
        _ => &state.shown_errors,
    };
    let delivered = matches!(&delivery, Delivery::Done(o) if o.refused.is_none());
    let already = *server_status == TaskStatus::Submitted && !matches!(delivery, Delivery::Queued { .. } | Delivery::Sending);
    let locked = delivered || already || matches!(delivery, Delivery::Sending);

    // Adding rows.
    let add_buttons = template.0.subject.kinds.iter().map(|k| {
        let entity = k.entity.clone();
        let kind = k.kind.clone();
        let id = format!("add-{}", entity.clone().unwrap_or_else(|| "point".into()));
        let on_pick = {
            let (kind, entity, picking) = (kind.clone(), entity.clone(), picking.clone());
            Callback::from(move |_: MouseEvent| {
                if let Some(entity) = &entity {
                    let opened = picking.as_ref().map_or(0, |(_, _, n)| n + 1);
                    picking.set(Some((entity.clone(), kind.clone(), opened)));
                }
            })
        };
        let on_new = {
            let (kind, kind_field, dispatch) = (kind.clone(), kind_field.clone(), dispatch.clone());
            Callback::from(move |_: MouseEvent| {
                let mut values = Map::new();
                values.insert(kind_field.clone(), json!(kind));
                dispatch.dispatch(Action::AddRow(SubmittedRow { subject_id: format!("{NEW_PREFIX}{}", uuid()), values }));
            })
        };
        html! {
            <span class="add-kind">
                if entity.is_some() {
                    <button id={id.clone()} class="secondary" disabled={locked} onclick={on_pick}>{ format!("{}{}", tr(lang, "选取", "pick "), k.kind) }</button>
                }
                <button id={format!("{id}-new")} class="secondary" disabled={locked} onclick={on_new}>{ format!("{}{}", tr(lang, "新增", "new "), k.kind) }</button>
            </span>
        }
    });

    let search_panel = (*picking).clone().map(|(entity, kind, opened)| {
        let taken: Vec<String> = state.local.rows.iter().map(|r| r.subject_id.clone()).collect();
        let on_picked = {
            let picking = picking.clone();
            Callback::from(move |()| picking.set(None))
        };
        let key = format!("{entity}/{kind}/{opened}");
        html! {
            <PickPanel key={key} lang={lang} task={task.clone()} entity={entity} kind={kind}
                taken={taken} dispatch={dispatch.clone()} on_picked={on_picked} />
        }
    });

    // The rows.
    let row_views = state
        .local
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let server_errors: Vec<FieldError> =
                errors_now.iter().filter(|e| error_place(&e.pointer).is_some_and(|(r, _)| r == i)).cloned().collect();
            let prefix = text_key(&row.subject_id, "");
            let texts: HashMap<String, String> = state
                .local
                .texts
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| (k[prefix.len()..].to_owned(), v.clone()))
                .collect();
            let notes =
                state.notes.iter().filter_map(|(k, n)| Some((k.strip_prefix(&prefix)?.to_owned(), n.clone()))).collect::<HashMap<_, _>>();
            html! {
                <SurveyRow key={row.subject_id.clone()} lang={lang} index={i} row={row.clone()} template={template.clone()}
                    checks={state.errors_of(&row.subject_id)} server_errors={server_errors} tried={state.tried} locked={locked}
                    texts={texts} notes={notes} previews={state.previews.clone()} dispatch={dispatch.clone()} />
            }
        })
        .collect::<Html>();

    let label = format!("{} · {}", form.title, task.org_unit_name);
    let on_submit = {
        let (state, task, template) = (state.clone(), task.clone(), template.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(request) = request_of(&state, &task) else { return };
            // The worker's own checks, run here first: nothing invalid is queued.
            let body = crate::form_state::submission_body(&request).unwrap_or_default();
            let mut errors = ybt_core::survey::check_rows(&request);
            if let Err(found) = ybt_core::validate_submission(&template.0, &body) {
                errors.extend(found);
            }
            if !errors.is_empty() {
                let whole: Vec<String> =
                    errors.iter().filter(|e| error_place(&e.pointer).is_none()).map(|e| lang.pick(&e.message).to_owned()).collect();
                let note = if whole.is_empty() {
                    match lang {
                        Lang::Zh => format!("还有 {} 处需要填写或修改：见标红的栏目", errors.len()),
                        Lang::En => format!("{} things to fill in or fix: see the fields in red", errors.len()),
                    }
                } else {
                    whole.join("；")
                };
                state.dispatch(Action::ShowErrors { errors, note });
                return;
            }
            state.dispatch(Action::Queued);
            survey_io::enqueue(request, label.clone());
            survey_io::sync_soon();
        })
    };
    let on_nothing = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            dispatch.dispatch(Action::NothingToReport(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
        })
    };
    let (status_class, status_text) = delivery_status(lang, &delivery, already).unwrap_or(("", String::new()));
    let local = &state.local;

    html! {
        <section class="survey">
            <button class="back" onclick={props.back.reform(|_| ())}>{ tr(lang, "← 返回", "← Back") }</button>
            <h2>{ &form.title }<span class="village">{ &task.org_unit_name }</span></h2>
            <p class="meta">{ format!("{}{}", tr(lang, "截止：", "due: "), task.due_date) }</p>
            <p class="hint">{ tr(lang, "逐条添加：从台账选取对象自动带出基础信息，或新增对象；易涝点须有位置和照片。", "Add rows: pick ledger records (base data filled in) or add new ones; flood-prone points need a location and a photo.") }</p>
            <div class="add-buttons">{ for add_buttons }</div>
            { search_panel }
            <div class="survey-rows">{ row_views }</div>
            if local.rows.is_empty() && !locked {
                <label class="nothing">
                    <input type="checkbox" id="nothing-to-report" checked={local.nothing_to_report} onchange={on_nothing} />
                    { tr(lang, "本村无灾情：没有需要上报的人员、房屋、农田、企业或易涝点", "nothing to report: no damage in this village") }
                </label>
            }
            <p class="submit-line"><button id="survey-submit" class="primary" onclick={on_submit} disabled={locked}>{
                if local.rows.is_empty() && local.nothing_to_report { tr(lang, "提交：本村无灾情", "Submit: nothing to report") } else { tr(lang, "提交", "Submit") }
            }</button></p>
            <p id="survey-status" class={classes!("delivery", status_class)} role="status" aria-live="polite">{ status_text }</p>
            if let Some(n) = &state.note { <p id="survey-note" class="note" role="alert">{ n }</p> }
            <OutboxPanel lang={lang} />
        </section>
    }
}
