//! `GET|POST /connectors/meta/webhook`. GET answers Meta's subscription handshake. POST
//! checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body, keyed with the app secret)
//! before reading anything, stores each message once, then answers 200; a body that was
//! not stored gets a 5xx so Meta delivers it again.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::Meta;
use super::events::messages;
use crate::conversation::ConversationService;

const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// Meta batches events; a full batch of text messages stays well under this.
const MAX_BODY: usize = 1024 * 1024;

pub fn routes(meta: Arc<Meta>, inbox: ConversationService) -> Router {
    let verify_meta = meta.clone();
    Router::new()
        .route(
            "/connectors/meta/webhook",
            get(move |query: Query<HashMap<String, String>>| {
                let meta = verify_meta.clone();
                async move { verify(&meta, &query) }
            })
            .post(move |headers: HeaderMap, body: Bytes| {
                let (meta, inbox) = (meta.clone(), inbox.clone());
                async move { receive(&meta, &inbox, &headers, &body).await }
            }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// The subscription handshake: echo `hub.challenge` when `hub.verify_token` is ours.
fn verify(meta: &Meta, query: &HashMap<String, String>) -> Response {
    let token = query.get("hub.verify_token").map(String::as_bytes);
    let ours = meta.settings.verify_token.expose().as_bytes();
    match (
        query.get("hub.mode").map(String::as_str),
        token,
        query.get("hub.challenge"),
    ) {
        (Some("subscribe"), Some(token), Some(challenge)) if bool::from(token.ct_eq(ours)) => {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => (StatusCode::FORBIDDEN, "verification failed").into_response(),
    }
}

/// The `X-Hub-Signature-256` value Meta sends for `body`: `sha256=<hex HMAC-SHA256>`.
pub fn signature_header(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is `sha256=<hex of HMAC-SHA256(secret, body)>`, compared in constant time.
pub fn signature_valid(secret: &[u8], body: &[u8], header: Option<&[u8]>) -> bool {
    let Some(hex) = header.and_then(|h| h.strip_prefix(b"sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    bool::from(expected.as_slice().ct_eq(&given))
}

async fn receive(
    meta: &Meta,
    inbox: &ConversationService,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let header = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes());
    if !signature_valid(meta.settings.app_secret.expose().as_bytes(), body, header) {
        return (StatusCode::FORBIDDEN, "bad signature").into_response();
    }
    let inbound = match messages(body) {
        Ok(m) => m,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    for msg in inbound {
        if !meta.channels.contains(&msg.channel) {
            tracing::warn!(channel = %msg.channel, "a message for a channel without a token was dropped");
            continue;
        }
        if let Err(e) = inbox.handle(msg).await {
            tracing::error!(error = %format!("{e:#}"), "Meta message not stored");
            // Meta redelivers; what was stored already is dropped as a duplicate then.
            return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
        }
    }
    (StatusCode::OK, "EVENT_RECEIVED").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_over_the_raw_bytes() {
        let body = "{\"text\":\"¿Dónde está la biblioteca? 图书馆\"}".as_bytes();
        // RFC 4231, test case 2: the header is a plain HMAC-SHA256 of the bytes.
        assert_eq!(
            signature_header(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let header = signature_header(b"s3cret", body);
        let hex = header.trim_start_matches("sha256=").to_string();
        assert!(signature_valid(b"s3cret", body, Some(header.as_bytes())));
        assert!(!signature_valid(b"other", body, Some(header.as_bytes())));
        let mut changed = body.to_vec();
        changed[3] ^= 1;
        assert!(!signature_valid(
            b"s3cret",
            &changed,
            Some(header.as_bytes())
        ));
        assert!(!signature_valid(b"s3cret", body, None));
        assert!(!signature_valid(b"s3cret", body, Some(hex.as_bytes())));
        assert!(!signature_valid(b"s3cret", body, Some(b"sha256=zz")));
    }
}
