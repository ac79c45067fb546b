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

use std::fmt;

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

mod json;
mod reader;

pub use json::{RowJson, RowNode};
use reader::Reader;

#[cfg(test)]
mod tests {
    use serde_json::Value;

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
