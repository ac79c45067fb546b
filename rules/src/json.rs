//! A row read from JSON text into one flat list of items (a tape), strings
//! borrowing the text unless they hold escapes. Strict RFC 8259: whatever is
//! not JSON is an error, as is nesting deeper than [`MAX_DEPTH`].

use std::borrow::Cow;

/// Deepest nesting of arrays and objects a row may have (serde_json's limit).
pub const MAX_DEPTH: usize = 128;

/// One item of the tape. A container is followed by its contents; `end` is
/// the index just past them. An object's contents are `Key`, value pairs.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Key(Cow<'a, str>),
    Arr { len: u32, end: u32 },
    Obj { len: u32, end: u32 },
}

/// Why text is not a row: the byte offset where reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not JSON at byte {}", self.offset)
    }
}

impl std::error::Error for JsonError {}

/// A parsed row.
#[derive(Debug, Clone)]
pub struct Tape<'a> {
    pub items: Vec<Item<'a>>,
}

impl<'a> Tape<'a> {
    pub fn parse(text: &'a str) -> Result<Tape<'a>, JsonError> {
        Tape::parse_into(text, Vec::with_capacity(text.len() / 6 + 4)).map_err(|(e, _)| e)
    }

    /// [`Tape::parse`] into `items` (cleared first), so one allocation
    /// serves many rows; on error the list comes back for reuse.
    #[allow(clippy::result_large_err)]
    pub fn parse_into(text: &'a str, mut items: Vec<Item<'a>>) -> Result<Tape<'a>, (JsonError, Vec<Item<'a>>)> {
        items.clear();
        let mut reader = Reader::new(text, items);
        let done = reader.value(0).and_then(|()| {
            reader.ws();
            if reader.pos == reader.b.len() { Ok(()) } else { Err(JsonError { offset: reader.pos }) }
        });
        match done {
            Ok(()) => Ok(Tape { items: reader.items }),
            Err(e) => Err((e, reader.items)),
        }
    }

    /// The tape's list, emptied and freed of the text's lifetime, for the next
    /// [`Tape::parse_into`].
    pub fn recycle(self) -> Vec<Item<'static>> {
        recycle(self.items)
    }

    /// The index just past the value at `i`.
    #[inline]
    pub fn end(&self, i: usize) -> usize {
        match self.items[i] {
            Item::Arr { end, .. } | Item::Obj { end, .. } => end as usize,
            _ => i + 1,
        }
    }
}

/// An emptied item list under another lifetime, keeping its allocation (the
/// standard library collects in place when the element layout is the same).
pub fn recycle<'b>(mut items: Vec<Item<'_>>) -> Vec<Item<'b>> {
    items.clear();
    items.into_iter().map(|_| unreachable!("the list is empty")).collect()
}

/// A cursor over JSON text: [`Tape::parse_into`] reads whole values into
/// `items`; the engine's streamed verdict reads scalars and keys one by one
/// and hands a value to a tape only where the program needs one.
pub(crate) struct Reader<'a> {
    pub(crate) b: &'a [u8],
    text: &'a str,
    pub(crate) pos: usize,
    pub(crate) items: Vec<Item<'a>>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, items: Vec<Item<'a>>) -> Reader<'a> {
        Reader { b: text.as_bytes(), text, pos: 0, items }
    }

    fn err<T>(&self) -> Result<T, JsonError> {
        Err(JsonError { offset: self.pos })
    }

    /// The next byte past whitespace, not consumed.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.pos).copied()
    }

    /// Consumes `byte` if it is next (past whitespace).
    #[inline]
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The scalar value at the cursor (past whitespace), read whole.
    #[inline]
    pub(crate) fn scalar(&mut self) -> Result<Item<'a>, JsonError> {
        match self.peek() {
            Some(b'"') => self.string().map(Item::Str),
            Some(b't') => self.word(b"true", Item::Bool(true)),
            Some(b'f') => self.word(b"false", Item::Bool(false)),
            Some(b'n') => self.word(b"null", Item::Null),
            Some(b'-' | b'0'..=b'9') => self.number_value().map(Item::Num),
            _ => self.err(),
        }
    }

    fn word(&mut self, word: &[u8], item: Item<'a>) -> Result<Item<'a>, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(item)
        } else {
            self.err()
        }
    }

    /// Reads past the value at the cursor, checking it is JSON, keeping nothing.
    pub(crate) fn skip_value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek() {
            Some(open @ (b'{' | b'[')) => {
                if depth + 1 > MAX_DEPTH {
                    return self.err();
                }
                self.pos += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                if self.eat(close) {
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        if self.peek() != Some(b'"') {
                            return self.err();
                        }
                        self.string()?;
                        if !self.eat(b':') {
                            return self.err();
                        }
                    }
                    self.skip_value(depth + 1)?;
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(close) {
                        return Ok(());
                    }
                    return self.err();
                }
            }
            _ => self.scalar().map(|_| ()),
        }
    }

    /// Reads the value at the cursor into `items` (a container at nesting
    /// `depth` + 1).
    pub(crate) fn read_value(&mut self, depth: usize) -> Result<(), JsonError> {
        self.value(depth)
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.b.len()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        self.ws();
        match self.b.get(self.pos) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let s = self.string()?;
                self.items.push(Item::Str(s));
                Ok(())
            }
            Some(b't') => self.literal(b"true", Item::Bool(true)),
            Some(b'f') => self.literal(b"false", Item::Bool(false)),
            Some(b'n') => self.literal(b"null", Item::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err(),
        }
    }

    fn literal(&mut self, word: &[u8], item: Item<'a>) -> Result<(), JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.items.push(item);
            Ok(())
        } else {
            self.err()
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return self.err();
        }
        let at = self.items.len();
        self.items.push(Item::Obj { len: 0, end: 0 });
        self.pos += 1;
        self.ws();
        let mut len = 0u32;
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.b.get(self.pos) != Some(&b'"') {
                    return self.err();
                }
                let key = self.string()?;
                self.items.push(Item::Key(key));
                self.ws();
                if self.b.get(self.pos) != Some(&b':') {
                    return self.err();
                }
                self.pos += 1;
                self.value(depth)?;
                len += 1;
                self.ws();
                match self.b.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err(),
                }
            }
        }
        let end = u32::try_from(self.items.len()).map_err(|_| JsonError { offset: self.pos })?;
        self.items[at] = Item::Obj { len, end };
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return self.err();
        }
        let at = self.items.len();
        self.items.push(Item::Arr { len: 0, end: 0 });
        self.pos += 1;
        self.ws();
        let mut len = 0u32;
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.value(depth)?;
                len += 1;
                self.ws();
                match self.b.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err(),
                }
            }
        }
        let end = u32::try_from(self.items.len()).map_err(|_| JsonError { offset: self.pos })?;
        self.items[at] = Item::Arr { len, end };
        Ok(())
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let n = self.number_value()?;
        self.items.push(Item::Num(n));
        Ok(())
    }

    fn number_value(&mut self) -> Result<f64, JsonError> {
        const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
        let start = self.pos;
        let b = self.b;
        let mut p = self.pos;
        let negative = b[p] == b'-';
        if negative {
            p += 1;
        }
        // The digits as one integer while the grammar is checked, in one pass.
        let (mut m, mut digits, mut fraction) = (0u64, 0usize, 0usize);
        match b.get(p) {
            Some(b'0') => {
                p += 1;
                digits = 1;
            }
            Some(b'1'..=b'9') => {
                while let Some(d @ b'0'..=b'9') = b.get(p) {
                    m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                    p += 1;
                }
            }
            _ => {
                self.pos = p;
                return self.err();
            }
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            while let Some(d @ b'0'..=b'9') = b.get(p) {
                m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                fraction += 1;
                p += 1;
            }
            if fraction == 0 {
                self.pos = p;
                return self.err();
            }
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = b.get(p) {
            exponent = true;
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            let digits = b[p..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                self.pos = p;
                return self.err();
            }
            p += digits;
        }
        self.pos = p;
        // At most 15 digits in all (12.345, 4422.77, 9000): the digits as an
        // integer and the power of ten are both exact in an f64, so one
        // division gives the correctly rounded value, as the float parser does.
        if !exponent && digits + fraction <= 15 {
            let v = m as f64 / POW10[fraction];
            return Ok(if negative { -v } else { v });
        }
        let n: f64 = self.text[start..p].parse().map_err(|_| JsonError { offset: start })?;
        if !n.is_finite() {
            // serde_json refuses numbers out of f64's range too.
            return Err(JsonError { offset: start });
        }
        Ok(n)
    }

    /// A string at `pos` (on its opening quote).
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1;
        let start = self.pos;
        let b = self.b;
        // Fast path: no escapes. Eight bytes at a time while none of them is
        // a quote, a backslash or a control character.
        let mut p = start;
        while let Some(chunk) = b.get(p..p + 8) {
            const ONES: u64 = 0x0101_0101_0101_0101;
            const HIGH: u64 = 0x8080_8080_8080_8080;
            let v = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
            let special =
                zero(v ^ (ONES * u64::from(b'"'))) | zero(v ^ (ONES * u64::from(b'\\'))) | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
            if special != 0 {
                // The lowest flagged byte is exact (borrows only run upwards):
                // go straight to it.
                p += (special.trailing_zeros() / 8) as usize;
                break;
            }
            p += 8;
        }
        loop {
            match b.get(p) {
                Some(b'"') => {
                    self.pos = p + 1;
                    return Ok(Cow::Borrowed(&self.text[start..p]));
                }
                Some(b'\\') => break,
                Some(c) if *c < 0x20 => {
                    self.pos = p;
                    return self.err();
                }
                Some(_) => p += 1,
                None => {
                    self.pos = p;
                    return self.err();
                }
            }
        }
        let mut out = String::with_capacity(p - start + 8);
        out.push_str(&self.text[start..p]);
        loop {
            match b.get(p) {
                Some(b'"') => {
                    self.pos = p + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    p += 1;
                    let c = match b.get(p) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4(p + 1)?;
                            p += 4;
                            if (0xD800..0xDC00).contains(&hi) {
                                if b.get(p + 1) != Some(&b'\\') || b.get(p + 2) != Some(&b'u') {
                                    self.pos = p;
                                    return self.err();
                                }
                                let lo = self.hex4(p + 3)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    self.pos = p;
                                    return self.err();
                                }
                                p += 6;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).ok_or(JsonError { offset: p })?
                            } else {
                                char::from_u32(hi).ok_or(JsonError { offset: p })?
                            }
                        }
                        _ => {
                            self.pos = p;
                            return self.err();
                        }
                    };
                    out.push(c);
                    p += 1;
                }
                Some(c) if *c < 0x20 => {
                    self.pos = p;
                    return self.err();
                }
                Some(_) => {
                    let run = b[p..].iter().take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20).count();
                    out.push_str(&self.text[p..p + run]);
                    p += run;
                }
                None => {
                    self.pos = p;
                    return self.err();
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let digits = self.b.get(at..at + 4).ok_or(JsonError { offset: at })?;
        let mut v = 0u32;
        for &d in digits {
            let x = (d as char).to_digit(16).ok_or(JsonError { offset: at })?;
            v = v * 16 + x;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [r#"{"a": [1, 2.5e3, -0, true, null, "x\"y\u4e09\ud83d\ude00"], "b": {}}"#, "[]", " 3 ", r#""\/""#, "-1.5E-2"] {
            assert!(Tape::parse(text).is_ok(), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok(), "{text}");
        }
        let tape = Tape::parse(r#"{"k":"a\u4e09"}"#).expect("JSON");
        assert_eq!(tape.items[2], Item::Str(Cow::Owned("a三".into())));
    }

    #[test]
    fn decimals_read_as_the_float_parser_reads_them() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200_000 {
            let int_digits = next(9) as usize;
            let frac_digits = 1 + next(16 - int_digits.max(1) as u64) as usize;
            let digits = |n: usize, next: &mut dyn FnMut(u64) -> u64| (0..n).map(|_| char::from(b'0' + next(10) as u8)).collect::<String>();
            let int = if int_digits == 0 { "0".to_owned() } else { format!("{}{}", 1 + next(9), digits(int_digits - 1, &mut next)) };
            let sign = if next(4) == 0 { "-" } else { "" };
            let text = match next(5) {
                0 => format!("{sign}{int}"),
                1 => format!("{sign}{int}.{}e{}", digits(frac_digits, &mut next), next(40) as i64 - 20),
                _ => format!("{sign}{int}.{}", digits(frac_digits, &mut next)),
            };
            let tape = Tape::parse(&text).expect("a number");
            let Item::Num(n) = tape.items[0] else { panic!("{text}") };
            assert_eq!(n.to_bits(), text.parse::<f64>().expect("f64").to_bits(), "{text}");
        }
    }

    #[test]
    fn strings_agree_with_serde_json_at_every_offset() {
        for n in 0..20 {
            for special in ["\\\"", "\\n", "\u{1}", "\u{1f}", "é", "三", "\\u4e09", "\"", "\u{7f}"] {
                let text = format!("\"{}{special}{}\"", "a".repeat(n), "b".repeat(n % 9));
                let ours = Tape::parse(&text).ok().map(|t| t.items);
                let theirs = serde_json::from_str::<String>(&text).ok();
                match (ours.as_deref(), theirs) {
                    (Some([Item::Str(a)]), Some(b)) => assert_eq!(a.as_ref(), b, "{text:?}"),
                    (None, None) => {}
                    (a, b) => panic!("{text:?}: {a:?} / {b:?}"),
                }
            }
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "tru",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "1 2",
            "{\"a\" 1}",
            "[1 2]",
            "1e999",
            "NaN",
        ] {
            assert!(Tape::parse(text).is_err(), "{text:?}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "{text:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(Tape::parse(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Tape::parse(&ok).is_ok());
    }
}
