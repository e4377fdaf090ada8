//! Three `refdesk serve` processes on one PostgreSQL, a patron on each and librarians on two
//! of them. One instance is killed (SIGKILL) while every patron is writing, and started
//! again; then every patron asks for a librarian and the librarians answer from other
//! instances. A catalogue import runs (once, from the command line) while one instance is
//! down. Counted: no accepted message lost, none answered twice, every ticket heard live on
//! every desk, every reply delivered once, and every instance answering from the import.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use refdesk::domain::{Channel, Role, TicketStatus, now_ms};
use refdesk::store::{DatabaseSettings, Store};

use crate::support::librarian::{DeskClient, PASSWORD};
use crate::support::*;

const QUESTIONS: [&str; 4] = [
    "How do I renew my books?",
    "wifi password",
    "hello",
    "where can I park",
];
const PER_PATRON: usize = 12;

fn config(
    dir: &std::path::Path,
    i: usize,
    port: u16,
    settings: &refdesk::config::Settings,
) -> std::path::PathBuf {
    let path = dir.join(format!("refdesk-{i}.toml"));
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n[patron_limits]\nmessages_per_minute = 1000\n\
             [outbox]\nlease_ms = 1000\n[database]\nurl = \"{}\"\n[faq]\ndir = \"{}\"\nwatch = false\n\
             [catalogue]\nindex_dir = \"{}\"\n",
            settings.database.url,
            settings.faq.dir.display(),
            // Each instance its own index, as on machines of their own.
            dir.join(format!("catalogue-{i}")).display()
        ),
    )
    .unwrap();
    path
}

/// The servers, killed however the test ends: a failed assertion must not leave them running.
struct Fleet(Vec<std::process::Child>);

impl Drop for Fleet {
    fn drop(&mut self) {
        for server in &mut self.0 {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

fn desk(port: u16) -> DeskClient {
    DeskClient {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
        cookie: None,
    }
}

/// Reads until the page has `n` distinct replies, or nothing came for a while.
async fn read_replies(c: &mut ChatClient, seen: &mut Seen, n: usize) {
    seen.read_until(c, Duration::from_secs(15), |s| s.replies.len() >= n)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_one_killed_lose_nothing_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(Db::Postgres, dir.path());
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let configs: Vec<_> = (0..3)
        .map(|i| config(dir.path(), i, ports[i], &settings))
        .collect();
    let mut servers = Fleet(configs.iter().map(|c| start_server(c, &[])).collect());
    for &port in &ports {
        wait_until_up(port).await;
    }
    let store = Store::connect(&DatabaseSettings {
        url: settings.database.url.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let hash = refdesk::auth::hash_password(PASSWORD).unwrap();
    for name in ["ann", "bea"] {
        assert!(
            store
                .add_librarian(name, &hash, Role::Librarian, now_ms())
                .await
                .unwrap()
        );
    }
    // Librarians on the second and third instance, each following the queue live.
    let mut ann = desk(ports[1]);
    ann.login("ann", PASSWORD).await;
    let mut bea = desk(ports[2]);
    bea.login("bea", PASSWORD).await;
    let mut ann_events = ann.get("/api/v1/events").await.bytes_stream();
    let mut bea_events = bea.get("/api/v1/events").await.bytes_stream();

    // A patron on each instance writes a stream of questions.
    let ws = |port: u16| format!("ws://127.0.0.1:{port}/chat/ws");
    let mut patrons = Vec::new();
    for &port in &ports {
        patrons.push(ChatClient::connect(&ws(port)).await);
    }
    let sessions: Vec<String> = patrons.iter().map(|p| p.session.clone()).collect();
    let ids: Vec<String> = (0..PER_PATRON).map(|i| format!("q{i}")).collect();
    for p in patrons.iter_mut() {
        for (i, id) in ids.iter().enumerate() {
            p.send(QUESTIONS[i % QUESTIONS.len()], id).await;
        }
    }
    let mut seen: Vec<Seen> = (0..3).map(|_| Seen::default()).collect();
    // The first instance dies with part of its patron's stream through.
    read_replies(&mut patrons[0], &mut seen[0], PER_PATRON / 4).await;
    servers.0[0].kill().unwrap();
    servers.0[0].wait().unwrap();
    // The catalogue arrives while one instance is down and the others are busy.
    run_ok(
        std::process::Command::new(env!("CARGO_BIN_EXE_refdesk"))
            .arg("--config")
            .arg(&configs[1])
            .args(["catalogue", "import"])
            .arg(repo_path("tests/fixtures/catalogue/sample.csv")),
    );
    for i in 1..3 {
        read_replies(&mut patrons[i], &mut seen[i], PER_PATRON).await;
    }
    servers.0[0] = start_server(&configs[0], &[]);
    wait_until_up(ports[0]).await;
    // The page reconnects and resends what it has no ack for, with the same client ids.
    patrons[0] = ChatClient::resume(&ws(ports[0]), &sessions[0], None).await;
    for (i, id) in ids.iter().enumerate() {
        if !seen[0].acked.contains(id) {
            patrons[0].send(QUESTIONS[i % QUESTIONS.len()], id).await;
        }
    }
    read_replies(&mut patrons[0], &mut seen[0], PER_PATRON).await;
    for (i, s) in seen.iter().enumerate() {
        assert_eq!(
            s.replies.len(),
            PER_PATRON,
            "patron {i}: every question answered"
        );
    }

    // Each patron asks for a librarian; both desks hear every ticket.
    let mut notices = Vec::new();
    for (i, p) in patrons.iter_mut().enumerate() {
        p.send(
            &format!("Could a librarian find the 19{i}2 parish drainage minutes for me?"),
            "human",
        )
        .await;
        let notice = p.next_message(WAIT).await.expect("the hand-over notice");
        assert_eq!(notice["from"], "system", "patron {i}");
        notices.push(notice["id"].as_str().unwrap().to_string());
    }
    let tickets = store.tickets_with_status(TicketStatus::Open).await.unwrap();
    assert_eq!(tickets.len(), 3);
    for events in [&mut ann_events, &mut bea_events] {
        let mut seen = String::new();
        for t in &tickets {
            let want = format!("\"kind\":\"new_ticket\",\"ticket_id\":{}", t.id);
            let deadline = tokio::time::Instant::now() + WAIT;
            while !seen.contains(&want) && tokio::time::Instant::now() < deadline {
                if let Ok(Some(Ok(chunk))) =
                    tokio::time::timeout(Duration::from_millis(200), events.next()).await
                {
                    seen.push_str(&String::from_utf8_lossy(&chunk));
                }
            }
            assert!(seen.contains(&want), "a desk heard ticket {}: {seen}", t.id);
        }
    }

    // Librarians on the other instances answer; each answer reaches its patron once.
    for (n, t) in tickets.iter().enumerate() {
        let librarian = if n % 2 == 0 { &ann } else { &bea };
        librarian
            .reply_claiming(t.id, &format!("Found them: reply {n}."))
            .await;
    }
    let mut answers = 0;
    for p in patrons.iter_mut() {
        let mut got = Vec::new();
        while let Some(m) = p.next_message(Duration::from_secs(3)).await {
            if m["from"] == "librarian" {
                got.push(m["id"].as_str().unwrap().to_string());
            }
        }
        let distinct: BTreeSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), 1, "one librarian reply per patron: {got:?}");
        answers += distinct.len();
    }
    assert_eq!(answers, 3);

    // Every instance, the restarted one too, answers from the catalogue imported once.
    let head = store.catalogue_head().await.unwrap();
    assert!(head > 0, "the import reached the database");
    let http = reqwest::Client::new();
    for &port in &ports {
        let url = format!("http://127.0.0.1:{port}/healthz");
        let caught_up = eventually(|| async {
            let r = http.get(&url).send().await.unwrap();
            r.headers()
                .get("x-refdesk-catalogue-change")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
                == Some(head)
        })
        .await;
        assert!(caught_up, "instance on {port} brought its index up to date");
        let mut reader = ChatClient::connect(&ws(port)).await;
        reader.send("Do you have Dune?", "dune").await;
        let reply = reader.next_message(WAIT).await.expect("a reply");
        assert_eq!(reply["from"], "bot", "instance on {port}: {reply}");
        let text = reply["text"].as_str().unwrap();
        assert!(
            text.contains("Dune") && text.contains("Herbert"),
            "instance on {port}: {text}"
        );
    }

    assert!(
        eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await,
        "every reply delivered"
    );
    let total = 3 * PER_PATRON as i64;
    assert_eq!(
        store.inbound_count(Channel::Webchat).await.unwrap(),
        total + 3 + 3,
        "each message stored once"
    );
    assert_eq!(
        store.outbox_rows_for(Channel::Webchat).await.unwrap(),
        total + 3 + 3 + 3,
        "one reply per question, a notice per hand-over, one librarian reply per ticket, one catalogue answer per instance"
    );
    drop(servers);
    store.close().await;
}
