//! The shared catalogue: records kept in the database so that every instance's local
//! search index can follow them (`workers::catalogue_sync`).

use anyhow::Context;
use sqlx::Row;

use super::{Backend, Store};
use crate::catalogue::record::CatalogueRecord;

/// Records written per statement: PostgreSQL takes at most 65,535 parameters, SQLite 32,766.
const PER_STATEMENT: usize = 500;

impl Store {
    /// Writes `records` (new, or replacing the stored record with the same id) as the
    /// newest changes. Returns the sequence number of the last one.
    pub async fn put_catalogue_records(&self, records: &[CatalogueRecord]) -> anyhow::Result<i64> {
        let mut w = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // One writer at a time, so numbers are taken in commit order and an index that
            // has seen N has seen everything before N. Readers are not held up.
            sqlx::query("LOCK TABLE catalogue_records IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *w.tx)
                .await
                .context("lock the catalogue")?;
        }
        // A batch may name a record twice; the later one wins, as it would one by one (and
        // one statement cannot update the same row twice).
        let mut last_of = std::collections::HashMap::new();
        for (i, r) in records.iter().enumerate() {
            last_of.insert(r.id.as_str(), i);
        }
        let records: Vec<&CatalogueRecord> = records
            .iter()
            .enumerate()
            .filter(|(i, r)| last_of[r.id.as_str()] == *i)
            .map(|(_, r)| r)
            .collect();
        let mut seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM catalogue_records")
            .fetch_one(&mut *w.tx)
            .await?
            .try_get(0)?;
        for chunk in records.chunks(PER_STATEMENT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for record in chunk {
                seq += 1;
                let json = serde_json::to_string(record).context("record to JSON")?;
                rows.push((record.id.as_str(), seq, json));
            }
            // Placeholders only, numbered as both databases read them; the values are bound.
            let values = (0..rows.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO catalogue_records (id, seq, record) VALUES {values} \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, record = excluded.record"
            );
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, seq, json) in rows {
                insert = insert.bind(id).bind(seq).bind(json);
            }
            insert
                .execute(&mut *w.tx)
                .await
                .context("store catalogue records")?;
        }
        w.commit().await?;
        Ok(seq)
    }

    /// Up to `limit` changes after `after`, oldest first, with their sequence numbers.
    pub async fn catalogue_changes(
        &self,
        after: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(i64, CatalogueRecord)>> {
        let rows = sqlx::query(
            "SELECT seq, record FROM catalogue_records WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("read catalogue changes")?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq")?;
                let json: String = r.try_get("record")?;
                let record = serde_json::from_str(&json)
                    .with_context(|| format!("stored catalogue change {seq} is not a record"))?;
                Ok((seq, record))
            })
            .collect()
    }

    /// The newest change's sequence number (0 when the database holds no catalogue).
    pub async fn catalogue_head(&self) -> anyhow::Result<i64> {
        Ok(
            sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM catalogue_records")
                .fetch_one(&self.pool)
                .await
                .context("catalogue head")?
                .try_get(0)?,
        )
    }
}
