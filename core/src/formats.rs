//! Custom `format` checks for Chinese identifiers, registered on every validator.
//!
//! - `cn-id-number`: 18-digit resident ID number (GB 11643-1999): province
//!   prefix, a real birth date, and the ISO 7064 MOD 11-2 check character.
//! - `cn-mobile`: mainland mobile number, 11 digits starting `1[3-9]`.

/// Province-level prefixes of GB/T 2260 (the first two digits of any code).
const PROVINCE_PREFIXES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character GB 11643-1999 assigns to the first 17 digits.
/// Returns `None` when `first17` is not exactly 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
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

/// Whether `s` is a mainland China mobile phone number.
pub fn is_cn_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// Whether year-month-day is a real Gregorian calendar date.
pub fn is_valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
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

    #[test]
    fn leap_days() {
        assert!(is_valid_date(2000, 2, 29));
        assert!(!is_valid_date(1900, 2, 29));
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2023, 2, 29));
        assert!(!is_valid_date(2023, 13, 1));
    }
}
