//! A task's form: generated from the ledger when opened, with this
//! browser's draft (and the server's) laid over it; typed values saved on
//! the device at once and synced to the server; corrections of pre-filled
//! values written to the ledger; submit exactly once; print and download.

use std::rc::Rc;

use ybt_core::CompiledTemplate;
use ybt_core::api::{Provenance, SubmissionReceipt, TaskSummary};
use ybt_core::ledger::LedgerRecord;
use ybt_core::messages::Text;
use ybt_core::tasks::TaskStatus;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::cell::Edit;
use crate::components::correction::Correction;
use crate::components::form_body::FormBody;
use crate::components::receipt::Receipt;
use crate::components::sync_badge::{SyncBadge, SyncState};
use crate::draft_store::{self, LocalDraft};
use crate::draft_sync::{self, SharedDraft};
use crate::form_state::{FormAction, FormHolder, FormState, Holder, Status};
use crate::i18n::{Lang, tr};
use crate::timer::{DocumentListener, Timeout, WindowListener};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub task_id: String,
    pub back: Callback<()>,
    /// The answer to `POST /api/tasks/{task_id}/form` when the opener
    /// already asked (`OpenTask` asks while it finds out whether the task
    /// is a survey's): the page then does not ask again.
    #[prop_or_default]
    pub opened: Option<Opened>,
}

/// The answer to opening a task, handed to the page; compared by identity.
#[derive(Clone)]
pub struct Opened {
    pub task_id: String,
    pub answer: Rc<Result<ybt_core::api::TaskForm, ApiFailure>>,
}

impl PartialEq for Opened {
    fn eq(&self, other: &Self) -> bool {
        self.task_id == other.task_id && Rc::ptr_eq(&self.answer, &other.answer)
    }
}

/// How long typing must pause before the draft is written locally, and
/// before it is sent to the server.
const LOCAL_SAVE_MS: i32 = 250;
const SERVER_SYNC_MS: i32 = 1200;

#[derive(Clone, PartialEq)]
enum Page {
    Loading,
    Failed(Text),
    /// Submitted before this visit.
    Done(SubmissionReceipt),
    Ready(TaskSummary),
}

/// The form's template, loaded from the plan the worker compiled it into:
/// the browser never runs the template compiler (issue 14).
pub fn load_template(form: &ybt_core::api::Form) -> Result<CompiledTemplate, Text> {
    let Some(plan) = form.plan.clone() else {
        return Err(Text::new("此表缺少校验规则，请联网后重新打开", "this form came without its rules: open it again online"));
    };
    CompiledTemplate::from_plan(plan).map_err(|e| e.text())
}

async fn open(
    task_id: String,
    answer: Option<Opened>,
    page: UseStateHandle<Page>,
    shared: SharedDraft,
    sync: UseStateHandle<SyncState>,
    dispatcher: UseReducerDispatcher<FormHolder>,
) {
    let answer = match answer {
        Some(Opened { task_id: of, answer }) if of == task_id => Rc::try_unwrap(answer).unwrap_or_else(|shared| (*shared).clone()),
        _ => api::open_task(&task_id).await,
    };
    let opened = match answer {
        Ok(opened) => opened,
        Err(failure) => return page.set(Page::Failed(failure.message())),
    };
    let task = opened.task;
    if task.status == TaskStatus::Submitted {
        draft_store::remove(&task_id);
        let Some(id) = task.submission_id.clone() else { return page.set(Page::Failed(Text::new("已提交", "submitted"))) };
        return match api::submission(&id).await {
            Ok(receipt) => page.set(Page::Done(receipt)),
            Err(failure) => page.set(Page::Failed(failure.message())),
        };
    }
    let template = match load_template(&opened.form) {
        Ok(template) => template,
        Err(message) => return page.set(Page::Failed(message)),
    };
    let mut local = draft_store::load(&task_id);
    // A returned task is answered by a new submission, never the returned one.
    if local.as_ref().is_some_and(|d| Some(&d.submission_id) == task.submission_id.as_ref()) {
        local = local.map(|d| LocalDraft { submission_id: draft_store::new_submission_id(), ..d });
    }
    let draft = draft_store::reconcile(local, opened.draft.as_ref(), draft_store::new_submission_id);
    let mut state = FormState::new(opened.form, template, draft.submission_id.clone(), &draft.rows);
    state.corrected_cells = draft.corrected_cells;
    draft_store::save(&task_id, &draft);
    sync.set(match (draft.unsynced, draft.base_revision) {
        (true, _) => SyncState::SavedLocally,
        (false, 0) => SyncState::Idle,
        (false, _) => SyncState::Synced,
    });
    let unsynced = draft.unsynced;
    *shared.borrow_mut() = Some(draft);
    dispatcher.dispatch(Holder::Load(state));
    page.set(Page::Ready(task));
    if unsynced {
        draft_sync::push(task_id, shared, sync, dispatcher).await;
    }
}

#[function_component(TaskPage)]
pub fn task_page(props: &Props) -> Html {
    let lang = props.lang;
    let page = use_state(|| Page::Loading);
    let state = use_reducer(|| FormHolder(None));
    let shared: SharedDraft = use_mut_ref(|| None::<LocalDraft>);
    let sync = use_state(|| SyncState::Idle);
    let online_ticks = use_state(|| 0u32);
    let correcting = use_state(|| None::<(usize, String)>);
    let printing = use_state(|| false);

    {
        let (page, shared, sync, dispatcher) = (page.clone(), shared.clone(), sync.clone(), state.dispatcher());
        // The opener's answer is for its task only.
        let opened = props.opened.clone();
        use_effect_with(props.task_id.clone(), move |task_id| {
            wasm_bindgen_futures::spawn_local(open(task_id.clone(), opened, page, shared, sync, dispatcher));
        });
    }
    // Back online: send what was typed meanwhile.
    {
        let (sync, online_ticks) = (sync.clone(), online_ticks.clone());
        use_effect_with((), move |_| {
            let ticks = online_ticks.clone();
            let listeners = (
                WindowListener::new("online", move || ticks.set(*ticks + 1)),
                WindowListener::new("offline", move || sync.set(SyncState::Offline)),
            );
            move || drop(listeners)
        });
    }
    {
        let (task_id, shared, sync, dispatcher) = (props.task_id.clone(), shared.clone(), sync.clone(), state.dispatcher());
        use_effect_with(*online_ticks, move |ticks| {
            if *ticks > 0 {
                wasm_bindgen_futures::spawn_local(draft_sync::push(task_id, shared, sync, dispatcher));
            }
        });
    }
    // Every change: saved on this device shortly after, synced a bit later.
    {
        let edits = state.0.as_ref().map_or(0, |s| s.edits);
        let (task_id, shared, sync, holder, dispatcher) =
            (props.task_id.clone(), shared.clone(), sync.clone(), state.clone(), state.dispatcher());
        use_effect_with(edits, move |edits| {
            let timers = (*edits > 0).then(|| {
                let (local_id, local_shared, local_sync) = (task_id.clone(), shared.clone(), sync.clone());
                let local = Timeout::new(LOCAL_SAVE_MS, move || {
                    let Some(current) = holder.0.as_ref() else { return };
                    if draft_sync::save_locally(&local_id, &local_shared, current.typed_rows(), current.corrected_cells)
                        && *local_sync != SyncState::Offline
                    {
                        local_sync.set(SyncState::SavedLocally);
                    }
                });
                let remote = Timeout::new(SERVER_SYNC_MS, move || {
                    wasm_bindgen_futures::spawn_local(draft_sync::push(task_id, shared, sync, dispatcher));
                });
                (local, remote)
            });
            move || drop(timers)
        });
    }
    // Leaving the page (a closed tab, a switched app, a reload): the last
    // edit is saved on this device at once, not after the typing pause.
    {
        let (task_id, shared, holder) = (props.task_id.clone(), shared.clone(), state.clone());
        use_effect_with(state.0.as_ref().map_or(0, |s| s.edits), move |_| {
            let save = move || {
                if let Some(current) = holder.0.as_ref().filter(|s| s.edits > 0) {
                    draft_sync::save_locally(&task_id, &shared, current.typed_rows(), current.corrected_cells);
                }
            };
            let save2 = save.clone();
            let listeners = (WindowListener::new("pagehide", save), DocumentListener::new("visibilitychange", save2));
            move || drop(listeners)
        });
    }
    // Printing: render every row, print, then go back to the window.
    {
        let printing = printing.clone();
        use_effect_with(*printing, move |on| {
            if *on {
                if let Some(window) = web_sys::window() {
                    let _ = window.print();
                }
                printing.set(false);
            }
        });
    }

    let on_edit = {
        let dispatcher = state.dispatcher();
        use_callback((), move |Edit { row, key, raw, bad_input }: Edit, _| {
            dispatcher.dispatch(Holder::Act(FormAction::Edit { row, key, raw, bad_input }))
        })
    };
    let on_correct = {
        let correcting = correcting.clone();
        use_callback((), move |cell: (usize, String), _| correcting.set(Some(cell)))
    };
    let on_submit = {
        let (state, shared, task_id) = (state.clone(), shared.clone(), props.task_id.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(current) = state.0.as_ref() else { return };
            if current.status != Status::Editing {
                return;
            }
            let errors = current.check_all();
            if !errors.is_empty() {
                state.dispatch(Holder::Act(FormAction::ShowErrors(errors)));
                return;
            }
            // The submission id is on the device before the request leaves it.
            draft_sync::save_locally(&task_id, &shared, current.typed_rows(), current.corrected_cells);
            let mut request = current.request();
            request.task_id = Some(task_id.clone());
            state.dispatch(Holder::Act(FormAction::Submitting));
            let (dispatcher, shared, task_id) = (state.dispatcher(), shared.clone(), task_id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let action = match api::submit(&request).await {
                    Ok(receipt) => {
                        draft_store::remove(&task_id);
                        *shared.borrow_mut() = None;
                        FormAction::Submitted(receipt)
                    }
                    Err(ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => FormAction::ShowErrors(body.error.fields),
                    Err(ApiFailure::Server { body, .. }) => FormAction::Failed(body.error.message),
                    Err(ApiFailure::Network { .. }) => FormAction::Failed(draft_sync::retry_message()),
                };
                dispatcher.dispatch(Holder::Act(action));
            });
        })
    };

    let back = props.back.reform(|_: MouseEvent| ());
    let header = html! { <button class="back" onclick={back}>{ "← " }{ tr(lang, "返回", "Back") }</button> };
    let task = match &*page {
        Page::Loading => return html! { <>{ header }<p class="loading">{ tr(lang, "加载中…", "Loading…") }</p></> },
        Page::Failed(message) => return html! { <>{ header }<p class="error" role="alert">{ lang.pick(message) }</p></> },
        Page::Done(receipt) => return html! { <>{ header }<Receipt lang={lang} receipt={receipt.clone()} /></> },
        Page::Ready(task) => task,
    };
    let Some(current) = state.0.as_ref() else {
        return html! { <>{ header }<p class="loading">{ tr(lang, "加载中…", "Loading…") }</p></> };
    };
    if let Status::Submitted(receipt) = &current.status {
        return html! { <>{ header }<Receipt lang={lang} receipt={receipt.clone()} /></> };
    }

    let submitting = current.status == Status::Submitting;
    let form = &current.form;
    let no_new_fields = current.columns.iter().all(|c| !c.is_new());
    let print = {
        let printing = printing.clone();
        Callback::from(move |_: MouseEvent| printing.set(true))
    };
    let dialog = correcting.as_ref().and_then(|(row, key)| {
        let (row, key) = (*row, key.clone());
        let field = current.columns.iter().find(|c| c.key == key)?.clone();
        let state_row = current.rows.get(row)?;
        let subject = &form.rows.get(row)?.subject_id;
        let provenance: Provenance =
            state_row.provenance.get(&key).cloned().or_else(|| state_row.provenance.values().find(|p| p.record_id == *subject).cloned())?;
        let on_record = {
            let dispatcher = state.dispatcher();
            Callback::from(move |(row, record, corrected): (usize, LedgerRecord, bool)| {
                dispatcher.dispatch(Holder::Act(FormAction::Record { row, record, corrected }))
            })
        };
        let on_close = {
            let correcting = correcting.clone();
            Callback::from(move |_| correcting.set(None))
        };
        Some(html! {
            <Correction lang={lang} row={row} field={field} value={state_row.values.get(&key).cloned()}
                provenance={provenance} on_record={on_record} on_close={on_close} />
        })
    });
    let paper = if current.columns.len() > 12 { "print-a3" } else { "print-a4" };
    html! {
        <>
            { header }
            <section class={classes!("panel", "task-form", paper)} data-task={task.id.clone()}>
                <h2 id="form-title">{ &form.title }</h2>
                <p class="meta">
                    { &form.org_unit.name }{ " · " }{ &task.department }{ " · " }{ tr(lang, "截止日期", "Due") }{ " " }{ &task.due_date }{ " · " }
                    { format!("{} {} · {} {}", current.template.burden.prefilled, tr(lang, "项自动填入", "fields pre-filled"), current.template.burden.new, tr(lang, "项需填写", "fields to enter")) }
                    { " · " }<SyncBadge lang={lang} state={*sync} />
                </p>
                if let Some(comment) = &task.return_comment {
                    <p class="return-comment" id="return-comment">{ tr(lang, "退回意见", "Returned because") }{ "：" }{ comment }</p>
                }
                <p class="legend">
                    <span class="swatch prefilled"></span>{ tr(lang, "来自台账", "from the ledger") }
                    <span class="swatch new"></span>{ tr(lang, "需填写", "to enter") }
                    <span class="swatch computed"></span>{ tr(lang, "自动计算", "computed") }
                    <button class="print" id="print" onclick={print}>{ tr(lang, "打印", "Print") }</button>
                </p>
                <div class="general-errors" role="alert">
                    { for current.general.iter().map(|m| html! { <p class="error" id="general-error">{ lang.pick(m) }</p> }) }
                </div>
                if no_new_fields {
                    <p class="confirm" id="no-new-fields">{ tr(lang, "本表内容全部来自台账，无需填写。核对无误后确认提交即可。", "Everything in this form comes from the ledger. Check it and confirm to submit.") }</p>
                }
                if form.rows.is_empty() {
                    <p class="empty">{ tr(lang, "本村（社区）台账中没有符合条件的对象。", "No matching records in this village's ledger.") }</p>
                } else {
                    <FormBody lang={lang} state={Rc::clone(current)} disabled={submitting}
                        all_rows={*printing} on_edit={on_edit} on_correct={Some(on_correct)} />
                }
                <button class="primary" id={if no_new_fields { "confirm-submit" } else { "submit" }} onclick={on_submit} disabled={submitting}>
                    { if submitting { tr(lang, "提交中…", "Submitting…") } else if no_new_fields { tr(lang, "确认提交", "Confirm and submit") } else { tr(lang, "提交", "Submit") } }
                </button>
            </section>
            { dialog }
        </>
    }
}
