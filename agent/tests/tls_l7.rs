//! HTTPS termination and L7 policies on 127.0.0.1 with real backends: certificates by SNI (exact,
//! wildcard, default), ALPN, `X-Forwarded-Proto: https` over h1 and h2, certificate swaps that
//! keep open connections, bad keys refused; host/path/header/cookie rules, invert, redirects,
//! rejections, the HTTP → HTTPS redirect, and L7 pools' members in the heartbeat. Certificates
//! are made at test time with the `openssl` CLI (a CA and leaves signed by it).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use lbaas_proto::{
    ActionConfig, AgentConfig, Algorithm, CertificateConfig, Compare, FromAgent, ListenerConfig,
    MemberConfig, PolicyConfig, PoolConfig, Protocol, RuleConfig, RuleKind, TlsConfig,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, HandshakeKind, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

// ---- A throwaway PKI ----------------------------------------------------------------------------

/// A CA in a temporary directory (removed on drop), and the leaves it signs.
struct Pki {
    dir: PathBuf,
    ca_pem: String,
}

/// How a leaf's key is encoded, to cover what the agent must load.
#[derive(Clone, Copy)]
enum Key {
    Pkcs8Ec,
    Sec1Ec,
    Pkcs1Rsa,
}

struct Leaf {
    /// The leaf, then the CA.
    chain_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

impl Leaf {
    fn certificate(&self, id: &str, names: &[&str]) -> CertificateConfig {
        CertificateConfig {
            id: id.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            chain_pem: self.chain_pem.clone(),
            key_pem: self.key_pem.clone(),
        }
    }
}

impl Pki {
    fn new() -> Pki {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lbaas-agent-tls-{}-{}",
            std::process::id(),
            N.fetch_add(1, Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut pki = Pki { dir, ca_pem: String::new() };
        pki.openssl(
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
             -out ca.pem -days 2 -subj /CN=lbaas-test-ca \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
        );
        pki.ca_pem = pki.read("ca.pem");
        pki
    }

    /// A leaf for `sans` (DNS names), signed by the CA; its files are `<file>.*`.
    fn leaf(&self, file: &str, key: Key, sans: &[&str]) -> Leaf {
        self.openssl(&match key {
            Key::Pkcs8Ec => {
                format!("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {file}.key")
            }
            Key::Sec1Ec => format!("ecparam -name prime256v1 -genkey -noout -out {file}.key"),
            Key::Pkcs1Rsa => format!("genrsa -traditional -out {file}.key 2048"),
        });
        let sans = sans.iter().map(|n| format!("DNS:{n}")).collect::<Vec<_>>().join(",");
        let ext = format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\nsubjectAltName={sans}\n"
        );
        std::fs::write(self.dir.join(format!("{file}.ext")), ext).unwrap();
        self.openssl(&format!("req -new -key {file}.key -subj /CN={file} -out {file}.csr"));
        self.openssl(&format!(
            "x509 -req -in {file}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -out {file}.pem -extfile {file}.ext"
        ));
        let leaf_pem = self.read(&format!("{file}.pem"));
        let key_pem = self.read(&format!("{file}.key"));
        let marker = match key {
            Key::Pkcs8Ec => "BEGIN PRIVATE KEY",
            Key::Sec1Ec => "BEGIN EC PRIVATE KEY",
            Key::Pkcs1Rsa => "BEGIN RSA PRIVATE KEY",
        };
        let first_line = key_pem.lines().next();
        assert!(key_pem.contains(marker), "openssl wrote another key format: {first_line:?}");
        let der = CertificateDer::from_pem_slice(leaf_pem.as_bytes()).unwrap().to_vec();
        Leaf { chain_pem: format!("{leaf_pem}{}", self.ca_pem), key_pem, der }
    }

    /// Runs `openssl` with `cmd`'s words as arguments, in the PKI's directory.
    fn openssl(&self, cmd: &str) {
        let out = Command::new("openssl")
            .args(cmd.split_whitespace())
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {cmd}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap()
    }

    /// A client trusting the CA, offering `alpn`.
    fn client(&self, alpn: &[&[u8]]) -> ClientConfig {
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut c = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        c.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        c
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- Clients ------------------------------------------------------------------------------------

/// A TLS connection to the agent for `name` (sent as SNI unless the config turns SNI off).
async fn tls(port: u16, config: &Arc<ClientConfig>, name: &str) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = ServerName::try_from(name.to_owned()).unwrap();
    let connect = TlsConnector::from(config.clone()).connect(name, tcp);
    tokio::time::timeout(Duration::from_secs(5), connect).await.unwrap().unwrap()
}

fn peer_cert(s: &TlsStream<TcpStream>) -> Vec<u8> {
    s.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

fn alpn(s: &TlsStream<TcpStream>) -> Option<String> {
    s.get_ref().1.alpn_protocol().map(|p| String::from_utf8(p.to_vec()).unwrap())
}

async fn reply(resp: hyper::Response<hyper::body::Incoming>) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let member =
        headers.get("x-lbaas-member").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec());
    Reply { status, member, headers, body: body.unwrap() }
}

type H1 = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn h1(stream: TlsStream<TcpStream>) -> H1 {
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    send
}

async fn h1_get(send: &mut H1, host: &str, path: &str) -> Reply {
    send.ready().await.unwrap();
    let req = Request::get(path).header("host", host).body(Empty::new()).unwrap();
    reply(send.send_request(req).await.unwrap()).await
}

/// A GET with extra headers over a fresh HTTP/1.1 connection (the agent's HTTP listener).
async fn get_as(port: u16, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    get_req(port, host, "GET", path, headers).await
}

async fn get_req(port: u16, host: &str, method: &str, path: &str, h: &[(&str, &str)]) -> Reply {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri(path).header("host", host);
    for (n, v) in h {
        req = req.header(*n, *v);
    }
    let req = req.body(Empty::<Bytes>::new()).unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(5), send.send_request(req)).await;
    reply(resp.unwrap().unwrap()).await
}

// ---- Configs ------------------------------------------------------------------------------------

fn https(
    port: u16,
    members: Vec<MemberConfig>,
    certificates: Vec<CertificateConfig>,
) -> AgentConfig {
    let mut cfg = listener(Protocol::Https, port, Algorithm::RoundRobin, members);
    cfg.listeners[0].tls = Some(TlsConfig { certificates });
    cfg
}

fn ack_ok(ack: FromAgent, generation: u64) {
    match ack {
        FromAgent::Ack { generation: g, error: None } if g == generation => {}
        other => panic!("expected a clean ack of {generation}, got {other:?}"),
    }
}

// ---- HTTPS --------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_serves_the_certificate_sni_asks_for_and_negotiates_alpn() {
    let pki = Pki::new();
    // A's certificate also names `unknown.test`, which its config does not: a client asking for
    // it gets the default (A) through the fallback, and can still verify it.
    let a = pki.leaf("a", Key::Pkcs8Ec, &["a.test", "unknown.test"]);
    let b = pki.leaf("b", Key::Sec1Ec, &["b.test", "*.b.test"]);
    let backend = Backend::http("m").await;
    let port = free_port();
    let _agent = start_agent(&https(
        port,
        vec![backend.member()],
        vec![a.certificate("a", &["a.test"]), b.certificate("b", &["b.test", "*.b.test"])],
    ))
    .await;

    let both = Arc::new(pki.client(&[b"h2", b"http/1.1"]));
    for (name, want) in
        [("a.test", &a.der), ("b.test", &b.der), ("x.b.test", &b.der), ("unknown.test", &a.der)]
    {
        let s = tls(port, &both, name).await;
        assert!(peer_cert(&s) == *want, "SNI {name} got the wrong certificate");
        assert_eq!(alpn(&s).as_deref(), Some("h2"), "SNI {name}");
    }
    let mut no_sni = pki.client(&[b"http/1.1"]);
    no_sni.enable_sni = false;
    let s = tls(port, &Arc::new(no_sni), "a.test").await;
    assert!(peer_cert(&s) == a.der, "no SNI: the first certificate");
    assert_eq!(alpn(&s).as_deref(), Some("http/1.1"));
    // TLS 1.2 still works (ECDHE-ECDSA with the SEC1 key).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap()).unwrap();
    let tls12 = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let s = tls(port, &Arc::new(tls12), "b.test").await;
    assert_eq!(s.get_ref().1.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_2));
    let r = h1_get(&mut h1(s).await, "b.test", "/").await;
    assert_eq!((r.status, r.member.as_str()), (StatusCode::OK, "m"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxies_h1_and_h2_with_forwarded_proto_https() {
    let pki = Pki::new();
    let a = pki.leaf("a", Key::Pkcs8Ec, &["a.test"]);
    let backend = Backend::http("m").await;
    let port = free_port();
    let _agent =
        start_agent(&https(port, vec![backend.member()], vec![a.certificate("a", &["a.test"])]))
            .await;

    let s = tls(port, &Arc::new(pki.client(&[b"http/1.1"])), "a.test").await;
    let mut send = h1(s).await;
    for _ in 0..3 {
        let r = h1_get(&mut send, "a.test", "/").await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "m"));
        assert_eq!(r.headers["x-seen-xfp"], "https");
        assert_eq!(r.headers["x-seen-host"], "a.test");
        assert_eq!(r.headers["x-seen-xff"], "127.0.0.1");
    }

    let s = tls(port, &Arc::new(pki.client(&[b"h2"])), "a.test").await;
    assert_eq!(alpn(&s).as_deref(), Some("h2"));
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(s)).await.unwrap();
    tokio::spawn(conn);
    let req = Request::get("https://a.test/").body(Empty::<Bytes>::new()).unwrap();
    let r = reply(send.send_request(req).await.unwrap()).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "m"));
    assert_eq!(r.headers["x-seen-xfp"], "https");
    assert_eq!(r.headers["x-seen-host"], "a.test", "the h2 authority becomes Host");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_changes_keep_open_connections_and_bad_keys_change_nothing() {
    let pki = Pki::new();
    let a = pki.leaf("a", Key::Pkcs8Ec, &["a.test"]);
    let a2 = pki.leaf("a2", Key::Pkcs1Rsa, &["a.test"]);
    let b = pki.leaf("b", Key::Sec1Ec, &["b.test"]);
    let (m1, m2) = (Backend::http("m1").await, Backend::http("m2").await);
    let port = free_port();
    let mut cfg = https(port, vec![m1.member()], vec![a.certificate("a", &["a.test"])]);
    let agent = start_agent(&cfg).await;
    let client = Arc::new(pki.client(&[b"http/1.1"]));

    let first = tls(port, &client, "a.test").await;
    assert!(peer_cert(&first) == a.der);
    assert_eq!(first.get_ref().1.handshake_kind(), Some(HandshakeKind::Full));
    let mut old = h1(first).await;
    assert_eq!(h1_get(&mut old, "a.test", "/").await.body, "m1");

    // Members change, certificates do not: the TLS session cache survives, so a client resumes.
    cfg.listeners[0].members = vec![m2.member()];
    ack_ok(agent.apply(2, &cfg).await, 2);
    let s = tls(port, &client, "a.test").await;
    assert_eq!(s.get_ref().1.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(h1_get(&mut h1(s).await, "a.test", "/").await.body, "m2");

    // New certificate: the open connection keeps its session and serves (with the new route);
    // a new connection gets the new certificate in a full handshake.
    cfg.listeners[0].tls =
        Some(TlsConfig { certificates: vec![a2.certificate("a2", &["a.test"])] });
    ack_ok(agent.apply(3, &cfg).await, 3);
    let r = h1_get(&mut old, "a.test", "/").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "m2"));
    let s = tls(port, &client, "a.test").await;
    assert!(peer_cert(&s) == a2.der, "a new connection sees the new certificate");
    assert_eq!(s.get_ref().1.handshake_kind(), Some(HandshakeKind::Full));

    // A key that is not the certificate's, a key that is not PEM, an HTTPS listener without
    // certificates: refused with the reason, and the config in force keeps serving.
    let mut mismatched = a2.certificate("a2", &["a.test"]);
    mismatched.key_pem = b.key_pem.clone();
    let mut garbage = a2.certificate("a2", &["a.test"]);
    garbage.key_pem =
        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n".into();
    let mut bad = cfg.clone();
    for (generation, certs, want) in [
        (4, Some(vec![mismatched]), "certificate a2: key_pem does not match"),
        (5, Some(vec![garbage]), "certificate a2: key_pem: malformed PEM"),
        (6, None, "needs tls certificates"),
    ] {
        bad.listeners[0].tls = certs.map(|certificates| TlsConfig { certificates });
        bad.listeners[0].members = vec![m1.member()];
        match agent.apply(generation, &bad).await {
            FromAgent::Ack { generation: g, error: Some(e) } if g == generation => {
                assert!(e.contains("listener web") && e.contains(want), "{e}");
                assert!(!e.contains(&b.key_pem[40..80]), "the key leaked into {e}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(agent.generation().await, 3);
    let s = tls(port, &client, "a.test").await;
    assert!(peer_cert(&s) == a2.der);
    assert_eq!(h1_get(&mut h1(s).await, "a.test", "/").await.body, "m2");
    assert_eq!(h1_get(&mut old, "a.test", "/").await.body, "m2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stalling_in_the_handshake_is_dropped_and_frees_its_slot() {
    let pki = Pki::new();
    let a = pki.leaf("a", Key::Pkcs8Ec, &["a.test"]);
    let m = Backend::http("m").await;
    let port = free_port();
    let mut opts = options();
    opts.tunables.tls_handshake_timeout = Duration::from_millis(300);
    opts.tunables.max_connections_per_listener = 1;
    let cfg = https(port, vec![m.member()], vec![a.certificate("a", &["a.test"])]);
    let _agent = start_agent_with(&opts, &cfg).await;
    // Connected, never says hello: holds the only slot until the timeout closes it.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0))), "{closed:?}");
    let s = tls(port, &Arc::new(pki.client(&[b"http/1.1"])), "a.test").await;
    assert_eq!(h1_get(&mut h1(s).await, "a.test", "/").await.body, "m");
}

// ---- L7 -----------------------------------------------------------------------------------------

fn rule(kind: RuleKind, compare: Compare, key: Option<&str>, value: &str) -> RuleConfig {
    RuleConfig { kind, compare, key: key.map(Into::into), value: value.into(), invert: false }
}

fn policy(id: &str, rules: Vec<RuleConfig>, action: ActionConfig) -> PolicyConfig {
    PolicyConfig { id: id.into(), rules, action }
}

fn to(pool: &str) -> ActionConfig {
    ActionConfig::Forward { pool: pool.into() }
}

fn pool(id: &str, members: Vec<MemberConfig>) -> PoolConfig {
    PoolConfig { id: id.into(), algorithm: Algorithm::RoundRobin, members }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l7_policies_forward_redirect_and_reject() {
    let (a, b, c, d) = (
        Backend::http("a").await,
        Backend::http("b").await,
        Backend::http("c").await,
        Backend::http("d").await,
    );
    let port = free_port();
    let mut not_inv = rule(RuleKind::HostName, Compare::EqualTo, None, "inv.test");
    not_inv.invert = true;
    use Compare::*;
    use RuleKind::*;
    let mut cfg = listener(Protocol::Http, port, Algorithm::RoundRobin, vec![a.member()]);
    let l: &mut ListenerConfig = &mut cfg.listeners[0];
    l.pools = vec![
        pool("pool-b", vec![b.member()]),
        pool("pool-c", vec![c.member()]),
        pool("pool-d", vec![d.member()]),
        pool("pool-dead", vec![dead_member("e")]),
    ];
    l.policies = vec![
        policy("host", vec![rule(HostName, EqualTo, None, "B.Test")], to("pool-b")),
        policy("path", vec![rule(Path, StartsWith, None, "/c/")], to("pool-c")),
        policy("header", vec![rule(Header, EqualTo, Some("x-env"), "canary")], to("pool-d")),
        policy("cookie", vec![rule(Cookie, EqualTo, Some("grp"), "beta")], to("pool-b")),
        policy(
            "admin-only-on-inv",
            vec![rule(Path, StartsWith, None, "/admin"), not_inv],
            ActionConfig::Reject { status: 403 },
        ),
        policy(
            "old",
            vec![rule(Path, StartsWith, None, "/old")],
            ActionConfig::RedirectPrefix { prefix: "https://new.test/".into(), status: 302 },
        ),
        policy(
            "moved",
            vec![rule(Path, EndsWith, None, ".php")],
            ActionConfig::RedirectUrl { url: "https://x.test/gone".into(), status: 307 },
        ),
        policy("dead", vec![rule(Path, Contains, None, "dead")], to("pool-dead")),
    ];
    let agent = start_agent(&cfg).await;
    let h = "web.test";

    assert_eq!(get_as(port, "b.test:8080", "/", &[]).await.member, "b", "host, port stripped");
    assert_eq!(get_as(port, "B.TEST", "/", &[]).await.member, "b", "host, any case");
    assert_eq!(get_as(port, h, "/c/x?y=1", &[]).await.member, "c");
    assert_eq!(get_as(port, h, "/cx", &[]).await.member, "a", "prefix /c/ only");
    assert_eq!(get_as(port, h, "/", &[("x-env", "canary")]).await.member, "d");
    assert_eq!(get_as(port, h, "/", &[("x-env", "prod")]).await.member, "a");
    let cookies = [("cookie", "session=1; grp=beta")];
    assert_eq!(get_as(port, h, "/", &cookies).await.member, "b");
    assert_eq!(get_as(port, h, "/", &[("cookie", "grp=alpha")]).await.member, "a");
    // Earlier policies win: a host match goes to b even on a /c/ path.
    assert_eq!(get_as(port, "b.test", "/c/x", &[]).await.member, "b");

    let r = get_as(port, h, "/admin/users", &[]).await;
    assert_eq!((r.status, r.member.as_str()), (StatusCode::FORBIDDEN, ""));
    assert_eq!(get_as(port, "inv.test", "/admin", &[]).await.member, "a", "inverted rule");
    let r = get_as(port, h, "/old/page?q=1", &[]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.headers["location"], "https://new.test/old/page?q=1");
    let r = get_as(port, h, "/index.php", &[]).await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers["location"], "https://x.test/gone");

    // L7 pools' members get passive health and are reported like default-pool members.
    for _ in 0..3 {
        assert_eq!(get_as(port, h, "/dead", &[]).await.status, StatusCode::BAD_GATEWAY);
    }
    let hb = agent.heartbeat().await;
    let stats = |id: &str| hb.members.iter().find(|m| m.id == id).cloned();
    assert!(stats("e").is_some_and(|e| e.ejected && e.errors == 3), "{hb:?}");
    assert_eq!(stats("b").map(|m| m.requests), Some(4), "{hb:?}");
    assert_eq!(stats("c").map(|m| m.requests), Some(1), "{hb:?}");
    assert_eq!(stats("d").map(|m| m.requests), Some(1), "{hb:?}");

    // A policy naming a pool the listener does not have: refused, the old config serves.
    let mut bad = cfg.clone();
    bad.listeners[0].policies.push(policy("x", vec![], to("nope")));
    match agent.apply(2, &bad).await {
        FromAgent::Ack { error: Some(e), .. } => {
            assert!(e.contains("policy x: forwards to pool nope"), "{e}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(get_as(port, "b.test", "/", &[]).await.member, "b");
    // Health state of an L7 pool's members survives a config change (by pool and member id).
    cfg.listeners[0].policies.remove(0);
    ack_ok(agent.apply(3, &cfg).await, 3);
    assert_eq!(get_as(port, "b.test", "/", &[]).await.member, "a");
    let hb = agent.heartbeat().await;
    assert!(hb.members.iter().any(|m| m.id == "e" && m.ejected), "{hb:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_listener_redirects_every_request_to_https() {
    let a = Backend::http("a").await;
    let port = free_port();
    let mut cfg = listener(Protocol::Http, port, Algorithm::RoundRobin, vec![a.member()]);
    cfg.listeners[0].redirect_https_port = Some(8443);
    let agent = start_agent(&cfg).await;

    let r = get_as(port, "web.test:8080", "/p/q?x=1&y=2", &[]).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers["location"], "https://web.test:8443/p/q?x=1&y=2");
    let r = get_req(port, "web.test", "POST", "/form", &[]).await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers["location"], "https://web.test:8443/form");
    let r = get_req(port, "web.test", "HEAD", "/", &[]).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(a.requests(), 0, "nothing reaches a member");

    // No Host (HTTP/1.0): nowhere to redirect to.
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await.unwrap().unwrap();
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.") && out.contains(" 400 "), "{out}");

    cfg.listeners[0].redirect_https_port = Some(443);
    ack_ok(agent.apply(2, &cfg).await, 2);
    let r = get_as(port, "web.test", "/p", &[]).await;
    assert_eq!(r.headers["location"], "https://web.test/p", "443 is left out");

    // Off again: proxied.
    cfg.listeners[0].redirect_https_port = None;
    ack_ok(agent.apply(3, &cfg).await, 3);
    assert_eq!(get_as(port, "web.test", "/", &[]).await.member, "a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_applies_policies_too() {
    let pki = Pki::new();
    let a = pki.leaf("a", Key::Pkcs8Ec, &["a.test", "b.test"]);
    let (m, b) = (Backend::http("m").await, Backend::http("b").await);
    let port = free_port();
    let mut cfg = https(port, vec![m.member()], vec![a.certificate("a", &["a.test", "b.test"])]);
    cfg.listeners[0].pools = vec![pool("pool-b", vec![b.member()])];
    cfg.listeners[0].policies = vec![policy(
        "host",
        vec![rule(RuleKind::HostName, Compare::EqualTo, None, "b.test")],
        to("pool-b"),
    )];
    let _agent = start_agent(&cfg).await;
    let client = Arc::new(pki.client(&[b"http/1.1"]));
    let mut send = h1(tls(port, &client, "b.test").await).await;
    let r = h1_get(&mut send, "b.test", "/").await;
    assert_eq!(r.member, "b");
    assert_eq!(r.headers["x-seen-xfp"], "https");
    assert_eq!(h1_get(&mut send, "a.test", "/").await.member, "m");
}
