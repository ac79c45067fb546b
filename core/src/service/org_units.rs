//! The org hierarchy as every signed-in user reads it: browse a unit's
//! children ([`browse`]) and find units by name ([`search`], the account
//! form's picker). Ports: [`OrgUnits`] and the shared [`Directory`].

use super::{Directory, ServiceError};
use crate::access::{Action, Decision, Principal, authorize};
use crate::api::{OrgUnitHit, OrgUnitList};
use crate::ledger::OrgUnit;
use crate::messages::Text;

/// The org tree beyond one unit.
#[allow(async_fn_in_trait)]
pub trait OrgUnits {
    /// The units under `parent` (the top units when `None`), by code.
    async fn children(&self, parent: Option<&str>) -> Result<Vec<OrgUnit>, ServiceError>;
    /// Units whose name contains `text`, of one level when given, shortest
    /// names first, at most 20, each with the name of the unit above it.
    async fn search(&self, text: &str, level: Option<&str>) -> Result<Vec<OrgUnitHit>, ServiceError>;
}

fn require_reference(principal: &Principal) -> Result<(), ServiceError> {
    match authorize(principal, &Action::ReadReferenceData) {
        Decision::Allow => Ok(()),
        Decision::Deny(reason) => Err(ServiceError::Forbidden(reason)),
    }
}

fn bad_query(zh: &str, en: &str) -> ServiceError {
    ServiceError::BadRequest { code: "bad_query", message: Text::new(zh, en) }
}

/// `GET /api/org-units[?parent=CODE]`: a unit (404 if unknown) and its children.
pub async fn browse(principal: &Principal, parent: Option<&str>, store: &(impl OrgUnits + Directory)) -> Result<OrgUnitList, ServiceError> {
    require_reference(principal)?;
    let parent_unit = match parent {
        Some(code) => Some(store.org_unit(code).await?.ok_or(ServiceError::NotFound { what: "org unit", zh: "该行政区划" })?),
        None => None,
    };
    let children = store.children(parent).await?;
    Ok(OrgUnitList { parent: parent_unit, children })
}

/// `GET /api/org-units/search?q=NAME[&level=…]`: `q` 1–20 characters
/// (trimmed), `level` district, town or village (empty: any).
pub async fn search(
    principal: &Principal,
    q: Option<&str>,
    level: Option<&str>,
    store: &impl OrgUnits,
) -> Result<Vec<OrgUnitHit>, ServiceError> {
    require_reference(principal)?;
    let text = q.map(str::trim).unwrap_or_default();
    if text.is_empty() || text.chars().count() > 20 {
        return Err(bad_query("请输入 1–20 个字的单位名称", "type 1–20 characters of a unit's name"));
    }
    let level = level.filter(|l| !l.is_empty());
    if level.is_some_and(|l| !matches!(l, "district" | "town" | "village")) {
        return Err(bad_query("级别须为 district、town 或 village", "level: district, town or village"));
    }
    store.search(text, level).await
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::access::Role;
    use crate::compile::CompiledTemplate;
    use crate::ledger::OrgLevel;
    use crate::service::ready;
    use crate::test_support::principal;

    struct Tree;

    fn unit(code: &str) -> OrgUnit {
        OrgUnit { code: code.into(), name: format!("单位{code}"), level: OrgLevel::Town, parent_code: None }
    }

    impl OrgUnits for Tree {
        async fn children(&self, parent: Option<&str>) -> Result<Vec<OrgUnit>, ServiceError> {
            Ok(vec![unit(&format!("{}001", parent.unwrap_or("500")))])
        }
        async fn search(&self, text: &str, level: Option<&str>) -> Result<Vec<OrgUnitHit>, ServiceError> {
            let u = unit(text);
            Ok(vec![OrgUnitHit { code: u.code, name: level.unwrap_or("any").into(), level: u.level, parent_name: None }])
        }
    }

    impl Directory for Tree {
        async fn template(&self, _id: &str, _version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
            Ok(None)
        }
        async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
            Ok((code == "500118").then(|| unit(code)))
        }
    }

    fn outcome<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> String {
        match result {
            Ok(ok) => format!("{ok:?}"),
            Err(ServiceError::BadRequest { message, .. }) => format!("400 {}", message.en),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn browsing_needs_a_known_parent() {
        let p = principal(Role::VillageStaff, "500118001001");
        assert_eq!(ready(browse(&p, Some("500118"), &Tree)).expect("known").children[0].code, "500118001");
        assert!(ready(browse(&p, None, &Tree)).expect("top").parent.is_none());
        assert_eq!(outcome(ready(browse(&p, Some("999999"), &Tree))), "org unit not found");
    }

    #[test]
    fn a_search_takes_one_to_twenty_characters_and_a_known_level() {
        let p = principal(Role::SystemAdmin, "500118");
        let s = |q: Option<&str>, level| outcome(ready(search(&p, q, level, &Tree)));
        assert_eq!(s(None, None), "400 type 1–20 characters of a unit's name");
        assert_eq!(s(Some("   "), None), "400 type 1–20 characters of a unit's name");
        assert_eq!(s(Some(&"村".repeat(21)), None), "400 type 1–20 characters of a unit's name");
        assert_eq!(s(Some("村"), Some("city")), "400 level: district, town or village");
        assert!(s(Some(" 村 "), Some("")).contains("name: \"any\""));
        assert!(s(Some(&"村".repeat(20)), Some("village")).contains("name: \"village\""));
    }
}
