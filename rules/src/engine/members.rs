//! The member keywords of objects and arrays: the one-pass verdict of a
//! plain row object, and the general walk that collects every error.

use super::*;

impl Rules {
    /// The verdict of an object check with `properties`, `required` and
    /// `additionalProperties` alone, in one pass over the members without
    /// collecting them. `None` when a repeated name makes the general path
    /// decide (the last member of a name counts).
    pub(super) fn object_verdict<'t>(
        &self,
        o: &ObjectCheck,
        sigs: &[u64],
        tape: &'t Tape<'t>,
        at: usize,
        run: &mut Run<'t>,
    ) -> Option<bool> {
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

    /// Every error of a plain object check (what the streamed verdict runs:
    /// `properties`, `required` by position, `additionalProperties` absent or
    /// `false`), from one pass over the members and no list of them; in the
    /// general path's order (`required`, then properties in schema order,
    /// then the names not allowed). `None` when a name repeats: the general
    /// path decides.
    #[allow(clippy::too_many_arguments)]
    fn object_collect<'t>(
        &self,
        node: u32,
        c: u32,
        o: &ObjectCheck,
        sigs: &[u64],
        required: u64,
        tape: &'t Tape<'t>,
        at: usize,
        run: &mut Run<'t>,
    ) -> Option<bool> {
        let Item::Obj { end, .. } = tape.items[at] else { return Some(true) };
        // The key's index of each property present.
        let mut found = [0u32; 64];
        let (mut seen, mut unknown) = (0u64, 0usize);
        let mut i = at + 1;
        while i < end as usize {
            let Item::Key(k) = &tape.items[i] else { return None };
            match self.prop_of(o, sigs, k) {
                Some(p) => {
                    if seen & (1 << p) != 0 {
                        return None;
                    }
                    seen |= 1 << p;
                    found[p] = i as u32;
                }
                None => {
                    unknown += 1;
                    seen |= stream::unlisted_required(o, k);
                }
            }
            i = tape.end(i + 1);
        }
        // The names not allowed, gathered before any error is reported: a
        // repeated one leaves the object to the general path, which must not
        // find this walk's errors already there.
        let mut names: Vec<String> = Vec::new();
        if o.additional.is_some() && unknown > 0 && run.build {
            names.reserve(unknown);
            let mut i = at + 1;
            while i < end as usize {
                if let Item::Key(k) = &tape.items[i]
                    && self.prop_of(o, sigs, k).is_none()
                {
                    if names.iter().any(|n| n == k) {
                        return None;
                    }
                    names.push(k.as_ref().to_owned());
                }
                i = tape.end(i + 1);
            }
        }
        let mut ok = true;
        if seen & required != required {
            for (j, (name, _)) in o.required.iter().enumerate() {
                if seen & (1 << stream::required_bit(o, j)) == 0 {
                    run.fail("required", node, c, Some(name), || vec![name.clone()]);
                    ok = false;
                }
            }
        }
        for (p, (_, child)) in o.props.iter().enumerate() {
            if seen & (1 << p) != 0 {
                let key = found[p] as usize;
                let Item::Key(k) = &tape.items[key] else { return None };
                run.path.push(Seg::Key(k));
                ok &= self.node(*child, tape, key + 1, run);
                run.path.pop();
            }
        }
        if o.additional.is_some() && unknown > 0 {
            // Counted only, a repeated name is still one error.
            run.fail("additionalProperties", node, c, None, || names);
            ok = false;
        }
        Some(ok)
    }

    #[allow(clippy::too_many_lines)]
    pub(super) fn object<'t>(&self, node: u32, c: u32, o: &ObjectCheck, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
        let Item::Obj { len, .. } = tape.items[at] else { return true };
        let sigs = match &self.names[node as usize] {
            Some((check, sigs)) if *check == c => Some(&sigs[..]),
            _ => None,
        };
        if run.all
            && let Some(sigs) = sigs
            && let Some(plan) = &self.streamed[node as usize]
            && plan.object == Some(c)
            && let Some(ok) = self.object_collect(node, c, o, sigs, plan.required, tape, at, run)
        {
            return ok;
        }
        if !run.all
            && let Some(sigs) = sigs
            && o.is_plain(o.props.len())
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
                run.fail("required", node, c, Some(name), || vec![name.clone()]);
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
            let (mut unexpected, mut any) = (Vec::new(), false);
            for (m, (v, k)) in members.iter().enumerate() {
                if in_props[m] || matched_pattern.get(m).copied().unwrap_or(false) || repeated(m) {
                    continue;
                }
                if is_false {
                    any = true;
                    if run.build {
                        unexpected.push((*k).to_owned());
                    }
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
            if any {
                run.fail("additionalProperties", node, c, None, || unexpected);
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
                    run.fail("propertyNames", node, c, None, || vec![(*k).to_owned()]);
                    bail!();
                }
            }
        }
        if o.min_props.is_some() || o.max_props.is_some() {
            let distinct = (0..members.len()).filter(|m| !repeated(*m)).count() as u32;
            if o.min_props.is_some_and(|min| distinct < min) {
                run.fail("minProperties", node, c, None, Vec::new);
                bail!();
            }
            if o.max_props.is_some_and(|max| distinct > max) {
                run.fail("maxProperties", node, c, None, Vec::new);
                bail!();
            }
        }
        for (name, needs) in &o.dependent_required {
            if members.iter().any(|(_, k)| k == name) {
                for need in needs {
                    if !members.iter().any(|(_, k)| k == need) {
                        run.fail("required", node, c, Some(need), || vec![need.clone()]);
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

    pub(super) fn array<'t>(&self, node: u32, c: u32, a: &ArrayCheck, tape: &'t Tape<'t>, at: usize, run: &mut Run<'t>) -> bool {
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
            run.fail("minItems", node, c, None, Vec::new);
            bail!();
        }
        if a.max_items.is_some_and(|m| len > m) {
            run.fail("maxItems", node, c, None, Vec::new);
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
                run.fail("uniqueItems", node, c, None, Vec::new);
                bail!();
            }
        }
        if let Some((child, min, max)) = a.contains {
            let count = starts.iter().filter(|s| self.passes(child, tape, **s)).count() as u32;
            if count < min || max.is_some_and(|m| count > m) {
                run.fail("contains", node, c, None, Vec::new);
                bail!();
            }
        }
        ok
    }
}
