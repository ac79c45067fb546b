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

/// Width of the chart's drawing, in SVG units (it scales to its box).
const CHART_WIDTH: f64 = 360.0;
/// Where the bars start: the village names sit left of it.
const CHART_LABEL: f64 = 104.0;
/// Room kept right of the longest bar for its value.
const CHART_VALUE: f64 = 52.0;
const CHART_ROW: usize = 28;

/// A village's name as the chart shows it: without the 居民委员会 /
/// 村民委员会 every name ends with, cut to `max` characters (the whole name
/// is in its tooltip).
fn short(name: &str, max: usize) -> String {
    let name = ["居民委员会", "村民委员会", "委员会"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|n| !n.is_empty())
        .unwrap_or(name);
    if name.chars().count() <= max { name.to_owned() } else { name.chars().take(max - 1).chain(['…']).collect() }
}

/// Horizontal bars per unit: of the sum of column `key`, or of the rows
/// when `key` is empty (every template has rows, not every one numbers).
fn chart(lang: Lang, units: &[UnitTotals], key: &str, measure: &str) -> Html {
    let value = |u: &UnitTotals| if key.is_empty() { u.rows as f64 } else { u.sums.get(key).copied().unwrap_or(0.0) };
    let max = units.iter().map(value).fold(0.0_f64, f64::max).max(1e-9);
    let height = units.len() * CHART_ROW + 8;
    let span = CHART_WIDTH - CHART_LABEL - CHART_VALUE;
    let label = format!("{}：{}", tr(lang, "各村（社区）柱状图", "Bar chart per village"), measure);
    html! {
        <svg id="chart" class="chart" viewBox={format!("0 0 {CHART_WIDTH} {height}")} width={CHART_WIDTH.to_string()} height={height.to_string()}
            role="img" aria-label={label.clone()} data-key={key.to_owned()}>
            <title>{ label }</title>
            { for units.iter().enumerate().map(|(i, u)| {
                let v = value(u);
                let (top, baseline) = (i * CHART_ROW + 4, i * CHART_ROW + 20);
                let w = (v / max * span).max(1.0);
                html! {
                    <g class="bar" data-code={u.code.clone()} data-value={number(v)}>
                        <title>{ format!("{}（{}）：{}", u.name, u.code, number(v)) }</title>
                        <text x="0" y={baseline.to_string()} font-size="15">{ short(&u.name, 6) }</text>
                        <rect x={CHART_LABEL.to_string()} y={top.to_string()} width={format!("{w:.1}")} height="21" fill="#1565c0"></rect>
                        <text x={format!("{:.1}", CHART_LABEL + w + 4.0)} y={baseline.to_string()} font-size="15">{ number(v) }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

/// The filter as the worker applies it: a field and a value, both given.
#[derive(Clone, PartialEq, Default)]
struct Applied {
    /// "" for all versions, else a version number.
    version: String,
    town: String,
    key: String,
    value: String,
}

impl Applied {
    fn query(&self, template_id: &str) -> String {
        let filtered = !self.key.is_empty() && !self.value.is_empty();
        query(&[
            ("template_id", template_id),
            ("version", &self.version),
            ("org_unit", &self.town),
            ("filter_key", if filtered { &self.key } else { "" }),
            ("filter_value", if filtered { &self.value } else { "" }),
        ])
    }
}

#[function_component(SummaryPage)]
pub fn summary_page(props: &Props) -> Html {
    let lang = props.lang;
    let view = use_state(|| None::<SummaryView>);
    let error = use_state(|| None::<Text>);
    // What the inputs say, and what was last asked of the worker.
    let town = use_state(String::new);
    let filter_key = use_state(String::new);
    let filter_value = use_state(String::new);
    let applied = use_state(Applied::default);
    // "" charts the rows; otherwise the sum of that numeric column.
    let chart_key = use_state(String::new);
    let towns = use_state(Vec::<(String, String)>::new);
    // Answers to older queries that arrive late are dropped.
    let latest = use_mut_ref(|| 0u32);
    let params = applied.query(&props.template_id);
    {
        let (view, error, towns, latest) = (view.clone(), error.clone(), towns.clone(), latest.clone());
        use_effect_with(params.clone(), move |params| {
            let params = params.clone();
            *latest.borrow_mut() += 1;
            let asked = *latest.borrow();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::summary(&params).await;
                if *latest.borrow() != asked {
                    return;
                }
                match answer {
                    Ok(v) => {
                        if towns.is_empty() {
                            towns.set(v.summary.towns.iter().map(|t| (t.code.clone(), t.name.clone())).collect());
                        }
                        error.set(None);
                        view.set(Some(v));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let key_ref = use_node_ref();
    let value_ref = use_node_ref();
    // Reads what the inputs show at the moment of asking (not a state that
    // may lag a keystroke or an input method's commit).
    let apply_now = {
        let (applied, town, filter_key, filter_value) = (applied.clone(), town.clone(), filter_key.clone(), filter_value.clone());
        let (key_ref, value_ref) = (key_ref.clone(), value_ref.clone());
        move |town_code: Option<String>| {
            let key = key_ref.cast::<web_sys::HtmlSelectElement>().map_or_else(|| (*filter_key).clone(), |s| s.value());
            let value = value_ref.cast::<web_sys::HtmlInputElement>().map_or_else(|| (*filter_value).clone(), |i| i.value());
            filter_key.set(key.clone());
            filter_value.set(value.clone());
            applied.set(Applied {
                version: applied.version.clone(),
                town: town_code.unwrap_or_else(|| (*town).clone()),
                key,
                value: value.trim().to_owned(),
            })
        }
    };
    let on_submit = {
        let apply_now = apply_now.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            apply_now(None);
        })
    };
    let on_town = {
        let (town, apply_now) = (town.clone(), apply_now.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            town.set(value.clone());
            apply_now(Some(value));
        })
    };
    let on_version = {
        let (applied, filter_key, filter_value) = (applied.clone(), filter_key.clone(), filter_value.clone());
        Callback::from(move |e: Event| {
            let version = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            filter_key.set(String::new());
            filter_value.set(String::new());
            // A filter names a field of one version: start the other without it.
            applied.set(Applied { version, town: applied.town.clone(), ..Applied::default() });
        })
    };
    let on_clear = {
        let (applied, filter_key, filter_value) = (applied.clone(), filter_key.clone(), filter_value.clone());
        Callback::from(move |_: MouseEvent| {
            filter_key.set(String::new());
            filter_value.set(String::new());
            applied.set(Applied { key: String::new(), value: String::new(), ..(*applied).clone() });
        })
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
    let title_of = |key: &str| s.columns.iter().find(|c| c.key == key).map_or_else(|| key.to_owned(), |c| c.title.clone());
    let options: Vec<String> = s.columns.iter().find(|c| c.key == *filter_key).map(|c| c.options.clone()).unwrap_or_default();
    let measure = if chart_key.is_empty() { tr(lang, "行数", "Rows").to_owned() } else { title_of(&chart_key) };
    let unit_name = |code: &str, name: &str| html! { <span title={code.to_owned()}>{ name.to_owned() }</span> };
    let units_table = |units: &[UnitTotals], id: &str| {
        html! {
            <div class="table-wrap">
                <table class="form-table" id={id.to_owned()}>
                    <thead><tr>
                        <th>{ tr(lang, "单位", "Unit") }</th><th>{ tr(lang, "行数", "Rows") }</th>
                        { for numeric.iter().map(|c| html! { <th>{ &c.title }</th> }) }
                        { for s.summary_fields.iter().map(|c| html! { <th class="computed">{ &c.title }</th> }) }
                    </tr></thead>
                    <tbody>
                        { for units.iter().chain(std::iter::once(&s.total)).map(|u| html! {
                            <tr data-code={u.code.clone()}>
                                <td>{ unit_name(&u.code, &u.name) }</td><td class="rows">{ u.rows }</td>
                                { for numeric.iter().map(|c| html! { <td data-key={c.key.clone()}>{ u.sums.get(&c.key).map(|n| number(*n)).unwrap_or_default() }</td> }) }
                                { for s.summary_fields.iter().map(|c| html! { <td class="computed">{ u.computed.get(&c.key).map(|x| x.to_string()).unwrap_or_default() }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        }
    };
    let export = |format: &str, layout: &str| format!("/api/summary/export?{params}&format={format}&layout={layout}");
    let filtered = !applied.key.is_empty() && !applied.value.is_empty();
    html! {
        <section class="panel summary">
            <button class="back" onclick={back}>{ tr(lang, "← 返回", "← Back") }</button>
            <h2 id="summary-title">{ &v.title }{ format!(" · {} · {}", match v.selected_version {
                Some(n) => format!("{} {n}", tr(lang, "版本", "version")),
                None => format!("{}（{} {}）", tr(lang, "全部版本", "all versions"), tr(lang, "最新为版本", "newest: version"), v.template_version),
            }, v.department) }</h2>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <form class="filters" id="summary-filters" onsubmit={on_submit}>
                <label>{ tr(lang, "版本", "Version") }
                    <select id="summary-version" onchange={on_version}>
                        <option value="" selected={applied.version.is_empty()}>{ tr(lang, "全部版本（按最新版本汇总）", "All versions (read as the newest)") }</option>
                        { for v.versions.iter().map(|pv| html! {
                            <option value={pv.version.to_string()} selected={applied.version == pv.version.to_string()}>
                                { format!("{} {}（{} {} · {} {} · {} {}）", tr(lang, "版本", "version"), pv.version,
                                    ybt_core::time::beijing_date(&pv.published_at), tr(lang, "准入", "approved"),
                                    pv.villages, tr(lang, "个村", "villages"), pv.rows, tr(lang, "行", "rows")) }
                            </option>
                        }) }
                    </select>
                </label>
                <label>{ tr(lang, "乡镇（街道）", "Town") }
                    <select id="summary-town" onchange={on_town}>
                        <option value="" selected={town.is_empty()}>{ tr(lang, "全部", "All") }</option>
                        { for towns.iter().map(|(code, name)| html! { <option value={code.clone()} selected={*code == *town}>{ name }</option> }) }
                    </select>
                </label>
                <label>{ tr(lang, "按字段筛选", "Filter by field") }
                    <select id="summary-filter-key" ref={key_ref} onchange={select(filter_key.clone())}>
                        <option value="" selected={filter_key.is_empty()}>{ tr(lang, "（不筛选）", "(none)") }</option>
                        { for s.columns.iter().map(|c| html! { <option value={c.key.clone()} selected={c.key == *filter_key}>{ &c.title }</option> }) }
                    </select>
                </label>
                <label>{ tr(lang, "等于", "equals") }
                    <input id="summary-filter-value" ref={value_ref} list="summary-filter-options" value={(*filter_value).clone()} disabled={filter_key.is_empty()}
                        placeholder={if options.is_empty() { tr(lang, "输入要筛选的值", "a value") } else { tr(lang, "选择或输入", "pick or type") }}
                        oninput={let f = filter_value.clone(); Callback::from(move |e: InputEvent| f.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
                    <datalist id="summary-filter-options">{ for options.iter().map(|o| html! { <option value={o.clone()}></option> }) }</datalist>
                </label>
                <button type="submit" class="primary" id="summary-apply">{ tr(lang, "查询", "Apply") }</button>
            </form>
            if filtered {
                <p id="summary-filter-state" class="filter-state" data-key={applied.key.clone()} data-value={applied.value.clone()}>
                    { format!("{}{} = {}", tr(lang, "已筛选：", "Filtered: "), title_of(&applied.key), applied.value) }
                    <button type="button" class="secondary" id="summary-clear" onclick={on_clear}>{ tr(lang, "清除筛选", "Clear the filter") }</button>
                </p>
            }
            if v.selected_version.is_none() && v.versions.len() > 1 {
                <p class="meta" id="summary-version-note">{ tr(lang,
                    "各版本的数据都已按最新版本的字段汇总（改名字段已对应），每行注明提交时的版本；已删除字段的数据请选择原版本查看。",
                    "Every version's data is read as the newest version (renamed fields carried over), each row marked with its version; pick an older version to see the fields it removed.") }</p>
            }
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
                    <option value="" selected={chart_key.is_empty()}>{ tr(lang, "行数", "Rows") }</option>
                    { for numeric.iter().map(|c| html! { <option value={c.key.clone()} selected={c.key == *chart_key}>{ &c.title }</option> }) }
                </select>
            </label>
            if s.villages.is_empty() {
                <p class="meta" id="chart-empty">{ tr(lang, "还没有村（社区）提交，提交后这里显示图表。", "No village has submitted yet: the chart appears once one does.") }</p>
            } else {
                { chart(lang, &s.villages, &chart_key, &measure) }
            }
            { units_table(&s.villages, "village-totals") }
            <h3>{ format!("{} ({} / {})", tr(lang, "明细", "Rows"), v.rows.len(), v.total_rows) }</h3>
            <div class="table-wrap">
                <table class="form-table" id="summary-rows">
                    <thead><tr><th>{ tr(lang, "村（社区）", "Village") }</th><th class="version">{ tr(lang, "版本", "Version") }</th>{ for s.columns.iter().map(|c| html! { <th data-key={c.key.clone()}>{ &c.title }</th> }) }</tr></thead>
                    <tbody>
                        { for v.rows.iter().map(|r| html! {
                            <tr data-org-unit={r.org_unit.clone()} data-version={r.version.to_string()}><td>{ unit_name(&r.org_unit, &r.village) }</td>
                                <td class="version">{ format!("v{}", r.version) }</td>
                                { for s.columns.iter().map(|c| html! { <td data-key={c.key.clone()}>{ r.values.get(&c.key).map(|x| match x { serde_json::Value::String(t) => t.clone(), other => other.to_string() }).unwrap_or_default() }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}
