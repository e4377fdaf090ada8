//! With several instances on one PostgreSQL: keeps this instance's catalogue index up to
//! date with the records in the database, so an import run once (against any instance's
//! database, from the command line) is answered from by every instance without a restart.
//! The index remembers the newest change it holds (in its own commit), so each round reads
//! only what is new, and a restarted instance carries on where it stopped.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::catalogue::CatalogueIndex;
use crate::store::Store;

/// How often the database is asked for changes: one indexed read, empty when nothing is new.
const EVERY: Duration = Duration::from_secs(2);
/// Changes applied per index commit.
const BATCH: i64 = 2_000;
/// Indexing memory while a round writes (tantivy's floor is 15 MB per thread).
const HEAP_BYTES: usize = 32 * 1024 * 1024;

/// Follows the database until `stop`.
pub fn start(
    store: Store,
    index: Arc<CatalogueIndex>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sync_once(&store, &index).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, "catalogue brought up to date"),
                // Another process holding the index's writer, or the database away: the
                // next round tries again.
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot bring the catalogue up to date")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.cancelled() => return,
            }
        }
    })
}

/// Applies every change the index does not have yet; returns how many it applied.
pub async fn sync_once(store: &Store, index: &Arc<CatalogueIndex>) -> anyhow::Result<u64> {
    let mut applied = 0;
    loop {
        let after = index.synced_to()?;
        let changes = store.catalogue_changes(after, BATCH).await?;
        let Some(&(last, _)) = changes.last() else {
            return Ok(applied);
        };
        let count = changes.len();
        let index = index.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut writer = index.writer(1, HEAP_BYTES)?;
            for (_, record) in &changes {
                writer.upsert(record)?;
            }
            writer.commit_synced_to(last)
        })
        .await??;
        applied += count as u64;
        if (count as i64) < BATCH {
            return Ok(applied);
        }
    }
}
