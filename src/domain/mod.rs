//! Plain types shared by the store, the conversation service and the connectors.

mod outcome;

pub use outcome::{Disposition, Outcome};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Webchat,
    Telegram,
    Matrix,
    Messenger,
    Instagram,
    Whatsapp,
    Vk,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Webchat,
        Channel::Telegram,
        Channel::Matrix,
        Channel::Messenger,
        Channel::Instagram,
        Channel::Whatsapp,
        Channel::Vk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webchat => "webchat",
            Channel::Telegram => "telegram",
            Channel::Matrix => "matrix",
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
            Channel::Whatsapp => "whatsapp",
            Channel::Vk => "vk",
        }
    }
}

impl Channel {
    /// The longest message the channel carries, in characters: the platform's own limit
    /// (the web chat's is ours). Replies are split to it; anything longer that arrives did
    /// not come from the platform's app and is cut before any analysis.
    pub const fn max_message_chars(self) -> usize {
        match self {
            Channel::Webchat => 4_000,
            Channel::Telegram | Channel::Whatsapp | Channel::Vk => 4_096,
            Channel::Messenger => 2_000,
            Channel::Instagram => 1_000,
            // Matrix caps an event at 64 KiB, not a message's text: ours, well inside that.
            Channel::Matrix => 16_000,
        }
    }
}

/// Cuts `text` to at most `max_chars` characters, on a character boundary; true if it was
/// longer.
pub fn cap_chars(text: &mut String, max_chars: usize) -> bool {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => {
            text.truncate(end);
            true
        }
        None => false,
    }
}

/// True when nothing in `text` can be read: only spaces, control characters and invisible
/// formatting characters (zero-width spaces and joiners, direction marks, variation
/// selectors, the byte order mark, tags).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c,
                '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{E0000}'..='\u{E007F}')
    })
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown channel `{s}`"))
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Patron,
    Bot,
    Librarian,
    System,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Patron => "patron",
            Sender::Bot => "bot",
            Sender::Librarian => "librarian",
            Sender::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Sender::Patron,
            Sender::Bot,
            Sender::Librarian,
            Sender::System,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Where a ticket is: waiting in the queue, held by a librarian, or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    Open,
    Claimed,
    Resolved,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Claimed => "claimed",
            TicketStatus::Resolved => "resolved",
        }
    }
}

impl FromStr for TicketStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(TicketStatus::Open),
            "claimed" => Ok(TicketStatus::Claimed),
            "resolved" => Ok(TicketStatus::Resolved),
            _ => Err("status must be open, claimed or resolved".into()),
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a staff account may do: a librarian works tickets; an admin also manages accounts
/// and patrons' data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Librarian,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Librarian => "librarian",
            Role::Admin => "admin",
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "librarian" => Ok(Role::Librarian),
            "admin" => Ok(Role::Admin),
            _ => Err("role must be librarian or admin".into()),
        }
    }
}

/// Where a channel delivers to one patron: the platform's id for the chat (a Telegram chat
/// id, a Matrix room id, a page-scoped id, a WhatsApp phone number, a VK peer id, the hash of
/// a web chat session). Each connector reads it in its own platform's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Recipient(String);

impl Recipient {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A patron's message as a connector hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    pub channel: Channel,
    /// The platform's id for the message: the dedupe key within the channel.
    pub platform_message_id: String,
    /// The channel-scoped id of the patron (chat id, Matrix user id, session hash ...).
    pub patron: String,
    pub text: String,
    /// The language the platform reports for the patron, if any.
    pub language: Option<String>,
    pub kind: InboundKind,
}

/// What a patron sent, beyond plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundKind {
    /// A question or remark in words: the answer engine decides.
    Text,
    /// A bot command (`/start`, `/help`, `/human`).
    Command(BotCommand),
    /// Something the bot cannot read (a sticker, photo, voice note ...), named for the
    /// librarian; `text` holds a short placeholder.
    Unsupported(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotCommand {
    /// The first message of a chat: greet and say what the bot does.
    Start,
    Help,
    /// Ask for a librarian.
    Human,
}

/// Milliseconds since the Unix epoch: the one time representation in the database.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_capped_on_a_character_boundary() {
        let mut text = "ağ".repeat(3);
        assert!(cap_chars(&mut text, 3));
        assert_eq!(text, "ağa");
        let mut short = "kitab".to_string();
        assert!(!cap_chars(&mut short, 5));
        assert_eq!(short, "kitab");
    }

    #[test]
    fn invisible_text_is_blank() {
        assert!(is_blank(""));
        assert!(is_blank(" \u{200B}\u{FEFF}\t\u{200D}\u{0001}"));
        assert!(!is_blank("\u{200B}wifi"));
        assert!(!is_blank("😀"));
    }

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        }
        assert!("fax".parse::<Channel>().is_err());
    }
}
