//! Synonyms: words and phrases patrons use for what the FAQ calls by another name.
//!
//! Two sources, in one format: the built-in library vocabulary (`vocabulary/*.toml`, shipped
//! in the binary) and the staff's own `synonyms.toml` in the FAQ directory. Each language is
//! a TOML table whose keys are head words and whose values list what means the same:
//!
//! ```toml
//! [en]
//! return = ["give back", "bring back", "drop off"]
//! locker = ["cloakroom", "coat check"]
//! ```
//!
//! The analyser maps every member of a group, in questions and in the FAQ alike, to the head
//! word's term, so it does not matter which of them an entry uses. A member may be a phrase
//! ("give back"); a head is one word.

use std::collections::BTreeMap;
use std::path::Path;

use super::FaqError;
use crate::search::SynonymGroup;

/// The file name of the staff's synonyms in the FAQ directory.
pub const FILE_NAME: &str = "synonyms.toml";
/// A synonyms file larger than this is refused: a thesaurus of thousands of groups fits in
/// a fraction of it, and every group costs analysis time on every question.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Synonym groups by language code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thesaurus {
    groups: BTreeMap<String, Vec<SynonymGroup>>,
}

impl Thesaurus {
    /// The built-in library vocabulary.
    pub fn builtin() -> Self {
        let mut t = Self::default();
        for (lang, text) in [("en", include_str!("vocabulary/en.toml"))] {
            let parsed = parse(text, Path::new("builtin")).expect("the built-in vocabulary parses");
            for group in parsed.groups.into_values().flatten() {
                t.groups.entry(lang.to_string()).or_default().push(group);
            }
        }
        t
    }

    /// The built-in vocabulary extended with the staff's file, if `dir` has one. A staff
    /// group with the same head as a built-in one adds its members to it.
    pub fn for_faq_dir(dir: &Path) -> Result<Self, Vec<FaqError>> {
        let mut t = Self::builtin();
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(t);
        }
        let cannot_read = |e: std::io::Error| {
            vec![FaqError::new(
                &path,
                0,
                format!("cannot read the file: {e}"),
            )]
        };
        let size = std::fs::metadata(&path).map_err(cannot_read)?.len();
        if size > MAX_FILE_BYTES {
            return Err(vec![FaqError::new(
                &path,
                0,
                format!("the file is {size} bytes; the limit is {MAX_FILE_BYTES}"),
            )]);
        }
        let text = std::fs::read_to_string(&path).map_err(cannot_read)?;
        let staff = parse(&text, &path)?;
        t.extend(staff);
        Ok(t)
    }

    /// The built-in vocabulary extended with a staff file's text (`path` names it in
    /// errors).
    pub fn with_staff_text(text: &str, path: &Path) -> Result<Self, Vec<FaqError>> {
        let mut t = Self::builtin();
        t.extend(parse(text, path)?);
        Ok(t)
    }

    /// Adds `other`'s groups, merging those with a head already present.
    pub fn extend(&mut self, other: Thesaurus) {
        for (lang, groups) in other.groups {
            let mine = self.groups.entry(lang).or_default();
            for group in groups {
                match mine.iter_mut().find(|g| g.head == group.head) {
                    Some(g) => {
                        for m in group.members {
                            if !g.members.contains(&m) {
                                g.members.push(m);
                            }
                        }
                    }
                    None => mine.push(group),
                }
            }
        }
    }

    pub fn groups(&self, lang: &str) -> &[SynonymGroup] {
        self.groups.get(lang).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Parses a synonyms file: `[lang]` tables of `head = ["member", ...]`.
pub fn parse(text: &str, path: &Path) -> Result<Thesaurus, Vec<FaqError>> {
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(0);
        vec![FaqError::new(
            path,
            line,
            format!("not valid TOML: {}", e.message()),
        )]
    })?;
    let mut errors = Vec::new();
    let mut thesaurus = Thesaurus::default();
    for (lang, value) in table {
        let valid_code =
            (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
        if !valid_code {
            errors.push(FaqError::new(
                path,
                line_of(&format!("[{lang}]")),
                format!("`{lang}` is not a language code (two or three lowercase letters)"),
            ));
            continue;
        }
        let Some(groups) = value.as_table() else {
            errors.push(FaqError::new(
                path,
                line_of(&lang),
                format!(
                    "`{lang}` must be a table: [{lang}] then `word = [\"synonym\", ...]` lines"
                ),
            ));
            continue;
        };
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut out = Vec::new();
        for (head, members) in groups {
            let line = line_of(&format!("{head} ="))
                .max(line_of(&format!("\"{head}\" =")))
                .max(line_of(head));
            let head_norm = normalise(head);
            if head_norm.is_empty() || head_norm.contains(' ') {
                errors.push(FaqError::new(
                    path,
                    line,
                    format!("the head `{head}` must be one word (the FAQ's word for the thing)"),
                ));
                continue;
            }
            let Some(list) = members.as_array() else {
                errors.push(FaqError::new(
                    path,
                    line,
                    format!("`{head}` must list its synonyms: {head} = [\"...\"]"),
                ));
                continue;
            };
            let mut group = SynonymGroup {
                head: head_norm.clone(),
                members: Vec::new(),
            };
            for m in list {
                let Some(m) = m.as_str().map(normalise).filter(|m| !m.is_empty()) else {
                    errors.push(FaqError::new(
                        path,
                        line,
                        format!("`{head}`: every synonym must be a non-empty string"),
                    ));
                    continue;
                };
                if m == head_norm {
                    continue;
                }
                if let Some(other) = seen.get(&m).filter(|o| **o != head_norm) {
                    errors.push(FaqError::new(
                        path,
                        line,
                        format!("`{m}` is a synonym of both `{other}` and `{head}`: keep it in one group"),
                    ));
                    continue;
                }
                seen.insert(m.clone(), head_norm.clone());
                if !group.members.contains(&m) {
                    group.members.push(m);
                }
            }
            if group.members.is_empty() && !errors.iter().any(|e| e.line == line) {
                errors.push(FaqError::new(
                    path,
                    line,
                    format!("`{head}` has no synonyms"),
                ));
            }
            out.push(group);
        }
        thesaurus.groups.insert(lang, out);
    }
    if errors.is_empty() {
        Ok(thesaurus)
    } else {
        Err(errors)
    }
}

/// Lowercase, single spaces.
fn normalise(s: &str) -> String {
    s.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_groups_and_phrases() {
        let t = parse(
            "[en]\nreturn = [\"Give back\", \"drop  off\"]\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(
            t.groups("en"),
            &[SynonymGroup {
                head: "return".into(),
                members: vec!["give back".into(), "drop off".into()]
            }]
        );
        assert!(t.groups("ru").is_empty());
    }

    #[test]
    fn names_each_problem_with_its_line() {
        let text = "[en]\nreturn = [\"give back\"]\nhand = [\"give back\"]\n\"two words\" = [\"x\"]\nempty = []\n[English]\na = [\"b\"]\n";
        let errs = parse(text, Path::new("s.toml")).unwrap_err();
        let msgs: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("`give back` is a synonym of both")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("4:") && m.contains("one word")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("5:") && m.contains("no synonyms")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("6:") && m.contains("language code")),
            "{msgs:?}"
        );
        let bad = parse("[en\n", Path::new("s.toml")).unwrap_err();
        assert!(bad[0].message.contains("TOML"));
    }

    #[test]
    fn an_oversized_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let line = "[en]\nreturn = [\"give back\"]\n";
        std::fs::write(dir.path().join(FILE_NAME), line).unwrap();
        assert!(Thesaurus::for_faq_dir(dir.path()).is_ok());
        let big = format!("{line}{}", "# padding\n".repeat(30_000));
        std::fs::write(dir.path().join(FILE_NAME), big).unwrap();
        let errs = Thesaurus::for_faq_dir(dir.path()).unwrap_err();
        assert!(errs[0].message.contains("the limit is"), "{:?}", errs[0]);
    }

    #[test]
    fn staff_groups_extend_builtin_ones() {
        let mut t = Thesaurus::builtin();
        let before = t.groups("en").len();
        t.extend(
            parse(
                "[en]\nreturn = [\"chuck back\"]\nzine = [\"fanzine\"]\n",
                Path::new("s"),
            )
            .unwrap(),
        );
        assert_eq!(t.groups("en").len(), before + 1);
        let ret = t.groups("en").iter().find(|g| g.head == "return").unwrap();
        assert!(ret.members.contains(&"chuck back".to_string()));
        assert!(ret.members.contains(&"give back".to_string()));
    }

    #[test]
    fn synonyms_share_one_term() {
        let thesaurus = Thesaurus::builtin();
        let en = crate::search::Analyzer::with_synonyms("en", thesaurus.groups("en"));
        assert_eq!(en.terms("give back my books"), en.terms("return my books"));
        assert_eq!(
            en.terms("hand it back"),
            vec!["hand", "back"],
            "a phrase is whole words in order"
        );
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(
            sorted(en.terms("how much is a locker")),
            sorted(en.terms("locker cost"))
        );
        assert_eq!(en.terms("bicycle parking"), en.terms("bike parking"));
        assert_eq!(en.terms("PCs"), en.terms("computers"));
        assert_ne!(
            en.terms("copy"),
            en.terms("photocopier"),
            "ambiguous words stay apart"
        );
    }
}
