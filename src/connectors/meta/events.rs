//! The patrons' messages in a Meta webhook payload. One payload can carry several entries
//! and events; echoes of our own messages, read and delivery receipts, reactions and status
//! updates are not messages and are skipped.

use serde_json::Value;

use crate::domain::{Channel, Inbound, InboundKind};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PayloadError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("`object` is missing or not one refdesk handles: {0}")]
    UnknownObject(String),
}

/// The messages in a verified webhook body.
pub fn messages(body: &[u8]) -> Result<Vec<Inbound>, PayloadError> {
    let payload: Value = serde_json::from_slice(body).map_err(|_| PayloadError::NotJson)?;
    let object = payload["object"].as_str().unwrap_or_default();
    let entries = payload["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = Vec::new();
    match object {
        "page" => messenger_style(Channel::Messenger, entries, &mut out),
        "instagram" => messenger_style(Channel::Instagram, entries, &mut out),
        "whatsapp_business_account" => whatsapp(entries, &mut out),
        other => return Err(PayloadError::UnknownObject(other.to_string())),
    }
    Ok(out)
}

/// Messenger and Instagram share one shape: `entry[].messaging[]` with `sender.id` and a
/// `message` holding `mid`, `text` and `attachments`.
fn messenger_style(channel: Channel, entries: &[Value], out: &mut Vec<Inbound>) {
    for event in entries
        .iter()
        .filter_map(|e| e["messaging"].as_array())
        .flatten()
    {
        let message = &event["message"];
        let (Some(sender), Some(mid)) = (event["sender"]["id"].as_str(), message["mid"].as_str())
        else {
            continue; // deliveries, reads, postbacks, reactions ...
        };
        if message["is_echo"].as_bool() == Some(true)
            || message["is_deleted"].as_bool() == Some(true)
        {
            continue;
        }
        let text = message["text"].as_str().map(str::trim).unwrap_or_default();
        let (kind, text) = if !text.is_empty() {
            (InboundKind::Text, text.to_string())
        } else {
            let what = message["attachments"]
                .as_array()
                .and_then(|a| a.first())
                .map(|a| {
                    if a["payload"]["sticker_id"].is_number() {
                        "sticker"
                    } else {
                        media_name(a["type"].as_str().unwrap_or_default())
                    }
                })
                .unwrap_or("message");
            (InboundKind::Unsupported(what), format!("[{what}]"))
        };
        out.push(Inbound {
            channel,
            platform_message_id: mid.to_string(),
            patron: sender.to_string(),
            text,
            language: None,
            kind,
        });
    }
}

/// WhatsApp: `entry[].changes[].value.messages[]` with `from` (the patron's WhatsApp id),
/// `id` and `type`; `statuses` are delivery receipts.
fn whatsapp(entries: &[Value], out: &mut Vec<Inbound>) {
    let changes = entries
        .iter()
        .filter_map(|e| e["changes"].as_array())
        .flatten()
        .filter(|c| c["field"] == "messages");
    for message in changes
        .filter_map(|c| c["value"]["messages"].as_array())
        .flatten()
    {
        let (Some(from), Some(id)) = (message["from"].as_str(), message["id"].as_str()) else {
            continue;
        };
        let kind = message["type"].as_str().unwrap_or_default();
        let (kind, text) = match kind {
            "text" => {
                let body = message["text"]["body"].as_str().unwrap_or_default().trim();
                if body.is_empty() {
                    continue;
                }
                (InboundKind::Text, body.to_string())
            }
            // A patron's tap on a reply button carries its label as text.
            "button" => match message["button"]["text"].as_str() {
                Some(t) => (InboundKind::Text, t.to_string()),
                None => continue,
            },
            "reaction" | "system" | "ephemeral" => continue,
            other => {
                let what = media_name(other);
                let caption = message[other]["caption"].as_str();
                let text = match caption {
                    Some(c) => format!("[{what}] {c}"),
                    None => format!("[{what}]"),
                };
                (InboundKind::Unsupported(what), text)
            }
        };
        out.push(Inbound {
            channel: Channel::Whatsapp,
            platform_message_id: id.to_string(),
            patron: from.to_string(),
            text,
            language: None,
            kind,
        });
    }
}

fn media_name(kind: &str) -> &'static str {
    match kind {
        "image" => "photo",
        "sticker" => "sticker",
        "audio" | "voice" => "voice message",
        "video" | "ig_reel" | "reel" => "video",
        "file" | "document" => "file",
        "location" => "location",
        "contacts" => "contact",
        _ => "message",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Vec<Inbound> {
        messages(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn messenger_text_attachments_and_what_is_skipped() {
        let got = parse(
            json!({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1,
                 "message": {"mid": "m.1", "text": "opening hours?"}},
                {"sender": {"id": "PAGE"}, "recipient": {"id": "PSID1"}, "timestamp": 2,
                 "message": {"mid": "m.2", "text": "We open at 9", "is_echo": true}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 3,
                 "read": {"watermark": 2}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 4,
                 "delivery": {"mids": ["m.2"], "watermark": 2}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 5,
                 "message": {"mid": "m.3", "attachments": [{"type": "image", "payload": {"url": "https://x", "sticker_id": 369239263222822_i64}}]}}
            ]}]}),
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].channel, got[0].patron.as_str(), got[0].text.as_str()),
            (Channel::Messenger, "PSID1", "opening hours?")
        );
        assert_eq!(got[1].kind, InboundKind::Unsupported("sticker"));
    }

    #[test]
    fn instagram_uses_the_messenger_shape() {
        let got = parse(
            json!({"object": "instagram", "entry": [{"id": "IG", "time": 1, "messaging": [
            {"sender": {"id": "IGSID"}, "recipient": {"id": "IG"}, "timestamp": 1,
             "message": {"mid": "ig.1", "text": "wifi?"}}]}]}),
        );
        assert_eq!(
            (got[0].channel, got[0].platform_message_id.as_str()),
            (Channel::Instagram, "ig.1")
        );
    }

    #[test]
    fn whatsapp_messages_not_statuses() {
        let got = parse(
            json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
                {"field": "messages", "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550100", "phone_number_id": "PNID"},
                  "contacts": [{"profile": {"name": "Pat"}, "wa_id": "15550123"}],
                  "messages": [
                    {"from": "15550123", "id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": "¿horario?"}},
                    {"from": "15550123", "id": "wamid.B", "timestamp": "2", "type": "image", "image": {"id": "i", "mime_type": "image/jpeg", "caption": "this book"}},
                    {"from": "15550123", "id": "wamid.C", "timestamp": "3", "type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}
                  ]}},
                {"field": "messages", "value": {"messaging_product": "whatsapp",
                  "statuses": [{"id": "wamid.OUT", "status": "delivered", "recipient_id": "15550123"}]}}
            ]}]}),
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].patron.as_str(), got[0].text.as_str()),
            ("15550123", "¿horario?")
        );
        assert_eq!(got[1].text, "[photo] this book");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(messages(b"{oops"), Err(PayloadError::NotJson));
        assert!(matches!(
            messages(br#"{"object":"user"}"#),
            Err(PayloadError::UnknownObject(_))
        ));
        // Wrong types inside are skipped, not fatal.
        assert!(
            parse(
                json!({"object": "page", "entry": [{"messaging": [{"sender": 5, "message": []}]}]})
            )
            .is_empty()
        );
        assert!(parse(json!({"object": "page", "entry": "x"})).is_empty());
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::messages;
    use crate::fuzz::{config, edits, json_tree, mutate};

    const KEYS: &[&str] = &[
        "object",
        "entry",
        "messaging",
        "changes",
        "value",
        "field",
        "messages",
        "sender",
        "recipient",
        "id",
        "mid",
        "text",
        "message",
        "attachments",
        "type",
        "from",
        "timestamp",
        "is_echo",
        "page",
        "instagram",
        "whatsapp_business_account",
        "contacts",
        "wa_id",
        "profile",
        "name",
        "quick_reply",
        "payload",
        "postback",
        "body",
        "image",
        "sticker",
        "audio",
        "video",
        "document",
        "location",
        "metadata",
        "statuses",
    ];

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_body_is_parsed_or_refused(tree in json_tree(KEYS), object in 0usize..3) {
            let _ = messages(tree.to_string().as_bytes());
            let kind = ["page", "instagram", "whatsapp_business_account"][object];
            let wrapped: Value = json!({ "object": kind, "entry": [tree] });
            let _ = messages(wrapped.to_string().as_bytes());
        }

        #[test]
        fn near_valid_bodies_never_panic(e in edits()) {
            let valid = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "contacts": [{"wa_id": "15550001", "profile": {"name": "P"}}], "messages": [{"from": "15550001", "id": "wamid.1", "timestamp": "1700000000", "type": "text", "text": {"body": "wifi?"}}]}}]}]});
            let _ = messages(&mutate(valid.to_string().as_bytes(), &e));
        }
    }
}
