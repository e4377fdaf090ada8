//! The word-piece tokenizer of a static embedding model: SentencePiece-style BPE as a
//! Hugging Face `tokenizer.json` describes it (words marked by a leading `▁`, merges in
//! rank order, bytes for characters the vocabulary lacks).
//!
//! Only this one model type is read, so the `tokenizers` crate (some forty crates and a C
//! regex library for a few hundred lines we use) is not worth its build time here.

use std::collections::HashMap;

use serde::Deserialize;

use super::SemanticError;

/// The word marker SentencePiece puts in front of every word.
const WORD_MARK: char = '\u{2581}';
/// Longer texts are cut here (in bytes): a patron's question is far shorter, and this
/// bounds the words looked up for a pasted page.
pub const MAX_TEXT_BYTES: usize = 2_000;
/// A "word" longer than this (a pasted URL, a run of letters) is cut: BPE merges are
/// quadratic in the length of one word.
const MAX_WORD_CHARS: usize = 64;

pub type TokenId = u32;

pub struct Tokenizer {
    vocab: HashMap<String, TokenId>,
    /// (left, right) -> (rank, merged token): the lower the rank, the earlier it applies.
    merges: HashMap<(TokenId, TokenId), (u32, TokenId)>,
    /// `<0xNN>` tokens for bytes of characters the vocabulary lacks.
    bytes: [Option<TokenId>; 256],
    unknown: Option<TokenId>,
}

#[derive(Deserialize)]
struct File {
    model: Model,
}

#[derive(Deserialize)]
struct Model {
    #[serde(rename = "type")]
    kind: String,
    vocab: HashMap<String, TokenId>,
    merges: Vec<Merge>,
    #[serde(default)]
    unk_token: Option<String>,
}

/// A merge is written `"a b"` in older files and `["a", "b"]` in newer ones.
#[derive(Deserialize)]
#[serde(untagged)]
enum Merge {
    Joined(String),
    Pair(String, String),
}

impl Tokenizer {
    /// Reads a `tokenizer.json` whose model is BPE.
    pub fn from_json(json: &str) -> Result<Self, SemanticError> {
        let file: File = serde_json::from_str(json)
            .map_err(|e| SemanticError::Format(format!("tokenizer: {e}")))?;
        if file.model.kind != "BPE" {
            return Err(SemanticError::Format(format!(
                "tokenizer: model type {:?}, only BPE is supported",
                file.model.kind
            )));
        }
        let vocab = file.model.vocab;
        let mut merges = HashMap::with_capacity(file.model.merges.len());
        for (rank, merge) in file.model.merges.into_iter().enumerate() {
            let (left, right) = match merge {
                Merge::Pair(l, r) => (l, r),
                Merge::Joined(s) => match s.split_once(' ') {
                    Some((l, r)) => (l.to_string(), r.to_string()),
                    None => {
                        return Err(SemanticError::Format(format!(
                            "tokenizer: merge {s:?} is not two tokens"
                        )));
                    }
                },
            };
            let merged = format!("{left}{right}");
            if let (Some(&l), Some(&r), Some(&m)) =
                (vocab.get(&left), vocab.get(&right), vocab.get(&merged))
            {
                merges.entry((l, r)).or_insert((rank as u32, m));
            }
        }
        let mut bytes = [None; 256];
        for (b, slot) in bytes.iter_mut().enumerate() {
            *slot = vocab.get(&format!("<0x{b:02X}>")).copied();
        }
        let unknown = file.model.unk_token.and_then(|t| vocab.get(&t).copied());
        Ok(Self {
            vocab,
            merges,
            bytes,
            unknown,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab
            .values()
            .map(|&id| id as usize + 1)
            .max()
            .unwrap_or(0)
    }

    /// The token ids of `text`: runs of white space read as one space, every word marked.
    pub fn encode(&self, text: &str) -> Vec<TokenId> {
        let mut ids = Vec::new();
        let mut used = 0;
        for word in text.split_whitespace() {
            let marked: String = std::iter::once(WORD_MARK)
                .chain(word.chars().take(MAX_WORD_CHARS))
                .collect();
            used += marked.len();
            if used > MAX_TEXT_BYTES {
                break;
            }
            self.encode_word(&marked, &mut ids);
        }
        ids
    }

    /// BPE on one marked word: start from its characters (bytes for those not in the
    /// vocabulary) and keep merging the adjacent pair whose merge ranks first.
    fn encode_word(&self, word: &str, out: &mut Vec<TokenId>) {
        if let Some(&id) = self.vocab.get(word) {
            out.push(id);
            return;
        }
        let mut symbols: Vec<TokenId> = Vec::with_capacity(word.len());
        let mut buf = [0u8; 4];
        for c in word.chars() {
            match self.vocab.get(c.encode_utf8(&mut buf) as &str) {
                Some(&id) => symbols.push(id),
                None => {
                    for b in c.encode_utf8(&mut buf).bytes() {
                        if let Some(id) = self.bytes[b as usize].or(self.unknown) {
                            symbols.push(id);
                        }
                    }
                }
            }
        }
        loop {
            let best = symbols
                .windows(2)
                .enumerate()
                .filter_map(|(i, pair)| self.merges.get(&(pair[0], pair[1])).map(|m| (m.0, i, m.1)))
                .min();
            let Some((_, at, merged)) = best else {
                break;
            };
            symbols[at] = merged;
            symbols.remove(at + 1);
        }
        out.extend(symbols);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: the letters of "low" and "lower", merges that build them, bytes.
    fn toy() -> Tokenizer {
        let mut vocab = serde_json::Map::new();
        let tokens = [
            "<unk>", "▁", "l", "o", "w", "e", "r", "▁l", "▁lo", "▁low", "er", "▁lower",
        ];
        for (i, t) in tokens.iter().enumerate() {
            vocab.insert(t.to_string(), i.into());
        }
        for b in 0..256u32 {
            vocab.insert(format!("<0x{b:02X}>"), (100 + b).into());
        }
        let json = serde_json::json!({
            "model": {
                "type": "BPE",
                "unk_token": "<unk>",
                "vocab": vocab,
                "merges": ["▁ l", "▁l o", "▁lo w", "e r", ["▁low", "er"]],
            }
        });
        Tokenizer::from_json(&json.to_string()).unwrap()
    }

    #[test]
    fn merges_apply_in_rank_order() {
        let t = toy();
        assert_eq!(t.encode("low"), vec![9]);
        assert_eq!(t.encode("lower"), vec![11]);
        // "ow" is no token: "▁low" then "e", "r" merged to "er".
        assert_eq!(t.encode("lowre"), vec![9, 6, 5]);
        assert_eq!(t.encode("  low \n lower "), vec![9, 11]);
        assert!(t.encode("").is_empty());
    }

    #[test]
    fn characters_outside_the_vocabulary_become_bytes() {
        let t = toy();
        // "é" is 0xC3 0xA9 in UTF-8.
        assert_eq!(t.encode("é"), vec![1, 100 + 0xC3, 100 + 0xA9]);
    }

    #[test]
    fn long_input_is_bounded() {
        let t = toy();
        let long = "lower ".repeat(10_000);
        assert!(t.encode(&long).len() <= MAX_TEXT_BYTES / 8);
        let one_word = "l".repeat(100_000);
        assert_eq!(t.encode(&one_word).len(), MAX_WORD_CHARS);
    }

    #[test]
    fn other_model_types_are_refused() {
        let json = r#"{"model":{"type":"WordPiece","vocab":{},"merges":[]}}"#;
        assert!(matches!(
            Tokenizer::from_json(json),
            Err(SemanticError::Format(_))
        ));
    }
}
