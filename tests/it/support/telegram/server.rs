//! The methods the fake answers.

use super::markup::*;
use super::wire::*;
use super::*;

pub(super) async fn handle(
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

pub(super) fn record(shared: &Shared, method: &str, params: &Map<String, Value>) {
    let body = Value::Object(params.clone());
    shared.state().calls.push((method.to_string(), body));
}

pub(super) async fn get_updates(
    shared: &Shared,
    params: &Map<String, Value>,
) -> Result<Response, ApiErr> {
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

pub(super) async fn send_message(
    shared: &Shared,
    params: Map<String, Value>,
) -> Result<Response, ApiErr> {
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

pub(super) fn other_method(
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

pub(super) fn commands_key(params: &Map<String, Value>) -> (String, String) {
    let scope = match params.get("scope") {
        Some(scope @ Value::Object(_)) => scope.to_string(),
        _ => json!({ "type": "default" }).to_string(),
    };
    let language = str_param(params, "language_code").unwrap_or("").to_string();
    (scope, language)
}
