//! Importing a village's Excel/CSV ledger: choose the file, see the
//! suggested column mapping (a select per column, which the clerk may
//! change), check, then import. Shows where a large file is: uploading (with
//! the bytes sent), checking, writing n batches. The worker checks every row
//! before it writes anything, so a refused file stores nothing.
//!
//! A workbook of several sheets (一组、二组 …) gets a checkbox per sheet;
//! the preview lists what core cleaned on the way in (full-width digits,
//! spaces, date spellings: row, column, original → stored) and the rows it
//! skipped (合计, 填表人 …). The blank template is a download link.
//!
//! Issue 20: the preview lists each new record and, per changed record,
//! each field's stored → file value (masked by the worker as any answer). A
//! field the ledger changed on or after the file's date (its footer's
//! 制表日期, or the date the clerk types) is held back, with who changed it
//! and when, and a checkbox to overwrite it anyway; ticking it or changing
//! the date checks again, since the commit applies exactly the previewed
//! plan (its id). When the ledger moved in between (409 `plan_changed`) the
//! panel checks again at once and says so. `preview` shows a check.

mod preview;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use ybt_core::api::ImportAnswer;
use ybt_core::import::{ColumnMapping, SheetSummary};
use yew::prelude::*;

use crate::api::{self, ImportResult};
use crate::i18n::{Lang, tr};
use preview::{diff, file_date, reading, sheet_note, summary};

/// The record type this panel imports.
const ENTITY: &str = "person";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub org_unit: String,
    /// Fields a column can go to: (name, title).
    pub fields: Vec<(String, String)>,
    /// Called after a successful commit, to reload the list.
    pub imported: Callback<()>,
}

/// Where the current request is.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    /// Bytes sent of total.
    Uploading {
        sent: f64,
        total: f64,
        commit: bool,
    },
    /// All bytes sent; the worker reads and checks every row (and, for a
    /// commit, writes the batches).
    Working {
        commit: bool,
    },
    Previewed(ImportAnswer),
    Committed(ImportAnswer),
    Refused {
        message: String,
        rows: Vec<String>,
    },
}

/// What the clerk set beside the file: the file's date and the ticked
/// fields. Kept in a cell so that a tick can check again with itself at once.
#[derive(Debug, Default)]
struct Choices {
    /// `YYYY-MM-DD` typed by the clerk; empty: the file's own date.
    since: String,
    /// `record_id/field` to overwrite although the ledger is newer.
    overwrite: BTreeSet<String>,
}

impl Choices {
    fn query(&self) -> String {
        let mut query = String::new();
        if !self.since.is_empty() {
            query.push_str(&format!("&since={}", self.since));
        }
        if !self.overwrite.is_empty() {
            let list: Vec<&str> = self.overwrite.iter().map(String::as_str).collect();
            query.push_str(&format!("&overwrite={}", js_sys::encode_uri_component(&list.join(","))));
        }
        query
    }
}

#[function_component(ImportPanel)]
pub fn import_panel(props: &Props) -> Html {
    let lang = props.lang;
    let file = use_state(|| None::<web_sys::File>);
    let phase = use_state(|| Phase::Idle);
    let mapping = use_state(Vec::<ColumnMapping>::new);
    // The mapping was edited since the last check: the clerk must check again.
    let edited = use_state(|| false);
    // D1 batches the last check planned: what a commit will write.
    let planned = use_state(|| 0usize);
    // The workbook's sheets as the last answer described them.
    let sheets = use_state(Vec::<SheetSummary>::new);
    // The sheets to import: `None` until the clerk changes the worker's choice.
    let picked = use_state(|| None::<Vec<usize>>);
    let choices: Rc<RefCell<Choices>> = use_mut_ref(Choices::default);
    // Said above the preview after the worker refused a stale plan.
    let notice = use_state(|| None::<String>);

    let run = {
        let (file, phase, mapping, edited, planned, org_unit, imported) =
            (file.clone(), phase.clone(), mapping.clone(), edited.clone(), planned.clone(), props.org_unit.clone(), props.imported.clone());
        let (sheets, picked, choices, notice) = (sheets.clone(), picked.clone(), choices.clone(), notice.clone());
        Callback::from(move |commit: bool| {
            let Some(chosen) = (*file).clone() else { return };
            // The plan the clerk saw: a commit applies exactly it.
            let plan_id = match &*phase {
                Phase::Previewed(answer) if commit => Some(answer.plan_id.clone()),
                _ => None,
            };
            if !commit {
                notice.set(None);
            }
            let mut query = format!("entity={ENTITY}&org_unit={org_unit}");
            if !mapping.is_empty() {
                let fields: Vec<&str> = mapping.iter().map(|m| m.field.as_deref().unwrap_or("")).collect();
                query.push_str(&format!("&mapping={}", js_sys::encode_uri_component(&fields.join(","))));
            }
            if let Some(list) = &*picked {
                let list: Vec<String> = list.iter().map(usize::to_string).collect();
                query.push_str(&format!("&sheets={}", list.join(",")));
            }
            query.push_str(&choices.borrow().query());
            let preview_query = query.clone();
            if commit {
                query.push_str("&commit=true");
                if let Some(id) = plan_id.filter(|id| !id.is_empty()) {
                    query.push_str(&format!("&plan={id}"));
                }
            }
            let (phase, mapping, edited, planned, imported) =
                (phase.clone(), mapping.clone(), edited.clone(), planned.clone(), imported.clone());
            let (sheets, notice) = (sheets.clone(), notice.clone());
            phase.set(Phase::Uploading { sent: 0.0, total: chosen.size(), commit });
            let on_upload = {
                let phase = phase.clone();
                Callback::from(move |(sent, total): (f64, f64)| {
                    phase.set(if sent >= total { Phase::Working { commit } } else { Phase::Uploading { sent, total, commit } });
                })
            };
            wasm_bindgen_futures::spawn_local(async move {
                match api::import_file(&chosen, &query, on_upload).await {
                    Ok(ImportResult::Answer(answer)) => {
                        mapping.set(answer.summary.mapping.clone());
                        sheets.set(answer.summary.reading.sheets.clone());
                        edited.set(false);
                        if answer.committed {
                            imported.emit(());
                            phase.set(Phase::Committed(answer));
                        } else {
                            planned.set(answer.batches);
                            phase.set(Phase::Previewed(answer));
                        }
                    }
                    Ok(ImportResult::Refused(refusal)) if refusal.error.code == "plan_changed" => {
                        // The ledger moved since the preview: nothing was
                        // written. Check again so the clerk sees the plan now.
                        notice.set(Some(lang.pick(&refusal.error.message).to_owned()));
                        phase.set(Phase::Working { commit: false });
                        match api::import_file(&chosen, &preview_query, Callback::noop()).await {
                            Ok(ImportResult::Answer(answer)) => {
                                planned.set(answer.batches);
                                phase.set(Phase::Previewed(answer));
                            }
                            Ok(ImportResult::Refused(again)) => phase.set(Phase::Refused {
                                message: lang.pick(&again.error.message).to_owned(),
                                rows: again.error.fields.iter().map(|f| lang.pick(&f.message).to_owned()).collect(),
                            }),
                            Err(e) => phase.set(Phase::Refused { message: lang.pick(&e.message()).to_owned(), rows: Vec::new() }),
                        }
                    }
                    Ok(ImportResult::Refused(refusal)) => {
                        if !refusal.mapping.is_empty() {
                            mapping.set(refusal.mapping);
                        }
                        if !refusal.sheets.is_empty() {
                            sheets.set(refusal.sheets);
                        }
                        edited.set(false);
                        let message = lang.pick(&refusal.error.message).to_owned();
                        let rows = refusal.error.fields.iter().map(|f| lang.pick(&f.message).to_owned()).collect();
                        phase.set(Phase::Refused { message, rows });
                    }
                    Err(e) => phase.set(Phase::Refused { message: lang.pick(&e.message()).to_owned(), rows: Vec::new() }),
                }
            });
        })
    };

    let on_file = {
        let (file, phase, mapping, sheets, picked) = (file.clone(), phase.clone(), mapping.clone(), sheets.clone(), picked.clone());
        let (choices, notice) = (choices.clone(), notice.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let chosen = input.files().and_then(|list| list.get(0));
            mapping.set(Vec::new());
            sheets.set(Vec::new());
            picked.set(None);
            *choices.borrow_mut() = Choices::default();
            notice.set(None);
            phase.set(Phase::Idle);
            file.set(chosen);
        })
    };

    let busy = matches!(*phase, Phase::Uploading { .. } | Phase::Working { .. });
    let status = match &*phase {
        Phase::Idle => html! {},
        Phase::Uploading { sent, total, .. } => {
            let percent = if *total > 0.0 { (sent / total * 100.0).floor() } else { 0.0 };
            html! {
                <p class="import-phase" data-phase="uploading">
                    { format!("{} {percent:.0}%", tr(lang, "上传中", "Uploading")) }
                    <progress max="100" value={percent.to_string()}></progress>
                </p>
            }
        }
        Phase::Working { commit: false } => {
            html! { <p class="import-phase" data-phase="checking">{ tr(lang, "检查中：逐行校验、查重（尚未写入任何数据）…", "Checking every row and duplicates (nothing written yet)…") }</p> }
        }
        Phase::Working { commit: true } => html! {
            <p class="import-phase" data-phase="writing">{ format!("{} {}", tr(lang, "检查并写入中，批数：", "Checking and writing, batches:"), *planned) }</p>
        },
        Phase::Previewed(answer) => {
            let on_tick = {
                let (choices, run) = (choices.clone(), run.clone());
                Callback::from(move |(key, on): (String, bool)| {
                    {
                        let mut choices = choices.borrow_mut();
                        if on {
                            choices.overwrite.insert(key);
                        } else {
                            choices.overwrite.remove(&key);
                        }
                    }
                    run.emit(false);
                })
            };
            let on_since = {
                let (choices, run) = (choices.clone(), run.clone());
                Callback::from(move |e: Event| {
                    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                    choices.borrow_mut().since = input.value();
                    run.emit(false);
                })
            };
            html! {
                <div class="import-phase" data-phase="previewed">
                    if let Some(text) = &*notice { <p class="import-notice warning" role="status">{ text }</p> }
                    <p class="import-summary">{ summary(lang, answer) }</p>
                    { file_date(lang, answer, &choices.borrow().since, on_since) }
                    { diff(lang, answer, on_tick) }
                    { reading(lang, &answer.summary.reading) }
                </div>
            }
        }
        Phase::Committed(answer) => html! {
            <p class="import-phase" data-phase="committed">
                { format!("{} {}", tr(lang, "导入完成。", "Imported."), summary(lang, answer)) }
            </p>
        },
        Phase::Refused { message, rows } => html! {
            <div class="import-phase" data-phase="refused" role="alert">
                <p class="error">{ message }</p>
                <ul class="import-errors">{ for rows.iter().take(50).map(|r| html! { <li class="error">{ r }</li> }) }</ul>
            </div>
        },
    };

    let selects = if mapping.is_empty() {
        html! {}
    } else {
        html! {
            <table class="import-mapping">
                <thead><tr><th>{ tr(lang, "文件中的列", "Column in the file") }</th><th>{ tr(lang, "对应台账字段", "Ledger field") }</th></tr></thead>
                <tbody>
                    { for mapping.iter().enumerate().map(|(i, m)| {
                        let onchange = {
                            let (mapping, edited) = (mapping.clone(), edited.clone());
                            Callback::from(move |e: Event| {
                                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                let value = select.value();
                                let mut next = (*mapping).clone();
                                if let Some(column) = next.get_mut(i) {
                                    column.field = Some(value).filter(|v| !v.is_empty());
                                    column.confidence = 1.0;
                                }
                                mapping.set(next);
                                edited.set(true);
                            })
                        };
                        if m.read_only {
                            return html! {
                                <tr class="import-read-only">
                                    <td>{ m.label() }</td>
                                    <td>{ tr(lang, "系统生成的只读列，不导入", "written by the system: read-only, not imported") }</td>
                                </tr>
                            };
                        }
                        html! {
                            <tr>
                                <td>{ m.label() }</td>
                                <td>
                                    <select class="import-field" data-column={i.to_string()} {onchange} disabled={busy}>
                                        <option value="" selected={m.field.is_none()}>{ tr(lang, "（不导入）", "(not imported)") }</option>
                                        { for props.fields.iter().map(|(name, title)| html! {
                                            <option value={name.clone()} selected={m.field.as_deref() == Some(name.as_str())}>
                                                { format!("{title} ({name})") }
                                            </option>
                                        }) }
                                    </select>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        }
    };

    let sheet_picker = if sheets.len() < 2 {
        html! {}
    } else {
        let current: Vec<usize> =
            picked.as_ref().cloned().unwrap_or_else(|| sheets.iter().filter(|s| s.imported).map(|s| s.index).collect());
        html! {
            <fieldset class="import-sheets">
                <legend>{ tr(lang, "导入哪些工作表", "Sheets to import") }</legend>
                { for sheets.iter().map(|sheet| {
                    let index = sheet.index;
                    let checked = current.contains(&index);
                    let onchange = {
                        let (picked, edited, current) = (picked.clone(), edited.clone(), current.clone());
                        Callback::from(move |e: Event| {
                            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                            let mut next: Vec<usize> = current.iter().copied().filter(|i| *i != index).collect();
                            if input.checked() {
                                next.push(index);
                                next.sort_unstable();
                            }
                            picked.set(Some(next));
                            edited.set(true);
                        })
                    };
                    html! {
                        <label class="import-sheet" data-sheet={index.to_string()}>
                            <input type="checkbox" {checked} {onchange} disabled={busy} />
                            { format!(" {} ", sheet.name) }
                            <span class="hint">{ sheet_note(lang, sheet) }</span>
                        </label>
                    }
                }) }
            </fieldset>
        }
    };

    let can_commit = matches!(&*phase, Phase::Previewed(a) if a.summary.new + a.summary.changed > 0) && !*edited && !busy;
    let check = run.reform(|_: MouseEvent| false);
    let commit = run.reform(|_: MouseEvent| true);
    html! {
        <section class="panel" id="import">
            <h2>{ tr(lang, "导入台账（Excel / CSV）", "Import a ledger (Excel / CSV)") }</h2>
            <p>
                <a class="import-template" href={api::import_template_url(ENTITY)} download="">
                    { tr(lang, "下载导入模板（Excel）", "Download the import template (Excel)") }
                </a>
            </p>
            <input type="file" class="import-file" accept=".xlsx,.xls,.csv" onchange={on_file} disabled={busy}
                aria-label={tr(lang, "选择要导入的文件（.xlsx、.xls 或 .csv）", "File to import (.xlsx, .xls or .csv)")} />
            <button class="import-check" onclick={check} disabled={file.is_none() || busy}>{ tr(lang, "检查", "Check") }</button>
            <button class="import-commit" onclick={commit} disabled={!can_commit}>{ tr(lang, "确认导入", "Import") }</button>
            if *edited { <p class="import-hint">{ tr(lang, "列对应关系或工作表已修改，请先点“检查”", "The mapping or the sheets changed: check again before importing") }</p> }
            { sheet_picker }
            { status }
            { selects }
        </section>
    }
}
