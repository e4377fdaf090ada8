//! `refdesk eval`: answer quality on a JSONL file of `{"q": ..., "expect": [...]}` cases.

use std::io::BufRead;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::{Answer, AnswerEngine, Outcome};

#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub q: String,
    /// `faq:<id>`, `smalltalk`, `handoff` or `escalate`; any one counts as right.
    pub expect: Vec<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// The case's style or class (`phone`, `formal`, `oos`, `personal`, `title` ...).
    /// `personal` marks the patron's own case: it must reach a person even when its topic
    /// is a FAQ topic, and is counted apart from out-of-scope questions.
    #[serde(default)]
    pub kind: Option<String>,
    /// The language the question is written in: the reply should be in it too.
    #[serde(default)]
    pub patron_lang: Option<String>,
}

/// How many of the catalogue's records count for a `catalogue:<id>` case.
pub const CATALOGUE_DEPTH: usize = 3;

pub fn read_cases(reader: impl BufRead, source: &str) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{source}: cannot read line {}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(&line)
            .with_context(|| format!("{source}:{}: not a case", i + 1))?;
        if case.expect.is_empty() {
            bail!("{source}:{}: `expect` is empty", i + 1);
        }
        cases.push(case);
    }
    Ok(cases)
}

/// One share with what it counts, so a reader can tell 1.0 of 2 from 1.0 of 200.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Share {
    pub value: f64,
    pub hits: usize,
    pub total: usize,
}

impl Share {
    fn of(hits: usize, total: usize) -> Self {
        let value = if total == 0 {
            0.0
        } else {
            hits as f64 / total as f64
        };
        Self { value, hits, total }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub q: String,
    pub expect: Vec<String>,
    pub got: String,
    pub confidence: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Coverage of the answerable cases of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindCoverage {
    pub kind: String,
    pub coverage: Share,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: usize,
    /// Automatic FAQ answers that were right.
    pub precision: Share,
    /// FAQ-answerable cases answered automatically with a right entry.
    pub coverage: Share,
    /// Out-of-scope cases (expecting only `escalate`, not `personal`) that got an automatic
    /// answer (FAQ or catalogue).
    pub out_of_scope_answered: Share,
    /// `personal` cases that got an automatic answer instead of a person.
    pub personal_answered: Share,
    /// `catalogue:<id>` cases with a wanted record among the first `CATALOGUE_DEPTH` offered.
    pub catalogue_top3: Share,
    /// FAQ-answerable cases the catalogue took (a record list, or a catalogue miss).
    pub faq_taken_by_catalogue: Share,
    pub smalltalk_accuracy: Share,
    pub handoff_accuracy: Share,
    /// Cases with a `patron_lang` whose reply (answer, notice or small talk) is in it.
    pub reply_in_patron_language: Share,
    /// Cases with a `patron_lang` taken to be in it.
    pub language_identified: Share,
    /// FAQ-answerable cases whose first candidate is right, whatever the outcome.
    pub p_at_1: Share,
    pub mrr: f64,
    /// Coverage per `kind`, for the kinds that have answerable cases.
    pub by_kind: Vec<KindCoverage>,
    pub misses: Vec<Miss>,
}

fn got(answer: &Answer) -> String {
    match (&answer.outcome, &answer.faq_id) {
        (Outcome::Faq, Some(id)) => format!("faq:{id}"),
        (outcome, _) => outcome.as_str().to_string(),
    }
}

/// Whether the answer satisfies one of the case's expectations.
fn is_right(case: &Case, answer: &Answer, got: &str) -> bool {
    case.expect
        .iter()
        .any(|e| match e.strip_prefix("catalogue:") {
            Some(id) => {
                answer.outcome == Outcome::Catalogue
                    && answer.records.iter().take(CATALOGUE_DEPTH).any(|r| r == id)
            }
            None => e == got,
        })
}

#[derive(Default)]
struct Tally {
    hits: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, counted: bool, hit: bool) {
        if counted {
            self.total += 1;
            self.hits += usize::from(hit);
        }
    }

    fn share(&self) -> Share {
        Share::of(self.hits, self.total)
    }
}

pub fn evaluate(engine: &AnswerEngine, cases: &[Case]) -> Report {
    let (mut precision, mut coverage, mut first_right) =
        (Tally::default(), Tally::default(), Tally::default());
    let (mut oos, mut personal, mut st, mut ho) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let (mut catalogue, mut taken) = (Tally::default(), Tally::default());
    let (mut replied_in, mut identified) = (Tally::default(), Tally::default());
    let mut kinds: Vec<(String, Tally)> = Vec::new();
    let mut reciprocal_ranks = 0.0;
    let mut misses = Vec::new();

    for case in cases {
        let answer = engine.answer(&case.q, case.lang.as_deref());
        let got = got(&answer);
        let right = is_right(case, &answer, &got);
        let expected_ids: Vec<&str> = case
            .expect
            .iter()
            .filter_map(|e| e.strip_prefix("faq:"))
            .collect();
        let automatic = matches!(answer.outcome, Outcome::Faq | Outcome::Catalogue);
        let is_personal = case.kind.as_deref() == Some("personal");
        precision.add(answer.outcome == Outcome::Faq, right);
        let answerable = !expected_ids.is_empty();
        coverage.add(answerable, right && answer.outcome == Outcome::Faq);
        taken.add(answerable, answer.from_catalogue);
        if answerable {
            let position = answer
                .candidates
                .iter()
                .position(|c| expected_ids.contains(&c.id.as_str()));
            if let Some(pos) = position {
                reciprocal_ranks += 1.0 / (pos + 1) as f64;
            }
            first_right.add(true, position == Some(0));
            let kind = case.kind.clone().unwrap_or_else(|| "-".into());
            let at = match kinds.iter().position(|(k, _)| *k == kind) {
                Some(at) => at,
                None => {
                    kinds.push((kind, Tally::default()));
                    kinds.len() - 1
                }
            };
            kinds[at]
                .1
                .add(true, right && answer.outcome == Outcome::Faq);
        }
        let only_escalate = case.expect.iter().all(|e| e == "escalate");
        oos.add(only_escalate && !is_personal, automatic);
        personal.add(is_personal, automatic);
        catalogue.add(
            case.expect.iter().any(|e| e.starts_with("catalogue:")),
            right,
        );
        st.add(
            case.expect.iter().any(|e| e == "smalltalk"),
            answer.outcome == Outcome::Smalltalk,
        );
        ho.add(
            case.expect.iter().any(|e| e == "handoff"),
            answer.outcome == Outcome::Handoff,
        );
        if let Some(patron_lang) = &case.patron_lang {
            replied_in.add(true, answer.reply_lang == *patron_lang);
            identified.add(true, answer.lang == *patron_lang);
        }
        if !right {
            misses.push(Miss {
                q: case.q.clone(),
                expect: case.expect.iter().take(3).cloned().collect(),
                got,
                confidence: answer.confidence,
                kind: case.kind.clone(),
            });
        }
    }
    Report {
        cases: cases.len(),
        precision: precision.share(),
        coverage: coverage.share(),
        out_of_scope_answered: oos.share(),
        personal_answered: personal.share(),
        catalogue_top3: catalogue.share(),
        faq_taken_by_catalogue: taken.share(),
        smalltalk_accuracy: st.share(),
        handoff_accuracy: ho.share(),
        reply_in_patron_language: replied_in.share(),
        language_identified: identified.share(),
        p_at_1: first_right.share(),
        mrr: if coverage.total == 0 {
            0.0
        } else {
            reciprocal_ranks / coverage.total as f64
        },
        by_kind: kinds
            .into_iter()
            .map(|(kind, t)| KindCoverage {
                kind,
                coverage: t.share(),
            })
            .collect(),
        misses,
    }
}

impl Report {
    pub fn to_text(&self, show_misses: bool) -> String {
        let line = |name: &str, s: &Share| {
            format!("{name:<26} {:>6.3}  ({}/{})\n", s.value, s.hits, s.total)
        };
        let mut out = format!("cases                      {}\n", self.cases);
        out.push_str(&line("precision (auto answers)", &self.precision));
        out.push_str(&line("coverage (answerable)", &self.coverage));
        out.push_str(&line("out-of-scope answered", &self.out_of_scope_answered));
        out.push_str(&line("personal-case answered", &self.personal_answered));
        out.push_str(&line("catalogue: wanted in top 3", &self.catalogue_top3));
        out.push_str(&line(
            "FAQ taken by catalogue",
            &self.faq_taken_by_catalogue,
        ));
        out.push_str(&line("small-talk accuracy", &self.smalltalk_accuracy));
        out.push_str(&line("handoff accuracy", &self.handoff_accuracy));
        if self.language_identified.total > 0 {
            out.push_str(&line("language identified", &self.language_identified));
            out.push_str(&line(
                "reply in patron's lang",
                &self.reply_in_patron_language,
            ));
        }
        out.push_str(&line("P@1 (candidates)", &self.p_at_1));
        out.push_str(&format!("MRR (candidates)           {:>6.3}\n", self.mrr));
        for k in &self.by_kind {
            out.push_str(&line(&format!("  coverage, {}", k.kind), &k.coverage));
        }
        if show_misses && !self.misses.is_empty() {
            out += "\nmisses:\n";
            for m in &self.misses {
                out.push_str(&format!(
                    "  [{}] {:?}: expected {} got {} ({:.2})\n",
                    m.kind.as_deref().unwrap_or("-"),
                    m.q,
                    m.expect.join("|"),
                    m.got,
                    m.confidence
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cases_and_names_bad_lines() {
        let ok = read_cases(
            "{\"q\":\"hi\",\"expect\":[\"smalltalk\"]}\n\n".as_bytes(),
            "x.jsonl",
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        let err = read_cases("{\"q\":\"hi\"}\n".as_bytes(), "x.jsonl").unwrap_err();
        assert!(format!("{err:#}").contains("x.jsonl:1"), "{err:#}");
        let err = read_cases("{\"q\":\"hi\",\"expect\":[]}\n".as_bytes(), "x.jsonl").unwrap_err();
        assert!(err.to_string().contains("empty"));
    }

    #[test]
    fn shares_handle_empty_totals() {
        assert_eq!(Share::of(0, 0).value, 0.0);
        assert_eq!(Share::of(3, 4).value, 0.75);
    }
}
