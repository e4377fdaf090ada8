//! What users send: updates, chats and the entities Telegram finds in their text.

use super::*;

pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(super) fn chat_json(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({ "id": chat_id, "type": "private", "first_name": "Pat" })
    } else {
        json!({ "id": chat_id, "type": "group", "title": "Study group" })
    }
}

pub(super) fn private_message(user_id: i64, message_id: i64, language_code: &str) -> Value {
    let mut from = json!({ "id": user_id, "is_bot": false, "first_name": "Pat" });
    if !language_code.is_empty() {
        from["language_code"] = json!(language_code);
    }
    json!({
        "message_id": message_id,
        "from": from,
        "chat": chat_json(user_id),
        "date": unix_now(),
    })
}

/// The bot_command and mention entities Telegram finds in a user's text.
pub(super) fn auto_entities(text: &str) -> Vec<Value> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut entities = Vec::new();
    let mut offset = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_word = i == 0 || !(word(chars[i - 1]) || matches!(chars[i - 1], '/' | '@'));
        if starts_word && matches!(c, '/' | '@') {
            let mut j = i + 1;
            while j < chars.len() && word(chars[j]) {
                j += 1;
            }
            let name = j - i - 1;
            if c == '/' && (1..=64).contains(&name) {
                // An optional @botname suffix belongs to the command.
                let mut k = j;
                if k < chars.len() && chars[k] == '@' {
                    k += 1;
                    while k < chars.len() && word(chars[k]) {
                        k += 1;
                    }
                    if k - j - 1 < 3 {
                        k = j;
                    }
                }
                j = k;
            }
            let kind = match c {
                '/' if (1..=64).contains(&name) => Some("bot_command"),
                '@' if (4..=32).contains(&name) => Some("mention"),
                _ => None,
            };
            if let Some(kind) = kind {
                let length: usize = chars[i..j].iter().map(|c| c.len_utf16()).sum();
                entities.push(json!({ "offset": offset, "length": length, "type": kind }));
                offset += length;
                i = j;
                continue;
            }
        }
        offset += c.len_utf16();
        i += 1;
    }
    entities
}
