//! Once a day, deletes the text of messages in closed conversations older than
//! `privacy.retention_days`; the anonymous daily counts stay.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::domain::now_ms;
use crate::store::Store;

/// `[privacy]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Days to keep message text of closed conversations.
    pub retention_days: u32,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self { retention_days: 90 }
    }
}

pub async fn run(store: Store, settings: PrivacySettings, stop: CancellationToken) {
    loop {
        let cutoff = now_ms() - i64::from(settings.retention_days) * 86_400_000;
        match store.purge_text_before(cutoff).await {
            Ok(n) => tracing::info!(messages = n, "retention purge done"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention purge failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(86_400)) => {}
            _ = stop.cancelled() => break,
        }
    }
}
