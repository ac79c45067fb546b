//! What the import panel shows of a check: the summary, the file's date,
//! the diff per changed record (with the held-back fields and their
//! checkboxes), the sheets and what core cleaned or skipped on the way in.

use serde_json::Value;
use ybt_core::api::ImportAnswer;
use ybt_core::import::normalize::{describe, show_invisible};
use ybt_core::import::{FieldDiff, LeftOut, Reading, SheetSummary};
use ybt_core::ledger::Source;
use yew::prelude::*;

use crate::i18n::{Lang, tr};

pub(super) fn summary(lang: Lang, answer: &ImportAnswer) -> String {
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
pub(super) fn file_date(lang: Lang, answer: &ImportAnswer, typed: &str, on_change: Callback<Event>) -> Html {
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
pub(super) fn shown(lang: Lang, value: &Value) -> String {
    match value {
        Value::Null => tr(lang, "（空）", "(empty)").to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => tr(lang, if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).to_owned(),
        Value::Array(items) => items.iter().map(|v| shown(lang, v)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

pub(super) fn source_name(lang: Lang, source: Source) -> &'static str {
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
pub(super) fn diff(lang: Lang, answer: &ImportAnswer, on_tick: Callback<(String, bool)>) -> Html {
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
pub(super) fn sheet_note(lang: Lang, sheet: &SheetSummary) -> String {
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
pub(super) fn reading(lang: Lang, reading: &Reading) -> Html {
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
