//! The ticket's state machine: what each librarian action does to a ticket, or why it is
//! refused. Pure, so the rules are read (and tested) in one place; the desk service runs
//! them inside the transaction that applies them.

use crate::domain::TicketStatus;

/// What a librarian asks of a ticket. (A reply claims the ticket first.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Take an open ticket (open -> claimed); one's own again is fine.
    Claim,
    /// Put a claimed ticket back in the queue (claimed -> open): its holder or an admin.
    Release,
    /// Close it (open or claimed -> resolved): anyone on an open one, the holder or an
    /// admin on a claimed one.
    Resolve,
    /// Hand it to a colleague (-> claimed by them): anyone on an open one, the holder or an
    /// admin on a claimed one (an admin taking it over hands it to themselves).
    Transfer,
}

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub username: &'a str,
    pub is_admin: bool,
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

/// The status `action` by `actor` moves a ticket to; `None` when it is allowed but changes
/// nothing (claiming one's own ticket again).
pub fn decide(
    status: TicketStatus,
    assignee: Option<&str>,
    action: Action,
    actor: Actor<'_>,
) -> Result<Option<TicketStatus>, TicketRefusal> {
    let holds = assignee == Some(actor.username);
    let held_by = || TicketRefusal::HeldBy(assignee.unwrap_or_default().to_string());
    match (action, status) {
        (Action::Claim, TicketStatus::Open) => Ok(Some(TicketStatus::Claimed)),
        (Action::Claim, TicketStatus::Claimed) if holds => Ok(None),
        (Action::Claim, TicketStatus::Claimed) => Err(held_by()),
        (Action::Release, TicketStatus::Claimed) if holds || actor.is_admin => {
            Ok(Some(TicketStatus::Open))
        }
        (Action::Release, TicketStatus::Claimed) => Err(held_by()),
        (Action::Transfer, TicketStatus::Open) => Ok(Some(TicketStatus::Claimed)),
        (Action::Transfer, TicketStatus::Claimed) if holds || actor.is_admin => {
            Ok(Some(TicketStatus::Claimed))
        }
        (Action::Transfer, TicketStatus::Claimed) => Err(held_by()),
        (Action::Claim | Action::Release | Action::Transfer, other) => {
            Err(TicketRefusal::WrongState(format!("the ticket is {other}")))
        }
        (Action::Resolve, TicketStatus::Resolved) => Err(TicketRefusal::WrongState(
            "the ticket is already resolved".into(),
        )),
        (Action::Resolve, TicketStatus::Claimed) if !holds && !actor.is_admin => Err(held_by()),
        (Action::Resolve, _) => Ok(Some(TicketStatus::Resolved)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::{Claimed, Open, Resolved};

    const ANN: Actor = Actor {
        username: "ann",
        is_admin: false,
    };
    const ADA: Actor = Actor {
        username: "ada",
        is_admin: true,
    };

    #[test]
    fn claiming() {
        assert_eq!(decide(Open, None, Action::Claim, ANN), Ok(Some(Claimed)));
        assert_eq!(decide(Claimed, Some("ann"), Action::Claim, ANN), Ok(None));
        // Not even an admin takes a ticket someone holds: they release it first.
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Claim, ADA),
            Err(TicketRefusal::HeldBy("bob".into()))
        );
        assert_eq!(
            decide(Resolved, Some("bob"), Action::Claim, ANN),
            Err(TicketRefusal::WrongState("the ticket is resolved".into()))
        );
    }

    #[test]
    fn releasing() {
        assert_eq!(
            decide(Claimed, Some("ann"), Action::Release, ANN),
            Ok(Some(Open))
        );
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Release, ADA),
            Ok(Some(Open))
        );
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Release, ANN),
            Err(TicketRefusal::HeldBy("bob".into()))
        );
        assert_eq!(
            decide(Open, None, Action::Release, ADA),
            Err(TicketRefusal::WrongState("the ticket is open".into()))
        );
    }

    #[test]
    fn transferring() {
        assert_eq!(decide(Open, None, Action::Transfer, ANN), Ok(Some(Claimed)));
        assert_eq!(
            decide(Claimed, Some("ann"), Action::Transfer, ANN),
            Ok(Some(Claimed))
        );
        // An admin takes over (or reassigns) a ticket someone else holds.
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Transfer, ADA),
            Ok(Some(Claimed))
        );
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Transfer, ANN),
            Err(TicketRefusal::HeldBy("bob".into()))
        );
        assert_eq!(
            decide(Resolved, Some("bob"), Action::Transfer, ADA),
            Err(TicketRefusal::WrongState("the ticket is resolved".into()))
        );
    }

    #[test]
    fn resolving() {
        assert_eq!(decide(Open, None, Action::Resolve, ANN), Ok(Some(Resolved)));
        assert_eq!(
            decide(Claimed, Some("ann"), Action::Resolve, ANN),
            Ok(Some(Resolved))
        );
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Resolve, ADA),
            Ok(Some(Resolved))
        );
        assert_eq!(
            decide(Claimed, Some("bob"), Action::Resolve, ANN),
            Err(TicketRefusal::HeldBy("bob".into()))
        );
        assert_eq!(
            decide(Resolved, None, Action::Resolve, ADA),
            Err(TicketRefusal::WrongState(
                "the ticket is already resolved".into()
            ))
        );
    }
}
