//! What core says of the template text: parsed and compiled once per
//! change of the text (a memo), its problems at their lines, the analysis
//! (burden, duplicate findings) and the preview of the village form.

use std::rc::Rc;

use serde_json::Value;
use ybt_core::builder::source::{self, SyntaxError};
use ybt_core::review::{self, LiveTemplate};
use ybt_core::{Catalog, CompiledTemplate, TemplateError};
use yew::prelude::*;

use crate::components::finding_list::FindingList;
use crate::components::source_view::LineProblem;
use crate::components::template_preview::{TemplatePreview, sample};
use crate::i18n::{Lang, tr};

/// The text as core reads it.
pub struct Checked {
    pub parsed: Result<Value, SyntaxError>,
    /// `None` when the text does not parse.
    pub compiled: Option<Result<CompiledTemplate, Vec<TemplateError>>>,
    /// The line of every JSON pointer (when the text parses).
    pub lines: Vec<(String, usize)>,
}

impl Checked {
    pub fn of(text: &str, catalog: &Catalog) -> Checked {
        let parsed = source::parse(text);
        let compiled = parsed.as_ref().ok().map(|doc| ybt_core::compile(doc, catalog));
        let lines = if parsed.is_ok() { source::pointer_lines(text) } else { Vec::new() };
        Checked { parsed, compiled, lines }
    }

    pub fn compiles(&self) -> bool {
        matches!(self.compiled, Some(Ok(_)))
    }
}

/// The problems of the text at their lines in the source.
pub fn line_problems(lang: Lang, checked: &Checked) -> Vec<LineProblem> {
    match (&checked.parsed, &checked.compiled) {
        (Err(e), _) => {
            vec![LineProblem { line: Some(e.line), message: lang.pick(&e.message).to_owned(), hint: lang.pick(&e.hint).to_owned() }]
        }
        (_, Some(Err(errors))) => errors
            .iter()
            .map(|e| LineProblem {
                line: source::line_of(&checked.lines, &e.pointer),
                message: lang.pick(&e.message).to_owned(),
                hint: lang.pick(&e.hint).to_owned(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Shared data compared by identity (a memo's value changes only with its input).
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct AnalysisProps {
    pub lang: Lang,
    pub checked: Shared<Checked>,
    pub catalog: Shared<Catalog>,
    pub live: Vec<LiveTemplate>,
    /// "绑定台账" on a finding: (field key, ledger item).
    pub on_bind: Callback<(String, String)>,
}

/// The check: errors with their lines and fixes, or the burden and the
/// duplicate findings; rendered again only when the text or the live
/// templates change.
#[function_component(Analysis)]
pub fn analysis(props: &AnalysisProps) -> Html {
    let lang = props.lang;
    let preview_data = use_memo((), |_| sample());
    let checked = &props.checked.0;
    match &checked.compiled {
        None => {
            let e = checked.parsed.as_ref().err();
            html! { <p class="error" id="json-error">{ tr(lang, "模板文本有误：", "The template text has an error: ") }{ e.map(|e| format!("{} — {}", lang.pick(&e.message), lang.pick(&e.hint))).unwrap_or_default() }</p> }
        }
        Some(Err(errors)) => html! {
            <ul class="errors" id="compile-errors">
                { for errors.iter().map(|e| {
                    let line = source::line_of(&checked.lines, &e.pointer);
                    html! {
                        <li class="error" data-pointer={e.pointer.clone()} data-line={line.map(|l| l.to_string()).unwrap_or_default()}>
                            { line.map(|l| format!("{}{l}{}", tr(lang, "第 ", "line "), tr(lang, " 行：", ": "))).unwrap_or_default() }
                            { lang.pick(&e.message) }{ " — " }{ lang.pick(&e.hint) }
                        </li>
                    }
                }) }
            </ul>
        },
        Some(Ok(t)) => {
            let (unit, records) = &*preview_data;
            let form = ybt_core::prefill(t, unit, records);
            let findings = review::duplicates::find(t, &props.catalog.0, &props.live);
            // Rows of the sample village stand in for a village's rows.
            let rows = if t.subject.entity == "org_unit" { 1.0 } else { form.rows.len() as f64 };
            let minutes = review::estimate_minutes(&t.burden, rows);
            html! {
                <>
                    <p id="burden" data-prefilled={t.burden.prefilled.to_string()} data-new={t.burden.new.to_string()} data-computed={t.burden.computed.to_string()} data-minutes={minutes.to_string()} class="meta" aria-live="polite">
                        { tr(lang, "可编译。", "Compiles. ") }
                        { format!("{} {} · {} {} · {} {}", t.burden.prefilled, tr(lang, "项自动填入", "pre-filled"), t.burden.new, tr(lang, "项需填写", "to enter"), t.burden.computed, tr(lang, "项自动计算", "computed")) }
                        { format!(" · {} {minutes} {}（{} {}）", tr(lang, "预计每村用时", "about"), tr(lang, "分钟", "minutes per village"), form.rows.len(), tr(lang, "行，示例村", "rows in the sample village")) }
                    </p>
                    <h3>{ tr(lang, "重复检查", "Duplicate check") }{ format!(" ({})", findings.len()) }</h3>
                    <div id="findings"><FindingList lang={lang} findings={findings} on_bind={props.on_bind.clone()} link_templates={true} /></div>
                </>
            }
        }
    }
}

/// The village form itself, for a template that compiles.
pub fn preview(lang: Lang, checked: &Checked) -> Html {
    match (&checked.compiled, &checked.parsed) {
        (Some(Ok(_)), Ok(doc)) => html! {
            <section class="preview-panel" aria-labelledby="preview-title">
                <h3 id="preview-title">{ tr(lang, "预览：村里看到的表单（示例村，合成数据）", "Preview: the form villages see (sample village, synthetic data)") }</h3>
                <TemplatePreview lang={lang} document={Rc::new(doc.clone())} />
            </section>
        },
        _ => html! {},
    }
}

/// A version that is not newer than the published one: the problem, and
/// the version to use instead.
pub fn version_problem(doc: &Value, live: &[LiveTemplate]) -> Option<(review::ReviewError, u32)> {
    let id = doc.get("x-template")?.get("id")?.as_str()?;
    let version = doc.get("x-template")?.get("version")?.as_u64()? as u32;
    let latest = live.iter().filter(|t| t.id == id).map(|t| t.version).max();
    review::check_version(latest, version).err().map(|e| (e, latest.unwrap_or(0) + 1))
}
