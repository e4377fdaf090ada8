//! How a language's words are written down for search. Patrons on phones often type without
//! their language's own letters ("kitabi nece uzadim" for "kitabı necə uzadım", "е" for "ё",
//! a Russian "и" for the Belarusian "і"), so both the FAQ and the question are folded to the
//! letters every keyboard has before they are compared.

/// A language's folding, chosen once per analyser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folding {
    /// Azerbaijani and Turkish: ə, ı, ş, ç, ğ, ö, ü (and Turkish â, î, û) to a, e, i ...
    Turkic,
    /// ё -> е.
    Russian,
    /// і -> и, ў -> у, and the apostrophe inside a word ("сям'я") dropped.
    Belarusian,
    None,
}

impl Folding {
    pub fn of(lang: &str) -> Self {
        match lang {
            "az" | "tr" => Folding::Turkic,
            "ru" | "uk" => Folding::Russian,
            "be" => Folding::Belarusian,
            _ => Folding::None,
        }
    }

    /// The letter a lowercased letter is compared as.
    pub fn fold(self, c: char) -> char {
        match (self, c) {
            (Folding::Turkic, 'ə') => 'e',
            (Folding::Turkic, 'ı') => 'i',
            (Folding::Turkic, 'ş') => 's',
            (Folding::Turkic, 'ç') => 'c',
            (Folding::Turkic, 'ğ') => 'g',
            (Folding::Turkic, 'ö') => 'o',
            (Folding::Turkic, 'ü') => 'u',
            (Folding::Turkic, 'â') => 'a',
            (Folding::Turkic, 'î') => 'i',
            (Folding::Turkic, 'û') => 'u',
            (Folding::Russian | Folding::Belarusian, 'ё') => 'е',
            (Folding::Belarusian, 'і') => 'и',
            (Folding::Belarusian, 'ў') => 'у',
            _ => c,
        }
    }

    /// Whether an apostrophe between letters belongs to the word.
    pub fn keeps_apostrophes(self) -> bool {
        self == Folding::Belarusian
    }
}

/// Lowercased, without the dot Rust's lowercasing of the Turkish "İ" leaves (U+0307).
pub fn lowercase(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|&c| c != '\u{307}')
        .collect()
}

/// A text folded as `lang` folds it (see `lowercase`).
pub fn fold_for_search(lang: &str, text: &str) -> String {
    let folding = Folding::of(lang);
    lowercase(text).chars().map(|c| folding.fold(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_fold_to_what_every_keyboard_has() {
        assert_eq!(
            fold_for_search("az", "Kitabı necə UZADIM"),
            "kitabi nece uzadim"
        );
        assert_eq!(fold_for_search("tr", "İade süresi ÇOK"), "iade suresi cok");
        assert_eq!(fold_for_search("ru", "Ещё"), "еще");
        assert_eq!(fold_for_search("be", "Бібліятэка ўсё"), "библиятэка усе");
        assert_eq!(fold_for_search("en", "Café"), "café");
    }
}
