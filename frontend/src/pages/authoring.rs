//! For department analysts: build a report template (pick ledger items from
//! the catalog, add new fields) or upload one, see it compiled live by core
//! (errors, burden, a preview for a sample village), and file it for review
//! (报表准入). Every edit re-runs core's duplicate check against the ledger
//! catalog and the live templates (issue 17): a ledger finding is fixed with
//! one click ("绑定台账", core's `builder::bind_to_ledger`), and the minutes
//! estimate follows. Below: the department's requests with the centre's decisions.

use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::{Me, PublishRequest, TemplateRequest};
use ybt_core::builder::{self, NewFieldSpec, NewFieldType};
use ybt_core::compile::FieldSource;
use ybt_core::ledger::{LedgerRecord, OrgLevel, OrgUnit};
use ybt_core::review::{self, LiveTemplate};
use ybt_core::{Catalog, FieldError};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::finding_list::FindingList;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
}

/// The sample village of the preview, with synthetic ledger records
/// (core's deterministic demo data): real people's data never reaches a
/// template author.
fn sample() -> (OrgUnit, Vec<LedgerRecord>) {
    let unit =
        OrgUnit { code: "500118100001".into(), name: "示例村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into()) };
    let records = ybt_core::demo::ledger(&[(unit.clone(), "示例镇".into())], 12, 7);
    (unit, records)
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()
}

fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

fn errors_list(lang: Lang, errors: &[FieldError], id: &str) -> Html {
    html! {
        <ul class="errors" id={id.to_owned()}>
            { for errors.iter().map(|e| html! {
                <li class="error" data-pointer={e.pointer.clone()} data-code={e.code.clone()}>
                    <code>{ &e.pointer }</code>{ " " }{ lang.pick(&e.message) }
                </li>
            }) }
        </ul>
    }
}

#[function_component(AuthoringPage)]
pub fn authoring_page(props: &Props) -> Html {
    let lang = props.lang;
    let department = props.me.user.department.clone().unwrap_or_default();
    let catalog = use_memo((), |_| Rc::new(Catalog::builtin().unwrap_or_default()));
    let preview_data = use_memo((), |_| sample());
    let id = use_state(String::new);
    let title = use_state(String::new);
    let entity = use_state(|| "person".to_owned());
    let tag = use_state(String::new);
    let doc_text = use_state(|| pretty(&builder::blank("new-report", "新报表", &department, "person", "")));
    let search = use_state(String::new);
    let spec = use_state(|| NewFieldSpec { kind: Some(NewFieldType::Number), ..NewFieldSpec::default() });
    let spec_errors = use_state(Vec::<FieldError>::new);
    // The idempotency key of a filing, and the text it was made for.
    let request_id = use_state(|| (String::new(), String::new()));
    let result = use_state(|| None::<Result<TemplateRequest, ApiFailure>>);
    let requests = use_state(Vec::<TemplateRequest>::new);
    let reload = use_state(|| 0u32);
    let live = use_state(Vec::<LiveTemplate>::new);
    {
        let live = live.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::live_fields().await {
                    live.set(list);
                }
            });
        });
    }
    {
        let requests = requests.clone();
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::template_requests().await {
                    requests.set(list);
                }
            });
        });
    }

    let parsed: Result<Value, String> = serde_json::from_str(&doc_text).map_err(|e| e.to_string());
    let compiled = parsed.as_ref().ok().map(|doc| ybt_core::compile(doc, &catalog));
    let entities: Vec<String> = {
        let mut list: Vec<String> = catalog.items().map(|i| i.entity.clone()).collect();
        list.dedup();
        list
    };

    // Every builder edit goes through core's builder on the parsed document.
    let edit = {
        let doc_text = doc_text.clone();
        move |f: Box<dyn Fn(&mut Value)>| {
            if let Ok(mut doc) = serde_json::from_str::<Value>(&doc_text) {
                f(&mut doc);
                doc_text.set(pretty(&doc));
            }
        }
    };
    let on_new = {
        let (doc_text, id, title, entity, tag, department) =
            (doc_text.clone(), id.clone(), title.clone(), entity.clone(), tag.clone(), department.clone());
        Callback::from(move |_: MouseEvent| doc_text.set(pretty(&builder::blank(&id, &title, &department, &entity, &tag))))
    };
    let add_item = |name: String| {
        let edit = edit.clone();
        let catalog = catalog.clone();
        Callback::from(move |_: MouseEvent| {
            let catalog = catalog.clone();
            let name = name.clone();
            edit(Box::new(move |doc| {
                if let Some(item) = catalog.get(&name) {
                    let key = builder::free_key(doc, &item.field);
                    builder::add_property(doc, &key, builder::ledger_property(item), true);
                }
            }))
        })
    };
    let on_bind = {
        let edit = edit.clone();
        let catalog = catalog.clone();
        Callback::from(move |(key, name): (String, String)| {
            let catalog = catalog.clone();
            edit(Box::new(move |doc| {
                if let Some(item) = catalog.get(&name) {
                    builder::bind_to_ledger(doc, &key, item);
                }
            }))
        })
    };
    let remove = |key: String| {
        let edit = edit.clone();
        Callback::from(move |_: MouseEvent| {
            let key = key.clone();
            edit(Box::new(move |doc| builder::remove_property(doc, &key)))
        })
    };
    let on_add_field = {
        let (edit, spec, spec_errors) = (edit.clone(), spec.clone(), spec_errors.clone());
        Callback::from(move |_: MouseEvent| match builder::new_property(&spec) {
            Ok(property) => {
                let (key, required) = (spec.key.trim().to_owned(), spec.required);
                edit(Box::new(move |doc| builder::add_property(doc, &key, property.clone(), required)));
                spec_errors.set(Vec::new());
                spec.set(NewFieldSpec { kind: spec.kind, ..NewFieldSpec::default() });
            }
            Err(errors) => spec_errors.set(errors),
        })
    };
    let spec_input = |set: fn(&mut NewFieldSpec, String)| {
        let spec = spec.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*spec).clone();
            set(&mut next, input_value(&e));
            spec.set(next);
        })
    };
    let on_kind = {
        let spec = spec.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            let kind = NewFieldType::ALL
                .into_iter()
                .find(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)) == Some(value.clone()));
            spec.set(NewFieldSpec { kind, ..(*spec).clone() });
        })
    };
    let on_required = {
        let spec = spec.clone();
        Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
            spec.set(NewFieldSpec { required: checked, ..(*spec).clone() });
        })
    };
    let on_text = {
        let doc_text = doc_text.clone();
        Callback::from(move |e: InputEvent| doc_text.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))
    };
    let on_upload = {
        let doc_text = doc_text.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let doc_text = doc_text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    doc_text.set(text.as_string().unwrap_or_default());
                }
            });
        })
    };
    let on_publish = {
        let (doc_text, request_id, result, reload) = (doc_text.clone(), request_id.clone(), result.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let Ok(document) = serde_json::from_str::<Value>(&doc_text) else { return };
            // A retry of the same text reuses its id: filed at most once.
            let id = if request_id.1 == *doc_text && !request_id.0.is_empty() { request_id.0.clone() } else { api::new_id() };
            request_id.set((id.clone(), (*doc_text).clone()));
            let (result, reload) = (result.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::file_template(&PublishRequest { request_id: id, document }).await;
                result.set(Some(answer));
                reload.set(*reload + 1);
            });
        })
    };

    let matches = builder::search(&catalog, &entity, &search);
    let status_class = |r: &TemplateRequest| format!("status {}", r.status.as_str());

    let analysis = match &compiled {
        None => {
            html! { <p class="error" id="json-error">{ tr(lang, "JSON 格式有误：", "Not valid JSON: ") }{ parsed.as_ref().err().cloned().unwrap_or_default() }</p> }
        }
        Some(Err(errors)) => html! {
            <ul class="errors" id="compile-errors">
                { for errors.iter().map(|e| html! {
                    <li class="error" data-pointer={e.pointer.clone()}>
                        <code>{ &e.pointer }</code>{ " " }{ lang.pick(&e.message) }{ " — " }{ lang.pick(&e.hint) }
                    </li>
                }) }
            </ul>
        },
        Some(Ok(t)) => {
            let (unit, records) = &*preview_data;
            let form = ybt_core::prefill(t, unit, records);
            let findings = review::duplicates::find(t, &catalog, &live);
            // Rows of the sample village stand in for a village's rows.
            let rows = if t.subject.entity == "org_unit" { 1.0 } else { form.rows.len() as f64 };
            let minutes = review::estimate_minutes(&t.burden, rows);
            html! {
                <>
                    <p id="burden" data-prefilled={t.burden.prefilled.to_string()} data-new={t.burden.new.to_string()} data-minutes={minutes.to_string()} class="meta" aria-live="polite">
                        { tr(lang, "可编译。", "Compiles. ") }
                        { format!("{} {} · {} {} · {} {}", t.burden.prefilled, tr(lang, "项自动填入", "pre-filled"), t.burden.new, tr(lang, "项需填写", "to enter"), t.burden.computed, tr(lang, "项自动计算", "computed")) }
                        { format!(" · {} {minutes} {}（{} {}）", tr(lang, "预计每村用时", "about"), tr(lang, "分钟", "minutes per village"), form.rows.len(), tr(lang, "行，示例村", "rows in the sample village")) }
                    </p>
                    <h3>{ tr(lang, "重复检查", "Duplicate check") }{ format!(" ({})", findings.len()) }</h3>
                    <div id="findings"><FindingList lang={lang} findings={findings} on_bind={on_bind.clone()} link_templates={true} /></div>
                    <h3>{ tr(lang, "预览：示例村（合成数据）", "Preview: sample village (synthetic data)") }</h3>
                    <div class="table-wrap">
                        <table class="form-table" id="preview">
                            <thead><tr>
                                { for t.fields.iter().map(|f| {
                                    let class = match f.source { FieldSource::Ledger { .. } => "prefilled", FieldSource::New => "new", FieldSource::Computed { .. } => "computed" };
                                    html! { <th class={class}>{ &f.title }</th> }
                                }) }
                            </tr></thead>
                            <tbody>
                                { for form.rows.iter().take(5).map(|row| html! {
                                    <tr>{ for t.fields.iter().map(|f| {
                                        let class = match f.source { FieldSource::Ledger { .. } => "cell prefilled", FieldSource::New => "cell new", FieldSource::Computed { .. } => "cell computed" };
                                        let text = row.values.get(&f.key).map(|v| match v { Value::String(s) => s.clone(), other => other.to_string() }).unwrap_or_default();
                                        html! { <td class={class}>{ text }</td> }
                                    }) }</tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    <p class="meta">{ format!("{} {}", form.rows.len(), tr(lang, "行（示例村）", "rows (sample village)")) }</p>
                </>
            }
        }
    };

    let field_list = match &parsed {
        Ok(doc) => {
            let keys: Vec<(String, String, &'static str)> = doc
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| {
                            let kind = if v.get("x-ledger").is_some() {
                                "prefilled"
                            } else if v.get("x-compute").is_some() {
                                "computed"
                            } else {
                                "new"
                            };
                            (k.clone(), v.get("title").and_then(Value::as_str).unwrap_or(k).to_owned(), kind)
                        })
                        .collect()
                })
                .unwrap_or_default();
            html! {
                <ul class="fields" id="field-list">
                    { for keys.into_iter().map(|(key, title, kind)| html! {
                        <li class={format!("field {kind}")} data-key={key.clone()}>
                            { title }{ " " }<code>{ key.clone() }</code>
                            <button class="remove" onclick={remove(key)}>{ tr(lang, "删除", "Remove") }</button>
                        </li>
                    }) }
                </ul>
            }
        }
        Err(_) => html! {},
    };

    html! {
        <>
            <section class="panel builder">
                <h2>{ tr(lang, "设计报表模板", "Design a report template") }</h2>
                <div class="row">
                    <label>{ tr(lang, "模板编号", "Template id") }<input id="tpl-id" value={(*id).clone()} placeholder="aid-survey" oninput={let s = id.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                    <label>{ tr(lang, "报表名称", "Title") }<input id="tpl-title" value={(*title).clone()} oninput={let s = title.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                    <label>{ tr(lang, "每行对象", "One row per") }
                        <select id="tpl-entity" onchange={let s = entity.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            { for entities.iter().map(|e| html! { <option value={e.clone()} selected={*e == *entity}>{ e.clone() }</option> }) }
                        </select>
                    </label>
                    <label>{ tr(lang, "标签筛选（可空）", "Tag filter (optional)") }<input id="tpl-tag" value={(*tag).clone()} placeholder="低保" oninput={let s = tag.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                    <button class="primary" id="tpl-new" onclick={on_new}>{ tr(lang, "新建空白模板", "Start a blank template") }</button>
                    <label>{ tr(lang, "或上传 JSON Schema", "or upload a JSON Schema") }<input type="file" id="tpl-upload" accept=".json,application/json" onchange={on_upload} /></label>
                </div>
                <div class="columns">
                    <div>
                        <h3>{ tr(lang, "从台账目录选择", "Pick from the ledger catalog") }</h3>
                        <input id="catalog-search" placeholder={tr(lang, "按中文名称搜索，如 身份证", "search by Chinese title, e.g. 身份证")} value={(*search).clone()}
                            oninput={let s = search.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                        <ul class="catalog" id="catalog">
                            { for matches.iter().map(|item| html! {
                                <li class="catalog-item" data-item={item.name.clone()}>
                                    { &item.title }{ " " }<code>{ &item.name }</code>
                                    <button class="add" onclick={add_item(item.name.clone())}>{ tr(lang, "添加", "Add") }</button>
                                </li>
                            }) }
                        </ul>
                        <h3>{ tr(lang, "新增填报字段", "Add a new field") }</h3>
                        <div class="new-field">
                            <label>{ tr(lang, "字段名（英文）", "Key") }<input id="nf-key" value={spec.key.clone()} oninput={spec_input(|s, v| s.key = v)} /></label>
                            <label>{ tr(lang, "中文名称", "Title") }<input id="nf-title" value={spec.title.clone()} oninput={spec_input(|s, v| s.title = v)} /></label>
                            <label>{ tr(lang, "类型", "Type") }
                                <select id="nf-kind" onchange={on_kind}>
                                    { for NewFieldType::ALL.iter().map(|k| {
                                        let value = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                                        html! { <option value={value} selected={spec.kind == Some(*k)}>{ lang.pick(&k.title()) }</option> }
                                    }) }
                                </select>
                            </label>
                            <label>{ tr(lang, "最小值", "Minimum") }<input id="nf-min" value={spec.minimum.clone()} oninput={spec_input(|s, v| s.minimum = v)} /></label>
                            <label>{ tr(lang, "最大值", "Maximum") }<input id="nf-max" value={spec.maximum.clone()} oninput={spec_input(|s, v| s.maximum = v)} /></label>
                            <label>{ tr(lang, "最大长度", "Max length") }<input id="nf-maxlen" value={spec.max_length.clone()} oninput={spec_input(|s, v| s.max_length = v)} /></label>
                            <label>{ tr(lang, "选项（逗号分隔）", "Options (comma-separated)") }<input id="nf-options" value={spec.options.clone()} oninput={spec_input(|s, v| s.options = v)} /></label>
                            <label class="check"><input type="checkbox" id="nf-required" checked={spec.required} onchange={on_required} />{ tr(lang, "必填", "Required") }</label>
                            <button class="primary" id="nf-add" onclick={on_add_field}>{ tr(lang, "添加字段", "Add field") }</button>
                        </div>
                        { errors_list(lang, &spec_errors, "field-errors") }
                        <h3>{ tr(lang, "已选字段", "Fields") }</h3>
                        { field_list }
                    </div>
                    <div>
                        <h3>{ tr(lang, "模板（JSON Schema，可直接编辑）", "Template (JSON Schema, editable)") }</h3>
                        <textarea id="template-json" rows="18" value={(*doc_text).clone()} oninput={on_text} />
                    </div>
                </div>
                <h3>{ tr(lang, "检查结果", "Check") }</h3>
                { analysis }
                <button class="primary" id="publish" onclick={on_publish} disabled={!matches!(compiled, Some(Ok(_)))}>
                    { tr(lang, "提交协同中心准入审核", "File for review by the town centre") }
                </button>
                <div id="publish-result">
                    { match &*result {
                        Some(Ok(r)) => html! { <p class="done">{ tr(lang, "已提交审核：", "Filed for review: ") }<code>{ &r.template_id }</code>{ format!(" v{}", r.version) }</p> },
                        Some(Err(ApiFailure::Server(body))) => html! {
                            <>
                                <p class="error" role="alert">{ lang.pick(&body.error.message) }</p>
                                { errors_list(lang, &body.error.fields, "publish-errors") }
                            </>
                        },
                        Some(Err(e)) => html! { <p class="error" role="alert">{ lang.pick(&e.message()) }</p> },
                        None => html! {},
                    } }
                </div>
            </section>
            <section class="panel" id="live-templates">
                <h2>{ tr(lang, "在用报表（重复检查的比对对象）", "Live templates (what the duplicate check compares with)") }</h2>
                { for live.iter().map(|t| html! {
                    <details id={format!("live-{}", t.id)} class="live-template">
                        <summary>{ format!("《{}》 {} v{} · {}", t.title, t.id, t.version, t.department) }</summary>
                        <ul>{ for t.fields.iter().map(|f| html! { <li>{ &f.title }{ " " }<code>{ &f.key }</code></li> }) }</ul>
                    </details>
                }) }
            </section>
            <section class="panel">
                <h2>{ tr(lang, "本部门的准入申请", "Our requests") }
                    <button id="refresh-requests" onclick={let r = reload.clone(); Callback::from(move |_: MouseEvent| r.set(*r + 1))}>{ tr(lang, "刷新", "Refresh") }</button></h2>
                <ul class="requests" id="my-requests">
                    { for requests.iter().map(|r| html! {
                        <li data-request={r.id.clone()} data-template={r.template_id.clone()}>
                            <strong>{ &r.title }</strong>{ format!(" {} v{} ", r.template_id, r.version) }
                            <span class={status_class(r)}>{ lang.pick(&r.status.title()) }</span>
                            { for r.reason.iter().map(|reason| html! { <span class="reason">{ tr(lang, " 理由：", " Reason: ") }{ reason }</span> }) }
                            <span class="meta">{ format!(" {} {}", ybt_core::time::beijing(&r.submitted_at), r.decided_by.clone().unwrap_or_default()) }</span>
                        </li>
                    }) }
                </ul>
            </section>
        </>
    }
}
