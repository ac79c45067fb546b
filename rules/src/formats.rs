//! `format` checks: the Chinese identifiers, and the RFC 3339 dates and times
//! of JSON Schema (`date`, `time`, `date-time`). Small, linear code: no regex.
//!
//! - `cn-id-number`: 18-digit resident ID number (GB 11643-1999): region
//!   code, a real birth date, and the ISO 7064 MOD 11-2 check character.
//! - `cn-mobile`: mainland mobile number, 11 digits starting `1[3-9]`.
//! - `cn-credit-code`: unified social credit identifier (GB 32100-2015),
//!   18 characters with a MOD 31-3 check character (GB/T 17710).
//! - `cn-division-code`: an administrative division code (GB/T 2260) of
//!   6, 9 or 12 digits, checked against the [`Divisions`] the caller loaded.
//!
//! Core does no IO, so the real list of divisions comes from the caller
//! (the worker reads it from D1; tests build small sets). Without a list,
//! only the shape and the province prefix are checked.

use std::collections::HashSet;
use std::sync::Arc;

/// Province-level prefixes of GB/T 2260 (the first two digits of any code).
const PROVINCE_PREFIXES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50",
    "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The 31 characters of a credit code, in value order: digits and capital
/// letters without I, O, Z, S, V (GB 32100-2015 §4, table of code values).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The administrative division codes a deployment knows (GB/T 2260, down to
/// villages). Loaded by the caller and handed to the compiler.
///
/// A code is accepted when it is in the set. ID numbers keep the region code
/// of where they were first issued, even after that county was merged or
/// renamed: a set used for ID checks should include retired codes too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Divisions {
    codes: HashSet<String>,
}

impl Divisions {
    /// Builds the set from codes; malformed entries (not 6, 9 or 12 ASCII
    /// digits) are skipped so one bad line of data cannot widen the set.
    pub fn from_codes<I, S>(codes: I) -> Divisions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let codes = codes.into_iter().map(Into::into).filter(|c| is_division_shape(c)).collect();
        Divisions { codes }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(code)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// The format checks of one validator: the stateless ones plus those that
/// need the caller's [`Divisions`].
#[derive(Debug, Clone, Default)]
pub struct FormatContext {
    pub divisions: Option<Arc<Divisions>>,
}

impl FormatContext {
    /// `cn-id-number` with the region check of this context.
    pub fn is_cn_id_number(&self, s: &str) -> bool {
        is_cn_id_number(s) && self.divisions.as_deref().is_none_or(|d| d.contains(&s[..6]))
    }

    /// `cn-division-code` against this context's divisions, or by shape
    /// and province prefix when none were loaded.
    pub fn is_cn_division_code(&self, s: &str) -> bool {
        match self.divisions.as_deref() {
            Some(d) => d.contains(s),
            None => is_division_shape(s) && PROVINCE_PREFIXES.contains(&&s[..2]),
        }
    }
}

fn is_division_shape(s: &str) -> bool {
    matches!(s.len(), 6 | 9 | 12) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The check character GB 11643-1999 assigns to the first 17 digits.
/// Returns `None` when `first17` is not exactly 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(ID_CHECK_CHARS[(sum % 11) as usize])
}

/// Whether `s` is a well-formed 18-character resident ID number.
pub fn is_cn_id_number(s: &str) -> bool {
    if s.len() != 18 || !s.is_ascii() {
        return false;
    }
    let (first17, check) = s.split_at(17);
    if !PROVINCE_PREFIXES.contains(&&s[..2]) {
        return false;
    }
    let birth = &s[6..14];
    let Ok(year) = birth[..4].parse::<u32>() else { return false };
    let Ok(month) = birth[4..6].parse::<u32>() else { return false };
    let Ok(day) = birth[6..].parse::<u32>() else { return false };
    if !(1900..=2100).contains(&year) || !is_valid_date(year, month, day) {
        return false;
    }
    let check = check.chars().next().map(|c| c.to_ascii_uppercase());
    id_check_char(first17).is_some() && id_check_char(first17) == check
}

/// The check character GB 32100-2015 assigns to the first 17 characters
/// of a credit code: `31 - (Σ value × weight mod 31)`, with 31 written as `0`.
/// Returns `None` when a character is outside the code's alphabet.
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.bytes().zip(CREDIT_WEIGHTS) {
        let value = CREDIT_ALPHABET.iter().position(|&c| c == b)?;
        sum += value as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(CREDIT_ALPHABET[check as usize]))
}

/// Whether `s` is a well-formed unified social credit identifier: 18
/// characters of the code alphabet, a numeric registration-area code in
/// positions 3–8 and the right check character. Lowercase is refused: the
/// standard writes codes in capitals and a form should store them so.
pub fn is_cn_credit_code(s: &str) -> bool {
    if s.len() != 18 || !s.is_ascii() {
        return false;
    }
    let (first17, check) = s.split_at(17);
    s[2..8].bytes().all(|b| b.is_ascii_digit()) && credit_check_char(first17).is_some_and(|c| check.starts_with(c))
}

/// Whether `s` is a mainland China mobile phone number.
pub fn is_cn_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// Whether year-month-day is a real Gregorian calendar date.
pub fn is_valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Two ASCII digits as a number.
fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [x @ b'0'..=b'9', y @ b'0'..=b'9'] => Some(u32::from(x - b'0') * 10 + u32::from(y - b'0')),
        _ => None,
    }
}

/// RFC 3339 `full-date` (`YYYY-MM-DD`), a real Gregorian date.
pub fn is_rfc3339_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(hi), Some(lo), Some(month), Some(day)) =
        (two_digits(&b[0..2]), two_digits(&b[2..4]), two_digits(&b[5..7]), two_digits(&b[8..10]))
    else {
        return false;
    };
    is_valid_date(hi * 100 + lo, month, day)
}

/// RFC 3339 `full-time` (`HH:MM:SS[.frac](Z|±HH:MM)`); a leap second only
/// at 23:59:60 UTC.
pub fn is_rfc3339_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) = (two_digits(&b[0..2]), two_digits(&b[3..5]), two_digits(&b[6..8])) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut i = 8;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    // Minutes since midnight, UTC, of this wall time.
    let local = (hour * 60 + minute) as i32;
    let utc = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => local,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (Some(oh), Some(om)) = (two_digits(&b[i + 1..i + 3]), two_digits(&b[i + 4..i + 6])) else { return false };
            if oh > 23 || om > 59 {
                return false;
            }
            let offset = (oh * 60 + om) as i32;
            if *sign == b'+' { local - offset } else { local + offset }
        }
        _ => return false,
    };
    second != 60 || utc.rem_euclid(24 * 60) == 23 * 60 + 59
}

/// RFC 3339 `date-time`: a date, `T` (or `t`), a time.
pub fn is_rfc3339_date_time(s: &str) -> bool {
    match s.as_bytes().iter().position(|&c| c == b'T' || c == b't') {
        Some(10) => is_rfc3339_date(&s[..10]) && is_rfc3339_time(&s[11..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_id(input: &str, expect: bool) {
        assert_eq!(is_cn_id_number(input), expect, "is_cn_id_number({input:?})");
    }

    #[test]
    fn id_numbers() {
        // The worked example of GB 11643-1999's annex.
        check_id("11010519491231002X", true);
        check_id("11010519491231002x", true);
        check_id("110105194912310021", false); // wrong check character
        check_id("11010519490231002X", false); // 31 February does not exist
        check_id("99010519491231002X", false); // no province 99
        check_id("1101051949123100", false); // too short
        check_id("１１010519491231002X", false); // full-width digits
        check_id("", false);
    }

    #[test]
    fn check_char_of_a_known_number() {
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(id_check_char("1101051949123100A"), None);
    }

    #[test]
    fn mobiles() {
        for (input, expect) in [
            ("13812345678", true),
            ("19912345678", true),
            ("12812345678", false),
            ("1381234567", false),
            ("138123456789", false),
            ("1381234567a", false),
        ] {
            assert_eq!(is_cn_mobile(input), expect, "is_cn_mobile({input:?})");
        }
    }

    fn check_credit(input: &str, expect: bool) {
        assert_eq!(is_cn_credit_code(input), expect, "is_cn_credit_code({input:?})");
    }

    #[test]
    fn credit_codes() {
        // Codes printed on real business licences; each check character
        // was recomputed by hand with the GB 32100-2015 weights.
        check_credit("91350100M000100Y43", true); // a sample widely quoted in explanations of GB 32100-2015
        check_credit("914403001922038216", true);
        check_credit("9144030071526726XG", true);
        check_credit("91330100799655058B", true);
        check_credit("53100000500021676K", true); // registered by 民政 (5), 社会团体 (3)
        check_credit("91350100M000100Y44", false); // wrong check character
        check_credit("91350100M000100Y4", false); // 17 characters
        check_credit("91350100m000100Y43", false); // lowercase
        check_credit("9135010OM000100Y43", false); // letter O in the area code
        check_credit("91350100M000I00Y43", false); // I is not in the alphabet
        check_credit("", false);
    }

    #[test]
    fn credit_check_char_wraps_31_to_zero() {
        // Σ value × weight ≡ 0 (mod 31) must give '0', not an index out of range.
        assert_eq!(credit_check_char("00000000000000000"), Some('0'));
        assert_eq!(credit_check_char("0000000000000000I"), None);
    }

    fn yongchuan() -> FormatContext {
        let divisions = Divisions::from_codes(["110105", "500118", "500118100", "500118100001", "5001181", "50011x"]);
        FormatContext { divisions: Some(Arc::new(divisions)) }
    }

    #[test]
    fn division_codes_against_a_loaded_set() {
        let ctx = yongchuan();
        for (input, expect) in [
            ("500118", true),
            ("500118100", true),
            ("500118100001", true),
            ("500118100002", false), // well-formed but not a known village
            ("5001181", false),      // malformed entries never enter the set
            ("50011x", false),
            ("", false),
        ] {
            assert_eq!(ctx.is_cn_division_code(input), expect, "with divisions: {input:?}");
        }
    }

    #[test]
    fn division_codes_without_a_set_check_shape_and_province() {
        let ctx = FormatContext::default();
        for (input, expect) in [
            ("500118", true),
            ("500118100001", true),
            ("990118", false), // no province 99
            ("5001181", false),
            ("50011８", false), // full-width digit
        ] {
            assert_eq!(ctx.is_cn_division_code(input), expect, "without divisions: {input:?}");
        }
    }

    #[test]
    fn id_region_is_checked_only_against_a_loaded_set() {
        // 110105 (北京市朝阳区) is in the set; 110106 is a real district but not loaded.
        let id_110106 = format!("11010619491231002{}", id_check_char("11010619491231002").expect("digits"));
        assert!(yongchuan().is_cn_id_number("11010519491231002X"));
        assert!(!yongchuan().is_cn_id_number(&id_110106));
        assert!(FormatContext::default().is_cn_id_number(&id_110106));
        assert!(!yongchuan().is_cn_id_number("11010519491231002"), "short input must not panic");
    }

    #[test]
    fn rfc3339_dates_and_times() {
        for (s, ok) in [
            ("2026-11-02", true),
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2026-13-01", false),
            ("2026/11/02", false),
            ("2026-1-02", false),
            ("２026-11-02", false),
        ] {
            assert_eq!(is_rfc3339_date(s), ok, "{s}");
        }
        for (s, ok) in [
            ("08:30:00Z", true),
            ("08:30:00.5+08:00", true),
            ("23:59:60Z", true),
            ("07:59:60+08:00", true),
            ("08:59:60+08:00", false),
            ("15:59:60-08:00", true),
            ("08:30:00", false),
            ("24:00:00Z", false),
            ("08:30:00.Z", false),
            ("08:30:00+8:00", false),
        ] {
            assert_eq!(is_rfc3339_time(s), ok, "{s}");
        }
        assert!(is_rfc3339_date_time("2026-11-02T08:30:00+08:00"));
        assert!(is_rfc3339_date_time("2026-11-02t08:30:00z"));
        assert!(!is_rfc3339_date_time("2026-11-02 08:30:00Z"));
        assert!(!is_rfc3339_date_time("2026-02-30T08:30:00Z"));
    }

    #[test]
    fn leap_days() {
        assert!(is_valid_date(2000, 2, 29));
        assert!(!is_valid_date(1900, 2, 29));
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2023, 2, 29));
        assert!(!is_valid_date(2023, 13, 1));
    }
}
