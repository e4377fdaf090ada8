//! Small per-connector bookmarks (Telegram's update offset) and the lock that keeps a
//! polling connector to one instance when several share a PostgreSQL database.

use anyhow::Context;
use sqlx::Row;
use sqlx::pool::PoolConnection;

use super::{Backend, Store};

/// Held while this instance is the one that polls; dropping it lets another take over.
pub struct SingletonGuard {
    /// The session holding the advisory lock (PostgreSQL); none on SQLite.
    _conn: Option<PoolConnection<sqlx::Any>>,
}

impl SingletonGuard {
    /// Whether this instance still holds the lock: on PostgreSQL, whether the session that
    /// took it is alive (a lost connection loses the lock, and another instance may take it).
    pub async fn still_held(&mut self) -> bool {
        match &mut self._conn {
            None => true,
            Some(conn) => sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok(),
        }
    }
}

impl Store {
    pub async fn connector_state(&self, name: &str) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM connector_state WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .with_context(|| format!("reading connector state {name}"))?;
        row.map(|r| r.try_get(0).map_err(Into::into)).transpose()
    }

    pub async fn set_connector_state(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO connector_state (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *w.tx)
        .await
        .with_context(|| format!("saving connector state {name}"))?;
        w.commit().await
    }

    /// Sends `payload` to every session listening on `channel` (PostgreSQL `NOTIFY`).
    pub async fn notify(&self, channel: &str, payload: &str) -> anyhow::Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&self.pool)
            .await
            .context("notify the other instances")?;
        Ok(())
    }

    /// Tries to become the only instance running `job`. SQLite serves one instance, so the
    /// answer is always yes; on PostgreSQL a session advisory lock decides, held by a
    /// connection kept out of the pool for as long as the guard lives.
    pub async fn try_singleton(&self, job: &str) -> anyhow::Result<Option<SingletonGuard>> {
        if self.backend == Backend::Sqlite {
            return Ok(Some(SingletonGuard { _conn: None }));
        }
        let mut conn = self.pool.acquire().await?;
        let key = advisory_key(job);
        let taken: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .context("advisory lock")?
            .try_get(0)?;
        if !taken {
            return Ok(None);
        }
        // The connection closes when the guard drops, and the lock goes with it (returned to
        // the pool, it would keep the lock).
        conn.close_on_drop();
        Ok(Some(SingletonGuard { _conn: Some(conn) }))
    }
}

/// A stable 63-bit key for a job name (FNV-1a), the same on every instance.
fn advisory_key(job: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in job.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64
}
