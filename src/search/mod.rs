//! Text analysis: tokens, stems, synonyms and typo correction for each language.

mod analysis;
mod synonyms;
mod typo;

pub use analysis::{Analyzer, Token};
pub use synonyms::SynonymGroup;
pub use typo::Corrector;
