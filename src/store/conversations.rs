//! Patrons, conversations, messages, tickets and the inbox dedupe key.

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use super::{Store, Tx};
use crate::domain::{Channel, Inbound, Sender, TicketStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MessageRow {
    pub id: i64,
    pub sender: String,
    pub text: Option<String>,
    pub created_at: i64,
    /// The language it is written in, when known.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketRow {
    pub id: i64,
    pub conversation_id: i64,
    pub status: TicketStatus,
    pub assignee: Option<String>,
    pub opened_at: i64,
}

impl Store {
    /// When the patron last wrote on this channel (ms), for platforms that only allow
    /// replies within a window after the patron's last message.
    pub async fn last_inbound_at(
        &self,
        channel: Channel,
        user: &str,
    ) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(m.created_at) FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             JOIN patrons p ON p.id = c.patron_id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND m.direction = 'in'",
        )
        .bind(channel.as_str())
        .bind(user)
        .fetch_one(&self.pool)
        .await
        .context("last inbound message")?;
        Ok(row.try_get(0)?)
    }

    /// Whether the patron has written before.
    pub async fn patron_known(&self, channel: Channel, user: &str) -> anyhow::Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM patrons WHERE channel = $1 AND channel_user_id = $2")
                .bind(channel.as_str())
                .bind(user)
                .fetch_optional(&self.pool)
                .await
                .context("patron lookup")?
                .is_some(),
        )
    }

    /// The patron's id, creating the patron on first contact. A read first: most messages
    /// come from known patrons, and a read dirties no page.
    pub async fn upsert_patron(
        &self,
        tx: &mut Tx,
        channel: Channel,
        user: &str,
        lang: Option<&str>,
        now: i64,
    ) -> anyhow::Result<i64> {
        let known =
            sqlx::query("SELECT id FROM patrons WHERE channel = $1 AND channel_user_id = $2")
                .bind(channel.as_str())
                .bind(user)
                .fetch_optional(&mut **tx)
                .await
                .context("patron lookup")?;
        if let Some(row) = known {
            return Ok(row.try_get(0)?);
        }
        Ok(sqlx::query(
            "INSERT INTO patrons (channel, channel_user_id, language, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(channel.as_str())
        .bind(user)
        .bind(lang)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .context("patron insert")?
        .try_get(0)?)
    }

    /// The open conversation of the message's patron (both created on first contact).
    pub async fn conversation_of(
        &self,
        tx: &mut Tx,
        msg: &Inbound,
        now: i64,
    ) -> anyhow::Result<i64> {
        let patron_id = self
            .upsert_patron(tx, msg.channel, &msg.patron, msg.language.as_deref(), now)
            .await?;
        self.touch_conversation(tx, patron_id, now).await
    }

    /// The patron's open conversation, or a new one. (Its last activity is its newest
    /// message, so nothing needs updating here.)
    pub async fn touch_conversation(
        &self,
        tx: &mut Tx,
        patron_id: i64,
        now: i64,
    ) -> anyhow::Result<i64> {
        let existing = sqlx::query(
            "SELECT id FROM conversations WHERE patron_id = $1 AND closed_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(patron_id)
        .fetch_optional(&mut **tx)
        .await
        .context("conversation lookup")?;
        if let Some(row) = existing {
            return Ok(row.try_get(0)?);
        }
        Ok(sqlx::query(
            "INSERT INTO conversations (patron_id, created_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(patron_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .context("conversation insert")?
        .try_get(0)?)
    }

    /// Stores a patron's message with what became of it, unless the platform delivered it
    /// before: then `None`, and the caller rolls the transaction back (acknowledge, do nothing).
    pub async fn insert_inbound(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        msg: &Inbound,
        facts: MessageFacts<'_>,
        now: i64,
    ) -> anyhow::Result<Option<i64>> {
        let message_id = insert_message(
            tx,
            conversation_id,
            "in",
            Sender::Patron,
            &msg.text,
            facts,
            now,
        )
        .await?;
        let fresh = sqlx::query(
            "INSERT INTO inbox (channel, platform_message_id, message_id, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(msg.channel.as_str())
        .bind(&msg.platform_message_id)
        .bind(message_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("inbox insert")?
        .rows_affected();
        Ok((fresh == 1).then_some(message_id))
    }

    /// The language of the patron's latest message whose language is known: a hint for
    /// telling the language of a short next one ("ok", "wifi?").
    pub async fn last_patron_language(
        &self,
        channel: Channel,
        channel_user_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let row = sqlx::query(
            "SELECT m.lang FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             JOIN patrons p ON p.id = c.patron_id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND m.direction = 'in' AND m.lang IS NOT NULL \
             ORDER BY m.id DESC LIMIT 1",
        )
        .bind(channel.as_str())
        .bind(channel_user_id)
        .fetch_optional(self.pool())
        .await
        .context("last patron language")?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => None,
        })
    }

    /// The conversation's open or claimed ticket, if any.
    pub async fn active_ticket(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
    ) -> anyhow::Result<Option<TicketRow>> {
        let row = sqlx::query(
            "SELECT id, conversation_id, status, assignee, opened_at FROM tickets WHERE conversation_id = $1 AND status <> 'resolved' ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| ticket_from_row(&r)).transpose()
    }

    pub async fn open_ticket(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        reason: &str,
        now: i64,
    ) -> anyhow::Result<i64> {
        Ok(sqlx::query("INSERT INTO tickets (conversation_id, status, reason, opened_at) VALUES ($1, 'open', $2, $3) RETURNING id")
            .bind(conversation_id)
            .bind(reason)
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .context("ticket insert")?
            .try_get(0)?)
    }

    /// Writes an outgoing message and its outbox row in the caller's transaction.
    /// `language` is the text's language when known (ISO 639-1).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_outbound(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        sender: Sender,
        text: &str,
        facts: MessageFacts<'_>,
        channel: Channel,
        recipient: &str,
        now: i64,
    ) -> anyhow::Result<i64> {
        let message_id =
            insert_message(tx, conversation_id, "out", sender, text, facts, now).await?;
        sqlx::query(
            "INSERT INTO outbox (message_id, channel, recipient, sender, text, status, attempts, next_attempt_at, idempotency_key, created_at, lang) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $9)",
        )
        .bind(message_id)
        .bind(channel.as_str())
        .bind(recipient)
        .bind(sender.as_str())
        .bind(text)
        .bind(now)
        .bind(format!("refdesk-{message_id}"))
        .bind(now)
        .bind(facts.lang)
        .execute(&mut **tx)
        .await
        .context("outbox insert")?;
        Ok(message_id)
    }

    /// Adds one to the anonymous daily count of an outcome.
    pub async fn count_outcome(
        &self,
        tx: &mut Tx,
        channel: Channel,
        outcome: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO daily_counts (day, channel, outcome, count) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (day, channel, outcome) DO UPDATE SET count = daily_counts.count + 1",
        )
        .bind(day_of(now))
        .bind(channel.as_str())
        .bind(outcome)
        .execute(&mut **tx)
        .await
        .context("daily count")?;
        Ok(())
    }

    /// Outgoing messages to a patron newer than `after`, oldest first, at most the last 200
    /// (web chat replay).
    pub async fn outbound_after(
        &self,
        channel: Channel,
        user: &str,
        after: i64,
    ) -> anyhow::Result<Vec<MessageRow>> {
        let rows = sqlx::query(
            "SELECT m.id, m.sender, m.text, m.created_at, m.lang FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id JOIN patrons p ON p.id = c.patron_id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND m.direction = 'out' AND m.id > $3 ORDER BY m.id DESC LIMIT 200",
        )
        .bind(channel.as_str())
        .bind(user)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().rev().map(message_from_row).collect()
    }

    pub async fn tickets_with_status(
        &self,
        status: TicketStatus,
    ) -> anyhow::Result<Vec<TicketRow>> {
        let rows = sqlx::query("SELECT id, conversation_id, status, assignee, opened_at FROM tickets WHERE status = $1 ORDER BY opened_at, id")
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    pub async fn conversation_messages(
        &self,
        conversation_id: i64,
    ) -> anyhow::Result<Vec<MessageRow>> {
        let rows = sqlx::query("SELECT id, sender, text, created_at, lang FROM messages WHERE conversation_id = $1 ORDER BY id")
            .bind(conversation_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// How many inbound messages are stored for a channel (tests and metrics).
    pub async fn inbound_count(&self, channel: Channel) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM inbox WHERE channel = $1")
            .bind(channel.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

/// What is recorded with a message besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFacts<'a> {
    pub outcome: Option<&'a str>,
    pub faq_id: Option<&'a str>,
    /// The language it is written in, when known.
    pub lang: Option<&'a str>,
}

async fn insert_message(
    tx: &mut Tx,
    conversation_id: i64,
    direction: &str,
    sender: Sender,
    text: &str,
    facts: MessageFacts<'_>,
    now: i64,
) -> anyhow::Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO messages (conversation_id, direction, sender, text, outcome, faq_id, lang, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(conversation_id)
    .bind(direction)
    .bind(sender.as_str())
    .bind(text)
    .bind(facts.outcome)
    .bind(facts.faq_id)
    .bind(facts.lang)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .context("message insert")?
    .try_get(0)?)
}

fn ticket_from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<TicketRow> {
    Ok(TicketRow {
        id: r.try_get(0)?,
        conversation_id: r.try_get(1)?,
        status: super::ticket_status(r.try_get(2)?),
        assignee: r.try_get(3)?,
        opened_at: r.try_get(4)?,
    })
}

fn message_from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<MessageRow> {
    Ok(MessageRow {
        id: r.try_get(0)?,
        sender: r.try_get(1)?,
        text: r.try_get(2)?,
        created_at: r.try_get(3)?,
        lang: r.try_get(4)?,
    })
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp.
pub fn day_of(ms: i64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm), to avoid a date crate for one format.
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_utc_dates() {
        assert_eq!(super::day_of(0), "1970-01-01");
        assert_eq!(super::day_of(1_795_392_000_000), "2026-11-23");
        assert_eq!(super::day_of(951_782_400_000), "2000-02-29");
    }
}
