//! `refdesk catalogue import`: files are read in a thread of their own and their records
//! indexed as they arrive. A record that cannot be read is reported with its position and
//! skipped; the import goes on.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::index::CatalogueIndex;
use super::mapping::{Format, detect_format, to_catalogue};
use super::record::CatalogueRecord;
use super::{csv, marc, marcxml};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Records found in the files (good and bad).
    pub read: u64,
    pub indexed: u64,
    pub rejected: u64,
}

/// What the reader thread sends: a record, or why one was skipped.
enum Item {
    Record(Box<CatalogueRecord>),
    Rejected(String),
}

/// Counts bytes as they are read, for the progress line.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Imports `files` into `index`; `format` `None` detects each file's format. Problems go to
/// `report_to` (one line each), progress to stderr when it is a terminal.
pub fn import_files(
    index: &CatalogueIndex,
    files: &[PathBuf],
    format: Option<Format>,
    report_to: &mut dyn Write,
) -> anyhow::Result<ImportReport> {
    // One indexing thread and 64 MiB: on two cores the reader, the analysis and tantivy
    // keep both busy, and a larger heap only made the import slower (docs/benchmarks.md).
    let mut writer = index.writer(1, 64 * 1024 * 1024)?;
    let read = read_records(files, format, report_to, &mut |records| {
        records.iter().try_for_each(|r| writer.upsert(r))
    });
    // Whatever was read is kept, even when a file could not be read to its end.
    writer.finish()?;
    read
}

/// Reads `files` in a thread of their own and hands each batch of good records to `put`
/// as it arrives (the index, or the shared database); rejected records are reported to
/// `report_to`, progress to stderr when it is a terminal.
pub fn read_records(
    files: &[PathBuf],
    format: Option<Format>,
    report_to: &mut dyn Write,
    put: &mut dyn FnMut(&[CatalogueRecord]) -> anyhow::Result<()>,
) -> anyhow::Result<ImportReport> {
    let total_bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    for f in files {
        File::open(f).with_context(|| format!("cannot open {}", f.display()))?;
    }
    let bytes_read = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::sync_channel::<Vec<Item>>(64);
    let reader = {
        let files = files.to_vec();
        let bytes_read = bytes_read.clone();
        std::thread::Builder::new()
            .name("catalogue-read".into())
            .spawn(move || -> anyhow::Result<()> {
                for path in &files {
                    read_file(path, format, &bytes_read, &tx)?;
                }
                Ok(())
            })?
    };

    let mut report = ImportReport::default();
    let show_progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut records = Vec::with_capacity(BATCH);
    for batch in rx {
        for item in batch {
            report.read += 1;
            match item {
                Item::Record(record) => records.push(*record),
                Item::Rejected(why) => {
                    report.rejected += 1;
                    writeln!(report_to, "{why}")?;
                }
            }
        }
        put(&records)?;
        report.indexed += records.len() as u64;
        records.clear();
        if show_progress && last_progress.elapsed() > Duration::from_millis(200) {
            last_progress = Instant::now();
            progress_line(
                &report,
                bytes_read.load(Ordering::Relaxed),
                total_bytes,
                started,
            );
        }
    }
    let read_result = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
    if show_progress {
        progress_line(&report, total_bytes, total_bytes, started);
        eprintln!();
    }
    read_result?;
    Ok(report)
}

fn progress_line(report: &ImportReport, done: u64, total: u64, started: Instant) {
    let width = 30;
    let filled = if total == 0 {
        width
    } else {
        ((done as f64 / total as f64) * width as f64) as usize
    }
    .min(width);
    let rate = report.read as f64 / started.elapsed().as_secs_f64().max(0.001);
    eprint!(
        "\r[{}{}] {} records, {} rejected, {:.0}/s ",
        "#".repeat(filled),
        " ".repeat(width - filled),
        report.read,
        report.rejected,
        rate
    );
}

const BATCH: usize = 256;

fn read_file(
    path: &Path,
    format: Option<Format>,
    bytes_read: &Arc<AtomicU64>,
    tx: &mpsc::SyncSender<Vec<Item>>,
) -> anyhow::Result<()> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut head = [0u8; 64];
    let n = file.read(&mut head)?;
    let format = match format {
        Some(f) => f,
        None => detect_format(&head[..n], path).with_context(|| {
            format!(
                "cannot tell the format of {}; give --format marc|marcxml|csv",
                path.display()
            )
        })?,
    };
    let file = File::open(path)?;
    let counting = Counting {
        inner: file,
        read: bytes_read.clone(),
    };
    let input = BufReader::with_capacity(1 << 20, counting);
    let name = path.display().to_string();
    let mut batch = Vec::with_capacity(BATCH);
    let send = |item: Item, batch: &mut Vec<Item>| -> anyhow::Result<()> {
        batch.push(item);
        if batch.len() >= BATCH {
            tx.send(std::mem::take(batch))
                .map_err(|_| anyhow::anyhow!("the indexer stopped"))?;
        }
        Ok(())
    };
    // Positions count every record in the file, readable or not.
    let marc_item = |position: usize, r: Result<marc::MarcRecord, marc::RecordError>| match r {
        Ok(rec) => match to_catalogue(&rec) {
            Ok(record) => Item::Record(Box::new(record)),
            Err(why) => Item::Rejected(format!("{name}: record {position}: {why}")),
        },
        Err(e) => Item::Rejected(format!("{name}: {e}")),
    };
    match format {
        Format::Marc => {
            for (i, r) in marc::MarcReader::new(input).enumerate() {
                send(marc_item(i + 1, r), &mut batch)?;
            }
        }
        Format::MarcXml => {
            for (i, r) in marcxml::MarcXmlReader::new(input).enumerate() {
                send(marc_item(i + 1, r), &mut batch)?;
            }
        }
        Format::Csv => {
            let rows = csv::CsvReader::new(input).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            for r in rows {
                let item = match r {
                    Ok(record) => Item::Record(Box::new(record)),
                    Err(e) => Item::Rejected(format!("{name}: {e}")),
                };
                send(item, &mut batch)?;
            }
        }
    }
    if !batch.is_empty() {
        tx.send(batch)
            .map_err(|_| anyhow::anyhow!("the indexer stopped"))?;
    }
    Ok(())
}
