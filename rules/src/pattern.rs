//! The patterns templates write most — `^[0-9]{6}$`, `^[A-Z]{2}[0-9]{4}$`,
//! `^[0-9]{3,4}-[0-9]{7,8}$` — run without the regex engine: an anchored
//! sequence of characters or classes, each repeated a bounded or unbounded
//! number of times, matched greedily in one pass. Greedy is exact only when
//! an atom whose count varies cannot take a character the next atom needs,
//! so such a pattern is accepted only when their classes are disjoint and
//! the next atom is required; anything else (groups, alternatives, `.`,
//! negated classes, no anchors) stays with `regex_lite`.

/// One atom: a set of character ranges, repeated `min..=max` times.
#[derive(Debug, Clone)]
pub struct Atom {
    ranges: Vec<(char, char)>,
    min: u32,
    max: u32,
}

impl Atom {
    #[inline]
    fn has(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
    }

    fn meets(&self, other: &Atom) -> bool {
        self.ranges.iter().any(|&(a, b)| other.ranges.iter().any(|&(c, d)| a <= d && c <= b))
    }
}

/// A pattern compiled to atoms, or `None` when it is not of that simple form.
pub fn compile(pattern: &str) -> Option<Vec<Atom>> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    if body.ends_with('\\') {
        return None; // the `$` was escaped
    }
    let mut chars = body.chars().peekable();
    let mut atoms: Vec<Atom> = Vec::new();
    while let Some(c) = chars.next() {
        let ranges = match c {
            '[' => {
                let mut ranges = Vec::new();
                if chars.peek() == Some(&'^') {
                    return None;
                }
                loop {
                    let lo = match chars.next()? {
                        ']' if !ranges.is_empty() => break,
                        '\\' => escape(&mut chars)?,
                        '[' | ']' => return None,
                        c => c,
                    };
                    let mut hi = lo;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        hi = match chars.next()? {
                            ']' => return None, // a trailing `-`: leave it to the regex engine
                            '\\' => escape(&mut chars)?,
                            '[' => return None,
                            c => c,
                        };
                        if hi < lo {
                            return None;
                        }
                    }
                    ranges.push((lo, hi));
                }
                ranges
            }
            '\\' => match chars.next()? {
                'd' => vec![('0', '9')],
                e if e.is_ascii_punctuation() => vec![(e, e)],
                _ => return None,
            },
            '.' | '(' | ')' | '|' | '*' | '+' | '?' | '{' | '}' | '^' | '$' | ']' => return None,
            c => vec![(c, c)],
        };
        let (min, max) = match chars.peek() {
            Some('+') => (1, u32::MAX),
            Some('*') => (0, u32::MAX),
            Some('?') => (0, 1),
            Some('{') => {
                chars.next();
                let mut spec = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        c if c.is_ascii_digit() || c == ',' => spec.push(c),
                        _ => return None,
                    }
                }
                let (lo, hi) = match spec.split_once(',') {
                    Some((lo, "")) => (lo.parse().ok()?, u32::MAX),
                    Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
                    None => (spec.parse().ok()?, spec.parse().ok()?),
                };
                if lo > hi || hi > 1000 && hi != u32::MAX {
                    return None;
                }
                atoms.push(Atom { ranges, min: lo, max: hi });
                if matches!(chars.peek(), Some('?' | '+' | '*' | '{')) {
                    return None; // lazy or possessive forms
                }
                continue;
            }
            _ => (1, 1),
        };
        if min != 1 || max != 1 {
            chars.next();
            if matches!(chars.peek(), Some('?' | '+' | '*' | '{')) {
                return None;
            }
        }
        atoms.push(Atom { ranges, min, max });
    }
    // Greedy is exact: a varying atom never takes what the next one needs.
    for (i, atom) in atoms.iter().enumerate() {
        if atom.min != atom.max
            && let Some(next) = atoms.get(i + 1)
            && (next.min == 0 || atom.meets(next))
        {
            return None;
        }
    }
    Some(atoms)
}

/// A class escape read as one character: `\.`, `\-` and the like, or `\uXXXX`.
fn escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    match chars.next()? {
        'u' => {
            let hex: String = (0..4).map(|_| chars.next()).collect::<Option<_>>()?;
            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
        }
        c if c.is_ascii_punctuation() => Some(c),
        _ => None,
    }
}

/// Whether `text` matches the atoms.
pub fn is_match(atoms: &[Atom], text: &str) -> bool {
    let mut chars = text.chars().peekable();
    for atom in atoms {
        let mut n = 0;
        while n < atom.max
            && let Some(&c) = chars.peek()
            && atom.has(c)
        {
            chars.next();
            n += 1;
        }
        if n < atom.min {
            return false;
        }
    }
    chars.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_patterns_match_as_the_regex_engine_does() {
        let patterns = [
            "^[0-9]{6}$",
            "^[A-Z]{2}[0-9]{4}$",
            "^[0-9]{3,4}-[0-9]{7,8}$",
            "^[\\u4e00-\\u9fa5]{2,4}$",
            "^[0-9a-f]{64}$",
            "^[0-9]{12}$",
            "^a+b$",
            "^\\d{2}x?y$",
            "^[a-c\\-]{1,3}z$",
            "^[0-9]+$",
        ];
        let texts = [
            "",
            "123456",
            "12345",
            "1234567",
            "AB1234",
            "ab1234",
            "A1234",
            "010-12345678",
            "0101-1234567",
            "01-1234567",
            "010-123456789",
            "张三",
            "欧阳修文",
            "王",
            "欧阳修文X",
            "aab",
            "b",
            "aaa",
            "12xy",
            "12y",
            "12xxy",
            "a-z",
            "abcz",
            "abcdz",
            "-z",
            "0",
            "x\n",
            "123456\n",
            "00000000000000000000000000000000000000000000000000000000000000ff",
        ];
        for p in patterns {
            let atoms = compile(p).unwrap_or_else(|| panic!("{p} is simple"));
            let regex = regex_lite::Regex::new(p).expect("regex");
            for t in texts {
                assert_eq!(is_match(&atoms, t), regex.is_match(t), "{p} on {t:?}");
            }
        }
        for p in
            ["^[0-9]+(\\.[0-9]{1,2})?$", "^(东|西)[0-9]{1,3}号$", "[0-9]{6}", "^[0-9]*[0-9]$", "^a?a$", "^.$", "^[^a]$", "^a{2}?$", "^\\w$"]
        {
            assert!(compile(p).is_none(), "{p} is not simple");
        }
    }
}
