//! The UI's two languages: Simplified Chinese (the default) and English.

use ybt_core::messages::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn pick<'a>(self, text: &'a Text) -> &'a str {
        match self {
            Lang::Zh => &text.zh,
            Lang::En => &text.en,
        }
    }
}

/// A fixed string of the UI in the reader's language. Every string sits
/// beside its markup as a `zh`/`en` pair (see ARCHITECTURE.md: one scheme,
/// no catalog of keys).
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
