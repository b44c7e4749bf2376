//! The one error shape of the API (API.md "Conventions"):
//! `{"error": {"code", "message", "fields"}}`, with the right status for each cause.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::DomainError;
use crate::i18n::Lang;
use crate::service::CommandError;
use crate::store::StoreError;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// More about the conflict, e.g. who holds a booth now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Box<serde_json::Value>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.body.code, self.body.message)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_owned(),
                message: message.into(),
                fields: BTreeMap::new(),
                details: None,
            },
            retry_after: None,
        }
    }

    /// The 422 naming every bad field; its summary in `lang`, the language of the fields'
    /// messages.
    pub fn invalid(fields: BTreeMap<String, String>, lang: Lang) -> Self {
        let count = fields.len();
        let message = match lang {
            Lang::Vi => format!("{count} trường chưa hợp lệ"),
            Lang::En => format!("{count} field(s) are not valid"),
        };
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields", message);
        err.body.fields = fields;
        err
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", message)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in, or send an organizer token as Authorization: Bearer <token>",
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
        err.retry_after = Some(5);
        err
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(ErrorResponse {
            error: self.body.clone(),
        })
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound(what) => ApiError::not_found(what),
            DomainError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            // The domain names its problems in English.
            DomainError::Invalid(fields) => ApiError::invalid(fields, Lang::En),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "somebody changed this at the same time; try again",
            ),
            StoreError::EventIdReused(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_mismatch",
                "this request repeats an earlier one with other contents",
            ),
            StoreError::Unavailable(reason) => {
                tracing::error!(%reason, "event store unavailable");
                ApiError::unavailable("the event log cannot be written right now; nothing was changed, try again")
            }
        }
    }
}

impl From<CommandError> for ApiError {
    fn from(err: CommandError) -> Self {
        match err {
            CommandError::Domain(e) => e.into(),
            CommandError::Store(e) => e.into(),
            CommandError::PreconditionFailed { expected, current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                format!("If-Match names version {expected}, but the resource is at version {current}"),
            ),
            CommandError::Stale(_) => ApiError::new(
                StatusCode::CONFLICT,
                "registration_changed",
                "an application this change names changed meanwhile; look again",
            ),
            CommandError::Contended(_) => ApiError::new(
                StatusCode::CONFLICT,
                "contended",
                "too many changes at the same time; try again",
            ),
            CommandError::Unreadable { stream, reason } => {
                tracing::error!(%stream, %reason, "stream cannot be read");
                ApiError::internal()
            }
        }
    }
}
