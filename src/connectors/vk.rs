//! VK community messages through the Callback API: `POST /connectors/vk/callback` answers
//! the confirmation request, checks the shared `secret` on every event, stores each
//! `message_new` once and answers `ok`; replies go out with `messages.send`, whose
//! `random_id` (derived from the outbox row) makes VK drop a repeated send.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::text::{char_count, split, to_plain};
use super::{Adapter, Connector, Delivery, Part, Ports, SendError};
use crate::conversation::ConversationService;
use crate::domain::{Channel, Inbound, InboundKind};
use crate::net::Outbound;

/// The API version refdesk speaks.
pub const API_VERSION: &str = "5.199";
/// VK's longest message, in characters.
const MAX_MESSAGE_LEN: usize = Channel::Vk.max_message_chars();
const MAX_BODY: usize = 256 * 1024;

/// VK's keyboard for a rating: one row of five text buttons, hidden after a tap.
static RATING_KEYBOARD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let buttons: Vec<serde_json::Value> = (1..=5)
        .map(|n| serde_json::json!({"action": {"type": "text", "label": n.to_string()}, "color": "secondary"}))
        .collect();
    serde_json::json!({"one_time": true, "buttons": [buttons]}).to_string()
});

/// `[vk]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VkSettings {
    pub enabled: bool,
    /// The community's numeric id.
    pub group_id: i64,
    /// A community access token with the "messages" permission.
    pub access_token: crate::secret::Secret,
    /// The secret key set in the Callback API settings; VK sends it with every event.
    pub secret: crate::secret::Secret,
    /// The string VK expects back when it confirms the server address.
    pub confirmation: String,
    /// The API base (tests point this at a loopback server).
    pub api_url: String,
}

impl Default for VkSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            group_id: 0,
            access_token: crate::secret::Secret::default(),
            secret: crate::secret::Secret::default(),
            confirmation: String::new(),
            api_url: "https://api.vk.com".into(),
        }
    }
}

impl VkSettings {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.group_id <= 0 {
            bail!("vk.group_id is missing: the community's numeric id");
        }
        for (key, value) in [
            ("vk.access_token", self.access_token.expose()),
            ("vk.secret", self.secret.expose()),
            ("vk.confirmation", &self.confirmation),
            ("vk.api_url", &self.api_url),
        ] {
            if value.trim().is_empty() {
                bail!("{key} is missing: the VK connector cannot start without it");
            }
        }
        Ok(())
    }
}

pub struct Vk {
    settings: VkSettings,
    http: reqwest::Client,
}

impl Vk {
    pub fn new(settings: VkSettings, outbound: &Outbound) -> anyhow::Result<Arc<Self>> {
        settings.validate()?;
        let http = outbound.platform().clone();
        Ok(Arc::new(Self { settings, http }))
    }

    /// The Callback API route; replies through `messages.send`.
    pub async fn start(settings: VkSettings, ports: &Ports) -> anyhow::Result<Adapter> {
        let vk = Self::new(settings, &ports.outbound)?;
        Ok(Adapter {
            routes: Some(vk.routes(ports.inbox.clone())),
            outbound: vec![vk],
            worker: None,
        })
    }

    fn routes(self: &Arc<Self>, inbox: ConversationService) -> Router {
        let vk = self.clone();
        Router::new()
            .route(
                "/connectors/vk/callback",
                post(move |body: Bytes| {
                    let (vk, inbox) = (vk.clone(), inbox.clone());
                    async move { vk.callback(&inbox, &body).await }
                }),
            )
            .layer(DefaultBodyLimit::max(MAX_BODY))
    }

    async fn callback(&self, inbox: &ConversationService, body: &[u8]) -> Response {
        let Ok(event) = serde_json::from_slice::<Value>(body) else {
            return (StatusCode::BAD_REQUEST, "not JSON").into_response();
        };
        if event["group_id"].as_i64() != Some(self.settings.group_id) {
            return (StatusCode::FORBIDDEN, "not this community").into_response();
        }
        let secret = event["secret"].as_str().unwrap_or_default().as_bytes();
        let secret_ok = bool::from(secret.ct_eq(self.settings.secret.expose().as_bytes()));
        match event["type"].as_str() {
            // The address check when an admin adds the server. VK may send it before the
            // secret is saved, so only a wrong secret (not a missing one) is refused.
            Some("confirmation") if secret_ok || secret.is_empty() => {
                (StatusCode::OK, self.settings.confirmation.clone()).into_response()
            }
            _ if !secret_ok => (StatusCode::FORBIDDEN, "bad secret").into_response(),
            Some("message_new") => {
                let Some(msg) = to_inbound(&event["object"]) else {
                    return (StatusCode::OK, "ok").into_response();
                };
                match inbox.handle(msg).await {
                    Ok(_) => (StatusCode::OK, "ok").into_response(),
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "VK message not stored");
                        // Anything but "ok" and VK sends the event again.
                        (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
                    }
                }
            }
            // Other events we subscribed to by accident: acknowledged and ignored.
            _ => (StatusCode::OK, "ok").into_response(),
        }
    }
}

/// A `message_new` object as an inbound message; `None` for one without a sender.
fn to_inbound(object: &Value) -> Option<Inbound> {
    let message = &object["message"];
    let peer = message["peer_id"].as_i64()?;
    let from = message["from_id"].as_i64()?;
    if from <= 0 {
        return None; // from a community (our own or another), not a person
    }
    // `id` is 0 in group chats; the conversation-scoped id is always set.
    let id = message["conversation_message_id"]
        .as_i64()
        .or_else(|| message["id"].as_i64())?;
    let text = message["text"].as_str().unwrap_or_default().trim();
    let (kind, text) = if text.is_empty() {
        let what = message["attachments"]
            .as_array()
            .and_then(|a| a.first())
            .map(|a| match a["type"].as_str().unwrap_or_default() {
                "photo" => "photo",
                "sticker" => "sticker",
                "audio_message" => "voice message",
                "video" => "video",
                "audio" => "audio file",
                "doc" => "file",
                _ => "message",
            })
            .or_else(|| message["geo"].is_object().then_some("location"))?;
        (InboundKind::Unsupported(what), format!("[{what}]"))
    } else {
        (InboundKind::Text, text.to_string())
    };
    Some(Inbound {
        channel: Channel::Vk,
        platform_message_id: format!("{peer}:{id}"),
        patron: peer.to_string(),
        text,
        language: language(object["client_info"]["lang_id"].as_i64()),
        kind,
    })
}

/// VK's interface language ids (0 Russian, 1 Ukrainian, 3 English, 4 Spanish ...).
fn language(lang_id: Option<i64>) -> Option<String> {
    let code = match lang_id? {
        0 => "ru",
        1 => "uk",
        2 => "be",
        3 => "en",
        4 => "es",
        6 => "de",
        12 => "fr",
        _ => return None,
    };
    Some(code.to_string())
}

/// VK's idempotency key: the same outbox row and part always give the same id (31 bits,
/// as VK wants a positive int32), so a resend after a crash is dropped by VK.
pub fn random_id(idempotency_key: &str, part: usize) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in idempotency_key.bytes().chain(part.to_le_bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h & 0x7fff_ffff).max(1) as i32
}

#[async_trait]
impl Connector for Vk {
    fn channel(&self) -> Channel {
        Channel::Vk
    }

    fn split(&self, text: &str) -> Vec<String> {
        split(&to_plain(text), MAX_MESSAGE_LEN, &char_count)
    }

    fn drops_repeats(&self) -> bool {
        true
    }

    async fn send(&self, delivery: &Delivery, part: Part<'_>) -> Result<(), SendError> {
        let random_id = random_id(&delivery.idempotency_key, part.index).to_string();
        let mut form = vec![
            ("peer_id", delivery.recipient.as_str()),
            ("message", part.text),
            ("random_id", random_id.as_str()),
            ("access_token", self.settings.access_token.expose()),
            ("v", API_VERSION),
        ];
        // A request for a rating gets a one-time keyboard of 1 to 5 (a tap sends the number).
        let keyboard = RATING_KEYBOARD.as_str();
        if delivery.prompt.as_deref() == Some("rating") && part.index + 1 == part.count {
            form.push(("keyboard", keyboard));
        }
        let url = format!(
            "{}/method/messages.send",
            self.settings.api_url.trim_end_matches('/')
        );
        let response = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| SendError::Transient(e.without_url().into()))?;
        if !response.status().is_success() {
            return Err(SendError::Transient(anyhow::anyhow!(
                "VK answered HTTP {}",
                response.status()
            )));
        }
        let reply: Value = response
            .json()
            .await
            .map_err(|e| SendError::Transient(e.without_url().into()))?;
        if reply.get("response").is_some() {
            return Ok(());
        }
        let code = reply["error"]["error_code"].as_i64().unwrap_or_default();
        let message = reply["error"]["error_msg"]
            .as_str()
            .unwrap_or("no error message");
        Err(match code {
            6 => SendError::RateLimited {
                retry_after: Duration::from_secs(1),
            },
            9 | 29 => SendError::RateLimited {
                retry_after: Duration::from_secs(60),
            },
            // Unknown or internal errors, and a refused token (fixed in the settings, a retry
            // succeeds).
            1 | 5 | 10 | 27 | 28 => {
                SendError::Transient(anyhow::anyhow!("VK error {code}: {message}"))
            }
            // Cannot write to this person (blocked the community, privacy settings ...).
            7 | 900 | 901 | 902 | 936 => {
                SendError::Undeliverable(format!("VK error {code}: {message}"))
            }
            _ => SendError::Permanent(anyhow::anyhow!("VK error {code}: {message}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn random_ids_are_stable_positive_and_per_part() {
        let a = random_id("refdesk-42", 0);
        assert_eq!(a, random_id("refdesk-42", 0));
        assert_ne!(a, random_id("refdesk-42", 1));
        assert_ne!(a, random_id("refdesk-43", 0));
        assert!(a > 0);
    }

    #[test]
    fn message_new_objects() {
        let object = json!({"message": {"id": 0, "date": 1, "peer_id": 2000000001, "from_id": 55,
            "text": "Когда открыта библиотека?", "conversation_message_id": 17, "attachments": []},
            "client_info": {"lang_id": 0}});
        let i = to_inbound(&object).unwrap();
        assert_eq!(
            (
                i.platform_message_id.as_str(),
                i.patron.as_str(),
                i.language.as_deref()
            ),
            ("2000000001:17", "2000000001", Some("ru"))
        );
        let sticker = json!({"message": {"id": 9, "peer_id": 55, "from_id": 55, "text": "",
            "conversation_message_id": 3, "attachments": [{"type": "sticker", "sticker": {}}]}});
        assert_eq!(
            to_inbound(&sticker).unwrap().kind,
            InboundKind::Unsupported("sticker")
        );
        let from_group = json!({"message": {"id": 9, "peer_id": 55, "from_id": -1, "text": "x",
            "conversation_message_id": 3}});
        assert!(to_inbound(&from_group).is_none());
        assert!(to_inbound(&json!({"message": "nonsense"})).is_none());
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::to_inbound;
    use crate::fuzz::{config, json_tree};

    const KEYS: &[&str] = &[
        "message",
        "peer_id",
        "from_id",
        "id",
        "conversation_message_id",
        "text",
        "attachments",
        "type",
        "photo",
        "sticker",
        "audio_message",
        "video",
        "doc",
        "object",
        "client_info",
        "lang_id",
        "payload",
    ];

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_event_object_is_read_or_ignored(tree in json_tree(KEYS)) {
            let _ = to_inbound(&tree);
            let _ = to_inbound(&serde_json::json!({ "message": tree }));
        }
    }
}
