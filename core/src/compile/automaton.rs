//! A `pattern` / `patternProperties` regex → the automaton a program carries
//! ([`ybt_rules::Automaton`], a Thompson NFA the engine runs as a Pike VM).
//!
//! The regex is read by `regex-syntax`'s parser (its syntax tree: no Unicode
//! tables) and translated here with the meaning the engine gave patterns
//! when it ran `regex_lite`: `\d`, `\w`, `\s`, `\b` and POSIX classes are
//! ASCII, `(?i)` folds ASCII letters only, `.` is any character but `\n`
//! (`(?s)`: any; `(?R)`: nor `\r`), `^` / `$` are the text's ends (`(?m)`:
//! lines'), and the search is unanchored. What `regex_lite` refused —
//! `\p{…}` classes, nested classes, class set operations, back-references,
//! look-around — is refused, as is an automaton over
//! [`ybt_rules::MAX_STATES`] states (`a{1000}{1000}`) or a regex nested
//! deeper than [`MAX_NEST`]: a compile error naming the keyword, in both
//! languages, never a silent pass. The tests hold every translation against
//! `regex_lite` on every short string over an alphabet that meets it.

use regex_syntax::ast::{
    self, Assertion, AssertionKind, Ast, ClassAsciiKind, ClassPerl, ClassPerlKind, ClassSet, ClassSetItem, Flag, FlagsItemKind, GroupKind,
    RepetitionKind, RepetitionRange,
};
use ybt_rules::{Automaton, Inst, Look, MAX_STATES};

/// Deepest nesting of groups, repetitions and alternations a pattern may have.
pub const MAX_NEST: u32 = 48;

/// Why a regex has no automaton, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub zh: String,
    pub en: String,
}

fn refuse(zh: &str, en: &str) -> PatternError {
    PatternError { zh: zh.to_owned(), en: en.to_owned() }
}

fn too_large() -> PatternError {
    PatternError {
        zh: format!("正则表达式展开后超过 {MAX_STATES} 个状态（重复次数太多），请缩短重复次数，如把 {{1,1000}} 改为 {{1,50}}"),
        en: format!("the regex expands to more than {MAX_STATES} states (too many repetitions): lower the counts"),
    }
}

/// The automaton of `pattern`.
pub fn compile(pattern: &str) -> Result<Automaton, PatternError> {
    let ast = ast::parse::ParserBuilder::new().nest_limit(MAX_NEST).build().parse(pattern).map_err(|e| match e.kind() {
        ast::ErrorKind::NestLimitExceeded(_) => PatternError {
            zh: format!("正则表达式嵌套超过 {MAX_NEST} 层，请减少括号嵌套"),
            en: format!("the regex nests deeper than {MAX_NEST} levels"),
        },
        _ => PatternError { zh: "正则表达式无效".into(), en: format!("invalid regex: {}", e.kind()) },
    })?;
    let mut b = Builder { a: Automaton::default(), flags: Flags::default(), source: pattern };
    b.ast(&ast)?;
    b.push(Inst::Match)?;
    Ok(b.a)
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    multi_line: bool,
    dot_all: bool,
    crlf: bool,
}

impl Flags {
    fn apply(&mut self, items: &[ast::FlagsItem]) {
        let mut on = true;
        for item in items {
            match item.kind {
                FlagsItemKind::Negation => on = false,
                FlagsItemKind::Flag(Flag::CaseInsensitive) => self.case_insensitive = on,
                FlagsItemKind::Flag(Flag::MultiLine) => self.multi_line = on,
                FlagsItemKind::Flag(Flag::DotMatchesNewLine) => self.dot_all = on,
                FlagsItemKind::Flag(Flag::CRLF) => self.crlf = on,
                // Greed does not change whether a text matches; `u` is a
                // no-op (regex_lite: ASCII classes either way); the parser
                // itself skips whitespace under `x`.
                FlagsItemKind::Flag(Flag::SwapGreed | Flag::Unicode | Flag::IgnoreWhitespace) => {}
            }
        }
    }
}

struct Builder<'p> {
    a: Automaton,
    source: &'p str,
    /// The flags in force where the translation is (a bare `(?i)` holds to
    /// the end of its group).
    flags: Flags,
}

type Ranges = Vec<(u32, u32)>;

const MAX_CHAR: u32 = 0x10_FFFF;

impl Builder<'_> {
    fn pc(&self) -> u32 {
        self.a.insts.len() as u32
    }

    fn push(&mut self, inst: Inst) -> Result<u32, PatternError> {
        if self.a.insts.len() >= MAX_STATES {
            return Err(too_large());
        }
        self.a.insts.push(inst);
        Ok(self.pc() - 1)
    }

    fn class(&mut self, ranges: Ranges) -> Result<(), PatternError> {
        let ranges = normalize(ranges);
        let k = match self.a.classes.iter().position(|c| *c == ranges) {
            Some(k) => k,
            None => {
                self.a.classes.push(ranges);
                self.a.classes.len() - 1
            }
        };
        self.push(Inst::Class(k as u32)).map(|_| ())
    }

    fn ast(&mut self, ast: &Ast) -> Result<(), PatternError> {
        match ast {
            Ast::Empty(_) => Ok(()),
            Ast::Flags(set) => {
                self.flags.apply(&set.flags.items);
                Ok(())
            }
            Ast::Literal(lit) => {
                let mut ranges = vec![(lit.c as u32, lit.c as u32)];
                if self.flags.case_insensitive {
                    ranges = fold(ranges);
                }
                self.class(ranges)
            }
            Ast::Dot(_) => {
                let ranges = if self.flags.dot_all {
                    vec![(0, MAX_CHAR)]
                } else if self.flags.crlf {
                    vec![(0, 9), (11, 12), (14, MAX_CHAR)]
                } else {
                    vec![(0, 9), (11, MAX_CHAR)]
                };
                self.class(ranges)
            }
            Ast::Assertion(assertion) => self.assertion(assertion),
            Ast::ClassUnicode(_) => Err(unicode_class()),
            Ast::ClassPerl(perl) => self.class(perl_class(perl)),
            Ast::ClassBracketed(class) => {
                let mut ranges = Vec::new();
                set_ranges(&class.kind, &mut ranges)?;
                // Folded before negated: `(?i)[^x]` takes neither x nor X.
                if self.flags.case_insensitive {
                    ranges = fold(ranges);
                }
                if class.negated {
                    ranges = negate(normalize(ranges));
                }
                self.class(ranges)
            }
            Ast::Repetition(rep) => {
                if self.source.get(rep.op.span.start.offset..).is_some_and(|op| op.starts_with("{,")) {
                    return Err(refuse("重复次数 {,n} 须写出最少次数，如 {0,5}", "a count {,n} needs its minimum: write {0,n}"));
                }
                let (min, max) = match &rep.op.kind {
                    RepetitionKind::ZeroOrOne => (0, Some(1)),
                    RepetitionKind::ZeroOrMore => (0, None),
                    RepetitionKind::OneOrMore => (1, None),
                    RepetitionKind::Range(RepetitionRange::Exactly(n)) => (*n, Some(*n)),
                    RepetitionKind::Range(RepetitionRange::AtLeast(n)) => (*n, None),
                    RepetitionKind::Range(RepetitionRange::Bounded(m, n)) => (*m, Some(*n)),
                };
                self.repeat(&rep.ast, min, max)
            }
            Ast::Group(group) => {
                let outer = self.flags;
                if let GroupKind::NonCapturing(flags) = &group.kind {
                    self.flags.apply(&flags.items);
                }
                let r = self.ast(&group.ast);
                self.flags = outer;
                r
            }
            Ast::Alternation(alt) => {
                let mut jumps = Vec::new();
                let last = alt.asts.len().saturating_sub(1);
                for (i, branch) in alt.asts.iter().enumerate() {
                    if i == last {
                        self.ast(branch)?;
                        break;
                    }
                    let split = self.push(Inst::Split(0, 0))?;
                    self.ast(branch)?;
                    jumps.push(self.push(Inst::Jump(0))?);
                    self.a.insts[split as usize] = Inst::Split(split + 1, self.pc());
                }
                let end = self.pc();
                for j in jumps {
                    self.a.insts[j as usize] = Inst::Jump(end);
                }
                Ok(())
            }
            Ast::Concat(concat) => concat.asts.iter().try_for_each(|a| self.ast(a)),
        }
    }

    /// `sub` at least `min` and at most `max` times. Each copy is emitted
    /// anew (a copy per count): the state limit stops `a{1000}{1000}` after
    /// [`MAX_STATES`] states, whatever the counts multiply to.
    fn repeat(&mut self, sub: &Ast, min: u32, max: Option<u32>) -> Result<(), PatternError> {
        if min as usize > MAX_STATES || max.is_some_and(|m| m as usize > MAX_STATES) {
            return Err(too_large());
        }
        for _ in 0..min {
            self.ast(sub)?;
        }
        match max {
            None => {
                // L: split(L+1, E); sub; jump L; E:
                let split = self.push(Inst::Split(0, 0))?;
                self.ast(sub)?;
                self.push(Inst::Jump(split))?;
                self.a.insts[split as usize] = Inst::Split(split + 1, self.pc());
            }
            Some(max) => {
                let mut splits = Vec::new();
                for _ in min..max {
                    splits.push(self.push(Inst::Split(0, 0))?);
                    self.ast(sub)?;
                }
                let end = self.pc();
                for s in splits {
                    self.a.insts[s as usize] = Inst::Split(s + 1, end);
                }
            }
        }
        Ok(())
    }

    fn assertion(&mut self, assertion: &Assertion) -> Result<(), PatternError> {
        let f = self.flags;
        let look = match assertion.kind {
            AssertionKind::StartLine if f.multi_line && f.crlf => Look::StartCrlf,
            AssertionKind::StartLine if f.multi_line => Look::StartLf,
            AssertionKind::StartLine | AssertionKind::StartText => Look::Start,
            AssertionKind::EndLine if f.multi_line && f.crlf => Look::EndCrlf,
            AssertionKind::EndLine if f.multi_line => Look::EndLf,
            AssertionKind::EndLine | AssertionKind::EndText => Look::End,
            AssertionKind::WordBoundary => Look::Word,
            AssertionKind::NotWordBoundary => Look::NotWord,
            AssertionKind::WordBoundaryStart | AssertionKind::WordBoundaryStartAngle => Look::WordStart,
            AssertionKind::WordBoundaryEnd | AssertionKind::WordBoundaryEndAngle => Look::WordEnd,
            AssertionKind::WordBoundaryStartHalf => Look::WordStartHalf,
            AssertionKind::WordBoundaryEndHalf => Look::WordEndHalf,
        };
        self.push(Inst::Look(look)).map(|_| ())
    }
}

fn unicode_class() -> PatternError {
    refuse(
        "不支持 Unicode 类别（\\p{…}），汉字请写 [\\u4e00-\\u9fa5]",
        "Unicode classes (\\p{…}) are not supported: for Chinese characters write [\\u4e00-\\u9fa5]",
    )
}

/// The ranges of a bracketed class's items (unions, ranges, `\d`, `[:alpha:]`).
fn set_ranges(set: &ClassSet, out: &mut Ranges) -> Result<(), PatternError> {
    match set {
        ClassSet::BinaryOp(_) => {
            Err(refuse("不支持方括号内的集合运算（&&、--、~~）", "class set operations (&&, --, ~~) are not supported"))
        }
        ClassSet::Item(item) => item_ranges(item, out),
    }
}

fn item_ranges(item: &ClassSetItem, out: &mut Ranges) -> Result<(), PatternError> {
    match item {
        ClassSetItem::Empty(_) => {}
        ClassSetItem::Literal(lit) => out.push((lit.c as u32, lit.c as u32)),
        ClassSetItem::Range(r) => out.push((r.start.c as u32, r.end.c as u32)),
        ClassSetItem::Ascii(class) => {
            let ranges = ascii_class(&class.kind);
            out.extend(if class.negated { negate(ranges) } else { ranges });
        }
        ClassSetItem::Perl(perl) => out.extend(perl_class(perl)),
        ClassSetItem::Unicode(_) => return Err(unicode_class()),
        ClassSetItem::Bracketed(_) => {
            return Err(refuse("不支持方括号嵌套（如 [a[b]]），请合并为一个方括号", "nested classes ([a[b]]) are not supported"));
        }
        ClassSetItem::Union(union) => {
            for item in &union.items {
                item_ranges(item, out)?;
            }
        }
    }
    Ok(())
}

/// `\d`, `\s`, `\w` (ASCII) and their negations.
fn perl_class(perl: &ClassPerl) -> Ranges {
    let ranges = ascii_class(match perl.kind {
        ClassPerlKind::Digit => &ClassAsciiKind::Digit,
        ClassPerlKind::Space => &ClassAsciiKind::Space,
        ClassPerlKind::Word => &ClassAsciiKind::Word,
    });
    if perl.negated { negate(ranges) } else { ranges }
}

/// The POSIX classes, over ASCII.
fn ascii_class(kind: &ClassAsciiKind) -> Ranges {
    let r = |x: &[(u8, u8)]| x.iter().map(|&(a, b)| (u32::from(a), u32::from(b))).collect();
    match kind {
        ClassAsciiKind::Alnum => r(&[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')]),
        ClassAsciiKind::Alpha => r(&[(b'A', b'Z'), (b'a', b'z')]),
        ClassAsciiKind::Ascii => r(&[(0, 0x7F)]),
        ClassAsciiKind::Blank => r(&[(b'\t', b'\t'), (b' ', b' ')]),
        ClassAsciiKind::Cntrl => r(&[(0, 0x1F), (0x7F, 0x7F)]),
        ClassAsciiKind::Digit => r(&[(b'0', b'9')]),
        ClassAsciiKind::Graph => r(&[(b'!', b'~')]),
        ClassAsciiKind::Lower => r(&[(b'a', b'z')]),
        ClassAsciiKind::Print => r(&[(b' ', b'~')]),
        ClassAsciiKind::Punct => r(&[(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')]),
        ClassAsciiKind::Space => r(&[(b'\t', b'\r'), (b' ', b' ')]),
        ClassAsciiKind::Upper => r(&[(b'A', b'Z')]),
        ClassAsciiKind::Word => r(&[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')]),
        ClassAsciiKind::Xdigit => r(&[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')]),
    }
}

/// Sorted, with overlapping and touching ranges merged.
fn normalize(mut ranges: Ranges) -> Ranges {
    ranges.sort_unstable();
    let mut out: Ranges = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Every character the (normalized) ranges leave out.
fn negate(ranges: Ranges) -> Ranges {
    let ranges = normalize(ranges);
    let mut out = Vec::with_capacity(ranges.len() + 1);
    let mut next = 0u32;
    for (lo, hi) in ranges {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi + 1;
    }
    if next <= MAX_CHAR {
        out.push((next, MAX_CHAR));
    }
    out
}

/// The ranges with the other case of every ASCII letter in them added.
fn fold(ranges: Ranges) -> Ranges {
    let mut out = ranges.clone();
    for (lo, hi) in ranges {
        for (from, to, shift) in [(u32::from(b'a'), u32::from(b'z'), -32i32), (u32::from(b'A'), u32::from(b'Z'), 32)] {
            let (a, b) = (lo.max(from), hi.min(to));
            if a <= b {
                out.push((a.saturating_add_signed(shift), b.saturating_add_signed(shift)));
            }
        }
    }
    normalize(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns templates write, and the corners of the syntax.
    const CORPUS: &[&str] = &[
        // IDs, phones, codes.
        r"^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]$",
        r"^1[3-9]\d{9}$",
        r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        r"^[0-9]{6}$",
        r"^[0-9]{3,4}-[0-9]{7,8}$",
        r"^(0\d{2,3}-)?\d{7,8}$",
        r"^\d{6}(\d{3})?$",
        r"^[A-Z]{2}[0-9]{4}$",
        // Chinese text.
        r"^[\u4e00-\u9fa5]{2,4}$",
        r"^[\u4e00-\u9fa5·]+$",
        r"[\u4e00-\u9fa5]",
        r"^(东|西|南|北)[0-9]{1,3}号$",
        r"^(张|王|欧阳)[^0-9]+$",
        // Alternations, nested groups, counted repetition.
        r"^(ab|a)(c|bc)$",
        r"^((a|b)c)+$",
        r"^(a(b(c)?)?)*$",
        r"^(?:a|bc){2,3}$",
        r"^(a|)b$",
        r"^(a*)*$",
        r"^(a?){3}a{3}$",
        r"x{2,}",
        r"^a{0}b$",
        // `.`, negated classes, unanchored.
        r"^.{2,3}$",
        r"a.c",
        r"^[^a-c]+$",
        r"[^\n]",
        r"b",
        r"ab|cd",
        r"^a|b$",
        r"",
        r"^$",
        r"a$",
        r"^a",
        // Perl and POSIX classes, escapes.
        r"^\w+$",
        r"\W",
        r"^\s*\S+\s*$",
        r"\D",
        r"^[[:alpha:]]+$",
        r"^[[:^digit:]x]$",
        r"^[\d\s]+$",
        r"^[\W]$",
        r"^[a\-z]$",
        r"^[a-]$",
        r"^[]a]$",
        r"^[^]a]$",
        r"\.",
        r"^\x41\u{4e1c}$",
        r"\t|\n",
        // Flags.
        r"(?i)^ab[c-e]$",
        r"(?i)[^b]",
        r"a(?i)b|c",
        r"(?i:a)b",
        r"^(?i)[[:upper:]]$",
        r"(?s)^.$",
        r"(?m)^b$",
        r"(?m)a$",
        r"(?mR)^b$",
        r"(?mR)a$",
        r"(?R)^.$",
        r"(?x) a b # comment",
        r"(?U)a+?b",
        r"(?-i)a",
        // Word boundaries.
        r"\ba",
        r"a\b",
        r"\Bb",
        r"\<a",
        r"a\>",
        r"\b{start}a",
        r"a\b{end}",
        r"\b{start-half}a",
        r"a\b{end-half}",
        r"\Aa\z",
        // Lazy and repeated-empty forms.
        r"^a*?b+?$",
        r"^(|a)+$",
        r"^(a|b|)*c$",
    ];

    fn texts(alphabet: &[char], len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last.iter().flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}"))).collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    /// The characters a pattern's classes start and end at, and their
    /// neighbours: every class the pattern draws is met on both sides.
    fn alphabet(a: &Automaton) -> Vec<char> {
        let mut chars: Vec<char> = "aAbBcC0_9x \n\r-张东".chars().collect();
        for ranges in &a.classes {
            for &(lo, hi) in ranges.iter().take(4) {
                for c in [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)] {
                    if let Some(c) = char::from_u32(c).filter(|c| !chars.contains(c)) {
                        chars.push(c);
                    }
                }
            }
        }
        chars
    }

    #[test]
    fn automata_match_as_regex_lite_does() {
        let mut compared = 0usize;
        for pattern in CORPUS {
            let regex = regex_lite::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            let automaton = compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e:?}"));
            // As the engine gets it: through the program's JSON.
            let automaton: Automaton = serde_json::from_str(&serde_json::to_string(&automaton).expect("json")).expect("parses");
            automaton.check().expect("well formed");
            let alphabet = alphabet(&automaton);
            let len = match alphabet.len() {
                0..=12 => 5,
                13..=24 => 4,
                _ => 3,
            };
            for text in texts(&alphabet, len) {
                assert_eq!(automaton.is_match(&text), regex.is_match(&text), "{pattern} on {text:?}");
                compared += 1;
            }
        }
        assert!(compared > 100_000, "{compared}");
        // Long texts: IDs and sentences.
        for (pattern, text) in [
            (CORPUS[0], "11010519491231002X"),
            (CORPUS[0], "110105194912310021"),
            (CORPUS[0], "11010519491331002X"),
            (CORPUS[1], "13812345678"),
            (CORPUS[2], "91350100M000100Y43"),
            (r"^[\u4e00-\u9fa5·]+$", "阿卜杜·热合曼"),
            (r"[\u4e00-\u9fa5]", "room 302 东"),
        ] {
            let regex = regex_lite::Regex::new(pattern).expect("regex");
            assert_eq!(compile(pattern).expect("compiles").is_match(text), regex.is_match(text), "{pattern} on {text}");
        }
    }

    #[test]
    fn what_regex_lite_refused_is_refused() {
        for pattern in [r"\p{Han}", r"[\p{Han}a]", r"\pN", r"[a[b]]", r"[a-z&&[^c]]", r"[a--b]", r"(?=a)", r"(a)\1", r"a{2", r"(", r"a{,2}"]
        {
            assert!(regex_lite::Regex::new(pattern).is_err(), "{pattern}");
            assert!(compile(pattern).is_err(), "{pattern}");
        }
        assert!(compile(r"\p{Han}").expect_err("refused").zh.contains("Unicode"));
    }

    #[test]
    fn hostile_patterns_are_refused_quickly_and_small() {
        for pattern in [r"a{1000}{1000}", r"(a{100}){100}", r"((a{50}){50}){50}", r"[0-9]{5000}", r"(\w+\s?){2000}", r".{0,4097}"] {
            let e = compile(pattern).expect_err(pattern);
            assert!(e.zh.contains("状态") && e.en.contains("states"), "{pattern}: {e:?}");
        }
        let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
        let e = compile(&deep).expect_err("deep");
        assert!(e.en.contains("nests"), "{e:?}");
        // Within the limits: the automaton stays small.
        let a = compile(r"^[0-9]{18}$").expect("compiles");
        assert_eq!((a.classes.len(), a.insts.len()), (1, 21));
        let a = compile(r"^(a|b){0,200}$").expect("compiles");
        assert!(a.insts.len() < MAX_STATES);
        // A text of 5,000 characters against a pattern of 4,000 states: linear, no hang.
        let a = compile(r"(x?){1300}y").expect("compiles");
        assert!(!a.is_match(&"x".repeat(5_000)));
    }
}
