//! Accounts for system administrators, as use cases: list, create, disable
//! and re-enable, reset a password, set grants, lift a lockout; and the
//! audit log (unmasked reads, as a page or CSV, and what was done to
//! accounts). Every change is logged in the transaction that makes it
//! (the [`Accounts`] port's contract).

use crate::service::require;
use serde::Serialize;

use super::accounts::{Accounts, GrantsChange, NewUser, Passwords, new_hash, user_key_prefix};
use super::{Directory, Now, ServiceError};
use crate::Catalog;
use crate::access::audit::{AuditQuery, DEFAULT_PER_PAGE, MAX_EXPORT_ROWS, MAX_PER_PAGE, audit_csv, grant_changes};
use crate::access::{AccountChange, Action, Principal, check_account_change, check_password, validate_grants, validate_new_user};
use crate::api::{AccountEventPage, AuditPage, CreateUserRequest, GrantsRequest, ResetPasswordRequest, UpdateUserRequest};
use crate::messages::Text;
use crate::validate::FieldError;

/// A user as administrators see it: never the password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: Principal,
    /// The name of `user.org_unit`, for people.
    pub org_unit_name: String,
    pub disabled: bool,
    /// A reset password the user has not yet replaced.
    pub must_change_password: bool,
}

/// The audit log as CSV, for Excel and WPS.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditExport {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// 403 unless the principal manages accounts. The handlers ask first,
/// before reading a body, and every use case here asks again.
pub fn require_admin(principal: &Principal) -> Result<(), ServiceError> {
    require(principal, &Action::ManageUsers)
}

/// 403 unless the principal reads the audit log.
pub fn require_auditor(principal: &Principal) -> Result<(), ServiceError> {
    require(principal, &Action::ReadAuditLog)
}

fn no_user() -> ServiceError {
    ServiceError::NotFound { what: "user", zh: "该用户" }
}

fn own_account(message: Text) -> ServiceError {
    ServiceError::Conflict { code: "own_account", message }
}

fn validation(errors: Vec<FieldError>) -> Result<(), ServiceError> {
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Validation(errors)) }
}

/// `GET /api/users`: every account, by user name.
pub async fn list_users(principal: &Principal, store: &impl Accounts) -> Result<Vec<UserView>, ServiceError> {
    require_admin(principal)?;
    let users = store.users().await?;
    let mut codes: Vec<&str> = users.iter().map(|u| u.org_unit.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let names = store.unit_names(&codes).await?;
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let grants = store.grants(&user.id).await?;
        let (disabled, must_change_password) = (user.disabled, user.must_change_password);
        let org_unit_name = names.get(&user.org_unit).cloned().unwrap_or_default();
        out.push(UserView { user: user.principal(grants), org_unit_name, disabled, must_change_password });
    }
    Ok(out)
}

/// `POST /api/users`: creates an account. Retry: the same request again
/// answers 409 `username_taken` — the first created it, nothing is created
/// twice. Crash: the user and its event are one batch.
pub async fn create_user(
    principal: &Principal,
    request: CreateUserRequest,
    now: &Now,
    store: &(impl Accounts + Directory),
    crypto: &impl Passwords,
) -> Result<UserView, ServiceError> {
    require_admin(principal)?;
    let mut errors = validate_new_user(&request);
    if errors.iter().all(|e| e.pointer != "/org_unit") && store.org_unit(&request.org_unit).await?.is_none() {
        errors.push(FieldError::new("/org_unit", "unknown_org_unit", Text::new("没有这个行政区划", "no such org unit")));
    }
    validation(errors)?;
    let stored = new_hash(crypto, &request.password).await?;
    let id = crypto.random_id()?;
    let new = NewUser { id: &id, request: &request, password_hash: &stored, actor: &principal.user_id, at: &now.instant };
    if !store.create_user(&new).await? {
        return Err(ServiceError::Conflict { code: "username_taken", message: Text::new("用户名已被使用", "user name is taken") });
    }
    let user = Principal {
        user_id: id,
        username: request.username,
        display_name: request.display_name,
        role: request.role,
        org_unit: request.org_unit,
        department: request.department,
        grants: vec![],
    };
    let org_unit_name = store.org_unit(&user.org_unit).await?.map(|u| u.name).unwrap_or_default();
    Ok(UserView { user, org_unit_name, disabled: false, must_change_password: false })
}

/// `PUT /api/users/{id}/grants`: replaces a user's grants (all or nothing,
/// with the event naming what was added and removed). Retry: changes
/// nothing and logs nothing.
pub async fn set_grants(
    principal: &Principal,
    id: &str,
    request: GrantsRequest,
    catalog: &Catalog,
    now: &Now,
    store: &impl Accounts,
) -> Result<GrantsRequest, ServiceError> {
    require_admin(principal)?;
    validation(validate_grants(&request.items, catalog))?;
    if store.user_by_id(id).await?.is_none() {
        return Err(no_user());
    }
    let before = store.grants(id).await?;
    let (added, removed) = grant_changes(&before, &request.items);
    let change =
        GrantsChange { user_id: id, items: &request.items, added: &added, removed: &removed, by: &principal.user_id, at: &now.instant };
    store.replace_grants(&change).await?;
    Ok(request)
}

/// `POST /api/users/{id}/unlock`: lifts every login lockout of the user
/// (from any address); how many keys were cleared. Idempotent.
pub async fn unlock_user(principal: &Principal, id: &str, store: &impl Accounts) -> Result<u64, ServiceError> {
    require_admin(principal)?;
    let user = store.user_by_id(id).await?.ok_or_else(no_user)?;
    store.unlock(&user_key_prefix(&user.username)).await
}

/// `PATCH /api/users/{id}`: disables an account (its sessions end at once)
/// or re-enables it; not one's own. Retry: answers the same and logs
/// nothing twice.
pub async fn update_user(
    principal: &Principal,
    id: &str,
    request: UpdateUserRequest,
    now: &Now,
    store: &(impl Accounts + Directory),
) -> Result<UserView, ServiceError> {
    require_admin(principal)?;
    let change = if request.disabled { AccountChange::Disable } else { AccountChange::Enable };
    check_account_change(principal, id, change).map_err(own_account)?;
    if store.user_by_id(id).await?.is_none() {
        return Err(no_user());
    }
    store.set_disabled(id, request.disabled, &principal.user_id, &now.instant).await?;
    view(store, id).await
}

/// `POST /api/users/{id}/password`: an administrator sets a temporary
/// password (the same rule as any password); the user's sessions end and
/// lockouts lift, and the next sign-in must choose a new one. Retry: sets
/// the same password again (and logs a second reset).
pub async fn reset_password(
    principal: &Principal,
    id: &str,
    request: ResetPasswordRequest,
    now: &Now,
    store: &(impl Accounts + Directory),
    crypto: &impl Passwords,
) -> Result<UserView, ServiceError> {
    require_admin(principal)?;
    check_account_change(principal, id, AccountChange::ResetPassword).map_err(own_account)?;
    let user = store.user_by_id(id).await?.ok_or_else(no_user)?;
    validation(check_password("/password", &request.password, &user.username))?;
    let stored = new_hash(crypto, &request.password).await?;
    store.reset_password(&user.id, &user_key_prefix(&user.username), &stored, &principal.user_id, &now.instant).await?;
    view(store, id).await
}

async fn view(store: &(impl Accounts + Directory), id: &str) -> Result<UserView, ServiceError> {
    let user = store.user_by_id(id).await?.ok_or_else(no_user)?;
    let grants = store.grants(&user.id).await?;
    let org_unit_name = store.org_unit(&user.org_unit).await?.map(|u| u.name).unwrap_or_default();
    let (disabled, must_change_password) = (user.disabled, user.must_change_password);
    Ok(UserView { user: user.principal(grants), org_unit_name, disabled, must_change_password })
}

/// `GET /api/audit`: one page of unmasked reads under the query.
pub async fn audit_page(
    principal: &Principal,
    query: &AuditQuery,
    catalog: &Catalog,
    store: &impl Accounts,
) -> Result<AuditPage, ServiceError> {
    require_auditor(principal)?;
    let filter = query.check(catalog).map_err(ServiceError::Validation)?;
    let page = store.audit_log(&filter, filter.per_page, filter.offset()).await?;
    Ok(AuditPage { entries: page.items, total: page.total, page: filter.page, per_page: filter.per_page })
}

/// `GET /api/audit/export`: every entry the query matches (at most
/// `MAX_EXPORT_ROWS`, newest first; paging ignored), named by the Beijing day.
pub async fn audit_export(
    principal: &Principal,
    query: &AuditQuery,
    catalog: &Catalog,
    now: &Now,
    store: &impl Accounts,
) -> Result<AuditExport, ServiceError> {
    require_auditor(principal)?;
    let filter = query.check(catalog).map_err(ServiceError::Validation)?;
    let page = store.audit_log(&filter, MAX_EXPORT_ROWS, 0).await?;
    let day = crate::time::beijing_date(&now.instant);
    Ok(AuditExport { filename: format!("audit-{day}.csv"), bytes: audit_csv(&page.items, catalog) })
}

/// `GET /api/audit/accounts`: what was done to accounts (of one user),
/// newest first; page and page size clamped.
pub async fn account_events(
    principal: &Principal,
    user: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    store: &impl Accounts,
) -> Result<AccountEventPage, ServiceError> {
    require_auditor(principal)?;
    let page = page.unwrap_or(1).clamp(1, 100_000);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    let user = user.filter(|u| !u.trim().is_empty());
    let events = store.account_events(user.as_deref(), per_page, (page - 1) * per_page).await?;
    Ok(AccountEventPage { events: events.items, total: events.total, page, per_page })
}
