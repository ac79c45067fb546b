//! A row read straight from JSON text into one flat, borrowed list of items,
//! for validating text without building a `serde_json::Value`.
//!
//! Building a `Value` allocates every string and every object (and, with
//! `preserve_order`, hashes every key) only to drop it all after the verdict:
//! in the browser that was most of the time a row took (BENCHMARKS.md,
//! issue 4). Here strings without escapes borrow the text, containers are
//! items in one `Vec`, and `jsonschema` reads them through its `Json`
//! representation traits, so the rules applied are exactly those the `Value`
//! path applies. The text is parsed by `serde_json` (same grammar, same
//! numbers, same nesting limit).

use std::borrow::Cow;
use std::fmt;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One item of the flat list. A container is followed by its contents
/// (for an object: name, value, name, value…) and records where they end.
/// `Copy`, so dropping a row is freeing two vectors, not visiting every item.
#[derive(Debug, Clone, Copy)]
enum Item<'t> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    /// Always finite.
    F64(f64),
    /// A string without escapes: a slice of the text.
    String(&'t str),
    /// A string with escapes, decoded into [`RowText::decoded`] at this index.
    Decoded(u32),
    Array { len: u32, end: u32 },
    Object { len: u32, end: u32 },
}

/// A JSON document parsed from text; strings without escapes borrow the text.
#[derive(Debug, Clone, Default)]
pub struct RowText<'t> {
    items: Vec<Item<'t>>,
    decoded: Vec<String>,
}

/// Why text could not be read as a [`RowText`]. Duplicate member names are
/// refused here (a `Value` keeps the last one): callers fall back to `Value`.
#[derive(Debug)]
pub struct RowTextError(serde_json::Error);

impl fmt::Display for RowTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'t> RowText<'t> {
    /// Parses `text` (one JSON value, nothing after it but whitespace).
    pub fn parse(text: &'t str) -> Result<RowText<'t>, RowTextError> {
        // About one item per 12 bytes of a typical row: one allocation, usually.
        let mut row = RowText { items: Vec::with_capacity(text.len() / 12 + 4), decoded: Vec::new() };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        Fill(&mut row).deserialize(&mut deserializer).map_err(RowTextError)?;
        deserializer.end().map_err(RowTextError)?;
        Ok(row)
    }

    /// The document's root, for a `jsonschema::Validator<RowJson>`.
    pub fn root(&self) -> RowNode<'_> {
        RowNode { row: self, at: 0 }
    }
}

/// Appends one value (and its contents) to the list.
struct Fill<'v, 't>(&'v mut RowText<'t>);

impl<'t> DeserializeSeed<'t> for Fill<'_, 't> {
    type Value = ();

    fn deserialize<D: Deserializer<'t>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'t> Fill<'_, 't> {
    #[inline(always)]
    fn push(self, item: Item<'t>) {
        self.0.items.push(item);
    }

    fn decoded(self, string: String) {
        let index = u32::try_from(self.0.decoded.len()).unwrap_or(u32::MAX);
        self.0.decoded.push(string);
        self.push(Item::Decoded(index));
    }

    fn index<E: serde::de::Error>(row: &RowText<'t>) -> Result<u32, E> {
        u32::try_from(row.items.len()).map_err(|_| E::custom("document too large"))
    }
}

impl<'t> Visitor<'t> for Fill<'_, 't> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(Item::Null);
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(Item::Bool(v));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(Item::U64(v));
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        // As `Value` does: a non-negative integer is a `u64` however it came.
        self.push(u64::try_from(v).map_or(Item::I64(v), Item::U64));
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As `Value` does: a float that is not finite becomes null.
        self.push(if v.is_finite() { Item::F64(v) } else { Item::Null });
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'t str) -> Result<(), E> {
        self.push(Item::String(v));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.decoded(v.to_owned());
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.decoded(v);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'t>>(self, mut seq: A) -> Result<(), A::Error> {
        let row = self.0;
        let start = Self::index::<A::Error>(row)? as usize;
        row.items.push(Item::Array { len: 0, end: 0 });
        let mut count = 0_u32;
        while seq.next_element_seed(Fill(row))?.is_some() {
            count += 1;
        }
        let end = Self::index::<A::Error>(row)?;
        row.items[start] = Item::Array { len: count, end };
        Ok(())
    }

    fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<(), A::Error> {
        let row = self.0;
        let start = Self::index::<A::Error>(row)? as usize;
        row.items.push(Item::Object { len: 0, end: 0 });
        let mut count = 0_u32;
        while map.next_key_seed(Fill(row))?.is_some() {
            map.next_value_seed(Fill(row))?;
            count += 1;
        }
        let end = Self::index::<A::Error>(row)?;
        row.items[start] = Item::Object { len: count, end };
        let object = RowObject { row, start, len: count };
        if has_duplicate_names(&object) {
            return Err(A::Error::custom("duplicate member name"));
        }
        Ok(())
    }
}

fn has_duplicate_names(object: &RowObject<'_>) -> bool {
    if object.len < 2 {
        return false;
    }
    if object.len > 64 {
        let mut sorted: Vec<&str> = object.members().map(|(name, _)| name).collect();
        sorted.sort_unstable();
        return sorted.windows(2).any(|pair| pair[0] == pair[1]);
    }
    // Rows have a handful of names: a 64-bit set of cheap name digests finds
    // most names new at once; only a digest seen before costs comparisons.
    let digest = |name: &str| {
        let bytes = name.as_bytes();
        let (first, last) = (bytes.first().copied().unwrap_or(0), bytes.last().copied().unwrap_or(0));
        1_u64 << ((usize::from(first) ^ usize::from(last).rotate_left(3) ^ bytes.len().wrapping_mul(7)) & 63)
    };
    let mut seen = 0_u64;
    for (i, (name, _)) in object.members().enumerate() {
        let bit = digest(name);
        if seen & bit != 0 && object.members().take(i).any(|(earlier, _)| earlier == name) {
            return true;
        }
        seen |= bit;
    }
    false
}

/// The `jsonschema` representation of a [`RowText`].
#[derive(Debug)]
pub struct RowJson;

/// One value of a [`RowText`].
#[derive(Debug, Clone, Copy)]
pub struct RowNode<'a> {
    row: &'a RowText<'a>,
    at: usize,
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
    fn value(&self) -> Value {
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
    row: &'a RowText<'a>,
    start: usize,
    len: u32,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Value {
        RowText::parse(text).expect("parses").root().value()
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": 1, "b": [true, null, -2, 2.5, "x\"y"], "c": {"d": {}, "e": []}, "名": "张三"}"#,
            "[]",
            "\"\\u5f20\"",
            "1e400",
            "18446744073709551616",
            "[[1, [2, [3]]], {\"k\": [{}]}]",
        ] {
            match serde_json::from_str::<Value>(text) {
                Ok(value) => assert_eq!(round_trip(text), value, "{text}"),
                Err(_) => assert!(RowText::parse(text).is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "1 2", "nul", "\"\\x\""] {
            assert!(RowText::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn refuses_duplicate_member_names() {
        assert!(RowText::parse(r#"{"a": 1, "b": 2, "a": 3}"#).is_err());
        for (count, distinct) in [(40, 39), (100, 99)] {
            let names: Vec<String> = (0..count).map(|i| format!("\"k{}\": {i}", i % distinct)).collect();
            assert!(RowText::parse(&format!("{{{}}}", names.join(","))).is_err(), "{count}");
            let names: Vec<String> = (0..count).map(|i| format!("\"k{i}\": {i}")).collect();
            assert!(RowText::parse(&format!("{{{}}}", names.join(","))).is_ok(), "{count}");
        }
    }
}
