//! `refdesk bench chat`: sustained messages per second through the web chat socket, with
//! every reply delivered, and the time from a patron's message to the bot's reply.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::config::Settings;

/// Questions the bot answers itself: an escalation would hand the patron to a librarian and
/// silence the bot for the rest of the run.
const QUESTIONS: [&str; 6] = [
    "How do I renew my books?",
    "wifi password",
    "hello",
    "can I print in colour",
    "where can I park my bike",
    "thanks!",
];

pub struct ChatBenchResult {
    pub messages: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl ChatBenchResult {
    /// Messages answered per second.
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64()
    }
}

/// Starts `instances` refdesk instances in-process on `settings` (port 0; several share its
/// PostgreSQL database) and drives them with `clients` patrons, spread over the instances,
/// each sending `per_client` messages and waiting for each reply before the next.
pub async fn run(
    mut settings: Settings,
    instances: usize,
    clients: usize,
    per_client: usize,
) -> anyhow::Result<ChatBenchResult> {
    settings.server.listen = "127.0.0.1:0".into();
    settings.faq.watch = false;
    // Every patron here writes far faster than a person, all from one address: the flood
    // limits would refuse the load the benchmark is there to measure.
    settings.patron_limits.messages_per_minute = 1_000_000;
    settings.patron_limits.channel_messages_per_second = 1_000_000;
    settings.webchat.messages_per_minute_per_address = 1_000_000;
    settings.webchat.new_sessions_per_minute_per_address = 1_000_000;
    let mut apps = Vec::with_capacity(instances);
    for _ in 0..instances {
        apps.push(crate::app::start(&settings, Vec::new()).await?);
    }
    let urls: Vec<String> = apps
        .iter()
        .map(|app| format!("ws://{}/chat/ws", app.addr))
        .collect();
    let result = drive(&urls, clients, per_client).await;
    for app in apps {
        app.shutdown().await;
    }
    result
}

/// The ceiling on this machine: the same clients against a bare WebSocket server that
/// answers every message at once, in refdesk's protocol, with no work behind it.
pub async fn run_echo(clients: usize, per_client: usize) -> anyhow::Result<ChatBenchResult> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/", listener.local_addr()?);
    let server = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            tokio::spawn(echo(tcp));
        }
    });
    let result = drive(&[url], clients, per_client).await;
    server.abort();
    result
}

async fn echo(tcp: tokio::net::TcpStream) -> anyhow::Result<()> {
    let mut ws = tokio_tungstenite::accept_async(tcp).await?;
    ws.send(Message::Text(
        r#"{"type":"session","session":"echo"}"#.into(),
    ))
    .await?;
    while let Some(frame) = ws.next().await {
        if let Message::Text(t) = frame? {
            let reply = serde_json::json!({"type": "message", "id": "1", "from": "bot", "text": t.as_str()});
            ws.send(Message::Text(reply.to_string().into())).await?;
        }
    }
    Ok(())
}

/// Drives web chat sockets already serving at `urls` (patrons spread over them): a
/// server in its own process, so its memory is measured apart from the load's.
pub async fn drive(
    urls: &[String],
    clients: usize,
    per_client: usize,
) -> anyhow::Result<ChatBenchResult> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let url = urls[c % urls.len()].clone();
        tasks.push(tokio::spawn(
            async move { patron(&url, c, per_client).await },
        ));
    }
    let mut latencies = Vec::with_capacity(clients * per_client);
    for t in tasks {
        latencies.extend(t.await.context("bench client panicked")??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Ok(ChatBenchResult {
        messages: latencies.len(),
        elapsed,
        p50: at(0.5),
        p99: at(0.99),
    })
}

async fn patron(url: &str, client: usize, count: usize) -> anyhow::Result<Vec<Duration>> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .context("connect")?;
    ws.next().await.context("no session message")??;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        // Small talk and FAQ questions: replies come from the bot, no tickets pile up.
        let text = QUESTIONS[(client + i) % QUESTIONS.len()];
        let msg = serde_json::json!({"type": "message", "text": text, "client_id": format!("{client}-{i}")});
        let sent = Instant::now();
        ws.send(Message::Text(msg.to_string().into())).await?;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
                .await
                .context("no reply within 30 s")?
                .context("socket closed")??;
            if let Message::Text(t) = frame
                && t.contains("\"type\":\"message\"")
            {
                out.push(sent.elapsed());
                break;
            }
        }
    }
    Ok(out)
}
