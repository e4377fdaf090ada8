//! Self-calibration: on every FAQ load, the engine estimates from the FAQ itself how its
//! confidence maps to the chance of being right, and picks the threshold that meets the
//! staff's target precision.
//!
//! Right answers: each phrasing an entry has (its question, each alternate) is asked back
//! with that phrasing left out of the entry (leave-one-out), as a patron's new wording of a
//! known topic; the engine is right when the entry comes first. Wrong answers: questions no
//! library FAQ answers, shipped per language (`unanswerable/*.txt`); any answer to them is
//! wrong. The two are mixed in the proportion `UNANSWERABLE_SHARE`, since a real queue has
//! both kinds, and the threshold is the lowest confidence at which the answers given would
//! still be right at least `target_precision` of the time.

use serde::Serialize;

use super::ranking::{self, Ranked};
use super::{FaqIndex, Mask};

/// The share of questions reaching the FAQ that it cannot answer, assumed when mixing the
/// two kinds of samples. The shipped unanswerable questions are short and general, which
/// makes them easier to mistake for a FAQ topic than a real queue's: measured on the
/// development sets, they overstate wrong answers to out-of-scope questions several times.
pub const UNANSWERABLE_SHARE: f32 = 0.1;
/// How much a leave-one-out miss counts as a wrong answer. Staff's alternates overlap
/// neighbouring entries on purpose ("laptop locker" under laptop loans, answered by the
/// lockers entry), so a miss is often an answer that serves the patron too: on the
/// development sets, leave-one-out misses at a confidence were about twice as common as
/// wrong answers to patrons' questions at the same confidence.
pub const LEAVE_ONE_OUT_MISS_WEIGHT: f32 = 0.5;
/// Never answer below this, whatever the samples say: with a few dozen phrasings a lucky
/// streak would otherwise let weak matches through.
pub const MIN_THRESHOLD: f32 = 0.45;
/// At most this many leave-one-out questions: enough for the estimate, and a 10,000-entry
/// FAQ still reloads in well under a second.
pub const MAX_SAMPLES: usize = 1500;
/// An entry with fewer phrasings than this is hard to recognise in new words.
pub const FEW_PHRASINGS: usize = 4;
/// With fewer leave-one-out questions than this the estimate means little: the threshold
/// falls back to `FALLBACK_THRESHOLD`, and `faq check` says so.
pub const MIN_SAMPLES: usize = 30;
/// The threshold when calibration has too little to go on: the hand-set value that served
/// the sample FAQ before calibration.
pub const FALLBACK_THRESHOLD: f32 = 0.7;

/// What calibration found for one language's index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Calibration {
    pub lang: String,
    pub target_precision: f32,
    /// Answer at or above this confidence.
    pub threshold: f32,
    /// Estimated share of answerable questions answered right at the threshold.
    pub estimated_coverage: f32,
    /// Leave-one-out questions asked, and unanswerable ones.
    pub answerable_samples: usize,
    pub unanswerable_samples: usize,
    /// Confidence -> precision of the answers given at or above it, by descending
    /// confidence (a step function).
    #[serde(skip)]
    curve: Vec<(f32, f32)>,
    /// Pairs of entries whose phrasings were taken for each other: (asked, answered, times).
    pub confusions: Vec<(String, String, usize)>,
    /// Entries with fewer than `FEW_PHRASINGS` phrasings.
    pub few_phrasings: Vec<String>,
    /// The threshold came from the settings, not from calibration.
    pub fixed: bool,
    /// Too few phrasings to calibrate on: the threshold is `FALLBACK_THRESHOLD`.
    pub fallback: bool,
    /// How long calibrating took.
    #[serde(skip)]
    pub took: std::time::Duration,
}

impl Calibration {
    /// The estimated precision of answers given at `confidence` or above.
    pub fn precision_at(&self, confidence: f32) -> f32 {
        // The curve runs from the highest confidence down; the last point at or above the
        // given confidence holds the precision of everything answered down to it.
        let mut at = self.curve.first().map(|p| p.1).unwrap_or(0.0);
        for &(c, p) in &self.curve {
            if c < confidence {
                break;
            }
            at = p;
        }
        at
    }
}

/// One sample: the engine's confidence, whether its answer was right, and its weight.
struct Sample {
    confidence: f32,
    right: bool,
    weight: f32,
}

/// Calibrates one language's index. `ids` names the index's documents' entries;
/// `unanswerable` are the shipped questions no FAQ answers; `fixed` is a threshold from
/// the settings, which then only gets its estimates.
pub fn calibrate(
    index: &FaqIndex,
    ids: &[&str],
    unanswerable: &[&str],
    target_precision: f32,
    fixed: Option<f32>,
) -> Calibration {
    let started = std::time::Instant::now();
    let lang = index.analyzer().lang().to_string();
    let mut positives = Vec::new();
    let mut confusions: Vec<(String, String, usize)> = Vec::new();
    let mut few = Vec::new();
    let masks = leave_one_out_masks(index);
    for (doc, id) in ids.iter().enumerate() {
        if index.phrasings(doc) < FEW_PHRASINGS {
            few.push(id.to_string());
        }
    }
    for mask in &masks {
        let ranked = ranking::rank(
            index,
            index.phrasing_text(mask.doc, mask.phrase),
            Some(*mask),
        );
        let Some(best) = ranked.best() else {
            positives.push((0.0, false));
            continue;
        };
        let right = index.entry(best.doc) == index.entry(mask.doc);
        if !right {
            let (asked, got) = (ids[mask.doc].to_string(), ids[best.doc].to_string());
            match confusions.iter_mut().find(|c| c.0 == asked && c.1 == got) {
                Some(c) => c.2 += 1,
                None => confusions.push((asked, got, 1)),
            }
        }
        positives.push((ranked.confidence(), right));
    }
    let negatives: Vec<f32> = unanswerable
        .iter()
        .map(|q| ranking::rank(index, q, None))
        .map(|r: Ranked| {
            if r.best().is_some() {
                r.confidence()
            } else {
                0.0
            }
        })
        .collect();
    confusions.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));

    let mut samples: Vec<Sample> = Vec::new();
    let pos_weight = if positives.is_empty() {
        0.0
    } else {
        (1.0 - UNANSWERABLE_SHARE) / positives.len() as f32
    };
    let neg_weight = if negatives.is_empty() {
        0.0
    } else {
        UNANSWERABLE_SHARE / negatives.len() as f32
    };
    samples.extend(positives.iter().map(|&(confidence, right)| Sample {
        confidence,
        right,
        weight: if right {
            pos_weight
        } else {
            pos_weight * LEAVE_ONE_OUT_MISS_WEIGHT
        },
    }));
    samples.extend(negatives.iter().map(|&confidence| Sample {
        confidence,
        right: false,
        weight: neg_weight,
    }));
    samples.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));

    // Precision of everything answered down to each sample's confidence.
    let mut curve = Vec::with_capacity(samples.len());
    let (mut right, mut answered) = (0.0f32, 0.0f32);
    for (i, s) in samples.iter().enumerate() {
        answered += s.weight;
        if s.right {
            right += s.weight;
        }
        let last_of_its_value = samples
            .get(i + 1)
            .is_none_or(|n| n.confidence < s.confidence);
        if last_of_its_value && s.confidence > 0.0 {
            curve.push((
                s.confidence,
                if answered > 0.0 {
                    right / answered
                } else {
                    0.0
                },
            ));
        }
    }
    let fallback = fixed.is_none() && positives.len() < MIN_SAMPLES;
    let threshold = fixed
        .or(fallback.then_some(FALLBACK_THRESHOLD))
        .unwrap_or_else(|| {
            curve
                .iter()
                .filter(|(_, p)| *p >= target_precision)
                .map(|(c, _)| *c)
                .fold(f32::INFINITY, f32::min)
                .clamp(MIN_THRESHOLD, 1.0)
        });
    let answered_right = positives
        .iter()
        .filter(|(c, right)| *right && *c >= threshold)
        .count();
    Calibration {
        lang,
        target_precision,
        threshold,
        estimated_coverage: if positives.is_empty() {
            0.0
        } else {
            answered_right as f32 / positives.len() as f32
        },
        answerable_samples: positives.len(),
        unanswerable_samples: negatives.len(),
        curve,
        confusions,
        few_phrasings: few,
        fixed: fixed.is_some(),
        fallback,
        took: started.elapsed(),
    }
}

/// Every phrasing of every entry, spread evenly over the FAQ when there are more than
/// `MAX_SAMPLES`. An entry with only its question keeps its answer to be found by.
fn leave_one_out_masks(index: &FaqIndex) -> Vec<Mask> {
    let all: Vec<Mask> = (0..index.len())
        .flat_map(|doc| (0..index.phrasings(doc)).map(move |phrase| Mask { doc, phrase }))
        .collect();
    if all.len() <= MAX_SAMPLES {
        return all;
    }
    let step = all.len() as f64 / MAX_SAMPLES as f64;
    (0..MAX_SAMPLES)
        .map(|i| all[(i as f64 * step) as usize])
        .collect()
}

/// The shipped questions no library FAQ answers, for a language (none for languages
/// without a list: their threshold then rests on the leave-one-out questions alone).
pub fn unanswerable(lang: &str) -> Vec<&'static str> {
    let text = match lang {
        "en" => include_str!("unanswerable/en.txt"),
        "ru" => include_str!("unanswerable/ru.txt"),
        "es" => include_str!("unanswerable/es.txt"),
        "az" => include_str!("unanswerable/az.txt"),
        "tr" => include_str!("unanswerable/tr.txt"),
        "be" => include_str!("unanswerable/be.txt"),
        _ => "",
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}
