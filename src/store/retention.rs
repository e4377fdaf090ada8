//! Privacy retention: message text of closed conversations is deleted after the configured
//! number of days; the anonymous daily counts stay.

use sqlx::Row;

use super::Store;

impl Store {
    /// Blanks the text of messages older than `cutoff` in conversations with no open or
    /// claimed ticket, and the text of delivered outbox rows older than `cutoff`. Returns how
    /// many messages were blanked.
    pub async fn purge_text_before(&self, cutoff: i64) -> anyhow::Result<u64> {
        let mut w = self.begin_write().await?;
        let purged = sqlx::query(
            "UPDATE messages SET text = NULL WHERE text IS NOT NULL AND created_at < $1 AND conversation_id IN \
             (SELECT c.id FROM conversations c WHERE NOT EXISTS \
               (SELECT 1 FROM messages recent WHERE recent.conversation_id = c.id AND recent.created_at >= $2) \
             AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id AND t.status <> 'resolved'))",
        )
        .bind(cutoff)
        .bind(cutoff)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE outbox SET text = NULL WHERE text IS NOT NULL AND status <> 'pending' AND created_at < $1")
            .bind(cutoff)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(purged)
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
