//! The conversation service: an inbound message is stored exactly once, then either joins a
//! librarian's ticket (the bot stays silent) or gets the answer engine's reply, written to
//! the outbox in the same transaction.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio::sync::Notify;

use crate::answer::{AnswerEngine, Outcome};
use crate::domain::{Inbound, Sender, now_ms};
use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// The platform delivered this message before; nothing was done.
    Duplicate,
    Stored {
        message_id: i64,
        /// The engine's decision, or `None` when the message joined an existing ticket.
        outcome: Option<Outcome>,
        /// The ticket the message opened or joined.
        ticket_id: Option<i64>,
    },
}

#[derive(Clone)]
pub struct ConversationService {
    store: Store,
    engine: Arc<ArcSwap<AnswerEngine>>,
    metrics: Arc<Metrics>,
    outbox_wake: Arc<Notify>,
}

impl ConversationService {
    pub fn new(
        store: Store,
        engine: Arc<ArcSwap<AnswerEngine>>,
        metrics: Arc<Metrics>,
        outbox_wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            engine,
            metrics,
            outbox_wake,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn handle(&self, msg: Inbound) -> anyhow::Result<Handled> {
        // The engine is pure and fast; deciding before the transaction keeps it short.
        let started = Instant::now();
        let answer = self
            .engine
            .load()
            .answer(&msg.text, msg.language.as_deref());
        self.metrics.answer_latency(started.elapsed());

        let now = now_ms();
        let mut w = self.store.begin_write().await?;
        let Some(rec) = self.store.record_inbound(&mut w.tx, &msg, now).await? else {
            return Ok(Handled::Duplicate);
        };
        if let Some(ticket) = self
            .store
            .active_ticket(&mut w.tx, rec.conversation_id)
            .await?
        {
            self.store
                .record_outcome(&mut w.tx, rec.message_id, msg.channel, "ticket", None, now)
                .await?;
            w.commit().await?;
            self.metrics.message_in(msg.channel);
            self.metrics.outcome("ticket");
            return Ok(Handled::Stored {
                message_id: rec.message_id,
                outcome: None,
                ticket_id: Some(ticket.id),
            });
        }
        let (sender, ticket_id) = match answer.outcome {
            Outcome::Faq | Outcome::Smalltalk => (Sender::Bot, None),
            Outcome::Escalate | Outcome::Handoff => {
                let id = self
                    .store
                    .open_ticket(&mut w.tx, rec.conversation_id, answer.outcome.as_str(), now)
                    .await?;
                (Sender::System, Some(id))
            }
        };
        let outcome = answer.outcome.as_str();
        self.store
            .add_outbound(
                &mut w.tx,
                rec.conversation_id,
                sender,
                &answer.reply,
                Some(outcome),
                answer.faq_id.as_deref(),
                msg.channel,
                &msg.patron,
                now,
            )
            .await?;
        self.store
            .record_outcome(
                &mut w.tx,
                rec.message_id,
                msg.channel,
                outcome,
                answer.faq_id.as_deref(),
                now,
            )
            .await?;
        w.commit().await?;
        self.metrics.message_in(msg.channel);
        self.metrics.outcome(outcome);
        self.outbox_wake.notify_one();
        Ok(Handled::Stored {
            message_id: rec.message_id,
            outcome: Some(answer.outcome),
            ticket_id,
        })
    }
}
