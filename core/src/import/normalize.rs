//! The one place where a cell's text is cleaned before it becomes a ledger
//! value, for every field of every import: full-width digits and Latin
//! letters made ASCII (their NFKC forms), invisible characters removed,
//! spaces trimmed, `x` → `X` in ID numbers, date spellings and Excel serial
//! numbers made ISO dates. Each change is named ([`Change`]) so that the
//! preview can show the clerk what will be stored instead of what was typed.
//!
//! Only the Halfwidth and Fullwidth Forms block's digits, letters (and, in
//! identifier, number and date fields, its ASCII punctuation) are mapped:
//! that is NFKC for those characters, without NFKC's other mappings (①,
//! ㈠, ㎡ …), which would change Chinese text the clerk meant, and without
//! a Unicode normalisation table in the wasm binaries.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::sheet::excel_serial_to_date;
use crate::ledger::FieldSpec;

/// What normalisation did to a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// `５００１１８` → `500118`, `ＡＢ` → `AB`.
    FullWidth,
    /// Leading/trailing spaces, spaces inside an identifier or between
    /// Chinese characters, NBSP and ideographic spaces.
    Spaces,
    /// Zero-width spaces and joiners, byte-order marks, soft hyphens.
    Invisible,
    /// `x` → `X`: the check character of an ID number.
    Uppercase,
    /// `-` and other separators inside a phone number.
    Separators,
    /// `1975.1.16`, `1975/01/16`, `1975年1月16日`, `19750116` → `1975-01-16`.
    DateSpelling,
    /// A plain number in a date column: Excel's serial day number.
    ExcelSerial,
    /// `1,200` → `1200`.
    NumberText,
}

impl Change {
    pub fn zh(self) -> &'static str {
        match self {
            Change::FullWidth => "全角转半角",
            Change::Spaces => "去除空格",
            Change::Invisible => "去除不可见字符",
            Change::Uppercase => "x 改为大写 X",
            Change::Separators => "去除分隔符",
            Change::DateSpelling => "日期改为标准写法",
            Change::ExcelSerial => "Excel 日期序号转为日期",
            Change::NumberText => "去除千位分隔符",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Change::FullWidth => "full-width to ASCII",
            Change::Spaces => "spaces removed",
            Change::Invisible => "invisible characters removed",
            Change::Uppercase => "x upper-cased",
            Change::Separators => "separators removed",
            Change::DateSpelling => "date rewritten as YYYY-MM-DD",
            Change::ExcelSerial => "Excel serial number read as a date",
            Change::NumberText => "thousands separators removed",
        }
    }
}

/// The changes made to one cell, as a small set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes(u8);

impl Changes {
    pub fn add(&mut self, change: Change) {
        self.0 |= 1 << change as u8;
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, change: Change) -> bool {
        self.0 & (1 << change as u8) != 0
    }

    pub fn list(self) -> Vec<Change> {
        ALL.iter().copied().filter(|c| self.contains(*c)).collect()
    }
}

const ALL: [Change; 8] = [
    Change::FullWidth,
    Change::Spaces,
    Change::Invisible,
    Change::Uppercase,
    Change::Separators,
    Change::DateSpelling,
    Change::ExcelSerial,
    Change::NumberText,
];

/// How a field's text is cleaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (names, addresses): full-width digits and letters only.
    Text,
    /// ID numbers and credit codes: every space out, all full-width ASCII,
    /// upper case.
    Code,
    /// Mobile numbers: every space and separator out.
    Phone,
    Date,
    Number,
}

impl Kind {
    pub fn of(field: &FieldSpec) -> Kind {
        match (field.json_type.as_deref(), field.format.as_deref()) {
            (Some("string"), Some("cn-id-number" | "cn-credit-code")) => Kind::Code,
            (Some("string"), Some("cn-mobile")) => Kind::Phone,
            (Some("string"), Some("date")) => Kind::Date,
            (Some("integer" | "number"), _) => Kind::Number,
            _ => Kind::Text,
        }
    }
}

/// Characters that show nothing: zero-width space, non-joiner, joiner,
/// word joiner, byte-order mark, soft hyphen.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Han ideographs (and the ideographic iteration mark), for spaces between them.
fn han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{3005}' | '\u{3007}')
}

/// A full-width form's ASCII character, when `kind` maps it: digits and
/// letters always, punctuation only where it cannot be Chinese text.
fn half_width(c: char, kind: Kind) -> Option<char> {
    let code = c as u32;
    if !(0xFF01..=0xFF5E).contains(&code) {
        return None;
    }
    let ascii = char::from_u32(code - 0xFEE0)?;
    (ascii.is_ascii_alphanumeric() || kind != Kind::Text).then_some(ascii)
}

/// Cleans `raw` for a field of `kind`: the text to convert, and what was done.
pub fn text(raw: &str, kind: Kind) -> (Cow<'_, str>, Changes) {
    let mut changes = Changes::default();
    // The common case: plain ASCII with nothing at the ends to trim.
    let plain = raw.bytes().all(|b| (0x21..0x7F).contains(&b) || b == b' ')
        && !raw.starts_with(' ')
        && !raw.ends_with(' ')
        && !raw.contains("  ")
        && (kind == Kind::Text || !raw.contains(' '));
    let mut text: Cow<'_, str> = if plain {
        Cow::Borrowed(raw)
    } else {
        let mut out = String::with_capacity(raw.len());
        // Pending whitespace: emitted as one space before the next visible
        // character, unless it sits between two Han characters or at an end.
        let mut space = false;
        let mut prev_han = false;
        for c in raw.chars() {
            if invisible(c) {
                changes.add(Change::Invisible);
                continue;
            }
            if c.is_whitespace() {
                if c != ' ' || space || out.is_empty() || kind != Kind::Text {
                    changes.add(Change::Spaces);
                }
                space = !out.is_empty();
                continue;
            }
            let c = match half_width(c, kind) {
                Some(a) => {
                    changes.add(Change::FullWidth);
                    a
                }
                None => c,
            };
            if space {
                if kind == Kind::Text && !(prev_han && han(c)) {
                    out.push(' ');
                } else {
                    changes.add(Change::Spaces);
                }
                space = false;
            }
            prev_han = han(c);
            out.push(c);
        }
        if space {
            changes.add(Change::Spaces);
        }
        Cow::Owned(out)
    };
    match kind {
        Kind::Code if text.bytes().any(|b| b.is_ascii_lowercase()) => {
            changes.add(Change::Uppercase);
            text = Cow::Owned(text.to_ascii_uppercase());
        }
        Kind::Phone if text.contains(['-', '—', '－']) => {
            changes.add(Change::Separators);
            text = Cow::Owned(text.chars().filter(|c| !matches!(c, '-' | '—' | '－')).collect());
        }
        Kind::Date => {
            if let Some(date) = date_spelling(&text) {
                if date != *text {
                    changes.add(Change::DateSpelling);
                    text = Cow::Owned(date);
                }
            } else if let Some(date) = serial_text(&text) {
                changes.add(Change::ExcelSerial);
                text = Cow::Owned(date);
            }
        }
        Kind::Number if text.contains([',', '，']) => {
            let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | '，')).collect();
            if cleaned.parse::<f64>().is_ok() {
                changes.add(Change::NumberText);
                text = Cow::Owned(cleaned);
            }
        }
        _ => {}
    }
    (text, changes)
}

/// `2026/1/5`, `2026.1.5`, `2026-1-5`, `2026年1月5日`, `20260105` →
/// `2026-01-05`; `None` when the text is not a date so written.
pub fn date_spelling(text: &str) -> Option<String> {
    let digits_only = text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = if digits_only {
        vec![&text[..4], &text[4..6], &text[6..]]
    } else {
        text.strip_suffix('日').unwrap_or(text).split(['-', '/', '.', '年', '月']).collect()
    };
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let (y, m, d) = (y.parse::<u32>().ok()?, m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A whole number typed in a date column (`27410`): Excel's day number,
/// when it falls between 1900 and 2199.
fn serial_text(text: &str) -> Option<String> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let serial: f64 = text.parse().ok()?;
    excel_serial_to_date(serial)
}

/// The text of `changes` for a message: `全角转半角、去除空格`.
pub fn describe(changes: &[Change], zh: bool) -> String {
    let words: Vec<&str> = changes.iter().map(|c| if zh { c.zh() } else { c.en() }).collect();
    words.join(if zh { "、" } else { ", " })
}

/// `text` with its invisible characters and odd spaces made visible, for
/// showing the original of a conversion: `⟨U+200B⟩`, `⟨NBSP⟩`, `⟨全角空格⟩`.
pub fn show_invisible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{00A0}' => out.push_str("⟨NBSP⟩"),
            '\u{3000}' => out.push_str("⟨全角空格⟩"),
            ' ' => out.push('␣'),
            c if invisible(c) || (c.is_whitespace() && c != ' ') => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use Change::*;

    fn check(kind: Kind, raw: &str, expect: &str, changes: &[Change]) {
        let (got, done) = text(raw, kind);
        assert_eq!((got.as_ref(), done.list().as_slice()), (expect, changes), "{kind:?} {raw:?}");
    }

    #[test]
    fn codes() {
        check(Kind::Code, "500118199001011237", "500118199001011237", &[]);
        check(Kind::Code, "５００１１８１９９００１０１１２３７", "500118199001011237", &[FullWidth]);
        check(Kind::Code, "11010519491231002x", "11010519491231002X", &[Uppercase]);
        check(Kind::Code, "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", &[FullWidth, Uppercase]);
        check(Kind::Code, " 500118 1990 0101 1237\u{200B}", "500118199001011237", &[Spaces, Invisible]);
        check(Kind::Code, "\u{00A0}500118199001011237\u{3000}", "500118199001011237", &[Spaces]);
        check(Kind::Code, "91500118mA5u000001", "91500118MA5U000001", &[Uppercase]);
    }

    #[test]
    fn phones() {
        check(Kind::Phone, "13812345678", "13812345678", &[]);
        check(Kind::Phone, "138-1234-5678", "13812345678", &[Separators]);
        check(Kind::Phone, "１３８ １２３４ ５６７８", "13812345678", &[FullWidth, Spaces]);
    }

    #[test]
    fn texts() {
        check(Kind::Text, "张三", "张三", &[]);
        check(Kind::Text, " 张三 ", "张三", &[Spaces]);
        check(Kind::Text, "张  三", "张三", &[Spaces]);
        check(Kind::Text, "张\u{3000}三", "张三", &[Spaces]);
        check(Kind::Text, "张三\u{200B}", "张三", &[Invisible]);
        check(Kind::Text, "青峰村３组１２号", "青峰村3组12号", &[FullWidth]);
        check(Kind::Text, "青峰村 3组", "青峰村 3组", &[]);
        check(Kind::Text, "青峰村  3组", "青峰村 3组", &[Spaces]);
        // Chinese punctuation is text the clerk meant: left alone.
        check(Kind::Text, "小学校（幼儿园）", "小学校（幼儿园）", &[]);
        check(Kind::Text, "Ａ级", "A级", &[FullWidth]);
        check(Kind::Text, "John  Smith", "John Smith", &[Spaces]);
    }

    #[test]
    fn dates() {
        check(Kind::Date, "1975-01-16", "1975-01-16", &[]);
        check(Kind::Date, "1975.1.16", "1975-01-16", &[DateSpelling]);
        check(Kind::Date, "1975/01/16", "1975-01-16", &[DateSpelling]);
        check(Kind::Date, "1975年1月16日", "1975-01-16", &[DateSpelling]);
        check(Kind::Date, "１９７５年１月１６日", "1975-01-16", &[FullWidth, DateSpelling]);
        check(Kind::Date, "19750116", "1975-01-16", &[DateSpelling]);
        check(Kind::Date, "27410", "1975-01-16", &[ExcelSerial]);
        check(Kind::Date, "去年", "去年", &[]);
        check(Kind::Date, "1975.1", "1975.1", &[]);
    }

    #[test]
    fn numbers() {
        check(Kind::Number, "1,200.5", "1200.5", &[NumberText]);
        check(Kind::Number, "１２０", "120", &[FullWidth]);
        check(Kind::Number, "三层", "三层", &[]);
    }

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(show_invisible("张\u{00A0}三\u{200B} "), "张⟨NBSP⟩三⟨U+200B⟩␣");
    }
}
