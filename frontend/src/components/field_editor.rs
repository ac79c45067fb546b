//! The form that adds a field to a template or edits one: every feature of
//! the template language an analyst needs without writing JSON — type,
//! ready-made formats (银行卡号, 统一社会信用代码 …) or an own pattern,
//! bounds, options, a formula checked as it is typed, help text, width,
//! order, required, write-back and sensitivity. Core's builder turns the
//! form into the property and says what is wrong, per input.

use ybt_core::FieldError;
use ybt_core::builder::presets::{self, PRESETS};
use ybt_core::builder::{NewFieldSpec, NewFieldType};
use yew::prelude::*;

use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub spec: NewFieldSpec,
    /// The key of the field being edited; `None` when adding.
    pub editing: Option<String>,
    /// Problems per input (`/key`, `/formula`, …).
    pub errors: Vec<FieldError>,
    /// The template's other fields (key, title), for the formula's help.
    pub fields: Vec<(String, String)>,
    pub on_change: Callback<NewFieldSpec>,
    pub on_submit: Callback<()>,
    pub on_cancel: Callback<()>,
}

fn value_of(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}

/// A `<select>` whose shown choice follows `value` when the state changes
/// it (a reset, an edit started): the `selected` attribute alone does not
/// move a choice the person already changed.
#[hook]
pub fn use_select_value(value: String) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(value, move |value| {
            if let Some(select) = node.cast::<web_sys::HtmlSelectElement>()
                && select.value() != *value
            {
                select.set_value(value);
            }
        });
    }
    node
}

#[function_component(FieldEditor)]
pub fn field_editor(props: &Props) -> Html {
    let lang = props.lang;
    let spec = &props.spec;
    let kind_ref = use_select_value(spec.kind.map(|k| k.as_str().to_owned()).unwrap_or_default());
    let preset_ref = use_select_value(spec.preset.clone());
    let bound = !spec.ledger.is_empty();
    let error_of = |pointer: &str| props.errors.iter().find(|e| e.pointer == pointer).map(|e| lang.pick(&e.message).to_owned());
    let text = |id: &'static str,
                pointer: &'static str,
                label: &'static str,
                label_en: &'static str,
                value: String,
                set: fn(&mut NewFieldSpec, String),
                extra: Html| {
        let (spec, cb) = (props.spec.clone(), props.on_change.clone());
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = spec.clone();
            set(&mut next, value_of(&e));
            cb.emit(next);
        });
        let error = error_of(pointer);
        let err_id = format!("{id}-error");
        html! {
            <label class={classes!("nf", error.is_some().then_some("invalid"))}>
                <span>{ tr(lang, label, label_en) }</span>
                <input id={id} value={value} {oninput} aria-invalid={error.is_some().to_string()} aria-describedby={err_id.clone()} />
                { extra }
                <span class="field-error" id={err_id}>{ error.unwrap_or_default() }</span>
            </label>
        }
    };
    let check = |id: &'static str, label: &'static str, label_en: &'static str, checked: bool, set: fn(&mut NewFieldSpec, bool)| {
        let (spec, cb) = (props.spec.clone(), props.on_change.clone());
        let onchange = Callback::from(move |e: Event| {
            let mut next = spec.clone();
            set(&mut next, e.target_unchecked_into::<web_sys::HtmlInputElement>().checked());
            cb.emit(next);
        });
        html! { <label class="check"><input type="checkbox" id={id} {checked} {onchange} />{ tr(lang, label, label_en) }</label> }
    };
    let on_kind = {
        let (spec, cb) = (props.spec.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let kind = NewFieldType::parse(&e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
            cb.emit(NewFieldSpec { kind, ..spec.clone() });
        })
    };
    let on_preset = {
        let (spec, cb) = (props.spec.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let preset = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            // A preset of personal data (a bank card number) marks the field sensitive.
            let sensitive = spec.sensitive || presets::by_id(&preset).is_some_and(|p| p.sensitive);
            cb.emit(NewFieldSpec { preset, sensitive, ..spec.clone() });
        })
    };
    let on_submit = {
        let cb = props.on_submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(());
        })
    };
    let kind = spec.kind;
    let is = |k: NewFieldType| kind == Some(k);
    let heading = match (&props.editing, bound) {
        (Some(key), true) => format!("{}「{}」（{}）", tr(lang, "编辑台账字段", "Edit ledger field"), spec.title, key),
        (Some(key), false) => format!("{}「{}」（{}）", tr(lang, "编辑字段", "Edit field"), spec.title, key),
        (None, _) => tr(lang, "新增填报字段", "Add a new field").to_owned(),
    };
    let preset_expected = presets::by_id(&spec.preset).map(|p| lang.pick(&p.expected()).to_owned());
    let formula_fields = props
        .fields
        .iter()
        .filter(|(k, _)| Some(k) != props.editing.as_ref())
        .map(|(k, t)| format!("{t} {k}"))
        .collect::<Vec<_>>()
        .join("、");
    html! {
        <form class={classes!("field-editor", props.editing.is_some().then_some("editing"))} id="field-editor" onsubmit={on_submit} novalidate=true>
            <h3 id="field-editor-title">{ heading }</h3>
            if bound {
                <p class="meta">{ tr(lang, "此字段由台账预填，类型和格式随台账；可改名称、说明、宽度、顺序和必填。", "Pre-filled from the ledger: its type and format follow the ledger; title, help, width, order and required are yours.") }{ " " }<code>{ &spec.ledger }</code></p>
            }
            <div class="nf-grid">
                { text("nf-title", "/title", "中文名称（村里看到的列名）", "Title (what villages read)", spec.title.clone(), |s, v| s.title = v, html! {}) }
                { text("nf-key", "/key", "字段名（英文小写，如 aid_amount）", "Key (lowercase, e.g. aid_amount)", spec.key.clone(), |s, v| s.key = v, html! {}) }
                if !bound {
                    <label class="nf">
                        <span>{ tr(lang, "类型", "Type") }</span>
                        <select id="nf-kind" ref={kind_ref} onchange={on_kind}>
                            { for NewFieldType::ALL.iter().map(|k| html! {
                                <option value={k.as_str()} selected={kind == Some(*k)}>{ lang.pick(&k.title()) }</option>
                            }) }
                        </select>
                    </label>
                }
                if is(NewFieldType::Text) {
                    <label class="nf">
                        <span>{ tr(lang, "格式", "Format") }</span>
                        <select id="nf-preset" ref={preset_ref} onchange={on_preset} aria-describedby="nf-preset-expected">
                            <option value="" selected={spec.preset.is_empty()}>{ tr(lang, "不限（任意文字）", "Any text") }</option>
                            { for PRESETS.iter().map(|p| html! {
                                <option value={p.id} selected={spec.preset == p.id}>{ lang.pick(&p.title()) }</option>
                            }) }
                            <option value={presets::CUSTOM} selected={spec.preset == presets::CUSTOM}>{ tr(lang, "自定义（正则表达式）", "Custom (regex)") }</option>
                        </select>
                        <span class="meta" id="nf-preset-expected">{ preset_expected.unwrap_or_default() }</span>
                    </label>
                    if spec.preset == presets::CUSTOM {
                        { text("nf-pattern", "/pattern", "自定义格式（正则表达式，如 ^[0-9]{8}$）", "Pattern (regex, e.g. ^[0-9]{8}$)", spec.pattern.clone(), |s, v| s.pattern = v, html! {}) }
                    }
                    { text("nf-maxlen", "/max_length", "最多字数", "Max length", spec.max_length.clone(), |s, v| s.max_length = v, html! {}) }
                }
                if is(NewFieldType::Integer) || is(NewFieldType::Number) {
                    { text("nf-min", "/minimum", "最小值", "Minimum", spec.minimum.clone(), |s, v| s.minimum = v, html! {}) }
                    { text("nf-max", "/maximum", "最大值", "Maximum", spec.maximum.clone(), |s, v| s.maximum = v, html! {}) }
                }
                if is(NewFieldType::Choice) {
                    { text("nf-options", "/options", "选项（用顿号或逗号分隔，如 因病、因灾、其他）", "Options (comma-separated)", spec.options.clone(), |s, v| s.options = v, html! {}) }
                }
                if is(NewFieldType::Computed) {
                    { text("nf-formula", "/formula", "计算公式（边输入边检查）", "Formula (checked as you type)", spec.formula.clone(), |s, v| s.formula = v,
                        html! { <span class="meta formula-help">{ tr(lang, "可用字段：", "Fields: ") }{ formula_fields.clone() }{ tr(lang, "。例：round(income / members, 2)、if(age >= 80, '高龄', '')、age(id_number)", ". E.g. round(income / members, 2)") }</span> }) }
                }
                { text("nf-help", "/help", "填写说明（显示在输入框旁）", "Help text (beside the input)", spec.help.clone(), |s, v| s.help = v, html! {}) }
                { text("nf-width", "/width", "列宽（字符数 1–100，可空）", "Width (characters, optional)", spec.width.clone(), |s, v| s.width = v, html! {}) }
                { text("nf-order", "/order", "顺序（整数，可空）", "Order (integer, optional)", spec.order.clone(), |s, v| s.order = v, html! {}) }
            </div>
            <div class="nf-checks">
                if !is(NewFieldType::Computed) {
                    { check("nf-required", "必填", "Required", spec.required, |s, v| s.required = v) }
                }
                if is(NewFieldType::Text) {
                    { check("nf-multiline", "多行文字", "Several lines", spec.multiline, |s, v| s.multiline = v) }
                }
                if !bound && !is(NewFieldType::Computed) {
                    { check("nf-writeback", "回写台账（提交后更新台账同名数据项）", "Write back to the ledger", spec.writeback, |s, v| s.writeback = v) }
                }
                if !bound {
                    { check("nf-sensitive", "敏感个人信息（如银行卡号：按权限脱敏显示）", "Sensitive personal data (masked by grant)", spec.sensitive, |s, v| s.sensitive = v) }
                }
            </div>
            <ul class="errors" id="field-errors" aria-live="polite">
                { for props.errors.iter().map(|e| html! {
                    <li class="error" data-pointer={e.pointer.clone()} data-code={e.code.clone()}>{ lang.pick(&e.message) }</li>
                }) }
            </ul>
            <div class="row">
                <button type="submit" class="primary" id="nf-add">
                    { if props.editing.is_some() { tr(lang, "保存修改", "Save changes") } else { tr(lang, "添加字段", "Add field") } }
                </button>
                if props.editing.is_some() {
                    <button type="button" id="nf-cancel" onclick={let cb = props.on_cancel.clone(); Callback::from(move |_: MouseEvent| cb.emit(()))}>{ tr(lang, "取消编辑", "Cancel") }</button>
                }
            </div>
        </form>
    }
}
