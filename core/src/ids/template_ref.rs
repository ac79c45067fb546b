//! One version of one template: the id a template is published under and
//! its version number, as rows, tasks and submissions name it.

use serde::{Deserialize, Serialize};

use super::{IdError, error};

/// A template id and version, e.g. `dibao-aid` v3.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: u32,
}

impl TemplateRef {
    /// A reference to version `version` (≥ 1) of the template `id`
    /// ([`crate::template::is_valid_template_id`]).
    pub fn new(id: &str, version: u32) -> Result<TemplateRef, IdError> {
        if !crate::template::is_valid_template_id(id) {
            return Err(error(
                id,
                "模板编号应为小写字母、数字和连字符（最多64个）",
                "a template id is lowercase letters, digits and hyphens (≤ 64)",
            ));
        }
        if version == 0 {
            return Err(error(id, "模板版本应为正整数", "a template version is a positive integer"));
        }
        Ok(TemplateRef { id: id.to_owned(), version })
    }
}

impl std::fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_id_and_a_positive_version() {
        assert_eq!(TemplateRef::new("dibao-aid", 3).map(|t| t.to_string()), Ok("dibao-aid v3".to_owned()));
        assert!(TemplateRef::new("Dibao", 1).is_err());
        assert!(TemplateRef::new("dibao-aid", 0).is_err());
    }
}
