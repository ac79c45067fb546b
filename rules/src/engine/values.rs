//! Checks of single values: JSON types, `multipleOf` (fast for short
//! decimals, exact otherwise), and `const`/`enum` equality over the tape.

use crate::json::{Item, Tape};
use crate::program::{Lit, types};

pub(super) fn type_matches(set: u8, item: &Item<'_>) -> bool {
    let bit = match item {
        Item::Null => types::NULL,
        Item::Bool(_) => types::BOOLEAN,
        Item::Obj { .. } => types::OBJECT,
        Item::Arr { .. } => types::ARRAY,
        Item::Str(_) | Item::Key(_) => types::STRING,
        Item::Num(n) => {
            if set & types::NUMBER != 0 || (set & types::INTEGER != 0 && n.fract() == 0.0) {
                return true;
            }
            return false;
        }
    };
    set & bit != 0
}

/// `multipleOf` as the decimals both numbers print as: 4422.77 is a
/// multiple of 0.01, although its binary value is not.
pub fn is_multiple_of(value: f64, multiple: f64) -> bool {
    if value == 0.0 {
        return true;
    }
    multiple_fast(value, multiple).unwrap_or_else(|| multiple_slow(value, multiple))
}

pub(super) fn multiple_slow(value: f64, multiple: f64) -> bool {
    if let (Some((vm, ve)), Some((mm, me))) = (decimal(value), decimal(multiple))
        && mm != 0
    {
        // value = vm·10^ve, multiple = mm·10^me: scale both to the smaller exponent.
        let low = ve.min(me);
        let scale = |m: i128, e: i32| u32::try_from(e - low).ok().and_then(|p| 10i128.checked_pow(p)).and_then(|f| m.checked_mul(f));
        if let (Some(v), Some(m)) = (scale(vm, ve), scale(mm, me)) {
            return v % m == 0;
        }
    }
    let q = value / multiple;
    q.is_finite() && q.fract() == 0.0
}

/// [`is_multiple_of`] without printing the numbers, when both are decimals of
/// at most 9 fraction digits below 2^50 in those units: `multiple` = M/10^k
/// and `value` = N/10^k with the divisions exact-rounded to the very f64s.
/// Below 2^50 units one unit is wider than two ulps, so M·10^-k and N·10^-k
/// are the only such decimals reading back as the numbers: the shortest
/// decimals the slow path compares. `None`: the slow path decides.
pub(super) fn multiple_fast(value: f64, multiple: f64) -> Option<bool> {
    const LIMIT: f64 = (1u64 << 50) as f64;
    let mut scale = 1.0f64;
    for _ in 0..=9 {
        let m = (multiple * scale).round();
        if m != 0.0 && m.abs() < LIMIT && m / scale == multiple {
            let n = (value * scale).round();
            if n.abs() < LIMIT && n / scale == value {
                return Some((n as i64) % (m as i64) == 0);
            }
            return None;
        }
        scale *= 10.0;
    }
    None
}

/// The shortest decimal that reads back as `x`: mantissa and power of ten.
pub(super) fn decimal(x: f64) -> Option<(i128, i32)> {
    let text = format!("{x:e}");
    let (digits, exp) = text.split_once('e')?;
    let mut exp: i32 = exp.parse().ok()?;
    let negative = digits.starts_with('-');
    let digits = digits.trim_start_matches('-');
    let mut mantissa: i128 = 0;
    if let Some((int, frac)) = digits.split_once('.') {
        for d in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
        }
        exp -= frac.len() as i32;
    } else {
        for d in digits.bytes() {
            mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
        }
    }
    Some((if negative { -mantissa } else { mantissa }, exp))
}

/// Whether a literal is a scalar (compared with [`equal_scalar`]).
pub(super) fn is_scalar(lit: &Lit) -> bool {
    !matches!(lit, Lit::Arr(_) | Lit::Obj(_))
}

/// JSON Schema equality of a literal and a scalar item.
#[inline]
pub(super) fn equal_scalar(lit: &Lit, item: &Item<'_>) -> bool {
    match (lit, item) {
        (Lit::Null, Item::Null) => true,
        (Lit::Bool(a), Item::Bool(b)) => a == b,
        (Lit::Num(a), Item::Num(b)) => a == b,
        (Lit::Str(a), Item::Str(b)) => a == b.as_ref(),
        _ => false,
    }
}

/// JSON Schema equality of a literal and the value at `at`.
pub(super) fn equal(lit: &Lit, tape: &Tape<'_>, at: usize) -> bool {
    match (lit, &tape.items[at]) {
        (Lit::Null | Lit::Bool(_) | Lit::Num(_) | Lit::Str(_), item) => equal_scalar(lit, item),
        (Lit::Arr(xs), Item::Arr { len, .. }) => {
            if xs.len() != *len as usize {
                return false;
            }
            let mut i = at + 1;
            for x in xs {
                if !equal(x, tape, i) {
                    return false;
                }
                i = tape.end(i);
            }
            true
        }
        (Lit::Obj(map), Item::Obj { end, .. }) => {
            let mut i = at + 1;
            let mut seen = 0usize;
            while i < *end as usize {
                let Item::Key(k) = &tape.items[i] else { return false };
                match map.get(k.as_ref()) {
                    Some(x) if equal(x, tape, i + 1) => {}
                    _ => return false,
                }
                seen += 1;
                i = tape.end(i + 1);
            }
            seen == map.len()
        }
        _ => false,
    }
}

/// JSON Schema equality of two values of tapes.
pub(super) fn same(ta: &Tape<'_>, a: usize, tb: &Tape<'_>, b: usize) -> bool {
    match (&ta.items[a], &tb.items[b]) {
        (Item::Null, Item::Null) => true,
        (Item::Bool(x), Item::Bool(y)) => x == y,
        (Item::Num(x), Item::Num(y)) => x == y,
        (Item::Str(x), Item::Str(y)) => x == y,
        (Item::Arr { len: lx, .. }, Item::Arr { len: ly, .. }) => {
            if lx != ly {
                return false;
            }
            let (mut i, mut j) = (a + 1, b + 1);
            for _ in 0..*lx {
                if !same(ta, i, tb, j) {
                    return false;
                }
                i = ta.end(i);
                j = tb.end(j);
            }
            true
        }
        (Item::Obj { len: lx, end: ex }, Item::Obj { len: ly, end: ey }) => {
            if lx != ly {
                return false;
            }
            let mut i = a + 1;
            while i < *ex as usize {
                let Item::Key(k) = &ta.items[i] else { return false };
                let mut j = b + 1;
                let mut hit = false;
                while j < *ey as usize {
                    if let Item::Key(kk) = &tb.items[j]
                        && kk == k
                    {
                        hit = same(ta, i + 1, tb, j + 1);
                        break;
                    }
                    j = tb.end(j + 1);
                }
                if !hit {
                    return false;
                }
                i = ta.end(i + 1);
            }
            true
        }
        _ => false,
    }
}
