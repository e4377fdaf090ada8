//! The optional semantic tier: a static embedding model (one vector per word piece, a
//! text's vector the mean of its pieces') that tells the engine two phrasings mean the same
//! when they share no word ("somewhere to leave my coat" and the cloakroom).
//!
//! Weights are read from a directory given in the settings (`answer.semantic.model`),
//! never downloaded at run time; `scripts/fetch_semantic_model.py` puts a model there.
//! Without one the engine is purely lexical, as before.

mod tokenizer;
mod vectors;

use std::path::{Path, PathBuf};

use half::f16;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

pub use tokenizer::Tokenizer;
pub use vectors::EntryVectors;

/// The files a model directory holds.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const EMBEDDINGS_FILE: &str = "embeddings.safetensors";

/// `[answer.semantic]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SemanticSettings {
    /// A directory with `tokenizer.json` and `embeddings.safetensors`; none: no semantic
    /// tier.
    pub model: Option<PathBuf>,
    /// The FAQ languages the model was trained for; other languages stay lexical.
    pub languages: Vec<String>,
}

impl Default for SemanticSettings {
    fn default() -> Self {
        Self {
            model: None,
            languages: vec!["en".to_string()],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("semantic model: {0}")]
    Format(String),
}

/// A unit-length text vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector(Vec<f32>);

impl Vector {
    /// `values` scaled to unit length; none for a zero vector.
    pub fn normalised(mut values: Vec<f32>) -> Option<Self> {
        let norm = dot(&values, &values).sqrt();
        if !norm.is_finite() || norm <= f32::EPSILON {
            return None;
        }
        values.iter_mut().for_each(|v| *v /= norm);
        Some(Self(values))
    }

    /// Cosine similarity (both are unit length).
    pub fn cosine(&self, other: &Vector) -> f32 {
        dot(&self.0, &other.0)
    }

    pub fn values(&self) -> &[f32] {
        &self.0
    }
}

/// The dot product, in eight lanes the compiler can vectorise (a plain sum is one long
/// chain of additions it may not reorder).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a, b) = (&a[..a.len().min(b.len())], &b[..a.len().min(b.len())]);
    let (chunks_a, chunks_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut lanes = [0f32; 8];
    for (x, y) in chunks_a.zip(chunks_b) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

pub struct SemanticModel {
    tokenizer: Tokenizer,
    dim: usize,
    /// vocabulary size x dim, row by row.
    table: Vec<f16>,
    languages: Vec<String>,
}

impl SemanticModel {
    /// Reads the model in `dir` (see `TOKENIZER_FILE`, `EMBEDDINGS_FILE`).
    pub fn load(dir: &Path, languages: &[String]) -> Result<Self, SemanticError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| SemanticError::Io { path, source })
        };
        let tokenizer_json = String::from_utf8(read(TOKENIZER_FILE)?)
            .map_err(|_| SemanticError::Format("tokenizer.json is not UTF-8".into()))?;
        let tokenizer = Tokenizer::from_json(&tokenizer_json)?;
        let bytes = read(EMBEDDINGS_FILE)?;
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|e| SemanticError::Format(format!("{EMBEDDINGS_FILE}: {e}")))?;
        let names = tensors.names();
        let [name] = names.as_slice() else {
            return Err(SemanticError::Format(format!(
                "{EMBEDDINGS_FILE} should hold one tensor (the embedding table), holds {}",
                names.len()
            )));
        };
        let tensor = tensors
            .tensor(name)
            .map_err(|e| SemanticError::Format(e.to_string()))?;
        let &[rows, dim] = tensor.shape() else {
            return Err(SemanticError::Format(format!(
                "the embedding table should have two dimensions, has shape {:?}",
                tensor.shape()
            )));
        };
        if rows < tokenizer.vocab_size() || dim == 0 {
            return Err(SemanticError::Format(format!(
                "the embedding table has {rows} rows of {dim}; the tokenizer needs {}",
                tokenizer.vocab_size()
            )));
        }
        let data = tensor.data();
        let table: Vec<f16> = match tensor.dtype() {
            Dtype::F16 => data
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]))
                .collect(),
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f16::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            other => {
                return Err(SemanticError::Format(format!(
                    "embedding type {other:?}; F16 or F32 expected"
                )));
            }
        };
        Ok(Self {
            tokenizer,
            dim,
            table,
            languages: languages.to_vec(),
        })
    }

    /// The model `settings` name, if any.
    pub fn configured(settings: &SemanticSettings) -> Result<Option<Self>, SemanticError> {
        settings
            .model
            .as_deref()
            .map(|dir| Self::load(dir, &settings.languages))
            .transpose()
    }

    pub fn serves(&self, lang: &str) -> bool {
        self.languages.iter().any(|l| l == lang)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The text's vector: the mean of its word pieces', unit length; none for a text
    /// without any.
    pub fn embed(&self, text: &str) -> Option<Vector> {
        let ids = self.tokenizer.encode(text);
        if ids.is_empty() {
            return None;
        }
        let mut sum = vec![0f32; self.dim];
        for id in ids {
            let row = &self.table[id as usize * self.dim..(id as usize + 1) * self.dim];
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v.to_f32();
            }
        }
        // The mean and the sum point the same way: normalising is enough.
        Vector::normalised(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_unit_length_and_zero_has_none() {
        let v = Vector::normalised(vec![3.0, 4.0]).unwrap();
        assert!((v.cosine(&v) - 1.0).abs() < 1e-6);
        assert_eq!(v.values(), &[0.6, 0.8]);
        assert!(Vector::normalised(vec![0.0, 0.0]).is_none());
        assert!(Vector::normalised(vec![f32::NAN, 1.0]).is_none());
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
        assert_eq!(dot(&[], &[]), 0.0);
    }

    #[test]
    fn a_missing_model_is_a_clear_error() {
        let err = SemanticModel::load(Path::new("/nonexistent/model"), &[])
            .err()
            .unwrap();
        assert!(err.to_string().contains("tokenizer.json"), "{err}");
    }
}
