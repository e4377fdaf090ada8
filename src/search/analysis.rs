//! Per-language analysis shared by indexing and querying, so both sides always agree:
//! split into words, lowercase, drop stop words, stem.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use super::SynonymGroup;
use crate::lang::normalise::Folding;

/// How a language's words are cut to their stem.
enum Stemming {
    Snowball(Stemmer),
    /// The first N letters: for agglutinative languages without a Snowball stemmer
    /// (Azerbaijani) and for Belarusian, whose endings the Russian stemmer half knows.
    /// Truncating Turkish words to five letters retrieves about as well as a full
    /// morphological stemmer (Can et al., 2008), and Azerbaijani is built the same way.
    /// Lengths from the development sets (`tests/eval/lang-*-dev.jsonl`, 4, 5 and 6 tried):
    /// Turkish 5, Azerbaijani and Belarusian 4.
    Prefix(usize),
    None,
}

pub struct Analyzer {
    lang: String,
    folding: Folding,
    stemmer: Stemming,
    /// Folded as the language folds words.
    stopwords: HashSet<String>,
    /// Stem -> the stem that stands for its synonym group.
    synonyms: HashMap<String, String>,
    /// Phrases (as stems of every word, stop words included) -> the head's stem; longest
    /// first, so "hand back" wins over a one-word match inside it.
    phrases: Vec<(Vec<String>, String)>,
    /// The stems phrases start with: most words start none, and need no phrase compared.
    phrase_starts: HashSet<String>,
    /// Stems of words that tell who is asking and when, not what about.
    context: HashSet<String>,
}

/// What analysis makes of a piece of text before stemming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A lowercased word that is not a stop word, as written, and its term (stemmed,
    /// synonyms folded).
    Word(String, String),
    /// A phrase of a synonym group ("give back"), already read as its head's term.
    Phrase(String),
}

impl Analyzer {
    /// The plain analyser of a language: no synonyms.
    pub fn for_language(lang: &str) -> Self {
        Self::with_synonyms(lang, &[])
    }

    /// An analyser that reads every member of each group as the group's head.
    pub fn with_synonyms(lang: &str, groups: &[SynonymGroup]) -> Self {
        let algorithm = match lang {
            "en" => Some(Algorithm::English),
            "ru" => Some(Algorithm::Russian),
            "es" => Some(Algorithm::Spanish),
            "de" => Some(Algorithm::German),
            "fr" => Some(Algorithm::French),
            "it" => Some(Algorithm::Italian),
            "pt" => Some(Algorithm::Portuguese),
            "nl" => Some(Algorithm::Dutch),
            "sv" => Some(Algorithm::Swedish),
            "no" | "nb" => Some(Algorithm::Norwegian),
            "da" => Some(Algorithm::Danish),
            "fi" => Some(Algorithm::Finnish),
            "hu" => Some(Algorithm::Hungarian),
            "ro" => Some(Algorithm::Romanian),
            "el" => Some(Algorithm::Greek),
            "ar" => Some(Algorithm::Arabic),
            _ => None,
        };
        let stemmer = match (lang, algorithm) {
            // Turkish Snowball wants Turkish letters, which phone-typed questions lack.
            ("tr", _) => Stemming::Prefix(5),
            ("az" | "be", _) => Stemming::Prefix(4),
            (_, Some(a)) => Stemming::Snowball(Stemmer::create(a)),
            (_, None) => Stemming::None,
        };
        let mut analyzer = Self {
            lang: lang.to_string(),
            folding: Folding::of(lang),
            stemmer,
            stopwords: stopwords(lang)
                .iter()
                .map(|w| crate::lang::fold_for_search(lang, w))
                .collect(),
            synonyms: HashMap::new(),
            phrases: Vec::new(),
            phrase_starts: HashSet::new(),
            context: HashSet::new(),
        };
        analyzer.context = context_words(lang)
            .iter()
            .map(|w| analyzer.raw_stem(&crate::lang::fold_for_search(lang, w)))
            .collect();
        for group in groups {
            let Some(head) = analyzer
                .words(&group.head)
                .first()
                .map(|w| analyzer.raw_stem(w))
            else {
                continue;
            };
            for member in &group.members {
                let stems: Vec<String> = analyzer
                    .words(member)
                    .iter()
                    .map(|w| analyzer.raw_stem(w))
                    .collect();
                match stems.len() {
                    0 => {}
                    1 => {
                        analyzer.synonyms.insert(stems[0].clone(), head.clone());
                    }
                    _ => analyzer.phrases.push((stems, head.clone())),
                }
            }
        }
        analyzer
            .phrases
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        analyzer.phrase_starts = analyzer.phrases.iter().map(|(p, _)| p[0].clone()).collect();
        analyzer
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Whether a stem is a context word: who is asking ("a visiting PhD student"), when
    /// ("this week"), or politeness ("I was wondering whether"). A question's topic is in
    /// its other words, so an entry that lacks a context word is not the worse for it.
    pub fn is_context(&self, stem: &str) -> bool {
        self.context.contains(stem)
    }

    /// Lowercased words. Hyphens and apostrophes inside a word join short pieces
    /// ("e-book" -> "ebook", "wi-fi" -> "wifi") and split long ones ("self-service" ->
    /// "self", "service"); a trailing "'s" or "'t" is dropped.
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut pieces: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() {
                current.extend(
                    c.to_lowercase()
                        .filter(|&l| l != '\u{307}')
                        .map(|l| self.folding.fold(l)),
                );
            } else if (c == '\'' || c == '’' || c == 'ʼ')
                && self.folding.keeps_apostrophes()
                && !current.is_empty()
                && chars.peek().is_some_and(|n| n.is_alphanumeric())
            {
                // Belarusian "сям'я", "аб'ява": the apostrophe is inside the word.
            } else if (c == '-' || c == '\'' || c == '’')
                && !current.is_empty()
                && chars.peek().is_some_and(|n| n.is_alphanumeric())
            {
                pieces.push(std::mem::take(&mut current));
                if c != '-' {
                    // Contractions: keep the stem of "what's", "don't", "library's".
                    while chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                        chars.next();
                    }
                }
            } else {
                flush_word(&mut pieces, &mut current, &mut out);
            }
        }
        flush_word(&mut pieces, &mut current, &mut out);
        out
    }

    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
            || (word.chars().count() == 1 && !word.chars().all(|c| c.is_numeric()))
    }

    /// The word's stem, or the stem standing for its synonym group: "bicycle" and "bike"
    /// are one term, in the index and in questions alike.
    pub fn stem(&self, word: &str) -> String {
        self.fold_synonym(self.raw_stem(word))
    }

    /// The stem standing for `raw`'s synonym group, or `raw` itself.
    fn fold_synonym(&self, raw: String) -> String {
        self.synonyms.get(&raw).cloned().unwrap_or(raw)
    }

    fn raw_stem(&self, word: &str) -> String {
        match &self.stemmer {
            Stemming::Snowball(s) => s.stem(word).into_owned(),
            Stemming::Prefix(n) => word.chars().take(*n).collect(),
            Stemming::None => word.to_string(),
        }
    }

    /// The text's words without stop words, with synonym phrases found first (they may
    /// contain stop words: "hand in", "how much").
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let words = self.words(text);
        // Every word is stemmed once: phrases are matched on stems, stop words included.
        let mut stems: Vec<Option<String>> = words
            .iter()
            .map(|w| (!self.phrases.is_empty() || !self.is_stopword(w)).then(|| self.raw_stem(w)))
            .collect();
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            let starts_phrase = stems[i]
                .as_ref()
                .is_some_and(|s| self.phrase_starts.contains(s));
            let phrase = starts_phrase
                .then(|| {
                    self.phrases.iter().find(|(p, _)| {
                        stems.get(i..i + p.len()).is_some_and(|s| {
                            s.iter()
                                .zip(p)
                                .all(|(a, b)| a.as_deref() == Some(b.as_str()))
                        })
                    })
                })
                .flatten();
            if let Some((p, head)) = phrase {
                out.push(Token::Phrase(head.clone()));
                i += p.len();
                continue;
            }
            if !self.is_stopword(&words[i])
                && let Some(raw) = stems[i].take()
            {
                out.push(Token::Word(words[i].clone(), self.fold_synonym(raw)));
            }
            i += 1;
        }
        out
    }

    /// The index terms of a text: words without stop words, stemmed, synonyms folded.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.tokens(text)
            .into_iter()
            .map(|t| match t {
                Token::Word(_, stem) => stem,
                Token::Phrase(head) => head,
            })
            .collect()
    }

    /// How many of the text's words are stop words of this language: a cheap signal for
    /// telling languages that share a script apart.
    pub fn stopword_hits(&self, text: &str) -> usize {
        self.words(text)
            .iter()
            .filter(|w| self.stopwords.contains(w.as_str()))
            .count()
    }
}

fn flush_word(pieces: &mut Vec<String>, current: &mut String, out: &mut Vec<String>) {
    if !current.is_empty() {
        pieces.push(std::mem::take(current));
    }
    if pieces.is_empty() {
        return;
    }
    if pieces.len() > 1 && pieces.iter().any(|p| p.chars().count() <= 2) {
        out.push(pieces.concat());
    } else {
        out.append(pieces);
    }
    pieces.clear();
}

/// Words that say who asks, when, and how politely (see `Analyzer::is_context`).
fn context_words(lang: &str) -> &'static [&'static str] {
    match lang {
        "en" => &[
            "student",
            "undergraduate",
            "undergrad",
            "postgraduate",
            "postgrad",
            "phd",
            "doctoral",
            "doctorate",
            "masters",
            "researcher",
            "professor",
            "lecturer",
            "academic",
            "faculty",
            "international",
            "exchange",
            "erasmus",
            "visiting",
            "fresher",
            "freshman",
            "sophomore",
            "university",
            "college",
            "campus",
            "department",
            "school",
            "semester",
            "currently",
            "recently",
            "today",
            "tomorrow",
            "tonight",
            "morning",
            "afternoon",
            "evening",
            "week",
            "month",
            "moment",
            "soon",
            "next",
            "last",
            "day",
            "wondering",
            "hoping",
            "kindly",
            "grateful",
            "appreciate",
            "regards",
            "dear",
            "sir",
            "madam",
            "apologies",
            "sorry",
            "bother",
            "quick",
            "question",
            "query",
            "enquire",
            "inquire",
            "information",
            "info",
            "advise",
            "assist",
            "assistance",
            "guidance",
            "clarify",
            "confirm",
            "regarding",
            "concerning",
            "whether",
            "attend",
            "attending",
            "conference",
            "stay",
            "staying",
            "arrive",
            "arrived",
            "trip",
            "abroad",
            "visit",
            "first",
            "new",
            "year",
            "ago",
            "usually",
            "normally",
            "generally",
            "exactly",
            "basically",
            "somewhere",
            "anyway",
            "sometimes",
            "maybe",
            "perhaps",
            "hi",
            "hello",
            "good",
            "great",
            "thank",
            "thanks",
            "lol",
            "guys",
            "friend",
            "friends",
            "mate",
            "explain",
            "require",
            "required",
            "understand",
            "describe",
            "unfamiliar",
            "unable",
            "several",
            "particular",
            "particularly",
            "procedure",
            "proceed",
            "obtain",
            "intend",
            "accustomed",
            "unfortunately",
            "unsure",
            "certain",
            "specific",
            "enquiry",
            "believe",
            "think",
            "seem",
            "mention",
            "mentioned",
            "told",
            "heard",
            "aware",
            "ensure",
            "arrange",
            "situation",
            "respect",
            "option",
            "options",
            "ordinary",
            "usual",
            "typical",
            "typically",
            "various",
            "general",
            "basis",
            "normal",
            "furthermore",
            "additionally",
            "however",
            "therefore",
            "assume",
        ],
        "ru" => &[
            "студент",
            "студентка",
            "аспирант",
            "аспирантка",
            "магистрант",
            "преподаватель",
            "профессор",
            "сегодня",
            "завтра",
            "вечером",
            "утром",
            "неделе",
            "вопрос",
            "добрый",
            "день",
            "уважаемые",
            "подскажите",
            "интересует",
            "хотел",
            "хотела",
            "бы",
            "узнать",
            "здравствуйте",
            "пожалуйста",
            "скажите",
            "спасибо",
            "заранее",
            "первокурсник",
            "первого",
            "курса",
            "выпускник",
            "выпускница",
            "сейчас",
            "недавно",
            "впервые",
            "приехал",
            "приехала",
            "работаю",
            "учусь",
            "университет",
            "факультет",
            "кафедра",
            "семестр",
            "сессию",
            "помогите",
            "объясните",
            "уточнить",
            "возможно",
            "вообще",
            "обычно",
            "конкретно",
        ],
        "az" => &[
            "hörmətli",
            "salam",
            "tələbə",
            "tələbəyəm",
            "magistrant",
            "doktorant",
            "doktorantam",
            "müəllim",
            "professor",
            "bu",
            "gün",
            "sabah",
            "axşam",
            "səhər",
            "həftə",
            "sual",
            "xahiş",
            "edirəm",
            "zəhmət",
            "olmasa",
            "öyrənmək",
            "istərdim",
            "bilmək",
            "maraqlıdır",
            "universitet",
            "fakültə",
            "semestr",
            "ilk",
            "dəfə",
            "yeni",
            "indi",
            "təşəkkür",
            "əvvəlcədən",
            "gələcəyəm",
            "gəlmişəm",
            "qalıram",
        ],
        "tr" => &[
            "sayın",
            "merhaba",
            "öğrenci",
            "öğrencisiyim",
            "öğrenciyim",
            "yüksek",
            "lisans",
            "doktora",
            "hoca",
            "profesör",
            "bugün",
            "yarın",
            "akşam",
            "sabah",
            "hafta",
            "soru",
            "rica",
            "ediyorum",
            "lütfen",
            "öğrenmek",
            "isterim",
            "öğrenebilir",
            "bilmek",
            "merak",
            "üniversite",
            "fakülte",
            "dönem",
            "ilk",
            "defa",
            "yeni",
            "şimdi",
            "teşekkürler",
            "şimdiden",
            "değişim",
            "iyi",
            "günler",
        ],
        "be" => &[
            "студэнт",
            "студэнтка",
            "аспірант",
            "выкладчык",
            "прафесар",
            "сёння",
            "заўтра",
            "увечары",
            "раніцай",
            "тыдні",
            "пытанне",
            "добры",
            "дзень",
            "паважаныя",
            "падкажыце",
            "цікавіць",
            "хацеў",
            "хацела",
            "б",
            "даведацца",
            "калі",
            "ласка",
            "дзякуй",
            "загадзя",
            "першакурснік",
            "універсітэт",
            "факультэт",
            "семестр",
        ],
        "es" => &[
            "estudiante",
            "profesor",
            "investigador",
            "hoy",
            "mañana",
            "semana",
            "pregunta",
            "quisiera",
            "saber",
            "buenos",
            "buenas",
        ],
        _ => &[],
    }
}

/// Function words and the filler of questions to a library ("can you tell me how ...").
/// They carry no topic, so they are neither indexed nor counted when judging how much of a
/// question an entry covers.
fn stopwords(lang: &str) -> &'static [&'static str] {
    match lang {
        "en" => &[
            "a",
            "about",
            "am",
            "an",
            "and",
            "any",
            "anyone",
            "anything",
            "are",
            "as",
            "at",
            "be",
            "been",
            "but",
            "by",
            "can",
            "could",
            "did",
            "do",
            "does",
            "doing",
            "for",
            "from",
            "get",
            "getting",
            "got",
            "had",
            "has",
            "have",
            "he",
            "her",
            "here",
            "hey",
            "hi",
            "his",
            "how",
            "i",
            "if",
            "im",
            "in",
            "into",
            "is",
            "it",
            "its",
            "just",
            "know",
            "let",
            "like",
            "me",
            "might",
            "my",
            "need",
            "of",
            "on",
            "or",
            "our",
            "please",
            "pls",
            "plz",
            "should",
            "so",
            "some",
            "someone",
            "something",
            "tell",
            "than",
            "that",
            "the",
            "their",
            "them",
            "then",
            "there",
            "these",
            "they",
            "this",
            "those",
            "to",
            "u",
            "ur",
            "us",
            "want",
            "was",
            "way",
            "we",
            "were",
            "what",
            "whats",
            "when",
            "where",
            "which",
            "who",
            "why",
            "will",
            "with",
            "would",
            "you",
            "your",
            "yours",
            "also",
            "still",
            "really",
            "much",
            "many",
            "possible",
            "ok",
            "okay",
            "hello",
            "thanks",
            "thank",
            "there",
            "go",
            "going",
            "able",
            "use",
            "using",
            "anywhere",
            "now",
            "again",
            "yet",
            "too",
            "very",
            "all",
            "one",
            "ones",
            "help",
            "find",
            "out",
            "up",
            "happen",
            "happens",
            "happening",
            "happened",
            "anybody",
            "somebody",
            "does",
            "mean",
            "means",
            "exactly",
            "actually",
            "sure",
            "wondering",
            "wonder",
            "hi",
            "dont",
        ],
        "ru" => &[
            "а",
            "в",
            "во",
            "вы",
            "вас",
            "вам",
            "где",
            "да",
            "для",
            "до",
            "его",
            "ее",
            "её",
            "если",
            "есть",
            "же",
            "за",
            "и",
            "из",
            "или",
            "им",
            "их",
            "к",
            "как",
            "какие",
            "какой",
            "какая",
            "когда",
            "ко",
            "кто",
            "ли",
            "мне",
            "меня",
            "мой",
            "моя",
            "мои",
            "можно",
            "могу",
            "мы",
            "на",
            "над",
            "не",
            "нет",
            "ни",
            "но",
            "ну",
            "о",
            "об",
            "от",
            "по",
            "под",
            "пожалуйста",
            "при",
            "с",
            "со",
            "так",
            "там",
            "то",
            "тут",
            "у",
            "что",
            "чтобы",
            "это",
            "этот",
            "эта",
            "я",
            "ваш",
            "ваша",
            "ваши",
            "здесь",
            "сколько",
            "надо",
            "нужно",
            "хочу",
            "подскажите",
            "скажите",
            "привет",
            "здравствуйте",
            "спасибо",
            "будет",
            "быть",
            "был",
            "была",
            "бы",
            "уже",
            "ещё",
            "еще",
            "очень",
            "все",
            "всё",
            "можете",
        ],
        "es" => &[
            "a", "al", "algo", "como", "cómo", "con", "cuando", "cuándo", "cual", "cuál", "de",
            "del", "donde", "dónde", "el", "él", "en", "es", "esta", "está", "este", "hay", "la",
            "las", "lo", "los", "me", "mi", "mis", "no", "o", "para", "pero", "por", "puedo",
            "puede", "qué", "que", "se", "si", "sí", "su", "sus", "te", "tengo", "tiene", "un",
            "una", "unos", "y", "yo", "hola", "gracias", "favor", "quiero", "necesito", "ustedes",
            "usted", "cuánto", "cuanto", "son", "ser", "estoy", "hacer", "sobre",
        ],
        "az" => &[
            "və",
            "ilə",
            "bu",
            "o",
            "bir",
            "mən",
            "sən",
            "siz",
            "biz",
            "onlar",
            "mənim",
            "sizin",
            "bizim",
            "mənə",
            "sizə",
            "məni",
            "sizi",
            "nə",
            "necə",
            "niyə",
            "hara",
            "harada",
            "haradan",
            "haraya",
            "hansı",
            "kim",
            "kimə",
            "vaxt",
            "neçə",
            "neçədə",
            "mı",
            "mi",
            "mu",
            "mü",
            "da",
            "də",
            "ki",
            "üçün",
            "ama",
            "amma",
            "lakin",
            "yoxsa",
            "ya",
            "varmı",
            "olar",
            "olarmı",
            "edə",
            "bilərəm",
            "bilərik",
            "bilər",
            "olur",
            "olsun",
            "var",
            "yox",
            "deyil",
            "isə",
            "hər",
            "hamı",
            "çox",
            "az",
            "daha",
            "ən",
            "artıq",
            "belə",
            "elə",
            "sonra",
            "əvvəl",
            "indi",
            "zəhmət",
            "olmasa",
            "salam",
            "xahiş",
            "edirəm",
            "lütfən",
            "mümkün",
            "mümkündür",
            "mümkünmü",
            "edim",
            "edək",
            "etmək",
            "olmaq",
            "etmə",
            "bilmirəm",
            "istəyirəm",
            "lazımdır",
            "gərək",
        ],
        "tr" => &[
            "ve",
            "ile",
            "bu",
            "şu",
            "o",
            "bir",
            "ben",
            "sen",
            "siz",
            "biz",
            "onlar",
            "benim",
            "sizin",
            "bizim",
            "bana",
            "size",
            "beni",
            "sizi",
            "ne",
            "nasıl",
            "neden",
            "niye",
            "nere",
            "nerede",
            "nereden",
            "nereye",
            "hangi",
            "kim",
            "kime",
            "zaman",
            "kaç",
            "kaçta",
            "mı",
            "mi",
            "mu",
            "mü",
            "mısınız",
            "misiniz",
            "da",
            "de",
            "ki",
            "için",
            "ama",
            "fakat",
            "veya",
            "ya",
            "yada",
            "var",
            "yok",
            "değil",
            "ise",
            "her",
            "çok",
            "az",
            "daha",
            "en",
            "artık",
            "böyle",
            "şöyle",
            "sonra",
            "önce",
            "şimdi",
            "lütfen",
            "acaba",
            "merhaba",
            "rica",
            "ederim",
            "mümkün",
            "olur",
            "olabilir",
            "edebilir",
            "miyim",
            "mıyım",
            "muyum",
            "müyüm",
            "istiyorum",
            "lazım",
            "gerek",
            "gerekiyor",
            "yapabilirim",
            "ediyorum",
        ],
        "be" => &[
            "і",
            "й",
            "ды",
            "а",
            "але",
            "ці",
            "ня",
            "не",
            "на",
            "у",
            "ў",
            "з",
            "са",
            "да",
            "ад",
            "па",
            "пра",
            "за",
            "для",
            "аб",
            "пры",
            "без",
            "пад",
            "над",
            "я",
            "ты",
            "вы",
            "мы",
            "яны",
            "ён",
            "яна",
            "яно",
            "мне",
            "вам",
            "нам",
            "мяне",
            "вас",
            "нас",
            "мой",
            "мая",
            "маё",
            "ваш",
            "ваша",
            "гэта",
            "гэты",
            "гэтая",
            "тут",
            "там",
            "што",
            "як",
            "дзе",
            "калі",
            "куды",
            "адкуль",
            "чаму",
            "які",
            "якая",
            "якое",
            "колькі",
            "хто",
            "каму",
            "можна",
            "трэба",
            "ёсць",
            "быў",
            "была",
            "будзе",
            "ужо",
            "яшчэ",
            "толькі",
            "таксама",
            "вельмі",
            "ласка",
            "дзякуй",
            "прывітанне",
            "добры",
            "дзень",
            "хачу",
            "магу",
            "можаце",
            "падкажыце",
            "скажыце",
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_short_hyphenated_pieces_and_drop_contractions() {
        let en = Analyzer::for_language("en");
        assert_eq!(
            en.words("E-books & Wi-Fi: what's self-service?"),
            vec!["ebooks", "wifi", "what", "self", "service"]
        );
        assert_eq!(
            en.words("the library’s hours"),
            vec!["the", "library", "hours"]
        );
    }

    #[test]
    fn terms_are_stemmed_without_stopwords() {
        let en = Analyzer::for_language("en");
        assert_eq!(
            en.terms("How do I renew my borrowed books?"),
            vec!["renew", "borrow", "book"]
        );
        let ru = Analyzer::for_language("ru");
        assert_eq!(ru.terms("Как продлить книги?"), vec!["продл", "книг"]);
    }

    #[test]
    fn unknown_language_still_splits_and_lowercases() {
        let xx = Analyzer::for_language("xx");
        assert_eq!(
            xx.terms("Kütüphane SAATLERI"),
            vec!["kütüphane", "saatleri"]
        );
    }
}
