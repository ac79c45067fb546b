//! The department's summary of one template: totals per town and village,
//! the template's summary formulas, a filter, a bar chart (SVG) and the
//! downloads (CSV, XLSX flat or a sheet per town). Values come masked from
//! the worker unless the reader is granted them.

use ybt_core::api::SummaryView;
use ybt_core::messages::Text;
use ybt_core::summary::UnitTotals;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub template_id: String,
    pub back: Callback<()>,
}

/// `key=value` pairs as a query string (values percent-encoded).
fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 { format!("{}", n as i64) } else { format!("{n:.2}") }
}

/// Horizontal bars of `key` per unit.
fn chart(units: &[UnitTotals], key: &str) -> Html {
    let values: Vec<(String, f64)> = units.iter().map(|u| (u.name.clone(), u.sums.get(key).copied().unwrap_or(0.0))).collect();
    let max = values.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1e-9);
    let height = values.len() * 22 + 10;
    html! {
        <svg id="chart" class="chart" width="720" height={height.to_string()} role="img">
            { for values.iter().enumerate().map(|(i, (name, v))| {
                let y = (i * 22 + 5).to_string();
                let w = ((v / max) * 480.0).max(1.0);
                html! {
                    <g class="bar">
                        <text x="0" y={(i * 22 + 19).to_string()} font-size="12">{ name.clone() }</text>
                        <rect x="140" y={y} width={format!("{w:.1}")} height="16" fill="#1565c0"></rect>
                        <text x={format!("{:.1}", 146.0 + w)} y={(i * 22 + 19).to_string()} font-size="12">{ number(*v) }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

#[function_component(SummaryPage)]
pub fn summary_page(props: &Props) -> Html {
    let lang = props.lang;
    let view = use_state(|| None::<SummaryView>);
    let error = use_state(|| None::<Text>);
    let town = use_state(String::new);
    let filter_key = use_state(String::new);
    let filter_value = use_state(String::new);
    let chart_key = use_state(String::new);
    let towns = use_state(Vec::<(String, String)>::new);
    let applied = use_state(|| 0u32);
    let params = query(&[
        ("template_id", &props.template_id),
        ("org_unit", &town),
        ("filter_key", &filter_key),
        ("filter_value", if filter_key.is_empty() { "" } else { &filter_value }),
    ]);
    {
        let (view, error, towns, chart_key, params) = (view.clone(), error.clone(), towns.clone(), chart_key.clone(), params.clone());
        use_effect_with(*applied, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::summary(&params).await {
                    Ok(v) => {
                        if towns.is_empty() {
                            towns.set(v.summary.towns.iter().map(|t| (t.code.clone(), t.name.clone())).collect());
                        }
                        if chart_key.is_empty()
                            && let Some(c) = v.summary.columns.iter().find(|c| c.numeric)
                        {
                            chart_key.set(c.key.clone());
                        }
                        error.set(None);
                        view.set(Some(v));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let apply = {
        let applied = applied.clone();
        Callback::from(move |_: MouseEvent| applied.set(*applied + 1))
    };
    let back = props.back.reform(|_: MouseEvent| ());
    let select = |state: UseStateHandle<String>| {
        Callback::from(move |e: Event| state.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))
    };
    let Some(v) = &*view else {
        return html! {
            <>
                if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
                <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p>
            </>
        };
    };
    let s = &v.summary;
    let numeric: Vec<_> = s.columns.iter().filter(|c| c.numeric).collect();
    let units_table = |units: &[UnitTotals], id: &str| {
        html! {
            <table class="form-table" id={id.to_owned()}>
                <thead><tr>
                    <th>{ tr(lang, "单位", "Unit") }</th><th>{ tr(lang, "行数", "Rows") }</th>
                    { for numeric.iter().map(|c| html! { <th>{ &c.title }</th> }) }
                    { for s.summary_fields.iter().map(|c| html! { <th class="computed">{ &c.title }</th> }) }
                </tr></thead>
                <tbody>
                    { for units.iter().chain(std::iter::once(&s.total)).map(|u| html! {
                        <tr data-code={u.code.clone()}>
                            <td>{ &u.name }</td><td class="rows">{ u.rows }</td>
                            { for numeric.iter().map(|c| html! { <td data-key={c.key.clone()}>{ u.sums.get(&c.key).map(|n| number(*n)).unwrap_or_default() }</td> }) }
                            { for s.summary_fields.iter().map(|c| html! { <td class="computed">{ u.computed.get(&c.key).map(|x| x.to_string()).unwrap_or_default() }</td> }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        }
    };
    let export = |format: &str, layout: &str| format!("/api/summary/export?{params}&format={format}&layout={layout}");
    html! {
        <section class="panel">
            <button class="back" onclick={back}>{ tr(lang, "← 返回", "← Back") }</button>
            <h2 id="summary-title">{ &v.title }{ format!(" · v{} · {}", v.template_version, v.department) }</h2>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <div class="filters">
                <label>{ tr(lang, "乡镇", "Town") }
                    <select id="summary-town" onchange={select(town.clone())}>
                        <option value="" selected={town.is_empty()}>{ tr(lang, "全部", "All") }</option>
                        { for towns.iter().map(|(code, name)| html! { <option value={code.clone()} selected={*code == *town}>{ name }</option> }) }
                    </select>
                </label>
                <label>{ tr(lang, "按字段筛选", "Filter by field") }
                    <select id="summary-filter-key" onchange={select(filter_key.clone())}>
                        <option value="">{ "—" }</option>
                        { for s.columns.iter().map(|c| html! { <option value={c.key.clone()} selected={c.key == *filter_key}>{ &c.title }</option> }) }
                    </select>
                </label>
                <label>{ tr(lang, "等于", "equals") }
                    <input id="summary-filter-value" value={(*filter_value).clone()} oninput={let f = filter_value.clone(); Callback::from(move |e: InputEvent| f.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
                </label>
                <button class="primary" id="summary-apply" onclick={apply}>{ tr(lang, "查询", "Apply") }</button>
            </div>
            <p class="downloads">
                <a id="download-csv" href={export("csv", "flat")} download="">{ tr(lang, "下载 CSV", "Download CSV") }</a>{ " · " }
                <a id="download-xlsx" href={export("xlsx", "flat")} download="">{ tr(lang, "下载 Excel（汇总表）", "Download Excel (one sheet)") }</a>{ " · " }
                <a id="download-xlsx-town" href={export("xlsx", "town")} download="">{ tr(lang, "下载 Excel（按乡镇分表）", "Download Excel (a sheet per town)") }</a>
            </p>
            <p id="summary-total" class="meta" data-rows={s.total.rows.to_string()} data-villages={s.villages.len().to_string()}>
                { format!("{} {} · {} {}", s.villages.len(), tr(lang, "个村（社区）已提交", "villages submitted"), s.total.rows, tr(lang, "行", "rows")) }
            </p>
            <h3>{ tr(lang, "各乡镇合计", "Totals per town") }</h3>
            { units_table(&s.towns, "town-totals") }
            <h3>{ tr(lang, "各村合计", "Totals per village") }</h3>
            <label>{ tr(lang, "图表字段", "Chart field") }
                <select id="chart-key" onchange={select(chart_key.clone())}>
                    { for numeric.iter().map(|c| html! { <option value={c.key.clone()} selected={c.key == *chart_key}>{ &c.title }</option> }) }
                </select>
            </label>
            { chart(&s.villages, &chart_key) }
            { units_table(&s.villages, "village-totals") }
            <h3>{ format!("{} ({} / {})", tr(lang, "明细", "Rows"), v.rows.len(), v.total_rows) }</h3>
            <div class="table-wrap">
                <table class="form-table" id="summary-rows">
                    <thead><tr><th>{ tr(lang, "村（社区）", "Village") }</th>{ for s.columns.iter().map(|c| html! { <th>{ &c.title }</th> }) }</tr></thead>
                    <tbody>
                        { for v.rows.iter().map(|r| html! {
                            <tr><td>{ &r.village }</td>
                                { for s.columns.iter().map(|c| html! { <td>{ r.values.get(&c.key).map(|x| match x { serde_json::Value::String(t) => t.clone(), other => other.to_string() }).unwrap_or_default() }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}
