//! The FAQ index of one language: a tantivy index with the question, alternates, tags and
//! answer in separate fields, plus the per-entry term sets the confidence rule needs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use super::semantic::{EntryVectors, SemanticModel, Vector};
use crate::faq::FaqEntry;
use crate::search::{Analyzer, Corrector, SynonymGroup, Token as Analysed};

/// How much a match in each field counts in BM25 ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Boosts {
    pub question: f32,
    pub alternates: f32,
    pub tags: f32,
    pub answer: f32,
}

impl Default for Boosts {
    fn default() -> Self {
        Self {
            question: 3.0,
            alternates: 2.0,
            tags: 1.5,
            answer: 0.5,
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    ord: Field,
    question: Field,
    alternates: Field,
    tags: Field,
    answer: Field,
}

/// What the index knows of one entry beyond tantivy's postings.
struct Doc {
    /// Position of the entry in the slice the index was built from.
    entry: usize,
    /// Stems of the question, alternates and tags (what the entry says it is about), with
    /// how many of those texts contain each: leaving one phrasing out for calibration must
    /// know whether another phrasing still has the word.
    topic_terms: HashMap<String, u16>,
    answer_terms: HashSet<String>,
    /// The question and each alternate as stems with their weights: the phrasings staff
    /// wrote, to see how much of the closest one a patron's question matches.
    phrases: Vec<Vec<(String, f32)>>,
    /// The same phrasings as written.
    phrase_texts: Vec<String>,
    /// The answer as plain text, for the semantic tier.
    answer_text: String,
}

/// How much of the question's weight outside a phrasing counts against the match with it:
/// enough that a one-word alternate inside a long question is a weak match, little enough
/// that a long, polite question around a clear phrasing still matches it.
const UNMATCHED_QUESTION_SHARE: f32 = 0.3;

/// One phrasing left out of an entry: calibration asks it back as if the entry did not
/// have it (leave-one-out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mask {
    pub doc: usize,
    pub phrase: usize,
}

/// One analysed word of a patron's question.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub stem: String,
    /// The patron's word was not in the FAQ vocabulary and was corrected to one that is.
    pub corrected: bool,
    /// The stem occurs somewhere in this FAQ.
    pub known: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into the index's documents (see `entry`).
    pub doc: usize,
    pub bm25: f32,
}

pub struct FaqIndex {
    analyzer: Analyzer,
    /// Corrects patrons' words against the FAQ's words...
    corrector: Corrector,
    /// ...and, failing that, their stems against the FAQ's stems ("exibition" -> "exibit"
    /// is one edit from "exhibit", though two from "exhibitions").
    stem_corrector: Corrector,
    reader: IndexReader,
    fields: Fields,
    boosts: Boosts,
    docs: Vec<Doc>,
    /// segment ordinal -> doc id -> position in `docs`.
    doc_map: Vec<Vec<u32>>,
    doc_freq: HashMap<String, u32>,
    /// The semantic tier's model and the vectors of every phrasing, if it serves this
    /// language.
    semantic: Option<(Arc<SemanticModel>, EntryVectors)>,
}

impl FaqIndex {
    /// Builds an in-memory index of `entries`, all in `lang`, reading each synonym group's
    /// members as its head.
    pub fn build(
        lang: &str,
        entries: &[&FaqEntry],
        boosts: Boosts,
        synonyms: &[SynonymGroup],
    ) -> tantivy::Result<Self> {
        let analyzer = Analyzer::with_synonyms(lang, synonyms);
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;

        let mut docs = Vec::with_capacity(entries.len());
        let mut doc_freq: HashMap<String, u32> = HashMap::new();
        let mut surface: HashMap<String, u32> = HashMap::new();
        for (ord, entry) in entries.iter().enumerate() {
            // Each text is analysed once: its terms feed tantivy, the topic and answer sets
            // and the phrasings alike.
            let question = analyzer.terms(&entry.question);
            let alternates: Vec<Vec<String>> =
                entry.alternates.iter().map(|a| analyzer.terms(a)).collect();
            let tags: Vec<Vec<String>> = entry.tags.iter().map(|t| analyzer.terms(t)).collect();
            let answer_text = plain_text(&entry.answer);
            let answer = analyzer.terms(&answer_text);

            let mut doc = TantivyDocument::default();
            doc.add_text(fields.id, &entry.id);
            doc.add_u64(fields.ord, ord as u64);
            doc.add_pre_tokenized_text(fields.question, pre_tokenized(&entry.question, &question));
            for (text, terms) in entry.alternates.iter().zip(&alternates) {
                doc.add_pre_tokenized_text(fields.alternates, pre_tokenized(text, terms));
            }
            for (text, terms) in entry.tags.iter().zip(&tags) {
                doc.add_pre_tokenized_text(fields.tags, pre_tokenized(text, terms));
            }
            doc.add_pre_tokenized_text(fields.answer, pre_tokenized(&answer_text, &answer));
            writer.add_document(doc)?;

            let mut topic_terms: HashMap<String, u16> = HashMap::new();
            for terms in std::iter::once(&question).chain(&alternates).chain(&tags) {
                let unique: HashSet<&String> = terms.iter().collect();
                for t in unique {
                    *topic_terms.entry(t.clone()).or_default() += 1;
                }
            }
            let answer_terms: HashSet<String> = answer.into_iter().collect();
            let mut entry_words: HashSet<String> = HashSet::new();
            for text in [entry.question.as_str(), answer_text.as_str()]
                .into_iter()
                .chain(entry.alternates.iter().map(String::as_str))
                .chain(entry.tags.iter().map(String::as_str))
            {
                entry_words.extend(
                    analyzer
                        .words(text)
                        .into_iter()
                        .filter(|w| !analyzer.is_stopword(w)),
                );
            }
            for w in entry_words {
                *surface.entry(w).or_default() += 1;
            }
            let all: HashSet<&String> = topic_terms.keys().chain(&answer_terms).collect();
            for t in all {
                *doc_freq.entry(t.clone()).or_default() += 1;
            }
            let phrases = std::iter::once(question)
                .chain(alternates)
                .map(|terms| terms.into_iter().map(|t| (t, 0.0)).collect())
                .collect();
            let phrase_texts = std::iter::once(&entry.question)
                .chain(&entry.alternates)
                .cloned()
                .collect();
            docs.push(Doc {
                entry: ord,
                topic_terms,
                answer_terms,
                phrases,
                phrase_texts,
                answer_text,
            });
        }
        writer.commit()?;
        // Phrase term weights need the document frequencies of the whole set.
        let n = docs.len() as f32;
        for doc in &mut docs {
            for phrase in &mut doc.phrases {
                for (term, weight) in phrase.iter_mut() {
                    *weight = idf(n, doc_freq.get(term).copied().unwrap_or(0));
                }
            }
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;

        let searcher = reader.searcher();
        let mut doc_map = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ord")?;
            let map = (0..segment.max_doc())
                .map(|d| column.first(d).unwrap_or_default() as u32)
                .collect();
            doc_map.push(map);
        }
        // The synonyms' own words are worth correcting to too: "bicyle" is one slip from
        // "bicycle", which the analyser then reads as the FAQ's "bike".
        for group in synonyms {
            for word in std::iter::once(&group.head).chain(&group.members) {
                if !word.contains(' ') {
                    surface.entry(word.clone()).or_insert(1);
                }
            }
        }
        let corrector = Corrector::new(surface.iter().map(|(w, c)| (w.as_str(), *c)));
        let stem_corrector = Corrector::new(doc_freq.iter().map(|(w, c)| (w.as_str(), *c)));
        Ok(Self {
            analyzer,
            corrector,
            stem_corrector,
            reader,
            fields,
            boosts,
            docs,
            doc_map,
            doc_freq,
            semantic: None,
        })
    }

    /// Adds the semantic tier: every phrasing embedded with `model`.
    pub fn with_semantic(mut self, model: Arc<SemanticModel>) -> Self {
        let texts: Vec<(Vec<&str>, &str)> = self
            .docs
            .iter()
            .map(|d| {
                let phrasings = d.phrase_texts.iter().map(String::as_str).collect();
                (phrasings, d.answer_text.as_str())
            })
            .collect();
        let vectors = EntryVectors::build(&model, &texts);
        self.semantic = Some((model, vectors));
        self
    }

    /// The question's vector, when the semantic tier serves this index.
    pub fn embed(&self, text: &str) -> Option<Vector> {
        self.semantic
            .as_ref()
            .and_then(|(model, _)| model.embed(text))
    }

    /// The entries closest in meaning to the question, best first (none without the
    /// semantic tier).
    pub fn nearest_in_meaning(
        &self,
        query: &Vector,
        limit: usize,
        mask: Option<Mask>,
    ) -> Vec<usize> {
        match &self.semantic {
            Some((_, vectors)) => vectors.nearest(query, limit, mask.map(|m| (m.doc, m.phrase))),
            None => Vec::new(),
        }
    }

    /// How close in meaning the question is to entry `doc`, in [-1, 1].
    pub fn closeness(&self, query: &Vector, doc: usize, mask: Option<Mask>) -> f32 {
        match &self.semantic {
            Some((_, vectors)) => {
                let left_out = mask.filter(|m| m.doc == doc).map(|m| m.phrase);
                vectors.closeness(query, doc, left_out)
            }
            None => 0.0,
        }
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The position of a hit's entry in the slice given to `build`.
    pub fn entry(&self, doc: usize) -> usize {
        self.docs[doc].entry
    }

    /// The patron's words as index terms: stop words dropped, misspellings corrected
    /// against the FAQ's own vocabulary, stemmed, each term once.
    pub fn analyse(&self, text: &str) -> Vec<QueryTerm> {
        let mut terms: Vec<QueryTerm> = Vec::new();
        let mut tokens = self.analyzer.tokens(text).into_iter().peekable();
        while let Some(token) = tokens.next() {
            let (word, stem) = match token {
                Analysed::Word(word, stem) => {
                    // "lap tops", "book drop": two words the FAQ writes as one.
                    let joined = match tokens.peek() {
                        Some(Analysed::Word(next, _)) if !self.doc_freq.contains_key(&stem) => {
                            self.known_join(&word, next)
                        }
                        _ => None,
                    };
                    match joined {
                        Some(joined) => {
                            tokens.next();
                            joined
                        }
                        None => (word, stem),
                    }
                }
                Analysed::Phrase(stem) => {
                    if !terms.iter().any(|t| t.stem == stem) {
                        let known = self.doc_freq.contains_key(&stem);
                        terms.push(QueryTerm {
                            stem,
                            corrected: false,
                            known,
                        });
                    }
                    continue;
                }
            };
            if !self.doc_freq.contains_key(&stem)
                && let Some(parts) = self.split_compound(&word)
            {
                for stem in parts {
                    if !terms.iter().any(|t| t.stem == stem) {
                        terms.push(QueryTerm {
                            stem,
                            corrected: false,
                            known: true,
                        });
                    }
                }
                continue;
            }
            let term = if self.doc_freq.contains_key(&stem) {
                QueryTerm {
                    stem,
                    corrected: false,
                    known: true,
                }
            } else if let Some(fixed) = self.corrector.correct(&word) {
                let stem = self.analyzer.stem(fixed);
                let known = self.doc_freq.contains_key(&stem);
                QueryTerm {
                    stem,
                    corrected: true,
                    known,
                }
            } else if let Some(fixed) = self.stem_corrector.correct(&stem) {
                QueryTerm {
                    stem: fixed.to_string(),
                    corrected: true,
                    known: true,
                }
            } else {
                QueryTerm {
                    stem,
                    corrected: false,
                    known: false,
                }
            };
            if !terms.iter().any(|t| t.stem == term.stem) {
                terms.push(term);
            }
        }
        terms
    }

    /// Two words written together, with their stem, if the FAQ knows the result.
    fn known_join(&self, first: &str, second: &str) -> Option<(String, String)> {
        let joined = format!("{first}{second}");
        let stem = self.analyzer.stem(&joined);
        self.doc_freq.contains_key(&stem).then_some((joined, stem))
    }

    /// A word the FAQ does not know split into two it does ("bookdrop", "studyroom",
    /// "printcredit"), each part at least four letters ("offline" is not "off line") and
    /// not a stop word.
    fn split_compound(&self, word: &str) -> Option<[String; 2]> {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() < 8 || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        (4..=chars.len() - 4).find_map(|i| {
            let (left, right) = word.split_at(chars[i].0);
            if self.analyzer.is_stopword(left) || self.analyzer.is_stopword(right) {
                return None;
            }
            let (l, r) = (self.analyzer.stem(left), self.analyzer.stem(right));
            (self.doc_freq.contains_key(&l) && self.doc_freq.contains_key(&r)).then_some([l, r])
        })
    }

    /// BM25 over the four fields with their boosts; best first.
    pub fn search(&self, terms: &[QueryTerm], limit: usize) -> tantivy::Result<Vec<Hit>> {
        let f = self.fields;
        let b = self.boosts;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms.iter().filter(|t| t.known) {
            for (field, boost) in [
                (f.question, b.question),
                (f.alternates, b.alternates),
                (f.tags, b.tags),
                (f.answer, b.answer),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, &t.stem),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        if clauses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        Ok(top
            .into_iter()
            .map(|(score, addr)| Hit {
                doc: self.doc_map[addr.segment_ord as usize][addr.doc_id as usize] as usize,
                bm25: score,
            })
            .collect())
    }

    /// The share of the text's words (stop words aside) that the FAQ uses, as written or
    /// as stems: a language's claim to a message, for telling its language.
    pub fn vocabulary_share(&self, text: &str) -> f32 {
        let tokens = self.analyzer.tokens(text);
        if tokens.is_empty() {
            return 0.0;
        }
        let known = tokens
            .iter()
            .filter(|t| match t {
                Analysed::Word(word, stem) => {
                    self.doc_freq.contains_key(stem) || self.corrector.contains(word)
                }
                Analysed::Phrase(head) => self.doc_freq.contains_key(head),
            })
            .count();
        known as f32 / tokens.len() as f32
    }

    /// Inverse document frequency of a stem among the entries; unknown stems count as rare.
    pub fn idf(&self, stem: &str) -> f32 {
        idf(
            self.docs.len() as f32,
            self.doc_freq.get(stem).copied().unwrap_or(0),
        )
    }

    /// How closely the question matches the entry's closest phrasing (its question or an
    /// alternate), in [0, 1]: the weighted overlap of the two over the phrasing plus a share
    /// of the rest of the question (`UNMATCHED_QUESTION_SHARE`), so a
    /// one-word alternate matched inside a long question counts for little, and "How do I
    /// get a library card?" matches the library-card question whole but only part of "I lost
    /// my library card". `query` holds the question's known stems with their weights.
    pub fn phrase_match(&self, doc: usize, query: &[(&str, f32)], mask: Option<Mask>) -> f32 {
        let query_total: f32 = query.iter().map(|(_, w)| w).sum();
        self.docs[doc]
            .phrases
            .iter()
            .enumerate()
            .filter(|(j, _)| mask != Some(Mask { doc, phrase: *j }))
            .map(|(_, phrase)| {
                let phrase_total: f32 = phrase.iter().map(|(_, w)| w).sum();
                let (mut hit, mut hit_query) = (0.0, 0.0);
                for (t, w) in phrase {
                    if let Some((_, qw)) = query.iter().find(|(q, _)| q == t) {
                        hit += w;
                        hit_query += qw;
                    }
                }
                let union = phrase_total + UNMATCHED_QUESTION_SHARE * (query_total - hit_query);
                if union > 0.0 { hit / union } else { 0.0 }
            })
            .fold(0.0, f32::max)
    }

    /// Whether the entry's question, alternates or tags contain the stem (not counting the
    /// masked phrasing).
    pub fn in_topic(&self, doc: usize, stem: &str, mask: Option<Mask>) -> bool {
        let d = &self.docs[doc];
        let count = d.topic_terms.get(stem).copied().unwrap_or(0);
        match mask {
            Some(m) if m.doc == doc && d.phrases[m.phrase].iter().any(|(t, _)| t == stem) => {
                count > 1
            }
            _ => count > 0,
        }
    }

    /// How many phrasings (question and alternates) the entry has.
    pub fn phrasings(&self, doc: usize) -> usize {
        self.docs[doc].phrases.len()
    }

    /// The text of one phrasing, to ask it back for calibration.
    pub fn phrasing_text(&self, doc: usize, phrase: usize) -> &str {
        &self.docs[doc].phrase_texts[phrase]
    }

    pub fn in_answer(&self, doc: usize, stem: &str) -> bool {
        self.docs[doc].answer_terms.contains(stem)
    }
}

fn idf(n: f32, df: u32) -> f32 {
    let df = df as f32;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

fn schema() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: sb.add_text_field("id", STRING | STORED),
        ord: sb.add_u64_field("ord", FAST),
        question: sb.add_text_field("question", text.clone()),
        alternates: sb.add_text_field("alternates", text.clone()),
        tags: sb.add_text_field("tags", text.clone()),
        answer: sb.add_text_field("answer", text),
    };
    (sb.build(), fields)
}

/// Our own analysis handed to tantivy as tokens, so indexing and querying cannot drift apart.
fn pre_tokenized(text: &str, terms: &[String]) -> PreTokenizedString {
    let tokens = terms
        .iter()
        .enumerate()
        .map(|(position, term)| Token {
            position,
            position_length: 1,
            text: term.clone(),
            ..Token::default()
        })
        .collect();
    PreTokenizedString {
        text: text.to_string(),
        tokens,
    }
}

/// Markdown without link targets: a URL's pieces ("https", "example", "edu") are not words a
/// patron asks with.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(start) = rest.find("](") {
        out.push_str(&rest[..start]);
        match rest[start..].find(')') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|w| !w.contains("://") && !w.contains('@'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn entry(id: &str, q: &str, alts: &[&str], answer: &str) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            lang: "en".into(),
            question: q.into(),
            alternates: alts.iter().map(|s| s.to_string()).collect(),
            tags: vec![],
            answer: answer.into(),
            path: PathBuf::from(format!("{id}.md")),
        }
    }

    #[test]
    fn finds_by_stem_and_typo() {
        let a = entry(
            "renewals",
            "How do I renew my loans?",
            &["extend due date"],
            "Log in to renew.",
        );
        let b = entry(
            "wifi",
            "How do I connect to the wifi?",
            &["wireless internet"],
            "Use eduroam.",
        );
        let idx = FaqIndex::build("en", &[&a, &b], Boosts::default(), &[]).unwrap();
        let terms = idx.analyse("renewing loan");
        assert!(terms.iter().all(|t| t.known && !t.corrected), "{terms:?}");
        let hits = idx.search(&terms, 5).unwrap();
        assert_eq!(idx.entry(hits[0].doc), 0);
        let terms = idx.analyse("wirelesss");
        assert!(terms[0].corrected, "{terms:?}");
        let hits = idx.search(&terms, 5).unwrap();
        assert_eq!(idx.entry(hits[0].doc), 1);
        assert!(idx.analyse("mongolia").iter().all(|t| !t.known));
        let split: Vec<String> = idx
            .analyse("wirelessinternet")
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(
            split,
            idx.analyse("wireless internet")
                .into_iter()
                .map(|t| t.stem)
                .collect::<Vec<_>>()
        );
        assert!(idx.search(&idx.analyse("mongolia"), 5).unwrap().is_empty());
    }

    #[test]
    fn plain_text_drops_link_targets_and_addresses() {
        assert_eq!(
            plain_text(
                "See [My Account](https://x.example.edu/a) or mail ask@x.example.edu today."
            ),
            "See [My Account or mail today."
        );
    }
}
