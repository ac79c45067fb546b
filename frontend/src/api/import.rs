//! The ledger import, through `XMLHttpRequest`: the one browser API that
//! reports upload progress.

use super::ApiFailure;

/// A refused import: the error, and the column mapping the worker used when
/// the rows were checked (so the clerk can correct it).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ImportRefusal {
    pub error: ybt_core::api::ApiError,
    #[serde(default)]
    pub mapping: Vec<ybt_core::import::ColumnMapping>,
    /// The workbook's sheets, to pick among.
    #[serde(default)]
    pub sheets: Vec<ybt_core::import::SheetSummary>,
}

/// The blank import template of a record type (下载导入模板).
pub fn import_template_url(entity: &str) -> String {
    format!("/api/ledger/{entity}/template.xlsx")
}

/// What an import call ends with.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportResult {
    Answer(ybt_core::api::ImportAnswer),
    Refused(ImportRefusal),
}

/// `POST /api/ledger/import` with the file as the body, through
/// `XMLHttpRequest` because fetch cannot report upload progress.
/// `on_upload(sent, total)` is called as the bytes go out; once they are all
/// sent the worker is checking (and, with `commit`, writing).
pub async fn import_file(file: &web_sys::File, query: &str, on_upload: yew::Callback<(f64, f64)>) -> Result<ImportResult, ApiFailure> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let js = |e: wasm_bindgen::JsValue| ApiFailure::network(format!("{e:?}"));
    let xhr = web_sys::XmlHttpRequest::new().map_err(js)?;
    xhr.open("POST", &format!("/api/ledger/import?{query}")).map_err(js)?;
    xhr.set_request_header("X-Yibiaotong", "1").map_err(js)?;
    xhr.set_request_header("Content-Type", "application/octet-stream").map_err(js)?;
    let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        on_upload.emit((e.loaded(), e.total()));
    });
    xhr.upload().map_err(js)?.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(js)?;
    let finished = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(progress);
    finished.map_err(|_| ApiFailure::network("上传中断 / upload interrupted"))?;
    let status = xhr.status().map_err(js)?;
    let text = xhr.response_text().map_err(js)?.unwrap_or_default();
    if status == 200 {
        return serde_json::from_str(&text)
            .map(ImportResult::Answer)
            .map_err(|e| ApiFailure::Network { status: Some(status), detail: e.to_string() });
    }
    serde_json::from_str(&text)
        .map(ImportResult::Refused)
        .map_err(|e| ApiFailure::Network { status: Some(status), detail: format!("HTTP {status}: {e}") })
}
