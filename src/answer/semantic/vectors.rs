//! The vectors of one FAQ index's phrasings, and how close a question comes to an entry.
//!
//! An entry's closeness is the mean of two cosines: with its closest phrasing (a patron's
//! words near one alternate) and with the centre of all its phrasings (near the topic as a
//! whole). On the development sets the mean found the right entry first more often than
//! either alone. Calibration leaves one phrasing out, so both leave it out too; an entry
//! with no phrasing left (a FAQ without alternates) is then known by its answer.

use super::{SemanticModel, Vector, dot};

pub struct EntryVectors {
    /// Per entry, per phrasing (as `FaqIndex` numbers them): none for a phrasing without a
    /// word piece.
    phrasings: Vec<Vec<Option<Vector>>>,
    /// Per entry, the sum of its phrasings' vectors (unnormalised, so one can be taken out)
    /// and that sum's length.
    sums: Vec<Vec<f32>>,
    sum_norms: Vec<f32>,
    /// Per entry, its answer's vector.
    answers: Vec<Option<Vector>>,
}

impl EntryVectors {
    /// Embeds every phrasing and answer; `entries` holds each entry's phrasing texts and
    /// its answer.
    pub fn build(model: &SemanticModel, entries: &[(Vec<&str>, &str)]) -> Self {
        let dim = model.dim();
        let phrasings: Vec<Vec<Option<Vector>>> = entries
            .iter()
            .map(|(texts, _)| texts.iter().map(|t| model.embed(t)).collect())
            .collect();
        let answers = entries.iter().map(|(_, a)| model.embed(a)).collect();
        Self::from_vectors(phrasings, answers, dim)
    }

    fn from_vectors(
        phrasings: Vec<Vec<Option<Vector>>>,
        answers: Vec<Option<Vector>>,
        dim: usize,
    ) -> Self {
        let sums: Vec<Vec<f32>> = phrasings
            .iter()
            .map(|vectors| {
                let mut sum = vec![0f32; dim];
                for v in vectors.iter().flatten() {
                    sum.iter_mut().zip(v.values()).for_each(|(s, x)| *s += x);
                }
                sum
            })
            .collect();
        let sum_norms = sums.iter().map(|s| dot(s, s).sqrt()).collect();
        Self {
            phrasings,
            sums,
            sum_norms,
            answers,
        }
    }

    /// How close `query` comes to entry `doc`, in [-1, 1], without phrasing `left_out`.
    pub fn closeness(&self, query: &Vector, doc: usize, left_out: Option<usize>) -> f32 {
        let closest = self.phrasings[doc]
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != left_out)
            .filter_map(|(_, v)| v.as_ref().map(|v| v.cosine(query)))
            .fold(f32::NEG_INFINITY, f32::max);
        if closest == f32::NEG_INFINITY {
            return self.answer_cosine(query, doc);
        }
        (closest + self.centre_cosine(query, doc, left_out)) / 2.0
    }

    /// The entries whose centres are closest to `query`, best first, at most `limit`.
    pub fn nearest(
        &self,
        query: &Vector,
        limit: usize,
        left_out: Option<(usize, usize)>,
    ) -> Vec<usize> {
        let mut scored: Vec<(f32, usize)> = (0..self.sums.len())
            .map(|doc| {
                let skip = left_out.filter(|(d, _)| *d == doc).map(|(_, p)| p);
                (self.centre_cosine(query, doc, skip), doc)
            })
            .collect();
        let limit = limit.min(scored.len());
        if limit == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(limit - 1, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(limit);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().map(|(_, doc)| doc).collect()
    }

    /// Cosine of `query` with the centre of the entry's phrasings.
    fn centre_cosine(&self, query: &Vector, doc: usize, left_out: Option<usize>) -> f32 {
        let sum = &self.sums[doc];
        let removed = left_out
            .and_then(|p| self.phrasings[doc].get(p))
            .and_then(Option::as_ref);
        let (along, norm) = match removed {
            None => (dot(sum, query.values()), self.sum_norms[doc]),
            Some(r) => {
                let mut centre = sum.clone();
                centre.iter_mut().zip(r.values()).for_each(|(s, x)| *s -= x);
                (dot(&centre, query.values()), dot(&centre, &centre).sqrt())
            }
        };
        if norm <= f32::EPSILON {
            return self.answer_cosine(query, doc);
        }
        along / norm
    }

    /// Cosine of `query` with the entry's answer: how an entry with no phrasing left is
    /// known.
    fn answer_cosine(&self, query: &Vector, doc: usize) -> f32 {
        self.answers[doc].as_ref().map_or(0.0, |a| a.cosine(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f32]) -> Option<Vector> {
        Vector::normalised(x.to_vec())
    }

    fn vectors(entries: Vec<Vec<Option<Vector>>>) -> EntryVectors {
        let answers = vec![None; entries.len()];
        EntryVectors::from_vectors(entries, answers, 2)
    }

    #[test]
    fn closeness_leaves_the_masked_phrasing_out() {
        let e = vectors(vec![
            vec![v(&[1.0, 0.0]), v(&[0.0, 1.0])],
            vec![v(&[-1.0, 0.0])],
        ]);
        let q = v(&[1.0, 0.0]).unwrap();
        let whole = e.closeness(&q, 0, None);
        // closest 1.0, centre (1,1)/sqrt2 -> 0.707: mean 0.854
        assert!((whole - 0.8536).abs() < 1e-3, "{whole}");
        let without = e.closeness(&q, 0, Some(0));
        assert!(without.abs() < 1e-6, "only (0,1) is left: {without}");
        assert!(e.closeness(&q, 1, None) < -0.99);
    }

    #[test]
    fn nearest_orders_by_centre() {
        let e = vectors(vec![
            vec![v(&[0.0, 1.0])],
            vec![v(&[1.0, 0.1])],
            vec![v(&[1.0, 1.0])],
        ]);
        let q = v(&[1.0, 0.0]).unwrap();
        assert_eq!(e.nearest(&q, 2, None), vec![1, 2]);
        assert_eq!(e.nearest(&q, 10, None), vec![1, 2, 0]);
        assert!(e.nearest(&q, 0, None).is_empty());
        // Entry 1 without its only phrasing has no centre (and no answer here).
        assert_eq!(e.nearest(&q, 1, Some((1, 0))), vec![2]);
    }

    #[test]
    fn an_entry_without_phrasings_left_is_known_by_its_answer() {
        let mut e = vectors(vec![vec![v(&[0.0, 1.0])]]);
        e.answers = vec![v(&[1.0, 0.0])];
        let q = v(&[1.0, 0.0]).unwrap();
        assert!(e.closeness(&q, 0, None) < 0.01);
        assert!((e.closeness(&q, 0, Some(0)) - 1.0).abs() < 1e-6);
        assert_eq!(e.nearest(&q, 1, Some((0, 0))), vec![0]);
    }
}
