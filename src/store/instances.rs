//! Which instances serve from this database, and the FAQ version each answers from.

use anyhow::Context;
use sqlx::Row;

use super::Store;

/// An instance whose report is older than this is gone.
const GONE_AFTER_MS: i64 = 90_000;

impl Store {
    /// Records that instance `id` is serving FAQ `faq_version` now; forgets instances gone.
    pub async fn report_instance(
        &self,
        id: &str,
        faq_version: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO instances (id, faq_version, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET faq_version = excluded.faq_version, seen_at = excluded.seen_at",
        )
        .bind(id)
        .bind(faq_version)
        .bind(now)
        .execute(&mut *w.tx)
        .await
        .context("report this instance")?;
        sqlx::query("DELETE FROM instances WHERE seen_at < $1")
            .bind(now - GONE_AFTER_MS)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn forget_instance(&self, id: &str) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// The FAQ versions the live instances serve, with how many serve each, most first.
    pub async fn faq_versions(&self, now: i64) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT faq_version, COUNT(*) AS n FROM instances WHERE seen_at >= $1 \
             GROUP BY faq_version ORDER BY n DESC, faq_version",
        )
        .bind(now - GONE_AFTER_MS)
        .fetch_all(&self.pool)
        .await
        .context("FAQ versions of the instances")?;
        rows.iter()
            .map(|r| Ok((r.try_get("faq_version")?, r.try_get("n")?)))
            .collect()
    }
}
