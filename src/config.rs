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
pub use crate::desk::{CannedReply, DeskSettings};
use crate::net::TlsSettings;
use crate::store::DatabaseSettings;
use crate::web::library::LibrarySettings;
pub use crate::web::library::Logo;
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
    /// When librarians are on duty; absent: always.
    pub hours: Option<crate::hours::HoursSettings>,
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
        if let Some(hours) = &settings.hours {
            hours.schedule().map_err(anyhow::Error::msg)?;
        }
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
        let desk = s.desk.for_library(|t| s.library.fill(t));
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

    #[test]
    fn opening_hours_are_checked_at_load() {
        let err = Settings::from_sources("[hours]\ntimezone = \"Mars/Base\"\n", "test", env(&[]))
            .unwrap_err();
        assert!(format!("{err:#}").contains("hours.timezone"), "{err:#}");
        let ok = Settings::from_sources(
            "[hours]\ntimezone = \"Asia/Baku\"\nsunday = \"10:00-14:00\"\n",
            "test",
            env(&[]),
        )
        .unwrap();
        let hours = ok.hours.unwrap();
        assert_eq!(
            (hours.sunday.as_str(), hours.monday.as_str()),
            ("10:00-14:00", "09:00-17:00")
        );
    }

    #[test]
    fn tables_in_the_settings_and_the_environment() {
        let s = Settings::from_sources(
            "[catalogue.branches]\nMAIN = \"Main Library\"\n[catalogue.locations]\nREF = { es = \"Referencia\" }\n",
            "test",
            [(
                "REFDESK__CATALOGUE__BRANCHES__EAST".to_string(),
                "East Branch".to_string(),
            )],
        )
        .unwrap();
        assert_eq!(
            s.catalogue.branches.name("MAIN", "en"),
            Some("Main Library")
        );
        assert_eq!(s.catalogue.branches.name("EAST", "en"), Some("East Branch"));
        assert_eq!(s.catalogue.locations.name("REF", "ru"), Some("Referencia"));
        let err =
            Settings::from_sources("[catalogue.branches]\nMAIN = [1]\n", "x.toml", []).unwrap_err();
        assert!(format!("{err:#}").contains("branches"), "{err:#}");
    }
}
