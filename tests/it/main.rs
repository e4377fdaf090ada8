//! Every integration test in one binary: the shared support code is compiled once and the
//! tests link once, instead of once per file. Each module is one area of the product; run
//! one with `cargo test --test it chat::`.

// The Matrix tests' `json!` bodies nest deeply.
#![recursion_limit = "256"]

#[macro_use]
mod support;

mod answer_engine;
mod browser;
mod catalogue;
mod chat;
mod cli;
mod desk;
mod first_start;
mod instances;
mod instances_crash;
mod layering;
mod matrix;
mod memory;
mod platforms;
mod restart;
mod semantic;
mod shift;
mod telegram;
