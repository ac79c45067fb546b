//! A village's emergency survey form (pick mode): it starts empty; staff
//! add rows by picking ledger records (search by name, the last digits of
//! an ID number, or an address) or as new records, attach photos and a
//! location, and submit — offline too: the form, the rows typed and the
//! submission are kept on the device and sent once the connection returns.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ybt_core::api::{Form, SubmissionRequest, SubmittedRow, TaskForm, TaskSummary};
use ybt_core::compile::{FieldPlan, FieldSource};
use ybt_core::survey::{NEW_PREFIX, PickAnswer};
use ybt_core::{Catalog, CompiledTemplate, FieldError};
use yew::prelude::*;

use crate::i18n::{Lang, tr};
use crate::survey_io::{self, Sent};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub task: TaskSummary,
    pub back: Callback<()>,
}

/// What the device keeps of a survey being filled: the rows and the id the
/// submission will carry (chosen once, so a re-send is the same submission).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Local {
    submission_id: String,
    rows: Vec<SubmittedRow>,
}

fn form_key(task: &str) -> String {
    format!("ybt-survey-form:{task}")
}

fn rows_key(task: &str) -> String {
    format!("ybt-survey-rows:{task}")
}

fn uuid() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_default()
}

fn compile_here(form: &Form) -> Option<Rc<CompiledTemplate>> {
    ybt_core::compile(&form.schema, &Catalog::builtin().ok()?).ok().map(Rc::new)
}

fn bound_entity(field: &FieldPlan) -> Option<&str> {
    match &field.source {
        FieldSource::Ledger { item } => item.split_once('.').map(|(e, _)| e),
        _ => None,
    }
}

/// Sets or clears one cell of one row.
fn set_cell(rows: &mut [SubmittedRow], row: usize, key: &str, value: Option<Value>) {
    if let Some(r) = rows.get_mut(row) {
        match value {
            Some(v) => {
                r.values.insert(key.to_owned(), v);
            }
            None => {
                r.values.remove(key);
            }
        }
    }
}

#[function_component(SurveyPage)]
pub fn survey_page(props: &Props) -> Html {
    let lang = props.lang;
    let task = props.task.clone();
    let form = use_state(|| survey_io::load::<Form>(&form_key(&task.id)));
    let local =
        use_state(|| survey_io::load::<Local>(&rows_key(&task.id)).unwrap_or_else(|| Local { submission_id: uuid(), rows: Vec::new() }));
    let status = use_state(|| None::<String>);
    let server_errors = use_state(Vec::<FieldError>::new);
    let picking = use_state(|| None::<(String, String)>); // (entity, kind)
    let query = use_state(String::new);
    let found = use_state(|| None::<PickAnswer>);
    let template = use_memo((*form).clone(), |f| f.as_ref().and_then(compile_here));

    // Load the form (and keep it for offline use); offline, the kept copy serves.
    {
        let (form, status, task) = (form.clone(), status.clone(), task.clone());
        use_effect_with(task.id.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let opened =
                    gloo_net::http::Request::post(&format!("/api/tasks/{}/form", task.id)).header("X-Yibiaotong", "1").send().await;
                match opened {
                    Ok(r) if r.ok() => {
                        if let Ok(answer) = r.json::<TaskForm>().await {
                            survey_io::save(&form_key(&task.id), &answer.form);
                            form.set(Some(answer.form));
                        }
                    }
                    _ if form.is_some() => {
                        status.set(Some(tr(lang, "离线：使用本机保存的表格", "offline: using the form kept on this device").into()))
                    }
                    _ => status.set(Some(tr(lang, "无法加载表格，请联网后重试", "cannot load the form: connect and retry").into())),
                }
            });
        });
    }
    let update = {
        let (local, task) = (local.clone(), task.clone());
        Callback::from(move |f: Box<dyn Fn(&mut Local)>| {
            let mut next = (*local).clone();
            f(&mut next);
            survey_io::save(&rows_key(&task.id), &next);
            local.set(next);
        })
    };

    let Some(form_value) = (*form).clone() else {
        return html! { <section class="survey"><p class="loading" id="survey-status">{ status.as_deref().unwrap_or("正在加载… Loading…") }</p></section> };
    };
    let Some(template) = (*template).clone() else {
        return html! { <p class="error">{ tr(lang, "模板无法编译", "the template does not compile") }</p> };
    };
    let kind_field = template.subject.kind_field.clone().unwrap_or_default();

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
                update.emit(Box::new(move |l: &mut Local| l.rows.push(row.clone())));
            })
        };
        html! {
            <span class="add-kind">
                if entity.is_some() {
                    <button id={id.clone()} onclick={on_pick}>{ format!("{}{}", tr(lang, "选取", "pick "), k.kind) }</button>
                }
                <button id={format!("{id}-new")} onclick={on_new}>{ format!("{}{}", tr(lang, "新增", "new "), k.kind) }</button>
            </span>
        }
    });

    let search_panel = (*picking).clone().map(|(entity, _kind)| {
        let (found_set, query_set, task) = (found.clone(), query.clone(), task.clone());
        let run = {
            let (entity, query, found) = (entity.clone(), query.clone(), found.clone());
            let (task, status) = (task.clone(), status.clone());
            Callback::from(move |_: ()| {
                let url = format!(
                    "/api/surveys/{}/pick?org_unit={}&entity={}&q={}",
                    task.dispatch_id,
                    task.org_unit,
                    entity,
                    String::from(js_sys::encode_uri_component(&query))
                );
                let (found, status) = (found.clone(), status.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match gloo_net::http::Request::get(&url).send().await {
                        Ok(r) if r.ok() => found.set(r.json::<PickAnswer>().await.ok()),
                        _ => status.set(Some(
                            tr(lang, "离线时不能查台账：可新增对象", "the ledger cannot be searched offline: add a new record").into(),
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
                        update.emit(Box::new(move |l: &mut Local| l.rows.push(added.clone())));
                        picking.set(None);
                    });
                    html! { <li><button class="pick-result" disabled={taken} onclick={on_click}>{ label }</button></li> }
                })
                .collect::<Html>()
        });
        html! {
            <div class="pick-panel">
                <input id="pick-q" placeholder={tr(lang, "姓名、身份证后几位或地址", "name, last digits of the ID, or address")}
                    value={(*query).clone()} oninput={on_input} onkeydown={on_key} />
                <button id="pick-search" onclick={run.reform(|_| ())}>{ tr(lang, "查找", "Search") }</button>
                <ul class="pick-results">{ results }</ul>
            </div>
        }
    });

    // The rows.
    let row_views = local.rows.iter().enumerate().map(|(i, row)| {
        let kind = row.values.get(&kind_field).and_then(Value::as_str).unwrap_or_default().to_owned();
        let kind_entity = template.subject.kinds.iter().find(|k| k.kind == kind).and_then(|k| k.entity.clone());
        let is_new = row.subject_id.starts_with(NEW_PREFIX);
        let errors = ybt_core::validate(&template, &Value::Object(row.values.clone()));
        let server: Vec<&FieldError> = server_errors.iter().filter(|e| e.pointer.starts_with(&format!("/rows/{i}/"))).collect();
        let cells = template.fields.iter().filter(|f| f.key != kind_field).filter(|f| match bound_entity(f) {
            Some(entity) => Some(entity) == kind_entity.as_deref(),
            None => true,
        }).map(|field| {
            let value = row.values.get(&field.key).cloned();
            let error = errors.iter().find(|e| e.pointer == format!("/{}", field.key)).map(|e| lang.pick(&e.message).to_owned());
            let read_only = !is_new && bound_entity(field).is_some();
            let input = cell_input(lang, field, value, read_only, i, &update, &task, &status);
            html! {
                <label class="cell" data-key={field.key.clone()}>
                    <span class="title">{ &field.title }{ if field.required { "*" } else { "" } }</span>
                    { input }
                    if let Some(error) = error { <span class="error">{ error }</span> }
                </label>
            }
        }).collect::<Html>();
        let remove = {
            let update = update.clone();
            Callback::from(move |_: MouseEvent| update.emit(Box::new(move |l: &mut Local| {
                if i < l.rows.len() {
                    l.rows.remove(i);
                }
            })))
        };
        html! {
            <div class="survey-row" data-kind={kind.clone()} data-subject={row.subject_id.clone()}>
                <h4>{ format!("{} · {}", i + 1, kind) }{ if is_new { tr(lang, "（新对象，待审核后入台账）", " (new: joins the ledger after review)") } else { tr(lang, "（台账）", " (ledger)") } }
                    <button class="remove" onclick={remove}>{ tr(lang, "删除", "Remove") }</button></h4>
                <div class="cells">{ cells }</div>
                { for server.iter().map(|e| html! { <p class="error">{ format!("{}: {}", e.pointer, lang.pick(&e.message)) }</p> }) }
            </div>
        }
    }).collect::<Html>();

    let on_submit = {
        let (local, status, server_errors, task, template) =
            (local.clone(), status.clone(), server_errors.clone(), task.clone(), template.clone());
        let form_value = form_value.clone();
        Callback::from(move |_: MouseEvent| {
            let request = SubmissionRequest {
                submission_id: local.submission_id.clone(),
                template_id: form_value.template_id.clone(),
                template_version: form_value.template_version,
                org_unit: task.org_unit.clone(),
                rows: local.rows.clone(),
                task_id: Some(task.id.clone()),
                corrected_cells: 0,
            };
            // The worker's own check, run here first: nothing invalid is queued.
            let body = serde_json::to_value(&request).unwrap_or_default();
            if let Err(errors) = ybt_core::validate_submission(&template, &body) {
                status.set(Some(match lang {
                    Lang::Zh => format!("有 {} 处填写有误", errors.len()),
                    Lang::En => format!("{} problems to fix", errors.len()),
                }));
                server_errors.set(errors);
                return;
            }
            if request.rows.is_empty() {
                status.set(Some(tr(lang, "请至少添加一行", "add at least one row").into()));
                return;
            }
            survey_io::enqueue(request);
            status.set(Some(tr(lang, "正在提交…", "sending…").into()));
            let (status, server_errors, task) = (status.clone(), server_errors.clone(), task.clone());
            wasm_bindgen_futures::spawn_local(async move {
                report(lang, survey_io::sync().await, &status, &server_errors, &task.id);
            });
        })
    };
    // Sent from elsewhere (the app's sync when the connection returns)?
    {
        let (status, server_errors, task) = (status.clone(), server_errors.clone(), task.clone());
        use_effect_with((), move |_| {
            let listener = gloo_events_online(move || {
                let (status, server_errors, task) = (status.clone(), server_errors.clone(), task.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    report(lang, survey_io::sync().await, &status, &server_errors, &task.id);
                });
            });
            move || drop(listener)
        });
    }
    let queued = survey_io::outbox().iter().any(|r| r.submission_id == local.submission_id);

    html! {
        <section class="survey">
            <button onclick={props.back.reform(|_| ())}>{ tr(lang, "返回", "Back") }</button>
            <h2>{ &form_value.title }{ " · " }{ &task.org_unit_name }</h2>
            <p class="hint">{ tr(lang, "逐条添加：从台账选取对象自动带出基础信息，或新增对象；易涝点须有位置和照片。", "Add rows: pick ledger records (base data filled in) or add new ones; flood-prone points need a location and a photo.") }</p>
            <div class="add-buttons">{ for add_buttons }</div>
            { search_panel }
            <div class="survey-rows">{ row_views }</div>
            <p><button id="survey-submit" class="primary" onclick={on_submit} disabled={queued && false}>{ tr(lang, "提交", "Submit") }</button></p>
            <p id="survey-status" class="status">{ status.as_deref().unwrap_or("") }</p>
        </section>
    }
}

/// Shows what a sync did to this task's submission.
fn report(
    lang: Lang,
    results: Vec<Sent>,
    status: &UseStateHandle<Option<String>>,
    errors: &UseStateHandle<Vec<FieldError>>,
    task_id: &str,
) {
    for result in results {
        match result {
            Sent::Stored(receipt) => {
                survey_io::remove(&rows_key(task_id));
                errors.set(Vec::new());
                status.set(Some(match lang {
                    Lang::Zh => format!("已提交：{} 行 · {}", receipt.row_count, receipt.id),
                    Lang::En => format!("submitted: {} rows · {}", receipt.row_count, receipt.id),
                }));
            }
            Sent::Refused(request, body) if request.task_id.as_deref() == Some(task_id) => {
                status.set(Some(lang.pick(&body.error.message).to_owned()));
                errors.set(body.error.fields);
            }
            Sent::Refused(..) => {}
            Sent::Offline => status.set(Some(
                tr(lang, "已保存在本机，联网后自动提交", "saved on this device: it will be sent when the connection returns").into(),
            )),
        }
    }
}

/// Calls `f` on the window's `online` event until the returned guard drops.
fn gloo_events_online(f: impl Fn() + 'static) -> Option<OnlineGuard> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window()?;
    let closure = Closure::<dyn Fn()>::new(f);
    window.add_event_listener_with_callback("online", closure.as_ref().unchecked_ref()).ok()?;
    Some(OnlineGuard { closure })
}

struct OnlineGuard {
    closure: wasm_bindgen::closure::Closure<dyn Fn()>,
}

impl Drop for OnlineGuard {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback("online", self.closure.as_ref().unchecked_ref());
        }
    }
}

/// The input of one cell, by the field's type: photos and location have
/// their own widgets.
#[allow(clippy::too_many_arguments)]
fn cell_input(
    lang: Lang,
    field: &FieldPlan,
    value: Option<Value>,
    read_only: bool,
    row: usize,
    update: &Callback<Box<dyn Fn(&mut Local)>>,
    _task: &TaskSummary,
    status: &UseStateHandle<Option<String>>,
) -> Html {
    let key = field.key.clone();
    let set = {
        let (update, key) = (update.clone(), key.clone());
        Callback::from(move |v: Option<Value>| {
            let key = key.clone();
            update.emit(Box::new(move |l: &mut Local| set_cell(&mut l.rows, row, &key, v.clone())))
        })
    };
    let text = match &value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if read_only {
        return html! { <span class="prefilled" name={key}>{ text }</span> };
    }
    match (field.key.as_str(), field.json_type.as_deref()) {
        ("photos", _) | (_, Some("array")) => {
            let hashes: Vec<String> = value
                .as_ref()
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let on_change = {
                let (set, hashes, status) = (set.clone(), hashes.clone(), status.clone());
                Callback::from(move |e: Event| {
                    let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
                    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
                    let (set, mut hashes, status) = (set.clone(), hashes.clone(), status.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match survey_io::resize(&file).await {
                            Ok(photo) => {
                                survey_io::keep_photo(&photo);
                                let (from, to) = ((photo.original_bytes / 1024.0).round(), photo.bytes.len() / 1024);
                                status.set(Some(match lang {
                                    Lang::Zh => format!("照片已压缩：{from} KB → {to} KB"),
                                    Lang::En => format!("photo resized: {from} KB → {to} KB"),
                                }));
                                if !hashes.contains(&photo.hash) {
                                    hashes.push(photo.hash);
                                }
                                set.emit(Some(json!(hashes)));
                            }
                            Err(e) => status.set(Some(e)),
                        }
                    });
                })
            };
            let thumbs = hashes.iter().map(|h| html! { <img class="thumb" data-hash={h.clone()} src={format!("/api/photos/{h}")} alt={h[..8.min(h.len())].to_owned()} /> });
            html! {
                <span class="photos">
                    { for thumbs }
                    <input type="file" class="photo-input" accept="image/*" capture="environment" onchange={on_change} />
                </span>
            }
        }
        ("location", _) | (_, Some("object")) => {
            let address = value.as_ref().and_then(|v| v.get("address")).and_then(Value::as_str).unwrap_or_default().to_owned();
            let coords = value
                .as_ref()
                .and_then(|v| Some((v.get("lat")?.as_f64()?, v.get("lng")?.as_f64()?)))
                .map(|(a, b)| format!("{a:.5}, {b:.5}"));
            let on_locate = {
                let (set, value, status) = (set.clone(), value.clone(), status.clone());
                Callback::from(move |_: MouseEvent| {
                    let (set, value, status) = (set.clone(), value.clone(), status.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match survey_io::locate().await {
                            Ok((lat, lng, accuracy)) => {
                                let mut v = value.and_then(|v| v.as_object().cloned()).unwrap_or_default();
                                v.insert("lat".into(), json!(lat));
                                v.insert("lng".into(), json!(lng));
                                v.insert("accuracy_m".into(), json!(accuracy.round()));
                                set.emit(Some(Value::Object(v)));
                            }
                            Err(e) => status.set(Some(e)),
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
                    set.emit((!v.is_empty()).then_some(Value::Object(v)));
                })
            };
            html! {
                <span class="location">
                    <button class="locate" onclick={on_locate}>{ tr(lang, "定位", "Locate") }</button>
                    <span class="coords">{ coords.unwrap_or_default() }</span>
                    <input class="address" placeholder={tr(lang, "或填写地址", "or the address")} value={address} oninput={on_address} />
                </span>
            }
        }
        (_, Some(kind @ ("integer" | "number"))) => {
            let integer = kind == "integer";
            let on_input = Callback::from(move |e: InputEvent| {
                let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                let parsed = if text.trim().is_empty() {
                    None
                } else if integer {
                    Some(text.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(text)))
                } else {
                    Some(
                        text.trim()
                            .parse::<f64>()
                            .ok()
                            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                            .unwrap_or(Value::String(text)),
                    )
                };
                set.emit(parsed);
            });
            html! { <input type="number" step="any" name={key} value={text} oninput={on_input} /> }
        }
        _ if !field.options.is_empty() => {
            let on_change = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                set.emit((!v.is_empty()).then(|| json!(v)));
            });
            html! {
                <select name={key} onchange={on_change}>
                    <option value="" selected={text.is_empty()}>{ tr(lang, "请选择", "choose") }</option>
                    { for field.options.iter().map(|o| html! { <option value={o.clone()} selected={*o == text}>{ o }</option> }) }
                </select>
            }
        }
        _ => {
            let on_input = Callback::from(move |e: InputEvent| {
                let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                set.emit((!v.is_empty()).then(|| json!(v)));
            });
            html! { <input name={key} value={text} oninput={on_input} /> }
        }
    }
}
