//! The patron's rating of a chat that a librarian ended: asked for when the ticket is
//! resolved, taken from the patron's next message if it is a rating.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::domain::Channel;

/// How long after the end of a chat a rating is taken.
pub const RATING_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// A ticket waiting for its patron's rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingDue {
    pub ticket_id: i64,
    pub conversation_id: i64,
}

impl Store {
    /// The ticket a patron's rating now would be for: the latest of theirs that was
    /// resolved and asked to be rated within the window, as long as they have not started
    /// another conversation since.
    pub async fn rating_due(
        &self,
        channel: Channel,
        patron: &str,
        now: i64,
    ) -> anyhow::Result<Option<RatingDue>> {
        let row = sqlx::query(
            "SELECT t.id, t.conversation_id FROM patrons p \
             JOIN conversations c ON c.id = (SELECT MAX(c2.id) FROM conversations c2 WHERE c2.patron_id = p.id) \
             JOIN tickets t ON t.conversation_id = c.id \
             WHERE p.channel = $1 AND p.channel_user_id = $2 AND t.status = 'resolved' AND t.rating_asked_at > $3 \
             ORDER BY t.id DESC LIMIT 1",
        )
        .bind(channel.as_str())
        .bind(patron)
        .bind(now - RATING_WINDOW_MS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(RatingDue {
                ticket_id: r.try_get(0)?,
                conversation_id: r.try_get(1)?,
            })
        })
        .transpose()
    }
}

impl WriteTx<'_> {
    /// Notes that the patron of a ticket was asked to rate it.
    pub async fn ask_rating(&mut self, ticket_id: i64, now: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE tickets SET rating_asked_at = $1 WHERE id = $2")
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Records a rating; a later one (a second tap) replaces an earlier.
    pub async fn rate(&mut self, ticket_id: i64, rating: u8) -> anyhow::Result<()> {
        sqlx::query("UPDATE tickets SET rating = $1 WHERE id = $2")
            .bind(i64::from(rating))
            .bind(ticket_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
