//! The answer engine: decides whether the bot answers a patron itself (small talk, a FAQ
//! entry), hands the conversation to a person, or escalates to the librarian queue.

pub mod calibration;
pub mod catalogue_ask;
pub mod catalogue_reply;
pub mod confidence;
pub mod eval;
mod faq_index;
mod intent;
pub mod personal;
pub mod ranking;
pub mod replies;
pub mod semantic;

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::catalogue::{CatalogueIndex, CatalogueSettings};
use crate::faq::{FaqEntry, FaqSet};
use crate::lang::{self, Identification, Identifier, identify};
use crate::search::Analyzer;
use calibration::Calibration;
use catalogue_ask::CatalogueAsk;
pub use faq_index::{Boosts, FaqIndex, Hit, Mask, QueryTerm};
pub use intent::{SmallTalk, asks_for_person, small_talk};
use personal::PersonalSignals;
use ranking::{Ranked, TermMatch};
use semantic::{SemanticModel, SemanticSettings};

/// What the fixed texts call the library until `[library] name` says otherwise.
pub const DEFAULT_LIBRARY_NAME: &str = "the library";

/// `[answer]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerSettings {
    /// The share of automatic answers that should be right. On every FAQ load the engine
    /// estimates, from the FAQ itself, the confidence at which its answers reach it.
    pub target_precision: f32,
    /// A fixed confidence threshold (0..1) instead of the calibrated one.
    pub threshold: Option<f32>,
    /// How many candidate entries to report with each answer.
    pub candidates: usize,
    /// Field boosts of the FAQ index.
    pub boosts: Boosts,
    /// What to do when the entry that answers a question has no translation in the
    /// patron's language (found in a related or the default language).
    pub untranslated: Untranslated,
    /// The optional semantic tier (`[answer.semantic]`).
    pub semantic: SemanticSettings,
}

/// `answer.untranslated`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Untranslated {
    /// Answer in the entry's language, after one line in the patron's saying so.
    #[default]
    AnswerWithNote,
    /// Pass the question to a librarian.
    Escalate,
}

impl Default for AnswerSettings {
    fn default() -> Self {
        Self {
            target_precision: 0.97,
            threshold: None,
            candidates: 5,
            boosts: Boosts::default(),
            untranslated: Untranslated::default(),
            semantic: SemanticSettings::default(),
        }
    }
}

pub use crate::domain::Outcome;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    /// The candidate's rank in [0, 1] (see `confidence::rank`).
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Answer {
    pub outcome: Outcome,
    pub faq_id: Option<String>,
    /// Confidence in the best FAQ entry, in [0, 1], whatever the outcome.
    pub confidence: f32,
    pub candidates: Vec<Candidate>,
    /// What the patron is sent.
    pub reply: String,
    /// The language the question was taken to be in (ISO 639-1 where there is a code;
    /// possibly one refdesk does not speak, see `Reason::UnsupportedLanguage`).
    pub lang: String,
    /// The language of the reply.
    pub reply_lang: String,
    /// Control numbers of the catalogue records in the reply (outcome `catalogue`).
    pub records: Vec<String>,
    /// The catalogue decided: a record list, or a catalogue miss for a librarian.
    pub from_catalogue: bool,
    /// Why the engine decided as it did.
    pub explanation: Explanation,
}

/// What is known of a patron's language besides the message itself.
pub type LangHints<'a> = lang::identify::Hints<'a>;

fn hint(channel: Option<&str>) -> LangHints<'_> {
    LangHints {
        channel,
        previous: None,
    }
}

/// Why the engine answered, handed over or escalated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The patron asked for a person.
    AskedForPerson,
    SmallTalk,
    /// The patron's own case (see `personal`): a person settles it.
    PersonalCase,
    /// Records from the catalogue.
    CatalogueFound,
    /// A catalogue question no record matches well.
    CatalogueMiss,
    /// The best entry's confidence reaches the calibrated threshold.
    Confident,
    /// An entry matches, but not confidently enough.
    #[default]
    BelowThreshold,
    /// No entry shares a word with the question.
    NoMatch,
    /// A fixed reply (a command, an unsupported message).
    Fixed,
    /// The message is in a language refdesk does not speak.
    UnsupportedLanguage,
}

/// What lies behind a decision: shown by `refdesk ask --json` and on the desk's tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Explanation {
    pub reason: Reason,
    /// The calibrated (or configured) threshold of the question's language.
    pub threshold: f32,
    pub target_precision: f32,
    /// Estimated share of right answers among those given at the best entry's confidence
    /// or above.
    pub estimated_precision: f32,
    /// The best entry's coverage of the question and its closest phrasing's match.
    pub coverage: f32,
    pub phrase_match: f32,
    /// The best entry's lead over the runner-up, in rank.
    pub lead: f32,
    /// The best entry's closeness in meaning (a cosine), with the semantic tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<f32>,
    /// The question's words against the best entry.
    pub terms: Vec<TermMatch>,
    pub personal: PersonalSignals,
}

struct LangIndex {
    lang: String,
    index: FaqIndex,
    /// Positions in `FaqSet::entries` of the index's entries, in index order.
    entries: Vec<usize>,
    calibration: Calibration,
}

pub struct AnswerEngine {
    faq: FaqSet,
    indexes: Vec<LangIndex>,
    /// Every language a message may be taken to be in: the FAQ's and refdesk's own, the
    /// default language first, each with its analyser (for function words).
    languages: Vec<(String, Analyzer)>,
    identifier: Identifier,
    settings: AnswerSettings,
    catalogue: Option<Arc<CatalogueIndex>>,
    catalogue_settings: CatalogueSettings,
    /// The library's name, for the fixed texts that say it.
    library_name: String,
    /// `FaqSet::version` of the FAQ it answers from.
    faq_version: String,
    /// The semantic tier's model, kept across FAQ reloads.
    semantic: Option<Arc<SemanticModel>>,
}

impl AnswerEngine {
    /// Indexes every language of the FAQ and calibrates each index (see `calibration`),
    /// with the semantic model the settings name, if any.
    pub fn new(faq: FaqSet, settings: AnswerSettings) -> anyhow::Result<Self> {
        let semantic = SemanticModel::configured(&settings.semantic)?.map(Arc::new);
        if let Some(m) = &semantic {
            tracing::info!(dim = m.dim(), "semantic model loaded");
        }
        Self::build(faq, settings, semantic)
    }

    fn build(
        faq: FaqSet,
        settings: AnswerSettings,
        semantic: Option<Arc<SemanticModel>>,
    ) -> anyhow::Result<Self> {
        let mut indexes = Vec::new();
        for lang in faq.languages() {
            let entries: Vec<usize> = (0..faq.entries.len())
                .filter(|&i| faq.entries[i].lang == lang)
                .collect();
            let refs: Vec<&FaqEntry> = entries.iter().map(|&i| &faq.entries[i]).collect();
            let mut index =
                FaqIndex::build(&lang, &refs, settings.boosts, faq.thesaurus.groups(&lang))?;
            if let Some(model) = semantic.as_ref().filter(|m| m.serves(&lang)) {
                index = index.with_semantic(model.clone());
            }
            let ids: Vec<&str> = (0..index.len())
                .map(|doc| refs[index.entry(doc)].id.as_str())
                .collect();
            let calibration = calibration::calibrate(
                &index,
                &ids,
                &calibration::unanswerable(&lang),
                settings.target_precision,
                settings.threshold,
            );
            indexes.push(LangIndex {
                lang,
                index,
                entries,
                calibration,
            });
        }
        let mut codes: Vec<String> = vec![faq.default_lang.clone()];
        for code in faq
            .languages()
            .into_iter()
            .chain(lang::SUPPORTED.iter().map(|c| c.to_string()))
        {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        let identifier = Identifier::new(&codes);
        let languages = codes
            .into_iter()
            .map(|c| {
                let analyzer = Analyzer::for_language(&c);
                (c, analyzer)
            })
            .collect();
        Ok(Self {
            faq_version: faq.version(),
            faq,
            indexes,
            languages,
            identifier,
            settings,
            catalogue: None,
            catalogue_settings: CatalogueSettings::default(),
            library_name: DEFAULT_LIBRARY_NAME.to_string(),
            semantic,
        })
    }

    /// What calibration found, per language.
    pub fn calibrations(&self) -> impl Iterator<Item = &Calibration> {
        self.indexes.iter().map(|li| &li.calibration)
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

    /// Names the library in the fixed texts.
    pub fn with_library_name(mut self, name: &str) -> Self {
        self.library_name = name.to_string();
        self
    }

    pub fn library_name(&self) -> &str {
        &self.library_name
    }

    /// The catalogue the engine answers from, to hand on to a rebuilt engine.
    pub fn catalogue(&self) -> (Option<Arc<CatalogueIndex>>, CatalogueSettings) {
        (self.catalogue.clone(), self.catalogue_settings.clone())
    }

    /// An engine for a changed FAQ, with this one's settings, catalogue and library name
    /// (the FAQ's staff changed; nothing else did).
    pub fn for_changed_faq(&self, faq: FaqSet) -> anyhow::Result<Self> {
        let (catalogue, catalogue_settings) = self.catalogue();
        Ok(
            Self::build(faq, self.settings.clone(), self.semantic.clone())?
                .with_catalogue(catalogue, catalogue_settings)
                .with_library_name(&self.library_name),
        )
    }

    /// The version of the FAQ it answers from (`FaqSet::version`).
    pub fn faq_version(&self) -> &str {
        &self.faq_version
    }

    pub fn faq(&self) -> &FaqSet {
        &self.faq
    }

    pub fn settings(&self) -> &AnswerSettings {
        &self.settings
    }

    /// Decides what to do with a patron's message. `lang_hint` is the language the channel
    /// reports for the patron, if any. The explanation carries the figures but not the
    /// word-by-word matches, which only a person reading it needs (`answer_explained`).
    pub fn answer(&self, text: &str, lang_hint: Option<&str>) -> Answer {
        self.answer_with(text, hint(lang_hint))
    }

    /// `answer`, with everything known of the patron's language.
    pub fn answer_with(&self, text: &str, hints: LangHints) -> Answer {
        self.decide(text, hints, false)
    }

    /// `answer`, with each word of the question matched against the best entry in the
    /// explanation: for `refdesk ask` and the desk.
    pub fn answer_explained(&self, text: &str, lang_hint: Option<&str>) -> Answer {
        self.decide(text, hint(lang_hint), true)
    }

    /// The best entries for `text` in `lang`'s index alone (none if the FAQ has no such
    /// language): the desk offers them beside the patron's language's.
    pub fn candidates_in(&self, text: &str, lang: &str) -> Vec<Candidate> {
        let Some(li) = self.index_of(lang) else {
            return Vec::new();
        };
        self.candidates(li, &ranking::rank(&li.index, text, None))
    }

    /// The best `answer.candidates` entries of a ranking in `li`'s index.
    fn candidates(&self, li: &LangIndex, ranked: &Ranked) -> Vec<Candidate> {
        ranked
            .scored
            .iter()
            .take(self.settings.candidates)
            .map(|s| Candidate {
                id: self.faq.entries[li.entries[li.index.entry(s.doc)]]
                    .id
                    .clone(),
                score: (s.rank * 1000.0).round() / 1000.0,
            })
            .collect()
    }

    /// The language a message is written in, among those of the FAQ and refdesk's own.
    pub fn identify(&self, text: &str, hints: LangHints) -> Identification {
        let fits = identify::script_filter(text);
        let talk = intent::talk_share(text);
        let evidence: Vec<identify::Evidence> = self
            .languages
            .iter()
            .filter(|(code, _)| fits(code))
            .map(|(code, analyzer)| identify::Evidence {
                lang: code,
                // The FAQ's words, or the language's own small talk ("hello there").
                vocabulary: self
                    .index_of(code)
                    .map(|li| li.index.vocabulary_share(text))
                    .unwrap_or(0.0)
                    .max(talk(code)),
                stopwords: analyzer.stopword_hits(text),
            })
            .collect();
        self.identifier.identify(text, &evidence, hints)
    }

    fn index_of(&self, code: &str) -> Option<&LangIndex> {
        self.indexes.iter().find(|li| li.lang == code)
    }

    /// The index to answer from and its ranking: the patron's language's, else (if
    /// allowed) the first related or default language's whose best entry is confident.
    fn rank(&self, text: &str, lang: &str) -> (Option<&LangIndex>, Ranked) {
        let own = self.index_of(lang);
        let ranked = own
            .map(|li| ranking::rank(&li.index, text, None))
            .unwrap_or_default();
        let confident = |li: &LangIndex, r: &Ranked| {
            r.best().is_some() && r.confidence() >= li.calibration.threshold
        };
        if own.is_some_and(|li| confident(li, &ranked))
            || self.settings.untranslated == Untranslated::Escalate
        {
            return (own, ranked);
        }
        let others = lang::pack(lang)
            .fallback
            .iter()
            .chain(std::iter::once(&self.faq.default_lang))
            .filter(|l| l.as_str() != lang);
        for other in others {
            if let Some(li) = self.index_of(other) {
                let r = ranking::rank(&li.index, text, None);
                if confident(li, &r) {
                    return (Some(li), r);
                }
            }
        }
        (own, ranked)
    }

    fn decide(&self, text: &str, hints: LangHints, with_terms: bool) -> Answer {
        let identified = self.identify(text, hints);
        let default = self.faq.default_lang.clone();
        // The language of the fixed phrases: the patron's, or the default one.
        let (lang, speaks) = match &identified {
            Identification::Supported(l) => (l.clone(), l.clone()),
            Identification::Unsupported { code, .. } => (code.clone(), default.clone()),
        };
        let (li, ranked) = match identified {
            Identification::Supported(_) => self.rank(text, &lang),
            Identification::Unsupported { .. } => (None, Ranked::default()),
        };
        let confidence = ranked.confidence();
        let threshold = li.map(|l| l.calibration.threshold).unwrap_or(1.0);
        let best = li
            .zip(ranked.best())
            .map(|(li, b)| li.entries[li.index.entry(b.doc)]);
        let faq_confident = best.is_some() && confidence >= threshold;
        let personal = personal::signals(text);
        let mut explanation = self.explain(li, &ranked, personal, with_terms);
        let mut records = Vec::new();
        let mut from_catalogue = false;
        let mut reply_lang = speaks.clone();
        let (outcome, reason, faq_id, reply) = if asks_for_person(text) {
            let reply = replies::handoff(&speaks).to_string();
            (Outcome::Handoff, Reason::AskedForPerson, None, reply)
        } else if let Some(kind) = small_talk(text) {
            let reply = replies::small_talk(kind, &speaks).to_string();
            (Outcome::Smalltalk, Reason::SmallTalk, None, reply)
        } else if let Identification::Unsupported { name, .. } = &identified {
            let reply = replies::unsupported_language(&default, name);
            (Outcome::Escalate, Reason::UnsupportedLanguage, None, reply)
        } else if personal.is_personal() {
            let reply = replies::escalated(&speaks).to_string();
            (Outcome::Escalate, Reason::PersonalCase, None, reply)
        } else if let Some((outcome, reply, ids)) =
            self.catalogue_answer(text, &speaks, faq_confident)
        {
            records = ids;
            from_catalogue = true;
            let reason = if outcome == Outcome::Catalogue {
                Reason::CatalogueFound
            } else {
                Reason::CatalogueMiss
            };
            (outcome, reason, None, reply)
        } else if let Some(entry) = best.filter(|_| faq_confident) {
            let entry = &self.faq.entries[entry];
            // An entry found in another language's index is untranslated: say so first.
            let reply = if entry.lang == speaks {
                entry.answer.clone()
            } else {
                reply_lang = entry.lang.clone();
                format!(
                    "{}\n\n{}",
                    replies::untranslated(&speaks, &entry.lang),
                    entry.answer
                )
            };
            (
                Outcome::Faq,
                Reason::Confident,
                Some(entry.id.clone()),
                reply,
            )
        } else {
            let reason = if best.is_some() {
                Reason::BelowThreshold
            } else {
                Reason::NoMatch
            };
            (
                Outcome::Escalate,
                reason,
                None,
                replies::escalated(&speaks).to_string(),
            )
        };
        if reason == Reason::UnsupportedLanguage {
            reply_lang = default;
        }
        explanation.reason = reason;
        let candidates = li
            .map(|li| self.candidates(li, &ranked))
            .unwrap_or_default();
        Answer {
            outcome,
            faq_id,
            confidence,
            candidates,
            reply,
            lang,
            reply_lang,
            records,
            from_catalogue,
            explanation,
        }
    }

    /// The features behind the best entry's confidence.
    fn explain(
        &self,
        li: Option<&LangIndex>,
        ranked: &Ranked,
        personal: PersonalSignals,
        with_terms: bool,
    ) -> Explanation {
        let round = |x: f32| (x * 1000.0).round() / 1000.0;
        let Some(li) = li else {
            return Explanation {
                personal,
                threshold: 1.0,
                target_precision: self.settings.target_precision,
                ..Explanation::default()
            };
        };
        let confidence = ranked.confidence();
        let best = ranked.best();
        Explanation {
            reason: Reason::default(),
            threshold: round(li.calibration.threshold),
            target_precision: li.calibration.target_precision,
            estimated_precision: if best.is_some() {
                round(li.calibration.precision_at(confidence))
            } else {
                0.0
            },
            coverage: best.map(|b| round(b.coverage)).unwrap_or(0.0),
            phrase_match: best.map(|b| round(b.phrase)).unwrap_or(0.0),
            lead: round(ranked.lead()),
            meaning: best.and_then(|b| b.meaning).map(round),
            terms: best
                .filter(|_| with_terms)
                .map(|b| ranking::term_matches(&li.index, b.doc, &ranked.terms))
                .unwrap_or_default(),
            personal,
        }
    }

    /// A catalogue answer, or a catalogue miss to escalate, for a catalogue question;
    /// `None` to let the FAQ decide. A FAQ answer the engine is sure of beats cue words,
    /// except an ISBN or a record matching exactly what the patron is looking for by name
    /// ("I'm looking for Quiet study", "can I borrow Dune"). A question with no cue at all
    /// is looked up as a title when the FAQ has no answer, and only an exact match counts.
    fn catalogue_answer(
        &self,
        text: &str,
        lang: &str,
        faq_confident: bool,
    ) -> Option<(Outcome, String, Vec<String>)> {
        // An index still waiting for its first records is no catalogue yet.
        let catalogue = self.catalogue.as_ref().filter(|c| !c.is_empty())?;
        let limit = self.catalogue_settings.max_results.max(1);
        let min_coverage = self.catalogue_settings.min_coverage;
        let lookup = |query: &crate::catalogue::CatalogueQuery, exact_only: bool| {
            catalogue_ask::matches(catalogue, query, lang, limit, min_coverage, exact_only)
        };
        let (found, strong) = match catalogue_ask::classify(text) {
            Some(CatalogueAsk::Isbn(isbn)) => (catalogue.by_isbn(&isbn), true),
            // "can I read library books on my e-reader", "my professor put a book on reserve"
            Some(CatalogueAsk::Strong(_) | CatalogueAsk::Weak(_)) if faq_confident => return None,
            Some(CatalogueAsk::Firm(query)) if faq_confident => (lookup(&query, true), false),
            Some(CatalogueAsk::Firm(query) | CatalogueAsk::Strong(query)) => {
                (lookup(&query, false), true)
            }
            Some(CatalogueAsk::Weak(query)) => (lookup(&query, false), false),
            Some(CatalogueAsk::Thing(query)) => (lookup(&query, true), false),
            None if faq_confident => return None,
            None => (lookup(&catalogue_ask::bare(text)?, true), false),
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

    /// The entry's answer in `lang`, else in the default language.
    pub fn answer_text(&self, id: &str, lang: &str) -> &str {
        let find = |l: &str| self.faq.entries.iter().find(|e| e.id == id && e.lang == l);
        find(lang)
            .or_else(|| find(&self.faq.default_lang))
            .map(|e| e.answer.as_str())
            .unwrap_or_default()
    }
}
