//! The languages refdesk speaks: for each, a pack of the fixed texts the bot says itself and
//! the words of small talk and of asking for a person (`packs/<code>.toml`, compiled in), and
//! telling which language a patron writes in (`identify`).

pub mod identify;
pub mod normalise;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

pub use identify::{Identification, Identifier};
pub use normalise::fold_for_search;

/// The languages with a pack, the default language's first.
pub const SUPPORTED: [&str; 6] = ["en", "ru", "az", "tr", "be", "es"];

const SOURCES: [(&str, &str); 6] = [
    ("en", include_str!("packs/en.toml")),
    ("ru", include_str!("packs/ru.toml")),
    ("az", include_str!("packs/az.toml")),
    ("tr", include_str!("packs/tr.toml")),
    ("be", include_str!("packs/be.toml")),
    ("es", include_str!("packs/es.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub code: String,
    /// The language's name in English ("Azerbaijani").
    pub name: String,
    /// The language's name in itself ("Azərbaycanca").
    pub native_name: String,
    /// Languages whose FAQ answers suit this language's patrons better than the default
    /// language's when an entry has no translation (Belarusian: Russian).
    #[serde(default)]
    pub fallback: Vec<String>,
    pub replies: Replies,
    /// A connector's name for what arrived ("sticker") -> this language's word for it.
    pub media: HashMap<String, String>,
    pub talk: Talk,
    pub handoff: Handoff,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replies {
    pub greeting: String,
    pub thanks: String,
    pub goodbye: String,
    pub how_are_you: String,
    pub acknowledgement: String,
    pub escalated: String,
    pub handoff: String,
    /// The answer to `/start`; `{library}` is the library's name.
    pub welcome: String,
    pub help: String,
    /// `{what}`: the media's name in this language.
    pub unsupported: String,
    pub unsupported_with_librarian: String,
    pub catalogue_miss: String,
    /// The line before an answer given in another language; `{language}`: its name.
    pub untranslated: String,
    /// Said in the default language to a message in a language refdesk does not speak.
    pub unsupported_language: String,
    /// To a patron writing faster than the limits allow: what they sent was not taken.
    pub slow_down: String,
    /// A librarian took the chat; `{name}`: the name they show patrons.
    pub librarian_joined: String,
    /// The same, for a librarian who shows no name.
    pub librarian_joined_unnamed: String,
    /// The librarian ended the chat; asks for a rating from 1 to 5.
    pub chat_ended: String,
    pub rating_thanks: String,
    /// To a patron asking for a person again while their question waits in the queue.
    pub still_waiting: String,
    /// Added to the escalation notice out of hours; `{when}`: one of the three below.
    pub out_of_hours: String,
    /// `{time}`: "09:00".
    pub when_today: String,
    pub when_tomorrow: String,
    /// `{weekday}`: one of `weekdays`, each as said after the preposition ("on Monday").
    pub when_day: String,
    /// Monday first.
    pub weekdays: Vec<String>,
}

/// Words of small talk: a message made only of these (and at least one greeting, thanks,
/// goodbye or acknowledgement) is small talk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Talk {
    pub greetings: Vec<String>,
    pub thanks: Vec<String>,
    pub goodbyes: Vec<String>,
    pub acknowledgements: Vec<String>,
    pub filler: Vec<String>,
    pub how_are_you: Vec<String>,
    pub goodbye_phrases: Vec<String>,
    pub greeting_phrases: Vec<String>,
}

/// Words of asking for a person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handoff {
    /// Phrases that ask for a person on their own ("real person").
    pub phrases: Vec<String>,
    /// A verb of talking followed by a word for a person ("speak ... librarian").
    pub talk_verbs: Vec<String>,
    pub people: Vec<String>,
    /// A terse "operator", "librarian please": one of `alone` with only `alone_filler`.
    pub alone: Vec<String>,
    pub alone_filler: Vec<String>,
}

static PACKS: LazyLock<Vec<Pack>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(code, text)| {
            let pack: Pack = toml::from_str(text)
                .unwrap_or_else(|e| panic!("language pack {code} is not valid: {e}"));
            assert_eq!(pack.code, *code, "language pack {code} names another code");
            pack
        })
        .collect()
});

/// Every pack, in `SUPPORTED` order.
pub fn packs() -> &'static [Pack] {
    &PACKS
}

/// The primary subtag of a language tag, lowercased: "tr-TR" -> "tr", "pt_BR" -> "pt".
pub fn primary_subtag(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .trim()
        .to_ascii_lowercase()
}

/// The pack of a language code or tag, if refdesk speaks it.
pub fn pack_of(tag: &str) -> Option<&'static Pack> {
    let code = primary_subtag(tag);
    PACKS.iter().find(|p| p.code == code)
}

/// The pack of a language, else English's.
pub fn pack(tag: &str) -> &'static Pack {
    pack_of(tag).unwrap_or(&PACKS[0])
}

/// Whether refdesk speaks the language of a tag.
pub fn is_supported(tag: &str) -> bool {
    pack_of(tag).is_some()
}

/// At most this many languages in a list someone gives (a librarian's languages).
pub const MAX_LISTED_LANGUAGES: usize = 16;

/// A list of two-letter ISO 639-1 codes, lowercased, blanks and repeats dropped; the error
/// says what is wrong for the person who wrote it.
pub fn check_codes(codes: &[String]) -> Result<Vec<String>, String> {
    if codes.len() > MAX_LISTED_LANGUAGES {
        return Err(format!("at most {MAX_LISTED_LANGUAGES} languages"));
    }
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let code = c.trim().to_ascii_lowercase();
        if code.is_empty() {
            continue;
        }
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(format!(
                "languages are two-letter ISO 639-1 codes such as az or ru; `{}` is not one",
                code.chars().take(20).collect::<String>()
            ));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_loads_and_names_its_media() {
        let english = pack("en");
        for p in packs() {
            let mut kinds: Vec<&String> = p.media.keys().collect();
            let mut wanted: Vec<&String> = english.media.keys().collect();
            kinds.sort();
            wanted.sort();
            assert_eq!(kinds, wanted, "{}", p.code);
            assert!(p.replies.welcome.contains("{library}"), "{}", p.code);
            assert!(p.replies.unsupported.contains("{what}"), "{}", p.code);
            assert!(p.replies.untranslated.contains("{language}"), "{}", p.code);
            assert!(
                p.replies.unsupported_language.contains("{language}"),
                "{}",
                p.code
            );
            for f in &p.fallback {
                assert!(is_supported(f), "{} falls back to unknown {f}", p.code);
            }
        }
        assert_eq!(
            packs().iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
            SUPPORTED
        );
    }

    #[test]
    fn tags_find_their_pack() {
        assert_eq!(pack("tr-TR").code, "tr");
        assert_eq!(pack("AZ").code, "az");
        assert_eq!(pack("be_BY").code, "be");
        assert_eq!(pack("de").code, "en");
        assert!(!is_supported("de"));
    }
}
