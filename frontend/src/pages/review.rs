//! For the town coordination centre (报表准入): every template request of
//! the district with its burden analysis, every field in words (type, rule,
//! source, formula), what changed against the published version and the
//! rejected filing, what approving it does to work under way, and the form
//! preview; approved or rejected with a reason.

use std::collections::HashMap;

use ybt_core::api::{DecisionRequest, TemplateRequest};
use ybt_core::messages::Text;
use ybt_core::review::changes::{Baseline, Comparison, Consequences, FieldDetail, FieldName, FieldRename};
use ybt_core::review::{Decision, ReviewField, ReviewStatus};
use yew::prelude::*;

use crate::api;
use crate::components::finding_list::FindingList;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

fn fields(list: &[ReviewField]) -> Html {
    html! {
        <span>{ for list.iter().map(|f| html! { <span class="chip" title={f.item.clone().unwrap_or_default()}>{ &f.title }</span> }) }</span>
    }
}

/// Every field of the request: title, where it comes from, type, rules, formula.
fn field_table(lang: Lang, fields: &[FieldDetail]) -> Html {
    html! {
        <div class="table-wrap">
            <table class="form-table review-fields">
                <thead><tr>
                    <th>{ tr(lang, "字段", "Field") }</th><th>{ tr(lang, "来源", "Source") }</th><th>{ tr(lang, "类型", "Type") }</th>
                    <th>{ tr(lang, "规则", "Rules") }</th><th>{ tr(lang, "公式", "Formula") }</th>
                </tr></thead>
                <tbody>
                    { for fields.iter().map(|f| html! {
                        <tr data-key={f.key.clone()} data-origin={lang.pick(&f.origin.title()).to_owned()}>
                            <td title={f.key.clone()}>{ &f.title }{ if f.required { " *" } else { "" } }</td>
                            <td>{ lang.pick(&f.origin.title()) }{ f.source.as_ref().map(|s| format!("：{s}")).unwrap_or_default() }
                                { f.writeback.as_ref().map(|w| format!(" · {}「{w}」", tr(lang, "回写", "writes back to"))).unwrap_or_default() }</td>
                            <td>{ lang.pick(&f.kind) }</td>
                            <td class="rules">{ f.rules.iter().map(|r| lang.pick(r).to_owned()).collect::<Vec<_>>().join(" · ") }</td>
                            <td class="formula">{ f.formula.clone().unwrap_or_default() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn names(list: &[FieldName]) -> String {
    list.iter().map(|f| format!("「{}」", f.title)).collect::<Vec<_>>().join("")
}

fn renames(list: &[FieldRename]) -> String {
    list.iter().map(|r| format!("「{}」({}) → 「{}」({})", r.from.title, r.from.key, r.to.title, r.to.key)).collect::<Vec<_>>().join("；")
}

fn comparison(lang: Lang, c: &Comparison) -> Html {
    let heading = match &c.against {
        Baseline::Published { version } => match lang {
            Lang::Zh => format!("与已发布的版本 {version} 相比"),
            Lang::En => format!("Against the published version {version}"),
        },
        Baseline::Rejected { version, reason, .. } => match lang {
            Lang::Zh => format!(
                "与上次被驳回的申请（版本 {version}）相比{}",
                reason.as_ref().map(|r| format!("，驳回理由：{r}")).unwrap_or_default()
            ),
            Lang::En => format!(
                "Against the rejected filing (version {version}){}",
                reason.as_ref().map(|r| format!(", rejected because: {r}")).unwrap_or_default()
            ),
        },
    };
    let kind = match c.against {
        Baseline::Published { .. } => "published",
        Baseline::Rejected { .. } => "rejected",
    };
    html! {
        <div class="comparison" data-against={kind}>
            <h4>{ heading }</h4>
            if c.is_empty() { <p class="meta">{ tr(lang, "没有变化", "No change") }</p> }
            <ul>
                if !c.added.is_empty() { <li class="added">{ tr(lang, "新增：", "Added: ") }{ names(&c.added) }</li> }
                if !c.removed.is_empty() { <li class="removed">{ tr(lang, "删除：", "Removed: ") }{ names(&c.removed) }</li> }
                if !c.renamed.is_empty() { <li class="renamed">{ tr(lang, "改名：", "Renamed: ") }{ renames(&c.renamed) }</li> }
                { for c.changed.iter().map(|ch| html! {
                    <li class="changed" data-key={ch.key.clone()}>{ format!("{}「{}」：{} → {}", tr(lang, "规则变化", "Rule change"), ch.title, lang.pick(&ch.before), lang.pick(&ch.after)) }</li>
                }) }
                if !c.suggested_renames.is_empty() {
                    <li class="suggested">{ tr(lang, "可能是改名但未标注 x-renamed-from（数据不会迁移）：", "Possibly renamed without x-renamed-from (data will not move): ") }{ renames(&c.suggested_renames) }</li>
                }
                if let Some((old, new)) = &c.title { <li class="title-change">{ format!("{}{old} → {new}", tr(lang, "表名：", "Title: ")) }</li> }
            </ul>
        </div>
    }
}

fn consequences(lang: Lang, c: &Consequences) -> Html {
    html! {
        <div class="consequences" data-open-tasks={c.counts.open_tasks.to_string()} data-drafts={c.counts.drafts.to_string()}
            data-submitted={c.counts.submitted.to_string()} data-removed={c.removed_data.len().to_string()}>
            <h4>{ tr(lang, "准入后的影响", "What approving it does") }</h4>
            <ul>
                { for c.notes.iter().map(|n| html! { <li>{ lang.pick(n) }</li> }) }
            </ul>
            if !c.removed_data.is_empty() {
                <p class="warning" role="note">{ match lang {
                    Lang::Zh => format!("注意：删除字段{}后，版本 {} 已收集的数据不会出现在新版本的汇总列中。", names(&c.removed_data), c.from_version),
                    Lang::En => format!("Note: after removing {}, data collected under version {} is not among the new version's summary columns.", names(&c.removed_data), c.from_version),
                } }</p>
            }
        </div>
    }
}

#[function_component(ReviewPage)]
pub fn review_page(props: &Props) -> Html {
    let lang = props.lang;
    let requests = use_state(Vec::<TemplateRequest>::new);
    let reasons = use_state(HashMap::<String, String>::new);
    let error = use_state(|| None::<Text>);
    let reload = use_state(|| 0u32);
    {
        let (requests, error) = (requests.clone(), error.clone());
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::template_requests().await {
                    Ok(mut list) => {
                        list.sort_by_key(|r| r.status != ReviewStatus::Pending);
                        requests.set(list);
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let decide = |id: String, decision: Decision| {
        let (reasons, error, reload) = (reasons.clone(), error.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let request = DecisionRequest { decision, reason: reasons.get(&id).cloned().unwrap_or_default() };
            let (id, error, reload) = (id.clone(), error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::decide(&id, &request).await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e.specific())),
                }
            });
        })
    };
    let on_reason = |id: String| {
        let reasons = reasons.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*reasons).clone();
            next.insert(id.clone(), e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
            reasons.set(next);
        })
    };
    html! {
        <section class="panel">
            <h2>{ tr(lang, "报表准入审核", "Template review (报表准入)") }</h2>
            if let Some(message) = &*error { <p class="error" role="alert" id="review-error">{ lang.pick(message) }</p> }
            if requests.is_empty() { <p class="meta">{ tr(lang, "暂无申请", "No requests") }</p> }
            { for requests.iter().map(|r| {
                let a = &r.analysis;
                let pending = r.status == ReviewStatus::Pending;
                html! {
                    <article class="request" data-request={r.id.clone()} data-template={r.template_id.clone()}>
                        <h3>{ &r.title }{ format!(" · {} v{} · {}", r.template_id, r.version, r.department) }
                            <span class={format!("status {}", r.status.as_str())}>{ lang.pick(&r.status.title()) }</span></h3>
                        // The form as a village will see it (pending requests carry their document).
                        if let Some(document) = &r.document {
                            <details class="template-preview-box">
                                <summary>{ tr(lang, "表单预览（村里看到的样子）", "Preview (as a village sees it)") }</summary>
                                <crate::components::template_preview::TemplatePreview lang={lang} document={std::rc::Rc::new(document.clone())} />
                            </details>
                        }
                        <dl class="analysis">
                            <dt>{ tr(lang, "台账已有（自动填入）", "Already in the ledger (pre-filled)") }</dt><dd class="ledger-fields">{ a.ledger_fields.len() }{ " " }{ fields(&a.ledger_fields) }</dd>
                            <dt>{ tr(lang, "新增填报字段", "New fields") }</dt><dd class="new-fields">{ a.new_fields.len() }{ " " }{ fields(&a.new_fields) }</dd>
                            <dt>{ tr(lang, "自动计算字段", "Computed fields") }</dt><dd class="computed-fields">{ a.computed_fields.len() }{ " " }{ fields(&a.computed_fields) }</dd>
                            <dt>{ tr(lang, "与台账或在用报表重复", "Repeats the ledger or a live template") }</dt>
                            <dd class="duplicates" data-count={a.findings.len().to_string()}>
                                { a.findings.len() }
                                <FindingList lang={lang} findings={a.findings.clone()} />
                            </dd>
                            <dt>{ tr(lang, "涉及本辖区村（社区）", "Villages of our area") }</dt>
                            <dd class="villages" data-villages={a.villages.to_string()}>{ a.villages }
                                { for a.district_villages.map(|all| html! { <span class="meta">{ match lang { Lang::Zh => format!("（全区共 {all} 个）"), Lang::En => format!(" (district: {all})") } }</span> }) }</dd>
                            <dt>{ tr(lang, "预计每村用时", "Estimated minutes per village") }</dt>
                            <dd class="minutes">{ format!("{} {} （{} {}，{} {} {}）", a.minutes_per_village, tr(lang, "分钟", "min"), a.rows_per_village, tr(lang, "行/村", "rows per village"), tr(lang, "本辖区合计", "our area:"), a.total_hours, tr(lang, "小时", "hours")) }</dd>
                        </dl>
                        if let Some(detail) = &r.detail {
                            <details class="field-details" open={pending}>
                                <summary>{ format!("{}（{}）", tr(lang, "全部字段", "Every field"), detail.fields.len()) }</summary>
                                { field_table(lang, &detail.fields) }
                            </details>
                            { for detail.comparisons.iter().map(|c| comparison(lang, c)) }
                            { for detail.consequences.iter().map(|c| consequences(lang, c)) }
                        }
                        <p class="meta">{ format!("{} {} {}", r.submitted_by, tr(lang, "提交于", "filed"), ybt_core::time::beijing(&r.submitted_at)) }</p>
                        if pending {
                            <div class="decide">
                                <textarea class="reason-input" rows="2" aria-label={format!("{} · {}", tr(lang, "驳回理由", "Reason"), r.title)} placeholder={tr(lang, "驳回理由（驳回时必填）", "Reason (required to reject)")}
                                    value={reasons.get(&r.id).cloned().unwrap_or_default()} oninput={on_reason(r.id.clone())} />
                                <button class="primary approve" onclick={decide(r.id.clone(), Decision::Approve)}>{ tr(lang, "准入", "Approve") }</button>
                                <button class="reject" onclick={decide(r.id.clone(), Decision::Reject)}>{ tr(lang, "驳回", "Reject") }</button>
                            </div>
                        } else {
                            <p class="decision">{ r.decided_by.clone().unwrap_or_default() }{ " " }{ r.decided_at.as_deref().map(ybt_core::time::beijing).unwrap_or_default() }{ " " }{ r.reason.clone().unwrap_or_default() }</p>
                        }
                    </article>
                }
            }) }
        </section>
    }
}
