#![forbid(unsafe_code)]
//! hoicho: an event-sourced trade-fair and booth management service.

pub mod domain;
pub mod store;
