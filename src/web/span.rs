//! The span every request runs in, and so the context of every line logged while it runs.
//!
//! tracing-actix-web's default span holds the whole target (`/r/{token}/withdraw?…`), and an
//! exhibitor's private link carries its access token in the path: any line logged inside such
//! a request — a 4xx is logged as a warning — put the token in the log (DESIGN.md: no log line
//! ever contains a token). This span holds the path with the token masked, and no query.

use std::borrow::Cow;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The root span of a request: method, path (a private link's token masked), the peer's
/// address, request id; the status once answered, and the error if there was one.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // The fields are only worked out when the span is enabled (a subscriber at info).
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %logged_path(request.path()),
            // The client as the rate limits count it: the peer, or a trusted proxy's client.
            client = %crate::web::kit::client::Client::of(request.request()).address(),
            request_id = %request.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default(),
            status = Empty,
            error = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(error) = response.response().error() {
                    span.record("error", tracing::field::display(error));
                }
            }
            Err(error) => {
                let response = error.as_response_error();
                span.record("status", response.status_code().as_u16());
                span.record("error", tracing::field::display(response));
            }
        }
    }
}

/// `path` as it may be logged: the segment after `/r/` (an exhibitor's access token) masked.
pub fn logged_path(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/r/") else {
        return Cow::Borrowed(path);
    };
    let after = rest.find('/').map_or("", |i| &rest[i..]);
    Cow::Owned(format!("/r/…{after}"))
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    #[test]
    fn a_private_links_token_is_masked_and_other_paths_are_kept() {
        assert_eq!(logged_path("/r/AbC-123_x"), "/r/…");
        assert_eq!(logged_path("/r/AbC-123_x/"), "/r/…/");
        assert_eq!(logged_path("/r/AbC-123_x/sales/7/void"), "/r/…/sales/7/void");
        assert_eq!(logged_path("/r/"), "/r/…");
        assert_eq!(logged_path("/r"), "/r");
        assert_eq!(logged_path("/rx/AbC"), "/rx/AbC");
        assert_eq!(logged_path("/api/v1/registrations/01a2"), "/api/v1/registrations/01a2");
        assert_eq!(logged_path("/"), "/");
    }
}
