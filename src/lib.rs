#![forbid(unsafe_code)]
//! hoicho: an event-sourced trade-fair and booth management service.

pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod check;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod integrity;
pub mod mail;
pub mod metrics;
pub mod places;
pub mod policy;
pub mod replay;
pub mod report;
pub mod revenue;
pub mod service;
pub mod snapshot;
pub mod spreadsheet;
pub mod startup;
pub mod store;
pub mod transfer;
pub mod vietqr;
pub mod web;
