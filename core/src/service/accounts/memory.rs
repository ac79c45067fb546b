//! The accounts port in memory, for native tests: the same contract as
//! the D1 adapter, throttling included (the upsert's arithmetic, step for
//! step), and a password derivation that is cheap but keyed the same way.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::*;
use crate::access::AccountEventKind;
use crate::compile::CompiledTemplate;
use crate::ledger::{OrgLevel, OrgUnit};
use crate::service::Directory;

#[derive(Debug, Clone, Default)]
pub struct Attempts {
    pub window_start: u64,
    pub failures: u64,
    pub strikes: u64,
    pub locked_until: u64,
}

#[derive(Default)]
pub struct MemoryAccounts {
    pub users: RefCell<Vec<UserAccount>>,
    pub grants: RefCell<BTreeMap<String, Vec<String>>>,
    pub sessions: RefCell<BTreeMap<String, StoredSession>>,
    pub attempts: RefCell<BTreeMap<String, Attempts>>,
    pub events: RefCell<Vec<Event>>,
}

/// An account event as the memory keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub target: String,
    pub kind: AccountEventKind,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

fn event(target: &str, kind: AccountEventKind, added: &[String], removed: &[String]) -> Event {
    Event { target: target.into(), kind, added: added.to_vec(), removed: removed.to_vec() }
}

impl MemoryAccounts {
    pub fn user(&self, username: &str) -> UserAccount {
        self.users.borrow().iter().find(|u| u.username == username).cloned().expect("a user of that name")
    }
}

impl Accounts for MemoryAccounts {
    async fn user_by_name(&self, username: &str) -> Result<Option<UserAccount>, ServiceError> {
        Ok(self.users.borrow().iter().find(|u| u.username == username).cloned())
    }
    async fn user_by_id(&self, id: &str) -> Result<Option<UserAccount>, ServiceError> {
        Ok(self.users.borrow().iter().find(|u| u.id == id).cloned())
    }
    async fn users(&self) -> Result<Vec<UserAccount>, ServiceError> {
        let mut users = self.users.borrow().clone();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }
    async fn grants(&self, user_id: &str) -> Result<Vec<String>, ServiceError> {
        Ok(self.grants.borrow().get(user_id).cloned().unwrap_or_default())
    }
    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(codes.iter().filter(|c| c.len() == 12).map(|c| (c.to_string(), format!("村{c}"))).collect())
    }
    async fn session(&self, id: &str) -> Result<Option<StoredSession>, ServiceError> {
        Ok(self.sessions.borrow().get(id).cloned())
    }
    async fn create_session(&self, id: &str, user_id: &str, _created_at: &str, expires_at: u64) -> Result<(), ServiceError> {
        self.sessions.borrow_mut().insert(id.into(), StoredSession { user_id: user_id.into(), expires_at });
        Ok(())
    }
    async fn delete_session(&self, id: &str) -> Result<(), ServiceError> {
        self.sessions.borrow_mut().remove(id);
        Ok(())
    }
    async fn reserve_attempt(&self, keys: &[ThrottleKey], now: u64, window: u64, lock: u64) -> Result<bool, ServiceError> {
        let mut attempts = self.attempts.borrow_mut();
        let mut locked = false;
        for ThrottleKey { key, limit } in keys {
            let limit = u64::from(*limit);
            let a = attempts.entry(key.clone()).or_insert(Attempts { window_start: now, failures: 0, ..Attempts::default() });
            let next = if a.window_start + window <= now { 1 } else { a.failures + 1 };
            let was_locked = a.locked_until > now;
            let over = next > limit;
            let new = Attempts {
                failures: if was_locked {
                    a.failures
                } else if over {
                    0
                } else {
                    next
                },
                window_start: if was_locked {
                    a.window_start
                } else if a.window_start + window <= now || over {
                    now
                } else {
                    a.window_start
                },
                strikes: if !was_locked && over { a.strikes + 1 } else { a.strikes },
                locked_until: if !was_locked && over { now + (lock << a.strikes.min(6)) } else { a.locked_until },
            };
            *a = new;
            locked |= a.locked_until > now;
        }
        Ok(locked)
    }
    async fn release_attempt(&self, user_key: &str, address_key: &str) -> Result<(), ServiceError> {
        let mut attempts = self.attempts.borrow_mut();
        attempts.remove(user_key);
        if let Some(a) = attempts.get_mut(address_key) {
            a.failures = a.failures.saturating_sub(1);
        }
        Ok(())
    }
    async fn unlock(&self, prefix: &str) -> Result<u64, ServiceError> {
        let mut attempts = self.attempts.borrow_mut();
        let before = attempts.len();
        attempts.retain(|k, _| !k.starts_with(prefix));
        Ok((before - attempts.len()) as u64)
    }
    async fn create_user(&self, new: &NewUser<'_>) -> Result<bool, ServiceError> {
        if self.users.borrow().iter().any(|u| u.username == new.request.username) {
            return Ok(false);
        }
        let r = new.request;
        self.users.borrow_mut().push(UserAccount {
            id: new.id.into(),
            username: r.username.clone(),
            display_name: r.display_name.clone(),
            role: r.role,
            org_unit: r.org_unit.clone(),
            department: r.department.clone(),
            password_hash: new.password_hash.into(),
            disabled: false,
            must_change_password: false,
        });
        self.events.borrow_mut().push(event(new.id, AccountEventKind::Created, &[], &[]));
        Ok(true)
    }
    async fn set_disabled(&self, user_id: &str, disabled: bool, _actor: &str, _at: &str) -> Result<(), ServiceError> {
        let mut users = self.users.borrow_mut();
        let Some(user) = users.iter_mut().find(|u| u.id == user_id) else { return Ok(()) };
        if user.disabled != disabled {
            user.disabled = disabled;
            let kind = if disabled { AccountEventKind::Disabled } else { AccountEventKind::Enabled };
            self.events.borrow_mut().push(event(user_id, kind, &[], &[]));
        }
        if disabled {
            self.sessions.borrow_mut().retain(|_, s| s.user_id != user_id);
        }
        Ok(())
    }
    async fn reset_password(&self, user_id: &str, prefix: &str, hash: &str, _actor: &str, _at: &str) -> Result<(), ServiceError> {
        if let Some(user) = self.users.borrow_mut().iter_mut().find(|u| u.id == user_id) {
            (user.password_hash, user.must_change_password) = (hash.into(), true);
        }
        self.sessions.borrow_mut().retain(|_, s| s.user_id != user_id);
        self.attempts.borrow_mut().retain(|k, _| !k.starts_with(prefix));
        self.events.borrow_mut().push(event(user_id, AccountEventKind::PasswordReset, &[], &[]));
        Ok(())
    }
    async fn change_password(&self, user_id: &str, hash: &str, keep: &str, _at: &str) -> Result<(), ServiceError> {
        if let Some(user) = self.users.borrow_mut().iter_mut().find(|u| u.id == user_id) {
            (user.password_hash, user.must_change_password) = (hash.into(), false);
        }
        self.sessions.borrow_mut().retain(|id, s| s.user_id != user_id || id == keep);
        self.events.borrow_mut().push(event(user_id, AccountEventKind::PasswordChanged, &[], &[]));
        Ok(())
    }
    async fn replace_grants(&self, c: &GrantsChange<'_>) -> Result<(), ServiceError> {
        let mut items = c.items.to_vec();
        items.sort();
        self.grants.borrow_mut().insert(c.user_id.into(), items);
        if !c.added.is_empty() || !c.removed.is_empty() {
            self.events.borrow_mut().push(event(c.user_id, AccountEventKind::GrantsChanged, c.added, c.removed));
        }
        Ok(())
    }
    async fn audit_log(&self, _filter: &AuditFilter, _limit: u32, _offset: u32) -> Result<Page<AuditEntry>, ServiceError> {
        Ok(Page { items: vec![], total: 0 })
    }
    async fn account_events(&self, target: Option<&str>, limit: u32, offset: u32) -> Result<Page<AccountEvent>, ServiceError> {
        let events = self.events.borrow();
        let mine: Vec<_> = events.iter().rev().filter(|e| target.is_none_or(|t| e.target == t)).collect();
        let items = mine
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|e| AccountEvent {
                at: String::new(),
                actor_id: String::new(),
                actor_name: String::new(),
                target_id: e.target.clone(),
                target_name: e.target.clone(),
                kind: e.kind,
                added: e.added.clone(),
                removed: e.removed.clone(),
            })
            .collect();
        Ok(Page { items, total: mine.len() as u64 })
    }
}

impl Directory for MemoryAccounts {
    async fn template(&self, _id: &str, _version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        Ok(None)
    }
    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        let level = match code.len() {
            6 => OrgLevel::District,
            9 => OrgLevel::Town,
            12 => OrgLevel::Village,
            _ => return Ok(None),
        };
        Ok(code.starts_with("500118").then(|| OrgUnit { code: code.into(), name: format!("单位{code}"), level, parent_code: None }))
    }
}

/// Derivation keyed by password, salt and iterations (SHA-256, not PBKDF2: cheap),
/// counting its calls; ids `id-1`, `id-2`, ….
#[derive(Default)]
pub struct FakeCrypto {
    pub derivations: Cell<usize>,
    ids: Cell<usize>,
}

impl Passwords for FakeCrypto {
    async fn derive(&self, password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, ServiceError> {
        self.derivations.set(self.derivations.get() + 1);
        use sha2::Digest;
        Ok(sha2::Sha256::digest(format!("{password}|{salt:?}|{iterations}")).to_vec())
    }
    fn random_bytes(&self, n: usize) -> Result<Vec<u8>, ServiceError> {
        Ok((0..n).map(|i| i as u8 + self.ids.get() as u8).collect())
    }
    fn random_id(&self) -> Result<String, ServiceError> {
        self.ids.set(self.ids.get() + 1);
        Ok(format!("id-{}", self.ids.get()))
    }
}
