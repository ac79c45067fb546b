//! For department analysts: build a report template without writing JSON
//! (report settings, ledger items from the catalog, new and computed
//! fields with every feature of the template language, edited and
//! reordered), or upload one, with the source beside it (line numbers,
//! problems at their lines). Core compiles it in the browser on every edit:
//! errors in Chinese with a fix, burden, duplicate findings (issue 17, with
//! the one-click "绑定台账"), and a preview that is the village form itself.
//! Every edit can be undone; the work survives leaving the page (a draft in
//! this browser, removed at sign-out); a filed request can be reopened or
//! downloaded. Below: the department's requests with the centre's decisions.
//!
//! `check` is what core says of the text (parsed and compiled once per
//! change), `settings` the report's settings, `fields` the list of fields and the catalog, `lists` the live
//! templates and our requests, `files` the draft kept in this browser and
//! downloads.

mod check;
mod fields;
mod files;
mod lists;
mod settings;

use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::{Me, PublishRequest, TemplateRequest};
use ybt_core::builder::meta::{self, MetaSpec};
use ybt_core::builder::undo::Undo;
use ybt_core::builder::{self, NewFieldSpec, NewFieldType, source};
use ybt_core::review::LiveTemplate;
use ybt_core::{Catalog, FieldError};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::field_editor::{FieldEditor, use_select_value};
use crate::components::source_view::SourceView;
use crate::hooks::use_focus_after_render;
use crate::i18n::{Lang, tr};
use check::{Analysis, Shared};
use files::{download, draft_key, pretty, storage};
use lists::{LiveTemplates, OurRequests};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()
}

/// What the status line says after an edit, and whether 撤销 is offered.
#[derive(Clone, PartialEq, Default)]
struct Notice {
    text: String,
    undoable: bool,
}

#[function_component(AuthoringPage)]
pub fn authoring_page(props: &Props) -> Html {
    let lang = props.lang;
    let department = props.me.user.department.clone().unwrap_or_default();
    let username = props.me.user.username.clone();
    let catalog = use_memo((), |_| Rc::new(Catalog::builtin().unwrap_or_default()));
    // The template text; restored from this browser's draft when there is one.
    let restored = use_state(|| false);
    let doc_text = {
        let (department, username, restored) = (department.clone(), username.clone(), restored.clone());
        use_state(move || {
            let (text, was_saved) = files::initial_text(&username, &department);
            if was_saved {
                restored.set(true);
            }
            text
        })
    };
    let undo = use_mut_ref(Undo::default);
    // Set by a builder edit: the next stretch of typing in the source is one undo step.
    let typed_since_edit = use_mut_ref(|| false);
    // The control to focus after the next render (a moved field's button).
    let focus_next = use_focus_after_render();
    let notice = use_state(Notice::default);
    let meta_input = {
        let (doc_text, catalog) = (doc_text.clone(), catalog.clone());
        use_state(move || source::parse(&doc_text).map(|d| meta::meta_of(&d, &catalog)).unwrap_or_default())
    };
    let meta_errors = use_state(Vec::<FieldError>::new);
    // Set while the settings inputs change the text, so the inputs keep what was typed.
    let from_meta = use_mut_ref(|| false);
    let search = use_state(String::new);
    let spec = use_state(|| NewFieldSpec { kind: Some(NewFieldType::Number), ..NewFieldSpec::default() });
    let editing = use_state(|| None::<String>);
    let spec_errors = use_state(Vec::<FieldError>::new);
    // The idempotency key of a filing, and the text it was made for.
    let request_id = use_state(|| (String::new(), String::new()));
    let result = use_state(|| None::<Result<TemplateRequest, ApiFailure>>);
    // Bumped after each filing: the list of our requests is read again.
    let filed = use_state(|| 0u32);
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
    // Keep the draft in this browser, and the settings inputs in step with the text.
    {
        let (username, meta_input, catalog, from_meta) = (username.clone(), meta_input.clone(), catalog.clone(), from_meta.clone());
        use_effect_with((*doc_text).clone(), move |text| {
            if let Some(s) = storage() {
                let _ = s.set_item(&draft_key(&username), text);
            }
            if !std::mem::replace(&mut *from_meta.borrow_mut(), false)
                && let Ok(doc) = source::parse(text)
            {
                meta_input.set(meta::meta_of(&doc, &catalog));
            }
        });
    }

    // Parsed and compiled when the text changes, not on every render.
    let checked = {
        let catalog = catalog.clone();
        use_memo((*doc_text).clone(), move |text| check::Checked::of(text, &catalog))
    };
    let parsed = &checked.parsed;
    let entities = builder::entities(&catalog);

    // Every change of the text goes through here: the text before it is kept for 撤销.
    let set_text = {
        let (doc_text, undo, notice, typed) = (doc_text.clone(), undo.clone(), notice.clone(), typed_since_edit.clone());
        Rc::new(move |text: String, said: Option<String>| {
            *typed.borrow_mut() = false;
            if text != *doc_text {
                undo.borrow_mut().record(&doc_text);
                doc_text.set(text);
            }
            notice.set(Notice { undoable: said.is_some(), text: said.unwrap_or_default() });
        })
    };
    // A builder edit on the parsed document.
    let edit = {
        let (doc_text, set_text) = (doc_text.clone(), set_text.clone());
        Rc::new(move |f: &dyn Fn(&mut Value) -> Option<String>| {
            if let Ok(mut doc) = source::parse(&doc_text) {
                let said = f(&mut doc);
                set_text(pretty(&doc), said);
            }
        })
    };
    let on_undo = {
        let (doc_text, undo, notice) = (doc_text.clone(), undo.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let previous = undo.borrow_mut().undo(&doc_text);
            if let Some(previous) = previous {
                doc_text.set(previous);
                notice.set(Notice { text: tr(lang, "已撤销", "Undone").to_owned(), undoable: false });
            }
        })
    };
    let on_redo = {
        let (doc_text, undo, notice) = (doc_text.clone(), undo.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let next = undo.borrow_mut().redo(&doc_text);
            if let Some(next) = next {
                doc_text.set(next);
                notice.set(Notice { text: tr(lang, "已重做", "Redone").to_owned(), undoable: true });
            }
        })
    };
    let on_meta = |set: fn(&mut MetaSpec, String)| {
        let (meta_input, meta_errors, doc_text, catalog, department, from_meta) =
            (meta_input.clone(), meta_errors.clone(), doc_text.clone(), catalog.clone(), department.clone(), from_meta.clone());
        move |value: String| {
            let mut next = (*meta_input).clone();
            set(&mut next, value);
            meta_input.set(next.clone());
            let Ok(mut doc) = source::parse(&doc_text) else { return };
            match meta::apply_meta(&mut doc, &next, &department, &catalog) {
                Ok(()) => {
                    meta_errors.set(Vec::new());
                    let text = pretty(&doc);
                    if text != *doc_text {
                        *from_meta.borrow_mut() = true;
                        doc_text.set(text);
                    }
                }
                Err(errors) => meta_errors.set(errors),
            }
        }
    };
    let meta_text = |set: fn(&mut MetaSpec, String)| {
        let f = on_meta(set);
        Callback::from(move |e: InputEvent| f(input_value(&e)))
    };
    let meta_select = |set: fn(&mut MetaSpec, String)| {
        let f = on_meta(set);
        Callback::from(move |e: Event| f(select_value(&e)))
    };
    let on_new = {
        let (set_text, meta_input, department, catalog) = (set_text.clone(), meta_input.clone(), department.clone(), catalog.clone());
        Callback::from(move |_: MouseEvent| {
            let m = &*meta_input;
            let mut doc = builder::blank(m.id.trim(), m.title.trim(), &department, "person", "");
            let _ = meta::apply_meta(&mut doc, m, &department, &catalog);
            set_text(
                pretty(&doc),
                Some(tr(lang, "已新建空白模板（原有字段可撤销找回）", "Started a blank template (undo brings the fields back)").to_owned()),
            );
        })
    };
    let add_item = |name: String| {
        let (edit, catalog, notice) = (edit.clone(), catalog.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(item) = catalog.get(&name) else { return };
            let refused = std::cell::RefCell::new(None);
            edit(&|doc: &mut Value| match builder::add_ledger_item(doc, item) {
                Ok(_) => Some(format!("{}「{}」", tr(lang, "已添加", "Added"), item.title)),
                Err(e) => {
                    *refused.borrow_mut() = Some(lang.pick(&e.message).to_owned());
                    None
                }
            });
            if let Some(text) = refused.into_inner() {
                notice.set(Notice { text, undoable: false });
            }
        })
    };
    let on_bind = {
        let (edit, catalog) = (edit.clone(), catalog.clone());
        Callback::from(move |(key, name): (String, String)| {
            if let Some(item) = catalog.get(&name) {
                edit(&|doc: &mut Value| {
                    builder::bind_to_ledger(doc, &key, item).then(|| format!("{}「{}」", tr(lang, "已绑定台账", "Bound to"), item.title))
                });
            }
        })
    };
    let remove = |key: String, title: String| {
        let (edit, editing) = (edit.clone(), editing.clone());
        Callback::from(move |_: MouseEvent| {
            edit(&|doc: &mut Value| {
                builder::remove_property(doc, &key);
                Some(format!("{}「{title}」", tr(lang, "已删除", "Removed")))
            });
            if editing.as_deref() == Some(key.as_str()) {
                editing.set(None);
            }
        })
    };
    let move_field = |key: String, title: String, up: bool| {
        let (edit, focus_next) = (edit.clone(), focus_next.clone());
        Callback::from(move |_: MouseEvent| {
            edit(&|doc: &mut Value| {
                builder::move_field(doc, &key, up)
                    .then(|| format!("「{title}」{}", if up { tr(lang, "已上移", " moved up") } else { tr(lang, "已下移", " moved down") }))
            });
            // Keep the keyboard where it was: on the same button of the moved field.
            *focus_next.borrow_mut() = Some(format!("{}-{key}", if up { "up" } else { "down" }));
        })
    };
    let start_edit = |key: String| {
        let (doc_text, spec, editing, spec_errors) = (doc_text.clone(), spec.clone(), editing.clone(), spec_errors.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(found) = source::parse(&doc_text).ok().and_then(|d| builder::field_spec(&d, &key)) {
                spec.set(found);
                editing.set(Some(key.clone()));
                spec_errors.set(Vec::new());
                if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("nf-title"))
                    && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
                {
                    let _ = el.focus();
                }
            }
        })
    };
    let on_field_submit = {
        let (doc_text, set_text, spec, editing, spec_errors) =
            (doc_text.clone(), set_text.clone(), spec.clone(), editing.clone(), spec_errors.clone());
        Callback::from(move |()| {
            let Ok(mut doc) = source::parse(&doc_text) else { return };
            let applied = match editing.as_deref() {
                Some(old) => builder::update_field(&mut doc, old, &spec),
                None => builder::add_field(&mut doc, &spec),
            };
            match applied {
                Ok(()) => {
                    let said = match editing.as_deref() {
                        Some(_) => format!("{}「{}」", tr(lang, "已保存", "Saved"), spec.title.trim()),
                        None => format!("{}「{}」", tr(lang, "已添加", "Added"), spec.title.trim()),
                    };
                    set_text(pretty(&doc), Some(said));
                    spec_errors.set(Vec::new());
                    let kind = if editing.is_some() { Some(NewFieldType::Number) } else { spec.kind };
                    spec.set(NewFieldSpec { kind, ..NewFieldSpec::default() });
                    editing.set(None);
                }
                Err(errors) => spec_errors.set(errors),
            }
        })
    };
    let on_field_cancel = {
        let (spec, editing, spec_errors) = (spec.clone(), editing.clone(), spec_errors.clone());
        Callback::from(move |()| {
            editing.set(None);
            spec_errors.set(Vec::new());
            spec.set(NewFieldSpec { kind: Some(NewFieldType::Number), ..NewFieldSpec::default() });
        })
    };
    let on_spec = {
        let spec = spec.clone();
        Callback::from(move |next: NewFieldSpec| spec.set(next))
    };
    let on_source = {
        let (doc_text, undo, typed) = (doc_text.clone(), undo.clone(), typed_since_edit.clone());
        Callback::from(move |text: String| {
            // One undo step for a stretch of typing in the source.
            if !std::mem::replace(&mut *typed.borrow_mut(), true) {
                undo.borrow_mut().record(&doc_text);
            }
            doc_text.set(text);
        })
    };
    let on_upload = {
        let set_text = set_text.clone();
        Callback::from(move |e: Event| {
            let set_text = set_text.clone();
            files::read_chosen(&e, move |text| {
                set_text(text, Some(tr(lang, "已载入上传的模板", "Loaded the uploaded template").to_owned()))
            });
        })
    };
    let on_publish = {
        let (doc_text, request_id, result, filed) = (doc_text.clone(), request_id.clone(), result.clone(), filed.clone());
        Callback::from(move |_: MouseEvent| {
            let Ok(document) = source::parse(&doc_text) else { return };
            // A retry of the same text reuses its id: filed at most once.
            let id = if request_id.1 == *doc_text && !request_id.0.is_empty() { request_id.0.clone() } else { api::new_id() };
            request_id.set((id.clone(), (*doc_text).clone()));
            let (result, filed) = (result.clone(), filed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::file_template(&PublishRequest { request_id: id, document }).await;
                result.set(Some(answer));
                filed.set(*filed + 1);
            });
        })
    };
    // A filed request reopened (its text replaces the one being built).
    let on_reopen = {
        let set_text = set_text.clone();
        Callback::from(move |(document, label): (Value, String)| {
            set_text(
                pretty(&document),
                Some(format!("{}{label}{}", tr(lang, "已打开 ", "Opened "), tr(lang, "，可修改后再次提交", "; change it and file again"))),
            )
        })
    };
    let on_request_failed = {
        let notice = notice.clone();
        Callback::from(move |text: String| notice.set(Notice { text, undoable: false }))
    };

    let hits = builder::search_hits(&catalog, &meta_input.entity, &search);
    let doc = parsed.as_ref().ok();

    // The version must be newer than the published one: said while authoring.
    let version_problem = doc.and_then(|d| check::version_problem(d, &live));
    let on_bump = {
        let f = on_meta(|m, v| m.version = v);
        let next = version_problem.map(|(_, n)| n).unwrap_or(1);
        Callback::from(move |_: MouseEvent| f(next.to_string()))
    };

    // Problems at their lines in the source.
    let line_problems = check::line_problems(lang, &checked);
    let analysis = html! {
        <Analysis {lang} checked={Shared(checked.clone())} catalog={Shared((*catalog).clone())} live={(*live).clone()} on_bind={on_bind.clone()} />
    };
    let preview = check::preview(lang, &checked);

    let field_list = match doc {
        Some(doc) => fields::field_list(
            lang,
            doc,
            editing.as_deref(),
            &catalog,
            &fields::Actions { move_field: &move_field, start_edit: &start_edit, remove: &remove },
        ),
        None => html! { <p class="meta">{ tr(lang, "模板文本有误，改正后显示字段", "Fix the template text to see its fields") }</p> },
    };
    let fields_for_formula = doc.map(fields::titles).unwrap_or_default();
    let field_errors = fields::field_errors(doc, editing.as_deref(), &spec, &spec_errors, &catalog);
    let entity_ref = use_select_value(meta_input.entity.clone());
    let can_undo = undo.borrow().can_undo();
    let can_redo = undo.borrow().can_redo();

    html! {
        <>
            <section class="panel builder">
                <h2>{ tr(lang, "设计报表模板", "Design a report template") }</h2>
                if *restored {
                    <p class="meta" id="draft-restored" role="status">{ tr(lang, "已恢复您上次在本机未完成的模板草稿。", "Restored the template you were working on in this browser.") }</p>
                }
                { settings::settings_row(&settings::Settings {
                    lang,
                    meta: &meta_input,
                    errors: &meta_errors,
                    entities: &entities,
                    entity_ref,
                    text: &meta_text,
                    select: &meta_select,
                }) }
                if let Some((problem, next)) = &version_problem {
                    <p class="error" id="version-problem" role="alert">
                        { lang.pick(&problem.message()) }{ " " }
                        <button type="button" id="version-bump" onclick={on_bump}>{ format!("{} {next}", tr(lang, "改为版本", "Use version")) }</button>
                    </p>
                }
                <div class="row">
                    <button type="button" id="tpl-new" onclick={on_new}>{ tr(lang, "新建空白模板", "Start a blank template") }</button>
                    <label>{ tr(lang, "或上传模板文件（JSON）", "or upload a template (JSON)") }<input type="file" id="tpl-upload" accept=".json,application/json" onchange={on_upload} /></label>
                    <button type="button" id="tpl-download" onclick={let t = doc_text.clone(); Callback::from(move |_: MouseEvent| download("template.json", &t))}>{ tr(lang, "下载模板文件", "Download the template") }</button>
                    <span class="undo-bar">
                        <button type="button" id="undo" disabled={!can_undo} onclick={on_undo.clone()}>{ tr(lang, "撤销", "Undo") }</button>
                        <button type="button" id="redo" disabled={!can_redo} onclick={on_redo}>{ tr(lang, "重做", "Redo") }</button>
                    </span>
                </div>
                <p class="notice" id="builder-notice" role="status" aria-live="polite">
                    { &notice.text }
                    if notice.undoable && can_undo {
                        { " " }<button type="button" class="link" id="notice-undo" onclick={on_undo}>{ tr(lang, "撤销", "Undo") }</button>
                    }
                </p>
                <div class="columns">
                    <div>
                        <h3>{ tr(lang, "已选字段（按表中顺序）", "Fields (in form order)") }</h3>
                        { field_list }
                        <FieldEditor lang={lang} spec={(*spec).clone()} editing={(*editing).clone()} errors={field_errors}
                            fields={fields_for_formula} on_change={on_spec} on_submit={on_field_submit} on_cancel={on_field_cancel} />
                        <h3>{ tr(lang, "从台账目录选择（预填，村里不用再填）", "Pick from the ledger catalog (pre-filled)") }</h3>
                        <input id="catalog-search" aria-label={tr(lang, "搜索台账数据项", "Search the ledger catalog")} placeholder={tr(lang, "按中文名称搜索，如 地址、身份证号码", "search by Chinese name, e.g. 地址")} value={(*search).clone()}
                            oninput={let s = search.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                        { fields::catalog_list(lang, &hits, &doc.map(fields::bound_items).unwrap_or_default(), &add_item) }
                    </div>
                    <div>
                        <h3>{ tr(lang, "模板源文本（可直接编辑，错误显示在所在行）", "Template source (editable; problems at their lines)") }</h3>
                        <SourceView lang={lang} text={AttrValue::from((*doc_text).clone())} problems={line_problems} on_input={on_source} />
                    </div>
                </div>
                <h3>{ tr(lang, "检查结果", "Check") }</h3>
                { analysis }
                { preview }
                <button class="primary" id="publish" onclick={on_publish} disabled={!checked.compiles() || version_problem.is_some()}>
                    { tr(lang, "提交协同中心准入审核", "File for review by the town centre") }
                </button>
                <div id="publish-result">{ lists::publish_result(lang, &result) }</div>
            </section>
            <LiveTemplates {lang} live={(*live).clone()} />
            <OurRequests {lang} filed={*filed} on_reopen={on_reopen} on_failed={on_request_failed} />
        </>
    }
}
