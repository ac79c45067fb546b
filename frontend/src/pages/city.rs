//! A city department's page (issue 16, the city level): the office app's
//! home of a city-level reader (e.g. 重庆市民政局). It lists the
//! department's reports across its districts (`GET /api/city/reports`);
//! opening one shows each district's totals and the city's
//! (`GET /api/city/summary/…`), with a district picker and the CSV / Excel
//! downloads (`GET /api/city/export/…`). A district that could not be read
//! is a warning that names it. Values come masked from the worker.

use ybt_core::api::Me;
use ybt_core::messages::Text;
use ybt_core::service::city::CitySummaryView;
use ybt_core::service::city_reports::{CityReports, ServedDistrictView};
use ybt_core::summary::UnitTotals;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 { format!("{}", n as i64) } else { format!("{n:.2}") }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.as_f64().map(number).unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

/// The districts that failed, named, as one warning.
fn incomplete(lang: Lang, failed: &[(String, Text)], id: &str) -> Html {
    if failed.is_empty() {
        return html! {};
    }
    let named = failed.iter().map(|(name, why)| format!("{name}（{}）", lang.pick(why))).collect::<Vec<_>>().join(match lang {
        Lang::Zh => "、",
        Lang::En => "; ",
    });
    html! {
        <p class="warning city-warning" role="alert" id={id.to_owned()}>
            <strong>{ tr(lang, "数据不完整：", "Incomplete: ") }</strong>
            { match lang {
                Lang::Zh => format!("以下区县未能读取，合计中不含它们：{named}"),
                Lang::En => format!("these districts could not be read and are not in the totals: {named}"),
            } }
        </p>
    }
}

#[function_component(CityPage)]
pub fn city_page(props: &Props) -> Html {
    let lang = props.lang;
    let reports = use_state(|| None::<CityReports>);
    let error = use_state(|| None::<Text>);
    let open = use_state(|| None::<String>);
    {
        let (reports, error) = (reports.clone(), error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::city_reports().await {
                    Ok(list) => reports.set(Some(list)),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let Some(list) = &*reports else {
        return html! {
            <section class="panel city">
                if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
                else { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> }
            </section>
        };
    };
    if let Some(template_id) = &*open {
        let back = {
            let open = open.clone();
            Callback::from(move |_| open.set(None))
        };
        return html! {
            <CityReport lang={lang} template_id={template_id.clone()} districts={list.districts.clone()} back={back} />
        };
    }
    let failed: Vec<(String, Text)> = list.failed.iter().map(|f| (f.name.clone(), f.error.message.clone())).collect();
    let names = list.districts.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join("、");
    html! {
        <section class="panel city" aria-labelledby="city-title">
            <h2 id="city-title">{ format!("{} · {}", props.me.user.display_name, tr(lang, "跨区县汇总", "Summaries across districts")) }</h2>
            <p class="meta" id="city-scope">{ format!("{}{names}", tr(lang, "本部门可汇总的区县：", "Districts you summarise: ")) }</p>
            { incomplete(lang, &failed, "city-reports-incomplete") }
            if list.reports.is_empty() {
                <p class="meta" id="city-no-reports">{ tr(lang, "各区县还没有本部门的报表。", "No district has a report of your department yet.") }</p>
            }
            <ul class="templates city-reports" id="city-reports" aria-label={tr(lang, "本部门报表", "Your department's reports")}>
                { for list.reports.iter().map(|r| {
                    let id = r.id.clone();
                    let onclick = { let open = open.clone(); Callback::from(move |_: MouseEvent| open.set(Some(id.clone()))) };
                    let parts = r.districts.iter()
                        .map(|d| format!("{} {} {} · {} {}", d.name, d.villages, tr(lang, "个村", "villages"), d.rows, tr(lang, "行", "rows")))
                        .collect::<Vec<_>>().join("；");
                    html! {
                        <li data-template={r.id.clone()}>
                            <div>
                                <strong>{ &r.title }</strong>
                                <span class="meta">{ format!(" · {} {} · {}", tr(lang, "版本", "version"), r.version, r.department) }</span>
                                <div class="meta">{ parts }</div>
                            </div>
                            <button class="primary" data-open={r.id.clone()} onclick={onclick}
                                aria-label={format!("{}：{}", tr(lang, "查看汇总", "Open the summary"), r.title)}>
                                { tr(lang, "查看汇总", "Open") }
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ReportProps {
    lang: Lang,
    template_id: String,
    districts: Vec<ServedDistrictView>,
    back: Callback<()>,
}

#[function_component(CityReport)]
fn city_report(props: &ReportProps) -> Html {
    let lang = props.lang;
    // "" reads every district; else one district's code.
    let picked = use_state(String::new);
    let view = use_state(|| None::<CitySummaryView>);
    let error = use_state(|| None::<Text>);
    // Answers to an older pick that arrive late are dropped.
    let latest = use_mut_ref(|| 0u32);
    {
        let (view, error, latest) = (view.clone(), error.clone(), latest.clone());
        let template_id = props.template_id.clone();
        use_effect_with((*picked).clone(), move |picked| {
            let picked = picked.clone();
            *latest.borrow_mut() += 1;
            let asked = *latest.borrow();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::city_summary(&template_id, &picked).await;
                if *latest.borrow() != asked {
                    return;
                }
                match answer {
                    Ok(v) => {
                        error.set(None);
                        view.set(Some(v));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let on_pick = {
        let picked = picked.clone();
        Callback::from(move |e: Event| picked.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))
    };
    let back = props.back.reform(|_: MouseEvent| ());
    let picker = html! {
        <label for="city-district">{ tr(lang, "区县", "District") }
            <select id="city-district" onchange={on_pick}>
                <option value="" selected={picked.is_empty()}>
                    { format!("{}（{}）", tr(lang, "全部区县", "All districts"), props.districts.len()) }
                </option>
                { for props.districts.iter().map(|d| html! {
                    <option value={d.code.clone()} selected={*picked == d.code}>{ &d.name }</option>
                }) }
            </select>
        </label>
    };
    let Some(v) = &*view else {
        return html! {
            <section class="panel city">
                <button class="back" onclick={back}>{ tr(lang, "← 返回报表列表", "← Back to the reports") }</button>
                if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
                else { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> }
            </section>
        };
    };
    let shown = v.districts.iter().find_map(|d| d.summary.as_ref());
    let title = shown.map_or_else(|| props.template_id.clone(), |s| s.title.clone());
    let (numeric, formulas): (Vec<_>, Vec<_>) = match shown {
        Some(s) => (s.summary.columns.iter().filter(|c| c.numeric).cloned().collect(), s.summary.summary_fields.clone()),
        None => (Vec::new(), Vec::new()),
    };
    let failed: Vec<(String, Text)> =
        v.districts.iter().filter_map(|d| d.error.as_ref().map(|e| (d.name.clone(), e.message.clone()))).collect();
    let villages = |t: &UnitTotals| t.submissions;
    let cells = |t: &UnitTotals| {
        html! {
            <>
                <td class="villages">{ villages(t) }</td>
                <td class="rows">{ t.rows }</td>
                { for numeric.iter().map(|c| html! { <td data-key={c.key.clone()}>{ t.sums.get(&c.key).map(|n| number(*n)).unwrap_or_default() }</td> }) }
                { for formulas.iter().map(|c| html! { <td class="computed" data-key={c.key.clone()}>{ t.computed.get(&c.key).map(value_text).unwrap_or_default() }</td> }) }
            </>
        }
    };
    let columns = 3 + numeric.len() + formulas.len();
    html! {
        <section class="panel city" aria-labelledby="city-report-title">
            <button class="back" onclick={back}>{ tr(lang, "← 返回报表列表", "← Back to the reports") }</button>
            <h2 id="city-report-title">{ format!("{title} · {}", tr(lang, "跨区县汇总", "across districts")) }</h2>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <div class="filters">{ picker }</div>
            { incomplete(lang, &failed, "city-incomplete") }
            <p class="downloads">
                <a id="city-download-csv" href={api::city_export_url(&props.template_id, "csv", &picked)} download=""
                    aria-label={format!("{}：{title}", tr(lang, "下载 CSV", "Download CSV"))}>{ tr(lang, "下载 CSV", "Download CSV") }</a>{ " · " }
                <a id="city-download-xlsx" href={api::city_export_url(&props.template_id, "xlsx", &picked)} download=""
                    aria-label={format!("{}：{title}", tr(lang, "下载 Excel", "Download Excel"))}>{ tr(lang, "下载 Excel", "Download Excel") }</a>
            </p>
            <p id="city-total" class="meta" data-rows={v.total.rows.to_string()} data-complete={v.complete.to_string()}>
                { format!("{} {} · {} {}", v.total.submissions, tr(lang, "个村（社区）已提交", "villages submitted"), v.total.rows, tr(lang, "行", "rows")) }
            </p>
            <h3 id="city-totals-title">{ tr(lang, "各区县合计", "Totals per district") }</h3>
            <div class="table-wrap">
                <table class="form-table" id="city-totals" aria-labelledby="city-totals-title">
                    <thead><tr>
                        <th scope="col">{ tr(lang, "区县", "District") }</th>
                        <th scope="col">{ tr(lang, "已提交村（社区）", "Villages") }</th>
                        <th scope="col">{ tr(lang, "行数", "Rows") }</th>
                        { for numeric.iter().map(|c| html! { <th scope="col">{ &c.title }</th> }) }
                        { for formulas.iter().map(|c| html! { <th scope="col" class="computed">{ &c.title }</th> }) }
                    </tr></thead>
                    <tbody>
                        { for v.districts.iter().map(|d| match (&d.totals, &d.error) {
                            (Some(t), _) => html! {
                                <tr data-code={d.code.clone()}><th scope="row">{ &d.name }</th>{ cells(t) }</tr>
                            },
                            (None, error) => html! {
                                <tr data-code={d.code.clone()} class="failed"><th scope="row">{ &d.name }</th>
                                    <td colspan={(columns - 1).to_string()}>{ format!("{}{}", tr(lang, "未能读取：", "Could not be read: "),
                                        error.as_ref().map(|e| lang.pick(&e.message).to_owned()).unwrap_or_default()) }</td>
                                </tr>
                            },
                        }) }
                        <tr data-code={v.city.clone()} class="total">
                            <th scope="row">{ match (picked.is_empty(), v.complete) {
                                (true, true) => tr(lang, "全市合计", "City total"),
                                (true, false) => tr(lang, "全市合计（不完整）", "City total (incomplete)"),
                                (false, true) => tr(lang, "所选区县合计", "Total of the district picked"),
                                (false, false) => tr(lang, "所选区县合计（不完整）", "Total of the district picked (incomplete)"),
                            } }</th>
                            { cells(&v.total) }
                        </tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}
