//! Which language a patron writes in. Chat messages are short ("wifi parol?"), so statistics
//! over letters alone guess badly; refdesk weighs what it knows best first: how many of the
//! message's words each language's FAQ uses, letters only one language has (ə, і/ў, ñ),
//! each language's function words, then what the channel says (Telegram's app language, the
//! browser's) and the conversation's earlier messages. A trigram model (whatlang) settles
//! what is left and tells a language refdesk does not speak.

use whatlang::{Detector, Lang};

/// What one candidate language knows of a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence<'a> {
    pub lang: &'a str,
    /// The share of the message's words found in the language's FAQ (or its small talk), in
    /// [0, 1].
    pub vocabulary: f32,
    /// How many of the message's words are the language's function words.
    pub stopwords: usize,
}

/// The language decided on, or the language refdesk does not speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identification {
    Supported(String),
    /// ISO 639-1 code where there is one (else 639-3), and the language's English name.
    Unsupported {
        code: String,
        name: &'static str,
    },
}

/// What else is known about the patron's language.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The language the channel reports (an app's or browser's language).
    pub channel: Option<&'a str>,
    /// The language of the patron's previous message in this conversation.
    pub previous: Option<&'a str>,
}

/// Weights of the evidence, on the scale of a vocabulary share.
const STOPWORD_WEIGHT: f32 = 0.12;
const STOPWORD_CAP: usize = 4;
const OWN_LETTER_WEIGHT: f32 = 0.6;
const SHARED_LETTER_WEIGHT: f32 = 0.25;
const CHANNEL_WEIGHT: f32 = 0.2;
const PREVIOUS_WEIGHT: f32 = 0.25;
const TRIGRAM_WEIGHT: f32 = 0.3;
/// Below this vocabulary share a reliable trigram guess of another language wins...
const UNKNOWN_VOCABULARY: f32 = 0.34;
/// ...if the message is not also made of a known language's function words: an English
/// question about the weather shares no word with the FAQ but is plainly English, and asking
/// trigrams about every language costs more than the rest of the answer.
const FOREIGN_STOPWORD_SHARE: f32 = 0.2;

pub struct Identifier {
    /// Trigram detection among the candidate languages whatlang knows.
    among: Option<Detector>,
}

impl Identifier {
    /// An identifier choosing among `langs` (ISO 639-1 codes).
    pub fn new(langs: &[String]) -> Self {
        let known: Vec<Lang> = langs.iter().filter_map(|l| whatlang_of(l)).collect();
        Self {
            among: (known.len() > 1).then(|| Detector::with_allowlist(known)),
        }
    }

    /// The message's language among `candidates` (the default language first), or the
    /// language it is written in if refdesk speaks none of them.
    pub fn identify(&self, text: &str, candidates: &[Evidence], hints: Hints) -> Identification {
        let letters = Letters::of(text);
        let mut scores: Vec<(f32, &str)> = candidates
            .iter()
            .filter(|e| letters.script_fits(e.lang))
            .map(|e| {
                let mut score = e.vocabulary
                    + STOPWORD_WEIGHT * e.stopwords.min(STOPWORD_CAP) as f32
                    + letters.bonus(e.lang);
                if hints.channel.is_some_and(|h| same_language(h, e.lang)) {
                    score += CHANNEL_WEIGHT;
                }
                if hints.previous.is_some_and(|p| same_language(p, e.lang)) {
                    score += PREVIOUS_WEIGHT;
                }
                (score, e.lang)
            })
            .collect();
        let best_vocabulary = candidates
            .iter()
            .filter(|e| letters.script_fits(e.lang))
            .map(|e| e.vocabulary)
            .fold(0.0, f32::max);
        let words = text.split_whitespace().count().max(1) as f32;
        let best_stopwords = candidates
            .iter()
            .filter(|e| letters.script_fits(e.lang))
            .map(|e| e.stopwords)
            .max()
            .unwrap_or(0) as f32;
        if best_vocabulary < UNKNOWN_VOCABULARY
            && best_stopwords / words < FOREIGN_STOPWORD_SHARE
            && let Some(foreign) = self.foreign(text, candidates)
        {
            return foreign;
        }
        // Close calls are settled by trigrams, which need a few words to say anything.
        if scores.len() > 1
            && let Some(detector) = &self.among
            && is_close(&scores)
            && let Some(info) = detector.detect(text)
        {
            let code = iso639_1(info.lang());
            for (score, lang) in &mut scores {
                if *lang == code {
                    *score += TRIGRAM_WEIGHT * info.confidence() as f32;
                }
            }
        }
        // Ties go to the earlier candidate: the default language comes first.
        let mut best: Option<(f32, &str)> = None;
        for &(score, lang) in &scores {
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, lang));
            }
        }
        match best {
            Some((_, lang)) => Identification::Supported(lang.to_string()),
            None => self.foreign(text, candidates).unwrap_or_else(|| {
                Identification::Supported(
                    candidates
                        .first()
                        .map(|e| e.lang.to_string())
                        .unwrap_or_else(|| "en".into()),
                )
            }),
        }
    }

    /// A language refdesk does not speak, if the message is reliably in one.
    fn foreign(&self, text: &str, candidates: &[Evidence]) -> Option<Identification> {
        let info = whatlang::detect(text)?;
        let code = iso639_1(info.lang());
        let ours = candidates.iter().any(|e| same_language(e.lang, code));
        (info.is_reliable() && !ours && text.split_whitespace().count() >= 2).then(|| {
            Identification::Unsupported {
                code: code.to_string(),
                name: info.lang().eng_name(),
            }
        })
    }
}

fn is_close(scores: &[(f32, &str)]) -> bool {
    let mut sorted: Vec<f32> = scores.iter().map(|(s, _)| *s).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.len() > 1 && sorted[0] - sorted[1] < TRIGRAM_WEIGHT
}

fn same_language(tag: &str, code: &str) -> bool {
    super::primary_subtag(tag) == code
}

/// Tells whether `text` is written in a language's script (or has no letters to tell): a
/// language of another script need not be weighed at all. The letters are counted once.
pub fn script_filter(text: &str) -> impl Fn(&str) -> bool {
    let letters = Letters::of(text);
    move |lang| letters.script_fits(lang)
}

/// Letters that tell scripts and languages apart.
#[derive(Debug, Default)]
struct Letters {
    latin: usize,
    cyrillic: usize,
    other: usize,
    /// ə: only Azerbaijani.
    schwa: bool,
    /// ı ş ğ ç ö ü: Turkish and Azerbaijani, not English.
    turkic: bool,
    /// і ў: Belarusian (and Ukrainian і), not Russian.
    belarusian: bool,
    /// и щ ъ: Russian, not Belarusian.
    russian: bool,
    /// ñ á é í ó ú ¿ ¡: Spanish.
    spanish: bool,
}

impl Letters {
    fn of(text: &str) -> Self {
        let mut l = Letters::default();
        for c in text.chars().flat_map(char::to_lowercase) {
            match c {
                'ə' => l.schwa = true,
                'ı' | 'ş' | 'ğ' | 'ç' | 'ö' | 'ü' => l.turkic = true,
                'і' | 'ў' => l.belarusian = true,
                'и' | 'щ' | 'ъ' => l.russian = true,
                'ñ' | 'á' | 'é' | 'í' | 'ó' | 'ú' | '¿' | '¡' => l.spanish = true,
                _ => {}
            }
            if c.is_alphabetic() {
                match c {
                    'a'..='z' | '\u{c0}'..='\u{24f}' | 'ə' => l.latin += 1,
                    '\u{400}'..='\u{4ff}' => l.cyrillic += 1,
                    _ => l.other += 1,
                }
            }
        }
        l
    }

    /// Whether the text is written in the script of `lang` (or has no letters to tell).
    fn script_fits(&self, lang: &str) -> bool {
        let cyrillic_lang = matches!(lang, "ru" | "be" | "uk" | "bg" | "sr" | "kk" | "mk");
        let total = self.latin + self.cyrillic + self.other;
        if total == 0 {
            return true;
        }
        let mine = if cyrillic_lang {
            self.cyrillic
        } else if is_latin_language(lang) {
            self.latin
        } else {
            self.other
        };
        mine * 2 >= total
    }

    fn bonus(&self, lang: &str) -> f32 {
        let mut bonus = 0.0;
        let own = |b: bool| if b { OWN_LETTER_WEIGHT } else { 0.0 };
        let shared = |b: bool| if b { SHARED_LETTER_WEIGHT } else { 0.0 };
        match lang {
            "az" => bonus += own(self.schwa) + shared(self.turkic),
            "tr" => bonus += shared(self.turkic) - own(self.schwa),
            "be" => bonus += own(self.belarusian) - shared(self.russian),
            "ru" => bonus += shared(self.russian) - own(self.belarusian),
            "es" => bonus += own(self.spanish),
            "en" => bonus -= shared(self.turkic || self.schwa || self.spanish),
            _ => {}
        }
        bonus
    }
}

fn is_latin_language(lang: &str) -> bool {
    !matches!(
        lang,
        "ru" | "be"
            | "uk"
            | "bg"
            | "sr"
            | "kk"
            | "mk"
            | "el"
            | "ar"
            | "fa"
            | "he"
            | "hi"
            | "zh"
            | "ja"
            | "ko"
            | "ka"
            | "hy"
            | "th"
    )
}

/// ISO 639-1 codes of the languages whatlang knows that have one.
const CODES: [(Lang, &str); 32] = [
    (Lang::Eng, "en"),
    (Lang::Rus, "ru"),
    (Lang::Aze, "az"),
    (Lang::Tur, "tr"),
    (Lang::Bel, "be"),
    (Lang::Spa, "es"),
    (Lang::Ukr, "uk"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Ita, "it"),
    (Lang::Por, "pt"),
    (Lang::Pol, "pl"),
    (Lang::Nld, "nl"),
    (Lang::Swe, "sv"),
    (Lang::Dan, "da"),
    (Lang::Fin, "fi"),
    (Lang::Hun, "hu"),
    (Lang::Ron, "ro"),
    (Lang::Ces, "cs"),
    (Lang::Ell, "el"),
    (Lang::Ara, "ar"),
    (Lang::Pes, "fa"),
    (Lang::Heb, "he"),
    (Lang::Hin, "hi"),
    (Lang::Cmn, "zh"),
    (Lang::Jpn, "ja"),
    (Lang::Kor, "ko"),
    (Lang::Kat, "ka"),
    (Lang::Hye, "hy"),
    (Lang::Uzb, "uz"),
    (Lang::Bul, "bg"),
    (Lang::Lit, "lt"),
];

fn iso639_1(lang: Lang) -> &'static str {
    CODES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| lang.code())
}

fn whatlang_of(code: &str) -> Option<Lang> {
    CODES.iter().find(|(_, c)| *c == code).map(|(l, _)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(lang: &str, vocabulary: f32, stopwords: usize) -> Evidence<'_> {
        Evidence {
            lang,
            vocabulary,
            stopwords,
        }
    }

    fn langs() -> Vec<String> {
        ["en", "ru", "az", "tr", "be", "es"]
            .map(String::from)
            .to_vec()
    }

    fn supported(id: Identification) -> String {
        match id {
            Identification::Supported(l) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn own_letters_tell_close_languages_apart() {
        let id = Identifier::new(&langs());
        let none = |lang| ev(lang, 0.0, 0);
        let all = [none("en"), none("ru"), none("az"), none("tr"), none("be")];
        assert_eq!(
            supported(id.identify("Kitabı necə qaytarım?", &all, Hints::default())),
            "az"
        );
        assert_eq!(
            supported(id.identify("Бібліятэка працуе ў суботу?", &all, Hints::default())),
            "be"
        );
        assert_eq!(
            supported(id.identify("Библиотека работает в субботу?", &all, Hints::default())),
            "ru"
        );
    }

    #[test]
    fn the_faq_vocabulary_outweighs_a_channel_hint() {
        let id = Identifier::new(&langs());
        let cands = [ev("en", 0.0, 0), ev("az", 0.0, 0), ev("tr", 0.8, 1)];
        let hints = Hints {
            channel: Some("az-AZ"),
            previous: None,
        };
        assert_eq!(
            supported(id.identify("kutuphane kacta kapaniyor", &cands, hints)),
            "tr"
        );
    }

    #[test]
    fn hints_settle_what_the_text_cannot() {
        let id = Identifier::new(&langs());
        let cands = [ev("en", 1.0, 0), ev("tr", 1.0, 0), ev("az", 1.0, 0)];
        let hints = Hints {
            channel: None,
            previous: Some("az"),
        };
        assert_eq!(supported(id.identify("wifi", &cands, hints)), "az");
        assert_eq!(
            supported(id.identify("wifi", &cands, Hints::default())),
            "en"
        );
    }

    #[test]
    fn a_language_refdesk_does_not_speak_is_named() {
        let id = Identifier::new(&langs());
        let cands = [ev("en", 0.0, 0), ev("ru", 0.0, 0)];
        let text = "Wann hat die Bibliothek morgen geöffnet und wo kann ich drucken?";
        assert_eq!(
            id.identify(text, &cands, Hints::default()),
            Identification::Unsupported {
                code: "de".into(),
                name: "German"
            }
        );
    }
}
