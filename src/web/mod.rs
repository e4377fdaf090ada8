//! HTTP routes: the web chat page, widget and socket, health and metrics.

mod api;
mod api_extract;
pub mod chat;
pub mod chat_page;
mod client_addr;
mod error;
mod guard;
pub mod i18n;
pub mod library;
pub mod metrics_access;
pub mod pages;
pub mod theme;

use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::connectors::webchat::WebChat;
use crate::conversation::ConversationService;
use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub service: ConversationService,
    pub webchat: Arc<WebChat>,
    pub metrics: Arc<Metrics>,
    pub desk: crate::desk::Desk,
    pub engine: Arc<arc_swap::ArcSwap<crate::answer::AnswerEngine>>,
    /// The origin librarians' requests must come from, without a trailing slash.
    pub public_url: Arc<str>,
    /// The library's names, colours and logo for the patrons' chat.
    pub library: Arc<chat_page::Library>,
    /// Proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// Who may read `/metrics`.
    pub metrics_access: Arc<metrics_access::MetricsAccess>,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Cancelled at shutdown: long-lived responses (event streams) end so the server can stop.
    pub shutdown: tokio_util::sync::CancellationToken,
}

/// A strict policy: only our own scripts and styles, sockets back to us ('self' covers
/// ws: and wss: to our own host).
pub(crate) const CSP: &str = "default-src 'self'; connect-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The whole HTTP surface; `connectors` adds the enabled connectors' webhook routes.
pub fn router(state: AppState, connectors: Router) -> Router {
    Router::new()
        .route("/chat", get(chat_page::page))
        .route("/chat/config", get(chat_page::widget_config))
        .route("/chat/theme.css", get(chat_page::theme_css))
        .route("/chat.css", get(chat_css))
        .route("/chat-component.css", get(chat_component_css))
        .route("/widget.js", get(widget_js))
        .route("/chat/ws", get(chat::socket))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(api::routes())
        .merge(pages::routes())
        .with_state(state)
        // The connectors' webhooks carry their own state.
        .merge(connectors)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn chat_css() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/chat.css"))
}

/// Fetched cross-origin by the widget on a library's own site, hence the CORS header.
async fn chat_component_css() -> Response {
    let mut response = asset(
        "text/css; charset=utf-8",
        include_str!("assets/chat-component.css"),
    );
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn widget_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/widget.js"),
    )
}

/// `ok` while the database answers; the FAQ version this instance serves in a header (and
/// the newest shared catalogue change its index holds, when it has a catalogue); and a
/// warning line when the instances on this database serve different FAQs.
async fn healthz(State(state): State<AppState>) -> Response {
    if state.store.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
    }
    let version = state.engine.load().faq_version().to_string();
    let mut body = String::from("ok\n");
    if let Ok(versions) = state.store.faq_versions(crate::domain::now_ms()).await
        && versions.len() > 1
    {
        let each: Vec<String> = versions
            .iter()
            .map(|(v, n)| format!("{v} on {n}"))
            .collect();
        body.push_str(&format!(
            "warning: the instances serve different FAQs ({}); this one serves {version}\n",
            each.join(", ")
        ));
    }
    let mut response = ([("x-refdesk-faq-version", version)], body).into_response();
    if let (Some(catalogue), _) = state.engine.load().catalogue()
        && let Ok(change) = catalogue.synced_to()
    {
        response
            .headers_mut()
            .insert("x-refdesk-catalogue-change", HeaderValue::from(change));
    }
    response
}

async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(refused) = state.metrics_access.check(peer.ip(), &headers) {
        return refused.into_response();
    }
    let backlog = state.store.outbox_backlog().await.unwrap_or(-1);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(backlog),
    )
        .into_response()
}
