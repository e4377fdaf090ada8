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
