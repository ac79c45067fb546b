//! The `jsonschema` representation of a [`RowText`]: its items read as
//! nodes, objects and arrays through `jsonschema`'s `Json` traits.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use serde_json::{Map, Number, Value};

use super::{Item, RowText};

/// The `jsonschema` representation of a [`RowText`].
#[derive(Debug)]
pub struct RowJson;

/// One value of a [`RowText`].
#[derive(Debug, Clone, Copy)]
pub struct RowNode<'a> {
    pub(super) row: &'a RowText<'a>,
    pub(super) at: usize,
}

impl<'a> RowNode<'a> {
    #[inline(always)]
    fn item(&self) -> Item<'a> {
        self.row.items.get(self.at).copied().unwrap_or(Item::Null)
    }

    /// The index just past this value and its contents.
    #[inline(always)]
    fn next(&self) -> usize {
        match self.item() {
            Item::Array { end, .. } | Item::Object { end, .. } => end as usize,
            _ => self.at + 1,
        }
    }

    #[inline(always)]
    fn str(&self) -> Option<&'a str> {
        match self.item() {
            Item::String(string) => Some(string),
            Item::Decoded(index) => self.row.decoded.get(index as usize).map(String::as_str),
            _ => None,
        }
    }
}

impl Json for RowJson {
    type Node<'a> = RowNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = RowText<'static>;

    // A lookup is a scan of the names, so one pass over the members beats
    // several lookups unless the object is much larger than what is asked.
    const KEYS_PER_LOOKUP: usize = 8;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut RowText<'static>, string: &str, f: impl FnOnce(RowNode<'_>) -> T) -> T {
        buffer.items.clear();
        buffer.items.push(Item::Decoded(0));
        buffer.decoded.clear();
        buffer.decoded.push(string.to_owned());
        f(buffer.root())
    }
}

impl<'a> Node<'a, RowJson> for RowNode<'a> {
    type Object = RowObject<'a>;
    type Array = RowArray<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<RowObject<'a>> {
        match self.item() {
            Item::Object { len, .. } => Some(RowObject { row: self.row, start: self.at, len }),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<RowArray<'a>> {
        match self.item() {
            Item::Array { len, .. } => Some(RowArray { row: self.row, start: self.at, len }),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        self.str().map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<Number> {
        match self.item() {
            Item::U64(number) => Some(number.into()),
            Item::I64(number) => Some(number.into()),
            Item::F64(number) => Number::from_f64(number),
            _ => None,
        }
    }

    fn is_number(&self) -> bool {
        matches!(self.item(), Item::U64(_) | Item::I64(_) | Item::F64(_))
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.item() {
            Item::Bool(boolean) => Some(boolean),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.item(), Item::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.item() {
            Item::Null => JsonType::Null,
            Item::Bool(_) => JsonType::Boolean,
            Item::U64(_) | Item::I64(_) | Item::F64(_) => JsonType::Number,
            Item::String(_) | Item::Decoded(_) => JsonType::String,
            Item::Array { .. } => JsonType::Array,
            Item::Object { .. } => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match (self.item(), expected) {
            (Item::String(_) | Item::Decoded(_), Value::String(other)) => self.str() == Some(other.as_str()),
            (Item::Bool(boolean), Value::Bool(other)) => boolean == *other,
            (Item::Null, Value::Null) => true,
            (Item::String(_) | Item::Decoded(_) | Item::Bool(_) | Item::Null, _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.value())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(std::ptr::from_ref(self.row) as usize, u32::try_from(self.at).unwrap_or(u32::MAX)))
    }
}

impl RowNode<'_> {
    /// This value as a `serde_json::Value` (for error reports: cold).
    pub(super) fn value(&self) -> Value {
        match self.item() {
            Item::Null => Value::Null,
            Item::Bool(boolean) => Value::Bool(boolean),
            Item::U64(_) | Item::I64(_) | Item::F64(_) => self.as_number().map_or(Value::Null, Value::Number),
            Item::String(_) | Item::Decoded(_) => Value::String(self.str().unwrap_or_default().to_owned()),
            Item::Array { .. } => {
                Value::Array(self.as_array().map(|array| array.elements().map(|node| node.value()).collect()).unwrap_or_default())
            }
            Item::Object { .. } => Value::Object(
                self.as_object()
                    .map(|object| object.members().map(|(name, node)| (name.to_owned(), node.value())).collect::<Map<_, _>>())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// An object of a [`RowText`].
#[derive(Debug, Clone, Copy)]
pub struct RowObject<'a> {
    pub(super) row: &'a RowText<'a>,
    pub(super) start: usize,
    pub(super) len: u32,
}

/// The members of a [`RowObject`], in the order the text has them.
#[derive(Debug)]
pub struct RowMembers<'a> {
    row: &'a RowText<'a>,
    at: usize,
    left: u32,
}

impl<'a> Iterator for RowMembers<'a> {
    type Item = (&'a str, RowNode<'a>);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let name = RowNode { row: self.row, at: self.at }.str().unwrap_or_default();
        let value = RowNode { row: self.row, at: self.at + 1 };
        self.at = value.next();
        Some((name, value))
    }
}

impl<'a> Object<'a, RowJson> for RowObject<'a> {
    type Node = RowNode<'a>;
    type MemberName = &'a str;
    type MembersIter = RowMembers<'a>;

    fn len(&self) -> usize {
        self.len as usize
    }

    fn get(&self, key: &Box<str>) -> Option<RowNode<'a>> {
        self.members().find(|(name, _)| *name == &**key).map(|(_, node)| node)
    }

    fn members(&self) -> RowMembers<'a> {
        RowMembers { row: self.row, at: self.start + 1, left: self.len }
    }
}

/// An array of a [`RowText`].
#[derive(Debug, Clone, Copy)]
pub struct RowArray<'a> {
    row: &'a RowText<'a>,
    start: usize,
    len: u32,
}

/// The elements of a [`RowArray`].
#[derive(Debug)]
pub struct RowElements<'a> {
    row: &'a RowText<'a>,
    at: usize,
    left: u32,
}

impl<'a> Iterator for RowElements<'a> {
    type Item = RowNode<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<RowNode<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let node = RowNode { row: self.row, at: self.at };
        self.at = node.next();
        Some(node)
    }
}

impl<'a> Array<'a, RowJson> for RowArray<'a> {
    type Node = RowNode<'a>;
    type ElementsIter = RowElements<'a>;

    fn len(&self) -> usize {
        self.len as usize
    }

    fn elements(&self) -> RowElements<'a> {
        RowElements { row: self.row, at: self.start + 1, left: self.len }
    }
}
