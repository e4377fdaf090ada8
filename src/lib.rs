//! refdesk: a library's reference desk in every chat a patron uses.

pub mod answer;
pub mod bench;
pub mod cli;
pub mod config;
pub mod faq;
pub mod search;
pub mod telemetry;
