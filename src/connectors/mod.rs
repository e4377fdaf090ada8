//! The seam between refdesk and the chat platforms. A connector is an adapter between two
//! ports: it turns platform events into `Inbound` messages for `Ports::inbox` (the
//! conversation service), and its outbound half (`Connector`) delivers what the outbox hands
//! it. Every connector starts the same way, `start(settings, &Ports) -> Adapter`, and the
//! application starts them all in one loop (see `docs/architecture.md`).

pub mod feed;
pub mod matrix;
pub mod meta;
pub mod telegram;
pub mod text;
pub mod vk;
pub mod webchat;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use tokio_util::sync::CancellationToken;

use crate::conversation::ConversationService;
use crate::domain::{Channel, Recipient, Sender};
use crate::net::Outbound;
use crate::store::Store;

/// What every connector is given: where inbound messages go, pulls that keep a cursor and
/// run alone (`feed`), the stop signal, and the outbound HTTP clients.
#[derive(Clone)]
pub struct Ports {
    pub inbox: ConversationService,
    pub stop: CancellationToken,
    pub outbound: Outbound,
    /// Only for `feed`: connectors never see the store.
    store: Store,
}

impl Ports {
    pub fn new(
        inbox: ConversationService,
        store: Store,
        stop: CancellationToken,
        outbound: Outbound,
    ) -> Self {
        Self {
            inbox,
            stop,
            outbound,
            store,
        }
    }

    /// A pull named `job` (its run-alone lock) that saves its position under `cursor_key`.
    pub fn feed(&self, job: &'static str, cursor_key: &'static str) -> feed::Feed {
        feed::Feed::new(job, cursor_key, self.store.clone(), self.stop.clone())
    }
}

/// A started connector, as the application needs it: the outbound half of each channel it
/// serves, its webhook routes with their own state bound, and its background worker.
#[derive(Default)]
pub struct Adapter {
    pub outbound: Vec<Arc<dyn Connector>>,
    pub routes: Option<axum::Router>,
    pub worker: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later (timeouts, 5xx).
    #[error("temporary failure: {0:#}")]
    Transient(anyhow::Error),
    /// The platform asked us to wait.
    #[error("rate limited for {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// Retrying will not help (bad recipient, message refused).
    #[error("refused: {0:#}")]
    Permanent(anyhow::Error),
    /// The platform's rules forbid sending now (e.g. outside a messaging window).
    #[error("undeliverable: {0}")]
    Undeliverable(String),
}

/// One piece of an outgoing message: most messages are one part; a message longer than the
/// platform allows is split, and the outbox records each part as it goes out.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub index: usize,
    pub count: usize,
    pub text: &'a str,
}

/// One message to deliver, in the terms a connector needs (not the outbox's bookkeeping).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub recipient: Recipient,
    pub sender: Sender,
    /// The message's id in refdesk (the web chat page drops one it already shows).
    pub message_id: i64,
    /// The whole text, in refdesk's Markdown subset (each part is in `Part`).
    pub text: String,
    /// The text's language (ISO 639-1), when known.
    pub lang: Option<String>,
    /// When it was queued (ms since the epoch).
    pub queued_at: i64,
    /// The name the patron sees for who wrote it (a librarian's display name), if any.
    pub sender_name: Option<String>,
    /// What it asks of the patron (`rating`: a platform with buttons offers 1 to 5).
    pub prompt: Option<String>,
    /// The same for every attempt: a platform that accepts one drops a repeat.
    pub idempotency_key: String,
    /// When the patron last wrote on this channel (ms since the epoch), for connectors with
    /// `has_reply_window`; `None` otherwise, or when the patron never wrote.
    pub patron_last_wrote_at: Option<i64>,
}

#[async_trait]
pub trait Connector: Send + Sync + 'static {
    fn channel(&self) -> Channel;
    /// Cuts a message into the parts the platform accepts, in order. The split must be
    /// the same every time for the same text: a retry resumes at the first undelivered part.
    fn split(&self, text: &str) -> Vec<String> {
        vec![text.to_string()]
    }
    /// Whether the platform drops a repeated delivery by itself (by the idempotency key,
    /// or the web chat page by message id). The outbox then marks deliveries sent in
    /// batches; otherwise it marks each at once, to keep the window for a repeat tiny.
    fn drops_repeats(&self) -> bool {
        false
    }
    /// Whether a successful `send` only handed the message on (to the instances' bus) and
    /// the instance that delivers it marks it sent; the outbox then marks it published.
    fn hands_on(&self) -> bool {
        false
    }
    /// Whether the platform takes replies only within a window after the patron's last
    /// message; the outbox then tells `send` when that was.
    fn has_reply_window(&self) -> bool {
        false
    }
    /// Delivers one part. `delivery.idempotency_key` (with the part's index) goes to
    /// platforms that accept one, so a retry after a crash between send and mark does not
    /// show twice.
    async fn send(&self, delivery: &Delivery, part: Part<'_>) -> Result<(), SendError>;
}

/// The enabled connectors by channel.
#[derive(Clone, Default)]
pub struct Connectors(HashMap<Channel, Arc<dyn Connector>>);

impl Connectors {
    pub fn add(&mut self, connector: Arc<dyn Connector>) {
        self.0.insert(connector.channel(), connector);
    }

    pub fn get(&self, channel: Channel) -> Option<&Arc<dyn Connector>> {
        self.0.get(&channel)
    }
}
