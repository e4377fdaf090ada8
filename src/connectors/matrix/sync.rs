//! The sync loop. Messages are stored (deduplicated by event id) while the SDK processes a
//! sync response; only then is the next sync token saved, so a crash re-fetches rather
//! than loses. The first start skips history; invites are accepted with retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;

use matrix_sdk::config::SyncSettings;
use matrix_sdk::event_handler::EventHandlerDropGuard;
use matrix_sdk::ruma::events::room::member::StrippedRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::{Client, Room, RoomState};
use tokio_util::sync::CancellationToken;

use crate::connectors::feed::{Round, Source};
use crate::conversation::ConversationService;
use crate::domain::{Channel, Inbound, InboundKind};

/// The feed's lock and saved-position names (kept as they were: deployments have them).
pub const JOB: &str = "matrix-sync";
pub const SINCE_KEY: &str = "matrix.since";
const POLL: Duration = Duration::from_secs(30);

struct Handling {
    service: ConversationService,
    /// Set when a message could not be stored: the sync token is then not saved.
    failed: AtomicBool,
}

/// `/sync`, as a `Source` for the shared feed (`connectors::feed`).
pub struct Sync {
    client: Client,
    handling: Arc<Handling>,
    handlers: Option<Vec<EventHandlerDropGuard>>,
}

impl Sync {
    pub fn new(client: Client, inbox: ConversationService) -> Self {
        let handling = Arc::new(Handling {
            service: inbox,
            failed: AtomicBool::new(false),
        });
        Self {
            client,
            handling,
            handlers: None,
        }
    }
}

#[async_trait]
impl Source for Sync {
    async fn round(
        &mut self,
        since: Option<&str>,
        stop: &CancellationToken,
    ) -> anyhow::Result<Round> {
        // First start: one sync without handlers, so history is not answered.
        if since.is_some() && self.handlers.is_none() {
            self.handlers = Some(install_handlers(&self.client, &self.handling));
            join_pending_invites(&self.client);
        }
        let mut settings = SyncSettings::default().timeout(POLL);
        if let Some(token) = since {
            settings = settings.token(token);
        }
        let response = tokio::select! {
            r = self.client.sync_once(settings) => r.context("Matrix sync")?,
            _ = stop.cancelled() => return Ok(Round::Stopped),
        };
        if self.handling.failed.swap(false, Ordering::SeqCst) {
            // Sync again from the same token; what was stored is a duplicate then.
            return Ok(Round::Unstored {
                retry: None,
                skip: response.next_batch,
                error: anyhow::anyhow!("a Matrix message was not stored"),
            });
        }
        Ok(Round::Stored {
            next: response.next_batch,
        })
    }
}

fn install_handlers(client: &Client, handling: &Arc<Handling>) -> Vec<EventHandlerDropGuard> {
    let on_message = {
        let handling = handling.clone();
        client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
            let handling = handling.clone();
            async move { handling.on_message(ev, room).await }
        })
    };
    let on_invite = client.add_event_handler(
        |ev: StrippedRoomMemberEvent, room: Room, client: Client| async move {
            let Some(me) = client.user_id() else { return };
            if ev.state_key == me && room.state() == RoomState::Invited {
                tokio::spawn(join_with_retry(room));
            }
        },
    );
    vec![
        client.event_handler_drop_guard(on_message),
        client.event_handler_drop_guard(on_invite),
    ]
}

fn join_pending_invites(client: &Client) {
    for room in client.invited_rooms() {
        tokio::spawn(join_with_retry(room));
    }
}

/// Joining right after an invite can fail while the homeserver catches up (notably over
/// federation): retry with growing waits, for about an hour.
async fn join_with_retry(room: Room) {
    let mut wait = Duration::from_secs(2);
    loop {
        match room.join().await {
            Ok(()) => {
                tracing::info!("joined a Matrix room on invitation");
                return;
            }
            Err(e) if wait > Duration::from_secs(3_600) => {
                tracing::warn!(error = %e, "giving up joining a Matrix room");
                return;
            }
            Err(e) => {
                tracing::info!(error = %e, wait_s = wait.as_secs(), "joining a Matrix room failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
}

impl Handling {
    async fn on_message(&self, ev: OriginalSyncRoomMessageEvent, room: Room) {
        let client = room.client();
        let Some(me) = client.user_id() else { return };
        if ev.sender == me || room.state() != RoomState::Joined {
            return;
        }
        if matches!(ev.content.relates_to, Some(Relation::Replacement(_))) {
            return; // an edit of an earlier message
        }
        // A direct chat is one marked so, or any room of just the patron and the bot.
        let two_of_us = room
            .joined_user_ids()
            .await
            .map(|ids| ids.len() <= 2)
            .unwrap_or(false);
        let direct = two_of_us || room.is_direct().await.unwrap_or(false);
        let (kind, text) = match &ev.content.msgtype {
            MessageType::Text(t) => (InboundKind::Text, strip_reply_fallback(&t.body)),
            MessageType::Emote(t) => (InboundKind::Text, t.body.clone()),
            MessageType::Notice(_) => return, // other bots
            MessageType::Image(_) => (InboundKind::Unsupported("photo"), "[photo]".into()),
            MessageType::Audio(_) => (
                InboundKind::Unsupported("voice message"),
                "[voice message]".into(),
            ),
            MessageType::Video(_) => (InboundKind::Unsupported("video"), "[video]".into()),
            MessageType::File(_) => (InboundKind::Unsupported("file"), "[file]".into()),
            MessageType::Location(_) => (InboundKind::Unsupported("location"), "[location]".into()),
            _ => return,
        };
        let text = if direct {
            text
        } else {
            // In a shared room, only messages that mention the bot are for it.
            let by_pill = ev
                .content
                .mentions
                .as_ref()
                .is_some_and(|m| m.user_ids.contains(me));
            let by_name = mentioned_by_name(&text, me.as_str(), me.localpart());
            if !(by_pill || by_name) || kind != InboundKind::Text {
                return;
            }
            strip_mention(&text, me.as_str(), me.localpart())
        };
        let msg = Inbound {
            channel: Channel::Matrix,
            platform_message_id: ev.event_id.to_string(),
            patron: room.room_id().to_string(),
            text,
            language: None,
            kind,
        };
        if let Err(e) = self.service.handle(msg).await {
            tracing::error!(error = %format!("{e:#}"), "Matrix message not stored");
            self.failed.store(true, Ordering::SeqCst);
        }
    }
}

/// A reply's body starts with the quoted message (`> <@user> ...` lines): drop the quote.
fn strip_reply_fallback(body: &str) -> String {
    if !body.starts_with("> ") {
        return body.to_string();
    }
    body.lines()
        .skip_while(|l| l.starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Whether `text` starts with the bot's localpart as a word ("librarybot: ...").
/// Localparts are ASCII, so the comparison is made on the text itself, never on a
/// lowercased copy whose byte offsets could differ.
fn starts_with_name(text: &str, localpart: &str) -> bool {
    text.get(..localpart.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(localpart))
        && !text[localpart.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn mentioned_by_name(text: &str, user_id: &str, localpart: &str) -> bool {
    text.contains(user_id) || starts_with_name(text, localpart)
}

/// "librarybot: where is ..." or "@librarybot:example.org where is ..." -> "where is ...".
fn strip_mention(text: &str, user_id: &str, localpart: &str) -> String {
    let mut t = text.replace(user_id, "");
    if starts_with_name(&t, localpart) {
        t = t[localpart.len()..].to_string();
    }
    t.trim_start_matches([':', ',', ' ']).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_quotes_and_mentions_are_removed() {
        assert_eq!(
            strip_reply_fallback("> <@bot:x> We open at 9\n> more\n\nand on Sunday?"),
            "and on Sunday?"
        );
        assert_eq!(strip_reply_fallback("no quote"), "no quote");
        assert!(mentioned_by_name(
            "Refdesk: wifi?",
            "@refdesk:lib.example",
            "refdesk"
        ));
        assert!(!mentioned_by_name(
            "wifi?",
            "@refdesk:lib.example",
            "refdesk"
        ));
        assert!(!mentioned_by_name(
            "refdeskers unite",
            "@refdesk:lib.example",
            "refdesk"
        ));
        // A letter whose lowercase has another byte length must not split a character.
        assert_eq!(
            strip_mention("refdes\u{212A} hi", "@refdesk:lib.example", "refdesk"),
            "refdes\u{212A} hi"
        );
        assert_eq!(
            strip_mention("refdesk: wifi password?", "@refdesk:lib.example", "refdesk"),
            "wifi password?"
        );
        assert_eq!(
            strip_mention(
                "@refdesk:lib.example where can I park",
                "@refdesk:lib.example",
                "refdesk"
            ),
            "where can I park"
        );
    }
}
