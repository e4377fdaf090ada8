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
