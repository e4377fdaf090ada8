//! Librarians, their sessions, first-run setup tokens, and what librarians do to tickets.

use anyhow::Context;
use serde::Serialize;
use sqlx::{FromRow, Row};

use sqlx::any::AnyRow;

use super::{Store, WriteTx};
use crate::domain::{Channel, Role, TicketStatus};

/// What became of a request to disable an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabling {
    Disabled,
    NoSuchLibrarian,
    /// Refused: no active admin would be left.
    LastAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Librarian {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// A signed-in librarian, as a session token resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskSession {
    pub librarian: Librarian,
    pub csrf_token: String,
    /// Whether the librarian keeps the desk's single-key shortcuts on.
    pub shortcuts: bool,
}

/// What a patron needs to be written to: their channel and id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketTarget {
    pub conversation_id: i64,
    pub channel: Channel,
    pub recipient: String,
    pub status: TicketStatus,
    pub assignee: Option<String>,
    pub opened_at: i64,
    /// Staff-only note (before notes became a thread).
    pub note: Option<String>,
    pub rating: Option<i64>,
    pub follows: Option<i64>,
    pub out_of_hours: bool,
    /// The language of the patron's latest message whose language is known.
    pub lang: Option<String>,
}

/// What a librarian sets for themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Profile {
    /// The name patrons see ("Mara"); none: "a librarian".
    pub display_name: Option<String>,
    /// Whether the desk's single-key shortcuts are on.
    pub shortcuts: bool,
}

/// Where an outgoing message is: `pending`, `sent`, `failed` or `undeliverable`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryState {
    pub message_id: i64,
    pub status: String,
    pub error: Option<String>,
}

impl Store {
    pub async fn librarian_count(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM librarians")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Creates a librarian; `Ok(false)` if the name is taken.
    /// Records the languages a librarian answers in (ISO 639-1 codes; none: any).
    pub async fn set_librarian_languages(
        &self,
        username: &str,
        languages: &[String],
    ) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("UPDATE librarians SET languages = $1 WHERE username = $2")
            .bind(languages.join(","))
            .bind(username)
            .execute(&mut *w.tx)
            .await
            .context("librarian languages")?
            .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// Each librarian's languages, by username.
    pub async fn librarian_languages(
        &self,
    ) -> anyhow::Result<std::collections::HashMap<String, Vec<String>>> {
        let rows = sqlx::query("SELECT username, languages FROM librarians")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let langs: String = r.try_get(1)?;
                Ok((
                    r.try_get(0)?,
                    langs
                        .split(',')
                        .filter(|l| !l.is_empty())
                        .map(String::from)
                        .collect(),
                ))
            })
            .collect()
    }

    pub async fn add_librarian(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query(
            "INSERT INTO librarians (username, password_hash, role, disabled, created_at) VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *w.tx)
        .await
        .context("librarian insert")?
        .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// `(librarian, password hash)` for a login attempt.
    pub async fn librarian_for_login(
        &self,
        username: &str,
    ) -> anyhow::Result<Option<(Librarian, String)>> {
        let row = sqlx::query("SELECT id, username, role, disabled, created_at, password_hash FROM librarians WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((Librarian::from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn librarians(&self) -> anyhow::Result<Vec<Librarian>> {
        Ok(sqlx::query_as(
            "SELECT id, username, role, disabled, created_at FROM librarians ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Disables an account and ends its sessions, unless it is the last active admin
    /// (then nobody could manage accounts from the desk again).
    pub async fn disable_librarian(&self, username: &str) -> anyhow::Result<Disabling> {
        let mut w = self.begin_write().await?;
        let Some(row) =
            sqlx::query("SELECT id, role, disabled FROM librarians WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *w.tx)
                .await?
        else {
            return Ok(Disabling::NoSuchLibrarian);
        };
        let (id, role, disabled): (i64, String, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if role == Role::Admin.as_str() && disabled == 0 {
            // On PostgreSQL the active admins' rows are locked, so two requests disabling
            // the last two admins at once cannot both see the other still active. (SQLite
            // writers are serialised already.)
            let lock = if self.backend == super::Backend::Postgres {
                " FOR UPDATE"
            } else {
                ""
            };
            let admins = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM librarians WHERE role = 'admin' AND disabled = 0{lock}"
            )))
            .fetch_all(&mut *w.tx)
            .await?
            .len();
            if admins <= 1 {
                return Ok(Disabling::LastAdmin);
            }
        }
        sqlx::query("UPDATE librarians SET disabled = 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM desk_sessions WHERE librarian_id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Disabling::Disabled)
    }

    /// Lets a disabled account sign in again; `false` if there is no such librarian.
    pub async fn enable_librarian(&self, username: &str) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("UPDATE librarians SET disabled = 0 WHERE username = $1")
            .bind(username)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// Sets a librarian's password by name (an admin's reset), ending their sessions;
    /// `false` if there is no such librarian.
    pub async fn reset_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> anyhow::Result<bool> {
        let id = sqlx::query("SELECT id FROM librarians WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?;
        match id {
            Some(id) => self.set_password(id, password_hash).await.map(|()| true),
            None => Ok(false),
        }
    }

    /// Sets a new password hash and ends every session of the account.
    pub async fn set_password(&self, librarian_id: i64, password_hash: &str) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE librarians SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(librarian_id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM desk_sessions WHERE librarian_id = $1")
            .bind(librarian_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        librarian_id: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO desk_sessions (token_hash, librarian_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(librarian_id)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn session(&self, token_hash: &str, now: i64) -> anyhow::Result<Option<DeskSession>> {
        let row = sqlx::query(
            "SELECT l.id, l.username, l.role, l.disabled, l.created_at, l.shortcuts, s.csrf_token FROM desk_sessions s \
             JOIN librarians l ON l.id = s.librarian_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND l.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(DeskSession {
                librarian: Librarian::from_row(&r)?,
                csrf_token: r.try_get("csrf_token")?,
                shortcuts: r.try_get::<i64, _>("shortcuts")? != 0,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM desk_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn add_setup_token(&self, token_hash: &str, expires_at: i64) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(expires_at)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Uses up a setup token and creates the first admin, only while there is no account.
    pub async fn complete_setup(
        &self,
        token_hash: &str,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let used =
            sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        let accounts: i64 = sqlx::query("SELECT COUNT(*) FROM librarians")
            .fetch_one(&mut *w.tx)
            .await?
            .try_get(0)?;
        if used != 1 || accounts != 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO librarians (username, password_hash, role, disabled, created_at) VALUES ($1, $2, 'admin', 0, $3)")
            .bind(username)
            .bind(password_hash)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(true)
    }

    /// A librarian's own settings (the defaults for an account that is gone).
    pub async fn profile(&self, librarian_id: i64) -> anyhow::Result<Profile> {
        let row = sqlx::query("SELECT display_name, shortcuts FROM librarians WHERE id = $1")
            .bind(librarian_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Profile {
                display_name: row.try_get(0)?,
                shortcuts: row.try_get::<i64, _>(1)? != 0,
            },
            None => Profile {
                display_name: None,
                shortcuts: true,
            },
        })
    }

    pub async fn set_profile(&self, librarian_id: i64, profile: &Profile) -> anyhow::Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE librarians SET display_name = $1, shortcuts = $2 WHERE id = $3")
            .bind(profile.display_name.as_deref())
            .bind(i64::from(profile.shortcuts))
            .bind(librarian_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn ticket_target(&self, id: i64) -> anyhow::Result<Option<TicketTarget>> {
        Ok(sqlx::query_as(TICKET_TARGET)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The delivery state of each outgoing message of a conversation.
    pub async fn deliveries(&self, conversation_id: i64) -> anyhow::Result<Vec<DeliveryState>> {
        Ok(sqlx::query_as(
            "SELECT o.message_id, o.status, o.last_error FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.conversation_id = $1",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// A ticket with its patron's channel and id there.
const TICKET_TARGET: &str = "SELECT t.conversation_id, p.channel, p.channel_user_id, t.status, t.assignee, t.opened_at, t.note, t.rating, t.follows, t.out_of_hours, \
     (SELECT m.lang FROM messages m WHERE m.conversation_id = t.conversation_id AND m.direction = 'in' AND m.lang IS NOT NULL ORDER BY m.id DESC LIMIT 1) AS lang FROM tickets t \
     JOIN conversations c ON c.id = t.conversation_id JOIN patrons p ON p.id = c.patron_id WHERE t.id = $1";

/// The desk service's steps, in the caller's transaction.
impl WriteTx<'_> {
    /// The ticket, kept from other writers until the commit (PostgreSQL locks its row;
    /// SQLite's writers take turns already), so the rules decide on what the change sees.
    pub async fn ticket_for_change(&mut self, id: i64) -> anyhow::Result<Option<TicketTarget>> {
        let lock = if self.backend == super::Backend::Postgres {
            " FOR UPDATE OF t"
        } else {
            ""
        };
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TICKET_TARGET}{lock}")))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .context("ticket lookup")
    }

    /// An account that can take a ticket: its display name (`Some(None)`: it has none), or
    /// `None` if there is no such active account.
    pub async fn active_librarian(
        &mut self,
        username: &str,
    ) -> anyhow::Result<Option<Option<String>>> {
        let row =
            sqlx::query("SELECT display_name FROM librarians WHERE username = $1 AND disabled = 0")
                .bind(username)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// Hands a ticket to `to`: claimed by them from now.
    pub async fn assign_ticket(&mut self, id: i64, to: &str, now: i64) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE tickets SET status = 'claimed', assignee = $1, claimed_at = $2 WHERE id = $3",
        )
        .bind(to)
        .bind(now)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .context("ticket transfer")?;
        Ok(())
    }

    /// Moves a ticket to `status`: claimed by `who`, back in the queue, or resolved (which
    /// closes its conversation, so the patron's next message starts afresh with the bot).
    pub async fn set_ticket_status(
        &mut self,
        id: i64,
        ticket: &TicketTarget,
        status: TicketStatus,
        who: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        let query = match status {
            TicketStatus::Claimed => sqlx::query(
                "UPDATE tickets SET status = 'claimed', assignee = $1, claimed_at = $2 WHERE id = $3",
            )
            .bind(who)
            .bind(now),
            TicketStatus::Open => sqlx::query(
                "UPDATE tickets SET status = 'open', assignee = NULL, claimed_at = NULL WHERE id = $1",
            ),
            TicketStatus::Resolved => sqlx::query(
                "UPDATE tickets SET status = 'resolved', resolved_at = $1, assignee = COALESCE(assignee, $2) WHERE id = $3",
            )
            .bind(now)
            .bind(who),
        };
        query
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .context("ticket update")?;
        if status == TicketStatus::Resolved {
            sqlx::query("UPDATE conversations SET closed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(ticket.conversation_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}

impl sqlx::FromRow<'_, AnyRow> for TicketTarget {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let channel: String = r.try_get("channel")?;
        Ok(Self {
            conversation_id: r.try_get("conversation_id")?,
            channel: channel
                .parse()
                .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            recipient: r.try_get("channel_user_id")?,
            status: super::ticket_status(r.try_get("status")?),
            assignee: r.try_get("assignee")?,
            opened_at: r.try_get("opened_at")?,
            note: r.try_get("note")?,
            rating: r.try_get("rating")?,
            follows: r.try_get("follows")?,
            out_of_hours: r.try_get::<i64, _>("out_of_hours")? != 0,
            lang: r.try_get("lang")?,
        })
    }
}

impl sqlx::FromRow<'_, AnyRow> for DeliveryState {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            message_id: r.try_get("message_id")?,
            status: r.try_get("status")?,
            error: r.try_get("last_error")?,
        })
    }
}

impl sqlx::FromRow<'_, AnyRow> for Librarian {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            // Only these two are written (a CHECK constraint); anything else gets the lesser.
            role: r
                .try_get::<String, _>("role")?
                .parse()
                .unwrap_or(Role::Librarian),
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            created_at: r.try_get("created_at")?,
        })
    }
}
