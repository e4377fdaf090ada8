//! The librarian JSON API under `/api/v1`, described by the OpenAPI document it serves at
//! `/api/openapi.json`.

use std::convert::Infallible;
use std::time::Duration;

use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::api_extract::{ApiJson, ApiPath, ApiQuery};
use super::error::Error;
use super::guard::{ApiError, ApiUser, clear_cookie, json_error, same_origin, session_cookie};
use crate::auth;
use crate::domain::{Role, TicketStatus, now_ms};
use crate::store::{Disabling, Librarian, TicketRefusal};

/// The API's routes, registered together with their OpenAPI description (utoipa), so the
/// document served at `/api/openapi.json` cannot drift from what is served.
pub fn routes() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(list_tickets))
        .routes(routes!(ticket))
        .routes(routes!(claim))
        .routes(routes!(reply))
        .routes(routes!(resolve))
        .routes(routes!(release))
        .routes(routes!(export_patron, erase_patron))
        .routes(routes!(events))
        .routes(routes!(list_librarians, add_librarian))
        .routes(routes!(disable_librarian))
        .routes(routes!(enable_librarian))
        .routes(routes!(change_password))
        .split_for_parts();
    let doc: Arc<str> = doc.to_pretty_json().unwrap_or_default().into();
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        doc.to_string(),
                    )
                }
            }),
        )
        // Anything else under /api is an unknown route, in the API's error shape.
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { json_error(StatusCode::NOT_FOUND, "no such route") }),
        )
        .method_not_allowed_fallback(|| async {
            json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "this route does not take that method",
            )
        })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "refdesk desk API",
        description = "The librarian desk's JSON API. Sign in with POST /api/v1/login: the answer sets the `refdesk_session` cookie, which every other route needs (401 without). State-changing requests must carry an `Origin` header of refdesk's public address (403 otherwise). Every error is `{\"error\": \"...\"}`. Times are milliseconds since the Unix epoch."
    ),
    modifiers(&SessionCookie),
    security(("session" = [])),
    tags((name = "session"), (name = "tickets"), (name = "patrons"), (name = "librarians"))
)]
struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::guard::COOKIE))),
        );
    }
}

fn internal(e: anyhow::Error) -> Response {
    Error::from(e).into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Verifies credentials under the sign-in limits; the librarian on success, else the response.
pub async fn check_login(
    state: &AppState,
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    creds: &Credentials,
) -> Result<Librarian, (StatusCode, String)> {
    let refused = || {
        (
            StatusCode::UNAUTHORIZED,
            "wrong username or password".to_string(),
        )
    };
    // No account has such a name: refused before any work, and before it can be a key.
    if auth::check_username(&creds.username).is_err() {
        return Err(refused());
    }
    let client = super::client_addr::client_ip(peer, headers, &state.trusted_proxies);
    if let Err(wait) = state.throttle.attempt(client, &creds.username) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many sign-in attempts: try again in {} s",
                wait.as_secs().max(1)
            ),
        ));
    }
    let found = state
        .store
        .librarian_for_login(&creds.username)
        .await
        .map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), "login lookup failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".to_string(),
            )
        })?;
    let (hash, librarian) = match &found {
        Some((l, h)) => (h.clone(), Some(l.clone())),
        None => (auth::dummy_hash().to_string(), None),
    };
    let password = creds.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match librarian {
        Some(l) if ok && !l.disabled => Ok(l),
        _ => Err(refused()),
    }
}

/// Starts a fresh session (a new token at every login) and returns its Set-Cookie value.
pub async fn open_session(state: &AppState, librarian: &Librarian) -> anyhow::Result<String> {
    let token = auth::new_token();
    let hours = u64::from(state.desk_settings.session_hours.max(1));
    let now = now_ms();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            librarian.id,
            &auth::new_token(),
            now,
            now + hours as i64 * 3_600_000,
        )
        .await?;
    Ok(session_cookie(&token, &state.public_url, hours * 3600))
}

#[utoipa::path(post, path = "/api/v1/login", tag = "session", security(()), request_body = Credentials,
    responses((status = 200, description = "Signed in; the session cookie is set", body = SignedIn),
        (status = 400, body = ApiError), (status = 401, description = "Wrong username or password", body = ApiError),
        (status = 403, description = "From another origin", body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError),
        (status = 429, description = "Too many attempts from this client or for this account", body = ApiError)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ApiJson(creds): ApiJson<Credentials>,
) -> Response {
    if !same_origin(&headers, &state.public_url) {
        return json_error(StatusCode::FORBIDDEN, "cross-origin request refused");
    }
    // A session cookie sent along is dropped: login always rotates the session.
    if let Some(old) = super::guard::session_token(&headers) {
        let _ = state.store.delete_session(&auth::token_hash(&old)).await;
    }
    match check_login(&state, peer.ip(), &headers, &creds).await {
        Ok(librarian) => match open_session(&state, &librarian).await {
            Ok(cookie) => (
                [(header::SET_COOKIE, cookie)],
                Json(SignedIn {
                    username: librarian.username,
                    role: librarian.role,
                }),
            )
                .into_response(),
            Err(e) => internal(e),
        },
        Err((status, message)) => json_error(status, &message),
    }
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204, description = "Signed out"), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn logout(State(state): State<AppState>, user: ApiUser) -> Response {
    match state.store.delete_session(&user.token_hash).await {
        Ok(()) => (
            [(header::SET_COOKIE, clear_cookie(&state.public_url))],
            StatusCode::NO_CONTENT,
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct StatusFilter {
    /// `open` (the default), `claimed` or `resolved`.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(StatusFilter),
    responses((status = 200, body = [crate::store::TicketSummary]), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn list_tickets(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(f): ApiQuery<StatusFilter>,
) -> Response {
    let status = match f
        .status
        .as_deref()
        .unwrap_or("open")
        .parse::<TicketStatus>()
    {
        Ok(s) => s,
        Err(why) => return json_error(StatusCode::BAD_REQUEST, &why),
    };
    match state.store.ticket_summaries(status).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub from: String,
    pub text: Option<String>,
    pub created_at: i64,
    /// The language it is written in, when known.
    pub lang: Option<String>,
    /// For outgoing messages: `pending`, `sent`, `failed` or `undeliverable`, and why.
    pub delivery: Option<Delivery>,
}

#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub status: String,
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestion {
    pub id: String,
    /// The language of the entry's text (the patron's, else the default language).
    pub lang: String,
    pub question: String,
    pub answer: String,
    pub score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    pub id: i64,
    pub channel: String,
    /// The language of the patron's latest message whose language is known.
    pub lang: Option<String>,
    pub status: TicketStatus,
    pub opened_at: i64,
    pub assignee: Option<String>,
    pub note: Option<String>,
    pub messages: Vec<MessageView>,
    /// The FAQ entries closest to the patron's latest question.
    pub suggestions: Vec<Suggestion>,
    /// Why the bot did not answer the latest question itself, as the engine sees it now.
    pub why: Option<WhyNotAnswered>,
}

/// The engine's reasons for a question it did not answer, for the librarian.
#[derive(Serialize, ToSchema)]
pub struct WhyNotAnswered {
    /// One sentence a librarian can read at a glance.
    pub summary: String,
    pub confidence: f32,
    pub threshold: f32,
    pub estimated_precision: f32,
    /// The best entry's id, if any entry matched.
    pub best: Option<String>,
    /// The engine's own account: terms, scores, the rule that decided.
    #[schema(value_type = Object)]
    pub explanation: crate::answer::Explanation,
}

impl WhyNotAnswered {
    fn of(answer: &crate::answer::Answer) -> Option<Self> {
        use crate::answer::{Outcome, Reason};
        if !matches!(answer.outcome, Outcome::Escalate | Outcome::Handoff) {
            return None;
        }
        let e = &answer.explanation;
        let best = answer.candidates.first().map(|c| c.id.clone());
        let unknown: Vec<&str> = e
            .terms
            .iter()
            .filter(|t| t.unknown)
            .map(|t| t.term.as_str())
            .collect();
        let summary = match e.reason {
            Reason::AskedForPerson => "The patron asked for a person.".to_string(),
            Reason::PersonalCase => "It reads as the patron's own case (details, their own story or a complaint), which a person should settle.".to_string(),
            Reason::CatalogueMiss => "A catalogue question with no record matching well enough.".to_string(),
            Reason::NoMatch => "No FAQ entry shares a word with the question.".to_string(),
            _ => {
                let mut s = format!(
                    "The closest entry ({}) scored {:.2}, below the threshold {:.2} that keeps automatic answers right {:.0}% of the time.",
                    best.as_deref().unwrap_or("none"),
                    answer.confidence,
                    e.threshold,
                    e.target_precision * 100.0
                );
                if !unknown.is_empty() {
                    s.push_str(&format!(" Words the FAQ never uses: {}.", unknown.join(", ")));
                }
                s
            }
        };
        Some(Self {
            summary,
            confidence: (answer.confidence * 1000.0).round() / 1000.0,
            threshold: e.threshold,
            estimated_precision: e.estimated_precision,
            best,
            explanation: e.clone(),
        })
    }
}

pub async fn ticket_detail(state: &AppState, id: i64) -> anyhow::Result<Option<TicketDetail>> {
    let Some(target) = state.store.ticket_target(id).await? else {
        return Ok(None);
    };
    let deliveries = state.store.deliveries(target.conversation_id).await?;
    let messages: Vec<MessageView> = state
        .store
        .conversation_messages(target.conversation_id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            delivery: deliveries.iter().find(|d| d.0 == m.id).map(|d| Delivery {
                status: d.1.clone(),
                error: d.2.clone(),
            }),
            id: m.id,
            from: m.sender,
            text: m.text,
            created_at: m.created_at,
            lang: m.lang,
        })
        .collect();
    let last_patron = messages.iter().rev().find(|m| m.from == "patron");
    let lang = messages
        .iter()
        .rev()
        .filter(|m| m.from == "patron")
        .find_map(|m| m.lang.clone());
    let question = last_patron.and_then(|m| m.text.clone());
    // The engine on a blocking thread: a long question never holds up the runtime.
    let (answer, suggestions) = match question {
        Some(q) => {
            let (engine, lang) = (state.engine.load_full(), lang.clone());
            tokio::task::spawn_blocking(move || {
                let answer = engine.answer_explained(&q, lang.as_deref());
                let offered = suggestions(&engine, &q, &answer);
                (Some(answer), offered)
            })
            .await?
        }
        None => (None, Vec::new()),
    };
    let why = answer.as_ref().and_then(WhyNotAnswered::of);
    Ok(Some(TicketDetail {
        id,
        channel: target.channel.to_string(),
        lang,
        status: target.status,
        opened_at: target.opened_at,
        assignee: target.assignee,
        note: target.note,
        messages,
        suggestions,
        why,
    }))
}

/// FAQ entries a librarian may send: the best of the patron's language's and of the default
/// language's (an entry missing in the patron's language is still offered), each in the
/// patron's language where it is translated.
fn suggestions(
    engine: &crate::answer::AnswerEngine,
    question: &str,
    answer: &crate::answer::Answer,
) -> Vec<Suggestion> {
    let default = engine.faq().default_lang.clone();
    let mut candidates = answer.candidates.clone();
    if answer.lang != default {
        candidates.extend(engine.candidates_in(question, &default));
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    let mut seen = Vec::new();
    candidates
        .into_iter()
        .filter(|c| {
            let fresh = !seen.contains(&c.id);
            seen.push(c.id.clone());
            fresh
        })
        .take(3)
        .filter_map(|c| {
            let find = |lang: &str| {
                engine
                    .faq()
                    .entries
                    .iter()
                    .find(|e| e.id == c.id && e.lang == lang)
            };
            let entry = find(&answer.lang).or_else(|| find(&default))?;
            Some(Suggestion {
                id: c.id.clone(),
                lang: entry.lang.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
                score: c.score,
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDetail), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn ticket(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    match ticket_detail(&state, id).await {
        Ok(Some(t)) => Json(t).into_response(),
        Ok(None) => json_error(StatusCode::NOT_FOUND, "no such ticket"),
        Err(e) => internal(e),
    }
}

/// A ticket action that was done.
#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// A reply accepted for delivery through the outbox.
#[derive(Serialize, ToSchema)]
pub struct ReplyQueued {
    pub message_id: i64,
}

/// Who signed in.
#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    pub username: String,
    pub role: Role,
}

fn ok_or(result: anyhow::Result<Result<(), TicketRefusal>>) -> Response {
    match result {
        Ok(Ok(())) => Json(Done { ok: true }).into_response(),
        Ok(Err(r)) => Error::from(r).into_response(),
        Err(e) => internal(e),
    }
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/claim", tag = "tickets", description = "Claim an open ticket.", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn claim(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    ok_or(state.desk.claim(id, &user.session.librarian.username).await)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/release", tag = "tickets", description = "Give a claimed ticket back to the queue (its holder or an admin).", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    let l = &user.session.librarian;
    ok_or(state.desk.release(id, &l.username, l.role.is_admin()).await)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/resolve", tag = "tickets", description = "Resolve a ticket (its holder or an admin; an open one by anyone).", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn resolve(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    let l = &user.session.librarian;
    ok_or(state.desk.resolve(id, &l.username, l.role.is_admin()).await)
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyBody {
    pub text: String,
}

/// Longest librarian reply; connectors split long texts per platform.
pub const MAX_REPLY_CHARS: usize = 10_000;

#[utoipa::path(post, path = "/api/v1/tickets/{id}/reply", tag = "tickets", params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 202, description = "Queued for the patron's channel", body = ReplyQueued), (status = 400, description = "Empty, or over 10,000 characters", body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn reply(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Response {
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_REPLY_CHARS {
        return json_error(
            StatusCode::BAD_REQUEST,
            "a reply needs 1 to 10000 characters",
        );
    }
    match state
        .desk
        .reply(id, &user.session.librarian.username, text)
        .await
    {
        Ok(Ok(message_id)) => {
            (StatusCode::ACCEPTED, Json(ReplyQueued { message_id })).into_response()
        }
        Ok(Err(r)) => Error::from(r).into_response(),
        Err(e) => internal(e),
    }
}

#[utoipa::path(get, path = "/api/v1/events", tag = "tickets", description = "Server-Sent Events: one `data:` line of JSON per change in the queue.",
    responses((status = 200, content_type = "text/event-stream", body = crate::desk::DeskEvent), (status = 401, body = ApiError)))]
async fn events(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(state.desk.events().subscribe()).filter_map(|e| {
        // A lagging view misses events; it re-reads the queue on the next one anyway.
        let e = e.ok()?;
        Some(Ok(
            Event::default().data(serde_json::to_string(&e).unwrap_or_default())
        ))
    });
    // The stream ends at shutdown, or graceful shutdown would wait for it forever.
    let stream =
        futures_util::StreamExt::take_until(stream, state.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Everything stored about the patron of a ticket, for an admin answering a patron's
/// request to see their data.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/patron", tag = "patrons", params(("id" = i64, Path)),
    responses((status = 200, body = crate::store::PatronExport), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Admins only", body = ApiError), (status = 404, body = ApiError)))]
async fn export_patron(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match patron_export(&state, id).await {
        Ok(Some(export)) => Json(export).into_response(),
        Ok(None) => json_error(StatusCode::NOT_FOUND, "no such ticket"),
        Err(e) => internal(e),
    }
}

pub async fn patron_export(
    state: &AppState,
    ticket_id: i64,
) -> anyhow::Result<Option<crate::store::PatronExport>> {
    match state.store.patron_of_ticket(ticket_id).await? {
        Some(who) => state.store.export_patron(&who).await,
        None => Ok(None),
    }
}

/// Erases the patron of a ticket from every table (the ticket goes too).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/patron", tag = "patrons", params(("id" = i64, Path)),
    responses((status = 200, body = crate::store::Erased), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Admins only", body = ApiError), (status = 404, body = ApiError)))]
async fn erase_patron(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match patron_erase(&state, id, &user.session.librarian.username).await {
        Ok(Some(erased)) => Json(erased).into_response(),
        Ok(None) => json_error(StatusCode::NOT_FOUND, "no such ticket"),
        Err(e) => internal(e),
    }
}

pub async fn patron_erase(
    state: &AppState,
    ticket_id: i64,
    admin: &str,
) -> anyhow::Result<Option<crate::store::Erased>> {
    let Some(who) = state.store.patron_of_ticket(ticket_id).await? else {
        return Ok(None);
    };
    let erased = state.store.erase_patron(&who).await?;
    if erased.is_some() {
        // Who erased, and how much: never whose data it was.
        tracing::info!(admin, channel = %who.channel, "a patron's data was erased");
    }
    Ok(erased)
}

fn refuse_non_admin(user: &ApiUser) -> Option<Response> {
    (!user.session.librarian.role.is_admin())
        .then(|| json_error(StatusCode::FORBIDDEN, "admins only"))
}

#[utoipa::path(get, path = "/api/v1/librarians", tag = "librarians",
    responses((status = 200, body = [crate::store::Librarian]), (status = 401, body = ApiError), (status = 403, description = "Admins only", body = ApiError)))]
async fn list_librarians(State(state): State<AppState>, user: ApiUser) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match state.store.librarians().await {
        Ok(l) => Json(l).into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewLibrarian {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub role: Option<String>,
    /// The languages the librarian answers in, as ISO 639-1 codes; none: any.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// Creates an account after checking its fields; the error is for the person who asked.
pub async fn create_librarian(
    state: &AppState,
    new: &NewLibrarian,
) -> Result<anyhow::Result<bool>, String> {
    auth::check_username(&new.username)?;
    auth::check_new_password(&new.password)?;
    let languages = crate::lang::check_codes(&new.languages)?;
    let role: Role = new.role.as_deref().unwrap_or("librarian").parse()?;
    let password = new.password.clone();
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        _ => return Ok(Err(anyhow::anyhow!("hashing failed"))),
    };
    let created = state
        .store
        .add_librarian(&new.username, &hash, role, now_ms())
        .await;
    if matches!(created, Ok(true))
        && !languages.is_empty()
        && let Err(e) = state
            .store
            .set_librarian_languages(&new.username, &languages)
            .await
    {
        return Ok(Err(e));
    }
    Ok(created)
}

#[utoipa::path(post, path = "/api/v1/librarians", tag = "librarians", request_body = NewLibrarian,
    responses((status = 201, description = "Created"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 409, description = "The username is taken", body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn add_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewLibrarian>,
) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match create_librarian(&state, &new).await {
        Err(message) => json_error(StatusCode::BAD_REQUEST, &message),
        Ok(Ok(true)) => StatusCode::CREATED.into_response(),
        Ok(Ok(false)) => json_error(StatusCode::CONFLICT, "that username is taken"),
        Ok(Err(e)) => internal(e),
    }
}

#[utoipa::path(post, path = "/api/v1/librarians/{username}/disable", tag = "librarians", params(("username" = String, Path)),
    responses((status = 204, description = "Disabled and signed out"), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "The last active admin", body = ApiError)))]
async fn disable_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(username): ApiPath<String>,
) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match state.store.disable_librarian(&username).await {
        Ok(Disabling::Disabled) => StatusCode::NO_CONTENT.into_response(),
        Ok(Disabling::NoSuchLibrarian) => json_error(StatusCode::NOT_FOUND, "no such librarian"),
        Ok(Disabling::LastAdmin) => json_error(StatusCode::CONFLICT, LAST_ADMIN),
        Err(e) => internal(e),
    }
}

/// Why the last active admin cannot be disabled.
pub const LAST_ADMIN: &str = "the last active admin cannot be disabled: make another admin first";

#[utoipa::path(post, path = "/api/v1/librarians/{username}/enable", tag = "librarians", params(("username" = String, Path)),
    responses((status = 204, description = "Can sign in again"), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn enable_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(username): ApiPath<String>,
) -> Response {
    if let Some(r) = refuse_non_admin(&user) {
        return r;
    }
    match state.store.enable_librarian(&username).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => json_error(StatusCode::NOT_FOUND, "no such librarian"),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Checks the current password and sets the new one; every session of the account ends.
pub async fn change_own_password(
    state: &AppState,
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    username: &str,
    change: &PasswordChange,
) -> Result<(), (StatusCode, String)> {
    auth::check_new_password(&change.new).map_err(|m| (StatusCode::BAD_REQUEST, m))?;
    let creds = Credentials {
        username: username.to_string(),
        password: change.current.clone(),
    };
    let librarian = check_login(state, peer, headers, &creds).await?;
    let new = change.new.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "hashing failed".to_string(),
            )
        })?
        .map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "hashing failed".to_string(),
            )
        })?;
    state
        .store
        .set_password(librarian.id, &hash)
        .await
        .map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".to_string(),
            )
        })
}

#[utoipa::path(post, path = "/api/v1/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed; every session of the account ends"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    user: ApiUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Response {
    let username = &user.session.librarian.username;
    match change_own_password(&state, peer.ip(), &headers, username, &change).await {
        Ok(()) => (
            [(header::SET_COOKIE, clear_cookie(&state.public_url))],
            StatusCode::NO_CONTENT,
        )
            .into_response(),
        Err((status, message)) => json_error(status, &message),
    }
}

#[cfg(test)]
mod why_tests {
    use super::WhyNotAnswered;
    use crate::answer::{AnswerEngine, AnswerSettings};

    fn engine() -> AnswerEngine {
        let faq = crate::faq::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("faq"),
            "en",
        )
        .unwrap();
        AnswerEngine::new(faq, AnswerSettings::default()).unwrap()
    }

    #[test]
    fn a_librarian_is_told_why_the_bot_did_not_answer() {
        let engine = engine();
        let own = engine.answer_explained(
            "I was charged twice for the same lost book, £30 each time",
            None,
        );
        let why = WhyNotAnswered::of(&own).expect("escalated");
        assert!(why.summary.contains("own case"), "{}", why.summary);

        let vague = engine.answer_explained(
            "tell me about the zeppelin archive of the old observatory",
            None,
        );
        let why = WhyNotAnswered::of(&vague).expect("escalated");
        assert!(
            why.summary.contains("below the threshold") || why.summary.contains("No FAQ entry"),
            "{}",
            why.summary
        );
        assert!(
            why.summary.contains("zeppelin") || why.best.is_none(),
            "{}",
            why.summary
        );

        let answered = engine.answer_explained("how do I renew my books", None);
        assert!(WhyNotAnswered::of(&answered).is_none());
    }
}

#[cfg(test)]
mod language_tests {
    use crate::lang::check_codes as check_languages;

    #[test]
    fn librarian_languages_are_two_letter_codes() {
        let codes =
            |l: &[&str]| check_languages(&l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(codes(&["AZ", " ru", "az", ""]).unwrap(), ["az", "ru"]);
        assert!(codes(&["azerbaijani"]).is_err());
        assert!(codes(&["a1"]).is_err());
        assert!(codes(&["xx"; 17]).is_err());
    }
}
