//! Patterns as automata: the compiler (core, where `regex-syntax` reads the
//! regex) writes each `pattern` / `patternProperties` regex as a Thompson NFA
//! — character classes, splits, jumps, assertions, a match — and the engine
//! runs it here as a Pike VM over the text's characters: one set of live
//! states per position, each state visited at most once per position, so a
//! match costs at most (text length × states) steps whatever the pattern
//! (no backtracking). No regex parser and no Unicode tables reach the
//! browser: what a village phone runs is this file and the program's data.
//!
//! The search is unanchored, as `regex_lite::Regex::is_match` (and JSON
//! Schema's `pattern`): a new thread starts at every position unless the
//! automaton begins with `^`.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

/// Most instructions one automaton may have (the compiler refuses a larger
/// pattern; [`Automaton::check`] refuses a larger program).
pub const MAX_STATES: usize = 4096;

/// One compiled regex.
///
/// Sent as two arrays of integers (`{"c":[…],"i":[…]}`, [`Packed`]): no
/// per-instruction objects in the program's JSON, and no deserializer per
/// instruction kind in the village bundle.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Packed", into = "Packed")]
pub struct Automaton {
    /// Character classes: sorted, disjoint, inclusive ranges of Unicode
    /// scalar values. Instructions refer to them by number (`[0-9]` is
    /// written once however often it is repeated).
    pub classes: Vec<Vec<(u32, u32)>>,
    /// The program: it starts at 0; reaching [`Inst::Match`] is a match.
    pub insts: Vec<Inst>,
}

/// An automaton as sent. `c`: each class as its number of ranges followed
/// by the ranges' ends (`[1,48,57]` is `[0-9]`). `i`: each instruction as
/// one word, its operand times 8 plus its kind (0 class, 1 split, 2 jump,
/// 3 assertion, 4 match); a split's second target follows it as a word of
/// its own. Targets are instruction numbers.
#[derive(Serialize, Deserialize)]
struct Packed {
    c: Vec<u32>,
    i: Vec<u32>,
}

impl From<Automaton> for Packed {
    fn from(a: Automaton) -> Packed {
        let mut c = Vec::new();
        for ranges in &a.classes {
            c.push(ranges.len() as u32);
            for &(lo, hi) in ranges {
                c.extend([lo, hi]);
            }
        }
        let mut i = Vec::with_capacity(a.insts.len());
        for inst in &a.insts {
            match *inst {
                Inst::Class(k) => i.push(k << 3),
                Inst::Split(x, y) => i.extend([x << 3 | 1, y]),
                Inst::Jump(x) => i.push(x << 3 | 2),
                Inst::Look(l) => i.push((l as u32) << 3 | 3),
                Inst::Match => i.push(4),
            }
        }
        Packed { c, i }
    }
}

impl TryFrom<Packed> for Automaton {
    type Error = String;

    fn try_from(p: Packed) -> Result<Automaton, String> {
        let bad = || "a malformed automaton".to_owned();
        let mut classes = Vec::new();
        let mut words = p.c.iter().copied();
        while let Some(n) = words.next() {
            let ranges = (0..n).map(|_| Some((words.next()?, words.next()?))).collect::<Option<Vec<_>>>().ok_or_else(bad)?;
            classes.push(ranges);
        }
        let mut insts = Vec::new();
        let mut words = p.i.iter().copied();
        while let Some(w) = words.next() {
            insts.push(match w & 7 {
                0 => Inst::Class(w >> 3),
                1 => Inst::Split(w >> 3, words.next().ok_or_else(bad)?),
                2 => Inst::Jump(w >> 3),
                3 => Inst::Look(*Look::ALL.get((w >> 3) as usize).ok_or_else(bad)?),
                4 => Inst::Match,
                _ => return Err(bad()),
            });
            if insts.len() > MAX_STATES {
                return Err(bad());
            }
        }
        Ok(Automaton { classes, insts })
    }
}

/// One NFA instruction. `Class` and `Look` go on at the next instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inst {
    /// Takes one character of the class with this number.
    Class(u32),
    /// Goes on at both instructions.
    Split(u32, u32),
    Jump(u32),
    /// Goes on only where the assertion holds (takes no character).
    Look(Look),
    Match,
}

/// Zero-width assertions, as `regex_lite` reads them: words are ASCII
/// (`[0-9A-Za-z_]`), lines end at `\n` (and `\r` in CRLF mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Look {
    /// `^` (`\A`): the start of the text.
    Start,
    /// `$` (`\z`): the end of the text.
    End,
    /// `(?m)^`, `(?m)$`.
    StartLf,
    EndLf,
    /// `(?mR)^`, `(?mR)$`.
    StartCrlf,
    EndCrlf,
    /// `\b`, `\B`, `\<` / `\b{start}`, `\>` / `\b{end}`, `\b{start-half}`, `\b{end-half}`.
    Word,
    NotWord,
    WordStart,
    WordEnd,
    WordStartHalf,
    WordEndHalf,
}

impl Look {
    /// In the order of their numbers (`as u32`).
    const ALL: [Look; 12] = [
        Look::Start,
        Look::End,
        Look::StartLf,
        Look::EndLf,
        Look::StartCrlf,
        Look::EndCrlf,
        Look::Word,
        Look::NotWord,
        Look::WordStart,
        Look::WordEnd,
        Look::WordStartHalf,
        Look::WordEndHalf,
    ];

    /// Whether the assertion holds at byte `at` of `text`.
    fn holds(self, text: &[u8], at: usize) -> bool {
        let before = at.checked_sub(1).map(|i| text[i]);
        let after = text.get(at).copied();
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        match self {
            Look::Start => at == 0,
            Look::End => at == text.len(),
            Look::StartLf => before.is_none_or(|b| b == b'\n'),
            Look::EndLf => after.is_none_or(|b| b == b'\n'),
            Look::StartCrlf => match before {
                None | Some(b'\n') => true,
                Some(b'\r') => after != Some(b'\n'),
                _ => false,
            },
            Look::EndCrlf => match after {
                None | Some(b'\r') => true,
                Some(b'\n') => before != Some(b'\r'),
                _ => false,
            },
            Look::Word => word(before) != word(after),
            Look::NotWord => word(before) == word(after),
            Look::WordStart => !word(before) && word(after),
            Look::WordEnd => word(before) && !word(after),
            Look::WordStartHalf => !word(before),
            Look::WordEndHalf => !word(after),
        }
    }
}

/// The Pike VM's working memory, reused from row to row.
#[derive(Default)]
struct Scratch {
    /// States waiting for the next character (`Class` instructions).
    cur: Vec<u32>,
    next: Vec<u32>,
    /// Per state, the generation that last visited it.
    seen: Vec<u32>,
    generation: u32,
    stack: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Automaton {
    /// Whether the automaton is well formed: every class and target in
    /// range, classes sorted and disjoint, at most [`MAX_STATES`] states.
    pub fn check(&self) -> Result<(), String> {
        let n = self.insts.len();
        if n == 0 || n > MAX_STATES {
            return Err(format!("an automaton of {n} states (1 to {MAX_STATES})"));
        }
        let classes_ok = self
            .classes
            .iter()
            .all(|ranges| ranges.iter().all(|&(lo, hi)| lo <= hi && hi <= 0x10_FFFF) && ranges.windows(2).all(|w| w[0].1 < w[1].0));
        let insts_ok = self.insts.iter().all(|inst| match *inst {
            Inst::Class(c) => (c as usize) < self.classes.len(),
            Inst::Split(a, b) => (a as usize) < n && (b as usize) < n,
            Inst::Jump(a) => (a as usize) < n,
            Inst::Look(_) | Inst::Match => true,
        });
        // `Class` and `Look` go on at the next instruction: the last one must not be either.
        let ends_ok = !matches!(self.insts[n - 1], Inst::Class(_) | Inst::Look(_));
        if classes_ok && insts_ok && ends_ok { Ok(()) } else { Err("a malformed automaton".into()) }
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => self.run(text, &mut scratch),
            Err(_) => self.run(text, &mut Scratch::default()),
        })
    }

    fn run(&self, text: &str, s: &mut Scratch) -> bool {
        let bytes = text.as_bytes();
        let anchored = matches!(self.insts.first(), Some(Inst::Look(Look::Start)));
        if s.seen.len() < self.insts.len() {
            s.seen.resize(self.insts.len(), 0);
        }
        s.cur.clear();
        if self.add(0, bytes, 0, s, false) {
            return true;
        }
        let mut at = 0;
        for c in text.chars() {
            if s.cur.is_empty() && anchored {
                return false;
            }
            let next_at = at + c.len_utf8();
            s.next.clear();
            self.next_generation(s);
            let c = c as u32;
            let mut i = 0;
            while i < s.cur.len() {
                let pc = s.cur[i];
                i += 1;
                if let Inst::Class(k) = self.insts[pc as usize]
                    && contains(&self.classes[k as usize], c)
                    && self.add(pc + 1, bytes, next_at, s, true)
                {
                    return true;
                }
            }
            if !anchored && self.add(0, bytes, next_at, s, true) {
                return true;
            }
            std::mem::swap(&mut s.cur, &mut s.next);
            at = next_at;
        }
        false
    }

    fn next_generation(&self, s: &mut Scratch) {
        s.generation = s.generation.wrapping_add(1);
        if s.generation == 0 {
            s.seen.iter_mut().for_each(|g| *g = 0);
            s.generation = 1;
        }
    }

    /// Follows the epsilon edges from `pc` at byte `at`, adding the
    /// character-taking states reached to `cur` (or `next`); true when a
    /// match is reached.
    fn add(&self, pc: u32, text: &[u8], at: usize, s: &mut Scratch, into_next: bool) -> bool {
        if !into_next {
            self.next_generation(s);
        }
        s.stack.clear();
        s.stack.push(pc);
        while let Some(pc) = s.stack.pop() {
            let seen = &mut s.seen[pc as usize];
            if *seen == s.generation {
                continue;
            }
            *seen = s.generation;
            match self.insts[pc as usize] {
                Inst::Class(_) => {
                    if into_next {
                        s.next.push(pc)
                    } else {
                        s.cur.push(pc)
                    }
                }
                Inst::Split(a, b) => {
                    s.stack.push(b);
                    s.stack.push(a);
                }
                Inst::Jump(a) => s.stack.push(a),
                Inst::Look(look) => {
                    if look.holds(text, at) {
                        s.stack.push(pc + 1);
                    }
                }
                Inst::Match => return true,
            }
        }
        false
    }
}

#[inline]
fn contains(ranges: &[(u32, u32)], c: u32) -> bool {
    if ranges.len() <= 4 {
        return ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
    }
    let i = ranges.partition_point(|&(_, hi)| hi < c);
    ranges.get(i).is_some_and(|&(lo, _)| lo <= c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Automaton, String> {
        let a: Automaton = serde_json::from_str(json).map_err(|e| e.to_string())?;
        a.check().map(|()| a)
    }

    #[test]
    fn packed_automata_round_trip_and_run() {
        // `^[a-z]+$`: start, class, split back, end, match.
        let a = parse(r#"{"c":[1,97,122],"i":[3,0,9,3,11,4]}"#).expect("well formed");
        assert_eq!(a.insts, [Inst::Look(Look::Start), Inst::Class(0), Inst::Split(1, 3), Inst::Look(Look::End), Inst::Match]);
        assert_eq!(serde_json::to_string(&a).expect("json"), r#"{"c":[1,97,122],"i":[3,0,9,3,11,4]}"#);
        assert!(a.is_match("abc") && !a.is_match("") && !a.is_match("ab1") && !a.is_match("Ab"));
        // Every assertion survives the round trip.
        let looks = Automaton { classes: vec![], insts: Look::ALL.iter().map(|&l| Inst::Look(l)).chain([Inst::Match]).collect() };
        let back: Automaton = serde_json::from_str(&serde_json::to_string(&looks).expect("json")).expect("parses");
        assert_eq!(back, looks);
    }

    #[test]
    fn malformed_automata_are_refused() {
        for json in [
            r#"{"c":[1,97],"i":[0,4]}"#,        // a class cut short
            r#"{"c":[1,97,122],"i":[8,4]}"#,    // class 1 of 1
            r#"{"c":[],"i":[81,0,4]}"#,         // split to 10 of 3
            r#"{"c":[],"i":[1]}"#,              // split without its second target
            r#"{"c":[],"i":[5]}"#,              // kind 5
            r#"{"c":[],"i":[99]}"#,             // assertion 12
            r#"{"c":[],"i":[]}"#,               // no states
            r#"{"c":[1,122,97],"i":[0,4]}"#,    // a range upside down
            r#"{"c":[2,0,9,5,20],"i":[0,4]}"#,  // ranges overlapping
            r#"{"c":[1,97,122],"i":[4,0]}"#,    // the last state takes a character
            r#"{"c":[1,0,1114112],"i":[0,4]}"#, // past the last scalar value
        ] {
            assert!(parse(json).is_err(), "{json}");
        }
    }

    #[test]
    fn the_vm_is_linear_on_patterns_that_backtrack() {
        // `(a*)*b` as a Thompson NFA: a backtracking engine takes 2^n steps on a^n.
        let a = parse(r#"{"c":[1,97,97,1,98,98],"i":[9,5,17,4,0,10,2,8,4]}"#).expect("well formed");
        assert!(!a.is_match(&"a".repeat(100_000)));
        assert!(a.is_match(&format!("{}b", "a".repeat(100_000))));
    }
}
