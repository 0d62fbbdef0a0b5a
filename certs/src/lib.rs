//! TLS certificates as a tenant resource: what an upload must prove before it is stored
//! ([`validate`]), and the box private keys are stored in ([`SecretBox`]).
//!
//! Shared by the API (validates and seals on upload) and the controller (opens a key only to push
//! it to the agents of the load balancers that use it). Nothing here logs, and no type here
//! prints a key: [`Validated`] and [`SecretBox`] have hand-written `Debug`s.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use ring::rand::{SecureRandom as _, SystemRandom};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

/// Longest PEM accepted for a chain or a key: real chains are a few KiB; this bounds what an
/// upload can make the API parse and the database store.
pub const MAX_PEM_BYTES: usize = 64 * 1024;

/// Most certificates in one chain (leaf + intermediates).
pub const MAX_CHAIN: usize = 8;

/// Why an upload was refused. [`CertError::code`] is the API's machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("the certificate chain holds no PEM CERTIFICATE block")]
    NoCertificate,
    #[error("the certificate chain does not parse: {0}")]
    BadCertificate(String),
    #[error(
        "the certificate chain is out of order: certificate {0} did not issue the one before it"
    )]
    ChainOrder(usize),
    #[error("the private key does not parse (PEM PKCS#8, PKCS#1 or SEC1 expected): {0}")]
    BadKey(String),
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    #[error("the certificate expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("the certificate is not valid before {0}")]
    NotYetValid(DateTime<Utc>),
    #[error("the certificate names no DNS name (no subjectAltName DNS entry and no common name)")]
    NoNames,
    #[error("{what} is larger than {MAX_PEM_BYTES} bytes")]
    TooLarge { what: &'static str },
}

impl CertError {
    pub fn code(&self) -> &'static str {
        match self {
            CertError::NoCertificate | CertError::BadCertificate(_) | CertError::ChainOrder(_) => {
                "certificate_invalid"
            }
            CertError::NoNames => "certificate_without_names",
            CertError::BadKey(_) => "private_key_invalid",
            CertError::KeyMismatch => "private_key_mismatch",
            CertError::Expired(_) => "certificate_expired",
            CertError::NotYetValid(_) => "certificate_not_yet_valid",
            CertError::TooLarge { .. } => "certificate_too_large",
        }
    }
}

/// What [`validate`] learnt from an upload: the facts the API shows and the agents need.
#[derive(Clone, PartialEq, Eq)]
pub struct Validated {
    /// The chain re-encoded from its DER (comments and stray text around the blocks dropped).
    pub chain_pem: String,
    /// The key re-encoded from its DER, in the format it came in.
    pub key_pem: String,
    /// DNS names from subjectAltName, else the common name; lower case, deduplicated.
    pub names: Vec<String>,
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the leaf's DER, lower-case hex: how operators and browsers name a certificate.
    pub fingerprint_sha256: String,
}

impl std::fmt::Debug for Validated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validated")
            .field("names", &self.names)
            .field("not_after", &self.not_after)
            .field("fingerprint_sha256", &self.fingerprint_sha256)
            .finish_non_exhaustive()
    }
}

/// Checks an upload: the chain parses and is in issuing order, the leaf is valid at `now` and
/// names at least one DNS name, and the key parses and is the leaf's.
pub fn validate(
    chain_pem: &str,
    key_pem: &str,
    now: DateTime<Utc>,
) -> Result<Validated, CertError> {
    if chain_pem.len() > MAX_PEM_BYTES {
        return Err(CertError::TooLarge { what: "the certificate chain" });
    }
    if key_pem.len() > MAX_PEM_BYTES {
        return Err(CertError::TooLarge { what: "the private key" });
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| CertError::BadCertificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(CertError::NoCertificate);
    }
    if chain.len() > MAX_CHAIN {
        return Err(CertError::BadCertificate(format!("more than {MAX_CHAIN} certificates")));
    }
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .enumerate()
        .map(|(i, der)| match X509Certificate::from_der(der) {
            Ok(([], c)) => Ok(c),
            Ok(_) => {
                Err(CertError::BadCertificate(format!("certificate {} has trailing bytes", i + 1)))
            }
            Err(e) => Err(CertError::BadCertificate(format!("certificate {}: {e}", i + 1))),
        })
        .collect::<Result<_, _>>()?;
    for (i, pair) in parsed.windows(2).enumerate() {
        if pair[0].issuer().as_raw() != pair[1].subject().as_raw() {
            return Err(CertError::ChainOrder(i + 2));
        }
    }
    let leaf = &parsed[0];
    let not_before = timestamp(leaf.validity().not_before.timestamp());
    let not_after = timestamp(leaf.validity().not_after.timestamp());
    if now > not_after {
        return Err(CertError::Expired(not_after));
    }
    if now < not_before {
        return Err(CertError::NotYetValid(not_before));
    }
    let names = names(leaf);
    if names.is_empty() {
        return Err(CertError::NoNames);
    }

    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| CertError::BadKey(e.to_string()))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| CertError::BadKey(e.to_string()))?;
    // rustls compares the key's SubjectPublicKeyInfo with the leaf's; every key type the ring
    // provider loads can name its public key, so "unknown" is a mismatch too.
    CertifiedKey::new(vec![chain[0].clone()], signer)
        .keys_match()
        .map_err(|_| CertError::KeyMismatch)?;

    Ok(Validated {
        chain_pem: chain.iter().map(|c| pem("CERTIFICATE", c)).collect(),
        key_pem: pem(key_label(&key), key.secret_der()),
        names,
        subject: leaf.subject().to_string(),
        issuer: leaf.issuer().to_string(),
        not_before,
        not_after,
        fingerprint_sha256: hex::encode(Sha256::digest(&chain[0])),
    })
}

fn timestamp(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// SNI names a certificate serves: its subjectAltName DNS entries (RFC 6125: when present the
/// common name is not looked at), else its common name.
fn names(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                out.push(d.to_ascii_lowercase());
            }
        }
    }
    if out.is_empty() {
        if let Some(cn) = cert.subject().iter_common_name().next().and_then(|c| c.as_str().ok()) {
            if cn.contains('.') && !cn.contains(' ') {
                out.push(cn.to_ascii_lowercase());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn key_label(key: &PrivateKeyDer<'_>) -> &'static str {
    match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Why a sealed key could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("the private key was sealed with another secret key ({0}); configure that key")]
    WrongKey(String),
    #[error("the sealed private key is corrupt or was moved to another row")]
    Corrupt,
}

/// AES-256-GCM with the operator's key: how private keys are kept in PostgreSQL. A sealed value
/// is `key id (8 bytes) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`; the row's id is the additional
/// data, so a sealed key copied into another row does not open. The key id (the first 8 bytes of
/// the key's SHA-256) tells an operator which key a row needs after a rotation.
#[derive(Clone)]
pub struct SecretBox {
    key: Arc<LessSafeKey>,
    id: [u8; 8],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBox({})", hex::encode(self.id))
    }
}

const KEY_ID_LEN: usize = 8;

impl SecretBox {
    /// From 32 bytes of key material.
    pub fn new(key: &[u8; 32]) -> SecretBox {
        let unbound = UnboundKey::new(&aead::AES_256_GCM, key).expect("32 bytes is an AES-256 key");
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&Sha256::digest(key)[..KEY_ID_LEN]);
        SecretBox { key: Arc::new(LessSafeKey::new(unbound)), id }
    }

    /// Reads a key file: 64 hex digits (whitespace around them ignored).
    pub fn from_file(path: &Path) -> Result<SecretBox, SecretError> {
        let err =
            |reason: String| SecretError::KeyFile { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::from_hex(text.trim()).map_err(|reason| err(reason.to_owned()))
    }

    pub fn from_hex(text: &str) -> Result<SecretBox, &'static str> {
        let bytes = hex::decode(text).map_err(|_| "not hex")?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "not 32 bytes (64 hex digits)")?;
        Ok(SecretBox::new(&key))
    }

    /// A fresh random key as the hex a key file holds.
    pub fn generate_hex() -> String {
        let mut key = [0u8; 32];
        SystemRandom::new().fill(&mut key).expect("the system RNG works");
        hex::encode(key)
    }

    /// The key's id, hex: stored beside nothing, printed in errors and logs.
    pub fn key_id(&self) -> String {
        hex::encode(self.id)
    }

    pub fn seal(&self, row: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("the system RNG works");
        let mut out = Vec::with_capacity(KEY_ID_LEN + NONCE_LEN + plaintext.len() + 16);
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(row),
                &mut body,
            )
            .expect("AES-GCM seals any length a key has");
        out.extend_from_slice(&body);
        out
    }

    pub fn open(&self, row: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < KEY_ID_LEN + NONCE_LEN + 16 {
            return Err(SecretError::Corrupt);
        }
        let (id, rest) = sealed.split_at(KEY_ID_LEN);
        if id != self.id {
            return Err(SecretError::WrongKey(hex::encode(id)));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Corrupt)?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(row), &mut body)
            .map_err(|_| SecretError::Corrupt)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_in_their_row_with_their_key() {
        let a = SecretBox::from_hex(&SecretBox::generate_hex()).unwrap();
        let b = SecretBox::from_hex(&SecretBox::generate_hex()).unwrap();
        let sealed = a.seal(b"row-1", b"-----BEGIN PRIVATE KEY-----");
        assert!(!sealed.windows(5).any(|w| w == b"BEGIN"), "sealed text is not the plaintext");
        assert_eq!(a.open(b"row-1", &sealed).unwrap(), b"-----BEGIN PRIVATE KEY-----");
        assert!(matches!(a.open(b"row-2", &sealed), Err(SecretError::Corrupt)));
        assert!(
            matches!(b.open(b"row-1", &sealed), Err(SecretError::WrongKey(id)) if id == a.key_id())
        );
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(a.open(b"row-1", &flipped), Err(SecretError::Corrupt)));
        assert!(format!("{a:?}").starts_with("SecretBox("));
    }

    #[test]
    fn key_files_must_hold_32_hex_bytes() {
        assert!(SecretBox::from_hex("abcd").is_err());
        assert!(SecretBox::from_hex(&"zz".repeat(32)).is_err());
        assert!(SecretBox::from_hex(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn pem_encoding_round_trips() {
        for len in 0..70usize {
            let der: Vec<u8> = (0..len as u8).collect();
            let text = pem("CERTIFICATE", &der);
            let back = CertificateDer::from_pem_slice(text.as_bytes());
            if len == 0 {
                continue;
            }
            assert_eq!(back.unwrap().as_ref(), &der[..], "len {len}");
        }
    }
}

pub mod testing;
