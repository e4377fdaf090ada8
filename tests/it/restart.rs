//! A crash with messages in flight: `refdesk serve` is killed (SIGKILL) while a patron's
//! messages are arriving, restarted on the same database, and the patron's page reconnects
//! and resends what was not acknowledged. Nothing is lost and nothing is answered twice.

use std::process::Command;
use std::time::Duration;

use crate::support::*;
use refdesk::domain::Channel;
use refdesk::store::Store;

const QUESTIONS: [&str; 4] = [
    "How do I renew my books?",
    "wifi password",
    "hello",
    "where can I park",
];

async fn kill_and_restart_loses_and_repeats_nothing(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(db, dir.path());
    let port = free_port();
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            // One patron sends all forty at once: above the flood limit, which is not under test.
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[patron_limits]\nmessages_per_minute = 1000\n[outbox]\nlease_ms = 1000\n[database]\nurl = \"{}\"\n[faq]\ndir = \"{}\"\nwatch = false\n",
            settings.database.url,
            settings.faq.dir.display()
        ),
    )
    .unwrap();
    let ws = format!("ws://127.0.0.1:{port}/chat/ws");
    let total = 40;
    let ids: Vec<String> = (0..total).map(|i| format!("msg-{i}")).collect();

    let mut server = start_server(&config, &[]);
    wait_until_up(port).await;
    let mut client = ChatClient::connect(&ws).await;
    let session = client.session.clone();
    let mut seen = Seen::default();
    for (i, id) in ids.iter().enumerate() {
        client.send(QUESTIONS[i % QUESTIONS.len()], id).await;
    }
    // Let part of the stream through, then pull the plug.
    seen.read_until(&mut client, WAIT, |s| s.acked.len() >= total / 4)
        .await;
    server.kill().unwrap();
    server.wait().unwrap();
    drop(client);

    let mut server = start_server(&config, &[]);
    wait_until_up(port).await;
    // The page resends everything it has no ack for, with the same client ids.
    let mut client = ChatClient::resume(&ws, &session, None).await;
    for (i, id) in ids.iter().enumerate() {
        if !seen.acked.contains(id) {
            client.send(QUESTIONS[i % QUESTIONS.len()], id).await;
        }
    }
    seen.read_until(&mut client, Duration::from_secs(15), |s| {
        s.replies.len() >= total
    })
    .await;
    let db_settings = refdesk::store::DatabaseSettings {
        url: settings.database.url.clone(),
        ..Default::default()
    };
    let store = Store::connect(&db_settings).await.unwrap();
    // Rows a killed worker held are sent again once their lease runs out (at once on SQLite).
    assert!(
        eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await,
        "every reply delivered"
    );
    server.kill().unwrap();
    server.wait().unwrap();

    assert_eq!(
        seen.replies.len(),
        total,
        "every message answered once, seen by the page"
    );
    assert_eq!(
        store.inbound_count(Channel::Webchat).await.unwrap(),
        total as i64,
        "each message stored once"
    );
    assert_eq!(
        store.outbox_rows_for(Channel::Webchat).await.unwrap(),
        total as i64,
        "one reply per message"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_and_restart() {
    kill_and_restart_loses_and_repeats_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_and_restart() {
    kill_and_restart_loses_and_repeats_nothing(Db::Postgres).await;
}

/// SIGTERM stops the server cleanly (exit code 0) after finishing what it holds, and a
/// patron's page left open does not keep it running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(Db::Sqlite, dir.path());
    let port = free_port();
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{}\"\n[faq]\ndir = \"{}\"\n",
            settings.database.url,
            settings.faq.dir.display()
        ),
    )
    .unwrap();
    let mut server = start_server(&config, &[]);
    wait_until_up(port).await;
    let mut client = ChatClient::connect(&format!("ws://127.0.0.1:{port}/chat/ws")).await;
    client.send("hello", "m1").await;
    assert!(client.next_message(WAIT).await.is_some());
    drop(client);
    let left_open = ChatClient::connect(&format!("ws://127.0.0.1:{port}/chat/ws")).await;
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(code) = server.try_wait().unwrap() {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "did not stop after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(left_open);
}
