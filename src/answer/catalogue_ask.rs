//! Questions for the catalogue ("do you have ...", "books by ...", "anything on ...", an
//! ISBN) and the replies listing what it holds.

use crate::catalogue::isbn;
use crate::catalogue::record::{Availability, CatalogueRecord};

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

/// The reply listing `records` (best first), in `lang`.
pub fn reply(records: &[CatalogueRecord], lang: &str) -> String {
    let header = match lang {
        "ru" => "Вот что я нашёл в каталоге:",
        "es" => "Esto es lo que encontré en el catálogo:",
        _ => "Here is what I found in the catalogue:",
    };
    let footer = match lang {
        "ru" => "Если это не то, что нужно, напишите /human, и библиотекарь поможет с поиском.",
        "es" => "Si no es lo que buscas, escribe /human y un bibliotecario te ayudará a buscar.",
        _ => "If this isn't what you need, ask for a librarian and they'll help you search.",
    };
    let mut out = String::from(header);
    out.push_str("\n\n");
    for r in records {
        out.push_str("- ");
        out.push_str(&line(r, lang));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(footer);
    out
}

/// "**Dune**, Herbert, Frank (1965). Call number PS3558.E63 D8. Available: Main library."
fn line(r: &CatalogueRecord, lang: &str) -> String {
    let mut s = format!("**{}**", r.title);
    if let Some(author) = r.authors.first() {
        s.push_str(&format!(", {author}"));
    }
    if let Some(year) = r.year {
        s.push_str(&format!(" ({year})"));
    }
    s.push('.');
    let call = r
        .call_number
        .clone()
        .or_else(|| r.holdings.iter().find_map(|h| h.call_number.clone()));
    if let Some(call) = call {
        let label = match lang {
            "ru" => "Шифр",
            "es" => "Signatura",
            _ => "Call number",
        };
        s.push_str(&format!(" {label} {call}."));
    }
    if let Some(status) = availability(r, lang) {
        s.push(' ');
        s.push_str(&status);
    }
    s
}

/// The best news among the record's items: one available beats one on loan.
fn availability(r: &CatalogueRecord, lang: &str) -> Option<String> {
    let available = r
        .holdings
        .iter()
        .find(|h| h.status == Availability::Available);
    if let Some(h) = available {
        let word = match lang {
            "ru" => "Есть в наличии",
            "es" => "Disponible",
            _ => "Available",
        };
        return Some(match &h.location {
            Some(loc) => format!("{word}: {loc}."),
            None => format!("{word}."),
        });
    }
    let on_loan = r.holdings.iter().find_map(|h| match &h.status {
        Availability::OnLoan { due } => Some(due.clone()),
        _ => None,
    });
    if let Some(due) = on_loan {
        return Some(match (lang, due) {
            ("ru", Some(d)) => format!("Выдана, вернуть до {d}."),
            ("ru", None) => "Выдана.".into(),
            ("es", Some(d)) => format!("Prestado hasta {d}."),
            ("es", None) => "Prestado.".into(),
            (_, Some(d)) => format!("On loan, due back {d}."),
            (_, None) => "On loan.".into(),
        });
    }
    if r.holdings
        .iter()
        .any(|h| h.status == Availability::NotForLoan)
    {
        return Some(
            match lang {
                "ru" => "Только для чтения в библиотеке.",
                "es" => "Solo consulta en sala.",
                _ => "For use in the library only.",
            }
            .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::record::Holding;

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

    #[test]
    fn replies_say_where_and_whether() {
        let r = CatalogueRecord {
            id: "1".into(),
            title: "Dune".into(),
            authors: vec!["Herbert, Frank".into()],
            year: Some(1965),
            call_number: Some("PS3558.E63 D8".into()),
            holdings: vec![Holding {
                location: Some("Main library".into()),
                call_number: None,
                status: Availability::Available,
            }],
            ..Default::default()
        };
        let text = reply(&[r], "en");
        assert!(text.contains("- **Dune**, Herbert, Frank (1965). Call number PS3558.E63 D8. Available: Main library."), "{text}");
    }
}
