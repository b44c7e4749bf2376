//! Organizer credentials: argon2id password hashes, random API tokens kept only as SHA-256
//! digests, and the key that signs session cookies.

use std::path::Path;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use hoicho_events::OrganizerId;
use sha2::{Digest, Sha256};

/// The key that signs session cookies, kept in the data directory so sessions survive a
/// restart.
#[derive(Clone)]
pub struct Secret(pub actix_web::cookie::Key);

impl Secret {
    /// Reads `secret.key` in `dir`, creating it with 64 random bytes the first time.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join("secret.key");
        let bytes = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= 64 => bytes,
            _ => {
                let mut bytes = vec![0u8; 64];
                OsRng.fill_bytes(&mut bytes);
                write_private(&path, &bytes)?;
                bytes
            }
        };
        Ok(Secret(actix_web::cookie::Key::from(&bytes)))
    }

    pub fn random() -> Self {
        Secret(actix_web::cookie::Key::generate())
    }
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// `bytes` random bytes as URL-safe base64.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The private access token of an application: an HMAC-SHA256 of its id under the server's
/// secret key (ADR 005). The log keeps only its digest; the server can derive it again, for a
/// retried request and for the email that carries the private link.
pub fn access_token(secret: &Secret, registration: &hoicho_events::RegistrationId) -> String {
    access_token_at(secret, registration, 0)
}

/// The access token of `registration`'s link number `generation` (0: the first, as
/// [`access_token`] derives it; each reissue counts one more).
pub fn access_token_at(secret: &Secret, registration: &hoicho_events::RegistrationId, generation: u32) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.0.master()).expect("HMAC takes a key of any length");
    mac.update(b"access-token\0");
    mac.update(registration.0.as_bytes());
    if generation > 0 {
        mac.update(&generation.to_be_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// What is stored of a token: its SHA-256, hex. Tokens carry 256 random bits, so a fast
/// hash is enough; lookups by digest never compare the secret itself.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// One organizer per email: the id is derived from it, so two adds of one address race
/// for the same stream and one of them is refused.
pub fn organizer_id_for(email: &str) -> OrganizerId {
    let digest = Sha256::new()
        .chain_update(b"organizer:")
        .chain_update(email.trim().to_lowercase().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    OrganizerId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}
