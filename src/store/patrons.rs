//! One patron's data, all of it: exported as it is stored, or erased from every table.
//! (The anonymous daily counts hold nothing of a patron and stay.)

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use super::conversations::MessageRow;
use super::retention::delete_by_ids;
use super::{Store, Tx};
use crate::domain::{Channel, TicketStatus};

/// A patron as the platform knows them: the channel and the channel's id (for the web
/// chat, the hash of the session token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatronRef {
    pub channel: Channel,
    pub id: String,
}

/// Everything stored about one patron.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatronExport {
    pub channel: Channel,
    pub channel_user_id: String,
    pub language: Option<String>,
    /// Milliseconds since the Unix epoch, as every time here.
    pub first_contact_at: i64,
    pub conversations: Vec<ConversationExport>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConversationExport {
    pub id: i64,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub messages: Vec<MessageRow>,
    pub tickets: Vec<TicketExport>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketExport {
    pub id: i64,
    pub status: TicketStatus,
    pub reason: String,
    pub assignee: Option<String>,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    /// The staff note of before notes became a thread: it is about the patron, so it is
    /// theirs to see.
    pub note: Option<String>,
    /// The staff notes, likewise, and the patron's rating.
    pub notes: Vec<super::Note>,
    pub rating: Option<i64>,
}

/// How many rows an erasure deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub messages: u64,
    pub tickets: u64,
    pub conversations: u64,
    pub deliveries: u64,
}

impl Store {
    /// The patron whose conversation a ticket belongs to.
    pub async fn patron_of_ticket(&self, ticket_id: i64) -> anyhow::Result<Option<PatronRef>> {
        let row = sqlx::query(
            "SELECT p.channel, p.channel_user_id FROM tickets t \
             JOIN conversations c ON c.id = t.conversation_id JOIN patrons p ON p.id = c.patron_id \
             WHERE t.id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await
        .context("patron of ticket")?;
        row.map(|r| {
            let channel: String = r.try_get(0)?;
            Ok(PatronRef {
                channel: channel.parse().map_err(anyhow::Error::msg)?,
                id: r.try_get(1)?,
            })
        })
        .transpose()
    }

    /// Everything stored about the patron, or `None` when nothing is.
    pub async fn export_patron(&self, who: &PatronRef) -> anyhow::Result<Option<PatronExport>> {
        let Some(patron) = sqlx::query(
            "SELECT id, language, created_at FROM patrons WHERE channel = $1 AND channel_user_id = $2",
        )
        .bind(who.channel.as_str())
        .bind(&who.id)
        .fetch_optional(&self.pool)
        .await
        .context("patron lookup")?
        else {
            return Ok(None);
        };
        let patron_id: i64 = patron.try_get(0)?;
        let rows = sqlx::query(
            "SELECT id, created_at, closed_at FROM conversations WHERE patron_id = $1 ORDER BY id",
        )
        .bind(patron_id)
        .fetch_all(&self.pool)
        .await?;
        let mut conversations = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let tickets = sqlx::query(
                "SELECT id, status, reason, assignee, opened_at, resolved_at, note, rating FROM tickets \
                 WHERE conversation_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|t| {
                Ok(TicketExport {
                    id: t.try_get(0)?,
                    status: super::ticket_status(t.try_get(1)?),
                    reason: t.try_get(2)?,
                    assignee: t.try_get(3)?,
                    opened_at: t.try_get(4)?,
                    resolved_at: t.try_get(5)?,
                    note: t.try_get(6)?,
                    notes: Vec::new(),
                    rating: t.try_get(7)?,
                })
            })
            .collect::<anyhow::Result<Vec<TicketExport>>>()?;
            let mut tickets = tickets;
            for ticket in &mut tickets {
                ticket.notes = self.notes(ticket.id).await?;
            }
            conversations.push(ConversationExport {
                id,
                created_at: r.try_get(1)?,
                closed_at: r.try_get(2)?,
                messages: self.conversation_messages(id).await?,
                tickets,
            });
        }
        Ok(Some(PatronExport {
            channel: who.channel,
            channel_user_id: who.id.clone(),
            language: patron.try_get(1)?,
            first_contact_at: patron.try_get(2)?,
            conversations,
        }))
    }

    /// Deletes the patron and everything of theirs in one transaction: messages, dedupe
    /// keys, deliveries (sent or waiting), tickets with their notes, conversations.
    /// `None` when nothing was stored about them.
    pub async fn erase_patron(&self, who: &PatronRef) -> anyhow::Result<Option<Erased>> {
        let mut w = self.begin_write().await?;
        let Some(patron_id) = patron_id(&mut w.tx, who).await? else {
            return Ok(None);
        };
        let conversations: Vec<i64> = ids(
            &mut w.tx,
            "SELECT id FROM conversations WHERE patron_id = $1",
            patron_id,
        )
        .await?;
        let mut messages = Vec::new();
        for c in &conversations {
            messages.extend(
                ids(
                    &mut w.tx,
                    "SELECT id FROM messages WHERE conversation_id = $1",
                    *c,
                )
                .await?,
            );
        }
        let tx = &mut w.tx;
        delete_by_ids(tx, "DELETE FROM inbox WHERE message_id", &messages).await?;
        let mut erased = Erased {
            deliveries: delete_by_ids(tx, "DELETE FROM outbox WHERE message_id", &messages).await?,
            ..Erased::default()
        };
        erased.messages = delete_by_ids(tx, "DELETE FROM messages WHERE id", &messages).await?;
        erased.tickets = delete_by_ids(
            tx,
            "DELETE FROM tickets WHERE conversation_id",
            &conversations,
        )
        .await?;
        erased.conversations =
            delete_by_ids(tx, "DELETE FROM conversations WHERE id", &conversations).await?;
        sqlx::query("DELETE FROM patrons WHERE id = $1")
            .bind(patron_id)
            .execute(&mut **tx)
            .await?;
        w.commit().await?;
        self.reclaim_or_warn().await;
        Ok(Some(erased))
    }
}

async fn patron_id(tx: &mut Tx, who: &PatronRef) -> anyhow::Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM patrons WHERE channel = $1 AND channel_user_id = $2")
        .bind(who.channel.as_str())
        .bind(&who.id)
        .fetch_optional(&mut **tx)
        .await
        .context("patron lookup")?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

async fn ids(tx: &mut Tx, sql: &'static str, key: i64) -> anyhow::Result<Vec<i64>> {
    sqlx::query(sql)
        .bind(key)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}
