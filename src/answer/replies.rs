//! The fixed phrases the bot says itself, in the patron's language (see `crate::lang`):
//! English when refdesk does not speak it.

use super::intent::SmallTalk;
use crate::lang;

pub fn small_talk(kind: SmallTalk, lang: &str) -> &'static str {
    let r = &lang::pack(lang).replies;
    match kind {
        SmallTalk::Greeting => &r.greeting,
        SmallTalk::Thanks => &r.thanks,
        SmallTalk::Goodbye => &r.goodbye,
        SmallTalk::HowAreYou => &r.how_are_you,
        SmallTalk::Acknowledgement => &r.acknowledgement,
    }
}

pub fn escalated(lang: &str) -> &'static str {
    &lang::pack(lang).replies.escalated
}

pub fn handoff(lang: &str) -> &'static str {
    &lang::pack(lang).replies.handoff
}

/// The language of the fixed phrases for a platform's language tag ("pt-BR" -> "en", the
/// fallback, "tr-TR" -> "tr").
pub fn phrase_lang(tag: Option<&str>) -> &'static str {
    &lang::pack(tag.unwrap_or("en")).code
}

/// The answer to `/start`: who the bot is, what it does, and that a person is there too.
pub fn welcome(lang: &str, library: &str) -> String {
    lang::pack(lang)
        .replies
        .welcome
        .replace("{library}", library)
}

/// The answer to `/help`.
pub fn help(lang: &str) -> &'static str {
    &lang::pack(lang).replies.help
}

/// The reply to something the bot cannot read. `with_librarian`: a librarian is already on
/// the conversation and has been told what arrived.
pub fn unsupported(kind: &str, lang: &str, with_librarian: bool) -> String {
    let pack = lang::pack(lang);
    let what = pack.media.get(kind).map(String::as_str).unwrap_or(kind);
    let text = if with_librarian {
        &pack.replies.unsupported_with_librarian
    } else {
        &pack.replies.unsupported
    };
    text.replace("{what}", what)
}

/// To a patron over their message allowance: wait, then write again.
pub fn slow_down(lang: &str) -> &'static str {
    &lang::pack(lang).replies.slow_down
}

/// A catalogue question with no good match: a librarian will search.
pub fn catalogue_miss(lang: &str) -> &'static str {
    &lang::pack(lang).replies.catalogue_miss
}

/// The line, in the patron's language, before an answer in `answer_lang`.
pub fn untranslated(patron_lang: &str, answer_lang: &str) -> String {
    let name = lang::pack_of(answer_lang)
        .map(|p| p.native_name.as_str())
        .unwrap_or(answer_lang);
    lang::pack(patron_lang)
        .replies
        .untranslated
        .replace("{language}", name)
}

/// Said in the default language to a message in a language refdesk does not speak.
pub fn unsupported_language(default_lang: &str, language_name: &str) -> String {
    lang::pack(default_lang)
        .replies
        .unsupported_language
        .replace("{language}", language_name)
}

/// To the patron when a librarian takes their chat: with the name the librarian shows
/// patrons, if they chose one.
pub fn librarian_joined(lang: &str, name: Option<&str>) -> String {
    let r = &lang::pack(lang).replies;
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => r.librarian_joined.replace("{name}", name),
        None => r.librarian_joined_unnamed.clone(),
    }
}

/// To the patron when a librarian ends the chat, asking for a rating.
pub fn chat_ended(lang: &str) -> &'static str {
    &lang::pack(lang).replies.chat_ended
}

pub fn rating_thanks(lang: &str) -> &'static str {
    &lang::pack(lang).replies.rating_thanks
}

/// To a patron asking for a person again while their question waits for one.
pub fn still_waiting(lang: &str) -> &'static str {
    &lang::pack(lang).replies.still_waiting
}

/// The sentence added to the escalation notice when nobody is on duty: when the next
/// librarian comes, in the library's time.
pub fn out_of_hours(lang: &str, next: &crate::hours::NextOpening) -> String {
    let r = &lang::pack(lang).replies;
    let when = match next.days_ahead {
        0 => r.when_today.replace("{time}", &next.time),
        1 => r.when_tomorrow.replace("{time}", &next.time),
        _ => r
            .when_day
            .replace(
                "{weekday}",
                r.weekdays.get(next.weekday).map_or("", String::as_str),
            )
            .replace("{time}", &next.time),
    };
    r.out_of_hours.replace("{when}", &when)
}

/// A patron's message read as a rating from 1 to 5: a digit ("4", "4/5", "4!"), that many
/// stars, or a thumb up (5) or down (1). Anything else is not a rating.
pub fn parse_rating(text: &str) -> Option<u8> {
    let t = text.trim().trim_end_matches(['!', '.']);
    let t = t.strip_suffix("/5").unwrap_or(t).trim();
    if let Ok(n) = t.parse::<u8>() {
        return (1..=5).contains(&n).then_some(n);
    }
    match t {
        "👍" => return Some(5),
        "👎" => return Some(1),
        _ => {}
    }
    let stars = t.chars().filter(|c| matches!(c, '⭐' | '★')).count();
    let only_stars = t
        .chars()
        .all(|c| matches!(c, '⭐' | '★' | '\u{fe0f}' | ' '));
    (only_stars && (1..=5).contains(&stars)).then_some(stars as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_digits_stars_or_thumbs() {
        for (text, want) in [
            ("4", Some(4)),
            (" 5/5 ", Some(5)),
            ("1!", Some(1)),
            ("⭐⭐⭐", Some(3)),
            ("👍", Some(5)),
            ("👎", Some(1)),
            ("0", None),
            ("6", None),
            ("45", None),
            ("4 books", None),
            ("⭐⭐⭐⭐⭐⭐", None),
            ("", None),
        ] {
            assert_eq!(parse_rating(text), want, "{text:?}");
        }
    }

    #[test]
    fn out_of_hours_names_the_next_shift_in_the_patrons_language() {
        let next = |days_ahead, weekday| crate::hours::NextOpening {
            weekday,
            time: "09:00".into(),
            days_ahead,
        };
        assert!(out_of_hours("en", &next(0, 2)).contains("today at 09:00"));
        assert!(out_of_hours("ru", &next(1, 3)).contains("завтра в 09:00"));
        assert!(out_of_hours("tr", &next(3, 0)).contains("pazartesi saat 09:00"));
        assert!(out_of_hours("be", &next(2, 1)).contains("у аўторак а 09:00"));
        assert_eq!(
            librarian_joined("en", Some("Mara")),
            "Mara, a librarian, has joined the chat."
        );
        assert_eq!(
            librarian_joined("en", Some("  ")),
            "A librarian has joined the chat."
        );
    }
}
