//! Accounts, for system administrators: list, create, disable and
//! re-enable, reset a password, set grants, lift a lockout. Every change
//! is logged in `account_events` in the batch that makes it.

use serde::Serialize;
use worker::{Request, RouteContext};
use ybt_core::access::{
    AccountChange, Action, PBKDF2_ITERATIONS, PasswordHash, Principal, check_account_change, check_password, validate_grants,
    validate_new_user,
};
use ybt_core::api::{CreateUserRequest, GrantsRequest, ResetPasswordRequest, UpdateUserRequest};
use ybt_core::messages::Text;

use crate::auth::{self, require};
use crate::crypto::{pbkdf2_sha256, random_bytes, random_id};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{Store, principal_of};
use crate::template_cache;

/// A user as administrators see it: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: Principal,
    /// The name of `user.org_unit`, for people.
    pub org_unit_name: String,
    pub disabled: bool,
    /// A reset password the user has not yet replaced.
    pub must_change_password: bool,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<UserView>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let users = store.users().await?;
    let mut codes: Vec<&str> = users.iter().map(|u| u.org_unit.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let names = store.unit_names(&codes).await?;
    let mut out = Vec::new();
    for user in users {
        let grants = store.grants(&user.id).await?;
        let (disabled, must_change_password) = (user.disabled != 0, user.must_change_password != 0);
        let org_unit_name = names.get(&user.org_unit).cloned().unwrap_or_default();
        out.push(UserView { user: principal_of(user, grants), org_unit_name, disabled, must_change_password });
    }
    Ok(Json(200, out))
}

/// Creates an account. Retrying the same request answers 409 (name taken):
/// the first one created it, nothing is created twice.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let request: CreateUserRequest = read_json(&mut req).await?;
    let mut errors = validate_new_user(&request);
    if errors.iter().all(|e| e.pointer != "/org_unit") && store.org_unit(&request.org_unit).await?.is_none() {
        errors.push(ybt_core::FieldError {
            pointer: "/org_unit".to_owned(),
            code: "unknown_org_unit".to_owned(),
            message: Text::new("没有这个行政区划", "no such org unit"),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let salt = random_bytes(16)?;
    let hash = pbkdf2_sha256(&request.password, &salt, PBKDF2_ITERATIONS).await?;
    let stored = PasswordHash { iterations: PBKDF2_ITERATIONS, salt, hash }.encode();
    let id = random_id()?;
    if !store.create_user(&id, &request, &stored, &principal.user_id, &now_rfc3339()).await? {
        return Err(AppError::Conflict { code: "username_taken", message: Text::new("用户名已被使用", "user name is taken") });
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
    Ok(Json(201, UserView { user, org_unit_name, disabled: false, must_change_password: false }))
}

/// Replaces a user's grants (all or nothing); repeating it changes nothing.
pub async fn set_grants(mut req: Request, ctx: RouteContext<()>) -> Result<Json<GrantsRequest>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let request: GrantsRequest = read_json(&mut req).await?;
    let errors = validate_grants(&request.items, &*template_cache::catalog()?);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = ctx.param("id").cloned().unwrap_or_default();
    if !store.replace_grants(&id, &request.items, &principal.user_id, &now_rfc3339()).await? {
        return Err(AppError::NotFound { what: "user", zh: "该用户" });
    }
    Ok(Json(200, request))
}

/// `POST /api/users/{id}/unlock`: lifts every login lockout of the user
/// (from any address). Idempotent: unlocking an unlocked user answers 200.
pub async fn unlock(req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    let user = store.user_by_id(&id).await?.ok_or(AppError::NotFound { what: "user", zh: "该用户" })?;
    let cleared = store.unlock_user(&crate::api::auth::user_key_prefix(&user.username)).await?;
    Ok(Json(200, serde_json::json!({ "unlocked": true, "cleared": cleared })))
}

fn refused(message: ybt_core::messages::Text) -> AppError {
    AppError::Conflict { code: "own_account", message }
}

/// `PATCH /api/users/{id}` `{"disabled": bool}`: disables an account (its
/// sessions end at once: its next request answers 401) or re-enables it.
/// Repeating it answers 200 and logs nothing twice.
pub async fn update(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let request: UpdateUserRequest = read_json(&mut req).await?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    let change = if request.disabled { AccountChange::Disable } else { AccountChange::Enable };
    check_account_change(&principal, &id, change).map_err(refused)?;
    if !store.set_disabled(&id, request.disabled, &principal.user_id, &now_rfc3339()).await? {
        return Err(AppError::NotFound { what: "user", zh: "该用户" });
    }
    view(&store, &id).await.map(|v| Json(200, v))
}

/// `POST /api/users/{id}/password` `{"password": …}`: an administrator
/// sets a temporary password (the same rule as any password); the user's
/// sessions end and the next sign-in must choose a new one. A retry sets
/// the same password again (and logs a second reset).
pub async fn reset_password(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ManageUsers)?;
    let request: ResetPasswordRequest = read_json(&mut req).await?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    check_account_change(&principal, &id, AccountChange::ResetPassword).map_err(refused)?;
    let user = store.user_by_id(&id).await?.ok_or(AppError::NotFound { what: "user", zh: "该用户" })?;
    let errors = check_password("/password", &request.password, &user.username);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let salt = random_bytes(16)?;
    let hash = pbkdf2_sha256(&request.password, &salt, PBKDF2_ITERATIONS).await?;
    let stored = PasswordHash { iterations: PBKDF2_ITERATIONS, salt, hash }.encode();
    store.reset_password(&user, &stored, &principal.user_id, &now_rfc3339()).await?;
    view(&store, &id).await.map(|v| Json(200, v))
}

async fn view(store: &Store, id: &str) -> Result<UserView, AppError> {
    let user = store.user_by_id(id).await?.ok_or(AppError::NotFound { what: "user", zh: "该用户" })?;
    let grants = store.grants(&user.id).await?;
    let org_unit_name = store.org_unit(&user.org_unit).await?.map(|u| u.name).unwrap_or_default();
    let (disabled, must_change_password) = (user.disabled != 0, user.must_change_password != 0);
    Ok(UserView { user: principal_of(user, grants), org_unit_name, disabled, must_change_password })
}
