//! `[library]` settings: the library's names and the look of the patrons' chat.

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// The library refdesk speaks for: its names and the look of the patrons' chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LibrarySettings {
    /// The library's full name: the chat page's title and heading, the widget's title.
    pub name: String,
    /// How replies refer to it in a sentence ("please visit the service desk at
    /// {short_name}").
    pub short_name: String,
    /// Shown at the top of the chat, in the library's own words (`{name}` and
    /// `{short_name}` are filled in). Empty: a built-in greeting in the patron's language.
    pub greeting: String,
    /// The colour of the chat's header and buttons, `#rrggbb` or `#rgb`. Text on it is
    /// black or white, whichever reads better.
    pub accent_colour: String,
    /// The library's logo on the chat page: an `https://` (or `http://`) address or a path
    /// on this server (`/static/logo.svg`). Empty: a book icon.
    pub logo_url: String,
    /// A short line on the chat page, e.g. `Mon–Fri 9:00–17:00`. Empty: none.
    pub opening_hours: String,
}

impl Default for LibrarySettings {
    fn default() -> Self {
        Self {
            name: "Northbridge University Library".into(),
            short_name: "the library".into(),
            greeting: String::new(),
            accent_colour: "#1b4f8f".into(),
            logo_url: String::new(),
            opening_hours: String::new(),
        }
    }
}

impl LibrarySettings {
    pub const MAX_NAME_CHARS: usize = 100;
    pub const MAX_SHORT_NAME_CHARS: usize = 60;
    pub const MAX_GREETING_CHARS: usize = 500;
    pub const MAX_HOURS_CHARS: usize = 100;
    pub const MAX_LOGO_URL_CHARS: usize = 500;

    /// Refuses values the chat page could not show well, naming the key and why.
    pub fn validate(&self) -> anyhow::Result<()> {
        one_line("name", &self.name, Self::MAX_NAME_CHARS, true)?;
        one_line(
            "short_name",
            &self.short_name,
            Self::MAX_SHORT_NAME_CHARS,
            true,
        )?;
        one_line(
            "opening_hours",
            &self.opening_hours,
            Self::MAX_HOURS_CHARS,
            false,
        )?;
        let greeting_chars = self.greeting.chars().count();
        if greeting_chars > Self::MAX_GREETING_CHARS {
            bail!(
                "library.greeting has {greeting_chars} characters, at most {} are allowed",
                Self::MAX_GREETING_CHARS
            );
        }
        if self.greeting.chars().any(|c| c.is_control() && c != '\n') {
            bail!("library.greeting contains a control character (only line breaks are allowed)");
        }
        crate::web::theme::Rgb::parse(&self.accent_colour).map_err(|why| {
            anyhow::anyhow!(
                "library.accent_colour = {:?}: {why}; write a CSS hex colour such as \"#1b4f8f\"",
                self.accent_colour
            )
        })?;
        self.logo().map(|_| ())
    }

    /// The logo's address, checked: `None` when there is none.
    pub fn logo(&self) -> anyhow::Result<Option<Logo>> {
        Logo::parse(&self.logo_url)
            .map_err(|why| anyhow::anyhow!("library.logo_url = {:?}: {why}", self.logo_url))
    }

    /// `text` with `{name}` and `{short_name}` replaced by the library's names.
    pub fn fill(&self, text: &str) -> String {
        text.replace("{name}", &self.name)
            .replace("{short_name}", &self.short_name)
    }
}

/// A one-line text setting: at most `max` characters, no control characters, not blank
/// when `required`.
fn one_line(key: &str, value: &str, max: usize, required: bool) -> anyhow::Result<()> {
    if required && value.trim().is_empty() {
        bail!("library.{key} must not be empty");
    }
    let chars = value.chars().count();
    if chars > max {
        bail!("library.{key} has {chars} characters, at most {max} are allowed");
    }
    if value.chars().any(char::is_control) {
        bail!("library.{key} must be one line without control characters");
    }
    Ok(())
}

/// Where the chat page loads the library's logo from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logo {
    /// A path on this server, such as `/static/logo.svg`.
    Path(String),
    /// An http(s) address elsewhere; the page's Content-Security-Policy allows its origin.
    Remote(url::Url),
}

impl Logo {
    fn parse(raw: &str) -> Result<Option<Self>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        if raw.chars().count() > LibrarySettings::MAX_LOGO_URL_CHARS {
            return Err(format!(
                "longer than {} characters",
                LibrarySettings::MAX_LOGO_URL_CHARS
            ));
        }
        if raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
        {
            return Err("an address cannot contain spaces, quotes, <, > or backslashes".into());
        }
        if raw.starts_with('/') && !raw.starts_with("//") {
            return Ok(Some(Logo::Path(raw.to_string())));
        }
        let url = url::Url::parse(raw).map_err(|e| {
            format!("not an address ({e}); give https://... or a path starting with /")
        })?;
        match url.scheme() {
            "https" | "http" if url.host_str().is_some() => Ok(Some(Logo::Remote(url))),
            "https" | "http" => Err("the address has no host".into()),
            other => Err(format!(
                "the scheme {other}: is not allowed; give https://... or a path starting with /"
            )),
        }
    }

    /// The `src` of the `<img>`.
    pub fn src(&self) -> String {
        match self {
            Logo::Path(p) => p.clone(),
            Logo::Remote(u) => u.to_string(),
        }
    }

    /// The origin to allow in the page's `img-src`, for a remote logo.
    pub fn origin(&self) -> Option<String> {
        match self {
            Logo::Path(_) => None,
            Logo::Remote(u) => Some(u.origin().ascii_serialization()),
        }
    }
}
