//! Burden warnings: new fields that ask staff to re-type something the
//! ledger already holds. They are warnings, not errors — a template may
//! have a reason (e.g. the ID number of a relative, not of the subject).

use serde::{Deserialize, Serialize};

use super::{FieldPlan, FieldSource};
use crate::catalog::Catalog;
use crate::messages::Text;
use crate::template::Subject;

/// Stable codes of template warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateWarningCode {
    /// A new field looks like a ledger item it does not bind to.
    DuplicatesLedgerItem,
}

/// Something the author may want to change; the template still compiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateWarning {
    pub pointer: String,
    pub code: TemplateWarningCode,
    /// The ledger item the field seems to duplicate.
    pub item: String,
    pub message: Text,
    pub hint: Text,
}

/// Titles this short must match exactly: "姓名" inside "户主姓名" is another person.
const MIN_CONTAINED_TITLE_CHARS: usize = 3;

/// Formats that identify a person or body: sharing one is a duplicate. A
/// shared `date` is not (a visit date is not a birth date).
pub(crate) const IDENTIFYING_FORMATS: &[&str] = &["cn-id-number", "cn-mobile", "cn-credit-code", "cn-division-code"];

/// One warning per new field whose title or format matches an item of the
/// subject's entity it could have bound to.
pub(super) fn duplicates(fields: &[FieldPlan], catalog: &Catalog, subject: &Subject) -> Vec<TemplateWarning> {
    let mut warnings = Vec::new();
    for field in fields.iter().filter(|f| f.source == FieldSource::New && f.writeback.is_none()) {
        let title = normalize(&field.title);
        let found = catalog.items().filter(|i| i.entity == subject.entity).find(|item| {
            let item_title = normalize(&item.title);
            let same_title =
                title == item_title || (item_title.chars().count() >= MIN_CONTAINED_TITLE_CHARS && title.contains(&item_title));
            let same_format = field.format.as_deref().is_some_and(|f| IDENTIFYING_FORMATS.contains(&f)) && field.format == item.format;
            same_title || same_format
        });
        if let Some(item) = found {
            warnings.push(TemplateWarning {
                pointer: format!("/properties/{}", super::escape_pointer(&field.key)),
                code: TemplateWarningCode::DuplicatesLedgerItem,
                item: item.name.clone(),
                message: Text::new(
                    format!("新填字段“{}”与台账数据项 {}（{}）重复，村里要重新录入", field.title, item.name, item.title),
                    format!(
                        "new field \"{}\" duplicates ledger item {} ({}): staff must type it again",
                        field.title, item.name, item.title
                    ),
                ),
                hint: Text::new(
                    format!("加上 \"x-ledger\": \"{}\" 以自动填入", item.name),
                    format!("add \"x-ledger\": \"{}\" to pre-fill it", item.name),
                ),
            });
        }
    }
    warnings
}

/// Titles compared without spaces or a trailing 码 (身份证号 / 身份证号码).
pub(crate) fn normalize(title: &str) -> String {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    t.strip_suffix('码').map_or_else(|| t.clone(), str::to_owned)
}
