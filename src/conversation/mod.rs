//! The conversation service: an inbound message is stored exactly once, then either joins a
//! librarian's ticket (the bot stays silent) or gets the answer engine's reply, written to
//! the outbox in the same transaction (`group_commit` shares that transaction with the
//! other patrons writing at the same moment). Before any of that, the patron's and the channel's
//! allowances (`limits`) decide whether the message is taken at all.

mod group_commit;
pub mod limits;
mod write;

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use arc_swap::ArcSwap;

use crate::answer::{Answer, AnswerEngine, LangHints, Outcome, replies};
use crate::bus::{Bus, DeskChange, DeskEvent, Signal};
use crate::domain::{BotCommand, Disposition, Inbound, InboundKind, Sender, TicketStatus, now_ms};
use crate::metrics::Metrics;
use crate::store::{Backend, MessageFacts, Store, day_of};
use group_commit::GroupWriter;
use limits::{PatronLimits, Verdict};
use write::{Decided, Written, reply_to};

#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// The platform delivered this message before; nothing was done.
    Duplicate,
    /// Nothing readable was left after removing NULs, invisible characters and spaces;
    /// nothing was stored.
    Blank,
    /// Over the patron's or the channel's allowance: not stored, not answered. The first
    /// refusal in a while was answered with a request to slow down (except on the web
    /// chat, whose socket says so itself).
    Limited,
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
    bus: Bus,
    limits: Arc<PatronLimits>,
    writer: GroupWriter,
    /// When librarians are on duty; `None`: always.
    hours: Option<Arc<crate::hours::Schedule>>,
}

impl ConversationService {
    pub fn new(
        store: Store,
        engine: Arc<ArcSwap<AnswerEngine>>,
        metrics: Arc<Metrics>,
        bus: Bus,
        limits: PatronLimits,
        hours: Option<crate::hours::Schedule>,
    ) -> Self {
        Self {
            writer: GroupWriter::start(store.clone()),
            store,
            engine,
            metrics,
            bus,
            limits: Arc::new(limits),
            hours: hours.map(Arc::new),
        }
    }

    /// A rating for the chat a librarian just ended, if the message is one and a chat is
    /// waiting for it: stored with that ticket and thanked (a second rating replaces the
    /// first and is thanked too, so no tap goes unanswered; a redelivery is a duplicate).
    async fn take_rating(&self, msg: &Inbound) -> anyhow::Result<Option<Handled>> {
        let Some(rating) = (msg.kind == InboundKind::Text)
            .then(|| replies::parse_rating(&msg.text))
            .flatten()
        else {
            return Ok(None);
        };
        let now = now_ms();
        let Some(due) = self.store.rating_due(msg.channel, &msg.patron, now).await? else {
            return Ok(None);
        };
        let previous = self
            .store
            .last_patron_language(msg.channel, &msg.patron)
            .await?;
        let lang = replies::phrase_lang(previous.as_deref().or(msg.language.as_deref()));
        let mut w = self.store.begin_write().await?;
        let facts = MessageFacts {
            outcome: Some(Disposition::JoinedTicket),
            faq_id: None,
            lang: None,
        };
        let Some(message_id) = w
            .insert_inbound(due.conversation_id, msg, facts, now)
            .await?
        else {
            return Ok(Some(Handled::Duplicate));
        };
        w.rate(due.ticket_id, rating).await?;
        let facts = MessageFacts {
            outcome: None,
            faq_id: None,
            lang: Some(lang),
        };
        let thanks = replies::rating_thanks(lang);
        w.queue_outbound(
            reply_to(msg, due.conversation_id, Sender::System, thanks, facts),
            now,
        )
        .await?;
        w.commit().await?;
        self.metrics.message_in(msg.channel);
        self.announce(
            DeskChange::PatronMessage,
            due.ticket_id,
            TicketStatus::Resolved,
        );
        Ok(Some(Handled::Stored {
            message_id,
            outcome: None,
            ticket_id: Some(due.ticket_id),
        }))
    }

    /// Whether nobody is on duty now, and if so what the escalation notice adds.
    fn off_duty_notice(&self, lang: &str, now: i64) -> Option<String> {
        let hours = self.hours.as_ref()?;
        if hours.on_duty(now) {
            return None;
        }
        Some(
            hours
                .next_opening(now)
                .map(|next| replies::out_of_hours(lang, &next))
                .unwrap_or_default(),
        )
    }

    fn announce(&self, kind: DeskChange, ticket_id: i64, status: TicketStatus) {
        self.bus.announce(Signal::Desk(DeskEvent {
            kind,
            ticket_id,
            status,
        }));
    }

    /// What the bot would do with the message, before looking at the conversation.
    /// `previous`: the language of the patron's last message, a hint for short ones.
    fn decide(&self, msg: &Inbound, previous: Option<&str>) -> Answer {
        let lang = replies::phrase_lang(previous.or(msg.language.as_deref()));
        let fixed = |outcome, reply: String| Answer {
            outcome,
            reply,
            lang: lang.to_string(),
            reply_lang: lang.to_string(),
            ..Answer::default()
        };
        match msg.kind {
            InboundKind::Text => {
                let started = Instant::now();
                let answer = self.engine.load().answer_with(
                    &msg.text,
                    LangHints {
                        channel: msg.language.as_deref(),
                        previous,
                    },
                );
                self.metrics.answer_latency(started.elapsed());
                answer
            }
            InboundKind::Command(BotCommand::Start) => fixed(
                Outcome::Command,
                replies::welcome(lang, self.engine.load().library_name()),
            ),
            InboundKind::Command(BotCommand::Help) => {
                fixed(Outcome::Command, replies::help(lang).into())
            }
            InboundKind::Command(BotCommand::Human) => {
                fixed(Outcome::Handoff, replies::handoff(lang).into())
            }
            InboundKind::Unsupported(kind) => fixed(
                Outcome::Unsupported,
                replies::unsupported(kind, lang, false),
            ),
        }
    }

    /// Tells a refused patron, in their language, to wait a minute and write again.
    async fn ask_to_slow_down(&self, msg: &Inbound) -> anyhow::Result<()> {
        let previous = self
            .store
            .last_patron_language(msg.channel, &msg.patron)
            .await?;
        let lang = replies::phrase_lang(previous.as_deref().or(msg.language.as_deref()));
        let reply = replies::slow_down(lang);
        let now = now_ms();
        let mut w = self.store.begin_write().await?;
        let conversation_id = w.conversation_of(msg, now).await?;
        let facts = MessageFacts {
            outcome: Some(Disposition::Limited),
            faq_id: None,
            lang: Some(lang),
        };
        w.queue_outbound(
            reply_to(msg, conversation_id, Sender::Bot, reply, facts),
            now,
        )
        .await?;
        w.count_outcome(&day_of(now), msg.channel, Disposition::Limited, 1)
            .await?;
        w.commit().await
    }

    pub async fn handle(&self, mut msg: Inbound) -> anyhow::Result<Handled> {
        // PostgreSQL text cannot hold NUL, and no patron means one: drop it rather than
        // fail (and have the platform redeliver) forever.
        if msg.text.contains('\0') {
            msg.text = msg.text.replace('\0', "");
        }
        if crate::domain::cap_chars(&mut msg.text, msg.channel.max_message_chars()) {
            tracing::warn!(channel = %msg.channel, "an inbound message over the channel's limit was cut");
        }
        if msg.kind == InboundKind::Text && crate::domain::is_blank(&msg.text) {
            return Ok(Handled::Blank);
        }
        // Before anything else touches the database: a refused message costs no query
        // (with several instances, one: the shared count).
        let mut verdict = self.limits.check(msg.channel, &msg.patron);
        if verdict == Verdict::Accept && self.store.backend() == Backend::Postgres {
            // Several instances may take this patron's messages: one allowance over all.
            let key = format!("patron {} {}", msg.channel, msg.patron);
            let (count, _) = self.store.count_attempt(&key, now_ms()).await?;
            if count > i64::from(self.limits.per_minute()) {
                verdict = self.limits.refused_elsewhere(msg.channel, &msg.patron);
            }
        }
        if let Verdict::Refuse { tell } = verdict {
            self.metrics.outcome(Disposition::Limited);
            // The web chat's socket answers the patron at once; other channels get one
            // request to slow down through the outbox.
            if tell && msg.channel != crate::domain::Channel::Webchat {
                self.ask_to_slow_down(&msg).await?;
            }
            return Ok(Handled::Limited);
        }
        if let Some(rated) = self.take_rating(&msg).await? {
            return Ok(rated);
        }
        let previous = self
            .store
            .last_patron_language(msg.channel, &msg.patron)
            .await?;
        // Deciding before the transaction keeps it short; on a blocking thread, so a slow
        // analysis never holds up the runtime's few workers and every other patron.
        let answer = {
            let (this, msg) = (self.clone(), msg.clone());
            tokio::task::spawn_blocking(move || this.decide(&msg, previous.as_deref()))
                .await
                .context("the answer engine stopped")?
        };
        let (channel, outcome) = (msg.channel, answer.outcome);
        let now = now_ms();
        let mut decided = Decided {
            answer,
            out_of_hours: false,
        };
        let escalated = matches!(outcome, Outcome::Escalate | Outcome::Handoff);
        if let Some(notice) = escalated
            .then(|| self.off_duty_notice(&decided.answer.reply_lang, now))
            .flatten()
        {
            decided.out_of_hours = true;
            if !notice.is_empty() {
                decided.answer.reply = format!("{} {notice}", decided.answer.reply);
            }
        }
        match self.writer.write(msg, decided, now).await? {
            Written::Duplicate => Ok(Handled::Duplicate),
            Written::JoinedTicket {
                message_id,
                ticket_id,
                status,
            } => {
                self.metrics.message_in(channel);
                self.metrics.outcome(Disposition::JoinedTicket);
                self.announce(DeskChange::PatronMessage, ticket_id, status);
                Ok(Handled::Stored {
                    message_id,
                    outcome: None,
                    ticket_id: Some(ticket_id),
                })
            }
            Written::Answered {
                message_id,
                ticket_id,
            } => {
                self.metrics.message_in(channel);
                self.metrics.outcome(outcome);
                if let Some(id) = ticket_id {
                    self.announce(DeskChange::NewTicket, id, TicketStatus::Open);
                }
                Ok(Handled::Stored {
                    message_id,
                    outcome: Some(outcome),
                    ticket_id,
                })
            }
        }
    }
}
