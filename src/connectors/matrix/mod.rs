//! The Matrix connector (matrix-sdk, end-to-end encryption on): the bot accepts invites,
//! answers in direct chats and, when mentioned, in shared rooms, and sends each outbox row
//! with a transaction id derived from the row, so a retry never posts twice.

mod session;
mod sync;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use async_trait::async_trait;
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::{OwnedRoomId, OwnedTransactionId};
use matrix_sdk::{Client, RoomState};
use serde::{Deserialize, Serialize};

use super::text::{char_count, split, to_matrix_html, to_plain};
use super::{Adapter, Delivery, Ports};
use super::{Connector, Part, SendError};
use crate::domain::Channel;

/// Events must stay under 64 KiB; long answers are cut well before that.
const MAX_MESSAGE_LEN: usize = Channel::Matrix.max_message_chars();

/// `[matrix]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatrixSettings {
    pub enabled: bool,
    /// The homeserver's client API address, e.g. `https://matrix.example.org`.
    pub homeserver_url: String,
    /// The bot's account, e.g. `@refdesk:example.org`.
    pub user_id: String,
    /// Used once, for the first login; afterwards the saved session is used.
    pub password: crate::secret::Secret,
    /// Instead of a password: a token from an existing login of the bot.
    pub access_token: crate::secret::Secret,
    /// The name of the bot's device, as people see it in their device lists.
    pub device_name: String,
    /// The bot's session and its encrypted state and key store.
    pub store_dir: PathBuf,
    /// Encrypts the store. Keep it with the other secrets; a lost passphrase means a new
    /// device and unreadable history.
    pub store_passphrase: crate::secret::Secret,
}

impl Default for MatrixSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            homeserver_url: String::new(),
            user_id: String::new(),
            password: crate::secret::Secret::default(),
            access_token: crate::secret::Secret::default(),
            device_name: "refdesk".into(),
            store_dir: PathBuf::from("data/matrix"),
            store_passphrase: crate::secret::Secret::default(),
        }
    }
}

impl MatrixSettings {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.homeserver_url.trim().is_empty() {
            bail!("matrix.homeserver_url is missing");
        }
        if self.user_id.trim().is_empty() {
            bail!("matrix.user_id is missing (the bot's account, like @refdesk:example.org)");
        }
        if self.password.is_empty() && self.access_token.is_empty() {
            bail!("matrix.password is missing (or give matrix.access_token)");
        }
        Ok(())
    }
}

pub struct Matrix {
    client: Client,
}

impl Matrix {
    /// Signs in (restoring the saved session) and starts syncing in the background.
    pub async fn start(settings: MatrixSettings, ports: &Ports) -> anyhow::Result<Adapter> {
        settings.validate()?;
        if settings.store_passphrase.is_empty() {
            tracing::warn!(
                "matrix.store_passphrase is empty: the bot's keys are stored unencrypted"
            );
        }
        let client = session::connect(&settings, &ports.outbound).await?;
        // A round whose messages were not stored is tried again after a second, as a sync
        // error is; waits double from there.
        let feed =
            ports
                .feed(sync::JOB, sync::SINCE_KEY)
                .with_backoff(crate::connectors::feed::Backoff {
                    first: std::time::Duration::from_secs(1),
                    max: std::time::Duration::from_secs(64),
                });
        let worker = tokio::spawn(feed.run(sync::Sync::new(client.clone(), ports.inbox.clone())));
        Ok(Adapter {
            outbound: vec![Arc::new(Self { client })],
            routes: None,
            worker: Some(worker),
        })
    }

    /// The bot's device id (for tests and the logs).
    pub fn device_id(&self) -> Option<String> {
        self.client.device_id().map(ToString::to_string)
    }
}

#[async_trait]
impl Connector for Matrix {
    fn channel(&self) -> Channel {
        Channel::Matrix
    }

    fn split(&self, text: &str) -> Vec<String> {
        split(text, MAX_MESSAGE_LEN, &char_count)
    }

    /// The homeserver drops a repeated transaction id from the same device.
    fn drops_repeats(&self) -> bool {
        true
    }

    async fn send(&self, delivery: &Delivery, part: Part<'_>) -> Result<(), SendError> {
        let room_id = OwnedRoomId::try_from(delivery.recipient.as_str()).map_err(|_| {
            SendError::Permanent(anyhow::anyhow!(
                "`{}` is not a Matrix room id",
                delivery.recipient
            ))
        })?;
        let Some(room) = self.client.get_room(&room_id) else {
            return Err(SendError::Transient(anyhow::anyhow!(
                "the room is not known yet (still syncing)"
            )));
        };
        if room.state() != RoomState::Joined {
            return Err(SendError::Undeliverable(
                "the bot is no longer in this room".into(),
            ));
        }
        let content =
            RoomMessageEventContent::text_html(to_plain(part.text), to_matrix_html(part.text));
        let txn_id: OwnedTransactionId =
            format!("{}-{}", delivery.idempotency_key, part.index).into();
        match room.send(content).with_transaction_id(txn_id).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match e.client_api_error_kind() {
                Some(ErrorKind::LimitExceeded(data)) => SendError::RateLimited {
                    retry_after: match data.retry_after {
                        Some(RetryAfter::Delay(d)) => d,
                        _ => Duration::from_secs(5),
                    },
                },
                Some(ErrorKind::Forbidden) => {
                    SendError::Undeliverable(format!("the homeserver refused: {e}"))
                }
                _ => SendError::Transient(e.into()),
            }),
        }
    }
}
