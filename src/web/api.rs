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
use crate::bus::{DeskChange, DeskEvent, Signal};
use crate::desk::accounts::{NewAccount, NewSession};
use crate::desk::detail::TicketDetail;
use crate::domain::{Role, TicketStatus};
use crate::store::Librarian;

/// The API's routes, registered together with their OpenAPI description (utoipa), so the
/// document served at `/api/openapi.json` cannot drift from what is served.
pub fn routes() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(list_tickets))
        .routes(routes!(ticket_counts))
        .routes(routes!(ticket))
        .routes(routes!(transfer))
        .routes(routes!(list_notes, add_note))
        .routes(routes!(undelivered))
        .routes(routes!(send_again))
        .routes(routes!(account, set_account))
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
    tags((name = "session"), (name = "tickets"), (name = "deliveries"), (name = "patrons"), (name = "librarians"))
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

type ApiResult<T> = Result<T, Error>;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The Set-Cookie value of a new session.
pub fn new_session_cookie(state: &AppState, session: &NewSession) -> String {
    session_cookie(&session.token, &state.public_url, session.max_age_secs)
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
) -> ApiResult<Response> {
    if !same_origin(&headers, &state.public_url) {
        return Err(Error::Forbidden("cross-origin request refused".into()));
    }
    // A session cookie sent along is dropped: login always rotates the session.
    if let Some(old) = super::guard::session_token(&headers) {
        let _ = state.desk.end_session(&old).await;
    }
    let client = super::client_addr::client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let librarian = state
        .desk
        .sign_in(client, &creds.username, &creds.password)
        .await?;
    let session = state.desk.open_session(&librarian).await?;
    Ok((
        [(header::SET_COOKIE, new_session_cookie(&state, &session))],
        Json(SignedIn {
            username: librarian.username,
            role: librarian.role,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204, description = "Signed out"), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn logout(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    state.desk.end_session(&user.token).await?;
    Ok((
        [(header::SET_COOKIE, clear_cookie(&state.public_url))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `open` (the default), `claimed`, `resolved` or `all`.
    pub status: Option<String>,
    /// A channel: `webchat`, `telegram`, `matrix`, `messenger`, `instagram`, `whatsapp`, `vk`.
    pub channel: Option<String>,
    /// The ticket's language (ISO 639-1).
    pub language: Option<String>,
    /// A username; `me` (or `mine`): the caller; `none`: unassigned tickets.
    pub assignee: Option<String>,
    /// Words the patron wrote (any of their messages), or a ticket number; at most 200 characters.
    pub q: Option<String>,
    /// `waiting` (the default: waiting longest first; resolved: latest resolved first; all:
    /// the waiting ones first, then the latest resolved) or `newest`.
    pub sort: Option<String>,
}

impl QueueQuery {
    pub fn filter(&self, me: &str) -> Result<crate::store::TicketFilter, Error> {
        use crate::store::{QueueSort, TicketFilter};
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let status = match given(&self.status).as_deref() {
            None => Some(TicketStatus::Open),
            Some("all") => None,
            Some(s) => Some(s.parse().map_err(|_| {
                Error::BadRequest("status must be open, claimed, resolved or all".into())
            })?),
        };
        let channel = given(&self.channel)
            .map(|c| c.parse::<crate::domain::Channel>())
            .transpose()
            .map_err(|_| Error::BadRequest("no such channel".into()))?;
        let assignee = given(&self.assignee).map(|a| match a.as_str() {
            "me" | "mine" => me.to_string(),
            "none" => String::new(),
            _ => a,
        });
        let sort = match given(&self.sort).as_deref() {
            None | Some("waiting") => QueueSort::Waiting,
            Some("newest") => QueueSort::Newest,
            Some(_) => return Err(Error::BadRequest("sort must be waiting or newest".into())),
        };
        Ok(TicketFilter {
            status,
            channel,
            language: given(&self.language),
            assignee,
            text: given(&self.q),
            sort,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(QueueQuery),
    description = "The queue, filtered; at most 500 tickets. Each carries `question` (the patron's opening question) and `language`.",
    responses((status = 200, body = [crate::store::TicketSummary]), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn list_tickets(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Vec<crate::store::TicketSummary>>> {
    let filter = q.filter(&user.session.librarian.username)?;
    Ok(Json(state.desk.tickets(&filter).await?))
}

#[utoipa::path(get, path = "/api/v1/tickets/counts", tag = "tickets", description = "How many tickets each tab holds; `mine`: claimed by the caller.",
    responses((status = 200, body = crate::store::TicketCounts), (status = 401, body = ApiError)))]
async fn ticket_counts(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<crate::store::TicketCounts>> {
    Ok(Json(state.desk.counts(&user.session.librarian).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TransferBody {
    /// The username of the librarian who takes the ticket (an admin taking over: their own).
    pub to: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "tickets", params(("id" = i64, Path)), request_body = TransferBody,
    description = "Hand a ticket to a colleague, who holds it from now: anyone on an open ticket, its holder or an admin on a claimed one. The patron is told who took the chat.",
    responses((status = 200, body = Done), (status = 400, description = "No such active librarian", body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or resolved", body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn transfer(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TransferBody>,
) -> ApiResult<Json<Done>> {
    state
        .desk
        .transfer(id, &user.session.librarian, &body.to)
        .await?;
    Ok(DONE)
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/notes", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = [crate::store::Note]), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_notes(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<crate::store::Note>>> {
    Ok(Json(state.desk.notes(id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    /// 1 to 4,000 characters; never shown to the patron.
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/notes", tag = "tickets", params(("id" = i64, Path)), request_body = NoteBody,
    responses((status = 201, description = "Added", body = crate::store::Note), (status = 400, description = "Empty, or over 4,000 characters", body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn add_note(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<crate::store::Note>)> {
    let note = state
        .desk
        .add_note(id, &user.session.librarian, &body.text)
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}

#[utoipa::path(get, path = "/api/v1/deliveries", tag = "deliveries", description = "Outgoing messages that did not reach their patron, across every conversation, newest first (at most 200).",
    responses((status = 200, body = [crate::store::Undelivered]), (status = 401, body = ApiError)))]
async fn undelivered(
    State(state): State<AppState>,
    _user: ApiUser,
) -> ApiResult<Json<Vec<crate::store::Undelivered>>> {
    Ok(Json(state.desk.undelivered().await?))
}

#[utoipa::path(post, path = "/api/v1/deliveries/{message_id}/retry", tag = "deliveries", params(("message_id" = i64, Path)),
    description = "Send a message that failed after its retries once more. One the platform refused for good (`undeliverable`) is not sent again.",
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 409, description = "Not a failed delivery", body = ApiError)))]
async fn send_again(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(message_id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    state.desk.send_again(message_id).await?;
    Ok(DONE)
}

#[utoipa::path(get, path = "/api/v1/account", tag = "session", description = "The caller's own settings.",
    responses((status = 200, body = crate::store::Profile), (status = 401, body = ApiError)))]
async fn account(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<crate::store::Profile>> {
    Ok(Json(state.desk.profile(&user.session.librarian).await?))
}

#[utoipa::path(post, path = "/api/v1/account", tag = "session", request_body = crate::store::Profile,
    description = "Set the name patrons see (at most 60 characters; null or empty: \"a librarian\") and whether single-key shortcuts are on.",
    responses((status = 200, body = crate::store::Profile), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn set_account(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<crate::store::Profile>,
) -> ApiResult<Json<crate::store::Profile>> {
    Ok(Json(
        state
            .desk
            .set_profile(
                &user.session.librarian,
                body.display_name.as_deref(),
                body.shortcuts,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDetail), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn ticket(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(state.desk.ticket(id).await?))
}

/// A ticket action that was done.
#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

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

const DONE: Json<Done> = Json(Done { ok: true });

#[utoipa::path(post, path = "/api/v1/tickets/{id}/claim", tag = "tickets", description = "Claim an open ticket.", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn claim(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    state.desk.claim(id, &user.session.librarian).await?;
    Ok(DONE)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/release", tag = "tickets", description = "Give a claimed ticket back to the queue (its holder or an admin).", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    state.desk.release(id, &user.session.librarian).await?;
    Ok(DONE)
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/resolve", tag = "tickets", description = "Resolve a ticket (its holder or an admin; an open one by anyone).", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "Held by someone else, or in the wrong state", body = ApiError)))]
async fn resolve(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    state.desk.resolve(id, &user.session.librarian).await?;
    Ok(DONE)
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyBody {
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/reply", tag = "tickets", params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 202, description = "Queued for the patron's channel", body = ReplyQueued), (status = 400, description = "Empty, or over 10,000 characters", body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn reply(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<(StatusCode, Json<ReplyQueued>)> {
    let message_id = state
        .desk
        .reply(id, &user.session.librarian, &body.text)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ReplyQueued { message_id })))
}

#[utoipa::path(get, path = "/api/v1/events", tag = "tickets", description = "Server-Sent Events: one `data:` line of JSON per change in the queue.",
    responses((status = 200, content_type = "text/event-stream", body = crate::desk::DeskEvent), (status = 401, body = ApiError)))]
async fn events(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(state.desk.bus().subscribe()).filter_map(|heard| {
        let event = match heard {
            Ok(Signal::Desk(event)) => event,
            Ok(Signal::Chat { .. }) => return None,
            // Changes may have been missed (a lagging view, a lost bus connection): the
            // view reads the queue again.
            Ok(Signal::Resync) | Err(_) => DeskEvent {
                kind: DeskChange::Resync,
                ticket_id: 0,
                status: TicketStatus::Open,
            },
        };
        Some(Ok(
            Event::default().data(serde_json::to_string(&event).unwrap_or_default())
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
) -> ApiResult<Json<crate::store::PatronExport>> {
    Ok(Json(
        state
            .desk
            .export_patron(id, &user.session.librarian)
            .await?,
    ))
}

/// Erases the patron of a ticket from every table (the ticket goes too).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/patron", tag = "patrons", params(("id" = i64, Path)),
    responses((status = 200, body = crate::store::Erased), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Admins only", body = ApiError), (status = 404, body = ApiError)))]
async fn erase_patron(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<crate::store::Erased>> {
    Ok(Json(
        state.desk.erase_patron(id, &user.session.librarian).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/librarians", tag = "librarians",
    responses((status = 200, body = [crate::store::Librarian]), (status = 401, body = ApiError), (status = 403, description = "Admins only", body = ApiError)))]
async fn list_librarians(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<Librarian>>> {
    let (librarians, _) = state.desk.librarians(&user.session.librarian).await?;
    Ok(Json(librarians))
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

#[utoipa::path(post, path = "/api/v1/librarians", tag = "librarians", request_body = NewLibrarian,
    responses((status = 201, description = "Created"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 409, description = "The username is taken", body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn add_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewLibrarian>,
) -> ApiResult<StatusCode> {
    let account = NewAccount {
        username: &new.username,
        password: &new.password,
        role: new.role.as_deref(),
        languages: &new.languages,
    };
    state
        .desk
        .create_librarian(&user.session.librarian, account)
        .await?;
    Ok(StatusCode::CREATED)
}

#[utoipa::path(post, path = "/api/v1/librarians/{username}/disable", tag = "librarians", params(("username" = String, Path)),
    responses((status = 204, description = "Disabled and signed out"), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "The last active admin", body = ApiError)))]
async fn disable_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .desk
        .disable_librarian(&user.session.librarian, &username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/librarians/{username}/enable", tag = "librarians", params(("username" = String, Path)),
    responses((status = 204, description = "Can sign in again"), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn enable_librarian(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .desk
        .enable_librarian(&user.session.librarian, &username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

#[utoipa::path(post, path = "/api/v1/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed; every session of the account ends"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    user: ApiUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    let client = super::client_addr::client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let username = &user.session.librarian.username;
    state
        .desk
        .change_password(client, username, &change.current, &change.new)
        .await?;
    Ok((
        [(header::SET_COOKIE, clear_cookie(&state.public_url))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}
