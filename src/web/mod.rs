//! Everything web-facing: the JSON API under `/api/v1`, the pages, health and metrics.
//! One folder a capability (fairs, registrations, allocations, sales, organizers), each
//! with its API and its pages side by side and registering its own routes, over a small
//! shared [`kit`]; every command goes through [`crate::service`].

pub mod allocations;
pub mod audit;
pub mod emails;
pub mod fairs;
pub mod fees;
pub mod health;
pub mod kit;
pub mod openapi;
pub mod organizers;
pub mod places;
pub mod registrations;
pub mod results;
pub mod sales;
pub mod span;
pub mod tls;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Data};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::metrics::RequestLabels;
use kit::error::ApiError;

/// Every route, for `App::configure`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|err, _| ApiError::malformed(format!("the query string is not valid: {err}")).into()),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(|err, _| ApiError::malformed(format!("the path is not valid: {err}")).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(16 * 1024)
            .error_handler(|err, _| match &err {
                actix_web::error::UrlencodedError::Payload(p) if kit::extract::timed_out(p) => {
                    kit::extract::too_slow().into()
                }
                _ => ApiError::malformed(format!("the form is not valid: {err}")).into(),
            }),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(health::metrics))
    .route("/api/openapi.json", web::get().to(openapi::document))
    .service(
        // Routes are tried in order: the busiest writes of a running fair (sales at every
        // booth, applications) come first.
        web::scope("/api/v1")
            .configure(sales::api_routes)
            .configure(registrations::api_routes)
            .configure(fairs::api_routes)
            .configure(audit::routes)
            .configure(places::routes)
            .configure(emails::api_routes)
            .configure(fees::api_routes)
            .configure(results::api_routes)
            .configure(allocations::api_routes),
    )
    .configure(fairs::page_routes)
    .configure(organizers::page_routes)
    .configure(registrations::page_routes)
    .configure(emails::page_routes)
    .configure(allocations::page_routes)
    .configure(sales::page_routes)
    .configure(fees::page_routes)
    .configure(results::page_routes)
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        use actix_web::ResponseError;
        ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not_found", "no such endpoint").error_response()
    } else {
        kit::page::not_found_page(&req, "error.not_found")
    }
}

/// Security headers on every answer, and the request count for `/metrics`.
/// A page of the demo with its banner.
async fn with_demo_banner(
    response: ServiceResponse<actix_web::body::BoxBody>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_page {
        return Ok(response);
    }
    let lang = crate::i18n::Lang::of(response.request());
    let (req, res) = response.into_parts();
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("page body"))?;
    let html = String::from_utf8_lossy(&bytes);
    let html = kit::page::demo_banner(&html, lang).unwrap_or_else(|| html.into_owned());
    let mut res = res.set_body(html).map_into_boxed_body();
    res.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(req, res))
}

pub async fn frame(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<Data<AppState>>().cloned();
    let method = req.method().to_string();
    // Until the projections have caught up at start, answers would be stale (a valid token
    // unknown yet): wait for them, briefly. Health endpoints answer at once.
    if let Some(state) = &state {
        let probe = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
        if !probe && !state.wait_ready(std::time::Duration::from_secs(10)).await {
            use actix_web::ResponseError;
            let busy = ApiError::unavailable("hoicho is starting; try again in a moment").error_response();
            return Ok(req.into_response(busy).map_into_right_body());
        }
    }
    if let Some(timeout) = req.app_data::<kit::extract::BodyTimeout>().map(|t| t.0) {
        let payload = req.take_payload();
        req.set_payload(kit::extract::timed_payload(payload, timeout));
    }
    // A session in use keeps its cookie fresh, so its idle limit counts from the last request.
    let renewed = state.as_ref().and_then(|state| {
        let session = kit::session::Session::read(req.request(), &state.secret)?.renewed()?;
        let policy = kit::session::policy(req.request());
        session.valid(&state.read(), &policy).then(|| {
            let secure = kit::client::Client::of(req.request()).https;
            session.cookie(&state.secret, secure, &policy)
        })
    });
    let demo = req.app_data::<kit::page::DemoMode>().is_some_and(|d| d.0);
    let response = next.call(req).await?;
    // Only the demo's pages are read back and rewritten; every other answer passes as it is.
    let mut response = if demo {
        with_demo_banner(response.map_into_boxed_body())
            .await?
            .map_into_right_body()
    } else {
        response.map_into_left_body()
    };
    if let Some(cookie) = renewed {
        let _ = response.response_mut().add_cookie(&cookie);
    }
    let headers = response.headers_mut();
    // A handler may set a stricter policy of its own (the sandboxed email preview).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
            ),
        );
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages reached through a private link set their own, stricter policy.
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    if let Some(state) = state {
        let status = response.status().as_u16();
        state
            .metrics
            .requests
            .get_or_create(&RequestLabels { method, status })
            .inc();
    }
    Ok(response)
}
