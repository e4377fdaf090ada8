//! Delivers outbox rows through their channel's connector: in order, with retries and
//! backoff for transient failures, waiting out rate limits, and giving up after
//! `outbox.max_attempts`, when the row is marked failed where librarians can see it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::connectors::{Connectors, Delivery, Part, SendError};
use crate::domain::{Channel, Recipient, now_ms};
use crate::metrics::Metrics;
use crate::store::{OutboxRow, OutboxStatus, Store};

/// `[outbox]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a row is marked failed.
    pub max_attempts: u32,
    /// The first retry waits this long; each further one twice as long.
    pub retry_base_ms: u64,
    /// The longest wait between retries.
    pub retry_max_ms: u64,
    /// How long a claimed row is reserved for one worker before another may retry it.
    pub lease_ms: u64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base_ms: 1_000,
            retry_max_ms: 300_000,
            lease_ms: 30_000,
        }
    }
}

impl OutboxSettings {
    /// Whether a row claimed until `row.lease_until` may still be sent at `now`: not in the
    /// last fifth of the lease (at most 5 s), which is kept for the send itself.
    pub fn may_still_send(&self, row: &OutboxRow, now: i64) -> bool {
        let margin = (self.lease_ms as i64 / 5).min(5_000);
        now < row.lease_until - margin
    }

    /// The wait before attempt `attempts + 1`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let factor = 1u64 << attempts.clamp(0, 20);
        Duration::from_millis(
            self.retry_base_ms
                .saturating_mul(factor)
                .min(self.retry_max_ms),
        )
    }
}

const BATCH: i64 = 64;

enum Outcome {
    /// Delivered; marked sent with the rest of the batch (the platform drops a repeat).
    SentMarkLater,
    /// Handed on to the instances' bus; marked published with the rest of the batch, and
    /// sent by the instance that pushes it.
    HandedOn,
    /// Delivered and already marked sent.
    SentAndMarked,
    /// Not delivered now (retry scheduled, or given up); the recipient's later rows wait.
    NotSent,
}

pub struct OutboxWorker {
    pub store: Store,
    pub connectors: Connectors,
    pub settings: OutboxSettings,
    pub metrics: Arc<Metrics>,
}

impl OutboxWorker {
    /// Runs until `stop`; a batch already claimed is finished first.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            if stop.is_cancelled() {
                break;
            }
            let rows = match self
                .store
                .claim_due_outbox(now_ms(), self.settings.lease_ms as i64, BATCH)
                .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "outbox claim failed");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.cancelled() => break,
                    }
                    continue;
                }
            };
            if rows.is_empty() {
                let wait = match self.store.next_outbox_due().await {
                    Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(1, 1_000) as u64),
                    _ => Duration::from_secs(1),
                };
                tokio::select! {
                    _ = self.store.outbox_queued() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.cancelled() => break,
                }
                continue;
            }
            let mut sent = Vec::with_capacity(rows.len());
            let mut handed_on = Vec::new();
            // A recipient whose message could not go out gets nothing newer in this batch,
            // so their messages arrive in order.
            let mut held_back: HashSet<(Channel, Recipient)> = HashSet::new();
            for row in rows {
                let key = (row.channel, row.recipient.clone());
                if held_back.contains(&key) {
                    continue; // its lease runs out and it is claimed again after the earlier one
                }
                if !self.settings.may_still_send(&row, now_ms()) {
                    // The batch outlived the claim: another worker may have this row now.
                    // Leave it (and the recipient's later rows) to whoever claims it next.
                    tracing::info!(
                        outbox_id = row.id,
                        "lease ran out before sending; left for the next claim"
                    );
                    held_back.insert(key);
                    continue;
                }
                match self.deliver(&row).await {
                    Ok(Outcome::SentMarkLater) => sent.push(row.id),
                    Ok(Outcome::HandedOn) => handed_on.push(row.id),
                    Ok(Outcome::SentAndMarked) => {}
                    Ok(Outcome::NotSent) => {
                        held_back.insert(key);
                    }
                    Err(e) => {
                        held_back.insert(key);
                        tracing::warn!(outbox_id = row.id, error = %format!("{e:#}"), "outbox bookkeeping failed");
                    }
                }
            }
            if let Err(e) = self.store.mark_outbox_sent(&sent, now_ms()).await {
                // Delivered but not marked: they go out again with the same idempotency key.
                tracing::warn!(rows = sent.len(), error = %format!("{e:#}"), "cannot mark outbox rows sent");
            }
            if let Err(e) = self.store.mark_outbox_published(&handed_on, now_ms()).await {
                // Published but not marked: published again once the lease runs out.
                tracing::warn!(rows = handed_on.len(), error = %format!("{e:#}"), "cannot mark outbox rows published");
            }
        }
    }

    /// Sends one row and says what became of it.
    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<Outcome> {
        let Some(connector) = self.connectors.get(row.channel) else {
            self.store
                .fail_outbox(
                    row.id,
                    OutboxStatus::Undeliverable,
                    "no connector enabled for this channel",
                )
                .await?;
            return Ok(Outcome::NotSent);
        };
        let patron_last_wrote_at = if connector.has_reply_window() {
            self.store
                .last_inbound_at(row.channel, row.recipient.as_str())
                .await?
        } else {
            None
        };
        let delivery = Delivery {
            recipient: row.recipient.clone(),
            sender: row.sender,
            message_id: row.message_id,
            text: row.text.clone(),
            lang: row.lang.clone(),
            queued_at: row.queued_at,
            sender_name: row.sender_name.clone(),
            prompt: row.prompt.clone(),
            idempotency_key: row.idempotency_key.clone(),
            patron_last_wrote_at,
        };
        let parts = connector.split(&row.text);
        let count = parts.len();
        let mut result = Ok(());
        for (index, text) in parts
            .iter()
            .enumerate()
            .skip(row.parts_sent.max(0) as usize)
        {
            result = connector.send(&delivery, Part { index, count, text }).await;
            if result.is_err() {
                break;
            }
            if index + 1 < count {
                // Recorded before the next part, so a retry never repeats this one.
                self.store
                    .mark_outbox_parts_sent(row.id, index as i64 + 1)
                    .await?;
            }
        }
        match result {
            Ok(()) => {
                self.metrics.message_out(connector.channel());
                if connector.hands_on() {
                    return Ok(Outcome::HandedOn);
                }
                if connector.drops_repeats() {
                    return Ok(Outcome::SentMarkLater);
                }
                self.store.mark_outbox_sent(&[row.id], now_ms()).await?;
                return Ok(Outcome::SentAndMarked);
            }
            Err(SendError::RateLimited { retry_after }) => {
                tracing::info!(
                    outbox_id = row.id,
                    retry_after_ms = retry_after.as_millis() as u64,
                    "rate limited"
                );
                let at = now_ms() + retry_after.as_millis() as i64;
                self.store
                    .retry_outbox(row.id, at, "rate limited", false)
                    .await?;
            }
            Err(SendError::Transient(e))
                if (row.attempts + 1) < i64::from(self.settings.max_attempts) =>
            {
                let wait = self.settings.backoff(row.attempts);
                tracing::info!(
                    outbox_id = row.id,
                    attempt = row.attempts + 1,
                    wait_ms = wait.as_millis() as u64,
                    "delivery failed, will retry"
                );
                self.store
                    .retry_outbox(
                        row.id,
                        now_ms() + wait.as_millis() as i64,
                        &format!("{e:#}"),
                        true,
                    )
                    .await?;
            }
            Err(SendError::Transient(e)) | Err(SendError::Permanent(e)) => {
                tracing::warn!(outbox_id = row.id, "delivery failed for good");
                self.store
                    .fail_outbox(row.id, OutboxStatus::Failed, &format!("{e:#}"))
                    .await?;
            }
            Err(SendError::Undeliverable(reason)) => {
                self.store
                    .fail_outbox(row.id, OutboxStatus::Undeliverable, &reason)
                    .await?;
            }
        }
        Ok(Outcome::NotSent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_sent_only_well_inside_its_lease() {
        let s = OutboxSettings {
            lease_ms: 30_000,
            ..Default::default()
        };
        let row = OutboxRow {
            id: 1,
            message_id: 1,
            channel: Channel::Telegram,
            recipient: Recipient::new("42".to_string()),
            text: "hi".into(),
            attempts: 0,
            idempotency_key: "refdesk-1".into(),
            sender: crate::domain::Sender::Bot,
            parts_sent: 0,
            lang: None,
            queued_at: 0,
            sender_name: None,
            prompt: None,
            lease_until: 100_000,
        };
        assert!(s.may_still_send(&row, 70_000));
        assert!(s.may_still_send(&row, 94_999));
        assert!(
            !s.may_still_send(&row, 95_000),
            "the last 5 s are kept for the send"
        );
        assert!(!s.may_still_send(&row, 130_000), "long expired");
        let short = OutboxSettings {
            lease_ms: 1_000,
            ..Default::default()
        };
        assert!(short.may_still_send(&row, 99_799));
        assert!(
            !short.may_still_send(&row, 99_800),
            "a fifth of a short lease"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = OutboxSettings::default();
        assert_eq!(s.backoff(0), Duration::from_secs(1));
        assert_eq!(s.backoff(3), Duration::from_secs(8));
        assert_eq!(s.backoff(30), Duration::from_secs(300));
    }
}
