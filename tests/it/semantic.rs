//! The optional semantic tier with its real model (fetched once from PyPI, see
//! `support::semantic`): the tokenizer and the vectors agree with the model's own Python
//! package, and the engine finds entries by meaning.

use std::path::Path;
use std::sync::OnceLock;

use refdesk::answer::semantic::{SemanticModel, SemanticSettings, Tokenizer};
use refdesk::answer::{AnswerEngine, AnswerSettings, Outcome};
use refdesk::faq::load_dir;

use crate::support::semantic::model_dir;

fn model() -> &'static SemanticModel {
    static MODEL: OnceLock<SemanticModel> = OnceLock::new();
    MODEL.get_or_init(|| SemanticModel::load(&model_dir(), &["en".to_string()]).unwrap())
}

fn settings() -> AnswerSettings {
    settings_with_model(&model_dir())
}

fn settings_with_model(dir: &Path) -> AnswerSettings {
    AnswerSettings {
        semantic: SemanticSettings {
            model: Some(dir.to_path_buf()),
            ..SemanticSettings::default()
        },
        ..AnswerSettings::default()
    }
}

fn sample_faq() -> refdesk::faq::FaqSet {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("faq"), "en").unwrap()
}

#[test]
fn the_tokenizer_splits_as_the_reference_implementation_does() {
    let json = std::fs::read_to_string(model_dir().join("tokenizer.json")).unwrap();
    let t = Tokenizer::from_json(&json).unwrap();
    // Ids printed by the model's own tokenizer (Hugging Face `tokenizers`, no special tokens).
    let cases: [(&str, &[u32]); 5] = [
        (
            "is there somewhere to leave my coat",
            &[338, 727, 9051, 304, 5967, 590, 24296],
        ),
        (
            "Kitabı necə uzada bilərəm?",
            &[
                26240, 370, 30130, 452, 29883, 30184, 27296, 1114, 13181, 30184, 29878, 30184,
                29885, 29973,
            ],
        ),
        (
            "Как продлить книгу",
            &[3397, 29951, 24678, 644, 1413, 13024, 3325],
        ),
        // A character the vocabulary lacks becomes its UTF-8 bytes.
        (
            "emoji 📚 ok",
            &[953, 29877, 2397, 29871, 243, 162, 150, 157, 3431],
        ),
        ("", &[]),
    ];
    for (text, ids) in cases {
        assert_eq!(t.encode(text), ids, "{text:?}");
    }
}

#[test]
fn vectors_agree_with_the_reference_implementation() {
    let m = model();
    assert_eq!(m.dim(), 256);
    let cos = |a: &str, b: &str| m.embed(a).unwrap().cosine(&m.embed(b).unwrap());
    // Cosines printed by the `wordllama` package (WordLlama.load().similarity).
    let cases = [
        (
            "is there somewhere to leave my coat",
            "Do you have lockers or a cloakroom?",
            0.061_575_58,
        ),
        (
            "is there somewhere to leave my coat",
            "How do I renew a book?",
            0.096_756_61,
        ),
        (
            "when will the book I asked for be put aside",
            "When will my hold be ready for pickup?",
            0.271_292_5,
        ),
    ];
    for (a, b, expected) in cases {
        let got = cos(a, b);
        assert!(
            (got - expected).abs() < 1e-3,
            "{a:?} ~ {b:?}: {got} vs {expected}"
        );
    }
    assert!(m.embed("   ").is_none(), "no word piece, no vector");
}

#[test]
fn a_broken_model_directory_stops_the_engine_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
    let err = AnswerEngine::new(sample_faq(), settings_with_model(dir.path()))
        .err()
        .unwrap();
    assert!(format!("{err:#}").contains("tokenizer"), "{err:#}");

    std::fs::copy(
        model_dir().join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("embeddings.safetensors"),
        b"not a tensor file",
    )
    .unwrap();
    let err = AnswerEngine::new(sample_faq(), settings_with_model(dir.path()))
        .err()
        .unwrap();
    assert!(
        format!("{err:#}").contains("embeddings.safetensors"),
        "{err:#}"
    );
}

#[test]
fn the_engine_finds_entries_by_meaning() {
    let lexical = AnswerEngine::new(sample_faq(), AnswerSettings::default()).unwrap();
    let semantic = AnswerEngine::new(sample_faq(), settings()).unwrap();
    let semantic_en = semantic.calibrations().find(|c| c.lang == "en").unwrap();
    assert!(semantic_en.answerable_samples > 100 && !semantic_en.fallback);

    let a = semantic.answer_explained("is there somewhere to leave my coat", None);
    assert!(a.explanation.meaning.is_some(), "{:?}", a.explanation);
    let b = lexical.answer_explained("is there somewhere to leave my coat", None);
    assert!(b.explanation.meaning.is_none());

    let ramp = semantic.answer_explained("wheelchair ramp", None);
    assert_eq!(
        ramp.candidates[0].id, "accessibility",
        "{:?}",
        ramp.candidates
    );
    assert!(
        ramp.explanation.meaning.unwrap() > 0.4,
        "{:?}",
        ramp.explanation
    );

    // Russian is not among the model's languages: no meaning, same answer as without.
    let ru = "Как продлить книгу?";
    let (with, without) = (semantic.answer(ru, None), lexical.answer(ru, None));
    assert_eq!(with.faq_id, without.faq_id);
    assert_eq!(with.outcome, Outcome::Faq);
    assert!(with.explanation.meaning.is_none());
}
