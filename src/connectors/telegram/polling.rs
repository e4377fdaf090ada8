//! Long polling, as a `Source` for the shared feed (`connectors::feed`). The offset Telegram
//! is told (which confirms every earlier update) only moves past an update after its message
//! is stored, and the feed saves it in the database, so a crash or restart neither loses an
//! update nor handles one twice (a re-fetched update is a duplicate the inbox drops).

use std::sync::Arc;

use async_trait::async_trait;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::Requester;
use teloxide::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;

use super::Telegram;
use crate::connectors::feed::{Round, Source};
use crate::conversation::ConversationService;

/// The feed's lock and saved-position names (kept as they were: deployments have them).
pub const JOB: &str = "telegram-polling";
pub const OFFSET_KEY: &str = "telegram.offset";
/// Seconds Telegram holds a poll open; under teloxide's 17 s client timeout.
const POLL_SECONDS: u32 = 10;

pub struct Polling {
    pub tg: Arc<Telegram>,
    pub inbox: ConversationService,
}

#[async_trait]
impl Source for Polling {
    /// A webhook left set from webhook mode makes getUpdates fail.
    async fn prepare(&mut self) -> anyhow::Result<()> {
        self.tg.bot.delete_webhook().await?;
        Ok(())
    }

    /// One `getUpdates` round: fetch, then store each update in order until one fails.
    async fn round(
        &mut self,
        cursor: Option<&str>,
        stop: &CancellationToken,
    ) -> anyhow::Result<Round> {
        let offset: i32 = cursor.map(str::parse).transpose()?.unwrap_or(0);
        let request = self
            .tg
            .bot
            .get_updates()
            .offset(offset)
            .timeout(POLL_SECONDS)
            .limit(100)
            .allowed_updates(vec![AllowedUpdate::Message]);
        let updates = tokio::select! {
            r = request => r?,
            _ = stop.cancelled() => return Ok(Round::Stopped),
        };
        let mut next = offset;
        for update in &updates {
            let id = update.id.0 as i32;
            if let Err(error) = self.tg.accept(&self.inbox, update).await {
                return Ok(Round::Unstored {
                    retry: Some(id.to_string()),
                    skip: (id + 1).to_string(),
                    error: error.context(format!("Telegram update {id}")),
                });
            }
            next = next.max(id + 1);
        }
        Ok(Round::Stored {
            next: next.to_string(),
        })
    }
}
