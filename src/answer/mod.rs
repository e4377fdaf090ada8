//! The answer engine: decides whether the bot answers a patron itself (small talk, a FAQ
//! entry), hands the conversation to a person, or escalates to the librarian queue.

pub mod catalogue_ask;
pub mod catalogue_reply;
pub mod confidence;
pub mod eval;
mod intent;
pub mod replies;

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::catalogue::{CatalogueIndex, CatalogueSettings};
use crate::faq::{FaqEntry, FaqSet};
use crate::search::{Boosts, FaqIndex, QueryTerm};
use catalogue_ask::CatalogueAsk;
use confidence::{ANSWER_ONLY_CREDIT, CORRECTED_CREDIT, WordMatch};
pub use intent::{SmallTalk, asks_for_person, small_talk};

/// `[answer]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerSettings {
    /// Answer automatically only at or above this confidence (0..1).
    pub threshold: f32,
    /// How many candidate entries to report with each answer.
    pub candidates: usize,
    /// Field boosts of the FAQ index.
    pub boosts: Boosts,
}

impl Default for AnswerSettings {
    fn default() -> Self {
        Self {
            threshold: 0.7,
            candidates: 5,
            boosts: Boosts::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Smalltalk,
    Handoff,
    Faq,
    Escalate,
    /// Records from the catalogue.
    Catalogue,
    /// A bot command such as `/start` or `/help`, answered with a fixed text.
    Command,
    /// Something the bot cannot read (a sticker, a photo ...), answered with a fixed text.
    Unsupported,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Smalltalk => "smalltalk",
            Outcome::Handoff => "handoff",
            Outcome::Faq => "faq",
            Outcome::Escalate => "escalate",
            Outcome::Catalogue => "catalogue",
            Outcome::Command => "command",
            Outcome::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    /// The candidate's rank in [0, 1] (see `confidence::rank`).
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub outcome: Outcome,
    pub faq_id: Option<String>,
    /// Confidence in the best FAQ entry, in [0, 1], whatever the outcome.
    pub confidence: f32,
    pub candidates: Vec<Candidate>,
    /// What the patron is sent.
    pub reply: String,
    /// The language the question was taken to be in.
    pub lang: String,
    /// Control numbers of the catalogue records in the reply (outcome `catalogue`).
    pub records: Vec<String>,
}

struct LangIndex {
    lang: String,
    index: FaqIndex,
    /// Positions in `FaqSet::entries` of the index's entries, in index order.
    entries: Vec<usize>,
}

pub struct AnswerEngine {
    faq: FaqSet,
    indexes: Vec<LangIndex>,
    settings: AnswerSettings,
    catalogue: Option<Arc<CatalogueIndex>>,
    catalogue_settings: CatalogueSettings,
}

/// How deep to look in BM25 order before re-ranking by coverage.
const SEARCH_DEPTH: usize = 10;

impl AnswerEngine {
    pub fn new(faq: FaqSet, settings: AnswerSettings) -> anyhow::Result<Self> {
        let mut indexes = Vec::new();
        for lang in faq.languages() {
            let entries: Vec<usize> = (0..faq.entries.len())
                .filter(|&i| faq.entries[i].lang == lang)
                .collect();
            let refs: Vec<&FaqEntry> = entries.iter().map(|&i| &faq.entries[i]).collect();
            let index = FaqIndex::build(&lang, &refs, settings.boosts)?;
            indexes.push(LangIndex {
                lang,
                index,
                entries,
            });
        }
        Ok(Self {
            faq,
            indexes,
            settings,
            catalogue: None,
            catalogue_settings: CatalogueSettings::default(),
        })
    }

    /// Lets the engine answer catalogue questions from `catalogue`.
    pub fn with_catalogue(
        mut self,
        catalogue: Option<Arc<CatalogueIndex>>,
        settings: CatalogueSettings,
    ) -> Self {
        self.catalogue = catalogue;
        self.catalogue_settings = settings;
        self
    }

    /// The catalogue the engine answers from, to hand on to a rebuilt engine.
    pub fn catalogue(&self) -> (Option<Arc<CatalogueIndex>>, CatalogueSettings) {
        (self.catalogue.clone(), self.catalogue_settings.clone())
    }

    pub fn faq(&self) -> &FaqSet {
        &self.faq
    }

    pub fn settings(&self) -> &AnswerSettings {
        &self.settings
    }

    /// Decides what to do with a patron's message. `lang_hint` is the language the channel
    /// reports for the patron, if any.
    pub fn answer(&self, text: &str, lang_hint: Option<&str>) -> Answer {
        let li = self.pick_language(text, lang_hint);
        let lang = li
            .map(|l| l.lang.clone())
            .unwrap_or_else(|| self.faq.default_lang.clone());
        let Ranking {
            candidates,
            confidence,
            best,
        } = li.map(|li| self.rank(li, text)).unwrap_or_default();
        let faq_confident = best.is_some() && confidence >= self.settings.threshold;
        let mut records = Vec::new();
        let (outcome, faq_id, reply) = if asks_for_person(text) {
            (Outcome::Handoff, None, replies::handoff(&lang).to_string())
        } else if let Some(kind) = small_talk(text) {
            (
                Outcome::Smalltalk,
                None,
                replies::small_talk(kind, &lang).to_string(),
            )
        } else if let Some((outcome, reply, ids)) =
            self.catalogue_answer(text, &lang, faq_confident)
        {
            records = ids;
            (outcome, None, reply)
        } else if let Some(entry) = best.filter(|_| confidence >= self.settings.threshold) {
            // The best entry comes from the index of the question's language: its answer
            // is already in that language.
            let entry = &self.faq.entries[entry];
            (Outcome::Faq, Some(entry.id.clone()), entry.answer.clone())
        } else {
            (
                Outcome::Escalate,
                None,
                replies::escalated(&lang).to_string(),
            )
        };
        Answer {
            outcome,
            faq_id,
            confidence,
            candidates,
            reply,
            lang,
            records,
        }
    }

    /// A catalogue answer, or a catalogue miss to escalate, for a catalogue question;
    /// `None` to let the FAQ decide. Only an ISBN beats a FAQ answer the engine is sure of.
    fn catalogue_answer(
        &self,
        text: &str,
        lang: &str,
        faq_confident: bool,
    ) -> Option<(Outcome, String, Vec<String>)> {
        let catalogue = self.catalogue.as_ref()?;
        let ask = catalogue_ask::classify(text)?;
        let limit = self.catalogue_settings.max_results.max(1);
        let (found, strong) = match ask {
            CatalogueAsk::Isbn(isbn) => (catalogue.by_isbn(&isbn), true),
            // A question the FAQ is sure of stays with the FAQ, cue words or not ("can I read
            // library books on my e-reader", "my professor put a book on reserve").
            CatalogueAsk::Strong(_) | CatalogueAsk::Weak(_) if faq_confident => return None,
            CatalogueAsk::Strong(what) => (self.good_matches(catalogue, &what, lang, limit), true),
            CatalogueAsk::Weak(what) => (self.good_matches(catalogue, &what, lang, limit), false),
        };
        if found.is_empty() {
            // Sure it was a catalogue question, but nothing matches well: a librarian looks.
            return strong.then(|| {
                (
                    Outcome::Escalate,
                    replies::catalogue_miss(lang).to_string(),
                    Vec::new(),
                )
            });
        }
        let ids = found.iter().map(|r| r.id.clone()).collect();
        let reply = catalogue_reply::reply(&found, lang, &self.catalogue_settings);
        Some((Outcome::Catalogue, reply, ids))
    }

    /// The best records that cover enough of what was asked for.
    fn good_matches(
        &self,
        catalogue: &CatalogueIndex,
        what: &str,
        lang: &str,
        limit: usize,
    ) -> Vec<crate::catalogue::record::CatalogueRecord> {
        catalogue
            .search(what, Some(lang), limit * 3)
            .into_iter()
            .filter(|h| h.coverage >= self.catalogue_settings.min_coverage)
            .take(limit)
            .map(|h| h.record)
            .collect()
    }

    /// The entry's answer in `lang`, else in the default language.
    pub fn answer_text(&self, id: &str, lang: &str) -> &str {
        let find = |l: &str| self.faq.entries.iter().find(|e| e.id == id && e.lang == l);
        find(lang)
            .or_else(|| find(&self.faq.default_lang))
            .map(|e| e.answer.as_str())
            .unwrap_or_default()
    }

    fn pick_language(&self, text: &str, hint: Option<&str>) -> Option<&LangIndex> {
        let by_code = |code: &str| self.indexes.iter().find(|l| l.lang == code);
        if let Some(li) = hint.and_then(|h| by_code(h.split(['-', '_']).next().unwrap_or(h))) {
            return Some(li);
        }
        let (cyrillic, latin) = text.chars().fold((0, 0), |(c, l), ch| match ch {
            'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' => (c + 1, l),
            'a'..='z' | 'A'..='Z' => (c, l + 1),
            _ => (c, l),
        });
        if cyrillic > latin
            && let Some(li) = by_code("ru").or_else(|| by_code("uk"))
        {
            return Some(li);
        }
        let default = self.indexes.first()?;
        let default_hits = default.index.analyzer().stopword_hits(text);
        self.indexes
            .iter()
            .skip(1)
            .filter(|li| li.lang != "ru")
            .map(|li| (li.index.analyzer().stopword_hits(text), li))
            .filter(|(hits, _)| *hits > default_hits)
            .max_by_key(|(hits, _)| *hits)
            .map(|(_, li)| li)
            .or(Some(default))
    }

    /// The best entries for a text, re-ranked by coverage, and the confidence in the first.
    fn rank(&self, li: &LangIndex, text: &str) -> Ranking {
        let terms = li.index.analyse(text);
        let hits = match li.index.search(&terms, SEARCH_DEPTH) {
            Ok(hits) => hits,
            Err(e) => {
                tracing::error!(error = %e, "FAQ search failed");
                return Ranking::default();
            }
        };
        let Some(best_bm25) = hits.first().map(|h| h.bm25) else {
            return Ranking::default();
        };
        let weights: Vec<f32> = terms
            .iter()
            .map(|t| {
                let idf = li.index.idf(&t.stem);
                if t.known {
                    idf
                } else {
                    idf * confidence::UNKNOWN_WORD_WEIGHT
                }
            })
            .collect();
        let stems: Vec<&str> = terms
            .iter()
            .filter(|t| t.known)
            .map(|t| t.stem.as_str())
            .collect();
        let mut ranked: Vec<(usize, f32)> = hits
            .iter()
            .map(|hit| {
                let words: Vec<WordMatch> = terms
                    .iter()
                    .zip(&weights)
                    .map(|(t, &weight)| WordMatch {
                        weight,
                        credit: credit(&li.index, hit.doc, t),
                    })
                    .collect();
                let cov = confidence::coverage(&words);
                let phrase = li.index.phrase_match(hit.doc, &stems);
                (hit.doc, confidence::rank(cov, phrase, hit.bm25, best_bm25))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let best_rank = ranked.first().map(|r| r.1).unwrap_or(0.0);
        let runner_up = ranked.get(1).map(|r| r.1).unwrap_or(0.0);
        let entry_of = |doc: usize| li.entries[li.index.entry(doc)];
        let candidates = ranked
            .iter()
            .take(self.settings.candidates)
            .map(|&(doc, score)| Candidate {
                id: self.faq.entries[entry_of(doc)].id.clone(),
                score: (score * 1000.0).round() / 1000.0,
            })
            .collect();
        Ranking {
            candidates,
            confidence: confidence::confidence(best_rank, runner_up),
            best: ranked.first().map(|&(doc, _)| entry_of(doc)),
        }
    }
}

/// What ranking found: the candidates to report, the confidence in the best entry, and that
/// entry's position in `FaqSet::entries`.
#[derive(Default)]
struct Ranking {
    candidates: Vec<Candidate>,
    confidence: f32,
    best: Option<usize>,
}

fn credit(index: &FaqIndex, doc: usize, term: &QueryTerm) -> f32 {
    let base = if !term.known {
        0.0
    } else if index.in_topic(doc, &term.stem) {
        1.0
    } else if index.in_answer(doc, &term.stem) {
        ANSWER_ONLY_CREDIT
    } else {
        0.0
    };
    if term.corrected {
        base * CORRECTED_CREDIT
    } else {
        base
    }
}
