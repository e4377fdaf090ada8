//! Generated inputs for the three record readers and the mapping behind them: no panic on
//! near-valid or random files.

use proptest::prelude::*;

use super::csv::CsvReader;
use super::mapping::to_catalogue;
use super::marc::MarcReader;
use super::marcxml::MarcXmlReader;
use crate::fuzz::{config, edits, mutate};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/catalogue/");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).expect("fixture")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn marc_never_panics(e in edits(), which in 0usize..3) {
        let name = ["regression45.dat", "marc8.dat", "koha-items.mrc"][which];
        let bytes = mutate(&fixture(name), &e);
        for rec in MarcReader::new(&bytes[..]).flatten() {
            let _ = to_catalogue(&rec);
        }
    }

    #[test]
    fn marcxml_never_panics(e in edits(), which in 0usize..2) {
        let name = ["batch.xml", "holdings.xml"][which];
        let bytes = mutate(&fixture(name), &e);
        for rec in MarcXmlReader::new(&bytes[..]).flatten() {
            let _ = to_catalogue(&rec);
        }
    }

    #[test]
    fn csv_never_panics(e in edits(), random in proptest::collection::vec(any::<u8>(), 0..300)) {
        let bytes = mutate(&fixture("sample.csv"), &e);
        for input in [bytes, random] {
            if let Ok(reader) = CsvReader::new(&input[..]) {
                for _ in reader {}
            }
        }
    }
}
