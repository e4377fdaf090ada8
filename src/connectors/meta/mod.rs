//! Facebook Messenger, Instagram and WhatsApp direct messages, which Meta delivers to one
//! signed webhook and takes replies for through the Graph API send endpoints. Each platform
//! is its own channel (and connector) sharing the settings, the HTTP client and the webhook.

mod events;
mod send;
mod webhook;

use std::sync::Arc;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::{Adapter, Ports};
use crate::domain::Channel;
pub use send::MetaChannel;
pub use webhook::signature_header;

/// `[meta]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaSettings {
    pub enabled: bool,
    /// The app's secret (App settings > Basic): the key of every webhook signature.
    pub app_secret: crate::secret::Secret,
    /// Any string you choose; Meta sends it back when you register the webhook.
    pub verify_token: crate::secret::Secret,
    /// The Page's access token, for Messenger and Instagram replies. Empty: neither is used.
    pub page_access_token: crate::secret::Secret,
    /// WhatsApp Cloud API: the phone number's id (not the number). Empty: WhatsApp is off.
    pub whatsapp_phone_number_id: String,
    /// WhatsApp Cloud API access token (a system user's, for production).
    pub whatsapp_token: crate::secret::Secret,
    /// The Graph API base, with its version (tests point this at a loopback server).
    pub graph_api_url: String,
}

impl Default for MetaSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            app_secret: crate::secret::Secret::default(),
            verify_token: crate::secret::Secret::default(),
            page_access_token: crate::secret::Secret::default(),
            whatsapp_phone_number_id: String::new(),
            whatsapp_token: crate::secret::Secret::default(),
            graph_api_url: "https://graph.facebook.com/v21.0".into(),
        }
    }
}

impl MetaSettings {
    /// The channels these settings can serve, or an error naming the missing key.
    pub fn channels(&self) -> anyhow::Result<Vec<Channel>> {
        for (key, value) in [
            ("meta.app_secret", self.app_secret.expose()),
            ("meta.verify_token", self.verify_token.expose()),
            ("meta.graph_api_url", &self.graph_api_url),
        ] {
            if value.trim().is_empty() {
                bail!("{key} is missing: the Meta connector cannot start without it");
            }
        }
        let mut channels = Vec::new();
        if !self.page_access_token.expose().trim().is_empty() {
            channels.extend([Channel::Messenger, Channel::Instagram]);
        }
        match (
            self.whatsapp_phone_number_id.trim().is_empty(),
            self.whatsapp_token.expose().trim().is_empty(),
        ) {
            (false, false) => channels.push(Channel::Whatsapp),
            (false, true) => {
                bail!("meta.whatsapp_token is missing (meta.whatsapp_phone_number_id is set)")
            }
            (true, false) => {
                bail!("meta.whatsapp_phone_number_id is missing (meta.whatsapp_token is set)")
            }
            (true, true) => {}
        }
        if channels.is_empty() {
            bail!(
                "meta.page_access_token is missing (or set meta.whatsapp_phone_number_id and meta.whatsapp_token for WhatsApp only)"
            );
        }
        Ok(channels)
    }
}

/// What the Meta connector shares between its channels.
pub struct Meta {
    settings: MetaSettings,
    http: reqwest::Client,
    channels: Vec<Channel>,
}

impl Meta {
    /// Messenger, Instagram and WhatsApp: one webhook, one outbound half per channel
    /// with a token.
    pub async fn start(settings: MetaSettings, ports: &Ports) -> anyhow::Result<Adapter> {
        let channels = settings.channels()?;
        let http = ports.outbound.platform().clone();
        let meta = Arc::new(Meta {
            settings,
            http,
            channels,
        });
        let outbound = meta
            .channels
            .iter()
            .map(|&c| Arc::new(MetaChannel::new(c, meta.clone())) as Arc<dyn super::Connector>)
            .collect();
        Ok(Adapter {
            outbound,
            routes: Some(webhook::routes(meta, ports.inbox.clone())),
            worker: None,
        })
    }
}
