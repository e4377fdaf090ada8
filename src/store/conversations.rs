//! Patrons, conversations, messages, tickets and the inbox dedupe key.

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Store, WriteTx};
use crate::domain::{Channel, Disposition, Inbound, Outcome, Sender, TicketStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MessageRow {
    pub id: i64,
    pub sender: String,
    pub text: Option<String>,
    pub created_at: i64,
    /// The language it is written in, when known.
    pub lang: Option<String>,
    /// The librarian who wrote it (their username), for a librarian's reply.
    pub author: Option<String>,
    /// The name the patron sees for who wrote it (a librarian's display name).
    pub sender_name: Option<String>,
    /// What the message asks of the patron (`rating`), for pages that offer buttons.
    pub prompt: Option<String>,
    /// What became of it (`faq`, `escalate`, `smalltalk`, `ticket` ...), as stored.
    pub outcome: Option<String>,
}

/// A new ticket within this long after the patron's last one was resolved follows it up.
pub const FOLLOW_UP_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The columns of a `MessageRow`, from `messages m LEFT JOIN outbox o`.
const MESSAGE_COLUMNS: &str =
    "m.id, m.sender, m.text, m.created_at, m.lang, m.author, o.sender_name, o.prompt, m.outcome";

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

    /// The language of the patron's latest message in their latest conversation whose
    /// language is known: a hint for telling the language of a short next one ("ok", "wifi?").
    pub async fn last_patron_language(
        &self,
        channel: Channel,
        channel_user_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let row = sqlx::query(
            // Within the patron's latest conversation, newest first along its index: a join
            // ordered by message id walked every message of the database backwards.
            "SELECT m.lang FROM messages m \
             WHERE m.conversation_id = (SELECT MAX(c.id) FROM conversations c JOIN patrons p ON p.id = c.patron_id \
                                        WHERE p.channel = $1 AND p.channel_user_id = $2) \
               AND m.direction = 'in' AND m.lang IS NOT NULL \
             ORDER BY m.id DESC LIMIT 1",
        )
        .bind(channel.as_str())
        .bind(channel_user_id)
        .fetch_optional(&self.pool)
        .await
        .context("last patron language")?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => None,
        })
    }

    /// Outgoing messages to a patron newer than `after`, oldest first, at most the last 200
    /// (web chat replay).
    pub async fn outbound_after(
        &self,
        channel: Channel,
        user: &str,
        after: i64,
    ) -> anyhow::Result<Vec<MessageRow>> {
        let mut rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN outbox o ON o.message_id = m.id \
             JOIN conversations c ON c.id = m.conversation_id JOIN patrons p ON p.id = c.patron_id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND m.direction = 'out' AND m.id > $3 ORDER BY m.id DESC LIMIT 200",
        )))
        .bind(channel.as_str())
        .bind(user)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows)
    }

    /// One outgoing message to a patron, by its id (the web chat relay of another
    /// instance's delivery).
    pub async fn outbound_message(
        &self,
        channel: Channel,
        user: &str,
        id: i64,
    ) -> anyhow::Result<Option<MessageRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN outbox o ON o.message_id = m.id \
             JOIN conversations c ON c.id = m.conversation_id JOIN patrons p ON p.id = c.patron_id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND m.direction = 'out' AND m.id = $3",
        )))
        .bind(channel.as_str())
        .bind(user)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn tickets_with_status(
        &self,
        status: TicketStatus,
    ) -> anyhow::Result<Vec<TicketRow>> {
        Ok(sqlx::query_as("SELECT id, conversation_id, status, assignee, opened_at FROM tickets WHERE status = $1 ORDER BY opened_at, id")
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn conversation_messages(
        &self,
        conversation_id: i64,
    ) -> anyhow::Result<Vec<MessageRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN outbox o ON o.message_id = m.id WHERE m.conversation_id = $1 ORDER BY m.id")))
            .bind(conversation_id)
            .fetch_all(&self.pool)
            .await?)
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

/// The conversation service's steps, in the caller's transaction.
impl WriteTx<'_> {
    /// The patron's id, creating the patron on first contact. A read first: most messages
    /// come from known patrons, and a read dirties no page.
    pub async fn upsert_patron(
        &mut self,
        channel: Channel,
        user: &str,
        lang: Option<&str>,
        now: i64,
    ) -> anyhow::Result<i64> {
        let known =
            sqlx::query("SELECT id FROM patrons WHERE channel = $1 AND channel_user_id = $2")
                .bind(channel.as_str())
                .bind(user)
                .fetch_optional(&mut *self.tx)
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
        .fetch_one(&mut *self.tx)
        .await
        .context("patron insert")?
        .try_get(0)?)
    }

    /// The open conversation of the message's patron (both created on first contact) and
    /// its open or claimed ticket: one read for a known patron, the common case.
    pub async fn conversation_and_ticket(
        &mut self,
        msg: &Inbound,
        now: i64,
    ) -> anyhow::Result<(i64, Option<TicketRow>)> {
        let known = sqlx::query(
            "SELECT p.id AS patron_id, c.id AS conversation_id, t.id AS ticket_id, t.status, t.assignee, t.opened_at \
             FROM patrons p \
             LEFT JOIN conversations c ON c.id = (SELECT MAX(id) FROM conversations WHERE patron_id = p.id AND closed_at IS NULL) \
             LEFT JOIN tickets t ON t.id = (SELECT MAX(id) FROM tickets WHERE conversation_id = c.id AND status <> 'resolved') \
             WHERE p.channel = $1 AND p.channel_user_id = $2",
        )
        .bind(msg.channel.as_str())
        .bind(&msg.patron)
        .fetch_optional(&mut *self.tx)
        .await
        .context("conversation lookup")?;
        let Some(row) = known else {
            return Ok((self.conversation_of(msg, now).await?, None));
        };
        let patron_id: i64 = row.try_get("patron_id")?;
        let Some(conversation_id) = row.try_get::<Option<i64>, _>("conversation_id")? else {
            return Ok((self.touch_conversation(patron_id, now).await?, None));
        };
        let ticket = match row.try_get::<Option<i64>, _>("ticket_id")? {
            Some(id) => Some(TicketRow {
                id,
                conversation_id,
                status: super::ticket_status(row.try_get("status")?),
                assignee: row.try_get("assignee")?,
                opened_at: row.try_get("opened_at")?,
            }),
            None => None,
        };
        Ok((conversation_id, ticket))
    }

    /// The open conversation of the message's patron (both created on first contact).
    pub async fn conversation_of(&mut self, msg: &Inbound, now: i64) -> anyhow::Result<i64> {
        let patron_id = self
            .upsert_patron(msg.channel, &msg.patron, msg.language.as_deref(), now)
            .await?;
        self.touch_conversation(patron_id, now).await
    }

    /// The patron's open conversation, or a new one. (Its last activity is its newest
    /// message, so nothing needs updating here.)
    pub async fn touch_conversation(&mut self, patron_id: i64, now: i64) -> anyhow::Result<i64> {
        let existing = sqlx::query(
            "SELECT id FROM conversations WHERE patron_id = $1 AND closed_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(patron_id)
        .fetch_optional(&mut *self.tx)
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
        .fetch_one(&mut *self.tx)
        .await
        .context("conversation insert")?
        .try_get(0)?)
    }

    /// Stores a patron's message with what became of it, unless the platform delivered it
    /// before: then `None`, and nothing is written (so the message can share a transaction
    /// with other patrons' messages).
    pub async fn insert_inbound(
        &mut self,
        conversation_id: i64,
        msg: &Inbound,
        facts: MessageFacts<'_>,
        now: i64,
    ) -> anyhow::Result<Option<i64>> {
        // The message and its inbox key in one statement (one round trip to the database):
        // nothing at all is written for a message the platform delivered before.
        const SQLITE: &str = "INSERT INTO messages (conversation_id, direction, sender, text, outcome, faq_id, lang, created_at) \
             SELECT $1, 'in', $2, $3, $4, $5, $6, $7 \
             WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE channel = $8 AND platform_message_id = $9) RETURNING id; \
             INSERT INTO inbox (channel, platform_message_id, message_id, received_at) \
             SELECT $8, $9, last_insert_rowid(), $7 WHERE changes() = 1";
        // Another instance may take the same delivery at the same moment: `fresh` is then 0.
        const POSTGRES: &str = "WITH m AS (INSERT INTO messages (conversation_id, direction, sender, text, outcome, faq_id, lang, created_at) \
             SELECT $1, 'in', $2, $3, $4, $5, $6, $7 \
             WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE channel = $8 AND platform_message_id = $9) RETURNING id), \
             i AS (INSERT INTO inbox (channel, platform_message_id, message_id, received_at) \
             SELECT $8, $9, m.id, $7 FROM m ON CONFLICT DO NOTHING RETURNING message_id) \
             SELECT m.id, (SELECT COUNT(*) FROM i) AS fresh FROM m";
        let sql = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        // `fetch_all`: SQLite runs the second statement only if the results are read on.
        let rows = sqlx::query(sql)
            .bind(conversation_id)
            .bind(Sender::Patron.as_str())
            .bind(&msg.text)
            .bind(facts.outcome.map(Disposition::as_str))
            .bind(facts.faq_id)
            .bind(facts.lang)
            .bind(now)
            .bind(msg.channel.as_str())
            .bind(&msg.platform_message_id)
            .fetch_all(&mut *self.tx)
            .await
            .context("message insert")?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        if self.backend == Backend::Postgres {
            let fresh: i64 = row.try_get("fresh")?;
            // Fail and roll back: the platform's retry then finds the message stored.
            anyhow::ensure!(fresh == 1, "the same message was taken twice at once");
        }
        Ok(Some(row.try_get(0)?))
    }

    /// Opens a ticket on the conversation, linked to the patron's ticket it follows up (one
    /// resolved within `FOLLOW_UP_WINDOW_MS`), if any.
    pub async fn open_ticket(
        &mut self,
        conversation_id: i64,
        reason: Outcome,
        out_of_hours: bool,
        now: i64,
    ) -> anyhow::Result<i64> {
        Ok(sqlx::query(
            "INSERT INTO tickets (conversation_id, status, reason, opened_at, out_of_hours, follows) \
             VALUES ($1, 'open', $2, $3, $4, (SELECT t.id FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
             WHERE c.patron_id = (SELECT patron_id FROM conversations WHERE id = $1) AND t.status = 'resolved' AND t.resolved_at > $5 \
             ORDER BY t.id DESC LIMIT 1)) RETURNING id",
        )
        .bind(conversation_id)
        .bind(reason.as_str())
        .bind(now)
        .bind(i64::from(out_of_hours))
        .bind(now - FOLLOW_UP_WINDOW_MS)
        .fetch_one(&mut *self.tx)
        .await
        .context("ticket insert")?
        .try_get(0)?)
    }

    /// Writes an outgoing message and queues it in the outbox; the commit wakes the
    /// outbox worker. Returns the message's id.
    pub async fn queue_outbound(&mut self, out: Outgoing<'_>, now: i64) -> anyhow::Result<i64> {
        // The message and its outbox row in one statement (one round trip).
        const SQLITE: &str = "INSERT INTO messages (conversation_id, direction, sender, text, outcome, faq_id, lang, created_at, author) \
             VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $10) RETURNING id; \
             INSERT INTO outbox (message_id, channel, recipient, sender, text, status, attempts, next_attempt_at, idempotency_key, created_at, lang, sender_name, prompt) \
             VALUES (last_insert_rowid(), $8, $9, $2, $3, 'pending', 0, $7, 'refdesk-' || last_insert_rowid(), $7, $6, $11, $12)";
        const POSTGRES: &str = "WITH m AS (INSERT INTO messages (conversation_id, direction, sender, text, outcome, faq_id, lang, created_at, author) \
             VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $10) RETURNING id) \
             INSERT INTO outbox (message_id, channel, recipient, sender, text, status, attempts, next_attempt_at, idempotency_key, created_at, lang, sender_name, prompt) \
             SELECT m.id, $8, $9, $2, $3, 'pending', 0, $7, 'refdesk-' || m.id, $7, $6, $11, $12 FROM m RETURNING message_id";
        let sql = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        let rows = sqlx::query(sql)
            .bind(out.conversation_id)
            .bind(out.sender.as_str())
            .bind(out.text)
            .bind(out.facts.outcome.map(Disposition::as_str))
            .bind(out.facts.faq_id)
            .bind(out.facts.lang)
            .bind(now)
            .bind(out.channel.as_str())
            .bind(out.recipient)
            .bind(out.author.map(|a| a.username))
            .bind(out.author.and_then(|a| a.display_name))
            .bind(out.prompt.map(Prompt::as_str))
            .fetch_all(&mut *self.tx)
            .await
            .context("outbox insert")?;
        let message_id: i64 = rows
            .first()
            .context("the outgoing message was not written")?
            .try_get(0)?;
        self.queued = true;
        Ok(message_id)
    }

    /// Adds `n` to the anonymous count, on `day` (`day_of`), of what became of messages.
    pub async fn count_outcome(
        &mut self,
        day: &str,
        channel: Channel,
        outcome: Disposition,
        n: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO daily_counts (day, channel, outcome, count) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (day, channel, outcome) DO UPDATE SET count = daily_counts.count + excluded.count",
        )
        .bind(day)
        .bind(channel.as_str())
        .bind(outcome.as_str())
        .bind(n)
        .execute(&mut *self.tx)
        .await
        .context("daily count")?;
        Ok(())
    }
}

/// An outgoing message for `WriteTx::queue_outbound`: who it goes to and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub conversation_id: i64,
    pub channel: Channel,
    pub recipient: &'a str,
    pub sender: Sender,
    pub text: &'a str,
    pub facts: MessageFacts<'a>,
    /// Who wrote it, when a librarian did.
    pub author: Option<Author<'a>>,
    /// What it asks of the patron.
    pub prompt: Option<Prompt>,
}

/// The librarian behind an outgoing message: their username for the desk, and the name the
/// patron sees (their display name, if they chose one).
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub username: &'a str,
    pub display_name: Option<&'a str>,
}

/// Something an outgoing message asks of the patron, which a page or platform may offer
/// buttons for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Rate the chat that just ended, 1 to 5.
    Rating,
}

impl Prompt {
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Rating => "rating",
        }
    }
}

/// What is recorded with a message besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFacts<'a> {
    pub outcome: Option<Disposition>,
    pub faq_id: Option<&'a str>,
    /// The language it is written in, when known.
    pub lang: Option<&'a str>,
}

impl sqlx::FromRow<'_, AnyRow> for TicketRow {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            conversation_id: r.try_get("conversation_id")?,
            status: super::ticket_status(r.try_get("status")?),
            assignee: r.try_get("assignee")?,
            opened_at: r.try_get("opened_at")?,
        })
    }
}

impl sqlx::FromRow<'_, AnyRow> for MessageRow {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            sender: r.try_get("sender")?,
            text: r.try_get("text")?,
            created_at: r.try_get("created_at")?,
            lang: r.try_get("lang")?,
            author: r.try_get("author")?,
            sender_name: r.try_get("sender_name")?,
            prompt: r.try_get("prompt")?,
            outcome: r.try_get("outcome")?,
        })
    }
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
