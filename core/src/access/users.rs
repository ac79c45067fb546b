//! Rules for accounts that administrators create and the grants they give.

use crate::access::{Principal, Role};
use crate::catalog::Catalog;
use crate::field_error::FieldError;
use crate::ids::OrgLevel;
use crate::text::Text;
use serde::{Deserialize, Serialize};

/// The org level a role's users belong to.
pub fn level_of(role: Role) -> OrgLevel {
    match role {
        Role::VillageStaff => OrgLevel::Village,
        Role::TownCoordinator => OrgLevel::Town,
        Role::SystemAdmin | Role::AdminSpecialist | Role::DepartmentAnalyst => OrgLevel::District,
    }
}

/// Every problem with a new account request (not whether the org unit exists:
/// the caller checks that against its store).
pub fn validate_new_user(request: &CreateUserRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = &request.username;
    if !(3..=32).contains(&name.len())
        || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
    {
        errors.push(FieldError::zh_en(
            "/username",
            "invalid_username",
            "用户名须为 3–32 个小写字母、数字或 _ . -",
            "user name: 3–32 lowercase letters, digits or _ . -",
        ));
    }
    if request.display_name.trim().is_empty() || request.display_name.chars().count() > 50 {
        errors.push(FieldError::zh_en("/display_name", "invalid_display_name", "姓名须为 1–50 个字符", "display name: 1–50 characters"));
    }
    errors.extend(super::check_password("/password", &request.password, name));
    let level = level_of(request.role);
    if OrgLevel::of_code(&request.org_unit) != Some(level) {
        errors.push(FieldError::zh_en(
            "/org_unit",
            "wrong_org_level",
            format!(
                "该角色须属于{}级单位",
                match level {
                    OrgLevel::District => "区",
                    OrgLevel::Town => "镇（街道）",
                    OrgLevel::Village => "村（社区）",
                }
            ),
            format!("this role belongs to a {} unit", level.as_str()),
        ));
    }
    let department = request.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
    match (request.role, department) {
        (Role::DepartmentAnalyst, None) => errors.push(FieldError::zh_en(
            "/department",
            "missing_department",
            "部门分析员须填写所属部门",
            "a department analyst needs a department",
        )),
        (Role::DepartmentAnalyst, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::zh_en(
            "/department",
            "unexpected_department",
            "只有部门分析员属于部门",
            "only department analysts have a department",
        )),
    }
    errors
}

/// What an administrator does to an existing account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    Disable,
    Enable,
    ResetPassword,
}

/// Whether `actor` may make `change` to the account `target_id` (the
/// caller has already required `Action::ManageUsers`). An administrator
/// cannot disable their own account (nobody would be left to re-enable it)
/// nor reset their own password (they change it with the current one).
pub fn check_account_change(actor: &Principal, target_id: &str, change: AccountChange) -> Result<(), Text> {
    match change {
        AccountChange::Disable if actor.user_id == target_id => Err(Text::new("不能停用自己的账户", "you cannot disable your own account")),
        AccountChange::ResetPassword if actor.user_id == target_id => {
            Err(Text::new("不能重置自己的密码，请在“修改密码”中用当前密码修改", "change your own password with the current one instead"))
        }
        AccountChange::Disable | AccountChange::Enable | AccountChange::ResetPassword => Ok(()),
    }
}

/// Every granted item must be a ledger item of the catalog, or the grant
/// of new fields marked `x-sensitive` ([`super::SENSITIVE_FIELDS_GRANT`]).
pub fn validate_grants(items: &[String], catalog: &Catalog) -> Vec<FieldError> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| catalog.get(item).is_none() && item.as_str() != super::SENSITIVE_FIELDS_GRANT)
        .map(|(i, item)| {
            FieldError::zh_en(
                &format!("/items/{i}"),
                "unknown_ledger_item",
                format!("台账中没有数据项 {item}"),
                format!("no ledger item {item}"),
            )
        })
        .collect()
}

/// `POST /api/users` (system administrators only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: crate::access::Role,
    pub org_unit: String,
    #[serde(default)]
    pub department: Option<String>,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(role: Role, org_unit: &str, department: Option<&str>) -> CreateUserRequest {
        CreateUserRequest {
            username: "wang.fang".into(),
            display_name: "王芳".into(),
            role,
            org_unit: org_unit.into(),
            department: department.map(str::to_owned),
            password: "Long enough pass 1".into(),
        }
    }

    fn codes(request: &CreateUserRequest) -> Vec<String> {
        validate_new_user(request).into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn roles_sit_at_their_level() {
        assert!(codes(&request(Role::VillageStaff, "500118100001", None)).is_empty());
        assert!(codes(&request(Role::TownCoordinator, "500118100", None)).is_empty());
        assert!(codes(&request(Role::DepartmentAnalyst, "500118", Some("区民政局"))).is_empty());
        assert_eq!(codes(&request(Role::VillageStaff, "500118100", None)), ["wrong_org_level"]);
        assert_eq!(codes(&request(Role::DepartmentAnalyst, "500118", None)), ["missing_department"]);
        assert_eq!(codes(&request(Role::TownCoordinator, "500118100", Some("区民政局"))), ["unexpected_department"]);
    }

    #[test]
    fn every_problem_is_listed() {
        let mut bad = request(Role::VillageStaff, "5", None);
        bad.username = "Wang Fang".into();
        bad.display_name = " ".into();
        bad.password = "short".into();
        assert_eq!(
            codes(&bad),
            ["invalid_username", "invalid_display_name", "password_too_short", "password_too_few_classes", "wrong_org_level"]
        );
    }

    #[test]
    fn an_administrator_keeps_their_own_account() {
        let admin = Principal {
            user_id: "a1".into(),
            username: "admin".into(),
            display_name: "管理员".into(),
            role: Role::SystemAdmin,
            org_unit: "500118".into(),
            department: None,
            grants: vec![],
        };
        assert!(check_account_change(&admin, "a1", AccountChange::Disable).is_err());
        assert!(check_account_change(&admin, "a1", AccountChange::ResetPassword).is_err());
        assert!(check_account_change(&admin, "a1", AccountChange::Enable).is_ok());
        assert!(check_account_change(&admin, "u2", AccountChange::Disable).is_ok());
        assert!(check_account_change(&admin, "u2", AccountChange::ResetPassword).is_ok());
    }

    #[test]
    fn grants_name_real_ledger_items() {
        let catalog = Catalog::builtin().expect("catalog");
        let items = vec!["person.id_number".to_owned(), "person.salary".to_owned()];
        let errors = validate_grants(&items, &catalog);
        assert_eq!(errors.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/items/1"]);
    }
}
