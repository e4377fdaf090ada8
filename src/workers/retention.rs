//! Once a day, deletes what has been kept long enough (`[privacy]`): conversations older
//! than `retention_days`, tickets left open longer than `unresolved_ticket_days`, dedupe
//! keys, expired desk sessions. The anonymous daily counts stay.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::domain::now_ms;
use crate::store::{PurgePolicy, Store};

const DAY_MS: i64 = 86_400_000;

/// `[privacy]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Days to keep each message (counted from when it was written), a resolved ticket with
    /// its note (from its resolution), and dedupe keys; conversations and patrons go when
    /// nothing of theirs is left.
    pub retention_days: u32,
    /// Days a ticket nobody resolved keeps its conversation; then it goes like the rest.
    /// Never shorter than `retention_days`.
    pub unresolved_ticket_days: u32,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            retention_days: 90,
            unresolved_ticket_days: 180,
        }
    }
}

impl PrivacySettings {
    pub fn policy(&self, now: i64) -> PurgePolicy {
        let keep = i64::from(self.retention_days) * DAY_MS;
        let keep_unresolved =
            i64::from(self.unresolved_ticket_days.max(self.retention_days)) * DAY_MS;
        PurgePolicy {
            cutoff: now - keep,
            unresolved_cutoff: now - keep_unresolved,
            now,
        }
    }
}

pub async fn run(store: Store, settings: PrivacySettings, stop: CancellationToken) {
    loop {
        match store.purge(settings.policy(now_ms())).await {
            Ok(r) => tracing::info!(
                messages = r.messages,
                tickets = r.tickets,
                conversations = r.conversations,
                patrons = r.patrons,
                inbox_keys = r.inbox_keys,
                desk_sessions = r.desk_sessions,
                "retention purge done"
            ),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention purge failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(86_400)) => {}
            _ = stop.cancelled() => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unresolved_ticket_is_never_kept_shorter_than_the_rest() {
        let s = PrivacySettings {
            retention_days: 30,
            unresolved_ticket_days: 7,
        };
        let p = s.policy(100 * DAY_MS);
        assert_eq!(p.cutoff, 70 * DAY_MS);
        assert_eq!(p.unresolved_cutoff, 70 * DAY_MS);
    }
}
