//! The web chat end to end, on SQLite and on PostgreSQL: answers, escalation, tickets,
//! dedupe, reconnect, outbox retries, and a crash with messages in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::librarian::acting_as;
use crate::support::*;
use async_trait::async_trait;
use refdesk::connectors::{Connector, Delivery, Part, SendError};
use refdesk::domain::{Channel, Inbound, InboundKind};
use refdesk::domain::{Role, TicketStatus};

async fn answers_a_faq_question(db: Db) {
    let t = spawn_app(db).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("How do I renew my books?", "m1").await;
    let reply = c.next_message(WAIT).await.expect("a reply");
    assert_eq!(reply["from"], "bot");
    assert_eq!(reply["text"], faq_answer("renewals"));
    assert_eq!(reply["lang"], "en", "the entry's language");
    assert!(reply["id"].as_str().unwrap().parse::<i64>().is_ok());
    c.send("Как продлить книгу?", "m2").await;
    let reply = c.next_message(WAIT).await.expect("a reply");
    assert_eq!(reply["text"], faq_answer("renewals.ru"));
    assert_eq!(reply["lang"], "ru");
    t.app.shutdown().await;
}

async fn escalation_opens_one_ticket_and_follow_ups_join_it(db: Db) {
    let t = spawn_app(db).await;
    let store = t.app.store().clone();
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send(
        "My professor says an article from 1987 exists but I cannot find it anywhere",
        "m1",
    )
    .await;
    let notice = c.next_message(WAIT).await.expect("an escalation notice");
    assert_eq!(notice["from"], "system");
    assert!(notice["text"].as_str().unwrap().contains("librarian"));
    let open = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert_eq!(open.len(), 1);

    // A follow-up, even one the FAQ could answer, joins the ticket; the bot stays silent.
    c.send("also, how do I renew my books?", "m2").await;
    assert!(
        c.next_message(Duration::from_millis(500)).await.is_none(),
        "the bot must stay silent"
    );
    let open = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert_eq!(open.len(), 1, "no second ticket");
    let messages = store
        .conversation_messages(open[0].conversation_id)
        .await
        .unwrap();
    let senders: Vec<&str> = messages.iter().map(|m| m.sender.as_str()).collect();
    assert_eq!(senders, vec!["patron", "system", "patron"]);
    t.app.shutdown().await;
}

async fn a_repeated_client_id_is_one_message(db: Db) {
    let t = spawn_app(db).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("wifi password", "same-id").await;
    c.send("wifi password", "same-id").await;
    let first = c.next_message(WAIT).await.expect("one reply");
    assert_eq!(first["from"], "bot");
    assert!(
        c.next_message(Duration::from_millis(500)).await.is_none(),
        "no second reply"
    );
    assert_eq!(
        t.app.store().inbound_count(Channel::Webchat).await.unwrap(),
        1
    );
    t.app.shutdown().await;
}

async fn reconnecting_with_the_session_receives_missed_messages(db: Db) {
    let t = spawn_app(db).await;
    let store = t.app.store().clone();
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("where can I park my car", "m1").await;
    let session = c.session.clone();
    c.close().await; // gone before the reply
    // Stored and delivered (to no socket) before anyone reconnects.
    assert!(
        eventually(|| async {
            store.inbound_count(Channel::Webchat).await.unwrap() == 1
                && store.outbox_backlog().await.unwrap() == 0
        })
        .await
    );

    let mut again = ChatClient::resume(&t.ws_url(), &session, None).await;
    let missed = again.next_message(WAIT).await.expect("the missed reply");
    assert_eq!(missed["text"], faq_answer("parking"));
    assert_eq!(
        missed["lang"], "en",
        "the replay says each message's language"
    );
    let seen = missed["id"].as_str().unwrap().to_string();

    // With `after`, only newer messages come back.
    let mut third = ChatClient::resume(&t.ws_url(), &session, Some(&seen)).await;
    assert!(
        third
            .next_message(Duration::from_millis(300))
            .await
            .is_none()
    );
    // Another session cannot see this conversation.
    let mut stranger = ChatClient::connect(&t.ws_url()).await;
    assert_ne!(stranger.session, session);
    assert!(
        stranger
            .next_message(Duration::from_millis(300))
            .await
            .is_none()
    );
    t.app.shutdown().await;
}

/// Fails the first `failures` sends, then succeeds.
struct Flaky {
    failures: usize,
    calls: AtomicUsize,
    delivered: AtomicUsize,
}

#[async_trait]
impl Connector for Flaky {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }
    async fn send(&self, _delivery: &Delivery, _part: Part<'_>) -> Result<(), SendError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(SendError::Transient(anyhow::anyhow!("connection reset")));
        }
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn the_outbox_retries_a_failing_send(db: Db) {
    let flaky = Arc::new(Flaky {
        failures: 2,
        calls: AtomicUsize::new(0),
        delivered: AtomicUsize::new(0),
    });
    let t = spawn_app_with(db, |_| {}, vec![flaky.clone()]).await;
    let inbound = |id: &str| Inbound {
        channel: Channel::Telegram,
        platform_message_id: id.into(),
        patron: "4242".into(),
        text: "how do I renew my books".into(),
        language: None,
        kind: InboundKind::Text,
    };
    let handled = t.app.inbox().handle(inbound("u1")).await.unwrap();
    let refdesk::conversation::Handled::Stored { message_id, .. } = handled else {
        panic!("stored")
    };
    let store = t.app.store().clone();
    let reply_id = message_id + 1;
    assert!(
        eventually(|| async { store.outbox_state(reply_id).await.unwrap().unwrap().0 == "sent" })
            .await
    );
    assert_eq!(flaky.delivered.load(Ordering::SeqCst), 1);
    let state = store.outbox_state(reply_id).await.unwrap().unwrap();
    assert_eq!(state.0, "sent");
    assert_eq!(state.1, 3, "two failures and a success");
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    t.app.shutdown().await;
}

async fn the_outbox_gives_up_and_marks_the_row_failed(db: Db) {
    let flaky = Arc::new(Flaky {
        failures: usize::MAX,
        calls: AtomicUsize::new(0),
        delivered: AtomicUsize::new(0),
    });
    let t = spawn_app_with(db, |s| s.outbox.max_attempts = 3, vec![flaky.clone()]).await;
    let handled = t
        .app
        .inbox()
        .handle(Inbound {
            channel: Channel::Telegram,
            platform_message_id: "u1".into(),
            patron: "4242".into(),
            text: "wifi password".into(),
            language: None,
            kind: InboundKind::Text,
        })
        .await
        .unwrap();
    let refdesk::conversation::Handled::Stored { message_id, .. } = handled else {
        panic!("stored")
    };
    let store = t.app.store().clone();
    assert!(
        eventually(|| async {
            store.outbox_state(message_id + 1).await.unwrap().unwrap().0 == "failed"
        })
        .await
    );
    let (_, attempts, error) = store.outbox_state(message_id + 1).await.unwrap().unwrap();
    assert_eq!(attempts, 3);
    assert!(error.unwrap().contains("connection reset"));
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    t.app.shutdown().await;
}

async fn bad_frames_get_an_error_and_the_socket_stays_usable(db: Db) {
    let t = spawn_app(db).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send_raw("not json").await;
    assert_eq!(c.next_frame(WAIT).await.unwrap()["type"], "error");
    c.send(&"x".repeat(5000), "long").await;
    assert_eq!(c.next_frame(WAIT).await.unwrap()["type"], "error");
    c.send("hello", "ok").await;
    assert_eq!(c.next_message(WAIT).await.unwrap()["from"], "bot");
    t.app.shutdown().await;
}

async fn health_metrics_and_pages(db: Db) {
    let t = spawn_app(db).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("hello", "m1").await;
    c.next_message(WAIT).await.unwrap();
    let get = |path: &str| {
        let url = t.http_url(path);
        async move { http_get(&url).await }
    };
    let (status, _, body) = get("/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));
    let (_, _, metrics) = get("/metrics").await;
    assert!(
        metrics.contains("refdesk_messages_in_total{channel=\"webchat\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("refdesk_outcomes_total{outcome=\"smalltalk\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("refdesk_outbox_backlog"), "{metrics}");
    assert!(
        metrics.contains("refdesk_answer_seconds_count 1"),
        "{metrics}"
    );
    let (status, headers, page) = get("/chat").await;
    assert_eq!(status, 200);
    assert!(page.contains("/widget.js"));
    assert!(
        headers
            .to_lowercase()
            .contains("content-security-policy: default-src 'self'"),
        "{headers}"
    );
    let (status, headers, _) = get("/widget.js").await;
    assert_eq!(status, 200);
    assert!(headers.to_lowercase().contains("text/javascript"));
    t.app.shutdown().await;
}

/// The purge as the daily job runs it, with every limit passed: `days_ahead` from now.
fn policy_at(days_ahead: i64) -> refdesk::store::PurgePolicy {
    let settings = refdesk::workers::retention::PrivacySettings {
        retention_days: 90,
        unresolved_ticket_days: 180,
    };
    settings.policy(refdesk::domain::now_ms() + days_ahead * 86_400_000)
}

async fn retention_deletes_old_conversations_and_keeps_counts(db: Db) {
    let t = spawn_app(db).await;
    let store = t.app.store().clone();
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("wifi password", "m1").await;
    c.next_message(WAIT).await.unwrap();
    // A conversation with an open ticket keeps its text until the ticket's own limit.
    let mut other = ChatClient::connect(&t.ws_url()).await;
    other.send("what is the capital of mongolia", "m1").await;
    other.next_message(WAIT).await.unwrap();
    assert!(eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await);
    let open = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert!(
        store
            .add_note(open[0].id, "ann", "asked twice", refdesk::domain::now_ms())
            .await
            .unwrap()
            .is_some()
    );
    let count = |table: &'static str| {
        let pool = t.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table}"
            )))
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };

    let report = store.purge(policy_at(91)).await.unwrap();
    assert_eq!(report.messages, 2, "the answered question and its reply");
    assert_eq!((report.conversations, report.patrons), (1, 1));
    assert_eq!(report.tickets, 0);
    let kept = store
        .conversation_messages(open[0].conversation_id)
        .await
        .unwrap();
    assert_eq!(kept.len(), 2, "an open ticket's conversation is kept");
    assert!(kept.iter().all(|m| m.text.is_some()));
    assert_eq!(count("messages").await, 2);
    assert_eq!(count("inbox").await, 0, "dedupe keys go after the limit");

    // Past the unresolved limit the ticket, its note and the rest go too.
    let report = store.purge(policy_at(181)).await.unwrap();
    assert_eq!((report.tickets, report.messages), (1, 2));
    for table in [
        "messages",
        "tickets",
        "ticket_notes",
        "conversations",
        "patrons",
        "outbox",
        "inbox",
    ] {
        assert_eq!(count(table).await, 0, "{table} is empty");
    }
    assert_eq!(
        store.counted("faq").await.unwrap(),
        1,
        "anonymous counts stay"
    );
    assert_eq!(store.counted("escalate").await.unwrap(), 1);
    t.app.shutdown().await;
}

/// Export shows one patron everything stored about them (messages, tickets, the staff
/// note); erase removes them from every table and leaves every other patron as they were.
async fn a_patron_is_exported_and_erased_alone(db: Db) {
    let t = spawn_app(db).await;
    let store = t.app.store().clone();
    let mut keep = ChatClient::connect(&t.ws_url()).await;
    keep.send("what is the capital of mongolia", "k1").await;
    keep.next_message(WAIT).await.unwrap();
    let mut gone = ChatClient::connect(&t.ws_url()).await;
    gone.send("Do you hold the 1962 drainage committee minutes?", "g1")
        .await;
    gone.next_message(WAIT).await.unwrap();
    gone.send("wifi password", "g2").await;
    while gone.next_frame(WAIT).await.expect("an ack")["type"] != "ack" {}
    let open = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert_eq!(open.len(), 2);
    let theirs = open[1].id;
    assert!(
        store
            .add_note(
                theirs,
                "ann",
                "wants the minutes",
                refdesk::domain::now_ms()
            )
            .await
            .unwrap()
            .is_some()
    );
    assert!(eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await);
    let before_keep = store
        .conversation_messages(open[0].conversation_id)
        .await
        .unwrap();

    let who = store.patron_of_ticket(theirs).await.unwrap().unwrap();
    assert_eq!(who.channel, Channel::Webchat);
    let export = store.export_patron(&who).await.unwrap().unwrap();
    let json = serde_json::to_string(&export).unwrap();
    assert!(json.contains("drainage committee"), "{json}");
    assert!(
        json.contains("wants the minutes"),
        "the note is theirs to see"
    );
    assert!(!json.contains("mongolia"), "nobody else's words: {json}");

    let erased = store.erase_patron(&who).await.unwrap().unwrap();
    assert_eq!(
        (erased.messages, erased.tickets, erased.conversations),
        (3, 1, 1)
    );
    assert!(store.export_patron(&who).await.unwrap().is_none());
    assert!(store.erase_patron(&who).await.unwrap().is_none());
    let left = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        store
            .conversation_messages(left[0].conversation_id)
            .await
            .unwrap(),
        before_keep,
        "the other patron is untouched"
    );
    let theirs_anywhere: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE recipient = $1) + (SELECT COUNT(*) FROM patrons WHERE channel_user_id = $1) + (SELECT COUNT(*) FROM inbox WHERE platform_message_id LIKE $2)",
    )
    .bind(&who.id)
    .bind(format!("{}%", who.id))
    .fetch_one(&t.db)
    .await
    .unwrap();
    assert_eq!(theirs_anywhere, 0);
    t.app.shutdown().await;
}

/// Purged text is gone from the database file itself, not only from queries, and the file
/// is readable by its owner alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purged_text_is_gone_from_the_database_file() {
    use std::os::unix::fs::PermissionsExt;
    let t = spawn_app(Db::Sqlite).await;
    let store = t.app.store().clone();
    let marker = "Quokkazanzibar";
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send(&format!("Do you hold the {marker} papers of 1962?"), "m1")
        .await;
    c.next_message(WAIT).await.unwrap();
    let open = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    let note = "Wombatkilimanjaro";
    assert!(
        store
            .add_note(open[0].id, "ann", note, refdesk::domain::now_ms())
            .await
            .unwrap()
            .is_some()
    );
    let admin = acting_as("admin", Role::Admin);
    t.app.desk().resolve(open[0].id, &admin).await.unwrap();
    assert!(eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await);
    let session_hash = refdesk::connectors::webchat::patron_key(&c.session);
    let db = refdesk::store::sqlite_path(&t.settings.database.url).unwrap();
    let found_in_files = |needle: &str| {
        ["", "-wal"].iter().any(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            let bytes = std::fs::read(&name).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    };
    store.reclaim_free_pages().await.unwrap();
    assert!(
        found_in_files(marker),
        "the check can see text that is there"
    );
    store.purge(policy_at(91)).await.unwrap();
    for needle in [marker, note, session_hash.as_str()] {
        assert!(
            !found_in_files(needle),
            "{needle} is still in the database files"
        );
    }
    let mode = std::fs::metadata(&db).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    t.app.shutdown().await;
}

/// A minimal HTTP/1.1 GET: status, raw headers, body.
async fn http_get(url: &str) -> (u16, String, String) {
    http_get_with(url, "").await
}

/// `http_get` with extra request header lines (`Name: value\r\n` each).
async fn http_get_with(url: &str, headers: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// The `lang` attribute of a page's `<html>` element.
fn html_lang(page: &str) -> &str {
    let start = page.find("<html lang=\"").expect("an <html lang>") + 12;
    &page[start..start + page[start..].find('"').unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_speaks_the_patrons_language() {
    let t = spawn_app(Db::Sqlite).await;
    let page = |path: &str, accept: &str| {
        let url = t.http_url(path);
        let headers = format!("Accept-Language: {accept}\r\n");
        async move { http_get_with(&url, &headers).await }
    };
    let (status, headers, tr) = page("/chat", "de-DE, tr-TR;q=0.9, en;q=0.8").await;
    assert_eq!(status, 200);
    assert_eq!(
        html_lang(&tr),
        "tr",
        "German is not offered, Turkish comes next"
    );
    assert!(tr.contains("<title>Kütüphaneye sorun · Northbridge University Library</title>"));
    assert!(
        tr.contains(r#"placeholder":"Sorunuzu yazın…"#),
        "the strings for the chat"
    );
    assert!(
        tr.contains(r#""hint":"tr""#),
        "the page passes its language on"
    );
    assert!(
        headers.to_lowercase().contains("vary: accept-language"),
        "{headers}"
    );
    let (_, _, be) = page("/chat?lang=be", "tr-TR").await;
    assert_eq!(html_lang(&be), "be", "?lang= wins over the browser");
    assert!(be.contains("Задайце пытанне бібліятэцы"));
    let (_, _, fallback) = page("/chat?lang=xx", "de, fr;q=0.5, az;q=0").await;
    assert_eq!(
        html_lang(&fallback),
        "en",
        "q=0 refuses az: the FAQ's default language"
    );
    assert!(
        fallback.contains(r#""hint":null"#),
        "a fallback is no hint: {fallback}"
    );

    let (status, headers, config) = get_json(&t, "/chat/config?langs=az-AZ,en-US").await;
    assert_eq!(status, 200);
    assert!(
        headers.contains("access-control-allow-origin: *"),
        "{headers}"
    );
    assert_eq!(config["lang"], "az");
    assert_eq!(config["title"], "Northbridge University Library");
    assert_eq!(config["strings"]["send"], "Mesajı göndər");
    assert!(config["greeting"].as_str().unwrap().starts_with("Salam!"));
    t.app.shutdown().await;
}

async fn get_json(t: &TestApp, path: &str) -> (u16, String, serde_json::Value) {
    let (status, headers, body) = http_get(&t.http_url(path)).await;
    (
        status,
        headers.to_lowercase(),
        serde_json::from_str(&body).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_is_named_and_coloured_after_the_library() {
    let t = spawn_app_with(
        Db::Sqlite,
        |s| {
            s.library.name = "St. Mary's <Library> & Archive".into();
            s.library.greeting = "Welcome to </script><b>St. Mary's</b>!".into();
            s.library.accent_colour = "#ffcc00".into();
            s.library.logo_url = "https://cdn.example.org/logo.svg".into();
            s.library.opening_hours = "Mon–Fri 9:00–17:00".into();
        },
        Vec::new(),
    )
    .await;
    let (status, headers, page) = http_get(&t.http_url("/chat")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<h1 class=\"nb-title\">St. Mary&#x27;s &lt;Library&gt; &amp; Archive</h1>"),
        "{page}"
    );
    assert!(page.contains(r#"alt="St. Mary&#x27;s &lt;Library&gt; &amp; Archive logo""#));
    assert!(
        page.contains(r#"src="https:&#x2f;&#x2f;cdn.example.org&#x2f;logo.svg""#),
        "{page}"
    );
    assert!(
        headers.contains("img-src 'self' https://cdn.example.org data:"),
        "the logo's origin is allowed: {headers}"
    );
    assert!(page.contains("Mon–Fri 9:00–17:00"));
    assert!(
        !page.contains("</script><b>"),
        "the greeting cannot close the config block"
    );
    assert!(
        page.contains(r#"\u003c/script\u003e\u003cb\u003eSt. Mary's"#),
        "{page}"
    );
    let (_, _, theme) = http_get(&t.http_url("/chat/theme.css")).await;
    assert!(theme.contains("--rd-accent: #ffcc00;"), "{theme}");
    assert!(
        theme.contains("--rd-on-accent: #000000;"),
        "dark text on yellow: {theme}"
    );
    let (_, _, config) = get_json(&t, "/chat/config?langs=ru").await;
    assert_eq!(config["title"], "St. Mary's <Library> & Archive");
    assert_eq!(config["greeting"], "Welcome to </script><b>St. Mary's</b>!");
    assert_eq!(
        config["greeting_lang"], "en",
        "the library's own words, in its language"
    );
    assert_eq!(config["lang"], "ru");
    t.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_language_reaches_the_answer_engine_and_the_errors() {
    use sqlx::Row;
    let t = spawn_app(Db::Sqlite).await;
    let mut c = ChatClient::connect(&format!("{}?lang=tr", t.ws_url())).await;
    c.send("merhaba", "m1").await;
    let reply = c.next_message(WAIT).await.expect("a reply");
    assert_eq!(reply["lang"], "tr", "{reply}");
    assert!(
        reply["text"].as_str().unwrap().starts_with("Merhaba!"),
        "refdesk's own greeting, in Turkish: {reply}"
    );
    let language: Option<String> = sqlx::query("SELECT language FROM patrons")
        .fetch_one(&t.db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        language.as_deref(),
        Some("tr"),
        "the message's language hint"
    );
    c.send(&"ç".repeat(4_001), "m2").await;
    // The first message's ack may come after its reply.
    let error = loop {
        let frame = c.next_frame(WAIT).await.unwrap();
        if frame["type"] != "ack" {
            break frame;
        }
    };
    assert_eq!(error["type"], "error");
    assert_eq!(
        error["message"],
        "Bir mesaj en fazla 4000 karakter olabilir."
    );

    // A language the chat does not speak is no hint.
    let mut other = ChatClient::connect(&format!("{}?lang=klingon", t.ws_url())).await;
    other.send("hello", "m1").await;
    other.next_message(WAIT).await.expect("a reply");
    let languages: Vec<Option<String>> = sqlx::query("SELECT language FROM patrons ORDER BY id")
        .fetch_all(&t.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(languages, vec![Some("tr".to_string()), None]);

    // A librarian may answer in any language: the server does not say which.
    other
        .send(
            "My professor says an article from 1987 exists but I cannot find it anywhere",
            "m2",
        )
        .await;
    let notice = other
        .next_message(WAIT)
        .await
        .expect("an escalation notice");
    assert_eq!(
        (notice["from"].as_str(), notice["lang"].as_str()),
        (Some("system"), Some("en"))
    );
    let ticket = t.tickets(TicketStatus::Open).await;
    let ticket = ticket.last().expect("a ticket");
    let ann = acting_as("ann", Role::Librarian);
    t.app
        .desk()
        .reply(ticket.id, &ann, "Merhaba! Bakıyorum.")
        .await
        .unwrap();
    let reply = other
        .next_message(WAIT)
        .await
        .expect("the librarian's reply");
    assert_eq!(reply["from"], "librarian");
    assert!(reply.get("lang").is_none(), "{reply}");
    t.app.shutdown().await;
}

/// Past `webchat.max_sockets` a new socket is refused with 503 (the page retries), and a
/// closed socket frees its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_are_capped_and_a_closed_one_frees_its_place() {
    let t = spawn_app_with(Db::Sqlite, |s| s.webchat.max_sockets = 2, Vec::new()).await;
    let first = ChatClient::connect(&t.ws_url()).await;
    let _second = ChatClient::connect(&t.ws_url()).await;
    let refused = tokio_tungstenite::connect_async(t.ws_url())
        .await
        .unwrap_err();
    match refused {
        tokio_tungstenite::tungstenite::Error::Http(r) => assert_eq!(r.status(), 503),
        other => panic!("expected 503, got {other}"),
    }
    first.close().await;
    assert!(eventually(|| async { t.app.open_chat_sockets() == 1 }).await);
    let mut third = ChatClient::connect(&t.ws_url()).await;
    third.send("wifi password", "w1").await;
    assert!(third.next_message(WAIT).await.is_some());
    t.app.shutdown().await;
}

/// A socket that says nothing for `webchat.idle_timeout_secs` is closed and its place freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_socket_is_closed() {
    let t = spawn_app_with(Db::Sqlite, |s| s.webchat.idle_timeout_secs = 1, Vec::new()).await;
    let mut idle = ChatClient::connect(&t.ws_url()).await;
    assert_eq!(t.app.open_chat_sockets(), 1);
    assert!(eventually(|| async { t.app.open_chat_sockets() == 0 }).await);
    assert!(
        idle.next_frame(Duration::from_secs(2)).await.is_none(),
        "closed"
    );
    t.app.shutdown().await;
}

/// One socket writing faster than its allowance is told to slow down, in the page's
/// language, and what it sent over the allowance is not stored; another patron is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_socket_is_slowed_while_others_are_answered() {
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.patron_limits.messages_per_minute = 5,
        Vec::new(),
    )
    .await;
    let mut flood = ChatClient::connect(&format!("{}?lang=tr", t.ws_url())).await;
    for n in 0..30 {
        flood.send("wifi password", &format!("f{n}")).await;
    }
    let mut refused = 0;
    let mut acked = 0;
    while let Some(f) = flood.next_frame(Duration::from_secs(1)).await {
        match f["type"].as_str() {
            Some("error") => {
                assert!(f["message"].as_str().unwrap().contains("dakika"), "{f}");
                refused += 1;
            }
            Some("ack") => acked += 1,
            _ => {}
        }
    }
    assert_eq!((acked, refused), (5, 25));
    let mut other = ChatClient::connect(&t.ws_url()).await;
    other.send("wifi password", "o1").await;
    assert_eq!(
        other.next_message(WAIT).await.expect("answered")["text"],
        faq_answer("wifi")
    );
    assert_eq!(
        t.app.store().inbound_count(Channel::Webchat).await.unwrap(),
        6
    );
    t.app.shutdown().await;
}

/// `/metrics` behind `metrics.access = "token"`: refused without the bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_require_a_token() {
    use refdesk::web::metrics_access::{Access, MetricsSettings};
    let token = "a-metrics-token-of-some-length";
    let t = spawn_app_with(
        Db::Sqlite,
        |s| {
            s.metrics = MetricsSettings {
                access: Access::Token,
                token: token.into(),
            }
        },
        Vec::new(),
    )
    .await;
    let (status, _, _) = http_get(&t.http_url("/metrics")).await;
    assert_eq!(status, 401);
    let (status, _, body) = http_get_with(
        &t.http_url("/metrics"),
        &format!("Authorization: Bearer {token}\r\n"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("refdesk_"), "{body}");
    t.app.shutdown().await;
}

/// One address's sessions share an allowance of messages: a script opening session after
/// session is refused, though each session stays under its own limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_shares_one_message_allowance_over_its_sessions() {
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.webchat.messages_per_minute_per_address = 4,
        Vec::new(),
    )
    .await;
    let mut replies = Vec::new();
    for session in 0..2 {
        let mut c = ChatClient::connect(&t.ws_url()).await;
        for n in 0..3 {
            c.send("wifi password", &format!("s{session}m{n}")).await;
        }
        while let Some(f) = c.next_frame(Duration::from_millis(800)).await {
            if f["type"] != "message" {
                replies.push(f["type"].as_str().unwrap().to_string());
            }
        }
    }
    let refused = replies.iter().filter(|r| *r == "error").count();
    assert_eq!((replies.len() - refused, refused), (4, 2), "{replies:?}");
    t.app.shutdown().await;
}

/// A message of nothing but zero-width and control characters opens no ticket and stores
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invisible_message_opens_no_ticket() {
    let t = spawn_app(Db::Sqlite).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("\u{200B}\u{200D}\u{FEFF}\u{0000}\u{2060}", "z1")
        .await;
    let ack = c.next_frame(WAIT).await.expect("an ack");
    assert_eq!(ack["type"], "ack");
    assert!(c.next_message(Duration::from_millis(300)).await.is_none());
    let store = &t.app.store();
    assert!(
        store
            .tickets_with_status(TicketStatus::Open)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.inbound_count(Channel::Webchat).await.unwrap(), 0);
    t.app.shutdown().await;
}

/// New sessions from one address are limited (429 past the allowance); a patron resuming a
/// known session still gets in, and a made-up token counts as a new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_sessions_from_one_address_are_limited() {
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.webchat.new_sessions_per_minute_per_address = 2,
        Vec::new(),
    )
    .await;
    let mut known = ChatClient::connect(&t.ws_url()).await;
    known.send("wifi password", "k1").await;
    assert!(known.next_message(WAIT).await.is_some());
    let session = known.session.clone();
    known.close().await;
    let _second = ChatClient::connect(&t.ws_url()).await;
    let status = |e| match e {
        tokio_tungstenite::tungstenite::Error::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    };
    let refused = tokio_tungstenite::connect_async(t.ws_url())
        .await
        .unwrap_err();
    assert_eq!(status(refused), 429);
    let made_up = format!("{}?session={}", t.ws_url(), "ab".repeat(32));
    let refused = tokio_tungstenite::connect_async(made_up).await.unwrap_err();
    assert_eq!(status(refused), 429);
    let resumed = ChatClient::connect(&format!("{}?session={session}", t.ws_url())).await;
    assert_eq!(resumed.session, session);
    t.app.shutdown().await;
}

on_both_databases!(
    answers_a_faq_question,
    escalation_opens_one_ticket_and_follow_ups_join_it,
    a_repeated_client_id_is_one_message,
    reconnecting_with_the_session_receives_missed_messages,
    the_outbox_retries_a_failing_send,
    the_outbox_gives_up_and_marks_the_row_failed,
    bad_frames_get_an_error_and_the_socket_stays_usable,
    health_metrics_and_pages,
    retention_deletes_old_conversations_and_keeps_counts,
    a_patron_is_exported_and_erased_alone,
);
