//! Text analysis and the tantivy indexes the answer engine searches.

mod analysis;
mod faq_index;
mod typo;

pub use analysis::Analyzer;
pub use faq_index::{Boosts, FaqIndex, Hit, QueryTerm};
pub use typo::Corrector;
