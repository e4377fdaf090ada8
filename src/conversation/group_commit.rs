//! Group commit: one task writes every decided message, and commits the messages of all the
//! patrons waiting at that moment in one transaction. A commit (and on SQLite the writer
//! lock, on PostgreSQL the WAL flush) is paid once per group instead of once per message,
//! while every message is still written exactly as it would be alone, in arrival order.
//!
//! A patron's message counts as accepted only once its group has committed. If a group
//! fails, each of its messages is written again on its own, so one bad message costs the
//! others a retry, never their place.

use tokio::sync::{mpsc, oneshot};

use crate::domain::Inbound;
use crate::store::{Store, WriteTx};

use super::write::{Counts, Decided, Written, write_message};

/// Most messages in one transaction: enough to absorb a burst, few enough that the first
/// patron of a group does not wait long for the last one's writes.
const MAX_GROUP: usize = 64;
/// Messages waiting for the writer before `write` waits for room.
const QUEUE: usize = 1024;

struct Job {
    msg: Inbound,
    decided: Decided,
    now: i64,
    done: oneshot::Sender<anyhow::Result<Written>>,
}

/// The handle to the writer task; clones share it. The task ends with the last handle.
#[derive(Clone)]
pub struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl GroupWriter {
    /// Starts the writer task (on the current tokio runtime).
    pub fn start(store: Store) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, queue));
        Self { jobs }
    }

    /// Writes one message and its reply; returns once they are committed.
    pub async fn write(&self, msg: Inbound, decided: Decided, now: i64) -> anyhow::Result<Written> {
        let (done, written) = oneshot::channel();
        let job = Job {
            msg,
            decided,
            now,
            done,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| anyhow::anyhow!("the message writer has stopped"))?;
        written
            .await
            .map_err(|_| anyhow::anyhow!("the message writer stopped before committing"))?
    }
}

async fn run(store: Store, mut queue: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        commit_group(&store, std::mem::take(&mut group)).await;
    }
}

async fn commit_group(store: &Store, group: Vec<Job>) {
    if group.len() > 1 {
        match write_together(store, &group).await {
            Ok(results) => {
                for (job, written) in group.into_iter().zip(results) {
                    let _ = job.done.send(Ok(written));
                }
                return;
            }
            Err(e) => {
                tracing::warn!(messages = group.len(), error = %format!("{e:#}"), "a group of messages failed; writing them one by one");
            }
        }
    }
    for job in group {
        let written = write_together(store, std::slice::from_ref(&job))
            .await
            .map(|mut one| one.remove(0));
        let _ = job.done.send(written);
    }
}

async fn write_together(store: &Store, group: &[Job]) -> anyhow::Result<Vec<Written>> {
    let mut w = store.begin_write().await?;
    let mut counts = Counts::default();
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        results.push(write_job(&mut w, job, &mut counts).await?);
    }
    counts.write(&mut w).await?;
    w.commit().await?;
    Ok(results)
}

async fn write_job(w: &mut WriteTx<'_>, job: &Job, counts: &mut Counts) -> anyhow::Result<Written> {
    let written = write_message(w, &job.msg, &job.decided, job.now).await?;
    counts.add(&job.msg, &job.decided.answer, &written, job.now);
    Ok(written)
}
