//! TLS termination for HTTPS listeners: the rustls `ServerConfig` a listener's connections
//! handshake with, built once per config apply from its [`TlsConfig`], and the SNI resolver that
//! picks the certificate for each connection.
//!
//! Invariants: a config whose certificate or key does not load, or whose key does not match its
//! certificate, is refused whole (the apply fails and the listener keeps what it had). A
//! [`Terminator`] is reused as is when the next config carries the same certificates, so its
//! session cache and ticket keys survive member and policy changes; with other certificates a new
//! one serves new connections while established connections keep the session they have. Keys are
//! held in memory only: never written, never logged, never quoted in an error (errors about a key
//! say what is wrong with it, not what it contains).
//!
//! SNI: the certificate naming the host exactly, else one whose `*.suffix` covers it by exactly
//! one label, else the first certificate. Rejected: failing the handshake on an unknown name (a
//! "strict SNI" mode): clients that send no SNI or an IP address (health checkers, old libraries)
//! would be cut off, and the first certificate is the one the user configured for them.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use lbaas_proto::{CertificateConfig, TlsConfig};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject as _};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// ALPN, in the server's order of preference: hyper-util's server speaks both and tells them
/// apart by the connection preface, so ALPN only has to let h2 clients say so.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// One HTTPS listener's TLS termination, as built from one [`TlsConfig`].
pub(crate) struct Terminator {
    /// What it was built from, to tell whether the next config changes anything.
    certificates: Vec<CertificateConfig>,
    acceptor: TlsAcceptor,
}

impl Terminator {
    /// The termination for `cfg`: `previous` itself when the certificates are the same.
    pub fn new(cfg: &TlsConfig, previous: Option<&Arc<Terminator>>) -> anyhow::Result<Arc<Self>> {
        if let Some(p) = previous.filter(|p| p.certificates == cfg.certificates) {
            return Ok(p.clone());
        }
        Ok(Arc::new(Terminator {
            certificates: cfg.certificates.clone(),
            acceptor: TlsAcceptor::from(server_config(&cfg.certificates)?),
        }))
    }

    /// The TLS handshake with a client, bounded by `timeout` so a client that stalls in it
    /// cannot hold a connection slot for ever.
    pub async fn accept(
        &self,
        stream: TcpStream,
        timeout: Duration,
    ) -> io::Result<TlsStream<TcpStream>> {
        match tokio::time::timeout(timeout, self.acceptor.accept(stream)).await {
            Ok(res) => res,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")),
        }
    }
}

fn server_config(certificates: &[CertificateConfig]) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = provider();
    let mut keys = Vec::with_capacity(certificates.len());
    for c in certificates {
        let key = certified_key(c, &provider).with_context(|| format!("certificate {}", c.id))?;
        keys.push((c.names.as_slice(), Arc::new(key)));
    }
    let Some(table) = SniTable::new(keys) else { bail!("tls: no certificate") };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("tls: protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniResolver(table)));
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// ring, named rather than taken from the process default: nothing else in the agent installs
/// one, and a default picked by crate features could change under a dependency update.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// The chain and key of one certificate, the key checked against the leaf.
fn certified_key(c: &CertificateConfig, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_slice_iter(c.chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("chain_pem: {e}"))?;
    if chain.is_empty() {
        bail!("chain_pem: no PEM certificate");
    }
    let key = PrivateKeyDer::from_pem_slice(c.key_pem.as_bytes()).map_err(|e| match e {
        pem::Error::NoItemsFound => anyhow!("key_pem: no PEM private key (PKCS#8, PKCS#1, SEC1)"),
        // The other PEM errors quote the offending line or bytes: for a key, secret.
        _ => anyhow!("key_pem: malformed PEM"),
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            anyhow!("key_pem does not match the certificate's public key")
        }
        e => anyhow!("load certificate and key: {e}"),
    })
}

/// Values (certificates) by the names they serve.
struct SniTable<T> {
    exact: HashMap<Box<str>, T>,
    /// By the suffix after `*.`.
    wildcard: HashMap<Box<str>, T>,
    default: T,
}

impl<T: Clone> SniTable<T> {
    /// `None` when `entries` is empty. A name claimed twice goes to the first entry claiming it.
    fn new<'a>(entries: impl IntoIterator<Item = (&'a [String], T)>) -> Option<SniTable<T>> {
        let mut table: Option<SniTable<T>> = None;
        for (names, value) in entries {
            let t = table.get_or_insert_with(|| SniTable {
                exact: HashMap::new(),
                wildcard: HashMap::new(),
                default: value.clone(),
            });
            for name in names {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let (map, key) = match name.strip_prefix("*.") {
                    Some(suffix) => (&mut t.wildcard, suffix),
                    None => (&mut t.exact, name.as_str()),
                };
                map.entry(key.into()).or_insert_with(|| value.clone());
            }
        }
        table
    }

    fn lookup(&self, sni: Option<&str>) -> &T {
        let Some(name) = sni else { return &self.default };
        // rustls lower-cases SNI already; this keeps the table correct without relying on it.
        let lower;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = name.to_ascii_lowercase();
            lower.as_str()
        } else {
            name
        };
        let name = name.trim_end_matches('.');
        if let Some(v) = self.exact.get(name) {
            return v;
        }
        name.split_once('.')
            .and_then(|(_, parent)| self.wildcard.get(parent))
            .unwrap_or(&self.default)
    }
}

struct SniResolver(SniTable<Arc<CertifiedKey>>);

impl std::fmt::Debug for SniResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: a key's Debug is up to its signer's implementation.
        f.debug_struct("SniResolver")
            .field("exact", &self.0.exact.keys().collect::<Vec<_>>())
            .field("wildcard", &self.0.wildcard.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.lookup(hello.server_name()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sni_picks_exact_then_one_label_wildcard_then_the_first() {
        let (a, b, c) =
            (names(&["a.test", "www.a.test"]), names(&["*.b.test"]), names(&["*.test"]));
        let t =
            SniTable::new([(a.as_slice(), 'a'), (b.as_slice(), 'b'), (c.as_slice(), 'c')]).unwrap();
        assert_eq!(*t.lookup(Some("a.test")), 'a');
        assert_eq!(*t.lookup(Some("WWW.A.Test")), 'a');
        assert_eq!(*t.lookup(Some("x.b.test")), 'b');
        // One label only: neither the bare suffix nor two labels deep.
        assert_eq!(*t.lookup(Some("b.test")), 'c', "*.test covers b.test");
        assert_eq!(*t.lookup(Some("y.x.b.test")), 'a');
        assert_eq!(*t.lookup(Some("other.example")), 'a');
        assert_eq!(*t.lookup(None), 'a');
        // Exact beats wildcard; the first certificate claiming a name keeps it.
        let (d, e) = (names(&["*.d.test"]), names(&["x.d.test", "*.d.test"]));
        let t = SniTable::new([(d.as_slice(), 1), (e.as_slice(), 2)]).unwrap();
        assert_eq!((*t.lookup(Some("x.d.test")), *t.lookup(Some("y.d.test"))), (2, 1));
        assert!(SniTable::<u8>::new([]).is_none());
    }

    fn cert(chain_pem: &str, key_pem: &str) -> TlsConfig {
        TlsConfig {
            certificates: vec![CertificateConfig {
                id: "c1".into(),
                names: names(&["a.test"]),
                chain_pem: chain_pem.into(),
                key_pem: key_pem.into(),
            }],
        }
    }

    #[test]
    fn bad_pem_is_refused_without_quoting_the_key() {
        let secret =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw!!\n-----END PRIVATE KEY-----\n";
        let e = Terminator::new(&cert("not a pem", secret), None).err().unwrap();
        assert!(format!("{e:#}").contains("certificate c1: chain_pem"), "{e:#}");
        let fake_cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = Terminator::new(&cert(fake_cert, secret), None).err().unwrap();
        let msg = format!("{e:#}");
        assert!(msg.contains("key_pem"), "{msg}");
        assert!(!msg.contains("c2VjcmV0"), "the key leaked into {msg}");
        let e = Terminator::new(&cert(fake_cert, ""), None).err().unwrap();
        assert!(format!("{e:#}").contains("no PEM private key"), "{e:#}");
        let e = Terminator::new(&TlsConfig { certificates: vec![] }, None).err().unwrap();
        assert!(format!("{e:#}").contains("no certificate"), "{e:#}");
    }
}
