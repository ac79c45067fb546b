//! A ledger item as a template binds it (`"x-ledger": "person.id_number"`):
//! a record type and one of its fields, joined by a dot.

use super::{IdError, error, string_id};

/// `entity.field`, both parts non-empty; split once, here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LedgerItem(String);

string_id!(LedgerItem);

impl LedgerItem {
    pub fn parse(text: &str) -> Result<LedgerItem, IdError> {
        match text.split_once('.') {
            Some((entity, field)) if !entity.is_empty() && !field.is_empty() => Ok(LedgerItem(text.to_owned())),
            _ => Err(error(
                text,
                "台账项应写成“记录类型.字段”，例如 person.id_number",
                "a ledger item is `entity.field`, e.g. person.id_number",
            )),
        }
    }

    /// The parts of `text` as an item, without keeping it.
    pub fn split(text: &str) -> Option<(&str, &str)> {
        text.split_once('.').filter(|(entity, field)| !entity.is_empty() && !field.is_empty())
    }

    pub fn new(entity: &str, field: &str) -> LedgerItem {
        LedgerItem(format!("{entity}.{field}"))
    }

    /// The record type, e.g. `person`.
    pub fn entity(&self) -> &str {
        self.0.split_once('.').map_or("", |(e, _)| e)
    }

    /// The field of the record type, e.g. `id_number`.
    pub fn field(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_entity_dot_field() {
        let item = LedgerItem::parse("person.id_number").expect("an item");
        assert_eq!((item.entity(), item.field()), ("person", "id_number"));
        assert_eq!(LedgerItem::new("house", "address").as_str(), "house.address");
        for bad in ["person", ".id", "person.", ""] {
            assert!(LedgerItem::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(LedgerItem::split("a.b.c"), Some(("a", "b.c")));
    }
}
