//! Text analysis and the tantivy indexes the answer engine searches.

mod analysis;
mod faq_index;
pub mod thesaurus;
mod typo;

pub use analysis::{Analyzer, Token};
pub use faq_index::{Boosts, FaqIndex, Hit, Mask, QueryTerm};
pub use thesaurus::Thesaurus;
pub use typo::Corrector;
