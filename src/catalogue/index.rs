//! The persistent catalogue index: title, authors and subjects analysed in the record's own
//! language (stemmed where refdesk has a stemmer), ISBNs as exact terms, and the record
//! itself stored for display. Opened at start-up, written only by `catalogue import`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::fold::{fold, folded_key, key};
use super::isbn;
use super::record::CatalogueRecord;
use crate::search::Analyzer;

/// How much a match in each field counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogueBoosts {
    pub title: f32,
    pub author: f32,
    pub subject: f32,
}

impl Default for CatalogueBoosts {
    fn default() -> Self {
        Self {
            title: 3.0,
            author: 2.0,
            subject: 1.5,
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    author: Field,
    subject: Field,
    isbn: Field,
    /// `fold::key` of the whole title and of its 245 $a part, for exact title matches.
    title_key: Field,
    record: Field,
}

/// The analysis the index's terms come from. Bump it whenever indexing changes what terms
/// a record gets (an older index would answer wrongly): `FORMAT_FILE` in the index
/// directory records it, and an index without the current one must be imported again.
pub const FORMAT: &str = "refdesk-catalogue 2 (folded)";
const FORMAT_FILE: &str = "refdesk-format";

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Fields hold our own analysis's terms joined by spaces: indexing only has to split
    // on whitespace, and no language-specific tokenizer needs registering per record.
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("whitespace")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        author: b.add_text_field("author", text.clone()),
        subject: b.add_text_field("subject", text),
        isbn: b.add_text_field("isbn", STRING),
        title_key: b.add_text_field("title_key", STRING),
        record: b.add_text_field("record", STORED),
    };
    (b.build(), fields)
}

/// The analyzer for a record's MARC language code; other languages are split into words
/// without stemming.
fn analyzer_code(marc_lang: Option<&str>) -> &'static str {
    match marc_lang.unwrap_or("eng") {
        "eng" => "en",
        "rus" => "ru",
        "spa" => "es",
        "ger" => "de",
        "fre" => "fr",
        "ita" => "it",
        "por" => "pt",
        "dut" => "nl",
        "swe" => "sv",
        "nor" => "no",
        "dan" => "da",
        "fin" => "fi",
        _ => "und",
    }
}

/// Analyzers, made once (stemmers and stop word sets are not free to build).
pub struct Analyzers {
    by_code: Vec<(&'static str, Analyzer)>,
}

impl Default for Analyzers {
    fn default() -> Self {
        let codes = [
            "en", "ru", "es", "de", "fr", "it", "pt", "nl", "sv", "no", "da", "fi", "und",
        ];
        Self {
            by_code: codes
                .into_iter()
                .map(|c| (c, Analyzer::for_language(c)))
                .collect(),
        }
    }
}

impl Analyzers {
    pub fn get(&self, code: &str) -> &Analyzer {
        self.by_code
            .iter()
            .find(|(c, _)| *c == code)
            .or_else(|| self.by_code.last())
            .map(|(_, a)| a)
            .expect("the neutral analyzer is always there")
    }

    pub fn for_record(&self, record: &CatalogueRecord) -> &Analyzer {
        self.get(analyzer_code(record.language.as_deref()))
    }

    /// A question's content words, as written (lowercased), without the stop words of
    /// English or of the patron's language.
    pub fn content_words(&self, text: &str, lang_hint: Option<&str>) -> Vec<String> {
        let (en, hint) = (self.get("en"), self.get(lang_hint.unwrap_or("en")));
        self.get("und")
            .terms(&fold(text))
            .into_iter()
            .filter(|w| !en.is_stopword(w) && !hint.is_stopword(w))
            .collect()
    }

    /// A question's search terms: its content words as they are and as the likely
    /// languages stem them, since the patron's language need not be the book's.
    pub fn query_terms(&self, text: &str, lang_hint: Option<&str>) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for w in self.content_words(text, lang_hint) {
            for t in [
                w.clone(),
                self.get("en").stem(&w),
                self.get(lang_hint.unwrap_or("en")).stem(&w),
            ] {
                if seen.insert(t.clone()) {
                    out.push(t);
                }
            }
        }
        out
    }
}

/// One search result: the record and how much of the question it covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueHit {
    pub record: CatalogueRecord,
    pub score: f32,
    /// Share of the question's words found in the record's title, authors or subjects.
    pub coverage: f32,
}

/// What a catalogue question asks for: words to find anywhere, and, when the question names
/// them, a title and an author to find in their own fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogueQuery {
    /// All that was asked for ("dune by frank herbert"): coverage is measured on it, and it
    /// may itself be a whole title ("stand by me").
    pub text: String,
    /// The title part ("dune"), when the question names an author too.
    pub title: Option<String>,
    /// The author part ("frank herbert"), matched in either name order.
    pub author: Option<String>,
}

impl CatalogueQuery {
    /// Words to find anywhere: a title, a subject, a name.
    pub fn words(text: &str) -> Self {
        Self {
            text: text.to_string(),
            ..Self::default()
        }
    }

    /// Works by `name`.
    pub fn by(name: &str) -> Self {
        Self {
            text: name.to_string(),
            title: None,
            author: Some(name.to_string()),
        }
    }

    /// `title` by `author`; `text` is the question as written.
    pub fn title_by(text: &str, title: &str, author: &str) -> Self {
        Self {
            text: text.to_string(),
            title: Some(title.to_string()),
            author: Some(author.to_string()),
        }
    }
}

/// How a record matches a question, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Words in common only: `coverage` says how many.
    Words,
    /// An author with all the words of the name asked for (and the title part's words).
    Named,
    /// The whole title, or its 245 $a, as asked (with the author, when one is named).
    Exact,
}

/// A search result and the kind of match it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub hit: CatalogueHit,
    pub strength: Strength,
}

pub struct CatalogueIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    boosts: CatalogueBoosts,
    analyzers: Analyzers,
}

/// Adds and replaces records; `commit` makes them visible.
pub struct CatalogueWriter<'a> {
    index: &'a CatalogueIndex,
    writer: IndexWriter,
    /// The index was empty when writing began: only ids met in this run can need replacing
    /// (deleting by term for every record of a first import costs a fifth of its time).
    fresh: Option<HashSet<String>>,
    /// Stems already computed, by analyzer and word: catalogue words repeat a lot, and
    /// stemming was the costliest part of the analysis.
    stems: HashMap<&'static str, HashMap<String, String>>,
}

impl CatalogueIndex {
    /// Opens the index in `dir`, creating an empty one if there is none. An index made by
    /// an older refdesk (other terms) is refused with a request to import again.
    pub fn open_or_create(dir: &Path, boosts: CatalogueBoosts) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the catalogue index in {}", dir.display()))?;
        let marker = dir.join(FORMAT_FILE);
        if dir.join("meta.json").exists() {
            let found = std::fs::read_to_string(&marker).unwrap_or_default();
            if found.trim() != FORMAT {
                anyhow::bail!(
                    "the catalogue index in {} was built by an older version of refdesk \
                     ({}); re-import the catalogue: move that directory away (or delete it) \
                     and run `refdesk catalogue import` again",
                    dir.display(),
                    if found.trim().is_empty() {
                        "no format marker"
                    } else {
                        found.trim()
                    }
                );
            }
        } else {
            std::fs::write(&marker, format!("{FORMAT}\n")).with_context(|| {
                format!("cannot write the catalogue index in {}", dir.display())
            })?;
        }
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir)
            .with_context(|| format!("cannot open the catalogue index in {}", dir.display()))?;
        let index = Index::open_or_create(directory, schema).with_context(|| {
            format!(
                "{} holds an index refdesk cannot use (made by another version?); move it away and import again",
                dir.display()
            )
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            boosts,
            analyzers: Analyzers::default(),
        })
    }

    /// Opens the index only if `dir` holds one (the service runs without a catalogue).
    pub fn open_existing(dir: &Path, boosts: CatalogueBoosts) -> anyhow::Result<Option<Self>> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        Self::open_or_create(dir, boosts).map(Some)
    }

    /// The newest shared change (`Store::catalogue_changes`) this index holds; 0 when it
    /// never followed the database.
    pub fn synced_to(&self) -> anyhow::Result<i64> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn analyzers(&self) -> &Analyzers {
        &self.analyzers
    }

    /// A writer with `heap_bytes` of indexing memory on `threads` threads.
    pub fn writer(&self, threads: usize, heap_bytes: usize) -> anyhow::Result<CatalogueWriter<'_>> {
        let writer = self
            .index
            .writer_with_num_threads(threads.max(1), heap_bytes)
            .context("another import is writing the catalogue index")?;
        let fresh = (self.reader.searcher().num_docs() == 0).then(HashSet::new);
        Ok(CatalogueWriter {
            fresh,
            stems: HashMap::new(),
            index: self,
            writer,
        })
    }

    /// Matches for `text` (words to find anywhere), best first, with their coverage of the
    /// question.
    pub fn search(&self, text: &str, lang_hint: Option<&str>, limit: usize) -> Vec<CatalogueHit> {
        self.lookup(&CatalogueQuery::words(text), lang_hint, limit)
            .into_iter()
            .map(|f| f.hit)
            .collect()
    }

    /// Matches for a catalogue question, best first: whole-title matches (with the author,
    /// when one is named) before records naming the author, before records sharing words.
    pub fn lookup(
        &self,
        query: &CatalogueQuery,
        lang_hint: Option<&str>,
        limit: usize,
    ) -> Vec<Found> {
        let limit = limit.max(1);
        let searcher = self.reader.searcher();
        let depth = (limit * 10).max(50);
        let mut found: HashMap<DocAddress, f32> = HashMap::new();
        let mut add = |query: &dyn Query, n: usize| {
            if let Ok(top) = searcher.search(query, &TopDocs::with_limit(n).order_by_score()) {
                for (score, addr) in top {
                    let best = found.entry(addr).or_insert(score);
                    *best = best.max(score);
                }
            }
        };
        let keys = self.wanted_keys(query);
        if !keys.is_empty() {
            let clauses = keys
                .iter()
                .map(|k| {
                    let q = TermQuery::new(
                        Term::from_field_text(self.fields.title_key, k),
                        IndexRecordOption::Basic,
                    );
                    (Occur::Should, Box::new(q) as Box<dyn Query>)
                })
                .collect();
            add(&BooleanQuery::new(clauses), depth);
        }
        if let Some(q) = self.words_query(&query.text, lang_hint) {
            add(&q, depth);
        }
        if let Some(author) = &query.author
            && let Some(q) = self.named_query(author, query.title.as_deref(), lang_hint)
        {
            add(&q, depth);
        }
        let words = self.analyzers.content_words(&query.text, lang_hint);
        let mut ranked: Vec<(Rank, Found)> = found
            .into_iter()
            .filter_map(|(addr, score)| {
                let doc: TantivyDocument = searcher.doc(addr).ok()?;
                let record = self.stored_record(&doc)?;
                let (rank, strength, coverage) =
                    self.judge(&record, query, &words, score, lang_hint);
                let hit = CatalogueHit {
                    record,
                    score,
                    coverage,
                };
                Some((rank, Found { hit, strength }))
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.hit.record.id.cmp(&b.1.hit.record.id))
        });
        ranked.into_iter().take(limit).map(|(_, f)| f).collect()
    }

    /// The title keys a record must have to match the question as a whole title: the title
    /// part's, and the whole question's when it was split into title and author (a title
    /// may contain "by": "Stand by me").
    fn wanted_keys(&self, query: &CatalogueQuery) -> Vec<String> {
        let mut keys = Vec::new();
        let whole_is_title = query.author.is_none() || query.title.is_some();
        for text in [
            query.title.as_deref(),
            whole_is_title.then_some(query.text.as_str()),
        ]
        .into_iter()
        .flatten()
        {
            let k = key(text);
            if !k.is_empty() && !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }

    /// Any of the text's terms in title, authors or subjects, weighted by field.
    fn words_query(&self, text: &str, lang_hint: Option<&str>) -> Option<BooleanQuery> {
        let terms = self.analyzers.query_terms(text, lang_hint);
        if terms.is_empty() {
            return None;
        }
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms {
            for (field, boost) in [
                (f.title, self.boosts.title),
                (f.author, self.boosts.author),
                (f.subject, self.boosts.subject),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        Some(BooleanQuery::new(clauses))
    }

    /// Records with every word of the author's name among their authors, those sharing
    /// words with the title part first.
    fn named_query(
        &self,
        author: &str,
        title: Option<&str>,
        lang_hint: Option<&str>,
    ) -> Option<BooleanQuery> {
        let names = self.analyzers.get("und").terms(&fold(author));
        if names.is_empty() {
            return None;
        }
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = names
            .iter()
            .map(|n| {
                let q = TermQuery::new(
                    Term::from_field_text(f.author, n),
                    IndexRecordOption::WithFreqs,
                );
                (Occur::Must, Box::new(q) as Box<dyn Query>)
            })
            .collect();
        for t in title
            .map(|t| self.analyzers.query_terms(t, lang_hint))
            .unwrap_or_default()
        {
            let q = TermQuery::new(
                Term::from_field_text(f.title, &t),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((Occur::Should, Box::new(q)));
        }
        Some(BooleanQuery::new(clauses))
    }

    /// How well `record` answers the question: its rank among the candidates, the kind of
    /// match, and its coverage of the question's words (1 for a whole-title or author
    /// match, which may have no content words at all: a book called "It").
    fn judge(
        &self,
        record: &CatalogueRecord,
        query: &CatalogueQuery,
        words: &[String],
        score: f32,
        lang_hint: Option<&str>,
    ) -> (Rank, Strength, f32) {
        let own_keys = title_keys(&record.title);
        let exact_part = query
            .title
            .as_deref()
            .or(query.author.is_none().then_some(query.text.as_str()))
            .map(key)
            .is_some_and(|k| own_keys.contains(&k));
        // The whole question as a title, when it may be one ("Stand by me").
        let exact_whole = (query.author.is_none() || query.title.is_some())
            && own_keys.contains(&key(&query.text));
        let author = query
            .author
            .as_deref()
            .map(|a| self.author_match(record, a));
        let named = author.is_some_and(|a| a > 0);
        let title_covered = query.title.as_deref().is_none_or(|t| {
            let title_words = self.analyzers.content_words(t, lang_hint);
            title_words.is_empty()
                || self.share(
                    std::iter::once(record.title.as_str()),
                    record,
                    &title_words,
                    lang_hint,
                ) >= 1.0
        });
        let tier = if exact_part && named {
            5
        } else if exact_whole {
            4
        } else if named && title_covered {
            3
        } else if exact_part {
            1
        } else {
            0
        };
        let strength = match tier {
            4.. => Strength::Exact,
            3 => Strength::Named,
            _ => Strength::Words,
        };
        let coverage = if tier >= 3 {
            1.0
        } else {
            self.coverage(record, words, lang_hint)
        };
        let full = key(&record.title);
        let whole = [query.title.as_deref(), Some(query.text.as_str())]
            .into_iter()
            .flatten()
            .any(|t| key(t) == full);
        let rank = Rank {
            tier,
            whole,
            name: author.unwrap_or(0),
            coverage: (coverage * 100.0).round() as u32,
            score,
        };
        (rank, strength, coverage)
    }

    /// How well one of the record's authors matches `author`, in either name order ("Frank
    /// Herbert", "Herbert, Frank", "herbert"): 0 when none has all its words; more for the
    /// first author (the main entry) and for a name with no other words.
    fn author_match(&self, record: &CatalogueRecord, author: &str) -> u8 {
        let neutral = self.analyzers.get("und");
        let wanted: HashSet<String> = neutral.terms(&fold(author)).into_iter().collect();
        if wanted.is_empty() {
            return 0;
        }
        record
            .authors
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let have: HashSet<String> = neutral.terms(&fold(a)).into_iter().collect();
                wanted
                    .is_subset(&have)
                    .then(|| 1 + u8::from(i == 0) * 2 + u8::from(have.len() == wanted.len()))
            })
            .max()
            .unwrap_or(0)
    }

    /// Records with this ISBN (10 or 13 digits, hyphens allowed).
    pub fn by_isbn(&self, raw: &str) -> Vec<CatalogueRecord> {
        let Some(key) = isbn::to_isbn13(raw) else {
            return Vec::new();
        };
        let q = TermQuery::new(
            Term::from_field_text(self.fields.isbn, &key),
            IndexRecordOption::Basic,
        );
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&q, &TopDocs::with_limit(5).order_by_score()) else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(_, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).ok()?;
                self.stored_record(&doc)
            })
            .collect()
    }

    /// The record with this control number.
    pub fn get(&self, id: &str) -> Option<CatalogueRecord> {
        let q = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .ok()?;
        let (_, addr) = top.first()?;
        let doc: TantivyDocument = searcher.doc(*addr).ok()?;
        self.stored_record(&doc)
    }

    /// Up to `n` records spread over the index, for benchmarks.
    pub fn sample(&self, n: usize) -> Vec<CatalogueRecord> {
        let searcher = self.reader.searcher();
        let total: u64 = searcher.num_docs().max(1);
        let step = (total / n.max(1) as u64).max(1) as u32;
        let mut out = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let mut doc = 0;
            while doc < segment.max_doc() && out.len() < n {
                let addr = tantivy::DocAddress::new(ord as u32, doc);
                if let Ok(d) = searcher.doc::<TantivyDocument>(addr)
                    && let Some(r) = self.stored_record(&d)
                {
                    out.push(r);
                }
                doc += step;
            }
        }
        out
    }

    fn stored_record(&self, doc: &TantivyDocument) -> Option<CatalogueRecord> {
        let json = doc.get_first(self.fields.record)?.as_str()?;
        serde_json::from_str(json).ok()
    }

    /// Share of the question's content words (unstemmed, or stemmed in the record's
    /// language) that appear in the record's title, authors or subjects.
    fn coverage(&self, record: &CatalogueRecord, words: &[String], lang_hint: Option<&str>) -> f32 {
        let texts = std::iter::once(record.title.as_str())
            .chain(record.authors.iter().map(String::as_str))
            .chain(record.subjects.iter().map(String::as_str));
        self.share(texts, record, words, lang_hint)
    }

    /// Share of `words` found in `texts` (folded, as is or stemmed in the record's language
    /// or the question's).
    fn share<'t>(
        &self,
        texts: impl Iterator<Item = &'t str>,
        record: &CatalogueRecord,
        words: &[String],
        lang_hint: Option<&str>,
    ) -> f32 {
        if words.is_empty() {
            return 0.0;
        }
        let own = self.analyzers.for_record(record);
        let hint = self.analyzers.get(lang_hint.unwrap_or("en"));
        let neutral = self.analyzers.get("und");
        let mut have: HashSet<String> = HashSet::new();
        for text in texts {
            let text = fold(text);
            have.extend(neutral.terms(&text));
            have.extend(own.terms(&text));
        }
        let found = words
            .iter()
            .filter(|w| {
                have.contains(*w) || have.contains(&own.stem(w)) || have.contains(&hint.stem(w))
            })
            .count();
        found as f32 / words.len() as f32
    }
}

/// `fold::key` of the whole title and of where its 245 $a may end: the mapping joins $a $b
/// $n $p with spaces and keeps the ISBD punctuation between them (" : ", " / ", " = ",
/// " ; "), and a $a may end in a comma or a full stop ("The workmen's compensation acts,
/// being an annotated study ..."). The first three such places count.
fn title_keys(title: &str) -> Vec<String> {
    folded_title_keys(&fold(title))
}

/// `title_keys` of a title already folded (folding keeps the ISBD punctuation).
fn folded_title_keys(title: &str) -> Vec<String> {
    let mut keys = vec![folded_key(title)];
    let mut cuts: Vec<usize> = [" : ", " ; ", " = ", " / ", ", ", ". "]
        .iter()
        .flat_map(|sep| title.match_indices(sep).map(|(at, _)| at))
        // Not after an initial ("Songs of J. S. B.").
        .filter(|&at| {
            title[..at]
                .rsplit(' ')
                .next()
                .is_some_and(|w| w.trim_end_matches('.').chars().count() > 1)
        })
        .collect();
    cuts.sort_unstable();
    for cut in cuts.into_iter().take(3) {
        let k = folded_key(&title[..cut]);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// A candidate's place in the answer, compared field by field: the kind of match, a whole
/// title over its $a, how well the author matches, coverage in hundredths, then BM25.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rank {
    tier: u8,
    /// The question is the record's whole title, not only where its $a may end.
    whole: bool,
    name: u8,
    coverage: u32,
    score: f32,
}

impl Eq for Rank {}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rank {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.tier, self.whole, self.name, self.coverage)
            .cmp(&(other.tier, other.whole, other.name, other.coverage))
            .then_with(|| self.score.total_cmp(&other.score))
    }
}

impl CatalogueWriter<'_> {
    /// Adds a record, replacing any earlier one with the same control number.
    pub fn upsert(&mut self, record: &CatalogueRecord) -> anyhow::Result<()> {
        let f = self.index.fields;
        let code = analyzer_code(record.language.as_deref());
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &record.id);
        let title = fold(&record.title);
        doc.add_text(f.title, self.analyse(code, &title));
        for k in folded_title_keys(&title) {
            doc.add_text(f.title_key, k);
        }
        for a in &record.authors {
            // Names are not stemmed: "Dickens" must not become "dicken".
            let terms = self.index.analyzers.get("und").terms(&fold(a)).join(" ");
            doc.add_text(f.author, terms);
        }
        for s in &record.subjects {
            doc.add_text(f.subject, self.analyse(code, &fold(s)));
        }
        for i in &record.isbns {
            if let Some(key) = isbn::to_isbn13(i) {
                doc.add_text(f.isbn, &key);
            }
        }
        doc.add_text(f.record, &serde_json::to_string(record)?);
        let seen_before = match &mut self.fresh {
            Some(seen) => !seen.insert(record.id.clone()),
            None => true,
        };
        if seen_before {
            self.writer
                .delete_term(Term::from_field_text(f.id, &record.id));
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// `Analyzer::terms` joined by spaces, with the stems remembered.
    fn analyse(&mut self, code: &'static str, text: &str) -> String {
        let analyzer = self.index.analyzers.get(code);
        let mut out = String::with_capacity(text.len());
        for word in analyzer.words(text) {
            if analyzer.is_stopword(&word) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            let known = self.stems.entry(code).or_default();
            match known.get(word.as_str()) {
                Some(stem) => out.push_str(stem),
                None => {
                    let stem = analyzer.stem(&word);
                    out.push_str(&stem);
                    if known.len() < 1_000_000 {
                        known.insert(word, stem);
                    }
                }
            }
        }
        out
    }

    pub fn commit(&mut self) -> anyhow::Result<()> {
        self.writer.commit()?;
        Ok(())
    }

    /// Commits, recording that the index now holds every shared change up to `seq`
    /// (`CatalogueIndex::synced_to`); the mark and the records become visible together.
    pub fn commit_synced_to(&mut self, seq: i64) -> anyhow::Result<()> {
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&seq.to_string());
        commit.commit()?;
        self.index.reader.reload()?;
        Ok(())
    }

    /// Commits and waits for merges, leaving a compact index.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::title_keys;

    #[test]
    fn title_keys_are_the_whole_title_and_where_its_245a_may_end() {
        assert_eq!(
            title_keys("The pragmatic programmer : from journeyman to master"),
            [
                "the pragmatic programmer from journeyman to master",
                "the pragmatic programmer"
            ]
        );
        assert_eq!(
            title_keys("The workmen's compensation acts, being an annotated study"),
            [
                "the workmens compensation acts being an annotated study",
                "the workmens compensation acts"
            ]
        );
        assert_eq!(title_keys("Songs of J. S. B."), ["songs of j s b"]);
        assert_eq!(title_keys("It"), ["it"]);
        assert!(title_keys("...").is_empty());
    }
}
