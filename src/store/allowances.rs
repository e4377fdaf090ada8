//! Allowances shared by every instance on one database: attempts per key counted in fixed
//! one-minute windows. Only the key's hash is stored, and a window's row is dropped once
//! the next minute has ended too (by `drop_spent_allowances`, which each instance runs
//! with its presence report every 15 s, off the per-message path).

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::Store;

const WINDOW_MS: i64 = 60_000;

impl Store {
    /// Counts one attempt for `key` in the minute that holds `now`; the attempts counted
    /// in that minute so far, this one included, and when the minute ends (ms).
    pub async fn count_attempt(&self, key: &str, now: i64) -> anyhow::Result<(i64, i64)> {
        let window_ms = WINDOW_MS;
        let start = now - now.rem_euclid(window_ms);
        let hashed = hex::encode(Sha256::digest(key.as_bytes()));
        let mut w = self.begin_write().await?;
        let count: i64 = sqlx::query(
            "INSERT INTO allowance_windows (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET count = allowance_windows.count + 1 \
             RETURNING count",
        )
        .bind(&hashed)
        .bind(start)
        .fetch_one(&mut *w.tx)
        .await
        .context("count an attempt")?
        .try_get(0)?;
        w.commit().await?;
        Ok((count, start + window_ms))
    }

    /// Drops the windows before the previous one: nobody counts in them any more.
    pub async fn drop_spent_allowances(&self, now: i64) -> anyhow::Result<u64> {
        let start = now - now.rem_euclid(WINDOW_MS);
        let mut w = self.begin_write().await?;
        let dropped = sqlx::query("DELETE FROM allowance_windows WHERE window_start < $1")
            .bind(start - WINDOW_MS)
            .execute(&mut *w.tx)
            .await
            .context("drop spent allowance windows")?
            .rows_affected();
        w.commit().await?;
        Ok(dropped)
    }
}
