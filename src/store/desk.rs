//! Librarians, their sessions, first-run setup tokens, and what librarians do to tickets.

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use super::MessageFacts;
use super::Store;
use crate::domain::{Channel, Role, Sender, TicketStatus};

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
}

/// Why a ticket action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRefusal {
    NotFound,
    /// Another librarian holds it.
    HeldBy(String),
    /// The action does not apply in this state (e.g. replying to a resolved ticket).
    WrongState(String),
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
    /// Staff-only note.
    pub note: Option<String>,
}

/// A ticket as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TicketSummary {
    pub id: i64,
    pub channel: String,
    pub status: TicketStatus,
    pub opened_at: i64,
    pub assignee: Option<String>,
    /// The patron's newest message.
    pub last_message: Option<String>,
    /// The language of the patron's newest message whose language is known.
    pub lang: Option<String>,
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
        row.map(|r| Ok((librarian_from_row(&r)?, r.try_get(5)?)))
            .transpose()
    }

    pub async fn librarians(&self) -> anyhow::Result<Vec<Librarian>> {
        let rows = sqlx::query(
            "SELECT id, username, role, disabled, created_at FROM librarians ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(librarian_from_row).collect()
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
            "SELECT l.id, l.username, l.role, l.disabled, l.created_at, s.csrf_token FROM desk_sessions s \
             JOIN librarians l ON l.id = s.librarian_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND l.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(DeskSession {
                librarian: librarian_from_row(&r)?,
                csrf_token: r.try_get(5)?,
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

    /// Claims a ticket for `who`: open -> claimed. Claiming one's own ticket again is fine.
    pub async fn claim_ticket(
        &self,
        id: i64,
        who: &str,
        now: i64,
    ) -> anyhow::Result<Result<(), TicketRefusal>> {
        let mut w = self.begin_write().await?;
        let result = claim_in(&mut w.tx, id, who, now).await?;
        w.commit().await?;
        Ok(result)
    }

    /// Puts a claimed ticket back in the queue (by its holder, or an admin).
    pub async fn release_ticket(
        &self,
        id: i64,
        who: &str,
        is_admin: bool,
    ) -> anyhow::Result<Result<(), TicketRefusal>> {
        let mut w = self.begin_write().await?;
        let Some(t) = target(&mut w.tx, id).await? else {
            return Ok(Err(TicketRefusal::NotFound));
        };
        if t.status != TicketStatus::Claimed {
            return Ok(Err(TicketRefusal::WrongState(format!(
                "the ticket is {}",
                t.status
            ))));
        }
        if t.assignee.as_deref() != Some(who) && !is_admin {
            return Ok(Err(TicketRefusal::HeldBy(t.assignee.unwrap_or_default())));
        }
        sqlx::query(
            "UPDATE tickets SET status = 'open', assignee = NULL, claimed_at = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(Ok(()))
    }

    /// Resolves a ticket and closes its conversation: the patron's next message starts a
    /// fresh conversation with the bot.
    pub async fn resolve_ticket(
        &self,
        id: i64,
        who: &str,
        is_admin: bool,
        now: i64,
    ) -> anyhow::Result<Result<(), TicketRefusal>> {
        let mut w = self.begin_write().await?;
        let Some(t) = target(&mut w.tx, id).await? else {
            return Ok(Err(TicketRefusal::NotFound));
        };
        if t.status == TicketStatus::Resolved {
            return Ok(Err(TicketRefusal::WrongState(
                "the ticket is already resolved".into(),
            )));
        }
        if t.status == TicketStatus::Claimed && t.assignee.as_deref() != Some(who) && !is_admin {
            return Ok(Err(TicketRefusal::HeldBy(t.assignee.unwrap_or_default())));
        }
        sqlx::query("UPDATE tickets SET status = 'resolved', resolved_at = $1, assignee = COALESCE(assignee, $2) WHERE id = $3")
            .bind(now)
            .bind(who)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("UPDATE conversations SET closed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(t.conversation_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Ok(()))
    }

    /// A librarian's reply: claims an open ticket, stores the message and queues it for the
    /// patron's channel, in one transaction. Returns the message id.
    pub async fn reply_to_ticket(
        &self,
        id: i64,
        who: &str,
        text: &str,
        now: i64,
    ) -> anyhow::Result<Result<i64, TicketRefusal>> {
        let mut w = self.begin_write().await?;
        if let Err(refusal) = claim_in(&mut w.tx, id, who, now).await? {
            return Ok(Err(refusal));
        }
        let t = target(&mut w.tx, id).await?.context("ticket vanished")?;
        let message_id = self
            .add_outbound(
                &mut w.tx,
                t.conversation_id,
                Sender::Librarian,
                text,
                MessageFacts::default(),
                t.channel,
                &t.recipient,
                now,
            )
            .await?;
        w.commit().await?;
        Ok(Ok(message_id))
    }

    pub async fn set_ticket_note(&self, id: i64, note: &str) -> anyhow::Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("UPDATE tickets SET note = $1 WHERE id = $2")
            .bind(note)
            .bind(id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// The queue: tickets with a status, oldest first, with the patron's newest message,
    /// in one query.
    pub async fn ticket_summaries(
        &self,
        status: TicketStatus,
    ) -> anyhow::Result<Vec<TicketSummary>> {
        let rows = sqlx::query(
            "SELECT t.id, p.channel, t.status, t.opened_at, t.assignee, \
             (SELECT m.text FROM messages m WHERE m.conversation_id = t.conversation_id AND m.sender = 'patron' \
              ORDER BY m.id DESC LIMIT 1), \
             (SELECT m.lang FROM messages m WHERE m.conversation_id = t.conversation_id AND m.sender = 'patron' \
              AND m.lang IS NOT NULL ORDER BY m.id DESC LIMIT 1) \
             FROM tickets t JOIN conversations c ON c.id = t.conversation_id JOIN patrons p ON p.id = c.patron_id \
             WHERE t.status = $1 ORDER BY t.opened_at, t.id",
        )
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketSummary {
                    id: r.try_get(0)?,
                    channel: r.try_get(1)?,
                    status: super::ticket_status(r.try_get(2)?),
                    opened_at: r.try_get(3)?,
                    assignee: r.try_get(4)?,
                    last_message: r.try_get(5)?,
                    lang: r.try_get(6)?,
                })
            })
            .collect()
    }

    pub async fn ticket_target(&self, id: i64) -> anyhow::Result<Option<TicketTarget>> {
        let mut conn = self.pool.acquire().await?;
        target(&mut conn, id).await
    }

    /// Delivery state of each outgoing message of a conversation: `(message id, status, error)`.
    pub async fn deliveries(
        &self,
        conversation_id: i64,
    ) -> anyhow::Result<Vec<(i64, String, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT o.message_id, o.status, o.last_error FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.conversation_id = $1",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }
}

async fn target(conn: &mut sqlx::AnyConnection, id: i64) -> anyhow::Result<Option<TicketTarget>> {
    let row = sqlx::query(
        "SELECT t.conversation_id, p.channel, p.channel_user_id, t.status, t.assignee, t.opened_at, t.note FROM tickets t \
         JOIN conversations c ON c.id = t.conversation_id JOIN patrons p ON p.id = c.patron_id WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let channel: String = r.try_get(1)?;
        Ok(TicketTarget {
            conversation_id: r.try_get(0)?,
            channel: channel.parse().map_err(anyhow::Error::msg)?,
            recipient: r.try_get(2)?,
            status: super::ticket_status(r.try_get(3)?),
            assignee: r.try_get(4)?,
            opened_at: r.try_get(5)?,
            note: r.try_get(6)?,
        })
    })
    .transpose()
}

async fn claim_in(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    who: &str,
    now: i64,
) -> anyhow::Result<Result<(), TicketRefusal>> {
    let n = sqlx::query("UPDATE tickets SET status = 'claimed', assignee = $1, claimed_at = $2 WHERE id = $3 AND status = 'open'")
        .bind(who)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 1 {
        return Ok(Ok(()));
    }
    Ok(match target(conn, id).await? {
        None => Err(TicketRefusal::NotFound),
        Some(t) if t.status == TicketStatus::Claimed && t.assignee.as_deref() == Some(who) => {
            Ok(())
        }
        Some(t) if t.status == TicketStatus::Claimed => {
            Err(TicketRefusal::HeldBy(t.assignee.unwrap_or_default()))
        }
        Some(t) => Err(TicketRefusal::WrongState(format!(
            "the ticket is {}",
            t.status
        ))),
    })
}

fn librarian_from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<Librarian> {
    Ok(Librarian {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        // Only these two are written (a CHECK constraint); anything else gets the lesser.
        role: r
            .try_get::<String, _>(2)?
            .parse()
            .unwrap_or(Role::Librarian),
        disabled: r.try_get::<i64, _>(3)? != 0,
        created_at: r.try_get(4)?,
    })
}
