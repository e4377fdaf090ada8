//! A loopback fake of the Telegram Bot API (<https://core.telegram.org/bots/api>). The
//! connector's teloxide client is pointed at `base_url`; the fake answers
//! `{base}/bot{TOKEN}/{method}` with the documented JSON and records what it was asked.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

/// The fake bot's user id (`getMe`, `from` of its messages).
pub const BOT_ID: i64 = 777_000_111;
/// The fake bot's first name.
pub const BOT_FIRST_NAME: &str = "Library Bot";
/// Telegram's limit on a message's text, in UTF-16 code units after markup is parsed.
pub const MAX_TEXT_UTF16: usize = 4096;
const FIRST_UPDATE_ID: i64 = 1000;
const WEBHOOK_CONFLICT: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
/// The methods the fake knows (Telegram matches method names case-insensitively).
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendChatAction",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "logOut",
    "close",
];

/// One `sendMessage` request.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    /// The `text` parameter exactly as sent (markup included).
    pub text: String,
    pub parse_mode: Option<String>,
    /// When the fake handled it (after any stall).
    pub at: Instant,
    /// What the chat shows: markup stripped, entities decoded, trimmed.
    pub plain: String,
}

/// The fake Bot API server; clones share it.
#[derive(Clone)]
pub struct FakeTelegram {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    shared: Arc<Shared>,
}

struct Shared {
    token: String,
    bot_username: String,
    state: Mutex<FakeState>,
    /// Bumped on every queued update, to wake long polls.
    updates: watch::Sender<u64>,
    stalled: watch::Sender<bool>,
}

#[derive(Default)]
struct FakeState {
    next_update_id: i64,
    /// Unconfirmed updates, in update_id order.
    queue: Vec<Queued>,
    confirmed_offset: i64,
    /// The parameters of the setWebhook call in force.
    webhook: Option<Map<String, Value>>,
    /// setMyCommands lists by (scope, language_code).
    commands: HashMap<(String, String), Value>,
    sent: Vec<Sent>,
    rejected: Vec<Sent>,
    reject_left: usize,
    reject_secs: u64,
    message_ids: HashMap<i64, i64>,
    calls: Vec<(String, Value)>,
}

struct Queued {
    id: i64,
    update: Value,
    /// Pushed raw below the confirmed offset: delivered once anyway (a redelivery).
    redeliver: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bot_user(&self) -> Value {
        json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        })
    }
}

impl FakeState {
    fn queue(&mut self, id: i64, update: Value, redeliver: bool) {
        let at = self.queue.partition_point(|q| q.id <= id);
        self.queue.insert(
            at,
            Queued {
                id,
                update,
                redeliver,
            },
        );
    }

    fn alloc_update_id(&mut self) -> i64 {
        let id = self.next_update_id;
        self.next_update_id = self.next_update_id.saturating_add(1);
        id
    }

    /// Confirms (forgets) what `offset` confirms, then returns up to `limit` updates.
    fn take_batch(&mut self, offset: i64, limit: usize) -> Vec<Value> {
        if offset < 0 {
            // Documented: the last -offset updates are kept, all before them forgotten.
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            let forget = self.queue.len().saturating_sub(keep);
            if forget > 0 {
                let last = self.queue[forget - 1].id;
                self.confirmed_offset = self.confirmed_offset.max(last.saturating_add(1));
                self.queue.drain(..forget);
            }
        } else if offset > 0 {
            self.queue.retain(|q| q.id >= offset || q.redeliver);
            self.confirmed_offset = self.confirmed_offset.max(offset);
        }
        self.queue
            .iter_mut()
            .take(limit)
            .map(|q| {
                q.redeliver = false;
                q.update.clone()
            })
            .collect()
    }
}

impl FakeTelegram {
    /// Starts the fake; `bot_username` is what getMe reports (bot id 777000111, is_bot true, first_name "Library Bot").
    pub async fn start(token: &str, bot_username: &str) -> FakeTelegram {
        let shared = Self::shared(token, bot_username);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Telegram on 127.0.0.1:0");
        let addr = listener.local_addr().expect("the fake Telegram's address");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            base_url: format!("http://{addr}"),
            shared,
        }
    }

    /// The same fake over HTTPS, with a certificate from `ca`.
    pub async fn start_over_tls(
        token: &str,
        bot_username: &str,
        ca: &super::tls::TestCa,
    ) -> (FakeTelegram, Arc<super::tls::TlsCounts>) {
        let shared = Self::shared(token, bot_username);
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (base_url, counts) = ca.serve(app).await;
        let fake = FakeTelegram { base_url, shared };
        (fake, counts)
    }

    fn shared(token: &str, bot_username: &str) -> Arc<Shared> {
        Arc::new(Shared {
            token: token.to_string(),
            bot_username: bot_username.to_string(),
            state: Mutex::new(FakeState {
                next_update_id: FIRST_UPDATE_ID,
                ..FakeState::default()
            }),
            updates: watch::channel(0).0,
            stalled: watch::channel(false).0,
        })
    }

    /// Queues an update (a JSON object WITHOUT update_id); assigns the next update_id (starting at 1000, increasing by 1) and returns it.
    pub fn push_update(&self, update_without_id: Value) -> i64 {
        let mut update = update_without_id;
        assert!(update.is_object(), "push_update wants a JSON object");
        let id = {
            let mut st = self.shared.state();
            let id = st.alloc_update_id();
            update["update_id"] = json!(id);
            st.queue(id, update, false);
            id
        };
        self.shared.updates.send_modify(|n| *n += 1);
        id
    }

    /// Builds the JSON of a `message` update from a private chat (chat.id == from.id == user_id,
    /// chat.type "private", from.first_name "Pat", date now); without update_id. Commands
    /// and @mentions in `text` get their entities, as Telegram adds them.
    pub fn private_text(user_id: i64, message_id: i64, text: &str, language_code: &str) -> Value {
        let mut msg = private_message(user_id, message_id, language_code);
        msg["text"] = json!(text);
        let entities = auto_entities(text);
        if !entities.is_empty() {
            msg["entities"] = Value::Array(entities);
        }
        json!({ "message": msg })
    }

    /// Same, but a group message: chat {id: chat_id (negative), type "group", title "Study group"},
    /// from user_id. `entities: None` adds the command/mention entities Telegram would;
    /// `Some(array)` is used as given (`Some(json!([]))` for none).
    pub fn group_text(
        chat_id: i64,
        user_id: i64,
        message_id: i64,
        text: &str,
        entities: Option<Value>,
        reply_to: Option<Value>,
    ) -> Value {
        let mut msg = json!({
            "message_id": message_id,
            "from": { "id": user_id, "is_bot": false, "first_name": "Pat" },
            "chat": chat_json(chat_id),
            "date": unix_now(),
            "text": text,
        });
        let entities = entities.unwrap_or_else(|| Value::Array(auto_entities(text)));
        if entities.as_array().is_none_or(|a| !a.is_empty()) {
            msg["entities"] = entities;
        }
        if let Some(reply) = reply_to {
            msg["reply_to_message"] = reply;
        }
        json!({ "message": msg })
    }

    /// A private message with a sticker instead of text (a documented Sticker object).
    pub fn private_sticker(user_id: i64, message_id: i64) -> Value {
        let mut msg = private_message(user_id, message_id, "en");
        msg["sticker"] = json!({
            "file_id": "CAACAgIAAxkBAAEBfakeStickerFileId",
            "file_unique_id": "AgADfakeSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": false,
            "is_video": false,
            "emoji": "👍",
            "set_name": "LibraryFakes",
            "file_size": 12345,
        });
        json!({ "message": msg })
    }

    /// Every sendMessage request that got a successful reply, in arrival order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.state().sent.clone()
    }

    /// Sent messages for one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        let st = self.shared.state();
        st.sent
            .iter()
            .filter(|s| s.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Waits (polling every 20 ms, up to `wait`) until at least `n` messages were sent to
    /// `chat_id`; returns them (fewer if the wait ran out).
    pub async fn wait_for_sent(&self, chat_id: i64, n: usize, wait: Duration) -> Vec<Sent> {
        let deadline = Instant::now() + wait;
        loop {
            let sent = self.sent_to(chat_id);
            if sent.len() >= n || Instant::now() >= deadline {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The next `n` sendMessage calls get HTTP 429 with retry_after = `secs` (recorded in
    /// `rejected()`, not in `sent()`).
    pub fn reject_next_sends(&self, n: usize, retry_after_secs: u64) {
        let mut st = self.shared.state();
        st.reject_left = n;
        st.reject_secs = retry_after_secs;
    }

    /// The sendMessage calls answered 429, in arrival order.
    pub fn rejected(&self) -> Vec<Sent> {
        self.shared.state().rejected.clone()
    }

    /// While stalled, sendMessage requests are held open and then lost: when the stall ends
    /// they get 502 Bad Gateway and are not recorded, as if they never reached Telegram.
    pub fn stall_sends(&self, on: bool) {
        self.shared.stalled.send_replace(on);
    }

    /// The parameters received for a method (e.g. "setWebhook"), as JSON objects, in order
    /// (sendMessage: every request that got past a stall, failed ones included).
    pub fn calls(&self, method: &str) -> Vec<Value> {
        let st = self.shared.state();
        st.calls
            .iter()
            .filter(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// How many queued updates are not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.shared.state().queue.len()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn chat_json(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({ "id": chat_id, "type": "private", "first_name": "Pat" })
    } else {
        json!({ "id": chat_id, "type": "group", "title": "Study group" })
    }
}

fn private_message(user_id: i64, message_id: i64, language_code: &str) -> Value {
    let mut from = json!({ "id": user_id, "is_bot": false, "first_name": "Pat" });
    if !language_code.is_empty() {
        from["language_code"] = json!(language_code);
    }
    json!({
        "message_id": message_id,
        "from": from,
        "chat": chat_json(user_id),
        "date": unix_now(),
    })
}

/// The bot_command and mention entities Telegram finds in a user's text.
fn auto_entities(text: &str) -> Vec<Value> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut entities = Vec::new();
    let mut offset = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_word = i == 0 || !(word(chars[i - 1]) || matches!(chars[i - 1], '/' | '@'));
        if starts_word && matches!(c, '/' | '@') {
            let mut j = i + 1;
            while j < chars.len() && word(chars[j]) {
                j += 1;
            }
            let name = j - i - 1;
            if c == '/' && (1..=64).contains(&name) {
                // An optional @botname suffix belongs to the command.
                let mut k = j;
                if k < chars.len() && chars[k] == '@' {
                    k += 1;
                    while k < chars.len() && word(chars[k]) {
                        k += 1;
                    }
                    if k - j - 1 < 3 {
                        k = j;
                    }
                }
                j = k;
            }
            let kind = match c {
                '/' if (1..=64).contains(&name) => Some("bot_command"),
                '@' if (4..=32).contains(&name) => Some("mention"),
                _ => None,
            };
            if let Some(kind) = kind {
                let length: usize = chars[i..j].iter().map(|c| c.len_utf16()).sum();
                entities.push(json!({ "offset": offset, "length": length, "type": kind }));
                offset += length;
                i = j;
                continue;
            }
        }
        offset += c.len_utf16();
        i += 1;
    }
    entities
}

// ---- HTTP ----

/// A Bot API error reply.
#[derive(Debug)]
struct ApiErr {
    code: u16,
    description: String,
    retry_after: Option<u64>,
}

impl ApiErr {
    fn new(code: u16, description: impl Into<String>) -> Self {
        ApiErr {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    fn bad(description: impl Into<String>) -> Self {
        ApiErr::new(400, description)
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(secs) = self.retry_after {
            body["parameters"] = json!({ "retry_after": secs });
        }
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(body)).into_response()
    }
}

fn ok(result: Value) -> Response {
    Json(json!({ "ok": true, "result": result })).into_response()
}

fn ok_described(result: Value, description: &str) -> Response {
    Json(json!({ "ok": true, "result": result, "description": description })).into_response()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (method, params) = match parse_request(&shared, &uri, &headers, &body) {
        Ok(request) => request,
        Err(e) => return e.into_response(),
    };
    let reply = match method {
        "sendMessage" => send_message(&shared, params).await,
        "getUpdates" => {
            record(&shared, method, &params);
            get_updates(&shared, &params).await
        }
        _ => {
            record(&shared, method, &params);
            other_method(&shared, method, &params)
        }
    };
    reply.unwrap_or_else(IntoResponse::into_response)
}

fn record(shared: &Shared, method: &str, params: &Map<String, Value>) {
    let body = Value::Object(params.clone());
    shared.state().calls.push((method.to_string(), body));
}

/// Checks the token and method in the path and gathers the parameters (query and body).
fn parse_request(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(&'static str, Map<String, Value>), ApiErr> {
    let not_found = || ApiErr::new(404, "Not Found");
    let path = percent_decode(uri.path(), false);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let [bot, method] = segments.as_slice() else {
        return Err(not_found());
    };
    let token = bot.strip_prefix("bot").ok_or_else(not_found)?;
    if token != shared.token {
        return Err(ApiErr::new(401, "Unauthorized"));
    }
    let method = METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .ok_or_else(not_found)?;
    let mut params = uri.query().map(parse_form).unwrap_or_default();
    params.extend(parse_body(headers, body)?);
    Ok((method, params))
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => Ok(parse_form(&String::from_utf8_lossy(body))),
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .filter(|b| !b.is_empty())
                .ok_or_else(|| ApiErr::bad("Bad Request: multipart body without a boundary"))?;
            parse_multipart(body, &boundary)
                .map_err(|e| ApiErr::bad(format!("Bad Request: can't parse multipart body: {e}")))
        }
        _ => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(params)) => Ok(params),
            Ok(Value::Null) => Ok(Map::new()),
            Ok(_) => Err(ApiErr::bad(
                "Bad Request: the request body must be a JSON object",
            )),
            Err(e) => Err(ApiErr::bad(format!(
                "Bad Request: can't parse JSON body: {e}"
            ))),
        },
    }
}

/// Form and multipart values are text; Telegram reads JSON-serialized ones (arrays,
/// objects, numbers, booleans) by the parameter's type.
fn form_value(key: &str, raw: &str) -> Value {
    const TEXT: &[&str] = &[
        "url",
        "secret_token",
        "ip_address",
        "text",
        "caption",
        "parse_mode",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
    ];
    if TEXT.contains(&key) {
        return Value::String(raw.to_string());
    }
    match serde_json::from_str::<Value>(raw.trim()) {
        Ok(v @ (Value::Array(_) | Value::Object(_) | Value::Bool(_) | Value::Number(_))) => v,
        _ => Value::String(raw.to_string()),
    }
}

fn parse_form(query: &str) -> Map<String, Value> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(k, true);
            let value = form_value(&key, &percent_decode(v, true));
            (key, value)
        })
        .collect()
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// multipart/form-data (RFC 7578): text parts become parameters; a file part becomes
/// `{"filename": .., "bytes": ..}`.
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Map<String, Value>, String> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or("no boundary in the body")?;
    let mut rest = &body[start + delimiter.len()..];
    let mut params = Map::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(params);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a boundary not followed by CRLF")?;
        let end = find(rest, next_delimiter.as_bytes()).ok_or("an unterminated part")?;
        let part = &rest[..end];
        rest = &rest[end + next_delimiter.len()..];
        let (head, content) = match find(part, b"\r\n\r\n") {
            Some(at) => (&part[..at], &part[at + 4..]),
            None if part.ends_with(b"\r\n") => (&part[..part.len() - 2], &part[part.len()..]),
            None => return Err("a part without a header end".into()),
        };
        let head = String::from_utf8_lossy(head);
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for param in value.split(';').skip(1) {
                let Some((k, v)) = param.trim().split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"').to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(v),
                    "filename" => filename = Some(v),
                    _ => {}
                }
            }
        }
        let name = name.ok_or("a part without a name")?;
        let value = match filename {
            Some(file) => json!({ "filename": file, "bytes": content.len() }),
            None => form_value(&name, &String::from_utf8_lossy(content)),
        };
        params.insert(name, value);
    }
}

// ---- parameters ----

fn int_param(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiErr> {
    let wrong = || {
        ApiErr::bad(format!(
            "Bad Request: field \"{key}\" must be of type Integer"
        ))
    };
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(wrong),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| wrong()),
        Some(_) => Err(wrong()),
    }
}

fn bool_param(params: &Map<String, Value>, key: &str) -> bool {
    match params.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1"),
        _ => false,
    }
}

fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn chat_id_param(params: &Map<String, Value>) -> Result<i64, ApiErr> {
    let not_found = || ApiErr::bad("Bad Request: chat not found");
    let id = match params.get("chat_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(not_found)?),
        Some(Value::String(s)) => Some(s.trim().parse::<i64>().map_err(|_| not_found())?),
        Some(_) => return Err(not_found()),
    };
    match id {
        None => Err(ApiErr::bad("Bad Request: chat_id is empty")),
        Some(0) => Err(not_found()),
        Some(id) => Ok(id),
    }
}

// ---- methods ----

async fn get_updates(shared: &Shared, params: &Map<String, Value>) -> Result<Response, ApiErr> {
    let offset = int_param(params, "offset")?.unwrap_or(0);
    let limit = int_param(params, "limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = int_param(params, "timeout")?.unwrap_or(0).clamp(0, 3600) as u64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut changes = shared.updates.subscribe();
    loop {
        {
            let mut st = shared.state();
            if st.webhook.is_some() {
                return Err(ApiErr::new(409, WEBHOOK_CONFLICT));
            }
            let batch = st.take_batch(offset, limit);
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(ok(Value::Array(batch)));
            }
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) | Err(_) => {}
            Ok(Err(_)) => tokio::time::sleep_until(deadline).await,
        }
    }
}

async fn send_message(shared: &Shared, params: Map<String, Value>) -> Result<Response, ApiErr> {
    // Held here while stalled, then lost: as if it never reached Telegram.
    let mut stalled = shared.stalled.subscribe();
    let was_stalled = *stalled.borrow();
    let _ = stalled.wait_for(|on| !*on).await;
    if was_stalled {
        return Ok((
            axum::http::StatusCode::BAD_GATEWAY,
            "the request was lost on the way",
        )
            .into_response());
    }

    let at = Instant::now();
    let body = Value::Object(params.clone());
    let mut st = shared.state();
    st.calls.push(("sendMessage".to_string(), body));
    let chat_id = chat_id_param(&params);
    let text = match params.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let parse_mode = str_param(&params, "parse_mode")
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let formatted = format_text(&text, parse_mode.as_deref());
    let mut sent = Sent {
        chat_id: chat_id.as_ref().copied().unwrap_or(0),
        plain: formatted
            .as_ref()
            .map_or_else(|_| text.clone(), |(plain, _)| plain.clone()),
        text,
        parse_mode,
        at,
    };

    if st.reject_left > 0 {
        st.reject_left -= 1;
        let secs = st.reject_secs;
        st.rejected.push(sent);
        return Err(ApiErr {
            code: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            retry_after: Some(secs),
        });
    }

    let chat_id = chat_id?;
    if sent.text.is_empty() {
        return Err(ApiErr::bad("Bad Request: message text is empty"));
    }
    let (plain, entities) = formatted?;
    if plain.is_empty() {
        return Err(ApiErr::bad("Bad Request: message text is empty"));
    }
    if utf16_len(&plain) > MAX_TEXT_UTF16 {
        return Err(ApiErr::bad("Bad Request: message is too long"));
    }
    let message_id = {
        let next = st.message_ids.entry(chat_id).or_insert(0);
        *next = next.saturating_add(1);
        *next
    };
    let mut message = json!({
        "message_id": message_id,
        "date": unix_now(),
        "chat": chat_json(chat_id),
        "from": shared.bot_user(),
        "text": plain,
    });
    if !entities.is_empty() {
        message["entities"] = Value::Array(entities.iter().map(Entity::to_json).collect());
    }
    sent.plain = plain;
    st.sent.push(sent);
    Ok(ok(message))
}

fn other_method(
    shared: &Shared,
    method: &str,
    params: &Map<String, Value>,
) -> Result<Response, ApiErr> {
    let mut st = shared.state();
    match method {
        "getMe" => {
            let mut me = shared.bot_user();
            me["can_join_groups"] = json!(true);
            me["can_read_all_group_messages"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            me["can_connect_to_business"] = json!(false);
            me["has_main_web_app"] = json!(false);
            Ok(ok(me))
        }
        "setWebhook" => {
            let url = str_param(params, "url").unwrap_or("").trim();
            if let Some(secret) = str_param(params, "secret_token") {
                let allowed = secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if secret.is_empty() || secret.len() > 256 || !allowed {
                    return Err(ApiErr::bad(
                        "Bad Request: secret token contains unallowed characters",
                    ));
                }
            }
            if bool_param(params, "drop_pending_updates") {
                st.queue.clear();
            }
            if url.is_empty() {
                let had = st.webhook.take().is_some();
                let said = if had {
                    "Webhook was deleted"
                } else {
                    "Webhook is already deleted"
                };
                return Ok(ok_described(json!(true), said));
            }
            let lower = url.to_ascii_lowercase();
            // Telegram wants HTTPS; plain http is let through for loopback test servers.
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(ApiErr::bad(
                    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                ));
            }
            let same = st.webhook.as_ref().and_then(|h| h.get("url")) == params.get("url");
            st.webhook = Some(params.clone());
            let said = if same {
                "Webhook is already set"
            } else {
                "Webhook was set"
            };
            Ok(ok_described(json!(true), said))
        }
        "deleteWebhook" => {
            if bool_param(params, "drop_pending_updates") {
                st.queue.clear();
            }
            let said = if st.webhook.take().is_some() {
                "Webhook was deleted"
            } else {
                "Webhook is already deleted"
            };
            Ok(ok_described(json!(true), said))
        }
        "getWebhookInfo" => {
            let mut info = json!({
                "url": "",
                "has_custom_certificate": false,
                "pending_update_count": st.queue.len(),
            });
            if let Some(hook) = &st.webhook {
                info["url"] = hook.get("url").cloned().unwrap_or(json!(""));
                info["max_connections"] = hook.get("max_connections").cloned().unwrap_or(json!(40));
                if let Some(allowed) = hook.get("allowed_updates").filter(|v| v.is_array()) {
                    info["allowed_updates"] = allowed.clone();
                }
            }
            Ok(ok(info))
        }
        "setMyCommands" => {
            let commands = params
                .get("commands")
                .and_then(Value::as_array)
                .ok_or_else(|| ApiErr::bad("Bad Request: parameter \"commands\" is required"))?;
            if commands.len() > 100 {
                return Err(ApiErr::bad("Bad Request: too many commands specified"));
            }
            for c in commands {
                let name = c.get("command").and_then(Value::as_str).unwrap_or("");
                let valid = (1..=32).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !valid {
                    return Err(ApiErr::bad("Bad Request: BOT_COMMAND_INVALID"));
                }
                let description = c.get("description").and_then(Value::as_str).unwrap_or("");
                if !(1..=256).contains(&description.chars().count()) {
                    return Err(ApiErr::bad("Bad Request: command description is empty"));
                }
            }
            let key = commands_key(params);
            st.commands.insert(key, Value::Array(commands.clone()));
            Ok(ok(json!(true)))
        }
        "getMyCommands" => {
            let key = commands_key(params);
            Ok(ok(st.commands.get(&key).cloned().unwrap_or(json!([]))))
        }
        "deleteMyCommands" => {
            let key = commands_key(params);
            st.commands.remove(&key);
            Ok(ok(json!(true)))
        }
        "sendChatAction" => {
            chat_id_param(params)?;
            if str_param(params, "action").is_none_or(str::is_empty) {
                return Err(ApiErr::bad("Bad Request: action is empty"));
            }
            Ok(ok(json!(true)))
        }
        "logOut" | "close" => Ok(ok(json!(true))),
        _ => Err(ApiErr::new(404, "Not Found")),
    }
}

fn commands_key(params: &Map<String, Value>) -> (String, String) {
    let scope = match params.get("scope") {
        Some(scope @ Value::Object(_)) => scope.to_string(),
        _ => json!({ "type": "default" }).to_string(),
    };
    let language = str_param(params, "language_code").unwrap_or("").to_string();
    (scope, language)
}

// ---- message text ----

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A formatting entity of a sent message (offsets in UTF-16 code units).
struct Entity {
    offset: usize,
    length: usize,
    /// `type` and its extra fields (`url`, `language`).
    fields: Map<String, Value>,
}

impl Entity {
    fn to_json(&self) -> Value {
        let mut v = Map::new();
        v.insert("offset".into(), json!(self.offset));
        v.insert("length".into(), json!(self.length));
        v.extend(self.fields.clone());
        Value::Object(v)
    }
}

/// The text Telegram would show, with its entities, or the "can't parse entities" error.
fn format_text(text: &str, parse_mode: Option<&str>) -> Result<(String, Vec<Entity>), ApiErr> {
    let (plain, entities) = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None => (text.to_string(), Vec::new()),
        Some("html") => parse_html(text)
            .map_err(|e| ApiErr::bad(format!("Bad Request: can't parse entities: {e}")))?,
        // Not checked by this fake.
        Some("markdown" | "markdownv2") => (text.to_string(), Vec::new()),
        Some(_) => return Err(ApiErr::bad("Bad Request: unsupported parse_mode")),
    };
    Ok(trim_text(&plain, entities))
}

/// Telegram drops leading and trailing whitespace; entities are clipped to what is left.
fn trim_text(plain: &str, entities: Vec<Entity>) -> (String, Vec<Entity>) {
    let lead: usize = plain
        .chars()
        .take_while(|c| c.is_whitespace())
        .map(char::len_utf16)
        .sum();
    let trimmed = plain.trim();
    let end = lead + utf16_len(trimmed);
    let entities = entities
        .into_iter()
        .filter_map(|e| {
            let from = e.offset.max(lead);
            let to = (e.offset + e.length).min(end);
            (to > from).then(|| Entity {
                offset: from - lead,
                length: to - from,
                fields: e.fields,
            })
        })
        .collect();
    (trimmed.to_string(), entities)
}

const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
];

struct OpenTag {
    name: String,
    /// UTF-16 offset in the output where the tag's content starts.
    start: usize,
    /// The entity's `type` and fields; `None` for a link Telegram would ignore.
    entity: Option<Map<String, Value>>,
    /// `code`: its `language-*` class; `pre`: the language an inner `code` gave.
    language: Option<String>,
}

/// Parses Telegram's HTML style: the allowed tags (balanced), `&lt; &gt; &amp; &quot;` and
/// numeric entities. Returns the plain text and its entities, or an error like Telegram's.
fn parse_html(src: &str) -> Result<(String, Vec<Entity>), String> {
    let tag_name_len = |from: usize| {
        src[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(src.len() - from)
    };
    let mut out = String::with_capacity(src.len());
    let mut len16 = 0usize;
    let mut open: Vec<OpenTag> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while let Some(c) = src[i..].chars().next() {
        if c == '&' {
            let (ch, used) = decode_entity(&src[i..]).ok_or_else(|| {
                format!("Character '&' at byte offset {i} must be escaped as \"&amp;\"")
            })?;
            out.push(ch);
            len16 += ch.len_utf16();
            i += used;
        } else if c == '<' && src[i..].starts_with("</") {
            let name_at = i + 2;
            let name_end = name_at + tag_name_len(name_at);
            let name = src[name_at..name_end].to_ascii_lowercase();
            let close = skip_space(src, name_end);
            if !src[close..].starts_with('>') {
                return Err(format!("Unclosed end tag at byte offset {i}"));
            }
            let Some(tag) = open.pop() else {
                return Err(format!("Unexpected end tag at byte offset {i}"));
            };
            if tag.name != name {
                return Err(format!(
                    "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                    tag.name
                ));
            }
            close_tag(tag, len16, &mut open, &mut entities);
            i = close + 1;
        } else if c == '<' {
            let name_at = i + 1;
            let name_end = name_at + tag_name_len(name_at);
            let name = src[name_at..name_end].to_ascii_lowercase();
            if !HTML_TAGS.contains(&name.as_str()) {
                return Err(format!(
                    "Unsupported start tag \"{name}\" at byte offset {i}"
                ));
            }
            let (attrs, after) = parse_attributes(src, name_end)
                .ok_or_else(|| format!("Unclosed start tag at byte offset {i}"))?;
            open.push(open_tag(name, &attrs, len16, i)?);
            i = after;
        } else {
            out.push(c);
            len16 += c.len_utf16();
            i += c.len_utf8();
        }
    }
    if let Some(tag) = open.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            tag.name
        ));
    }
    entities.sort_by_key(|e: &Entity| (e.offset, Reverse(e.length)));
    Ok((out, entities))
}

fn skip_space(src: &str, from: usize) -> usize {
    from + src[from..]
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(src.len() - from)
}

/// A start tag's attributes (from after its name to its `>`); `None` if it never closes.
fn parse_attributes(src: &str, from: usize) -> Option<(Vec<(String, String)>, usize)> {
    let mut attrs = Vec::new();
    let mut j = from;
    loop {
        j = skip_space(src, j);
        let rest = &src[j..];
        if rest.is_empty() {
            return None;
        }
        if rest.starts_with('>') {
            return Some((attrs, j + 1));
        }
        let n = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
            .unwrap_or(rest.len())
            .max(1);
        let name = rest[..n].to_ascii_lowercase();
        j = skip_space(src, j + n);
        let mut value = String::new();
        if src[j..].starts_with('=') {
            j = skip_space(src, j + 1);
            let rest = &src[j..];
            match rest.chars().next()? {
                q @ ('"' | '\'') => {
                    let len = rest[1..].find(q)?;
                    value = decode_lenient(&rest[1..1 + len]);
                    j += len + 2;
                }
                _ => {
                    let len = rest
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(rest.len());
                    value = decode_lenient(&rest[..len]);
                    j += len;
                }
            }
        }
        attrs.push((name, value));
    }
}

fn open_tag(
    name: String,
    attrs: &[(String, String)],
    start: usize,
    at: usize,
) -> Result<OpenTag, String> {
    let attr = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut entity = Map::new();
    let kind = match name.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" => "spoiler",
        "span" if attr("class") == Some("tg-spoiler") => "spoiler",
        "span" => {
            return Err(format!(
                "Tag \"span\" must have class \"tg-spoiler\" at byte offset {at}"
            ));
        }
        "a" => {
            let href = attr("href").ok_or_else(|| {
                format!("Tag \"a\" must have attribute \"href\" at byte offset {at}")
            })?;
            match link_url(href) {
                Some(url) => {
                    entity.insert("url".into(), json!(url));
                    "text_link"
                }
                None => "",
            }
        }
        "code" => "code",
        "pre" => "pre",
        "blockquote" if attr("expandable").is_some() => "expandable_blockquote",
        "blockquote" => "blockquote",
        _ => {
            return Err(format!(
                "Unsupported start tag \"{name}\" at byte offset {at}"
            ));
        }
    };
    let language = attr("class")
        .and_then(|c| c.strip_prefix("language-"))
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    let entity = (!kind.is_empty()).then(|| {
        entity.insert("type".into(), json!(kind));
        entity
    });
    Ok(OpenTag {
        name,
        start,
        entity,
        language: if kind == "code" { language } else { None },
    })
}

fn close_tag(tag: OpenTag, end: usize, open: &mut [OpenTag], entities: &mut Vec<Entity>) {
    if tag.name == "code" {
        // <pre><code class="language-x"> is one pre entity with a language.
        if let Some(pre) = open.last_mut().filter(|t| t.name == "pre") {
            if tag.language.is_some() {
                pre.language = tag.language;
            }
            return;
        }
    }
    let Some(mut fields) = tag.entity else {
        return;
    };
    if let Some(language) = tag.language.filter(|_| tag.name == "pre") {
        fields.insert("language".into(), json!(language));
    }
    if end > tag.start {
        entities.push(Entity {
            offset: tag.start,
            length: end - tag.start,
            fields,
        });
    }
}

/// The URL Telegram would keep for `href`; `None` for one it drops.
fn link_url(href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.contains(char::is_whitespace) {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    let schemes = ["http://", "https://", "tg://", "ton://", "mailto:"];
    if schemes.iter().any(|s| lower.starts_with(s)) {
        Some(href.to_string())
    } else if !lower.contains("://") && href.contains('.') {
        Some(format!("http://{href}"))
    } else {
        None
    }
}

/// `&lt;`, `&gt;`, `&amp;`, `&quot;` or `&#NN;`/`&#xHH;` at the start of `s`: the
/// character and the bytes used.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.find(';')?;
    let name = s.get(1..end)?;
    let ch = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                    number.parse().ok()?
                }
                _ => return None,
            };
            char::from_u32(code).filter(|c| *c != '\0')?
        }
    };
    Some((ch, end + 1))
}

/// Attribute values: entities decoded where they are entities, other `&` kept.
fn decode_lenient(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if c == '&'
            && let Some((ch, used)) = decode_entity(&s[i..])
        {
            out.push(ch);
            i += used;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}
