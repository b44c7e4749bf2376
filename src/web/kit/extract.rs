//! What handlers take from a request: the bounded body, who is asking, `If-Match`, and the
//! command context (actor, time, request id, idempotency key).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::Utc;
use futures_util::StreamExt;
use hoicho_events::{Actor, IdempotencyMark, OrganizerId};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::i18n::Lang;
use crate::service::CommandContext;
use crate::web::kit::error::ApiError;
use crate::web::kit::session;

/// Largest request body accepted, in bytes.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How long a request body may take to arrive, first byte to last.
#[derive(Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// `payload` cut off with a timed-out error once `timeout` has passed since the first read:
/// every extractor (JSON, forms, [`Body`]) reads through it.
pub fn timed_payload(payload: Payload, timeout: std::time::Duration) -> Payload {
    use actix_web::error::PayloadError;
    struct Timed {
        inner: Payload,
        deadline: Option<tokio::time::Instant>,
        done: bool,
    }
    let start = Timed {
        inner: payload,
        deadline: None,
        done: false,
    };
    let stream = futures_util::stream::unfold(start, move |mut t| async move {
        if t.done {
            return None;
        }
        let deadline = *t.deadline.get_or_insert_with(|| tokio::time::Instant::now() + timeout);
        match tokio::time::timeout_at(deadline, t.inner.next()).await {
            Ok(Some(item)) => Some((item, t)),
            Ok(None) => None,
            Err(_) => {
                t.done = true;
                let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body took too long");
                Some((Err(PayloadError::Io(late)), t))
            }
        }
    });
    Payload::Stream {
        payload: Box::pin(stream),
    }
}

/// Whether reading the body failed because it took too long.
pub fn timed_out(err: &actix_web::error::PayloadError) -> bool {
    matches!(err, actix_web::error::PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// The 408 for a body that did not arrive in time.
pub fn too_slow() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the request body took too long to arrive; send it again",
    )
}

/// The raw request body, refused with 413 past the configured limit.
pub struct Body(pub Bytes);

impl FromRequest for Body {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(256 * 1024, |l| l.0);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let too_large = || {
                ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("the request body may be at most {limit} bytes"),
                )
            };
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    if timed_out(&e) {
                        too_slow()
                    } else {
                        ApiError::malformed(format!("the request body could not be read: {e}"))
                    }
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Body(body.freeze()))
        })
    }
}

/// The body as JSON, if the request says it is JSON (415 otherwise, 400 if it is not).
pub fn json_body(req: &HttpRequest, body: &Body) -> Result<serde_json::Value, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let is_json = mime
        .as_ref()
        .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    if !is_json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ));
    }
    // Read through serde_path_to_error, so a value JSON cannot hold (`1e999`) is named by its
    // field, not only by its line and column.
    let mut reader = serde_json::Deserializer::from_slice(&body.0);
    let read: Result<serde_json::Value, _> = serde_path_to_error::deserialize(&mut reader);
    let value = read.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let mut api = ApiError::malformed(format!("the body is not valid JSON: {inner}"));
        if !path.is_empty() && path != "." && !inner.is_eof() {
            let out_of_range = inner.to_string().starts_with("number out of range");
            let problem = match (Lang::of(req), out_of_range) {
                (Lang::Vi, true) => "số quá lớn, không ghi được".to_owned(),
                (Lang::En, true) => "number out of range".to_owned(),
                (Lang::Vi, false) => format!("không đọc được: {inner}"),
                (Lang::En, false) => format!("cannot be read: {inner}"),
            };
            api.body.fields.insert(path, problem);
        }
        api
    })?;
    reader
        .end()
        .map_err(|e| ApiError::malformed(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// A signed-in organizer, by API token or (for pages) session cookie.
#[derive(Debug, Clone)]
pub struct Organizer {
    pub id: OrganizerId,
    pub email: String,
}

impl Organizer {
    pub fn actor(&self) -> Actor {
        Actor::Organizer { organizer_id: self.id }
    }

    pub fn principal(&self) -> String {
        format!("organizer:{}", self.id.0)
    }
}

/// The organizer a request speaks for, if any: a bearer token, else a session cookie.
pub fn organizer_of(req: &HttpRequest) -> Option<Organizer> {
    let state = req.app_data::<Data<AppState>>()?;
    if let Some(token) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let hash = crate::auth::token_hash(token.trim());
        let projections = state.read();
        let account = projections.organizers.by_token_hash(&hash)?;
        return Some(Organizer {
            id: account.id,
            email: account.email.clone(),
        });
    }
    let projections = state.read();
    let id = session::organizer_id(req, &state.secret, &projections)?;
    let account = projections.organizers.by_id.get(&id)?;
    Some(Organizer {
        id: account.id,
        email: account.email.clone(),
    })
}

/// The organizer an API request speaks for. The session cookie counts for reads only: API
/// writes need the bearer token, so no other site can make a signed-in browser write.
pub fn api_organizer(req: &HttpRequest) -> Option<Organizer> {
    let safe = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    if safe || req.headers().contains_key(header::AUTHORIZATION) {
        organizer_of(req)
    } else {
        None
    }
}

impl FromRequest for Organizer {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(api_organizer(req).ok_or_else(ApiError::unauthorized))
    }
}

/// The version named by `If-Match` (`"5"`, `5` or `W/"5"`); `None` without one or for `*`.
pub fn if_match(req: &HttpRequest) -> Result<Option<u64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let malformed = || ApiError::malformed("If-Match must be * or entity tags, such as \"3\"");
    let text = value.to_str().map_err(|_| malformed())?.trim();
    if text == "*" {
        return Ok(None);
    }
    // RFC 9110 §13.1.1: a list of entity tags; a well-formed tag that names no version of
    // this resource (this server's tags are versions) fails the precondition, it is not a
    // bad request.
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        let opaque = tag
            .strip_prefix("W/")
            .unwrap_or(tag)
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|t| t.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80))
            .ok_or_else(malformed)?;
        if let Ok(version) = opaque.parse::<u64>() {
            versions.push(version);
        }
    }
    versions.sort_unstable();
    versions.dedup();
    match versions.as_slice() {
        [version] => Ok(Some(*version)),
        _ => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            format!("If-Match {text} names no current version of this resource; read it again"),
        )),
    }
}

/// The ETag header value for a stream version.
pub fn etag(version: u64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The context of a write: actor, now, request id and the idempotency key if one was sent.
pub fn write_context(
    req: &HttpRequest,
    actor: Actor,
    principal: &str,
    body: &[u8],
) -> Result<CommandContext, ApiError> {
    let mut ctx = CommandContext::new(actor, Utc::now());
    ctx.request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    if let Some(key) = req.headers().get("Idempotency-Key") {
        let key = key.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > 255 {
            return Err(ApiError::malformed(
                "Idempotency-Key must be 1 to 255 visible characters",
            ));
        }
        let request_hash = hex::encode(
            Sha256::new()
                .chain_update(req.method().as_str())
                .chain_update(b" ")
                .chain_update(req.uri().path())
                .chain_update(b"?")
                .chain_update(req.uri().query().unwrap_or(""))
                .chain_update(b"\n")
                .chain_update(body)
                .finalize(),
        );
        ctx.idempotency = Some(IdempotencyMark {
            principal: principal.to_owned(),
            key: key.to_owned(),
            request_hash,
        });
    }
    Ok(ctx)
}
