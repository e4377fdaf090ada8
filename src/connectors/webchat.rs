//! The web chat: patrons connect over a WebSocket (`/chat/ws`); replies are pushed to every
//! open socket of the patron's session and replayed on reconnect from the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::{Connector, Delivery, Part, SendError};
use crate::bus::{Bus, Signal};
use crate::domain::Channel;
use crate::rate::{Allowances, per_minute};

/// What the server sends over the socket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMsg {
    Session {
        session: String,
    },
    Message {
        id: String,
        from: String,
        text: String,
        /// The message's language (ISO 639-1), when the server knows it; the page marks
        /// the message with it, else with its own language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang: Option<String>,
        /// When it was written (ms since the epoch): a reply that waited for the patron to
        /// come back shows when it was sent, not when it arrived.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<i64>,
        /// Who wrote it as the patron should see them (a librarian's display name).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// What it asks of the patron: `rating` (the page offers 1 to 5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<String>,
    },
    Ack {
        client_id: String,
        id: String,
        /// The message joined a librarian's ticket: no automatic reply follows, so the page
        /// shows no "typing" dots.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        with_librarian: bool,
    },
    Error {
        message: String,
    },
}

/// What a client sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientMsg {
    Message { text: String, client_id: String },
}

/// Frames waiting to be written to one socket. A page that does not read them fills the
/// queue; what does not fit is not lost, the page gets it replayed when it reconnects.
pub const SOCKET_QUEUE: usize = 32;

pub type Socket = mpsc::Sender<ServerMsg>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebChatSettings {
    /// Open chat sockets at most; more are refused with 503 until some close.
    pub max_sockets: usize,
    /// A socket that sends nothing for this long is closed (the page reconnects when it is
    /// still open, and gets what it missed).
    pub idle_timeout_secs: u32,
    /// New chat sessions one address (IPv6: one /64) may start per minute. A library's
    /// public computers share an address, so it is generous; a script starting thousands is
    /// refused with 429.
    pub new_sessions_per_minute_per_address: u32,
    /// Messages per minute from one address over all its sessions (each session also has
    /// `patron_limits.messages_per_minute`): a computer lab of thirty patrons stays well
    /// under it, a script opening session after session does not.
    pub messages_per_minute_per_address: u32,
}

impl Default for WebChatSettings {
    fn default() -> Self {
        Self {
            max_sockets: 10_000,
            idle_timeout_secs: 1800,
            new_sessions_per_minute_per_address: 60,
            messages_per_minute_per_address: 300,
        }
    }
}

pub struct WebChat {
    /// patron key -> open sockets (a patron may have the chat open in two tabs).
    sockets: Mutex<HashMap<String, Vec<(u64, Socket)>>>,
    next_socket: std::sync::atomic::AtomicU64,
    open: Arc<AtomicUsize>,
    /// New sessions and messages per client address (IPv6 by /64).
    new_sessions: Allowances<IpAddr>,
    messages: Allowances<IpAddr>,
    settings: WebChatSettings,
    /// With several instances, a message goes out on the bus to whichever holds the
    /// patron's sockets (`web::chat::relay` pushes it there).
    bus: Bus,
}

/// One of the `max_sockets` places, held while a socket is open.
pub struct SocketSlot(Arc<AtomicUsize>);

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WebChat {
    pub fn new(settings: WebChatSettings, bus: Bus) -> Self {
        Self {
            sockets: Mutex::default(),
            next_socket: Default::default(),
            open: Arc::default(),
            new_sessions: Allowances::new(per_minute(settings.new_sessions_per_minute_per_address)),
            messages: Allowances::new(per_minute(settings.messages_per_minute_per_address)),
            settings,
            bus,
        }
    }

    /// A place for one more socket, unless `max_sockets` are open.
    pub fn open_slot(&self) -> Option<SocketSlot> {
        let max = self.settings.max_sockets;
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| SocketSlot(self.open.clone()))
    }

    /// Spends one new session of the client's allowance, or says how long to wait.
    pub fn start_session(&self, client: IpAddr) -> Result<(), Duration> {
        self.new_sessions.check(&crate::auth::client_key(client))
    }

    /// Spends one message of the client's allowance (over all its sessions).
    pub fn take_message(&self, client: IpAddr) -> Result<(), Duration> {
        self.messages.check(&crate::auth::client_key(client))
    }

    pub fn open_sockets(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    pub fn idle_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.settings.idle_timeout_secs.max(1)))
    }

    pub fn register(&self, patron: &str, socket: Socket) -> u64 {
        let id = self
            .next_socket
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.sockets
            .lock()
            .expect("sockets lock")
            .entry(patron.to_string())
            .or_default()
            .push((id, socket));
        id
    }

    pub fn unregister(&self, patron: &str, id: u64) {
        let mut sockets = self.sockets.lock().expect("sockets lock");
        if let Some(list) = sockets.get_mut(patron) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                sockets.remove(patron);
            }
        }
    }

    /// The patrons with a socket open here.
    pub fn patrons_here(&self) -> Vec<String> {
        let sockets = self.sockets.lock().expect("sockets lock");
        sockets.keys().cloned().collect()
    }

    pub fn is_here(&self, patron: &str) -> bool {
        self.sockets
            .lock()
            .expect("sockets lock")
            .contains_key(patron)
    }

    /// Writes `msg` to every socket of the patron open here; whether any took it.
    pub fn push(&self, patron: &str, msg: &ServerMsg) -> bool {
        let sockets = self.sockets.lock().expect("sockets lock");
        sockets
            .get(patron)
            .map(|list| {
                list.iter()
                    .filter(|(_, s)| s.try_send(msg.clone()).is_ok())
                    .count()
                    > 0
            })
            .unwrap_or(false)
    }
}

#[async_trait]
impl Connector for WebChat {
    fn channel(&self) -> Channel {
        Channel::Webchat
    }

    /// Pushes to the patron's open sockets. A socket write is no proof the page got it, and
    /// with no socket open the message waits in the database: either way a reconnecting page
    /// gets it replayed (see `web::chat`). The message id is the idempotency key: the page
    /// drops an id it has already shown.
    /// The page drops a message id it has already shown.
    fn drops_repeats(&self) -> bool {
        true
    }

    /// With several instances the socket may be on another one: the instance whose relay
    /// pushes the message marks it sent (`web::chat::relay`).
    fn hands_on(&self) -> bool {
        self.bus.is_shared()
    }

    async fn send(&self, delivery: &Delivery, _part: Part<'_>) -> Result<(), SendError> {
        if self.bus.is_shared() {
            let signal = Signal::Chat {
                message_id: delivery.message_id,
                recipient: delivery.recipient.as_str().to_string(),
            };
            return self.bus.publish(signal).await.map_err(SendError::Transient);
        }
        let msg = ServerMsg::Message {
            id: delivery.message_id.to_string(),
            from: delivery.sender.as_str().to_string(),
            text: delivery.text.clone(),
            lang: delivery.lang.clone(),
            at: Some(delivery.queued_at),
            name: delivery.sender_name.clone(),
            prompt: delivery.prompt.clone(),
        };
        self.push(delivery.recipient.as_str(), &msg);
        Ok(())
    }
}

/// A new unguessable session token: 32 random bytes, URL-safe.
pub fn new_session_token() -> String {
    crate::auth::new_token()
}

/// Tokens we issue are 64 hex digits; anything else is ignored and a new session started.
pub fn is_valid_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The patron's id in the database: a hash of the token, so the database never holds a
/// token that could be replayed to read a conversation.
pub fn patron_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_session_token();
        assert!(is_valid_token(&a));
        assert_ne!(a, new_session_token());
        assert_ne!(patron_key(&a), a);
        assert!(!is_valid_token("../../etc"));
    }

    #[test]
    fn protocol_shapes() {
        let m = serde_json::to_string(&ServerMsg::Session {
            session: "t".into(),
        })
        .unwrap();
        assert_eq!(m, r#"{"type":"session","session":"t"}"#);
        let message = |lang: Option<&str>| {
            serde_json::to_string(&ServerMsg::Message {
                id: "7".into(),
                from: "bot".into(),
                text: "Merhaba".into(),
                lang: lang.map(String::from),
                at: None,
                name: None,
                prompt: None,
            })
            .unwrap()
        };
        assert_eq!(
            message(Some("tr")),
            r#"{"type":"message","id":"7","from":"bot","text":"Merhaba","lang":"tr"}"#
        );
        assert!(
            !message(None).contains("lang"),
            "an unknown language is left out"
        );
        let c: ClientMsg =
            serde_json::from_str(r#"{"type":"message","text":"hi","client_id":"1"}"#).unwrap();
        assert!(matches!(c, ClientMsg::Message { .. }));
    }
}
