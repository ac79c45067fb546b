//! `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/auth/me`.
//!
//! Login is throttled per user name *and* client address, and per address:
//! each attempt is reserved atomically before the password is checked
//! (`Store::reserve_attempt`), so parallel guesses cannot overtake the
//! count; a key over its limit is locked for a period that doubles with
//! each lockout, during which even the right password is refused. A
//! lockout is per address: guessing from elsewhere cannot lock the user
//! out of their own office. An administrator lifts it (`POST
//! /api/users/{id}/unlock`).

use serde_json::{Value, json};
use worker::{Request, RouteContext};
use ybt_core::access::{PBKDF2_ITERATIONS, PasswordHash, Principal, SessionClaims, check_password, sign_token, verify_token};
use ybt_core::api::{ChangePasswordRequest, LoginRequest, Me};
use ybt_core::messages::Text;

use crate::auth::{self, check_same_site, cleared_cookie, session_cookie};
use crate::crypto::{pbkdf2_sha256, random_bytes, random_id};
use crate::error::AppError;
use crate::http::{Json, Reply, now_rfc3339, now_unix, read_json};
use crate::store::Store;

/// Failed-login window, seconds.
const WINDOW: u64 = 15 * 60;
/// First lockout, seconds; each further lockout of the key doubles it.
const LOCK: u64 = 15 * 60;
/// Attempts per user name from one address per window.
const MAX_FAILURES_PER_USER: u32 = 5;
/// Per client address: generous, since a whole village office may share one.
const MAX_FAILURES_PER_ADDRESS: u32 = 100;

/// The throttling key of a user name from an address. The user name comes
/// first so that an unlock clears every address (`user_key_prefix`).
fn user_key(username: &str, address: &str) -> String {
    format!("{}{address}", user_key_prefix(username))
}

pub fn user_key_prefix(username: &str) -> String {
    format!("user:{username}|")
}

pub fn me_of(user: Principal, must_change_password: bool) -> Me {
    let role_title = user.role.title_zh().to_owned();
    Me { user, role_title, must_change_password }
}

pub async fn login(mut req: Request, ctx: RouteContext<()>) -> Result<Reply<Me>, AppError> {
    check_same_site(&req)?;
    let body: LoginRequest = read_json(&mut req).await?;
    let store = Store::from_env(&ctx.env)?;
    let now = now_unix();
    let address = req.headers().get("CF-Connecting-IP")?.unwrap_or_else(|| "unknown".to_owned());
    let user_key = user_key(&body.username, &address);
    let address_key = format!("address:{address}");
    let keys = [(user_key.clone(), MAX_FAILURES_PER_USER), (address_key.clone(), MAX_FAILURES_PER_ADDRESS)];
    if store.reserve_attempt(&keys, now, WINDOW, LOCK).await? {
        return Err(AppError::TooManyAttempts);
    }
    let user = store.user_by_name(&body.username).await?.filter(|u| u.disabled == 0);
    let verified = match &user {
        Some(user) => {
            let stored = PasswordHash::parse(&user.password_hash).map_err(|e| AppError::Internal(e.to_string()))?;
            stored.matches_derived(&pbkdf2_sha256(&body.password, &stored.salt, stored.iterations).await?)
        }
        None => {
            // Spend the same time as a real check, so response times do not
            // tell which user names exist.
            pbkdf2_sha256(&body.password, &[0u8; 16], PBKDF2_ITERATIONS).await?;
            false
        }
    };
    // The attempt was counted when it was reserved; a right one is given back.
    let Some(user) = user.filter(|_| verified) else { return Err(AppError::BadCredentials) };
    store.release_attempt(&user_key, &address_key).await?;
    let session_id = random_id()?;
    let expires = now + auth::SESSION_SECONDS;
    store.create_session(&session_id, &user.id, &now_rfc3339(), expires).await?;
    let token = sign_token(&SessionClaims { sid: session_id, uid: user.id.clone(), exp: expires }, &auth::secret(&ctx.env)?);
    let grants = store.grants(&user.id).await?;
    let must_change = user.must_change_password != 0;
    let me = me_of(crate::store::principal_of(user, grants), must_change);
    Ok(Reply::from(Json(200, me)).header("Set-Cookie", session_cookie(&token)))
}

/// Ends the session: its row is deleted, so the token is dead even if kept.
/// Idempotent: logging out twice, or without a session, also answers 200.
pub async fn logout(req: Request, ctx: RouteContext<()>) -> Result<Reply<Value>, AppError> {
    check_same_site(&req)?;
    if let Some(token) = auth::session_token(&req)? {
        // An expired but genuine token still names a session to delete.
        if let Ok(claims) = verify_token(&token, &auth::secret(&ctx.env)?, 0) {
            Store::from_env(&ctx.env)?.delete_session(&claims.sid).await?;
        }
    }
    Ok(Reply::from(Json(200, json!({"signed_out": true}))).header("Set-Cookie", cleared_cookie()))
}

pub async fn me(req: Request, ctx: RouteContext<()>) -> Result<Json<Me>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let session = auth::session(&req, &ctx.env, &store).await?;
    Ok(Json(200, me_of(session.principal, session.must_change_password)))
}

/// `POST /api/auth/password`: the signed-in user sets a new password, with
/// the current one (throttled like a login: a session left open on a
/// shared PC is no way to guess it). Also the only thing that works after
/// an administrator's reset. Ends every other session of the user; this
/// one stays. Repeating it with the same body answers 401 (the current
/// password is no longer the old one) and changes nothing.
pub async fn change_password(mut req: Request, ctx: RouteContext<()>) -> Result<Json<Me>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let session = auth::session(&req, &ctx.env, &store).await?;
    let body: ChangePasswordRequest = read_json(&mut req).await?;
    let user = store.user_by_id(&session.principal.user_id).await?.ok_or(AppError::Unauthenticated)?;
    let mut errors = check_password("/new_password", &body.new_password, &user.username);
    if body.new_password == body.current_password {
        errors.push(ybt_core::FieldError {
            pointer: "/new_password".to_owned(),
            code: "password_unchanged".to_owned(),
            message: Text::new("新密码不能与当前密码相同", "the new password must differ from the current one"),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = now_unix();
    let address = req.headers().get("CF-Connecting-IP")?.unwrap_or_else(|| "unknown".to_owned());
    let (user_key, address_key) = (user_key(&user.username, &address), format!("address:{address}"));
    let keys = [(user_key.clone(), MAX_FAILURES_PER_USER), (address_key.clone(), MAX_FAILURES_PER_ADDRESS)];
    if store.reserve_attempt(&keys, now, WINDOW, LOCK).await? {
        return Err(AppError::TooManyAttempts);
    }
    let stored = PasswordHash::parse(&user.password_hash).map_err(|e| AppError::Internal(e.to_string()))?;
    if !stored.matches_derived(&pbkdf2_sha256(&body.current_password, &stored.salt, stored.iterations).await?) {
        return Err(AppError::Validation(vec![ybt_core::FieldError {
            pointer: "/current_password".to_owned(),
            code: "wrong_password".to_owned(),
            message: Text::new("当前密码不正确", "the current password is wrong"),
        }]));
    }
    store.release_attempt(&user_key, &address_key).await?;
    let salt = random_bytes(16)?;
    let hash = pbkdf2_sha256(&body.new_password, &salt, PBKDF2_ITERATIONS).await?;
    let encoded = PasswordHash { iterations: PBKDF2_ITERATIONS, salt, hash }.encode();
    store.change_password(&user.id, &encoded, &session.session_id, &now_rfc3339()).await?;
    Ok(Json(200, me_of(session.principal, false)))
}
