//! The bot's Matrix login, kept across restarts: the first start logs in (or adopts a given
//! access token) and writes the session next to the SDK's encrypted state and crypto store;
//! later starts restore it, so the bot keeps one device and its end-to-end keys.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::OwnedUserId;
use matrix_sdk::{SessionMeta, SessionTokens};

use super::MatrixSettings;
use crate::net::Outbound;

fn session_path(store_dir: &Path) -> PathBuf {
    store_dir.join("session.json")
}

/// Builds the client on the persistent store and signs it in, restoring the saved session
/// when there is one.
pub async fn connect(settings: &MatrixSettings, outbound: &Outbound) -> anyhow::Result<Client> {
    std::fs::create_dir_all(&settings.store_dir).with_context(|| {
        format!(
            "cannot create matrix.store_dir {}",
            settings.store_dir.display()
        )
    })?;
    let passphrase = Some(settings.store_passphrase.expose()).filter(|p| !p.is_empty());
    let client = Client::builder()
        .homeserver_url(&settings.homeserver_url)
        .sqlite_store(&settings.store_dir, passphrase)
        .add_root_certificates(outbound.extra_roots())
        .build()
        .await
        .context("cannot open the Matrix store (is matrix.store_passphrase the one it was created with?)")?;

    let path = session_path(&settings.store_dir);
    if path.exists() {
        let saved = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let session: MatrixSession = serde_json::from_str(&saved)
            .with_context(|| format!("{} is not a saved Matrix session", path.display()))?;
        if session.meta.user_id.as_str() != settings.user_id {
            bail!(
                "{} belongs to {}, not matrix.user_id {}; use another matrix.store_dir",
                path.display(),
                session.meta.user_id,
                settings.user_id
            );
        }
        client
            .restore_session(session)
            .await
            .context("cannot restore the saved Matrix session")?;
        return Ok(client);
    }

    let session = if !settings.access_token.is_empty() {
        adopt_token(&client, settings, outbound).await?
    } else {
        let response = client
            .matrix_auth()
            .login_username(&settings.user_id, settings.password.expose())
            .initial_device_display_name(&settings.device_name)
            .send()
            .await
            .context("the homeserver refused matrix.user_id / matrix.password")?;
        MatrixSession {
            meta: SessionMeta {
                user_id: response.user_id,
                device_id: response.device_id,
            },
            tokens: SessionTokens {
                access_token: response.access_token,
                refresh_token: response.refresh_token,
            },
        }
    };
    save(&path, &session)?;
    if !client.is_active() {
        client.restore_session(session).await?;
    }
    Ok(client)
}

/// An access token made elsewhere: ask the homeserver which user and device it belongs to.
async fn adopt_token(
    client: &Client,
    settings: &MatrixSettings,
    outbound: &Outbound,
) -> anyhow::Result<MatrixSession> {
    let url = format!(
        "{}/_matrix/client/v3/account/whoami",
        settings.homeserver_url.trim_end_matches('/')
    );
    let who: serde_json::Value = outbound
        .platform()
        .get(url)
        .bearer_auth(settings.access_token.expose())
        .send()
        .await
        .map_err(|e| e.without_url())
        .context("cannot reach the homeserver")?
        .error_for_status()
        .map_err(|e| e.without_url())
        .context("the homeserver refused matrix.access_token")?
        .json()
        .await?;
    let user_id: OwnedUserId = who["user_id"]
        .as_str()
        .context("whoami without user_id")?
        .try_into()?;
    let device_id = who["device_id"]
        .as_str()
        .context("matrix.access_token has no device; create it with a password login")?;
    let session = MatrixSession {
        meta: SessionMeta {
            user_id,
            device_id: device_id.into(),
        },
        tokens: SessionTokens {
            access_token: settings.access_token.expose().to_string(),
            refresh_token: None,
        },
    };
    client.restore_session(session.clone()).await?;
    Ok(session)
}

/// Written owner-only: the file holds the access token.
fn save(path: &Path, session: &MatrixSession) -> anyhow::Result<()> {
    let json = serde_json::to_string(session)?;
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}
