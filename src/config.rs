//! Settings: built-in defaults, then a TOML file (`--config`, else `./refdesk.toml` if it
//! exists), then `REFDESK__SECTION__KEY` environment variables. `config.example.toml`
//! documents every setting with its default.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::answer::AnswerSettings;
use crate::catalogue::CatalogueSettings;
use crate::connectors::matrix::MatrixSettings;
use crate::connectors::meta::MetaSettings;
use crate::connectors::telegram::TelegramSettings;
use crate::connectors::vk::VkSettings;
use crate::connectors::webchat::WebChatSettings;
use crate::net::TlsSettings;
use crate::store::DatabaseSettings;
use crate::workers::outbox::OutboxSettings;
use crate::workers::retention::PrivacySettings;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub faq: FaqSettings,
    pub answer: AnswerSettings,
    pub catalogue: CatalogueSettings,
    pub outbox: OutboxSettings,
    pub privacy: PrivacySettings,
    pub library: LibrarySettings,
    pub webchat: WebChatSettings,
    pub patron_limits: crate::conversation::limits::PatronLimitSettings,
    pub desk: DeskSettings,
    pub telegram: TelegramSettings,
    pub matrix: MatrixSettings,
    pub meta: MetaSettings,
    pub vk: VkSettings,
    pub tls: TlsSettings,
    pub metrics: crate::web::metrics_access::MetricsSettings,
    pub log: LogSettings,
}

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
    /// The settings with `{name}` and `{short_name}` in the canned replies replaced by the
    /// library's names.
    pub fn for_library(&self, library: &LibrarySettings) -> Self {
        let fill = |s: &str| library.fill(s);
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port the HTTP server listens on.
    pub listen: String,
    /// The address patrons and librarians use to reach refdesk (behind a proxy: the proxy's).
    /// Librarians' state-changing requests must come from this origin. Empty: the address
    /// the server listens on.
    pub public_url: String,
    /// Addresses of reverse proxies in front of refdesk. Only from these is
    /// `X-Forwarded-For` believed when telling clients apart (sign-in limits); from anyone
    /// else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaqSettings {
    /// The directory of FAQ files.
    pub dir: PathBuf,
    /// The language of files without a language suffix (`hours.md`).
    pub default_language: String,
    /// Rebuild the index when a file in `dir` changes.
    pub watch: bool,
}

impl Default for FaqSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("faq"),
            default_language: "en".into(),
            watch: true,
        }
    }
}

impl FaqSettings {
    /// Whether `dir` is the default `faq`, which may be missing on a first start.
    pub fn is_default_dir(&self) -> bool {
        self.dir == FaqSettings::default().dir
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter: `info`, `refdesk=debug,tower_http=info`, ... (`RUST_LOG` wins).
    pub level: String,
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

const ENV_PREFIX: &str = "REFDESK__";
const DEFAULT_FILE: &str = "refdesk.toml";

impl Settings {
    /// Loads settings the documented way, reading the process environment.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Self> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.exists()),
        };
        let text = match &path {
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("cannot read config file {}", p.display()))?,
            None => String::new(),
        };
        let source = path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults".into());
        Self::from_sources(&text, &source, std::env::vars())
    }

    /// Settings from a TOML text and `(name, value)` environment pairs.
    pub fn from_sources(
        toml_text: &str,
        source: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut table: toml::Table =
            toml::from_str(toml_text).with_context(|| format!("{source}: invalid TOML"))?;
        for (name, value) in env {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
            if keys.len() < 2 || keys.iter().any(String::is_empty) {
                bail!("{name}: expected {ENV_PREFIX}SECTION__KEY");
            }
            set_path(&mut table, &keys, parse_env_value(&value))
                .with_context(|| format!("environment variable {name}"))?;
        }
        let settings: Self = toml::Value::Table(table).try_into().with_context(|| {
            format!("invalid settings (from {source} and {ENV_PREFIX}* variables)")
        })?;
        settings.library.validate().with_context(|| {
            format!(
                "invalid [library] settings (from {source} and {ENV_PREFIX}LIBRARY__* variables)"
            )
        })?;
        settings.metrics.validate().map_err(anyhow::Error::msg)?;
        Ok(settings)
    }
}

/// An environment value is read as a TOML value when it is one (`0.7`, `true`, `["a"]`),
/// else as a plain string, so `REFDESK__FAQ__DIR=/srv/faq` needs no quotes.
fn parse_env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn set_path(table: &mut toml::Table, keys: &[String], value: toml::Value) -> anyhow::Result<()> {
    let (last, parents) = keys.split_last().expect("at least two keys");
    let mut current = table;
    for key in parents {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            _ => bail!("`{key}` is not a section"),
        };
    }
    current.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_never_show_a_secret_in_debug() {
        let mut s = super::Settings::default();
        s.telegram.token = "123456:TELEGRAM-TOKEN".into();
        s.meta.app_secret = "meta-app-secret-value".into();
        s.matrix.password = "matrix-password-value".into();
        s.vk.secret = "vk-secret-value".into();
        s.metrics.token = "metrics-token-value".into();
        s.database.url = "postgres://refdesk:db-password@db/refdesk".into();
        let shown = format!("{s:?}");
        for secret in [
            "TELEGRAM-TOKEN",
            "meta-app-secret-value",
            "matrix-password-value",
            "vk-secret-value",
            "metrics-token-value",
            "db-password",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("[REDACTED]"));
    }

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_any_source() {
        let s = Settings::from_sources("", "test", env(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.faq.dir, PathBuf::from("faq"));
    }

    #[test]
    fn file_then_environment() {
        let s = Settings::from_sources(
            "[answer]\ntarget_precision = 0.95\n[faq]\ndefault_language = \"ru\"\n",
            "test",
            env(&[
                ("REFDESK__ANSWER__THRESHOLD", "0.8"),
                ("REFDESK__ANSWER__TARGET_PRECISION", "0.99"),
                ("REFDESK__FAQ__DIR", "/srv/faq"),
                ("REFDESK__ANSWER__BOOSTS__QUESTION", "4"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.answer.threshold, Some(0.8));
        assert_eq!(s.answer.target_precision, 0.99);
        assert_eq!(s.faq.default_language, "ru");
        assert_eq!(s.faq.dir, PathBuf::from("/srv/faq"));
        assert_eq!(s.answer.boosts.question, 4.0);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err =
            Settings::from_sources("[answer]\nthreshhold = 0.7\n", "x.toml", env(&[])).unwrap_err();
        assert!(format!("{err:#}").contains("threshhold"), "{err:#}");
        let err = Settings::from_sources("", "x", env(&[("REFDESK__ANSWER__THRESHOLD", "high")]))
            .unwrap_err();
        assert!(format!("{err:#}").contains("threshold"), "{err:#}");
        assert!(Settings::from_sources("", "x", env(&[("REFDESK__ANSWER", "1")])).is_err());
    }

    #[test]
    fn library_settings_from_the_file_and_the_environment() {
        let s = Settings::from_sources(
            "[library]\nname = \"Riverside Library\"\naccent_colour = \"#E30613\"\n",
            "test",
            env(&[
                ("REFDESK__LIBRARY__SHORT_NAME", "the Riverside"),
                (
                    "REFDESK__LIBRARY__LOGO_URL",
                    "https://cdn.example.org/logo.svg",
                ),
                ("REFDESK__LIBRARY__OPENING_HOURS", "Mon–Fri 9:00–17:00"),
            ]),
        )
        .unwrap();
        assert_eq!(s.library.name, "Riverside Library");
        assert_eq!(s.library.short_name, "the Riverside");
        assert_eq!(
            s.library
                .logo()
                .unwrap()
                .and_then(|l| l.origin())
                .as_deref(),
            Some("https://cdn.example.org")
        );
        let desk = s.desk.for_library(&s.library);
        assert!(
            desk.canned_replies[2]
                .text
                .contains("service desk at the Riverside,"),
            "{:?}",
            desk.canned_replies[2]
        );
    }

    #[test]
    fn bad_library_settings_are_refused_with_the_key_and_the_reason() {
        let refused = |toml: &str| {
            let err = Settings::from_sources(toml, "x.toml", env(&[])).unwrap_err();
            format!("{err:#}")
        };
        let e = refused("[library]\naccent_colour = \"blue\"\n");
        assert!(
            e.contains("library.accent_colour") && e.contains("#1b4f8f"),
            "{e}"
        );
        let e = refused("[library]\naccent_colour = \"#12345\"\n");
        assert!(e.contains("5 hex digits"), "{e}");
        let e = refused("[library]\nname = \"  \"\n");
        assert!(e.contains("library.name must not be empty"), "{e}");
        let long = "x".repeat(LibrarySettings::MAX_NAME_CHARS + 1);
        let e = refused(&format!("[library]\nname = \"{long}\"\n"));
        assert!(
            e.contains("library.name has 101 characters, at most 100"),
            "{e}"
        );
        let e = refused("[library]\nopening_hours = \"9-5\\nclosed Sundays\"\n");
        assert!(e.contains("library.opening_hours must be one line"), "{e}");
        let e = refused(&format!("[library]\ngreeting = \"{}\"\n", "y".repeat(501)));
        assert!(e.contains("library.greeting has 501 characters"), "{e}");
        let e = refused("[library]\nlogo_url = \"javascript:alert(1)\"\n");
        assert!(
            e.contains("library.logo_url") && e.contains("scheme javascript"),
            "{e}"
        );
        let e = refused("[library]\nlogo_url = \"//evil.example/x.png\"\n");
        assert!(e.contains("library.logo_url"), "{e}");
        let e = refused("[library]\nlogo_url = \"/logo.png\\\" onerror=\\\"x\"\n");
        assert!(e.contains("quotes"), "{e}");
        // A greeting may have line breaks; a path is a logo on this server.
        let ok = Settings::from_sources(
            "[library]\ngreeting = \"Hello!\\nAsk away.\"\nlogo_url = \"/static/logo.svg\"\naccent_colour = \"#fc0\"\n",
            "x.toml",
            env(&[]),
        )
        .unwrap();
        assert_eq!(
            ok.library.logo().unwrap(),
            Some(Logo::Path("/static/logo.svg".into()))
        );
    }

    #[test]
    fn example_config_is_the_default() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
                .unwrap();
        let s = Settings::from_sources(&text, "config.example.toml", env(&[])).unwrap();
        assert_eq!(s, Settings::default());
    }
}
