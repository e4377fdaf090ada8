//! The desk service: everything librarians do, with its rules, whichever way they ask
//! (the JSON API or the desk pages, which only translate HTTP). Tickets and their live
//! events are here; sign-in and accounts in `accounts`, the ticket page's content in
//! `detail`, the ticket state machine in `rules`.

pub mod accounts;
mod deliveries;
pub mod detail;
mod handover;
pub mod rules;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::answer::AnswerEngine;
use crate::answer::replies;
use crate::auth::LoginThrottle;
use crate::bus::{Bus, Signal};
use crate::domain::{Sender, TicketStatus, now_ms};
use crate::store::{
    Author, Erased, Librarian, MessageFacts, Outgoing, PatronExport, PatronRef, Prompt, Store,
    TicketCounts, TicketFilter, TicketSummary, TicketTarget, WriteTx,
};
pub use rules::{Action, Actor, TicketRefusal};
pub use settings::{CannedReply, DeskSettings};

pub use crate::bus::{DeskChange, DeskEvent};

/// Longest librarian reply; connectors split long texts per platform.
pub const MAX_REPLY_CHARS: usize = 10_000;

/// Why the desk refused or failed a request: the one error of this boundary, which the web
/// layer turns into a status and a sentence.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Something the librarian must correct (the sentence says what).
    #[error("{0}")]
    Invalid(String),
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("too many sign-in attempts: try again in {} s", .0.as_secs().max(1))]
    Throttled(Duration),
    #[error("admins only")]
    AdminsOnly,
    #[error("no such {0}")]
    NotFound(&'static str),
    /// Refused in the current state of things (taken name, held ticket, last admin ...).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<TicketRefusal> for DeskError {
    fn from(r: TicketRefusal) -> Self {
        match r {
            TicketRefusal::NotFound => DeskError::NotFound("ticket"),
            TicketRefusal::HeldBy(who) => DeskError::Conflict(format!("{who} holds this ticket")),
            TicketRefusal::WrongState(why) => DeskError::Conflict(why),
        }
    }
}

pub type DeskResult<T> = Result<T, DeskError>;

#[derive(Clone)]
pub struct Desk {
    store: Store,
    bus: Bus,
    engine: Arc<ArcSwap<AnswerEngine>>,
    throttle: Arc<LoginThrottle>,
    settings: Arc<DeskSettings>,
}

impl Desk {
    pub fn new(
        store: Store,
        bus: Bus,
        engine: Arc<ArcSwap<AnswerEngine>>,
        settings: Arc<DeskSettings>,
    ) -> Self {
        Self {
            throttle: Arc::new(LoginThrottle::new(&settings.login_limits)),
            store,
            bus,
            engine,
            settings,
        }
    }

    /// Where the queue's changes are heard, from every instance.
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    pub fn settings(&self) -> &DeskSettings {
        &self.settings
    }

    /// How many clients and accounts the sign-in limits remember (the memory tests).
    pub fn throttle_remembered(&self) -> (usize, usize) {
        self.throttle.remembered()
    }

    fn announce(&self, kind: DeskChange, ticket_id: i64, status: TicketStatus) {
        self.bus.announce(Signal::Desk(DeskEvent {
            kind,
            ticket_id,
            status,
        }));
    }

    /// The tickets a filter wants (search, channel, language, assignee, status), in its order.
    pub async fn tickets(&self, filter: &TicketFilter) -> DeskResult<Vec<TicketSummary>> {
        if filter
            .text
            .as_deref()
            .is_some_and(|t| t.chars().count() > 200)
        {
            return Err(DeskError::Invalid(
                "a search takes at most 200 characters".into(),
            ));
        }
        Ok(self.store.ticket_summaries(filter).await?)
    }

    /// How many tickets each tab holds, `mine` for `who`.
    pub async fn counts(&self, who: &Librarian) -> DeskResult<TicketCounts> {
        Ok(self.store.ticket_counts(&who.username).await?)
    }

    pub async fn claim(&self, id: i64, who: &Librarian) -> DeskResult<()> {
        self.change(id, who, Action::Claim, None).await.map(drop)
    }

    pub async fn release(&self, id: i64, who: &Librarian) -> DeskResult<()> {
        self.change(id, who, Action::Release, None).await.map(drop)
    }

    pub async fn resolve(&self, id: i64, who: &Librarian) -> DeskResult<()> {
        self.change(id, who, Action::Resolve, None).await.map(drop)
    }

    /// A librarian's reply: claims the ticket (an open one, or their own) and queues the
    /// message for the patron's channel, in one transaction. Returns the message's id.
    pub async fn reply(&self, id: i64, who: &Librarian, text: &str) -> DeskResult<i64> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_REPLY_CHARS {
            return Err(DeskError::Invalid(format!(
                "a reply needs 1 to {MAX_REPLY_CHARS} characters"
            )));
        }
        let id = self.change(id, who, Action::Claim, Some(text)).await?;
        Ok(id.expect("a reply queues a message"))
    }

    /// Runs `action` under the rules in one transaction, with a reply to queue if any;
    /// returns the queued message's id. The patron hears that a librarian took the chat
    /// (an explicit claim: a reply introduces its writer itself) and that it ended.
    async fn change(
        &self,
        id: i64,
        who: &Librarian,
        action: Action,
        reply: Option<&str>,
    ) -> DeskResult<Option<i64>> {
        let actor = Actor {
            username: &who.username,
            is_admin: who.role.is_admin(),
        };
        // The name the patron sees, for what introduces the librarian: a claim's notice or a reply.
        let shown_as = if action == Action::Claim {
            self.store.profile(who.id).await?.display_name
        } else {
            None
        };
        let now = now_ms();
        let mut w = self.store.begin_write().await?;
        let ticket = w
            .ticket_for_change(id)
            .await?
            .ok_or(TicketRefusal::NotFound)?;
        let next = rules::decide(ticket.status, ticket.assignee.as_deref(), action, actor)?;
        if let Some(status) = next {
            w.set_ticket_status(id, &ticket, status, actor.username, now)
                .await?;
        }
        let lang = patron_language(&ticket);
        match (action, next, reply) {
            (Action::Claim, Some(TicketStatus::Claimed), None) => {
                let notice = replies::librarian_joined(lang, shown_as.as_deref());
                tell_patron(&mut w, &ticket, &notice, lang, None, now).await?;
            }
            (Action::Resolve, Some(TicketStatus::Resolved), _) => {
                let notice = replies::chat_ended(lang);
                tell_patron(&mut w, &ticket, notice, lang, Some(Prompt::Rating), now).await?;
                w.ask_rating(id, now).await?;
            }
            _ => {}
        }
        let message_id = match reply {
            Some(text) => Some(
                w.queue_outbound(
                    Outgoing {
                        conversation_id: ticket.conversation_id,
                        channel: ticket.channel,
                        recipient: &ticket.recipient,
                        sender: Sender::Librarian,
                        text,
                        facts: MessageFacts::default(),
                        author: Some(Author {
                            username: &who.username,
                            display_name: shown_as.as_deref(),
                        }),
                        prompt: None,
                    },
                    now,
                )
                .await?,
            ),
            None => None,
        };
        w.commit().await?;
        let status = next.unwrap_or(ticket.status);
        match (action, reply) {
            (_, Some(_)) => self.announce(DeskChange::Reply, id, status),
            (Action::Claim, None) => self.announce(DeskChange::Claimed, id, status),
            (Action::Release, None) => self.announce(DeskChange::Released, id, status),
            (Action::Resolve, None) => self.announce(DeskChange::Resolved, id, status),
            (Action::Transfer, None) => self.announce(DeskChange::Transferred, id, status),
        }
        Ok(message_id)
    }

    /// Everything stored about the patron of a ticket (admins), for a patron's request
    /// to see their data.
    pub async fn export_patron(&self, ticket_id: i64, by: &Librarian) -> DeskResult<PatronExport> {
        let who = self.patron_of(ticket_id, by).await?;
        self.store
            .export_patron(&who)
            .await?
            .ok_or(DeskError::NotFound("ticket"))
    }

    /// Erases the patron of a ticket from every table, the ticket with them (admins).
    pub async fn erase_patron(&self, ticket_id: i64, by: &Librarian) -> DeskResult<Erased> {
        let who = self.patron_of(ticket_id, by).await?;
        let erased = self
            .store
            .erase_patron(&who)
            .await?
            .ok_or(DeskError::NotFound("ticket"))?;
        // Who erased, and how much: never whose data it was.
        tracing::info!(admin = %by.username, channel = %who.channel, "a patron's data was erased");
        Ok(erased)
    }
}

impl Desk {
    /// The patron of a ticket, for an admin's request about their data.
    async fn patron_of(&self, ticket_id: i64, by: &Librarian) -> DeskResult<PatronRef> {
        admin_only(by)?;
        self.store
            .patron_of_ticket(ticket_id)
            .await?
            .ok_or(DeskError::NotFound("ticket"))
    }
}

/// The language to tell a ticket's patron things in: that of their latest message.
fn patron_language(ticket: &TicketTarget) -> &'static str {
    replies::phrase_lang(ticket.lang.as_deref())
}

/// Queues a notice from the library to a ticket's patron, in their language.
async fn tell_patron(
    w: &mut WriteTx<'_>,
    ticket: &TicketTarget,
    text: &str,
    lang: &str,
    prompt: Option<Prompt>,
    now: i64,
) -> anyhow::Result<i64> {
    w.queue_outbound(
        Outgoing {
            conversation_id: ticket.conversation_id,
            channel: ticket.channel,
            recipient: &ticket.recipient,
            sender: Sender::System,
            text,
            facts: MessageFacts {
                lang: Some(lang),
                ..MessageFacts::default()
            },
            author: None,
            prompt,
        },
        now,
    )
    .await
}

fn admin_only(who: &Librarian) -> DeskResult<()> {
    if who.role.is_admin() {
        Ok(())
    } else {
        Err(DeskError::AdminsOnly)
    }
}
