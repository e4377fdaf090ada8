//! The librarian desk API and pages: logins, roles, tickets, live events, escaping.

use std::time::Duration;

use crate::support::librarian::*;
use crate::support::*;
use futures_util::StreamExt;
use refdesk::domain::TicketStatus;
use refdesk::domain::now_ms;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A patron escalates over the web chat; returns the client and the new ticket's id.
async fn escalate(t: &TestApp, text: &str) -> (ChatClient, i64) {
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send(text, "q1").await;
    let notice = c.next_message(WAIT).await.unwrap();
    assert_eq!(notice["from"], "system");
    let open = t.tickets(TicketStatus::Open).await;
    (c, open.last().unwrap().id)
}

async fn every_route_but_login_needs_a_session(db: Db) {
    let t = spawn_app(db).await;
    let d = DeskClient::new(&t);
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/1",
        "/api/v1/events",
        "/api/v1/librarians",
    ] {
        assert_eq!(
            d.get(path).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for path in [
        "/api/v1/tickets/1/claim",
        "/api/v1/tickets/1/resolve",
        "/api/v1/logout",
    ] {
        assert_eq!(
            d.post(path, json!({})).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let page = d.get("/desk").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/desk/login");
    t.app.shutdown().await;
}

async fn login_sets_a_strict_cookie_and_logout_ends_the_session(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut d = DeskClient::new(&t);
    assert_eq!(
        d.login("ann", "wrong password!!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        d.login("nobody", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = d.login("ann", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("refdesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: no Secure flag"
    );
    assert_eq!(d.get("/api/v1/tickets").await.status(), StatusCode::OK);

    // A second login rotates the session: the old cookie stops working.
    let old = d.cookie.clone();
    d.login("ann", PASSWORD).await;
    assert_ne!(old, d.cookie);
    let mut stale = DeskClient::new(&t);
    stale.cookie = old;
    assert_eq!(
        stale.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        d.post("/api/v1/logout", json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        d.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    t.app.shutdown().await;
}

async fn guessing_is_throttled(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut d = DeskClient::new(&t);
    for _ in 0..5 {
        assert_eq!(
            d.login("ann", "not the password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        d.login("ann", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    t.app.shutdown().await;
}

async fn login_as(t: &TestApp, forwarded_for: &str, name: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(t.http_url("/api/v1/login"))
        .header("Origin", t.http_url(""))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind a trusted proxy: guessing ann's password from one client slows ann's account, but
/// neither bob's account nor another client's sign-in to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_one_account_stops_neither_another_account_nor_another_client() {
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()],
        Vec::new(),
    )
    .await;
    add_librarian(&t, "ann", "librarian").await;
    add_librarian(&t, "bob", "librarian").await;
    let attacker = "203.0.113.66";
    for _ in 0..5 {
        let status = login_as(&t, attacker, "ann", "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login_as(&t, "198.51.100.20", "ann", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessed account waits (seconds), wherever the attempt comes from"
    );
    assert_eq!(
        login_as(&t, attacker, "bob", PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_as(&t, "198.51.100.20", "bob", PASSWORD).await,
        StatusCode::OK
    );
    t.app.shutdown().await;
}

/// Without a trusted proxy the header is the client's own word: a new value each time does
/// not buy new attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_forwarded_for_value_does_not_reset_the_count() {
    // Three a minute (one back every 20 s): the attempts below take well under that.
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.desk.login_limits.per_client_per_minute = 3,
        Vec::new(),
    )
    .await;
    for n in 0..3 {
        let status = login_as(&t, &format!("192.0.2.{n}"), &format!("user{n}"), "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let status = login_as(&t, "192.0.2.250", "someone", "guess").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    t.app.shutdown().await;
}

/// A username no account can have (here 1 MB) is refused before it costs anything or is
/// remembered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_usernames_are_refused_and_not_remembered() {
    let t = spawn_app(Db::Sqlite).await;
    let huge = "u".repeat(1 << 20);
    for n in 0..50 {
        let status = login_as(&t, &format!("192.0.2.{n}"), &huge, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(t.app.desk().throttle_remembered(), (0, 0));
    t.app.shutdown().await;
}

async fn cross_origin_state_changes_are_refused(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut d = DeskClient::new(&t);
    d.login("ann", PASSWORD).await;
    let (_c, id) = escalate(
        &t,
        "Can you recommend a good mystery novel for my book club?",
    )
    .await;
    let evil = d
        .http
        .post(format!("{}/api/v1/tickets/{id}/claim", d.base))
        .header("Origin", "http://evil.example")
        .header("Cookie", d.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let no_origin = d
        .http
        .post(format!("{}/api/v1/tickets/{id}/claim", d.base))
        .header("Cookie", d.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.tickets(TicketStatus::Open).await.len(),
        1,
        "nothing changed"
    );
    t.app.shutdown().await;
}

async fn claim_conflict_reply_and_resolve(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    add_librarian(&t, "bob", "librarian").await;
    let (mut ann, mut bob) = (DeskClient::new(&t), DeskClient::new(&t));
    ann.login("ann", PASSWORD).await;
    bob.login("bob", PASSWORD).await;
    let (mut patron, id) = escalate(
        &t,
        "My professor says an article from 1987 exists but I cannot find it",
    )
    .await;

    let list: Value = ann
        .get("/api/v1/tickets?status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["channel"], "webchat");
    assert!(list[0]["last_message"].as_str().unwrap().contains("1987"));

    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/claim"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    // The patron hears a librarian took the chat (ann has no display name).
    let joined = patron.next_message(WAIT).await.expect("a joined notice");
    assert_eq!(joined["from"], "system");
    assert_eq!(joined["text"], "A librarian has joined the chat.");
    assert_eq!(
        bob.post(&format!("/api/v1/tickets/{id}/claim"), json!({}))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        bob.post(
            &format!("/api/v1/tickets/{id}/reply"),
            json!({"text": "me too"})
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );

    // While claimed, the bot stays silent even for a FAQ question.
    patron.send("how do I renew my books", "q2").await;
    assert!(
        patron
            .next_message(Duration::from_millis(400))
            .await
            .is_none()
    );

    let r = ann
        .post(
            &format!("/api/v1/tickets/{id}/reply"),
            json!({"text": "I found it: it is in JSTOR."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let got = patron
        .next_message(WAIT)
        .await
        .expect("the librarian's reply");
    assert_eq!(got["from"], "librarian");
    assert_eq!(got["text"], "I found it: it is in JSTOR.");

    let detail: Value = ann
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let froms: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["from"].as_str().unwrap())
        .collect();
    assert_eq!(
        froms,
        vec!["patron", "system", "system", "patron", "librarian"]
    );
    assert!(!detail["suggestions"].as_array().unwrap().is_empty());

    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/resolve"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let ended = patron.next_message(WAIT).await.expect("the chat ended");
    assert_eq!(ended["from"], "system");
    assert_eq!(ended["prompt"], "rating");
    // After resolve the bot answers again, in a fresh conversation.
    patron.send("how do I renew my books", "q3").await;
    let bot = patron.next_message(WAIT).await.expect("the bot is back");
    assert_eq!(bot["from"], "bot");
    assert_eq!(bot["text"], faq_answer("renewals"));
    t.app.shutdown().await;
}

async fn desk_forms_need_the_csrf_token(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_c, id) = escalate(&t, "what is the capital of mongolia").await;
    let path = format!("/desk/tickets/{id}/claim");
    let forged = ann
        .req(reqwest::Method::POST, &path)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.tickets(TicketStatus::Open).await.len(), 1);
    let page = ann
        .get(&format!("/desk/tickets/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" content=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let real = ann
        .req(reqwest::Method::POST, &path)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.tickets(TicketStatus::Claimed).await.len(), 1);
    t.app.shutdown().await;
}

async fn release_puts_the_ticket_back(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_c, id) = escalate(&t, "what is the capital of mongolia").await;
    ann.post(&format!("/api/v1/tickets/{id}/claim"), json!({}))
        .await;
    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/release"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let open: Value = ann
        .get("/api/v1/tickets?status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open[0]["assignee"], Value::Null);
    t.app.shutdown().await;
}

async fn events_announce_a_new_ticket(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let events = ann.get("/api/v1/events").await;
    assert_eq!(events.status(), StatusCode::OK);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = events.bytes_stream();
    let (_c, id) = escalate(&t, "what is the capital of mongolia").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !seen.contains("new_ticket") && tokio::time::Instant::now() < deadline {
        if let Ok(Some(Ok(chunk))) =
            tokio::time::timeout(Duration::from_millis(500), stream.next()).await
        {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(
        seen.contains(&format!("\"kind\":\"new_ticket\",\"ticket_id\":{id}")),
        "{seen}"
    );
    t.app.shutdown().await;
}

async fn librarians_cannot_use_admin_routes(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    add_librarian(&t, "root", "admin").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let new = json!({"username": "cat", "password": PASSWORD});
    assert_eq!(
        ann.post("/api/v1/librarians", new.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ann.get("/api/v1/librarians").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ann.post("/api/v1/librarians/root/disable", json!({}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let mut root = DeskClient::new(&t);
    root.login("root", PASSWORD).await;
    assert_eq!(
        root.post("/api/v1/librarians", new).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        root.post("/api/v1/librarians/ann/disable", json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ann.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED,
        "disabling ends sessions"
    );
    let mut cat = DeskClient::new(&t);
    assert_eq!(cat.login("cat", PASSWORD).await.status(), StatusCode::OK);

    // The languages a librarian answers in: checked, stored, shown to admins.
    let bad = json!({"username": "dan", "password": PASSWORD, "languages": ["azerbaijani"]});
    assert_eq!(
        root.post("/api/v1/librarians", bad).await.status(),
        StatusCode::BAD_REQUEST
    );
    let with_languages =
        json!({"username": "dan", "password": PASSWORD, "languages": ["AZ", "ru", "az"]});
    assert_eq!(
        root.post("/api/v1/librarians", with_languages)
            .await
            .status(),
        StatusCode::CREATED
    );
    let languages = t.app.store().librarian_languages().await.unwrap();
    assert_eq!(languages["dan"], ["az", "ru"]);
    let page = root.get("/desk/librarians").await.text().await.unwrap();
    assert!(page.contains("Azerbaijani (az), Russian (ru)"), "{page}");
    t.app.shutdown().await;
}

async fn changing_the_password_ends_every_session(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let (mut one, mut two) = (DeskClient::new(&t), DeskClient::new(&t));
    one.login("ann", PASSWORD).await;
    two.login("ann", PASSWORD).await;
    let r = one
        .post(
            "/api/v1/password",
            json!({"current": PASSWORD, "new": "another long passphrase"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        two.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        one.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        two.login("ann", "another long passphrase").await.status(),
        StatusCode::OK
    );
    t.app.shutdown().await;
}

async fn patron_html_comes_back_inert(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let nasty = "<script>alert(1)</script><img src=x onerror=alert(2)> help me with my thesis defence committee";
    let (_c, id) = escalate(&t, nasty).await;
    let detail: Value = ann
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["messages"][0]["text"], nasty,
        "the API returns the text as a JSON string"
    );
    for path in [format!("/desk/tickets/{id}"), "/desk".to_string()] {
        let page = ann.get(&path).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let html = page.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "{path}: raw script tag");
        assert!(!html.contains("<img src=x"), "{path}: raw img tag");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;"),
            "{path}: escaped text missing"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{path}: escaped text missing"
        );
    }
    t.app.shutdown().await;
}

async fn setup_link_creates_the_first_admin_once(db: Db) {
    let t = spawn_app(db).await;
    let token = refdesk::auth::new_token();
    let store = &t.app.store();
    store
        .add_setup_token(&refdesk::auth::token_hash(&token), now_ms() + 60_000)
        .await
        .unwrap();
    let d = DeskClient::new(&t);
    let form = |tok: &str, name: &str| {
        vec![
            ("token", tok.to_string()),
            ("username", name.to_string()),
            ("password", PASSWORD.into()),
            ("password_confirm", PASSWORD.into()),
        ]
    };
    let bad = d
        .req(reqwest::Method::POST, "/desk/setup")
        .form(&form("wrong", "eve"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let ok = d
        .req(reqwest::Method::POST, "/desk/setup")
        .form(&form(&token, "head"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let again = d
        .req(reqwest::Method::POST, "/desk/setup")
        .form(&form(&token, "eve"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "a setup link works once"
    );
    let all = store.librarians().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].username.as_str(), all[0].role.as_str()),
        ("head", "admin")
    );
    t.app.shutdown().await;
}

/// Admins (only) export and erase a ticket's patron from the desk; the last active admin
/// cannot be disabled, and a disabled account can be enabled again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_export_and_erase_a_patron_and_the_last_admin_stays() {
    let t = spawn_app(Db::Sqlite).await;
    add_librarian(&t, "ann", "librarian").await;
    add_librarian(&t, "root", "admin").await;
    let (_patron, id) = escalate(&t, "Do you hold the 1962 drainage committee minutes?").await;
    let (_other, other_id) = escalate(&t, "what is the capital of mongolia").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let mut root = DeskClient::new(&t);
    root.login("root", PASSWORD).await;
    let path = format!("/api/v1/tickets/{id}/patron");
    assert_eq!(ann.get(&path).await.status(), StatusCode::FORBIDDEN);
    let delete = |d: &DeskClient| d.req(reqwest::Method::DELETE, &path).send();
    assert_eq!(delete(&ann).await.unwrap().status(), StatusCode::FORBIDDEN);

    let export: Value = root.get(&path).await.json().await.unwrap();
    assert_eq!(export["channel"], "webchat");
    let text = export.to_string();
    assert!(
        text.contains("drainage committee") && !text.contains("mongolia"),
        "{text}"
    );
    let page = root.get(&format!("/desk/tickets/{id}/patron-data")).await;
    assert!(
        page.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );

    let erased = delete(&root).await.unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    let erased: Value = erased.json().await.unwrap();
    assert_eq!(erased["tickets"], 1);
    assert_eq!(root.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        root.get(&format!("/api/v1/tickets/{other_id}"))
            .await
            .status(),
        StatusCode::OK,
        "the other patron's ticket stays"
    );

    let refused = root
        .post("/api/v1/librarians/root/disable", json!({}))
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("last active admin")
    );
    assert_eq!(root.get("/api/v1/tickets").await.status(), StatusCode::OK);
    assert_eq!(
        root.post("/api/v1/librarians/ann/disable", json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ann.login("ann", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        root.post("/api/v1/librarians/ann/enable", json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(ann.login("ann", PASSWORD).await.status(), StatusCode::OK);
    t.app.shutdown().await;
}

/// The OpenAPI document is made from the routes themselves: every documented operation
/// exists and answers in the one error shape; unknown routes and malformed bodies, paths and
/// queries answer in it too, with axum's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes_and_errors_are_json() {
    let t = spawn_app(Db::Sqlite).await;
    let d = DeskClient::new(&t);
    let doc: Value = d.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 14, "{:?}", paths.keys());
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
    let mut operations = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            assert!(
                op["responses"].as_object().unwrap().len() >= 2,
                "{method} {path}"
            );
            let url = path.replace("{id}", "1").replace("{username}", "ann");
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let r = d
                .req(method.clone(), &url)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let expected = if path == "/api/v1/login" {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(status, expected, "{method} {path}: {body}");
            assert!(body["error"].is_string(), "{method} {path}: {body}");
        }
    }
    assert!(operations >= 16);

    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let checks = [
        (
            ann.req(reqwest::Method::GET, "/api/v1/nothing-here"),
            StatusCode::NOT_FOUND,
        ),
        (
            ann.req(reqwest::Method::GET, "/api/v1/tickets/not-a-number"),
            StatusCode::BAD_REQUEST,
        ),
        (
            ann.req(reqwest::Method::POST, "/api/v1/tickets/1/reply")
                .body("text"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            ann.req(reqwest::Method::POST, "/api/v1/tickets/1/reply")
                .header("Content-Type", "application/json")
                .body("{oops"),
            StatusCode::BAD_REQUEST,
        ),
        (
            ann.req(reqwest::Method::POST, "/api/v1/tickets/1/reply")
                .json(&json!({"txt": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (request, expected) in checks {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), expected);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].is_string(), "{body}");
    }
    t.app.shutdown().await;
}

/// Two admins disabling each other at the same moment: one wins, one is refused, and an
/// active admin is left.
async fn the_last_two_admins_cannot_disable_each_other_at_once(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ada", "admin").await;
    add_librarian(&t, "bea", "admin").await;
    let store = &t.app.store();
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            store.disable_librarian("ada"),
            store.disable_librarian("bea")
        );
        let mut outcomes = [a.unwrap(), b.unwrap()];
        outcomes.sort_by_key(|o| format!("{o:?}"));
        assert_eq!(
            outcomes,
            [
                refdesk::store::Disabling::Disabled,
                refdesk::store::Disabling::LastAdmin
            ]
        );
        assert!(store.enable_librarian("ada").await.unwrap());
        assert!(store.enable_librarian("bea").await.unwrap());
    }
    t.app.shutdown().await;
}

on_both_databases!(
    the_last_two_admins_cannot_disable_each_other_at_once,
    every_route_but_login_needs_a_session,
    login_sets_a_strict_cookie_and_logout_ends_the_session,
    guessing_is_throttled,
    cross_origin_state_changes_are_refused,
    claim_conflict_reply_and_resolve,
    release_puts_the_ticket_back,
    desk_forms_need_the_csrf_token,
    events_announce_a_new_ticket,
    librarians_cannot_use_admin_routes,
    changing_the_password_ends_every_session,
    patron_html_comes_back_inert,
    setup_link_creates_the_first_admin_once,
);
