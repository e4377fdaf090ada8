//! Handing a ticket over: transfer to a colleague (or an admin's take-over), and staff notes
//! as a thread that the next librarian reads.

use super::{Action, Actor, Desk, DeskChange, DeskError, DeskResult, TicketRefusal, rules};
use crate::answer::replies;
use crate::domain::{TicketStatus, now_ms};
use crate::store::{Librarian, Note};

/// Longest staff note.
pub const MAX_NOTE_CHARS: usize = 4_000;

impl Desk {
    /// Hands ticket `id` to `to` (an active account), who holds it from now; the patron is
    /// told who took their chat. Handing it to its holder again changes nothing.
    pub async fn transfer(&self, id: i64, who: &Librarian, to: &str) -> DeskResult<()> {
        let to = to.trim();
        if to.is_empty() || to.len() > 100 {
            return Err(DeskError::Invalid(
                "say whom to hand the ticket to (a username)".into(),
            ));
        }
        let actor = Actor {
            username: &who.username,
            is_admin: who.role.is_admin(),
        };
        let now = now_ms();
        let mut w = self.store.begin_write().await?;
        let ticket = w
            .ticket_for_change(id)
            .await?
            .ok_or(TicketRefusal::NotFound)?;
        let Some(shown_as) = w.active_librarian(to).await? else {
            return Err(DeskError::Invalid(format!(
                "{to} is not an active librarian account"
            )));
        };
        if ticket.status == TicketStatus::Claimed && ticket.assignee.as_deref() == Some(to) {
            return Ok(());
        }
        rules::decide(
            ticket.status,
            ticket.assignee.as_deref(),
            Action::Transfer,
            actor,
        )?;
        w.assign_ticket(id, to, now).await?;
        let lang = super::patron_language(&ticket);
        let notice = replies::librarian_joined(lang, shown_as.as_deref());
        super::tell_patron(&mut w, &ticket, &notice, lang, None, now).await?;
        w.commit().await?;
        // Who handed what to whom: names of staff only.
        tracing::info!(ticket = id, from = %who.username, to, "ticket handed over");
        self.announce(DeskChange::Transferred, id, TicketStatus::Claimed);
        Ok(())
    }

    /// Everyone a ticket can be handed to (active accounts).
    pub async fn colleagues(&self) -> DeskResult<Vec<String>> {
        let all = self.store.librarians().await?;
        Ok(all
            .into_iter()
            .filter(|l| !l.disabled)
            .map(|l| l.username)
            .collect())
    }

    /// The staff notes of a ticket, oldest first.
    pub async fn notes(&self, id: i64) -> DeskResult<Vec<Note>> {
        self.store
            .ticket_target(id)
            .await?
            .ok_or(DeskError::NotFound("ticket"))?;
        Ok(self.store.notes(id).await?)
    }

    /// Adds a staff note (never shown to the patron) to ticket `id`, by `who`.
    pub async fn add_note(&self, id: i64, who: &Librarian, text: &str) -> DeskResult<Note> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
            return Err(DeskError::Invalid(format!(
                "a note needs 1 to {MAX_NOTE_CHARS} characters"
            )));
        }
        let note = self
            .store
            .add_note(id, &who.username, text, now_ms())
            .await?
            .ok_or(DeskError::NotFound("ticket"))?;
        let status = self
            .store
            .ticket_target(id)
            .await?
            .map_or(TicketStatus::Open, |t| t.status);
        self.announce(DeskChange::Note, id, status);
        Ok(note)
    }
}
