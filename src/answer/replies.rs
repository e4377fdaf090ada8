//! The fixed phrases the bot says itself, per language (English when a language has none).

use super::intent::SmallTalk;

pub fn small_talk(kind: SmallTalk, lang: &str) -> &'static str {
    use SmallTalk::*;
    match (lang, kind) {
        ("ru", Greeting) => {
            "Здравствуйте! Я помощник библиотеки. Спросите о часах работы, продлении книг, печати или о чём-нибудь ещё."
        }
        ("ru", Thanks) => "Пожалуйста! Обращайтесь, если появятся ещё вопросы.",
        ("ru", Goodbye) => "До свидания! Будем рады помочь снова.",
        ("ru", HowAreYou) => "Спасибо, всё хорошо! Чем могу помочь?",
        ("ru", Acknowledgement) => "Хорошо! Если будут ещё вопросы, пишите.",
        ("es", Greeting) => {
            "¡Hola! Soy el asistente de la biblioteca. Pregúntame por el horario, las renovaciones, la impresión o lo que necesites."
        }
        ("es", Thanks) => "¡De nada! Escríbenos cuando quieras.",
        ("es", Goodbye) => "¡Hasta pronto!",
        ("es", HowAreYou) => "¡Muy bien, gracias! ¿En qué puedo ayudarte?",
        ("es", Acknowledgement) => "¡Perfecto! Si tienes otra pregunta, escríbeme.",
        (_, Greeting) => {
            "Hello! I'm the library's assistant. Ask me about opening hours, renewals, printing or anything else, and I'll answer or pass your question to a librarian."
        }
        (_, Thanks) => "You're welcome! Write any time you have another question.",
        (_, Goodbye) => "Goodbye, and good luck with your work!",
        (_, HowAreYou) => "I'm well, thank you! What can I help you with?",
        (_, Acknowledgement) => "Great! Just write if anything else comes up.",
    }
}

pub fn escalated(lang: &str) -> &'static str {
    match lang {
        "ru" => {
            "Я не уверен, что отвечу на это правильно, поэтому передал ваш вопрос библиотекарю. Ответ придёт сюда же."
        }
        "es" => {
            "No estoy seguro de poder responder bien, así que he pasado tu pregunta a un bibliotecario. La respuesta llegará aquí mismo."
        }
        _ => {
            "I'm not sure I can answer that well, so I've passed your question to a librarian. They will reply right here."
        }
    }
}

pub fn handoff(lang: &str) -> &'static str {
    match lang {
        "ru" => "Конечно. Я позвал библиотекаря: он ответит здесь, как только освободится.",
        "es" => "Por supuesto. He avisado a un bibliotecario: te responderá aquí en cuanto pueda.",
        _ => "Of course. I've asked a librarian to join: they will reply here as soon as they can.",
    }
}

/// The language of the fixed phrases for a platform's language tag ("pt-BR" -> "pt").
pub fn phrase_lang(tag: Option<&str>) -> &'static str {
    match tag.and_then(|t| t.split(['-', '_']).next()) {
        Some(l) if l.eq_ignore_ascii_case("ru") => "ru",
        Some(l) if l.eq_ignore_ascii_case("es") => "es",
        _ => "en",
    }
}

/// The answer to `/start`: who the bot is, what it does, and that a person is there too.
pub fn welcome(lang: &str) -> &'static str {
    match lang {
        "ru" => {
            "Здравствуйте! Я чат-помощник библиотеки. Задайте вопрос своими словами: о часах работы, продлении книг, печати, читательском билете. Если я не смогу ответить уверенно, я передам вопрос библиотекарю, и он ответит здесь же. Команда /human зовёт библиотекаря сразу, /help напоминает, что я умею."
        }
        "es" => {
            "¡Hola! Soy el asistente de chat de la biblioteca. Hazme una pregunta con tus propias palabras: horarios, renovaciones, impresión, tu cuenta. Si no puedo responder con seguridad, paso tu pregunta a un bibliotecario, que te contestará aquí mismo. Con /human llamas a un bibliotecario directamente y con /help recuerdas lo que sé hacer."
        }
        _ => {
            "Hello! I'm the library's chat assistant. Ask me anything in your own words: opening hours, renewing loans, printing, your account. When I can't answer with confidence, I pass your question to a librarian, who replies right here. Send /human to reach a librarian straight away, or /help to see what I can do."
        }
    }
}

/// The answer to `/help`.
pub fn help(lang: &str) -> &'static str {
    match lang {
        "ru" => {
            "Я отвечаю на текстовые вопросы о библиотеке: часы работы, выдача и продление, печать и копирование, Wi-Fi, читательский билет и многое другое. Пишите обычными словами, одним сообщением. Фото, стикеры и голосовые я прочитать не могу. Если ответа у меня нет, вопрос получит библиотекарь. /human: позвать библиотекаря."
        }
        "es" => {
            "Respondo preguntas escritas sobre la biblioteca: horarios, préstamos y renovaciones, impresión, wifi, tu cuenta y mucho más. Escribe con naturalidad, en un solo mensaje. No puedo leer fotos, stickers ni notas de voz. Si no sé la respuesta, tu pregunta pasa a un bibliotecario. /human: hablar con un bibliotecario."
        }
        _ => {
            "I answer typed questions about the library: opening hours, borrowing and renewals, printing and copying, Wi-Fi, your account and much more. Just write naturally, one question per message. I can't read photos, stickers or voice messages. If I don't know the answer, a librarian gets your question. /human: talk to a librarian."
        }
    }
}

/// The reply to something the bot cannot read. `with_librarian`: a librarian is already on
/// the conversation and has been told what arrived.
pub fn unsupported(kind: &str, lang: &str, with_librarian: bool) -> String {
    let what = media_name(kind, lang);
    match (lang, with_librarian) {
        ("ru", false) => format!(
            "Извините, я понимаю только текст, поэтому не могу открыть {what}. Пожалуйста, напишите вопрос словами."
        ),
        ("ru", true) => format!(
            "Библиотекарь увидит, что вы отправили {what}, но открыть это здесь не получится. Пожалуйста, опишите это словами."
        ),
        ("es", false) => format!(
            "Lo siento, solo entiendo texto, así que no puedo abrir {what}. Por favor, escribe tu pregunta con palabras."
        ),
        ("es", true) => format!(
            "El bibliotecario verá que enviaste {what}, pero no puede abrirlo aquí. Por favor, descríbelo con palabras."
        ),
        (_, false) => format!(
            "Sorry, I can only read text, so I can't open that {what}. Please type your question in words."
        ),
        (_, true) => format!(
            "Your librarian can see that you sent a {what}, but it can't be opened here. Please describe it in words."
        ),
    }
}

/// A connector's name for what arrived ("sticker", "photo" ...), in `lang`.
fn media_name<'a>(kind: &'a str, lang: &str) -> &'a str {
    const NAMES: [(&str, &str, &str); 8] = [
        ("sticker", "стикер", "un sticker"),
        ("photo", "фото", "una foto"),
        ("voice message", "голосовое сообщение", "una nota de voz"),
        ("video", "видео", "un vídeo"),
        ("file", "файл", "un archivo"),
        ("audio file", "аудиофайл", "un audio"),
        ("location", "геолокацию", "una ubicación"),
        ("contact", "контакт", "un contacto"),
    ];
    match NAMES.iter().find(|(en, _, _)| *en == kind) {
        Some((_, ru, _)) if lang == "ru" => ru,
        Some((_, _, es)) if lang == "es" => es,
        _ => kind,
    }
}

/// A catalogue question with no good match: a librarian will search.
pub fn catalogue_miss(lang: &str) -> &'static str {
    match lang {
        "ru" => {
            "Я не нашёл этого в каталоге, поэтому передал вопрос библиотекарю: он поищет и ответит здесь же."
        }
        "es" => {
            "No lo encontré en el catálogo, así que he pasado tu pregunta a un bibliotecario, que buscará y te responderá aquí."
        }
        _ => {
            "I couldn't find that in our catalogue, so I've passed your question to a librarian, who will search and reply right here."
        }
    }
}
