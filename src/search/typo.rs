//! Typo tolerance by symmetric deletion: every vocabulary word is stored under the strings
//! made by deleting one of its characters, so a misspelt word (one insertion, deletion,
//! substitution or swap of neighbours away) is found with a handful of hash look-ups instead
//! of a scan of the vocabulary.

use std::collections::HashMap;

pub struct Corrector {
    /// Known words and how many entries use each (to prefer the common one on ties).
    words: HashMap<String, u32>,
    /// "one character deleted" -> indexes into `list`.
    deletes: HashMap<String, Vec<u32>>,
    list: Vec<String>,
    /// The longest known word, in characters: a word more than one longer is one edit from
    /// nothing, and is not taken apart (that costs the square of its length).
    longest: usize,
}

/// Shorter words have too many neighbours to correct safely ("form" vs "from" vs "fork").
const MIN_LEN: usize = 4;
/// Below this length a word is corrected only for a letter left out or two letters swapped:
/// four-letter words patrons type right ("walk", "look", "team", "went") were being turned
/// into the FAQ's ("wall", "loop", "tea", "wet") by a wrong or extra letter.
const FULL_CORRECTION_LEN: usize = 5;

impl Corrector {
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let mut c = Self {
            words: HashMap::new(),
            deletes: HashMap::new(),
            list: Vec::new(),
            longest: 0,
        };
        for (word, count) in words {
            *c.words.entry(word.to_string()).or_default() += count;
        }
        let mut sorted: Vec<&String> = c.words.keys().collect();
        sorted.sort();
        c.list = sorted.into_iter().cloned().collect();
        c.longest = c.list.iter().map(|w| w.chars().count()).max().unwrap_or(0);
        for (i, word) in c.list.iter().enumerate() {
            if word.chars().count() >= MIN_LEN {
                for d in one_deleted(word) {
                    c.deletes.entry(d).or_default().push(i as u32);
                }
            }
        }
        c
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// The known word one edit away from `word`, if `word` itself is unknown. Among several,
    /// the most widely used wins, then the alphabetically first, so the result is stable.
    pub fn correct<'a>(&'a self, word: &str) -> Option<&'a str> {
        let len = word.chars().count();
        if len < MIN_LEN
            || len > self.longest + 1
            || self.contains(word)
            || word.chars().any(|c| c.is_numeric())
        {
            return None;
        }
        // Candidates by kind of slip, likeliest first: a letter left out (a known word minus
        // one letter is the word), a letter too many (the word minus one letter is known),
        // then a letter wrong or two swapped (both share a one-letter-deleted form).
        let by_index = |ids: &'a [u32]| ids.iter().map(|&i| self.list[i as usize].as_str());
        let left_out: Vec<&str> = self
            .deletes
            .get(word)
            .map(|ids| by_index(ids).collect())
            .unwrap_or_default();
        let deleted: Vec<String> = one_deleted(word).collect();
        let extra: Vec<&str> = deleted
            .iter()
            .filter_map(|d| self.words.get_key_value(d).map(|(k, _)| k.as_str()))
            .collect();
        let short = len < FULL_CORRECTION_LEN;
        let extra = if short { Vec::new() } else { extra };
        let swapped: Vec<&str> = deleted
            .iter()
            .filter_map(|d| self.deletes.get(d))
            .flat_map(|ids| by_index(ids))
            .filter(|c| !short || is_transposition(word, c))
            .collect();
        // Patrons rarely slip on a word's first letter, while a changed first letter turns
        // ordinary words into the FAQ's ("cook" -> "book", "rain" -> "main").
        let first = word.chars().next();
        [left_out, extra, swapped]
            .into_iter()
            .map(|kind| {
                kind.into_iter()
                    .filter(|c| c.chars().next() == first)
                    .collect()
            })
            .find_map(|kind| self.most_common(kind))
    }

    fn most_common<'a>(&self, candidates: Vec<&'a str>) -> Option<&'a str> {
        candidates
            .into_iter()
            .max_by(|a, b| self.words[*a].cmp(&self.words[*b]).then_with(|| b.cmp(a)))
    }
}

/// Whether `b` is `a` with two neighbouring letters swapped.
fn is_transposition(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    diff.len() == 2
        && diff[1] == diff[0] + 1
        && a[diff[0]] == b[diff[1]]
        && a[diff[1]] == b[diff[0]]
}

fn one_deleted(word: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(move |skip| {
        chars
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, c)| *c)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_longer_than_any_known_one_is_not_taken_apart() {
        let c = Corrector::new([("renew", 1), ("library", 1)]);
        assert_eq!(c.correct("librarry"), Some("library"));
        // Each of its 4,000 deletions would be a 3,999-character string.
        let long = "a".repeat(4_000);
        assert_eq!(c.correct(&long), None);
        assert_eq!(c.longest, 7);
    }

    #[test]
    fn keeps_the_first_letter() {
        let c = Corrector::new([("books", 3), ("mains", 2), ("cores", 1), ("renew", 1)]);
        assert_eq!(c.correct("cooks"), None);
        assert_eq!(c.correct("rains"), None);
        assert_eq!(c.correct("scores"), None);
        assert_eq!(c.correct("bokks"), Some("books"));
        assert_eq!(c.correct("reneww"), Some("renew"));
    }

    #[test]
    fn short_words_only_for_a_missing_letter_or_a_swap() {
        let c = Corrector::new([
            ("wall", 1),
            ("loop", 1),
            ("tea", 1),
            ("floor", 1),
            ("wifi", 1),
        ]);
        assert_eq!(c.correct("walk"), None);
        assert_eq!(c.correct("look"), None);
        assert_eq!(c.correct("team"), None);
        assert_eq!(c.correct("flor"), Some("floor"));
        assert_eq!(c.correct("wfii"), Some("wifi"));
    }

    fn corrector() -> Corrector {
        Corrector::new([
            ("renew", 3),
            ("return", 5),
            ("library", 9),
            ("wifi", 2),
            ("printing", 1),
        ])
    }

    #[test]
    fn corrects_one_edit() {
        let c = corrector();
        assert_eq!(c.correct("renw"), Some("renew")); // deletion
        assert_eq!(c.correct("reneww"), Some("renew")); // insertion
        assert_eq!(c.correct("librory"), Some("library")); // substitution
        assert_eq!(c.correct("wfii"), Some("wifi")); // swap
        assert_eq!(c.correct("pritning"), Some("printing"));
    }

    #[test]
    fn leaves_known_short_far_and_numeric_words_alone() {
        let c = corrector();
        assert_eq!(c.correct("renew"), None);
        assert_eq!(c.correct("rnw"), None);
        assert_eq!(c.correct("mongolia"), None);
        assert_eq!(c.correct("2024"), None);
    }

    #[test]
    fn prefers_the_more_common_word() {
        let c = Corrector::new([("carts", 1), ("cards", 7)]);
        assert_eq!(c.correct("carxs"), Some("cards"));
    }
}
