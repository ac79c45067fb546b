//! Compiled templates (and the ledger's record types), kept per isolate: each template version is compiled
//! once, not on every request. Versions are immutable once published, so a
//! cached entry never goes stale.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ybt_core::ledger::RecordTypes;
use ybt_core::{Catalog, CompiledTemplate};

use ybt_core::service::ServiceError;

/// A published template version as stored (a row of `templates`): what the
/// cache compiles.
#[derive(serde::Deserialize)]
pub struct TemplateRow {
    pub id: String,
    pub version: u32,
    pub document: String,
}

thread_local! {
    static CATALOG: RefCell<Option<Rc<Catalog>>> = const { RefCell::new(None) };
    static RECORD_TYPES: RefCell<Option<Rc<RecordTypes>>> = const { RefCell::new(None) };
    static COMPILED: RefCell<HashMap<(String, u32, u64), Rc<CompiledTemplate>>> = RefCell::new(HashMap::new());
}

pub fn catalog() -> Result<Rc<Catalog>, ServiceError> {
    CATALOG.with(|cell| {
        if let Some(catalog) = cell.borrow().as_ref() {
            return Ok(catalog.clone());
        }
        let catalog = Rc::new(Catalog::builtin().map_err(|e| ServiceError::Storage(e.to_string()))?);
        *cell.borrow_mut() = Some(catalog.clone());
        Ok(catalog)
    })
}

/// The ledger record types (fields, natural keys, validators), read once.
pub fn record_types() -> Result<Rc<RecordTypes>, ServiceError> {
    RECORD_TYPES.with(|cell| {
        if let Some(types) = cell.borrow().as_ref() {
            return Ok(types.clone());
        }
        let types = Rc::new(RecordTypes::builtin().map_err(|e| ServiceError::Storage(e.to_string()))?);
        *cell.borrow_mut() = Some(types.clone());
        Ok(types)
    })
}

/// The compiled form of a stored template version.
pub fn compiled(row: &TemplateRow) -> Result<Rc<CompiledTemplate>, ServiceError> {
    // Keyed by the document too: each district database publishes its own
    // versions, and two districts may hold different documents under the
    // same id and version (issue 16).
    let key = (row.id.clone(), row.version, {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        row.document.hash(&mut hasher);
        hasher.finish()
    });
    if let Some(hit) = COMPILED.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(hit);
    }
    let document: serde_json::Value = serde_json::from_str(&row.document)
        .map_err(|e| ServiceError::Storage(format!("stored template {}@{}: {e}", row.id, row.version)))?;
    // A stored template was compiled when published; failing now is a bug.
    let compiled = ybt_core::compile(&document, &*catalog()?)
        .map_err(|errors| ServiceError::Storage(format!("stored template {}@{} no longer compiles: {errors:?}", row.id, row.version)))?;
    let compiled = Rc::new(compiled);
    COMPILED.with(|c| c.borrow_mut().insert(key, compiled.clone()));
    Ok(compiled)
}
