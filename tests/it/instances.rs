//! Several instances on one PostgreSQL: a patron on one, a librarian on another, and each
//! hears what the other did, through the database (LISTEN/NOTIFY), even after the listening
//! connection is cut.

use std::time::Duration;

use futures_util::StreamExt;
use refdesk::domain::TicketStatus;

use crate::support::librarian::{DeskClient, PASSWORD, add_librarian};
use crate::support::*;

/// Another instance on `t`'s database, with its own address.
async fn another_instance(t: &TestApp) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = t.settings.clone();
    let app = refdesk::app::start(&settings, Vec::new())
        .await
        .expect("a second instance starts");
    TestApp::new(app, dir, settings)
}

/// Reads a desk's event stream until `want` shows, for at most `WAIT`; what was read.
async fn events_until<B: AsRef<[u8]>>(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<B>> + Unpin),
    want: &str,
) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !seen.contains(want) && tokio::time::Instant::now() < deadline {
        if let Ok(Some(Ok(chunk))) =
            tokio::time::timeout(Duration::from_millis(200), stream.next()).await
        {
            seen.push_str(&String::from_utf8_lossy(chunk.as_ref()));
        }
    }
    seen
}

const QUESTION: &str = "Do you hold the 1962 drainage committee minutes?";
const ANSWER: &str = "We do: ask for them at the archive desk on the second floor.";

/// Two instances on one database, and a librarian signed in on the second.
async fn two_instances_and_a_librarian() -> (TestApp, TestApp, DeskClient) {
    let a = spawn_app(Db::Postgres).await;
    let b = another_instance(&a).await;
    add_librarian(&b, "ann", "librarian").await;
    let mut ann = DeskClient::new(&b);
    ann.login("ann", PASSWORD).await;
    (a, b, ann)
}

/// A patron on `t` asks what only a librarian can answer: their socket, the hand-over
/// notice they got, and the ticket's id.
async fn ask_a_librarian(t: &TestApp) -> (ChatClient, serde_json::Value, i64) {
    let mut patron = ChatClient::connect(&t.ws_url()).await;
    patron.send(QUESTION, "q1").await;
    let notice = patron
        .next_message(WAIT)
        .await
        .expect("the hand-over notice");
    assert_eq!(notice["from"], "system");
    let ticket = t.tickets(TicketStatus::Open).await.last().unwrap().id;
    (patron, notice, ticket)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_opened_on_one_instance_is_worked_from_another() {
    let (a, b, ann) = two_instances_and_a_librarian().await;
    let mut events = ann.get("/api/v1/events").await.bytes_stream();
    let (mut patron, _, id) = ask_a_librarian(&a).await;
    let want = format!("\"kind\":\"new_ticket\",\"ticket_id\":{id}");
    let seen = events_until(&mut events, &want).await;
    assert!(seen.contains(&want), "B's desk heard A's ticket: {seen}");

    ann.reply_claiming(id, ANSWER).await;
    let reply = patron
        .next_message(WAIT)
        .await
        .expect("the reply sent on B reaches the socket on A");
    assert_eq!(
        (reply["from"].as_str(), reply["text"].as_str()),
        (Some("librarian"), Some(ANSWER))
    );
    let again = patron.next_message(Duration::from_millis(500)).await;
    assert!(again.is_none(), "delivered once: {again:?}");
    let id: i64 = reply["id"].as_str().unwrap().parse().unwrap();
    assert!(
        eventually(|| async { outbox_status(&a, id).await == "sent" }).await,
        "marked sent by the instance that pushed it: {}",
        outbox_status(&a, id).await
    );
    b.app.shutdown().await;
    a.app.shutdown().await;
}

async fn outbox_status(t: &TestApp, message_id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM outbox WHERE message_id = $1")
        .bind(message_id)
        .fetch_one(&t.db)
        .await
        .unwrap()
}

/// A reply no instance can push waits as published, not sent; the page that comes back
/// (to any instance) gets it, and that instance marks it sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_nobody_could_push_is_sent_when_the_page_comes_back() {
    let (a, b, ann) = two_instances_and_a_librarian().await;
    let (patron, notice, ticket) = ask_a_librarian(&a).await;
    let session = patron.session.clone();
    patron.close().await;
    ann.reply_claiming(ticket, ANSWER).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let row = loop {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT o.message_id, o.status FROM outbox o JOIN messages m ON m.id = o.message_id \
             WHERE m.text = $1",
        )
        .bind(ANSWER)
        .fetch_optional(&a.db)
        .await
        .unwrap();
        if row.as_ref().is_some_and(|r| r.1 != "pending") || tokio::time::Instant::now() > deadline
        {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (reply_id, status) = row.expect("the reply is stored");
    assert_eq!(status, "published", "handed to the bus, pushed nowhere");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        outbox_status(&a, reply_id).await,
        "published",
        "nobody pushed it"
    );

    let notice_id = notice["id"].as_str().unwrap();
    let mut back = ChatClient::resume(&b.ws_url(), &session, Some(notice_id)).await;
    let reply = back.next_message(WAIT).await.expect("the missed reply");
    assert_eq!(reply["text"], ANSWER);
    assert!(
        eventually(|| async { outbox_status(&a, reply_id).await == "sent" }).await,
        "the instance that replayed it marked it sent"
    );
    b.app.shutdown().await;
    a.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_bus_connection_is_opened_again_and_caught_up() {
    let (a, b, ann) = two_instances_and_a_librarian().await;
    let (mut patron, notice, ticket) = ask_a_librarian(&a).await;
    let mut events = ann.get("/api/v1/events").await.bytes_stream();

    // Every instance's listening connection is cut; the reply goes out at once, while
    // they may still be reconnecting.
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query ILIKE 'listen%refdesk_bus%'",
    )
    .fetch_all(&a.db)
    .await
    .unwrap();
    assert_eq!(cut, [true, true], "both instances were listening");
    ann.reply_claiming(ticket, ANSWER).await;

    // A catch-up sends recent messages again; the page drops the ids it shows already.
    let mut reply = patron.next_message(WAIT).await;
    while reply.as_ref().is_some_and(|m| m["id"] == notice["id"]) {
        reply = patron.next_message(WAIT).await;
    }
    let reply = reply.expect("the reply arrives, live or caught up after reconnecting");
    assert_eq!(reply["text"], ANSWER);
    // The desk is told to read the queue again, since it may have missed changes.
    let seen = events_until(&mut events, "\"kind\":\"resync\"").await;
    assert!(seen.contains("\"kind\":\"resync\""), "{seen}");
    b.app.shutdown().await;
    a.app.shutdown().await;
}

/// Guessing a password spread over two instances meets one allowance, not one each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_limits_count_over_every_instance() {
    let (a, b, _) = two_instances_and_a_librarian().await;
    let per_account = a.settings.desk.login_limits.per_account_per_minute;
    assert_eq!(per_account, 5, "the default this test counts on");
    let guess = |t: &TestApp| {
        let url = t.http_url("/api/v1/login");
        let origin = t.http_url("");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("Origin", origin)
                .json(&serde_json::json!({"username": "ann", "password": "not it"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // ann's own sign-in on B was the first attempt of five; then three guesses on each
    // instance, where each alone would allow them all.
    let mut statuses = Vec::new();
    for t in [&a, &a, &a, &b, &b, &b] {
        statuses.push(guess(t).await.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429], "{statuses:?}");
    b.app.shutdown().await;
    a.app.shutdown().await;
}

/// A patron writing to two instances (a platform may deliver webhooks to either) meets one
/// allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patrons_allowance_counts_over_every_instance() {
    use refdesk::conversation::Handled;
    use refdesk::domain::{Channel, Inbound, InboundKind};
    let a = spawn_app_with(
        Db::Postgres,
        |s| s.patron_limits.messages_per_minute = 4,
        Vec::new(),
    )
    .await;
    let b = another_instance(&a).await;
    let message = |n: usize| Inbound {
        channel: Channel::Telegram,
        platform_message_id: format!("m{n}"),
        patron: "4242".into(),
        text: "where can I park my car".into(),
        language: None,
        kind: InboundKind::Text,
    };
    let mut limited = Vec::new();
    for (n, t) in [&a, &a, &b, &b, &b].into_iter().enumerate() {
        let handled = t.app.inbox().handle(message(n)).await.unwrap();
        limited.push(handled == Handled::Limited);
    }
    assert_eq!(limited, [false, false, false, false, true], "{limited:?}");
    b.app.shutdown().await;
    a.app.shutdown().await;
}

/// An instance whose FAQ differs (its files were not updated) is reported by `/healthz` on
/// every instance, which says the version it serves itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_serving_different_faqs_are_reported() {
    let a = spawn_app(Db::Postgres).await;
    let health = |t: &TestApp| {
        let url = t.http_url("/healthz");
        async move {
            let r = reqwest::get(url).await.unwrap();
            let version = r.headers()["x-refdesk-faq-version"]
                .to_str()
                .unwrap()
                .to_string();
            (version, r.text().await.unwrap())
        }
    };
    let same = another_instance(&a).await;
    let (version, body) = health(&a).await;
    assert_eq!(body, "ok\n", "two instances, one FAQ");
    assert_eq!(health(&same).await.0, version);
    same.app.shutdown().await;

    // A copy of the FAQ with one answer changed.
    let faq = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&a.settings.faq.dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, faq.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let wifi = faq.path().join("wifi.md");
    let text = std::fs::read_to_string(&wifi).unwrap();
    std::fs::write(
        &wifi,
        format!("{}\nAsk at the desk if it fails.\n", text.trim_end()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = a.settings.clone();
    settings.faq.dir = faq.path().to_path_buf();
    let app = refdesk::app::start(&settings, Vec::new()).await.unwrap();
    let other = TestApp::new(app, dir, settings);

    let (other_version, other_body) = health(&other).await;
    assert_ne!(other_version, version);
    let (_, body) = health(&a).await;
    assert!(body.starts_with("ok\n"), "still healthy: {body}");
    assert!(
        body.contains("serve different FAQs") && body.contains(&other_version),
        "{body}"
    );
    assert!(
        other_body.contains(&format!("this one serves {other_version}")),
        "{other_body}"
    );
    other.app.shutdown().await;
    a.app.shutdown().await;
}

/// Allowance windows are counted without a clean-up on the message path and dropped by
/// the periodic clean-up once nobody counts in them: the current and the previous minute
/// stay, older ones go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spent_allowance_windows_are_dropped_off_the_message_path() {
    let t = spawn_app(Db::Postgres).await;
    let store = refdesk::store::Store::connect(&t.settings.database)
        .await
        .unwrap();
    let minute = 60_000;
    // Minutes ahead of the clock, out of reach of the instance's own clean-up.
    let now = refdesk::domain::now_ms();
    let t0 = now - now % minute + 10 * minute;
    let rows = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM allowance_windows WHERE window_start <= $1",
        )
        .bind(t0 + 10 * minute)
        .fetch_one(&t.db)
        .await
        .unwrap()
    };
    assert_eq!(store.count_attempt("k", t0).await.unwrap().0, 1);
    assert_eq!(store.count_attempt("k", t0 + minute).await.unwrap().0, 1);
    assert_eq!(
        store.count_attempt("k", t0 + minute + 5).await.unwrap().0,
        2
    );
    assert_eq!(
        store.count_attempt("k", t0 + 3 * minute).await.unwrap().0,
        1
    );
    assert_eq!(rows().await, 3, "counting drops nothing");
    assert_eq!(
        store
            .drop_spent_allowances(t0 + 3 * minute + 1)
            .await
            .unwrap(),
        2
    );
    assert_eq!(rows().await, 1);
    t.app.shutdown().await;
}
