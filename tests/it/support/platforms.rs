//! Loopback stand-ins for Meta's Graph API send endpoints and VK's `messages.send`, speaking
//! their documented JSON, plus the webhook signature Meta puts on what it posts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::tls::{TestCa, TlsCounts};

pub const PAGE_TOKEN: &str = "EAAGpage-token";
pub const WA_TOKEN: &str = "EAAGwhatsapp-token";
pub const WA_PHONE_ID: &str = "109876543210";
pub const VK_TOKEN: &str = "vk1.a.community-token";

/// One message a platform accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub recipient: String,
    pub text: String,
    /// The whole request: JSON for Graph, the form fields for VK.
    pub body: Value,
}

#[derive(Default)]
struct Log {
    delivered: Vec<Delivered>,
    /// VK's random_ids seen, with the message id each produced (VK drops a repeat).
    vk_random_ids: Vec<(String, i64)>,
}

#[derive(Clone)]
pub struct FakePlatforms {
    pub graph_url: String,
    pub vk_url: String,
    log: Arc<Mutex<Log>>,
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}})),
    )
        .into_response()
}

async fn me_messages(
    State(log): State<Arc<Mutex<Log>>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    // The Graph API takes the token as `access_token` or as a bearer header.
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = bearer.or(query.get("access_token").map(String::as_str));
    if token != Some(PAGE_TOKEN) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let (Some(recipient), Some(text)) = (
        body["recipient"]["id"].as_str(),
        body["message"]["text"].as_str(),
    ) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "(#100) The parameter recipient is required",
        );
    };
    if text.chars().count() > 2000 {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "(#100) Length of param message[text] must be less than or equal to 2000",
        );
    }
    let mut log = log.lock().unwrap();
    log.delivered.push(Delivered {
        recipient: recipient.to_string(),
        text: text.to_string(),
        body: body.clone(),
    });
    let n = log.delivered.len();
    Json(json!({"recipient_id": recipient, "message_id": format!("m_{n}")})).into_response()
}

async fn whatsapp_messages(
    State(log): State<Arc<Mutex<Log>>>,
    Path(phone_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Bearer {WA_TOKEN}") || phone_id != WA_PHONE_ID {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token.");
    }
    let (Some(to), Some(text)) = (body["to"].as_str(), body["text"]["body"].as_str()) else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    };
    if body["messaging_product"] != "whatsapp" || text.chars().count() > 4096 {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    }
    let mut log = log.lock().unwrap();
    log.delivered.push(Delivered {
        recipient: to.to_string(),
        text: text.to_string(),
        body: body.clone(),
    });
    let n = log.delivered.len();
    Json(
        json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": format!("wamid.OUT{n}")}]}),
    )
    .into_response()
}

async fn vk_send(
    State(log): State<Arc<Mutex<Log>>>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let error = |code: i64, msg: &str| {
        Json(json!({"error": {"error_code": code, "error_msg": msg, "request_params": []}}))
            .into_response()
    };
    if form.get("access_token").map(String::as_str) != Some(VK_TOKEN) {
        return error(5, "User authorization failed: invalid access_token (4).");
    }
    if form.get("v").map(String::as_str) != Some("5.199") {
        return error(8, "Invalid request: v is required");
    }
    let (Some(peer), Some(text), Some(random_id)) = (
        form.get("peer_id"),
        form.get("message"),
        form.get("random_id"),
    ) else {
        return error(
            100,
            "One of the parameters specified was missing or invalid",
        );
    };
    if text.chars().count() > 4096 {
        return error(914, "Message is too long");
    }
    let mut log = log.lock().unwrap();
    // VK's documented idempotency: a repeated random_id sends nothing and returns the first id.
    if let Some((_, id)) = log.vk_random_ids.iter().find(|(r, _)| r == random_id) {
        return Json(json!({"response": id})).into_response();
    }
    log.delivered.push(Delivered {
        recipient: peer.clone(),
        text: text.clone(),
        body: json!(form),
    });
    let id = log.delivered.len() as i64;
    log.vk_random_ids.push((random_id.clone(), id));
    Json(json!({"response": id})).into_response()
}

impl FakePlatforms {
    fn router(log: Arc<Mutex<Log>>) -> Router {
        Router::new()
            .route("/graph/v21.0/me/messages", post(me_messages))
            .route("/graph/v21.0/{phone_id}/messages", post(whatsapp_messages))
            .route("/vk/method/messages.send", post(vk_send))
            .with_state(log)
    }

    fn at(base: &str, log: Arc<Mutex<Log>>) -> Self {
        Self {
            graph_url: format!("{base}/graph/v21.0"),
            vk_url: format!("{base}/vk"),
            log,
        }
    }

    pub async fn start() -> Self {
        let log = Arc::new(Mutex::new(Log::default()));
        let app = Self::router(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self::at(&format!("http://{addr}"), log)
    }

    /// The same platforms over HTTPS, with a certificate from `ca`.
    pub async fn start_over_tls(ca: &TestCa) -> (Self, Arc<TlsCounts>) {
        let log = Arc::new(Mutex::new(Log::default()));
        let (base, counts) = ca.serve(Self::router(log.clone())).await;
        (Self::at(&base, log), counts)
    }

    pub fn delivered_to(&self, recipient: &str) -> Vec<Delivered> {
        let log = self.log.lock().unwrap();
        log.delivered
            .iter()
            .filter(|d| d.recipient == recipient)
            .cloned()
            .collect()
    }

    pub async fn wait_for(&self, recipient: &str, n: usize) -> Vec<Delivered> {
        let start = std::time::Instant::now();
        loop {
            let got = self.delivered_to(recipient);
            if got.len() >= n || start.elapsed() > super::WAIT {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// `X-Hub-Signature-256` for `body` under `secret`.
pub fn meta_signature(secret: &str, body: &[u8]) -> String {
    refdesk::connectors::meta::signature_header(secret.as_bytes(), body)
}

/// A Messenger (`object` "page") or Instagram webhook body with one text message.
pub fn messenger_text(object: &str, sender: &str, mid: &str, text: &str) -> Value {
    json!({"object": object, "entry": [{"id": "PAGE_ID", "time": 1_700_000_000_000_i64, "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": "PAGE_ID"}, "timestamp": 1_700_000_000_000_i64,
        "message": {"mid": mid, "text": text}}]}]})
}

/// A WhatsApp Cloud API webhook body with one text message.
pub fn whatsapp_text(from: &str, id: &str, text: &str) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA_ID", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100", "phone_number_id": WA_PHONE_ID},
        "contacts": [{"profile": {"name": "Pat"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": "1700000000", "type": "text", "text": {"body": text}}]}}]}]})
}

/// A VK Callback API `message_new` event.
pub fn vk_message(group_id: i64, secret: &str, peer: i64, id: i64, text: &str) -> Value {
    json!({"type": "message_new", "event_id": format!("ev{peer}x{id}"), "v": "5.199", "group_id": group_id,
        "secret": secret, "object": {"message": {"date": 1_700_000_000, "from_id": peer, "id": id,
        "out": 0, "peer_id": peer, "text": text, "conversation_message_id": id, "attachments": [],
        "fwd_messages": [], "important": false, "is_hidden": false},
        "client_info": {"button_actions": ["text"], "keyboard": true, "inline_keyboard": true, "carousel": true, "lang_id": 3}}})
}
