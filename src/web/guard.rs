//! Who is asking: the librarian session behind a request, and the same-origin check every
//! state-changing request with a session cookie must pass.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use crate::store::DeskSession;

pub const COOKIE: &str = "refdesk_session";

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The cookie that carries a new session.
pub fn session_cookie(token: &str, public_url: &str, max_age_secs: u64) -> String {
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(public_url: &str) -> String {
    session_cookie("", public_url, 0)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => &url[..i + 3 + j],
            None => url,
        },
        None => url,
    }
}

/// The request comes from our own pages: its Origin (or, without one, its Referer) is the
/// public URL's origin. Browsers send Origin on every cross-site POST, so a forged form on
/// another site fails here even before the CSRF token is looked at.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let ours = origin_of(public_url);
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return origin == ours;
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|r| origin_of(r) == ours)
}

async fn resolve(parts: &Parts, state: &AppState) -> Option<(DeskSession, String)> {
    let token = session_token(&parts.headers)?;
    let session = state.desk.session(&token).await.ok()??;
    Some((session, token))
}

/// A signed-in librarian for the JSON API: 401 without a valid session; 403 for a
/// state-changing request from another origin.
pub struct ApiUser {
    pub session: DeskSession,
    /// The session cookie's token (to end the session).
    pub token: String,
}

/// Every error the JSON API answers with.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// What went wrong, for the person who asked.
    pub error: String,
}

pub fn json_error(status: StatusCode, message: &str) -> Response {
    let body = ApiError {
        error: message.to_string(),
    };
    (status, axum::Json(body)).into_response()
}

/// Why a request is not accepted as a librarian's.
enum Refused {
    NoSession,
    CrossOrigin,
}

/// The session behind a request, checking the origin of state-changing ones.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<(DeskSession, String), Refused> {
    let (session, token) = resolve(parts, state).await.ok_or(Refused::NoSession)?;
    if !parts.method.is_safe() && !same_origin(&parts.headers, &state.public_url) {
        return Err(Refused::CrossOrigin);
    }
    Ok((session, token))
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok((session, token)) => Ok(Self { session, token }),
            Err(Refused::NoSession) => Err(json_error(StatusCode::UNAUTHORIZED, "sign in first")),
            Err(Refused::CrossOrigin) => Err(json_error(
                StatusCode::FORBIDDEN,
                "cross-origin request refused",
            )),
        }
    }
}

/// A signed-in librarian for the web pages: unauthenticated visitors go to the login page.
/// Forms additionally carry the session's CSRF token (checked by the handlers).
pub struct PageUser {
    pub session: DeskSession,
    /// The session cookie's token (to end the session).
    pub token: String,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok((session, token)) => Ok(Self { session, token }),
            Err(Refused::NoSession) => Err(Redirect::to("/desk/login").into_response()),
            Err(Refused::CrossOrigin) => {
                Err((StatusCode::FORBIDDEN, "cross-origin request refused").into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://lib.example.edu/desk/x"),
            "https://lib.example.edu"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, "http://a.example"));
        h.insert(header::REFERER, "http://a.example/desk".parse().unwrap());
        assert!(same_origin(&h, "http://a.example"));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h, "http://a.example"));
    }

    #[test]
    fn cookie_attributes() {
        let c = session_cookie("t", "https://x", 60);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(!session_cookie("t", "http://x", 60).contains("Secure"));
    }
}
