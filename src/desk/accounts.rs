//! Signing in (under the sign-in limits), sessions, first-run setup, and the accounts an
//! admin manages.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{Desk, DeskError, DeskResult, admin_only};
use crate::auth;
use crate::domain::{Role, now_ms};
use crate::store::{Backend, DeskSession, Disabling, Librarian};

/// A new session: the token for the cookie, and how long it lives.
pub struct NewSession {
    pub token: String,
    pub max_age_secs: u64,
}

/// An account an admin asks for.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// `librarian` (the default) or `admin`.
    pub role: Option<&'a str>,
    /// ISO 639-1 codes of the languages they answer in; none: any.
    pub languages: &'a [String],
}

/// Why the last active admin cannot be disabled.
pub const LAST_ADMIN: &str = "the last active admin cannot be disabled: make another admin first";

impl Desk {
    /// Checks credentials under the sign-in limits of the client and of the account.
    pub async fn sign_in(
        &self,
        client: IpAddr,
        username: &str,
        password: &str,
    ) -> DeskResult<Librarian> {
        // No account has such a name: refused before any work, and before it can be a key.
        if auth::check_username(username).is_err() {
            return Err(DeskError::WrongCredentials);
        }
        self.throttle
            .attempt(client, username)
            .map_err(DeskError::Throttled)?;
        if self.store.backend() == Backend::Postgres {
            // Several instances may serve the desk: the same limits over all of them.
            let limits = &self.settings.login_limits;
            let client = auth::client_key(client).to_string();
            shared_allowance(
                &self.store,
                &format!("login-client {client}"),
                limits.per_client_per_minute,
            )
            .await?;
            shared_allowance(
                &self.store,
                &format!("login-account {username}"),
                limits.per_account_per_minute,
            )
            .await?;
        }
        let found = self.store.librarian_for_login(username).await?;
        let (hash, librarian) = match found {
            Some((l, h)) => (h, Some(l)),
            // The same work for a name nobody has, so timing tells nothing.
            None => (auth::dummy_hash().to_string(), None),
        };
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        match librarian {
            Some(l) if ok && !l.disabled => Ok(l),
            _ => Err(DeskError::WrongCredentials),
        }
    }

    /// Starts a fresh session (a new token at every sign-in).
    pub async fn open_session(&self, librarian: &Librarian) -> DeskResult<NewSession> {
        let token = auth::new_token();
        let hours = u64::from(self.settings.session_hours.max(1));
        let now = now_ms();
        self.store
            .create_session(
                &auth::token_hash(&token),
                librarian.id,
                &auth::new_token(),
                now,
                now + hours as i64 * 3_600_000,
            )
            .await?;
        Ok(NewSession {
            token,
            max_age_secs: hours * 3600,
        })
    }

    /// The signed-in librarian behind a session cookie's token, if the session is live.
    pub async fn session(&self, token: &str) -> DeskResult<Option<DeskSession>> {
        Ok(self
            .store
            .session(&auth::token_hash(token), now_ms())
            .await?)
    }

    /// Ends the session of a cookie's token.
    pub async fn end_session(&self, token: &str) -> DeskResult<()> {
        Ok(self.store.delete_session(&auth::token_hash(token)).await?)
    }

    /// Whether nobody has an account yet (the setup page is open only then).
    pub async fn needs_setup(&self) -> DeskResult<bool> {
        Ok(self.store.librarian_count().await? == 0)
    }

    /// While nobody has an account: a new one-time setup link's token, valid for 24 hours
    /// (it replaces any earlier one).
    pub async fn setup_token(&self) -> DeskResult<Option<String>> {
        if !self.needs_setup().await? {
            return Ok(None);
        }
        let token = auth::new_token();
        let expires = now_ms() + 24 * 3_600_000;
        self.store
            .add_setup_token(&auth::token_hash(&token), expires)
            .await?;
        Ok(Some(token))
    }

    /// Uses a setup link's token to create the first admin.
    pub async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
        confirmation: &str,
    ) -> DeskResult<()> {
        auth::check_username(username)
            .and_then(|_| auth::check_new_password(password))
            .map_err(DeskError::Invalid)?;
        if password != confirmation {
            return Err(DeskError::Invalid("the two passwords differ".into()));
        }
        let hash = hash(password).await?;
        if self
            .store
            .complete_setup(&auth::token_hash(token), username, &hash, now_ms())
            .await?
        {
            Ok(())
        } else {
            Err(DeskError::Invalid(
                "this setup link is used up or expired: restart refdesk for a new one".into(),
            ))
        }
    }

    /// Every account with its languages (admins).
    pub async fn librarians(
        &self,
        by: &Librarian,
    ) -> DeskResult<(Vec<Librarian>, HashMap<String, Vec<String>>)> {
        admin_only(by)?;
        let languages = self.store.librarian_languages().await?;
        Ok((self.store.librarians().await?, languages))
    }

    /// Creates an account after checking its fields (admins).
    pub async fn create_librarian(&self, by: &Librarian, new: NewAccount<'_>) -> DeskResult<()> {
        admin_only(by)?;
        auth::check_username(new.username).map_err(DeskError::Invalid)?;
        auth::check_new_password(new.password).map_err(DeskError::Invalid)?;
        let languages = crate::lang::check_codes(new.languages).map_err(DeskError::Invalid)?;
        let role: Role = new
            .role
            .unwrap_or("librarian")
            .parse()
            .map_err(DeskError::Invalid)?;
        let hash = hash(new.password).await?;
        if !self
            .store
            .add_librarian(new.username, &hash, role, now_ms())
            .await?
        {
            return Err(DeskError::Conflict("that username is taken".into()));
        }
        if !languages.is_empty() {
            self.store
                .set_librarian_languages(new.username, &languages)
                .await?;
        }
        Ok(())
    }

    /// Disables an account and ends its sessions (admins); never the last active admin.
    pub async fn disable_librarian(&self, by: &Librarian, username: &str) -> DeskResult<()> {
        admin_only(by)?;
        match self.store.disable_librarian(username).await? {
            Disabling::Disabled => Ok(()),
            Disabling::NoSuchLibrarian => Err(DeskError::NotFound("librarian")),
            Disabling::LastAdmin => Err(DeskError::Conflict(LAST_ADMIN.into())),
        }
    }

    /// Lets a disabled account sign in again (admins).
    pub async fn enable_librarian(&self, by: &Librarian, username: &str) -> DeskResult<()> {
        admin_only(by)?;
        if self.store.enable_librarian(username).await? {
            Ok(())
        } else {
            Err(DeskError::NotFound("librarian"))
        }
    }

    /// A librarian's own settings (display name, shortcuts).
    pub async fn profile(&self, who: &Librarian) -> DeskResult<crate::store::Profile> {
        Ok(self.store.profile(who.id).await?)
    }

    /// Sets a librarian's own settings. A display name is what patrons see: at most 60
    /// characters, no line breaks; empty clears it.
    pub async fn set_profile(
        &self,
        who: &Librarian,
        display_name: Option<&str>,
        shortcuts: bool,
    ) -> DeskResult<crate::store::Profile> {
        let name = display_name.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 60 || n.chars().any(char::is_control)) {
            return Err(DeskError::Invalid(
                "a display name takes at most 60 characters on one line".into(),
            ));
        }
        let profile = crate::store::Profile {
            display_name: name.map(String::from),
            shortcuts,
        };
        self.store.set_profile(who.id, &profile).await?;
        Ok(profile)
    }

    /// Checks the current password (under the sign-in limits) and sets the new one; every
    /// session of the account ends.
    pub async fn change_password(
        &self,
        client: IpAddr,
        username: &str,
        current: &str,
        new: &str,
    ) -> DeskResult<()> {
        auth::check_new_password(new).map_err(DeskError::Invalid)?;
        let librarian = self.sign_in(client, username, current).await?;
        let hash = hash(new).await?;
        Ok(self.store.set_password(librarian.id, &hash).await?)
    }
}

/// Spends one of `key`'s attempts this minute over every instance; refused with the wait
/// until the next minute once `per_minute` are spent.
async fn shared_allowance(
    store: &crate::store::Store,
    key: &str,
    per_minute: u32,
) -> DeskResult<()> {
    let now = now_ms();
    let (count, minute_ends) = store.count_attempt(key, now).await?;
    if count > i64::from(per_minute.max(1)) {
        let wait = std::time::Duration::from_millis((minute_ends - now).max(1) as u64);
        return Err(DeskError::Throttled(wait));
    }
    Ok(())
}

/// A password's hash, made on a blocking thread (it is slow on purpose).
async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| anyhow::anyhow!("hashing failed"))?
}
