//! PostgreSQL over TLS, through rustls: `sslmode` and `sslrootcert` in the store's URL, as
//! libpq reads them (ADR 022).
//!
//! - `disable`, or no `sslmode`: plain, as before.
//! - `prefer`, `require`: encrypted; the server's certificate is not checked unless
//!   `sslrootcert` names a CA (then as `verify-ca`), as libpq does.
//! - `verify-ca`: the certificate must be signed by `sslrootcert`'s CA.
//! - `verify-full`: that, and it must name the host connected to.
//!
//! tokio-postgres itself knows only disable / prefer / require and no `sslrootcert`: those are
//! taken out of the URL here and the rest is left to it. The crypto provider is the
//! configuration's own, never installed for the process (the EventStoreDB client's rule).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres::Config;
use tokio_postgres_rustls::MakeRustlsConnect;

/// `sslmode`, as libpq names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> Result<Mode, String> {
        Ok(match value {
            "disable" => Mode::Disable,
            "allow" | "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
                ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }
}

/// A store URL's connection settings and the TLS connector that goes with them.
#[derive(Clone)]
pub struct Endpoint {
    pub config: Config,
    pub tls: MakeRustlsConnect,
    pub mode: Mode,
}

/// Reads the store URL (URL or key=value form) with its TLS settings.
pub fn endpoint(url: &str) -> Result<Endpoint, String> {
    let (rest, mode, root) = take_tls_options(url)?;
    let mut config: Config = rest.parse().map_err(|e| format!("not a PostgreSQL address: {e}"))?;
    let mode = mode.unwrap_or(Mode::Disable);
    // With a CA named, require checks the chain, as libpq does.
    let mode = match (mode, &root) {
        (Mode::Require, Some(_)) => Mode::VerifyCa,
        (mode, _) => mode,
    };
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let client = client_config(mode, root.as_deref())?;
    Ok(Endpoint {
        config,
        tls: MakeRustlsConnect::new(client),
        mode,
    })
}

/// The URL without `sslmode` and `sslrootcert`, and what they said.
fn take_tls_options(url: &str) -> Result<(String, Option<Mode>, Option<PathBuf>), String> {
    let (mut mode, mut root) = (None, None);
    let mut take = |key: &str, value: &str| -> Result<bool, String> {
        match key {
            "sslmode" => mode = Some(Mode::parse(value)?),
            "sslrootcert" => root = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let pairs: Vec<(String, String)> =
                    serde_urlencoded::from_str(query).map_err(|e| format!("the address's options do not read: {e}"))?;
                let mut kept = Vec::new();
                for (key, value) in pairs {
                    if !take(&key, &value)? {
                        kept.push((key, value));
                    }
                }
                match kept.is_empty() {
                    true => base.to_owned(),
                    false => format!(
                        "{base}?{}",
                        serde_urlencoded::to_string(&kept).map_err(|e| e.to_string())?
                    ),
                }
            }
        }
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            match word.split_once('=') {
                Some((key, value))
                    if take(key.trim(), value.trim().trim_matches('\'')).map_err(|e| e.to_string())? => {}
                _ => kept.push(word),
            }
        }
        kept.join(" ")
    };
    Ok((rest, mode, root))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(path: &Path) -> Result<RootCertStore, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read sslrootcert {}: {e:?}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read sslrootcert {}: {e:?}", path.display()))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {} holds no CA certificate", path.display()));
    }
    Ok(store)
}

fn client_config(mode: Mode, root: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, root) {
        (Mode::VerifyCa | Mode::VerifyFull, None) => {
            return Err(format!(
                "sslmode={} needs sslrootcert=FILE: the CA that signed the server's certificate",
                mode.name()
            ))
        }
        (Mode::VerifyCa | Mode::VerifyFull, Some(path)) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(path)?), provider())
                .build()
                .map_err(|e| e.to_string())?;
            Arc::new(Checked {
                inner: webpki,
                names: mode == Mode::VerifyFull,
            })
        }
        _ => Arc::new(Unchecked(provider())),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// verify-ca and verify-full: the chain against the CA; the host's name only for verify-full.
#[derive(Debug)]
struct Checked {
    inner: Arc<WebPkiServerVerifier>,
    names: bool,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext { .. }))
                if !self.names =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// prefer and require without a CA: encrypted, the certificate not checked (libpq's meaning);
/// the handshake's signatures still are.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_taken_out_of_either_form() {
        let (rest, mode, root) = take_tls_options(
            "postgres://hoicho:pw@db:5432/hoicho?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(rest, "postgres://hoicho:pw@db:5432/hoicho?application_name=x");
        assert_eq!(
            (mode, root),
            (Some(Mode::VerifyFull), Some(PathBuf::from("/etc/ca.pem")))
        );
        let (rest, mode, root) = take_tls_options("host=db user=hoicho sslmode=require dbname=h").unwrap();
        assert_eq!(rest, "host=db user=hoicho dbname=h");
        assert_eq!((mode, root), (Some(Mode::Require), None));
        let (rest, mode, _) = take_tls_options("postgres://db/h").unwrap();
        assert_eq!((rest.as_str(), mode), ("postgres://db/h", None));
        assert!(take_tls_options("postgres://db/h?sslmode=sometimes")
            .unwrap_err()
            .contains("sslmode=sometimes"));
    }

    #[test]
    fn verifying_needs_a_ca() {
        let err = endpoint("postgres://db/h?sslmode=verify-full").err().unwrap();
        assert!(err.contains("needs sslrootcert"), "{err}");
        let err = endpoint("postgres://db/h?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")
            .err()
            .unwrap();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
        assert_eq!(endpoint("postgres://db/h").unwrap().mode, Mode::Disable);
    }
}
