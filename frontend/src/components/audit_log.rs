//! The audit log for administrators: reads of unmasked values, filtered by
//! class (the reads that matter first: under a grant or across areas;
//! routine reads of one's own area apart), person, ledger item, user and
//! period, paged on the server, with the same filter as a CSV download;
//! names, Beijing time and villages by name. Below it, what was done to
//! accounts (created, disabled, reset, grants added and removed).

use ybt_core::Catalog;
use ybt_core::access::ReadClass;
use ybt_core::access::audit::{action_title, item_title};
use ybt_core::api::{AccountEventPage, AuditPage};
use yew::prelude::*;

use crate::api::{self, UserView};
use crate::components::grant_editor::grantable;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub users: Vec<UserView>,
    /// Bumped by the page after an account change, to reload the events.
    pub generation: u32,
}

#[derive(Clone, PartialEq, Default)]
struct Filter {
    class: String,
    user: String,
    item: String,
    person: String,
    from: String,
    to: String,
}

impl Filter {
    fn query(&self, page: u32) -> String {
        let mut parts = vec![format!("page={page}"), "per_page=20".to_owned()];
        for (key, value) in [
            ("class", &self.class),
            ("user", &self.user),
            ("item", &self.item),
            ("person", &self.person),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            let value = value.trim();
            if !value.is_empty() {
                parts.push(format!("{key}={}", String::from(js_sys::encode_uri_component(value))));
            }
        }
        parts.join("&")
    }
}

fn class_title(lang: Lang, class: ReadClass) -> String {
    lang.pick(&class.title()).to_owned()
}

#[function_component(AuditLog)]
pub fn audit_log(props: &Props) -> Html {
    let lang = props.lang;
    let draft = use_state(|| Filter { class: "notable".to_owned(), ..Filter::default() });
    let applied = use_state(|| (*draft).clone());
    let page = use_state(|| 1u32);
    let data = use_state(|| None::<AuditPage>);
    let error = use_state(|| None::<String>);
    let events = use_state(|| None::<AccountEventPage>);
    let events_page = use_state(|| 1u32);
    let catalog = use_memo((), |_| Catalog::builtin().ok());
    let title = |item: &str| catalog.as_ref().as_ref().map(|c| item_title(c, item)).unwrap_or_else(|| item.to_owned());

    {
        let (data, error) = (data.clone(), error.clone());
        use_effect_with(((*applied).clone(), *page, props.generation), move |(filter, page, _)| {
            let query = filter.query(*page);
            wasm_bindgen_futures::spawn_local(async move {
                match api::audit(&query).await {
                    Ok(found) => {
                        error.set(None);
                        data.set(Some(found));
                    }
                    Err(api::ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => {
                        error.set(Some(body.error.fields.iter().map(|f| lang.pick(&f.message).to_owned()).collect::<Vec<_>>().join("；")))
                    }
                    Err(e) => error.set(Some(lang.pick(&e.message()).to_owned())),
                }
            });
        });
    }
    {
        let events = events.clone();
        use_effect_with((*events_page, props.generation), move |(page, _)| {
            let page = *page;
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(found) = api::account_events(page).await {
                    events.set(Some(found));
                }
            });
        });
    }

    let set = |field: fn(&mut Filter) -> &mut String| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            let mut next = (*draft).clone();
            *field(&mut next) = value;
            draft.set(next);
        })
    };
    let set_text = |field: fn(&mut Filter) -> &mut String| {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            let mut next = (*draft).clone();
            *field(&mut next) = value;
            draft.set(next);
        })
    };
    let onsubmit = {
        let (draft, applied, page) = (draft.clone(), applied.clone(), page.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            page.set(1);
            applied.set((*draft).clone());
        })
    };
    let pages = data.as_ref().map_or(1, |d| (d.total.div_ceil(u64::from(d.per_page))).max(1) as u32);
    let go = |to: u32| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.set(to))
    };
    let go_events = |to: u32| {
        let events_page = events_page.clone();
        Callback::from(move |_: MouseEvent| events_page.set(to))
    };
    let export = format!("/api/audit/export?{}", applied.query(1));
    let classes = [
        ("notable", tr(lang, "需关注：凭授权或跨辖区", "Notable: under a grant or across areas")),
        ("routine", tr(lang, "本辖区日常查看", "Routine, own area")),
        ("granted", tr(lang, "凭授权查看", "Under a grant")),
        ("cross_area", tr(lang, "跨辖区", "Across areas")),
        ("all", tr(lang, "全部", "All")),
    ];
    let mut users: Vec<&UserView> = props.users.iter().collect();
    users.sort_by(|a, b| a.user.display_name.cmp(&b.user.display_name));

    html! {
        <>
            <form class="filters audit-filters" id="audit-filters" {onsubmit} aria-label={tr(lang, "审计日志筛选", "Audit log filters")}>
                <label>{ tr(lang, "类别", "Class") }
                    <select name="class" onchange={set(|f| &mut f.class)}>
                        { for classes.iter().map(|(value, label)| html! {
                            <option value={*value} selected={draft.class == *value}>{ *label }</option>
                        }) }
                    </select>
                </label>
                <label>{ tr(lang, "人员（姓名或记录编号）", "Person (name or record id)") }
                    <input type="search" name="person" value={draft.person.clone()} oninput={set_text(|f| &mut f.person)} />
                </label>
                <label>{ tr(lang, "数据项", "Item") }
                    <select name="item" onchange={set(|f| &mut f.item)}>
                        <option value="" selected={draft.item.is_empty()}>{ tr(lang, "全部", "All") }</option>
                        { for grantable().into_iter().flat_map(|(entity, items)| items.into_iter().map(move |(item, field)| (entity.clone(), item, field))).map(|(entity, item, field)| html! {
                            <option value={item.clone()} selected={draft.item == item}>{ format!("{entity}·{field}") }</option>
                        }) }
                    </select>
                </label>
                <label>{ tr(lang, "查看人", "User") }
                    <select name="user" onchange={set(|f| &mut f.user)}>
                        <option value="" selected={draft.user.is_empty()}>{ tr(lang, "全部", "All") }</option>
                        { for users.iter().map(|u| html! {
                            <option value={u.user.user_id.clone()} selected={draft.user == u.user.user_id}>
                                { format!("{}（{}）", u.user.display_name, if u.org_unit_name.is_empty() { u.user.role.title_zh() } else { &u.org_unit_name }) }
                            </option>
                        }) }
                    </select>
                </label>
                <label>{ tr(lang, "起始日期", "From") }
                    <input type="date" name="from" value={draft.from.clone()} onchange={set(|f| &mut f.from)} />
                </label>
                <label>{ tr(lang, "截止日期", "To") }
                    <input type="date" name="to" value={draft.to.clone()} onchange={set(|f| &mut f.to)} />
                </label>
                <div class="actions">
                    <button type="submit" class="primary" id="audit-apply">{ tr(lang, "查询", "Search") }</button>
                    <a class="button secondary" id="audit-export" href={export} download="">{ tr(lang, "导出 CSV", "Export CSV") }</a>
                </div>
            </form>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            if let Some(found) = &*data {
                <p class="meta" id="audit-count" role="status">
                    { format!("{}{}{}", tr(lang, "共 ", ""), found.total, tr(lang, " 条", " entries")) }
                </p>
                <ul class="audit-entries" id="audit">
                    { for found.entries.iter().map(|e| {
                        let who = if e.display_name.is_empty() { e.username.clone() } else { e.display_name.clone() };
                        html! {
                            <li class={classes!("audit-entry", e.class.as_str())} data-class={e.class.as_str()}>
                                <div class="audit-head">
                                    <span class="when">{ ybt_core::time::beijing(&e.at) }</span>
                                    <span class="who">{ who }</span>
                                    <span class={classes!("tag", e.class.as_str())}>{ class_title(lang, e.class) }</span>
                                </div>
                                <div class="audit-body">
                                    <span class="what">{ lang.pick(&action_title(&e.action)).to_owned() }</span>
                                    <span class="items">{ e.items.iter().map(|i| title(i)).collect::<Vec<_>>().join("、") }</span>
                                    <span class="units">{ e.org_unit_names.join("、") }</span>
                                    <span class="records" title={e.record_ids.join("\n")}>{ format!("{} {}", e.record_count, tr(lang, "条记录", "records")) }</span>
                                </div>
                            </li>
                        }
                    }) }
                </ul>
                <nav class="pager" aria-label={tr(lang, "审计日志分页", "Audit log pages")}>
                    <button type="button" class="secondary" id="audit-prev" disabled={*page <= 1} onclick={go(page.saturating_sub(1).max(1))}>{ tr(lang, "上一页", "Previous") }</button>
                    <span id="audit-page">{ format!("{} {} / {}", tr(lang, "第", "Page"), *page, pages) }{ tr(lang, " 页", "") }</span>
                    <button type="button" class="secondary" id="audit-next" disabled={*page >= pages} onclick={go(*page + 1)}>{ tr(lang, "下一页", "Next") }</button>
                </nav>
            }
            <h3>{ tr(lang, "账户与授权变更", "Account and grant changes") }</h3>
            if let Some(found) = &*events {
                <ul class="audit-entries" id="account-events">
                    { for found.events.iter().map(|e| {
                        let mut detail = Vec::new();
                        if !e.added.is_empty() {
                            detail.push(format!("{}{}", tr(lang, "新增：", "added: "), e.added.iter().map(|i| title(i)).collect::<Vec<_>>().join("、")));
                        }
                        if !e.removed.is_empty() {
                            detail.push(format!("{}{}", tr(lang, "撤销：", "removed: "), e.removed.iter().map(|i| title(i)).collect::<Vec<_>>().join("、")));
                        }
                        html! {
                            <li class="audit-entry" data-kind={e.kind.as_str()}>
                                <div class="audit-head">
                                    <span class="when">{ ybt_core::time::beijing(&e.at) }</span>
                                    <span class="who">{ &e.actor_name }</span>
                                    <span class="tag">{ lang.pick(&e.kind.title()).to_owned() }</span>
                                </div>
                                <div class="audit-body">
                                    <span>{ tr(lang, "对象：", "account: ") }{ &e.target_name }</span>
                                    <span class="items">{ detail.join("；") }</span>
                                </div>
                            </li>
                        }
                    }) }
                </ul>
                if found.total > u64::from(found.per_page) {
                    <nav class="pager" aria-label={tr(lang, "账户变更分页", "Account change pages")}>
                        <button type="button" class="secondary" disabled={*events_page <= 1} onclick={go_events(events_page.saturating_sub(1).max(1))}>{ tr(lang, "上一页", "Previous") }</button>
                        <span>{ format!("{} / {}", *events_page, found.total.div_ceil(u64::from(found.per_page))) }</span>
                        <button type="button" class="secondary" disabled={u64::from(*events_page * found.per_page) >= found.total} onclick={go_events(*events_page + 1)}>{ tr(lang, "下一页", "Next") }</button>
                    </nav>
                }
            }
        </>
    }
}
