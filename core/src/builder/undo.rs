//! The builder's undo: every edit keeps the document before it, so no
//! button (删除, 新建空白模板, an upload) destroys work without a way back.

/// Past and undone states of a document (as text), newest last.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Undo {
    past: Vec<String>,
    future: Vec<String>,
}

/// How many steps are kept.
pub const DEPTH: usize = 50;

impl Undo {
    /// Records `before`, the state an edit is about to replace. A new edit
    /// forgets what was undone.
    pub fn record(&mut self, before: &str) {
        if self.past.last().map(String::as_str) != Some(before) {
            self.past.push(before.to_owned());
            if self.past.len() > DEPTH {
                self.past.remove(0);
            }
        }
        self.future.clear();
    }

    /// The state before the last edit, keeping `current` to redo.
    pub fn undo(&mut self, current: &str) -> Option<String> {
        let previous = self.past.pop()?;
        self.future.push(current.to_owned());
        Some(previous)
    }

    /// The state the last undo left, keeping `current` to undo again.
    pub fn redo(&mut self, current: &str) -> Option<String> {
        let next = self.future.pop()?;
        self.past.push(current.to_owned());
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_and_redo_walk_the_edits() {
        let mut u = Undo::default();
        assert_eq!(u.undo("a"), None);
        u.record("a");
        u.record("b");
        assert_eq!(u.undo("c").as_deref(), Some("b"));
        assert_eq!(u.undo("b").as_deref(), Some("a"));
        assert!(!u.can_undo());
        assert_eq!(u.redo("a").as_deref(), Some("b"));
        u.record("b");
        assert!(!u.can_redo(), "a new edit forgets the undone ones");
        for i in 0..(DEPTH + 10) {
            u.record(&i.to_string());
        }
        let mut steps = 0;
        let mut current = "x".to_owned();
        while let Some(previous) = u.undo(&current) {
            current = previous;
            steps += 1;
        }
        assert_eq!(steps, DEPTH);
    }
}
