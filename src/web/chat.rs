//! The web chat socket (`GET /chat/ws`): one task per connection.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use std::net::IpAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::AppState;
use super::i18n::{self, Strings};
use crate::bus::{Bus, Signal};
use crate::connectors::Connector;
use crate::connectors::webchat::{
    ClientMsg, SOCKET_QUEUE, ServerMsg, WebChat, is_valid_token, new_session_token, patron_key,
};
use crate::conversation::Handled;
use crate::domain::{Channel, Inbound, InboundKind};
use crate::store::Store;

/// Longest patron message accepted, in characters (refused with a message, not cut).
const MAX_TEXT_CHARS: usize = Channel::Webchat.max_message_chars();
const MAX_CLIENT_ID: usize = 100;

#[derive(Deserialize)]
pub struct Params {
    session: Option<String>,
    /// The newest message id the page has; everything after it is replayed.
    after: Option<i64>,
    /// The page's language, when the patron chose it (`?lang=` or the browser's): the
    /// answer engine's language hint for every message on this socket.
    lang: Option<String>,
}

pub async fn socket(
    ws: WebSocketUpgrade,
    Query(params): Query<Params>,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    // A session counts as resumed only when its patron is known: a made-up token of the
    // right shape is a new session like any other.
    let resuming = match params.session.as_deref().filter(|t| is_valid_token(t)) {
        Some(token) => state
            .store
            .patron_known(Channel::Webchat, &patron_key(token))
            .await
            .unwrap_or(false),
        None => false,
    };
    let client = super::client_addr::client_ip(peer.ip(), &headers, &state.trusted_proxies);
    if !resuming && let Err(wait) = state.webchat.start_session(client) {
        let secs = wait.as_secs().max(1).to_string();
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs)],
            "too many new chats from this address: try again shortly",
        )
            .into_response();
    }
    let Some(slot) = state.webchat.open_slot() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "too many open chats: try again shortly",
        )
            .into_response();
    };
    // Small buffers: an idle socket holds little (the defaults reserve 128 KiB to read).
    ws.max_message_size(64 * 1024)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(256 * 1024)
        .on_upgrade(move |socket| async move {
            session(socket, state, params, client).await;
            drop(slot);
        })
}

async fn session(socket: WebSocket, state: AppState, params: Params, client: IpAddr) {
    let lang = params.lang.as_deref().and_then(i18n::supported);
    let strings = Strings::of(lang.unwrap_or(state.library.default_language.as_str()));
    let resumed = params.session.filter(|t| is_valid_token(t));
    let token = resumed.clone().unwrap_or_else(new_session_token);
    let patron = patron_key(&token);
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<ServerMsg>(SOCKET_QUEUE);

    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            let Ok(text) = serde_json::to_string(&msg) else {
                continue;
            };
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
    });

    let _ = tx.send(ServerMsg::Session { session: token }).await;
    let socket_id = state.webchat.register(&patron, tx.clone());
    if resumed.is_some() {
        replay_missed(&state, &patron, params.after.unwrap_or(0), &tx).await;
    }

    let idle = state.webchat.idle_timeout();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(idle, stream.next()).await {
        let text = match frame {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let reply = match serde_json::from_str::<ClientMsg>(&text) {
            Ok(ClientMsg::Message { text, client_id }) => {
                let patron = Patron {
                    key: &patron,
                    client,
                    lang,
                    strings,
                };
                accept(&state, &patron, text, client_id).await
            }
            Err(_) => ServerMsg::Error {
                message: "expected {\"type\":\"message\",\"text\":...,\"client_id\":...}".into(),
            },
        };
        if tx.send(reply).await.is_err() {
            break;
        }
    }
    state.webchat.unregister(&patron, socket_id);
    drop(tx);
    let _ = writer.await;
}

/// Replies the page may not have: everything after the newest id it reports (the page
/// drops ids it already shows, so a generous replay is harmless).
async fn replay_missed(state: &AppState, patron: &str, after: i64, tx: &mpsc::Sender<ServerMsg>) {
    match state
        .store
        .outbound_after(Channel::Webchat, patron, after)
        .await
    {
        Ok(rows) => {
            let mut pushed = Vec::with_capacity(rows.len());
            for r in rows {
                let id = r.id;
                let msg = ServerMsg::Message {
                    id: id.to_string(),
                    from: r.sender,
                    text: r.text.unwrap_or_default(),
                    lang: r.lang,
                    at: Some(r.created_at),
                    name: r.sender_name,
                    prompt: r.prompt,
                };
                // Waits for the writer when the queue is full; stops if the socket is gone.
                if tx.send(msg).await.is_err() {
                    break;
                }
                pushed.push(id);
            }
            mark_pushed(&state.store, &state.webchat, &pushed, false).await;
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot replay web chat messages"),
    }
}

/// Who is writing on this socket.
struct Patron<'a> {
    key: &'a str,
    /// The address the socket came from (IPv6 by /64 when counted).
    client: IpAddr,
    /// The page's language, when the patron chose it.
    lang: Option<&'static str>,
    /// For what the patron is told.
    strings: Strings,
}

async fn accept(
    state: &AppState,
    patron: &Patron<'_>,
    text: String,
    client_id: String,
) -> ServerMsg {
    let text = text.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return ServerMsg::Error {
            message: patron
                .strings
                .get("error_too_long")
                .replace("{max}", &MAX_TEXT_CHARS.to_string()),
        };
    }
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID {
        return ServerMsg::Error {
            message: "client_id must be 1 to 100 characters".into(),
        };
    }
    if state.webchat.take_message(patron.client).is_err() {
        return ServerMsg::Error {
            message: patron.strings.get("error_slow_down").into(),
        };
    }
    let inbound = Inbound {
        channel: Channel::Webchat,
        // Scoped to the session, so one session's ids cannot collide with another's.
        platform_message_id: format!("{}:{client_id}", patron.key),
        patron: patron.key.to_string(),
        text,
        language: patron.lang.map(String::from),
        kind: InboundKind::Text,
    };
    match state.service.handle(inbound).await {
        Ok(Handled::Stored {
            message_id,
            outcome,
            ..
        }) => ServerMsg::Ack {
            client_id,
            id: message_id.to_string(),
            with_librarian: outcome.is_none(),
        },
        Ok(Handled::Limited) => ServerMsg::Error {
            message: patron.strings.get("error_slow_down").into(),
        },
        Ok(Handled::Duplicate | Handled::Blank) => ServerMsg::Ack {
            client_id,
            id: String::new(),
            with_librarian: false,
        },
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "web chat message not stored");
            ServerMsg::Error {
                message: patron.strings.get("error_not_saved").into(),
            }
        }
    }
}

/// With several instances: pushes the web chat messages any instance sends to the sockets
/// open here, reading each from the database (a bus signal carries only its id). After a
/// `Resync` the patrons here get their recent messages again, since some may have been
/// missed; the page drops what it already shows.
pub async fn relay(bus: Bus, store: Store, webchat: Arc<WebChat>, stop: CancellationToken) {
    let mut heard = bus.subscribe();
    loop {
        let signal = tokio::select! {
            s = heard.recv() => s,
            _ = stop.cancelled() => return,
        };
        match signal {
            Ok(Signal::Chat {
                message_id,
                recipient,
            }) => {
                if webchat.is_here(&recipient) {
                    push_stored(&store, &webchat, &recipient, Some(message_id)).await;
                }
            }
            Ok(Signal::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                for patron in webchat.patrons_here() {
                    push_stored(&store, &webchat, &patron, None).await;
                }
            }
            Ok(Signal::Desk(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Pushes stored outgoing messages to the patron's sockets here: one by id, or (`None`)
/// the recent ones.
async fn push_stored(store: &Store, webchat: &WebChat, patron: &str, id: Option<i64>) {
    let rows = match id {
        Some(id) => store
            .outbound_message(Channel::Webchat, patron, id)
            .await
            .map(|row| row.into_iter().collect()),
        None => store.outbound_after(Channel::Webchat, patron, 0).await,
    };
    match rows {
        Ok(rows) => {
            let mut pushed = Vec::with_capacity(rows.len());
            for r in rows {
                let id = r.id;
                let msg = ServerMsg::Message {
                    id: id.to_string(),
                    from: r.sender,
                    text: r.text.unwrap_or_default(),
                    lang: r.lang,
                    at: Some(r.created_at),
                    name: r.sender_name,
                    prompt: r.prompt,
                };
                if webchat.push(patron, &msg) {
                    pushed.push(id);
                }
            }
            // A signal names a row just published; a resync replays what may be older.
            mark_pushed(store, webchat, &pushed, id.is_some()).await;
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot relay web chat messages"),
    }
}

/// Marks what this instance pushed to a page sent (see `Store::mark_pushed`), when the
/// outbox only hands web chat messages on (several instances); otherwise the outbox has
/// marked them itself.
async fn mark_pushed(store: &Store, webchat: &WebChat, message_ids: &[i64], also_pending: bool) {
    if !webchat.hands_on() {
        return;
    }
    if let Err(e) = store
        .mark_pushed(message_ids, also_pending, crate::domain::now_ms())
        .await
    {
        // The page has them; a later replay marks them.
        tracing::warn!(error = %format!("{e:#}"), "cannot mark pushed web chat messages sent");
    }
}
