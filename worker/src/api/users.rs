//! Accounts, for system administrators: list, create, disable and
//! re-enable, reset a password, set grants, lift a lockout. The rules are
//! `ybt_core::service::accounts_admin`; the administrator check comes
//! before the body is read, as it always has.

use worker::{Request, RouteContext};
use ybt_core::api::{CreateUserRequest, GrantsRequest, ResetPasswordRequest, UpdateUserRequest};
use ybt_core::service::Now;
use ybt_core::service::accounts_admin::{self as admin, UserView};

use crate::auth::{self, WebCrypto};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;
use crate::template_cache;

fn now() -> Now {
    Now::new(now_rfc3339())
}

fn id(ctx: &RouteContext<()>) -> String {
    ctx.param("id").cloned().unwrap_or_default()
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<UserView>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, admin::list_users(&principal, &store).await?))
}

/// Creates an account: 201; a retry answers 409 `username_taken`.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_admin(&principal)?;
    let request: CreateUserRequest = read_json(&mut req).await?;
    Ok(Json(201, admin::create_user(&principal, request, &now(), &store, &WebCrypto).await?))
}

/// Replaces a user's grants (all or nothing); repeating it changes nothing.
pub async fn set_grants(mut req: Request, ctx: RouteContext<()>) -> Result<Json<GrantsRequest>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_admin(&principal)?;
    let request: GrantsRequest = read_json(&mut req).await?;
    let catalog = template_cache::catalog()?;
    Ok(Json(200, admin::set_grants(&principal, &id(&ctx), request, &catalog, &now(), &store).await?))
}

/// `POST /api/users/{id}/unlock`: lifts every login lockout of the user.
pub async fn unlock(req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let cleared = admin::unlock_user(&principal, &id(&ctx), &store).await?;
    Ok(Json(200, serde_json::json!({ "unlocked": true, "cleared": cleared })))
}

/// `PATCH /api/users/{id}` `{"disabled": bool}`.
pub async fn update(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_admin(&principal)?;
    let request: UpdateUserRequest = read_json(&mut req).await?;
    Ok(Json(200, admin::update_user(&principal, &id(&ctx), request, &now(), &store).await?))
}

/// `POST /api/users/{id}/password` `{"password": …}`: a temporary password.
pub async fn reset_password(mut req: Request, ctx: RouteContext<()>) -> Result<Json<UserView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_admin(&principal)?;
    let request: ResetPasswordRequest = read_json(&mut req).await?;
    Ok(Json(200, admin::reset_password(&principal, &id(&ctx), request, &now(), &store, &WebCrypto).await?))
}
