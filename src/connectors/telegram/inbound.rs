//! Which Telegram updates reach the conversation service, and as what: private messages
//! always; group messages only when they mention the bot, reply to it or are a command for
//! it; commands become `BotCommand`s; stickers, photos and voice notes become a short
//! placeholder the bot can reply to and a librarian can see.

use teloxide::types::{Message, MessageEntityKind, Update, UpdateKind};

use crate::domain::{BotCommand, Channel, Inbound, InboundKind};

/// Who the bot is, from `getMe`.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    pub id: u64,
    pub username: String,
}

/// The inbound message an update carries, or `None` for updates the bot ignores.
pub fn to_inbound(update: &Update, me: &BotIdentity) -> Option<Inbound> {
    let UpdateKind::Message(msg) = &update.kind else {
        return None;
    };
    let from = msg.from.as_ref()?; // channel posts have no sender
    if from.is_bot {
        return None;
    }
    let private = msg.chat.is_private();
    let (kind, text) = match msg.text() {
        Some(text) => match command(text, me) {
            Some(Ok(cmd)) => (InboundKind::Command(cmd), text.trim().to_string()),
            // Someone else's command, or one we do not know in a group: not for us.
            Some(Err(())) if !private => return None,
            Some(Err(())) => (
                InboundKind::Command(BotCommand::Help),
                text.trim().to_string(),
            ),
            None => {
                if !(private || mentions_bot(msg, text, me) || replies_to_bot(msg, me)) {
                    return None;
                }
                let text = strip_mention(text, &me.username);
                if text.is_empty() {
                    // Just "@library_bot": treat it as hello.
                    (InboundKind::Command(BotCommand::Start), String::new())
                } else {
                    (InboundKind::Text, text)
                }
            }
        },
        None => {
            if !(private || replies_to_bot(msg, me)) {
                return None;
            }
            let what = media_name(msg)?; // service messages (members joining ...) are ignored
            let text = match msg.caption() {
                Some(caption) => format!("[{what}] {caption}"),
                None => format!("[{what}]"),
            };
            (InboundKind::Unsupported(what), text)
        }
    };
    let chat_id = msg.chat.id.0;
    Some(Inbound {
        channel: Channel::Telegram,
        // Message ids are unique within a chat; the pair is the same by webhook or polling.
        platform_message_id: format!("{chat_id}:{}", msg.id.0),
        patron: chat_id.to_string(),
        text,
        language: from.language_code.clone(),
        kind,
    })
}

/// `Some(Ok(..))` for our commands, `Some(Err(()))` for another command (or another bot's),
/// `None` when the text is not a command.
fn command(text: &str, me: &BotIdentity) -> Option<Result<BotCommand, ()>> {
    let word = text
        .trim_start()
        .strip_prefix('/')?
        .split_whitespace()
        .next()?;
    let (name, target) = match word.split_once('@') {
        Some((name, bot)) => (name, Some(bot)),
        None => (word, None),
    };
    if target.is_some_and(|bot| !bot.eq_ignore_ascii_case(&me.username)) {
        return Some(Err(()));
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "start" => Ok(BotCommand::Start),
        "help" => Ok(BotCommand::Help),
        "human" | "librarian" => Ok(BotCommand::Human),
        _ => Err(()),
    })
}

fn mentions_bot(msg: &Message, text: &str, me: &BotIdentity) -> bool {
    let by_name = find_mention(text, &me.username).is_some();
    let by_link =
        msg.entities().unwrap_or_default().iter().any(
            |e| matches!(&e.kind, MessageEntityKind::TextMention { user } if user.id.0 == me.id),
        );
    by_name || by_link
}

fn replies_to_bot(msg: &Message, me: &BotIdentity) -> bool {
    msg.reply_to_message()
        .and_then(|m| m.from.as_ref())
        .is_some_and(|u| u.id.0 == me.id)
}

/// The byte range of `@username` in `text` (any case), as a whole word. Telegram usernames
/// are ASCII, so the match is made on the text itself: lowercasing first would shift byte
/// offsets for letters such as "ẞ" or "İ".
fn find_mention(text: &str, username: &str) -> Option<(usize, usize)> {
    if username.is_empty() {
        return None;
    }
    text.match_indices('@').find_map(|(at, _)| {
        let start = at + 1;
        let end = start + username.len();
        let name = text.get(start..end)?;
        let next_is_word = text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        (name.eq_ignore_ascii_case(username) && !next_is_word).then_some((at, end))
    })
}

fn strip_mention(text: &str, username: &str) -> String {
    let mut text = text.to_string();
    while let Some((start, end)) = find_mention(&text, username) {
        text.replace_range(start..end, "");
    }
    let text = text.trim();
    // "@bot, where is ..." leaves a leading comma or colon behind.
    text.trim_start_matches([',', ':', ' ']).trim().to_string()
}

/// What kind of non-text message this is, in words for the patron and the librarian.
fn media_name(msg: &Message) -> Option<&'static str> {
    Some(if msg.sticker().is_some() {
        "sticker"
    } else if msg.photo().is_some() {
        "photo"
    } else if msg.voice().is_some() {
        "voice message"
    } else if msg.video().is_some() || msg.video_note().is_some() || msg.animation().is_some() {
        "video"
    } else if msg.audio().is_some() {
        "audio file"
    } else if msg.document().is_some() {
        "file"
    } else if msg.location().is_some() || msg.venue().is_some() {
        "location"
    } else if msg.contact().is_some() {
        "contact"
    } else if msg.poll().is_some() || msg.dice().is_some() || msg.game().is_some() {
        "message"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn me() -> BotIdentity {
        BotIdentity {
            id: 777,
            username: "NorthLibBot".into(),
        }
    }

    fn update(message: Value) -> Update {
        // From text, as on the wire: teloxide's update parser wants borrowed keys.
        let wire = json!({"update_id": 1, "message": message}).to_string();
        serde_json::from_str(&wire).unwrap()
    }

    fn private(extra: Value) -> Update {
        let mut m = json!({
            "message_id": 5, "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "Pat"},
            "from": {"id": 42, "is_bot": false, "first_name": "Pat", "language_code": "ru"}
        });
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        update(m)
    }

    fn group(extra: Value) -> Update {
        let mut m = json!({
            "message_id": 9, "date": 1_700_000_000,
            "chat": {"id": -1001, "type": "supergroup", "title": "Study group"},
            "from": {"id": 42, "is_bot": false, "first_name": "Pat"}
        });
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        update(m)
    }

    #[test]
    fn private_text_is_a_question_from_the_chat() {
        let i = to_inbound(&private(json!({"text": "opening hours?"})), &me()).unwrap();
        assert_eq!(i.kind, InboundKind::Text);
        assert_eq!(
            (i.patron.as_str(), i.text.as_str()),
            ("42", "opening hours?")
        );
        assert_eq!(i.platform_message_id, "42:5");
        assert_eq!(i.language.as_deref(), Some("ru"));
    }

    #[test]
    fn commands_with_and_without_the_bot_name() {
        let cmd = |t: &str| to_inbound(&private(json!({"text": t})), &me()).map(|i| i.kind);
        assert_eq!(cmd("/start"), Some(InboundKind::Command(BotCommand::Start)));
        assert_eq!(
            cmd("/help@northlibbot"),
            Some(InboundKind::Command(BotCommand::Help))
        );
        assert_eq!(cmd("/human"), Some(InboundKind::Command(BotCommand::Human)));
        assert_eq!(cmd("/weird"), Some(InboundKind::Command(BotCommand::Help)));
        let in_group = |t: &str| to_inbound(&group(json!({"text": t})), &me()).map(|i| i.kind);
        assert_eq!(in_group("/start@OtherBot"), None);
        assert_eq!(in_group("/roll"), None);
        assert_eq!(
            in_group("/human@NorthLibBot"),
            Some(InboundKind::Command(BotCommand::Human))
        );
    }

    #[test]
    fn groups_only_when_mentioned_or_replied_to() {
        assert!(to_inbound(&group(json!({"text": "anyone know the wifi?"})), &me()).is_none());
        assert!(to_inbound(&group(json!({"text": "ask @NorthLibBotFan"})), &me()).is_none());
        let i = to_inbound(
            &group(json!({"text": "@northlibbot, wifi password?"})),
            &me(),
        )
        .unwrap();
        assert_eq!(i.text, "wifi password?");
        assert_eq!(i.patron, "-1001");
        let reply = group(json!({
            "text": "and on Sundays?",
            "reply_to_message": {"message_id": 8, "date": 1_700_000_000,
                "chat": {"id": -1001, "type": "supergroup", "title": "Study group"},
                "from": {"id": 777, "is_bot": true, "first_name": "Library"}, "text": "We open at 9."}
        }));
        assert_eq!(to_inbound(&reply, &me()).unwrap().text, "and on Sundays?");
    }

    #[test]
    fn stickers_and_photos_are_named_and_captions_kept() {
        let sticker = private(json!({"sticker": {"file_id": "f", "file_unique_id": "u",
            "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}}));
        let i = to_inbound(&sticker, &me()).unwrap();
        assert_eq!(i.kind, InboundKind::Unsupported("sticker"));
        assert_eq!(i.text, "[sticker]");
        let photo = private(json!({"caption": "is this in stock?", "photo": [
            {"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]}));
        assert_eq!(
            to_inbound(&photo, &me()).unwrap().text,
            "[photo] is this in stock?"
        );
        // A photo in a group that does not address the bot is none of its business.
        let group_photo = group(json!({"photo": [
            {"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]}));
        assert!(to_inbound(&group_photo, &me()).is_none());
    }

    #[test]
    fn case_changing_letters_around_a_mention_do_not_break_it() {
        let t = group(json!({"text": "ẞ@NorthLibBot İ wifi?"}));
        assert_eq!(to_inbound(&t, &me()).unwrap().text, "ẞ İ wifi?");
        let t = private(json!({"text": "@NorthLibBotX ẞİ"}));
        assert_eq!(to_inbound(&t, &me()).unwrap().text, "@NorthLibBotX ẞİ");
    }

    #[test]
    fn bots_and_service_messages_are_ignored() {
        let from_bot = update(json!({"message_id": 1, "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "X"},
            "from": {"id": 9, "is_bot": true, "first_name": "Other"}, "text": "hi"}));
        assert!(to_inbound(&from_bot, &me()).is_none());
        let joined =
            group(json!({"new_chat_members": [{"id": 5, "is_bot": false, "first_name": "New"}]}));
        assert!(to_inbound(&joined, &me()).is_none());
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use serde_json::json;
    use teloxide::types::Update;

    use super::{BotIdentity, to_inbound};
    use crate::fuzz::{config, edits, mutate};

    proptest! {
        #![proptest_config(config())]

        /// As the webhook and the poller read a body: parse, then map; either may refuse.
        #[test]
        fn near_valid_updates_never_panic(e in edits(), text in ".{0,60}", group in any::<bool>()) {
            let chat = if group {
                json!({"id": -100, "type": "group", "title": "G"})
            } else {
                json!({"id": 7, "type": "private", "first_name": "P"})
            };
            let valid = json!({"update_id": 1, "message": {
                "message_id": 3, "date": 1_700_000_000, "chat": chat,
                "from": {"id": 7, "is_bot": false, "first_name": "P", "language_code": "az"},
                "text": format!("/start@refdesk_bot {text}"),
                "entities": [{"type": "bot_command", "offset": 0, "length": 18}, {"type": "mention", "offset": 7, "length": 11}]
            }});
            let me = BotIdentity { id: 99, username: "refdesk_bot".into() };
            for body in [valid.to_string().into_bytes(), mutate(valid.to_string().as_bytes(), &e)] {
                if let Ok(update) = serde_json::from_slice::<Update>(&body) {
                    let _ = to_inbound(&update, &me);
                }
            }
        }
    }
}
