use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One FAQ entry in one language, as written by staff.
#[derive(Debug, Clone, PartialEq)]
pub struct FaqEntry {
    /// The file stem without the language suffix: `faq/renewals.ru.md` -> `renewals`.
    pub id: String,
    /// ISO 639-1 code: the suffix of a translation, or the configured default language.
    pub lang: String,
    pub question: String,
    pub alternates: Vec<String>,
    pub tags: Vec<String>,
    /// The answer in Markdown, trimmed.
    pub answer: String,
    pub path: PathBuf,
}

/// A problem in a FAQ file, printed as `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl FaqError {
    pub fn new(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for FaqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for FaqError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    question: Option<String>,
    #[serde(default)]
    alternates: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

const FENCE: &str = "+++";

/// Splits a file name into `(id, language)`: `renewals.md` -> `("renewals", None)`,
/// `renewals.ru.md` -> `("renewals", Some("ru"))`.
pub fn split_file_name(name: &str) -> Option<(&str, Option<&str>)> {
    let stem = name.strip_suffix(".md")?;
    match stem.rsplit_once('.') {
        Some((id, lang)) if is_language_code(lang) => Some((id, Some(lang))),
        _ => Some((stem, None)),
    }
}

fn is_language_code(s: &str) -> bool {
    (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Parses one FAQ file. `default_lang` is the language of files without a language suffix.
/// Every problem found is returned, each with the line it is on.
pub fn parse_entry(path: &Path, text: &str, default_lang: &str) -> Result<FaqEntry, Vec<FaqError>> {
    let err = |line: usize, msg: String| vec![FaqError::new(path, line, msg)];
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let Some((id, lang)) = split_file_name(file_name) else {
        return Err(err(1, "not a Markdown file (expected a .md name)".into()));
    };
    if !is_valid_id(id) {
        return Err(err(
            1,
            format!(
                "invalid entry id `{id}`: use lowercase letters, digits and '-' in the file name"
            ),
        ));
    }
    let lang = lang.unwrap_or(default_lang).to_string();

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.first().map(|l| l.trim_end()) != Some(FENCE) {
        return Err(err(
            1,
            format!("missing front matter: the file must start with a `{FENCE}` line"),
        ));
    }
    let Some(close) = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == FENCE)
        .map(|i| i + 1)
    else {
        return Err(err(
            1,
            format!("front matter is not closed: no second `{FENCE}` line"),
        ));
    };
    let front = lines[1..close].join("\n");
    let answer = lines[close + 1..].join("\n").trim().to_string();

    // Line numbers: the front matter text starts on line 2 of the file.
    let line_of_offset = |offset: usize| 2 + front[..offset.min(front.len())].matches('\n').count();
    let meta: FrontMatter = match toml::from_str(&front) {
        Ok(meta) => meta,
        Err(e) => {
            let line = e.span().map(|s| line_of_offset(s.start)).unwrap_or(1);
            return Err(err(line, describe_toml_error(&e)));
        }
    };

    let mut errors = Vec::new();
    let key_line = |key: &str| {
        front
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| i + 2)
            .unwrap_or(1)
    };
    let question = meta.question.as_deref().map(str::trim).unwrap_or_default();
    if meta.question.is_none() {
        errors.push(FaqError::new(
            path,
            1,
            "missing `question` in the front matter",
        ));
    } else if question.is_empty() {
        errors.push(FaqError::new(
            path,
            key_line("question"),
            "`question` is empty",
        ));
    }
    if meta.alternates.iter().any(|a| a.trim().is_empty()) {
        errors.push(FaqError::new(
            path,
            key_line("alternates"),
            "`alternates` contains an empty string",
        ));
    }
    if meta.tags.iter().any(|t| t.trim().is_empty()) {
        errors.push(FaqError::new(
            path,
            key_line("tags"),
            "`tags` contains an empty string",
        ));
    }
    if answer.is_empty() {
        errors.push(FaqError::new(
            path,
            close + 2,
            "empty answer: write the answer below the front matter",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FaqEntry {
        id: id.to_string(),
        lang,
        question: question.to_string(),
        alternates: meta
            .alternates
            .into_iter()
            .map(|a| a.trim().to_string())
            .collect(),
        tags: meta
            .tags
            .into_iter()
            .map(|t| t.trim().to_string())
            .collect(),
        answer,
        path: path.to_path_buf(),
    })
}

/// The first line of toml's message, which names the problem; the rest is a source excerpt
/// that would repeat what `path:line` already says.
fn describe_toml_error(e: &toml::de::Error) -> String {
    let msg = e.message().lines().next().unwrap_or("invalid TOML").trim();
    if msg.starts_with("unknown field") {
        format!("{msg} in the front matter")
    } else {
        format!("bad TOML in the front matter: {msg}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<FaqEntry, Vec<FaqError>> {
        parse_entry(Path::new(name), text, "en")
    }

    fn only_error(name: &str, text: &str) -> FaqError {
        let errors = parse(name, text).expect_err("expected an error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    const GOOD: &str = "+++\nquestion = \"How do I renew?\"\nalternates = [\"extend loan\"]\ntags = [\"loans\"]\n+++\nLog in and press Renew.\n";

    #[test]
    fn parses_a_good_entry() {
        let e = parse("faq/renewals.md", GOOD).unwrap();
        assert_eq!(e.id, "renewals");
        assert_eq!(e.lang, "en");
        assert_eq!(e.question, "How do I renew?");
        assert_eq!(e.alternates, vec!["extend loan"]);
        assert_eq!(e.tags, vec!["loans"]);
        assert_eq!(e.answer, "Log in and press Renew.");
    }

    #[test]
    fn translation_suffix_sets_language() {
        let e = parse("faq/renewals.ru.md", GOOD).unwrap();
        assert_eq!((e.id.as_str(), e.lang.as_str()), ("renewals", "ru"));
    }

    #[test]
    fn unknown_key_is_reported_on_its_line() {
        let text = "+++\nquestion = \"Q?\"\nanswer_link = \"x\"\n+++\nA.\n";
        let e = only_error("faq/x.md", text);
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("unknown field"), "{e}");
        assert_eq!(e.to_string(), format!("faq/x.md:3: {}", e.message));
    }

    #[test]
    fn missing_question() {
        let e = only_error("faq/x.md", "+++\ntags = [\"a\"]\n+++\nA.\n");
        assert!(e.message.contains("missing `question`"), "{e}");
    }

    #[test]
    fn empty_question() {
        let e = only_error("faq/x.md", "+++\n\nquestion = \"  \"\n+++\nA.\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("`question` is empty"), "{e}");
    }

    #[test]
    fn empty_answer_points_below_the_front_matter() {
        let e = only_error("faq/x.md", "+++\nquestion = \"Q?\"\n+++\n\n   \n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("empty answer"), "{e}");
    }

    #[test]
    fn bad_toml_names_the_line() {
        let e = only_error(
            "faq/x.md",
            "+++\nquestion = \"Q?\"\ntags = [\"a\",\n+++\nA.\n",
        );
        assert!(e.message.starts_with("bad TOML"), "{e}");
        assert!(e.line >= 3, "{e}");
        let e = only_error("faq/x.md", "+++\nquestion = \"unterminated\n+++\nA.\n");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn wrong_type_is_bad_toml() {
        let e = only_error(
            "faq/x.md",
            "+++\nquestion = \"Q\"\ntags = \"loans\"\n+++\nA.\n",
        );
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn missing_or_unclosed_front_matter() {
        let e = only_error("faq/x.md", "question = \"Q\"\nA.\n");
        assert!(e.message.contains("missing front matter"), "{e}");
        let e = only_error("faq/x.md", "+++\nquestion = \"Q\"\nA.\n");
        assert!(e.message.contains("not closed"), "{e}");
    }

    #[test]
    fn invalid_id_and_empty_list_items() {
        let e = only_error("faq/Bad Name.md", GOOD);
        assert!(e.message.contains("invalid entry id"), "{e}");
        let e = only_error(
            "faq/x.md",
            "+++\nquestion = \"Q\"\nalternates = [\"\"]\n+++\nA.\n",
        );
        assert_eq!(e.line, 3);
    }

    #[test]
    fn several_problems_are_all_reported() {
        let errors = parse("faq/x.md", "+++\nalternates = [\" \"]\n+++\n").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn file_names_split_into_id_and_language() {
        assert_eq!(split_file_name("hours.md"), Some(("hours", None)));
        assert_eq!(split_file_name("hours.ru.md"), Some(("hours", Some("ru"))));
        assert_eq!(split_file_name("v1.2.md"), Some(("v1.2", None)));
        assert_eq!(split_file_name("notes.txt"), None);
    }
}

#[cfg(test)]
mod fuzz {
    use std::path::Path;

    use proptest::prelude::*;

    use super::parse_entry;
    use crate::fuzz::{config, edits, mutate};

    const VALID: &str = include_str!("../../faq/renewals.md");

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn near_valid_files_never_panic(e in edits()) {
            let bytes = mutate(VALID.as_bytes(), &e);
            let _ = parse_entry(Path::new("faq/renewals.md"), &String::from_utf8_lossy(&bytes), "en");
        }

        #[test]
        fn any_text_never_panics(front in ".{0,200}", body in ".{0,200}") {
            let text = format!("+++\n{front}\n+++\n{body}");
            let _ = parse_entry(Path::new("faq/x.ru.md"), &text, "en");
            let _ = parse_entry(Path::new("faq/x.md"), &front, "en");
        }
    }
}
