//! refdesk: a library's reference desk in every chat a patron uses.

pub mod answer;
pub mod app;
pub mod auth;

pub mod bench;
pub mod bus;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod conversation;
pub mod desk;
pub mod domain;
pub mod faq;
#[cfg(test)]
mod fuzz;
pub mod hours;
pub mod lang;
pub mod memory;
pub mod metrics;
pub mod net;
pub mod rate;
pub mod search;
pub mod secret;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod workers;
