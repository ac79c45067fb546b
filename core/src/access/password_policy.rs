//! The password rule of the product, after the national baseline for
//! government systems (GB/T 22239-2019 等级保护 2.0, 身份鉴别: passwords of
//! a certain complexity, changed when first handed over): at least
//! [`MIN_PASSWORD_CHARS`] characters of at least three of four classes
//! (lowercase, uppercase, digits, other characters), not a known weak or
//! default password, not built on a common word, and not containing the
//! user name. Every problem is listed, in Chinese and English, under the
//! caller's pointer.
//!
//! The same rule applies wherever a password is set: account creation, an
//! administrator's reset and the user's own change.

use crate::field_error::FieldError;
use crate::text::Text;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longer passwords are refused (4xx, not a long hash): nobody types more.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Character classes a password needs, of four.
pub const MIN_CLASSES: usize = 3;

/// Known weak and default passwords (see the file for its source).
const WEAK_LIST: &str = include_str!("weak_passwords.txt");

/// Words a password must not be built on: its letters, lowercased, with
/// digits and symbols taken out, must not be one of these.
const WEAK_WORDS: [&str; 32] = [
    "password",
    "passwd",
    "pssw",
    "pwd",
    "admin",
    "administrator",
    "root",
    "test",
    "guest",
    "user",
    "welcome",
    "changeme",
    "qwerty",
    "qwer",
    "qwertyuiop",
    "asdf",
    "asdfgh",
    "zxcvbnm",
    "qazwsx",
    "qazwsxedc",
    "wsx",
    "abc",
    "abcd",
    "abcdef",
    "aa",
    "woaini",
    "zhongguo",
    "beijing",
    "chongqing",
    "yongchuan",
    "yibiaotong",
    "yibiaotongdemo",
];

/// The product's name: a password containing it is a default password.
const PRODUCT: &str = "yibiaotong";

/// The character classes `password` uses: lowercase and uppercase ASCII
/// letters, digits, and everything else (symbols, spaces, Chinese).
pub fn character_classes(password: &str) -> usize {
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c)) as usize;
    has(char::is_ascii_lowercase) + has(char::is_ascii_uppercase) + has(char::is_ascii_digit) + has(|c| !c.is_ascii_alphanumeric())
}

fn is_listed(password: &str) -> bool {
    let lower = password.to_lowercase();
    WEAK_LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l.to_lowercase() == lower)
}

/// Whether the password is a common word dressed with digits and symbols
/// (`Password@2031`, `Zhongguo#88!`), a walk of one key (`aaaaaaaaa1!`), or
/// the product's name.
fn is_common_word(password: &str) -> bool {
    let lower = password.to_lowercase();
    let letters: String = lower.chars().filter(char::is_ascii_alphabetic).collect();
    if lower.contains(PRODUCT) || WEAK_WORDS.contains(&letters.as_str()) {
        return true;
    }
    // One character repeated makes up most of it.
    let chars: Vec<char> = password.chars().collect();
    chars.iter().any(|c| chars.iter().filter(|d| *d == c).count() * 2 > chars.len())
}

/// Every problem with `password` for the account `username`, under
/// `pointer` (e.g. `/password`). Empty when it may be used.
pub fn check_password(pointer: &str, password: &str, username: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        errors.push(FieldError::new(
            pointer,
            "password_too_short",
            Text::new(format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"), format!("password needs at least {MIN_PASSWORD_CHARS} characters")),
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        errors.push(FieldError::new(
            pointer,
            "password_too_long",
            Text::new(format!("密码最多 {MAX_PASSWORD_CHARS} 个字符"), format!("password has at most {MAX_PASSWORD_CHARS} characters")),
        ));
    }
    if character_classes(password) < MIN_CLASSES {
        errors.push(FieldError::new(
            pointer,
            "password_too_few_classes",
            Text::new(
                "密码须包含小写字母、大写字母、数字、符号中的至少三类",
                "password needs at least three of: lowercase letters, uppercase letters, digits, symbols",
            ),
        ));
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        errors.push(FieldError::new(
            pointer,
            "password_contains_username",
            Text::new("密码不能包含用户名", "password must not contain the user name"),
        ));
    }
    if is_listed(password) || is_common_word(password) {
        errors.push(FieldError::new(
            pointer,
            "password_common",
            Text::new(
                "密码过于常见或为默认密码，请换一个不易猜到的密码",
                "password is too common or a default password: choose one that is hard to guess",
            ),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(password: &str, username: &str) -> Vec<String> {
        check_password("/password", password, username).into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn check() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("Cun-Ledger#2026", "wang.fang", &[]),
            ("hkT9:rWq2m", "wang.fang", &[]),
            ("村委会记账Ab123", "wang.fang", &[]),
            ("Ab1!", "wang.fang", &["password_too_short"]),
            ("alllowercase", "wang.fang", &["password_too_few_classes"]),
            ("lowercase123", "wang.fang", &["password_too_few_classes"]),
            ("Wang.Fang#2026", "wang.fang", &["password_contains_username"]),
            ("Password@123", "wang.fang", &["password_common"]),
            ("pASSWORD@123", "wang.fang", &["password_common"]),
            ("Password@2031", "wang.fang", &["password_common"]),
            ("Zhongguo#88!", "wang.fang", &["password_common"]),
            ("1qaz@WSX3edc", "wang.fang", &["password_common"]),
            ("Yibiaotong#77", "wang.fang", &["password_common"]),
            ("yibiaotong-demo", "cun", &["password_too_few_classes", "password_common"]),
            ("aaaaaaaaA1!", "wang.fang", &["password_common"]),
            ("short", "short", &["password_too_short", "password_too_few_classes", "password_contains_username"]),
        ];
        for (password, username, expected) in cases {
            assert_eq!(codes(password, username), *expected, "{password} for {username}");
        }
    }

    #[test]
    fn a_hostile_length_is_refused_not_hashed() {
        let long = "Ab1!".repeat(40);
        assert_eq!(codes(&long, "wang.fang"), ["password_too_long"]);
    }

    #[test]
    fn the_list_passes_the_other_rules_or_is_refused_anyway() {
        // Every listed password is refused, whatever else it passes.
        for line in WEAK_LIST.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            assert!(codes(line.trim(), "nobody.here").contains(&"password_common".to_owned()), "{line}");
        }
    }

    #[test]
    fn messages_name_the_field_in_chinese() {
        for e in check_password("/new_password", "abc", "x") {
            assert_eq!(e.pointer, "/new_password");
            assert!(e.message.zh.contains("密码"), "{}", e.message.zh);
        }
    }
}
