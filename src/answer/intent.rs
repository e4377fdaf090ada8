//! Messages that are not questions: small talk (greetings, thanks, goodbyes) and requests
//! for a person. Rules, not search: these are a closed set of phrasings in each language, and
//! they must win over any FAQ match ("thanks, can I talk to a person?" is a handoff).

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::lang;
use crate::lang::normalise::lowercase as lower;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    HowAreYou,
    Acknowledgement,
}

/// Every language's words of small talk and of asking for a person, in one set each: a
/// patron mixes languages ("salam, thanks"), and the reply's language is decided apart.
struct Lexicon {
    filler: HashSet<String>,
    greetings: HashSet<String>,
    thanks: HashSet<String>,
    goodbyes: HashSet<String>,
    acks: HashSet<String>,
    how_are_you: Vec<String>,
    goodbye_phrases: Vec<String>,
    greeting_phrases: Vec<String>,
    handoff_phrases: Vec<String>,
    talk_verbs: Words,
    people: Words,
    alone: HashSet<String>,
    alone_filler: HashSet<String>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let packs = lang::packs();
    let set = |f: fn(&lang::Pack) -> &Vec<String>| -> HashSet<String> {
        packs
            .iter()
            .flat_map(|p| f(p).iter().map(|w| lower(w)))
            .collect()
    };
    let list = |f: fn(&lang::Pack) -> &Vec<String>| -> Vec<String> {
        packs
            .iter()
            .flat_map(|p| f(p).iter().map(|w| lower(w)))
            .collect()
    };
    Lexicon {
        filler: set(|p| &p.talk.filler),
        greetings: set(|p| &p.talk.greetings),
        thanks: set(|p| &p.talk.thanks),
        goodbyes: set(|p| &p.talk.goodbyes),
        acks: set(|p| &p.talk.acknowledgements),
        how_are_you: list(|p| &p.talk.how_are_you),
        goodbye_phrases: list(|p| &p.talk.goodbye_phrases),
        greeting_phrases: list(|p| &p.talk.greeting_phrases),
        handoff_phrases: list(|p| &p.handoff.phrases),
        talk_verbs: Words::new(list(|p| &p.handoff.talk_verbs)),
        people: Words::new(list(|p| &p.handoff.people)),
        alone: set(|p| &p.handoff.alone),
        alone_filler: set(|p| &p.handoff.alone_filler),
    }
});

/// Words, and stems written with a trailing hyphen ("kitabxanaçı-") that stand for every
/// word they start: Azerbaijani and Turkish add case endings to the person asked for.
struct Words {
    whole: HashSet<String>,
    stems: Vec<String>,
}

impl Words {
    fn new(list: Vec<String>) -> Self {
        let (stems, whole): (Vec<String>, Vec<String>) =
            list.into_iter().partition(|w| w.ends_with('-'));
        Self {
            whole: whole.into_iter().collect(),
            stems: stems
                .into_iter()
                .map(|s| s.trim_end_matches('-').to_string())
                .collect(),
        }
    }

    fn contains(&self, word: &str) -> bool {
        self.whole.contains(word) || self.stems.iter().any(|s| word.starts_with(s.as_str()))
    }
}

/// Lowercased words, punctuation and emoji dropped; apostrophes kept inside words.
fn words(text: &str) -> Vec<String> {
    lower(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The kind of small talk, if the whole message is small talk.
pub fn small_talk(text: &str) -> Option<SmallTalk> {
    let words = words(text);
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let lx = &*LEXICON;
    let has = |set: &HashSet<String>| words.iter().any(|w| set.contains(w));
    let joined = words.join(" ");
    let contains_any = |phrases: &[String]| phrases.iter().any(|p| joined.contains(p.as_str()));
    let phrase_words: HashSet<&str> = lx
        .how_are_you
        .iter()
        .chain(&lx.goodbye_phrases)
        .chain(&lx.greeting_phrases)
        .flat_map(|p| p.split_whitespace())
        .collect();
    let known = |w: &String| {
        [
            &lx.filler,
            &lx.greetings,
            &lx.thanks,
            &lx.goodbyes,
            &lx.acks,
        ]
        .iter()
        .any(|set| set.contains(w))
            || phrase_words.contains(w.as_str())
    };
    if !words.iter().all(known) {
        return None;
    }
    if has(&lx.thanks) {
        Some(SmallTalk::Thanks)
    } else if has(&lx.goodbyes) || contains_any(&lx.goodbye_phrases) {
        Some(SmallTalk::Goodbye)
    } else if contains_any(&lx.how_are_you) {
        Some(SmallTalk::HowAreYou)
    } else if has(&lx.greetings) || contains_any(&lx.greeting_phrases) {
        Some(SmallTalk::Greeting)
    } else if has(&lx.acks) {
        Some(SmallTalk::Acknowledgement)
    } else {
        None
    }
}

/// For a language, the share of the message's words that are its small-talk or
/// person-asking words: "hello there" is English whatever letters it shares with other
/// languages' FAQs. The message is split once.
pub fn talk_share(text: &str) -> impl Fn(&str) -> f32 {
    let words = words(text);
    move |lang| {
        let Some((_, talk)) = TALK_WORDS.iter().find(|(code, _)| code == lang) else {
            return 0.0;
        };
        if words.is_empty() {
            return 0.0;
        }
        words.iter().filter(|w| talk.contains(w)).count() as f32 / words.len() as f32
    }
}

/// Each language's small-talk and person-asking words, lowercased once.
static TALK_WORDS: LazyLock<Vec<(String, Words)>> = LazyLock::new(|| {
    lang::packs()
        .iter()
        .map(|p| {
            let (t, h) = (&p.talk, &p.handoff);
            let all = [
                &t.greetings,
                &t.thanks,
                &t.goodbyes,
                &t.acknowledgements,
                &t.filler,
                &h.people,
                &h.alone,
                &h.alone_filler,
                &h.talk_verbs,
            ]
            .into_iter()
            .flatten()
            .map(|w| lower(w))
            .collect();
            (p.code.clone(), Words::new(all))
        })
        .collect()
});

/// Whether the patron asks to be put through to a person.
pub fn asks_for_person(text: &str) -> bool {
    let lx = &*LEXICON;
    let lower = lower(text);
    if lower.contains("/human")
        || lx
            .handoff_phrases
            .iter()
            .any(|p| lower.contains(p.as_str()))
    {
        return true;
    }
    let words = words(&lower);
    let verb_at = words.iter().position(|w| lx.talk_verbs.contains(w));
    if let Some(v) = verb_at
        && words[v..].iter().any(|w| lx.people.contains(w))
    {
        return true;
    }
    // Verb-final languages put the person first: "kitabxanaçı ilə danışmaq istəyirəm".
    if let Some(v) = verb_at
        && v + 2 >= words.len()
        && words[..v].iter().any(|w| lx.people.contains(w))
        && words.len() <= 8
    {
        return true;
    }
    // A terse "human?", "operator", "librarian please", "is there a human there".
    words.len() <= 6
        && words.iter().any(|w| lx.alone.contains(w))
        && words
            .iter()
            .all(|w| lx.alone.contains(w) || lx.alone_filler.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_small_talk() {
        assert_eq!(small_talk("hello"), Some(SmallTalk::Greeting));
        assert_eq!(small_talk("Good morning!"), Some(SmallTalk::Greeting));
        assert_eq!(small_talk("thank you!"), Some(SmallTalk::Thanks));
        assert_eq!(small_talk("ok thanks bye 👋"), Some(SmallTalk::Thanks));
        assert_eq!(small_talk("bye, see you"), Some(SmallTalk::Goodbye));
        assert_eq!(small_talk("Спасибо большое"), Some(SmallTalk::Thanks));
        assert_eq!(small_talk("Здравствуйте!"), Some(SmallTalk::Greeting));
        assert_eq!(small_talk("hi, how are you?"), Some(SmallTalk::HowAreYou));
        assert_eq!(small_talk("ok"), Some(SmallTalk::Acknowledgement));
    }

    #[test]
    fn questions_with_a_greeting_are_not_small_talk() {
        assert_eq!(small_talk("hi, how do I renew my books?"), None);
        assert_eq!(small_talk("thanks, where is the printer"), None);
        assert_eq!(small_talk("what is the capital of mongolia"), None);
        assert_eq!(small_talk(""), None);
        assert_eq!(small_talk("🙂"), None);
    }

    #[test]
    fn recognises_requests_for_a_person() {
        for text in [
            "can I talk to a real person please",
            "let me speak to a librarian",
            "operator",
            "is there a human there?",
            "I want to speak with someone from staff",
            "connect me to an agent",
            "можно поговорить с живым человеком?",
            "позовите библиотекаря",
            "quiero hablar con una persona",
        ] {
            assert!(asks_for_person(text), "{text}");
        }
    }

    #[test]
    fn questions_about_staff_are_not_handoffs() {
        for text in [
            "how can I email a librarian",
            "Can I book an appointment with a subject librarian?",
            "i need help with my literature review, can i meet someone",
            "what is the library's phone number",
            "how many people fit in a study room",
        ] {
            assert!(!asks_for_person(text), "{text}");
        }
    }
}
