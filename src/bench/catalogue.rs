//! `refdesk bench catalogue`: p50/p99 search latency for title, author and subject queries,
//! drawn from the records in the index (or read from a file).

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;

use crate::bench::Latency;
use crate::catalogue::CatalogueIndex;
use crate::catalogue::record::CatalogueRecord;
use crate::config::Settings;

#[derive(Debug, Clone, Deserialize)]
pub struct BenchQuery {
    pub kind: String,
    pub q: String,
}

/// Queries a patron might type for these records: a few title words, an author's surname,
/// a subject heading's first part.
pub fn queries_from(records: &[CatalogueRecord]) -> Vec<BenchQuery> {
    let mut out = Vec::new();
    for r in records {
        let title: Vec<&str> = r
            .title
            .split_whitespace()
            .filter(|w| w.len() > 3)
            .take(3)
            .collect();
        if !title.is_empty() {
            out.push(BenchQuery {
                kind: "title".into(),
                q: title.join(" "),
            });
        }
        if let Some(surname) = r.authors.first().and_then(|a| a.split(',').next()) {
            out.push(BenchQuery {
                kind: "author".into(),
                q: surname.trim().to_string(),
            });
        }
        if let Some(subject) = r.subjects.first().and_then(|s| s.split(" -- ").next()) {
            out.push(BenchQuery {
                kind: "subject".into(),
                q: subject.trim().to_string(),
            });
        }
    }
    out
}

pub fn run(settings: &Settings, queries: Option<&Path>, rounds: usize) -> anyhow::Result<ExitCode> {
    let index =
        CatalogueIndex::open_existing(&settings.catalogue.index_dir, settings.catalogue.boosts)?
            .with_context(|| {
                format!(
                    "no catalogue index in {}: import records first",
                    settings.catalogue.index_dir.display()
                )
            })?;
    let queries = match queries {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let mut qs = Vec::new();
            for line in std::io::BufReader::new(file).lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    qs.push(serde_json::from_str(&line)?);
                }
            }
            qs
        }
        None => queries_from(&index.sample(300)),
    };
    println!(
        "catalogue: {} records; {} queries x {rounds} rounds",
        index.len(),
        queries.len()
    );
    for kind in ["title", "author", "subject"] {
        let qs: Vec<&BenchQuery> = queries.iter().filter(|q| q.kind == kind).collect();
        if qs.is_empty() {
            continue;
        }
        for q in &qs {
            std::hint::black_box(index.search(&q.q, Some("en"), 5));
        }
        let mut samples = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let q = qs[i % qs.len()];
            let start = Instant::now();
            std::hint::black_box(index.search(std::hint::black_box(&q.q), Some("en"), 5));
            samples.push(start.elapsed());
        }
        let latency = Latency::of(samples);
        println!(
            "{kind:<8} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
            ms(latency.p50),
            ms(latency.p99),
            ms(latency.max)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
