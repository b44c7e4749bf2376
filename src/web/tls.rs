//! HTTPS without a proxy: `--tls-cert` and `--tls-key` (PEM), served with rustls and read
//! again on SIGHUP, so a renewed certificate needs no restart (ADR 020).
//!
//! The crypto provider is given to this configuration alone, never installed for the whole
//! process: the EventStoreDB client installs its own when it first connects, and panics if one
//! is there already.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::HttpResponse;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Why a certificate and key cannot be served; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate {path}: {problem}")]
    Certificate { path: PathBuf, problem: String },
    #[error("cannot read the private key {path}: {problem}")]
    Key { path: PathBuf, problem: String },
    #[error("the private key {key} does not belong to the certificate {cert}")]
    Mismatch { cert: PathBuf, key: PathBuf },
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a certificate chain and its key, and checks that they belong together.
pub fn load(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_error = |problem: String| TlsError::Certificate {
        path: cert.to_owned(),
        problem,
    };
    let key_error = |problem: String| TlsError::Key {
        path: key.to_owned(),
        problem,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(pem_problem(e)))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(pem_problem(e)))?;
    if chain.is_empty() {
        return Err(cert_error(
            "no certificate in it (a PEM file with BEGIN CERTIFICATE)".into(),
        ));
    }
    let der = PrivateKeyDer::from_pem_file(key).map_err(|e| key_error(pem_problem(e)))?;
    let signing = provider()
        .key_provider
        .load_private_key(der)
        .map_err(|e| key_error(format!("not a key this server can use ({e})")))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::Mismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
        }),
        Err(e) => Err(cert_error(format!("its first certificate cannot be read ({e})"))),
    }
}

fn pem_problem(e: rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => "nothing of that kind in it (is it PEM?)".into(),
        other => format!("not a PEM file ({other:?})"),
    }
}

/// The first certificate's subject and the end of its validity, for `hoicho check`.
pub fn validity(cert: &Path) -> Result<(String, chrono::DateTime<chrono::Utc>), String> {
    use x509_cert::der::Decode;
    let first = CertificateDer::pem_file_iter(cert)
        .map_err(pem_problem)?
        .next()
        .ok_or("no certificate in it")?
        .map_err(pem_problem)?;
    let parsed =
        x509_cert::Certificate::from_der(first.as_ref()).map_err(|e| format!("not an X.509 certificate ({e})"))?;
    let tbs = parsed.tbs_certificate;
    let until = tbs.validity.not_after.to_unix_duration();
    let until = chrono::DateTime::from_timestamp(until.as_secs() as i64, 0).ok_or("a validity out of range")?;
    Ok((tbs.subject.to_string(), until))
}

/// The certificate being served, replaced as a whole when it is read again.
#[derive(Debug)]
pub struct Certificate {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificate {
    /// Reads the files; an error if they cannot be served.
    pub fn open(cert: &Path, key: &Path) -> Result<Arc<Self>, TlsError> {
        let loaded = load(cert, key)?;
        Ok(Arc::new(Certificate {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new(Arc::new(loaded)),
        }))
    }

    /// Reads the files again. On an error the certificate served so far stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let loaded = Arc::new(load(&self.cert, &self.key)?);
        if let Ok(mut current) = self.current.write() {
            *current = loaded;
        }
        Ok(())
    }

    /// The server configuration that serves this certificate (HTTP/1.1, TLS 1.2 and 1.3).
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, rustls::Error> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|c| c.clone())
    }
}

/// Reads the certificate again on every SIGHUP, for as long as the process runs.
pub async fn reload_on_hangup(certificate: Arc<Certificate>) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        tracing::warn!("SIGHUP cannot be caught: a renewed certificate needs a restart");
        return;
    };
    while hangups.recv().await.is_some() {
        match certificate.reload() {
            Ok(()) => tracing::info!(cert = %certificate.cert.display(), "the certificate was read again"),
            Err(err) => {
                tracing::error!(error = %err, "the certificate was not replaced; the previous one is still served")
            }
        }
    }
}

/// `max-age` of the Strict-Transport-Security header: a year.
pub const HSTS: &str = "max-age=31536000";

/// What the HTTPS server tells its plain-HTTP listener (app data; absent without TLS).
#[derive(Debug, Clone)]
pub struct HttpsRedirect {
    pub https_port: u16,
    /// `--public-url`, when it is an https:// address.
    pub public_url: Option<String>,
    /// Where certbot (webroot mode) leaves the ACME HTTP-01 challenge files.
    pub acme_dir: Option<PathBuf>,
}

/// On a server with TLS: requests that arrive over plain HTTP are redirected to HTTPS (probes
/// and ACME challenges excepted), and HTTPS answers carry Strict-Transport-Security.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(redirect) = req.app_data::<Data<HttpsRedirect>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_left_body());
    };
    if req.app_config().secure() {
        let mut response = next.call(req).await?;
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        return Ok(response.map_into_left_body());
    }
    let path = req.path().to_owned();
    if matches!(path.as_str(), "/healthz" | "/readyz") {
        return next.call(req).await.map(|r| r.map_into_left_body());
    }
    if let Some(token) = path.strip_prefix("/.well-known/acme-challenge/") {
        let answer = match (&redirect.acme_dir, acme_token(token)) {
            (Some(dir), true) => match tokio::fs::read(dir.join(token)).await {
                Ok(body) => HttpResponse::Ok().content_type("text/plain").body(body),
                Err(_) => HttpResponse::NotFound().finish(),
            },
            _ => HttpResponse::NotFound().finish(),
        };
        return Ok(req.into_response(answer).map_into_right_body());
    }
    let host = req.connection_info().host().to_owned();
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let target = redirect_target(
        redirect.public_url.as_deref(),
        &host,
        redirect.https_port,
        &path_and_query,
    );
    let mut answer = match *req.method() {
        Method::GET | Method::HEAD => HttpResponse::MovedPermanently(),
        _ => HttpResponse::PermanentRedirect(),
    };
    let answer = answer.insert_header((header::LOCATION, target)).finish();
    Ok(req.into_response(answer).map_into_right_body())
}

/// Where a plain-HTTP request is sent on the HTTPS listener: the public address when one is
/// set, otherwise the host it asked for with the HTTPS port.
pub fn redirect_target(public_url: Option<&str>, host: &str, https_port: u16, path_and_query: &str) -> String {
    if let Some(base) = public_url.filter(|u| u.starts_with("https://")) {
        return format!("{}{path_and_query}", base.trim_end_matches('/'));
    }
    let name = match host.rsplit_once(':') {
        // An IPv6 literal is in brackets; its colons are not a port.
        Some((name, port)) if !port.contains(']') && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = if name.is_empty() { "localhost" } else { name };
    match https_port {
        443 => format!("https://{name}{path_and_query}"),
        port => format!("https://{name}:{port}{path_and_query}"),
    }
}

/// Whether `token` may name a file of the ACME challenge directory (letters, digits, `-`, `_`:
/// RFC 8555's base64url alphabet, so nothing can climb out of it).
pub fn acme_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_path_and_move_to_the_https_port() {
        assert_eq!(
            redirect_target(None, "hoicho.hatinh.gov.vn", 443, "/hoi-cho?x=1"),
            "https://hoicho.hatinh.gov.vn/hoi-cho?x=1"
        );
        assert_eq!(
            redirect_target(None, "10.0.0.5:8080", 8443, "/"),
            "https://10.0.0.5:8443/"
        );
        assert_eq!(
            redirect_target(None, "[2001:db8::1]:80", 443, "/a"),
            "https://[2001:db8::1]/a"
        );
        assert_eq!(
            redirect_target(None, "[2001:db8::1]", 8443, "/a"),
            "https://[2001:db8::1]:8443/a"
        );
        assert_eq!(
            redirect_target(Some("https://hoicho.gov.vn/"), "evil.example", 443, "/a?b"),
            "https://hoicho.gov.vn/a?b"
        );
    }

    #[test]
    fn acme_tokens_cannot_leave_their_directory() {
        assert!(acme_token("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
        for bad in ["", "..", "../secret", "a/b", "a.b", "%2e%2e"] {
            assert!(!acme_token(bad), "{bad}");
        }
    }
}
