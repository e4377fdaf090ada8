//! The patron's own case: a question about a FAQ topic that only a person can settle ("I was
//! charged twice for the same book", "the screen in room 2.14 is broken", "can you waive my
//! fine, I was in hospital"). The FAQ entry on that topic would be the closest help the bot
//! has, but a librarian does better, so such questions escalate however well they match.
//!
//! A rule of three signals, two of which make a personal case: specific details (an amount,
//! a date, a room or item number), a story about the patron's own dealings ("I paid", "my
//! account shows", "they told me"), and a complaint or dispute ("wrong", "twice", "refund").
//! One signal alone is a general question the FAQ answers: "dispute a fine", "printer not
//! working" and "I returned a book late" are all FAQ alternates.

/// Which signals a question carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PersonalSignals {
    pub specific: bool,
    pub own_story: bool,
    pub complaint: bool,
}

impl PersonalSignals {
    /// Two signals or more: the patron's own case.
    pub fn is_personal(self) -> bool {
        u8::from(self.specific) + u8::from(self.own_story) + u8::from(self.complaint) >= 2
    }
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Words after a number that make it a general quantity, not a detail of the patron's case
/// ("24 hours", "3 books", "2 weeks").
const GENERAL_UNITS: &[&str] = &[
    "hour",
    "hours",
    "hr",
    "hrs",
    "h",
    "am",
    "pm",
    "minute",
    "minutes",
    "min",
    "mins",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "book",
    "books",
    "item",
    "items",
    "times",
    "people",
    "pages",
    "page",
    "dvds",
    "dvd",
    "o'clock",
    "час",
    "часа",
    "часов",
    "дня",
    "дней",
    "книги",
    "книг",
    "horas",
    "días",
    "libros",
];

/// The patron telling what happened to them or their account.
const STORY: &[&str] = &[
    "i was",
    "i've been",
    "i have been",
    "i had",
    "i paid",
    "i've paid",
    "i already",
    "i returned",
    "i've returned",
    "i did",
    "i didn't",
    "i never",
    "i got charged",
    "i got a",
    "i received",
    "i requested",
    "i ordered",
    "i booked",
    "i reserved",
    "i put",
    "i asked",
    "i emailed",
    "i called",
    "i submitted",
    "i sent",
    "i tried",
    "i brought",
    "i handed",
    "i dropped",
    "i left it",
    "they told me",
    "was told",
    "you told me",
    "told me",
    "charged me",
    "my account says",
    "my account shows",
    "my account still",
    "my hold says",
    "my request",
    "my booking",
    "my reservation",
    "my refund",
    "it says",
    "i placed",
    "i emailed",
    "we booked",
    "we reserved",
    "under my name",
    "booked under",
    "i borrowed",
    "my account's been",
    "my account has been",
    "my card has been",
    "has my",
    "is my",
    "was my",
    "could you check",
    "can you check",
    "please check",
    "look into",
    "told me off",
    "it shows",
    "still says",
    "still shows",
    "still showing",
    "я оплатил",
    "я оплатила",
    "я вернул",
    "я вернула",
    "мне сказали",
    "у меня списали",
    "pagué",
    "devolví",
    "me dijeron",
    "me cobraron",
    "я заплатил",
    "я заплатила",
    "я сдал",
    "я сдала",
    "с меня взяли",
    "с меня списали",
    "мне пришло",
    "мне написали",
    "ödədim",
    "odedim",
    "qaytardım",
    "qaytardim",
    "mənə dedilər",
    "mene dediler",
    "hesabımda",
    "hesabimda",
    "sifariş etdim",
    "sifaris etdim",
    "ödedim",
    "iade ettim",
    "teslim ettim",
    "bana söylediler",
    "bana dediler",
    "hesabımda",
    "hesabimda",
    "rezervasyon yaptım",
    "я заплаціў",
    "я заплаціла",
    "я вярнуў",
    "я вярнула",
    "мне сказалі",
    "з мяне спісалі",
];

/// Disputes, complaints and faults.
const COMPLAINT: &[&str] = &[
    "twice",
    "even though",
    "already",
    "nobody",
    "no one",
    "no reply",
    "haven't heard",
    "not heard",
    "arrived yet",
    "ready yet",
    "approved",
    "processed",
    "down all day",
    "has been down",
    "is down",
    "doesnt work",
    "isnt working",
    "keeps dropping",
    "keeps crashing",
    "keeps disconnecting",
    "another group",
    "sitting in",
    "double charged",
    "charged double",
    "wrong",
    "wrongly",
    "incorrect",
    "mistake",
    "by mistake",
    "error",
    "unfair",
    "rude",
    "complain",
    "complaint",
    "refund",
    "waive",
    "waived",
    "cancel my fine",
    "remove the fine",
    "dispute",
    "broken",
    "not working",
    "doesn't work",
    "does not work",
    "isn't working",
    "stopped working",
    "won't",
    "stuck",
    "ate my",
    "swallowed",
    "never arrived",
    "hasn't arrived",
    "never got",
    "still not",
    "not there",
    "isn't there",
    "not on the shelf",
    "missing from",
    "lost my money",
    "took my money",
    "overcharged",
    "why was i",
    "why did i",
    "why have i",
    "why am i",
    "hospital",
    "sick",
    "funeral",
    "emergency",
    "ошибка",
    "ошибочно",
    "дважды",
    "сломан",
    "не работает",
    "жалоба",
    "верните",
    "dos veces",
    "no funciona",
    "queja",
    "reembolso",
    "неправильно",
    "несправедливо",
    "до сих пор",
    "так и не",
    "səhv",
    "sehv",
    "yanlış",
    "yanlis",
    "iki dəfə",
    "iki defe",
    "şikayət",
    "sikayet",
    "xarab",
    "işləmir",
    "islemir",
    "hələ də",
    "hele de",
    "haksız",
    "hata",
    "iki kez",
    "iki defa",
    "şikayet",
    "bozuk",
    "çalışmıyor",
    "calismiyor",
    "hâlâ",
    "hala",
    "iade edin",
    "памылка",
    "памылкова",
    "двойчы",
    "не працуе",
    "скарга",
    "зламаны",
    "вярніце",
];

/// When a problem happened: with a complaint, it is the patron's own incident.
const INCIDENT_TIME: &[&str] = &[
    "today",
    "right now",
    "all day",
    "this morning",
    "this afternoon",
    "at the moment",
    "since yesterday",
    "yesterday",
    "last week",
    "for three days",
    "for two days",
    "for a week",
    "on monday",
    "on tuesday",
    "on wednesday",
    "on thursday",
    "on friday",
    "last monday",
    "last tuesday",
    "last wednesday",
    "last thursday",
    "last friday",
    "сегодня",
    "вчера",
    "hoy",
    "ayer",
    "bu gün",
    "bugün",
    "bugun",
    "dünən",
    "dunen",
    "dün",
    "dun",
    "учора",
    "сёння",
];

/// The signals in `text`.
pub fn signals(text: &str) -> PersonalSignals {
    let lower = format!(" {} ", normalise(text));
    let has = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(&format!(" {p} ")));
    PersonalSignals {
        specific: has_specific_detail(&lower) || has(INCIDENT_TIME),
        own_story: has(STORY),
        complaint: has(COMPLAINT),
    }
}

/// Lowercase words separated by single spaces; the characters of amounts, room numbers and
/// dates ($ £ € . / : -) stay inside their words.
fn normalise(text: &str) -> String {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '’' => '\'',
            c if c.is_alphanumeric() || "'$£€₽./:-#".contains(c) => c,
            _ => ' ',
        })
        .collect();
    cleaned
        .split_whitespace()
        .map(|w| w.trim_end_matches(['.', ':', '-', '/']))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An amount of money, a date, or a number that names one thing (room 2.14, PC 14, card
/// 12345), as opposed to a general quantity ("24 hours", "3 books").
fn has_specific_detail(lower: &str) -> bool {
    let words: Vec<&str> = lower.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let digits = w.chars().filter(char::is_ascii_digit).count();
        if digits == 0 {
            if (w.starts_with('$') || w.starts_with('£') || w.starts_with('€')) && w.len() > 1 {
                return true;
            }
            continue;
        }
        // Money: "$12", "£4.50", "12 euros", "300 rubles".
        if w.contains(['$', '£', '€', '₽']) {
            return true;
        }
        let next = words.get(i + 1).copied().unwrap_or("");
        let prev = if i > 0 { words[i - 1] } else { "" };
        if [
            "dollars",
            "dollar",
            "pounds",
            "euros",
            "euro",
            "rubles",
            "roubles",
            "manat",
            "lira",
            "руб",
            "рублей",
            "рубля",
            "евро",
        ]
        .contains(&next)
        {
            return true;
        }
        // A date: "3/11", "2026-03-01", "march 3", "3rd of march".
        if w.contains('/') || (w.matches('-').count() == 2) {
            return true;
        }
        if MONTHS.contains(&prev)
            || MONTHS.contains(&next)
            || words.get(i + 2).is_some_and(|w| MONTHS.contains(w))
        {
            return true;
        }
        if GENERAL_UNITS.contains(&next)
            || w.ends_with("am")
            || w.ends_with("pm")
            || w.ends_with('h')
        {
            continue;
        }
        // An identifier: "room 2.14", "pc 14", "desk 5", "floor 3 printer", "card 20458".
        if [
            "room",
            "pc",
            "desk",
            "computer",
            "printer",
            "locker",
            "card",
            "number",
            "no",
            "#",
            "floor",
            "seat",
            "ticket",
            "invoice",
            "order",
            "request",
            "аудитория",
            "комната",
            "номер",
            "sala",
        ]
        .contains(&prev)
            || w.contains('.')
            || w.starts_with('#')
            || digits >= 4
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_cases_are_personal() {
        for q in [
            "I was charged twice for the same book",
            "the screen in study room 2.14 is broken, it doesn't work",
            "Can you waive my fine? I was in the hospital",
            "my hold says ready for pickup but it's not on the shelf",
            "I returned it on March 3 but my account still shows it as overdue",
            "I paid $12 for a replacement card and never got it",
        ] {
            assert!(signals(q).is_personal(), "{q}: {:?}", signals(q));
        }
    }

    #[test]
    fn general_questions_are_not() {
        for q in [
            "dispute a fine",
            "printer not working",
            "I returned a book late",
            "is the library open 24 hours during exams",
            "is the library open today",
            "Did my return go through?",
            "the book says available but I can't find it",
            "can I borrow 3 books for 2 weeks",
            "how do I pay my fine",
            "my account is blocked because of fines",
            "what time do you close on 24 December",
            "why can't I renew this item",
        ] {
            assert!(!signals(q).is_personal(), "{q}: {:?}", signals(q));
        }
    }

    #[test]
    fn each_signal_alone() {
        assert!(signals("room 2.14").specific);
        assert!(signals("it cost me £4.50").specific);
        assert!(!signals("open until 10pm").specific);
        assert!(signals("they told me I could").own_story);
        assert!(signals("this is unfair").complaint);
    }
}
