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
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

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
    record: Field,
}

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
            .terms(text)
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
    /// Opens the index in `dir`, creating an empty one if there is none.
    pub fn open_or_create(dir: &Path, boosts: CatalogueBoosts) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the catalogue index in {}", dir.display()))?;
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

    /// Matches for `text`, best first, with their coverage of the question.
    pub fn search(&self, text: &str, lang_hint: Option<&str>, limit: usize) -> Vec<CatalogueHit> {
        let terms = self.analyzers.query_terms(text, lang_hint);
        if terms.is_empty() {
            return Vec::new();
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
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())
        else {
            return Vec::new();
        };
        let words = self.analyzers.content_words(text, lang_hint);
        top.into_iter()
            .filter_map(|(score, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).ok()?;
                let record = self.stored_record(&doc)?;
                let coverage = self.coverage(&record, &words, lang_hint);
                Some(CatalogueHit {
                    record,
                    score,
                    coverage,
                })
            })
            .collect()
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
        if words.is_empty() {
            return 0.0;
        }
        let own = self.analyzers.for_record(record);
        let hint = self.analyzers.get(lang_hint.unwrap_or("en"));
        let neutral = self.analyzers.get("und");
        let mut have: HashSet<String> = HashSet::new();
        for text in std::iter::once(record.title.as_str())
            .chain(record.authors.iter().map(String::as_str))
            .chain(record.subjects.iter().map(String::as_str))
        {
            have.extend(neutral.terms(text));
            have.extend(own.terms(text));
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

impl CatalogueWriter<'_> {
    /// Adds a record, replacing any earlier one with the same control number.
    pub fn upsert(&mut self, record: &CatalogueRecord) -> anyhow::Result<()> {
        let f = self.index.fields;
        let code = analyzer_code(record.language.as_deref());
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &record.id);
        doc.add_text(f.title, self.analyse(code, &record.title));
        for a in &record.authors {
            // Names are not stemmed: "Dickens" must not become "dicken".
            let terms = self.index.analyzers.get("und").terms(a).join(" ");
            doc.add_text(f.author, terms);
        }
        for s in &record.subjects {
            doc.add_text(f.subject, self.analyse(code, s));
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

    /// Commits and waits for merges, leaving a compact index.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}
