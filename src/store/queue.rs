//! The queue as the desk reads it: tickets with their opening question and language,
//! filtered and sorted, the counts per tab, and a patron's earlier tickets.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Store};
use crate::domain::{Channel, TicketStatus};

/// Most tickets one listing returns (the resolved tab grows without end).
pub const MAX_LISTED: i64 = 500;

/// A ticket as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TicketSummary {
    pub id: i64,
    pub channel: String,
    pub status: TicketStatus,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    pub assignee: Option<String>,
    /// The patron's question: the message that opened the ticket, or (when that only asked
    /// for a person) the question the patron asked before or after it.
    pub question: Option<String>,
    /// The patron's newest message.
    pub last_message: Option<String>,
    /// The language of the patron's newest message whose language is known.
    pub language: Option<String>,
    /// The same as `language` (the name earlier versions used).
    pub lang: Option<String>,
    /// Opened while no librarian was on duty.
    pub out_of_hours: bool,
    /// The patron's rating at the end of the chat, 1 to 5.
    pub rating: Option<i64>,
    /// The earlier ticket of the same patron this one follows up.
    pub follows: Option<i64>,
}

/// Which tickets a listing wants. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// `None`: every status.
    pub status: Option<TicketStatus>,
    pub channel: Option<Channel>,
    /// ISO 639-1, as the ticket's `language`.
    pub language: Option<String>,
    /// A librarian's username; `Some("")`: unassigned tickets only.
    pub assignee: Option<String>,
    /// Words the patron wrote, or a ticket number.
    pub text: Option<String>,
    pub sort: QueueSort,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// Waiting longest first (open and claimed tabs); for resolved tickets, the latest
    /// resolved first.
    #[default]
    Waiting,
    /// Newest first.
    Newest,
}

/// How many tickets each tab holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TicketCounts {
    pub open: i64,
    pub claimed: i64,
    pub resolved: i64,
    /// Claimed by the librarian asking.
    pub mine: i64,
    /// Open tickets that arrived out of hours.
    pub out_of_hours: i64,
}

/// An earlier ticket of the same patron, for the ticket page's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EarlierTicket {
    pub id: i64,
    pub status: TicketStatus,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    pub assignee: Option<String>,
    pub question: Option<String>,
    pub rating: Option<i64>,
}

/// The language of ticket `t`: that of the patron's newest message whose language is known.
const LANG_SQL: &str = "SELECT m.lang FROM messages m WHERE m.conversation_id = t.conversation_id AND m.sender = 'patron' \
     AND m.lang IS NOT NULL ORDER BY m.id DESC LIMIT 1";

/// What became of patron messages that only greet, ask for a person or press a command
/// (as stored): not the question. The queue's SQL and the ticket page read the same list.
pub const NOT_A_QUESTION: [&str; 5] = ["smalltalk", "handoff", "command", "unsupported", "limited"];

/// The ticket `t`'s question (see `TicketSummary::question`), as an SQL expression.
fn question_sql() -> String {
    let patron =
        "m.conversation_id = t.conversation_id AND m.sender = 'patron' AND m.text IS NOT NULL";
    let listed: Vec<String> = NOT_A_QUESTION.iter().map(|o| format!("'{o}'")).collect();
    let asks = format!("COALESCE(m.outcome, '') NOT IN ({})", listed.join(", "));
    format!(
        "COALESCE(\
         (SELECT m.text FROM messages m WHERE {patron} AND {asks} AND m.created_at <= t.opened_at ORDER BY m.id DESC LIMIT 1), \
         (SELECT m.text FROM messages m WHERE {patron} AND {asks} ORDER BY m.id LIMIT 1), \
         (SELECT m.text FROM messages m WHERE {patron} ORDER BY m.id LIMIT 1))"
    )
}

fn summary_sql(filter_sql: &str, order: &str) -> String {
    format!(
        "SELECT t.id, p.channel, t.status, t.opened_at, t.resolved_at, t.assignee, t.out_of_hours, t.rating, t.follows, \
         {question} AS question, \
         (SELECT m.text FROM messages m WHERE m.conversation_id = t.conversation_id AND m.sender = 'patron' \
          ORDER BY m.id DESC LIMIT 1) AS last_message, \
         ({LANG_SQL}) AS lang \
         FROM tickets t JOIN conversations c ON c.id = t.conversation_id JOIN patrons p ON p.id = c.patron_id \
         WHERE 1 = 1{filter_sql} ORDER BY {order} LIMIT {MAX_LISTED}",
        question = question_sql(),
    )
}

/// The LIKE patterns for words in a text: as typed, in lower case and capitalised, because
/// SQLite folds only ASCII letters (PostgreSQL's ILIKE folds them all).
fn like_patterns(text: &str) -> Vec<String> {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let lower = escaped.to_lowercase();
    let mut capital = String::new();
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        capital.extend(first.to_uppercase());
        capital.push_str(chars.as_str());
    }
    let mut patterns: Vec<String> = Vec::new();
    for p in [escaped, lower, capital] {
        let p = format!("%{p}%");
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    patterns
}

impl Store {
    /// The tickets `filter` wants, in its order, at most `MAX_LISTED`.
    pub async fn ticket_summaries(
        &self,
        filter: &TicketFilter,
    ) -> anyhow::Result<Vec<TicketSummary>> {
        let mut binds: Vec<String> = Vec::new();
        let mut sql = String::new();
        let mut bind = |value: String| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(status) = filter.status {
            sql.push_str(&format!(" AND t.status = {}", bind(status.as_str().into())));
        }
        if let Some(channel) = filter.channel {
            sql.push_str(&format!(
                " AND p.channel = {}",
                bind(channel.as_str().into())
            ));
        }
        // In SQL, before the limit, so a long resolved tab is searched whole.
        if let Some(lang) = filter.language.as_deref().filter(|l| !l.is_empty()) {
            sql.push_str(&format!(" AND ({LANG_SQL}) = {}", bind(lang.into())));
        }
        match filter.assignee.as_deref() {
            Some("") => sql.push_str(" AND t.assignee IS NULL"),
            Some(who) => sql.push_str(&format!(" AND t.assignee = {}", bind(who.into()))),
            None => {}
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let like = match self.backend {
                Backend::Sqlite => "LIKE",
                Backend::Postgres => "ILIKE",
            };
            let patterns: Vec<String> = like_patterns(text)
                .into_iter()
                .map(|p| format!("m.text {like} {} ESCAPE '\\'", bind(p)))
                .collect();
            let mut either = vec![format!(
                "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = t.conversation_id AND m.sender = 'patron' AND ({}))",
                patterns.join(" OR ")
            )];
            // "#12" or "12" finds ticket 12 too (a parsed number: safe to write inline).
            if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
                either.push(format!("t.id = {id}"));
            }
            sql.push_str(&format!(" AND ({})", either.join(" OR ")));
        }
        let order = match (filter.sort, filter.status) {
            (QueueSort::Newest, _) => "t.opened_at DESC, t.id DESC",
            (QueueSort::Waiting, Some(TicketStatus::Resolved)) => "t.resolved_at DESC, t.id DESC",
            // Every status: the ones still waiting first, longest first; then the latest done.
            (QueueSort::Waiting, None) => {
                "CASE WHEN t.status = 'resolved' THEN 1 ELSE 0 END, \
                 CASE WHEN t.status = 'resolved' THEN -t.id ELSE t.opened_at END, t.id"
            }
            (QueueSort::Waiting, _) => "t.opened_at, t.id",
        };
        let sql = summary_sql(&sql, order);
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// How many tickets each tab holds; `mine`: claimed by `username`.
    pub async fn ticket_counts(&self, username: &str) -> anyhow::Result<TicketCounts> {
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'claimed' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'claimed' AND assignee = $1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'open' AND out_of_hours = 1 THEN 1 ELSE 0 END), 0) \
             FROM tickets",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await?;
        Ok(TicketCounts {
            open: row.try_get(0)?,
            claimed: row.try_get(1)?,
            resolved: row.try_get(2)?,
            mine: row.try_get(3)?,
            out_of_hours: row.try_get(4)?,
        })
    }

    /// The other tickets of the patron of ticket `id` (kept within retention), newest first.
    pub async fn earlier_tickets(&self, id: i64) -> anyhow::Result<Vec<EarlierTicket>> {
        let sql = format!(
            "SELECT t.id, t.status, t.opened_at, t.resolved_at, t.assignee, t.rating, {question} AS question \
             FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
             WHERE c.patron_id = (SELECT c2.patron_id FROM tickets t2 JOIN conversations c2 ON c2.id = t2.conversation_id WHERE t2.id = $1) \
             AND t.id <> $1 ORDER BY t.id DESC LIMIT 50",
            question = question_sql(),
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }
}

impl sqlx::FromRow<'_, AnyRow> for TicketSummary {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let lang: Option<String> = r.try_get("lang")?;
        Ok(Self {
            id: r.try_get("id")?,
            channel: r.try_get("channel")?,
            status: super::ticket_status(r.try_get("status")?),
            opened_at: r.try_get("opened_at")?,
            resolved_at: r.try_get("resolved_at")?,
            assignee: r.try_get("assignee")?,
            question: r.try_get("question")?,
            last_message: r.try_get("last_message")?,
            language: lang.clone(),
            lang,
            out_of_hours: r.try_get::<i64, _>("out_of_hours")? != 0,
            rating: r.try_get("rating")?,
            follows: r.try_get("follows")?,
        })
    }
}

impl sqlx::FromRow<'_, AnyRow> for EarlierTicket {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            status: super::ticket_status(r.try_get("status")?),
            opened_at: r.try_get("opened_at")?,
            resolved_at: r.try_get("resolved_at")?,
            assignee: r.try_get("assignee")?,
            question: r.try_get("question")?,
            rating: r.try_get("rating")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_escape_wildcards_and_fold_case() {
        assert_eq!(
            like_patterns("Прод 50%"),
            vec!["%Прод 50\\%%", "%прод 50\\%%"]
        );
        assert_eq!(like_patterns("интер"), vec!["%интер%", "%Интер%"]);
    }
}
