//! The confidence rule: how sure the engine is that an entry answers a question.
//!
//! BM25 scores grow with the FAQ and the query and cannot be compared with a fixed
//! threshold. What can: how much of the patron's question (weighted by how telling each word
//! is) the entry's own question, alternates and tags cover, and how clearly the best entry
//! stands out from the next one. A near-tie means the engine cannot tell two entries apart,
//! and a wrong answer costs more than a librarian's reply, so a near-tie lowers confidence.

/// How much a word counts when only the entry's answer (not its question, alternates or
/// tags) contains it: the answer mentions things it is not about, but patrons who have never
/// seen the FAQ often use its answer's words ("alumni", "top up").
pub const ANSWER_ONLY_CREDIT: f32 = 0.7;
/// A word the FAQ never uses ("Japan", "conference") still counts against coverage, since it
/// may be what the question is really about, but at this share of the weight of the rarest
/// known word: long, polite questions carry many such words around a clear FAQ topic.
pub const UNKNOWN_WORD_WEIGHT: f32 = 0.6;
/// A word matched only after typo correction is less certain than one typed right.
pub const CORRECTED_CREDIT: f32 = 0.8;
/// A context word ("student", "this week", "wondering") weighs this share of its idf
/// against an entry that is not about it.
pub const CONTEXT_WORD_WEIGHT: f32 = 0.25;
/// The shares of a candidate's rank: coverage of the question, match with the entry's
/// closest phrasing, and BM25 relative to the best hit (which brings in how often the
/// entry's fields repeat the question's words, answer text included).
const COVERAGE_SHARE: f32 = 0.455;
const PHRASE_SHARE: f32 = 0.245;
const BM25_SHARE: f32 = 0.3;
/// With the semantic tier, the share of a candidate's rank that its closeness in meaning
/// takes (the lexical rank keeps the rest).
pub const MEANING_SHARE: f32 = 0.3;
/// Cosine closeness at or below this says nothing (unrelated texts of one domain sit
/// about here); at `MEANING_CEILING`, as close as two phrasings of one topic get.
const MEANING_FLOOR: f32 = 0.3;
const MEANING_CEILING: f32 = 0.8;
/// A lead of this much (in rank) over the runner-up counts as a clear winner.
const CLEAR_LEAD: f32 = 0.25;

/// One query word as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordMatch {
    /// How telling the word is (inverse document frequency).
    pub weight: f32,
    /// 1.0 if the entry's topic contains it, `ANSWER_ONLY_CREDIT` if only its answer does,
    /// 0 otherwise; already multiplied by `CORRECTED_CREDIT` for corrected words.
    pub credit: f32,
}

/// The weighted share of the question an entry covers, in [0, 1].
pub fn coverage(words: &[WordMatch]) -> f32 {
    let total: f32 = words.iter().map(|w| w.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    (words.iter().map(|w| w.weight * w.credit).sum::<f32>() / total).clamp(0.0, 1.0)
}

/// A candidate's rank in [0, 1]: mostly how much of the question the entry covers, then how
/// closely the question matches the entry's closest phrasing, then BM25 relative to the
/// best hit (`relative_bm25` in [0, 1]).
pub fn rank(coverage: f32, phrase: f32, relative_bm25: f32) -> f32 {
    COVERAGE_SHARE * coverage.clamp(0.0, 1.0)
        + PHRASE_SHARE * phrase.clamp(0.0, 1.0)
        + BM25_SHARE * relative_bm25.clamp(0.0, 1.0)
}

/// A lexical rank combined with closeness in meaning (a cosine), in [0, 1].
pub fn with_meaning(rank: f32, closeness: f32) -> f32 {
    let meaning = ((closeness - MEANING_FLOOR) / (MEANING_CEILING - MEANING_FLOOR)).clamp(0.0, 1.0);
    (1.0 - MEANING_SHARE) * rank.clamp(0.0, 1.0) + MEANING_SHARE * meaning
}

/// Confidence in the best candidate, in [0, 1]: its rank, discounted when the runner-up is
/// close (a tie halves it).
pub fn confidence(best: f32, runner_up: f32) -> f32 {
    let lead = ((best - runner_up) / CLEAR_LEAD).clamp(0.0, 1.0);
    (best * (0.5 + 0.5 * lead)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(weight: f32, credit: f32) -> WordMatch {
        WordMatch { weight, credit }
    }

    #[test]
    fn coverage_weights_rare_words_more() {
        assert_eq!(coverage(&[w(1.0, 1.0), w(1.0, 1.0)]), 1.0);
        let rare_missing = coverage(&[w(1.0, 1.0), w(3.0, 0.0)]);
        let common_missing = coverage(&[w(3.0, 1.0), w(1.0, 0.0)]);
        assert!(rare_missing < 0.3 && common_missing > 0.7);
        assert_eq!(coverage(&[]), 0.0);
    }

    #[test]
    fn answer_only_matches_count_less() {
        let topic = coverage(&[w(1.0, 1.0)]);
        let answer = coverage(&[w(1.0, ANSWER_ONLY_CREDIT)]);
        assert!(answer < topic);
    }

    #[test]
    fn rank_is_normalised() {
        assert!((rank(1.0, 1.0, 1.0) - 1.0).abs() < 1e-6);
        assert_eq!(rank(0.0, 0.0, 0.0), 0.0);
        assert!(rank(1.0, 0.5, 1.0) < rank(1.0, 1.0, 1.0));
        assert!(
            rank(0.5, 1.0, 1.0) < rank(1.0, 0.5, 1.0),
            "coverage counts more"
        );
        assert_eq!(rank(0.5, 0.0, 0.0), COVERAGE_SHARE * 0.5);
        assert!(rank(1.0, 1.0, 0.2) < rank(1.0, 1.0, 1.0));
    }

    #[test]
    fn meaning_takes_its_share() {
        assert!((with_meaning(1.0, 1.0) - 1.0).abs() < 1e-6);
        assert_eq!(with_meaning(0.0, MEANING_FLOOR), 0.0);
        assert!((with_meaning(0.0, MEANING_CEILING) - MEANING_SHARE).abs() < 1e-6);
        assert!(with_meaning(0.5, 0.7) > with_meaning(0.5, 0.4));
        assert!(
            with_meaning(0.8, -1.0) < 0.8,
            "an unrelated meaning costs rank"
        );
    }

    #[test]
    fn near_ties_lower_confidence() {
        assert_eq!(confidence(0.9, 0.0), 0.9);
        assert!((confidence(0.9, 0.9) - 0.45).abs() < 1e-6);
        assert!(confidence(0.9, 0.8) < confidence(0.9, 0.5));
        for (a, b) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.3, 0.9)] {
            let c = confidence(a, b);
            assert!((0.0..=1.0).contains(&c));
        }
    }
}
