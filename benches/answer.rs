//! `cargo bench --bench answer`: answer() over the sample FAQ and over a generated
//! 10,000-entry FAQ. `refdesk bench answer` reports the p50/p99 of the same calls.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use refdesk::answer::{AnswerEngine, AnswerSettings};
use refdesk::bench::{QUERIES, synthetic_faq};
use refdesk::faq::load_dir;

fn answer(c: &mut Criterion) {
    let faq_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let base = load_dir(&faq_dir, "en").expect("the sample FAQ loads");
    let small = AnswerEngine::new(base.clone(), AnswerSettings::default()).unwrap();
    let large = AnswerEngine::new(synthetic_faq(&base, 10_000), AnswerSettings::default()).unwrap();
    for (name, engine) in [
        ("answer/sample-faq", &small),
        ("answer/10000-entries", &large),
    ] {
        c.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % QUERIES.len();
                engine.answer(std::hint::black_box(QUERIES[i]), None)
            })
        });
    }
}

criterion_group!(benches, answer);
criterion_main!(benches);
