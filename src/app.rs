//! Builds the running service: store, answer engine (with the FAQ watcher), connectors,
//! outbox and retention workers, and the HTTP server; shuts them down in order.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use arc_swap::ArcSwap;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::answer::AnswerEngine;
use crate::bus::Bus;
use crate::catalogue::CatalogueIndex;
use crate::config::Settings;
use crate::connectors::matrix::Matrix;
use crate::connectors::meta::Meta;
use crate::connectors::telegram::Telegram;
use crate::connectors::vk::Vk;
use crate::connectors::webchat::WebChat;
use crate::connectors::{Connector, Connectors, Ports};
use crate::conversation::ConversationService;
use crate::faq::{FaqOrigin, FaqWatcher, spawn_watcher};
use crate::metrics::Metrics;
use crate::store::{Backend, Store};
use crate::web::{AppState, router};
use crate::workers::outbox::OutboxWorker;

pub struct RunningApp {
    pub addr: SocketAddr,
    state: AppState,
    pub engine: Arc<ArcSwap<AnswerEngine>>,
    stop: CancellationToken,
    server: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
    _watcher: Option<FaqWatcher>,
}

/// Starts everything; `extra` connectors are added to the built-in ones (tests use this to
/// put a connector for another channel behind the outbox).
pub async fn start(
    settings: &Settings,
    extra: Vec<Arc<dyn Connector>>,
) -> anyhow::Result<RunningApp> {
    let library =
        crate::web::chat_page::Library::new(&settings.library, &settings.faq.default_language)?;
    let origin = crate::faq::origin(&settings.faq.dir, settings.faq.is_default_dir())?;
    let faq = crate::faq::load(&origin, &settings.faq.default_language)?;
    match &origin {
        FaqOrigin::Dir(dir) => tracing::info!(
            entries = faq.ids().len(),
            languages = %faq.languages().join(","),
            "answering from the FAQ in {}",
            dir.display()
        ),
        FaqOrigin::Sample => tracing::warn!(
            entries = faq.ids().len(),
            languages = %faq.languages().join(","),
            "no FAQ directory at {}: answering from the built-in sample FAQ; run `refdesk init` to write it out and make it your own",
            settings.faq.dir.display()
        ),
    }
    // On a shared PostgreSQL the catalogue comes from the database (imported once, for every
    // instance): there is always an index here for it to arrive in.
    let shared = Backend::of_url(&settings.database.url) == Some(Backend::Postgres);
    let catalogue = if shared {
        Some(CatalogueIndex::open_or_create(
            &settings.catalogue.index_dir,
            settings.catalogue.boosts,
        )?)
    } else {
        CatalogueIndex::open_existing(&settings.catalogue.index_dir, settings.catalogue.boosts)?
    }
    .map(Arc::new);
    if let Some(c) = &catalogue {
        tracing::info!(records = c.len(), "catalogue opened");
    }
    let engine = Arc::new(ArcSwap::from_pointee(
        AnswerEngine::new(faq, settings.answer.clone())?
            .with_catalogue(catalogue, settings.catalogue.clone())
            .with_library_name(&settings.library.name),
    ));
    let watcher = if settings.faq.watch && matches!(origin, FaqOrigin::Dir(_)) {
        let served = engine.clone();
        Some(spawn_watcher(
            &settings.faq.dir,
            &settings.faq.default_language,
            move |faq| {
                let rebuilt = served.load().for_changed_faq(faq)?;
                served.store(Arc::new(rebuilt));
                crate::memory::release_unused();
                Ok(())
            },
        )?)
    } else {
        None
    };

    let store = Store::connect(&settings.database).await?;
    if store.backend() == Backend::Sqlite {
        let released = store.release_outbox_leases().await?;
        if released > 0 {
            tracing::info!(
                rows = released,
                "resuming deliveries interrupted by the last stop"
            );
        }
    }
    let metrics = Arc::new(Metrics::default());
    let stop = CancellationToken::new();
    // Desk changes and web chat messages, heard by every instance on the same database.
    let bus = Bus::start(&store, &settings.database.url, stop.clone());
    let service = ConversationService::new(
        store.clone(),
        engine.clone(),
        metrics.clone(),
        bus.clone(),
        crate::conversation::limits::PatronLimits::new(&settings.patron_limits),
        settings
            .hours
            .as_ref()
            .map(|h| h.schedule().map_err(anyhow::Error::msg))
            .transpose()?,
    );
    let desk = crate::desk::Desk::new(
        store.clone(),
        bus.clone(),
        engine.clone(),
        Arc::new(settings.desk.for_library(|s| settings.library.fill(s))),
    );
    let webchat = Arc::new(WebChat::new(settings.webchat.clone(), bus.clone()));
    let mut connectors = Connectors::default();
    connectors.add(webchat.clone());
    for c in extra {
        connectors.add(c);
    }

    let ports = Ports::new(
        service.clone(),
        store.clone(),
        stop.clone(),
        crate::net::Outbound::new(&settings.tls)?,
    );
    // The connectors: one line each.
    let mut adapters = Vec::new();
    if settings.telegram.enabled {
        adapters.push(Telegram::start(settings.telegram.clone(), &ports).await?);
    }
    if settings.matrix.enabled {
        adapters.push(Matrix::start(settings.matrix.clone(), &ports).await?);
    }
    if settings.meta.enabled {
        adapters.push(Meta::start(settings.meta.clone(), &ports).await?);
    }
    if settings.vk.enabled {
        adapters.push(Vk::start(settings.vk.clone(), &ports).await?);
    }
    let mut connector_routes = axum::Router::new();
    let mut workers = Vec::new();
    for adapter in adapters {
        for outbound in adapter.outbound {
            connectors.add(outbound);
        }
        if let Some(routes) = adapter.routes {
            connector_routes = connector_routes.merge(routes);
        }
        workers.extend(adapter.worker);
    }
    let outbox = OutboxWorker {
        store: store.clone(),
        connectors,
        settings: settings.outbox.clone(),
        metrics: metrics.clone(),
    };
    workers.push(tokio::spawn(outbox.run(stop.clone())));
    if bus.is_shared() {
        workers.push(tokio::spawn(crate::web::chat::relay(
            bus.clone(),
            store.clone(),
            webchat.clone(),
            stop.clone(),
        )));
    }
    workers
        .push(crate::workers::presence::start(store.clone(), engine.clone(), stop.clone()).await?);
    if shared && let (Some(index), _) = engine.load().catalogue() {
        workers.push(crate::workers::catalogue_sync::start(
            store.clone(),
            index,
            stop.clone(),
        ));
    }
    workers.push(tokio::spawn(crate::workers::retention::run(
        store.clone(),
        settings.privacy.clone(),
        stop.clone(),
    )));

    let listener = tokio::net::TcpListener::bind(&settings.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.server.listen))?;
    let addr = listener.local_addr()?;
    let public_url = match settings.server.public_url.trim_end_matches('/') {
        "" => format!("http://{addr}"),
        url => url.to_string(),
    };
    let state = AppState {
        store,
        service,
        webchat,
        metrics,
        desk,
        engine: engine.clone(),
        public_url: public_url.into(),
        library: Arc::new(library),
        trusted_proxies: settings.server.trusted_proxies.clone().into(),
        metrics_access: Arc::new(crate::web::metrics_access::MetricsAccess::new(
            settings.metrics.clone(),
            &settings.server.trusted_proxies,
        )),
        templates: Arc::new(crate::web::pages::templates()),
        shutdown: stop.clone(),
    };
    // Chat frames are small; without TCP_NODELAY they wait out delayed ACKs (~40 ms each).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let app = router(state.clone(), connector_routes);
    let shutdown = stop.clone();
    let server = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    });
    tracing::info!(%addr, "refdesk is listening: web chat at /chat");
    Ok(RunningApp {
        addr,
        state,
        engine,
        stop,
        server,
        workers,
        _watcher: watcher,
    })
}

impl RunningApp {
    /// The conversation service: where connectors hand inbound messages.
    pub fn inbox(&self) -> &ConversationService {
        &self.state.service
    }

    /// The desk service librarians work through.
    pub fn desk(&self) -> &crate::desk::Desk {
        &self.state.desk
    }

    /// The database, for the CLI's and the tests' look at what is stored.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// How many web chat sockets are open.
    pub fn open_chat_sockets(&self) -> usize {
        self.state.webchat.open_sockets()
    }

    /// Stops accepting requests, lets the workers finish what they hold, closes the pool.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.server.await;
        for w in self.workers {
            let _ = w.await;
        }
        self.state.store.close().await;
    }
}

/// How long a stopping service waits for connections and workers to finish.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// `refdesk serve`: runs until SIGINT or SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = start(&settings, Vec::new()).await?;
    // Building and calibrating the FAQ index is done: its working memory goes back.
    crate::memory::release_unused();
    println!(
        "refdesk is running: web chat at http://{}/chat, librarian desk at http://{}/desk",
        app.addr, app.addr
    );
    if let Some(token) = app.state.desk.setup_token().await? {
        // Printed, never logged: the link is a one-time secret for whoever runs the server.
        println!(
            "No librarian accounts yet. Create the first admin within 24 hours at:\n  {}/desk/setup?token={token}",
            app.state.public_url
        );
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    // Open sockets and event streams, or a database gone away, must not keep a stopping
    // service alive: what is unfinished is safe (claimed rows' leases run out).
    if tokio::time::timeout(SHUTDOWN_GRACE, app.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "stopped after {} s without finishing every connection and worker",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
