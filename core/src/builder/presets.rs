//! Ready-made formats for a new text field (银行卡号, 统一社会信用代码,
//! 身份证号, 手机 …): what the builder writes (`format` or `pattern`), whether
//! the value is sensitive (`x-sensitive`), and the words villages read when
//! a value does not fit (应为18位身份证号码). The validator's message for a
//! `pattern` is looked up here, so a preset's rule and its words never part.

use crate::text::Text;

/// One ready-made format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Stable id the builder's form keeps (`bank_card`).
    pub id: &'static str,
    /// Its name in the builder's list.
    pub title_zh: &'static str,
    pub title_en: &'static str,
    /// A JSON Schema `format` the compiler knows, or …
    pub format: Option<&'static str>,
    /// … a `pattern` (linear-time regex).
    pub pattern: Option<&'static str>,
    /// The value is personal data to mask (`"x-sensitive": true`). Identifier
    /// formats (`cn-id-number`, `cn-mobile`) are guarded by their format
    /// already and need no keyword.
    pub sensitive: bool,
    /// What a valid value looks like, in the words villages read.
    pub expected_zh: &'static str,
    pub expected_en: &'static str,
}

impl Preset {
    pub fn title(&self) -> Text {
        Text::new(self.title_zh, self.title_en)
    }

    pub fn expected(&self) -> Text {
        Text::new(self.expected_zh, self.expected_en)
    }
}

/// Every preset, in the order the builder lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "id_number",
        title_zh: "身份证号",
        title_en: "ID number",
        format: Some("cn-id-number"),
        pattern: None,
        sensitive: false,
        expected_zh: "应为18位身份证号码（最后一位可为X）",
        expected_en: "an 18-character ID number (the last may be X)",
    },
    Preset {
        id: "mobile",
        title_zh: "手机号码",
        title_en: "mobile number",
        format: Some("cn-mobile"),
        pattern: None,
        sensitive: false,
        expected_zh: "应为11位手机号码，以1开头",
        expected_en: "an 11-digit mobile number starting with 1",
    },
    Preset {
        id: "landline",
        title_zh: "固定电话",
        title_en: "landline",
        format: None,
        pattern: Some("^0[0-9]{2,3}-?[0-9]{7,8}$"),
        sensitive: true,
        expected_zh: "应为区号加号码的固定电话，如 023-49881234",
        expected_en: "an area code and number, e.g. 023-49881234",
    },
    Preset {
        id: "bank_card",
        title_zh: "银行卡号",
        title_en: "bank card number",
        format: None,
        pattern: Some("^[0-9]{16,19}$"),
        sensitive: true,
        expected_zh: "应为16至19位数字的银行卡号",
        expected_en: "a bank card number of 16 to 19 digits",
    },
    Preset {
        id: "credit_code",
        title_zh: "统一社会信用代码",
        title_en: "unified social credit code",
        format: Some("cn-credit-code"),
        pattern: None,
        sensitive: false,
        expected_zh: "应为18位统一社会信用代码（数字和大写字母）",
        expected_en: "an 18-character unified social credit code (digits and capitals)",
    },
    Preset {
        id: "division_code",
        title_zh: "行政区划代码",
        title_en: "division code",
        format: Some("cn-division-code"),
        pattern: None,
        sensitive: false,
        expected_zh: "应为6、9或12位行政区划代码",
        expected_en: "a division code of 6, 9 or 12 digits",
    },
    Preset {
        id: "postcode",
        title_zh: "邮政编码",
        title_en: "postcode",
        format: None,
        pattern: Some("^[0-9]{6}$"),
        sensitive: false,
        expected_zh: "应为6位数字的邮政编码",
        expected_en: "a 6-digit postcode",
    },
    Preset {
        id: "email",
        title_zh: "电子邮箱",
        title_en: "email",
        // A pattern, not `format: email`: the validation engine checks
        // only the formats it lists (docs/templates.md).
        format: None,
        pattern: Some("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"),
        sensitive: false,
        expected_zh: "应为电子邮箱，如 name@example.com",
        expected_en: "an email address, e.g. name@example.com",
    },
];

/// The id of the builder's "own regex" choice.
pub const CUSTOM: &str = "custom";

pub fn by_id(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The preset a field's `format` or `pattern` is, if any.
pub fn of_field(format: Option<&str>, pattern: Option<&str>) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| (p.format.is_some() && p.format == format) || (p.pattern.is_some() && p.pattern == pattern))
}

/// What a value matching `pattern` looks like, in words: a preset's words,
/// or those of a plain run of digits (`^[0-9]{6}$`: 应为6位数字).
pub fn expected_for_pattern(pattern: &str) -> Option<Text> {
    if let Some(preset) = PRESETS.iter().find(|p| p.pattern == Some(pattern)) {
        return Some(preset.expected());
    }
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let counts = body.strip_prefix("[0-9]").or_else(|| body.strip_prefix("\\d"))?;
    let inner = counts.strip_prefix('{')?.strip_suffix('}')?;
    let text = match inner.split_once(',') {
        None => {
            let n: u32 = inner.trim().parse().ok()?;
            Text::new(format!("应为{n}位数字"), format!("{n} digits"))
        }
        Some((a, b)) => {
            let a: u32 = a.trim().parse().ok()?;
            match b.trim() {
                "" => Text::new(format!("应为至少{a}位数字"), format!("at least {a} digits")),
                b => {
                    let b: u32 = b.parse().ok()?;
                    Text::new(format!("应为{a}至{b}位数字"), format!("{a} to {b} digits"))
                }
            }
        }
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, compile, validate};
    use serde_json::{Value, json};

    fn person_template(properties: Value) -> Value {
        json!({"x-template": {"id": "t", "version": 1}, "x-subject": {"entity": "person"}, "type": "object", "properties": properties})
    }

    #[test]
    fn every_preset_compiles_and_accepts_its_example_only() {
        let cases = [
            ("id_number", "11010519491231002X", "1101051949123100"),
            ("mobile", "13800138000", "23800138000"),
            ("landline", "023-49881234", "49881234"),
            ("bank_card", "6222021234567890123", "6222 0212 3456"),
            ("credit_code", "91350100M000100Y43", "91350100M000100Y44"),
            ("division_code", "500118", "5001"),
            ("postcode", "402160", "40216"),
            ("email", "a@example.com", "a.example.com"),
        ];
        assert_eq!(cases.len(), PRESETS.len());
        let catalog = Catalog::builtin().expect("catalog");
        for (id, good, bad) in cases {
            let preset = by_id(id).expect("preset");
            let mut field = json!({"title": preset.title_zh, "type": "string"});
            if let Some(f) = preset.format {
                field["format"] = json!(f);
            }
            if let Some(p) = preset.pattern {
                field["pattern"] = json!(p);
            }
            let t = compile(&person_template(json!({ "v": field })), &catalog).unwrap_or_else(|e| panic!("{id}: {e:?}"));
            assert!(validate(&t, &json!({ "v": good })).is_empty(), "{id} accepts {good}");
            assert_eq!(validate(&t, &json!({ "v": bad })).len(), 1, "{id} refuses {bad}");
        }
    }

    #[test]
    fn patterns_are_said_in_words() {
        assert_eq!(expected_for_pattern("^[0-9]{16,19}$").map(|t| t.zh), Some("应为16至19位数字的银行卡号".into()));
        assert_eq!(expected_for_pattern("^[0-9]{8}$").map(|t| t.zh), Some("应为8位数字".into()));
        assert_eq!(expected_for_pattern("^\\d{3,}$").map(|t| t.zh), Some("应为至少3位数字".into()));
        assert_eq!(expected_for_pattern("^[A-Z]+$"), None);
    }
}
