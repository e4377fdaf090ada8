//! What one decided message writes, inside whatever transaction it shares.

use std::collections::BTreeMap;

use crate::answer::{Answer, Outcome, replies};
use crate::domain::{Channel, Disposition, Inbound, InboundKind, Sender, TicketStatus};
use crate::store::{MessageFacts, Outgoing, WriteTx, day_of};

/// The bot's decision on a message, made before its transaction.
#[derive(Debug, Clone)]
pub struct Decided {
    pub answer: Answer,
    /// Nobody is on duty: a ticket it opens is marked so.
    pub out_of_hours: bool,
}

/// What writing a message did, for what follows its commit.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// The platform delivered this message before: nothing was written.
    Duplicate,
    /// A librarian holds the conversation: the message joined their ticket.
    JoinedTicket {
        message_id: i64,
        ticket_id: i64,
        status: TicketStatus,
    },
    /// The bot's reply (or the hand-over notice) is queued.
    Answered {
        message_id: i64,
        /// The ticket the message opened, when it was escalated.
        ticket_id: Option<i64>,
    },
}

/// What the anonymous daily counts gain from the messages of one transaction. They are
/// added together at its end, in one fixed order: one statement per kind instead of one
/// per message, and two instances' transactions never take the same count rows in
/// opposite orders (and so never deadlock on them).
#[derive(Default)]
pub struct Counts(BTreeMap<(String, Channel, Disposition), i64>);

impl Counts {
    pub fn add(&mut self, msg: &Inbound, answer: &Answer, written: &Written, now: i64) {
        let disposition = match written {
            Written::Duplicate => return,
            Written::JoinedTicket { .. } => Disposition::JoinedTicket,
            Written::Answered { .. } => answer.outcome.into(),
        };
        *self
            .0
            .entry((day_of(now), msg.channel, disposition))
            .or_default() += 1;
    }

    pub async fn write(self, w: &mut WriteTx<'_>) -> anyhow::Result<()> {
        for ((day, channel, disposition), n) in self.0 {
            w.count_outcome(&day, channel, disposition, n).await?;
        }
        Ok(())
    }
}

/// Stores `msg` with `answer` (decided before the transaction, to keep it short) and queues
/// the reply, or joins the conversation's open ticket and stays silent. (What it counts is
/// for `Counts`.)
pub async fn write_message(
    w: &mut WriteTx<'_>,
    msg: &Inbound,
    decided: &Decided,
    now: i64,
) -> anyhow::Result<Written> {
    let answer = &decided.answer;
    let inbound_lang = (msg.kind == InboundKind::Text).then_some(answer.lang.as_str());
    let (conversation_id, ticket) = w.conversation_and_ticket(msg, now).await?;

    // A librarian holds the conversation: the message joins the ticket and the bot is
    // silent, except to say when it could not pass on what was sent.
    if let Some(ticket) = ticket {
        let facts = MessageFacts {
            outcome: Some(Disposition::JoinedTicket),
            faq_id: None,
            lang: inbound_lang,
        };
        let Some(message_id) = w.insert_inbound(conversation_id, msg, facts, now).await? else {
            return Ok(Written::Duplicate);
        };
        // Asking for a person again while the question waits: say it is in hand, rather
        // than leave the patron watching for a reply.
        let asks_again = answer.outcome == Outcome::Handoff && ticket.status == TicketStatus::Open;
        if asks_again {
            let facts = MessageFacts {
                outcome: Some(Outcome::Handoff.into()),
                faq_id: None,
                lang: Some(&answer.reply_lang),
            };
            let reply = replies::still_waiting(&answer.reply_lang);
            w.queue_outbound(
                reply_to(msg, conversation_id, Sender::System, reply, facts),
                now,
            )
            .await?;
        }
        if let InboundKind::Unsupported(kind) = msg.kind {
            let reply = replies::unsupported(kind, &answer.lang, true);
            let facts = MessageFacts {
                outcome: Some(Outcome::Unsupported.into()),
                faq_id: None,
                lang: Some(&answer.reply_lang),
            };
            w.queue_outbound(
                reply_to(msg, conversation_id, Sender::Bot, &reply, facts),
                now,
            )
            .await?;
        }
        return Ok(Written::JoinedTicket {
            message_id,
            ticket_id: ticket.id,
            status: ticket.status,
        });
    }

    let outcome = answer.outcome;
    let faq_id = answer.faq_id.as_deref();
    let facts = MessageFacts {
        outcome: Some(outcome.into()),
        faq_id,
        lang: inbound_lang,
    };
    let Some(message_id) = w.insert_inbound(conversation_id, msg, facts, now).await? else {
        return Ok(Written::Duplicate);
    };
    let (sender, ticket_id) = match outcome {
        Outcome::Faq
        | Outcome::Smalltalk
        | Outcome::Command
        | Outcome::Unsupported
        | Outcome::Catalogue => (Sender::Bot, None),
        Outcome::Escalate | Outcome::Handoff => {
            let id = w
                .open_ticket(conversation_id, outcome, decided.out_of_hours, now)
                .await?;
            (Sender::System, Some(id))
        }
    };
    let facts = MessageFacts {
        outcome: Some(outcome.into()),
        faq_id,
        lang: Some(&answer.reply_lang),
    };
    w.queue_outbound(
        reply_to(msg, conversation_id, sender, &answer.reply, facts),
        now,
    )
    .await?;
    Ok(Written::Answered {
        message_id,
        ticket_id,
    })
}

/// A reply to `msg`'s patron, on the channel they wrote from.
pub fn reply_to<'a>(
    msg: &'a Inbound,
    conversation_id: i64,
    sender: Sender,
    text: &'a str,
    facts: MessageFacts<'a>,
) -> Outgoing<'a> {
    Outgoing {
        conversation_id,
        channel: msg.channel,
        recipient: &msg.patron,
        sender,
        text,
        facts,
        author: None,
        prompt: None,
    }
}
