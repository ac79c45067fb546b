//! Readers of the API's JSON objects whose code is shared across types
//! (issue 14: the village wasm's bytes).
//!
//! Serde's derived `Deserialize` for a struct gives every type its own key
//! visitor (from text, bytes and numbers) and a reader of the struct written
//! as a JSON array besides the object: code the village wasm carried for
//! every type it reads (BENCHMARKS.md, "The village app's first load").
//! [`read_object!`] writes the reader of an object only: keys are read by
//! one shared [`Key`] reader and matched as text, each value by the shared
//! [`put`] of its type. What it reads is what the derive read from an
//! object — fields in any order, unknown keys ignored, a repeated key and a
//! missing required key refused with serde's own messages — except that an
//! array in place of the object is refused. The type keeps its derived
//! `Serialize`: the writer is unchanged.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, MapAccess, Visitor};

/// A key of an object: borrowed from the text when it has no escapes.
pub struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: Error>(self, key: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: Error>(self, key: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

/// Reads the value of key `name` into `slot`; a key seen twice is an error.
pub fn put<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A, slot: &mut Option<T>, name: &'static str) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// The value of a required key.
pub fn need<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// `impl Deserialize` for a struct read from a JSON object: its required
/// fields, then those that take their `Default` when absent (serde's
/// `#[serde(default)]`, and every `Option` field, which the derive reads as
/// `None` when absent). Field names are the JSON keys (no renames).
///
/// ```ignore
/// read_object!(TaskSummary { id, title } default { opened_at });
/// ```
#[macro_export]
macro_rules! read_object {
    ($ty:ident { $($req:ident),* $(,)? } default { $($opt:ident),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                struct Object;
                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("an object ", stringify!($ty)))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $req = None;)*
                        $(let mut $opt = None;)*
                        while let Some(key) = map.next_key_seed($crate::wire::Key)? {
                            match &*key {
                                $(stringify!($req) => $crate::wire::put(&mut map, &mut $req, stringify!($req))?,)*
                                $(stringify!($opt) => $crate::wire::put(&mut map, &mut $opt, stringify!($opt))?,)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok($ty {
                            $($req: $crate::wire::need($req, stringify!($req))?,)*
                            $($opt: $opt.unwrap_or_default(),)*
                        })
                    }
                }
                deserializer.deserialize_map(Object)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    /// A type as the API's are: required text and numbers, optional and
    /// defaulted fields.
    #[derive(Debug, Clone, PartialEq, Default, Serialize)]
    struct Sample {
        id: String,
        version: u32,
        note: Option<String>,
        tags: Vec<String>,
    }

    read_object!(Sample { id, version } default { note, tags });

    fn read(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn what_the_writer_writes_reads_back_equal() {
        let full = Sample { id: "a".into(), version: 3, note: Some("n".into()), tags: vec!["x".into()] };
        for sample in [full, Sample { id: "b\"\\u00e9".into(), ..Sample::default() }] {
            let text = serde_json::to_string(&sample).expect("serialize");
            assert_eq!(read(&text), Ok(sample.clone()), "{text}");
            let value = serde_json::to_value(&sample).expect("to_value");
            assert_eq!(serde_json::from_value::<Sample>(value).map_err(|e| e.to_string()), Ok(sample));
        }
    }

    #[test]
    fn keys_in_any_order_escaped_or_unknown() {
        let expected = Sample { id: "a".into(), version: 1, note: None, tags: vec![] };
        assert_eq!(read(r#"{"version": 1, "extra": {"id": 9}, "i\u0064": "a", "note": null}"#), Ok(expected));
    }

    #[test]
    fn a_bad_object_is_refused_with_serde_s_messages() {
        let error = |json| read(json).expect_err(json);
        assert!(error(r#"{"version": 1}"#).contains("missing field `id`"));
        assert!(error(r#"{"id": "a", "id": "b", "version": 1}"#).contains("duplicate field `id`"));
        assert!(error(r#"{"id": "a", "version": "1"}"#).contains("invalid type: string \"1\", expected u32"));
        assert!(error(r#"["a", 1]"#).contains("expected an object Sample"));
    }
}
