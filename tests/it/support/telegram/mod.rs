//! A loopback fake of the Telegram Bot API (<https://core.telegram.org/bots/api>). The
//! connector's teloxide client is pointed at `base_url`; the fake answers
//! `{base}/bot{TOKEN}/{method}` with the documented JSON and records what it was asked.
//!
//! The fake's state and the tests' handle on it are here; `server` answers the methods,
//! `wire` reads requests (form, multipart, JSON) and writes replies in the Bot API's
//! shape, `markup` parses message text the way Telegram does, and `fixtures` builds the
//! updates users send.

mod fixtures;
mod markup;
mod server;
mod wire;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use fixtures::*;
use server::handle;

/// The fake bot's user id (`getMe`, `from` of its messages).
pub const BOT_ID: i64 = 777_000_111;
/// The fake bot's first name.
pub const BOT_FIRST_NAME: &str = "Library Bot";
/// Telegram's limit on a message's text, in UTF-16 code units after markup is parsed.
pub const MAX_TEXT_UTF16: usize = 4096;
pub(super) const FIRST_UPDATE_ID: i64 = 1000;
pub(super) const WEBHOOK_CONFLICT: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
/// The methods the fake knows (Telegram matches method names case-insensitively).
pub(super) const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendChatAction",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "logOut",
    "close",
];

/// One `sendMessage` request.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    /// The `text` parameter exactly as sent (markup included).
    pub text: String,
    pub parse_mode: Option<String>,
    /// When the fake handled it (after any stall).
    pub at: Instant,
    /// What the chat shows: markup stripped, entities decoded, trimmed.
    pub plain: String,
}

/// The fake Bot API server; clones share it.
#[derive(Clone)]
pub struct FakeTelegram {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) token: String,
    pub(super) bot_username: String,
    pub(super) state: Mutex<FakeState>,
    /// Bumped on every queued update, to wake long polls.
    pub(super) updates: watch::Sender<u64>,
    pub(super) stalled: watch::Sender<bool>,
}

#[derive(Default)]
pub(super) struct FakeState {
    pub(super) next_update_id: i64,
    /// Unconfirmed updates, in update_id order.
    pub(super) queue: Vec<Queued>,
    pub(super) confirmed_offset: i64,
    /// The parameters of the setWebhook call in force.
    pub(super) webhook: Option<Map<String, Value>>,
    /// setMyCommands lists by (scope, language_code).
    pub(super) commands: HashMap<(String, String), Value>,
    pub(super) sent: Vec<Sent>,
    pub(super) rejected: Vec<Sent>,
    pub(super) reject_left: usize,
    pub(super) reject_secs: u64,
    pub(super) message_ids: HashMap<i64, i64>,
    pub(super) calls: Vec<(String, Value)>,
}

pub(super) struct Queued {
    pub(super) id: i64,
    pub(super) update: Value,
    /// Pushed raw below the confirmed offset: delivered once anyway (a redelivery).
    pub(super) redeliver: bool,
}

impl Shared {
    pub(super) fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn bot_user(&self) -> Value {
        json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        })
    }
}

impl FakeState {
    pub(super) fn queue(&mut self, id: i64, update: Value, redeliver: bool) {
        let at = self.queue.partition_point(|q| q.id <= id);
        self.queue.insert(
            at,
            Queued {
                id,
                update,
                redeliver,
            },
        );
    }

    pub(super) fn alloc_update_id(&mut self) -> i64 {
        let id = self.next_update_id;
        self.next_update_id = self.next_update_id.saturating_add(1);
        id
    }

    /// Confirms (forgets) what `offset` confirms, then returns up to `limit` updates.
    pub(super) fn take_batch(&mut self, offset: i64, limit: usize) -> Vec<Value> {
        if offset < 0 {
            // Documented: the last -offset updates are kept, all before them forgotten.
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            let forget = self.queue.len().saturating_sub(keep);
            if forget > 0 {
                let last = self.queue[forget - 1].id;
                self.confirmed_offset = self.confirmed_offset.max(last.saturating_add(1));
                self.queue.drain(..forget);
            }
        } else if offset > 0 {
            self.queue.retain(|q| q.id >= offset || q.redeliver);
            self.confirmed_offset = self.confirmed_offset.max(offset);
        }
        self.queue
            .iter_mut()
            .take(limit)
            .map(|q| {
                q.redeliver = false;
                q.update.clone()
            })
            .collect()
    }
}

impl FakeTelegram {
    /// Starts the fake; `bot_username` is what getMe reports (bot id 777000111, is_bot true, first_name "Library Bot").
    pub async fn start(token: &str, bot_username: &str) -> FakeTelegram {
        let shared = Self::shared(token, bot_username);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Telegram on 127.0.0.1:0");
        let addr = listener.local_addr().expect("the fake Telegram's address");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            base_url: format!("http://{addr}"),
            shared,
        }
    }

    /// The same fake over HTTPS, with a certificate from `ca`.
    pub async fn start_over_tls(
        token: &str,
        bot_username: &str,
        ca: &super::tls::TestCa,
    ) -> (FakeTelegram, Arc<super::tls::TlsCounts>) {
        let shared = Self::shared(token, bot_username);
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (base_url, counts) = ca.serve(app).await;
        let fake = FakeTelegram { base_url, shared };
        (fake, counts)
    }

    pub(super) fn shared(token: &str, bot_username: &str) -> Arc<Shared> {
        Arc::new(Shared {
            token: token.to_string(),
            bot_username: bot_username.to_string(),
            state: Mutex::new(FakeState {
                next_update_id: FIRST_UPDATE_ID,
                ..FakeState::default()
            }),
            updates: watch::channel(0).0,
            stalled: watch::channel(false).0,
        })
    }

    /// Queues an update (a JSON object WITHOUT update_id); assigns the next update_id (starting at 1000, increasing by 1) and returns it.
    pub fn push_update(&self, update_without_id: Value) -> i64 {
        let mut update = update_without_id;
        assert!(update.is_object(), "push_update wants a JSON object");
        let id = {
            let mut st = self.shared.state();
            let id = st.alloc_update_id();
            update["update_id"] = json!(id);
            st.queue(id, update, false);
            id
        };
        self.shared.updates.send_modify(|n| *n += 1);
        id
    }

    /// Builds the JSON of a `message` update from a private chat (chat.id == from.id == user_id,
    /// chat.type "private", from.first_name "Pat", date now); without update_id. Commands
    /// and @mentions in `text` get their entities, as Telegram adds them.
    pub fn private_text(user_id: i64, message_id: i64, text: &str, language_code: &str) -> Value {
        let mut msg = private_message(user_id, message_id, language_code);
        msg["text"] = json!(text);
        let entities = auto_entities(text);
        if !entities.is_empty() {
            msg["entities"] = Value::Array(entities);
        }
        json!({ "message": msg })
    }

    /// Same, but a group message: chat {id: chat_id (negative), type "group", title "Study group"},
    /// from user_id. `entities: None` adds the command/mention entities Telegram would;
    /// `Some(array)` is used as given (`Some(json!([]))` for none).
    pub fn group_text(
        chat_id: i64,
        user_id: i64,
        message_id: i64,
        text: &str,
        entities: Option<Value>,
        reply_to: Option<Value>,
    ) -> Value {
        let mut msg = json!({
            "message_id": message_id,
            "from": { "id": user_id, "is_bot": false, "first_name": "Pat" },
            "chat": chat_json(chat_id),
            "date": unix_now(),
            "text": text,
        });
        let entities = entities.unwrap_or_else(|| Value::Array(auto_entities(text)));
        if entities.as_array().is_none_or(|a| !a.is_empty()) {
            msg["entities"] = entities;
        }
        if let Some(reply) = reply_to {
            msg["reply_to_message"] = reply;
        }
        json!({ "message": msg })
    }

    /// A private message with a sticker instead of text (a documented Sticker object).
    pub fn private_sticker(user_id: i64, message_id: i64) -> Value {
        let mut msg = private_message(user_id, message_id, "en");
        msg["sticker"] = json!({
            "file_id": "CAACAgIAAxkBAAEBfakeStickerFileId",
            "file_unique_id": "AgADfakeSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": false,
            "is_video": false,
            "emoji": "👍",
            "set_name": "LibraryFakes",
            "file_size": 12345,
        });
        json!({ "message": msg })
    }

    /// Every sendMessage request that got a successful reply, in arrival order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.state().sent.clone()
    }

    /// Sent messages for one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        let st = self.shared.state();
        st.sent
            .iter()
            .filter(|s| s.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Waits (polling every 20 ms, up to `wait`) until at least `n` messages were sent to
    /// `chat_id`; returns them (fewer if the wait ran out).
    pub async fn wait_for_sent(&self, chat_id: i64, n: usize, wait: Duration) -> Vec<Sent> {
        let deadline = Instant::now() + wait;
        loop {
            let sent = self.sent_to(chat_id);
            if sent.len() >= n || Instant::now() >= deadline {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The next `n` sendMessage calls get HTTP 429 with retry_after = `secs` (recorded in
    /// `rejected()`, not in `sent()`).
    pub fn reject_next_sends(&self, n: usize, retry_after_secs: u64) {
        let mut st = self.shared.state();
        st.reject_left = n;
        st.reject_secs = retry_after_secs;
    }

    /// The sendMessage calls answered 429, in arrival order.
    pub fn rejected(&self) -> Vec<Sent> {
        self.shared.state().rejected.clone()
    }

    /// While stalled, sendMessage requests are held open and then lost: when the stall ends
    /// they get 502 Bad Gateway and are not recorded, as if they never reached Telegram.
    pub fn stall_sends(&self, on: bool) {
        self.shared.stalled.send_replace(on);
    }

    /// The parameters received for a method (e.g. "setWebhook"), as JSON objects, in order
    /// (sendMessage: every request that got past a stall, failed ones included).
    pub fn calls(&self, method: &str) -> Vec<Value> {
        let st = self.shared.state();
        st.calls
            .iter()
            .filter(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// How many queued updates are not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.shared.state().queue.len()
    }
}
