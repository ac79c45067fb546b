//! Accounts in D1: the [`Accounts`] port — users and their grants,
//! sessions, failed-login counters, and account changes written with their
//! event in one batch; and the org units' search (the account form's
//! picker, [`OrgUnits`]). The audit log's reads are in `audit.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::access::audit::AuditFilter;
use ybt_core::access::{AccountEventKind, Role};
use ybt_core::api::OrgUnitHit;
use ybt_core::api::{AccountEvent, AuditEntry};
use ybt_core::ledger::OrgUnit;
use ybt_core::service::ServiceError;
use ybt_core::service::accounts::{Accounts, GrantsChange, NewUser, Page, StoredSession, ThrottleKey, UserAccount};
use ybt_core::service::org_units::OrgUnits;

use super::{Store, num};
use crate::error::Storage;

/// A user as stored, with the password hash.
#[derive(Deserialize)]
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    role: Role,
    org_unit: String,
    department: Option<String>,
    password_hash: String,
    disabled: u32,
    #[serde(default)]
    must_change_password: u32,
}

impl UserRow {
    fn into_account(self) -> UserAccount {
        UserAccount {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            org_unit: self.org_unit,
            department: self.department,
            password_hash: self.password_hash,
            disabled: self.disabled != 0,
            must_change_password: self.must_change_password != 0,
        }
    }
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

const USER_COLUMNS: &str = "id, username, display_name, role, org_unit, department, password_hash, disabled, must_change_password";

/// An account event's row, written in the batch of the change it records.
const EVENT_INSERT: &str = "INSERT INTO account_events (at, actor_id, target_id, kind, added, removed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

fn role_name(role: Role) -> Result<String, ServiceError> {
    Ok(serde_json::to_value(role).storage()?.as_str().unwrap_or_default().to_owned())
}

impl Store {
    /// The routed district as a bound parameter (NULL before routing): once
    /// a request is routed, the accounts it can see are its district's.
    pub(super) fn district_param(&self) -> JsValue {
        self.district().map_or(JsValue::NULL, JsValue::from_str)
    }

    async fn user_where(&self, column: &str, value: &str) -> Result<Option<UserAccount>, ServiceError> {
        Ok(self
            .directory
            .prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1 AND (?2 IS NULL OR substr(org_unit, 1, 6) = ?2)"))
            .bind(&[value.into(), self.district_param()])
            .storage()?
            .first::<UserRow>(None)
            .await
            .storage()?
            .map(UserRow::into_account))
    }

    /// The display names of the accounts `usernames`, by user name (unknown
    /// names left out): who changed a record, as people read it.
    pub async fn display_names(&self, usernames: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        if usernames.is_empty() {
            return Ok(BTreeMap::new());
        }
        #[derive(Deserialize)]
        struct NameRow {
            username: String,
            display_name: String,
        }
        let rows = self
            .directory
            .prepare("SELECT username, display_name FROM users WHERE username IN (SELECT value FROM json_each(?1))")
            .bind(&[serde_json::to_string(usernames).storage()?.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<NameRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| (r.username, r.display_name)).collect())
    }

    /// Adds `refused` to the user's refused lookups of `day` and returns the
    /// day's total, in one statement (0 reads the total).
    pub async fn count_refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, ServiceError> {
        let row = self
            .directory
            .prepare(
                "INSERT INTO lookup_refusals (user_id, day, refused) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, day) DO UPDATE SET refused = refused + ?3 RETURNING refused",
            )
            .bind(&[user_id.into(), day.into(), num(refused)])
            .storage()?
            .first::<RefusedRow>(None)
            .await
            .storage()?;
        Ok(row.map_or(0, |r| r.refused))
    }
}

impl Accounts for Store {
    async fn user_by_name(&self, username: &str) -> Result<Option<UserAccount>, ServiceError> {
        self.user_where("username", username).await
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<UserAccount>, ServiceError> {
        self.user_where("id", id).await
    }

    async fn users(&self) -> Result<Vec<UserAccount>, ServiceError> {
        let rows = self
            .directory
            .prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE ?1 IS NULL OR substr(org_unit, 1, 6) = ?1 ORDER BY username"))
            .bind(&[self.district_param()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<UserRow>()
            .storage()?;
        Ok(rows.into_iter().map(UserRow::into_account).collect())
    }

    async fn grants(&self, user_id: &str) -> Result<Vec<String>, ServiceError> {
        let rows = self
            .directory
            .prepare("SELECT item FROM grants WHERE user_id = ?1 ORDER BY item")
            .bind(&[user_id.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<GrantRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| r.item).collect())
    }

    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(Store::unit_names(self, codes).await?)
    }

    async fn session(&self, id: &str) -> Result<Option<StoredSession>, ServiceError> {
        let row = self
            .directory
            .prepare("SELECT user_id, expires_at FROM sessions WHERE id = ?1")
            .bind(&[id.into()])
            .storage()?
            .first::<SessionRow>(None)
            .await
            .storage()?;
        Ok(row.map(|s| StoredSession { user_id: s.user_id, expires_at: s.expires_at as u64 }))
    }

    async fn create_session(&self, id: &str, user_id: &str, created_at: &str, expires_at: u64) -> Result<(), ServiceError> {
        self.directory
            .prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[id.into(), user_id.into(), created_at.into(), num(expires_at as f64)])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(())
    }

    async fn delete_session(&self, id: &str) -> Result<(), ServiceError> {
        self.directory.prepare("DELETE FROM sessions WHERE id = ?1").bind(&[id.into()]).storage()?.run().await.storage()?;
        Ok(())
    }

    /// One D1 batch (a transaction) of one upsert per key, so twenty
    /// parallel attempts reserve five at most; the rest find the key locked.
    async fn reserve_attempt(&self, keys: &[ThrottleKey], now: u64, window: u64, lock: u64) -> Result<bool, ServiceError> {
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
            .map(|k| {
                self.directory.prepare(&sql).bind(&[
                    k.key.as_str().into(),
                    num(now as f64),
                    num(window as f64),
                    num(k.limit),
                    num(lock as f64),
                ])
            })
            .collect::<Result<Vec<_>, _>>()
            .storage()?;
        let mut locked = false;
        for result in self.directory.batch(statements).await.storage()? {
            for row in result.results::<LockRow>().storage()? {
                locked |= row.locked_until > now as f64;
            }
        }
        Ok(locked)
    }

    async fn release_attempt(&self, user_key: &str, address_key: &str) -> Result<(), ServiceError> {
        let statements = vec![
            self.directory.prepare("DELETE FROM login_attempts WHERE key = ?1").bind(&[user_key.into()]).storage()?,
            self.directory
                .prepare("UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?1")
                .bind(&[address_key.into()])
                .storage()?,
        ];
        self.directory.batch(statements).await.storage()?;
        Ok(())
    }

    async fn unlock(&self, prefix: &str) -> Result<u64, ServiceError> {
        let result = self
            .directory
            .prepare("DELETE FROM login_attempts WHERE substr(key, 1, length(?1)) = ?1")
            .bind(&[prefix.into()])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) as u64)
    }

    async fn create_user(&self, new: &NewUser<'_>) -> Result<bool, ServiceError> {
        let r = new.request;
        let department: JsValue = r.department.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        let statements = vec![
            self.directory
                .prepare(
                    "INSERT INTO users (id, username, display_name, role, org_unit, department, password_hash, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (username) DO NOTHING",
                )
                .bind(&[
                    new.id.into(),
                    r.username.as_str().into(),
                    r.display_name.as_str().into(),
                    role_name(r.role)?.into(),
                    r.org_unit.as_str().into(),
                    department,
                    new.password_hash.into(),
                    new.at.into(),
                ])
                .storage()?,
            self.directory
                .prepare("INSERT INTO account_events (at, actor_id, target_id, kind) SELECT ?1, ?2, ?3, 'created' WHERE changes() = 1")
                .bind(&[new.at.into(), new.actor.into(), new.id.into()])
                .storage()?,
        ];
        let results = self.directory.batch(statements).await.storage()?;
        let created = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok(created > 0)
    }

    async fn set_disabled(&self, user_id: &str, disabled: bool, actor: &str, at: &str) -> Result<(), ServiceError> {
        let flag = num(if disabled { 1.0 } else { 0.0 });
        let kind = if disabled { AccountEventKind::Disabled } else { AccountEventKind::Enabled };
        let mut statements = vec![
            self.directory
                .prepare("UPDATE users SET disabled = ?2 WHERE id = ?1 AND disabled != ?2")
                .bind(&[user_id.into(), flag])
                .storage()?,
            self.directory
                .prepare("INSERT INTO account_events (at, actor_id, target_id, kind) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1")
                .bind(&[at.into(), actor.into(), user_id.into(), kind.as_str().into()])
                .storage()?,
        ];
        if disabled {
            statements.push(self.directory.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(&[user_id.into()]).storage()?);
        }
        self.directory.batch(statements).await.storage()?;
        Ok(())
    }

    async fn reset_password(
        &self,
        user_id: &str,
        lock_prefix: &str,
        password_hash: &str,
        actor: &str,
        at: &str,
    ) -> Result<(), ServiceError> {
        let statements = vec![
            self.directory
                .prepare("UPDATE users SET password_hash = ?2, must_change_password = 1 WHERE id = ?1")
                .bind(&[user_id.into(), password_hash.into()])
                .storage()?,
            self.directory.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(&[user_id.into()]).storage()?,
            self.directory
                .prepare("DELETE FROM login_attempts WHERE substr(key, 1, length(?1)) = ?1")
                .bind(&[lock_prefix.into()])
                .storage()?,
            self.directory
                .prepare(EVENT_INSERT)
                .bind(&[at.into(), actor.into(), user_id.into(), AccountEventKind::PasswordReset.as_str().into(), "[]".into(), "[]".into()])
                .storage()?,
        ];
        self.directory.batch(statements).await.storage()?;
        Ok(())
    }

    async fn change_password(&self, user_id: &str, password_hash: &str, keep_session: &str, at: &str) -> Result<(), ServiceError> {
        let kind = AccountEventKind::PasswordChanged.as_str();
        let statements = vec![
            self.directory
                .prepare("UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1")
                .bind(&[user_id.into(), password_hash.into()])
                .storage()?,
            self.directory
                .prepare("DELETE FROM sessions WHERE user_id = ?1 AND id != ?2")
                .bind(&[user_id.into(), keep_session.into()])
                .storage()?,
            self.directory
                .prepare(EVENT_INSERT)
                .bind(&[at.into(), user_id.into(), user_id.into(), kind.into(), "[]".into(), "[]".into()])
                .storage()?,
        ];
        self.directory.batch(statements).await.storage()?;
        Ok(())
    }

    /// One batch, all or nothing: delete, the event (when something
    /// changed), one insert per item.
    async fn replace_grants(&self, c: &GrantsChange<'_>) -> Result<(), ServiceError> {
        let mut statements = vec![self.directory.prepare("DELETE FROM grants WHERE user_id = ?1").bind(&[c.user_id.into()]).storage()?];
        if !c.added.is_empty() || !c.removed.is_empty() {
            statements.push(
                self.directory
                    .prepare(EVENT_INSERT)
                    .bind(&[
                        c.at.into(),
                        c.by.into(),
                        c.user_id.into(),
                        AccountEventKind::GrantsChanged.as_str().into(),
                        serde_json::to_string(c.added).storage()?.into(),
                        serde_json::to_string(c.removed).storage()?.into(),
                    ])
                    .storage()?,
            );
        }
        for item in c.items {
            statements.push(
                self.directory
                    .prepare("INSERT INTO grants (user_id, item, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)")
                    .bind(&[c.user_id.into(), item.as_str().into(), c.by.into(), c.at.into()])
                    .storage()?,
            );
        }
        self.directory.batch(statements).await.storage()?;
        Ok(())
    }

    async fn audit_log(&self, filter: &AuditFilter, limit: u32, offset: u32) -> Result<Page<AuditEntry>, ServiceError> {
        self.audit_entries(filter, limit, offset).await
    }

    async fn account_events(&self, target: Option<&str>, limit: u32, offset: u32) -> Result<Page<AccountEvent>, ServiceError> {
        self.account_event_page(target, limit, offset).await
    }
}

impl OrgUnits for Store {
    async fn children(&self, parent: Option<&str>) -> Result<Vec<OrgUnit>, ServiceError> {
        Ok(self.org_unit_children(parent).await?)
    }

    /// The account form's picker.
    async fn search(&self, text: &str, level: Option<&str>) -> Result<Vec<OrgUnitHit>, ServiceError> {
        #[derive(Deserialize)]
        struct HitRow {
            code: String,
            name: String,
            level: ybt_core::ledger::OrgLevel,
            parent_name: Option<String>,
        }
        let escaped: String = text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
        let rows = self
            .db()?
            .prepare(
                "SELECT o.code, o.name, o.level, p.name AS parent_name FROM org_units o LEFT JOIN org_units p ON p.code = o.parent_code \
                 WHERE o.name LIKE ?1 ESCAPE '\\' AND (?2 IS NULL OR o.level = ?2) ORDER BY length(o.name), o.code LIMIT 20",
            )
            .bind(&[format!("%{escaped}%").into(), level.map_or(JsValue::NULL, JsValue::from_str)])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<HitRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| OrgUnitHit { code: r.code, name: r.name, level: r.level, parent_name: r.parent_name }).collect())
    }
}
