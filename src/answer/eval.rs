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
}

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
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: usize,
    /// Automatic FAQ answers that were right.
    pub precision: Share,
    /// FAQ-answerable cases answered automatically with a right entry.
    pub coverage: Share,
    /// Out-of-scope cases (expecting only `escalate`) that got an automatic FAQ answer.
    pub out_of_scope_answered: Share,
    pub smalltalk_accuracy: Share,
    pub handoff_accuracy: Share,
    /// FAQ-answerable cases whose first candidate is right, whatever the outcome.
    pub p_at_1: Share,
    pub mrr: f64,
    pub misses: Vec<Miss>,
}

fn got(answer: &Answer) -> String {
    match (&answer.outcome, &answer.faq_id) {
        (Outcome::Faq, Some(id)) => format!("faq:{id}"),
        (outcome, _) => outcome.as_str().to_string(),
    }
}

pub fn evaluate(engine: &AnswerEngine, cases: &[Case]) -> Report {
    let (mut answered, mut answered_right) = (0, 0);
    let (mut answerable, mut covered, mut first_right) = (0, 0, 0);
    let mut reciprocal_ranks = 0.0;
    let (mut oos, mut oos_answered) = (0, 0);
    let (mut st, mut st_right, mut ho, mut ho_right) = (0, 0, 0, 0);
    let mut misses = Vec::new();

    for case in cases {
        let answer = engine.answer(&case.q, case.lang.as_deref());
        let got = got(&answer);
        let right = case.expect.contains(&got);
        let expected_ids: Vec<&str> = case
            .expect
            .iter()
            .filter_map(|e| e.strip_prefix("faq:"))
            .collect();
        if answer.outcome == Outcome::Faq {
            answered += 1;
            answered_right += usize::from(right);
        }
        if !expected_ids.is_empty() {
            answerable += 1;
            covered += usize::from(right && answer.outcome == Outcome::Faq);
            if let Some(pos) = answer
                .candidates
                .iter()
                .position(|c| expected_ids.contains(&c.id.as_str()))
            {
                reciprocal_ranks += 1.0 / (pos + 1) as f64;
                first_right += usize::from(pos == 0);
            }
        }
        if case.expect.iter().all(|e| e == "escalate") {
            oos += 1;
            oos_answered += usize::from(answer.outcome == Outcome::Faq);
        }
        if case.expect.iter().any(|e| e == "smalltalk") {
            st += 1;
            st_right += usize::from(answer.outcome == Outcome::Smalltalk);
        }
        if case.expect.iter().any(|e| e == "handoff") {
            ho += 1;
            ho_right += usize::from(answer.outcome == Outcome::Handoff);
        }
        if !right {
            misses.push(Miss {
                q: case.q.clone(),
                expect: case.expect.clone(),
                got,
                confidence: answer.confidence,
            });
        }
    }
    Report {
        cases: cases.len(),
        precision: Share::of(answered_right, answered),
        coverage: Share::of(covered, answerable),
        out_of_scope_answered: Share::of(oos_answered, oos),
        smalltalk_accuracy: Share::of(st_right, st),
        handoff_accuracy: Share::of(ho_right, ho),
        p_at_1: Share::of(first_right, answerable),
        mrr: if answerable == 0 {
            0.0
        } else {
            reciprocal_ranks / answerable as f64
        },
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
        out.push_str(&line("small-talk accuracy", &self.smalltalk_accuracy));
        out.push_str(&line("handoff accuracy", &self.handoff_accuracy));
        out.push_str(&line("P@1 (candidates)", &self.p_at_1));
        out.push_str(&format!("MRR (candidates)           {:>6.3}\n", self.mrr));
        if show_misses && !self.misses.is_empty() {
            out += "\nmisses:\n";
            for m in &self.misses {
                out.push_str(&format!(
                    "  {:?}: expected {} got {} ({:.2})\n",
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
