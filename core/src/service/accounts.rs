//! Accounts as use cases: signing in and out, the session behind every
//! request ([`authenticate`]), changing one's password. The administrators'
//! use cases (users, grants, the audit log) are in `accounts_admin.rs`.
//! The storage is the [`Accounts`] port; deriving password hashes and
//! drawing random ids (WebCrypto in the worker) is the [`Passwords`] port.
//!
//! Login is throttled per user name *and* client address, and per address:
//! each attempt is reserved atomically before the password is checked
//! ([`Accounts::reserve_attempt`]), so parallel guesses cannot overtake the
//! count; a key over its limit is locked for a period that doubles with
//! each lockout, during which even the right password is refused. A
//! lockout is per address: guessing from elsewhere cannot lock the user
//! out of their own office. An administrator lifts it (`unlock_user`).

use std::collections::BTreeMap;

use super::{Now, ServiceError};
use crate::access::audit::AuditFilter;
use crate::access::{PBKDF2_ITERATIONS, PasswordHash, Principal, Role, SessionClaims, check_password, sign_token, verify_token};
use crate::api::{AccountEvent, AuditEntry, ChangePasswordRequest, CreateUserRequest, LoginRequest, Me};
use crate::messages::Text;
use crate::validate::FieldError;

/// Sessions last one working day.
pub const SESSION_SECONDS: u64 = 8 * 3600;
/// Failed-login window, seconds.
pub const WINDOW: u64 = 15 * 60;
/// First lockout, seconds; each further lockout of the key doubles it.
pub const LOCK: u64 = 15 * 60;
/// Attempts per user name from one address per window.
pub const MAX_FAILURES_PER_USER: u32 = 5;
/// Per client address: generous, since a whole village office may share one.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 100;

/// A user as stored, with the password hash.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAccount {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_unit: String,
    pub department: Option<String>,
    pub password_hash: String,
    pub disabled: bool,
    pub must_change_password: bool,
}

impl UserAccount {
    pub fn principal(self, grants: Vec<String>) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            org_unit: self.org_unit,
            department: self.department,
            grants,
        }
    }
}

/// A session row: whose, and until when (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub user_id: String,
    pub expires_at: u64,
}

/// A throttling key and the attempts it allows per window.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleKey {
    pub key: String,
    pub limit: u32,
}

/// An account to create, logged as `created` by `actor`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub request: &'a CreateUserRequest,
    pub password_hash: &'a str,
    pub actor: &'a str,
    pub at: &'a str,
}

/// A grants change: the full new list and what it adds and removes.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantsChange<'a> {
    pub user_id: &'a str,
    pub items: &'a [String],
    pub added: &'a [String],
    pub removed: &'a [String],
    pub by: &'a str,
    pub at: &'a str,
}

/// One page of a longer list, with how many there are in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// The storage of accounts: users and grants, sessions, login throttling,
/// account events and the audit log. Every change to an account is
/// written with its event in one transaction.
#[allow(async_fn_in_trait)]
pub trait Accounts {
    async fn user_by_name(&self, username: &str) -> Result<Option<UserAccount>, ServiceError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<UserAccount>, ServiceError>;
    /// Every user, by user name.
    async fn users(&self) -> Result<Vec<UserAccount>, ServiceError>;
    /// A user's grants, sorted.
    async fn grants(&self, user_id: &str) -> Result<Vec<String>, ServiceError>;
    /// The names of org units, by code (unknown codes left out).
    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError>;
    async fn session(&self, id: &str) -> Result<Option<StoredSession>, ServiceError>;
    async fn create_session(&self, id: &str, user_id: &str, created_at: &str, expires_at: u64) -> Result<(), ServiceError>;
    async fn delete_session(&self, id: &str) -> Result<(), ServiceError>;
    /// Reserves one attempt per key atomically: counts it and, over the
    /// key's limit in `window`, locks the key for `lock` seconds doubled per
    /// earlier lockout. Whether any key is locked (then refuse).
    async fn reserve_attempt(&self, keys: &[ThrottleKey], now: u64, window: u64, lock: u64) -> Result<bool, ServiceError>;
    /// Gives back a reserved attempt that was right: the user key starts
    /// afresh, the address key counts one less.
    async fn release_attempt(&self, user_key: &str, address_key: &str) -> Result<(), ServiceError>;
    /// Clears every key starting with `prefix`; how many.
    async fn unlock(&self, prefix: &str) -> Result<u64, ServiceError>;
    /// `false` if the user name is taken (nothing written).
    async fn create_user(&self, new: &NewUser<'_>) -> Result<bool, ServiceError>;
    /// The flag, its event only when it changed, and when disabling every
    /// session of the user.
    async fn set_disabled(&self, user_id: &str, disabled: bool, actor: &str, at: &str) -> Result<(), ServiceError>;
    /// The new hash with a forced change, every session ended, the keys
    /// under `lock_prefix` cleared, and the event.
    async fn reset_password(
        &self,
        user_id: &str,
        lock_prefix: &str,
        password_hash: &str,
        actor: &str,
        at: &str,
    ) -> Result<(), ServiceError>;
    /// The new hash (no change forced), every other session ended, the event.
    async fn change_password(&self, user_id: &str, password_hash: &str, keep_session: &str, at: &str) -> Result<(), ServiceError>;
    /// Replaces the grants, with the event when something was added or removed.
    async fn replace_grants(&self, change: &GrantsChange<'_>) -> Result<(), ServiceError>;
    /// Unmasked reads under `filter`, newest first, with unit names.
    async fn audit_log(&self, filter: &AuditFilter, limit: u32, offset: u32) -> Result<Page<AuditEntry>, ServiceError>;
    /// Account events (of one user), newest first, with names.
    async fn account_events(&self, target: Option<&str>, limit: u32, offset: u32) -> Result<Page<AccountEvent>, ServiceError>;
}

/// Password derivation and randomness: WebCrypto in the worker.
#[allow(async_fn_in_trait)]
pub trait Passwords {
    /// PBKDF2-HMAC-SHA256 of `password`.
    async fn derive(&self, password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, ServiceError>;
    fn random_bytes(&self, n: usize) -> Result<Vec<u8>, ServiceError>;
    /// A fresh random id (sessions, users).
    fn random_id(&self) -> Result<String, ServiceError>;
}

/// A live session: who, which session, and whether the password must be
/// changed first.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub principal: Principal,
    pub session_id: String,
    pub must_change_password: bool,
}

/// What a sign-in answers: who, and the signed session token.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub me: Me,
    pub token: String,
}

/// The prefix of every throttling key of a user name: the user name comes
/// first so that an unlock clears every address.
pub fn user_key_prefix(username: &str) -> String {
    format!("user:{username}|")
}

fn throttle_keys(username: &str, address: &str) -> [ThrottleKey; 2] {
    [
        ThrottleKey { key: format!("{}{address}", user_key_prefix(username)), limit: MAX_FAILURES_PER_USER },
        ThrottleKey { key: format!("address:{address}"), limit: MAX_FAILURES_PER_ADDRESS },
    ]
}

pub fn me_of(user: Principal, must_change_password: bool) -> Me {
    let role_title = user.role.title_zh().to_owned();
    let office_home = user.role.works_in_office();
    Me { user, role_title, must_change_password, office_home }
}

fn unix(now: &Now) -> Result<u64, ServiceError> {
    crate::time::unix_seconds(&now.instant).ok_or_else(|| ServiceError::Storage(format!("clock reads {:?}", now.instant)))
}

fn stored_hash(user: &UserAccount) -> Result<PasswordHash, ServiceError> {
    PasswordHash::parse(&user.password_hash).map_err(|e| ServiceError::Storage(e.to_string()))
}

/// A new password's stored hash, with a fresh salt.
pub(crate) async fn new_hash(crypto: &impl Passwords, password: &str) -> Result<String, ServiceError> {
    let salt = crypto.random_bytes(16)?;
    let hash = crypto.derive(password, &salt, PBKDF2_ITERATIONS).await?;
    Ok(PasswordHash { iterations: PBKDF2_ITERATIONS, salt, hash }.encode())
}

/// `POST /api/auth/login` from `address`: throttled (see the module doc),
/// then a new session signed with `secret`. An unknown user name costs the
/// same time as a real check, so response times do not tell which exist.
///
/// Retry: a second sign-in is another session. Crash: the attempt stays
/// counted (it was reserved first), no session or a session no one holds.
pub async fn login(
    body: &LoginRequest,
    address: &str,
    secret: &[u8],
    now: &Now,
    store: &impl Accounts,
    crypto: &impl Passwords,
) -> Result<SignedIn, ServiceError> {
    let seconds = unix(now)?;
    let keys = throttle_keys(&body.username, address);
    if store.reserve_attempt(&keys, seconds, WINDOW, LOCK).await? {
        return Err(ServiceError::TooManyAttempts);
    }
    let user = store.user_by_name(&body.username).await?.filter(|u| !u.disabled);
    let verified = match &user {
        Some(user) => {
            let stored = stored_hash(user)?;
            stored.matches_derived(&crypto.derive(&body.password, &stored.salt, stored.iterations).await?)
        }
        None => {
            crypto.derive(&body.password, &[0u8; 16], PBKDF2_ITERATIONS).await?;
            false
        }
    };
    // The attempt was counted when it was reserved; a right one is given back.
    let Some(user) = user.filter(|_| verified) else { return Err(ServiceError::BadCredentials) };
    store.release_attempt(&keys[0].key, &keys[1].key).await?;
    let session_id = crypto.random_id()?;
    let expires = seconds + SESSION_SECONDS;
    store.create_session(&session_id, &user.id, &now.instant, expires).await?;
    let token = sign_token(&SessionClaims { sid: session_id, uid: user.id.clone(), exp: expires }, secret);
    let grants = store.grants(&user.id).await?;
    let must_change = user.must_change_password;
    Ok(SignedIn { me: me_of(user.principal(grants), must_change), token })
}

/// Ends the session a token names: its row is deleted, so the token is
/// dead even if kept. An expired but genuine token still names a session
/// to delete; anything else is ignored. Idempotent.
pub async fn logout(token: &str, secret: &[u8], store: &impl Accounts) -> Result<(), ServiceError> {
    if let Ok(claims) = verify_token(token, secret, 0) {
        store.delete_session(&claims.sid).await?;
    }
    Ok(())
}

/// The live session of a token: genuine and unexpired, its row alive, its
/// user enabled and the one the token names. Otherwise 401. A pending
/// password change is the caller's to refuse ([`require_signed_in`]).
pub async fn authenticate(token: Option<&str>, secret: &[u8], now: &Now, store: &impl Accounts) -> Result<Session, ServiceError> {
    let token = token.ok_or(ServiceError::Unauthenticated)?;
    let seconds = unix(now)?;
    let claims = verify_token(token, secret, seconds).map_err(|_| ServiceError::Unauthenticated)?;
    let session = store.session(&claims.sid).await?.ok_or(ServiceError::Unauthenticated)?;
    if session.expires_at <= seconds {
        return Err(ServiceError::Unauthenticated);
    }
    let user = store.user_by_id(&session.user_id).await?.filter(|u| !u.disabled).ok_or(ServiceError::Unauthenticated)?;
    if user.id != claims.uid {
        return Err(ServiceError::Unauthenticated);
    }
    let grants = store.grants(&user.id).await?;
    let must_change_password = user.must_change_password;
    Ok(Session { principal: user.principal(grants), session_id: claims.sid, must_change_password })
}

/// The principal of a session for every use but `me` and changing the
/// password: after an administrator's reset, 403 `password_change_required`.
pub fn require_signed_in(session: Session) -> Result<Principal, ServiceError> {
    if session.must_change_password {
        return Err(ServiceError::PasswordChangeRequired);
    }
    Ok(session.principal)
}

/// `POST /api/auth/password`: the signed-in user sets a new password, with
/// the current one (throttled like a login: a session left open on a
/// shared PC is no way to guess it). Ends every other session of the
/// user; this one stays.
///
/// Retry: the same body again answers 422 `wrong_password` (the current
/// password is no longer the old one) and changes nothing. Crash: the
/// change is one batch.
pub async fn change_password(
    session: &Session,
    body: &ChangePasswordRequest,
    address: &str,
    now: &Now,
    store: &impl Accounts,
    crypto: &impl Passwords,
) -> Result<Me, ServiceError> {
    let user = store.user_by_id(&session.principal.user_id).await?.ok_or(ServiceError::Unauthenticated)?;
    let mut errors = check_password("/new_password", &body.new_password, &user.username);
    if body.new_password == body.current_password {
        errors.push(FieldError::new(
            "/new_password",
            "password_unchanged",
            Text::new("新密码不能与当前密码相同", "the new password must differ from the current one"),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let keys = throttle_keys(&user.username, address);
    if store.reserve_attempt(&keys, unix(now)?, WINDOW, LOCK).await? {
        return Err(ServiceError::TooManyAttempts);
    }
    let stored = stored_hash(&user)?;
    if !stored.matches_derived(&crypto.derive(&body.current_password, &stored.salt, stored.iterations).await?) {
        return Err(ServiceError::field(
            "/current_password",
            "wrong_password",
            Text::new("当前密码不正确", "the current password is wrong"),
        ));
    }
    store.release_attempt(&keys[0].key, &keys[1].key).await?;
    let encoded = new_hash(crypto, &body.new_password).await?;
    store.change_password(&user.id, &encoded, &session.session_id, &now.instant).await?;
    Ok(me_of(session.principal.clone(), false))
}

#[cfg(test)]
pub(crate) mod memory;

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
