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
use ybt_core::access::{PBKDF2_ITERATIONS, PasswordHash, Principal, SessionClaims, sign_token, verify_token};
use ybt_core::api::{LoginRequest, Me};

use crate::auth::{self, check_same_site, cleared_cookie, session_cookie};
use crate::crypto::{pbkdf2_sha256, random_id};
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

pub fn me_of(user: Principal) -> Me {
    let role_title = user.role.title_zh().to_owned();
    Me { user, role_title }
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
    let me = me_of(crate::store::principal_of(user, grants));
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
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, me_of(principal)))
}
