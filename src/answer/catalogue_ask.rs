//! Questions for the catalogue ("do you have ...", "books by ...", "anything on ...", an
//! ISBN). The replies listing what it holds are in `catalogue_reply`.

use crate::catalogue::isbn;

/// What a question asks of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogueAsk {
    /// An ISBN, as ISBN-13.
    Isbn(String),
    /// Unmistakably a catalogue question ("books by Tolkien"): `what` is what to look for.
    Strong(String),
    /// Could be a catalogue question or a FAQ one ("do you have ...": a book, or wifi?).
    Weak(String),
}

/// Phrases that ask for works by someone or on something; what follows is the search.
const STRONG_CUES: [&str; 30] = [
    "books by ",
    "book by ",
    "anything by ",
    "works by ",
    "novels by ",
    "written by ",
    "books on ",
    "books about ",
    "book on ",
    "book about ",
    "anything on ",
    "anything about ",
    "something on ",
    "something about ",
    "literature on ",
    "do you have the book ",
    "do you have a copy of ",
    "is there a copy of ",
    "any copies of ",
    "search the catalogue for ",
    "книги автора ",
    "книги писателя ",
    "книги о ",
    "книги об ",
    "книги про ",
    "что-нибудь о ",
    "литература по ",
    "libros sobre ",
    "algo sobre ",
    "libros de ",
];

/// Phrases that may ask for an item, or for a service.
const WEAK_CUES: [&str; 11] = [
    "do you have ",
    "have you got ",
    "do you own ",
    "does the library have ",
    "do you stock ",
    "есть ли у вас ",
    "у вас есть ",
    "есть ли в библиотеке ",
    "tienen ",
    "tienes ",
    "hay ",
];

/// Trailing words that belong to the question, not the title.
const TAILS: [&str; 8] = [
    " available",
    " in stock",
    " in the library",
    " at the library",
    " in the catalogue",
    " on the shelf",
    " in",
    " right now",
];

pub fn classify(text: &str) -> Option<CatalogueAsk> {
    if let Some(isbn) = isbn::find_in(text) {
        return Some(CatalogueAsk::Isbn(isbn));
    }
    let lower = normalise(text);
    for cue in STRONG_CUES {
        if let Some(at) = find_cue(&lower, cue) {
            return non_empty(&lower[at + cue.len()..]).map(CatalogueAsk::Strong);
        }
    }
    // "is Dune available?", "is Dune by Frank Herbert in?"
    if let Some(rest) = lower.strip_prefix("is ")
        && let Some(end) = [
            " available",
            " in stock",
            " on the shelf",
            " in the library",
        ]
        .iter()
        .find_map(|t| rest.find(t))
    {
        return non_empty(&rest[..end]).map(CatalogueAsk::Weak);
    }
    for cue in WEAK_CUES {
        if let Some(at) = find_cue(&lower, cue) {
            return non_empty(&lower[at + cue.len()..]).map(CatalogueAsk::Weak);
        }
    }
    None
}

/// Lowercase, question marks and quotes gone, spaces single.
fn normalise(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '?' | '¿' | '!' | '¡' | '"' | '«' | '»' | '“' | '”' => ' ',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `cue` starts in `text`, at a word boundary.
fn find_cue(text: &str, cue: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(cue) {
        let at = from + i;
        if at == 0 || text[..at].ends_with(' ') {
            return Some(at);
        }
        from = at + cue.len();
    }
    None
}

fn non_empty(rest: &str) -> Option<String> {
    let mut rest = rest.trim().trim_end_matches(['.', ',']).to_string();
    loop {
        let before = rest.len();
        for tail in TAILS {
            if let Some(cut) = rest.strip_suffix(tail) {
                rest = cut.trim_end().to_string();
            }
        }
        if rest.len() == before {
            break;
        }
    }
    (!rest.trim().is_empty()).then(|| rest.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_and_what_to_look_for() {
        use CatalogueAsk::*;
        assert_eq!(
            classify("Do you have any books by Ursula Le Guin?"),
            Some(Strong("ursula le guin".into()))
        );
        assert_eq!(
            classify("anything on climate policy"),
            Some(Strong("climate policy".into()))
        );
        assert_eq!(classify("Is Dune available?"), Some(Weak("dune".into())));
        assert_eq!(
            classify("do you have Pride and Prejudice in the library?"),
            Some(Weak("pride and prejudice".into()))
        );
        assert_eq!(
            classify("ISBN 0-441-01359-7 please"),
            Some(Isbn("9780441013593".into()))
        );
        assert_eq!(
            classify("Есть ли у вас «Мастер и Маргарита»?"),
            Some(Weak("мастер и маргарита".into()))
        );
        assert_eq!(classify("how do I renew a book"), None);
        assert_eq!(classify("what are your opening hours"), None);
        assert_eq!(classify("do you have"), None);
    }
}
