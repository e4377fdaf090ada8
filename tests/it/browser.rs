//! A real browser against a running refdesk: a patron asks on /chat, the question reaches the
//! librarian desk live, the librarian claims it and replies, the reply reaches the patron.
//! The browser side is tests/browser/desk.mjs (Playwright driving Debian's headless Chromium).
//!
//! Needs `apt-get install chromium` and `npm ci --prefix tests/browser`.
//! A patron whose browser is Turkish gets the chat page and the widget in Turkish and a
//! Turkish answer (tests/browser/languages.mjs), with no axe-core violations.
//! With REFDESK_SCREENSHOTS=1 it refreshes docs/screenshots/queue.png, ticket.png and
//! chat-<lang>.png.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;
use refdesk::domain::now_ms;

const PASSWORD: &str = "a long enough passphrase";

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "headless Chromium not found: install Debian's chromium package (apt-get install chromium)"
    );
    path
}

/// Where screenshots go: `docs/screenshots` with REFDESK_SCREENSHOTS=1, else `scratch`.
fn screenshot_dir(scratch: &Path) -> PathBuf {
    if std::env::var("REFDESK_SCREENSHOTS").as_deref() == Ok("1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")
    } else {
        scratch.to_path_buf()
    }
}

/// Runs `node tests/browser/SCRIPT` with `env` (and CHROMIUM) and fails with its output
/// unless it succeeds.
async fn run_script(script: &str, env: &[(&str, &str)]) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = chromium();
    assert!(
        manifest
            .join("tests/browser/node_modules/playwright-core")
            .exists()
            && manifest
                .join("tests/browser/node_modules/axe-core")
                .exists(),
        "run `npm ci --prefix tests/browser` first (.ci/run does)"
    );
    let started = Instant::now();
    let child = tokio::process::Command::new("node")
        .arg(format!("tests/browser/{script}"))
        .current_dir(manifest)
        .envs(env.iter().copied())
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (install Node.js 20 or newer)");
    // The scripts give up by themselves after two or three minutes; this is only a backstop.
    let out = tokio::time::timeout(Duration::from_secs(200), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} finishes within 200 s"))
        .expect("the script's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed ({}) after {:.1} s\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status,
        started.elapsed().as_secs_f64()
    );
    println!("{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patron_question_reaches_the_desk_and_the_reply_comes_back() {
    let t = spawn_app(Db::Sqlite).await;
    let hash = refdesk::auth::hash_password(PASSWORD).unwrap();
    assert!(
        t.app
            .store()
            .add_librarian("ann", &hash, refdesk::domain::Role::Librarian, now_ms())
            .await
            .unwrap()
    );
    let scratch = tempfile::tempdir().unwrap();
    let screenshots = screenshot_dir(scratch.path());
    run_script(
        "desk.mjs",
        &[
            ("REFDESK_URL", &t.http_url("")),
            ("DESK_USER", "ann"),
            ("DESK_PASSWORD", PASSWORD),
            ("SCREENSHOT_DIR", &screenshots.display().to_string()),
        ],
    )
    .await;
    t.app.shutdown().await;
}

const QUESTION_TR: &str = "Kütüphane kartı nasıl alırım?";
const ANSWER_TR: &str = "Kütüphane kartınızı giriş katındaki danışma masasından alabilirsiniz. Öğrenci kimliğinizi getirmeniz yeterli; kart aynı gün hazır olur.";

/// A FAQ of one entry and its Turkish translation, for the Turkish patron.
fn library_card_faq() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "library-card.md",
        "+++\nquestion = \"How do I get a library card?\"\nalternates = [\"apply for a library card\", \"new reader card\"]\n+++\nAsk at the front desk on the ground floor with your student ID; the card is ready the same day.\n",
    );
    write(
        "library-card.tr.md",
        &format!(
            "+++\nquestion = \"Kütüphane kartını nasıl alırım?\"\nalternates = [\"kütüphane kartı başvurusu\", \"okuyucu kartı almak\", \"kart çıkarmak\"]\n+++\n{ANSWER_TR}\n"
        ),
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turkish_patron_gets_the_chat_and_the_answer_in_turkish() {
    let faq = library_card_faq();
    let t = spawn_app_with(
        Db::Sqlite,
        |s| s.faq.dir = faq.path().to_path_buf(),
        Vec::new(),
    )
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let screenshots = screenshot_dir(scratch.path());
    run_script(
        "languages.mjs",
        &[
            ("REFDESK_URL", &t.http_url("")),
            ("QUESTION_TR", QUESTION_TR),
            ("ANSWER_TR", ANSWER_TR),
            ("LIBRARY_NAME", &t.settings.library.name),
            ("SCREENSHOT_DIR", &screenshots.display().to_string()),
        ],
    )
    .await;
    t.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_hand_over_draft_rating_and_out_of_hours_in_the_browser() {
    let t = spawn_app_with(Db::Sqlite, hours_closed_now, Vec::new()).await;
    let hash = refdesk::auth::hash_password(PASSWORD).unwrap();
    for name in ["ann", "ben"] {
        assert!(
            t.app
                .store()
                .add_librarian(name, &hash, refdesk::domain::Role::Librarian, now_ms())
                .await
                .unwrap()
        );
    }
    let scratch = tempfile::tempdir().unwrap();
    let screenshots = screenshot_dir(scratch.path());
    run_script(
        "shift.mjs",
        &[
            ("REFDESK_URL", &t.http_url("")),
            ("ANN", "ann"),
            ("BEN", "ben"),
            ("DESK_PASSWORD", PASSWORD),
            ("SCREENSHOT_DIR", &screenshots.display().to_string()),
        ],
    )
    .await;
    t.app.shutdown().await;
}
