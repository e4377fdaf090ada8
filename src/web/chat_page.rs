//! The patrons' chat page (`GET /chat`), the widget's settings (`GET /chat/config`) and the
//! library's colours (`GET /chat/theme.css`): named after the library, in the patron's
//! language.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::i18n::{self, Choice, Strings};
use super::library::{LibrarySettings, Logo};
use super::theme::{Rgb, Theme};
use super::{AppState, CSP};

/// The library as the patrons' pages show it, checked and worked out once at start.
#[derive(Debug, Clone)]
pub struct Library {
    pub settings: LibrarySettings,
    pub logo: Option<Logo>,
    pub theme: Theme,
    pub theme_css: String,
    /// The FAQ's default language: the fallback language of the page, and the language the
    /// library's own texts (greeting, opening hours) are taken to be written in.
    pub default_language: String,
}

/// The WebSocket origin of `public_url` (`https://h/x` -> `wss://h`), if it has one.
fn socket_origin(public_url: &str) -> Option<String> {
    let (scheme, rest) = match public_url.split_once("://")? {
        ("https", rest) => ("wss", rest),
        ("http", rest) => ("ws", rest),
        _ => return None,
    };
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    // Only characters a host and port can have: the value goes into a header.
    host.chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        .then(|| format!("{scheme}://{host}"))
}

impl Library {
    pub fn new(settings: &LibrarySettings, default_language: &str) -> anyhow::Result<Self> {
        settings.validate()?;
        let accent = Rgb::parse(&settings.accent_colour).map_err(anyhow::Error::msg)?;
        let theme = Theme::from_accent(accent);
        Ok(Self {
            settings: settings.clone(),
            logo: settings.logo()?,
            theme_css: theme.css(),
            theme,
            default_language: default_language.to_string(),
        })
    }

    /// The page's policy: ours, plus the logo's origin when it lives elsewhere, plus the
    /// chat socket's own address spelled out (`'self'` covers ws: and wss: only in newer
    /// browsers; Safari before 16 needs the address).
    fn page_csp(&self, socket: Option<&str>) -> String {
        let mut csp = match self.logo.as_ref().and_then(Logo::origin) {
            Some(origin) => CSP.replacen("img-src 'self'", &format!("img-src 'self' {origin}"), 1),
            None => CSP.to_string(),
        };
        if let Some(socket) = socket {
            csp = csp.replacen(
                "connect-src 'self'",
                &format!("connect-src 'self' {socket}"),
                1,
            );
        }
        csp
    }

    /// What the chat script needs: strings in the chosen language, the greeting, the
    /// language to pass on with each message.
    fn client_config(&self, choice: Choice) -> ClientConfig {
        let t = Strings::of(choice.lang);
        let fill = |s: &str| self.settings.fill(s);
        let strings = t.all().into_iter().map(|(k, v)| (k, fill(v))).collect();
        let (greeting, greeting_lang) = match self.settings.greeting.trim() {
            "" => (fill(t.get("greeting")), choice.lang.to_string()),
            own => (fill(own), self.library_lang(choice)),
        };
        ClientConfig {
            lang: choice.lang,
            dir: t.dir(),
            hint: choice.from_patron.then_some(choice.lang),
            title: self.settings.name.clone(),
            greeting,
            greeting_lang,
            strings,
        }
    }

    /// The language of the library's own texts: its FAQ's default language.
    fn library_lang(&self, choice: Choice) -> String {
        match self.default_language.trim() {
            "" => choice.lang.to_string(),
            lang => lang.to_string(),
        }
    }
}

/// The JSON the chat script reads: embedded in the page, fetched by the widget.
#[derive(Debug, Serialize)]
struct ClientConfig {
    /// The language the chat is shown in (`<html lang>`, and each message's `lang` unless
    /// the server says otherwise).
    lang: &'static str,
    dir: &'static str,
    /// Sent with the socket as the patron's language, when the patron chose it.
    hint: Option<&'static str>,
    title: String,
    greeting: String,
    greeting_lang: String,
    strings: std::collections::BTreeMap<&'static str, String>,
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` written as
/// `\u` escapes, so no text can close the element or read as markup.
fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[derive(Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let library = &state.library;
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let choice = i18n::choose(
        q.lang.as_deref(),
        i18n::accept_language(accept),
        &library.default_language,
    );
    let t = Strings::of(choice.lang);
    let fill = |key: &str| library.settings.fill(t.get(key));
    let logo = library
        .logo
        .as_ref()
        .map(|l| context! { src => l.src(), alt => fill("logo_alt") });
    let languages: Vec<minijinja::Value> = i18n::LANGUAGES
        .iter()
        .map(|code| context! { code, name => Strings::of(code).get("language_name") })
        .collect();
    let head_bg = library.theme.head_bg.to_string();
    let ctx = context! {
        lang => choice.lang,
        dir => t.dir(),
        t => t.all(),
        description => fill("meta_description"),
        library => context! {
            name => library.settings.name,
            opening_hours => library.settings.opening_hours.trim(),
        },
        library_lang => library.library_lang(choice),
        logo,
        languages,
        theme => context! { head_bg_hex => head_bg.trim_start_matches('#'), head_bg },
        config => minijinja::Value::from_safe_string(script_json(&library.client_config(choice))),
    };
    let html = match state
        .templates
        .get_template("chat.html")
        .and_then(|tpl| tpl.render(ctx))
    {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "chat page template failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let csp = HeaderValue::from_str(&library.page_csp(socket_origin(&state.public_url).as_deref()))
        .unwrap_or_else(|_| HeaderValue::from_static(CSP));
    (
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            // The page differs by the browser's language.
            (header::VARY, HeaderValue::from_static("Accept-Language")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Html(html),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ConfigQuery {
    /// The browser's languages, most wanted first, comma-separated (`navigator.languages`).
    langs: Option<String>,
}

/// The widget's strings and title, for a library's own site: hence the CORS header.
pub async fn widget_config(
    State(state): State<AppState>,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let langs = q.langs.unwrap_or_default();
    let preferred = langs.split(',').take(16).map(str::trim);
    let choice = i18n::choose(None, preferred, &state.library.default_language);
    let body =
        serde_json::to_string(&state.library.client_config(choice)).unwrap_or_else(|_| "{}".into());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// The accent colour as CSS custom properties, for the page and (cross-origin) the widget.
pub async fn theme_css(State(state): State<AppState>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        state.library.theme_css.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library(edit: impl FnOnce(&mut LibrarySettings)) -> Library {
        let mut settings = LibrarySettings::default();
        edit(&mut settings);
        Library::new(&settings, "en").unwrap()
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let json = script_json(&serde_json::json!({"greeting": "</script><!-- & -->"}));
        assert!(
            !json.contains('<') && !json.contains('>') && !json.contains('&'),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["greeting"], "</script><!-- & -->");
    }

    #[test]
    fn a_remote_logo_is_allowed_by_origin_only() {
        let remote = library(|s| s.logo_url = "https://cdn.example.org:8443/img/logo.png".into());
        let csp = remote.page_csp(None);
        assert!(
            csp.contains("img-src 'self' https://cdn.example.org:8443 data:"),
            "{csp}"
        );
        assert_eq!(
            library(|s| s.logo_url = "/logo.svg".into()).page_csp(None),
            CSP
        );
        assert_eq!(library(|_| {}).page_csp(None), CSP);
        let with_socket = library(|_| {}).page_csp(Some("wss://library.example.org"));
        assert!(with_socket.contains("connect-src 'self' wss://library.example.org;"));
        assert_eq!(
            socket_origin("https://library.example.org/refdesk/").as_deref(),
            Some("wss://library.example.org")
        );
        assert_eq!(
            socket_origin("http://127.0.0.1:8080").as_deref(),
            Some("ws://127.0.0.1:8080")
        );
        assert_eq!(socket_origin(""), None);
    }

    #[test]
    fn the_greeting_is_built_in_per_language_or_the_librarys_own() {
        let turkish = Choice {
            lang: "tr",
            from_patron: true,
        };
        let built_in = library(|_| {}).client_config(turkish);
        assert!(built_in.greeting.starts_with("Merhaba!"));
        assert_eq!(
            (built_in.greeting_lang.as_str(), built_in.hint),
            ("tr", Some("tr"))
        );
        let own =
            library(|s| s.greeting = "Welcome to {short_name}!".into()).client_config(turkish);
        assert_eq!(
            own.greeting, "Welcome to the library!",
            "the library's own words"
        );
        assert_eq!(own.greeting_lang, "en", "in the FAQ's default language");
        let fallback = library(|_| {}).client_config(Choice {
            lang: "en",
            from_patron: false,
        });
        assert_eq!(fallback.hint, None);
    }
}
