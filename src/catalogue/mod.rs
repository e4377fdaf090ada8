//! The library catalogue: records imported from MARC 21, MARCXML or CSV into a persistent
//! tantivy index, searched by the answer engine and by staff.

pub mod codes;
pub mod csv;
pub mod fold;
#[cfg(test)]
mod fuzz;
pub mod import;
pub mod index;
pub mod isbn;
pub mod mapping;
pub mod marc;
pub mod marc8;
mod marc8_tables;
pub mod marcxml;
pub mod record;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use codes::{CodeName, CodeTable};
pub use index::{CatalogueBoosts, CatalogueHit, CatalogueIndex, CatalogueQuery, Found, Strength};

/// `[catalogue]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogueSettings {
    /// Where `catalogue import` writes the index and `serve` opens it.
    pub index_dir: PathBuf,
    /// Records listed in one answer.
    pub max_results: usize,
    /// A record is offered only if it contains at least this share of the words asked for.
    pub min_coverage: f32,
    pub boosts: CatalogueBoosts,
    /// Names for the branch codes in the records (Koha's 952 $a $b): `MAIN = "Main
    /// Library"`, or per language `MAIN = { en = "Main Library", ru = "..." }`.
    pub branches: CodeTable,
    /// Names for the shelving location codes (952 $c): `MC = "Main collection"`.
    pub locations: CodeTable,
}

impl Default for CatalogueSettings {
    fn default() -> Self {
        Self {
            index_dir: PathBuf::from("data/catalogue"),
            max_results: 3,
            min_coverage: 0.75,
            boosts: CatalogueBoosts::default(),
            branches: CodeTable::default(),
            locations: CodeTable::default(),
        }
    }
}
