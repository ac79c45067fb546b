//! Importing a village's Excel/CSV ledger: choose the file, see the
//! suggested column mapping (a select per column, which the clerk may
//! change), check, then import. Shows where a large file is: uploading (with
//! the bytes sent), checking, writing n batches. The worker checks every row
//! before it writes anything, so a refused file stores nothing.

use ybt_core::api::ImportAnswer;
use ybt_core::import::ColumnMapping;
use yew::prelude::*;

use crate::api::{self, ImportResult};
use crate::i18n::{Key, Lang, t};

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

    let run = {
        let (file, phase, mapping, edited, planned, org_unit, imported) =
            (file.clone(), phase.clone(), mapping.clone(), edited.clone(), planned.clone(), props.org_unit.clone(), props.imported.clone());
        Callback::from(move |commit: bool| {
            let Some(chosen) = (*file).clone() else { return };
            let mut query = format!("entity=person&org_unit={org_unit}");
            if !mapping.is_empty() {
                let fields: Vec<&str> = mapping.iter().map(|m| m.field.as_deref().unwrap_or("")).collect();
                query.push_str(&format!("&mapping={}", js_sys::encode_uri_component(&fields.join(","))));
            }
            if commit {
                query.push_str("&commit=true");
            }
            let (phase, mapping, edited, planned, imported) =
                (phase.clone(), mapping.clone(), edited.clone(), planned.clone(), imported.clone());
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
                        edited.set(false);
                        if answer.committed {
                            imported.emit(());
                            phase.set(Phase::Committed(answer));
                        } else {
                            planned.set(answer.batches);
                            phase.set(Phase::Previewed(answer));
                        }
                    }
                    Ok(ImportResult::Refused(refusal)) => {
                        if !refusal.mapping.is_empty() {
                            mapping.set(refusal.mapping);
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
        let (file, phase, mapping) = (file.clone(), phase.clone(), mapping.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let chosen = input.files().and_then(|list| list.get(0));
            mapping.set(Vec::new());
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
                    { format!("{} {percent:.0}%", t(lang, Key::ImportUploading)) }
                    <progress max="100" value={percent.to_string()}></progress>
                </p>
            }
        }
        Phase::Working { commit: false } => {
            html! { <p class="import-phase" data-phase="checking">{ t(lang, Key::ImportChecking) }</p> }
        }
        Phase::Working { commit: true } => html! {
            <p class="import-phase" data-phase="writing">{ format!("{} {}", t(lang, Key::ImportWriting), *planned) }</p>
        },
        Phase::Previewed(answer) => html! {
            <p class="import-phase" data-phase="previewed">
                { summary(lang, answer) }
            </p>
        },
        Phase::Committed(answer) => html! {
            <p class="import-phase" data-phase="committed">
                { format!("{} {}", t(lang, Key::ImportDone), summary(lang, answer)) }
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
                <thead><tr><th>{ t(lang, Key::ImportColumn) }</th><th>{ t(lang, Key::ImportField) }</th></tr></thead>
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
                        html! {
                            <tr>
                                <td>{ &m.header }</td>
                                <td>
                                    <select class="import-field" data-column={i.to_string()} {onchange} disabled={busy}>
                                        <option value="" selected={m.field.is_none()}>{ t(lang, Key::ImportSkip) }</option>
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

    let can_commit = matches!(&*phase, Phase::Previewed(a) if a.summary.new + a.summary.changed > 0) && !*edited && !busy;
    let check = run.reform(|_: MouseEvent| false);
    let commit = run.reform(|_: MouseEvent| true);
    html! {
        <section class="panel" id="import">
            <h2>{ t(lang, Key::Import) }</h2>
            <input type="file" class="import-file" accept=".xlsx,.csv" onchange={on_file} disabled={busy} />
            <button class="import-check" onclick={check} disabled={file.is_none() || busy}>{ t(lang, Key::ImportCheck) }</button>
            <button class="import-commit" onclick={commit} disabled={!can_commit}>{ t(lang, Key::ImportCommit) }</button>
            if *edited { <p class="import-hint">{ t(lang, Key::ImportRecheck) }</p> }
            { status }
            { selects }
        </section>
    }
}

fn summary(lang: Lang, answer: &ImportAnswer) -> String {
    let s = &answer.summary;
    if lang == Lang::Zh {
        format!(
            "共 {} 行：新增 {}，修改 {}，不变 {}；写入分 {} 批（每批要么全部写入，要么全不写入）",
            s.data_rows, s.new, s.changed, s.unchanged, answer.batches
        )
    } else {
        format!(
            "{} rows: {} new, {} changed, {} unchanged; {} write batch(es), each all or nothing",
            s.data_rows, s.new, s.changed, s.unchanged, answer.batches
        )
    }
}
