//! Messages that are not questions: small talk (greetings, thanks, goodbyes) and requests
//! for a person. Rules, not search: these are a closed set of phrasings in each language, and
//! they must win over any FAQ match ("thanks, can I talk to a person?" is a handoff).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    HowAreYou,
    Acknowledgement,
}

/// Words that make up small talk. A message made only of these (and at least one that
/// carries meaning) is small talk.
const FILLER: &[&str] = &[
    "a",
    "again",
    "all",
    "and",
    "are",
    "awesome",
    "cool",
    "day",
    "dear",
    "doing",
    "evening",
    "fine",
    "folks",
    "for",
    "friend",
    "good",
    "great",
    "guys",
    "have",
    "help",
    "helpful",
    "helped",
    "helps",
    "lot",
    "much",
    "nice",
    "night",
    "ok",
    "okay",
    "perfect",
    "so",
    "that",
    "the",
    "there",
    "very",
    "was",
    "wonderful",
    "you",
    "your",
    "it",
    "alright",
    "everyone",
    "team",
    "oh",
    "ah",
    "well",
    "then",
    "that's",
    "now",
    "bot",
    "got",
    "it's",
    "is",
    "super",
    "brilliant",
    "understood",
    "de",
    "muchas",
    "muy",
    "buenas",
    "buenos",
    "tardes",
    "noches",
    "días",
    "dias",
    "большое",
    "огромное",
    "добрый",
    "доброе",
    "день",
    "утро",
    "вечер",
    "всего",
    "доброго",
    "хорошего",
    "дня",
    "вам",
    "тебе",
    "понятно",
    "ясно",
    "хорошо",
    "ладно",
    "отлично",
    "понял",
    "поняла",
];

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "heya",
    "hiya",
    "howdy",
    "morning",
    "afternoon",
    "greetings",
    "yo",
    "hallo",
    "привет",
    "здравствуйте",
    "здравствуй",
    "приветствую",
    "hola",
    "buenas",
    "buenos",
    "salut",
    "bonjour",
    "hallo",
    "merhaba",
    "ciao",
];
const THANKS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "appreciated",
    "appreciate",
    "спасибо",
    "благодарю",
    "gracias",
    "merci",
    "danke",
    "teşekkürler",
];
const GOODBYES: &[&str] = &[
    "bye",
    "goodbye",
    "cya",
    "later",
    "farewell",
    "night",
    "пока",
    "свидания",
    "adiós",
    "adios",
    "chao",
    "tschüss",
];
const ACKS: &[&str] = &[
    "ok",
    "okay",
    "cool",
    "great",
    "perfect",
    "понятно",
    "ясно",
    "хорошо",
    "ладно",
    "vale",
];

/// Lowercased words, punctuation and emoji dropped; apostrophes kept inside words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The kind of small talk, if the whole message is small talk.
pub fn small_talk(text: &str) -> Option<SmallTalk> {
    let words = words(text);
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    let joined = words.join(" ");
    let how_are_you = [
        "how are you",
        "how r u",
        "how are u",
        "how is it going",
        "what's up",
        "whats up",
        "как дела",
        "qué tal",
        "que tal",
    ]
    .iter()
    .any(|p| joined.contains(p));
    let known = |w: &String| {
        [FILLER, GREETINGS, THANKS, GOODBYES, ACKS]
            .iter()
            .any(|set| set.contains(&w.as_str()))
            || [
                "how",
                "r",
                "u",
                "is",
                "going",
                "what's",
                "whats",
                "up",
                "как",
                "дела",
                "qué",
                "que",
                "tal",
                "see",
                "ya",
                "до",
                "свидания",
                "soon",
                "take",
                "care",
            ]
            .contains(&w.as_str())
    };
    if !words.iter().all(known) {
        return None;
    }
    if has(THANKS) {
        Some(SmallTalk::Thanks)
    } else if has(GOODBYES)
        || joined.contains("see you")
        || joined.contains("see ya")
        || joined.contains("take care")
    {
        Some(SmallTalk::Goodbye)
    } else if how_are_you {
        Some(SmallTalk::HowAreYou)
    } else if has(GREETINGS)
        || joined.contains("good evening")
        || joined.contains("добрый")
        || joined.contains("доброе")
    {
        Some(SmallTalk::Greeting)
    } else if has(ACKS) {
        Some(SmallTalk::Acknowledgement)
    } else {
        None
    }
}

const TALK_VERBS: &[&str] = &[
    "talk",
    "speak",
    "chat",
    "connect",
    "transfer",
    "put",
    "reach",
    "forward",
    "escalate",
    "pass",
    "поговорить",
    "говорить",
    "связаться",
    "соедините",
    "соединить",
    "позовите",
    "позвать",
    "переключите",
    "hablar",
    "comunicarme",
    "hable",
];
const PEOPLE: &[&str] = &[
    "person",
    "human",
    "humans",
    "librarian",
    "someone",
    "somebody",
    "staff",
    "agent",
    "operator",
    "representative",
    "people",
    "employee",
    "man",
    "woman",
    "member",
    "человек",
    "человеком",
    "библиотекарь",
    "библиотекарем",
    "библиотекаря",
    "оператор",
    "оператором",
    "оператора",
    "сотрудник",
    "сотрудником",
    "сотрудника",
    "кем",
    "кем-нибудь",
    "persona",
    "humano",
    "bibliotecario",
    "bibliotecaria",
    "alguien",
    "agente",
];
/// Phrases that ask for a person on their own.
const HANDOFF_PHRASES: &[&str] = &[
    "real person",
    "live person",
    "real human",
    "human being",
    "live agent",
    "live chat with",
    "not a bot",
    "not a robot",
    "no bot",
    "actual person",
    "actual human",
    "human please",
    "person please",
    "живой человек",
    "живым человеком",
    "живого человека",
    "не бот",
    "persona real",
    "/human",
];

/// Whether the patron asks to be put through to a person.
pub fn asks_for_person(text: &str) -> bool {
    let lower = text.to_lowercase();
    if HANDOFF_PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let words = words(&lower);
    let verb_at = words.iter().position(|w| TALK_VERBS.contains(&w.as_str()));
    if let Some(v) = verb_at
        && words[v..].iter().any(|w| PEOPLE.contains(&w.as_str()))
    {
        return true;
    }
    // A terse "human?", "operator", "librarian please", "is there a human there".
    let alone = [
        "human",
        "operator",
        "agent",
        "person",
        "representative",
        "оператор",
        "человек",
        "humano",
        "librarian",
        "библиотекарь",
    ];
    let filler = [
        "a",
        "an",
        "the",
        "please",
        "pls",
        "is",
        "there",
        "any",
        "anyone",
        "i",
        "want",
        "need",
        "get",
        "me",
        "can",
        "have",
        "to",
        "нужен",
        "хочу",
        "пожалуйста",
        "дайте",
        "есть",
        "кто",
        "там",
        "real",
        "live",
        "quiero",
        "un",
        "una",
        "por",
        "favor",
    ];
    words.len() <= 6
        && words.iter().any(|w| alone.contains(&w.as_str()))
        && words
            .iter()
            .all(|w| alone.contains(&w.as_str()) || filler.contains(&w.as_str()))
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
