//! The Telegram connector (teloxide): updates arrive by long polling or by webhook, are
//! stored through the conversation service, and replies leave through the outbox as
//! Telegram HTML, split to Telegram's length limit and paced to its flood limits.

mod inbound;
mod pace;
mod polling;
mod webhook;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use teloxide::payloads::{SendMessageSetters, SetMyCommandsSetters, SetWebhookSetters};
use teloxide::prelude::Requester;
use teloxide::types::{AllowedUpdate, ChatId, ParseMode, Update};
use teloxide::{ApiError, Bot, RequestError};
use tokio_util::sync::CancellationToken;

use super::feed::{Backoff, Feed, pause};
use super::text::{split, telegram_visible_len, to_plain, to_telegram_html};
use super::{Adapter, Delivery, Ports};
use super::{Connector, Part, SendError};
use crate::conversation::ConversationService;
use crate::domain::Channel;
use crate::net::Outbound;
pub use inbound::{BotIdentity, to_inbound};

/// Telegram refuses longer messages (counted after markup is parsed).
pub const MAX_MESSAGE_LEN: usize = Channel::Telegram.max_message_chars();

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// refdesk asks Telegram for updates (no public address needed).
    Polling,
    /// Telegram posts updates to `webhook_url`, which must reach `/connectors/telegram/webhook`.
    Webhook,
}

/// `[telegram]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    pub enabled: bool,
    /// The bot token from @BotFather. Never logged.
    pub token: crate::secret::Secret,
    /// The Bot API server (tests point this at a loopback server).
    pub api_url: String,
    pub mode: Mode,
    /// The public HTTPS address of `/connectors/telegram/webhook` (webhook mode).
    pub webhook_url: String,
    /// Telegram sends it back with every update; 1-256 of `A-Z a-z 0-9 _ -`. Never logged.
    pub webhook_secret: crate::secret::Secret,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            token: crate::secret::Secret::default(),
            api_url: "https://api.telegram.org".into(),
            mode: Mode::Polling,
            webhook_url: String::new(),
            webhook_secret: crate::secret::Secret::default(),
        }
    }
}

impl TelegramSettings {
    /// Refuses settings the connector cannot run with, naming the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.token.expose().trim().is_empty() {
            bail!("telegram.token is missing: get one from @BotFather");
        }
        reqwest_url(&self.api_url).context("telegram.api_url is not a URL")?;
        if self.mode == Mode::Webhook {
            if self.webhook_url.trim().is_empty() {
                bail!(
                    "telegram.webhook_url is missing (webhook mode needs a public HTTPS address)"
                );
            }
            reqwest_url(&self.webhook_url).context("telegram.webhook_url is not a URL")?;
            let secret = self.webhook_secret.expose();
            if secret.is_empty()
                || secret.len() > 256
                || !secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                bail!(
                    "telegram.webhook_secret must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"
                );
            }
        }
        Ok(())
    }
}

fn reqwest_url(url: &str) -> anyhow::Result<url::Url> {
    Ok(url::Url::parse(url)?)
}

pub struct Telegram {
    bot: Bot,
    settings: TelegramSettings,
    me: OnceLock<BotIdentity>,
    pace: pace::Pace,
}

impl Telegram {
    pub fn new(settings: TelegramSettings, outbound: &Outbound) -> anyhow::Result<Self> {
        settings.validate()?;
        let bot = Bot::with_client(settings.token.expose(), outbound.telegram().clone())
            .set_api_url(reqwest_url(&settings.api_url)?);
        Ok(Self {
            bot,
            settings,
            me: OnceLock::new(),
            pace: pace::Pace::default(),
        })
    }

    /// Checks the token with `getMe` and registers the bot's commands; then runs polling or
    /// sets the webhook in the background until `stop`.
    pub async fn start(settings: TelegramSettings, ports: &Ports) -> anyhow::Result<Adapter> {
        let tg = Arc::new(Self::new(settings, &ports.outbound)?);
        match tg.identify().await {
            Ok(()) => {}
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                bail!("Telegram refused telegram.token (check it with @BotFather)")
            }
            // Telegram unreachable: start anyway and keep trying in the background.
            Err(e) => tracing::warn!(error = %e, "Telegram is not reachable yet"),
        }
        let routes = (tg.settings.mode == Mode::Webhook)
            .then(|| webhook::routes(tg.clone(), ports.inbox.clone()));
        // Polls again after 2 s, doubling to 32 s while Telegram fails.
        let feed = ports
            .feed(polling::JOB, polling::OFFSET_KEY)
            .with_backoff(Backoff {
                first: Duration::from_secs(2),
                max: Duration::from_secs(32),
            });
        let worker = tokio::spawn(
            tg.clone()
                .run(ports.inbox.clone(), feed, ports.stop.clone()),
        );
        Ok(Adapter {
            outbound: vec![tg],
            routes,
            worker: Some(worker),
        })
    }

    async fn run(self: Arc<Self>, inbox: ConversationService, feed: Feed, stop: CancellationToken) {
        let setup = async {
            retry("getMe", &stop, || async { Ok(self.identify().await?) }).await;
            retry("setMyCommands", &stop, || self.register_commands()).await;
        };
        tokio::select! {
            _ = setup => {}
            _ = stop.cancelled() => return,
        }
        match self.settings.mode {
            Mode::Polling => feed.run(polling::Polling { tg: self, inbox }).await,
            Mode::Webhook => {
                let set = || async {
                    self.bot
                        .set_webhook(reqwest_url(&self.settings.webhook_url)?)
                        .secret_token(self.settings.webhook_secret.expose().to_string())
                        .allowed_updates(vec![AllowedUpdate::Message])
                        .await?;
                    tracing::info!("Telegram webhook set");
                    anyhow::Ok(())
                };
                tokio::select! {
                    _ = retry("setWebhook", &stop, set) => {}
                    _ = stop.cancelled() => {}
                }
            }
        }
    }

    /// Learns the bot's id and username with `getMe` (once).
    async fn identify(&self) -> Result<(), RequestError> {
        if self.me.get().is_none() {
            let me = self.bot.get_me().await?;
            let _ = self.me.set(BotIdentity {
                id: me.id.0,
                username: me.username.clone().unwrap_or_default(),
            });
        }
        Ok(())
    }

    pub fn identity(&self) -> Option<&BotIdentity> {
        self.me.get()
    }

    /// The command menu, in each language the bot speaks.
    async fn register_commands(&self) -> anyhow::Result<()> {
        use teloxide::types::BotCommand;
        const MENUS: [(&str, [&str; 3]); 3] = [
            (
                "",
                [
                    "What this bot does",
                    "How to ask a question",
                    "Talk to a librarian",
                ],
            ),
            (
                "ru",
                [
                    "Что умеет этот бот",
                    "Как задать вопрос",
                    "Позвать библиотекаря",
                ],
            ),
            (
                "es",
                [
                    "Qué hace este bot",
                    "Cómo hacer una pregunta",
                    "Hablar con un bibliotecario",
                ],
            ),
        ];
        for (lang, [start, help, human]) in MENUS {
            let commands = vec![
                BotCommand::new("start", start),
                BotCommand::new("help", help),
                BotCommand::new("human", human),
            ];
            let request = self.bot.set_my_commands(commands);
            if lang.is_empty() {
                request.await?;
            } else {
                request.language_code(lang).await?;
            }
        }
        Ok(())
    }

    /// Stores an update's message (if it is one for the bot). Errors mean it was not
    /// stored and must be fetched or delivered again.
    pub async fn accept(
        &self,
        service: &ConversationService,
        update: &Update,
    ) -> anyhow::Result<()> {
        let me = self
            .me
            .get()
            .context("the bot's identity is not known yet (getMe has not succeeded)")?;
        if let Some(msg) = to_inbound(update, me) {
            service.handle(msg).await?;
        }
        Ok(())
    }

    async fn send_html(&self, chat: i64, text: &str, rating: bool) -> Result<(), RequestError> {
        let request = self
            .bot
            .send_message(ChatId(chat), to_telegram_html(text))
            .parse_mode(ParseMode::Html);
        if rating {
            request.reply_markup(rating_keyboard()).await.map(drop)
        } else {
            request.await.map(drop)
        }
    }
}

#[async_trait]
impl Connector for Telegram {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    fn split(&self, text: &str) -> Vec<String> {
        // Sized so the plain-text fallback (links spelled out) fits as well.
        let measure = |s: &str| telegram_visible_len(s).max(to_plain(s).encode_utf16().count());
        split(text, MAX_MESSAGE_LEN, &measure)
    }

    async fn send(&self, delivery: &Delivery, part: Part<'_>) -> Result<(), SendError> {
        let chat: i64 = delivery.recipient.as_str().parse().map_err(|_| {
            SendError::Permanent(anyhow::anyhow!(
                "`{}` is not a Telegram chat id",
                delivery.recipient
            ))
        })?;
        match self.pace.admit(chat, Instant::now()) {
            Err(wait) => return Err(SendError::RateLimited { retry_after: wait }),
            Ok(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
            Ok(_) => {}
        }
        // A request for a rating gets Telegram's own buttons (1 to 5) under the last part:
        // a tap sends the number as the patron's message.
        let rating = delivery.prompt.as_deref() == Some("rating") && part.index + 1 == part.count;
        let result = match self.send_html(chat, part.text, rating).await {
            // Our markup was refused: the words matter more than the formatting.
            Err(RequestError::Api(ApiError::CantParseEntities(_))) => {
                let plain = self.bot.send_message(ChatId(chat), to_plain(part.text));
                if rating {
                    plain.reply_markup(rating_keyboard()).await.map(drop)
                } else {
                    plain.await.map(drop)
                }
            }
            other => other,
        };
        result.map_err(|e| self.classify(chat, e))
    }
}

/// Five buttons, 1 to 5, shown once instead of the patron's keyboard.
fn rating_keyboard() -> teloxide::types::KeyboardMarkup {
    use teloxide::types::{KeyboardButton, KeyboardMarkup};
    KeyboardMarkup::new(vec![
        (1..=5)
            .map(|n| KeyboardButton::new(n.to_string()))
            .collect::<Vec<_>>(),
    ])
    .one_time_keyboard()
    .resize_keyboard()
}

impl Telegram {
    fn classify(&self, chat: i64, e: RequestError) -> SendError {
        match e {
            RequestError::RetryAfter(secs) => {
                let wait = secs.duration();
                self.pace.hold(chat, wait, Instant::now());
                SendError::RateLimited { retry_after: wait }
            }
            RequestError::Api(
                ApiError::BotBlocked
                | ApiError::UserDeactivated
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::ChatNotFound
                | ApiError::CantInitiateConversation
                | ApiError::CantTalkWithBots,
            ) => SendError::Undeliverable(format!("Telegram will not deliver to this chat: {e}")),
            RequestError::MigrateToChatId(to) => SendError::Permanent(anyhow::anyhow!(
                "the group became supergroup {to}; the patron must write again from there"
            )),
            RequestError::Api(ApiError::InvalidToken) => {
                SendError::Transient(anyhow::anyhow!("Telegram refused the bot token"))
            }
            RequestError::Api(other) => SendError::Permanent(other.into()),
            RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
                SendError::Transient(e.into())
            }
        }
    }
}

/// Runs `step` until it succeeds or `stop`, waiting longer after each failure (1 s to 60 s).
async fn retry<F, Fut>(what: &str, stop: &CancellationToken, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let backoff = Backoff {
        first: Duration::from_secs(1),
        max: Duration::from_secs(60),
    };
    for failures in 1.. {
        match step().await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(call = what, error = %format!("{e:#}"), "Telegram call failed; retrying")
            }
        }
        if !pause(backoff.wait(failures), stop).await {
            return;
        }
    }
}
