//! Bodies of the account, session and audit endpoints.

use serde::{Deserialize, Serialize};

use crate::access::audit::AuditEntry;

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `GET /api/auth/me` and the answer to a login: the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Me {
    pub user: crate::access::Principal,
    pub role_title: String,
    /// The password was reset by an administrator: nothing but
    /// `POST /api/auth/password` (and sign-out) works until it is changed.
    #[serde(default)]
    pub must_change_password: bool,
    /// The user's home is the office app (`Role::works_in_office`): the
    /// village page's own sign-in form (`boot.js`) opens `/office` at once
    /// rather than downloading the village app first (issue 14).
    #[serde(default)]
    pub office_home: bool,
}

crate::read_object!(Me { user, role_title } default { must_change_password, office_home });

/// `PUT /api/users/{id}/grants`: the complete list of granted ledger items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantsRequest {
    pub items: Vec<String>,
}

/// `GET /api/audit`: one page of the entries a query matched, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries the query matched, over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// An entry of `GET /api/audit/accounts`: what an administrator (or the
/// user, for their own password) did to an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvent {
    pub at: String,
    pub actor_id: String,
    pub actor_name: String,
    pub target_id: String,
    pub target_name: String,
    pub kind: crate::access::AccountEventKind,
    /// Grants added and removed (`grants_changed`).
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEventPage {
    pub events: Vec<AccountEvent>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// `PATCH /api/users/{id}`: disable or re-enable an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    pub disabled: bool,
}

/// `POST /api/users/{id}/password`: an administrator sets a temporary
/// password; the user must change it at the next sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// `POST /api/auth/password`: the signed-in user changes their password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}
