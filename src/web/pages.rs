//! The librarian desk's web pages: server-rendered (minijinja, HTML autoescape), with
//! `desk.js` for live updates and shortcuts. Every form carries the session's CSRF token
//! and must come from our own origin.

use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};

use super::api;
use super::error::{Error, Page};
use super::guard::{PageUser, clear_cookie, same_origin};
use super::{AppState, CSP};
use crate::desk::DeskError;
use crate::desk::accounts::NewAccount;
use crate::desk::rules::{self, Action, Actor};
use crate::domain::{Role, TicketStatus, now_ms};

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    // Templates end in .html, which minijinja autoescapes: patron text is always text.
    for (name, source) in [
        ("chat.html", include_str!("assets/chat.html")),
        ("base.html", include_str!("desk/templates/base.html")),
        ("login.html", include_str!("desk/templates/login.html")),
        ("setup.html", include_str!("desk/templates/setup.html")),
        ("queue.html", include_str!("desk/templates/queue.html")),
        ("ticket.html", include_str!("desk/templates/ticket.html")),
        (
            "librarians.html",
            include_str!("desk/templates/librarians.html"),
        ),
        (
            "deliveries.html",
            include_str!("desk/templates/deliveries.html"),
        ),
    ] {
        env.add_template(name, source)
            .expect("page templates parse");
    }
    env
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/static/desk.css", get(desk_css))
        .route("/desk/static/desk.js", get(desk_js))
        .route("/desk/login", get(login_page).post(login))
        .route("/desk/logout", post(logout))
        .route("/desk/setup", get(setup_page).post(setup))
        .route("/desk/tickets/{id}", get(ticket_page))
        .route("/desk/tickets/{id}/patron-data", get(patron_data))
        .route("/desk/tickets/{id}/erase-patron", post(erase_patron))
        .route("/desk/tickets/{id}/{action}", post(ticket_action))
        .route("/desk/librarians", get(librarians_page).post(add_librarian))
        .route(
            "/desk/librarians/{username}/disable",
            post(disable_librarian),
        )
        .route("/desk/librarians/{username}/enable", post(enable_librarian))
        .route("/desk/password", post(change_password))
        .route("/desk/account", post(set_account))
        .route("/desk/deliveries", get(deliveries_page))
        .route("/desk/deliveries/{message_id}/retry", post(send_again))
}

fn page(state: &AppState, name: &str, ctx: minijinja::Value) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => (
            [
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn desk_css() -> Response {
    static_asset(
        "text/css; charset=utf-8",
        include_str!("desk/static/desk.css"),
    )
}

async fn desk_js() -> Response {
    static_asset(
        "text/javascript; charset=utf-8",
        include_str!("desk/static/desk.js"),
    )
}

#[derive(Serialize)]
struct Me<'a> {
    username: &'a str,
    role: Role,
    /// Whether single-key shortcuts are on (the account page turns them off).
    shortcuts: bool,
}

fn me(user: &PageUser) -> Me<'_> {
    Me {
        username: &user.session.librarian.username,
        role: user.session.librarian.role,
        shortcuts: user.session.shortcuts,
    }
}

/// The refusal for a form without this session's CSRF token, if it lacks it.
fn refuse_form(user: &PageUser, sent_csrf: &str) -> Option<Response> {
    (!crate::auth::same_secret(&user.session.csrf_token, sent_csrf)).then(forbidden)
}

/// As `refuse_form`, and the form is for admins only.
fn refuse_admin_form(user: &PageUser, sent_csrf: &str) -> Option<Response> {
    refuse_form(user, sent_csrf).or_else(|| {
        (!user.session.librarian.role.is_admin())
            .then(|| (StatusCode::FORBIDDEN, "admins only").into_response())
    })
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form expired: reload the page and try again",
    )
        .into_response()
}

/// "12 min", "3 h 5 min", "2 d".
fn waiting_text(since_ms: i64, now: i64) -> String {
    let minutes = ((now - since_ms).max(0) / 60_000) as u64;
    match minutes {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

/// "HH:MM" (UTC) today, else "YYYY-MM-DD HH:MM".
fn time_text(ms: i64, now: i64) -> String {
    let day = crate::store::day_of(ms);
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    let hm = format!("{:02}:{:02}", minutes / 60, minutes % 60);
    if day == crate::store::day_of(now) {
        hm
    } else {
        format!("{day} {hm}")
    }
}

#[derive(Deserialize)]
struct QueuePageQuery {
    status: Option<String>,
    /// Only tickets in this language (ISO 639-1).
    lang: Option<String>,
    /// Words the patron wrote, or a ticket number.
    q: Option<String>,
    channel: Option<String>,
    /// `mine`, `none` (unassigned) or a username.
    assignee: Option<String>,
    /// Set after a patron's data was erased, to say so.
    erased: Option<u8>,
}

/// "resolved 5 min ago" rather than "waiting": what a row's time says in each tab.
fn age_text(t: &crate::store::TicketSummary, now: i64) -> String {
    match (t.status, t.resolved_at) {
        (TicketStatus::Resolved, Some(at)) => format!("resolved {} ago", waiting_text(at, now)),
        _ => waiting_text(t.opened_at, now),
    }
}

async fn queue(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<QueuePageQuery>,
) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(TicketStatus::Open);
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    // The API's reading of the filters; the language is filtered below, after the counts
    // per language are taken.
    let asked = api::QueueQuery {
        status: Some(status.as_str().into()),
        channel: q.channel.clone(),
        language: None,
        assignee: q.assignee.clone(),
        q: q.q.clone(),
        sort: None,
    };
    let filter = match asked.filter(&user.session.librarian.username) {
        Ok(f) => f,
        Err(e) => return failed(e),
    };
    let (all, counts) = match tokio::try_join!(
        state.desk.tickets(&filter),
        state.desk.counts(&user.session.librarian)
    ) {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    // The languages in this tab, with counts, for the language filter.
    let mut languages: Vec<(String, usize)> = Vec::new();
    for t in &all {
        let code = t.lang.clone().unwrap_or_default();
        match languages.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => languages.push((code, 1)),
        }
    }
    languages.sort();
    let wanted = q.lang.as_deref().filter(|l| !l.is_empty());
    let tickets: Vec<_> = all
        .iter()
        .filter(|t| wanted.is_none_or(|w| t.lang.as_deref().unwrap_or_default() == w))
        .collect();
    let language_filter: Vec<minijinja::Value> = languages
        .iter()
        .filter(|(code, _)| !code.is_empty())
        .map(|(code, n)| context! { code => code, name => language_name(code), count => n, current => wanted == Some(code.as_str()) })
        .collect();
    let now = now_ms();
    let reminder = state.desk.settings().unclaimed_reminder_minutes;
    let rows: Vec<minijinja::Value> = tickets
        .iter()
        .map(|t| {
            context! {
                id => t.id,
                channel => t.channel,
                status => t.status,
                opened_at => t.opened_at,
                resolved_at => t.resolved_at,
                opened_at_text => time_text(t.opened_at, now),
                waiting_text => age_text(t, now),
                assignee => t.assignee,
                question => t.question,
                last_message => t.last_message,
                lang => t.lang,
                lang_name => t.lang.as_deref().map(language_name),
                out_of_hours => t.out_of_hours,
                rating => t.rating,
                follows => t.follows,
                overdue => t.status == TicketStatus::Open && now - t.opened_at > i64::from(reminder) * 60_000,
            }
        })
        .collect();
    let channels: Vec<&str> = crate::domain::Channel::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let search = context! {
        q => given(&q.q),
        channel => given(&q.channel),
        assignee => given(&q.assignee),
        lang => wanted,
    };
    page(
        &state,
        "queue.html",
        context! { page => "queue", me => minijinja::Value::from_serialize(me(&user)), csrf => user.session.csrf_token, status, reminder_minutes => reminder, tickets => rows, languages => language_filter, lang_filter => wanted, total => all.len(), counts => minijinja::Value::from_serialize(counts), channels, search, now, notice => q.erased.map(|_| "The patron's data was erased.") },
    )
}

/// A language's name for the desk: "Azerbaijani (az)", or the code refdesk has no name for.
fn language_name(code: &str) -> String {
    match crate::lang::pack_of(code) {
        Some(p) => format!("{} ({code})", p.name),
        None => code.to_string(),
    }
}

/// A failure as a desk page says it: its status and one sentence (internal ones logged).
fn failed(e: impl Into<Error>) -> Response {
    Page::from(e.into()).into_response()
}

async fn ticket_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    ticket_view(&state, &user, id, None).await
}

/// The ticket page; with `refused`, the sentence saying why an action was not done (and
/// its status), shown at the top of the page.
async fn ticket_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    refused: Option<(StatusCode, String)>,
) -> Response {
    let detail = match state.desk.ticket(id).await {
        Ok(d) => d,
        Err(e) => return failed(e),
    };
    let now = now_ms();
    let username = user.session.librarian.username.as_str();
    let is_admin = user.session.librarian.role.is_admin();
    let mine = detail.assignee.as_deref() == Some(username);
    // The buttons offered are the actions the rules would carry out.
    let actor = Actor { username, is_admin };
    let can = |action| {
        matches!(
            rules::decide(detail.status, detail.assignee.as_deref(), action, actor),
            Ok(Some(_))
        )
    };
    let messages: Vec<minijinja::Value> = detail
        .messages
        .iter()
        .map(|m| {
            let failed = m.delivery.as_ref().filter(|d| d.status == "failed" || d.status == "undeliverable");
            context! {
                id => m.id,
                sender => m.from,
                text => m.text,
                time_text => time_text(m.created_at, now),
                created_at => m.created_at,
                lang => m.lang,
                author => m.author,
                delivery_error => failed.map(|d| d.error.clone().unwrap_or_else(|| d.status.clone())),
            }
        })
        .collect();
    let colleagues: Vec<String> = match state.desk.colleagues().await {
        Ok(c) => c.into_iter().filter(|c| c != username).collect(),
        Err(e) => return failed(e),
    };
    let notes: Vec<minijinja::Value> = detail
        .notes
        .iter()
        .map(|n| context! { author => n.author, at => n.at, time_text => time_text(n.at, now), text => n.text })
        .collect();
    let history: Vec<minijinja::Value> = detail
        .history
        .iter()
        .map(|t| context! { id => t.id, status => t.status, opened_at => t.opened_at, opened_at_text => time_text(t.opened_at, now), question => t.question, rating => t.rating, assignee => t.assignee })
        .collect();
    let ticket = context! {
        id => detail.id,
        channel => detail.channel,
        lang => detail.lang,
        lang_name => detail.lang.as_deref().map(language_name),
        status => detail.status,
        assignee => detail.assignee,
        opened_at => detail.opened_at,
        opened_at_text => time_text(detail.opened_at, now),
        waiting_text => waiting_text(detail.opened_at, now),
        question => detail.question,
        rating => detail.rating,
        follows => detail.follows,
        out_of_hours => detail.out_of_hours,
    };
    let (status, error) = match refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    let can_transfer = matches!(
        rules::decide(
            detail.status,
            detail.assignee.as_deref(),
            Action::Transfer,
            actor
        ),
        Ok(Some(_))
    );
    let mut response = page(
        state,
        "ticket.html",
        context! {
            page => "ticket",
            error,
            notes,
            history,
            colleagues,
            can_transfer,
            can_take_over => is_admin && can_transfer && detail.assignee.as_deref().is_some_and(|a| a != username),
            me => minijinja::Value::from_serialize(me(user)),
            csrf => user.session.csrf_token,
            ticket,
            messages,
            suggestions => minijinja::Value::from_serialize(&detail.suggestions),
            why => minijinja::Value::from_serialize(&detail.why),
            canned => minijinja::Value::from_serialize(&state.desk.settings().canned_replies),
            can_claim => can(Action::Claim),
            can_release => can(Action::Release),
            can_resolve => can(Action::Resolve),
            is_admin,
            mine,
        },
    );
    *response.status_mut() = status;
    response
}

/// Everything stored about the ticket's patron, as a JSON download (admins).
async fn patron_data(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    match state.desk.export_patron(id, &user.session.librarian).await {
        Ok(export) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"patron-of-ticket-{id}.json\""),
                ),
            ],
            serde_json::to_string_pretty(&export).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

async fn erase_patron(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = refuse_admin_form(&user, &form.csrf) {
        return refused;
    }
    match state.desk.erase_patron(id, &user.session.librarian).await {
        Ok(_) => Redirect::to("/desk?erased=1").into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    /// For a transfer: the colleague's username.
    #[serde(default)]
    to: String,
}

async fn ticket_action(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = refuse_form(&user, &form.csrf) {
        return refused;
    }
    let l = &user.session.librarian;
    let result = match action.as_str() {
        "claim" => state.desk.claim(id, l).await,
        "release" => state.desk.release(id, l).await,
        "resolve" => state.desk.resolve(id, l).await,
        "reply" => state.desk.reply(id, l, &form.text).await.map(drop),
        "note" => state.desk.add_note(id, l, &form.note).await.map(drop),
        "transfer" => state.desk.transfer(id, l, &form.to).await,
        "take-over" => state.desk.transfer(id, l, &l.username).await,
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    match result {
        Ok(()) if action == "resolve" => Redirect::to("/desk").into_response(),
        Ok(()) => Redirect::to(&format!("/desk/tickets/{id}")).into_response(),
        // A refusal is said on the ticket page itself, which shows what is true now.
        Err(e @ (DeskError::Conflict(_) | DeskError::Invalid(_) | DeskError::AdminsOnly)) => {
            let e = Error::from(e);
            let status = e.status();
            ticket_view(&state, &user, id, Some((status, e.message()))).await
        }
        Err(e) => failed(e),
    }
}

async fn deliveries_page(State(state): State<AppState>, user: PageUser) -> Response {
    deliveries_view(&state, &user, None, None).await
}

async fn deliveries_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let now = now_ms();
    let rows: Vec<minijinja::Value> = match state.desk.undelivered().await {
        Ok(list) => list
            .iter()
            .map(|d| context! { message_id => d.message_id, channel => d.channel, sender => d.sender, status => d.status, error => d.error, attempts => d.attempts, created_at => d.created_at, time_text => time_text(d.created_at, now), ticket_id => d.ticket_id, text => d.text, retryable => d.retryable() })
            .collect(),
        Err(e) => return failed(e),
    };
    page(
        state,
        "deliveries.html",
        context! { page => "deliveries", me => minijinja::Value::from_serialize(me(user)), csrf => user.session.csrf_token, rows, error, notice },
    )
}

async fn send_again(
    State(state): State<AppState>,
    user: PageUser,
    Path(message_id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = refuse_form(&user, &form.csrf) {
        return refused;
    }
    match state.desk.send_again(message_id).await {
        Ok(()) => {
            deliveries_view(&state, &user, None, Some("Queued to be sent again.".into())).await
        }
        Err(e @ DeskError::Conflict(_)) => {
            deliveries_view(&state, &user, Some(e.to_string()), None).await
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct AccountForm {
    csrf: String,
    #[serde(default)]
    display_name: String,
    /// A checkbox: present when ticked.
    shortcuts: Option<String>,
}

async fn set_account(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<AccountForm>,
) -> Response {
    if let Some(refused) = refuse_form(&user, &form.csrf) {
        return refused;
    }
    let l = &user.session.librarian;
    match state
        .desk
        .set_profile(l, Some(&form.display_name), form.shortcuts.is_some())
        .await
    {
        Ok(_) => Redirect::to("/desk/librarians?saved=1").into_response(),
        Err(e @ DeskError::Invalid(_)) => {
            librarians_view(&state, &user, Some(e.to_string()), None).await
        }
        Err(e) => failed(e),
    }
}

async fn login_page(State(state): State<AppState>) -> Response {
    page(&state, "login.html", context! { page => "login" })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers, &state.public_url) {
        return forbidden();
    }
    if let Some(old) = super::guard::session_token(&headers) {
        let _ = state.desk.end_session(&old).await;
    }
    let username = form.username.trim();
    let client = super::client_addr::client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let signed_in = match state.desk.sign_in(client, username, &form.password).await {
        Ok(librarian) => state.desk.open_session(&librarian).await,
        Err(e) => Err(e),
    };
    match signed_in {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                api::new_session_cookie(&state, &session),
            )],
            Redirect::to("/desk"),
        )
            .into_response(),
        Err(e) => {
            let e = Error::from(e);
            let status = e.status();
            let mut r = page(
                &state,
                "login.html",
                context! { page => "login", error => e.message(), username },
            );
            *r.status_mut() = status;
            r
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = refuse_form(&user, &form.csrf) {
        return refused;
    }
    let _ = state.desk.end_session(&user.token).await;
    (
        [(header::SET_COOKIE, clear_cookie(&state.public_url))],
        Redirect::to("/desk/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct SetupQuery {
    token: Option<String>,
}

async fn setup_page(State(state): State<AppState>, Query(q): Query<SetupQuery>) -> Response {
    if !state.desk.needs_setup().await.unwrap_or(false) {
        return Redirect::to("/desk/login").into_response();
    }
    page(
        &state,
        "setup.html",
        context! { page => "setup", token => q.token.unwrap_or_default() },
    )
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    username: String,
    password: String,
    password_confirm: String,
}

async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if !same_origin(&headers, &state.public_url) {
        return forbidden();
    }
    let again = |error: String| {
        let mut r = page(
            &state,
            "setup.html",
            context! { page => "setup", token => form.token.clone(), error },
        );
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r
    };
    let done = state
        .desk
        .complete_setup(
            &form.token,
            form.username.trim(),
            &form.password,
            &form.password_confirm,
        )
        .await;
    match done {
        Ok(()) => Redirect::to("/desk/login").into_response(),
        Err(DeskError::Invalid(why)) => again(why),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
}

async fn librarians_page(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SavedQuery>,
) -> Response {
    let notice = q.saved.map(|_| "Your settings are saved.".to_string());
    librarians_view(&state, &user, None, notice).await
}

/// Admins see and manage every account; everyone sees the form to change their password.
async fn librarians_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let now = now_ms();
    let list: Vec<minijinja::Value> = if user.session.librarian.role.is_admin() {
        match state.desk.librarians(&user.session.librarian).await {
            Ok((l, languages)) => l
                .iter()
                .map(|l| {
                    let langs: Vec<String> = languages
                        .get(&l.username)
                        .map(|ls| ls.iter().map(|c| language_name(c)).collect())
                        .unwrap_or_default();
                    context! { username => l.username, role => l.role, disabled => l.disabled, created_text => time_text(l.created_at, now), languages => langs }
                })
                .collect(),
            Err(e) => return failed(e),
        }
    } else {
        Vec::new()
    };
    let profile = match state.desk.profile(&user.session.librarian).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    page(
        state,
        "librarians.html",
        context! { page => "librarians", me => minijinja::Value::from_serialize(me(user)), csrf => user.session.csrf_token, librarians => list, error, notice, profile => minijinja::Value::from_serialize(profile) },
    )
}

#[derive(Deserialize)]
struct NewLibrarianForm {
    csrf: String,
    username: String,
    password: String,
    role: Option<String>,
    /// Comma- or space-separated ISO 639-1 codes.
    #[serde(default)]
    languages: String,
}

async fn add_librarian(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<NewLibrarianForm>,
) -> Response {
    if let Some(refused) = refuse_admin_form(&user, &form.csrf) {
        return refused;
    }
    let languages: Vec<String> = form
        .languages
        .split([',', ' '])
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect();
    let username = form.username.trim();
    let account = NewAccount {
        username,
        password: &form.password,
        role: form.role.as_deref(),
        languages: &languages,
    };
    match state
        .desk
        .create_librarian(&user.session.librarian, account)
        .await
    {
        Ok(()) => {
            let notice = format!("{username} can now sign in");
            librarians_view(&state, &user, None, Some(notice)).await
        }
        Err(e @ (DeskError::Invalid(_) | DeskError::Conflict(_))) => {
            librarians_view(&state, &user, Some(e.to_string()), None).await
        }
        Err(e) => failed(e),
    }
}

async fn disable_librarian(
    State(state): State<AppState>,
    user: PageUser,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = refuse_admin_form(&user, &form.csrf) {
        return refused;
    }
    match state
        .desk
        .disable_librarian(&user.session.librarian, &username)
        .await
    {
        Err(e @ DeskError::Conflict(_)) => {
            librarians_view(&state, &user, Some(e.to_string()), None).await
        }
        Ok(()) | Err(DeskError::NotFound(_)) => Redirect::to("/desk/librarians").into_response(),
        Err(e) => failed(e),
    }
}

async fn enable_librarian(
    State(state): State<AppState>,
    user: PageUser,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = refuse_admin_form(&user, &form.csrf) {
        return refused;
    }
    match state
        .desk
        .enable_librarian(&user.session.librarian, &username)
        .await
    {
        Ok(()) | Err(DeskError::NotFound(_)) => Redirect::to("/desk/librarians").into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    user: PageUser,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Some(refused) = refuse_form(&user, &form.csrf) {
        return refused;
    }
    let client = super::client_addr::client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let username = &user.session.librarian.username;
    let changed = state
        .desk
        .change_password(client, username, &form.current, &form.new)
        .await;
    match changed {
        Ok(()) => (
            [(header::SET_COOKIE, clear_cookie(&state.public_url))],
            Redirect::to("/desk/login"),
        )
            .into_response(),
        Err(e) => librarians_view(&state, &user, Some(Error::from(e).message()), None).await,
    }
}
