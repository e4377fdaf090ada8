//! The patrons' chat in their language: one string table per language
//! (`assets/i18n/<lang>.toml`, built into the binary), and the choice of language from
//! what the patron's browser asks for.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The languages the chat page and widget speak, English first (the fallback).
pub const LANGUAGES: [&str; 6] = ["en", "ru", "es", "az", "tr", "be"];

fn source(lang: &str) -> &'static str {
    match lang {
        "ru" => include_str!("assets/i18n/ru.toml"),
        "es" => include_str!("assets/i18n/es.toml"),
        "az" => include_str!("assets/i18n/az.toml"),
        "tr" => include_str!("assets/i18n/tr.toml"),
        "be" => include_str!("assets/i18n/be.toml"),
        _ => include_str!("assets/i18n/en.toml"),
    }
}

type Table = BTreeMap<String, String>;

static TABLES: LazyLock<Vec<Table>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|lang| {
            toml::from_str(source(lang)).unwrap_or_else(|e| {
                panic!("assets/i18n/{lang}.toml is not a flat string table: {e}")
            })
        })
        .collect()
});

/// One language's strings.
#[derive(Debug, Clone, Copy)]
pub struct Strings {
    pub lang: &'static str,
    table: &'static Table,
}

impl Strings {
    /// The table of a supported language (see `supported`), else English.
    pub fn of(lang: &str) -> Self {
        let i = LANGUAGES.iter().position(|l| *l == lang).unwrap_or(0);
        Self {
            lang: LANGUAGES[i],
            table: &TABLES[i],
        }
    }

    /// The string for `key`, English where this table lacks it (a test keeps them whole).
    pub fn get(&self, key: &str) -> &'static str {
        self.table
            .get(key)
            .or_else(|| TABLES[0].get(key))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// `ltr` or `rtl`.
    pub fn dir(&self) -> &'static str {
        if self.get("dir") == "rtl" {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// Every string of the table, with English for any key it lacks.
    pub fn all(&self) -> BTreeMap<&'static str, &'static str> {
        TABLES[0]
            .keys()
            .map(|k| (k.as_str(), self.get(k)))
            .collect()
    }
}

/// The supported language a BCP 47 tag asks for, by its primary subtag (`tr-TR` is `tr`).
pub fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag.trim().split(['-', '_']).next()?;
    LANGUAGES
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(primary))
}

/// The tags of an `Accept-Language` header, most wanted first (equal weights keep their
/// order); `q=0` ("not this one") and `*` are left out.
pub fn accept_language(header: &str) -> Vec<&str> {
    let mut tags: Vec<(&str, f32)> = header
        .split(',')
        .take(32)
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty() && tag != "*" && q > 0.0).then_some((tag, q))
        })
        .collect();
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    tags.into_iter().map(|(t, _)| t).collect()
}

/// The language the chat is shown in, and whether it is the patron's own choice (and so a
/// hint for the answer engine) or only the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub lang: &'static str,
    pub from_patron: bool,
}

/// In order: an explicit choice (`?lang=`), the first supported language the browser
/// prefers, the FAQ's default language if supported, else English.
pub fn choose<'a>(
    explicit: Option<&str>,
    preferred: impl IntoIterator<Item = &'a str>,
    default_language: &str,
) -> Choice {
    if let Some(lang) = explicit.and_then(supported) {
        return Choice {
            lang,
            from_patron: true,
        };
    }
    if let Some(lang) = preferred.into_iter().find_map(supported) {
        return Choice {
            lang,
            from_patron: true,
        };
    }
    Choice {
        lang: supported(default_language).unwrap_or("en"),
        from_patron: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_every_english_key_and_no_other() {
        let english: Vec<&String> = TABLES[0].keys().collect();
        assert!(english.len() > 30, "{english:?}");
        for (lang, table) in LANGUAGES.iter().zip(TABLES.iter()) {
            let missing: Vec<_> = english
                .iter()
                .filter(|k| !table.contains_key(**k))
                .collect();
            assert!(missing.is_empty(), "{lang}.toml lacks {missing:?}");
            let extra: Vec<_> = table
                .keys()
                .filter(|k| !TABLES[0].contains_key(*k))
                .collect();
            assert!(
                extra.is_empty(),
                "{lang}.toml has keys en.toml lacks: {extra:?}"
            );
            for (key, value) in table {
                assert!(!value.trim().is_empty(), "{lang}.toml: {key} is empty");
                let placeholders = |s: &str| {
                    ["{name}", "{short_name}", "{max}"]
                        .into_iter()
                        .filter(|p| s.contains(p))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    placeholders(value),
                    placeholders(&TABLES[0][key]),
                    "{lang}.toml: {key} must use the placeholders en.toml uses"
                );
            }
            assert!(
                ["ltr", "rtl"].contains(&table["dir"].as_str()),
                "{lang}: dir"
            );
        }
    }

    #[test]
    fn tables_are_in_their_own_language() {
        assert_eq!(Strings::of("tr").get("send"), "Mesajı gönder");
        assert!(Strings::of("az").get("greeting").contains('ə'));
        assert!(Strings::of("be").get("greeting").contains('ў'));
        assert!(Strings::of("be").get("librarian").contains('і'));
        assert_eq!(Strings::of("xx").lang, "en");
        assert_eq!(Strings::of("ru").dir(), "ltr");
    }

    #[test]
    fn accept_language_respects_weights() {
        assert_eq!(
            accept_language("en;q=0.5, tr-TR, tr;q=0.9, de;q=0, *;q=0.1"),
            vec!["tr-TR", "tr", "en"]
        );
        assert_eq!(accept_language("ru,en"), vec!["ru", "en"]);
        assert!(accept_language("").is_empty());
    }

    #[test]
    fn the_choice_goes_explicit_browser_default_english() {
        let c = |explicit, prefs: &[&'static str], default| {
            choose(explicit, prefs.iter().copied(), default)
        };
        assert_eq!(c(Some("be"), &["tr"], "en").lang, "be");
        assert_eq!(c(Some("xx"), &["de-DE", "TR-tr"], "en").lang, "tr");
        assert!(c(None, &["az"], "en").from_patron);
        let fallback = c(None, &["de", "fr"], "ru");
        assert_eq!(
            fallback,
            Choice {
                lang: "ru",
                from_patron: false
            }
        );
        assert_eq!(c(None, &[], "de").lang, "en");
    }
}
