//! The crate's top-level modules import one another without a circle (`crate::a` in `b`
//! is an arrow from b to a), so each layer can be read, built and tested without the ones
//! above it. Read from the source text: a `use crate::x` anywhere in a module, its tests
//! included, counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo_path;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Module -> the modules it names as `crate::name`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_path("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                graph.entry(module.clone()).or_default().insert(name);
            }
        }
    }
    graph
}

/// A circle through `from`, if there is one.
fn circle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let here = path.last().unwrap().clone();
    for next in graph.get(&here).into_iter().flatten() {
        if let Some(i) = path.iter().position(|m| m == next) {
            let mut found = path[i..].to_vec();
            found.push(next.clone());
            return Some(found);
        }
        if done.contains(next) {
            continue;
        }
        path.push(next.clone());
        if let Some(found) = circle(graph, path, done) {
            return Some(found);
        }
        path.pop();
    }
    done.insert(here);
    None
}

#[test]
fn no_module_imports_in_a_circle() {
    let graph = imports();
    assert!(
        graph.contains_key("web") && graph["web"].contains("desk"),
        "{graph:?}"
    );
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(found) = circle(&graph, &mut vec![module.clone()], &mut done) {
            panic!("modules import in a circle: {}", found.join(" -> "));
        }
    }
}

/// The adapters reach refdesk only through their ports: never the web layer, never the
/// store (the feed port keeps cursors and locks for them).
#[test]
fn adapters_name_neither_the_web_layer_nor_the_store() {
    let dir = repo_path("src/connectors");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    let ports = [dir.join("mod.rs"), dir.join("feed.rs")];
    let adapters: Vec<_> = files.iter().filter(|f| !ports.contains(f)).collect();
    assert!(adapters.len() > 10, "{adapters:?}");
    for file in adapters {
        let text = std::fs::read_to_string(file).unwrap();
        for layer in ["crate::web", "crate::store", "crate::app"] {
            assert!(!text.contains(layer), "{} names {layer}", file.display());
        }
    }
}
