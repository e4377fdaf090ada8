//! Shared test helpers: start refdesk on port 0 against SQLite or a throwaway PostgreSQL,
//! and a web chat client speaking the socket protocol.

pub mod librarian;
pub mod pg;
pub mod platforms;
pub mod process;
pub mod semantic;
pub mod synapse;
pub mod telegram;
pub mod tls;

/// Declares each listed `async fn name(db: Db)` as two tests, `sqlite::name` and
/// `postgres::name`: the same suite runs against both databases.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(Db::Sqlite).await } )*
        }
        mod postgres {
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(Db::Postgres).await } )*
        }
    };
}

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use refdesk::app::{RunningApp, start};
use refdesk::config::Settings;
use refdesk::connectors::Connector;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Settings for a test instance: port 0, the sample FAQ, fast retries, a fresh database.
pub fn test_settings(db: Db, dir: &Path) -> Settings {
    let mut s = Settings::default();
    s.server.listen = "127.0.0.1:0".into();
    s.server.public_url = String::new(); // the address actually bound
    s.faq.dir = repo_path("faq");
    s.faq.watch = false;
    s.outbox.retry_base_ms = 20;
    s.outbox.retry_max_ms = 200;
    s.database.url = match db {
        Db::Sqlite => format!("sqlite://{}", dir.join("refdesk.db").display()),
        Db::Postgres => pg::TestPostgres::shared().fresh_database(),
    };
    s
}

pub struct TestApp {
    pub app: RunningApp,
    pub dir: tempfile::TempDir,
    pub settings: Settings,
    /// A connection pool of the test's own to the same database, to look at (or age)
    /// what is stored with plain SQL, past refdesk's interfaces.
    pub db: sqlx::AnyPool,
}

impl TestApp {
    /// The test instance for `settings`, with its own look at the database.
    pub fn new(app: RunningApp, dir: tempfile::TempDir, settings: Settings) -> Self {
        let mut url = settings.database.url.clone();
        if url.starts_with("sqlite:") && !url.contains('?') {
            url.push_str("?mode=rw");
        }
        let db = sqlx::any::AnyPoolOptions::new()
            .max_connections(2)
            .connect_lazy(&url)
            .expect("the database URL parses");
        Self {
            app,
            dir,
            settings,
            db,
        }
    }

    /// Stops refdesk, handing back what it ran in (for a restart).
    pub async fn stop(self) -> (tempfile::TempDir, Settings) {
        self.db.close().await;
        self.app.shutdown().await;
        (self.dir, self.settings)
    }

    /// The tickets in one state, oldest first.
    pub async fn tickets(
        &self,
        status: refdesk::domain::TicketStatus,
    ) -> Vec<refdesk::store::TicketRow> {
        self.app.store().tickets_with_status(status).await.unwrap()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/chat/ws", self.app.addr)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.addr)
    }
}

/// `[hours]` with one span that does not hold the present moment (UTC).
pub fn hours_closed_now(s: &mut refdesk::config::Settings) {
    let hour = (refdesk::domain::now_ms() / 3_600_000) % 24;
    let span = if hour < 20 {
        format!("{:02}:00-{:02}:00", hour + 2, hour + 3)
    } else {
        "01:00-02:00".to_string()
    };
    s.hours = Some(refdesk::hours::HoursSettings {
        timezone: "UTC".into(),
        monday: span.clone(),
        tuesday: span.clone(),
        wednesday: span.clone(),
        thursday: span.clone(),
        friday: span.clone(),
        saturday: span.clone(),
        sunday: span,
        holidays: Vec::new(),
    });
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}, Vec::new()).await
}

pub async fn spawn_app_with(
    db: Db,
    tweak: impl FnOnce(&mut Settings),
    extra: Vec<Arc<dyn Connector>>,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(db, dir.path());
    tweak(&mut settings);
    let app = start(&settings, extra).await.expect("refdesk starts");
    TestApp::new(app, dir, settings)
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A patron's browser, minus the browser.
pub struct ChatClient {
    ws: Ws,
    pub session: String,
}

pub const WAIT: Duration = Duration::from_secs(10);

impl ChatClient {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("socket connects");
        let mut client = Self {
            ws,
            session: String::new(),
        };
        let first = client
            .next_frame(WAIT)
            .await
            .expect("a session message first");
        assert_eq!(first["type"], "session", "{first}");
        client.session = first["session"].as_str().unwrap().to_string();
        client
    }

    pub async fn resume(base: &str, session: &str, after: Option<&str>) -> Self {
        let mut url = format!("{base}?session={session}");
        if let Some(a) = after {
            url.push_str(&format!("&after={a}"));
        }
        let c = Self::connect(&url).await;
        assert_eq!(c.session, session, "the same session continues");
        c
    }

    pub async fn send(&mut self, text: &str, client_id: &str) {
        let msg = json!({"type": "message", "text": text, "client_id": client_id}).to_string();
        self.ws.send(Message::Text(msg.into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, raw: &str) {
        self.ws
            .send(Message::Text(raw.to_string().into()))
            .await
            .unwrap();
    }

    /// The next frame of any type, or `None` after `wait`.
    pub async fn next_frame(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.ws.next())
                .await
                .ok()??
                .ok()?;
            if let Message::Text(t) = frame {
                return Some(serde_json::from_str(&t).unwrap());
            }
        }
    }

    /// The next `{"type":"message"}` frame, skipping acks.
    pub async fn next_message(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let f = self.next_frame(wait).await?;
            if f["type"] == "message" {
                return Some(f);
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// Polls `cond` until it holds or `WAIT` passes.
pub async fn eventually<F, Fut>(cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(WAIT, cond).await
}

/// Polls `cond` until it holds or `wait` passes.
pub async fn eventually_within<F, Fut>(wait: Duration, mut cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < wait {
        if cond().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// The answer text of a sample FAQ entry.
pub fn faq_answer(id: &str) -> String {
    let text = std::fs::read_to_string(repo_path(&format!("faq/{id}.md"))).unwrap();
    text.splitn(3, "+++").nth(2).unwrap().trim().to_string()
}

/// How many messages (in and out) the database holds.
pub async fn count_messages(t: &TestApp) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM messages")
        .fetch_one(&t.db)
        .await
        .unwrap()
        .get(0)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a patron's page has seen of its stream: acks by client id and replies by message id
/// (a replayed reply shows its id again; the page drops it).
#[derive(Default)]
pub struct Seen {
    pub acked: std::collections::BTreeSet<String>,
    pub replies: std::collections::BTreeSet<String>,
}

impl Seen {
    /// Reads frames until `done` holds or nothing comes for `wait`.
    pub async fn read_until(
        &mut self,
        c: &mut ChatClient,
        wait: Duration,
        done: impl Fn(&Seen) -> bool,
    ) {
        while !done(self) {
            let Some(f) = c.next_frame(wait).await else {
                break;
            };
            match f["type"].as_str() {
                Some("ack") => {
                    self.acked
                        .insert(f["client_id"].as_str().unwrap().to_string());
                }
                Some("message") => {
                    self.replies.insert(f["id"].as_str().unwrap().to_string());
                }
                _ => {}
            }
        }
    }
}

/// Runs a `refdesk` command to its end; fails the test, with what it wrote to stderr, unless
/// it succeeded. Returns what it printed.
pub fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `refdesk --config CONFIG serve` as a real process (for crash tests), with extra
/// environment variables.
pub fn start_server(config: &Path, env: &[(&str, &str)]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_refdesk"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("refdesk starts")
}

pub async fn wait_until_up(port: u16) {
    // A process starting on a loaded two-core machine (a build beside the suite) took more
    // than the usual 10 s once.
    let ok = eventually_within(Duration::from_secs(30), || async move {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await;
    assert!(ok, "refdesk did not come up");
}
