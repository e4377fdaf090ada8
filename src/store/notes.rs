//! Staff notes on a ticket: a thread, each note with its author and time, never shown to
//! the patron.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Store;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub id: i64,
    /// The librarian who wrote it (username).
    pub author: String,
    /// When it was written (ms).
    pub at: i64,
    pub text: String,
}

impl Store {
    /// Adds a note to ticket `ticket_id`; `None` if there is no such ticket.
    pub async fn add_note(
        &self,
        ticket_id: i64,
        author: &str,
        text: &str,
        now: i64,
    ) -> anyhow::Result<Option<Note>> {
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO ticket_notes (ticket_id, author, text, created_at) \
             SELECT id, $2, $3, $4 FROM tickets WHERE id = $1 RETURNING id",
        )
        .bind(ticket_id)
        .bind(author)
        .bind(text)
        .bind(now)
        .fetch_optional(&mut *w.tx)
        .await?;
        w.commit().await?;
        row.map(|r| {
            Ok(Note {
                id: r.try_get(0)?,
                author: author.to_string(),
                at: now,
                text: text.to_string(),
            })
        })
        .transpose()
    }

    /// The notes of a ticket, oldest first.
    pub async fn notes(&self, ticket_id: i64) -> anyhow::Result<Vec<Note>> {
        Ok(sqlx::query_as(
            "SELECT id, author, text, created_at FROM ticket_notes WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl sqlx::FromRow<'_, AnyRow> for Note {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            author: r.try_get("author")?,
            at: r.try_get("created_at")?,
            text: r.try_get("text")?,
        })
    }
}
