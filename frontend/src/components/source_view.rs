//! The template as JSON text beside the builder: line numbers, and each
//! problem (a syntax error, or a compile error found by its JSON pointer)
//! marked at its line and listed below with a button that selects the line.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{Lang, tr};

/// One problem to show at a line.
#[derive(Clone, PartialEq)]
pub struct LineProblem {
    /// 1-based; `None` when no line could be found.
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub text: AttrValue,
    pub problems: Vec<LineProblem>,
    pub on_input: Callback<String>,
}

/// Selects line `line` of the text area and scrolls it into view.
fn select_line(area: &web_sys::HtmlTextAreaElement, line: usize) {
    let text = area.value();
    let mut start = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        // Offsets in UTF-16 units, as the DOM counts them.
        let len = l.encode_utf16().count();
        if i + 1 == line {
            let _ = area.focus();
            let _ = area.set_selection_range(start as u32, (start + len) as u32);
            let line_height = 20.0;
            area.set_scroll_top(((line.saturating_sub(3)) as f64 * line_height) as i32);
            return;
        }
        start += len + 1;
    }
}

#[function_component(SourceView)]
pub fn source_view(props: &Props) -> Html {
    let lang = props.lang;
    let area = use_node_ref();
    let gutter = use_node_ref();
    let lines = props.text.split('\n').count().max(1);
    let bad: Vec<usize> = props.problems.iter().filter_map(|p| p.line).collect();
    let on_scroll = {
        let (area, gutter) = (area.clone(), gutter.clone());
        Callback::from(move |_: Event| {
            if let (Some(a), Some(g)) = (area.cast::<web_sys::HtmlElement>(), gutter.cast::<web_sys::HtmlElement>()) {
                g.set_scroll_top(a.scroll_top());
            }
        })
    };
    let on_input = {
        let cb = props.on_input.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
                cb.emit(t.value());
            }
        })
    };
    let go = |line: usize| {
        let area = area.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = area.cast::<web_sys::HtmlTextAreaElement>() {
                select_line(&a, line);
            }
        })
    };
    html! {
        <div class="source-view">
            <div class="source-box">
                <div class="gutter" ref={gutter} aria-hidden="true">
                    { for (1..=lines).map(|n| html! {
                        <span class={classes!("ln", bad.contains(&n).then_some("bad"))} data-line={n.to_string()}>{ n }</span>
                    }) }
                </div>
                <textarea id="template-json" ref={area.clone()} spellcheck="false" wrap="off" value={props.text.clone()}
                    aria-label={tr(lang, "模板源文本（JSON，可直接编辑）", "Template source (JSON, editable)")}
                    aria-describedby="source-problems" oninput={on_input} onscroll={on_scroll} />
            </div>
            <ul class="errors source-problems" id="source-problems" aria-live="polite">
                { for props.problems.iter().map(|p| html! {
                    <li class="error" data-line={p.line.map(|l| l.to_string()).unwrap_or_default()}>
                        { match p.line {
                            Some(line) => html! { <button type="button" class="line-link" onclick={go(line)}>{ format!("{} {line} {}", tr(lang, "第", "line"), tr(lang, "行", "")) }</button> },
                            None => html! {},
                        } }
                        { " " }{ &p.message }
                        if !p.hint.is_empty() { <span class="hint">{ " — " }{ &p.hint }</span> }
                    </li>
                }) }
            </ul>
        </div>
    }
}
