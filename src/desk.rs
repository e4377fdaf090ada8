//! What librarians do to tickets, with the live events the desk views follow.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{Notify, broadcast};

use crate::domain::now_ms;
use crate::store::{Store, TicketRefusal};

/// A change in the queue, sent to every open desk view (Server-Sent Events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeskEvent {
    pub kind: &'static str,
    pub ticket_id: i64,
    pub status: &'static str,
}

pub type DeskEvents = broadcast::Sender<DeskEvent>;

pub fn desk_events() -> DeskEvents {
    broadcast::channel(256).0
}

#[derive(Clone)]
pub struct Desk {
    store: Store,
    events: DeskEvents,
    outbox_wake: Arc<Notify>,
}

impl Desk {
    pub fn new(store: Store, events: DeskEvents, outbox_wake: Arc<Notify>) -> Self {
        Self {
            store,
            events,
            outbox_wake,
        }
    }

    pub fn events(&self) -> &DeskEvents {
        &self.events
    }

    fn announce(&self, kind: &'static str, ticket_id: i64, status: &'static str) {
        // No receivers (no desk open) is fine.
        let _ = self.events.send(DeskEvent {
            kind,
            ticket_id,
            status,
        });
    }

    pub async fn claim(&self, id: i64, who: &str) -> anyhow::Result<Result<(), TicketRefusal>> {
        let r = self.store.claim_ticket(id, who, now_ms()).await?;
        if r.is_ok() {
            self.announce("claimed", id, "claimed");
        }
        Ok(r)
    }

    pub async fn release(
        &self,
        id: i64,
        who: &str,
        is_admin: bool,
    ) -> anyhow::Result<Result<(), TicketRefusal>> {
        let r = self.store.release_ticket(id, who, is_admin).await?;
        if r.is_ok() {
            self.announce("released", id, "open");
        }
        Ok(r)
    }

    pub async fn resolve(
        &self,
        id: i64,
        who: &str,
        is_admin: bool,
    ) -> anyhow::Result<Result<(), TicketRefusal>> {
        let r = self
            .store
            .resolve_ticket(id, who, is_admin, now_ms())
            .await?;
        if r.is_ok() {
            self.announce("resolved", id, "resolved");
        }
        Ok(r)
    }

    pub async fn reply(
        &self,
        id: i64,
        who: &str,
        text: &str,
    ) -> anyhow::Result<Result<i64, TicketRefusal>> {
        let r = self.store.reply_to_ticket(id, who, text, now_ms()).await?;
        if r.is_ok() {
            self.outbox_wake.notify_one();
            self.announce("reply", id, "claimed");
        }
        Ok(r)
    }
}
