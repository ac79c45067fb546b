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
//! panel checks again at once and says so.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::ImportAnswer;
use ybt_core::import::normalize::{describe, show_invisible};
use ybt_core::import::{ColumnMapping, FieldDiff, LeftOut, Reading, SheetSummary};
use ybt_core::ledger::Source;
use yew::prelude::*;

use crate::api::{self, ImportResult};
use crate::i18n::{Lang, tr};

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

fn summary(lang: Lang, answer: &ImportAnswer) -> String {
    let s = &answer.summary;
    let held = match (s.held, lang) {
        (0, _) => String::new(),
        (n, Lang::Zh) => format!("；{n} 项台账中有更新的修改，保留台账现值"),
        (n, Lang::En) => format!("; {n} field(s) changed in the ledger since the file was made are kept"),
    };
    if lang == Lang::Zh {
        format!(
            "共 {} 行：新增 {}，修改 {}，不变 {}{held}；写入分 {} 批（每批要么全部写入，要么全不写入）",
            s.data_rows, s.new, s.changed, s.unchanged, answer.batches
        )
    } else {
        format!(
            "{} rows: {} new, {} changed, {} unchanged{held}; {} write batch(es), each all or nothing",
            s.data_rows, s.new, s.changed, s.unchanged, answer.batches
        )
    }
}

/// The file's date the ledger's changes are compared with: where it came
/// from, and a date box to give or correct it.
fn file_date(lang: Lang, answer: &ImportAnswer, typed: &str, on_change: Callback<Event>) -> Html {
    let zh = lang == Lang::Zh;
    let from_file =
        answer.summary.reading.file_date.as_ref().filter(|d| typed.is_empty() && answer.since.as_deref() == Some(d.date.as_str()));
    let note = match (&answer.since, from_file) {
        (Some(date), Some(found)) if zh => {
            format!("文件日期 {date}（取自文件第 {} 行）：台账中此日及以后修改过的项目默认不覆盖", found.row)
        }
        (Some(date), Some(found)) => {
            format!("File dated {date} (row {} of the file): fields changed in the ledger since are kept unless ticked", found.row)
        }
        (Some(date), None) if zh => format!("文件日期 {date}（您填写的）：台账中此日及以后修改过的项目默认不覆盖"),
        (Some(date), None) => format!("File dated {date} (as you gave it): fields changed in the ledger since are kept unless ticked"),
        (None, _) if zh => "文件中没有制表日期：请填写文件是哪天制作的，以免旧数据覆盖台账中更新的修改".to_owned(),
        (None, _) => "The file gives no date: enter the day it was made, so old data does not overwrite newer corrections".to_owned(),
    };
    html! {
        <div class="import-since">
            <p class={classes!("hint", answer.since.is_none().then_some("warning"))}>{ note }</p>
            <label>
                { tr(lang, "文件日期", "File date") }
                <input type="date" class="import-since-date" value={typed.to_owned()} onchange={on_change} />
            </label>
        </div>
    }
}

/// A stored or file value as text: lists joined with 、, nothing as （空）.
fn shown(lang: Lang, value: &Value) -> String {
    match value {
        Value::Null => tr(lang, "（空）", "(empty)").to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => tr(lang, if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).to_owned(),
        Value::Array(items) => items.iter().map(|v| shown(lang, v)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

fn source_name(lang: Lang, source: Source) -> &'static str {
    match source {
        Source::Visit => tr(lang, "走访更正", "a visit"),
        Source::Form => tr(lang, "报表更正", "a form"),
        Source::Import => tr(lang, "导入", "an import"),
        Source::Department => tr(lang, "部门推送", "a department's system"),
        Source::Demo => tr(lang, "初始数据", "initial data"),
        Source::Survey => tr(lang, "应急摸排", "an emergency survey"),
        Source::Transfer => tr(lang, "迁移", "a transfer"),
    }
}

/// The records the file adds, and per changed record each field: stored →
/// file, and for a field the ledger changed since the file's date who
/// changed it, when, and the checkbox to overwrite it anyway.
fn diff(lang: Lang, answer: &ImportAnswer, on_tick: Callback<(String, bool)>) -> Html {
    let zh = lang == Lang::Zh;
    let s = &answer.summary;
    let at = |sheet: &Option<String>, row: usize| match (sheet, zh) {
        (Some(sh), true) => format!("{sh} 第 {row} 行"),
        (None, true) => format!("第 {row} 行"),
        (Some(sh), false) => format!("{sh} row {row}"),
        (None, false) => format!("row {row}"),
    };
    let more = |listed: usize, total: usize| {
        (listed < total).then(|| html! {
            <p class="hint">{ if zh { format!("仅列出前 {listed} 条，共 {total} 条") } else { format!("first {listed} of {total} listed") } }</p>
        })
    };
    let field = |record_id: &str, f: &FieldDiff| {
        let key = format!("{record_id}/{}", f.field);
        let newer = f.newer.as_ref().map(|n| {
            let who = answer.people.get(&n.changed_by).cloned().unwrap_or_else(|| tr(lang, "其他账号", "another account").to_owned());
            let when = ybt_core::time::beijing(&n.changed_at);
            let said = if zh {
                format!("台账中此项于 {when} 由 {who}（{}）修改，晚于文件日期", source_name(lang, n.source))
            } else {
                format!("changed in the ledger on {when} by {who} ({}), after the file's date", source_name(lang, n.source))
            };
            let onchange = {
                let (on_tick, key) = (on_tick.clone(), key.clone());
                Callback::from(move |e: Event| {
                    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                    on_tick.emit((key.clone(), input.checked()));
                })
            };
            html! {
                <div class="import-newer">
                    <p class="warning">{ said }</p>
                    <label class="import-overwrite">
                        <input type="checkbox" checked={f.applied} {onchange} />
                        { if zh { format!(" 仍用文件中的值覆盖「{}」", f.title) } else { format!(" overwrite {} with the file's value", f.title) } }
                    </label>
                </div>
            }
        });
        html! {
            <li class="import-field-change" data-field={f.field.clone()} data-applied={f.applied.to_string()}>
                <span class="field-title">{ &f.title }</span>{ "：" }
                <span class="stored">{ shown(lang, &f.stored) }</span>
                { " → " }
                <span class="file">{ shown(lang, &f.file) }</span>
                if !f.applied { <span class="kept">{ tr(lang, "（保留台账现值）", " (ledger value kept)") }</span> }
                { for newer }
            </li>
        }
    };
    html! {
        <div class="import-diff">
            if s.new > 0 {
                <details class="import-added" open={true}>
                    <summary>{ if zh { format!("将新增 {} 条记录", s.new) } else { format!("{} new records", s.new) } }</summary>
                    <ul>
                        { for s.added.iter().map(|a| html! {
                            <li class="import-added-row" data-row={a.row.to_string()}>{ format!("{}：{}", at(&a.sheet, a.row), a.label) }</li>
                        }) }
                    </ul>
                    { for more(s.added.len(), s.new) }
                </details>
            }
            if !s.diff.is_empty() {
                <details class="import-changes" open={true}>
                    <summary>{ if zh {
                        format!("将修改 {} 条记录（台账现值 → 文件中的值）", s.diff.len())
                    } else {
                        format!("{} records differ (ledger now → file)", s.diff.len())
                    } }</summary>
                    <ul>
                        { for s.diff.iter().map(|d| html! {
                            <li class="import-change" data-record={d.record_id.clone()} data-row={d.row.to_string()}>
                                <p class="who">{ format!("{} · {}", at(&d.sheet, d.row), d.label) }</p>
                                <ul>{ for d.fields.iter().map(|f| field(&d.record_id, f)) }</ul>
                            </li>
                        }) }
                    </ul>
                </details>
            }
        </div>
    }
}

/// What a sheet holds, beside its checkbox: `表头在第 3 行，12 行`, or why
/// the worker left it out.
fn sheet_note(lang: Lang, sheet: &SheetSummary) -> String {
    let zh = lang == Lang::Zh;
    match sheet.left_out {
        Some(LeftOut::Empty) => tr(lang, "（空表）", "(empty)").to_owned(),
        Some(LeftOut::NoHeader) => tr(lang, "（找不到表头）", "(no header found)").to_owned(),
        Some(LeftOut::NoKeyColumn) => tr(lang, "（没有身份证号等关键列）", "(no key column such as 身份证号)").to_owned(),
        Some(LeftOut::Hidden) => tr(lang, "（隐藏的工作表，默认不导入）", "(hidden sheet, not imported unless ticked)").to_owned(),
        Some(LeftOut::NotPicked) | None => match sheet.header_row {
            Some(row) if zh => format!("（表头在第 {row} 行，{} 行数据）", sheet.data_rows),
            Some(row) => format!("(header on row {row}, {} data rows)", sheet.data_rows),
            None => String::new(),
        },
    }
}

/// The preview's account of reading the file: each change core made to
/// the text (counted per column, then the first cells one by one) and the
/// rows it skipped.
fn reading(lang: Lang, reading: &Reading) -> Html {
    let zh = lang == Lang::Zh;
    let at = |sheet: &Option<String>, row: usize| match (sheet, zh) {
        (Some(s), true) => format!("{s} 第 {row} 行"),
        (None, true) => format!("第 {row} 行"),
        (Some(s), false) => format!("{s} row {row}"),
        (None, false) => format!("row {row}"),
    };
    let conversions = if reading.conversion_total == 0 {
        html! {}
    } else {
        let shown = reading.conversions.len();
        html! {
            <details class="import-conversions" open={true}>
                <summary>{ if zh {
                    format!("导入时将自动规范 {} 个单元格（下表为将要存入的值）", reading.conversion_total)
                } else {
                    format!("{} cells will be normalised on the way in (what will be stored is shown)", reading.conversion_total)
                } }</summary>
                <ul class="import-conversion-counts">
                    { for reading.conversion_counts.iter().map(|c| html! {
                        <li>{ if zh {
                            format!("「{}」：{} {} 处", c.column, c.change.zh(), c.count)
                        } else {
                            format!("{}: {} × {}", c.column, c.change.en(), c.count)
                        } }</li>
                    }) }
                </ul>
                <div class="table-wrap">
                <table class="import-conversion-list">
                    <thead><tr>
                        <th>{ tr(lang, "位置", "Where") }</th><th>{ tr(lang, "列", "Column") }</th>
                        <th>{ tr(lang, "原值", "In the file") }</th><th>{ tr(lang, "将存为", "Stored as") }</th>
                        <th>{ tr(lang, "处理", "Change") }</th>
                    </tr></thead>
                    <tbody>
                        { for reading.conversions.iter().map(|c| html! {
                            <tr class="import-conversion" data-row={c.row.to_string()} data-field={c.field.clone()}>
                                <td>{ at(&c.sheet, c.row) }</td>
                                <td>{ &c.column }</td>
                                <td class="original">{ show_invisible(&c.original) }</td>
                                <td class="stored">{ &c.stored }</td>
                                <td>{ describe(&c.changes, zh) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
                if shown < reading.conversion_total {
                    <p class="hint">{ if zh {
                        format!("仅列出前 {shown} 个，其余按上面的统计处理")
                    } else {
                        format!("only the first {shown} are listed; the rest are counted above")
                    } }</p>
                }
            </details>
        }
    };
    let skipped = if reading.skipped_total == 0 {
        html! {}
    } else {
        html! {
            <details class="import-skipped" open={true}>
                <summary>{ if zh {
                    format!("跳过 {} 行（不是台账记录）", reading.skipped_total)
                } else {
                    format!("{} rows skipped (not records)", reading.skipped_total)
                } }</summary>
                <ul>
                    { for reading.skipped.iter().map(|s| html! {
                        <li class="import-skipped-row" data-row={s.row.to_string()}>
                            { format!("{}：{}「{}」", at(&s.sheet, s.row), if zh { s.reason.zh() } else { s.reason.en() }, s.text) }
                        </li>
                    }) }
                </ul>
            </details>
        }
    };
    html! { <>{ conversions }{ skipped }</> }
}
