//! Signals every instance must hear: changes in the desk's queue and web chat messages for
//! whichever instance holds the patron's sockets. One instance (SQLite) passes them in
//! process. Several instances on PostgreSQL pass them through the database itself
//! (`NOTIFY`/`LISTEN` on one channel), each hearing its own too; when the listening
//! connection is lost it is opened again and a `Resync` tells every subscriber that signals
//! may have been missed, so each catches up from the database instead of trusting the bus.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::domain::TicketStatus;
use crate::store::{Backend, Store};

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "refdesk_bus";
/// Signals a slow subscriber may fall behind by before it misses some (and resyncs).
const BACKLOG: usize = 1024;

/// What changed in the desk's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeskChange {
    NewTicket,
    PatronMessage,
    Claimed,
    Released,
    Resolved,
    Reply,
    /// Handed to another librarian.
    Transferred,
    /// A staff note was added.
    Note,
    /// Changes may have been missed: read the queue again.
    Resync,
}

/// A change in the queue, as every open desk view hears it (Server-Sent Events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeskEvent {
    pub kind: DeskChange,
    pub ticket_id: i64,
    pub status: TicketStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    Desk(DeskEvent),
    /// An outgoing web chat message (the text is read from the database: a signal's
    /// payload is small), for the instance whose sockets the patron holds.
    Chat {
        message_id: i64,
        recipient: String,
    },
    /// Signals may have been missed.
    Resync,
}

#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<Signal>,
    /// Present when several instances may share the database.
    shared: Option<Store>,
}

impl Bus {
    /// In process only (one instance).
    pub fn local() -> Self {
        Self {
            local: broadcast::channel(BACKLOG).0,
            shared: None,
        }
    }

    /// The bus for `store`'s database: through PostgreSQL when that is where it lives, with
    /// the listening task running until `stop`.
    pub fn start(store: &Store, database_url: &str, stop: CancellationToken) -> Self {
        let mut bus = Self::local();
        if store.backend() == Backend::Postgres {
            bus.shared = Some(store.clone());
            tokio::spawn(listen(database_url.to_string(), bus.local.clone(), stop));
        }
        bus
    }

    /// Whether signals cross instances (then a web chat message is relayed through it).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.local.subscribe()
    }

    /// Sends `signal` to every instance (this one included); returns when the database has
    /// taken it.
    pub async fn publish(&self, signal: Signal) -> anyhow::Result<()> {
        match &self.shared {
            None => {
                // No subscriber (no desk open) is fine.
                let _ = self.local.send(signal);
                Ok(())
            }
            Some(store) => {
                store
                    .notify(CHANNEL, &serde_json::to_string(&signal)?)
                    .await
            }
        }
    }

    /// `publish` without waiting, for signals that only prompt a re-read (desk changes):
    /// a failure is logged, and views catch up on the next change.
    pub fn announce(&self, signal: Signal) {
        match &self.shared {
            None => {
                let _ = self.local.send(signal);
            }
            Some(_) => {
                let bus = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = bus.publish(signal).await {
                        tracing::warn!(error = %format!("{e:#}"), "a desk change was not announced");
                    }
                });
            }
        }
    }
}

/// Listens on the channel and passes what it hears on, opening the connection again when it
/// is lost (then `Resync`, since what was sent meanwhile is gone).
async fn listen(url: String, local: broadcast::Sender<Signal>, stop: CancellationToken) {
    let mut wait = Duration::from_millis(250);
    let mut first = true;
    while !stop.is_cancelled() {
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect(&url).await?;
            l.listen(CHANNEL).await?;
            anyhow::Ok(l)
        };
        let mut listener = tokio::select! {
            l = listener => match l {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot listen for other instances; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.cancelled() => return,
                    }
                    wait = (wait * 2).min(Duration::from_secs(10));
                    continue;
                }
            },
            _ = stop.cancelled() => return,
        };
        wait = Duration::from_millis(250);
        if !first {
            let _ = local.send(Signal::Resync);
        }
        first = false;
        loop {
            let heard = tokio::select! {
                n = listener.try_recv() => n,
                _ = stop.cancelled() => return,
            };
            match heard {
                Ok(Some(n)) => match serde_json::from_str::<Signal>(n.payload()) {
                    Ok(signal) => {
                        let _ = local.send(signal);
                    }
                    Err(e) => tracing::warn!(error = %e, "an unreadable signal on the bus"),
                },
                // The connection was lost; sqlx opens it again on the next call.
                Ok(None) => {
                    tracing::warn!("lost the connection listening for other instances");
                    let _ = local.send(Signal::Resync);
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "listening for other instances failed");
                    break;
                }
            }
        }
    }
}
