//! The set of listening sockets, one per configured port, and their accept loops.
//!
//! Invariants: a port's socket is kept across config changes as long as the port stays with the
//! same protocol (HTTP, HTTPS and TCP are three), only its [`Route`] (pools, policies, response
//! cache, TLS termination) is swapped (arc-swap), so clients never see a refused connection
//! because of a reconfiguration; a removed port's accept loop is aborted, which closes the
//! listening socket, while connections already accepted run to completion with the route they
//! hold. An HTTPS connection handshakes with the TLS termination of the route in force when it
//! was accepted and keeps that session for its life; its requests, like HTTP ones, each take the
//! route in force when they arrive. Applying a config either builds every route and binds every
//! new port, or changes nothing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use arc_swap::ArcSwap;
use lbaas_proto::{AgentConfig, ListenerConfig, Protocol};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::route::{Route, Scheme};
use crate::stats::Gauge;
use crate::{http, tcp, Shared, Worker};

/// Backlog for listening sockets: bursts of new connections under load must not be refused.
const BACKLOG: u32 = 4096;

pub(crate) struct Listener {
    pub name: String,
    pub protocol: Protocol,
    pub local_addr: SocketAddr,
    pub route: Arc<ArcSwap<Route>>,
    /// Connection slots (`max_connections_per_listener`), taken by the accept loop, held by
    /// each connection.
    limit: Arc<Semaphore>,
    max_connections: usize,
    /// The accept loop (emptied while closing).
    accept: Vec<JoinHandle<()>>,
}

impl Listener {
    /// Client connections open on this listener (all workers).
    pub fn connections(&self) -> u64 {
        self.max_connections.saturating_sub(self.limit.available_permits()) as u64
    }

    /// Stops accepting and returns once the listening socket is closed, so the port can be bound
    /// again at once (a protocol change rebinds the same port).
    async fn close(mut self) {
        let accept = std::mem::take(&mut self.accept);
        for a in &accept {
            a.abort();
        }
        for a in accept {
            let _ = a.await; // Resolves after the task, and its socket, are dropped.
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        for a in &self.accept {
            a.abort();
        }
    }
}

#[derive(Default)]
pub(crate) struct ListenerSet {
    by_port: HashMap<u16, Listener>,
}

impl ListenerSet {
    /// Converges the sockets and pools on `cfg`. On error nothing changed.
    pub async fn apply(
        &mut self,
        cfg: &AgentConfig,
        addr: IpAddr,
        shared: &Arc<Shared>,
    ) -> anyhow::Result<()> {
        let mut seen = HashMap::new();
        for l in &cfg.listeners {
            if let Some(other) = seen.insert(l.port, &l.name) {
                bail!("listeners {other} and {} both use port {}", l.name, l.port);
            }
        }
        // Routes first: a config the data plane cannot serve (a bad certificate, a policy naming a
        // pool that does not exist) fails before anything is bound or swapped. A route inherits
        // member state only from a listener that keeps its port and protocol.
        let mut routes = HashMap::new();
        // The response caches share one budget (`Tunables::cache_capacity_bytes`): a small VM
        // must hold every caching listener's cache at once.
        let caching =
            cfg.listeners.iter().filter(|l| l.cache && l.protocol != Protocol::Tcp).count();
        let cache_bytes = shared.tunables.cache_capacity_bytes / caching.max(1) as u64;
        for l in &cfg.listeners {
            let previous = self
                .by_port
                .get(&l.port)
                .filter(|old| old.protocol == l.protocol)
                .map(|old| old.route.load_full());
            let route = Route::new(l, previous.as_deref(), shared, cache_bytes)
                .with_context(|| format!("listener {}", l.name))?;
            routes.insert(l.port, route);
        }
        // Bind what is new before touching anything, so a port in use fails the whole apply.
        let mut fresh = HashMap::new();
        for l in &cfg.listeners {
            let keep = self.by_port.get(&l.port).is_some_and(|old| old.protocol == l.protocol);
            let rebind = self.by_port.contains_key(&l.port) && !keep;
            if !keep && !rebind {
                fresh.insert(
                    l.port,
                    bind(SocketAddr::new(addr, l.port))
                        .with_context(|| format!("bind listener {} on port {}", l.name, l.port))?,
                );
            }
        }
        let wanted: HashMap<u16, &ListenerConfig> =
            cfg.listeners.iter().map(|l| (l.port, l)).collect();
        let gone: Vec<u16> = self
            .by_port
            .iter()
            .filter(|(port, l)| !wanted.get(port).is_some_and(|w| w.protocol == l.protocol))
            .map(|(port, _)| *port)
            .collect();
        for port in gone {
            if let Some(l) = self.by_port.remove(&port) {
                tracing::info!(name = %l.name, port, "closing listener");
                l.close().await;
            }
        }
        for l in &cfg.listeners {
            let route = routes.remove(&l.port).expect("a route per listener");
            if let Some(existing) = self.by_port.get_mut(&l.port) {
                existing.route.store(Arc::new(route));
                existing.name.clone_from(&l.name);
                continue;
            }
            // A protocol change on a port: the old socket was dropped just above, rebind now.
            // TODO-robustness: this one case is not all-or-nothing; a failure here leaves the port
            // closed until the next config, and is reported in the ack.
            let socket = match fresh.remove(&l.port) {
                Some(s) => s,
                None => bind(SocketAddr::new(addr, l.port))
                    .with_context(|| format!("rebind listener {} on port {}", l.name, l.port))?,
            };
            let listener = start(l, route, socket, shared)?;
            self.by_port.insert(l.port, listener);
        }
        Ok(())
    }

    pub async fn clear(&mut self) {
        for (_, l) in self.by_port.drain() {
            l.close().await;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Listener> {
        self.by_port.values()
    }
}

/// Binds the listening socket on `addr`, detached from any runtime so the worker that runs its
/// accept loop can adopt it. Must run inside a tokio runtime (the socket passes through tokio's
/// listener on the way).
///
/// One socket per listener rather than one `SO_REUSEPORT` socket per worker (as HAProxy with
/// `nbthread` does): the kernel's 4-tuple hash spreads a few dozen keep-alive connections
/// unevenly (20 against 12 is common), and the busier worker sets the tail latency of all of its
/// connections. The accept loop instead hands each connection to the least loaded worker.
fn bind(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // Lets a restarted agent rebind while old connections sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    Ok(socket.listen(BACKLOG)?.into_std()?)
}

fn start(
    cfg: &ListenerConfig,
    route: Route,
    socket: std::net::TcpListener,
    shared: &Arc<Shared>,
) -> anyhow::Result<Listener> {
    let local_addr = socket.local_addr()?;
    let route = Arc::new(ArcSwap::from_pointee(route));
    let max_connections = shared.tunables.max_connections_per_listener.max(1);
    let limit = Arc::new(Semaphore::new(max_connections));
    let span = tracing::info_span!("listener", name = %cfg.name, port = local_addr.port());
    // Accept loops of different listeners on different workers; accepting is cheap next to
    // serving, and any worker can take the connections.
    let home = usize::from(local_addr.port()) % shared.workers.len();
    let (protocol, shared_, route_, limit_) =
        (cfg.protocol, shared.clone(), route.clone(), limit.clone());
    let accept = shared.workers[home].handle.spawn(
        async move {
            // Adopted here so the socket is registered with this worker's reactor.
            match TcpListener::from_std(socket) {
                Ok(socket) => accept_loop(socket, home, protocol, route_, limit_, shared_).await,
                Err(e) => tracing::error!(error = %e, "cannot adopt listening socket"),
            }
        }
        .instrument(span),
    );
    tracing::info!(name = %cfg.name, %local_addr, protocol = ?cfg.protocol, "listening");
    Ok(Listener {
        name: cfg.name.clone(),
        protocol: cfg.protocol,
        local_addr,
        route,
        limit,
        max_connections,
        accept: vec![accept],
    })
}

async fn accept_loop(
    socket: TcpListener,
    home: usize,
    protocol: Protocol,
    route: Arc<ArcSwap<Route>>,
    limit: Arc<Semaphore>,
    shared: Arc<Shared>,
) {
    let mut turn = 0usize;
    loop {
        // A slot first: at the limit we stop accepting, and the backlog holds newcomers.
        let Ok(slot) = limit.clone().acquire_owned().await else { return };
        let (stream, peer) = match socket.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning; connections that
                // close will free descriptors.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let w = least_loaded(&shared.workers, &mut turn);
        let worker = shared.workers[w].clone();
        let load = WorkerLoad::enter(&worker.load);
        let (route, shared) = (route.clone(), shared.clone());
        let conn = move |stream: TcpStream| async move {
            let (_slot, _load) = (slot, load);
            let _conn = Gauge::enter(&shared.node.active_connections);
            match protocol {
                Protocol::Tcp => {
                    shared.node.requests_total.fetch_add(1, Relaxed);
                    tcp::serve(stream, route, shared.clone()).await
                }
                Protocol::Http => {
                    let _ = stream.set_nodelay(true);
                    http::serve(stream, peer, Scheme::Http, route, shared.clone(), worker.client)
                        .await
                }
                Protocol::Https => {
                    let _ = stream.set_nodelay(true);
                    // The termination of the route in force now; the connection keeps it.
                    let Some(tls) = route.load().tls.clone() else { return };
                    let timeout = shared.tunables.tls_handshake_timeout;
                    match tls.accept(stream, timeout).await {
                        Ok(stream) => {
                            let client = worker.client;
                            http::serve(stream, peer, Scheme::Https, route, shared.clone(), client)
                                .await
                        }
                        // Scanners and clients that reject the certificate: routine, not ours.
                        Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    }
                }
            }
        };
        if w == home {
            tokio::spawn(conn(stream).in_current_span());
            continue;
        }
        // Another worker's reactor must own the socket: out of ours, into theirs.
        let handle = worker.handle.clone();
        match stream.into_std() {
            Ok(stream) => {
                handle.spawn(
                    async move {
                        match TcpStream::from_std(stream) {
                            Ok(stream) => conn(stream).await,
                            Err(e) => tracing::warn!(error = %e, "cannot adopt connection"),
                        }
                    }
                    .in_current_span(),
                );
            }
            Err(e) => tracing::warn!(error = %e, "cannot hand over connection"),
        }
    }
}

/// The worker serving the fewest connections; ties go round robin (`turn`), so an idle agent
/// still spreads its first connections.
fn least_loaded(workers: &[Worker], turn: &mut usize) -> usize {
    let n = workers.len();
    let start = *turn % n;
    *turn = turn.wrapping_add(1);
    (0..n)
        .map(|k| (start + k) % n)
        .min_by_key(|&i| workers[i].load.load(Relaxed))
        .expect("at least one worker")
}

/// One connection counted on its worker while it lives.
struct WorkerLoad(Arc<AtomicUsize>);

impl WorkerLoad {
    fn enter(load: &Arc<AtomicUsize>) -> WorkerLoad {
        load.fetch_add(1, Relaxed);
        WorkerLoad(load.clone())
    }
}

impl Drop for WorkerLoad {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}
