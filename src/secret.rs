//! A setting that must never be shown: a token, a password, a passphrase. It is held by
//! `secrecy` (zeroed when dropped, `[REDACTED]` in `Debug`), so settings can derive `Debug`
//! and log themselves safely; the plain text is reached only through `expose`.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The plain text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_empty() {
            "\"\""
        } else {
            "[REDACTED]"
        })
    }
}

/// Compared in constant time: settings are compared in tests, secrets in requests.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        crate::auth::same_secret(self.expose(), other.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

/// Written out redacted: a settings dump never carries the value.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.is_empty() { "" } else { "[REDACTED]" })
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_shown_but_usable() {
        let s = Secret::new("123:ABC-token");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"[REDACTED]\"");
        assert_eq!(s.expose(), "123:ABC-token");
        assert_eq!(s, Secret::from("123:ABC-token"));
        assert_ne!(s, Secret::default());
        let parsed: Secret = serde_json::from_str("\"from-config\"").unwrap();
        assert_eq!(parsed.expose(), "from-config");
    }
}
