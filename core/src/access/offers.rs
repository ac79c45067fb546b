//! What a home page offers a signed-in user: only what [`authorize`] would
//! let them do, so that no button ends in 您的角色没有此权限.

use serde::{Deserialize, Serialize};

use super::{Action, Principal, authorize};

/// The actions a home page shows, decided for the user's own org unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offers {
    /// 一键生成: generate a template's form for a village.
    pub generate_forms: bool,
    /// The dispatched tasks (village staff, town centres).
    pub inbox: bool,
    /// The ledger page, read-only or not.
    pub read_ledger: bool,
    /// Edit and import on the ledger page.
    pub write_ledger: bool,
}

/// What `principal` is offered on its home page.
pub fn offers(principal: &Principal) -> Offers {
    let unit = principal.org_unit.as_str();
    let may = |action: Action<'_>| authorize(principal, &action).is_allowed();
    let generate_forms = may(Action::GenerateForm { org_unit: unit });
    Offers {
        generate_forms,
        inbox: generate_forms && may(Action::Submit { org_unit: unit }),
        read_ledger: may(Action::ReadLedger { org_unit: unit }),
        write_ledger: may(Action::WriteLedger { org_unit: unit }),
    }
}

/// Whether `principal` may change the ledger of `org_unit` (the ledger
/// page's edit and import controls).
pub fn may_write_ledger(principal: &Principal, org_unit: &str) -> bool {
    authorize(principal, &Action::WriteLedger { org_unit }).is_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn principal(role: Role) -> Principal {
        let org_unit = match role {
            Role::VillageStaff => "500118100001",
            Role::TownCoordinator => "500118100",
            _ => "500118",
        };
        let mut principal = crate::test_support::principal(role, org_unit);
        principal.department = (role == Role::DepartmentAnalyst).then(|| "区民政局".to_owned());
        principal
    }

    #[test]
    fn each_role_is_offered_what_it_may_do() {
        // (generate, inbox, read ledger, write ledger) per role.
        let expect = [
            (Role::SystemAdmin, (false, false, true, false)),
            (Role::AdminSpecialist, (false, false, true, false)),
            (Role::DepartmentAnalyst, (false, false, false, false)),
            (Role::TownCoordinator, (true, true, true, true)),
            (Role::VillageStaff, (true, true, true, true)),
        ];
        for (role, (generate, inbox, read, write)) in expect {
            let o = offers(&principal(role));
            assert_eq!((o.generate_forms, o.inbox, o.read_ledger, o.write_ledger), (generate, inbox, read, write), "{role:?}");
        }
    }

    #[test]
    fn writing_is_decided_per_unit() {
        assert!(may_write_ledger(&principal(Role::VillageStaff), "500118100001"));
        assert!(!may_write_ledger(&principal(Role::VillageStaff), "500118100002"), "another village");
        assert!(may_write_ledger(&principal(Role::TownCoordinator), "500118100002"));
        assert!(!may_write_ledger(&principal(Role::AdminSpecialist), "500118100001"), "reads the district, writes nothing");
    }
}
