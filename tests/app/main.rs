//! The application as its users reach it: the JSON API and the pages over HTTP against the
//! real server on port 0 with a fresh data directory each, the emails through a real SMTP
//! server, and the `hoicho` binary as an operator runs it. One test binary, so the crate is
//! linked once.

#[path = "../support/mod.rs"]
mod support;

mod allocations;
mod audit;
mod backups;
mod check;
mod cli;
mod deploy;
mod fairs;
mod fees;
mod mail;
mod pages;
mod pages_board;
pub mod pages_desk;
mod pages_editor;
mod pages_fees;
mod pages_queue;
mod pages_registrations;
mod pages_results;
mod pages_sales;
mod places;
mod registrations;
mod results;
mod sales;
mod snapshots;
mod tls;
