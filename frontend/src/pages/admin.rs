//! For system administrators: accounts (status, grants per record type and
//! item, disable / re-enable, password reset, unlock), creating accounts,
//! and the audit log. Every change is confirmed before it is sent.

use ybt_core::Catalog;
use ybt_core::access::audit::item_title;
use ybt_core::api::UpdateUserRequest;
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, UserView};
use crate::components::audit_log::AuditLog;
use crate::components::grant_editor::GrantEditor;
use crate::components::new_user_form::NewUserForm;
use crate::components::password_reset::PasswordReset;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Accounts,
    Create,
    Audit,
}

/// What is open under an account's row.
#[derive(Clone, PartialEq)]
enum Panel {
    Grants(String),
    Reset(String),
    Disable(String),
}

#[function_component(AdminPage)]
pub fn admin_page(props: &Props) -> Html {
    let lang = props.lang;
    let tab = use_state(|| Tab::Accounts);
    let users = use_state(Vec::<UserView>::new);
    let error = use_state(|| None::<Text>);
    let notice = use_state(|| None::<String>);
    let panel = use_state(|| None::<Panel>);
    let reload = use_state(|| 0u32);
    let catalog = use_memo((), |_| Catalog::builtin().ok());

    {
        let (users, error) = (users.clone(), error.clone());
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::users().await {
                    Ok(u) => users.set(u),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }

    let done = {
        let (panel, notice, reload) = (panel.clone(), notice.clone(), reload.clone());
        Callback::from(move |message: String| {
            panel.set(None);
            notice.set(Some(message));
            reload.set(*reload + 1);
        })
    };
    let close = {
        let panel = panel.clone();
        Callback::from(move |_: ()| panel.set(None))
    };
    let open = |which: Panel| {
        let (panel, notice) = (panel.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            panel.set(if *panel == Some(which.clone()) { None } else { Some(which.clone()) });
        })
    };
    let set_disabled = |user: &UserView, disabled: bool| {
        let (user_id, name, error, done) = (user.user.user_id.clone(), user.user.display_name.clone(), error.clone(), done.clone());
        Callback::from(move |_: MouseEvent| {
            let (user_id, name, error, done) = (user_id.clone(), name.clone(), error.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_user(&user_id, &UpdateUserRequest { disabled }).await {
                    Ok(_) => done.emit(if disabled {
                        format!("{}{name}{}", tr(lang, "已停用 ", "Disabled "), tr(lang, "：其会话已结束", ": their sessions have ended"))
                    } else {
                        format!("{}{name}", tr(lang, "已启用 ", "Enabled "))
                    }),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let unlock = |user: &UserView| {
        let (user_id, name, error, done) = (user.user.user_id.clone(), user.user.display_name.clone(), error.clone(), done.clone());
        Callback::from(move |_: MouseEvent| {
            let (user_id, name, error, done) = (user_id.clone(), name.clone(), error.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::unlock_user(&user_id).await {
                    Ok(_) => {
                        done.emit(format!("{}{name}{}", tr(lang, "已解除 ", "Lifted the sign-in lock of "), tr(lang, " 的登录锁定", "")))
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let grant_titles = |u: &UserView| -> String {
        if u.user.grants.is_empty() {
            return tr(lang, "无（只见部分号码）", "none (masked)").to_owned();
        }
        u.user
            .grants
            .iter()
            .map(|g| catalog.as_ref().as_ref().map(|c| item_title(c, g)).unwrap_or_else(|| g.clone()))
            .collect::<Vec<_>>()
            .join("、")
    };
    let status = |u: &UserView| -> (&'static str, &'static str) {
        if u.disabled {
            ("disabled", tr(lang, "已停用", "disabled"))
        } else if u.must_change_password {
            ("must-change", tr(lang, "待本人改密", "must change password"))
        } else {
            ("active", tr(lang, "正常", "active"))
        }
    };

    let tab_button = |which: Tab, id: &'static str, label: &'static str| {
        let tab_state = tab.clone();
        let onclick = Callback::from(move |_: MouseEvent| tab_state.set(which));
        html! {
            <button type="button" role="tab" id={id} class={classes!("tab", (*tab == which).then_some("current"))}
                aria-selected={(*tab == which).to_string()} {onclick}>{ label }</button>
        }
    };

    let accounts = html! {
        <section class="panel" aria-labelledby="accounts-title">
            <h2 id="accounts-title">{ tr(lang, "账号与授权", "Accounts and grants") }</h2>
            <p class="notice" id="admin-notice" role="status">{ (*notice).clone().unwrap_or_default() }</p>
            <table class="accounts" id="users">
                <thead><tr>
                    <th>{ tr(lang, "姓名", "Name") }</th><th>{ tr(lang, "角色", "Role") }</th><th>{ tr(lang, "所属单位", "Org unit") }</th>
                    <th>{ tr(lang, "状态", "Status") }</th><th>{ tr(lang, "明文查看授权", "Unmasked reading") }</th><th>{ tr(lang, "操作", "Actions") }</th>
                </tr></thead>
                <tbody>
                    { for users.iter().map(|u| {
                        let id = u.user.user_id.clone();
                        let name = u.user.display_name.clone();
                        let (status_class, status_text) = status(u);
                        let open_panel = (*panel).clone().filter(|p| matches!(p, Panel::Grants(i) | Panel::Reset(i) | Panel::Disable(i) if *i == id));
                        html! {
                            <>
                                <tr data-user={u.user.username.clone()} class={classes!("account", status_class)}>
                                    <td class="name"><strong>{ &name }</strong><span class="meta username">{ &u.user.username }</span></td>
                                    <td class="role">{ u.user.role.title_zh() }{ u.user.department.as_ref().map(|d| format!("（{d}）")).unwrap_or_default() }</td>
                                    <td class="unit" title={u.user.org_unit.clone()} data-label={tr(lang, "所属单位", "Org unit")}>{ if u.org_unit_name.is_empty() { &u.user.org_unit } else { &u.org_unit_name } }</td>
                                    <td class="acct-status"><span class={classes!("tag", status_class)}>{ status_text }</span></td>
                                    <td class="grants" data-label={tr(lang, "明文查看", "Unmasked")}>{ grant_titles(u) }</td>
                                    <td class="row-actions">
                                        <button type="button" class="secondary grants-open" onclick={open(Panel::Grants(id.clone()))}
                                            aria-expanded={matches!(open_panel, Some(Panel::Grants(_))).to_string()}
                                            aria-label={format!("{} · {name}", tr(lang, "授权", "Grants"))}>{ tr(lang, "授权", "Grants") }</button>
                                        <button type="button" class="secondary reset-open" onclick={open(Panel::Reset(id.clone()))}
                                            aria-expanded={matches!(open_panel, Some(Panel::Reset(_))).to_string()}
                                            aria-label={format!("{} · {name}", tr(lang, "重置密码", "Reset password"))}>{ tr(lang, "重置密码", "Reset password") }</button>
                                        if u.disabled {
                                            <button type="button" class="secondary enable" onclick={set_disabled(u, false)}
                                                aria-label={format!("{} · {name}", tr(lang, "启用", "Enable"))}>{ tr(lang, "启用", "Enable") }</button>
                                        } else {
                                            <button type="button" class="secondary disable" onclick={open(Panel::Disable(id.clone()))}
                                                aria-expanded={matches!(open_panel, Some(Panel::Disable(_))).to_string()}
                                                aria-label={format!("{} · {name}", tr(lang, "停用", "Disable"))}>{ tr(lang, "停用", "Disable") }</button>
                                        }
                                        <button type="button" class="secondary unlock" onclick={unlock(u)}
                                            aria-label={format!("{} · {name}", tr(lang, "解除登录锁定", "Unlock sign-in"), )}>{ tr(lang, "解除登录锁定", "Unlock sign-in") }</button>
                                    </td>
                                </tr>
                                if let Some(open_panel) = open_panel {
                                    <tr class="user-panel"><td colspan="6">
                                        { match open_panel {
                                            Panel::Grants(_) => html! {
                                                <GrantEditor lang={lang} user={u.clone()} on_saved={done.clone()} on_cancel={close.clone()} />
                                            },
                                            Panel::Reset(_) => html! {
                                                <PasswordReset lang={lang} user={u.clone()} on_done={done.clone()} on_cancel={close.clone()} />
                                            },
                                            Panel::Disable(_) => html! {
                                                <div class="confirm" id="disable-confirm" role="alertdialog" aria-labelledby="disable-confirm-title">
                                                    <p id="disable-confirm-title"><strong>{ format!("{}{name}{}", tr(lang, "确认停用 ", "Disable "), tr(lang, "？", "?")) }</strong></p>
                                                    <p>{ tr(lang, "停用后对方立即退出登录，不能再登录，直到重新启用。", "They are signed out at once and cannot sign in until re-enabled.") }</p>
                                                    <div class="actions">
                                                        <button type="button" class="primary" id="disable-confirm-yes" onclick={set_disabled(u, true)}>{ tr(lang, "确认停用", "Disable") }</button>
                                                        <button type="button" class="secondary" onclick={close.reform(|_: MouseEvent| ())}>{ tr(lang, "取消", "Cancel") }</button>
                                                    </div>
                                                </div>
                                            },
                                        } }
                                    </td></tr>
                                }
                            </>
                        }
                    }) }
                </tbody>
            </table>
        </section>
    };

    html! {
        <>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <div class="tabs" role="tablist" aria-label={tr(lang, "系统管理", "Administration")}>
                { tab_button(Tab::Accounts, "tab-accounts", tr(lang, "账户与授权", "Accounts")) }
                { tab_button(Tab::Create, "tab-create", tr(lang, "新建账户", "New account")) }
                { tab_button(Tab::Audit, "tab-audit", tr(lang, "审计日志", "Audit log")) }
            </div>
            { match *tab {
                Tab::Accounts => accounts,
                Tab::Create => html! {
                    <section class="panel" aria-labelledby="create-title">
                        <h2 id="create-title">{ tr(lang, "新建账号", "Create account") }</h2>
                        <NewUserForm lang={lang} on_created={{ let reload = reload.clone(); Callback::from(move |_| reload.set(*reload + 1)) }} />
                    </section>
                },
                Tab::Audit => html! {
                    <section class="panel" aria-labelledby="audit-title">
                        <h2 id="audit-title">{ tr(lang, "敏感信息查看记录", "Audit log of unmasked reads") }</h2>
                        <AuditLog lang={lang} users={(*users).clone()} generation={*reload} />
                    </section>
                },
            } }
        </>
    }
}
