//! The shared read ports over D1: published templates (compiled once per
//! isolate by `template_cache`) and org units; the audit log of unmasked
//! reads.

use std::rc::Rc;

use ybt_core::CompiledTemplate;
use ybt_core::access::Principal;
use ybt_core::ledger::OrgUnit;
use ybt_core::service::{AuditLog, Directory, LookupBudget, Now, ServiceError};

use super::Store;

impl Directory for Store {
    async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        let Some(row) = Store::template(self, id, version).await? else {
            return Ok(None);
        };
        Ok(Some(crate::template_cache::compiled(&row)?))
    }

    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        Ok(Store::org_unit(self, code).await?)
    }
}

impl AuditLog for Store {
    async fn unmasked_read(
        &self,
        principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        now: &Now,
    ) -> Result<(), ServiceError> {
        if items.is_empty() || record_ids.is_empty() {
            return Ok(());
        }
        self.log_unmasked_read(principal, action, items, record_ids, &now.instant).await
    }
}

impl LookupBudget for Store {
    async fn count_refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, ServiceError> {
        Ok(Store::count_refused_lookups(self, user_id, day, refused).await?)
    }
}
