//! The duplicate findings of a template (issue 17): for each, the field,
//! what it duplicates, how sure (kind and confidence, in words, not colour
//! alone) and why (the evidence). On the authoring page a ledger finding
//! offers "绑定台账" and a template finding links to the live template.

use ybt_core::review::{DuplicateFinding, DuplicateTarget};
use yew::prelude::*;

use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub findings: Vec<DuplicateFinding>,
    /// Binds `(field key, ledger item)`; without it no button is shown (the review page).
    #[prop_or_default]
    pub on_bind: Option<Callback<(String, String)>>,
    /// Whether template findings link to `#live-{id}` on the same page.
    #[prop_or_default]
    pub link_templates: bool,
}

#[function_component(FindingList)]
pub fn finding_list(props: &Props) -> Html {
    let lang = props.lang;
    if props.findings.is_empty() {
        return html! { <p class="meta no-findings">{ tr(lang, "未发现与台账或在用报表重复的字段", "No field repeats the ledger or a live template") }</p> };
    }
    html! {
        <ul class="findings">
            { for props.findings.iter().map(|f| {
                let (target_class, target) = match &f.target {
                    DuplicateTarget::Ledger { item, title } => ("ledger", html! {
                        <>{ tr(lang, "台账数据项", "ledger item") }{ " “" }{ title }{ "” " }<code>{ item }</code></>
                    }),
                    DuplicateTarget::Template { template_id, template_title, title, .. } => ("template", html! {
                        <>
                            { tr(lang, "在用报表", "live template") }{ " " }
                            if props.link_templates {
                                <a class="template-link" href={format!("#live-{template_id}")}>{ format!("《{template_title}》") }</a>
                            } else {
                                { format!("《{template_title}》") }
                            }
                            { " “" }{ title }{ "”" }
                        </>
                    }),
                };
                let bind = match (&f.target, &props.on_bind) {
                    (DuplicateTarget::Ledger { item, title }, Some(on_bind)) => {
                        let (key, item_name) = (f.key.clone(), item.clone());
                        let on_bind = on_bind.clone();
                        let label = format!("{}：{} → {}", tr(lang, "绑定台账", "Bind to the ledger"), f.title, title);
                        html! {
                            <button class="bind primary" aria-label={label} onclick={Callback::from(move |_: MouseEvent| on_bind.emit((key.clone(), item_name.clone())))}>
                                { tr(lang, "绑定台账", "Bind to the ledger") }
                            </button>
                        }
                    }
                    _ => html! {},
                };
                let kind = serde_json::to_value(f.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                let confidence = serde_json::to_value(f.confidence).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                html! {
                    <li class={format!("finding {target_class}")} data-key={f.key.clone()} data-target={f.target.label()} data-kind={kind.clone()} data-confidence={confidence.clone()}>
                        <strong>{ &f.title }</strong>{ " " }<code>{ &f.key }</code>{ " → " }{ target }
                        { " " }<span class={format!("tag kind {kind}")}>{ tr(lang, "依据：", "basis: ") }{ lang.pick(&f.kind.title()) }</span>
                        { " " }<span class={format!("tag confidence {confidence}")}>{ tr(lang, "把握：", "confidence: ") }{ lang.pick(&f.confidence.title()) }</span>
                        { " " }{ bind }
                        <ul class="evidence">
                            { for f.evidence.iter().map(|e| html! { <li>{ lang.pick(&e.describe()) }</li> }) }
                        </ul>
                    </li>
                }
            }) }
        </ul>
    }
}
