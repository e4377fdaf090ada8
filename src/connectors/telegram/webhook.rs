//! `POST /connectors/telegram/webhook`: the secret header is checked in constant time
//! before anything else, the update is stored, and only then does Telegram get its 200
//! (anything else and Telegram delivers the update again).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use subtle::ConstantTimeEq;
use teloxide::types::Update;

use super::Telegram;
use crate::conversation::ConversationService;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Text updates are a few KiB; nothing legitimate comes near this.
const MAX_BODY: usize = 256 * 1024;

pub fn routes(tg: Arc<Telegram>, inbox: ConversationService) -> Router {
    Router::new()
        .route(
            "/connectors/telegram/webhook",
            post(move |headers: HeaderMap, body: Bytes| {
                let (tg, inbox) = (tg.clone(), inbox.clone());
                async move { receive(&tg, &inbox, &headers, &body).await }
            }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

async fn receive(
    tg: &Telegram,
    inbox: &ConversationService,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, &'static str) {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(tg.settings.webhook_secret.expose().as_bytes())) {
        return (StatusCode::UNAUTHORIZED, "wrong secret token");
    }
    let update: Update = match serde_json::from_slice(body) {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "not a Telegram update"),
    };
    match tg.accept(inbox, &update).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "Telegram update not stored");
            (StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}
