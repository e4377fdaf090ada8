//! Long polling. The offset Telegram is told (which confirms every earlier update) only
//! moves past an update after its message is stored, and it is saved in the database, so
//! a crash or restart neither loses an update nor handles one twice (a re-fetched update
//! is a duplicate the inbox drops).

use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::Requester;
use teloxide::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;

use super::{Telegram, retry};
use crate::connectors::run_alone;
use crate::conversation::ConversationService;

const OFFSET_KEY: &str = "telegram.offset";
/// Seconds Telegram holds a poll open; under teloxide's 17 s client timeout.
const POLL_SECONDS: u32 = 10;

pub async fn run(tg: Arc<Telegram>, service: ConversationService, stop: CancellationToken) {
    let store = service.store().clone();
    // One poller per bot: a second instance on the same PostgreSQL waits its turn.
    let Some(_guard) = run_alone(&store, "telegram-polling", &stop).await else {
        return;
    };
    // A webhook left set from webhook mode makes getUpdates fail.
    let delete = || async { Ok(tg.bot.delete_webhook().await.map(drop)?) };
    tokio::select! {
        _ = retry("deleteWebhook", &stop, delete) => {}
        _ = stop.cancelled() => return,
    }
    tracing::info!("polling Telegram for updates");
    let mut failures = 0u32;
    let mut stuck = Stuck::default();
    while !stop.is_cancelled() {
        match poll_once(&tg, &service, &stop, &mut stuck).await {
            Ok(()) => failures = 0,
            Err(e) => {
                failures += 1;
                let wait = Duration::from_secs(1 << failures.min(5));
                tracing::warn!(error = %format!("{e:#}"), wait_s = wait.as_secs(), "Telegram polling failed");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.cancelled() => {}
                }
            }
        }
    }
}

/// How many rounds in a row one update has failed to be stored.
#[derive(Default)]
struct Stuck {
    update_id: u32,
    rounds: u32,
}

/// After this many failed rounds an update is given up, so one update the database will
/// never take cannot hold back every later message.
const MAX_ROUNDS_PER_UPDATE: u32 = 5;

/// One `getUpdates` round: fetch, store each update in order, save the new offset.
async fn poll_once(
    tg: &Telegram,
    service: &ConversationService,
    stop: &CancellationToken,
    stuck: &mut Stuck,
) -> anyhow::Result<()> {
    let store = service.store();
    let offset: i32 = match store.connector_state(OFFSET_KEY).await? {
        Some(v) => v.parse()?,
        None => 0,
    };
    let request = tg
        .bot
        .get_updates()
        .offset(offset)
        .timeout(POLL_SECONDS)
        .limit(100)
        .allowed_updates(vec![AllowedUpdate::Message]);
    let updates = tokio::select! {
        r = request => r?,
        _ = stop.cancelled() => return Ok(()),
    };
    let mut next = offset;
    let mut failed = None;
    for update in &updates {
        // An update that cannot be stored stops the round; it is fetched again.
        if let Err(e) = tg.accept(service, update).await {
            if stuck.update_id == update.id.0 {
                stuck.rounds += 1;
            } else {
                *stuck = Stuck {
                    update_id: update.id.0,
                    rounds: 1,
                };
            }
            if stuck.rounds < MAX_ROUNDS_PER_UPDATE {
                failed = Some(e);
                break;
            }
            tracing::error!(
                update_id = update.id.0,
                error = %format!("{e:#}"),
                "a Telegram update could not be stored after {MAX_ROUNDS_PER_UPDATE} tries and is skipped"
            );
        }
        next = next.max(update.id.0 as i32 + 1);
    }
    if next != offset {
        store
            .set_connector_state(OFFSET_KEY, &next.to_string())
            .await?;
    }
    match failed {
        Some(e) => Err(e.context("an update was not stored")),
        None => Ok(()),
    }
}
