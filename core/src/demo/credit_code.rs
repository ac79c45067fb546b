//! 统一社会信用代码 (GB 32100-2015) for demo enterprises: the embedded
//! organisation code carries its GB 11714-1997 check character and the whole
//! code its MOD 31 check character, so generated codes pass real validators.

/// The 31 characters of GB 32100-2015 (no I, O, S, V, Z), by value.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31 for the 17 leading positions.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The check character of the first 17 characters of a credit code, or
/// `None` when one of them is not in the GB 32100 character set.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (byte, weight) in first17.bytes().zip(WEIGHTS) {
        let value = CHARSET.iter().position(|c| *c == byte)? as u32;
        sum += value * weight;
    }
    Some(char::from(CHARSET[((31 - sum % 31) % 31) as usize]))
}

/// Whether `code` is 18 characters with a correct check character.
pub fn is_valid(code: &str) -> bool {
    code.len() == 18 && code.is_ascii() && check_char(&code[..17]) == code[17..].chars().next()
}

/// The GB 11714 check character of an 8-digit organisation code body.
pub fn org_check_char(body: &str) -> Option<char> {
    if body.len() != 8 || !body.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .zip(ORG_WEIGHTS)
        .map(|(b, w)| w * if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 })
        .sum();
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    })
}

/// A credit code: registering authority `9` (market regulation), `kind`
/// (`1` company, `2` individual business, `3` farmers' cooperative), the
/// 6-digit region, then an organisation code built from `org_body` (8 digits).
pub fn credit_code(kind: char, region: &str, org_body: &str) -> Option<String> {
    let org = format!("{org_body}{}", org_check_char(org_body)?);
    let first17 = format!("9{kind}{region}{org}");
    Some(format!("{first17}{}", check_char(&first17)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_check() {
        // Codes printed in public business-licence samples.
        for code in ["91350100M000100Y43", "91110108551385082Q"] {
            assert!(is_valid(code), "{code}");
        }
        assert!(!is_valid("91350100M000100Y44"));
        assert!(!is_valid("91350100M000100Y4"));
        assert_eq!(check_char("9135010OM000100Y4"), None, "O is not in the character set");
    }

    #[test]
    fn org_codes_check() {
        // 55138508-2 is the organisation code inside 91110108551385082Q.
        assert_eq!(org_check_char("55138508"), Some('2'));
        assert_eq!(org_check_char("5513850"), None);
    }

    #[test]
    fn generated_codes_check() {
        let code = credit_code('1', "500118", "12345678").expect("valid parts");
        assert!(is_valid(&code), "{code}");
        assert!(code.starts_with("91500118"));
    }
}
