//! The identifiers core passes around, parsed once at the edge instead of
//! re-checked wherever they are used: a client-made id ([`ClientId`]), an
//! org unit's code with its level ([`OrgCode`]), a ledger item binding
//! ([`LedgerItem`]) and a template version ([`TemplateRef`]). Each parses
//! from text into a typed error worded in Chinese and English, and
//! (de)serializes as the plain string the HTTP API has always carried.

mod client_id;
mod ledger_item;
mod org_code;
mod template_ref;

pub use client_id::ClientId;
pub use ledger_item::LedgerItem;
pub use org_code::{OrgCode, OrgLevel};
pub use template_ref::TemplateRef;

use crate::text::Text;

/// Why a text is not the identifier it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// What was read (as given).
    pub input: String,
    pub message: Text,
}

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: `{}`", self.message.en, self.input)
    }
}

impl std::error::Error for IdError {}

/// Implements `Display`, `AsRef<str>`, `Deref<Target = str>`, `FromStr` and
/// string (de)serialization for an id newtype over `String` with a `parse`.
macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<$name, $crate::ids::IdError> {
                $name::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_id;

fn error(input: &str, zh: &str, en: &str) -> IdError {
    IdError { input: input.to_owned(), message: Text::new(zh, en) }
}
