//! District-wide key lookups, shared by the import, the ingest, a
//! correction and (through the worker) a survey's intake: the daily budget
//! of refused lookups, what a lookup may disclose, and the batched writes
//! of an import or ingest.

use std::collections::BTreeMap;

use super::LedgerPort;
use crate::access::{Principal, lookup};
use crate::ledger::{ApplyError, LedgerRecord, RecordType, Write, in_unit};
use crate::messages::Text;
use crate::service::{AuditLog, LookupBudget, Now, ServiceError};

/// What a lookup of district-wide keys found in other units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elsewhere {
    /// The units the reader may learn about, with their names: refusals of
    /// keys registered there name the key and the unit.
    pub disclosed: BTreeMap<String, String>,
    /// Records found in units the reader may not see: refused naming no one.
    pub hidden: Vec<String>,
}

/// For a record type whose natural key is district-wide (a person's ID
/// number), adds to `existing` the records of other units that carry one of
/// `keys`, so that core refuses to register them a second time. `reader`
/// (none for a department's key) decides which of those units may be
/// named (`lookup::may_name`).
pub async fn add_records_elsewhere<P: LedgerPort>(
    port: &P,
    record_type: &RecordType,
    unit: &str,
    keys: &[String],
    existing: &mut Vec<LedgerRecord>,
    reader: Option<&Principal>,
) -> Result<Elsewhere, ServiceError> {
    let Some(key_field) = record_type.district_key_field() else { return Ok(Elsewhere::default()) };
    let found = port.records_with_keys(&record_type.entity, key_field, keys).await?;
    let elsewhere: Vec<LedgerRecord> = found.into_iter().filter(|r| !in_unit(unit, r)).collect();
    let mut codes: Vec<&str> =
        elsewhere.iter().map(|r| r.org_unit.as_str()).filter(|code| reader.is_some_and(|p| lookup::may_name(p, code))).collect();
    codes.sort_unstable();
    codes.dedup();
    let disclosed = port.unit_names(&codes).await?;
    let hidden = elsewhere.iter().filter(|r| !codes.contains(&r.org_unit.as_str())).map(|r| r.id.clone()).collect();
    existing.extend(elsewhere);
    Ok(Elsewhere { disclosed, hidden })
}

/// The day (UTC) refused lookups are counted in.
pub fn lookup_day(now: &Now) -> &str {
    now.instant.get(..10).unwrap_or_default()
}

/// Before any lookup of district-wide keys by `principal`: refuses (429)
/// once the day's refused lookups are used up, whatever the request holds,
/// so that the refusal itself tells nothing about its keys.
pub async fn check_lookup_quota<P: LookupBudget>(port: &P, principal: &Principal, now: &Now) -> Result<(), ServiceError> {
    let total = port.count_refused_lookups(&principal.user_id, lookup_day(now), 0).await?;
    if total >= lookup::REFUSED_KEYS_PER_DAY {
        return Err(ServiceError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    Ok(())
}

/// After a lookup: audits the keys of `rows` refused without detail
/// (`hidden`), counts them against the day's limit (previews count too),
/// and refuses the request whole (429) over the limit, or (422) when the
/// share of such keys says the file is a lookup rather than a ledger.
pub async fn screen_refusals<P: LookupBudget + AuditLog>(
    port: &P,
    principal: &Principal,
    record_type: &RecordType,
    rows: usize,
    hidden: &[String],
    now: &Now,
) -> Result<(), ServiceError> {
    if hidden.is_empty() {
        return Ok(());
    }
    let refused = u32::try_from(hidden.len()).unwrap_or(u32::MAX);
    let total = port.count_refused_lookups(&principal.user_id, lookup_day(now), refused).await?;
    let key = format!("{}.{}", record_type.entity, record_type.district_key_field().unwrap_or_default());
    port.unmasked_read(principal, "key_refused", &[key], hidden, now).await?;
    if lookup::over_daily_limit(total) {
        return Err(ServiceError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    if lookup::implausible_share(rows, hidden.len()) {
        return Err(ServiceError::Refused { code: "implausible_file", message: lookup::implausible_message() });
    }
    Ok(())
}

/// Applies an import's or ingest's writes; a concurrent change is a 409
/// asking for a retry (which completes the batch idempotently).
pub async fn apply_batch<P: LedgerPort>(port: &P, writes: &[Write]) -> Result<usize, ServiceError> {
    match port.apply_in_batches(writes).await {
        Ok(batches) => Ok(batches),
        Err(ApplyError::Store(e)) => Err(e),
        Err(ApplyError::Conflict(conflict)) => Err(import_conflict(&conflict.id)),
    }
}

pub(crate) fn import_conflict(id: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "import_conflict",
        message: Text::new(
            format!("记录 {id} 在导入期间被修改，请重新导入（已导入的部分不会重复）"),
            format!("record {id} changed during the import; import again (what was stored is not repeated)"),
        ),
    }
}
