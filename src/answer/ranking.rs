//! Ranks a language's FAQ entries for one question: tantivy finds the candidates by BM25,
//! then each is scored by how much of the question it covers and how much of its closest
//! phrasing the question covers (see `confidence`). The same code ranks a phrasing left out
//! of its own entry, which is how the engine calibrates itself (`calibration`).

use serde::Serialize;

use super::confidence::{
    self, ANSWER_ONLY_CREDIT, CONTEXT_WORD_WEIGHT, CORRECTED_CREDIT, WordMatch,
};
use super::{FaqIndex, Hit, Mask, QueryTerm};

/// How deep to look in BM25 order before re-ranking by coverage.
pub const SEARCH_DEPTH: usize = 12;
/// With the semantic tier, how many entries closest in meaning join the BM25 candidates
/// (they may share no word with the question).
pub const MEANING_DEPTH: usize = 4;

/// One candidate entry with what its rank is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The index's document (see `FaqIndex::entry`).
    pub doc: usize,
    pub rank: f32,
    pub coverage: f32,
    pub phrase: f32,
    pub bm25: f32,
    /// Closeness in meaning (a cosine), with the semantic tier.
    pub meaning: Option<f32>,
}

/// How one word of the question was matched by the best entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermMatch {
    pub term: String,
    /// `topic` (question, alternates or tags), `answer`, or `none`.
    pub found_in: &'static str,
    pub weight: f32,
    /// Read as a known word after a typo correction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub corrected: bool,
    /// A word this FAQ never uses.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    /// A word about who asks or when, not about what.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub context: bool,
}

/// The candidates, best first, and the analysed question.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    pub terms: Vec<QueryTerm>,
    pub scored: Vec<Scored>,
}

impl Ranked {
    pub fn best(&self) -> Option<&Scored> {
        self.scored.first()
    }

    /// The confidence in the best candidate (its rank, discounted by a close runner-up).
    pub fn confidence(&self) -> f32 {
        let best = self.scored.first().map(|s| s.rank).unwrap_or(0.0);
        let runner_up = self.scored.get(1).map(|s| s.rank).unwrap_or(0.0);
        confidence::confidence(best, runner_up)
    }

    /// The best candidate's lead over the runner-up, in rank.
    pub fn lead(&self) -> f32 {
        let best = self.scored.first().map(|s| s.rank).unwrap_or(0.0);
        let runner_up = self.scored.get(1).map(|s| s.rank).unwrap_or(0.0);
        best - runner_up
    }
}

/// Ranks the index's entries for `text`; with a mask, as if that phrasing were not there.
pub fn rank(index: &FaqIndex, text: &str, mask: Option<Mask>) -> Ranked {
    let terms = index.analyse(text);
    let mut hits = match index.search(&terms, SEARCH_DEPTH) {
        Ok(hits) => hits,
        Err(e) => {
            tracing::error!(error = %e, "FAQ search failed");
            return Ranked::default();
        }
    };
    let best_bm25 = hits.first().map(|h| h.bm25).unwrap_or(0.0);
    let query_vector = index.embed(text);
    if let Some(q) = &query_vector {
        for doc in index.nearest_in_meaning(q, MEANING_DEPTH, mask) {
            if !hits.iter().any(|h| h.doc == doc) {
                hits.push(Hit { doc, bm25: 0.0 });
            }
        }
    }
    if hits.is_empty() {
        return Ranked {
            terms,
            scored: Vec::new(),
        };
    }
    let mut scored: Vec<Scored> = hits
        .iter()
        .map(|hit| {
            let words: Vec<WordMatch> = terms
                .iter()
                .map(|t| word_match(index, hit.doc, t, mask))
                .collect();
            let coverage = confidence::coverage(&words);
            let query: Vec<(&str, f32)> = terms
                .iter()
                .zip(&words)
                .map(|(t, w)| (t.stem.as_str(), w.weight))
                .collect();
            let phrase = index.phrase_match(hit.doc, &query, mask);
            let bm25 = if best_bm25 > 0.0 {
                hit.bm25 / best_bm25
            } else {
                0.0
            };
            let lexical = confidence::rank(coverage, phrase, bm25);
            let meaning = query_vector
                .as_ref()
                .map(|q| index.closeness(q, hit.doc, mask));
            Scored {
                doc: hit.doc,
                rank: match meaning {
                    Some(m) => confidence::with_meaning(lexical, m),
                    None => lexical,
                },
                coverage,
                phrase,
                bm25,
                meaning,
            }
        })
        .filter(|s| s.rank > 0.0)
        .collect();
    scored.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(b.bm25.total_cmp(&a.bm25)));
    Ranked { terms, scored }
}

/// How each word of the question fares against one entry, for explanations.
pub fn term_matches(index: &FaqIndex, doc: usize, terms: &[QueryTerm]) -> Vec<TermMatch> {
    terms
        .iter()
        .map(|t| {
            let m = word_match(index, doc, t, None);
            let found_in = if !t.known {
                "none"
            } else if index.in_topic(doc, &t.stem, None) {
                "topic"
            } else if index.in_answer(doc, &t.stem) {
                "answer"
            } else {
                "none"
            };
            TermMatch {
                term: t.stem.clone(),
                found_in,
                weight: (m.weight * 100.0).round() / 100.0,
                corrected: t.corrected,
                unknown: !t.known,
                context: index.analyzer().is_context(&t.stem),
            }
        })
        .collect()
}

/// A word's weight and credit against one entry. Rare words weigh more; a word the FAQ
/// never uses weighs less (it may still be the point of the question); a context word
/// weighs little unless the entry is about it ("visiting researcher" for the visitors entry).
fn word_match(index: &FaqIndex, doc: usize, term: &QueryTerm, mask: Option<Mask>) -> WordMatch {
    let in_topic = term.known && index.in_topic(doc, &term.stem, mask);
    let mut weight = index.idf(&term.stem);
    if !term.known {
        weight *= confidence::UNKNOWN_WORD_WEIGHT;
    }
    if index.analyzer().is_context(&term.stem) && !in_topic {
        weight *= CONTEXT_WORD_WEIGHT;
    }
    let credit = if in_topic {
        1.0
    } else if term.known && index.in_answer(doc, &term.stem) {
        ANSWER_ONLY_CREDIT
    } else {
        0.0
    };
    let credit = if term.corrected {
        credit * CORRECTED_CREDIT
    } else {
        credit
    };
    WordMatch { weight, credit }
}
