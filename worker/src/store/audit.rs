//! The audit log in D1: unmasked reads (written by `log_unmasked_read`,
//! classed by core), read filtered and paged; and the account events.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::access::audit::AuditFilter;
use ybt_core::access::{AccountEventKind, Principal, ReadClass, classify_read};
use ybt_core::api::{AccountEvent, AuditEntry};
use ybt_core::service::ServiceError;
use ybt_core::service::accounts::Page;

use super::{Store, num};
use crate::error::Storage;

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

/// The filter of an audit query, over `audit_log a`, with its parameters
/// ?1 classes (JSON list), ?2 user id, ?3 item, ?4 person (a record id or
/// a person's name), ?5 since, ?6 until (NULL: no filter).
const AUDIT_WHERE: &str = "a.class IN (SELECT value FROM json_each(?1)) \
     AND (?2 IS NULL OR a.user_id = ?2) \
     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.items) i WHERE i.value = ?3)) \
     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(a.record_ids) r WHERE r.value = ?4 \
          OR r.value IN (SELECT id FROM ledger_records WHERE json_extract(data, '$.name') = ?4))) \
     AND (?5 IS NULL OR a.at >= ?5) AND (?6 IS NULL OR a.at < ?6)";

/// An account event's target is in the routed district (?4; NULL: any).
const IN_DISTRICT: &str = "(?4 IS NULL OR e.target_id IN (SELECT id FROM users WHERE substr(org_unit, 1, 6) = ?4))";

fn opt(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

impl Store {
    /// Logs an unmasked read, classed by core from the org units of the
    /// records read (looked up here).
    pub async fn log_unmasked_read(
        &self,
        principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        at: &str,
    ) -> Result<(), ServiceError> {
        #[derive(Deserialize)]
        struct UnitRow {
            org_unit: String,
        }
        let ids = serde_json::to_string(record_ids).storage()?;
        let units: Vec<String> = self
            .db()?
            .prepare("SELECT DISTINCT org_unit FROM ledger_records WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY org_unit")
            .bind(&[ids.as_str().into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<UnitRow>()
            .storage()?
            .into_iter()
            .map(|r| r.org_unit)
            .collect();
        let class = classify_read(principal, &units);
        self.db()?
            .prepare(
                "INSERT INTO audit_log (at, user_id, username, action, items, record_ids, record_count, class, org_units) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(&[
                at.into(),
                principal.user_id.as_str().into(),
                principal.username.as_str().into(),
                action.into(),
                serde_json::to_string(items).storage()?.into(),
                ids.into(),
                num(record_ids.len() as f64),
                class.as_str().into(),
                serde_json::to_string(&units).storage()?.into(),
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(())
    }

    /// One page of the audit log under `filter`, newest first, with the
    /// number of entries it matches and the names of the units read.
    pub(super) async fn audit_entries(&self, filter: &AuditFilter, limit: u32, offset: u32) -> Result<Page<AuditEntry>, ServiceError> {
        let classes: Vec<&str> = filter.classes.iter().map(|c| c.as_str()).collect();
        let params = |extra: &[JsValue]| -> Result<Vec<JsValue>, ServiceError> {
            let mut all = vec![
                serde_json::to_string(&classes).storage()?.into(),
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
            .db()?
            .prepare(format!(
                "SELECT a.at, a.user_id, a.username, a.username AS display_name, a.action, a.items, \
                        a.record_ids, a.record_count, a.class, a.org_units \
                 FROM audit_log a \
                 WHERE {AUDIT_WHERE} ORDER BY a.id DESC LIMIT ?7 OFFSET ?8"
            ))
            .bind(&params(&[num(limit), num(offset)])?)
            .storage()?
            .all()
            .await
            .storage()?
            .results::<AuditRow>()
            .storage()?;
        let total = self
            .db()?
            .prepare(format!("SELECT COUNT(*) AS n FROM audit_log a WHERE {AUDIT_WHERE}"))
            .bind(&params(&[])?)
            .storage()?
            .first::<CountRow>(None)
            .await
            .storage()?
            .map_or(0, |r| r.n as u64);
        let mut entries = rows
            .into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    items: serde_json::from_str(&r.items).storage()?,
                    record_ids: serde_json::from_str(&r.record_ids).storage()?,
                    at: r.at,
                    user_id: r.user_id,
                    username: r.username,
                    display_name: r.display_name,
                    action: r.action,
                    record_count: r.record_count,
                    class: ReadClass::parse(&r.class).unwrap_or_default(),
                    org_units: serde_json::from_str(&r.org_units).storage()?,
                    org_unit_names: vec![],
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let mut codes: Vec<&str> = entries.iter().flat_map(|e| e.org_units.iter().map(String::as_str)).collect();
        codes.sort_unstable();
        codes.dedup();
        let names = self.unit_names(&codes).await?;
        // The accounts live in the directory: their display names too.
        let mut usernames: Vec<&str> = entries.iter().map(|e| e.username.as_str()).collect();
        usernames.sort_unstable();
        usernames.dedup();
        let people = self.display_names(&usernames).await?;
        for entry in &mut entries {
            if let Some(name) = people.get(&entry.username) {
                entry.display_name = name.clone();
            }
            entry.org_unit_names = entry.org_units.iter().map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone())).collect();
        }
        Ok(Page { items: entries, total })
    }

    /// One page of account events (optionally of one user), newest first,
    /// with names, and how many there are.
    pub(super) async fn account_event_page(
        &self,
        target: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Page<AccountEvent>, ServiceError> {
        let target = target.map_or(JsValue::NULL, JsValue::from_str);
        let rows = self
            .directory
            .prepare(format!(
                "SELECT e.at, e.actor_id, COALESCE(a.display_name, e.actor_id) AS actor_name, e.target_id, \
                        COALESCE(t.display_name, e.target_id) AS target_name, e.kind, e.added, e.removed \
                 FROM account_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users t ON t.id = e.target_id \
                 WHERE (?1 IS NULL OR e.target_id = ?1) AND {IN_DISTRICT} ORDER BY e.id DESC LIMIT ?2 OFFSET ?3",
            ))
            .bind(&[target.clone(), num(limit), num(offset), self.district_param()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<EventRow>()
            .storage()?;
        let total = self
            .directory
            .prepare(format!(
                "SELECT COUNT(*) AS n FROM account_events e WHERE (?1 IS NULL OR e.target_id = ?1) AND {}",
                IN_DISTRICT.replace("?4", "?2")
            ))
            .bind(&[target, self.district_param()])
            .storage()?
            .first::<CountRow>(None)
            .await
            .storage()?
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
                    added: serde_json::from_str(&r.added).storage()?,
                    removed: serde_json::from_str(&r.removed).storage()?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok(Page { items: events, total })
    }
}
