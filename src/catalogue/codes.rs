//! Names for the codes catalogue records use for branches and shelving locations (Koha's
//! `MAIN`, `MC`), as the library writes them in `[catalogue.branches]` and
//! `[catalogue.locations]`:
//!
//! ```toml
//! [catalogue.branches]
//! MAIN = "Main Library"
//! EAST = { en = "East Branch", ru = "Восточный филиал", es = "Sucursal Este" }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A code's name: one for every language, or one per language code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CodeName {
    Plain(String),
    PerLanguage(BTreeMap<String, String>),
}

impl CodeName {
    /// The name in `lang`, else in English, else the first one given.
    pub fn in_language(&self, lang: &str) -> Option<&str> {
        match self {
            CodeName::Plain(name) => Some(name),
            CodeName::PerLanguage(names) => names
                .get(lang)
                .or_else(|| names.get("en"))
                .or_else(|| names.values().next())
                .map(String::as_str),
        }
    }
}

/// Names by code. Codes match regardless of letter case (environment variables arrive
/// lowercased), an exact match first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeTable(pub BTreeMap<String, CodeName>);

impl CodeTable {
    /// The name for `code` in `lang`, if the table has one.
    pub fn name(&self, code: &str, lang: &str) -> Option<&str> {
        let code = code.trim();
        self.0
            .get(code)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(code))
                    .map(|(_, v)| v)
            })
            .and_then(|name| name.in_language(lang))
            .map(str::trim)
            .filter(|name| !name.is_empty())
    }

    /// The name for `code` in `lang`, or the code itself when the table has none.
    pub fn display<'a>(&'a self, code: &'a str, lang: &str) -> &'a str {
        self.name(code, lang).unwrap_or(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_code_and_language() {
        let table: CodeTable = toml::from_str(
            r#"
            MAIN = "Main Library"
            EAST = { en = "East Branch", ru = "Восточный филиал" }
            WEST = { ru = "Западный филиал" }
            mc = "Main collection"
            BLANK = " "
            "#,
        )
        .unwrap();
        assert_eq!(table.name("MAIN", "ru"), Some("Main Library"));
        assert_eq!(table.name("EAST", "ru"), Some("Восточный филиал"));
        assert_eq!(table.name("EAST", "es"), Some("East Branch"));
        assert_eq!(table.name("WEST", "en"), Some("Западный филиал"));
        assert_eq!(table.name(" MC", "en"), Some("Main collection"));
        assert_eq!(table.name("main", "en"), Some("Main Library"));
        assert_eq!(table.name("BLANK", "en"), None);
        assert_eq!(table.display("REF", "en"), "REF");
        assert_eq!(table.display("MAIN", "en"), "Main Library");
        assert!(toml::from_str::<CodeTable>("MAIN = 3").is_err());
    }
}
