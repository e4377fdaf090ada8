//! The FAQ file format: one Markdown file per entry with TOML front matter.
//!
//! `parse` turns one file into an entry (or `path:line` errors), `load` reads a whole directory
//! and checks what only the set as a whole can show (duplicate ids, orphan translations), and
//! `watch` reloads the directory when staff change a file.

mod load;
mod parse;
pub mod sample;
pub mod thesaurus;
mod watch;

use std::path::{Path, PathBuf};

pub use load::{FaqSet, load_dir};
pub use parse::{FaqEntry, FaqError, parse_entry};
pub use thesaurus::Thesaurus;
pub use watch::{FaqWatcher, spawn_watcher};

/// Where the FAQ comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaqOrigin {
    Dir(PathBuf),
    /// No FAQ directory where the default setting looks: the sample compiled in.
    Sample,
}

/// Decides where the FAQ comes from: `dir` if it exists and has entries; the built-in
/// sample if `dir` is the default one and missing (a first start from nothing). A missing
/// directory someone configured, or one with no entries, is an error that says what to do.
pub fn origin(dir: &Path, is_default_dir: bool) -> anyhow::Result<FaqOrigin> {
    if !dir.exists() {
        if is_default_dir {
            return Ok(FaqOrigin::Sample);
        }
        anyhow::bail!(
            "the FAQ directory {} does not exist: fix faq.dir in the settings, or run `refdesk init` to write the sample FAQ",
            dir.display()
        );
    }
    if !has_entries(dir) {
        anyhow::bail!(
            "the FAQ directory {} has no entries (*.md files): add some, or run `refdesk init` there to write the sample FAQ",
            dir.display()
        );
    }
    Ok(FaqOrigin::Dir(dir.to_path_buf()))
}

fn has_entries(dir: &Path) -> bool {
    let mut found = Vec::new();
    load::collect_markdown(dir, &mut found).is_ok() && !found.is_empty()
}

/// Loads the FAQ from where `origin` says, every problem in one error.
pub fn load(origin: &FaqOrigin, default_lang: &str) -> anyhow::Result<FaqSet> {
    let (result, from) = match origin {
        FaqOrigin::Dir(dir) => (load_dir(dir, default_lang), dir.display().to_string()),
        FaqOrigin::Sample => (sample::load(default_lang), "the built-in sample".into()),
    };
    result.map_err(|errors| anyhow::anyhow!("the FAQ in {from} has problems:\n{}", report(&errors)))
}

/// The problems found in the FAQ, one `path:line: ...` per line.
pub fn report(errors: &[FaqError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

#[cfg(test)]
mod origin_tests {
    use super::*;

    #[test]
    fn a_missing_default_directory_means_the_sample() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("faq");
        assert_eq!(origin(&missing, true).unwrap(), FaqOrigin::Sample);
        let err = origin(&missing, false).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn an_empty_directory_is_an_error_not_a_silent_escalator() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "notes").unwrap();
        let err = origin(dir.path(), true).unwrap_err().to_string();
        assert!(err.contains("has no entries"), "{err}");
        std::fs::create_dir(dir.path().join("loans")).unwrap();
        std::fs::write(dir.path().join("loans/renewals.md"), "x").unwrap();
        assert_eq!(
            origin(dir.path(), true).unwrap(),
            FaqOrigin::Dir(dir.path().to_path_buf())
        );
    }
}
