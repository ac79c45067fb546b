//! The burden meter: per submitted form, and per village per month, how
//! many cells were pre-filled from the ledger and how many typed, and the
//! minutes from opening a form to submitting it. The figures are rolled up
//! by the worker (`ybt_core::burden::summarize`); this page only shows them.

use yew::prelude::*;
use ybt_core::api::{BurdenReport, BurdenRollup};

use crate::api;
use crate::i18n::{Key, Lang, t};

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
        .map(|m| format!(" · {} {} {}", t(lang, Key::AvgMinutes), minutes(Some(m)), t(lang, Key::MinutesUnit)))
        .unwrap_or_default();
    format!("{} {}{}", t(lang, Key::PrefilledShare), percent(total.prefilled_share), time)
}

#[function_component(BurdenPage)]
pub fn burden_page(props: &Props) -> Html {
    let lang = props.lang;
    let report = use_state(|| None::<BurdenReport>);
    let error = use_state(|| None::<String>);
    {
        let (report, error) = (report.clone(), error.clone());
        use_effect_with(props.org_unit.clone(), move |org_unit| {
            let org_unit = org_unit.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::burden(&org_unit).await {
                    Ok(r) => report.set(Some(r)),
                    Err(e) => error.set(Some(e.message().zh)),
                }
            });
        });
    }
    let back = html! { <button class="back" onclick={props.back.clone()}>{ t(lang, Key::Back) }</button> };
    let Some(report) = &*report else {
        return html! {
            <>
                { back }
                if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
                <p class="loading">{ t(lang, Key::Loading) }</p>
            </>
        };
    };
    let cells = |c: &ybt_core::api::CellCounts| {
        html! { <><td>{ c.prefilled }</td><td>{ c.typed }</td><td>{ c.computed }</td><td>{ c.corrected }</td></> }
    };
    let cell_heads = html! {
        <>
            <th>{ t(lang, Key::PrefilledCells) }</th><th>{ t(lang, Key::TypedCells) }</th>
            <th>{ t(lang, Key::ComputedCells) }</th><th>{ t(lang, Key::CorrectedCells) }</th>
        </>
    };
    html! {
        <>
            { back }
            <section class="panel" id="burden">
                <h2>{ t(lang, Key::Burden) }{ " · " }{ &report.total.org_unit_name }</h2>
                <p class="headline" id="burden-headline">{ headline(lang, &report.total) }</p>
                <p class="meta">{ format!("{} {}", report.total.submissions, t(lang, Key::Submissions)) }</p>
            </section>
            <section class="panel">
                <h2>{ t(lang, Key::PerVillageMonth) }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="burden-villages">
                        <thead><tr>
                            <th>{ t(lang, Key::Village) }</th><th>{ t(lang, Key::Month) }</th><th>{ t(lang, Key::Submissions) }</th>
                            { cell_heads.clone() }<th>{ t(lang, Key::PrefilledShare) }</th><th>{ t(lang, Key::AvgMinutes) }</th>
                        </tr></thead>
                        <tbody>
                            { for report.by_village_month.iter().map(|r| html! {
                                <tr data-unit={r.org_unit.clone()} data-month={r.month.clone()}>
                                    <td>{ &r.org_unit_name }</td><td>{ &r.month }</td><td>{ r.submissions }</td>
                                    { cells(&r.cells) }<td>{ percent(r.prefilled_share) }</td><td>{ minutes(r.mean_minutes) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="panel">
                <h2>{ t(lang, Key::PerForm) }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="burden-forms">
                        <thead><tr>
                            <th>{ t(lang, Key::Form) }</th><th>{ t(lang, Key::Village) }</th><th>{ t(lang, Key::When) }</th>
                            <th>{ t(lang, Key::Rows) }</th>{ cell_heads }<th>{ t(lang, Key::Minutes) }</th>
                        </tr></thead>
                        <tbody>
                            { for report.entries.iter().map(|e| html! {
                                <tr data-submission={e.submission_id.clone()}>
                                    <td>{ &e.title }</td><td>{ &e.org_unit_name }</td><td>{ &e.submitted_at }</td><td>{ e.rows }</td>
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
