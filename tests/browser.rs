//! A real browser against a running refdesk: a patron asks on /chat, the question reaches the
//! librarian desk live, the librarian claims it and replies, the reply reaches the patron.
//! The browser side is tests/browser/desk.mjs (Playwright driving Debian's headless Chromium).
//!
//! Needs `apt-get install chromium` and `npm ci --prefix tests/browser`.
//! With REFDESK_SCREENSHOTS=1 it refreshes docs/screenshots/queue.png and ticket.png.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use refdesk::domain::now_ms;
use support::*;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patron_question_reaches_the_desk_and_the_reply_comes_back() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = chromium();
    assert!(
        manifest
            .join("tests/browser/node_modules/playwright-core")
            .exists(),
        "run `npm ci --prefix tests/browser` first (.ci/run does)"
    );

    let t = spawn_app(Db::Sqlite).await;
    let hash = refdesk::auth::hash_password(PASSWORD).unwrap();
    assert!(
        t.app
            .state
            .store
            .add_librarian("ann", &hash, "librarian", now_ms())
            .await
            .unwrap()
    );

    let screenshots_tmp = tempfile::tempdir().unwrap();
    let screenshots = if std::env::var("REFDESK_SCREENSHOTS").as_deref() == Ok("1") {
        manifest.join("docs/screenshots")
    } else {
        screenshots_tmp.path().to_path_buf()
    };

    let started = Instant::now();
    let child = tokio::process::Command::new("node")
        .arg("tests/browser/desk.mjs")
        .current_dir(manifest)
        .env("REFDESK_URL", t.http_url(""))
        .env("DESK_USER", "ann")
        .env("DESK_PASSWORD", PASSWORD)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (install Node.js 20 or newer)");
    // desk.mjs gives up by itself after two minutes; this is only a backstop.
    let out = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
        .await
        .expect("desk.mjs finishes within three minutes")
        .expect("desk.mjs output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "desk.mjs failed ({}) after {:.1} s\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status,
        started.elapsed().as_secs_f64()
    );
    println!("{stdout}");

    t.app.shutdown().await;
}
