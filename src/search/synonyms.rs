//! Synonym groups: words patrons use for the same thing, indexed and searched as one term.
//! The groups come from the FAQ's thesaurus (`faq::thesaurus`).

/// One group: a head word and what patrons say for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymGroup {
    pub head: String,
    pub members: Vec<String>,
}
