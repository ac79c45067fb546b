//! A village's emergency survey form (pick mode): it starts empty; staff
//! add rows by picking ledger records (search by name, the last digits of
//! an ID number, or an address) or as new records, attach photos and a
//! location, and submit — offline too: the form, the rows typed, the photos
//! and the submission are kept on the device and sent once the connection
//! returns. A village with nothing to report says so explicitly (本村无灾情).
//!
//! Numbers are typed text: the text is the input's state, the number is
//! parsed from it (`survey::typed_number`) for validation and submit and
//! never written back into the box, so `12.5` typed key by key stays 12.5.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ybt_core::api::{Form, SubmissionRequest, SubmittedRow, TaskSummary};
use ybt_core::compile::{FieldPlan, FieldSource};
use ybt_core::survey::{NEW_PREFIX, PickAnswer, error_place, kind_fields, typed_number};
use ybt_core::tasks::TaskStatus;
use ybt_core::{Catalog, CompiledTemplate, FieldError};
use yew::prelude::*;

use crate::i18n::{Lang, tr};
use crate::survey_io::{self, Delivery};
use crate::timer::WindowListener;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub task: TaskSummary,
    pub back: Callback<()>,
}

/// What the device keeps of a survey being filled: the rows, the text
/// typed into number boxes, the 本村无灾情 confirmation and the id the
/// submission will carry (chosen once, so a re-send is the same submission).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Local {
    submission_id: String,
    rows: Vec<SubmittedRow>,
    /// Typed text of number fields, by `subject_id` and field key.
    #[serde(default)]
    texts: BTreeMap<String, String>,
    #[serde(default)]
    nothing_to_report: bool,
}

fn form_key(task: &str) -> String {
    format!("ybt-survey-form:{task}")
}

fn rows_key(task: &str) -> String {
    format!("ybt-survey-rows:{task}")
}

/// The task itself, kept so that a reload offline reopens this page.
pub fn task_key(task: &str) -> String {
    format!("ybt-survey-task:{task}")
}

fn text_key(subject: &str, key: &str) -> String {
    format!("{subject}\u{1f}{key}")
}

fn uuid() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_default()
}

fn compile_here(form: &Form) -> Option<Rc<CompiledTemplate>> {
    ybt_core::compile(&form.schema, &Catalog::builtin().ok()?).ok().map(Rc::new)
}

fn bound(field: &FieldPlan) -> bool {
    matches!(field.source, FieldSource::Ledger { .. })
}

/// An edit of the local copy; applied to the latest state (a reducer), so
/// that edits made while a photo was resizing are not lost.
struct Edit(Box<dyn Fn(&mut Local)>);

impl Reducible for Local {
    type Action = Edit;

    fn reduce(self: Rc<Self>, edit: Edit) -> Rc<Self> {
        let mut next = (*self).clone();
        (edit.0)(&mut next);
        Rc::new(next)
    }
}

type Update = Callback<Box<dyn Fn(&mut Local)>>;

/// Messages shown at a field (photo refused or resized, location failed),
/// by `subject_id` and field key; `true` for an error.
type Notes = UseStateHandle<HashMap<String, (String, bool)>>;

#[function_component(SurveyPage)]
pub fn survey_page(props: &Props) -> Html {
    let lang = props.lang;
    let task = props.task.clone();
    let form = use_state(|| survey_io::load::<Form>(&form_key(&task.id)));
    let local = use_reducer(|| {
        survey_io::load::<Local>(&rows_key(&task.id)).unwrap_or_else(|| Local { submission_id: uuid(), ..Local::default() })
    });
    let note = use_state(|| None::<String>);
    let shown_errors = use_state(Vec::<FieldError>::new);
    let tried = use_state(|| false);
    let notes: Notes = use_state(HashMap::new);
    let picking = use_state(|| None::<(String, String)>); // (entity, kind)
    let query = use_state(String::new);
    let found = use_state(|| None::<PickAnswer>);
    // `blob:` URLs of the photos kept on the device (or the server's address), by hash.
    let previews = use_mut_ref(HashMap::<String, String>::new);
    let server_status = use_state(|| task.status);
    let tick = use_state(|| 0u32);
    let template = use_memo((*form).clone(), |f| f.as_ref().and_then(compile_here));

    // Load the form (and keep it, with the task, for offline use); offline, the kept copy serves.
    {
        let (form, note, task, server_status) = (form.clone(), note.clone(), task.clone(), server_status.clone());
        use_effect_with(task.id.clone(), move |_| {
            survey_io::save(&task_key(&task.id), &task);
            wasm_bindgen_futures::spawn_local(async move {
                match crate::api::open_task(&task.id).await {
                    Ok(answer) => {
                        survey_io::save(&form_key(&task.id), &answer.form);
                        survey_io::save(&task_key(&task.id), &answer.task);
                        server_status.set(answer.task.status);
                        form.set(Some(answer.form));
                    }
                    // A 2xx answer that could not be read left the page as it was.
                    Err(crate::api::ApiFailure::Network { status: Some(200..=299), .. }) => {}
                    _ if form.is_some() => {
                        note.set(Some(tr(lang, "离线：使用本机保存的表格", "offline: using the form kept on this device").into()))
                    }
                    _ => note.set(Some(tr(lang, "无法加载表格，请联网后重试", "cannot load the form: connect and retry").into())),
                }
            });
        });
    }
    // Re-render on every change of the outbox (queued, sending, delivered).
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let listener = WindowListener::new(survey_io::EVENT, move || tick.set(*tick + 1));
            move || drop(listener)
        });
    }
    // Previews from the photos kept on the device; the server's copy otherwise.
    {
        let hashes: Vec<String> = survey_io::photos_of(&SubmissionRequest {
            submission_id: String::new(),
            template_id: String::new(),
            template_version: 0,
            org_unit: String::new(),
            rows: local.rows.clone(),
            task_id: None,
            corrected_cells: 0,
            nothing_to_report: false,
        });
        let (previews, tick) = (previews.clone(), tick.clone());
        use_effect_with(hashes, move |hashes| {
            let missing: Vec<String> = hashes.iter().filter(|h| !previews.borrow().contains_key(*h)).cloned().collect();
            if !missing.is_empty() {
                wasm_bindgen_futures::spawn_local(async move {
                    for hash in missing {
                        let url = survey_io::photo_url(&hash).await.unwrap_or_else(|| format!("/api/photos/{hash}"));
                        previews.borrow_mut().insert(hash, url);
                    }
                    tick.set(*tick + 1);
                });
            }
        });
    }
    {
        let task_id = task.id.clone();
        use_effect_with((*local).clone(), move |now| survey_io::save(&rows_key(&task_id), now));
    }
    let update: Update = {
        let (local, note) = (local.clone(), note.clone());
        Callback::from(move |f: Box<dyn Fn(&mut Local)>| {
            // A message about the form as it was ("add a row…") goes with the edit.
            if note.is_some() {
                note.set(None);
            }
            local.dispatch(Edit(f))
        })
    };
    // Clears the messages of one field once it is edited.
    let clear_error = {
        let shown_errors = shown_errors.clone();
        Callback::from(move |(row, key): (usize, String)| {
            if shown_errors.iter().any(|e| error_place(&e.pointer) == Some((row, Some(key.as_str())))) {
                shown_errors
                    .set(shown_errors.iter().filter(|e| error_place(&e.pointer) != Some((row, Some(key.as_str())))).cloned().collect());
            }
        })
    };

    let Some(form_value) = (*form).clone() else {
        return html! { <section class="survey"><p class="loading" id="survey-status">{ note.as_deref().unwrap_or("正在加载… Loading…") }</p></section> };
    };
    let Some(template) = (*template).clone() else {
        return html! { <p class="error">{ tr(lang, "模板无法编译", "the template does not compile") }</p> };
    };
    let kind_field = template.subject.kind_field.clone().unwrap_or_default();
    let delivery = survey_io::delivery(&local.submission_id);
    // A refusal's errors are shown at their fields.
    let refused_errors: Vec<FieldError> = match &delivery {
        Delivery::Done(outcome) if outcome.refused.is_some() && shown_errors.is_empty() => outcome.errors.clone(),
        _ => Vec::new(),
    };
    let errors_now: Vec<FieldError> = if shown_errors.is_empty() { refused_errors } else { (*shown_errors).clone() };
    let delivered = matches!(&delivery, Delivery::Done(o) if o.refused.is_none());
    let already = *server_status == TaskStatus::Submitted && !matches!(delivery, Delivery::Queued { .. } | Delivery::Sending);
    let locked = delivered || already || matches!(delivery, Delivery::Sending);

    // Adding rows.
    let add_buttons = template.subject.kinds.iter().map(|k| {
        let entity = k.entity.clone();
        let kind = k.kind.clone();
        let (picking, found, query) = (picking.clone(), found.clone(), query.clone());
        let (update, kind_field) = (update.clone(), kind_field.clone());
        let id = format!("add-{}", entity.clone().unwrap_or_else(|| "point".into()));
        let on_pick = {
            let (kind, entity) = (kind.clone(), entity.clone());
            Callback::from(move |_: MouseEvent| {
                if let Some(entity) = &entity {
                    picking.set(Some((entity.clone(), kind.clone())));
                    found.set(None);
                    query.set(String::new());
                }
            })
        };
        let on_new = {
            let kind = kind.clone();
            Callback::from(move |_: MouseEvent| {
                let mut values = Map::new();
                values.insert(kind_field.clone(), json!(kind));
                let row = SubmittedRow { subject_id: format!("{NEW_PREFIX}{}", uuid()), values };
                update.emit(Box::new(move |l: &mut Local| {
                    l.rows.push(row.clone());
                    l.nothing_to_report = false;
                }));
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

    let search_panel = (*picking).clone().map(|(entity, kind)| {
        let (found_set, query_set, task) = (found.clone(), query.clone(), task.clone());
        let run = {
            let (entity, query, found) = (entity.clone(), query.clone(), found.clone());
            let (task, note) = (task.clone(), note.clone());
            Callback::from(move |_: ()| {
                let (found, note, task, entity, query) = (found.clone(), note.clone(), task.clone(), entity.clone(), (*query).clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match crate::api::pick(&task, &entity, &query).await {
                        Ok(answer) => found.set(Some(answer)),
                        // Answered but unreadable: as before, no results.
                        Err(crate::api::ApiFailure::Network { status: Some(200..=299), .. }) => found.set(None),
                        _ => note.set(Some(
                            tr(lang, "离线时不能查台账：请用“新增”按钮添加", "the ledger cannot be searched offline: add a new record")
                                .into(),
                        )),
                    }
                });
            })
        };
        let on_input = Callback::from(move |e: InputEvent| query_set.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()));
        let on_key = {
            let run = run.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" {
                    run.emit(())
                }
            })
        };
        let results = found_set.as_ref().map(|answer| {
            if answer.rows.is_empty() {
                let q = (*query).trim().to_owned();
                return html! {
                    <li class="pick-empty" id="pick-empty">{ match lang {
                        Lang::Zh if q.is_empty() => format!("本村台账中没有{kind}记录：请点“新增{kind}”"),
                        Lang::Zh => format!("没有找到“{q}”：请换个关键词（姓名、身份证后 4 位以上或地址），或点“新增{kind}”"),
                        Lang::En => format!("nothing found for \"{q}\": try other words, or add a new record"),
                    } }</li>
                };
            }
            answer
                .rows
                .iter()
                .zip(&answer.labels)
                .map(|(row, label)| {
                    let row = row.clone();
                    let taken = local.rows.iter().any(|r| r.subject_id == row.subject_id);
                    let (update, picking) = (update.clone(), picking.clone());
                    let on_click = Callback::from(move |_: MouseEvent| {
                        let added = SubmittedRow { subject_id: row.subject_id.clone(), values: row.values.clone() };
                        update.emit(Box::new(move |l: &mut Local| {
                            l.rows.push(added.clone());
                            l.nothing_to_report = false;
                        }));
                        picking.set(None);
                    });
                    html! { <li><button class="pick-result" disabled={taken} onclick={on_click}>{ label }</button></li> }
                })
                .collect::<Html>()
        });
        html! {
            <div class="pick-panel">
                <label class="pick-query">{ format!("{}{}", tr(lang, "查找", "Find "), kind) }
                    <input id="pick-q" placeholder={tr(lang, "姓名、身份证后几位或地址", "name, last digits of the ID, or address")}
                        value={(*query).clone()} oninput={on_input} onkeydown={on_key} /></label>
                <button id="pick-search" class="secondary" onclick={run.reform(|_| ())}>{ tr(lang, "查找", "Search") }</button>
                <ul class="pick-results">{ results }</ul>
            </div>
        }
    });

    // The rows.
    let row_views = local
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let kind = row.values.get(&kind_field).and_then(Value::as_str).unwrap_or_default().to_owned();
            let is_new = row.subject_id.starts_with(NEW_PREFIX);
            let errors = ybt_core::validate(&template, &Value::Object(row.values.clone()));
            let row_errors: Vec<&FieldError> = errors_now.iter().filter(|e| error_place(&e.pointer).is_some_and(|(r, _)| r == i)).collect();
            let fields = kind_fields(&template, &kind);
            let cells = fields
                .iter()
                .map(|shown| {
                    let field = shown.field;
                    let value = row.values.get(&field.key).cloned();
                    let filled = value.as_ref().is_some_and(|v| !v.is_null());
                    let here = |e: &&FieldError| e.pointer == format!("/{}", field.key) || e.pointer.starts_with(&format!("/{}/", field.key));
                    // Missing values are pointed out once staff tried to submit; wrong ones at once.
                    let local_error = errors.iter().find(here).filter(|_| *tried || filled).map(|e| lang.pick(&e.message).to_owned());
                    let server_error = row_errors
                        .iter()
                        .find(|e| error_place(&e.pointer).and_then(|(_, k)| k) == Some(field.key.as_str()))
                        .map(|e| lang.pick(&e.message).to_owned());
                    let note_key = text_key(&row.subject_id, &field.key);
                    let note = notes.get(&note_key).cloned();
                    let info = note.as_ref().filter(|(_, error)| !error).map(|(m, _)| m.clone());
                    let message = note.filter(|(_, error)| *error).map(|(m, _)| m).or(server_error).or(local_error);
                    let read_only = locked || (!is_new && bound(field));
                    let input = cell_input(&CellContext {
                        lang,
                        field,
                        value,
                        text: local.texts.get(&text_key(&row.subject_id, &field.key)).cloned(),
                        read_only,
                        row: i,
                        subject: row.subject_id.clone(),
                        update: update.clone(),
                        clear_error: clear_error.clone(),
                        notes: notes.clone(),
                        previews: previews.clone(),
                        invalid: message.is_some(),
                    });
                    let error_id = format!("err-{}-{}", i, field.key);
                    html! {
                        <div key={field.key.clone()} class={classes!("cell", message.is_some().then_some("invalid"))} data-key={field.key.clone()}>
                            <span class="title">{ &field.title }
                                if shown.required { <span class="required" aria-label={tr(lang, "必填", "required")}>{ "*" }</span> }
                            </span>
                            { input }
                            if let Some(help) = &field.ui.help { <span class="help">{ help }</span> }
                            if let Some(info) = info { <span class="field-note">{ info }</span> }
                            if let Some(message) = message { <span class="error field-error" id={error_id} role="alert">{ message }</span> }
                        </div>
                    }
                })
                .collect::<Html>();
            // Errors of the row that no field shows (a picked record gone, a wrong kind).
            let row_level: Vec<String> = row_errors
                .iter()
                .filter(|e| match error_place(&e.pointer).and_then(|(_, k)| k) {
                    Some(k) => !fields.iter().any(|f| f.field.key == k),
                    None => true,
                })
                .map(|e| lang.pick(&e.message).to_owned())
                .collect();
            let remove = {
                let (update, shown_errors) = (update.clone(), shown_errors.clone());
                let subject = row.subject_id.clone();
                Callback::from(move |_: MouseEvent| {
                    // Server messages are placed by row number: they no longer fit.
                    shown_errors.set(Vec::new());
                    let subject = subject.clone();
                    update.emit(Box::new(move |l: &mut Local| {
                        l.rows.retain(|r| r.subject_id != subject);
                        l.texts.retain(|k, _| !k.starts_with(&format!("{subject}\u{1f}")));
                    }))
                })
            };
            html! {
                <div key={row.subject_id.clone()} class="survey-row" data-kind={kind.clone()} data-subject={row.subject_id.clone()}>
                    <h4>{ format!("{} · {}", i + 1, kind) }
                        <span class="origin">{ if is_new { tr(lang, "新对象，审核后入台账", "new: joins the ledger after review") } else { tr(lang, "台账记录", "from the ledger") } }</span>
                        if !locked { <button class="remove" onclick={remove}>{ tr(lang, "删除此行", "Remove row") }</button> }</h4>
                    <div class="cells">{ cells }</div>
                    { for row_level.iter().map(|m| html! { <p class="error" role="alert">{ m }</p> }) }
                </div>
            }
        })
        .collect::<Html>();

    let label = format!("{} · {}", form_value.title, task.org_unit_name);
    let on_submit = {
        let (local, note, shown_errors, task, template, tried) =
            (local.clone(), note.clone(), shown_errors.clone(), task.clone(), template.clone(), tried.clone());
        let (form_value, label) = (form_value.clone(), label.clone());
        Callback::from(move |_: MouseEvent| {
            tried.set(true);
            let request = SubmissionRequest {
                submission_id: local.submission_id.clone(),
                template_id: form_value.template_id.clone(),
                template_version: form_value.template_version,
                org_unit: task.org_unit.clone(),
                rows: local.rows.clone(),
                task_id: Some(task.id.clone()),
                corrected_cells: 0,
                nothing_to_report: local.nothing_to_report && local.rows.is_empty(),
            };
            // The worker's own checks, run here first: nothing invalid is queued.
            let body = serde_json::to_value(&request).unwrap_or_default();
            let mut errors = ybt_core::survey::check_rows(&request);
            if let Err(found) = ybt_core::validate_submission(&template, &body) {
                errors.extend(found);
            }
            if !errors.is_empty() {
                let whole: Vec<String> =
                    errors.iter().filter(|e| error_place(&e.pointer).is_none()).map(|e| lang.pick(&e.message).to_owned()).collect();
                note.set(Some(if whole.is_empty() {
                    match lang {
                        Lang::Zh => format!("还有 {} 处需要填写或修改：见标红的栏目", errors.len()),
                        Lang::En => format!("{} things to fill in or fix: see the fields in red", errors.len()),
                    }
                } else {
                    whole.join("；")
                }));
                shown_errors.set(errors);
                return;
            }
            shown_errors.set(Vec::new());
            note.set(None);
            survey_io::enqueue(request, label.clone());
            survey_io::sync_soon();
        })
    };
    let on_nothing = {
        let update = update.clone();
        Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
            update.emit(Box::new(move |l: &mut Local| l.nothing_to_report = checked));
        })
    };

    let status = match &delivery {
        Delivery::Sending => Some(("sending", tr(lang, "正在发送…", "sending…").to_owned())),
        Delivery::Queued { failures, .. } => Some((
            "queued",
            match (lang, *failures) {
                (Lang::Zh, 0) => "排队中：已保存在本机，联网后自动发送".to_owned(),
                (Lang::Zh, n) => format!("排队中：已保存在本机，网络不通（已试 {n} 次），稍后自动重试"),
                (Lang::En, _) => "queued: saved on this device, sent automatically once online".to_owned(),
            },
        )),
        Delivery::Done(o) if o.refused.is_none() => Some((
            "delivered",
            match lang {
                Lang::Zh if o.rows == 0 => {
                    format!("已送达：已提交“本村无灾情”（{}）", o.at.get(..16).unwrap_or_default().replace('T', " "))
                }
                Lang::Zh => format!("已送达：已提交 {} 行（{}）", o.rows, o.at.get(..16).unwrap_or_default().replace('T', " ")),
                Lang::En => format!("delivered: {} rows submitted", o.rows),
            },
        )),
        Delivery::Done(o) => Some((
            "refused",
            format!("{}{}", tr(lang, "未被接收：", "refused: "), o.refused.as_ref().map(|m| lang.pick(m).to_owned()).unwrap_or_default()),
        )),
        Delivery::Unknown if already => Some(("delivered", tr(lang, "本村已提交此摸排", "this village has submitted").to_owned())),
        Delivery::Unknown => None,
    };
    let (status_class, status_text) = status.unwrap_or(("", String::new()));

    html! {
        <section class="survey">
            <button class="back" onclick={props.back.reform(|_| ())}>{ tr(lang, "← 返回", "← Back") }</button>
            <h2>{ &form_value.title }<span class="village">{ &task.org_unit_name }</span></h2>
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
            if let Some(n) = &*note { <p id="survey-note" class="note" role="alert">{ n }</p> }
            <OutboxPanel lang={lang} />
        </section>
    }
}

/// What one cell's input needs.
struct CellContext<'a> {
    lang: Lang,
    field: &'a FieldPlan,
    value: Option<Value>,
    /// Text typed into a number box, if any.
    text: Option<String>,
    read_only: bool,
    row: usize,
    subject: String,
    update: Update,
    clear_error: Callback<(usize, String)>,
    notes: Notes,
    previews: Rc<std::cell::RefCell<HashMap<String, String>>>,
    invalid: bool,
}

fn set_note(notes: &Notes, key: &str, message: Option<(String, bool)>) {
    let mut next = (**notes).clone();
    match message {
        Some(m) => next.insert(key.to_owned(), m),
        None => next.remove(key),
    };
    notes.set(next);
}

/// The input of one cell, by the field's type: photos and location have
/// their own widgets, numbers keep the typed text.
fn cell_input(c: &CellContext<'_>) -> Html {
    let lang = c.lang;
    let field = c.field;
    let key = field.key.clone();
    let subject = c.subject.clone();
    let row = c.row;
    // Sets the cell's value (and, for number boxes, its text) on the row with this subject.
    let set = {
        let (update, key, subject, clear_error) = (c.update.clone(), key.clone(), subject.clone(), c.clear_error.clone());
        Callback::from(move |(v, text): (Option<Value>, Option<String>)| {
            let (key, subject) = (key.clone(), subject.clone());
            clear_error.emit((row, key.clone()));
            update.emit(Box::new(move |l: &mut Local| {
                if let Some(r) = l.rows.iter_mut().find(|r| r.subject_id == subject) {
                    match &v {
                        Some(v) => {
                            r.values.insert(key.clone(), v.clone());
                        }
                        None => {
                            r.values.remove(&key);
                        }
                    }
                }
                match &text {
                    Some(t) => l.texts.insert(text_key(&subject, &key), t.clone()),
                    None => l.texts.remove(&text_key(&subject, &key)),
                };
            }))
        })
    };
    let shown = match &c.value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let described = format!("err-{}-{}", row, key);
    let aria_invalid = if c.invalid { "true" } else { "false" };
    if c.read_only && key != "photos" {
        return html! { <span class="prefilled" data-name={key}>{ shown }</span> };
    }
    match (field.key.as_str(), field.json_type.as_deref()) {
        ("photos", _) | (_, Some("array")) => photo_input(c, &set),
        ("location", _) | (_, Some("object")) => {
            let value = c.value.clone();
            let address = value.as_ref().and_then(|v| v.get("address")).and_then(Value::as_str).unwrap_or_default().to_owned();
            let coords = value
                .as_ref()
                .and_then(|v| Some((v.get("lat")?.as_f64()?, v.get("lng")?.as_f64()?)))
                .map(|(a, b)| format!("{a:.5}, {b:.5}"));
            let note_key = text_key(&subject, &key);
            let on_locate = {
                let (set, value, notes, note_key) = (set.clone(), value.clone(), c.notes.clone(), note_key.clone());
                Callback::from(move |_: MouseEvent| {
                    let (set, value, notes, note_key) = (set.clone(), value.clone(), notes.clone(), note_key.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match survey_io::locate().await {
                            Ok((lat, lng, accuracy)) => {
                                let mut v = value.and_then(|v| v.as_object().cloned()).unwrap_or_default();
                                v.insert("lat".into(), json!(lat));
                                v.insert("lng".into(), json!(lng));
                                v.insert("accuracy_m".into(), json!(accuracy.round()));
                                set_note(&notes, &note_key, None);
                                set.emit((Some(Value::Object(v)), None));
                            }
                            Err(e) => set_note(&notes, &note_key, Some((e, true))),
                        }
                    });
                })
            };
            let on_address = {
                let (set, value) = (set.clone(), value.clone());
                Callback::from(move |e: InputEvent| {
                    let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                    let mut v = value.clone().and_then(|v| v.as_object().cloned()).unwrap_or_default();
                    if text.trim().is_empty() {
                        v.remove("address");
                    } else {
                        v.insert("address".into(), json!(text));
                    }
                    set.emit(((!v.is_empty()).then_some(Value::Object(v)), None));
                })
            };
            html! {
                <span class="location">
                    <button class="locate secondary" onclick={on_locate}>{ tr(lang, "定位", "Locate") }</button>
                    <span class="coords">{ coords.unwrap_or_default() }</span>
                    <input key="address" class="address" aria-label={format!("{}{}", field.title, tr(lang, "（地址）", " (address)"))}
                        aria-describedby={described} aria-invalid={aria_invalid}
                        placeholder={tr(lang, "或填写地址", "or the address")} value={address} oninput={on_address} />
                </span>
            }
        }
        (_, Some(kind @ ("integer" | "number"))) => {
            let integer = kind == "integer";
            let text = c.text.clone().unwrap_or(shown);
            let on_input = Callback::from(move |e: InputEvent| {
                let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                set.emit((typed_number(&text, integer), Some(text)));
            });
            html! {
                <input key="number" type="text" inputmode={if integer { "numeric" } else { "decimal" }} name={key}
                    aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid}
                    autocomplete="off" value={text} oninput={on_input} />
            }
        }
        _ if !field.options.is_empty() => {
            let on_change = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                set.emit(((!v.is_empty()).then(|| json!(v)), None));
            });
            html! {
                <select key="select" name={key} aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid} onchange={on_change}>
                    <option value="" selected={shown.is_empty()}>{ tr(lang, "请选择", "choose") }</option>
                    { for field.options.iter().map(|o| html! { <option value={o.clone()} selected={*o == shown}>{ o }</option> }) }
                </select>
            }
        }
        _ => {
            let on_input = Callback::from(move |e: InputEvent| {
                let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                set.emit(((!v.is_empty()).then(|| json!(v)), None));
            });
            html! {
                <input key="text" name={key} aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid}
                    value={shown} oninput={on_input} />
            }
        }
    }
}

/// Photos of one cell: a thumbnail per photo (from the copy on this device
/// when there is one) with its own remove button, and the camera input.
/// Each new photo is resized, checked against the room left on the device
/// and kept in IndexedDB before the row names it.
fn photo_input(c: &CellContext<'_>, set: &Callback<(Option<Value>, Option<String>)>) -> Html {
    let lang = c.lang;
    let hashes: Vec<String> = c
        .value
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let note_key = text_key(&c.subject, &c.field.key);
    let on_change = {
        let (set, hashes, notes, note_key) = (set.clone(), hashes.clone(), c.notes.clone(), note_key.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let files: Vec<web_sys::File> =
                input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
            input.set_value("");
            if files.is_empty() {
                return;
            }
            let (set, mut hashes, notes, note_key) = (set.clone(), hashes.clone(), notes.clone(), note_key.clone());
            set_note(&notes, &note_key, Some((tr(lang, "正在压缩照片…", "resizing…").into(), false)));
            wasm_bindgen_futures::spawn_local(async move {
                let mut message = None;
                for file in files {
                    let kept = match survey_io::resize(&file).await {
                        Ok(photo) => survey_io::keep_photo(&photo).await.map(|()| photo),
                        Err(e) => Err(e),
                    };
                    match kept {
                        Ok(photo) => {
                            let (from, to) = ((photo.original_bytes / 1024.0).round(), photo.bytes.len() / 1024);
                            message = Some((
                                match lang {
                                    Lang::Zh => format!("照片已压缩并存在本机：{from} KB → {to} KB"),
                                    Lang::En => format!("photo resized and kept on this device: {from} KB → {to} KB"),
                                },
                                false,
                            ));
                            if !hashes.contains(&photo.hash) {
                                hashes.push(photo.hash);
                            }
                            set.emit((Some(json!(hashes)), None));
                        }
                        Err(e) => {
                            message = Some((e, true));
                            break;
                        }
                    }
                }
                set_note(&notes, &note_key, message);
            });
        })
    };
    let thumbs = hashes.iter().enumerate().map(|(n, h)| {
        let src = c.previews.borrow().get(h).cloned().unwrap_or_default();
        let remove = {
            let (set, hashes, h) = (set.clone(), hashes.clone(), h.clone());
            Callback::from(move |_: MouseEvent| {
                let rest: Vec<&String> = hashes.iter().filter(|x| **x != h).collect();
                set.emit(((!rest.is_empty()).then(|| json!(rest)), None));
                let h = h.clone();
                wasm_bindgen_futures::spawn_local(async move { survey_io::forget_photo(&h).await });
            })
        };
        html! {
            <span key={h.clone()} class="thumb-box">
                if !src.is_empty() { <img class="thumb" data-hash={h.clone()} src={src} alt={format!("{} {}", tr(lang, "照片", "photo"), n + 1)} /> }
                if !c.read_only {
                    <button class="remove-photo" aria-label={format!("{} {}", tr(lang, "删除照片", "remove photo"), n + 1)} onclick={remove}>{ "×" }</button>
                }
            </span>
        }
    });
    html! {
        <span class="photos">
            { for thumbs }
            if !c.read_only {
                <label class="photo-add secondary">{ tr(lang, "拍照 / 选照片", "Take / choose photos") }
                    <input key="file" type="file" class="photo-input" accept="image/*" multiple={true} onchange={on_change} />
                </label>
            }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct OutboxProps {
    pub lang: Lang,
}

/// This user's survey queue: what waits on the device (排队中 / 正在发送)
/// and what recently arrived (已送达) or was refused. Shown on the survey
/// pages and at home, so that a report kept offline is never invisible.
#[function_component(OutboxPanel)]
pub fn outbox_panel(props: &OutboxProps) -> Html {
    let lang = props.lang;
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let listener = WindowListener::new(survey_io::EVENT, move || tick.set(*tick + 1));
            move || drop(listener)
        });
    }
    let queued = survey_io::outbox();
    let outcomes = survey_io::outcomes();
    if queued.is_empty() && outcomes.is_empty() {
        return html! {};
    }
    let retry = { Callback::from(move |_: MouseEvent| survey_io::sync_soon()) };
    html! {
        <div class="outbox panel" id="outbox">
            <h3>{ tr(lang, "应急摸排发送队列", "Survey outbox") }</h3>
            <ul>
                { for queued.iter().map(|q| {
                    let state = match survey_io::delivery(&q.request.submission_id) {
                        Delivery::Sending => tr(lang, "正在发送", "sending"),
                        _ => tr(lang, "排队中", "queued"),
                    };
                    let photos = survey_io::photos_of(&q.request).len();
                    html! {
                        <li class="queued" data-id={q.request.submission_id.clone()}>
                            <span class="state">{ state }</span>{ format!(" {} · {} 行 · {} 张照片", q.label, q.request.rows.len(), photos) }
                        </li>
                    }
                }) }
                { for outcomes.iter().take(5).map(|o| html! {
                    <li class={if o.refused.is_some() { "refused" } else { "delivered" }} data-id={o.submission_id.clone()}>
                        <span class="state">{ if o.refused.is_some() { tr(lang, "未被接收", "refused") } else { tr(lang, "已送达", "delivered") } }</span>
                        { format!(" {} · {} 行 · {}", o.label, o.rows, o.at.get(..16).unwrap_or_default().replace('T', " ")) }
                        if let Some(m) = &o.refused { <span class="error">{ format!("：{}", lang.pick(m)) }</span> }
                    </li>
                }) }
            </ul>
            if !queued.is_empty() { <button class="secondary" id="outbox-retry" onclick={retry}>{ tr(lang, "立即重试", "Retry now") }</button> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct OpenTaskProps {
    pub lang: Lang,
    pub task_id: String,
    /// Opens the task as a survey (its own page and address).
    pub open_survey: Callback<TaskSummary>,
    pub back: Callback<()>,
}

/// A task opened from anywhere (the home inbox, an address): a survey's
/// task opens only as a survey, never as an ordinary form. Known surveys
/// (kept on this device) decide at once, offline too; otherwise the
/// reader's surveys are asked whether the task's dispatch is one of them.
#[function_component(OpenTask)]
pub fn open_task(props: &OpenTaskProps) -> Html {
    let decided = use_state(|| None::<bool>);
    {
        let (decided, task_id, open_survey) = (decided.clone(), props.task_id.clone(), props.open_survey.clone());
        use_effect_with(props.task_id.clone(), move |_| {
            if let Some(task) = survey_io::load::<TaskSummary>(&task_key(&task_id)) {
                open_survey.emit(task);
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let surveys = crate::api::surveys().await.unwrap_or_default();
                let Some(survey) = surveys.iter().find(|s| task_id.starts_with(&format!("{}-", s.dispatch_id))) else {
                    decided.set(Some(false));
                    return;
                };
                let tasks = crate::api::dispatch_tasks(&survey.dispatch_id).await.unwrap_or_default();
                match tasks.into_iter().find(|t| t.id == task_id) {
                    Some(task) => open_survey.emit(task),
                    None => decided.set(Some(false)),
                }
            });
        });
    }
    match *decided {
        Some(false) => {
            html! { <crate::pages::task::TaskPage lang={props.lang} task_id={props.task_id.clone()} back={props.back.clone()} /> }
        }
        _ => html! { <p class="loading">{ tr(props.lang, "正在打开…", "Opening…") }</p> },
    }
}
