//! `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/auth/me`,
//! `POST /api/auth/password`. The rules — throttling and lockouts, session
//! lifetime, the password policy — are `ybt_core::service::accounts`.

use serde_json::{Value, json};
use worker::{Request, RouteContext};
use ybt_core::api::{ChangePasswordRequest, LoginRequest, Me};
use ybt_core::service::{Now, accounts};

use crate::auth::{self, WebCrypto, check_same_site, cleared_cookie, session_cookie};
use crate::error::AppError;
use crate::http::{Json, Reply, now_rfc3339, read_json};
use crate::store::Store;

pub async fn login(mut req: Request, ctx: RouteContext<()>) -> Result<Reply<Me>, AppError> {
    check_same_site(&req)?;
    let body: LoginRequest = read_json(&mut req).await?;
    let store = Store::from_env(&ctx.env)?;
    let address = auth::client_address(&req)?;
    let now = Now::new(now_rfc3339());
    let signed = accounts::login(&body, &address, &auth::secret(&ctx.env)?, &now, &store, &WebCrypto).await?;
    Ok(Reply::from(Json(200, signed.me)).header("Set-Cookie", session_cookie(&signed.token)))
}

/// Ends the session: its row is deleted, so the token is dead even if kept.
/// Idempotent: logging out twice, or without a session, also answers 200.
pub async fn logout(req: Request, ctx: RouteContext<()>) -> Result<Reply<Value>, AppError> {
    check_same_site(&req)?;
    if let Some(token) = auth::session_token(&req)? {
        accounts::logout(&token, &auth::secret(&ctx.env)?, &Store::from_env(&ctx.env)?).await?;
    }
    Ok(Reply::from(Json(200, json!({"signed_out": true}))).header("Set-Cookie", cleared_cookie()))
}

pub async fn me(req: Request, ctx: RouteContext<()>) -> Result<Json<Me>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let session = auth::session(&req, &ctx.env, &store).await?;
    Ok(Json(200, accounts::me_of(session.principal, session.must_change_password)))
}

/// `POST /api/auth/password`: the signed-in user sets a new password with
/// the current one; also the only thing that works after a reset.
pub async fn change_password(mut req: Request, ctx: RouteContext<()>) -> Result<Json<Me>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let session = auth::session(&req, &ctx.env, &store).await?;
    let body: ChangePasswordRequest = read_json(&mut req).await?;
    let address = auth::client_address(&req)?;
    let now = Now::new(now_rfc3339());
    Ok(Json(200, accounts::change_password(&session, &body, &address, &now, &store, &WebCrypto).await?))
}
