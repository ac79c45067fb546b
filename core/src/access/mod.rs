//! Who may do what: roles, the one authorization decision, field masking,
//! session tokens and password hashes.
//!
//! The worker enforces every rule here through [`authorize`]; nothing else
//! decides access.

pub mod audit;
mod authorize;
mod city;
mod ingest;
pub mod lookup;
mod masking;
mod offers;
mod password;
mod password_policy;
mod session;
pub(crate) mod users;

pub use audit::{AccountEventKind, ReadClass, classify_read};
pub use authorize::{Action, Decision, DenyReason, authorize, in_scope};
pub use city::{CITY_AUTHOR_GRANT, city_prefix, covers_department, in_city, is_city_level};
pub use ingest::{IngestKey, authorize_ingest};
pub use masking::unmasked_by_role;
pub use masking::{
    Exposure, SENSITIVE_FIELDS_GRANT, field_guard, mask, mask_for_export, mask_id_number, mask_phone, mask_template_rows, mask_text,
    mask_values, may_see_unmasked, record_guards, reveal, template_guards,
};
pub use offers::{Offers, may_write_ledger, offers};
pub use password::{PBKDF2_ITERATIONS, PasswordHash, PasswordHashError, hash_password};
pub use password_policy::{MAX_PASSWORD_CHARS, MIN_CLASSES, MIN_PASSWORD_CHARS, character_classes, check_password};
pub use session::{SessionClaims, TokenError, sign_token, verify_token};
pub use users::{AccountChange, CreateUserRequest, check_account_change, level_of, validate_grants, validate_new_user};

use serde::{Deserialize, Serialize};

/// The five roles of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages users and grants, reads the audit log.
    SystemAdmin,
    /// 行政专员: coordinates across the district; reads everything in it.
    AdminSpecialist,
    /// 部门分析员: the data of templates its department owns.
    DepartmentAnalyst,
    /// 乡镇协同中心: its town's villages.
    TownCoordinator,
    /// 村（社区）工作人员: its own village.
    VillageStaff,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::SystemAdmin, Role::AdminSpecialist, Role::DepartmentAnalyst, Role::TownCoordinator, Role::VillageStaff];

    pub fn title_zh(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::AdminSpecialist => "行政专员",
            Role::DepartmentAnalyst => "部门分析员",
            Role::TownCoordinator => "乡镇协同中心",
            Role::VillageStaff => "村（社区）工作人员",
        }
    }

    /// Whether this role's home is the office app (every role but village
    /// staff, whose home is the small village app: issue 14). The front-end's
    /// bundles and the page's own sign-in (`Me::office_home`) both ask this.
    pub fn works_in_office(self) -> bool {
        self != Role::VillageStaff
    }
}

/// The signed-in user, as the worker knows them for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// GB/T 2260 code of the user's org unit (district, town or village).
    pub org_unit: String,
    /// The department a department analyst works for, e.g. `区民政局`.
    pub department: Option<String>,
    /// Ledger items (e.g. `person.id_number`) this user may read unmasked.
    pub grants: Vec<String>,
}

crate::read_object!(Principal { user_id, username, display_name, role, org_unit, grants } default { department });
