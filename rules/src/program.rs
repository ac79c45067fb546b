//! The validation program: what a template compiles to. Plain data, stored
//! as JSON beside the template version and sent to the browser; the engine
//! ([`crate::Rules`]) runs it.
//!
//! A program is a list of schema nodes; node 0 is the root. A node is the
//! list of its checks, in the order their errors are reported. Subschemas
//! (`properties`, `items`, `anyOf`, `$ref` …) are node numbers, so a `$ref`
//! is an edge and recursive schemas are cycles through object or array
//! checks (the compiler refuses a cycle that does not descend into the row).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::automaton::Automaton;

/// The program format's version: an engine refuses programs of another.
pub const PROGRAM_VERSION: u32 = 2;

/// A compiled template's validation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// [`PROGRAM_VERSION`] of the compiler that wrote it.
    pub v: u32,
    /// Schema nodes; 0 is the root.
    pub nodes: Vec<Node>,
    /// `pattern` / `patternProperties` regexes, by number: their source
    /// (for messages and the engine's one-pass fast path, [`crate::pattern`]).
    pub patterns: Vec<String>,
    /// The same regexes compiled to automata, by the same numbers: what the
    /// engine runs ([`crate::automaton`]).
    pub automata: Vec<Automaton>,
}

/// One schema: its checks in report order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Node(pub Vec<Check>);

/// JSON types as bits of a set (`type`).
pub mod types {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const OBJECT: u8 = 4;
    pub const ARRAY: u8 = 8;
    pub const NUMBER: u8 = 16;
    pub const STRING: u8 = 32;
    pub const INTEGER: u8 = 64;

    /// `type` names in JSON Schema's spelling, in bit order.
    pub const NAMES: [(u8, &str); 7] = [
        (NULL, "null"),
        (BOOLEAN, "boolean"),
        (OBJECT, "object"),
        (ARRAY, "array"),
        (NUMBER, "number"),
        (STRING, "string"),
        (INTEGER, "integer"),
    ];

    /// The bit of a type name.
    pub fn bit(name: &str) -> Option<u8> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(b, _)| *b)
    }
}

/// The `format`s the engine checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Date,
    DateTime,
    Time,
    CnIdNumber,
    CnMobile,
    CnCreditCode,
    CnDivisionCode,
}

impl Format {
    pub const ALL: [Format; 7] =
        [Format::Date, Format::DateTime, Format::Time, Format::CnIdNumber, Format::CnMobile, Format::CnCreditCode, Format::CnDivisionCode];

    /// The name a schema writes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Time => "time",
            Format::CnIdNumber => "cn-id-number",
            Format::CnMobile => "cn-mobile",
            Format::CnCreditCode => "cn-credit-code",
            Format::CnDivisionCode => "cn-division-code",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A JSON value in a program (`const`, `enum`). Numbers compare by value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Lit>),
    Obj(BTreeMap<String, Lit>),
}

/// One check of a node. Each names the JSON Schema keyword it came from
/// ([`Check::keyword`]), which is an error's code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Check {
    /// The `false` schema: nothing is valid.
    Never,
    /// `type`: a set of [`types`] bits.
    Type(u8),
    Const(Lit),
    Enum(Vec<Lit>),
    Minimum(f64),
    Maximum(f64),
    ExclusiveMinimum(f64),
    ExclusiveMaximum(f64),
    MultipleOf(f64),
    MinLength(u32),
    MaxLength(u32),
    /// `pattern`: a number into [`Program::patterns`].
    Pattern(u32),
    Format(Format),
    /// Every keyword about an object's members, run in one pass over them.
    Object(Box<ObjectCheck>),
    /// Every keyword about an array's items.
    Array(Box<ArrayCheck>),
    AllOf(Vec<u32>),
    AnyOf(Vec<u32>),
    OneOf(Vec<u32>),
    Not(u32),
    /// `if` / `then` / `else`.
    If {
        cond: u32,
        then: Option<u32>,
        other: Option<u32>,
    },
    /// `$ref` to a node of the same program.
    Ref(u32),
}

/// `properties`, `required`, `patternProperties`, `additionalProperties`,
/// `propertyNames`, `minProperties`, `maxProperties`, `dependentRequired`,
/// `dependentSchemas`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ObjectCheck {
    /// `properties` in document order: name and node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<(String, u32)>,
    /// Positions into `props` sorted by name (binary search by member name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sorted: Vec<u32>,
    /// `required`: each name with its position in `props`, if it has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<(String, Option<u32>)>,
    /// `patternProperties`: pattern number and node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pattern_props: Vec<(u32, u32)>,
    /// `additionalProperties`: its node (a `false` node reports the names once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_names: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_props: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_props: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_required: Vec<(String, Vec<String>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_schemas: Vec<(String, u32)>,
}

impl ObjectCheck {
    /// Whether the object is checked by `properties`, `required` and
    /// `additionalProperties` alone, with at most 64 names (one bit each in
    /// the engine's one-pass object walks).
    pub fn is_plain(&self, names: usize) -> bool {
        names <= 64
            && self.pattern_props.is_empty()
            && self.property_names.is_none()
            && self.min_props.is_none()
            && self.max_props.is_none()
            && self.dependent_required.is_empty()
            && self.dependent_schemas.is_empty()
    }
}

/// `prefixItems`, `items`, `minItems`, `maxItems`, `uniqueItems`,
/// `contains` with `minContains` / `maxContains`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArrayCheck {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<u32>,
    /// `items`: the node for every item after the prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// `contains`: node, `minContains` (default 1), `maxContains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<(u32, u32, Option<u32>)>,
}

impl Check {
    /// The keyword an error of this check is reported under.
    pub fn keyword(&self) -> &'static str {
        match self {
            Check::Never => "falseSchema",
            Check::Type(_) => "type",
            Check::Const(_) => "const",
            Check::Enum(_) => "enum",
            Check::Minimum(_) => "minimum",
            Check::Maximum(_) => "maximum",
            Check::ExclusiveMinimum(_) => "exclusiveMinimum",
            Check::ExclusiveMaximum(_) => "exclusiveMaximum",
            Check::MultipleOf(_) => "multipleOf",
            Check::MinLength(_) => "minLength",
            Check::MaxLength(_) => "maxLength",
            Check::Pattern(_) => "pattern",
            Check::Format(_) => "format",
            Check::Object(_) => "properties",
            Check::Array(_) => "items",
            Check::AllOf(_) => "allOf",
            Check::AnyOf(_) => "anyOf",
            Check::OneOf(_) => "oneOf",
            Check::Not(_) => "not",
            Check::If { .. } => "if",
            Check::Ref(_) => "$ref",
        }
    }
}
