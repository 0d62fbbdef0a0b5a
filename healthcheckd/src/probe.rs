//! Probes, behind the [`Prober`] trait: TCP connect and HTTP GET, run from inside a network
//! namespace (members from their project's, nodes from the public one: ARCHITECTURE §7; never from
//! the root namespace, which has no route to either).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use socket2::{Domain, Socket, Type};

pub const NETNS_DIR: &str = "/run/netns";

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Tcp {
        addr: SocketAddr,
    },
    /// Healthy: a 2xx or 3xx answer to `GET path`.
    Http {
        addr: SocketAddr,
        path: String,
    },
    /// As `Http`, over TLS. The member's certificate is not verified (members are addressed by
    /// IP and commonly hold self-signed certificates; Octavia's HTTPS monitor does the same):
    /// the probe asks whether the service answers, not whom to trust.
    Https {
        addr: SocketAddr,
        path: String,
    },
}

impl Check {
    pub fn addr(&self) -> SocketAddr {
        match self {
            Check::Tcp { addr } | Check::Http { addr, .. } | Check::Https { addr, .. } => *addr,
        }
    }
}

/// Why a probe gave no result at all (as opposed to a failed one): the namespace to probe
/// from does not exist yet. Not an observation of the target.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok,
    Failed(String),
    Skipped(String),
}

pub trait Prober: Send + Sync + 'static {
    fn probe(
        &self,
        ns: &str,
        check: Check,
        timeout: Duration,
    ) -> impl Future<Output = Outcome> + Send;

    /// Releases what is held for namespaces not in `keep` (projects gone).
    fn retain(&self, _keep: &HashSet<String>) {}
}

/// The real prober. A socket keeps the namespace it was made in, so one thread per namespace
/// enters it once and then only makes sockets on request; connecting and talking happen on the
/// ordinary runtime. (One thread per project: fine for hundreds of projects; thousands would
/// want a pool of namespace-hopping threads instead.)
#[derive(Clone, Default)]
pub struct NetnsProber {
    factories: Arc<Mutex<HashMap<String, Factory>>>,
}

struct Factory {
    /// The namespace file's inode when the thread entered it: a namespace deleted and made
    /// again under the same name is a new one, and the old thread would probe a dead network.
    ino: u64,
    tx: mpsc::Sender<(Domain, tokio::sync::oneshot::Sender<io::Result<Socket>>)>,
}

impl NetnsProber {
    fn socket(
        &self,
        ns: &str,
        domain: Domain,
    ) -> Result<tokio::sync::oneshot::Receiver<io::Result<Socket>>, Outcome> {
        let path = Path::new(NETNS_DIR).join(ns);
        let ino = std::fs::metadata(&path)
            .map_err(|_| Outcome::Skipped(format!("namespace {ns} does not exist yet")))?
            .ino();
        let mut f = self.factories.lock().unwrap();
        let stale = f.get(ns).is_none_or(|x| x.ino != ino);
        if stale {
            let file = std::fs::File::open(&path)
                .map_err(|e| Outcome::Skipped(format!("open namespace {ns}: {e}")))?;
            let (tx, rx) =
                mpsc::channel::<(Domain, tokio::sync::oneshot::Sender<io::Result<Socket>>)>();
            std::thread::Builder::new()
                .name(format!("netns-{ns}"))
                .spawn(move || {
                    let entered = nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET);
                    while let Ok((domain, reply)) = rx.recv() {
                        let r = match entered {
                            Ok(()) => Socket::new(domain, Type::STREAM, None)
                                .and_then(|s| s.set_nonblocking(true).map(|()| s)),
                            Err(e) => Err(io::Error::other(format!("enter namespace: {e}"))),
                        };
                        let _ = reply.send(r);
                    }
                })
                .map_err(|e| Outcome::Failed(format!("spawn namespace thread: {e}")))?;
            f.insert(ns.to_string(), Factory { ino, tx });
        }
        let (reply, rx) = tokio::sync::oneshot::channel();
        f[ns]
            .tx
            .send((domain, reply))
            .map_err(|_| Outcome::Failed("namespace thread gone".into()))?;
        Ok(rx)
    }
}

impl Prober for NetnsProber {
    /// A dropped factory closes its channel, and its thread ends.
    fn retain(&self, keep: &HashSet<String>) {
        self.factories.lock().unwrap().retain(|ns, _| keep.contains(ns));
    }

    async fn probe(&self, ns: &str, check: Check, timeout: Duration) -> Outcome {
        let addr = check.addr();
        let rx = match self.socket(ns, Domain::for_address(addr)) {
            Ok(rx) => rx,
            Err(o) => return o,
        };
        let run = async {
            let socket = rx
                .await
                .map_err(|_| "namespace thread gone".to_string())?
                .map_err(|e| format!("socket: {e}"))?;
            let socket = tokio::net::TcpSocket::from_std_stream(std::net::TcpStream::from(socket));
            let stream = socket.connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
            match check {
                Check::Tcp { .. } => Ok(()),
                Check::Http { path, .. } => http_get(stream, addr, &path).await,
                Check::Https { path, .. } => {
                    let name = rustls_pki_types::ServerName::IpAddress(addr.ip().into());
                    let tls = tokio_rustls::TlsConnector::from(tls_client())
                        .connect(name, stream)
                        .await
                        .map_err(|e| format!("TLS handshake with {addr}: {e}"))?;
                    http_get(tls, addr, &path).await
                }
            }
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(Ok(())) => Outcome::Ok,
            Ok(Err(e)) => Outcome::Failed(e),
            Err(_) => {
                Outcome::Failed(format!("no answer from {addr} within {}s", timeout.as_secs_f32()))
            }
        }
    }
}

/// The HTTPS probes' client config, built once.
fn tls_client() -> Arc<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .expect("ring supports the default versions")
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Accepts any certificate, but still checks the handshake's signatures (so the probe speaks
/// real TLS to a real key holder). See [`Check::Https`] for why.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn http_get<S>(stream: S, addr: SocketAddr, path: &str) -> Result<(), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(io)
        .await
        .map_err(|e| format!("http handshake: {e}"))?;
    tokio::spawn(conn);
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::USER_AGENT, "lbaas-healthcheckd")
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::new())
        .map_err(|e| format!("bad probe path {path:?}: {e}"))?;
    let resp = sender.send_request(req).await.map_err(|e| format!("GET {path}: {e}"))?;
    let code = resp.status().as_u16();
    if (200..400).contains(&code) {
        Ok(())
    } else {
        Err(format!("GET {path} answered {code}"))
    }
}

/// For tests: results decided by address, recorded calls.
#[derive(Clone, Default)]
pub struct FakeProber {
    pub down: Arc<Mutex<std::collections::HashSet<SocketAddr>>>,
    pub calls: Arc<Mutex<Vec<(String, Check)>>>,
}

impl Prober for FakeProber {
    async fn probe(&self, ns: &str, check: Check, _timeout: Duration) -> Outcome {
        self.calls.lock().unwrap().push((ns.to_string(), check.clone()));
        let addr = check.addr();
        if self.down.lock().unwrap().contains(&addr) {
            Outcome::Failed(format!("{addr} is down (fake)"))
        } else {
            Outcome::Ok
        }
    }
}
