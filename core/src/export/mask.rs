//! Masking of sensitive values in exports: whoever may see a village's list
//! may still not need every full ID number.

use crate::catalog::Sensitivity;

/// `500118199001011234` → `500118********1234`: region and last four kept,
/// enough to tell people apart on paper.
pub fn mask_id_number(id: &str) -> String {
    crate::access::mask_text(crate::catalog::MaskKind::IdNumber, id)
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars = phone.chars().count();
    if chars < 8 {
        return "*".repeat(chars);
    }
    let head: String = phone.chars().take(3).collect();
    let tail: String = phone.chars().skip(chars - 4).collect();
    format!("{head}****{tail}")
}

/// The masked form of a value of the given sensitivity.
pub fn mask(sensitivity: Sensitivity, text: &str) -> String {
    match sensitivity {
        Sensitivity::IdNumber => mask_id_number(text),
        Sensitivity::Phone => mask_phone(text),
        Sensitivity::Personal | Sensitivity::Public => {
            if text.is_empty() {
                String::new()
            } else {
                "***".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        for (sensitivity, input, expect) in [
            (Sensitivity::IdNumber, "500118199001011234", "500118********1234"),
            (Sensitivity::IdNumber, "11010519491231002X", "110105********002X"),
            (Sensitivity::IdNumber, "123", "***"),
            (Sensitivity::Phone, "13812345678", "138****5678"),
            (Sensitivity::Phone, "12345", "*****"),
            (Sensitivity::Personal, "青峰村1组", "***"),
            (Sensitivity::Personal, "", ""),
        ] {
            assert_eq!(mask(sensitivity, input), expect, "{sensitivity:?} {input}");
        }
    }
}
