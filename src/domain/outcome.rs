//! What became of a patron's message: stored with it, counted by day and in the metrics.

use serde::{Deserialize, Serialize};

/// The answer engine's decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Smalltalk,
    Handoff,
    Faq,
    #[default]
    Escalate,
    /// Records from the catalogue.
    Catalogue,
    /// A bot command such as `/start` or `/help`, answered with a fixed text.
    Command,
    /// Something the bot cannot read (a sticker, a photo ...), answered with a fixed text.
    Unsupported,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Smalltalk => "smalltalk",
            Outcome::Handoff => "handoff",
            Outcome::Faq => "faq",
            Outcome::Escalate => "escalate",
            Outcome::Catalogue => "catalogue",
            Outcome::Command => "command",
            Outcome::Unsupported => "unsupported",
        }
    }
}

/// Everything that can become of a message: the engine's decision, or one of the two
/// things decided before the engine is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Disposition {
    Answered(Outcome),
    /// A librarian holds the conversation: the message joined the ticket.
    JoinedTicket,
    /// Over the patron's or the channel's allowance.
    Limited,
}

impl Disposition {
    /// Every disposition, in the order the metrics list them.
    pub const ALL: [Disposition; 9] = [
        Disposition::Answered(Outcome::Faq),
        Disposition::Answered(Outcome::Smalltalk),
        Disposition::Answered(Outcome::Handoff),
        Disposition::Answered(Outcome::Escalate),
        Disposition::JoinedTicket,
        Disposition::Answered(Outcome::Command),
        Disposition::Answered(Outcome::Unsupported),
        Disposition::Answered(Outcome::Catalogue),
        Disposition::Limited,
    ];

    /// As stored and counted (an outcome keeps its own name).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered(outcome) => outcome.as_str(),
            Disposition::JoinedTicket => "ticket",
            Disposition::Limited => "limited",
        }
    }
}

impl From<Outcome> for Disposition {
    fn from(outcome: Outcome) -> Self {
        Disposition::Answered(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_disposition_has_its_own_name() {
        let mut names: Vec<_> = Disposition::ALL.iter().map(|d| d.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Disposition::ALL.len());
    }
}
