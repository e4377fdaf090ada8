//! Folding for catalogue search: what a patron without an accent key types. Records and
//! questions go through the same folding, so "Muller" finds "Müller" and "Quran" finds
//! "Qurʼān" while the stored record keeps its marks for display.
//!
//! Latin, Greek and other scripts lose their combining marks (NFD, marks dropped); the few
//! letters that do not decompose (ł ø đ ß æ œ ı þ ð ħ) get their usual ASCII spelling;
//! modifier letters, primes and apostrophes used in romanisation (ʻ ʼ ʹ ʺ ′ ″ ' ’) vanish.
//! Cyrillic stays Cyrillic: only ё becomes е, as Russian readers type it; й keeps its breve.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded for matching (case is left to the analyzer).
pub fn fold(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && b != b'\'' && b != b'`')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // Whether the last letter kept was Cyrillic: its marks (the breve of й) stay.
    let mut after_cyrillic = false;
    // Whether anything decomposed was kept (й's breve, Hangul jamo): only then recompose.
    let mut compose = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            // ё is е with a diaeresis: drop that one mark, keep the others (й).
            if after_cyrillic && c != '\u{0308}' {
                out.push(c);
                compose = true;
            }
            continue;
        }
        after_cyrillic = is_cyrillic(c);
        compose |= matches!(c, '\u{1100}'..='\u{11FF}');
        match c {
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'đ' | 'ð' => out.push('d'),
            'Đ' | 'Ð' => out.push('D'),
            'ħ' => out.push('h'),
            'Ħ' => out.push('H'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'ẞ' => out.push_str("SS"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'þ' => out.push_str("th"),
            'Þ' => out.push_str("TH"),
            c if is_romanisation_mark(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(if compose { out.nfc().collect() } else { out })
}

/// Marks that romanisation puts inside words (ayn and alif, soft and hard signs, stress),
/// and apostrophes, which patrons type or leave out at will ("Qur'an", "Quran").
fn is_romanisation_mark(c: char) -> bool {
    matches!(
        c,
        '\u{02B0}'..='\u{02FF}' | '\'' | '`' | '’' | '‘' | '′' | '″'
    )
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}')
}

/// A comparison key for whole titles and names: folded, lowercased, anything but letters
/// and digits a single space. "The pragmatic programmer : from journeyman to master" and
/// "the Pragmatic Programmer - from journeyman to master" have the same key.
pub fn key(text: &str) -> String {
    folded_key(&fold(text))
}

/// `key` of a text already folded (folding is the costly part).
pub fn folded_key(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_marks_and_letters_that_do_not_decompose() {
        for (marked, plain) in [
            ("Müller, Jürgen", "Muller, Jurgen"),
            ("Gabriel García Márquez", "Gabriel Garcia Marquez"),
            ("Łódź", "Lodz"),
            ("Søren Kierkegaard", "Soren Kierkegaard"),
            ("Đorđević", "Dordevic"),
            ("Straße", "Strasse"),
            ("Ærø", "AEro"),
            ("Œuvres complètes", "OEuvres completes"),
            ("Işık", "Isik"),
            ("Þór", "THor"),
            ("Prokudin-Gorskiĭ, Sergeĭ", "Prokudin-Gorskii, Sergei"),
        ] {
            assert_eq!(fold(marked), plain, "{marked}");
        }
    }

    #[test]
    fn romanisation_marks_go() {
        // ALA-LC Arabic and Hebrew: dots below, macrons, ayn (ʻ) and alif (ʼ).
        assert_eq!(fold("Qurʼān"), "Quran");
        assert_eq!(
            fold("Ṭabarī, Muḥammad ibn Jarīr"),
            "Tabari, Muhammad ibn Jarir"
        );
        assert_eq!(fold("ʻAbd al-Raḥmān"), "Abd al-Rahman");
        assert_eq!(fold("Sefer ha-ʻIḳarim"), "Sefer ha-Ikarim");
        // Soft sign as a prime in romanised Russian, and typed apostrophes.
        assert_eq!(fold("Gogolʹ"), "Gogol");
        assert_eq!(fold("Ilʹin′"), "Ilin");
        assert_eq!(fold("Qur'an"), "Quran");
        // Decomposed input folds the same as composed input.
        assert_eq!(fold("Mu\u{0308}ller"), "Muller");
    }

    #[test]
    fn cyrillic_stays_cyrillic() {
        assert_eq!(fold("Мастер и Маргарита"), "Мастер и Маргарита");
        assert_eq!(fold("Толстой"), "Толстой");
        assert_eq!(fold("Ёжик в тумане"), "Ежик в тумане");
        assert_eq!(fold("ёлка"), "елка");
        // Decomposed й is recomposed, not stripped.
        assert_eq!(fold("и\u{0306}"), "й");
        // Other scripts without marks come back composed.
        assert_eq!(fold("한국어"), "한국어");
    }

    #[test]
    fn ascii_is_left_alone() {
        assert!(matches!(fold("Dune"), Cow::Borrowed("Dune")));
    }

    #[test]
    fn keys_ignore_case_punctuation_and_marks() {
        assert_eq!(
            key("The pragmatic programmer : from journeyman to master"),
            key("the Pragmatic Programmer - from journeyman to master")
        );
        assert_eq!(key("  Çà et là!  "), "ca et la");
        assert_eq!(key("“Quiet study”"), "quiet study");
        assert_eq!(key("..."), "");
    }
}
