//! Allowances shared by every instance on one database: attempts per key counted in fixed
//! one-minute windows. Only the key's hash is stored, and a window's row is dropped a
//! minute after it ends.

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
        // Windows before the previous one are spent: a cheap, indexed delete keeps the
        // table at two windows of keys.
        sqlx::query("DELETE FROM allowance_windows WHERE window_start < $1")
            .bind(start - window_ms)
            .execute(&mut *w.tx)
            .await
            .context("drop spent windows")?;
        w.commit().await?;
        Ok((count, start + window_ms))
    }
}
