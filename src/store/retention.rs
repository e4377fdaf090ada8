//! Privacy retention: rows are deleted, not blanked, once they are older than the configured
//! limits; only the anonymous daily counts outlive them. On SQLite the freed pages are
//! zeroed (`secure_delete`) and handed back to the file system (incremental vacuum), and
//! the write-ahead log is truncated, so the bytes are gone from the files too.

use sqlx::Row;

use super::{Backend, Store, Tx};

/// Rows deleted in one transaction: keeps each write short so patrons are not kept waiting.
const BATCH: i64 = 500;

/// What to delete: everything older than `cutoff`, except the conversations of tickets
/// still open or claimed, which are kept until `unresolved_cutoff`.
#[derive(Debug, Clone, Copy)]
pub struct PurgePolicy {
    pub cutoff: i64,
    pub unresolved_cutoff: i64,
    /// Now: desk sessions and setup tokens that expired before it go.
    pub now: i64,
}

/// How many rows of each kind a purge deleted (logged; no content).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub messages: u64,
    pub tickets: u64,
    pub conversations: u64,
    pub patrons: u64,
    pub inbox_keys: u64,
    pub desk_sessions: u64,
}

impl Store {
    /// Deletes what `policy` says has been kept long enough. Safe to run while patrons
    /// write: a message that arrives meanwhile is newer than the cutoff and keeps its
    /// conversation and patron.
    pub async fn purge(&self, policy: PurgePolicy) -> anyhow::Result<PurgeReport> {
        let mut report = PurgeReport::default();
        let mut w = self.begin_write().await?;
        const EXPIRED: &str = "(status = 'resolved' AND COALESCE(resolved_at, opened_at) < $1) \
             OR (status <> 'resolved' AND opened_at < $2)";
        // A follow-up kept longer than the ticket it followed no longer points at it.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE tickets SET follows = NULL WHERE follows IN (SELECT id FROM tickets WHERE {EXPIRED})"
        )))
        .bind(policy.cutoff)
        .bind(policy.unresolved_cutoff)
        .execute(&mut *w.tx)
        .await?;
        report.tickets = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM tickets WHERE {EXPIRED}"
        )))
        .bind(policy.cutoff)
        .bind(policy.unresolved_cutoff)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        // Only to tell a platform's redelivery from a new message: days are plenty.
        report.inbox_keys = sqlx::query("DELETE FROM inbox WHERE received_at < $1")
            .bind(policy.cutoff)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        // The outbox's copy of a text kept for an open ticket's conversation.
        sqlx::query(
            "UPDATE outbox SET text = NULL WHERE text IS NOT NULL AND status <> 'pending' AND created_at < $1",
        )
        .bind(policy.cutoff)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;

        loop {
            let mut w = self.begin_write().await?;
            let deleted = delete_old_messages(&mut w.tx, policy.cutoff).await?;
            w.commit().await?;
            report.messages += deleted;
            if deleted < BATCH as u64 {
                break;
            }
        }

        // A patron returning after months may write into a conversation being deleted
        // here; on PostgreSQL one side then fails its foreign key. Each of these steps is
        // its own transaction and a failure only postpones it to the next run.
        report.conversations = self
            .delete_or_postpone(
                "conversations",
                "DELETE FROM conversations WHERE created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id) \
                 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = conversations.id)",
                policy.cutoff,
            )
            .await;
        report.patrons = self
            .delete_or_postpone(
                "patrons",
                "DELETE FROM patrons WHERE created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.patron_id = patrons.id)",
                policy.cutoff,
            )
            .await;
        report.desk_sessions = self
            .delete_or_postpone(
                "desk sessions",
                "DELETE FROM desk_sessions WHERE expires_at < $1",
                policy.now,
            )
            .await;
        self.delete_or_postpone(
            "setup tokens",
            "DELETE FROM setup_tokens WHERE expires_at < $1",
            policy.now,
        )
        .await;
        self.reclaim_or_warn().await;
        Ok(report)
    }

    /// One purge step in its own transaction; a failure is logged and the rows wait for the
    /// next run.
    async fn delete_or_postpone(&self, what: &str, sql: &'static str, before: i64) -> u64 {
        let step = async {
            let mut w = self.begin_write().await?;
            let n = sqlx::query(sql)
                .bind(before)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
            w.commit().await?;
            anyhow::Ok(n)
        };
        match step.await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), what, "purge step postponed to the next run");
                0
            }
        }
    }

    /// `reclaim_free_pages` after a commit: what was deleted stays deleted whatever happens
    /// here, so a failure is logged, not reported as the operation's.
    pub(super) async fn reclaim_or_warn(&self) {
        if let Err(e) = self.reclaim_free_pages().await {
            tracing::warn!(error = %format!("{e:#}"), "cannot hand freed database pages back");
        }
    }

    /// SQLite: hands freed (already zeroed) pages back to the file system and empties the
    /// write-ahead log, which may still hold copies of deleted pages.
    pub async fn reclaim_free_pages(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Sqlite {
            let _guard = match &self.write_lock {
                Some(lock) => Some(lock.lock().await),
                None => None,
            };
            sqlx::query("PRAGMA incremental_vacuum")
                .execute(&self.pool)
                .await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Sum of the anonymous counts for an outcome (all days, all channels).
    pub async fn counted(&self, outcome: &str) -> anyhow::Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM daily_counts WHERE outcome = $1",
        )
        .bind(outcome)
        .fetch_one(&self.pool)
        .await?;
        Ok(row
            .try_get::<i64, _>(0)
            .or_else(|_| row.try_get::<f64, _>(0).map(|f| f as i64))?)
    }
}

/// One batch of messages older than `cutoff` outside the conversations of open or claimed
/// tickets, with their outbox rows, except those still waiting to be delivered.
async fn delete_old_messages(tx: &mut Tx, cutoff: i64) -> anyhow::Result<u64> {
    let ids: Vec<i64> = sqlx::query(
        "SELECT m.id FROM messages m WHERE m.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = m.conversation_id AND t.status <> 'resolved') \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id AND o.status = 'pending') \
         ORDER BY m.id LIMIT $2",
    )
    .bind(cutoff)
    .bind(BATCH)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(0);
    }
    delete_by_ids(tx, "DELETE FROM inbox WHERE message_id", &ids).await?;
    delete_by_ids(tx, "DELETE FROM outbox WHERE message_id", &ids).await?;
    delete_by_ids(tx, "DELETE FROM messages WHERE id", &ids).await
}

/// `{statement} IN (ids...)`, with the ids bound, a thousand at a time (both databases
/// cap the number of bound values).
pub(super) async fn delete_by_ids(
    tx: &mut Tx,
    statement: &'static str,
    ids: &[i64],
) -> anyhow::Result<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(1000) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!("{statement} IN ({})", placeholders.join(", "));
        // Only placeholders are formatted in; the statement is one of ours.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        deleted += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(deleted)
}
