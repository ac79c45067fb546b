//! The patterns templates write most — `^[0-9]{6}$`, `^[A-Z]{2}[0-9]{4}$`,
//! `^[0-9]{3,4}-[0-9]{7,8}$` — run without the automaton: an anchored
//! sequence of characters or classes, each repeated a bounded or unbounded
//! number of times, alternatives of single characters (`(东|西|南|北)`) and
//! optional groups of such atoms (`(\.[0-9]{1,2})?`), matched greedily in
//! one pass. Greedy is exact only when an atom whose count varies (or an
//! optional group) cannot take a character what may follow it needs, so a
//! pattern is accepted only when those classes are disjoint; anything else
//! (nested groups, longer alternatives, `.`, negated classes, no anchors)
//! runs on its automaton ([`crate::automaton`]). The tests compare this
//! path with `regex_lite` (what the automata are held to) on every short
//! string over an alphabet that meets every pattern.

/// One atom: a set of character ranges repeated `min..=max` times, or an
/// optional group (`(\.[0-9]{1,2})?`: atoms taken whole or not at all).
#[derive(Debug, Clone)]
pub struct Atom {
    ranges: Vec<(char, char)>,
    group: Vec<Atom>,
    min: u32,
    max: u32,
}

impl Atom {
    #[inline]
    fn has(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
    }

    /// The characters the atom can start with.
    fn first(&self) -> &[(char, char)] {
        self.group.first().map_or(&self.ranges, |a| &a.ranges)
    }
}

fn meet(x: &[(char, char)], y: &[(char, char)]) -> bool {
    x.iter().any(|&(a, b)| y.iter().any(|&(c, d)| a <= d && c <= b))
}

/// Whether greedy matching of `atoms` is exact, `outer` being the first
/// characters of what may follow them up to the next required atom.
fn deterministic(atoms: &[Atom], outer: &[&[(char, char)]]) -> bool {
    atoms.iter().enumerate().all(|(i, atom)| {
        // What may come next: up to and including the next required atom.
        let mut follow: Vec<&[(char, char)]> = Vec::new();
        let mut reaches_end = true;
        for next in &atoms[i + 1..] {
            follow.push(next.first());
            if next.min > 0 {
                reaches_end = false;
                break;
            }
        }
        if reaches_end {
            follow.extend_from_slice(outer);
        }
        if atom.group.is_empty() {
            atom.min == atom.max || follow.iter().all(|f| !meet(&atom.ranges, f))
        } else {
            atom.group[0].group.is_empty()
                && atom.group[0].min > 0
                && (atom.min == 1 || follow.iter().all(|f| !meet(atom.first(), f)))
                && deterministic(&atom.group, &follow)
        }
    })
}

/// A pattern compiled to atoms, or `None` when it is not of that simple form.
pub fn compile(pattern: &str) -> Option<Vec<Atom>> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    if body.ends_with('\\') {
        return None; // the `$` was escaped
    }
    let atoms = seq(body)?;
    deterministic(&atoms, &[]).then_some(atoms)
}

/// Atoms of a pattern without anchors.
fn seq(body: &str) -> Option<Vec<Atom>> {
    let mut chars = body.chars().peekable();
    let mut atoms: Vec<Atom> = Vec::new();
    while let Some(c) = chars.next() {
        let mut group = Vec::new();
        let ranges = match c {
            '(' => {
                // Up to the closing parenthesis (no nesting).
                let mut inner = String::new();
                loop {
                    match chars.next()? {
                        ')' => break,
                        '(' => return None,
                        '\\' => {
                            inner.push('\\');
                            inner.push(chars.next()?);
                        }
                        c => inner.push(c),
                    }
                }
                if inner.contains('|') {
                    // Alternatives of one character each: a class.
                    let mut ranges = Vec::new();
                    for alt in inner.split('|') {
                        let mut cs = alt.chars();
                        let c = match (cs.next()?, cs.next(), cs.next()) {
                            ('\\', Some(e), None) if e.is_ascii_punctuation() => e,
                            (c, None, _) if !"[](){}*+?.^$".contains(c) => c,
                            _ => return None,
                        };
                        ranges.push((c, c));
                    }
                    ranges
                } else {
                    group = seq(&inner)?;
                    if group.is_empty() {
                        return None;
                    }
                    Vec::new()
                }
            }
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
            '.' | ')' | '|' | '*' | '+' | '?' | '{' | '}' | '^' | '$' | ']' => return None,
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
                if !group.is_empty() && hi > 1 {
                    return None;
                }
                atoms.push(Atom { ranges, group, min: lo, max: hi });
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
        if !group.is_empty() && max > 1 {
            return None;
        }
        atoms.push(Atom { ranges, group, min, max });
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
    let mut chars = text.chars();
    run(atoms, &mut chars) && chars.next().is_none()
}

fn run(atoms: &[Atom], chars: &mut std::str::Chars<'_>) -> bool {
    for atom in atoms {
        if !atom.group.is_empty() {
            let mut ahead = chars.clone();
            if run(&atom.group, &mut ahead) {
                *chars = ahead;
            } else if atom.min > 0 {
                return false;
            }
            continue;
        }
        let mut n = 0;
        loop {
            let mut ahead = chars.clone();
            match ahead.next() {
                Some(c) if n < atom.max && atom.has(c) => {
                    *chars = ahead;
                    n += 1;
                }
                _ => break,
            }
        }
        if n < atom.min {
            return false;
        }
    }
    true
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
            "^[0-9]+(\\.[0-9]{1,2})?$",
            "^(东|西|南|北)[0-9]{1,3}号$",
            "^a(bc)?d$",
            "^(x|y)+z?$",
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
        for p in [
            "^(a[0-9]*)?[0-9]$",
            "^[0-9]+(\\.[0-9]*)?[0-9]$",
            "^(ab)?a$",
            "^(ab)+$",
            "^((a))$",
            "^(ab|c)$",
            "[0-9]{6}",
            "^[0-9]*[0-9]$",
            "^a?a$",
            "^.$",
            "^[^a]$",
            "^a{2}?$",
            "^\\w$",
        ] {
            assert!(compile(p).is_none(), "{p} is not simple");
        }
        // Every string of up to 5 characters over an alphabet that meets every pattern.
        let alphabet = ['0', '9', '.', 'A', 'a', 'b', 'c', 'd', 'x', 'y', 'z', '-', '东', '号', '张'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().map_or(0, |l| l.chars().count()))
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for p in patterns {
            let atoms = compile(p).expect("simple");
            let regex = regex_lite::Regex::new(p).expect("regex");
            for t in &texts {
                assert_eq!(is_match(&atoms, t), regex.is_match(t), "{p} on {t:?}");
            }
        }
    }
}
