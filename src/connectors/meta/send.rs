//! Replies through the Graph API send endpoints, within each platform's messaging window:
//! 24 hours after the patron's last message; on Messenger and Instagram a librarian may
//! answer up to 7 days later with the HUMAN_AGENT tag; past that (and on WhatsApp past 24
//! hours, where only approved templates may be sent) the row is marked undeliverable with
//! the reason, which the librarian sees on the ticket.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::Meta;
use crate::connectors::text::{char_count, split, to_plain};
use crate::connectors::{Connector, Delivery, Part, SendError};
use crate::domain::{Channel, Sender, now_ms};

const HOUR_MS: i64 = 3_600_000;
const STANDARD_WINDOW_MS: i64 = 24 * HOUR_MS;
const HUMAN_AGENT_WINDOW_MS: i64 = 7 * 24 * HOUR_MS;
/// Graph API rate limits last minutes; wait this long before trying again.
const RATE_LIMIT_PAUSE: Duration = Duration::from_secs(60);

pub struct MetaChannel {
    channel: Channel,
    meta: Arc<Meta>,
}

impl MetaChannel {
    pub(super) fn new(channel: Channel, meta: Arc<Meta>) -> Self {
        Self { channel, meta }
    }

    /// The longest text a platform takes in one message, in characters.
    fn max_len(&self) -> usize {
        self.channel.max_message_chars()
    }

    /// How a reply may go out `age_ms` after the patron last wrote: the Messenger
    /// `messaging_type` and tag, or why it may not.
    fn window(
        &self,
        age_ms: i64,
        sender: Sender,
    ) -> Result<(&'static str, Option<&'static str>), String> {
        let librarian = sender == Sender::Librarian;
        match self.channel {
            _ if age_ms <= STANDARD_WINDOW_MS => Ok(("RESPONSE", None)),
            Channel::Messenger | Channel::Instagram
                if librarian && age_ms <= HUMAN_AGENT_WINDOW_MS =>
            {
                Ok(("MESSAGE_TAG", Some("HUMAN_AGENT")))
            }
            Channel::Messenger | Channel::Instagram => Err(format!(
                "{} allows replies only within 7 days of the patron's last message (a librarian's) or 24 hours (the bot's); the patron wrote {} hours ago",
                self.platform(),
                age_ms / HOUR_MS
            )),
            _ => Err(format!(
                "WhatsApp allows free-form replies only within 24 hours of the patron's last message, and refdesk sends no template messages; the patron wrote {} hours ago",
                age_ms / HOUR_MS
            )),
        }
    }

    fn platform(&self) -> &'static str {
        match self.channel {
            Channel::Instagram => "Instagram",
            Channel::Whatsapp => "WhatsApp",
            _ => "Messenger",
        }
    }

    fn request(
        &self,
        recipient: &str,
        text: &str,
        how: (&str, Option<&str>),
        rating: bool,
    ) -> reqwest::RequestBuilder {
        let s = &self.meta.settings;
        let base = s.graph_api_url.trim_end_matches('/');
        if self.channel == Channel::Whatsapp {
            let body = json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": recipient,
                "type": "text",
                "text": {"preview_url": true, "body": text},
            });
            self.meta
                .http
                .post(format!("{base}/{}/messages", s.whatsapp_phone_number_id))
                .bearer_auth(s.whatsapp_token.expose())
                .json(&body)
        } else {
            let (messaging_type, tag) = how;
            let mut body = json!({
                "recipient": {"id": recipient},
                "messaging_type": messaging_type,
                "message": {"text": text},
            });
            if let Some(tag) = tag {
                body["tag"] = json!(tag);
            }
            // Quick replies 1 to 5 under a request for a rating: a tap sends the number.
            if rating {
                body["message"]["quick_replies"] = (1..=5)
                    .map(|n| json!({"content_type": "text", "title": n.to_string(), "payload": format!("RATING_{n}")}))
                    .collect();
            }
            // In a header rather than the URL, so no proxy or access log records the token.
            self.meta
                .http
                .post(format!("{base}/me/messages"))
                .bearer_auth(s.page_access_token.expose())
                .json(&body)
        }
    }
}

#[async_trait]
impl Connector for MetaChannel {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn has_reply_window(&self) -> bool {
        true
    }

    fn split(&self, text: &str) -> Vec<String> {
        split(&to_plain(text), self.max_len(), &char_count)
    }

    async fn send(&self, delivery: &Delivery, part: Part<'_>) -> Result<(), SendError> {
        let Some(last) = delivery.patron_last_wrote_at else {
            return Err(SendError::Undeliverable(format!(
                "the patron has never written on {}",
                self.platform()
            )));
        };
        let how = self
            .window(now_ms() - last, delivery.sender)
            .map_err(SendError::Undeliverable)?;
        let response = self
            .request(
                delivery.recipient.as_str(),
                part.text,
                how,
                delivery.prompt.as_deref() == Some("rating") && part.index + 1 == part.count,
            )
            .send()
            .await
            .map_err(|e| SendError::Transient(e.without_url().into()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Err(classify(status.as_u16(), &body["error"]))
    }
}

/// A Graph API error, by its documented codes.
fn classify(status: u16, error: &Value) -> SendError {
    let code = error["code"].as_i64().unwrap_or_default();
    let subcode = error["error_subcode"].as_i64().unwrap_or_default();
    let message = error["message"]
        .as_str()
        .unwrap_or("no error message")
        .to_string();
    let described = || anyhow::anyhow!("Graph API {status}, code {code}: {message}");
    match (code, subcode) {
        // Rate limits: application, user, page, WhatsApp pair and throughput limits.
        (4 | 17 | 32 | 613 | 80006 | 130429 | 131056, _) => SendError::RateLimited {
            retry_after: RATE_LIMIT_PAUSE,
        },
        // Outside the messaging window, or the person cannot be reached.
        (10, 2018278) | (551, _) | (100, 2018001) | (131047 | 131026 | 131051, _) => {
            SendError::Undeliverable(format!("{status}, code {code}: {message}"))
        }
        _ if status >= 500 || status == 408 => SendError::Transient(described()),
        // An expired or revoked token: fixing the settings lets a retry succeed.
        (190, _) => SendError::Transient(described()),
        _ => SendError::Permanent(described()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_errors_by_code() {
        let e = |status, v: Value| classify(status, &v);
        assert!(matches!(
            e(
                400,
                json!({"code": 613, "message": "Calls to this api have exceeded the rate limit."})
            ),
            SendError::RateLimited { .. }
        ));
        assert!(matches!(
            e(
                400,
                json!({"code": 10, "error_subcode": 2018278, "message": "outside of allowed window"})
            ),
            SendError::Undeliverable(_)
        ));
        assert!(matches!(
            e(
                400,
                json!({"code": 131047, "message": "Re-engagement message"})
            ),
            SendError::Undeliverable(_)
        ));
        assert!(matches!(e(503, Value::Null), SendError::Transient(_)));
        assert!(matches!(
            e(400, json!({"code": 100, "message": "Invalid parameter"})),
            SendError::Permanent(_)
        ));
    }
}
