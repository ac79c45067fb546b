//! Accounts run natively against the in-memory port: sign-in and its
//! throttling, sessions, password changes and resets, and the
//! administrators' use cases with their retries.

use super::memory::{FakeCrypto, MemoryAccounts};
use super::*;
use crate::access::AccountEventKind;
use crate::api::{GrantsRequest, ResetPasswordRequest, UpdateUserRequest};
use crate::service::accounts_admin::{self as admin, UserView};
use crate::service::ready;

const SECRET: &[u8] = b"a test secret of thirty-two bytes!";
const PASSWORD: &str = "Correct-Horse-42";

fn at(seconds: u64) -> Now {
    let minutes = seconds / 60;
    Now::new(format!("2026-11-29T{:02}:{:02}:{:02}.000Z", minutes / 60, minutes % 60, seconds % 60))
}

fn world() -> (MemoryAccounts, FakeCrypto) {
    let (store, crypto) = (MemoryAccounts::default(), FakeCrypto::default());
    let hash = |password: &str| ready(new_hash(&crypto, password)).expect("hash");
    for (id, username, role, org_unit) in
        [("admin", "admin", Role::SystemAdmin, "500118"), ("clerk", "clerk", Role::VillageStaff, "500118001001")]
    {
        store.users.borrow_mut().push(UserAccount {
            id: id.into(),
            username: username.into(),
            display_name: username.into(),
            role,
            org_unit: org_unit.into(),
            department: None,
            password_hash: hash(PASSWORD),
            disabled: false,
            must_change_password: false,
        });
    }
    (store, crypto)
}

fn sign_in(store: &MemoryAccounts, crypto: &FakeCrypto, username: &str, password: &str, now: &Now) -> Result<SignedIn, ServiceError> {
    let body = LoginRequest { username: username.into(), password: password.into() };
    ready(login(&body, "10.0.0.1", SECRET, now, store, crypto))
}

fn session_of(store: &MemoryAccounts, token: &str, now: &Now) -> Result<Session, ServiceError> {
    ready(authenticate(Some(token), SECRET, now, store))
}

fn admin_of(store: &MemoryAccounts) -> Principal {
    store.user("admin").principal(vec![])
}

fn error(result: Result<impl std::fmt::Debug, ServiceError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(ServiceError::Conflict { code, .. }) => code.into(),
        Err(ServiceError::Validation(fields)) => fields.iter().map(|f| f.code.as_str()).collect::<Vec<_>>().join(","),
        Err(ServiceError::Forbidden(reason)) => format!("{reason:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_sign_in_opens_a_session_that_lasts_a_working_day_and_ends_at_logout() {
    let (store, crypto) = world();
    let signed = sign_in(&store, &crypto, "clerk", PASSWORD, &at(3600)).expect("signed in");
    assert_eq!((signed.me.user.username.as_str(), signed.me.must_change_password), ("clerk", false));
    assert_eq!(session_of(&store, &signed.token, &at(3600 + SESSION_SECONDS - 1)).expect("live").principal.user_id, "clerk");
    assert_eq!(error(session_of(&store, &signed.token, &at(3600 + SESSION_SECONDS))), "not signed in");
    assert_eq!(error(ready(authenticate(None, SECRET, &at(3600), &store))), "not signed in");
    assert_eq!(error(ready(authenticate(Some("forged.token"), SECRET, &at(3600), &store))), "not signed in");
    ready(logout(&signed.token, SECRET, &store)).expect("signed out");
    ready(logout(&signed.token, SECRET, &store)).expect("twice is fine");
    assert_eq!(error(session_of(&store, &signed.token, &at(3601))), "not signed in");
}

#[test]
fn wrong_or_unknown_names_answer_alike_and_cost_a_derivation() {
    let (store, crypto) = world();
    assert_eq!(error(sign_in(&store, &crypto, "clerk", "wrong", &at(0))), "wrong user name or password");
    let before = crypto.derivations.get();
    assert_eq!(error(sign_in(&store, &crypto, "nobody", PASSWORD, &at(0))), "wrong user name or password");
    assert_eq!(crypto.derivations.get(), before + 1);
    store.users.borrow_mut()[1].disabled = true;
    assert_eq!(error(sign_in(&store, &crypto, "clerk", PASSWORD, &at(0))), "wrong user name or password");
}

#[test]
fn five_failures_lock_the_name_from_that_address_even_for_the_right_password_until_unlocked() {
    let (store, crypto) = world();
    for _ in 0..MAX_FAILURES_PER_USER {
        assert_eq!(error(sign_in(&store, &crypto, "clerk", "wrong", &at(0))), "wrong user name or password");
    }
    assert_eq!(error(sign_in(&store, &crypto, "clerk", PASSWORD, &at(1))), "too many failed logins");
    assert_eq!(error(sign_in(&store, &crypto, "clerk", PASSWORD, &at(LOCK - 1))), "too many failed logins");
    let body = LoginRequest { username: "clerk".into(), password: PASSWORD.into() };
    assert!(ready(login(&body, "10.0.0.2", SECRET, &at(2), &store, &crypto)).is_ok(), "another address is not locked out");
    assert_eq!(ready(admin::unlock_user(&admin_of(&store), "clerk", &store)).expect("unlocked"), 1);
    assert!(sign_in(&store, &crypto, "clerk", PASSWORD, &at(3)).is_ok());
    assert_eq!(ready(admin::unlock_user(&admin_of(&store), "clerk", &store)).expect("again"), 0);
}

#[test]
fn a_second_lockout_lasts_twice_as_long() {
    let (store, crypto) = world();
    let fail = |now| sign_in(&store, &crypto, "clerk", "wrong", &at(now));
    for _ in 0..=MAX_FAILURES_PER_USER {
        let _ = fail(0);
    }
    for _ in 0..=MAX_FAILURES_PER_USER {
        let _ = fail(LOCK);
    }
    assert_eq!(error(sign_in(&store, &crypto, "clerk", PASSWORD, &at(LOCK + 2 * LOCK - 1))), "too many failed logins");
    assert!(sign_in(&store, &crypto, "clerk", PASSWORD, &at(LOCK + 2 * LOCK)).is_ok());
}

#[test]
fn a_reset_forces_a_change_which_keeps_only_this_session_and_is_not_repeated() {
    let (store, crypto) = world();
    let admin = admin_of(&store);
    let other = sign_in(&store, &crypto, "clerk", PASSWORD, &at(0)).expect("signed in");
    let reset = ResetPasswordRequest { password: "Temporary-Pass-7".into() };
    let view: UserView = ready(admin::reset_password(&admin, "clerk", reset, &at(10), &store, &crypto)).expect("reset");
    assert!(view.must_change_password);
    assert_eq!(error(session_of(&store, &other.token, &at(11))), "not signed in", "a reset ends every session");
    let signed = sign_in(&store, &crypto, "clerk", "Temporary-Pass-7", &at(20)).expect("signed in");
    assert!(signed.me.must_change_password);
    let second = sign_in(&store, &crypto, "clerk", "Temporary-Pass-7", &at(21)).expect("second session");
    let session = session_of(&store, &signed.token, &at(30)).expect("live");
    assert_eq!(error(require_signed_in(session.clone())), "password change required");
    let change = |current: &str, new: &str| {
        let body = ChangePasswordRequest { current_password: current.into(), new_password: new.into() };
        ready(change_password(&session, &body, "10.0.0.1", &at(40), &store, &crypto))
    };
    assert_eq!(error(change("Temporary-Pass-7", "Temporary-Pass-7")), "password_unchanged");
    assert_eq!(
        error(change("Temporary-Pass-7", "short")),
        error(Err::<(), _>(ServiceError::Validation(check_password("/new_password", "short", "clerk"))))
    );
    assert_eq!(error(change("Wrong-Pass-123", "Brand-New-Pass-9")), "wrong_password");
    assert!(!change("Temporary-Pass-7", "Brand-New-Pass-9").expect("changed").must_change_password);
    assert_eq!(error(change("Temporary-Pass-7", "Brand-New-Pass-9")), "wrong_password", "a retry changes nothing");
    assert!(require_signed_in(session_of(&store, &signed.token, &at(50)).expect("this one stays")).is_ok());
    assert_eq!(error(session_of(&store, &second.token, &at(50))), "not signed in");
    assert_eq!(
        error(ready(admin::reset_password(&admin, "admin", ResetPasswordRequest { password: "x".into() }, &at(60), &store, &crypto))),
        "own_account"
    );
}

#[test]
fn administrators_create_disable_and_grant_once() {
    let (store, crypto) = world();
    let admin = admin_of(&store);
    let request = |username: &str, org_unit: &str| CreateUserRequest {
        username: username.into(),
        display_name: "新村干部".into(),
        role: Role::VillageStaff,
        org_unit: org_unit.into(),
        department: None,
        password: "Another-Pass-31".into(),
    };
    let created = ready(admin::create_user(&admin, request("cadre", "500118001002"), &at(0), &store, &crypto)).expect("created");
    assert_eq!((created.org_unit_name.as_str(), created.disabled), ("单位500118001002", false));
    assert_eq!(error(ready(admin::create_user(&admin, request("cadre", "500118001002"), &at(1), &store, &crypto))), "username_taken");
    assert_eq!(error(ready(admin::create_user(&admin, request("someone", "500101001002"), &at(1), &store, &crypto))), "unknown_org_unit");
    let id = created.user.user_id.clone();
    let signed = sign_in(&store, &crypto, "cadre", "Another-Pass-31", &at(2)).expect("signed in");
    let disable = || ready(admin::update_user(&admin, &id, UpdateUserRequest { disabled: true }, &at(3), &store));
    assert!(disable().expect("disabled").disabled);
    assert!(disable().expect("again").disabled);
    assert_eq!(error(session_of(&store, &signed.token, &at(4))), "not signed in");
    assert_eq!(error(ready(admin::update_user(&admin, "admin", UpdateUserRequest { disabled: true }, &at(3), &store))), "own_account");
    assert_eq!(error(ready(admin::update_user(&admin, "ghost", UpdateUserRequest { disabled: true }, &at(3), &store))), "user not found");
    let grant = || {
        ready(admin::set_grants(
            &admin,
            &id,
            GrantsRequest { items: vec!["person.id_number".into()] },
            &crate::Catalog::builtin().expect("catalog"),
            &at(5),
            &store,
        ))
    };
    grant().expect("granted");
    grant().expect("again");
    let kinds: Vec<AccountEventKind> = store.events.borrow().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [AccountEventKind::Created, AccountEventKind::Disabled, AccountEventKind::GrantsChanged]);
    let page = ready(admin::account_events(&admin, Some(id.clone()), Some(0), Some(1_000), &store)).expect("events");
    assert_eq!((page.total, page.page, page.per_page), (3, 1, crate::access::audit::MAX_PER_PAGE));
    let listed = ready(admin::list_users(&admin, &store)).expect("users");
    assert_eq!(listed.iter().map(|u| u.user.username.as_str()).collect::<Vec<_>>(), ["admin", "cadre", "clerk"]);
    let clerk = store.user("clerk").principal(vec![]);
    assert_eq!(error(ready(admin::list_users(&clerk, &store))), "NotForRole");
    assert_eq!(error(ready(admin::account_events(&clerk, None, None, None, &store))), "NotForRole");
}

#[test]
fn only_village_staff_start_in_the_village_app() {
    for role in Role::ALL {
        let me = me_of(crate::test_support::principal(role, "500118001001"), false);
        assert_eq!(me.office_home, role != Role::VillageStaff, "{role:?}");
        // The page's sign-in form reads the field from the answer's JSON.
        let json = serde_json::to_value(&me).expect("me");
        assert_eq!(json["office_home"], serde_json::json!(me.office_home));
    }
}
