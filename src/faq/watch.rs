//! Rebuilds the answer engine when a file under the FAQ directory changes. A broken edit is
//! logged (`path:line: ...`) and the last good engine keeps serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use arc_swap::ArcSwap;
use notify::{RecursiveMode, Watcher};

use crate::answer::{AnswerEngine, AnswerSettings};

/// Editors write a file in several steps; wait for quiet before rebuilding.
const SETTLE: Duration = Duration::from_millis(250);

/// Keeps the watch alive; dropping it stops watching.
pub struct FaqWatcher {
    _watcher: notify::RecommendedWatcher,
}

pub fn spawn_watcher(
    dir: &Path,
    default_lang: &str,
    settings: AnswerSettings,
    engine: Arc<ArcSwap<AnswerEngine>>,
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
                match reload(&dir, &default_lang, &settings) {
                    Ok(new) => {
                        tracing::info!(
                            entries = new.faq().entries.len(),
                            "FAQ changed: index rebuilt"
                        );
                        // The catalogue is not the FAQ's to change: hand it on.
                        let old = engine.load();
                        let (catalogue, catalogue_settings) = old.catalogue();
                        let name = old.library_name().to_string();
                        engine.store(Arc::new(
                            new.with_catalogue(catalogue, catalogue_settings)
                                .with_library_name(&name),
                        ));
                    }
                    Err(e) => tracing::error!(
                        "FAQ changed but not reloaded, still serving the last good index: {e:#}"
                    ),
                }
            }
        })
        .context("cannot start the FAQ watch thread")?;
    Ok(FaqWatcher { _watcher: watcher })
}

fn reload(
    dir: &Path,
    default_lang: &str,
    settings: &AnswerSettings,
) -> anyhow::Result<AnswerEngine> {
    let faq = super::load_dir(dir, default_lang).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    AnswerEngine::new(faq, settings.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let faq = super::super::load_dir(dir.path(), "en").unwrap();
        let engine = Arc::new(ArcSwap::from_pointee(
            AnswerEngine::new(faq, AnswerSettings::default()).unwrap(),
        ));
        let _w =
            spawn_watcher(dir.path(), "en", AnswerSettings::default(), engine.clone()).unwrap();

        write(
            "parking.md",
            "+++\nquestion = \"Where can I park my car?\"\n+++\nLot E.\n",
        );
        assert!(
            wait_for(|| engine.load().faq().entries.len() == 2),
            "new entry not picked up"
        );

        write("broken.md", "+++\nquestion = \n+++\n");
        std::thread::sleep(SETTLE * 4);
        assert_eq!(
            engine.load().faq().entries.len(),
            2,
            "a broken file must not replace the index"
        );
        let answer = engine.load().answer("where can i park my car", None);
        assert_eq!(answer.faq_id.as_deref(), Some("parking"));
    }
}
