//! Reloads the FAQ when a file under its directory changes and hands the new set to whoever
//! asked (the application rebuilds its answer engine). A broken edit is logged
//! (`path:line: ...`) and nothing is handed on, so the last good FAQ keeps serving.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use notify::{RecursiveMode, Watcher};

use super::FaqSet;

/// Editors write a file in several steps; wait for quiet before rebuilding.
const SETTLE: Duration = Duration::from_millis(250);

/// Keeps the watch alive; dropping it stops watching.
pub struct FaqWatcher {
    _watcher: notify::RecommendedWatcher,
}

/// Watches `dir`; `on_change` gets every FAQ that loads without problems after a change,
/// and says if it could not take it.
pub fn spawn_watcher(
    dir: &Path,
    default_lang: &str,
    on_change: impl Fn(FaqSet) -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<FaqWatcher> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            let _ = tx.send(());
        }
    })
    .context("cannot start the FAQ file watcher")?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;

    let dir: PathBuf = dir.to_path_buf();
    let default_lang = default_lang.to_string();
    std::thread::Builder::new()
        .name("faq-watch".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.recv_timeout(SETTLE).is_ok() {}
                let loaded = super::load_dir(&dir, &default_lang)
                    .map_err(|errors| anyhow::anyhow!("{}", super::report(&errors)));
                let entries = loaded.as_ref().map(|faq| faq.entries.len()).unwrap_or(0);
                match loaded.and_then(&on_change) {
                    Ok(()) => tracing::info!(entries, "FAQ changed: reloaded"),
                    Err(e) => tracing::error!(
                        "FAQ changed but not reloaded, still serving the last good one: {e:#}"
                    ),
                }
            }
        })
        .context("cannot start the FAQ watch thread")?;
    Ok(FaqWatcher { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    fn wait_for(mut cond: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    #[test]
    fn reloads_on_change_and_keeps_the_last_good_index() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "wifi.md",
            "+++\nquestion = \"How do I connect to the wifi?\"\n+++\nUse eduroam.\n",
        );
        let served = Arc::new(std::sync::Mutex::new(
            super::super::load_dir(dir.path(), "en").unwrap(),
        ));
        let _w = spawn_watcher(dir.path(), "en", {
            let served = served.clone();
            move |faq| {
                *served.lock().unwrap() = faq;
                Ok(())
            }
        })
        .unwrap();
        let entries = || served.lock().unwrap().entries.len();

        write(
            "parking.md",
            "+++\nquestion = \"Where can I park my car?\"\n+++\nLot E.\n",
        );
        assert!(wait_for(|| entries() == 2), "new entry not picked up");

        write("broken.md", "+++\nquestion = \n+++\n");
        std::thread::sleep(SETTLE * 4);
        assert_eq!(entries(), 2, "a broken file must not replace the FAQ");
        let faq = served.lock().unwrap();
        assert!(faq.ids().contains(&"parking"), "{:?}", faq.ids());
    }
}
