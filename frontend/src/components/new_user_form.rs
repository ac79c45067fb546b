//! The form administrators create accounts with: the role first, then the
//! org unit picked by name at the role's level, the department for an
//! analyst only, and a password under core's rule. Field errors come from
//! the worker (core's account and password rules) and show under their
//! inputs; a created account is confirmed in words.

use std::collections::HashMap;

use ybt_core::access::{MIN_PASSWORD_CHARS, Role, level_of};
use ybt_core::api::{CreateUserRequest, OrgUnitHit};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::org_unit_picker::OrgUnitPicker;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_created: Callback<()>,
}

#[function_component(NewUserForm)]
pub fn new_user_form(props: &Props) -> Html {
    let lang = props.lang;
    let values = use_state(HashMap::<&'static str, String>::new);
    let role = use_state(|| Role::VillageStaff);
    let unit = use_state(|| None::<OrgUnitHit>);
    let errors = use_state(HashMap::<String, String>::new);
    let general = use_state(|| None::<String>);
    let created = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // Bumped on each account created: the picker starts afresh.
    let generation = use_state(|| 0u32);

    let onsubmit = {
        let (values, role, unit, errors, general, created, busy, on_created, generation) = (
            values.clone(),
            role.clone(),
            unit.clone(),
            errors.clone(),
            general.clone(),
            created.clone(),
            busy.clone(),
            props.on_created.clone(),
            generation.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let get = |k: &str| values.get(k).cloned().unwrap_or_default();
            let department = get("department");
            let request = CreateUserRequest {
                username: get("username").trim().to_owned(),
                display_name: get("display_name").trim().to_owned(),
                role: *role,
                org_unit: unit.as_ref().map(|u| u.code.clone()).unwrap_or_default(),
                department: (*role == Role::DepartmentAnalyst && !department.trim().is_empty()).then(|| department.trim().to_owned()),
                password: get("password"),
            };
            let unit_name = unit.as_ref().map(|u| u.name.clone()).unwrap_or_default();
            let (errors, general, created, busy, on_created, values, unit, generation) = (
                errors.clone(),
                general.clone(),
                created.clone(),
                busy.clone(),
                on_created.clone(),
                values.clone(),
                unit.clone(),
                generation.clone(),
            );
            busy.set(true);
            created.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_user(&request).await {
                    Ok(user) => {
                        errors.set(HashMap::new());
                        general.set(None);
                        values.set(HashMap::new());
                        unit.set(None);
                        generation.set(*generation + 1);
                        created.set(Some(format!(
                            "{}{}（{}）· {} · {unit_name}",
                            tr(lang, "已创建账户：", "Account created: "),
                            user.user.display_name,
                            user.user.username,
                            user.user.role.title_zh()
                        )));
                        on_created.emit(());
                    }
                    Err(ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => {
                        let mut by_field: HashMap<String, String> = HashMap::new();
                        for f in &body.error.fields {
                            let entry = by_field.entry(f.pointer.trim_start_matches('/').to_owned()).or_default();
                            if !entry.is_empty() {
                                entry.push('；');
                            }
                            entry.push_str(lang.pick(&f.message));
                        }
                        errors.set(by_field);
                        general.set(Some(lang.pick(&body.error.message).to_owned()));
                    }
                    Err(failure) => general.set(Some(lang.pick(&failure.message()).to_owned())),
                }
                busy.set(false);
            });
        })
    };
    let on_role = {
        let (role, unit) = (role.clone(), unit.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            if let Some(r) = Role::ALL.into_iter().find(|r| format!("{r:?}") == value) {
                if level_of(r) != level_of(*role) {
                    unit.set(None);
                }
                role.set(r);
            }
        })
    };
    let on_pick = {
        let unit = unit.clone();
        Callback::from(move |hit: Option<OrgUnitHit>| unit.set(hit))
    };
    let field = |name: &'static str, label: &str, kind: &'static str, hint: Option<String>| {
        let current = values.get(name).cloned().unwrap_or_default();
        let values = values.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*values).clone();
            next.insert(name, e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
            values.set(next);
        });
        let error = errors.get(name).cloned();
        let described = format!("{name}-error {name}-hint");
        let autocomplete = if kind == "password" { "new-password" } else { "off" };
        html! {
            <label>{ label }
                <input name={name} type={kind} {oninput} value={current} aria-invalid={error.is_some().to_string()}
                    aria-describedby={described} autocomplete={autocomplete} />
                if let Some(hint) = hint { <span class="meta" id={format!("{name}-hint")}>{ hint }</span> }
                <span class="cell-error" id={format!("{name}-error")} data-error-for={name}>{ error.unwrap_or_default() }</span>
            </label>
        }
    };
    let rule = format!(
        "{MIN_PASSWORD_CHARS}{}",
        tr(
            lang,
            " 个字符以上，含大写字母、小写字母、数字、符号中至少三类；不能含用户名或为常见密码",
            "+ characters with three of: uppercase, lowercase, digits, symbols; not the user name or a common password"
        )
    );
    html! {
        <form id="new-user" class="new-user" {onsubmit}>
            { field("username", tr(lang, "用户名", "User name"), "text", Some(tr(lang, "3–32 位小写字母、数字或 _ . -", "3–32 lowercase letters, digits or _ . -").to_owned())) }
            { field("display_name", tr(lang, "姓名", "Name"), "text", None) }
            <label>{ tr(lang, "角色", "Role") }
                <select name="role" onchange={on_role}>
                    { for Role::ALL.iter().map(|r| html! {
                        <option value={format!("{r:?}")} selected={*r == *role}>{ r.title_zh() }</option>
                    }) }
                </select>
            </label>
            <OrgUnitPicker key={*generation} lang={lang} level={level_of(*role)} value={(*unit).clone()} on_pick={on_pick}
                error={errors.get("org_unit").cloned()} />
            if *role == Role::DepartmentAnalyst {
                { field("department", tr(lang, "所属部门（部门分析员）", "Department (analysts)"), "text", Some(tr(lang, "如 区民政局", "e.g. 区民政局").to_owned())) }
            }
            { field("password", tr(lang, "初始密码", "Initial password"), "password", Some(rule)) }
            <button class="primary" type="submit" disabled={*busy}>{ tr(lang, "新建账号", "Create account") }</button>
            if let Some(message) = &*general { <p class="error" role="alert">{ message }</p> }
            <p class="created" id="user-created" role="status">{ (*created).clone().unwrap_or_default() }</p>
        </form>
    }
}
