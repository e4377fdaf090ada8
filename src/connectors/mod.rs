//! The seam between refdesk and the chat platforms. A connector turns platform events into
//! `Inbound` messages (and hands them to the conversation service) and delivers outbox rows.

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

use crate::domain::Channel;
use crate::store::{OutboxRow, SingletonGuard, Store};

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

#[async_trait]
pub trait Connector: Send + Sync + 'static {
    fn channel(&self) -> Channel;
    /// Cuts a message into the parts the platform accepts, in order. The split must be
    /// the same every time for the same text: a retry resumes at the first undelivered part.
    fn split(&self, text: &str) -> Vec<String> {
        vec![text.to_string()]
    }
    /// Whether the platform drops a repeated delivery by itself (by the idempotency key,
    /// or the web chat page by message id). When it does not, the outbox records each
    /// delivery at once instead of in a batch, to keep the window for a repeat tiny.
    fn deduplicates(&self) -> bool {
        false
    }
    /// Delivers one part of an outbox row. `row.idempotency_key` (with the part's index) is
    /// passed to platforms that accept one, so a retry after a crash between send and mark
    /// does not show twice.
    async fn send(&self, row: &OutboxRow, part: Part<'_>) -> Result<(), SendError>;
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

/// Waits until this instance is the one to run `job` (a poller or syncer that must run once
/// per bot; see `Store::try_singleton`), asking again every 15 s; `None` once `stop` fires.
pub async fn run_alone(
    store: &Store,
    job: &str,
    stop: &CancellationToken,
) -> Option<SingletonGuard> {
    loop {
        match store.try_singleton(job).await {
            Ok(Some(guard)) => return Some(guard),
            Ok(None) => tracing::info!(job, "another instance runs this; standing by"),
            Err(e) => {
                tracing::warn!(job, error = %format!("{e:#}"), "cannot take the singleton lock")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = stop.cancelled() => return None,
        }
    }
}
