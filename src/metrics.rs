//! Prometheus metrics, kept as atomics and rendered by hand (a few counters do not need a
//! metrics framework).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::domain::{Channel, Disposition};

/// Answer latency buckets in seconds.
const BUCKETS: [f64; 10] = [
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05,
];

#[derive(Default)]
pub struct Metrics {
    messages_in: [AtomicU64; 7],
    messages_out: [AtomicU64; 7],
    outcomes: [AtomicU64; Disposition::ALL.len()],
    latency_buckets: [AtomicU64; 10],
    latency_count: AtomicU64,
    latency_sum_ns: AtomicU64,
}

fn channel_index(c: Channel) -> usize {
    Channel::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

impl Metrics {
    pub fn message_in(&self, c: Channel) {
        self.messages_in[channel_index(c)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn message_out(&self, c: Channel) {
        self.messages_out[channel_index(c)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn outcome(&self, disposition: impl Into<Disposition>) {
        let disposition = disposition.into();
        if let Some(i) = Disposition::ALL.iter().position(|d| *d == disposition) {
            self.outcomes[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn answer_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_ns
            .fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The Prometheus text format; `backlog` is read from the database at scrape time.
    pub fn render(&self, backlog: i64) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP refdesk_messages_in_total Patron messages accepted, by channel.\n# TYPE refdesk_messages_in_total counter\n");
        for c in Channel::ALL {
            let _ = writeln!(
                out,
                "refdesk_messages_in_total{{channel=\"{c}\"}} {}",
                get(&self.messages_in[channel_index(c)])
            );
        }
        out.push_str("# HELP refdesk_messages_out_total Messages delivered to patrons, by channel.\n# TYPE refdesk_messages_out_total counter\n");
        for c in Channel::ALL {
            let _ = writeln!(
                out,
                "refdesk_messages_out_total{{channel=\"{c}\"}} {}",
                get(&self.messages_out[channel_index(c)])
            );
        }
        out.push_str("# HELP refdesk_outcomes_total What happened to patron messages (ticket: joined a librarian's ticket).\n# TYPE refdesk_outcomes_total counter\n");
        for (i, o) in Disposition::ALL.iter().map(|d| d.as_str()).enumerate() {
            let _ = writeln!(
                out,
                "refdesk_outcomes_total{{outcome=\"{o}\"}} {}",
                get(&self.outcomes[i])
            );
        }
        out.push_str("# HELP refdesk_outbox_backlog Outgoing messages waiting for delivery.\n# TYPE refdesk_outbox_backlog gauge\n");
        let _ = writeln!(out, "refdesk_outbox_backlog {backlog}");
        out.push_str("# HELP refdesk_answer_seconds Time the answer engine takes per message.\n# TYPE refdesk_answer_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "refdesk_answer_seconds_bucket{{le=\"{le}\"}} {}",
                get(&self.latency_buckets[i])
            );
        }
        let count = get(&self.latency_count);
        let _ = writeln!(out, "refdesk_answer_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "refdesk_answer_seconds_sum {}",
            get(&self.latency_sum_ns) as f64 / 1e9
        );
        let _ = writeln!(out, "refdesk_answer_seconds_count {count}");
        out
    }
}
