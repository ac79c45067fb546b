//! Accounts in D1: users and their grants, sessions, failed-login counters
//! and the audit log of unmasked reads.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::access::{Principal, Role};
use ybt_core::api::{AuditEntry, CreateUserRequest};

use super::Store;
use crate::error::AppError;

fn num(n: f64) -> JsValue {
    JsValue::from_f64(n)
}

/// A user as stored, with the password hash.
#[derive(Deserialize)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_unit: String,
    pub department: Option<String>,
    pub password_hash: String,
    pub disabled: u32,
}

#[derive(Deserialize)]
struct GrantRow {
    item: String,
}

#[derive(Deserialize)]
struct SessionRow {
    user_id: String,
    expires_at: f64,
}

#[derive(Deserialize)]
struct LockRow {
    locked_until: f64,
}

#[derive(Deserialize)]
struct RefusedRow {
    refused: u32,
}

#[derive(Deserialize)]
struct AuditRow {
    at: String,
    user_id: String,
    username: String,
    action: String,
    items: String,
    record_ids: String,
    record_count: usize,
}

const USER_COLUMNS: &str = "id, username, display_name, role, org_unit, department, password_hash, disabled";

fn role_name(role: Role) -> Result<String, AppError> {
    Ok(serde_json::to_value(role)?.as_str().unwrap_or_default().to_owned())
}

impl Store {
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, AppError> {
        Ok(self
            .db
            .prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"))
            .bind(&[username.into()])?
            .first::<UserRow>(None)
            .await?)
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>, AppError> {
        Ok(self.db.prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1")).bind(&[id.into()])?.first::<UserRow>(None).await?)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, AppError> {
        Ok(self.db.prepare(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")).all().await?.results::<UserRow>()?)
    }

    /// The display names of the accounts `usernames`, by user name (unknown
    /// names left out): who changed a record, as people read it.
    pub async fn display_names(&self, usernames: &[&str]) -> Result<std::collections::BTreeMap<String, String>, AppError> {
        if usernames.is_empty() {
            return Ok(std::collections::BTreeMap::new());
        }
        #[derive(Deserialize)]
        struct NameRow {
            username: String,
            display_name: String,
        }
        let rows = self
            .db
            .prepare("SELECT username, display_name FROM users WHERE username IN (SELECT value FROM json_each(?1))")
            .bind(&[serde_json::to_string(usernames)?.into()])?
            .all()
            .await?
            .results::<NameRow>()?;
        Ok(rows.into_iter().map(|r| (r.username, r.display_name)).collect())
    }

    pub async fn grants(&self, user_id: &str) -> Result<Vec<String>, AppError> {
        let rows = self
            .db
            .prepare("SELECT item FROM grants WHERE user_id = ?1 ORDER BY item")
            .bind(&[user_id.into()])?
            .all()
            .await?
            .results::<GrantRow>()?;
        Ok(rows.into_iter().map(|r| r.item).collect())
    }

    /// The principal of a live session, or `None` if the session is gone,
    /// expired, or its user disabled.
    pub async fn session_principal(&self, session_id: &str, now: u64) -> Result<Option<Principal>, AppError> {
        let Some(session) = self
            .db
            .prepare("SELECT user_id, expires_at FROM sessions WHERE id = ?1")
            .bind(&[session_id.into()])?
            .first::<SessionRow>(None)
            .await?
        else {
            return Ok(None);
        };
        if session.expires_at <= now as f64 {
            return Ok(None);
        }
        let Some(user) = self.user_by_id(&session.user_id).await? else { return Ok(None) };
        if user.disabled != 0 {
            return Ok(None);
        }
        let grants = self.grants(&user.id).await?;
        Ok(Some(principal_of(user, grants)))
    }

    pub async fn create_session(&self, id: &str, user_id: &str, created_at: &str, expires_at: u64) -> Result<(), AppError> {
        self.db
            .prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[id.into(), user_id.into(), created_at.into(), num(expires_at as f64)])?
            .run()
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), AppError> {
        self.db.prepare("DELETE FROM sessions WHERE id = ?1").bind(&[id.into()])?.run().await?;
        Ok(())
    }

    /// Reserves one login attempt for each key, atomically, before the
    /// password is checked: one D1 batch (a transaction) of one upsert per
    /// key, each counting the attempt and, when it goes over its limit,
    /// locking the key for `lock` seconds doubled per earlier lockout (at
    /// most 64 times). Returns whether any key is locked: then the
    /// password must not be checked. Twenty parallel attempts thus reserve
    /// five at most; the rest find the key locked.
    pub async fn reserve_attempt(&self, keys: &[(String, u32)], now: u64, window: u64, lock: u64) -> Result<bool, AppError> {
        // `next` is the count this attempt makes in its window. SQLite
        // evaluates every SET expression over the row as it was.
        const NEXT: &str = "(CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE failures + 1 END)";
        let sql = format!(
            "INSERT INTO login_attempts (key, window_start, failures, strikes, locked_until) VALUES (?1, ?2, 1, 0, 0) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN locked_until > ?2 THEN failures WHEN {NEXT} > ?4 THEN 0 ELSE {NEXT} END, \
               window_start = CASE WHEN locked_until > ?2 THEN window_start \
                                   WHEN window_start <= ?2 - ?3 OR {NEXT} > ?4 THEN ?2 ELSE window_start END, \
               strikes = CASE WHEN locked_until <= ?2 AND {NEXT} > ?4 THEN strikes + 1 ELSE strikes END, \
               locked_until = CASE WHEN locked_until <= ?2 AND {NEXT} > ?4 THEN ?2 + (?5 << MIN(strikes, 6)) ELSE locked_until END \
             RETURNING locked_until"
        );
        let statements = keys
            .iter()
            .map(|(key, limit)| {
                self.db.prepare(&sql).bind(&[
                    key.as_str().into(),
                    num(now as f64),
                    num(window as f64),
                    num(f64::from(*limit)),
                    num(lock as f64),
                ])
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut locked = false;
        for result in self.db.batch(statements).await? {
            for row in result.results::<LockRow>()? {
                locked |= row.locked_until > now as f64;
            }
        }
        Ok(locked)
    }

    /// Gives back a reserved attempt that turned out right: the user and
    /// address key starts afresh, the address key counts one less.
    pub async fn release_attempt(&self, user_key: &str, address_key: &str) -> Result<(), AppError> {
        self.db
            .batch(vec![
                self.db.prepare("DELETE FROM login_attempts WHERE key = ?1").bind(&[user_key.into()])?,
                self.db.prepare("UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?1").bind(&[address_key.into()])?,
            ])
            .await?;
        Ok(())
    }

    /// Lifts every lockout of a user name (from any address): the
    /// administrator's unlock. Returns how many keys were cleared.
    pub async fn unlock_user(&self, key_prefix: &str) -> Result<u64, AppError> {
        let result =
            self.db.prepare("DELETE FROM login_attempts WHERE substr(key, 1, length(?1)) = ?1").bind(&[key_prefix.into()])?.run().await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) as u64)
    }

    /// Adds `refused` to the user's refused lookups of `day` and returns the
    /// day's total, in one statement (0 reads the total).
    pub async fn count_refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, AppError> {
        let row = self
            .db
            .prepare(
                "INSERT INTO lookup_refusals (user_id, day, refused) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, day) DO UPDATE SET refused = refused + ?3 RETURNING refused",
            )
            .bind(&[user_id.into(), day.into(), num(f64::from(refused))])?
            .first::<RefusedRow>(None)
            .await?;
        Ok(row.map_or(0, |r| r.refused))
    }

    /// Creates a user; `false` if the user name is taken.
    pub async fn create_user(&self, id: &str, request: &CreateUserRequest, password_hash: &str, now: &str) -> Result<bool, AppError> {
        let department: JsValue = request.department.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        let result = self
            .db
            .prepare(
                "INSERT INTO users (id, username, display_name, role, org_unit, department, password_hash, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&[
                id.into(),
                request.username.as_str().into(),
                request.display_name.as_str().into(),
                role_name(request.role)?.into(),
                request.org_unit.as_str().into(),
                department,
                password_hash.into(),
                now.into(),
            ])?
            .run()
            .await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// Replaces a user's grants in one batch: all or nothing.
    pub async fn replace_grants(&self, user_id: &str, items: &[String], by: &str, now: &str) -> Result<bool, AppError> {
        if self.user_by_id(user_id).await?.is_none() {
            return Ok(false);
        }
        let mut statements = vec![self.db.prepare("DELETE FROM grants WHERE user_id = ?1").bind(&[user_id.into()])?];
        for item in items {
            statements.push(
                self.db.prepare("INSERT INTO grants (user_id, item, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)").bind(&[
                    user_id.into(),
                    item.as_str().into(),
                    by.into(),
                    now.into(),
                ])?,
            );
        }
        self.db.batch(statements).await?;
        Ok(true)
    }

    pub async fn log_unmasked_read(
        &self,
        principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        at: &str,
    ) -> Result<(), AppError> {
        self.db
            .prepare(
                "INSERT INTO audit_log (at, user_id, username, action, items, record_ids, record_count) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(&[
                at.into(),
                principal.user_id.as_str().into(),
                principal.username.as_str().into(),
                action.into(),
                serde_json::to_string(items)?.into(),
                serde_json::to_string(record_ids)?.into(),
                num(record_ids.len() as f64),
            ])?
            .run()
            .await?;
        Ok(())
    }

    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, AppError> {
        let rows = self
            .db
            .prepare("SELECT at, user_id, username, action, items, record_ids, record_count FROM audit_log ORDER BY id DESC LIMIT ?1")
            .bind(&[num(f64::from(limit))])?
            .all()
            .await?
            .results::<AuditRow>()?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    items: serde_json::from_str(&r.items)?,
                    record_ids: serde_json::from_str(&r.record_ids)?,
                    at: r.at,
                    user_id: r.user_id,
                    username: r.username,
                    action: r.action,
                    record_count: r.record_count,
                })
            })
            .collect()
    }
}

pub fn principal_of(user: UserRow, grants: Vec<String>) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        org_unit: user.org_unit,
        department: user.department,
        grants,
    }
}
