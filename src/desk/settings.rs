//! `[desk]` settings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskSettings {
    /// An open ticket nobody has claimed for this long is highlighted in the queue.
    pub unclaimed_reminder_minutes: u32,
    /// How long a librarian stays signed in.
    pub session_hours: u32,
    /// Ready-made replies offered on the ticket page.
    pub canned_replies: Vec<CannedReply>,
    /// How many sign-in attempts a client and an account get.
    pub login_limits: crate::auth::LoginLimitSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    pub label: String,
    pub text: String,
}

impl Default for DeskSettings {
    fn default() -> Self {
        let canned = |label: &str, text: &str| CannedReply {
            label: label.into(),
            text: text.into(),
        };
        Self {
            unclaimed_reminder_minutes: 10,
            session_hours: 12,
            canned_replies: vec![
                canned(
                    "Looking into it",
                    "Thanks for your patience: I'm looking into this now and will reply here shortly.",
                ),
                canned(
                    "Anything else?",
                    "Is there anything else I can help you with?",
                ),
                canned(
                    "Visit the desk",
                    "This is easiest to sort out in person: please visit the service desk at {short_name}, and mention this chat.",
                ),
            ],
            login_limits: Default::default(),
        }
    }
}

impl DeskSettings {
    /// The settings with the canned replies' placeholders filled in by `fill` (the
    /// library's names: `LibrarySettings::fill`).
    pub fn for_library(&self, fill: impl Fn(&str) -> String) -> Self {
        Self {
            canned_replies: self
                .canned_replies
                .iter()
                .map(|c| CannedReply {
                    label: fill(&c.label),
                    text: fill(&c.text),
                })
                .collect(),
            ..self.clone()
        }
    }
}
