//! The ledger's ports in memory, for the use cases' native tests: records
//! and history ([`InMemoryLedger`]), org units, names, the refused-lookup
//! budget, committed plans, transfer requests and the audit log — plus
//! switches that make a batch fail or lose a race.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::rc::Rc;

use super::district_transfers::{DistrictTransferPort, MoveEnd};
use super::{CommittedPlan, LedgerPort, StoredTransfer, TransferPort, WRITES_PER_BATCH};
use crate::access::Principal;
use crate::catalog::Catalog;
use crate::compile::CompiledTemplate;
use crate::ledger::district_transfer::{DistrictTransfer, DistrictTransferStatus, MoveIn, MoveOut, district_of};
use crate::ledger::transfer::{Transfer, TransferStatus};
use crate::ledger::{
    ApplyError, ChangeMeta, Conflict, HistoryEntry, InMemoryLedger, LedgerRecord, LedgerStore, OrgLevel, OrgUnit, RecordTypes, Source,
    Write, plan_update,
};
use crate::service::{AuditLog, Directory, LookupBudget, Now, ServiceError};

/// One audited read: action, items, record ids.
pub type Audited = (String, Vec<String>, Vec<String>);

pub struct MemoryLedger {
    pub ledger: InMemoryLedger,
    types: Rc<RecordTypes>,
    catalog: Rc<Catalog>,
    units: BTreeMap<String, OrgUnit>,
    names: BTreeMap<String, String>,
    lookups: RefCell<BTreeMap<(String, String), u32>>,
    plans: RefCell<BTreeMap<(String, String), String>>,
    transfers: RefCell<Vec<StoredTransfer>>,
    pub audit: RefCell<Vec<Audited>>,
    /// The next batched write fails as storage (nothing of it stored).
    pub fail_next_batch: Cell<bool>,
    /// The next plan commit loses a race: an identical commit lands first.
    pub lose_next_plan_race: Cell<bool>,
    /// The next approval's batch finds the request decided by `(who, at)`.
    pub decided_meanwhile: RefCell<Option<(String, String)>>,
    /// The next approval's batch finds the record corrected meanwhile.
    pub record_changed_meanwhile: Cell<bool>,
    /// Cross-district requests: the directory's rows, shared by every
    /// district's `MemoryLedger` of a test ([`MemoryLedger::district`]).
    pub district_transfers: Rc<RefCell<Vec<DistrictTransfer>>>,
    /// The other districts' ledgers a move may reach, by code.
    pub peers: RefCell<BTreeMap<String, Rc<MemoryLedger>>>,
    /// Record id → the transfer that moved it out (the `moved_out` column).
    pub moved_out: RefCell<BTreeMap<String, String>>,
    /// The next step in fails as storage: a crash between the steps.
    pub fail_next_move_in: Cell<bool>,
    /// The next conditional update of a district transfer finds this row
    /// stored meanwhile (another decider's) and fails.
    pub district_transfer_meanwhile: RefCell<Option<DistrictTransfer>>,
}

impl MemoryLedger {
    /// The shipped record types and catalog; the district 500118, its town
    /// 500118100 with villages …001 and …002, and town 500118101 with …001.
    pub fn new() -> MemoryLedger {
        MemoryLedger::with_units(&[
            ("500118", "永川区"),
            ("500118100", "胜利路街道"),
            ("500118100001", "红旗社区"),
            ("500118100002", "光明社区"),
            ("500118101", "中山路街道"),
            ("500118101001", "文曲社区"),
        ])
    }

    /// Another district's ledger sharing this one's directory rows (江北:
    /// 500105, town 500105001 with village …001): both see each other as
    /// the destination of a move.
    pub fn district(self: &Rc<MemoryLedger>, units: &[(&str, &str)]) -> Rc<MemoryLedger> {
        let mut other = MemoryLedger::with_units(units);
        other.district_transfers = self.district_transfers.clone();
        other.names = self.names.clone();
        let other = Rc::new(other);
        self.peers.borrow_mut().insert(units[0].0.to_owned(), other.clone());
        other.peers.borrow_mut().insert(self.units.keys().next().cloned().unwrap_or_default(), self.clone());
        other
    }

    fn with_units(units: &[(&str, &str)]) -> MemoryLedger {
        let units = units
            .iter()
            .copied()
            .map(|(code, name)| {
                let unit = OrgUnit {
                    code: code.into(),
                    name: name.into(),
                    level: OrgLevel::of_code(code).expect("a code"),
                    parent_code: (code.len() > 6).then(|| code[..code.len() - 3].to_owned()),
                };
                (code.to_owned(), unit)
            })
            .collect();
        MemoryLedger {
            ledger: InMemoryLedger::new(),
            types: Rc::new(RecordTypes::builtin().expect("record types")),
            catalog: Rc::new(Catalog::builtin().expect("catalog")),
            units,
            names: BTreeMap::new(),
            lookups: RefCell::default(),
            plans: RefCell::default(),
            transfers: RefCell::default(),
            audit: RefCell::default(),
            fail_next_batch: Cell::new(false),
            lose_next_plan_race: Cell::new(false),
            decided_meanwhile: RefCell::new(None),
            record_changed_meanwhile: Cell::new(false),
            district_transfers: Rc::default(),
            peers: RefCell::default(),
            moved_out: RefCell::default(),
            fail_next_move_in: Cell::new(false),
            district_transfer_meanwhile: RefCell::new(None),
        }
    }

    fn live(&self, record: &LedgerRecord) -> bool {
        !self.moved_out.borrow().contains_key(&record.id)
    }

    pub fn with_name(mut self, username: &str, name: &str) -> MemoryLedger {
        self.names.insert(username.into(), name.into());
        self
    }

    /// The refused lookups counted for `user_id` on `day`.
    pub fn refused(&self, user_id: &str, day: &str) -> u32 {
        self.lookups.borrow().get(&(user_id.to_owned(), day.to_owned())).copied().unwrap_or(0)
    }

    pub fn stored_transfer(&self, id: &str) -> Option<StoredTransfer> {
        self.transfers.borrow().iter().find(|t| t.transfer.id == id).cloned()
    }

    fn fail_batch(&self) -> bool {
        self.fail_next_batch.replace(false)
    }

    async fn apply_chunk(&self, writes: &[Write]) -> Result<(), ApplyError<ServiceError>> {
        if self.fail_batch() {
            return Err(ApplyError::Store(ServiceError::Storage("batch failed".into())));
        }
        self.ledger.apply(writes).await.map_err(|e| match e {
            ApplyError::Conflict(c) => ApplyError::Conflict(c),
            ApplyError::Store(never) => match never {},
        })
    }
}

fn infallible<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

impl LedgerStore for MemoryLedger {
    type Error = ServiceError;

    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, ServiceError> {
        Ok(infallible(self.ledger.get(id).await))
    }

    async fn list(&self, unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(infallible(self.ledger.list(unit, entity).await).into_iter().filter(|r| self.live(r)).collect())
    }

    async fn history(&self, record_id: &str) -> Result<Vec<HistoryEntry>, ServiceError> {
        Ok(infallible(self.ledger.history(record_id).await))
    }

    async fn apply(&self, writes: &[Write]) -> Result<(), ApplyError<ServiceError>> {
        self.apply_chunk(writes).await
    }
}

impl Directory for MemoryLedger {
    async fn template(&self, _id: &str, _version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        Ok(None)
    }

    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        Ok(self.units.get(code).cloned())
    }
}

impl AuditLog for MemoryLedger {
    async fn unmasked_read(
        &self,
        _principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        _now: &Now,
    ) -> Result<(), ServiceError> {
        if !items.is_empty() && !record_ids.is_empty() {
            self.audit.borrow_mut().push((action.to_owned(), items.to_vec(), record_ids.to_vec()));
        }
        Ok(())
    }
}

impl LookupBudget for MemoryLedger {
    async fn count_refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, ServiceError> {
        let mut lookups = self.lookups.borrow_mut();
        let total = lookups.entry((user_id.to_owned(), day.to_owned())).or_default();
        *total += refused;
        Ok(*total)
    }
}

impl LedgerPort for MemoryLedger {
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError> {
        Ok(self.types.clone())
    }

    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError> {
        Ok(self.catalog.clone())
    }

    async fn records_with_keys(&self, entity: &str, key_field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(self
            .ledger
            .records()
            .into_iter()
            .filter(|r| self.live(r))
            .filter(|r| r.entity == entity && r.data.get(key_field).and_then(|v| v.as_str()).is_some_and(|k| keys.iter().any(|x| x == k)))
            .collect())
    }

    async fn histories(&self, ids: &[String]) -> Result<Vec<HistoryEntry>, ServiceError> {
        Ok(self.ledger.all_history().into_iter().filter(|h| ids.contains(&h.record_id)).collect())
    }

    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(codes.iter().filter_map(|c| self.units.get(*c)).map(|u| (u.code.clone(), u.name.clone())).collect())
    }

    async fn display_names(&self, usernames: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(usernames.iter().filter_map(|u| self.names.get(*u).map(|n| ((*u).to_owned(), n.clone()))).collect())
    }

    async fn apply_in_batches(&self, writes: &[Write]) -> Result<usize, ApplyError<ServiceError>> {
        let mut batches = 0;
        for chunk in writes.chunks(WRITES_PER_BATCH) {
            self.apply_chunk(chunk).await?;
            batches += 1;
        }
        Ok(batches)
    }

    async fn committed_plan(&self, plan_id: &str, user_id: &str) -> Result<Option<String>, ServiceError> {
        Ok(self.plans.borrow().get(&(plan_id.to_owned(), user_id.to_owned())).cloned())
    }

    async fn apply_plan(&self, writes: &[Write], plan: &CommittedPlan<'_>) -> Result<usize, ApplyError<ServiceError>> {
        let key = (plan.plan_id.to_owned(), plan.created_by.to_owned());
        if self.lose_next_plan_race.replace(false) {
            // The identical commit that won: its writes and its mark.
            self.apply_in_batches(writes).await?;
            self.plans.borrow_mut().insert(key.clone(), plan.answer.to_owned());
        }
        let chunks: Vec<&[Write]> = if writes.is_empty() { vec![&[]] } else { writes.chunks(WRITES_PER_BATCH).collect() };
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            // The mark's primary key fails the last batch when it exists.
            if i == last && self.plans.borrow().contains_key(&key) {
                return Err(ApplyError::Store(ServiceError::Storage("import_plans: UNIQUE constraint failed".into())));
            }
            self.apply_chunk(chunk).await?;
            if i == last {
                self.plans.borrow_mut().insert(key.clone(), plan.answer.to_owned());
            }
        }
        Ok(writes.len().div_ceil(WRITES_PER_BATCH))
    }
}

impl TransferPort for MemoryLedger {
    async fn transfer(&self, id: &str) -> Result<Option<StoredTransfer>, ServiceError> {
        Ok(self.stored_transfer(id))
    }

    async fn pending_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<StoredTransfer>, ServiceError> {
        Ok(self
            .transfers
            .borrow()
            .iter()
            .find(|s| {
                let t = &s.transfer;
                t.entity == entity && t.key == key && t.to_org_unit == to_org_unit && t.status == TransferStatus::Pending
            })
            .cloned())
    }

    async fn transfers(&self, scope: &str) -> Result<Vec<StoredTransfer>, ServiceError> {
        let mut rows: Vec<StoredTransfer> =
            self.transfers.borrow().iter().filter(|s| OrgLevel::contains(scope, &s.transfer.to_org_unit)).cloned().collect();
        rows.sort_by(|a, b| {
            let pending = |s: &StoredTransfer| s.transfer.status != TransferStatus::Pending;
            (pending(a), std::cmp::Reverse(&a.transfer.requested_at), &a.transfer.id).cmp(&(
                pending(b),
                std::cmp::Reverse(&b.transfer.requested_at),
                &b.transfer.id,
            ))
        });
        Ok(rows)
    }

    async fn add_transfer(&self, t: &Transfer) -> Result<bool, ServiceError> {
        let exists = self.stored_transfer(&t.id).is_some() || self.pending_transfer(&t.entity, &t.key, &t.to_org_unit).await?.is_some();
        if !exists {
            self.transfers.borrow_mut().push(StoredTransfer { transfer: t.clone(), record_id: None, from_org_unit: None });
        }
        Ok(!exists)
    }

    async fn approve_transfer(&self, id: &str, write: &Write, from_org_unit: &str, note: &str) -> Result<(), ServiceError> {
        let meanwhile = self.decided_meanwhile.borrow_mut().take();
        if let Some((by, at)) = meanwhile {
            self.reject_transfer(id, &by, &at, "").await?;
        }
        if self.record_changed_meanwhile.replace(false) {
            let record = self.get(&write.record.id).await?.ok_or_else(|| ServiceError::Storage("no record".into()))?;
            let record_type = self.types.get(&record.entity).ok_or_else(|| ServiceError::Storage("no type".into()))?;
            let meta = ChangeMeta { changed_by: "other".into(), changed_at: write.record.updated_at.clone(), source: Source::Visit };
            let patch = serde_json::json!({ "phone": "13900000000" });
            let changed = plan_update(record_type, &record, record.version, patch.as_object().expect("object"), &meta)
                .map_err(|e| ServiceError::Storage(e.to_string()))?;
            self.apply_chunk(&changed.into_iter().collect::<Vec<_>>()).await.map_err(|_| ServiceError::Storage("changed".into()))?;
        }
        let pending = self.stored_transfer(id).is_some_and(|s| s.transfer.status == TransferStatus::Pending);
        if !pending {
            return Err(ServiceError::Conflict { code: "not_pending", message: crate::messages::Text::new("", "") });
        }
        self.apply_chunk(std::slice::from_ref(write)).await.map_err(|e| match e {
            ApplyError::Conflict(Conflict { id, .. }) => ServiceError::Storage(format!("conflict on {id}")),
            ApplyError::Store(e) => e,
        })?;
        let mut transfers = self.transfers.borrow_mut();
        let stored = transfers.iter_mut().find(|s| s.transfer.id == id).expect("pending above");
        stored.transfer.status = TransferStatus::Approved;
        stored.transfer.decided_by = Some(write.record.updated_by.clone());
        stored.transfer.decided_at = Some(write.record.updated_at.clone());
        stored.transfer.note = Some(note.to_owned());
        stored.record_id = Some(write.record.id.clone());
        stored.from_org_unit = Some(from_org_unit.to_owned());
        Ok(())
    }

    async fn reject_transfer(&self, id: &str, by: &str, at: &str, note: &str) -> Result<(), ServiceError> {
        let mut transfers = self.transfers.borrow_mut();
        if let Some(stored) = transfers.iter_mut().find(|s| s.transfer.id == id && s.transfer.status == TransferStatus::Pending) {
            stored.transfer.status = TransferStatus::Rejected;
            stored.transfer.decided_by = Some(by.to_owned());
            stored.transfer.decided_at = Some(at.to_owned());
            stored.transfer.note = Some(note.to_owned());
        }
        Ok(())
    }
}

impl MoveEnd for MemoryLedger {
    async fn move_out(&self, write: &Write, transfer_id: &str) -> Result<MoveOut, ServiceError> {
        let id = &write.record.id;
        if self.moved_out.borrow().get(id).is_some_and(|t| t == transfer_id) {
            return Ok(MoveOut::Done);
        }
        let current = infallible(self.ledger.get(id).await);
        if self.moved_out.borrow().contains_key(id) || current.is_none_or(|r| Some(r.version) != write.expected_version) {
            return Ok(MoveOut::Changed);
        }
        match self.ledger.apply(std::slice::from_ref(write)).await {
            Ok(()) => {}
            Err(ApplyError::Conflict(_)) => return Ok(MoveOut::Changed),
            Err(ApplyError::Store(never)) => match never {},
        }
        self.moved_out.borrow_mut().insert(id.clone(), transfer_id.to_owned());
        Ok(MoveOut::Done)
    }

    async fn move_in(&self, write: &Write, key_field: &str, key: &str) -> Result<MoveIn, ServiceError> {
        if infallible(self.ledger.get(&write.record.id).await).is_some() {
            return Ok(MoveIn::Done);
        }
        if !self.records_with_keys(&write.record.entity, key_field, &[key.to_owned()]).await?.is_empty() {
            return Ok(MoveIn::KeyTaken);
        }
        if self.fail_next_move_in.replace(false) {
            return Err(ServiceError::Storage("step in failed".into()));
        }
        self.apply_chunk(std::slice::from_ref(write)).await.map_err(|_| ServiceError::Storage("step in".into()))?;
        Ok(MoveIn::Done)
    }
}

impl DistrictTransferPort for MemoryLedger {
    type Destination = Rc<MemoryLedger>;

    async fn district_transfer(&self, id: &str) -> Result<Option<DistrictTransfer>, ServiceError> {
        Ok(self.district_transfers.borrow().iter().find(|t| t.id == id).cloned())
    }

    async fn open_district_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<DistrictTransfer>, ServiceError> {
        let open = |t: &&DistrictTransfer| !matches!(t.status, DistrictTransferStatus::Moved | DistrictTransferStatus::Rejected);
        Ok(self
            .district_transfers
            .borrow()
            .iter()
            .filter(open)
            .find(|t| t.entity == entity && t.key == key && t.to_org_unit == to_org_unit)
            .cloned())
    }

    async fn add_district_transfer(&self, t: &DistrictTransfer) -> Result<bool, ServiceError> {
        if self.district_transfer(&t.id).await?.is_some() || self.open_district_transfer(&t.entity, &t.key, &t.to_org_unit).await?.is_some()
        {
            return Ok(false);
        }
        self.district_transfers.borrow_mut().push(t.clone());
        Ok(true)
    }

    async fn district_transfers_into(&self, scope: &str) -> Result<Vec<DistrictTransfer>, ServiceError> {
        Ok(self.district_transfers.borrow().iter().filter(|t| t.to_org_unit.starts_with(scope)).cloned().collect())
    }

    async fn district_transfers_from(&self, district: &str) -> Result<Vec<DistrictTransfer>, ServiceError> {
        Ok(self.district_transfers.borrow().iter().filter(|t| t.from_district == district && t.received_by.is_some()).cloned().collect())
    }

    async fn update_district_transfer(&self, t: &DistrictTransfer, expected: DistrictTransferStatus) -> Result<bool, ServiceError> {
        let mut rows = self.district_transfers.borrow_mut();
        if let Some(other) = self.district_transfer_meanwhile.borrow_mut().take() {
            rows.retain(|r| r.id != other.id);
            rows.push(other);
            return Ok(false);
        }
        match rows.iter_mut().find(|r| r.id == t.id && r.status == expected) {
            Some(row) => {
                *row = t.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn district_names(&self) -> Result<BTreeMap<String, String>, ServiceError> {
        let mut names: BTreeMap<String, String> = self
            .peers
            .borrow()
            .iter()
            .map(|(code, peer)| (code.clone(), peer.units.get(code).map_or(code.clone(), |u| u.name.clone())))
            .collect();
        names.extend(self.units.values().filter(|u| u.level == OrgLevel::District).map(|u| (u.code.clone(), u.name.clone())));
        Ok(names)
    }

    async fn destination(&self, district: &str) -> Result<Rc<MemoryLedger>, ServiceError> {
        self.peers.borrow().get(district_of(district)).cloned().ok_or(ServiceError::Forbidden(crate::access::DenyReason::OutOfScope))
    }
}
