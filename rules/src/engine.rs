//! The engine: a [`Program`] loaded once (its regexes built), then run on
//! rows read from JSON text. Two modes from one walk: the verdict stops at the
//! first failure and builds nothing; the full run collects every error with
//! its JSON pointer.

use std::sync::Arc;

use crate::formats::{self, FormatContext};
use crate::json::{Item, JsonError, Tape};
use crate::program::{ArrayCheck, Check, Format, Lit, Node, ObjectCheck, PROGRAM_VERSION, Program, types};

/// Members and properties of an object kept on the stack while checking it.
const SMALL: usize = 48;

/// Longest regex source a program may carry, in bytes.
pub const MAX_PATTERN_LEN: usize = 512;
/// Size limit of one compiled regex, in bytes.
pub const MAX_REGEX_SIZE: usize = 256 * 1024;

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
    regexes: Vec<regex_lite::Regex>,
    /// The same patterns without the regex engine, when they are simple
    /// enough ([`crate::pattern`]).
    simple: Vec<Option<Vec<crate::pattern::Atom>>>,
    formats: FormatContext,
    /// Per node, its object check's position and a signature of each
    /// property name ([`name_sig`]), in `props` order: member names are
    /// matched by comparing one integer (and the bytes past the 7th).
    names: Vec<Option<(u32, Box<[u64]>)>>,
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

/// Where errors go: nowhere (verdict) or a list.
struct Run<'t> {
    all: bool,
    path: Vec<Seg<'t>>,
    errors: Vec<RuleError>,
}

impl Run<'_> {
    fn pointer(&self, extra: Option<&str>) -> String {
        let mut out = String::new();
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

    fn fail(&mut self, code: &'static str, node: u32, check: u32, extra: Option<&str>, names: Vec<String>) {
        if self.all {
            let pointer = self.pointer(extra);
            self.errors.push(RuleError { pointer, code, node, check, names });
        }
    }
}

impl Rules {
    /// Loads a program: checks its version and references, builds its regexes.
    pub fn load(program: Program, formats: FormatContext) -> Result<Rules, LoadError> {
        if program.v != PROGRAM_VERSION {
            return Err(LoadError(format!("program version {} (this engine runs {PROGRAM_VERSION})", program.v)));
        }
        if program.nodes.is_empty() {
            return Err(LoadError("program without nodes".into()));
        }
        let regexes = program.patterns.iter().map(|p| build_regex(p)).collect::<Result<Vec<_>, _>>()?;
        let (nodes, patterns) = (program.nodes.len() as u32, regexes.len() as u32);
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
        Ok(Rules { program: Arc::new(program), regexes, simple, formats, names })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Whether the row (JSON text) is valid. Text that is not JSON is not.
    pub fn is_valid_json(&self, text: &str) -> bool {
        with_tape(text, |tape| tape.is_ok_and(|tape| self.is_valid(tape)))
    }

    /// Every error of the row (JSON text); errs when the text is not JSON.
    pub fn validate_json(&self, text: &str) -> Result<Vec<RuleError>, JsonError> {
        with_tape(text, |tape| tape.map(|tape| self.validate(tape)))
    }

    pub fn is_valid(&self, tape: &Tape<'_>) -> bool {
        let mut run = Run { all: false, path: Vec::new(), errors: Vec::new() };
        self.node(0, tape, 0, &mut run)
    }

    pub fn validate(&self, tape: &Tape<'_>) -> Vec<RuleError> {
        // Most rows are valid: the verdict's cheaper walk (one pass per
        // object, first failure stops) proves there is nothing to collect.
        if self.is_valid(tape) {
            return Vec::new();
        }
        let mut run = Run { all: true, path: Vec::with_capacity(8), errors: Vec::new() };
        self.node(0, tape, 0, &mut run);
        run.errors
    }

    /// A subschema's verdict alone (inside `anyOf`, `not`, `if` …).
    fn passes<'t>(&self, node: u32, tape: &'t Tape<'t>, at: usize) -> bool {
        let mut run = Run { all: false, path: Vec::new(), errors: Vec::new() };
        self.node(node, tape, at, &mut run)
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
            (Check::Never, _) => false,
            (Check::Type(set), _) => type_matches(*set, item),
            (Check::Const(lit), _) => equal(lit, tape, at),
            (Check::Enum(lits), _) => lits.iter().any(|l| equal(l, tape, at)),
            (Check::Minimum(x), Item::Num(n)) => n >= x,
            (Check::Maximum(x), Item::Num(n)) => n <= x,
            (Check::ExclusiveMinimum(x), Item::Num(n)) => n > x,
            (Check::ExclusiveMaximum(x), Item::Num(n)) => n < x,
            (Check::MultipleOf(x), Item::Num(n)) => is_multiple_of(*n, *x),
            (Check::MinLength(x), Item::Str(s)) => *x as usize <= s.len() && char_count(s) >= *x as usize,
            (Check::MaxLength(x), Item::Str(s)) => s.len() <= *x as usize || char_count(s) <= *x as usize,
            (Check::Pattern(p), Item::Str(s)) => self.is_match(*p, s),
            (Check::Format(f), Item::Str(s)) => self.format(*f, s),
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
            // A keyword about another type says nothing about this value.
            _ => true,
        };
        if !ok {
            run.fail(check.keyword(), node, c, None, Vec::new());
        }
        ok
    }

    #[inline]
    fn is_match(&self, pattern: u32, s: &str) -> bool {
        match &self.simple[pattern as usize] {
            Some(atoms) => crate::pattern::is_match(atoms, s),
            None => self.regexes[pattern as usize].is_match(s),
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

    /// The verdict of an object check with `properties`, `required` and
    /// `additionalProperties` alone, in one pass over the members without
    /// collecting them. `None` when a repeated name makes the general path
    /// decide (the last member of a name counts).
    fn object_verdict<'t>(&self, o: &ObjectCheck, sigs: &[u64], tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> Option<bool> {
        let Item::Obj { len, end } = tape.items[at] else { return Some(true) };
        let additional = o.additional.map(|a| (a, matches!(self.program.nodes[a as usize].0.as_slice(), [Check::Never])));
        let repeated = |key: &str| {
            let mut n = 0;
            let mut i = at + 1;
            while i < end as usize {
                if let Item::Key(k) = &tape.items[i]
                    && k == key
                {
                    n += 1;
                }
                i = tape.end(i + 1);
            }
            n > 1
        };
        let mut seen = 0u64;
        let mut i = at + 1;
        for _ in 0..len {
            let Item::Key(k) = &tape.items[i] else { return None };
            let child = match self.prop_of(o, sigs, k) {
                Some(p) => {
                    if seen & (1 << p) != 0 {
                        return None;
                    }
                    seen |= 1 << p;
                    Some(o.props[p].1)
                }
                None => match additional {
                    Some((_, true)) => return Some(false),
                    Some((extra, false)) => Some(extra),
                    None => None,
                },
            };
            if let Some(child) = child
                && !self.node(child, tape, i + 1, run)
            {
                return if repeated(k) { None } else { Some(false) };
            }
            i = tape.end(i + 1);
        }
        for (name, prop) in &o.required {
            let present = match prop {
                Some(p) => seen & (1 << p) != 0,
                None => {
                    let mut i = at + 1;
                    let mut hit = false;
                    while i < end as usize && !hit {
                        hit = matches!(&tape.items[i], Item::Key(k) if k == name);
                        i = tape.end(i + 1);
                    }
                    hit
                }
            };
            if !present {
                return Some(false);
            }
        }
        Some(true)
    }

    #[allow(clippy::too_many_lines)]
    fn object<'t>(&self, node: u32, c: u32, o: &ObjectCheck, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
        let Item::Obj { len, .. } = tape.items[at] else { return true };
        let sigs = match &self.names[node as usize] {
            Some((check, sigs)) if *check == c => Some(&sigs[..]),
            _ => None,
        };
        if !run.all
            && let Some(sigs) = sigs
            && o.props.len() <= 64
            && o.pattern_props.is_empty()
            && o.property_names.is_none()
            && o.min_props.is_none()
            && o.max_props.is_none()
            && o.dependent_required.is_empty()
            && o.dependent_schemas.is_empty()
            && let Some(verdict) = self.object_verdict(o, sigs, tape, at, run)
        {
            return verdict;
        }
        // Each member: where its value is, and its name. Rows are small: the
        // lists live on the stack up to `SMALL` members.
        let n = len as usize;
        let (mut small_members, mut heap_members) = ([(0usize, ""); SMALL], Vec::new());
        let members: &mut [(usize, &'t str)] = if n <= SMALL {
            &mut small_members[..n]
        } else {
            heap_members.resize(n, (0usize, ""));
            &mut heap_members
        };
        let mut i = at + 1;
        for slot in members.iter_mut() {
            let Item::Key(k) = &tape.items[i] else { break };
            *slot = (i + 1, k.as_ref());
            i = tape.end(i + 1);
        }
        let members: &[(usize, &'t str)] = members;
        // Which member (+1; 0: absent) each property is: the last one of a
        // repeated name, as serde_json keeps it.
        let props = o.props.len();
        let (mut small_found, mut heap_found) = ([0usize; SMALL], Vec::new());
        let found: &mut [usize] = if props <= SMALL {
            &mut small_found[..props]
        } else {
            heap_found.resize(props, 0);
            &mut heap_found
        };
        let (mut small_in, mut heap_in) = ([false; SMALL], Vec::new());
        let in_props: &mut [bool] = if n <= SMALL {
            &mut small_in[..n]
        } else {
            heap_in.resize(n, false);
            &mut heap_in
        };
        if props != 0 {
            for (m, (_, k)) in members.iter().enumerate() {
                let p = match sigs {
                    Some(sigs) => self.prop_of(o, sigs, k),
                    None => o.sorted.binary_search_by(|p| o.props[*p as usize].0.as_str().cmp(k)).ok().map(|s| o.sorted[s] as usize),
                };
                if let Some(p) = p {
                    found[p] = m + 1;
                    in_props[m] = true;
                }
            }
        }
        let repeated = |m: usize| members[m + 1..].iter().any(|(_, k)| *k == members[m].1);
        let mut ok = true;
        macro_rules! bail {
            () => {{
                ok = false;
                if !run.all {
                    return false;
                }
            }};
        }
        for (name, prop) in &o.required {
            let present = match prop {
                Some(p) => found[*p as usize] != 0,
                None => members.iter().any(|(_, k)| k == name),
            };
            if !present {
                run.fail("required", node, c, Some(name), vec![name.clone()]);
                bail!();
            }
        }
        for (p, (_, child)) in o.props.iter().enumerate() {
            if let Some(&(v, key)) = found[p].checked_sub(1).map(|m| &members[m]) {
                run.path.push(Seg::Key(key));
                let good = self.node(*child, tape, v, run);
                run.path.pop();
                if !good {
                    bail!();
                }
            }
        }
        let mut matched_pattern: Vec<bool> = Vec::new();
        if !o.pattern_props.is_empty() {
            matched_pattern = vec![false; members.len()];
            for (m, (v, k)) in members.iter().enumerate() {
                if repeated(m) {
                    continue;
                }
                for (p, child) in &o.pattern_props {
                    if self.is_match(*p, k) {
                        matched_pattern[m] = true;
                        run.path.push(Seg::Key(k));
                        let good = self.node(*child, tape, *v, run);
                        run.path.pop();
                        if !good {
                            bail!();
                        }
                    }
                }
            }
        }
        if let Some(extra) = o.additional {
            let is_false = matches!(self.program.nodes[extra as usize].0.as_slice(), [Check::Never]);
            let mut unexpected = Vec::new();
            for (m, (v, k)) in members.iter().enumerate() {
                if in_props[m] || matched_pattern.get(m).copied().unwrap_or(false) || repeated(m) {
                    continue;
                }
                if is_false {
                    unexpected.push((*k).to_owned());
                    if !run.all {
                        return false;
                    }
                } else {
                    run.path.push(Seg::Key(k));
                    let good = self.node(extra, tape, *v, run);
                    run.path.pop();
                    if !good {
                        bail!();
                    }
                }
            }
            if !unexpected.is_empty() {
                run.fail("additionalProperties", node, c, None, unexpected);
                bail!();
            }
        }
        if let Some(names) = o.property_names {
            for (m, (_, k)) in members.iter().enumerate() {
                if repeated(m) {
                    continue;
                }
                // The name as a JSON string, checked on its own.
                let key_tape = Tape { items: vec![Item::Str(std::borrow::Cow::Borrowed(k))] };
                if !self.passes(names, &key_tape, 0) {
                    run.fail("propertyNames", node, c, None, vec![(*k).to_owned()]);
                    bail!();
                }
            }
        }
        if o.min_props.is_some() || o.max_props.is_some() {
            let distinct = (0..members.len()).filter(|m| !repeated(*m)).count() as u32;
            if o.min_props.is_some_and(|min| distinct < min) {
                run.fail("minProperties", node, c, None, Vec::new());
                bail!();
            }
            if o.max_props.is_some_and(|max| distinct > max) {
                run.fail("maxProperties", node, c, None, Vec::new());
                bail!();
            }
        }
        for (name, needs) in &o.dependent_required {
            if members.iter().any(|(_, k)| k == name) {
                for need in needs {
                    if !members.iter().any(|(_, k)| k == need) {
                        run.fail("required", node, c, Some(need), vec![need.clone()]);
                        bail!();
                    }
                }
            }
        }
        for (name, child) in &o.dependent_schemas {
            if members.iter().any(|(_, k)| k == name) && !self.node(*child, tape, at, run) {
                bail!();
            }
        }
        ok
    }

    fn array<'t>(&self, node: u32, c: u32, a: &ArrayCheck, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
        let Item::Arr { len, end } = tape.items[at] else { return true };
        let mut ok = true;
        macro_rules! bail {
            () => {{
                ok = false;
                if !run.all {
                    return false;
                }
            }};
        }
        if a.min_items.is_some_and(|m| len < m) {
            run.fail("minItems", node, c, None, Vec::new());
            bail!();
        }
        if a.max_items.is_some_and(|m| len > m) {
            run.fail("maxItems", node, c, None, Vec::new());
            bail!();
        }
        let mut starts = Vec::with_capacity(len as usize);
        let mut i = at + 1;
        while i < end as usize {
            starts.push(i);
            i = tape.end(i);
        }
        for (n, &s) in starts.iter().enumerate() {
            let child = a.prefix.get(n).copied().or(if n >= a.prefix.len() { a.items } else { None });
            if let Some(child) = child {
                run.path.push(Seg::Index(n as u32));
                let good = self.node(child, tape, s, run);
                run.path.pop();
                if !good {
                    bail!();
                }
            }
        }
        if a.unique {
            let dup = (0..starts.len()).any(|x| (x + 1..starts.len()).any(|y| same(tape, starts[x], tape, starts[y])));
            if dup {
                run.fail("uniqueItems", node, c, None, Vec::new());
                bail!();
            }
        }
        if let Some((child, min, max)) = a.contains {
            let count = starts.iter().filter(|s| self.passes(child, tape, **s)).count() as u32;
            if count < min || max.is_some_and(|m| count > m) {
                run.fail("contains", node, c, None, Vec::new());
                bail!();
            }
        }
        ok
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

fn build_regex(pattern: &str) -> Result<regex_lite::Regex, LoadError> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(LoadError(format!("pattern longer than {MAX_PATTERN_LEN} bytes")));
    }
    regex_lite::RegexBuilder::new(pattern).size_limit(MAX_REGEX_SIZE).build().map_err(|e| LoadError(format!("pattern {pattern:?}: {e}")))
}

/// Whether `pattern` is one the engine runs (for the compiler's errors).
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    build_regex(pattern).map(|_| ()).map_err(|e| e.0)
}

#[inline]
fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (*b as i8) >= -0x40).count()
}

fn type_matches(set: u8, item: &Item<'_>) -> bool {
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

fn multiple_slow(value: f64, multiple: f64) -> bool {
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
fn multiple_fast(value: f64, multiple: f64) -> Option<bool> {
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
fn decimal(x: f64) -> Option<(i128, i32)> {
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

/// JSON Schema equality of a literal and the value at `at`.
fn equal(lit: &Lit, tape: &Tape<'_>, at: usize) -> bool {
    match (lit, &tape.items[at]) {
        (Lit::Null, Item::Null) => true,
        (Lit::Bool(a), Item::Bool(b)) => a == b,
        (Lit::Num(a), Item::Num(b)) => a == b,
        (Lit::Str(a), Item::Str(b)) => a == b.as_ref(),
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
fn same(ta: &Tape<'_>, a: usize, tb: &Tape<'_>, b: usize) -> bool {
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
