//! The report's settings (title, id, version, one row per …, tag or kinds),
//! applied to the text as typed without touching the fields.

use ybt_core::FieldError;
use ybt_core::builder::meta::{self, MetaSpec};
use yew::prelude::*;

use crate::i18n::{Lang, tr};

/// What the settings row shows and how its inputs change the settings.
pub struct Settings<'a> {
    pub lang: Lang,
    pub meta: &'a MetaSpec,
    /// Problems of the settings, at their inputs (`/title`, `/id` …).
    pub errors: &'a [FieldError],
    /// Record types one row can be about: (code, title).
    pub entities: &'a [(String, String)],
    pub entity_ref: NodeRef,
    pub text: &'a dyn Fn(fn(&mut MetaSpec, String)) -> Callback<InputEvent>,
    pub select: &'a dyn Fn(fn(&mut MetaSpec, String)) -> Callback<Event>,
}

pub fn settings_row(s: &Settings<'_>) -> Html {
    let lang = s.lang;
    let meta_input = s.meta;
    let meta_text = s.text;
    let meta_select = s.select;
    let entities = s.entities;
    let entity_ref = s.entity_ref.clone();
    let meta_error = |pointer: &str| s.errors.iter().find(|e| e.pointer == pointer).map(|e| lang.pick(&e.message).to_owned());
    let meta_field = |id: &'static str,
                      pointer: &'static str,
                      zh: &'static str,
                      en: &'static str,
                      value: String,
                      placeholder: &'static str,
                      set: fn(&mut MetaSpec, String)| {
        let error = meta_error(pointer);
        let err_id = format!("{id}-error");
        html! {
            <label class={classes!(error.is_some().then_some("invalid"))}>
                { tr(lang, zh, en) }
                <input id={id} value={value} placeholder={placeholder} oninput={meta_text(set)} aria-invalid={error.is_some().to_string()} aria-describedby={err_id.clone()} />
                <span class="field-error" id={err_id}>{ error.unwrap_or_default() }</span>
            </label>
        }
    };
    html! {
    <div class="row meta-row">
        { meta_field("tpl-title", "/title", "报表名称", "Title", meta_input.title.clone(), "困难群众临时救助摸底表", |m, v| m.title = v) }
        { meta_field("tpl-id", "/id", "模板编号（英文小写和连字符）", "Template id", meta_input.id.clone(), "aid-survey", |m, v| m.id = v) }
        { meta_field("tpl-version", "/version", "版本", "Version", meta_input.version.clone(), "1", |m, v| m.version = v) }
        <label>{ tr(lang, "每行对象", "One row per") }
            <select id="tpl-entity" ref={entity_ref} onchange={meta_select(|m, v| m.entity = v)}>
                { for entities.iter().map(|(code, title)| html! { <option value={code.clone()} selected={*code == meta_input.entity}>{ title.clone() }</option> }) }
                <option value={meta::PICK} selected={meta_input.entity == meta::PICK}>{ tr(lang, "选取模式（应急摸排：村里逐行选取或新增）", "Pick mode (surveys: villages add rows)") }</option>
            </select>
        </label>
        if meta_input.entity == meta::PICK {
            { meta_field("tpl-kinds", "/kinds", "行的种类（顿号分隔，括号里写台账类型）", "Kinds of rows", meta_input.kinds.clone(), "受灾人员（人员）、受损房屋（房屋）、易涝点", |m, v| m.kinds = v) }
        } else {
            { meta_field("tpl-tag", "/tag", "标签筛选（可空，如 低保）", "Tag filter (optional)", meta_input.tag.clone(), "低保", |m, v| m.tag = v) }
        }
    </div>
    }
}
