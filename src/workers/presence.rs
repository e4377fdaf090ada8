//! Tells the database, every 15 s, that this instance serves and which FAQ version it
//! answers from, so `/healthz` on any instance can warn when they disagree (an instance
//! whose FAQ files were not updated, or whose reload failed). It also drops spent
//! allowance windows (`store::allowances`).

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio_util::sync::CancellationToken;

use crate::answer::AnswerEngine;
use crate::domain::now_ms;
use crate::store::Store;

const EVERY: Duration = Duration::from_secs(15);

/// Reports once now (so the instance counts from its start), then every 15 s until `stop`.
pub async fn start(
    store: Store,
    engine: Arc<ArcSwap<AnswerEngine>>,
    stop: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    // Random: an instance is known by nothing about its host.
    let instance = crate::auth::new_token()[..16].to_string();
    report(&store, &engine, &instance).await?;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.cancelled() => {
                    // Stopping: no longer one of the instances serving.
                    let _ = store.forget_instance(&instance).await;
                    return;
                }
            }
            if let Err(e) = report(&store, &engine, &instance).await {
                tracing::warn!(error = %format!("{e:#}"), "cannot report this instance");
            }
        }
    }))
}

async fn report(
    store: &Store,
    engine: &ArcSwap<AnswerEngine>,
    instance: &str,
) -> anyhow::Result<()> {
    let version = engine.load().faq_version().to_string();
    store.report_instance(instance, &version, now_ms()).await?;
    // Spent allowance windows go here rather than with every counted message.
    store.drop_spent_allowances(now_ms()).await?;
    Ok(())
}
