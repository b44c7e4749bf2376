//! The event stores: the conformance suite every backend passes (SQLite on a real file,
//! PostgreSQL on the machine's server, EventStoreDB where one is named), and PostgreSQL
//! under several instances, faults and a transfer from SQLite.

#[path = "../support/mod.rs"]
mod support;

mod chain;
mod esdb;
mod postgres;
mod postgres_faults;
mod postgres_instances;
mod postgres_tls;
mod postgres_transfer;
mod postgres_upgrade;
mod sqlite;
