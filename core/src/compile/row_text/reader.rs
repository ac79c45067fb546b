//! The strict reader of a row's JSON text: RFC 8259 as `serde_json` reads
//! it, refusing (rather than reproducing) whatever it does not read alike.

use jsonschema::json::Object;

use super::json::RowObject;
use super::{Item, MAX_DEPTH, NotRead, RowText};

pub(super) struct Reader<'t> {
    pub(super) text: &'t str,
    pub(super) bytes: &'t [u8],
    pub(super) at: usize,
    pub(super) row: RowText<'t>,
}

impl<'t> Reader<'t> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    pub(super) fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Result<(), NotRead> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(NotRead)
        }
    }

    #[inline(always)]
    fn push(&mut self, item: Item<'t>) {
        self.row.items.push(item);
    }

    fn index(&self) -> Result<u32, NotRead> {
        u32::try_from(self.row.items.len()).map_err(|_| NotRead)
    }

    pub(super) fn value(&mut self, depth: u32) -> Result<(), NotRead> {
        self.skip_whitespace();
        match self.peek().ok_or(NotRead)? {
            b'"' => {
                let item = self.string()?;
                self.push(item);
            }
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'-' | b'0'..=b'9' => {
                let item = self.number()?;
                self.push(item);
            }
            b't' => self.literal(b"true", Item::Bool(true))?,
            b'f' => self.literal(b"false", Item::Bool(false))?,
            b'n' => self.literal(b"null", Item::Null)?,
            _ => return Err(NotRead),
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8], item: Item<'t>) -> Result<(), NotRead> {
        if self.bytes.get(self.at..self.at + word.len()) != Some(word) {
            return Err(NotRead);
        }
        self.at += word.len();
        self.push(item);
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), NotRead> {
        if depth > MAX_DEPTH {
            return Err(NotRead);
        }
        self.at += 1; // [
        let start = self.row.items.len();
        self.push(Item::Array { len: 0, end: 0 });
        let mut len = 0_u32;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                self.value(depth)?;
                len += 1;
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(NotRead),
                }
            }
        }
        let end = self.index()?;
        self.row.items[start] = Item::Array { len, end };
        Ok(())
    }

    fn object(&mut self, depth: u32) -> Result<(), NotRead> {
        if depth > MAX_DEPTH {
            return Err(NotRead);
        }
        self.at += 1; // {
        let start = self.row.items.len();
        self.push(Item::Object { len: 0, end: 0 });
        let mut len = 0_u32;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return Err(NotRead);
                }
                let name = self.string()?;
                self.push(name);
                self.skip_whitespace();
                self.eat(b':')?;
                self.value(depth)?;
                len += 1;
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(NotRead),
                }
            }
        }
        let end = self.index()?;
        self.row.items[start] = Item::Object { len, end };
        if has_duplicate_names(&RowObject { row: &self.row, start, len }) {
            return Err(NotRead);
        }
        Ok(())
    }

    /// Skips eight bytes at a time while none of them ends a plain run of a
    /// string (a quote, a backslash or a control character).
    #[inline(always)]
    fn skip_plain_words(&mut self) {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
        while let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or([0; 8]));
            let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
            let stop = zero_byte(word ^ (ONES * u64::from(b'"')))
                | zero_byte(word ^ (ONES * u64::from(b'\\')))
                | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
            if stop != 0 {
                return;
            }
            self.at += 8;
        }
    }

    /// A string starting at its opening quote.
    fn string(&mut self) -> Result<Item<'t>, NotRead> {
        self.at += 1; // "
        let start = self.at;
        self.skip_plain_words();
        loop {
            match *self.bytes.get(self.at).ok_or(NotRead)? {
                b'"' => {
                    let string = self.text.get(start..self.at).ok_or(NotRead)?;
                    self.at += 1;
                    return Ok(Item::String(string));
                }
                b'\\' => break,
                0..0x20 => return Err(NotRead),
                _ => self.at += 1,
            }
        }
        let mut decoded = String::from(self.text.get(start..self.at).ok_or(NotRead)?);
        loop {
            let run = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            decoded.push_str(self.text.get(run..self.at).ok_or(NotRead)?);
            match self.peek().ok_or(NotRead)? {
                b'"' => {
                    self.at += 1;
                    break;
                }
                b'\\' => {
                    let escaped = *self.bytes.get(self.at + 1).ok_or(NotRead)?;
                    self.at += 2;
                    decoded.push(match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(self.at..self.at + 4).ok_or(NotRead)?;
                            self.at += 4;
                            let code = u32::from_str_radix(hex, 16).map_err(|_| NotRead)?;
                            // Surrogates (pairs or not) are left to serde_json.
                            char::from_u32(code).ok_or(NotRead)?
                        }
                        _ => return Err(NotRead),
                    });
                }
                _ => return Err(NotRead),
            }
        }
        let index = u32::try_from(self.row.decoded.len()).map_err(|_| NotRead)?;
        self.row.decoded.push(decoded);
        Ok(Item::Decoded(index))
    }

    /// A number, read into the item `serde_json` would make of it.
    fn number(&mut self) -> Result<Item<'t>, NotRead> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits = self.at;
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.at += 1;
                }
            }
            _ => return Err(NotRead),
        }
        let integer_end = self.at;
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.at += 1;
            let fraction = self.at;
            while let Some(b'0'..=b'9') = self.peek() {
                self.at += 1;
            }
            if self.at == fraction {
                return Err(NotRead);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            let exponent = self.at;
            while let Some(b'0'..=b'9') = self.peek() {
                self.at += 1;
            }
            if self.at == exponent {
                return Err(NotRead);
            }
        }
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(NotRead); // a leading zero followed by digits
        }
        if float {
            // Correctly rounded, as serde_json's `float_roundtrip` (which
            // `jsonschema` turns on) reads it; out of range is an error there.
            let value: f64 = self.text.get(start..self.at).ok_or(NotRead)?.parse().map_err(|_| NotRead)?;
            return if value.is_finite() { Ok(Item::F64(value)) } else { Err(NotRead) };
        }
        // Up to 18 digits cannot overflow; longer integers are left to serde_json.
        let text = self.bytes.get(digits..integer_end).ok_or(NotRead)?;
        if text.len() > 18 {
            return Err(NotRead);
        }
        let magnitude = text.iter().fold(0_u64, |n, digit| n * 10 + u64::from(digit - b'0'));
        Ok(match (negative, magnitude) {
            (false, _) => Item::U64(magnitude),
            // serde_json reads `-0` as the float -0.0.
            (true, 0) => Item::F64(-0.0),
            (true, _) => Item::I64(-i64::try_from(magnitude).map_err(|_| NotRead)?),
        })
    }
}

pub(super) fn has_duplicate_names(object: &RowObject<'_>) -> bool {
    if object.len < 2 {
        return false;
    }
    if object.len > 64 {
        let mut sorted: Vec<&str> = object.members().map(|(name, _)| name).collect();
        sorted.sort_unstable();
        return sorted.windows(2).any(|pair| pair[0] == pair[1]);
    }
    // Rows have a handful of names: a 64-bit set of cheap name digests finds
    // most names new at once; only a digest seen before costs comparisons.
    let digest = |name: &str| {
        let bytes = name.as_bytes();
        let (first, last) = (bytes.first().copied().unwrap_or(0), bytes.last().copied().unwrap_or(0));
        1_u64 << ((usize::from(first) ^ usize::from(last).rotate_left(3) ^ bytes.len().wrapping_mul(7)) & 63)
    };
    let mut seen = 0_u64;
    for (i, (name, _)) in object.members().enumerate() {
        let bit = digest(name);
        if seen & bit != 0 && object.members().take(i).any(|(earlier, _)| earlier == name) {
            return true;
        }
        seen |= bit;
    }
    false
}
