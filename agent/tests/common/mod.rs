//! Test fixtures: real backends on 127.0.0.1 (hyper HTTP servers and TCP servers that answer with
//! their identity), an in-process agent, a pooled HTTP client and `wait_for`.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use lbaas_agent::{Agent, HealthPolicy, Options, Tunables};
use lbaas_proto::{AgentConfig, Algorithm, ListenerConfig, MemberConfig, Protocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// A backend server; dropping it (or `kill`) closes its listener *and* every open connection,
/// as a crashed process would.
pub struct Backend {
    pub id: String,
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicU64>,
    /// HTTP requests answered (HTTP backends).
    pub requests: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Backend {
    /// Answers `<id>` with headers echoing what it saw: `x-seen-host`, `x-seen-xff`,
    /// `x-seen-xfp`, `x-seen-hop` (whether the hop-by-hop `x-hop` arrived). `/slow` answers after
    /// 10 s, `/fail` with a 500. Caching tests steer the answer with request headers:
    /// `x-reply-cache-control` and `x-reply-vary` become the response's `cache-control` and
    /// `vary`, and `x-seen-lang` echoes `accept-language`.
    pub async fn http(id: &str) -> Backend {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicU64::new(0));
        let (id2, acc, reqs) = (id.to_owned(), accepted.clone(), requests.clone());
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let (s, _) = l.accept().await.unwrap();
                acc.fetch_add(1, Relaxed);
                let (id, reqs) = (id2.clone(), reqs.clone());
                conns.spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let id = id.clone();
                            reqs.fetch_add(1, Relaxed);
                            async move { Ok::<_, Infallible>(answer(&id, req).await) }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(s), svc)
                        .with_upgrades()
                        .await;
                });
                while conns.try_join_next().is_some() {}
            }
        });
        Backend { id: id.to_owned(), addr, accepted, requests, task }
    }

    /// Reads until the client half-closes, then writes `<id>:<bytes read>` and closes.
    pub async fn tcp(id: &str) -> Backend {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let (id2, acc) = (id.to_owned(), accepted.clone());
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                acc.fetch_add(1, Relaxed);
                let id = id2.clone();
                conns.spawn(async move {
                    let mut buf = Vec::new();
                    if s.read_to_end(&mut buf).await.is_ok() {
                        let _ = s.write_all(format!("{id}:{}", buf.len()).as_bytes()).await;
                        let _ = s.shutdown().await;
                    }
                });
                while conns.try_join_next().is_some() {}
            }
        });
        Backend { id: id.to_owned(), addr, accepted, requests: Default::default(), task }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Relaxed)
    }

    pub fn member(&self) -> MemberConfig {
        MemberConfig {
            id: self.id.clone(),
            address: self.addr.ip(),
            port: self.addr.port(),
            weight: 1,
            up: true,
        }
    }

    pub fn kill(&self) {
        self.task.abort();
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(id: &str, mut req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    if req.uri().path() == "/upgrade" && req.headers().contains_key("upgrade") {
        // An echo protocol after a 101, standing in for WebSocket.
        let on = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            let mut io = TokioIo::new(on.await.unwrap());
            let mut buf = [0u8; 64];
            while let Ok(n) = io.read(&mut buf).await {
                if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        return Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("connection", "upgrade")
            .header("upgrade", "echo")
            .body(Full::default())
            .unwrap();
    }
    let h = req.headers();
    let seen = |n: &str| h.get(n).map(|v| v.to_str().unwrap_or("?").to_owned()).unwrap_or_default();
    let mut r = Response::builder()
        .header("x-seen-host", seen("host"))
        .header("x-seen-xff", seen("x-forwarded-for"))
        .header("x-seen-xfp", seen("x-forwarded-proto"))
        .header("x-seen-hop", if h.contains_key("x-hop") { "yes" } else { "no" })
        .header("x-seen-lang", seen("accept-language"));
    if let Some(v) = h.get("x-reply-cache-control") {
        r = r.header("cache-control", v);
    }
    if let Some(v) = h.get("x-reply-vary") {
        r = r.header("vary", v);
    }
    match req.uri().path() {
        "/slow" => tokio::time::sleep(Duration::from_secs(10)).await,
        "/fail" => r = r.status(StatusCode::INTERNAL_SERVER_ERROR),
        _ => {}
    }
    r.body(Full::new(Bytes::from(id.to_owned()))).unwrap()
}

/// A dead member: an address nothing listens on (a port we bound and released).
pub fn dead_member(id: &str) -> MemberConfig {
    let port = free_port();
    MemberConfig { id: id.into(), address: "127.0.0.1".parse().unwrap(), port, weight: 1, up: true }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn listener(
    protocol: Protocol,
    port: u16,
    algorithm: Algorithm,
    members: Vec<MemberConfig>,
) -> AgentConfig {
    AgentConfig {
        listeners: vec![ListenerConfig {
            name: "web".into(),
            protocol,
            port,
            algorithm,
            members,
            cache: false,
            tls: None,
            redirect_https_port: None,
            pools: vec![],
            policies: vec![],
        }],
        network: None,
    }
}

/// Test tunables: short timeouts, and an ejection long enough to outlast a test.
pub fn options() -> Options {
    let mut o = Options::new("test-node");
    o.listen = "127.0.0.1".parse().unwrap();
    o.tunables = Tunables {
        // Generous for a loaded CI machine running debug builds: a healthy member must never
        // look slow. `/slow` answers after 10 s, far beyond the response timeout.
        connect_timeout: Duration::from_secs(2),
        response_timeout: Duration::from_secs(2),
        heartbeat_interval: Duration::from_millis(200),
        health: HealthPolicy {
            failures_to_eject: 3,
            base_ejection: Duration::from_secs(30),
            max_ejection: Duration::from_secs(60),
        },
        ..Tunables::default()
    };
    o
}

pub async fn start_agent(cfg: &AgentConfig) -> Arc<Agent> {
    start_agent_with(&options(), cfg).await
}

pub async fn start_agent_with(opts: &Options, cfg: &AgentConfig) -> Arc<Agent> {
    let agent = Agent::new(opts);
    match agent.apply(1, cfg).await {
        lbaas_proto::FromAgent::Ack { generation: 1, error: None } => agent,
        other => panic!("apply failed: {other:?}"),
    }
}

pub type HttpClient = Client<HttpConnector, Empty<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub struct Reply {
    pub status: StatusCode,
    pub member: String,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

pub async fn get(c: &HttpClient, port: u16, path: &str) -> anyhow::Result<Reply> {
    get_with(c, port, path, &[]).await
}

/// A GET with extra request headers.
pub async fn get_with(
    c: &HttpClient,
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<Reply> {
    let mut req = Request::get(format!("http://127.0.0.1:{port}{path}"))
        .header("host", "web.demo.acme.lbaas.test");
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let req = req.body(Empty::new())?;
    let resp = tokio::time::timeout(Duration::from_secs(5), c.request(req)).await??;
    let status = resp.status();
    let headers = resp.headers().clone();
    let member =
        headers.get("x-lbaas-member").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = String::from_utf8(resp.into_body().collect().await?.to_bytes().to_vec())?;
    Ok(Reply { status, member, headers, body })
}

/// Polls `cond` every `interval` until it holds or `deadline` passes.
pub async fn wait_for<F, Fut>(interval: Duration, deadline: Duration, mut cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if cond().await {
            return true;
        }
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(interval).await;
    }
}

/// Concurrent GET load until stopped; counts successes (2xx) and failures, and which member
/// served the most recent responses.
pub struct Load {
    pub ok: Arc<AtomicU64>,
    pub failed: Arc<AtomicU64>,
    pub served: Arc<std::sync::Mutex<Vec<String>>>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Load {
    pub fn start(port: u16, concurrency: usize) -> Load {
        let ok = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let served = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = tokio::sync::watch::Sender::new(false);
        let mut tasks = JoinSet::new();
        for _ in 0..concurrency {
            let (ok, failed, served, stop) =
                (ok.clone(), failed.clone(), served.clone(), stop.subscribe());
            tasks.spawn(async move {
                let c = client();
                while !*stop.borrow() {
                    match get(&c, port, "/").await {
                        Ok(r) if r.status.is_success() => {
                            ok.fetch_add(1, Relaxed);
                            served.lock().unwrap().push(r.member);
                        }
                        Ok(r) => {
                            eprintln!("load: status {} body {:?}", r.status, r.body);
                            failed.fetch_add(1, Relaxed);
                        }
                        Err(e) => {
                            eprintln!("load: error {e:#}");
                            failed.fetch_add(1, Relaxed);
                        }
                    }
                }
            });
        }
        Load { ok, failed, served, stop, tasks }
    }

    pub fn ok(&self) -> u64 {
        self.ok.load(Relaxed)
    }

    pub fn failed(&self) -> u64 {
        self.failed.load(Relaxed)
    }

    /// Waits until `n` more requests succeeded than now (bounded by 10 s).
    pub async fn advance(&self, n: u64) {
        let target = self.ok() + n;
        assert!(
            wait_for(Duration::from_millis(5), Duration::from_secs(10), || async {
                self.ok() >= target
            })
            .await,
            "load stalled at {} ok / {} failed",
            self.ok(),
            self.failed()
        );
    }

    pub async fn stop(mut self) -> (u64, u64) {
        self.stop.send_replace(true);
        while self.tasks.join_next().await.is_some() {}
        (self.ok(), self.failed())
    }
}
