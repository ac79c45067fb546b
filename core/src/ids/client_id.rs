//! An id the client makes (a submission, a transfer request, a new survey
//! row): 1–64 ASCII letters, digits or hyphens, so it is safe in a URL, a
//! D1 key and a derived id such as `<submission>.<row>`.

use super::{IdError, error, string_id};

/// 1–64 ASCII letters, digits or hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(String);

string_id!(ClientId);

impl ClientId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    pub fn parse(text: &str) -> Result<ClientId, IdError> {
        if ClientId::is_valid(text) {
            Ok(ClientId(text.to_owned()))
        } else {
            Err(error(text, "编号应为1至64个字母、数字或连字符", "an id is 1–64 letters, digits or hyphens"))
        }
    }

    /// Whether `text` would parse, for callers that only need yes/no.
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty() && text.len() <= ClientId::MAX_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_and_hyphens_up_to_64() {
        for ok in ["a", "s-1", "ABC-123", &"x".repeat(64)] {
            assert!(ClientId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a.b", "a b", "新", "a/b", &"x".repeat(65)] {
            assert!(ClientId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serializes_as_the_plain_string() {
        let id: ClientId = serde_json::from_str("\"s-1\"").expect("parses");
        assert_eq!(serde_json::to_string(&id).expect("serializes"), "\"s-1\"");
        assert!(serde_json::from_str::<ClientId>("\"a.b\"").is_err());
    }
}
