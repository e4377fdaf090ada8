//! The outbox: every outgoing message waits here until a connector has delivered it.

use anyhow::Context;
use sqlx::Row;

use super::{Backend, Store};
use crate::domain::{Channel, Recipient, Sender};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    /// Handed to the instances' bus; the instance that pushes it to a page marks it sent.
    Published,
    Sent,
    Failed,
    Undeliverable,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Published => "published",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Undeliverable => "undeliverable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: i64,
    pub channel: Channel,
    pub recipient: Recipient,
    pub text: String,
    pub attempts: i64,
    /// Sent with the delivery so a platform that supports it can drop a repeat.
    pub idempotency_key: String,
    /// The sender of the message (bot, librarian, system).
    pub sender: Sender,
    /// Parts of a long message already delivered (see `Connector::split`).
    pub parts_sent: i64,
    /// The text's language, when known (ISO 639-1).
    pub lang: Option<String>,
    /// When it was queued (ms): the time the patron's page shows for it.
    pub queued_at: i64,
    /// The name the patron sees for who wrote it (a librarian's display name).
    pub sender_name: Option<String>,
    /// What it asks of the patron (`rating`).
    pub prompt: Option<String>,
    /// When this worker's claim on the row runs out (ms): after it, another worker (on
    /// another instance) may claim and send it.
    pub lease_until: i64,
}

impl Store {
    /// Takes up to `limit` due rows for delivery, oldest first, and leases them for
    /// `lease_ms` so another worker (another instance on PostgreSQL) leaves them alone. A
    /// worker that dies mid-send lets the lease run out and the row is tried again.
    pub async fn claim_due_outbox(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        // A row whose recipient has an earlier row still waiting (a retry, a rate limit, a
        // lease held elsewhere) stays put, so messages reach each recipient in order.
        const CLAIM_SQLITE: &str = "UPDATE outbox SET leased_until = $1 WHERE id IN \
             (SELECT id FROM outbox o WHERE status = 'pending' AND next_attempt_at <= $2 \
              AND (leased_until IS NULL OR leased_until <= $2) \
              AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' \
                  AND e.channel = o.channel AND e.recipient = o.recipient AND e.id < o.id \
                  AND (e.next_attempt_at > $2 OR e.leased_until > $2)) \
              ORDER BY id LIMIT $3) \
             RETURNING id, message_id, channel, recipient, text, attempts, idempotency_key, sender, parts_sent, lang, created_at, sender_name, prompt";
        const CLAIM_POSTGRES: &str = "UPDATE outbox SET leased_until = $1 WHERE id IN \
             (SELECT id FROM outbox o WHERE status = 'pending' AND next_attempt_at <= $2 \
              AND (leased_until IS NULL OR leased_until <= $2) \
              AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' \
                  AND e.channel = o.channel AND e.recipient = o.recipient AND e.id < o.id \
                  AND (e.next_attempt_at > $2 OR e.leased_until > $2)) \
              ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, message_id, channel, recipient, text, attempts, idempotency_key, sender, parts_sent, lang, created_at, sender_name, prompt";
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let mut w = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Instances claim one at a time: under READ COMMITTED another instance's
            // uncommitted lease is invisible, and the recipient-order check would miss it.
            sqlx::query("SELECT pg_advisory_xact_lock(7203114)")
                .execute(&mut *w.tx)
                .await
                .context("outbox claim lock")?;
        }
        let rows = sqlx::query(sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *w.tx)
            .await
            .context("outbox claim")?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let channel: String = r.try_get("channel")?;
            let Ok(channel) = channel.parse::<Channel>() else {
                // Written by an older or newer version: no connector here can send it.
                sqlx::query(
                    "UPDATE outbox SET status = 'undeliverable', last_error = $1 WHERE id = $2",
                )
                .bind(format!("unknown channel `{channel}`"))
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
                continue;
            };
            let sender: String = r.try_get("sender")?;
            out.push(OutboxRow {
                id,
                message_id: r.try_get("message_id")?,
                channel,
                recipient: Recipient::new(r.try_get::<String, _>("recipient")?),
                text: r.try_get::<Option<String>, _>("text")?.unwrap_or_default(),
                attempts: r.try_get("attempts")?,
                idempotency_key: r.try_get("idempotency_key")?,
                sender: Sender::parse(&sender).unwrap_or(Sender::System),
                parts_sent: r.try_get("parts_sent")?,
                lang: r.try_get("lang")?,
                queued_at: r.try_get("created_at")?,
                sender_name: r.try_get("sender_name")?,
                prompt: r.try_get("prompt")?,
                lease_until: now + lease_ms,
            });
        }
        w.commit().await?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// Marks delivered rows sent, all in one transaction.
    pub async fn mark_outbox_sent(&self, ids: &[i64], now: i64) -> anyhow::Result<()> {
        self.update_outbox_rows(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, leased_until = NULL WHERE id IN",
            "",
            ids,
            now,
        )
        .await
    }

    /// Marks rows handed to the instances' bus (`OutboxStatus::Published`), unless an
    /// instance that pushed one has marked it sent already.
    pub async fn mark_outbox_published(&self, ids: &[i64], now: i64) -> anyhow::Result<()> {
        // `next_attempt_at` records when it was published (no worker claims it again).
        self.update_outbox_rows(
            "UPDATE outbox SET status = 'published', attempts = attempts + 1, leased_until = NULL, next_attempt_at = $1 WHERE id IN",
            " AND status = 'pending'",
            ids,
            now,
        )
        .await
    }

    /// Marks the outbox rows of messages this instance pushed to a patron's page sent.
    /// `also_pending`: a row may still be pending when its bus signal outran the
    /// publisher's own mark; a replay marks only published rows, leaving pending ones to
    /// the outbox (another instance's page may be waiting for them).
    pub async fn mark_pushed(
        &self,
        message_ids: &[i64],
        also_pending: bool,
        now: i64,
    ) -> anyhow::Result<()> {
        let sql = if also_pending {
            "UPDATE outbox SET status = 'sent', sent_at = $1, leased_until = NULL WHERE status IN ('pending', 'published') AND message_id IN"
        } else {
            "UPDATE outbox SET status = 'sent', sent_at = $1 WHERE status = 'published' AND message_id IN"
        };
        self.update_outbox_rows(sql, "", message_ids, now).await
    }

    /// Runs `head (ids...) tail` with `$1 = now`, one statement per few hundred ids (under
    /// load a batch is as large as the claim), all in one transaction.
    async fn update_outbox_rows(
        &self,
        head: &str,
        tail: &str,
        ids: &[i64],
        now: i64,
    ) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        for chunk in ids.chunks(500) {
            let placeholders = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{head} ({placeholders}){tail}");
            let mut update = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for id in chunk {
                update = update.bind(*id);
            }
            update.execute(&mut *w.tx).await?;
        }
        w.commit().await
    }

    /// Records that the first `parts` parts of a long message went out, so a retry or a
    /// restart continues with the next one.
    pub async fn mark_outbox_parts_sent(&self, id: i64, parts: i64) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET parts_sent = $1 WHERE id = $2")
            .bind(parts)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Tries again at `next_attempt_at`; `count_attempt` is false for a rate limit, which is
    /// the platform asking us to wait rather than a failure.
    pub async fn retry_outbox(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
        count_attempt: bool,
    ) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2, attempts = attempts + $3, leased_until = NULL WHERE id = $4")
            .bind(next_attempt_at)
            .bind(error)
            .bind(i64::from(count_attempt))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Gives up on a row; it stays visible to librarians with the reason.
    pub async fn fail_outbox(
        &self,
        id: i64,
        status: OutboxStatus,
        error: &str,
    ) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET status = $1, last_error = $2, attempts = attempts + 1, leased_until = NULL WHERE id = $3")
            .bind(status.as_str())
            .bind(error)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Rows not yet delivered (pending), for the metrics.
    pub async fn outbox_backlog(&self) -> anyhow::Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// `(status, attempts, last_error)` of a message's outbox row.
    pub async fn outbox_state(
        &self,
        message_id: i64,
    ) -> anyhow::Result<Option<(String, i64, Option<String>)>> {
        let row =
            sqlx::query("SELECT status, attempts, last_error FROM outbox WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok((
                r.try_get("status")?,
                r.try_get("attempts")?,
                r.try_get("last_error")?,
            ))
        })
        .transpose()
    }

    /// Frees the leases of a previous run. Only for a single instance (SQLite): there, no
    /// other worker can hold a lease, so rows a crash left leased are sent at once.
    pub async fn release_outbox_leases(&self) -> anyhow::Result<u64> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("UPDATE outbox SET leased_until = NULL WHERE status = 'pending' AND leased_until IS NOT NULL")
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n)
    }

    /// The earliest time a pending row is due, so the worker can sleep until then.
    pub async fn next_outbox_due(&self) -> anyhow::Result<Option<i64>> {
        Ok(sqlx::query("SELECT MIN(CASE WHEN leased_until IS NOT NULL AND leased_until > next_attempt_at THEN leased_until ELSE next_attempt_at END) FROM outbox WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    pub async fn outbox_rows_for(&self, channel: Channel) -> anyhow::Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM outbox WHERE channel = $1")
                .bind(channel.as_str())
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }
}
