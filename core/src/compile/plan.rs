//! The field plan: what a compiled template says about each column of its
//! form (where the value comes from, display hints, the input control) and
//! the burden those columns put on village staff.

use serde::Serialize;

/// Where a field's value comes from. On the wire an object tagged by
/// `kind` (`{"kind": "ledger", "item": "person.name"}`); read by
/// [`read_source`], not derived: see there why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldSource {
    /// Pre-filled from the ledger item with this dotted name.
    Ledger { item: String },
    /// Entered by staff: not known to the ledger.
    New,
    /// Computed from other fields by this `x-compute` formula.
    Computed { expr: String },
}

/// The reader of [`FieldSource`]'s tagged object, in any key order. Serde's
/// derive of an internally tagged enum buffers every value through its
/// generic `Content` before it knows the variant, which cost the village
/// wasm 8 KB for three variants (issue 14, BENCHMARKS.md); this reads the
/// object once into its few possible fields and then picks the variant.
/// Keys other than `kind`, `item` and `expr` are ignored, as the derive
/// did; a missing or unknown `kind` is an error naming it.
mod read_source {
    use std::fmt;

    use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};

    use super::FieldSource;

    const KINDS: &[&str] = &["ledger", "new", "computed"];

    #[derive(serde::Deserialize)]
    #[serde(field_identifier, rename_all = "snake_case")]
    enum Key {
        Kind,
        Item,
        Expr,
        #[serde(other)]
        Other,
    }

    struct Source;

    impl<'de> Visitor<'de> for Source {
        type Value = FieldSource;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a field source object with a `kind`")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldSource, A::Error> {
            let (mut kind, mut item, mut expr) = (None::<String>, None::<String>, None::<String>);
            while let Some(key) = map.next_key()? {
                let (slot, name) = match key {
                    Key::Kind => (&mut kind, "kind"),
                    Key::Item => (&mut item, "item"),
                    Key::Expr => (&mut expr, "expr"),
                    Key::Other => {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                };
                if slot.is_some() {
                    return Err(Error::duplicate_field(name));
                }
                *slot = Some(map.next_value()?);
            }
            let field = |value: Option<String>, name| value.ok_or_else(|| Error::missing_field(name));
            match field(kind, "kind")?.as_str() {
                "ledger" => Ok(FieldSource::Ledger { item: field(item, "item")? }),
                "new" => Ok(FieldSource::New),
                "computed" => Ok(FieldSource::Computed { expr: field(expr, "expr")? }),
                other => Err(Error::unknown_variant(other, KINDS)),
            }
        }
    }

    impl<'de> Deserialize<'de> for FieldSource {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FieldSource, D::Error> {
            deserializer.deserialize_map(Source)
        }
    }
}

/// Display hints from `x-ui`. They never change what is valid.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UiHints {
    /// Column position; fields with an order come first, by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    /// One of [`WIDGETS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<String>,
    /// Help text shown beside the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Cell width in characters, 1–[`MAX_WIDTH`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// In a `pick` form, the row kinds this field is shown on (absent: the
    /// kinds that require it, or every kind; see `survey::kind_fields`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
}

crate::read_object!(UiHints {} default { order, widget, help, width, kinds });

/// One column of the generated form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldPlan {
    /// Property name in the row object.
    pub key: String,
    pub title: String,
    pub source: FieldSource,
    /// The JSON Schema `type`, when the field declares one.
    pub json_type: Option<String>,
    pub format: Option<String>,
    /// The field's `pattern`, if any: the review reads a pattern that
    /// accepts only ID numbers as the ID number's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Allowed values, when the field is an `enum` of strings.
    pub options: Vec<String>,
    pub required: bool,
    #[serde(default)]
    pub ui: UiHints,
    /// The ledger item a submitted value is written back to (`x-writeback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writeback: Option<String>,
    /// The field's `maxLength`, in characters: inputs stop there while typing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// `"x-sensitive": true`: a new field holding personal data the catalog
    /// cannot know about (a bank card number, a diagnosis). Masked for
    /// readers without the grant [`crate::access::SENSITIVE_FIELDS_GRANT`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

crate::read_object!(FieldPlan { key, title, source, options, required } default { json_type, format, pattern, ui, writeback, max_length, sensitive });

/// The control a new field is typed into, decided from its type, format,
/// options and `x-ui` widget. Every kind keeps the typed text as the
/// input's state; numbers are parsed from it, never written back into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Free text (`maxLength` enforced while typing).
    Text,
    /// Several lines of free text.
    TextArea,
    /// Whole numbers: a numeric keypad on phones.
    Integer,
    /// Numbers with a decimal point: a decimal keypad on phones.
    Decimal,
    /// Phone numbers: a telephone keypad on phones.
    Phone,
    /// A calendar date, typed or picked.
    Date,
    /// One of the field's `enum` options.
    Select,
    /// 是 / 否.
    Boolean,
}

impl InputKind {
    /// The `<input type>` and `inputmode` of the kinds typed into an input.
    pub fn html_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            InputKind::Integer => ("text", Some("numeric")),
            InputKind::Decimal => ("text", Some("decimal")),
            InputKind::Phone => ("tel", Some("tel")),
            InputKind::Date => ("date", None),
            InputKind::Text | InputKind::TextArea | InputKind::Select | InputKind::Boolean => ("text", None),
        }
    }
}

impl FieldPlan {
    pub fn is_new(&self) -> bool {
        self.source == FieldSource::New
    }

    pub fn is_computed(&self) -> bool {
        matches!(self.source, FieldSource::Computed { .. })
    }

    /// The control staff type this field into.
    pub fn input_kind(&self) -> InputKind {
        if !self.options.is_empty() {
            return InputKind::Select;
        }
        match (self.json_type.as_deref(), self.format.as_deref(), self.ui.widget.as_deref()) {
            (Some("boolean"), _, _) => InputKind::Boolean,
            (Some("integer"), _, _) => InputKind::Integer,
            (Some("number"), _, _) => InputKind::Decimal,
            (_, Some("date"), _) => InputKind::Date,
            (_, Some(format), _) if format.contains("mobile") || format.contains("phone") => InputKind::Phone,
            (_, _, Some("textarea")) => InputKind::TextArea,
            _ => InputKind::Text,
        }
    }
}

/// How much a template asks of village staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Burden {
    pub prefilled: usize,
    pub new: usize,
    /// Left out of the JSON when zero, so API clients that know only
    /// `prefilled` and `new` see the same body as before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub computed: usize,
}

crate::read_object!(Burden { prefilled, new } default { computed });

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::FieldSource;

    fn read(json: &str) -> Result<FieldSource, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_field_source_our_writer_writes_reads_back_equal() {
        for source in [FieldSource::Ledger { item: "person.name".into() }, FieldSource::New, FieldSource::Computed { expr: "a + b".into() }]
        {
            let text = serde_json::to_string(&source).expect("serialize");
            assert_eq!(read(&text), Ok(source.clone()), "{text}");
            // Inside a value too, as a plan carries it.
            let nested = serde_json::to_value(vec![source.clone()]).expect("to_value");
            assert_eq!(serde_json::from_value::<Vec<FieldSource>>(nested).map_err(|e| e.to_string()), Ok(vec![source]));
        }
    }

    #[test]
    fn a_field_source_reads_in_any_key_order_and_ignores_other_keys() {
        let ledger = FieldSource::Ledger { item: "person.name".into() };
        assert_eq!(read(r#"{"item": "person.name", "kind": "ledger"}"#), Ok(ledger.clone()));
        assert_eq!(read(r#"{"x": [1, {"y": 2}], "item": "person.name", "kind": "ledger", "expr": "1"}"#), Ok(ledger));
        assert_eq!(read(r#"{"expr": "a", "kind": "computed"}"#), Ok(FieldSource::Computed { expr: "a".into() }));
        assert_eq!(read(r#"{"item": "person.name", "kind": "new"}"#), Ok(FieldSource::New));
    }

    #[test]
    fn a_bad_field_source_is_an_error_naming_what_is_wrong() {
        let error = |json| read(json).expect_err(json);
        assert!(error(r#"{"kind": "formula", "expr": "a"}"#).contains("unknown variant `formula`"));
        assert!(error(r#"{"item": "person.name"}"#).contains("missing field `kind`"));
        assert!(error(r#"{"kind": "ledger"}"#).contains("missing field `item`"));
        assert!(error(r#"{"kind": "computed", "item": "x"}"#).contains("missing field `expr`"));
        assert!(error(r#"{"kind": "new", "kind": "new"}"#).contains("duplicate field `kind`"));
        assert!(error(r#"{"kind": 1}"#).contains("invalid type"));
        assert!(error(r#""ledger""#).contains("a field source object"));
    }
}
