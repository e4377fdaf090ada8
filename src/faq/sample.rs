//! The sample FAQ compiled into the binary: what `refdesk serve` answers from when started
//! where there is no FAQ directory, and what `refdesk init` writes out for staff to edit.

use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};

use super::load::{FaqSet, load_files};
use super::parse::FaqError;
use super::thesaurus::{self, Thesaurus};

static SAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/faq");

/// How errors and logs name the sample's files.
const ORIGIN: &str = "(built-in sample)";

fn files() -> Vec<&'static include_dir::File<'static>> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(d) => walk(d, out),
                DirEntry::File(f) => out.push(f),
            }
        }
    }
    let mut out = Vec::new();
    walk(&SAMPLE, &mut out);
    out.sort_by_key(|f| f.path());
    out
}

/// The sample FAQ, validated like a directory's.
pub fn load(default_lang: &str) -> Result<FaqSet, Vec<FaqError>> {
    let entries = files()
        .into_iter()
        .filter(|f| f.path().extension().is_some_and(|e| e == "md"))
        .filter_map(|f| {
            let text = f.contents_utf8()?.to_string();
            Some((Path::new(ORIGIN).join(f.path()), text))
        })
        .collect();
    let synonyms = match SAMPLE
        .get_file(thesaurus::FILE_NAME)
        .and_then(|f| f.contents_utf8())
    {
        Some(text) => {
            Thesaurus::with_staff_text(text, &Path::new(ORIGIN).join(thesaurus::FILE_NAME))
        }
        None => Ok(Thesaurus::builtin()),
    };
    load_files(entries, synonyms, default_lang)
}

/// Writes the sample's files into `dir` (created), never over an existing file; returns the
/// paths written.
pub fn write_to(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for f in files() {
        let path = dir.join(f.path());
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, f.contents())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_a_valid_faq_in_every_language() {
        let set = load("en").expect("the sample FAQ is valid");
        assert!(set.ids().len() >= 40);
        for lang in ["en", "ru", "az", "tr", "be"] {
            assert!(set.entries_in(lang).count() >= 10, "{lang}");
        }
    }

    #[test]
    fn writing_out_keeps_what_staff_already_have() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hours.md"), "ours").unwrap();
        let written = write_to(dir.path()).unwrap();
        assert!(!written.contains(&dir.path().join("hours.md")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("hours.md")).unwrap(),
            "ours"
        );
        assert!(dir.path().join("renewals.az.md").exists());
    }
}
