//! Outgoing messages that did not reach the patron, across every conversation, for the
//! desk's failed-deliveries view, and sending one again.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Store;

/// Most rows the view lists.
pub const MAX_UNDELIVERED: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Undelivered {
    pub message_id: i64,
    pub channel: String,
    /// `bot`, `librarian` or `system`.
    pub sender: String,
    /// `failed` (gave up after retries: sending again may help) or `undeliverable` (the
    /// platform refused it for good, e.g. its reply window closed or the patron blocked us).
    pub status: String,
    pub error: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    /// The ticket of the conversation, if it has one.
    pub ticket_id: Option<i64>,
    /// The message's text, unless the retention purge removed it.
    pub text: Option<String>,
}

impl Undelivered {
    /// Whether sending it again may help: only a row that ran out of retries.
    pub fn retryable(&self) -> bool {
        // Past retention the text is gone: there is nothing left to send.
        self.status == "failed" && self.text.is_some()
    }
}

impl Store {
    /// Rows that did not go out, newest first.
    pub async fn undelivered(&self) -> anyhow::Result<Vec<Undelivered>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT o.message_id, o.channel, o.sender, o.status, o.last_error, o.attempts, o.created_at, o.text, \
             (SELECT t.id FROM tickets t WHERE t.conversation_id = m.conversation_id ORDER BY t.id DESC LIMIT 1) AS ticket_id \
             FROM outbox o JOIN messages m ON m.id = o.message_id \
             WHERE o.status IN ('failed', 'undeliverable') ORDER BY o.id DESC LIMIT {MAX_UNDELIVERED}"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Puts a failed row back in the queue, due now, with its attempts reset (a row that
    /// delivered some parts of a long text resumes after them); `false` if the message has
    /// no failed row, or its text was removed by the retention purge.
    pub async fn send_again(&self, message_id: i64, now: i64) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, leased_until = NULL \
             WHERE message_id = $2 AND status = 'failed' AND text IS NOT NULL",
        )
        .bind(now)
        .bind(message_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n > 0 {
            // The commit wakes the outbox worker.
            w.queued = true;
        }
        w.commit().await?;
        Ok(n > 0)
    }
}

impl sqlx::FromRow<'_, AnyRow> for Undelivered {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            message_id: r.try_get("message_id")?,
            channel: r.try_get("channel")?,
            sender: r.try_get("sender")?,
            status: r.try_get("status")?,
            error: r.try_get("last_error")?,
            attempts: r.try_get("attempts")?,
            created_at: r.try_get("created_at")?,
            ticket_id: r.try_get("ticket_id")?,
            text: r.try_get("text")?,
        })
    }
}
