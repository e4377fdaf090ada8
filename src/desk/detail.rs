//! What the ticket page shows, for the desk pages and the API alike.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Desk, DeskError, DeskResult};
use crate::domain::TicketStatus;
use crate::store::NOT_A_QUESTION;

#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub from: String,
    pub text: Option<String>,
    pub created_at: i64,
    /// The language it is written in, when known.
    pub lang: Option<String>,
    /// For outgoing messages: `pending`, `sent`, `failed` or `undeliverable`, and why.
    pub delivery: Option<Delivery>,
    /// For a librarian's reply: who wrote it (username).
    pub author: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub status: String,
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestion {
    pub id: String,
    /// The language of the entry's text (the patron's, else the default language).
    pub lang: String,
    pub question: String,
    pub answer: String,
    pub score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    pub id: i64,
    pub channel: String,
    /// The language of the patron's latest message whose language is known.
    pub lang: Option<String>,
    pub status: TicketStatus,
    pub opened_at: i64,
    pub assignee: Option<String>,
    /// The patron's question (see the queue's `question`).
    pub question: Option<String>,
    /// The same as `lang`.
    pub language: Option<String>,
    /// The note from before notes became a thread, if the ticket has one.
    pub note: Option<String>,
    /// Staff notes, oldest first.
    pub notes: Vec<crate::store::Note>,
    /// The patron's rating at the end of the chat, 1 to 5.
    pub rating: Option<i64>,
    /// The earlier ticket this one follows up.
    pub follows: Option<i64>,
    /// Opened while no librarian was on duty.
    pub out_of_hours: bool,
    /// The patron's other tickets (on the same channel identity, within retention), newest
    /// first.
    pub history: Vec<crate::store::EarlierTicket>,
    pub messages: Vec<MessageView>,
    /// The FAQ entries closest to what the patron asked in the whole conversation.
    pub suggestions: Vec<Suggestion>,
    /// Why the bot did not answer the question itself, as the engine sees it now.
    pub why: Option<WhyNotAnswered>,
}

/// The ticket's question: the latest real question up to the ticket's opening, else the
/// first one after it, else the first patron message (the queue's rule, `store::queue`).
fn opening_question(messages: &[crate::store::MessageRow], opened_at: i64) -> Option<String> {
    let patron = || {
        messages
            .iter()
            .filter(|m| m.sender == "patron" && m.text.is_some())
    };
    let asks = |m: &&crate::store::MessageRow| {
        !NOT_A_QUESTION.contains(&m.outcome.as_deref().unwrap_or_default())
    };
    patron()
        .rev()
        .filter(asks)
        .find(|m| m.created_at <= opened_at)
        .or_else(|| patron().find(asks))
        .or_else(|| patron().next())
        .and_then(|m| m.text.clone())
}

/// What the patron asked over the whole conversation, for FAQ suggestions: their real
/// questions, the latest last, at most about 1,000 characters of them.
fn conversation_questions(messages: &[crate::store::MessageRow]) -> Option<String> {
    let mut asked: Vec<&str> = Vec::new();
    let mut length = 0;
    for m in messages.iter().rev().filter(|m| m.sender == "patron") {
        let (Some(text), outcome) = (m.text.as_deref(), m.outcome.as_deref()) else {
            continue;
        };
        if NOT_A_QUESTION.contains(&outcome.unwrap_or_default()) {
            continue;
        }
        length += text.len();
        asked.push(text);
        if length > 1_000 {
            break;
        }
    }
    asked.reverse();
    (!asked.is_empty()).then(|| asked.join("\n"))
}

/// The engine's reasons for a question it did not answer, for the librarian.
#[derive(Serialize, ToSchema)]
pub struct WhyNotAnswered {
    /// One sentence a librarian can read at a glance.
    pub summary: String,
    pub confidence: f32,
    pub threshold: f32,
    pub estimated_precision: f32,
    /// The best entry's id, if any entry matched.
    pub best: Option<String>,
    /// The engine's own account: terms, scores, the rule that decided.
    #[schema(value_type = Object)]
    pub explanation: crate::answer::Explanation,
}

impl WhyNotAnswered {
    fn of(answer: &crate::answer::Answer) -> Option<Self> {
        use crate::answer::{Outcome, Reason};
        if !matches!(answer.outcome, Outcome::Escalate | Outcome::Handoff) {
            return None;
        }
        let e = &answer.explanation;
        let best = answer.candidates.first().map(|c| c.id.clone());
        let unknown: Vec<&str> = e
            .terms
            .iter()
            .filter(|t| t.unknown)
            .map(|t| t.term.as_str())
            .collect();
        let summary = match e.reason {
            Reason::AskedForPerson => "The patron asked for a person.".to_string(),
            Reason::PersonalCase => "It reads as the patron's own case (details, their own story or a complaint), which a person should settle.".to_string(),
            Reason::CatalogueMiss => "A catalogue question with no record matching well enough.".to_string(),
            Reason::NoMatch => "No FAQ entry shares a word with the question.".to_string(),
            _ => {
                let mut s = format!(
                    "The closest entry ({}) scored {:.2}, below the threshold {:.2} that keeps automatic answers right {:.0}% of the time.",
                    best.as_deref().unwrap_or("none"),
                    answer.confidence,
                    e.threshold,
                    e.target_precision * 100.0
                );
                if !unknown.is_empty() {
                    s.push_str(&format!(" Words the FAQ never uses: {}.", unknown.join(", ")));
                }
                s
            }
        };
        Some(Self {
            summary,
            confidence: (answer.confidence * 1000.0).round() / 1000.0,
            threshold: e.threshold,
            estimated_precision: e.estimated_precision,
            best,
            explanation: e.clone(),
        })
    }
}

impl Desk {
    /// What the ticket page shows: the conversation with each reply's delivery, the
    /// patron's question and history, the notes, the FAQ entries closest to what the patron
    /// asked, and why the bot did not answer it.
    pub async fn ticket(&self, id: i64) -> DeskResult<TicketDetail> {
        let target = self
            .store
            .ticket_target(id)
            .await?
            .ok_or(DeskError::NotFound("ticket"))?;
        let deliveries = self.store.deliveries(target.conversation_id).await?;
        let rows = self
            .store
            .conversation_messages(target.conversation_id)
            .await?;
        let question = opening_question(&rows, target.opened_at);
        let asked = conversation_questions(&rows).or_else(|| question.clone());
        let messages: Vec<MessageView> = rows
            .into_iter()
            .map(|m| MessageView {
                delivery: deliveries
                    .iter()
                    .find(|d| d.message_id == m.id)
                    .map(|d| Delivery {
                        status: d.status.clone(),
                        error: d.error.clone(),
                    }),
                id: m.id,
                from: m.sender,
                text: m.text,
                created_at: m.created_at,
                lang: m.lang,
                author: m.author,
            })
            .collect();
        let lang = messages
            .iter()
            .rev()
            .filter(|m| m.from == "patron")
            .find_map(|m| m.lang.clone());
        // The engine on a blocking thread: a long question never holds up the runtime.
        let (answer, suggestions) = match (question.clone(), asked) {
            (Some(q), Some(asked)) => {
                let (engine, lang) = (self.engine.load_full(), lang.clone());
                tokio::task::spawn_blocking(move || {
                    let answer = engine.answer_explained(&q, lang.as_deref());
                    // One question asked: its answer serves the suggestions too.
                    let offered = if asked == q {
                        suggestions(&engine, &asked, &answer)
                    } else {
                        let whole = engine.answer_explained(&asked, lang.as_deref());
                        suggestions(&engine, &asked, &whole)
                    };
                    (Some(answer), offered)
                })
                .await
                .map_err(anyhow::Error::from)?
            }
            _ => (None, Vec::new()),
        };
        let why = answer.as_ref().and_then(WhyNotAnswered::of);
        Ok(TicketDetail {
            id,
            channel: target.channel.to_string(),
            language: lang.clone(),
            lang,
            status: target.status,
            opened_at: target.opened_at,
            assignee: target.assignee,
            question,
            note: target.note,
            notes: self.store.notes(id).await?,
            rating: target.rating,
            follows: target.follows,
            out_of_hours: target.out_of_hours,
            history: self.store.earlier_tickets(id).await?,
            messages,
            suggestions,
            why,
        })
    }
}

/// FAQ entries a librarian may send: the best of the patron's language's and of the default
/// language's (an entry missing in the patron's language is still offered), each in the
/// patron's language where it is translated.
fn suggestions(
    engine: &crate::answer::AnswerEngine,
    question: &str,
    answer: &crate::answer::Answer,
) -> Vec<Suggestion> {
    let default = engine.faq().default_lang.clone();
    let mut candidates = answer.candidates.clone();
    if answer.lang != default {
        candidates.extend(engine.candidates_in(question, &default));
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    let mut seen = Vec::new();
    candidates
        .into_iter()
        .filter(|c| {
            let fresh = !seen.contains(&c.id);
            seen.push(c.id.clone());
            fresh
        })
        .take(3)
        .filter_map(|c| {
            let find = |lang: &str| {
                engine
                    .faq()
                    .entries
                    .iter()
                    .find(|e| e.id == c.id && e.lang == lang)
            };
            let entry = find(&answer.lang).or_else(|| find(&default))?;
            Some(Suggestion {
                id: c.id.clone(),
                lang: entry.lang.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
                score: c.score,
            })
        })
        .collect()
}
