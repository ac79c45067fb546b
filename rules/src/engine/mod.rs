//! The engine: a [`Program`] loaded once (its automata checked), then run on
//! rows read from JSON text. Two modes from one walk: the verdict stops at the
//! first failure and builds nothing; the full run collects every error with
//! its JSON pointer.

use std::sync::Arc;

use crate::formats::{self, FormatContext};
use crate::json::{Item, JsonError, Tape};
use crate::program::{ArrayCheck, Check, Format, Node, ObjectCheck, PROGRAM_VERSION, Program};

mod members;
mod stream;
mod values;

pub use values::is_multiple_of;
use values::{equal, equal_scalar, is_scalar, same, type_matches};
#[cfg(test)]
use values::{multiple_fast, multiple_slow};

/// Members and properties of an object kept on the stack while checking it.
const SMALL: usize = 48;

/// Longest regex source a program may carry, in bytes.
pub const MAX_PATTERN_LEN: usize = 512;

/// One failure: where, which keyword, and which check (for its message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// JSON pointer into the row; for `required`, where the member belongs.
    pub pointer: String,
    /// The keyword: `type`, `required`, `format` …
    pub code: &'static str,
    /// The check that failed: node and position in it.
    pub node: u32,
    pub check: u32,
    /// `required`: the missing name; `additionalProperties`: the names not allowed.
    pub names: Vec<String>,
}

/// Why a program cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// A program ready to run.
#[derive(Debug, Clone)]
pub struct Rules {
    program: Arc<Program>,
    /// The same patterns as a one-pass greedy match, when they are simple
    /// enough ([`crate::pattern`]); the others run on their automata.
    simple: Vec<Option<Vec<crate::pattern::Atom>>>,
    formats: FormatContext,
    /// Per node, its object check's position and a signature of each
    /// property name ([`name_sig`]), in `props` order: member names are
    /// matched by comparing one integer (and the bytes past the 7th).
    names: Vec<Option<(u32, Box<[u64]>)>>,
    /// Per node, whether the streamed verdict runs it ([`stream`]).
    streamed: Vec<Option<stream::Streamed>>,
    /// Per node, the node it stands for ([`stream::target`]: through a `$ref` alone).
    targets: Vec<u32>,
}

/// A name's length and first 7 bytes in one integer: equal signatures of
/// names of 7 bytes or fewer are equal names.
#[inline]
fn name_sig(name: &str) -> u64 {
    let b = name.as_bytes();
    let mut sig = (b.len().min(255) as u64) << 56;
    for (i, &c) in b.iter().take(7).enumerate() {
        sig |= u64::from(c) << (i * 8);
    }
    sig
}

/// A path segment of the value being checked.
#[derive(Clone, Copy)]
enum Seg<'t> {
    Key(&'t str),
    Index(u32),
}

/// Where errors go: nowhere (verdict), a count, or a list.
struct Run<'t> {
    /// Whether the walk goes on after a failure (the full run).
    all: bool,
    /// Whether the full run builds each error (pointer, names) or only
    /// counts them (`count_errors_json`: no allocation per error).
    build: bool,
    /// Errors found by the full run, built or not.
    count: usize,
    path: Vec<Seg<'t>>,
    errors: Vec<RuleError>,
}

impl<'t> Run<'t> {
    fn pointer(&self, extra: Option<&str>) -> String {
        let segs: usize = self.path.iter().map(|s| if let Seg::Key(k) = s { k.len() + 1 } else { 6 }).sum();
        let mut out = String::with_capacity(segs + extra.map_or(0, |e| e.len() + 1));
        let mut push = |s: &str| {
            out.push('/');
            for c in s.chars() {
                match c {
                    '~' => out.push_str("~0"),
                    '/' => out.push_str("~1"),
                    c => out.push(c),
                }
            }
        };
        for seg in &self.path {
            match seg {
                Seg::Key(k) => push(k),
                Seg::Index(i) => push(&i.to_string()),
            }
        }
        if let Some(e) = extra {
            push(e);
        }
        out
    }

    /// Records a failure; `names` is only called when the error is built.
    #[inline]
    fn fail(&mut self, code: &'static str, node: u32, check: u32, extra: Option<&str>, names: impl FnOnce() -> Vec<String>) {
        if self.all {
            self.count += 1;
            if self.build {
                let pointer = self.pointer(extra);
                self.errors.push(RuleError { pointer, code, node, check, names: names() });
            }
        }
    }

    fn verdict() -> Run<'t> {
        Run { all: false, build: false, count: 0, path: Vec::new(), errors: Vec::new() }
    }
}

impl Rules {
    /// Loads a program: checks its version, references and automata.
    pub fn load(program: Program, formats: FormatContext) -> Result<Rules, LoadError> {
        if program.v != PROGRAM_VERSION {
            return Err(LoadError(format!("program version {} (this engine runs {PROGRAM_VERSION})", program.v)));
        }
        if program.nodes.is_empty() {
            return Err(LoadError("program without nodes".into()));
        }
        if program.automata.len() != program.patterns.len() {
            return Err(LoadError("program with a pattern and no automaton".into()));
        }
        for (source, automaton) in program.patterns.iter().zip(&program.automata) {
            if source.len() > MAX_PATTERN_LEN {
                return Err(LoadError(format!("pattern longer than {MAX_PATTERN_LEN} bytes")));
            }
            automaton.check().map_err(|e| LoadError(format!("pattern {source:?}: {e}")))?;
        }
        let (nodes, patterns) = (program.nodes.len() as u32, program.patterns.len() as u32);
        let bad_node = |n: &u32| *n >= nodes;
        for node in &program.nodes {
            for check in &node.0 {
                let refs_ok = match check {
                    Check::Pattern(p) => *p < patterns,
                    Check::AllOf(xs) | Check::AnyOf(xs) | Check::OneOf(xs) => !xs.iter().any(bad_node),
                    Check::Not(n) | Check::Ref(n) => !bad_node(n),
                    Check::If { cond, then, other } => !bad_node(cond) && !then.iter().chain(other).any(bad_node),
                    Check::Object(o) => {
                        o.props.iter().all(|(_, n)| !bad_node(n))
                            && o.sorted.len() == o.props.len()
                            && o.sorted.iter().all(|i| (*i as usize) < o.props.len())
                            && o.required.iter().all(|(_, i)| i.is_none_or(|i| (i as usize) < o.props.len()))
                            && o.pattern_props.iter().all(|(p, n)| *p < patterns && !bad_node(n))
                            && !o.additional.iter().chain(&o.property_names).any(bad_node)
                            && o.dependent_schemas.iter().all(|(_, n)| !bad_node(n))
                    }
                    Check::Array(a) => {
                        !a.prefix.iter().chain(&a.items).any(bad_node) && a.contains.as_ref().is_none_or(|(n, _, _)| !bad_node(n))
                    }
                    _ => true,
                };
                if !refs_ok {
                    return Err(LoadError("program refers to a node or pattern it does not have".into()));
                }
            }
        }
        let names = program
            .nodes
            .iter()
            .map(|node| {
                node.0.iter().enumerate().find_map(|(c, check)| match check {
                    Check::Object(o) => Some((c as u32, o.props.iter().map(|(name, _)| name_sig(name)).collect())),
                    _ => None,
                })
            })
            .collect();
        let simple = program.patterns.iter().map(|p| crate::pattern::compile(p)).collect();
        let targets: Vec<u32> = (0..nodes).map(|n| stream::target(&program, n)).collect();
        let streamed: Vec<_> = program.nodes.iter().map(|node| stream::plan(&program, node)).collect();
        Ok(Rules { program: Arc::new(program), simple, formats, names, streamed, targets })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Whether the row (JSON text) is valid. Text that is not JSON is not.
    /// Checked while it is read (no tape) where the program allows.
    pub fn is_valid_json(&self, text: &str) -> bool {
        self.stream_verdict_of_root(text).unwrap_or_else(|| with_tape(text, |tape| tape.is_ok_and(|tape| self.is_valid(tape))))
    }

    /// The streamed verdict; `None` when the general path decides (a
    /// repeated name, or a root the stream does not run: all on a tape).
    pub(super) fn stream_verdict_of_root(&self, text: &str) -> Option<bool> {
        self.streamed[self.targets[0] as usize].as_ref()?;
        self.stream_verdict(text)
    }

    /// Every error of the row (JSON text); errs when the text is not JSON.
    /// Collected while it is read, a node the stream does not run getting
    /// its value on a tape.
    pub fn validate_json(&self, text: &str) -> Result<Vec<RuleError>, JsonError> {
        match self.stream_collect(text, true) {
            Some((_, errors)) => Ok(errors),
            None => with_tape(text, |tape| tape.map(|tape| self.validate(tape))),
        }
    }

    /// How many errors `validate_json` finds in the row, without building
    /// them (no pointer text, no names): what a caller that only counts needs.
    pub fn count_errors_json(&self, text: &str) -> Result<usize, JsonError> {
        let on_tape = |tape: &Tape<'_>| if self.is_valid(tape) { 0 } else { self.collect_count(tape) };
        match self.stream_collect(text, false) {
            Some((count, _)) => Ok(count),
            None => with_tape(text, |tape| tape.map(on_tape)),
        }
    }

    /// Every error of a row known to be invalid.
    fn collect(&self, tape: &Tape<'_>) -> Vec<RuleError> {
        let mut run = Run { all: true, build: true, count: 0, path: Vec::with_capacity(8), errors: Vec::new() };
        self.node(0, tape, 0, &mut run);
        run.errors
    }

    /// How many errors a row known to be invalid has.
    fn collect_count(&self, tape: &Tape<'_>) -> usize {
        let mut run = Run { all: true, build: false, count: 0, path: Vec::new(), errors: Vec::new() };
        self.node(0, tape, 0, &mut run);
        run.count
    }

    pub fn is_valid(&self, tape: &Tape<'_>) -> bool {
        self.node(0, tape, 0, &mut Run::verdict())
    }

    pub fn validate(&self, tape: &Tape<'_>) -> Vec<RuleError> {
        // Most rows are valid: the verdict's cheaper walk (one pass per
        // object, first failure stops) proves there is nothing to collect.
        if self.is_valid(tape) {
            return Vec::new();
        }
        self.collect(tape)
    }

    /// A subschema's verdict alone (inside `anyOf`, `not`, `if` …).
    fn passes<'t>(&self, node: u32, tape: &'t Tape<'t>, at: usize) -> bool {
        self.node(node, tape, at, &mut Run::verdict())
    }

    fn node<'t>(&self, node: u32, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
        let Node(checks) = &self.program.nodes[node as usize];
        let mut ok = true;
        for (c, check) in checks.iter().enumerate() {
            if !self.check(node, c as u32, check, tape, at, run) {
                ok = false;
                if !run.all {
                    return false;
                }
            }
        }
        ok
    }

    #[allow(clippy::too_many_lines)]
    fn check<'t>(&self, node: u32, c: u32, check: &Check, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
        let item = &tape.items[at];
        let ok = match (check, item) {
            (Check::Const(lit), _) => equal(lit, tape, at),
            (Check::Enum(lits), _) => lits.iter().any(|l| equal(l, tape, at)),
            (Check::Object(o), Item::Obj { .. }) => return self.object(node, c, o, tape, at, run),
            (Check::Array(a), Item::Arr { .. }) => return self.array(node, c, a, tape, at, run),
            (Check::AllOf(xs), _) => {
                let mut ok = true;
                for x in xs {
                    if !self.node(*x, tape, at, run) {
                        ok = false;
                        if !run.all {
                            return false;
                        }
                    }
                }
                return ok;
            }
            (Check::AnyOf(xs), _) => xs.iter().any(|x| self.passes(*x, tape, at)),
            (Check::OneOf(xs), _) => xs.iter().filter(|x| self.passes(**x, tape, at)).take(2).count() == 1,
            (Check::Not(x), _) => !self.passes(*x, tape, at),
            (Check::If { cond, then, other }, _) => {
                let branch = if self.passes(*cond, tape, at) { then } else { other };
                return branch.is_none_or(|b| self.node(b, tape, at, run));
            }
            (Check::Ref(x), _) => return self.node(*x, tape, at, run),
            _ => self.value_check(check, item),
        };
        if !ok {
            run.fail(check.keyword(), node, c, None, Vec::new);
        }
        ok
    }

    /// The checks about a single value (a container passes those about
    /// scalars: a keyword about another type says nothing about it). `Const`
    /// and `Enum` compare scalars here; the member checks pass.
    #[inline]
    fn value_check(&self, check: &Check, item: &Item<'_>) -> bool {
        match (check, item) {
            (Check::Never, _) => false,
            (Check::Type(set), _) => type_matches(*set, item),
            (Check::Const(lit), _) => equal_scalar(lit, item),
            (Check::Enum(lits), _) => lits.iter().any(|l| equal_scalar(l, item)),
            (Check::Minimum(x), Item::Num(n)) => n >= x,
            (Check::Maximum(x), Item::Num(n)) => n <= x,
            (Check::ExclusiveMinimum(x), Item::Num(n)) => n > x,
            (Check::ExclusiveMaximum(x), Item::Num(n)) => n < x,
            (Check::MultipleOf(x), Item::Num(n)) => is_multiple_of(*n, *x),
            (Check::MinLength(x), Item::Str(s)) => *x as usize <= s.len() && char_count(s) >= *x as usize,
            (Check::MaxLength(x), Item::Str(s)) => s.len() <= *x as usize || char_count(s) <= *x as usize,
            (Check::Pattern(p), Item::Str(s)) => self.is_match(*p, s),
            (Check::Format(f), Item::Str(s)) => self.format(*f, s),
            _ => true,
        }
    }

    #[inline]
    fn is_match(&self, pattern: u32, s: &str) -> bool {
        match &self.simple[pattern as usize] {
            Some(atoms) => crate::pattern::is_match(atoms, s),
            None => self.program.automata[pattern as usize].is_match(s),
        }
    }

    fn format(&self, format: Format, s: &str) -> bool {
        match format {
            Format::Date => formats::is_rfc3339_date(s),
            Format::DateTime => formats::is_rfc3339_date_time(s),
            Format::Time => formats::is_rfc3339_time(s),
            Format::CnIdNumber => self.formats.is_cn_id_number(s),
            Format::CnMobile => formats::is_cn_mobile(s),
            Format::CnCreditCode => formats::is_cn_credit_code(s),
            Format::CnDivisionCode => self.formats.is_cn_division_code(s),
        }
    }

    /// The position in `props` of the member name `key`.
    #[inline]
    fn prop_of(&self, o: &ObjectCheck, sigs: &[u64], key: &str) -> Option<usize> {
        let sig = name_sig(key);
        sigs.iter().enumerate().find(|&(p, s)| *s == sig && (key.len() <= 7 || o.props[p].0 == key)).map(|(p, _)| p)
    }
}

thread_local! {
    /// The item list of the last row read, kept for the next: a row costs no
    /// allocation once the list has grown to the largest row's size.
    static TAPE: std::cell::Cell<Vec<Item<'static>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Runs `f` on the row read into the thread's reused item list.
fn with_tape<R>(text: &str, f: impl FnOnce(Result<&Tape<'_>, JsonError>) -> R) -> R {
    let items = crate::json::recycle(TAPE.take());
    let (result, items) = match Tape::parse_into(text, items) {
        Ok(tape) => (f(Ok(&tape)), tape.recycle()),
        Err((e, items)) => (f(Err(e)), crate::json::recycle(items)),
    };
    TAPE.set(items);
    result
}

#[inline]
fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (*b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiple_of_fast_path_agrees_with_the_decimal_one() {
        let multiples = [0.01, 0.1, 0.5, 3.0, 0.25, 0.07, 1e-9, 2.5, 7.0, 0.001, 1e-10, 123456.789];
        let mut checked = 0;
        for i in -30_000i64..30_000 {
            for value in [i as f64 / 100.0, i as f64 / 1000.0, i as f64 * 0.37, i as f64 * 1e-7, i as f64 * 1.1e13] {
                for m in multiples {
                    if let Some(fast) = multiple_fast(value, m) {
                        assert_eq!(fast, multiple_slow(value, m), "{value} multipleOf {m}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000);
        assert!(is_multiple_of(4422.77, 0.01) && !is_multiple_of(0.075, 0.01) && is_multiple_of(9.0, 3.0));
    }
}
