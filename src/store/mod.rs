//! All SQL lives here. One pool type (`sqlx::AnyPool`) for SQLite and PostgreSQL; each
//! dialect has its own migrations, and the queries are written in the SQL both accept.

mod allowances;
mod catalogue;
mod connector_state;
mod conversations;
mod desk;
mod instances;
mod migrations;
mod notes;
mod outbox;
mod patrons;
mod queue;
mod ratings;
mod retention;
mod undelivered;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, MutexGuard, Notify};

pub use connector_state::SingletonGuard;
pub use conversations::{Author, MessageFacts, MessageRow, Outgoing, Prompt, TicketRow, day_of};
pub use desk::{DeliveryState, DeskSession, Disabling, Librarian, Profile, TicketTarget};
pub use notes::Note;
pub use outbox::{OutboxRow, OutboxStatus};
pub use patrons::{ConversationExport, Erased, PatronExport, PatronRef, TicketExport};
pub use queue::{
    EarlierTicket, NOT_A_QUESTION, QueueSort, TicketCounts, TicketFilter, TicketSummary,
};
pub use ratings::{RATING_WINDOW_MS, RatingDue};
pub use retention::{PurgePolicy, PurgeReport};
pub use undelivered::Undelivered;

type Tx = Transaction<'static, Any>;

/// `[database]` settings.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub url: String,
    /// Most connections in the pool.
    pub max_connections: u32,
}

/// The URL may carry a password: shown without it.
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/refdesk.db".into(),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; taking this lock before BEGIN means a write
    /// transaction never waits on another inside SQLite, so two can never deadlock on a lock
    /// upgrade. PostgreSQL has row locks and needs none.
    write_lock: Option<std::sync::Arc<Mutex<()>>>,
    /// Wakes the outbox worker when a commit has queued something for it.
    outbox_queued: std::sync::Arc<Notify>,
}

/// A write transaction (and on SQLite the writer lock, released after commit or rollback).
/// The store's steps are its methods; dropping it without `commit` rolls back.
pub struct WriteTx<'a> {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// Whether a step queued an outbox row: the commit then wakes the outbox worker.
    queued: bool,
    outbox_queued: &'a Notify,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await.context("commit failed")?;
        if self.queued {
            self.outbox_queued.notify_one();
        }
        Ok(())
    }
}

/// A ticket's stored status (a CHECK constraint allows only the three).
fn ticket_status(stored: String) -> crate::domain::TicketStatus {
    stored.parse().unwrap_or(crate::domain::TicketStatus::Open)
}

/// The file of a `sqlite://PATH` URL; `None` for other databases.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// The database and its WAL files readable by their owner alone: they hold patrons' words.
fn owner_only(db: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = Path::new(&name);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot make {} private", path.display()))?;
        }
    }
    Ok(())
}

impl Store {
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        install_default_drivers();
        let url = settings.url.as_str();
        let Some(backend) = Backend::of_url(url) else {
            anyhow::bail!("database.url must start with sqlite:// or postgres://");
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            if let Some(dir) = sqlite_path(&url)
                .as_deref()
                .and_then(Path::parent)
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            if !url.contains('?') {
                url.push_str("?mode=rwc");
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite {
                settings.max_connections.max(2)
            } else {
                settings.max_connections
            })
            .acquire_timeout(Duration::from_secs(10))
            // A file in this process cannot drop a connection the way a server can: on
            // SQLite the ping before every use was a round trip to its thread per query.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never block the writer; the busy timeout covers the
                        // rare wait on a checkpoint; NORMAL sync is durable in WAL mode
                        // except for the last transactions on power loss, not on a crash.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        // What is deleted or blanked is overwritten, not left in free pages
                        // for `strings refdesk.db` to find.
                        sqlx::query("PRAGMA secure_delete = ON")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database ({})", redact(&settings.url)))?;
        if let Some(path) = sqlite_path(&url) {
            owner_only(&path)?;
        }
        if backend == Backend::Sqlite {
            incremental_vacuum_on(&pool).await?;
        }
        let store = Self {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| std::sync::Arc::new(Mutex::new(()))),
            outbox_queued: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        migrations::migrator(self.backend)
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .context("the database does not answer")?;
        Ok(())
    }

    /// Resolves when a commit has queued outgoing messages since the last call.
    pub async fn outbox_queued(&self) {
        self.outbox_queued.notified().await
    }

    pub async fn begin_write(&self) -> anyhow::Result<WriteTx<'_>> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let tx = self
            .pool
            .begin()
            .await
            .context("cannot begin a transaction")?;
        Ok(WriteTx {
            tx,
            backend: self.backend,
            queued: false,
            outbox_queued: &self.outbox_queued,
            _guard: guard,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Lets the purge hand freed pages back to the file system. A database made before this
/// setting is rebuilt once (`VACUUM`), which also drops any text left in its free pages.
async fn incremental_vacuum_on(pool: &AnyPool) -> anyhow::Result<()> {
    use sqlx::Row;
    let mode: i64 = sqlx::query("PRAGMA auto_vacuum")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    const INCREMENTAL: i64 = 2;
    if mode != INCREMENTAL {
        let mut conn = pool.acquire().await?;
        sqlx::query("PRAGMA auto_vacuum = INCREMENTAL")
            .execute(&mut *conn)
            .await?;
        sqlx::query("VACUUM")
            .execute(&mut *conn)
            .await
            .context("cannot rebuild the database for incremental vacuum")?;
    }
    Ok(())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Backend {
    /// The database a `database.url` names, if refdesk knows it.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else {
            None
        }
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            _ => Err(format!("unknown backend `{s}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
