//! A row read straight from JSON text into one flat, borrowed list of items,
//! for validating text without building a `serde_json::Value`.
//!
//! Building a `Value` allocates every string and every object (and, with
//! `preserve_order`, hashes every key) only to drop it all after the verdict:
//! in the browser that was most of the time a row took (BENCHMARKS.md,
//! issue 4). Here strings without escapes borrow the text, containers are
//! items in one `Vec`, and `jsonschema` reads them through its `Json`
//! representation traits, so the rules applied are exactly those the `Value`
//! path applies.
//!
//! The reader is small and strict on purpose: whatever it does not read
//! exactly as `serde_json` would (bad JSON, but also deep nesting, very long
//! or exponent-laden numbers, surrogate escapes, duplicate member names) it
//! refuses, and the caller reads that text as a `Value` instead. So it never
//! has to reproduce `serde_json`'s errors or its rarer corners, only agree
//! with it on what it accepts.

use std::borrow::Cow;
use std::fmt;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use serde_json::{Map, Number, Value};

/// One item of the flat list. A container is followed by its contents
/// (for an object: name, value, name, value…) and records where they end.
/// `Copy`, so dropping a row is freeing two vectors, not visiting every item.
#[derive(Debug, Clone, Copy)]
enum Item<'t> {
    Null,
    Bool(bool),
    U64(u64),
    /// Always negative.
    I64(i64),
    /// Always finite.
    F64(f64),
    /// A string without escapes: a slice of the text.
    String(&'t str),
    /// A string with escapes, decoded into [`RowText::decoded`] at this index.
    Decoded(u32),
    Array {
        len: u32,
        end: u32,
    },
    Object {
        len: u32,
        end: u32,
    },
}

/// A JSON document parsed from text; strings without escapes borrow the text.
#[derive(Debug, Clone, Default)]
pub struct RowText<'t> {
    items: Vec<Item<'t>>,
    decoded: Vec<String>,
}

/// Text this reader does not take: not JSON, or JSON it leaves to `serde_json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRead;

impl fmt::Display for NotRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not read as a row (read it as a serde_json::Value)")
    }
}

/// Deeper than this is left to `serde_json` (whose own limit is 128).
const MAX_DEPTH: u32 = 100;

impl<'t> RowText<'t> {
    /// Reads `text` (one JSON value, nothing after it but whitespace).
    pub fn parse(text: &'t str) -> Result<RowText<'t>, NotRead> {
        // About one item per 12 bytes of a typical row: one allocation, usually.
        let mut reader = Reader { text, bytes: text.as_bytes(), at: 0, row: RowText::default() };
        reader.row.items.reserve(text.len() / 12 + 4);
        reader.value(0)?;
        reader.skip_whitespace();
        if reader.at != reader.bytes.len() {
            return Err(NotRead);
        }
        Ok(reader.row)
    }

    /// The document's root, for a `jsonschema::Validator<RowJson>`.
    pub fn root(&self) -> RowNode<'_> {
        RowNode { row: self, at: 0 }
    }
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    row: RowText<'t>,
}

impl<'t> Reader<'t> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Result<(), NotRead> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(NotRead)
        }
    }

    #[inline(always)]
    fn push(&mut self, item: Item<'t>) {
        self.row.items.push(item);
    }

    fn index(&self) -> Result<u32, NotRead> {
        u32::try_from(self.row.items.len()).map_err(|_| NotRead)
    }

    fn value(&mut self, depth: u32) -> Result<(), NotRead> {
        self.skip_whitespace();
        match self.peek().ok_or(NotRead)? {
            b'"' => {
                let item = self.string()?;
                self.push(item);
            }
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'-' | b'0'..=b'9' => {
                let item = self.number()?;
                self.push(item);
            }
            b't' => self.literal(b"true", Item::Bool(true))?,
            b'f' => self.literal(b"false", Item::Bool(false))?,
            b'n' => self.literal(b"null", Item::Null)?,
            _ => return Err(NotRead),
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8], item: Item<'t>) -> Result<(), NotRead> {
        if self.bytes.get(self.at..self.at + word.len()) != Some(word) {
            return Err(NotRead);
        }
        self.at += word.len();
        self.push(item);
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), NotRead> {
        if depth > MAX_DEPTH {
            return Err(NotRead);
        }
        self.at += 1; // [
        let start = self.row.items.len();
        self.push(Item::Array { len: 0, end: 0 });
        let mut len = 0_u32;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                self.value(depth)?;
                len += 1;
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(NotRead),
                }
            }
        }
        let end = self.index()?;
        self.row.items[start] = Item::Array { len, end };
        Ok(())
    }

    fn object(&mut self, depth: u32) -> Result<(), NotRead> {
        if depth > MAX_DEPTH {
            return Err(NotRead);
        }
        self.at += 1; // {
        let start = self.row.items.len();
        self.push(Item::Object { len: 0, end: 0 });
        let mut len = 0_u32;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return Err(NotRead);
                }
                let name = self.string()?;
                self.push(name);
                self.skip_whitespace();
                self.eat(b':')?;
                self.value(depth)?;
                len += 1;
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(NotRead),
                }
            }
        }
        let end = self.index()?;
        self.row.items[start] = Item::Object { len, end };
        if has_duplicate_names(&RowObject { row: &self.row, start, len }) {
            return Err(NotRead);
        }
        Ok(())
    }

    /// Skips eight bytes at a time while none of them ends a plain run of a
    /// string (a quote, a backslash or a control character).
    #[inline(always)]
    fn skip_plain_words(&mut self) {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
        while let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or([0; 8]));
            let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
            let stop = zero_byte(word ^ (ONES * u64::from(b'"')))
                | zero_byte(word ^ (ONES * u64::from(b'\\')))
                | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
            if stop != 0 {
                return;
            }
            self.at += 8;
        }
    }

    /// A string starting at its opening quote.
    fn string(&mut self) -> Result<Item<'t>, NotRead> {
        self.at += 1; // "
        let start = self.at;
        self.skip_plain_words();
        loop {
            match *self.bytes.get(self.at).ok_or(NotRead)? {
                b'"' => {
                    let string = self.text.get(start..self.at).ok_or(NotRead)?;
                    self.at += 1;
                    return Ok(Item::String(string));
                }
                b'\\' => break,
                0..0x20 => return Err(NotRead),
                _ => self.at += 1,
            }
        }
        let mut decoded = String::from(self.text.get(start..self.at).ok_or(NotRead)?);
        loop {
            let run = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            decoded.push_str(self.text.get(run..self.at).ok_or(NotRead)?);
            match self.peek().ok_or(NotRead)? {
                b'"' => {
                    self.at += 1;
                    break;
                }
                b'\\' => {
                    let escaped = *self.bytes.get(self.at + 1).ok_or(NotRead)?;
                    self.at += 2;
                    decoded.push(match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(self.at..self.at + 4).ok_or(NotRead)?;
                            self.at += 4;
                            let code = u32::from_str_radix(hex, 16).map_err(|_| NotRead)?;
                            // Surrogates (pairs or not) are left to serde_json.
                            char::from_u32(code).ok_or(NotRead)?
                        }
                        _ => return Err(NotRead),
                    });
                }
                _ => return Err(NotRead),
            }
        }
        let index = u32::try_from(self.row.decoded.len()).map_err(|_| NotRead)?;
        self.row.decoded.push(decoded);
        Ok(Item::Decoded(index))
    }

    /// A number, read into the item `serde_json` would make of it.
    fn number(&mut self) -> Result<Item<'t>, NotRead> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits = self.at;
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.at += 1;
                }
            }
            _ => return Err(NotRead),
        }
        let integer_end = self.at;
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.at += 1;
            let fraction = self.at;
            while let Some(b'0'..=b'9') = self.peek() {
                self.at += 1;
            }
            if self.at == fraction {
                return Err(NotRead);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            let exponent = self.at;
            while let Some(b'0'..=b'9') = self.peek() {
                self.at += 1;
            }
            if self.at == exponent {
                return Err(NotRead);
            }
        }
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(NotRead); // a leading zero followed by digits
        }
        if float {
            // Correctly rounded, as serde_json's `float_roundtrip` (which
            // `jsonschema` turns on) reads it; out of range is an error there.
            let value: f64 = self.text.get(start..self.at).ok_or(NotRead)?.parse().map_err(|_| NotRead)?;
            return if value.is_finite() { Ok(Item::F64(value)) } else { Err(NotRead) };
        }
        // Up to 18 digits cannot overflow; longer integers are left to serde_json.
        let text = self.bytes.get(digits..integer_end).ok_or(NotRead)?;
        if text.len() > 18 {
            return Err(NotRead);
        }
        let magnitude = text.iter().fold(0_u64, |n, digit| n * 10 + u64::from(digit - b'0'));
        Ok(match (negative, magnitude) {
            (false, _) => Item::U64(magnitude),
            // serde_json reads `-0` as the float -0.0.
            (true, 0) => Item::F64(-0.0),
            (true, _) => Item::I64(-i64::try_from(magnitude).map_err(|_| NotRead)?),
        })
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

    /// What a `RowText` reads must be the `Value` serde_json reads; what
    /// serde_json refuses, a `RowText` refuses too.
    fn check(text: &str) -> Result<(), NotRead> {
        let read = RowText::parse(text);
        match serde_json::from_str::<Value>(text) {
            Ok(value) => {
                if let Ok(row) = &read {
                    assert_eq!(row.root().value(), value, "{text}");
                }
            }
            Err(_) => assert!(read.is_err(), "{text}"),
        }
        read.map(|_| ())
    }

    #[test]
    fn reads_rows_as_serde_json_does() {
        for text in [
            r#"{"a": 1, "b": [true, null, -2, 2.5, "x\"y"], "c": {"d": {}, "e": []}, "名": "张三"}"#,
            " [ ] ",
            "\"\\u5f20\\n\\t\\\\\\/\\b\\f\\r\\u00e9\"",
            "[0, -0, -0.0, 0.1, 1.5e3, 1E-7, 2.5E+2, 1e22, 1e23, 2.2250738585072014e-308, 5e-324, 4422.77]",
            "[123456789012345678, -123456789012345678, 18446744073, -1]",
            "[[1, [2, [3]]], {\"k\": [{}]}]",
            "{\"\": \"\"}",
        ] {
            assert_eq!(check(text), Ok(()), "{text} was not read");
        }
    }

    #[test]
    fn leaves_rare_corners_to_serde_json() {
        let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
        for text in [
            "1e400",
            "18446744073709551616",
            "-9223372036854775808",
            "12345678901234567890",
            "\"\\ud83e\\udd80\"",
            "\"\\ud83e\"",
            deep.as_str(),
        ] {
            // Refused or read right; here all happen to be refused.
            assert_eq!(check(text), Err(NotRead), "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "{1: 2}",
            "1 2",
            "nul",
            "tru",
            "\"\\x\"",
            "\"a",
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "+1",
            "\"tab\there\"",
            "[1 2]",
            "NaN",
            "\"\\u12\"",
            "{\"a\":1}}",
        ] {
            assert_eq!(check(text), Err(NotRead), "{text}");
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
