//! `lbaas-agent`: the data plane inside each LB node VM.
//!
//! It owns the node's listening sockets and proxies (TCP, HTTP, and HTTPS with TLS terminated
//! here, see [`listener`] and [`tls`]), the L7 policies of HTTP(S) listeners ([`l7`]), the member
//! selection and passive health ([`balancer`]), the statistics reported upwards ([`stats`]), and
//! the controller channel ([`channel`]). The only state is in memory: the config in force and its
//! generation. The controller re-pushes the desired config whenever it (re)connects and sees a
//! stale generation in our `Hello`, so nothing needs to be persisted in the VM. Traffic never
//! depends on the channel: when it breaks the agent keeps serving the last config.

pub mod admin;
pub mod balancer;
mod body;
mod cache;
pub mod channel;
mod h1;
mod http;
mod l7;
mod listener;
mod netcfg;
mod route;
mod splice;
pub mod stats;
mod tcp;
mod tls;
mod upstream;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use lbaas_proto::{AgentConfig, FromAgent, Heartbeat};
use tokio::sync::{watch, Mutex};
use tracing::Instrument as _;

pub use balancer::HealthPolicy;
pub use cache::CacheStats;
pub use channel::ChannelSpec;

/// Timeouts and thresholds; the defaults are the product's, tests shorten them.
#[derive(Debug, Clone)]
pub struct Tunables {
    /// Connect to a member (TCP and HTTP).
    pub connect_timeout: Duration,
    /// From sending an HTTP request to the member's response headers; beyond it the client gets
    /// a 504.
    pub response_timeout: Duration,
    /// Idle keep-alive connections to members are closed after this.
    pub backend_idle_timeout: Duration,
    /// An HTTP/1 client connection that does not send a complete request head within this, after
    /// connecting or after its previous response (an idle keep-alive connection), is closed.
    pub client_idle_timeout: Duration,
    /// A TCP proxy session, or an upgraded (WebSocket) HTTP connection, in which no byte moved
    /// either way for this long is closed (checked once per period, so it closes between one
    /// and two periods of silence).
    pub tunnel_idle_timeout: Duration,
    /// Client connections open at once per listener (over all workers); beyond it the listener
    /// stops accepting and new clients wait in the kernel's backlog, as HAProxy's `maxconn`.
    pub max_connections_per_listener: usize,
    /// A TLS handshake not done within this is abandoned: a client that stalls in it must not
    /// hold a connection slot for ever.
    pub tls_handshake_timeout: Duration,
    /// Byte budget of the response caches, shared by the caching listeners (split evenly).
    pub cache_capacity_bytes: u64,
    pub heartbeat_interval: Duration,
    pub health: HealthPolicy,
    /// Plain HTTP/1.1 requests take the fast path (`h1.rs`); off, every HTTP connection is
    /// served by hyper (an operator's way out should a client trip over the fast path, and the
    /// tests' reference for what the fast path must answer alike).
    pub http1_fast_path: bool,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(30),
            backend_idle_timeout: Duration::from_secs(30),
            client_idle_timeout: Duration::from_secs(30),
            // AWS NLB's idle timeout: long enough for pooled database connections between
            // their keep-alives, short enough that abandoned sessions do not pile up.
            tunnel_idle_timeout: Duration::from_secs(350),
            max_connections_per_listener: 10_000,
            tls_handshake_timeout: Duration::from_secs(10),
            // The VM is small (hundreds of MB); a few listeners with a cache each must fit.
            cache_capacity_bytes: 32 << 20,
            // Twice the protocol's "at least once a second", so one late tick is not a gap.
            heartbeat_interval: Duration::from_millis(500),
            health: HealthPolicy::default(),
            http1_fast_path: true,
        }
    }
}

/// Everything `run` needs; `main` builds it from flags.
#[derive(Debug, Clone)]
pub struct Options {
    pub node: String,
    pub channel: Option<ChannelSpec>,
    /// A config file (an `AgentConfig` JSON) applied at start as generation 0.
    pub config: Option<PathBuf>,
    /// The address listeners bind (the VIP lives on the VM's NIC, so all addresses by default).
    pub listen: IpAddr,
    /// Threads serving traffic, organised as `runtime` says; each listener has one socket, and
    /// every accepted connection goes to the least loaded worker runtime.
    /// 0 = serve on the caller's runtime (tests, embedding).
    pub workers: usize,
    pub runtime: RuntimeKind,
    /// Where the local admin endpoint (JSON stats) listens; loopback only, off when `None`.
    pub admin_listen: Option<SocketAddr>,
    pub tunables: Tunables,
}

impl Options {
    pub fn new(node: impl Into<String>) -> Self {
        Options {
            node: node.into(),
            channel: None,
            config: None,
            listen: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            workers: 0,
            runtime: RuntimeKind::default(),
            admin_listen: None,
            tunables: Tunables::default(),
        }
    }
}

/// What every connection task needs, shared read-only (apart from atomics).
pub(crate) struct Shared {
    pub tunables: Tunables,
    pub node: stats::NodeStats,
    /// Never empty; listeners accept on every worker.
    pub workers: Vec<Worker>,
    pub server: auto::Builder<TokioExecutor>,
    /// Flips to true when a drain starts: HTTP connections finish their request and close.
    pub drain: watch::Sender<bool>,
}

/// Resolves once a drain has started (never, if the agent goes away first).
pub(crate) async fn drain_started(drain: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *drain.borrow_and_update() {
            return;
        }
        if drain.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// One event loop that serves traffic, and the pool of member connections that lives on it.
#[derive(Clone)]
pub(crate) struct Worker {
    pub handle: tokio::runtime::Handle,
    pub client: http::HttpClient,
    /// Client connections this worker serves (all listeners); accept loops hand each new
    /// connection to the least loaded worker.
    pub load: Arc<std::sync::atomic::AtomicUsize>,
}

/// How the traffic threads are organised. Measured on `bench/dataplane.sh` (2 shared cores),
/// 2 workers, medians of 5 alternating rounds against HAProxy: with the HTTP/1.1 fast path
/// (ARCHITECTURE §15) `PerThread` does 1.12-1.22x HAProxy's HTTP req/s with a p99 of 0.86-1.93x
/// HAProxy's, changing from run to run (4-46 ms in single rounds), `Shared` 1.04x with a p99 of
/// 0.32x (1.1-1.9 ms in every round). Before the fast path: 0.87-0.98x, p99 6-43 ms, and
/// 0.75-0.85x, p99 5.0-5.2 ms. An operator picks the proxy whose tail is flat: `Auto` is
/// `Shared` from two workers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuntimeKind {
    /// A single-threaded runtime per thread, each with its own member pool; a connection never
    /// changes thread (no cross-thread wake-ups), but when the scheduler preempts a thread all of
    /// its connections wait until it runs again.
    PerThread,
    /// One work-stealing runtime with `workers` threads and one member pool: when one thread is
    /// preempted the others take over its ready connections, so the tail stays flat; the
    /// cross-thread wake-ups cost some throughput.
    Shared,
    /// `PerThread` for one worker (nothing to steal from), `Shared` for more.
    #[default]
    Auto,
}

impl std::str::FromStr for RuntimeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "shared" => Ok(RuntimeKind::Shared),
            "per-thread" => Ok(RuntimeKind::PerThread),
            "auto" => Ok(RuntimeKind::Auto),
            _ => Err(format!("unknown runtime {s:?} (auto, shared, per-thread)")),
        }
    }
}

/// Starts `n` worker threads, or uses the caller's runtime when `n` is 0.
fn workers_start(n: usize, kind: RuntimeKind, tunables: &Tunables) -> Vec<Worker> {
    if n == 0 {
        let handle = tokio::runtime::Handle::current();
        return vec![Worker { handle, client: http::client(tunables), load: Default::default() }];
    }
    let kind = match kind {
        RuntimeKind::Auto if n >= 2 => RuntimeKind::Shared,
        RuntimeKind::Auto => RuntimeKind::PerThread,
        k => k,
    };
    if kind == RuntimeKind::Shared {
        let (tx, rx) = std::sync::mpsc::channel();
        let tunables = tunables.clone();
        std::thread::Builder::new()
            .name("lbaas-workers".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(n)
                    .thread_name("lbaas-worker")
                    .enable_all()
                    .build()
                    .expect("build worker runtime");
                rt.block_on(async move {
                    let worker = Worker {
                        handle: tokio::runtime::Handle::current(),
                        client: http::client(&tunables),
                        load: Default::default(),
                    };
                    let _ = tx.send(worker);
                    std::future::pending::<()>().await
                })
            })
            .expect("spawn worker runtime thread");
        return rx.iter().take(1).collect();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..n {
        let (tx, tunables) = (tx.clone(), tunables.clone());
        std::thread::Builder::new()
            .name(format!("lbaas-worker-{i}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build worker runtime");
                rt.block_on(async move {
                    let worker = Worker {
                        handle: tokio::runtime::Handle::current(),
                        client: http::client(&tunables),
                        load: Default::default(),
                    };
                    let _ = tx.send(worker);
                    // Serve whatever the listeners spawn here, for the life of the process.
                    std::future::pending::<()>().await
                })
            })
            .expect("spawn worker thread");
    }
    drop(tx);
    rx.iter().take(n).collect()
}

struct Applied {
    generation: u64,
    listeners: listener::ListenerSet,
    network: Option<lbaas_proto::NetworkConfig>,
}

/// The running data plane: listeners, the config generation in force, statistics.
pub struct Agent {
    node: String,
    listen: IpAddr,
    started: Instant,
    shared: Arc<Shared>,
    applied: Mutex<Applied>,
    rates: stats::RateMeter,
    /// The admin endpoint's own rate window, so its readers do not shorten the heartbeat's.
    admin_rates: stats::RateMeter,
}

impl Agent {
    /// Creates an agent with no listeners at generation 0. Needs a tokio runtime.
    pub fn new(opts: &Options) -> Arc<Agent> {
        let mut server = auto::Builder::new(TokioExecutor::new());
        server
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(opts.tunables.client_idle_timeout)
            .keep_alive(true);
        let shared = Arc::new(Shared {
            workers: workers_start(opts.workers, opts.runtime, &opts.tunables),
            tunables: opts.tunables.clone(),
            node: Default::default(),
            server,
            drain: watch::Sender::new(false),
        });
        Arc::new(Agent {
            node: opts.node.clone(),
            listen: opts.listen,
            started: Instant::now(),
            shared,
            applied: Mutex::new(Applied {
                generation: 0,
                listeners: Default::default(),
                network: None,
            }),
            rates: Default::default(),
            admin_rates: Default::default(),
        })
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub async fn generation(&self) -> u64 {
        self.applied.lock().await.generation
    }

    /// Applies a config push with the protocol's idempotency rules and returns the `Ack`:
    /// the generation in force → acknowledged, nothing changes; an older one → acknowledged with
    /// the current generation, not applied; a newer one → applied, or acknowledged with an error
    /// and the old config left in force.
    pub async fn apply(&self, generation: u64, config: &AgentConfig) -> FromAgent {
        // Held across the whole apply: config pushes are serialized, heartbeats wait for one.
        let mut applied = self.applied.lock().await;
        if generation <= applied.generation && !(generation == 0 && applied.generation == 0) {
            if generation < applied.generation {
                tracing::info!(generation, current = applied.generation, "stale config ignored");
            }
            return FromAgent::Ack { generation: applied.generation, error: None };
        }
        // Addresses first: listeners of a claimed spare serve on the VIP it receives here.
        if let Some(net) = config.network.as_ref().filter(|n| applied.network.as_ref() != Some(n)) {
            if let Err(e) = netcfg::apply(net).await {
                tracing::warn!(generation, error = %format!("{e:#}"), "network config rejected");
                return FromAgent::Ack { generation, error: Some(format!("{e:#}")) };
            }
            applied.network = Some(net.clone());
        }
        match applied.listeners.apply(config, self.listen, &self.shared).await {
            Ok(()) => {
                applied.generation = generation;
                // A new config after a drain puts the node back in service.
                // (`send_if_modified`: a plain send would wake every connection as if draining.)
                self.shared.drain.send_if_modified(|d| std::mem::replace(d, false));
                tracing::info!(generation, listeners = config.listeners.len(), "config applied");
                FromAgent::Ack { generation, error: None }
            }
            Err(e) => {
                tracing::warn!(generation, error = %format!("{e:#}"), "config rejected");
                FromAgent::Ack { generation, error: Some(format!("{e:#}")) }
            }
        }
    }

    /// The listening addresses, by listener name (tests bind port 0 through this).
    pub async fn listener_addrs(&self) -> Vec<(String, SocketAddr)> {
        self.applied.lock().await.listeners.iter().map(|l| (l.name.clone(), l.local_addr)).collect()
    }

    /// The heartbeat sent to the controller; starts a new window for the latency quantiles and
    /// the rates.
    pub async fn heartbeat(&self) -> Heartbeat {
        self.report(&self.rates, true).await.0
    }

    /// The same statistics for a local reader, without touching the heartbeat's windows, and
    /// each listener's cache.
    pub async fn stats(&self) -> admin::Stats {
        let (heartbeat, listeners) = self.report(&self.admin_rates, false).await;
        admin::Stats { node: self.node.clone(), heartbeat, listeners }
    }

    async fn report(
        &self,
        rates: &stats::RateMeter,
        decay: bool,
    ) -> (Heartbeat, Vec<admin::ListenerStats>) {
        let (generation, members, listeners) = {
            let applied = self.applied.lock().await;
            let mut members = Vec::new();
            let mut listeners = Vec::new();
            for l in applied.listeners.iter() {
                let route = l.route.load();
                // Members of L7 pools too: the controller tracks every member's health.
                members.extend(route.members().map(|m| {
                    if decay {
                        m.state.stats()
                    } else {
                        m.state.snapshot()
                    }
                }));
                listeners.push(admin::ListenerStats {
                    name: l.name.clone(),
                    port: l.local_addr.port(),
                    protocol: l.protocol,
                    connections: l.connections(),
                    members: route.members().map(|m| m.config.id.clone()).collect(),
                    cache: route.cache.as_ref().map(|c| c.stats()),
                });
            }
            listeners.sort_by_key(|l| l.port);
            (applied.generation, members, listeners)
        };
        let node = &self.shared.node;
        let requests_total = node.requests_total.load(Relaxed);
        let (requests_per_second, cpu) = rates.sample(requests_total);
        let hb = Heartbeat {
            generation,
            uptime_ms: self.started.elapsed().as_millis() as u64,
            active_connections: node.active_connections.load(Relaxed),
            requests_total,
            requests_per_second,
            cpu,
            members,
            cache_hits: node.cache_hits.load(Relaxed),
            cache_misses: node.cache_misses.load(Relaxed),
        };
        (hb, listeners)
    }

    /// Stops accepting, asks keep-alive connections to close after their current request, and
    /// waits until no client connection is left or `period` is over.
    pub async fn drain(&self, period: Duration) {
        tracing::info!(?period, "draining");
        self.applied.lock().await.listeners.clear().await;
        self.shared.drain.send_replace(true);
        let deadline = tokio::time::Instant::now() + period;
        while self.shared.node.active_connections.load(Relaxed) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tracing::info!(left = self.shared.node.active_connections.load(Relaxed), "drained");
    }
}

/// Runs the agent until SIGINT/SIGTERM: applies the config file, then serves the channel.
pub async fn run(opts: Options) -> anyhow::Result<()> {
    let agent = Agent::new(&opts);
    if let Some(path) = &opts.config {
        let text = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("read config {}: {e}", path.display()))?;
        let cfg: AgentConfig = serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("parse config {}: {e}", path.display()))?;
        if let FromAgent::Ack { error: Some(e), .. } = agent.apply(0, &cfg).await {
            anyhow::bail!("apply config {}: {e}", path.display());
        }
    }
    if let Some(addr) = opts.admin_listen {
        let socket = admin::bind(addr).await?;
        let agent = agent.clone();
        tokio::spawn(admin::serve(agent, socket).instrument(tracing::info_span!("admin")));
    }
    if let Some(spec) = opts.channel.clone() {
        let agent = agent.clone();
        tokio::spawn(async move { channel::run(agent, spec).await });
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
