//! Accounts, for system administrators: list, create, set grants.

use serde::Serialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, PBKDF2_ITERATIONS, PasswordHash, Principal, validate_grants, validate_new_user};
use ybt_core::api::{CreateUserRequest, GrantsRequest};
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
        let disabled = user.disabled != 0;
        let org_unit_name = names.get(&user.org_unit).cloned().unwrap_or_default();
        out.push(UserView { user: principal_of(user, grants), org_unit_name, disabled });
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
    if !store.create_user(&id, &request, &stored, &now_rfc3339()).await? {
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
    Ok(Json(201, UserView { user, org_unit_name, disabled: false }))
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
