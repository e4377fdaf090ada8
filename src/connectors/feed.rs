//! The inbound port for connectors that pull their messages (Telegram long polling, Matrix
//! sync). It owns the rules both need, so each connector only says how to fetch one batch:
//! one puller per bot across instances, a cursor saved only once everything before it is
//! stored, growing waits after failures, and giving up on a batch the database will not
//! take after a few tries, so that one bad message cannot hold back every later one.

use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::store::{SingletonGuard, Store};

/// Rounds in a row that may fail at the same place before it is skipped.
pub const MAX_FAILED_ROUNDS: u32 = 5;

/// What one round of a pull did.
#[derive(Debug)]
pub enum Round {
    /// Everything fetched was stored (or nothing came): resume from `next`.
    Stored { next: String },
    /// Something could not be stored. `retry` resumes at it (everything before it is
    /// stored; `None` means where the round began); `skip` resumes past it, once the same
    /// place has failed `MAX_FAILED_ROUNDS` rounds in a row.
    Unstored {
        retry: Option<String>,
        skip: String,
        error: anyhow::Error,
    },
    /// The stop signal came while fetching.
    Stopped,
}

/// One platform's way of fetching messages and handing them to the inbox.
#[async_trait]
pub trait Source: Send {
    /// What the platform needs once before the first fetch (Telegram: no webhook set).
    /// Retried with growing waits until it succeeds.
    async fn prepare(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Fetches what came after `cursor` (`None` on the very first start) and hands it to
    /// the inbox in order. Only the fetch itself should end early on `stop`.
    async fn round(
        &mut self,
        cursor: Option<&str>,
        stop: &CancellationToken,
    ) -> anyhow::Result<Round>;
}

/// Growing waits after failures in a row: `first`, doubled each time, at most `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(2),
            max: Duration::from_secs(64),
        }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row (1 or more).
    pub fn wait(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(16);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }
}

/// Sleeps for `wait` unless `stop` fires first; `false` if it did.
pub async fn pause(wait: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = stop.cancelled() => false,
    }
}

/// A named pull: `job` names the run-alone lock, `cursor_key` the saved position.
pub struct Feed {
    job: &'static str,
    cursor_key: &'static str,
    store: Store,
    stop: CancellationToken,
    backoff: Backoff,
}

impl Feed {
    pub fn new(
        job: &'static str,
        cursor_key: &'static str,
        store: Store,
        stop: CancellationToken,
    ) -> Self {
        Self {
            job,
            cursor_key,
            store,
            stop,
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Runs `source` until the stop signal, once this instance holds the job's lock.
    pub async fn run(self, mut source: impl Source) {
        // Starts again from the lock whenever it is lost.
        while !self.stop.is_cancelled() {
            let Some(mut guard) = run_alone(&self.store, self.job, &self.stop).await else {
                return;
            };
            self.run_holding(&mut source, &mut guard).await;
        }
    }

    /// Fetches while this instance holds the lock; returns at the stop signal or when the
    /// lock is lost (checked before every round, so at most one round overlaps with an
    /// instance that took over).
    async fn run_holding(&self, source: &mut impl Source, guard: &mut SingletonGuard) {
        let mut failures = 0u32;
        loop {
            match source.prepare().await {
                Ok(()) => break,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(job = self.job, error = %format!("{e:#}"), "cannot prepare to fetch; retrying");
                    if !pause(self.backoff.wait(failures), &self.stop).await {
                        return;
                    }
                }
            }
        }
        let mut cursor = loop {
            match self.store.connector_state(self.cursor_key).await {
                Ok(cursor) => break cursor,
                Err(e) => {
                    tracing::warn!(job = self.job, error = %format!("{e:#}"), "cannot read the saved position; retrying");
                    if !pause(self.backoff.first, &self.stop).await {
                        return;
                    }
                }
            }
        };
        tracing::info!(job = self.job, "fetching messages");
        let mut failures = 0u32;
        let mut stuck = Stuck::default();
        while !self.stop.is_cancelled() {
            if !guard.still_held().await {
                tracing::warn!(
                    job = self.job,
                    "lost the run-alone lock; stopping until it is ours again"
                );
                return;
            }
            let outcome = match source.round(cursor.as_deref(), &self.stop).await {
                Ok(Round::Stopped) => return,
                Ok(Round::Stored { next }) => {
                    stuck = Stuck::default();
                    self.advance(&mut cursor, next).await
                }
                Ok(Round::Unstored { retry, skip, error }) => {
                    let at = retry.clone().or_else(|| cursor.clone());
                    if stuck.again(at) < MAX_FAILED_ROUNDS {
                        if let Some(retry) = retry {
                            // Keep what was stored; the failure is fetched again.
                            let _ = self.advance(&mut cursor, retry).await;
                        }
                        Err(error.context("a message was not stored"))
                    } else {
                        tracing::error!(
                            job = self.job,
                            error = %format!("{error:#}"),
                            "messages could not be stored after {MAX_FAILED_ROUNDS} tries and are skipped"
                        );
                        stuck = Stuck::default();
                        self.advance(&mut cursor, skip).await
                    }
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures += 1;
                    let wait = self.backoff.wait(failures);
                    tracing::warn!(job = self.job, error = %format!("{e:#}"), wait_s = wait.as_secs_f32(), "fetching failed");
                    if !pause(wait, &self.stop).await {
                        return;
                    }
                }
            }
        }
    }

    /// Saves `next` as the position, then moves to it. If it cannot be saved the old one
    /// stays: what was fetched again is a duplicate the inbox drops.
    async fn advance(&self, cursor: &mut Option<String>, next: String) -> anyhow::Result<()> {
        if cursor.as_deref() == Some(next.as_str()) {
            return Ok(());
        }
        self.store
            .set_connector_state(self.cursor_key, &next)
            .await?;
        *cursor = Some(next);
        Ok(())
    }
}

/// How many rounds in a row failed at the same place.
#[derive(Default)]
struct Stuck {
    at: Option<String>,
    rounds: u32,
}

impl Stuck {
    /// Counts one more failure at `at`; returns the rounds in a row that failed there.
    fn again(&mut self, at: Option<String>) -> u32 {
        if self.rounds > 0 && self.at == at {
            self.rounds += 1;
        } else {
            *self = Stuck { at, rounds: 1 };
        }
        self.rounds
    }
}

/// Waits until this instance is the one to run `job` (a poller or syncer that must run once
/// per bot; see `Store::try_singleton`), asking again every 15 s; `None` once `stop` fires.
async fn run_alone(store: &Store, job: &str, stop: &CancellationToken) -> Option<SingletonGuard> {
    loop {
        match store.try_singleton(job).await {
            Ok(Some(guard)) => return Some(guard),
            Ok(None) => tracing::info!(job, "another instance runs this; standing by"),
            Err(e) => {
                tracing::warn!(job, error = %format!("{e:#}"), "cannot take the singleton lock")
            }
        }
        if !pause(Duration::from_secs(15), stop).await {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::store::DatabaseSettings;

    /// A platform whose rounds are written in advance; it records the cursor each began at.
    struct Scripted {
        rounds: VecDeque<anyhow::Result<Round>>,
        seen: Arc<Mutex<Vec<Option<String>>>>,
        stop: CancellationToken,
    }

    #[async_trait]
    impl Source for Scripted {
        async fn round(
            &mut self,
            cursor: Option<&str>,
            _stop: &CancellationToken,
        ) -> anyhow::Result<Round> {
            self.seen.lock().unwrap().push(cursor.map(String::from));
            match self.rounds.pop_front() {
                Some(round) => round,
                None => {
                    self.stop.cancel();
                    Ok(Round::Stopped)
                }
            }
        }
    }

    fn unstored(retry: Option<&str>, skip: &str) -> anyhow::Result<Round> {
        Ok(Round::Unstored {
            retry: retry.map(String::from),
            skip: skip.into(),
            error: anyhow::anyhow!("the database said no"),
        })
    }

    fn stored(next: &str) -> anyhow::Result<Round> {
        Ok(Round::Stored { next: next.into() })
    }

    /// Runs the script on a fresh database; returns the cursor each round began at and
    /// the position saved at the end.
    async fn play(rounds: Vec<anyhow::Result<Round>>) -> (Vec<Option<String>>, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let settings = DatabaseSettings {
            url: format!("sqlite://{}", dir.path().join("feed.db").display()),
            ..Default::default()
        };
        let store = Store::connect(&settings).await.unwrap();
        let stop = CancellationToken::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let source = Scripted {
            rounds: rounds.into(),
            seen: seen.clone(),
            stop: stop.clone(),
        };
        let backoff = Backoff {
            first: Duration::from_millis(1),
            max: Duration::from_millis(4),
        };
        Feed::new("test-feed", "test.cursor", store.clone(), stop)
            .with_backoff(backoff)
            .run(source)
            .await;
        let saved = store.connector_state("test.cursor").await.unwrap();
        let seen = seen.lock().unwrap().clone();
        (seen, saved)
    }

    fn at(cursors: &[Option<&str>]) -> Vec<Option<String>> {
        cursors.iter().map(|c| c.map(String::from)).collect()
    }

    #[tokio::test]
    async fn the_position_moves_only_past_what_was_stored() {
        let (seen, saved) = play(vec![
            stored("5"),
            unstored(Some("7"), "8"),
            stored("9"),
            Err(anyhow::anyhow!("the platform is down")),
        ])
        .await;
        // The failed round kept what it stored (up to 7); the fetch error moved nothing.
        assert_eq!(
            seen,
            at(&[None, Some("5"), Some("7"), Some("9"), Some("9")])
        );
        assert_eq!(saved.as_deref(), Some("9"));
    }

    #[tokio::test]
    async fn a_place_that_keeps_failing_is_skipped_after_the_limit() {
        let mut rounds: Vec<_> = (0..MAX_FAILED_ROUNDS)
            .map(|_| unstored(None, "past"))
            .collect();
        rounds.insert(0, stored("start"));
        let (seen, saved) = play(rounds).await;
        let mut expected = vec![None];
        expected.extend((0..MAX_FAILED_ROUNDS).map(|_| Some("start")));
        expected.push(Some("past"));
        assert_eq!(seen, at(&expected));
        assert_eq!(saved.as_deref(), Some("past"));
    }

    #[tokio::test]
    async fn failures_at_different_places_are_counted_apart() {
        // Each failure is one item further on: progress, never a skip.
        let rounds = (1..=MAX_FAILED_ROUNDS + 1)
            .map(|i| unstored(Some(&i.to_string()), &format!("{i}+")))
            .collect();
        let (seen, saved) = play(rounds).await;
        assert!(seen.iter().flatten().all(|c| !c.ends_with('+')));
        assert_eq!(saved, Some((MAX_FAILED_ROUNDS + 1).to_string()));
    }

    #[test]
    fn waits_double_up_to_the_most() {
        let b = Backoff::default();
        let waits: Vec<u64> = (1..=8).map(|f| b.wait(f).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 64, 64]);
        assert_eq!(b.wait(u32::MAX), b.max);
    }
}
