//! Commands and their pure decisions. Nothing here reads a clock or does I/O: time, actor
//! and anything from other streams arrive in the command. [`crate::service`] runs them.

use std::collections::BTreeMap;

pub mod announcement;
pub mod banks;
pub mod fair;
pub mod fees;
pub mod floor_plan;
pub mod organizer;
pub mod payments;
pub mod proposal;
pub mod registration;
pub mod results;
pub mod sales;

/// A command's business failure: the client asked for something the rules forbid.
/// Each variant's HTTP status is fixed here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// 404: the thing the command is about does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the command conflicts with the current state (e.g. the fair already exists).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 422: values that are well-formed but not acceptable; every bad field named.
    #[error("invalid fields")]
    Invalid(BTreeMap<String, String>),
}

impl DomainError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        DomainError::Invalid(BTreeMap::from([(field.into(), problem.into())]))
    }
}

/// A consistency boundary: folds its own stream and decides on commands.
pub trait Aggregate: Default + Send {
    /// Folds one event of the aggregate's stream into its state.
    fn apply(&mut self, event: &hoicho_events::Event);
}

/// A plausible email address: one `@`, something before it, a dot in the domain, no spaces
/// or control characters. Deliverability is the mail server's to judge.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.len() <= 254
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}
