//! The burden meter: per submitted form, and per village per month, how
//! many cells were pre-filled from the ledger and how many typed, and the
//! minutes from opening a form to submitting it. The figures are rolled up
//! by the worker (`ybt_core::burden::summarize`); this page only shows them,
//! for a month picked (or all months) and, for a reader whose unit has
//! villages (a town centre), for one of them or the whole town.

use ybt_core::api::{BurdenReport, BurdenRollup};
use ybt_core::ledger::{OrgLevel, OrgUnit};
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub org_unit: String,
    pub back: Callback<MouseEvent>,
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn minutes(m: Option<f64>) -> String {
    m.map_or_else(|| "—".to_owned(), |m| format!("{m:.0}"))
}

/// "预填 85% · 平均用时 9 分钟".
fn headline(lang: Lang, total: &BurdenRollup) -> String {
    let time = total
        .mean_minutes
        .map(|m| format!(" · {} {} {}", tr(lang, "平均用时", "average time"), minutes(Some(m)), tr(lang, "分钟", "min")))
        .unwrap_or_default();
    format!("{} {}{}", tr(lang, "预填", "pre-filled"), percent(total.prefilled_share), time)
}

#[function_component(BurdenPage)]
pub fn burden_page(props: &Props) -> Html {
    let lang = props.lang;
    // The report shown, with the month it was asked for.
    let report = use_state(|| None::<(String, BurdenReport)>);
    let error = use_state(|| None::<String>);
    // What is shown: the unit (the reader's own or one of its villages) and the month ("" = all).
    let unit = use_state(|| props.org_unit.clone());
    let month = use_state(String::new);
    let villages = use_state(Vec::<OrgUnit>::new);
    let latest = use_mut_ref(|| 0u32);
    {
        let villages = villages.clone();
        use_effect_with(props.org_unit.clone(), move |org_unit| {
            let org_unit = org_unit.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A village has no villages inside it: no picker then.
                if let Ok(list) = api::org_units(Some(&org_unit)).await {
                    villages.set(list.children.into_iter().filter(|u| u.level == OrgLevel::Village).collect());
                }
            });
        });
    }
    {
        let (report, error, latest) = (report.clone(), error.clone(), latest.clone());
        use_effect_with(((*unit).clone(), (*month).clone()), move |(org_unit, month)| {
            let (org_unit, month) = (org_unit.clone(), month.clone());
            *latest.borrow_mut() += 1;
            let asked = *latest.borrow();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::burden(&org_unit, &month).await;
                // A later pick was made meanwhile: its answer is the one to show.
                if *latest.borrow() != asked {
                    return;
                }
                match answer {
                    Ok(r) => {
                        error.set(None);
                        report.set(Some((month, r)));
                    }
                    Err(e) => error.set(Some(e.message().zh)),
                }
            });
        });
    }
    let on_month = {
        let month = month.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            month.set(input.value());
        })
    };
    let on_unit = {
        let (unit, own) = (unit.clone(), props.org_unit.clone());
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            unit.set(if value.is_empty() { own.clone() } else { value });
        })
    };
    let pickers = html! {
        <p class="pickers">
            <label>{ tr(lang, "月份", "Month") }{ " " }
                <input type="month" id="burden-month" value={(*month).clone()} onchange={on_month} />
            </label>
            if !villages.is_empty() {
                { " " }
                <label>{ tr(lang, "村（社区）", "Village / community") }{ " " }
                    <select id="burden-village" onchange={on_unit}>
                        <option value="" selected={*unit == props.org_unit}>{ tr(lang, "全部（本镇街）", "All (whole town)") }</option>
                        { for villages.iter().map(|v| html! {
                            <option value={v.code.clone()} selected={*unit == v.code}>{ &v.name }</option>
                        }) }
                    </select>
                </label>
            }
        </p>
    };
    let back = html! { <button class="back" onclick={props.back.clone()}>{ tr(lang, "返回", "Back") }</button> };
    let Some((shown_month, report)) = &*report else {
        return html! {
            <>
                { back }
                if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
                <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p>
            </>
        };
    };
    let cells = |c: &ybt_core::api::CellCounts| {
        html! { <><td>{ c.prefilled }</td><td>{ c.typed }</td><td>{ c.computed }</td><td>{ c.corrected }</td></> }
    };
    let cell_heads = html! {
        <>
            <th>{ tr(lang, "预填格数", "pre-filled cells") }</th><th>{ tr(lang, "手填格数", "typed cells") }</th>
            <th>{ tr(lang, "计算格数", "computed cells") }</th><th>{ tr(lang, "更正格数", "corrected cells") }</th>
        </>
    };
    html! {
        <>
            { back }
            <section class="panel" id="burden" data-unit={report.total.org_unit.clone()} data-month={shown_month.clone()}>
                <h2>{ tr(lang, "填报负担", "Reporting burden") }{ " · " }<span title={report.total.org_unit.clone()}>{ &report.total.org_unit_name }</span></h2>
                { pickers }
                if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
                <p class="headline" id="burden-headline">{ headline(lang, &report.total) }</p>
                <p class="meta">{ format!("{} {}", report.total.submissions, tr(lang, "提交次数", "Submissions")) }</p>
            </section>
            <section class="panel">
                <h2>{ tr(lang, "按村（社区）和月份", "Per village and month") }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="burden-villages">
                        <thead><tr>
                            <th>{ tr(lang, "村（社区）", "Village / community") }</th><th>{ tr(lang, "月份", "Month") }</th><th>{ tr(lang, "提交次数", "Submissions") }</th>
                            { cell_heads.clone() }<th>{ tr(lang, "预填", "pre-filled") }</th><th>{ tr(lang, "平均用时", "average time") }</th>
                        </tr></thead>
                        <tbody>
                            { for report.by_village_month.iter().map(|r| html! {
                                <tr data-unit={r.org_unit.clone()} data-month={r.month.clone()}>
                                    <td title={r.org_unit.clone()}>{ &r.org_unit_name }</td><td>{ &r.month }</td><td>{ r.submissions }</td>
                                    { cells(&r.cells) }<td>{ percent(r.prefilled_share) }</td><td>{ minutes(r.mean_minutes) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="panel">
                <h2>{ tr(lang, "按报表", "Per form") }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="burden-forms">
                        <thead><tr>
                            <th>{ tr(lang, "报表", "Form") }</th><th>{ tr(lang, "村（社区）", "Village / community") }</th><th>{ tr(lang, "时间", "When") }</th>
                            <th>{ tr(lang, "行", "rows") }</th>{ cell_heads }<th>{ tr(lang, "用时（分钟）", "Minutes") }</th>
                        </tr></thead>
                        <tbody>
                            { for report.entries.iter().map(|e| html! {
                                <tr data-submission={e.submission_id.clone()}>
                                    <td>{ &e.title }</td><td title={e.org_unit.clone()}>{ &e.org_unit_name }</td><td>{ ybt_core::time::beijing(&e.submitted_at) }</td><td>{ e.rows }</td>
                                    { cells(&e.cells) }<td>{ minutes(e.seconds_open.map(|s| f64::from(s) / 60.0)) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
        </>
    }
}
