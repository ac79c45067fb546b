//! A stored submission: its id, rows, and the filled form as XLSX or CSV.

use ybt_core::api::SubmissionReceipt;
use yew::prelude::*;

use crate::api::submission_file_url;
use crate::i18n::{Key, Lang, t};

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
            <h2>{ t(lang, Key::Submitted) }</h2>
            <p>{ t(lang, Key::SubmissionId) }{ "：" }<code id="submission-id">{ &r.id }</code></p>
            <p>{ format!("{} {} · {}", r.row_count, t(lang, Key::Rows), ybt_core::time::beijing(&r.submitted_at)) }</p>
            <p class="downloads">
                <a id="download-xlsx" class="button" href={submission_file_url(&r.id, "xlsx")} download="">{ t(lang, Key::DownloadXlsx) }</a>
                <a id="download-csv" class="button" href={submission_file_url(&r.id, "csv")} download="">{ t(lang, Key::DownloadCsv) }</a>
            </p>
        </section>
    }
}
