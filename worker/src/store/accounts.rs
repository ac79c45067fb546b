//! Accounts in D1: users and their grants, sessions, failed-login counters
//! and the audit log of unmasked reads.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::access::audit::AuditFilter;
use ybt_core::access::{AccountEventKind, Principal, ReadClass, Role, classify_read};
use ybt_core::api::{AccountEvent, AuditEntry, CreateUserRequest};

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
    #[serde(default)]
    pub must_change_password: u32,
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
    display_name: String,
    action: String,
    items: String,
    record_ids: String,
    record_count: usize,
    class: String,
    org_units: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

#[derive(Deserialize)]
struct EventRow {
    at: String,
    actor_id: String,
    actor_name: String,
    target_id: String,
    target_name: String,
    kind: AccountEventKind,
    added: String,
    removed: String,
}

const USER_COLUMNS: &str = "id, username, display_name, role, org_unit, department, password_hash, disabled, must_change_password";

/// The filter of an audit query, over `audit_log a`, with its parameters
/// ?1 classes (JSON list), ?2 user id, ?3 item, ?4 person (a record id or
/// a person's name), ?5 since, ?6 until (NULL: no filter).
const AUDIT_WHERE: &str = "a.class IN (SELECT value FROM json_each(?1)) \
     AND (?2 IS NULL OR a.user_id = ?2) \
     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.items) i WHERE i.value = ?3)) \
     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.record_ids) r WHERE r.value = ?4 \
          OR r.value IN (SELECT id FROM ledger_records WHERE json_extract(data, '$.name') = ?4))) \
     AND (?5 IS NULL OR a.at >= ?5) AND (?6 IS NULL OR a.at < ?6)";

/// An account event's row, written in the batch of the change it records.
const EVENT_INSERT: &str = "INSERT INTO account_events (at, actor_id, target_id, kind, added, removed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

fn opt(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

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
    /// With it, whether the user must change their password first.
    pub async fn session_principal(&self, session_id: &str, now: u64) -> Result<Option<(Principal, bool)>, AppError> {
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
        let must_change = user.must_change_password != 0;
        Ok(Some((principal_of(user, grants), must_change)))
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
    /// Creates a user and logs it, in one batch; `false` if the user name
    /// is taken (then nothing is written).
    pub async fn create_user(
        &self,
        id: &str,
        request: &CreateUserRequest,
        password_hash: &str,
        actor: &str,
        now: &str,
    ) -> Result<bool, AppError> {
        let department: JsValue = request.department.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        let results = self
            .db
            .batch(vec![
                self.db
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
                    ])?,
                self.db
                    .prepare(
                        "INSERT INTO account_events (at, actor_id, target_id, kind) \
                         SELECT ?1, ?2, ?3, 'created' WHERE changes() = 1",
                    )
                    .bind(&[now.into(), actor.into(), id.into()])?,
            ])
            .await?;
        let created = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok(created > 0)
    }

    /// Disables or re-enables an account in one batch: the flag, the event
    /// (only when the flag changed, so a repeat logs nothing twice) and,
    /// when disabling, every session of the user (revoked at once).
    /// `false` if there is no such user.
    pub async fn set_disabled(&self, user_id: &str, disabled: bool, actor: &str, now: &str) -> Result<bool, AppError> {
        if self.user_by_id(user_id).await?.is_none() {
            return Ok(false);
        }
        let flag = num(if disabled { 1.0 } else { 0.0 });
        let kind = if disabled { AccountEventKind::Disabled } else { AccountEventKind::Enabled };
        let mut statements = vec![
            self.db.prepare("UPDATE users SET disabled = ?2 WHERE id = ?1 AND disabled != ?2").bind(&[user_id.into(), flag])?,
            self.db
                .prepare("INSERT INTO account_events (at, actor_id, target_id, kind) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1")
                .bind(&[now.into(), actor.into(), user_id.into(), kind.as_str().into()])?,
        ];
        if disabled {
            statements.push(self.db.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(&[user_id.into()])?);
        }
        self.db.batch(statements).await?;
        Ok(true)
    }

    /// An administrator's password reset, in one batch: the new hash with
    /// a forced change at next sign-in, every session of the user ended,
    /// the user's sign-in lockouts lifted, and the event.
    pub async fn reset_password(&self, user: &UserRow, password_hash: &str, actor: &str, now: &str) -> Result<(), AppError> {
        let prefix = crate::api::auth::user_key_prefix(&user.username);
        self.db
            .batch(vec![
                self.db
                    .prepare("UPDATE users SET password_hash = ?2, must_change_password = 1 WHERE id = ?1")
                    .bind(&[user.id.as_str().into(), password_hash.into()])?,
                self.db.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(&[user.id.as_str().into()])?,
                self.db.prepare("DELETE FROM login_attempts WHERE substr(key, 1, length(?1)) = ?1").bind(&[prefix.as_str().into()])?,
                self.db.prepare(EVENT_INSERT).bind(&[
                    now.into(),
                    actor.into(),
                    user.id.as_str().into(),
                    AccountEventKind::PasswordReset.as_str().into(),
                    "[]".into(),
                    "[]".into(),
                ])?,
            ])
            .await?;
        Ok(())
    }

    /// The user's own password change, in one batch: the new hash (no
    /// change forced any more), every other session of the user ended,
    /// and the event.
    pub async fn change_password(&self, user_id: &str, password_hash: &str, keep_session: &str, now: &str) -> Result<(), AppError> {
        self.db
            .batch(vec![
                self.db
                    .prepare("UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1")
                    .bind(&[user_id.into(), password_hash.into()])?,
                self.db.prepare("DELETE FROM sessions WHERE user_id = ?1 AND id != ?2").bind(&[user_id.into(), keep_session.into()])?,
                self.db.prepare(EVENT_INSERT).bind(&[
                    now.into(),
                    user_id.into(),
                    user_id.into(),
                    AccountEventKind::PasswordChanged.as_str().into(),
                    "[]".into(),
                    "[]".into(),
                ])?,
            ])
            .await?;
        Ok(())
    }

    /// Replaces a user's grants in one batch with the event naming what was
    /// added and removed (none when nothing changed): all or nothing.
    pub async fn replace_grants(&self, user_id: &str, items: &[String], by: &str, now: &str) -> Result<bool, AppError> {
        if self.user_by_id(user_id).await?.is_none() {
            return Ok(false);
        }
        let before = self.grants(user_id).await?;
        let (added, removed) = ybt_core::access::audit::grant_changes(&before, items);
        let mut statements = vec![self.db.prepare("DELETE FROM grants WHERE user_id = ?1").bind(&[user_id.into()])?];
        if !added.is_empty() || !removed.is_empty() {
            statements.push(self.db.prepare(EVENT_INSERT).bind(&[
                now.into(),
                by.into(),
                user_id.into(),
                AccountEventKind::GrantsChanged.as_str().into(),
                serde_json::to_string(&added)?.into(),
                serde_json::to_string(&removed)?.into(),
            ])?);
        }
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

    /// Logs an unmasked read, classed by core from the org units of the
    /// records read (looked up here).
    pub async fn log_unmasked_read(
        &self,
        principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        at: &str,
    ) -> Result<(), AppError> {
        #[derive(Deserialize)]
        struct UnitRow {
            org_unit: String,
        }
        let ids = serde_json::to_string(record_ids)?;
        let units: Vec<String> = self
            .db
            .prepare("SELECT DISTINCT org_unit FROM ledger_records WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY org_unit")
            .bind(&[ids.as_str().into()])?
            .all()
            .await?
            .results::<UnitRow>()?
            .into_iter()
            .map(|r| r.org_unit)
            .collect();
        let class = classify_read(principal, &units);
        self.db
            .prepare(
                "INSERT INTO audit_log (at, user_id, username, action, items, record_ids, record_count, class, org_units) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(&[
                at.into(),
                principal.user_id.as_str().into(),
                principal.username.as_str().into(),
                action.into(),
                serde_json::to_string(items)?.into(),
                ids.into(),
                num(record_ids.len() as f64),
                class.as_str().into(),
                serde_json::to_string(&units)?.into(),
            ])?
            .run()
            .await?;
        Ok(())
    }

    /// One page of the audit log under `filter`, newest first, with the
    /// number of entries it matches; `limit`/`offset` override the page
    /// (the CSV export reads every match up to its limit).
    pub async fn audit_log(&self, filter: &AuditFilter, limit: u32, offset: u32) -> Result<(Vec<AuditEntry>, u64), AppError> {
        let classes: Vec<&str> = filter.classes.iter().map(|c| c.as_str()).collect();
        let params = |extra: &[JsValue]| -> Result<Vec<JsValue>, AppError> {
            let mut all = vec![
                serde_json::to_string(&classes)?.into(),
                opt(&filter.user),
                opt(&filter.item),
                opt(&filter.person),
                opt(&filter.since),
                opt(&filter.until),
            ];
            all.extend_from_slice(extra);
            Ok(all)
        };
        let rows = self
            .db
            .prepare(format!(
                "SELECT a.at, a.user_id, a.username, COALESCE(u.display_name, a.username) AS display_name, a.action, a.items, \
                        a.record_ids, a.record_count, a.class, a.org_units \
                 FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
                 WHERE {AUDIT_WHERE} ORDER BY a.id DESC LIMIT ?7 OFFSET ?8"
            ))
            .bind(&params(&[num(f64::from(limit)), num(f64::from(offset))])?)?
            .all()
            .await?
            .results::<AuditRow>()?;
        let total = self
            .db
            .prepare(format!("SELECT COUNT(*) AS n FROM audit_log a WHERE {AUDIT_WHERE}"))
            .bind(&params(&[])?)?
            .first::<CountRow>(None)
            .await?
            .map_or(0, |r| r.n as u64);
        let mut entries = rows
            .into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    items: serde_json::from_str(&r.items)?,
                    record_ids: serde_json::from_str(&r.record_ids)?,
                    at: r.at,
                    user_id: r.user_id,
                    username: r.username,
                    display_name: r.display_name,
                    action: r.action,
                    record_count: r.record_count,
                    class: ReadClass::parse(&r.class).unwrap_or_default(),
                    org_units: serde_json::from_str(&r.org_units)?,
                    org_unit_names: vec![],
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let mut codes: Vec<&str> = entries.iter().flat_map(|e| e.org_units.iter().map(String::as_str)).collect();
        codes.sort_unstable();
        codes.dedup();
        let names = self.unit_names(&codes).await?;
        for entry in &mut entries {
            entry.org_unit_names = entry.org_units.iter().map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone())).collect();
        }
        Ok((entries, total))
    }

    /// Org units whose name contains `text` (the account form's picker),
    /// of one level when given, shortest names first, at most 20, each
    /// with the name of the unit above it.
    pub async fn search_org_units(&self, text: &str, level: Option<&str>) -> Result<Vec<ybt_core::api::OrgUnitHit>, AppError> {
        #[derive(Deserialize)]
        struct HitRow {
            code: String,
            name: String,
            level: ybt_core::ledger::OrgLevel,
            parent_name: Option<String>,
        }
        let escaped: String = text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
        let rows = self
            .db
            .prepare(
                "SELECT o.code, o.name, o.level, p.name AS parent_name FROM org_units o LEFT JOIN org_units p ON p.code = o.parent_code \
                 WHERE o.name LIKE ?1 ESCAPE '\\' AND (?2 IS NULL OR o.level = ?2) ORDER BY length(o.name), o.code LIMIT 20",
            )
            .bind(&[format!("%{escaped}%").into(), level.map_or(JsValue::NULL, JsValue::from_str)])?
            .all()
            .await?
            .results::<HitRow>()?;
        Ok(rows
            .into_iter()
            .map(|r| ybt_core::api::OrgUnitHit { code: r.code, name: r.name, level: r.level, parent_name: r.parent_name })
            .collect())
    }

    /// One page of account events (optionally of one user), newest first,
    /// with names, and how many there are.
    pub async fn account_events(&self, target: Option<&str>, limit: u32, offset: u32) -> Result<(Vec<AccountEvent>, u64), AppError> {
        let target = target.map_or(JsValue::NULL, JsValue::from_str);
        let rows = self
            .db
            .prepare(
                "SELECT e.at, e.actor_id, COALESCE(a.display_name, e.actor_id) AS actor_name, e.target_id, \
                        COALESCE(t.display_name, e.target_id) AS target_name, e.kind, e.added, e.removed \
                 FROM account_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users t ON t.id = e.target_id \
                 WHERE ?1 IS NULL OR e.target_id = ?1 ORDER BY e.id DESC LIMIT ?2 OFFSET ?3",
            )
            .bind(&[target.clone(), num(f64::from(limit)), num(f64::from(offset))])?
            .all()
            .await?
            .results::<EventRow>()?;
        let total = self
            .db
            .prepare("SELECT COUNT(*) AS n FROM account_events e WHERE ?1 IS NULL OR e.target_id = ?1")
            .bind(&[target])?
            .first::<CountRow>(None)
            .await?
            .map_or(0, |r| r.n as u64);
        let events = rows
            .into_iter()
            .map(|r| {
                Ok(AccountEvent {
                    at: r.at,
                    actor_id: r.actor_id,
                    actor_name: r.actor_name,
                    target_id: r.target_id,
                    target_name: r.target_name,
                    kind: r.kind,
                    added: serde_json::from_str(&r.added)?,
                    removed: serde_json::from_str(&r.removed)?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((events, total))
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
