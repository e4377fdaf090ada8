//! The `refdesk` command line.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::answer::{AnswerEngine, Candidate, eval};
use crate::catalogue::import::{import_files, read_records};
use crate::catalogue::mapping::Format;
use crate::catalogue::{CatalogueHit, CatalogueIndex};
use crate::config::Settings;
use crate::faq::{FaqOrigin, FaqSet, load_dir};

#[derive(Parser)]
#[command(
    name = "refdesk",
    version,
    about = "A library's reference desk in every chat a patron uses"
)]
struct Cli {
    /// Settings file (default: ./refdesk.toml if it exists, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: web chat, connectors, outbox (until SIGINT/SIGTERM).
    Serve,
    /// Print the reply a patron would get.
    Ask(AskArgs),
    /// Measure answer quality on a JSONL file of {"q": ..., "expect": [...]} cases.
    Eval(EvalArgs),
    /// Work with the FAQ files.
    Faq {
        #[command(subcommand)]
        command: FaqCommand,
    },
    /// Write a starter refdesk.toml and the sample FAQ (faq/) into this directory, never
    /// over existing files.
    Init,
    /// Manage librarian accounts.
    Librarian {
        #[command(subcommand)]
        command: LibrarianCommand,
    },
    /// See or erase everything stored about one patron (a patron's request for their
    /// data, or for its early deletion).
    Patron {
        #[command(subcommand)]
        command: PatronCommand,
    },
    /// Import and search the library catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Measure performance.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Args)]
struct AskArgs {
    /// The patron's message, or `-` to read one message per line from stdin.
    text: String,
    /// One JSON object per answer: outcome, faq_id, confidence, candidates.
    #[arg(long)]
    json: bool,
    /// The patron's language, as a channel would report it (default: detected).
    #[arg(long)]
    lang: Option<String>,
    /// FAQ directory (default: `faq.dir` from the settings).
    #[arg(long, value_name = "DIR")]
    faq: Option<PathBuf>,
}

#[derive(Args)]
struct EvalArgs {
    #[arg(long, value_name = "FILE.jsonl")]
    cases: PathBuf,
    #[arg(long, value_name = "DIR")]
    faq: Option<PathBuf>,
    #[arg(long)]
    json: bool,
    /// List the cases the engine got wrong.
    #[arg(long)]
    misses: bool,
}

#[derive(Subcommand)]
enum FaqCommand {
    /// Validate every FAQ file; print `path:line: problem` and exit 1 on any problem.
    Check {
        /// FAQ directory (default: `faq.dir` from the settings).
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LibrarianCommand {
    /// Create an account; the password is read from stdin (one line).
    Add {
        name: String,
        /// An admin can add and disable librarians.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Create the SQLite database if it does not exist yet (normally `refdesk serve`
        /// creates it; without this, a missing database is an error, so that running the
        /// command in the wrong directory does not start a second, empty one).
        #[arg(long)]
        create_database: bool,
        /// The languages the librarian answers in, as ISO 639-1 codes: `az,ru`.
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
    },
    /// Let a disabled account sign in again.
    Enable { name: String },
    /// Stop an account signing in and end its sessions (never the last active admin).
    Disable { name: String },
    /// Set a new password, read from stdin (one line); the account's sessions end.
    ResetPassword {
        name: String,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum PatronCommand {
    /// Print everything stored about the patron as JSON.
    Export(PatronArgs),
    /// Delete the patron and everything of theirs from every table.
    Erase {
        #[command(flatten)]
        who: PatronArgs,
        /// Really erase (without it, only says what would go).
        #[arg(long)]
        yes: bool,
    },
}

/// Which patron: the channel and the platform's id for them, or a ticket of theirs (the
/// only handle on a web chat patron, known by a hash of their session).
#[derive(Args)]
#[group(required = true, multiple = true)]
struct PatronArgs {
    /// telegram, matrix, messenger, instagram, whatsapp, vk or webchat.
    #[arg(long, requires = "id", conflicts_with = "ticket")]
    channel: Option<crate::domain::Channel>,
    /// The platform's id of the patron (a Telegram chat id, a Matrix user id, a phone
    /// number on WhatsApp).
    #[arg(long, requires = "channel")]
    id: Option<String>,
    /// A ticket of the patron's.
    #[arg(long)]
    ticket: Option<i64>,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Add MARC 21, MARCXML or CSV records to the catalogue index (a record imported again
    /// is updated, not duplicated).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// auto, marc, marcxml or csv.
        #[arg(long, default_value = "auto")]
        format: String,
    },
    /// Search the catalogue (title, author, subject words, or an ISBN).
    Search {
        query: String,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// p50/p99 latency of answer() on the FAQ and on a generated FAQ of `--entries` entries.
    Answer {
        #[arg(long, value_name = "DIR")]
        faq: Option<PathBuf>,
        #[arg(long, default_value_t = 10_000)]
        entries: usize,
        #[arg(long, default_value_t = 2_000)]
        rounds: usize,
    },
    /// p50/p99 latency of catalogue searches for title, author and subject queries.
    Catalogue {
        /// Queries, one JSON object per line: {"kind": "title"|"author"|"subject", "q": ...}
        /// (default: drawn from the index itself).
        #[arg(long, value_name = "FILE.jsonl")]
        queries: Option<PathBuf>,
        #[arg(long, default_value_t = 2_000)]
        rounds: usize,
    },
    /// Messages per second through the web chat socket and the p50/p99 time to the reply,
    /// beside a bare WebSocket echo server driven by the same clients in the same run.
    Chat {
        /// Database to use (default: a fresh SQLite file in a temporary directory).
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 500)]
        messages_per_client: usize,
        /// refdesk instances on the one database (PostgreSQL only), patrons spread over them.
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// Drive a running server's web chat socket (ws://HOST:PORT/chat/ws) instead of
        /// starting one here; repeat for several instances. Its flood limits must allow the
        /// load (see docs/benchmarks.md).
        #[arg(long = "url", value_name = "WS_URL", conflicts_with_all = ["database_url", "instances"])]
        urls: Vec<String>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings.log);
    match cli.command {
        Command::Init => init(Path::new(".")),
        Command::Serve => {
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(crate::app::serve(settings))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ask(args) => ask(&settings, args),
        Command::Librarian {
            command:
                LibrarianCommand::Add {
                    name,
                    admin,
                    create_database,
                    languages,
                    ..
                },
        } => add_librarian(&settings, &name, admin, create_database, &languages),
        Command::Librarian {
            command: LibrarianCommand::Enable { name },
        } => with_store(&settings, |store| async move {
            if !store.enable_librarian(&name).await? {
                anyhow::bail!("there is no librarian called {name}");
            }
            println!("{name} can sign in again");
            Ok(())
        }),
        Command::Librarian {
            command: LibrarianCommand::Disable { name },
        } => with_store(&settings, |store| async move {
            match store.disable_librarian(&name).await? {
                crate::store::Disabling::Disabled => {
                    println!("{name} is disabled and signed out");
                    Ok(())
                }
                crate::store::Disabling::NoSuchLibrarian => {
                    anyhow::bail!("there is no librarian called {name}")
                }
                crate::store::Disabling::LastAdmin => {
                    anyhow::bail!("{name} is the last active admin: make another admin first")
                }
            }
        }),
        Command::Librarian {
            command: LibrarianCommand::ResetPassword { name, .. },
        } => {
            let hash = read_new_password()?;
            with_store(&settings, |store| async move {
                if !store.reset_password(&name, &hash).await? {
                    anyhow::bail!("there is no librarian called {name}");
                }
                println!("{name} has a new password; their sessions have ended");
                Ok(())
            })
        }
        Command::Patron {
            command: PatronCommand::Export(who),
        } => with_store(&settings, |store| async move {
            let who = patron_ref(&store, &who).await?;
            let Some(export) = store.export_patron(&who).await? else {
                anyhow::bail!("nothing is stored about that patron");
            };
            println!("{}", serde_json::to_string_pretty(&export)?);
            Ok(())
        }),
        Command::Patron {
            command: PatronCommand::Erase { who, yes },
        } => with_store(&settings, |store| async move {
            let who = patron_ref(&store, &who).await?;
            if !yes {
                // A dry run: what would go, read without changing anything.
                let Some(export) = store.export_patron(&who).await? else {
                    anyhow::bail!("nothing is stored about that patron");
                };
                let messages: usize = export.conversations.iter().map(|c| c.messages.len()).sum();
                println!(
                    "would erase {} conversations with {messages} messages; run again with --yes to erase",
                    export.conversations.len()
                );
                return Ok(());
            }
            let Some(erased) = store.erase_patron(&who).await? else {
                anyhow::bail!("nothing is stored about that patron");
            };
            println!(
                "erased {} messages, {} tickets, {} conversations, {} deliveries",
                erased.messages, erased.tickets, erased.conversations, erased.deliveries
            );
            Ok(())
        }),
        Command::Eval(args) => run_eval(&settings, args),
        Command::Faq {
            command: FaqCommand::Check { dir },
        } => Ok(faq_check(
            dir.as_deref().unwrap_or(&settings.faq.dir),
            &settings,
        )),
        Command::Catalogue {
            command: CatalogueCommand::Import { files, format },
        } => catalogue_import(&settings, &files, &format),
        Command::Catalogue {
            command: CatalogueCommand::Search { query, json, limit },
        } => catalogue_search(&settings, &query, json, limit),
        Command::Bench {
            command: BenchCommand::Catalogue { queries, rounds },
        } => crate::bench::catalogue::run(&settings, queries.as_deref(), rounds),
        Command::Bench {
            command:
                BenchCommand::Answer {
                    faq,
                    entries,
                    rounds,
                },
        } => bench_answer(&settings, faq.as_deref(), entries, rounds),
        Command::Bench {
            command:
                BenchCommand::Chat {
                    database_url,
                    clients,
                    messages_per_client,
                    instances,
                    urls,
                },
        } => bench_chat(
            settings,
            database_url,
            clients,
            messages_per_client,
            instances,
            urls,
        ),
    }
}

fn load_faq(settings: &Settings, dir: Option<&Path>) -> anyhow::Result<FaqSet> {
    let origin = match dir {
        Some(dir) => crate::faq::origin(dir, false)?,
        None => crate::faq::origin(&settings.faq.dir, settings.faq.is_default_dir())?,
    };
    if origin == FaqOrigin::Sample {
        eprintln!(
            "no FAQ directory at {}: using the built-in sample FAQ",
            settings.faq.dir.display()
        );
    }
    crate::faq::load(&origin, &settings.faq.default_language)
}

fn engine(settings: &Settings, dir: Option<&Path>) -> anyhow::Result<AnswerEngine> {
    AnswerEngine::new(load_faq(settings, dir)?, settings.answer.clone())
}

/// `refdesk init`: a starter `refdesk.toml` and the sample FAQ in `faq/`, never over
/// existing files.
fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let config = dir.join("refdesk.toml");
    if config.exists() {
        println!("{} exists: left as it is", config.display());
    } else {
        write_private(&config, include_str!("../config.example.toml"))
            .with_context(|| format!("cannot write {}", config.display()))?;
        println!(
            "wrote {} (every setting, with its default)",
            config.display()
        );
    }
    let faq = dir.join("faq");
    let written = crate::faq::sample::write_to(&faq)
        .with_context(|| format!("cannot write the sample FAQ into {}", faq.display()))?;
    println!(
        "wrote {} sample FAQ files into {} (edit them, then `refdesk faq check`)",
        written.len(),
        faq.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates a file only its owner can read: the settings file is where tokens and secrets go.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The local catalogue index, if there is one. On a shared PostgreSQL it is first brought up
/// to date with the database, as a running instance would (if the database cannot be reached,
/// or a service here holds the index's writer, it is used as it is).
fn open_catalogue(settings: &Settings) -> anyhow::Result<Option<CatalogueIndex>> {
    use crate::store::Backend;
    let (dir, boosts) = (&settings.catalogue.index_dir, settings.catalogue.boosts);
    if Backend::of_url(&settings.database.url) != Some(Backend::Postgres) {
        return CatalogueIndex::open_existing(dir, boosts);
    }
    let index = std::sync::Arc::new(CatalogueIndex::open_or_create(dir, boosts)?);
    let synced = tokio::runtime::Runtime::new()?.block_on(async {
        let store = crate::store::Store::connect(&settings.database).await?;
        let applied = crate::workers::catalogue_sync::sync_once(&store, &index).await;
        store.close().await;
        applied
    });
    if let Err(e) = synced {
        eprintln!("note: the catalogue index was not brought up to date with the database ({e:#})");
    }
    let index = std::sync::Arc::into_inner(index).context("the catalogue index is still in use")?;
    Ok((!index.is_empty()).then_some(index))
}

fn catalogue_import(
    settings: &Settings,
    files: &[PathBuf],
    format: &str,
) -> anyhow::Result<ExitCode> {
    let format = match format {
        "auto" => None,
        f => Some(f.parse::<Format>().map_err(|e| anyhow::anyhow!(e))?),
    };
    if crate::store::Backend::of_url(&settings.database.url)
        == Some(crate::store::Backend::Postgres)
    {
        return catalogue_import_shared(settings, files, format);
    }
    let index =
        CatalogueIndex::open_or_create(&settings.catalogue.index_dir, settings.catalogue.boosts)?;
    let started = std::time::Instant::now();
    let report = import_files(&index, files, format, &mut std::io::stderr())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} records read, {} indexed, {} rejected in {:.1} s ({:.0} records/s); the catalogue now holds {} records",
        report.read,
        report.indexed,
        report.rejected,
        secs,
        report.read as f64 / secs.max(0.001),
        index.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// On PostgreSQL the records go to the database, which every instance's index follows
/// (`workers::catalogue_sync`): one import, run from anywhere, reaches them all.
fn catalogue_import_shared(
    settings: &Settings,
    files: &[PathBuf],
    format: Option<Format>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    let store = runtime.block_on(crate::store::Store::connect(&settings.database))?;
    let started = std::time::Instant::now();
    let mut newest = 0;
    let report = read_records(files, format, &mut std::io::stderr(), &mut |records| {
        if !records.is_empty() {
            newest = runtime.block_on(store.put_catalogue_records(records))?;
        }
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} records read, {} stored, {} rejected in {:.1} s ({:.0} records/s); every instance on this database answers from them within seconds (change {newest})",
        report.read,
        report.indexed,
        report.rejected,
        secs,
        report.read as f64 / secs.max(0.001),
    );
    runtime.block_on(store.close());
    Ok(ExitCode::SUCCESS)
}

fn catalogue_search(
    settings: &Settings,
    query: &str,
    json: bool,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let Some(index) = open_catalogue(settings)? else {
        anyhow::bail!(
            "no catalogue index in {}: run `refdesk catalogue import` first",
            settings.catalogue.index_dir.display()
        );
    };
    let hits: Vec<CatalogueHit> = if crate::catalogue::isbn::to_isbn13(query).is_some() {
        index
            .by_isbn(query)
            .into_iter()
            .map(|record| CatalogueHit {
                record,
                score: 1.0,
                coverage: 1.0,
            })
            .collect()
    } else {
        index.search(query, None, limit)
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for h in &hits {
        if json {
            writeln!(out, "{}", serde_json::to_string(h)?)?;
        } else {
            let r = &h.record;
            writeln!(
                out,
                "{:>7.2}  {}  {} / {} ({})  [{}]",
                h.score,
                r.id,
                r.title,
                r.authors.first().map(String::as_str).unwrap_or("-"),
                r.year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "n.d.".into()),
                r.call_number.as_deref().unwrap_or("no call number")
            )?;
        }
    }
    if hits.is_empty() && !json {
        eprintln!("nothing found");
    }
    Ok(ExitCode::SUCCESS)
}

fn faq_check(dir: &Path, settings: &Settings) -> ExitCode {
    match load_dir(dir, &settings.faq.default_language) {
        Ok(set) => {
            println!(
                "{}: {} entries, {} files, languages: {}",
                dir.display(),
                set.ids().len(),
                set.entries.len(),
                set.languages().join(", ")
            );
            match AnswerEngine::new(set, settings.answer.clone()) {
                Ok(engine) => {
                    for c in engine.calibrations() {
                        print!("{}", calibration_report(c));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("{}: cannot index the FAQ: {e:#}", dir.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(errors) => {
            for e in &errors {
                println!("{e}");
            }
            eprintln!("{} problem(s) found", errors.len());
            ExitCode::FAILURE
        }
    }
}

/// What calibration found for one language, and where staff should add phrasings.
fn calibration_report(c: &crate::answer::calibration::Calibration) -> String {
    let mut out = String::new();
    let how = if c.fixed {
        "fixed in the settings"
    } else {
        "calibrated"
    };
    out.push_str(&format!(
        "[{}] threshold {:.2} ({how}) for precision {:.2}; estimated coverage {:.2} ({} phrasings asked back, {} unanswerable questions)\n",
        c.lang,
        c.threshold,
        c.target_precision,
        c.estimated_coverage,
        c.answerable_samples,
        c.unanswerable_samples
    ));
    if !c.few_phrasings.is_empty() {
        let shown: Vec<&str> = c
            .few_phrasings
            .iter()
            .take(12)
            .map(String::as_str)
            .collect();
        let more = c.few_phrasings.len().saturating_sub(shown.len());
        out.push_str(&format!(
            "[{}] {} entries with few phrasings (add alternates in patrons' words): {}{}\n",
            c.lang,
            c.few_phrasings.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    for (asked, got, n) in c.confusions.iter().take(10) {
        out.push_str(&format!(
            "[{}] hard to tell apart: {n} phrasing(s) of `{asked}` were taken for `{got}`\n",
            c.lang
        ));
    }
    out
}

#[derive(Serialize)]
struct AskLine<'a> {
    explanation: &'a crate::answer::Explanation,
    q: &'a str,
    outcome: &'static str,
    faq_id: Option<&'a str>,
    confidence: f32,
    candidates: &'a [Candidate],
    lang: &'a str,
    reply: &'a str,
    records: &'a [String],
}

fn ask(settings: &Settings, args: AskArgs) -> anyhow::Result<ExitCode> {
    let catalogue = open_catalogue(settings)?.map(std::sync::Arc::new);
    let engine = engine(settings, args.faq.as_deref())?
        .with_catalogue(catalogue, settings.catalogue.clone());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let answer_one = |q: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let a = engine.answer_explained(q, args.lang.as_deref());
        if args.json {
            let line = AskLine {
                explanation: &a.explanation,
                q,
                outcome: a.outcome.as_str(),
                faq_id: a.faq_id.as_deref(),
                confidence: (a.confidence * 1000.0).round() / 1000.0,
                candidates: &a.candidates,
                lang: &a.lang,
                reply: &a.reply,
                records: &a.records,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else {
            writeln!(out, "{}", a.reply)?;
        }
        Ok(())
    };
    if args.text == "-" {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("cannot read stdin")?;
            if !line.trim().is_empty() {
                answer_one(line.trim(), &mut out)?;
            }
        }
    } else {
        answer_one(&args.text, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_eval(settings: &Settings, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let catalogue = open_catalogue(settings)?.map(std::sync::Arc::new);
    let engine = engine(settings, args.faq.as_deref())?
        .with_catalogue(catalogue, settings.catalogue.clone());
    let file = std::fs::File::open(&args.cases)
        .with_context(|| format!("cannot open {}", args.cases.display()))?;
    let cases = eval::read_cases(
        std::io::BufReader::new(file),
        &args.cases.display().to_string(),
    )?;
    let report = eval::evaluate(&engine, &cases);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text(args.misses));
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_answer(
    settings: &Settings,
    dir: Option<&Path>,
    entries: usize,
    rounds: usize,
) -> anyhow::Result<ExitCode> {
    let base = load_faq(settings, dir)?;
    let small = AnswerEngine::new(base.clone(), settings.answer.clone())?;
    let build = std::time::Instant::now();
    let large = AnswerEngine::new(
        crate::bench::synthetic_faq(&base, entries),
        settings.answer.clone(),
    )?;
    let build = build.elapsed();
    println!(
        "answer() latency, {} queries x {rounds} rounds",
        crate::bench::QUERIES.len()
    );
    for (name, engine) in [
        (
            format!("{} entries (sample FAQ)", small.faq().ids().len()),
            &small,
        ),
        (format!("{entries} entries (generated)"), &large),
    ] {
        let l = crate::bench::measure(engine, rounds);
        println!(
            "{name:<28} p50 {:>8.1} µs   p99 {:>8.1} µs   max {:>8.1} µs   ({} calls)",
            l.p50.as_secs_f64() * 1e6,
            l.p99.as_secs_f64() * 1e6,
            l.max.as_secs_f64() * 1e6,
            l.calls
        );
    }
    let calibration: std::time::Duration = large.calibrations().map(|c| c.took).sum();
    println!(
        "index build and calibration for {entries} entries: {:.2} s (calibration {:.2} s)",
        build.as_secs_f64(),
        calibration.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_chat(
    mut settings: Settings,
    database_url: Option<String>,
    clients: usize,
    per_client: usize,
    instances: usize,
    urls: Vec<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(bad) = urls
        .iter()
        .find(|u| !u.starts_with("ws://") && !u.starts_with("wss://"))
    {
        anyhow::bail!("--url {bad}: a web chat socket address, ws://HOST:PORT/chat/ws");
    }
    let tmp = tempfile_dir()?;
    settings.database.url =
        database_url.unwrap_or_else(|| format!("sqlite://{}/bench.db", tmp.display()));
    if instances != 1
        && crate::store::Backend::of_url(&settings.database.url)
            != Some(crate::store::Backend::Postgres)
    {
        anyhow::bail!(
            "several instances share a PostgreSQL database: give --database-url postgres://..."
        );
    }
    let backend = settings
        .database
        .url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let runtime = tokio::runtime::Runtime::new()?;
    let (backend, r) = if urls.is_empty() {
        let r = runtime.block_on(crate::bench::chat::run(
            settings,
            instances.max(1),
            clients,
            per_client,
        ))?;
        (backend, r)
    } else {
        let r = runtime.block_on(crate::bench::chat::drive(&urls, clients, per_client))?;
        (format!("server at {}", urls.join(", ")), r)
    };
    let _ = std::fs::remove_dir_all(&tmp);
    // The same clients against a bare echo socket, in the same run: the machine's ceiling.
    let echo = runtime.block_on(crate::bench::chat::run_echo(clients, per_client))?;
    let line = |name: &str, r: &crate::bench::chat::ChatBenchResult| {
        println!(
            "{name}: {} messages from {clients} patrons in {:.2} s = {:.0} messages/s; reply time p50 {:.2} ms, p99 {:.2} ms",
            r.messages,
            r.elapsed.as_secs_f64(),
            r.rate(),
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3
        )
    };
    let backend = match instances {
        1 => backend,
        n => format!("{backend} ({n} instances)"),
    };
    line(&backend, &r);
    line("echo", &echo);
    println!(
        "{backend} answers {:.1}% of the echo ceiling's messages/s",
        100.0 * r.rate() / echo.rate()
    );
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("refdesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs `work` against the configured database, which must exist already (so a command
/// run in the wrong directory does not make a new, empty one).
fn with_store<F, Fut>(settings: &Settings, work: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(crate::store::Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    require_database(settings)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = crate::store::Store::connect(&settings.database).await?;
        let result = work(store.clone()).await;
        store.close().await;
        result
    })?;
    Ok(ExitCode::SUCCESS)
}

fn require_database(settings: &Settings) -> anyhow::Result<()> {
    if let Some(path) = crate::store::sqlite_path(&settings.database.url)
        && !path.exists()
    {
        anyhow::bail!(
            "there is no database at {} (database.url): run this where refdesk serve runs, or pass --config",
            path.display()
        );
    }
    Ok(())
}

/// One line of stdin, checked as a new password and hashed.
fn read_new_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']);
    crate::auth::check_new_password(password).map_err(anyhow::Error::msg)?;
    crate::auth::hash_password(password)
}

async fn patron_ref(
    store: &crate::store::Store,
    args: &PatronArgs,
) -> anyhow::Result<crate::store::PatronRef> {
    match (&args.channel, &args.id, args.ticket) {
        (Some(channel), Some(id), _) => Ok(crate::store::PatronRef {
            channel: *channel,
            id: id.clone(),
        }),
        (_, _, Some(ticket)) => store
            .patron_of_ticket(ticket)
            .await?
            .ok_or_else(|| anyhow::anyhow!("there is no ticket {ticket}")),
        _ => anyhow::bail!("name the patron with --channel and --id, or with --ticket"),
    }
}

fn add_librarian(
    settings: &Settings,
    name: &str,
    admin: bool,
    create_database: bool,
    languages: &[String],
) -> anyhow::Result<ExitCode> {
    crate::auth::check_username(name).map_err(anyhow::Error::msg)?;
    let languages =
        crate::lang::check_codes(languages).map_err(|e| anyhow::anyhow!("--languages: {e}"))?;
    if let Some(path) = crate::store::sqlite_path(&settings.database.url)
        && !path.exists()
        && !create_database
    {
        anyhow::bail!(
            "there is no database at {} (database.url): run this where refdesk serve runs, or pass --config; add --create-database to start a new one",
            path.display()
        );
    }
    let hash = read_new_password()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let created = runtime.block_on(async {
        let store = crate::store::Store::connect(&settings.database).await?;
        let role = if admin {
            crate::domain::Role::Admin
        } else {
            crate::domain::Role::Librarian
        };
        let created = store
            .add_librarian(name, &hash, role, crate::domain::now_ms())
            .await;
        if matches!(created, Ok(true)) && !languages.is_empty() {
            store.set_librarian_languages(name, &languages).await?;
        }
        store.close().await;
        created
    })?;
    if !created {
        anyhow::bail!("a librarian called {name} already exists");
    }
    println!("{name} can now sign in at /desk");
    Ok(ExitCode::SUCCESS)
}
