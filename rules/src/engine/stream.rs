//! The streamed verdict: the row checked while it is read, without a tape.
//!
//! Nodes made of checks about single values and of plain member checks
//! (`properties` / `required` / `additionalProperties` absent or `false`;
//! `prefixItems` / `items` / `minItems` / `maxItems`) are run as their
//! value goes by: a scalar is read whole and checked, an object's members
//! are matched to properties by signature as they come (a bit per property
//! for `required`), an array's items are counted. Any other node (`anyOf`,
//! `if`, `enum` of objects …) gets its value read into a tape and the general
//! walk, the tape's item list being the one kept for the whole row.
//!
//! After a failure the rest of the value is still read (its members
//! skipped) so that a repeated name can still be seen: the last member of a
//! name counts, so a repeated property name stops the stream and the row
//! goes to the general path, which decides. So does nothing else.

use std::borrow::Cow;

use super::*;
use crate::json::Reader;

/// What the streamed verdict knows of a node it can run.
#[derive(Debug, Clone)]
pub(super) struct Streamed {
    /// Position of the node's object check.
    pub(super) object: Option<u32>,
    /// Position of the node's array check.
    array: Option<u32>,
    /// A bit per required property (positions in `props`).
    pub(super) required: u64,
    /// The node's `if` checks whose `if`, `then` and `else` test members
    /// alone: run from the members' places the object walk marks.
    ifs: Vec<MemberIf>,
    /// Every name the `ifs` test, once each: what meeting it marks.
    marked: Vec<Marked>,
}

/// A member name some [`MemberIf`] part tests, and the [`Marks`] bits
/// meeting it sets: the parts' properties of that name (whose value is
/// re-read) and their `required` names without a property.
#[derive(Debug, Clone)]
struct Marked {
    /// [`name_sig`] of the name.
    sig: u64,
    name: Box<str>,
    props: u64,
    present: u64,
}

/// An `if` / `then` / `else` whose three schemas are member checks alone
/// (`properties` / `required`, nothing about the object itself): it passes
/// on anything but an object, and on an object it is decided by the members
/// it names, re-read from where the node's own walk of the object saw them.
#[derive(Debug, Clone)]
struct MemberIf {
    /// Position of the `if` check in its node.
    check: u32,
    cond: Part,
    then: Option<Part>,
    other: Option<Part>,
}

/// One schema of a [`MemberIf`]: its node (a lone object check) and where
/// its members' bits start in the [`Marks`].
#[derive(Debug, Clone, Copy)]
struct Part {
    node: u32,
    base: u32,
}

/// How many member bits the `if` checks of one node may use in all.
const MARKS: usize = 16;

/// What the object walk saw for its node's [`MemberIf`]s: a bit per
/// property and `required` name of each part, and where each property's
/// value (and name) starts in the text.
struct Marks<'a> {
    seen: u64,
    at: [u32; MARKS],
    keys: [&'a str; MARKS],
}

impl Marks<'_> {
    fn new() -> Self {
        Marks { seen: 0, at: [0; MARKS], keys: [""; MARKS] }
    }
}

/// The lone object check of a node that tests members alone: `properties`
/// and `required`, no `additionalProperties` (which would test the object).
fn member_part(program: &Program, node: u32) -> Option<&ObjectCheck> {
    match program.nodes.get(node as usize).map(|n| n.0.as_slice()) {
        Some([Check::Object(o)]) if o.is_plain(o.props.len() + o.required.len()) && o.additional.is_none() => Some(o),
        _ => None,
    }
}

/// Why the stream cannot give the verdict.
pub(super) enum Stop {
    /// The text is not JSON: the row is invalid.
    Json,
    /// The general path decides: a repeated property name (the last member
    /// of a name counts), or, for the full run, a name with escapes or a
    /// node that needs a tape.
    General,
}

impl From<JsonError> for Stop {
    fn from(_: JsonError) -> Stop {
        Stop::Json
    }
}

/// Whether the streamed verdict runs `node` itself; `None` sends its value
/// to a tape.
pub(super) fn plan(program: &Program, node: &Node) -> Option<Streamed> {
    let mut out = Streamed { object: None, array: None, required: 0, ifs: Vec::new(), marked: Vec::new() };
    let mut bits = 0usize;
    for (c, check) in node.0.iter().enumerate() {
        match check {
            Check::Never
            | Check::Type(_)
            | Check::Minimum(_)
            | Check::Maximum(_)
            | Check::ExclusiveMinimum(_)
            | Check::ExclusiveMaximum(_)
            | Check::MultipleOf(_)
            | Check::MinLength(_)
            | Check::MaxLength(_)
            | Check::Pattern(_)
            | Check::Format(_) => {}
            Check::Const(lit) if is_scalar(lit) => {}
            Check::Enum(lits) if lits.iter().all(is_scalar) => {}
            Check::Object(o) if out.object.is_none() => {
                let plain = o.is_plain(o.props.len() + o.required.len()) && o.additional.is_none_or(|a| is_never(program, a));
                if !plain {
                    return None;
                }
                for j in 0..o.required.len() {
                    out.required |= 1 << required_bit(o, j);
                }
                out.object = Some(c as u32);
            }
            Check::Array(a) if out.array.is_none() && !a.unique && a.contains.is_none() => out.array = Some(c as u32),
            // After the object check: its walk marks the members first.
            Check::If { cond, then, other } if out.object.is_some() => {
                let mut part = |node: u32| {
                    let o = member_part(program, node)?;
                    let base = bits;
                    bits += o.props.len() + o.required.len();
                    if bits > MARKS {
                        return None;
                    }
                    let mut entry = |name: &str, props: u64, present: u64| match out.marked.iter_mut().find(|m| *m.name == *name) {
                        Some(m) => (m.props, m.present) = (m.props | props, m.present | present),
                        None => out.marked.push(Marked { sig: name_sig(name), name: name.into(), props, present }),
                    };
                    for (p, (name, _)) in o.props.iter().enumerate() {
                        entry(name, 1 << (base + p), 0);
                    }
                    for (j, (name, p)) in o.required.iter().enumerate() {
                        if p.is_none() {
                            entry(name, 0, 1 << (base + o.props.len() + j));
                        }
                    }
                    Some(Part { node, base: base as u32 })
                };
                let cond = part(*cond)?;
                let then = match then {
                    Some(n) => Some(part(*n)?),
                    None => None,
                };
                let other = match other {
                    Some(n) => Some(part(*n)?),
                    None => None,
                };
                out.ifs.push(MemberIf { check: c as u32, cond, then, other });
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The bit of the `j`th `required` name in a set of members met: its
/// property's position, or for a name without a property one past them.
pub(super) fn required_bit(o: &ObjectCheck, j: usize) -> usize {
    o.required[j].1.map_or(o.props.len() + j, |p| p as usize)
}

/// The bits of the `required` names without a property that `key` is.
#[inline]
pub(super) fn unlisted_required(o: &ObjectCheck, key: &str) -> u64 {
    let mut bits = 0;
    for (j, (name, p)) in o.required.iter().enumerate() {
        if p.is_none() && name == key {
            bits |= 1 << (o.props.len() + j);
        }
    }
    bits
}

/// The node a node stands for: itself, or what a node that is a `$ref`
/// alone (`[Ref(x)]`) leads to, followed a few steps.
pub(super) fn target(program: &Program, mut node: u32) -> u32 {
    for _ in 0..8 {
        match program.nodes.get(node as usize).map(|n| n.0.as_slice()) {
            Some([Check::Ref(x)]) => node = *x,
            _ => break,
        }
    }
    node
}

fn is_never(program: &Program, node: u32) -> bool {
    matches!(program.nodes.get(node as usize).map(|n| n.0.as_slice()), Some([Check::Never]))
}

impl Rules {
    /// The verdict of the row, read and checked in one pass. `None` when
    /// a repeated property name leaves it to the general path.
    pub(super) fn stream_verdict(&self, text: &str) -> Option<bool> {
        let items = crate::json::recycle(TAPE.take());
        let mut reader = Reader::new(text, items);
        let verdict = match self.stream(0, &mut reader, 0) {
            Ok(ok) => Some(ok && reader.at_end()),
            Err(Stop::Json) => Some(false),
            Err(Stop::General) => None,
        };
        TAPE.set(crate::json::recycle(reader.items));
        verdict
    }

    /// Reads the value at the cursor, nested in `depth` containers, and
    /// gives `node`'s verdict on it.
    fn stream<'a>(&self, node: u32, r: &mut Reader<'a>, depth: usize) -> Result<bool, Stop> {
        let node = self.targets[node as usize];
        let Some(plan) = &self.streamed[node as usize] else {
            // The general walk, on this value read into a tape.
            r.items.clear();
            r.read_value(depth)?;
            let tape = Tape { items: std::mem::take(&mut r.items) };
            let ok = self.passes(node, &tape, 0);
            r.items = tape.items;
            return Ok(ok);
        };
        let checks = &self.program.nodes[node as usize].0;
        let (kind, container) = match r.peek() {
            Some(b'{') => (crate::program::types::OBJECT, plan.object),
            Some(b'[') => (crate::program::types::ARRAY, plan.array),
            _ => {
                let item = r.scalar()?;
                return Ok(checks.iter().all(|check| self.value_check(check, &item)));
            }
        };
        // A container: the checks about single values look at its type alone.
        let typed = checks.iter().all(|check| match check {
            Check::Never => false,
            Check::Type(set) => set & kind != 0,
            Check::Const(_) | Check::Enum(_) => false,
            _ => true,
        });
        if depth + 1 > crate::json::MAX_DEPTH {
            return Err(Stop::Json);
        }
        match (typed, container.map(|c| &checks[c as usize])) {
            (true, Some(Check::Object(o))) => self.stream_object(o, node, plan, r, depth + 1),
            (true, Some(Check::Array(a))) => self.stream_array(a, r, depth + 1),
            _ => {
                r.skip_value(depth)?;
                Ok(typed)
            }
        }
    }

    fn stream_object<'a>(&self, o: &ObjectCheck, node: u32, plan: &Streamed, r: &mut Reader<'a>, depth: usize) -> Result<bool, Stop> {
        let sigs = match &self.names[node as usize] {
            Some((_, sigs)) => sigs,
            None => &Box::default(),
        };
        r.pos += 1;
        let (mut seen, mut ok) = (0u64, true);
        let mut marks = (!plan.ifs.is_empty()).then(Marks::new);
        if !r.eat(b'}') {
            loop {
                if r.peek() != Some(b'"') {
                    return Err(Stop::Json);
                }
                let key = r.string()?;
                if !r.eat(b':') {
                    return Err(Stop::Json);
                }
                if let Some(marks) = &mut marks {
                    Self::mark(plan, &key, r.pos, marks)?;
                }
                match self.prop_of(o, sigs, &key) {
                    Some(p) => {
                        if seen & (1 << p) != 0 {
                            return Err(Stop::General);
                        }
                        seen |= 1 << p;
                        if ok {
                            ok = self.stream(o.props[p].1, r, depth)?;
                        } else {
                            r.skip_value(depth)?;
                        }
                    }
                    None => {
                        // `additionalProperties` is absent or `false` (see `plan`).
                        ok &= o.additional.is_none();
                        seen |= unlisted_required(o, &key);
                        r.skip_value(depth)?;
                    }
                }
                if r.eat(b',') {
                    continue;
                }
                if r.eat(b'}') {
                    break;
                }
                return Err(Stop::Json);
            }
        }
        let mut ok = ok && seen & plan.required == plan.required;
        if let Some(marks) = &marks {
            let end = r.pos;
            for f in &plan.ifs {
                if !ok {
                    break;
                }
                ok = self.part_passes(f.cond, marks, r, depth)?;
                let branch = if ok { f.then } else { f.other };
                ok = branch.map_or(Ok(true), |b| self.part_passes(b, marks, r, depth))?;
            }
            r.pos = end;
        }
        Ok(ok)
    }

    /// Marks the member `key`, whose value starts at `at`, for the node's
    /// [`MemberIf`]s. A name met twice that one of them tests leaves the row
    /// to the general path (the last member of a name counts).
    /// Returns the property bits it marked.
    #[inline]
    fn mark(plan: &Streamed, key: &str, at: usize, marks: &mut Marks<'_>) -> Result<u64, Stop> {
        let sig = name_sig(key);
        let Some(m) = plan.marked.iter().find(|m| m.sig == sig && (key.len() <= 7 || *m.name == *key)) else { return Ok(0) };
        if marks.seen & m.props != 0 {
            return Err(Stop::General);
        }
        let mut bits = m.props;
        while bits != 0 {
            marks.at[bits.trailing_zeros() as usize] = at as u32;
            bits &= bits - 1;
        }
        marks.seen |= m.props | m.present;
        Ok(m.props)
    }

    /// A [`MemberIf`] part's verdict on the object just read, from the marks.
    fn part_passes(&self, part: Part, marks: &Marks<'_>, r: &mut Reader<'_>, depth: usize) -> Result<bool, Stop> {
        let Some(Check::Object(o)) = self.program.nodes[part.node as usize].0.first() else { return Ok(true) };
        let bit = |b: usize| marks.seen & (1 << (part.base as usize + b)) != 0;
        if !(0..o.required.len()).all(|j| bit(required_bit(o, j))) {
            return Ok(false);
        }
        for (p, (_, child)) in o.props.iter().enumerate() {
            if bit(p) {
                r.pos = marks.at[part.base as usize + p] as usize;
                if !self.stream(*child, r, depth)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Every error of a [`MemberIf`] part on the object just read, from the
    /// marks, in the general walk's order (`required`, then properties).
    fn collect_part<'a>(&self, part: Part, marks: &Marks<'a>, r: &mut Reader<'a>, depth: usize, run: &mut Run<'a>) -> Result<(), Stop> {
        let Some(Check::Object(o)) = self.program.nodes[part.node as usize].0.first() else { return Ok(()) };
        let bit = |b: usize| marks.seen & (1 << (part.base as usize + b)) != 0;
        for (j, (name, _)) in o.required.iter().enumerate() {
            if !bit(required_bit(o, j)) {
                run.fail("required", part.node, 0, Some(name), || vec![name.clone()]);
            }
        }
        for (p, (_, child)) in o.props.iter().enumerate() {
            if bit(p) {
                let at = part.base as usize + p;
                r.pos = marks.at[at] as usize;
                run.path.push(Seg::Key(marks.keys[at]));
                let done = self.collect_value(*child, r, depth, run);
                run.path.pop();
                done?;
            }
        }
        Ok(())
    }

    fn stream_array<'a>(&self, a: &ArrayCheck, r: &mut Reader<'a>, depth: usize) -> Result<bool, Stop> {
        r.pos += 1;
        let (mut count, mut ok) = (0u32, true);
        if !r.eat(b']') {
            loop {
                let child = a.prefix.get(count as usize).copied().or(if count as usize >= a.prefix.len() { a.items } else { None });
                match child {
                    Some(child) if ok => ok = self.stream(child, r, depth)?,
                    _ => r.skip_value(depth)?,
                }
                count += 1;
                if r.eat(b',') {
                    continue;
                }
                if r.eat(b']') {
                    break;
                }
                return Err(Stop::Json);
            }
        }
        Ok(ok && a.min_items.is_none_or(|m| count >= m) && a.max_items.is_none_or(|m| count <= m))
    }
}

impl Rules {
    /// Every error of the row, read and checked in one pass, in the order
    /// the general walk reports them. `None`: the general path decides (see
    /// [`Stop::General`]; text that is not JSON too, for its error).
    #[cfg(test)]
    pub(super) fn stream_errors(&self, text: &str) -> Option<Vec<RuleError>> {
        self.stream_collect(text, true).map(|(_, errors)| errors)
    }

    /// The streamed full run: how many errors, and each built when `build`.
    pub(super) fn stream_collect(&self, text: &str, build: bool) -> Option<(usize, Vec<RuleError>)> {
        let mut run = Run { all: true, build, count: 0, path: recycle_path(PATH.take()), errors: Vec::new() };
        let mut reader = Reader::new(text, crate::json::recycle(TAPE.take()));
        let done = self.collect_value(0, &mut reader, 0, &mut run).is_ok() && reader.at_end();
        TAPE.set(crate::json::recycle(reader.items));
        let Run { path, errors, count, .. } = run;
        PATH.set(recycle_path(path));
        done.then_some((count, errors))
    }

    /// Reads the value at the cursor, reporting every error of `node` on it.
    fn collect_value<'a>(&self, node: u32, r: &mut Reader<'a>, depth: usize, run: &mut Run<'a>) -> Result<(), Stop> {
        let node = self.targets[node as usize];
        let Some(plan) = &self.streamed[node as usize] else {
            // The general walk on this value read into a tape: its verdict,
            // then, when it fails, its errors under the path so far (only
            // an error that is built needs the path).
            r.items.clear();
            r.read_value(depth)?;
            let tape = Tape { items: std::mem::take(&mut r.items) };
            if !self.passes(node, &tape, 0) {
                let path = if run.build { run.path.to_vec() } else { Vec::new() };
                let mut sub = Run { all: true, build: run.build, count: 0, path, errors: std::mem::take(&mut run.errors) };
                self.node(node, &tape, 0, &mut sub);
                run.count += sub.count;
                run.errors = sub.errors;
            }
            r.items = tape.items;
            return Ok(());
        };
        let checks = &self.program.nodes[node as usize].0;
        let (kind, container) = match r.peek() {
            Some(b'{') => (crate::program::types::OBJECT, plan.object),
            Some(b'[') => (crate::program::types::ARRAY, plan.array),
            _ => {
                let item = r.scalar()?;
                for (c, check) in checks.iter().enumerate() {
                    if !self.value_check(check, &item) {
                        run.fail(check.keyword(), node, c as u32, None, Vec::new);
                    }
                }
                return Ok(());
            }
        };
        if depth + 1 > crate::json::MAX_DEPTH {
            return Err(Stop::Json);
        }
        let mut read = false;
        let mut marks = (kind == crate::program::types::OBJECT && !plan.ifs.is_empty()).then(Marks::new);
        for (c, check) in checks.iter().enumerate() {
            let ok = match check {
                Check::Never | Check::Const(_) | Check::Enum(_) => false,
                Check::Type(set) => set & kind != 0,
                Check::Object(o) if container == Some(c as u32) => {
                    self.collect_object(o, node, c as u32, plan, r, depth + 1, run, marks.as_mut())?;
                    read = true;
                    true
                }
                Check::If { .. } if marks.is_some() => {
                    // The object check came first (see `plan`) and marked the members.
                    let (f, marks) = (plan.ifs.iter().find(|f| f.check == c as u32), marks.as_ref());
                    if let (Some(f), Some(marks)) = (f, marks) {
                        let end = r.pos;
                        let cond = self.part_passes(f.cond, marks, r, depth + 1)?;
                        if let Some(branch) = if cond { f.then } else { f.other } {
                            self.collect_part(branch, marks, r, depth + 1, run)?;
                        }
                        r.pos = end;
                    }
                    true
                }
                Check::Array(a) if container == Some(c as u32) => {
                    self.collect_array(a, node, c as u32, r, depth + 1, run)?;
                    read = true;
                    true
                }
                _ => true,
            };
            if !ok {
                run.fail(check.keyword(), node, c as u32, None, Vec::new);
            }
        }
        if !read {
            r.skip_value(depth)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn collect_object<'a>(
        &self,
        o: &ObjectCheck,
        node: u32,
        c: u32,
        plan: &Streamed,
        r: &mut Reader<'a>,
        depth: usize,
        run: &mut Run<'a>,
        mut marks: Option<&mut Marks<'a>>,
    ) -> Result<(), Stop> {
        let required = plan.required;
        let sigs = match &self.names[node as usize] {
            Some((_, sigs)) => sigs,
            None => &Box::default(),
        };
        r.pos += 1;
        let base = run.errors.len();
        // Each property that failed: its position, and where its errors
        // start and end in `run.errors` (nothing to keep for a valid object).
        // The first 16 on the stack: an invalid row allocates nothing for them.
        let (mut spans, mut failed, mut more) = ([(0u32, 0u32, 0u32); 16], 0usize, Vec::new());
        let (mut seen, mut in_order, mut last) = (0u64, true, 0usize);
        let (mut unknown, mut any_unknown): (Vec<String>, bool) = (Vec::new(), false);
        if !r.eat(b'}') {
            loop {
                if r.peek() != Some(b'"') {
                    return Err(Stop::Json);
                }
                let Cow::Borrowed(key) = r.string()? else { return Err(Stop::General) };
                if !r.eat(b':') {
                    return Err(Stop::Json);
                }
                if let Some(marks) = marks.as_deref_mut() {
                    let mut new = Self::mark(plan, key, r.pos, marks)?;
                    while new != 0 {
                        marks.keys[new.trailing_zeros() as usize] = key;
                        new &= new - 1;
                    }
                }
                match self.prop_of(o, sigs, key) {
                    Some(p) => {
                        if seen & (1 << p) != 0 {
                            return Err(Stop::General);
                        }
                        seen |= 1 << p;
                        in_order &= p >= last;
                        last = p;
                        let start = run.errors.len() as u32;
                        run.path.push(Seg::Key(key));
                        let done = self.collect_value(o.props[p].1, r, depth, run);
                        run.path.pop();
                        done?;
                        let end = run.errors.len() as u32;
                        if end > start {
                            match spans.get_mut(failed) {
                                Some(slot) => *slot = (p as u32, start, end),
                                None => more.push((p as u32, start, end)),
                            }
                            failed += 1;
                        }
                    }
                    None => {
                        seen |= unlisted_required(o, key);
                        if o.additional.is_some() {
                            // Counted only, a repeated name is still one error.
                            if run.build {
                                if unknown.iter().any(|n| n == key) {
                                    return Err(Stop::General);
                                }
                                unknown.push(key.to_owned());
                            }
                            any_unknown = true;
                        }
                        r.skip_value(depth)?;
                    }
                }
                if r.eat(b',') {
                    continue;
                }
                if r.eat(b'}') {
                    break;
                }
                return Err(Stop::Json);
            }
        }
        let missing = seen & required != required;
        if missing || (!in_order && run.errors.len() > base) {
            // `required` first, then the properties in schema order.
            let mut found: Vec<Option<RuleError>> = run.errors.drain(base..).map(Some).collect();
            for (j, (name, _)) in o.required.iter().enumerate() {
                if seen & (1 << required_bit(o, j)) == 0 {
                    run.fail("required", node, c, Some(name), || vec![name.clone()]);
                }
            }
            // In schema order (a name met twice went to the general path: one span a property).
            for p in 0..o.props.len() as u32 {
                if let Some(&(_, start, end)) = spans[..failed.min(16)].iter().chain(&more).find(|s| s.0 == p) {
                    run.errors.extend(found[start as usize - base..end as usize - base].iter_mut().filter_map(Option::take));
                }
            }
        }
        if any_unknown {
            run.fail("additionalProperties", node, c, None, || unknown);
        }
        Ok(())
    }

    fn collect_array<'a>(
        &self,
        a: &ArrayCheck,
        node: u32,
        c: u32,
        r: &mut Reader<'a>,
        depth: usize,
        run: &mut Run<'a>,
    ) -> Result<(), Stop> {
        r.pos += 1;
        let base = run.errors.len();
        let mut count = 0u32;
        if !r.eat(b']') {
            loop {
                let child = a.prefix.get(count as usize).copied().or(if count as usize >= a.prefix.len() { a.items } else { None });
                match child {
                    Some(child) => {
                        run.path.push(Seg::Index(count));
                        let done = self.collect_value(child, r, depth, run);
                        run.path.pop();
                        done?;
                    }
                    None => r.skip_value(depth)?,
                }
                count += 1;
                if r.eat(b',') {
                    continue;
                }
                if r.eat(b']') {
                    break;
                }
                return Err(Stop::Json);
            }
        }
        // `minItems` / `maxItems` come before the items' errors.
        for (fails, code) in [(a.min_items.is_some_and(|m| count < m), "minItems"), (a.max_items.is_some_and(|m| count > m), "maxItems")] {
            if fails {
                run.fail(code, node, c, None, Vec::new);
                if run.build {
                    let len = run.errors.len();
                    run.errors[base..len].rotate_right(1);
                }
            }
        }
        Ok(())
    }
}

thread_local! {
    /// The full run's path, kept for the next row.
    static PATH: std::cell::Cell<Vec<Seg<'static>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// An emptied path under another lifetime, keeping its allocation.
fn recycle_path<'b>(mut path: Vec<Seg<'_>>) -> Vec<Seg<'b>> {
    path.clear();
    path.into_iter().map(|_| unreachable!("the path is empty")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows built from pieces (repeated and escaped names, names not
    /// allowed, nested arrays of objects, a node left to the tape, text that
    /// stops being JSON after a failure): the streamed verdict and the full
    /// run agree with the walk over a tape on every one.
    #[test]
    fn streamed_verdicts_agree_with_the_tape_walk() {
        // The root with an `if` on members (streamed; its `then` tests a
        // member through an `anyOf`, so the full run goes to the tape), with
        // `then`'s members streamed too (the full run streamed), and
        // without `additionalProperties` (members only `then` names are
        // allowed); and the root without the `if`.
        let with_if = PROGRAM.to_owned();
        let with_if_collected = PROGRAM.replace(r#"["e",11]"#, r#"["e",12]"#);
        let open = with_if_collected.replace(r#","additional":4"#, "");
        let without = PROGRAM.replace(r#",{"If":{"cond":8,"then":9,"other":null}}"#, "");
        assert!(with_if != with_if_collected && with_if_collected != open && with_if != without);
        agree(&with_if, 100, 0, 15_000);
        agree(&with_if_collected, 100, 3_000, 15_000);
        agree(&open, 100, 3_000, 15_000);
        agree(&without, 3_000, 5_000, 15_000);
    }

    /// Found when the count-only run came in: the general walk of an object
    /// with a repeated name not allowed reported its other errors twice.
    #[test]
    fn a_repeated_name_not_allowed_reports_each_error_once() {
        let rules = Rules::load(serde_json::from_str(PROGRAM).expect("program"), FormatContext::default()).expect("loads");
        let row = r#"{"e":1.5,"e":"ab","c":{"y":0,"x":2}}"#;
        let errors = rules.validate_json(row).expect("JSON");
        let found: Vec<_> = errors.iter().map(|e| (e.pointer.as_str(), e.code, e.names.clone())).collect();
        assert_eq!(
            found,
            [("/a", "required", vec!["a".to_owned()]), ("/c", "type", vec![]), ("", "additionalProperties", vec!["e".to_owned()])]
        );
        assert_eq!(rules.count_errors_json(row), Ok(3));
    }

    const PROGRAM: &str = r#"{"v":2,"patterns":["^[a-z]+$"],
            "automata":[{"c":[1,97,122],"i":[3,0,9,3,11,4]}],"nodes":[
            [{"Type":4},{"Object":{"props":[["a",1],["b",7],["c",3],["d",6]],"sorted":[0,1,2,3],"required":[["a",0],["c",2]],"additional":4}},{"If":{"cond":8,"then":9,"other":null}}],
            [{"Type":33},{"MaxLength":3},{"Pattern":0}],
            [{"Type":64},{"Minimum":0.0},{"Enum":[1,2,3.0,"x"]}],
            [{"Type":8},{"Array":{"items":5,"min_items":1,"max_items":2}}],
            ["Never"],
            [{"Object":{"props":[["x",2]],"sorted":[0],"required":[["x",0],["y",null]]}},{"Type":4}],
            [{"AnyOf":[1,5]},{"Enum":[{"x":1},"ab","abc",null,{"x":[1,{}]}]}],
            [{"Ref":2}],
            [{"Object":{"props":[["a",10]],"sorted":[0],"required":[["a",0]]}}],
            [{"Object":{"props":[["b",2],["e",11]],"sorted":[0,1],"required":[["b",0],["c",null]]}}],
            [{"Const":"ab"}],
            [{"AnyOf":[12,3]}],
            [{"Type":32}]
            ]}"#;

    fn agree(program: &str, min_valid: usize, min_collected: usize, min_streamed: usize) {
        let program: Program = serde_json::from_str(program).expect("program");
        let rules = Rules::load(program, FormatContext::default()).expect("loads");
        assert!(rules.streamed[6].is_none() && rules.streamed[11].is_none() && rules.streamed[12].is_some());
        let keys = ["a", "b", "c", "d", "e", "\\u0061", "x"];
        let values = [
            "\"ab\"",
            "\"abcd\"",
            "\"a\\u0062\"",
            "null",
            "1",
            "1.0",
            "-1",
            "1.5",
            "3",
            "[]",
            "[{\"x\":1}]",
            "[{\"x\":1},{\"x\":-1}]",
            "[{\"x\":2,\"x\":1}]",
            "[1,2,3]",
            "[{},[],{\"x\":-2,\"y\":1}]",
            "{}",
            "{\"x\":1}",
            "{\"y\":0,\"x\":2}",
            "{\"x\":1,\"x\":-1}",
            "true",
            "\"x\"",
            "[[[]]]",
            "{\"x\":[1,{}]}",
            "1e999",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut valid, mut streamed, mut collected) = (0, 0, 0);
        for _ in 0..30_000 {
            let mut members: Vec<String> =
                (0..next(4)).map(|_| format!("\"{}\":{}", keys[next(keys.len())], values[next(values.len())])).collect();
            if next(3) != 0 {
                // The required members, valid, somewhere.
                let at = next(members.len() + 1);
                members.insert(at, "\"c\":[{\"x\":3,\"y\":0}]".into());
                members.insert(next(members.len() + 1), "\"a\":\"ab\"".into());
            }
            let mut row = format!("{{{}}}", members.join(","));
            match next(12) {
                0 => row.push(','),
                1 => {
                    row.pop();
                }
                2 => row.insert(0, ' '),
                _ => {}
            }
            let tape = Tape::parse(&row);
            let expected = tape.as_ref().is_ok_and(|t| rules.is_valid(t));
            assert_eq!(rules.is_valid_json(&row), expected, "{row}");
            let errors = tape.as_ref().map(|t| rules.validate(t)).map_err(|e| *e);
            assert_eq!(rules.validate_json(&row), errors, "{row}");
            assert_eq!(rules.count_errors_json(&row), errors.as_ref().map(Vec::len).map_err(|e| *e), "{row}");
            valid += usize::from(expected);
            streamed += usize::from(rules.stream_verdict_of_root(&row).is_some());
            if let Some(streamed_errors) = rules.stream_errors(&row) {
                assert_eq!(Ok(streamed_errors.clone()), errors, "{row}");
                collected += usize::from(!streamed_errors.is_empty());
            }
        }
        eprintln!("{valid} valid, {streamed} streamed, {collected} collected");
        assert!(
            valid > min_valid && streamed >= min_streamed && collected >= min_collected,
            "{valid} valid, {streamed} streamed, {collected} collected"
        );
    }
}
