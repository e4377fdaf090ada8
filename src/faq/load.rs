use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::Thesaurus;
use super::parse::{FaqEntry, FaqError, parse_entry};

/// A validated FAQ: every entry of a directory, in every language, sorted by path, and the
/// synonyms its analysis uses (built-in vocabulary plus the directory's `synonyms.toml`).
#[derive(Debug, Clone, Default)]
pub struct FaqSet {
    pub entries: Vec<FaqEntry>,
    pub default_lang: String,
    pub thesaurus: Thesaurus,
}

impl FaqSet {
    /// A short fingerprint of what the FAQ says (every entry and the thesaurus): two
    /// instances with the same version answer from the same FAQ.
    pub fn version(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut entries: Vec<&FaqEntry> = self.entries.iter().collect();
        entries.sort_by(|a, b| (&a.id, &a.lang).cmp(&(&b.id, &b.lang)));
        let mut hash = Sha256::new();
        for e in entries {
            for part in [&e.id, &e.lang, &e.question, &e.answer]
                .into_iter()
                .chain(&e.alternates)
                .chain(&e.tags)
            {
                hash.update(part.as_bytes());
                hash.update([0x1f]);
            }
            hash.update([0x1e]);
        }
        hash.update(format!("{:?}", self.thesaurus).as_bytes());
        hex::encode(&hash.finalize()[..6])
    }

    /// The languages that have at least one entry, default language first.
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = vec![self.default_lang.clone()];
        for e in &self.entries {
            if !langs.contains(&e.lang) {
                langs.push(e.lang.clone());
            }
        }
        langs
    }

    pub fn entries_in(&self, lang: &str) -> impl Iterator<Item = &FaqEntry> {
        self.entries.iter().filter(move |e| e.lang == lang)
    }

    /// Distinct entry ids (an entry and its translations count once).
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .entries_in(&self.default_lang)
            .map(|e| e.id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// Reads every `*.md` file under `dir` (recursively; `README.md` files are documentation and
/// skipped) and validates the set. All problems are returned, not just the first.
pub fn load_dir(dir: &Path, default_lang: &str) -> Result<FaqSet, Vec<FaqError>> {
    let mut paths = Vec::new();
    if let Err(e) = collect_markdown(dir, &mut paths) {
        return Err(vec![FaqError::new(
            dir,
            0,
            format!("cannot read the FAQ directory: {e}"),
        )]);
    }
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match fs::read_to_string(&path) {
            Ok(text) => files.push((path, text)),
            Err(e) => errors.push(FaqError::new(
                &path,
                0,
                format!("cannot read the file: {e}"),
            )),
        }
    }
    let thesaurus = Thesaurus::for_faq_dir(dir);
    match load_files(files, thesaurus, default_lang) {
        Ok(set) if errors.is_empty() => Ok(set),
        Ok(_) => Err(errors),
        Err(mut more) => {
            errors.append(&mut more);
            Err(errors)
        }
    }
}

/// Validates FAQ files already read (`(path, text)`, sorted by path) into a set.
pub fn load_files(
    files: Vec<(PathBuf, String)>,
    thesaurus: Result<Thesaurus, Vec<FaqError>>,
    default_lang: &str,
) -> Result<FaqSet, Vec<FaqError>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in &files {
        match parse_entry(path, text, default_lang) {
            Ok(entry) => entries.push(entry),
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    errors.extend(check_set(&entries, default_lang));
    let thesaurus = thesaurus.unwrap_or_else(|mut errs| {
        errors.append(&mut errs);
        Thesaurus::builtin()
    });
    if errors.is_empty() {
        Ok(FaqSet {
            entries,
            default_lang: default_lang.to_string(),
            thesaurus,
        })
    } else {
        Err(errors)
    }
}

/// Problems that only the whole set shows: the same id twice in one language (for example
/// `hours.md` and `hours.en.md`, or two folders with the same file name), and translations
/// whose original is missing.
fn check_set(entries: &[FaqEntry], default_lang: &str) -> Vec<FaqError> {
    let mut errors = Vec::new();
    let mut seen: HashMap<(&str, &str), &Path> = HashMap::new();
    for e in entries {
        if let Some(first) = seen.insert((&e.id, &e.lang), &e.path) {
            errors.push(FaqError::new(
                &e.path,
                1,
                format!(
                    "duplicate id `{}` ({}): already defined in {}",
                    e.id,
                    e.lang,
                    first.display()
                ),
            ));
        }
    }
    for e in entries.iter().filter(|e| e.lang != default_lang) {
        if !seen.contains_key(&(e.id.as_str(), default_lang)) {
            errors.push(FaqError::new(
                &e.path,
                1,
                format!(
                    "translation with no original: there is no `{}.md` in the default language ({default_lang})",
                    e.id
                ),
            ));
        }
    }
    errors
}

pub(super) fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for item in fs::read_dir(dir)? {
        let path = item?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue; // editor swap files, .git
        }
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn entry(q: &str) -> String {
        format!("+++\nquestion = \"{q}\"\n+++\nAn answer.\n")
    }

    #[test]
    fn loads_entries_and_translations() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "hours.md", &entry("When are you open?"));
        write(dir.path(), "hours.ru.md", &entry("Когда вы открыты?"));
        write(dir.path(), "README.md", "not an entry");
        let set = load_dir(dir.path(), "en").unwrap();
        assert_eq!(set.entries.len(), 2);
        assert_eq!(set.languages(), vec!["en", "ru"]);
        assert_eq!(set.ids(), vec!["hours"]);
    }

    #[test]
    fn duplicate_id_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "hours.md", &entry("A?"));
        write(dir.path(), "more/hours.md", &entry("B?"));
        let errors = load_dir(dir.path(), "en").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("duplicate id `hours`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn explicit_default_language_suffix_duplicates_the_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "hours.md", &entry("A?"));
        write(dir.path(), "hours.en.md", &entry("B?"));
        let errors = load_dir(dir.path(), "en").unwrap_err();
        assert!(errors[0].message.contains("duplicate id"), "{}", errors[0]);
    }

    #[test]
    fn translation_without_original_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "hours.md", &entry("A?"));
        write(dir.path(), "wifi.ru.md", &entry("Б?"));
        let errors = load_dir(dir.path(), "en").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .contains("wifi.ru.md:1: translation with no original"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn every_broken_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", "no front matter");
        write(dir.path(), "b.md", "+++\nquestion = \"Q\"\n+++\n");
        write(dir.path(), "c.md", &entry("fine"));
        let errors = load_dir(dir.path(), "en").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn missing_directory_is_an_error_not_a_panic() {
        let errors = load_dir(Path::new("/nonexistent/faq"), "en").unwrap_err();
        assert!(errors[0].message.contains("cannot read the FAQ directory"));
    }
}
