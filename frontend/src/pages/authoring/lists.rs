//! Below the builder: the live templates (what the duplicate check compares
//! with) and the department's own requests with the centre's decisions,
//! each to reopen or download.

use serde_json::Value;
use ybt_core::api::TemplateRequest;
use ybt_core::review::LiveTemplate;
use yew::prelude::*;

use super::files::{download, pretty};
use crate::api::{self, ApiFailure};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct LiveProps {
    pub lang: Lang,
    pub live: Vec<LiveTemplate>,
}

#[function_component(LiveTemplates)]
pub fn live_templates(props: &LiveProps) -> Html {
    let lang = props.lang;
    html! {
        <section class="panel" id="live-templates">
            <h2>{ tr(lang, "在用报表（重复检查的比对对象）", "Live templates (what the duplicate check compares with)") }</h2>
            { for props.live.iter().map(|t| html! {
                <details id={format!("live-{}", t.id)} class="live-template">
                    <summary>{ format!("《{}》 {} v{} · {}", t.title, t.id, t.version, t.department) }</summary>
                    <ul>{ for t.fields.iter().map(|f| html! { <li>{ &f.title }{ " " }<code>{ &f.key }</code></li> }) }</ul>
                </details>
            }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct RequestsProps {
    pub lang: Lang,
    /// Bumped after each filing: the list is read again.
    pub filed: u32,
    /// A request reopened: its document and how to name it (《title》 vN).
    pub on_reopen: Callback<(Value, String)>,
    /// A request that could not be read: the message.
    pub on_failed: Callback<String>,
}

/// 本部门的准入申请: status, reason, decided by whom and when; reopen or download.
#[function_component(OurRequests)]
pub fn our_requests(props: &RequestsProps) -> Html {
    let lang = props.lang;
    let requests = use_state(Vec::<TemplateRequest>::new);
    let reload = use_state(|| 0u32);
    {
        let requests = requests.clone();
        use_effect_with((props.filed, *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::template_requests().await {
                    requests.set(list);
                }
            });
        });
    }
    let open_request = |r: &TemplateRequest, download_it: bool| {
        let (id, on_reopen, on_failed) = (r.id.clone(), props.on_reopen.clone(), props.on_failed.clone());
        let name = format!("{}-v{}.json", r.template_id, r.version);
        let label = format!("《{}》 v{}", r.title, r.version);
        Callback::from(move |_: MouseEvent| {
            let (id, on_reopen, on_failed, name, label) = (id.clone(), on_reopen.clone(), on_failed.clone(), name.clone(), label.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::template_request_document(&id).await {
                    Ok(document) if download_it => download(&name, &pretty(&document)),
                    Ok(document) => on_reopen.emit((document, label)),
                    Err(e) => on_failed.emit(lang.pick(&e.message()).to_owned()),
                }
            });
        })
    };
    let status_class = |r: &TemplateRequest| format!("status {}", r.status.as_str());
    html! {
        <section class="panel">
                <h2>{ tr(lang, "本部门的准入申请", "Our requests") }
                    <button id="refresh-requests" onclick={let r = reload.clone(); Callback::from(move |_: MouseEvent| r.set(*r + 1))}>{ tr(lang, "刷新", "Refresh") }</button></h2>
                <ul class="requests" id="my-requests">
                    { for requests.iter().map(|r| html! {
                        <li data-request={r.id.clone()} data-template={r.template_id.clone()} data-version={r.version.to_string()}>
                            <strong>{ &r.title }</strong>{ format!(" v{} ", r.version) }
                            <span class={status_class(r)}>{ lang.pick(&r.status.title()) }</span>
                            { for r.reason.iter().map(|reason| html! { <span class="reason">{ tr(lang, " 理由：", " Reason: ") }{ reason }</span> }) }
                            <span class="meta">{ format!(" {} {}", ybt_core::time::beijing(&r.submitted_at), r.decided_by.clone().unwrap_or_default()) }</span>
                            <button type="button" class="reopen" aria-label={format!("{}《{}》 v{}", tr(lang, "打开修改", "Open "), r.title, r.version)} onclick={open_request(r, false)}>{ tr(lang, "打开修改", "Open") }</button>
                            <button type="button" class="download" aria-label={format!("{}《{}》 v{}", tr(lang, "下载", "Download "), r.title, r.version)} onclick={open_request(r, true)}>{ tr(lang, "下载", "Download") }</button>
                        </li>
                    }) }
                </ul>
            </section>
    }
}

/// What filing the template came to: filed, or refused with the problems.
pub fn publish_result(lang: Lang, result: &Option<Result<TemplateRequest, ApiFailure>>) -> Html {
    html! {
    { match result {
        Some(Ok(r)) => html! { <p class="done">{ tr(lang, "已提交审核：", "Filed for review: ") }{ format!("《{}》 v{}", r.title, r.version) }</p> },
        Some(Err(ApiFailure::Server { body, .. })) => html! {
            <>
                <p class="error" role="alert">{ lang.pick(&body.error.message) }</p>
                <ul class="errors" id="publish-errors">
                    { for body.error.fields.iter().map(|e| html! { <li class="error" data-pointer={e.pointer.clone()}>{ lang.pick(&e.message) }</li> }) }
                </ul>
            </>
        },
        Some(Err(e)) => html! { <p class="error" role="alert">{ lang.pick(&e.message()) }</p> },
        None => html! {},
    } }
    }
}
