//! The Bot API's wire format: requests as query, form, multipart or JSON; replies as
//! `{"ok": ..}` JSON.

use super::*;

/// A Bot API error reply.
#[derive(Debug)]
pub(super) struct ApiErr {
    pub(super) code: u16,
    pub(super) description: String,
    pub(super) retry_after: Option<u64>,
}

impl ApiErr {
    pub(super) fn new(code: u16, description: impl Into<String>) -> Self {
        ApiErr {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(super) fn bad(description: impl Into<String>) -> Self {
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

pub(super) fn ok(result: Value) -> Response {
    Json(json!({ "ok": true, "result": result })).into_response()
}

pub(super) fn ok_described(result: Value, description: &str) -> Response {
    Json(json!({ "ok": true, "result": result, "description": description })).into_response()
}

/// Checks the token and method in the path and gathers the parameters (query and body).
pub(super) fn parse_request(
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

pub(super) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
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
pub(super) fn form_value(key: &str, raw: &str) -> Value {
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

pub(super) fn parse_form(query: &str) -> Map<String, Value> {
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

pub(super) fn percent_decode(s: &str, plus_is_space: bool) -> String {
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

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// multipart/form-data (RFC 7578): text parts become parameters; a file part becomes
/// `{"filename": .., "bytes": ..}`.
pub(super) fn parse_multipart(body: &[u8], boundary: &str) -> Result<Map<String, Value>, String> {
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

pub(super) fn int_param(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiErr> {
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

pub(super) fn bool_param(params: &Map<String, Value>, key: &str) -> bool {
    match params.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1"),
        _ => false,
    }
}

pub(super) fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

pub(super) fn chat_id_param(params: &Map<String, Value>) -> Result<i64, ApiErr> {
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
