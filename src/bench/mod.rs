//! `refdesk bench ...`: latency measurement of the answer engine, shared by `refdesk bench
//! answer` and the criterion benchmark, a generator of large synthetic FAQs to measure at
//! scale, and the catalogue and chat benchmarks in their own modules.

pub mod catalogue;
pub mod chat;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::answer::AnswerEngine;
use crate::faq::{FaqEntry, FaqSet};

/// Questions of every kind the engine meets: FAQ paraphrases, typos, out-of-scope, small
/// talk, handoff. Used to drive the benchmarks, not to judge quality.
pub const QUERIES: &[&str] = &[
    "What time does the library close on Friday?",
    "how do i renew my books online",
    "wifi pasword",
    "can I print in colour and how much is it",
    "I lost my student card",
    "where is the nearest bus stop",
    "do you have group study rooms I can book for tomorrow",
    "what is the capital of mongolia",
    "hello",
    "can I talk to a real person please",
    "how many books can a postgraduate borrow",
    "my thesis is due, how do I submit it to the repository",
    "is there parking for bikes",
    "the printer on the second floor is jammed",
    "can i eat my lunch in the reading room",
    "how do I access journals from home, the proxy is not working",
];

/// A deterministic FAQ of `n` entries made by recombining the words of `base`, so term
/// statistics look like a real FAQ's at a larger scale.
pub fn synthetic_faq(base: &FaqSet, n: usize) -> FaqSet {
    let words: Vec<&str> = base
        .entries
        .iter()
        .flat_map(|e| {
            e.question
                .split_whitespace()
                .chain(e.answer.split_whitespace())
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    let mut sentence = |len: usize| -> String {
        (0..len)
            .map(|_| words[rng.usize(..words.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        // Keep the real entries in, so real questions still find real answers.
        if let Some(real) = base.entries.get(i).filter(|e| e.lang == base.default_lang) {
            entries.push(real.clone());
            continue;
        }
        entries.push(FaqEntry {
            id: format!("generated-{i}"),
            lang: base.default_lang.clone(),
            question: sentence(8),
            alternates: (0..6).map(|_| sentence(5)).collect(),
            tags: vec![sentence(1), sentence(1)],
            answer: sentence(90),
            path: PathBuf::from(format!("generated-{i}.md")),
        });
    }
    FaqSet {
        entries,
        default_lang: base.default_lang.clone(),
        thesaurus: base.thesaurus.clone(),
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub calls: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// Times `answer()` over `QUERIES`, `rounds` times each, after one warm-up round.
pub fn measure(engine: &AnswerEngine, rounds: usize) -> Latency {
    for q in QUERIES {
        std::hint::black_box(engine.answer(q, None));
    }
    let mut samples = Vec::with_capacity(rounds * QUERIES.len());
    for _ in 0..rounds {
        for q in QUERIES {
            let start = Instant::now();
            std::hint::black_box(engine.answer(std::hint::black_box(q), None));
            samples.push(start.elapsed());
        }
    }
    Latency::of(samples)
}

impl Latency {
    /// The percentiles of timed calls.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |p: f64| {
            samples
                .get(((samples.len() as f64 * p) as usize).min(samples.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Latency {
            calls: samples.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_faq_is_deterministic_and_sized() {
        let base = FaqSet {
            entries: vec![FaqEntry {
                id: "hours".into(),
                lang: "en".into(),
                question: "When are you open?".into(),
                alternates: vec![],
                tags: vec![],
                answer: "Every day from nine.".into(),
                path: PathBuf::from("hours.md"),
            }],
            default_lang: "en".into(),
            thesaurus: Default::default(),
        };
        let a = synthetic_faq(&base, 50);
        let b = synthetic_faq(&base, 50);
        assert_eq!(a.entries.len(), 50);
        assert_eq!(a.entries[0].id, "hours");
        assert_eq!(a.entries[7], b.entries[7]);
    }
}
