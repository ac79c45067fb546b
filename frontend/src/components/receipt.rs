//! A stored submission: its id, rows, and the filled form as XLSX or CSV.

use ybt_core::api::SubmissionReceipt;
use yew::prelude::*;

use crate::api::submission_file_url;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub receipt: SubmissionReceipt,
}

#[function_component(Receipt)]
pub fn receipt(props: &Props) -> Html {
    let (lang, r) = (props.lang, &props.receipt);
    html! {
        <section class="panel done" id="receipt">
            <h2>{ tr(lang, "已提交", "Submitted") }</h2>
            <p>{ tr(lang, "提交编号", "Submission id") }{ "：" }<code id="submission-id">{ &r.id }</code></p>
            <p>{ format!("{} {} · {}", r.row_count, tr(lang, "行", "rows"), ybt_core::time::beijing(&r.submitted_at)) }</p>
            <p class="downloads">
                <a id="download-xlsx" class="button" href={submission_file_url(&r.id, "xlsx")} download="">{ tr(lang, "下载 Excel", "Download XLSX") }</a>
                <a id="download-csv" class="button" href={submission_file_url(&r.id, "csv")} download="">{ tr(lang, "下载 CSV", "Download CSV") }</a>
            </p>
        </section>
    }
}
