//! The storage boundary: a [`LedgerStore`] reads records and executes write
//! plans atomically. [`InMemoryLedger`] is the reference implementation the
//! tests run against; the worker implements the same trait over D1.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;

use super::history::{ChangeMeta, HistoryEntry};
use super::plan::{Conflict, Patch, UpdateError, Write, plan_update};
use super::record_type::RecordType;
use super::{LedgerRecord, OrgLevel};

/// Why a store did not execute a batch of writes. Either way, nothing of
/// the batch is stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError<E> {
    /// A record is no longer at the version a write expects (or an inserted
    /// id exists already).
    #[error(transparent)]
    Conflict(Conflict),
    /// The storage itself failed.
    #[error("store: {0}")]
    Store(E),
}

/// A ledger storage. Methods are `async` because D1 is; the in-memory store
/// is ready at once. Futures need not be `Send`: a worker isolate runs one
/// thread, so the lint about `Send` bounds does not apply.
#[allow(async_fn_in_trait)]
pub trait LedgerStore {
    type Error;

    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, Self::Error>;

    /// Records of `entity` in the org unit `unit` or any unit inside it
    /// (a town lists all its villages' records): the records whose
    /// `org_unit` starts with `unit`, ordered by id.
    async fn list(&self, unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, Self::Error>;

    /// The history of one record, oldest first.
    async fn history(&self, record_id: &str) -> Result<Vec<HistoryEntry>, Self::Error>;

    /// Executes every write of `writes` — record and history entry — or none.
    /// A write whose `expected_version` no longer matches (or an insert of an
    /// existing id) fails the whole batch with [`ApplyError::Conflict`].
    ///
    /// D1: one `batch()` per call (a transaction). Per write, `INSERT INTO
    /// ledger_records` (insert) or `UPDATE … WHERE id = ? AND version = ?`
    /// (update), then `INSERT INTO ledger_history`. An update that lost a
    /// race changes no row, but its history row's primary key `(record_id,
    /// version)` already exists, so the batch fails and rolls back; then read
    /// the record and answer `Conflict` with it.
    async fn apply(&self, writes: &[Write]) -> Result<(), ApplyError<Self::Error>>;
}

/// Whether `record` belongs to the org unit `unit` or a unit inside it.
pub fn in_unit(unit: &str, record: &LedgerRecord) -> bool {
    OrgLevel::contains(unit, &record.org_unit)
}

/// What [`update`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// The patch changed nothing; the stored record as it is.
    Unchanged(LedgerRecord),
    /// The new version, stored with its history entry.
    Updated(LedgerRecord),
}

/// Why [`update`] failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpdateFailure<E> {
    #[error("no record `{id}`")]
    NotFound { id: String },
    #[error(transparent)]
    Refused(#[from] UpdateError),
    #[error("store: {0}")]
    Store(E),
}

/// The whole conditional update, for any store: read, plan, apply. A write
/// that loses a race between read and apply is reported as a conflict with
/// the record that won, never applied.
pub async fn update<S: LedgerStore>(
    store: &S,
    record_type: &RecordType,
    id: &str,
    expected_version: u32,
    patch: &Patch,
    meta: &ChangeMeta,
) -> Result<UpdateOutcome, UpdateFailure<S::Error>> {
    let current = store.get(id).await.map_err(UpdateFailure::Store)?.ok_or_else(|| UpdateFailure::NotFound { id: id.to_owned() })?;
    let Some(write) = plan_update(record_type, &current, expected_version, patch, meta)? else {
        return Ok(UpdateOutcome::Unchanged(current));
    };
    match store.apply(std::slice::from_ref(&write)).await {
        Ok(()) => Ok(UpdateOutcome::Updated(write.record)),
        Err(ApplyError::Store(e)) => Err(UpdateFailure::Store(e)),
        Err(ApplyError::Conflict(_)) => {
            let current = store.get(id).await.map_err(UpdateFailure::Store)?;
            Err(UpdateError::Conflict(Conflict { id: id.to_owned(), current: current.map(Box::new) }).into())
        }
    }
}

/// A ledger in memory: the reference store for tests. Single-threaded by
/// design, like a worker isolate.
#[derive(Debug, Default)]
pub struct InMemoryLedger {
    records: RefCell<BTreeMap<String, LedgerRecord>>,
    history: RefCell<Vec<HistoryEntry>>,
}

impl InMemoryLedger {
    pub fn new() -> InMemoryLedger {
        InMemoryLedger::default()
    }

    /// Every stored record, ordered by id (for tests and snapshots).
    pub fn records(&self) -> Vec<LedgerRecord> {
        self.records.borrow().values().cloned().collect()
    }

    /// Every history entry in the order they were appended.
    pub fn all_history(&self) -> Vec<HistoryEntry> {
        self.history.borrow().clone()
    }

    fn conflict(&self, write: &Write) -> Option<Conflict> {
        let records = self.records.borrow();
        let stored = records.get(&write.record.id);
        let ok = match (write.expected_version, stored) {
            (None, None) => true,
            (Some(expected), Some(stored)) => stored.version == expected,
            _ => false,
        };
        (!ok).then(|| Conflict { id: write.record.id.clone(), current: stored.cloned().map(Box::new) })
    }
}

impl LedgerStore for InMemoryLedger {
    type Error = Infallible;

    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, Infallible> {
        Ok(self.records.borrow().get(id).cloned())
    }

    async fn list(&self, unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, Infallible> {
        Ok(self.records.borrow().values().filter(|r| r.entity == entity && in_unit(unit, r)).cloned().collect())
    }

    async fn history(&self, record_id: &str) -> Result<Vec<HistoryEntry>, Infallible> {
        Ok(self.history.borrow().iter().filter(|h| h.record_id == record_id).cloned().collect())
    }

    async fn apply(&self, writes: &[Write]) -> Result<(), ApplyError<Infallible>> {
        // Check the whole batch before touching anything: all or nothing.
        // Two writes to one id in a batch must chain their versions.
        let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
        for write in writes {
            let chained = seen.get(write.record.id.as_str()).copied();
            let conflict = match chained {
                Some(v) if write.expected_version == Some(v) => None,
                Some(_) => Some(Conflict { id: write.record.id.clone(), current: None }),
                None => self.conflict(write),
            };
            if let Some(conflict) = conflict {
                return Err(ApplyError::Conflict(conflict));
            }
            seen.insert(&write.record.id, write.record.version);
        }
        let mut records = self.records.borrow_mut();
        let mut history = self.history.borrow_mut();
        for write in writes {
            records.insert(write.record.id.clone(), write.record.clone());
            history.push(write.history.clone());
        }
        Ok(())
    }
}

/// Runs a future that never waits, such as any [`InMemoryLedger`] call.
/// Test support: core has no executor and needs none.
#[cfg(test)]
pub(crate) fn ready<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("an in-memory store call waited"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::ledger::{RecordTypes, Source, plan_insert};

    fn person() -> RecordType {
        RecordTypes::builtin().expect("types").get("person").expect("person").clone()
    }

    fn meta(by: &str, at: &str) -> ChangeMeta {
        ChangeMeta { changed_by: by.into(), changed_at: at.into(), source: Source::Visit }
    }

    fn patch(v: Value) -> Patch {
        v.as_object().cloned().expect("object")
    }

    fn store_with_zhang() -> InMemoryLedger {
        let store = InMemoryLedger::new();
        let write = plan_insert(
            &person(),
            "person:1",
            "500118100001",
            json!({"name": "张三", "id_number": "11010519491231002X"}),
            &meta("import", "2026-01-01T00:00:00Z"),
        )
        .expect("valid");
        ready(store.apply(&[write])).expect("stored");
        store
    }

    #[test]
    fn stale_write_is_refused_and_nothing_changes() {
        let store = store_with_zhang();
        let t = person();
        let first = ready(update(&store, &t, "person:1", 1, &patch(json!({"name": "张叁"})), &meta("a", "t1")));
        assert!(matches!(first, Ok(UpdateOutcome::Updated(ref r)) if r.version == 2));
        let before = (store.records(), store.all_history());
        // Written by someone who still holds version 1.
        let stale = ready(update(&store, &t, "person:1", 1, &patch(json!({"name": "李四"})), &meta("b", "t2")));
        let Err(UpdateFailure::Refused(UpdateError::Conflict(conflict))) = stale else { panic!("expected a conflict, got {stale:?}") };
        assert_eq!(conflict.current.map(|c| c.data["name"].clone()), Some(json!("张叁")));
        assert_eq!((store.records(), store.all_history()), before);
    }

    #[test]
    fn a_write_that_lost_the_race_is_refused_at_apply() {
        let store = store_with_zhang();
        let t = person();
        let current = ready(store.get("person:1")).expect("infallible").expect("stored");
        let mine = plan_update(&t, &current, 1, &patch(json!({"name": "甲"})), &meta("a", "t1")).expect("plans");
        let theirs = plan_update(&t, &current, 1, &patch(json!({"name": "乙"})), &meta("b", "t1")).expect("plans");
        ready(store.apply(&[theirs.expect("change")])).expect("first wins");
        let err = ready(store.apply(&[mine.expect("change")])).expect_err("the call must fail");
        assert!(matches!(err, ApplyError::Conflict(Conflict { current: Some(ref c), .. }) if c.data["name"] == "乙"));
        assert_eq!(ready(store.history("person:1")).expect("infallible").len(), 2);
    }

    #[test]
    fn history_has_old_and_new_per_field_and_who_when_how() {
        let store = store_with_zhang();
        let t = person();
        ready(update(
            &store,
            &t,
            "person:1",
            1,
            &patch(json!({"phone": "13812345678", "name": "张叁"})),
            &meta("staff", "2026-03-01T08:00:00Z"),
        ))
        .expect("updates");
        let history = ready(store.history("person:1")).expect("infallible");
        let last = history.last().expect("entries");
        assert_eq!(
            (last.version, last.changed_by.as_str(), last.changed_at.as_str(), last.source),
            (2, "staff", "2026-03-01T08:00:00Z", Source::Visit)
        );
        assert_eq!(serde_json::to_value(&last.changes).expect("json"), json!({"name": ["张三", "张叁"], "phone": [null, "13812345678"]}));
    }

    #[test]
    fn same_data_twice_makes_no_new_version() {
        let store = store_with_zhang();
        let t = person();
        let change = patch(json!({"name": "张叁"}));
        ready(update(&store, &t, "person:1", 1, &change, &meta("a", "t1"))).expect("updates");
        let again = ready(update(&store, &t, "person:1", 2, &change, &meta("a", "t2"))).expect("no error");
        assert!(matches!(again, UpdateOutcome::Unchanged(ref r) if r.version == 2));
        assert_eq!(store.all_history().len(), 2);
    }

    #[test]
    fn batch_is_all_or_nothing() {
        let store = store_with_zhang();
        let t = person();
        let fresh =
            plan_insert(&t, "person:2", "500118100001", json!({"name": "王五", "id_number": "11010519491231002X"}), &meta("a", "t"))
                .expect("valid");
        let duplicate =
            plan_insert(&t, "person:1", "500118100001", json!({"name": "赵六", "id_number": "11010519491231002X"}), &meta("a", "t"))
                .expect("valid");
        let err = ready(store.apply(&[fresh, duplicate])).expect_err("the call must fail");
        assert!(matches!(err, ApplyError::Conflict(Conflict { ref id, .. }) if id == "person:1"));
        assert_eq!(store.records().len(), 1);
        assert_eq!(store.all_history().len(), 1);
    }

    #[test]
    fn list_by_unit_includes_units_inside_it() {
        let store = InMemoryLedger::new();
        let t = person();
        let writes: Vec<Write> = [("person:a", "500118100001"), ("person:b", "500118100002"), ("person:c", "500118101001")]
            .iter()
            .map(|(id, unit)| {
                plan_insert(&t, id, unit, json!({"name": "甲", "id_number": "11010519491231002X"}), &meta("a", "t")).expect("valid")
            })
            .collect();
        ready(store.apply(&writes)).expect("stored");
        for (unit, expect) in [
            ("500118100001", vec!["person:a"]),
            ("500118100", vec!["person:a", "person:b"]),
            ("500118", vec!["person:a", "person:b", "person:c"]),
        ] {
            let got: Vec<String> = ready(store.list(unit, "person")).expect("infallible").into_iter().map(|r| r.id).collect();
            assert_eq!(got, expect, "{unit}");
        }
        assert!(ready(store.list("500118", "house")).expect("infallible").is_empty());
    }
}
