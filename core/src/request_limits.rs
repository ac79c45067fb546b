//! Limits on untrusted input, checked before it is parsed.

/// Deepest nesting of arrays and objects a request body may have.
pub const MAX_JSON_DEPTH: usize = 32;

/// Whether the JSON text `bytes` nests arrays and objects deeper than
/// `limit`. Scans bytes without parsing, so a hostile body costs one pass;
/// brackets inside strings do not count.
pub fn json_too_deep(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth() {
        for (input, limit, expect) in [
            (r#"{"a":[1,{"b":2}]}"#, 3, false),
            (r#"{"a":[1,{"b":2}]}"#, 2, true),
            (r#"{"a":"[[[[[[["}"#, 1, false),
            (r#"{"a":"\"[[[[["}"#, 1, false),
            ("[[[[[[[[[[", 9, true),
            ("", 0, false),
        ] {
            assert_eq!(json_too_deep(input.as_bytes(), limit), expect, "{input} at {limit}");
        }
    }
}
