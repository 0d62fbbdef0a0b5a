//! `lbaas-dns`: the authoritative DNS server for the load balancers' names (ARCHITECTURE §6), run
//! inside the controller process. It answers for one zone (default `lbaas.test.`) over UDP and
//! TCP on one address, from a record set held in memory and rebuilt from PostgreSQL by the
//! [`DnsPublisher`](publisher) within a second of a change (LISTEN/NOTIFY) and every `refresh`.
//!
//! Names are `<lb>.<project>.<tenant>.<zone>` with one A/AAAA per ACTIVE node VIP and a TXT per
//! listener; the zone has an SOA and an NS (`ns1.<zone>` with glue). Persisted state is only the
//! SOA serial (`dns_zone`), which grows with every change and never goes back. Answering rules
//! (NXDOMAIN with SOA, REFUSED outside the zone, EDNS, truncation over UDP) are hickory's.
//!
//! TCP (and so AXFR) is hickory's `Server`. UDP is served by a few threads of this crate
//! (`udp.rs`) that answer ordinary queries from a table of responses hickory made when the zone
//! was published (`fast.rs`), and hand everything else to the same handler as TCP: the answers are
//! hickory's either way, but the common ones cost a table lookup instead of a task and a parse.
//!
//! Start it with [`DnsServer::start`] (tests, or a caller that wants the bound address and the
//! status) or [`run`] (until a shutdown future completes).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use hickory_server::Server;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

mod cidr;
mod fast;
mod handler;
mod publisher;
pub mod records;
mod stats;
mod udp;

pub use cidr::Cidr;
pub use publisher::PublisherStatus;
pub use stats::QueryStats;
pub use udp::UdpStats;

use handler::{Handler, ZoneSlot};
use publisher::DnsPublisher;

/// How the server runs. [`Config::default`] is the documented default of ARCHITECTURE §6.
#[derive(Debug, Clone)]
pub struct Config {
    /// UDP and TCP, same address. Port 0 picks a free port (see [`DnsServer::local_addr`]).
    pub listen: SocketAddr,
    /// The zone served, e.g. `lbaas.test.` (the final dot is optional).
    pub zone: String,
    /// TTL of every record, and the negative-caching TTL.
    pub ttl: u32,
    /// The address published for `ns1.<zone>`.
    pub ns_address: IpAddr,
    /// Who may AXFR/IXFR the zone; everyone else gets REFUSED.
    pub axfr_allow: Vec<Cidr>,
    /// Secondaries sent a DNS NOTIFY when the serial grows (UDP, fire and forget).
    pub notify: Vec<SocketAddr>,
    /// Full reload period, the safety net under LISTEN/NOTIFY.
    pub refresh: Duration,
    /// Least time between two reloads: bursts of changes (heartbeats) become one reload.
    pub min_reload_interval: Duration,
    /// Requests answered by hickory at once (TCP, and UDP the fast path cannot answer); more TCP
    /// requests get SERVFAIL, more UDP datagrams are dropped.
    pub max_in_flight: usize,
    /// Threads answering UDP. The default is one per CPU, at most 4: each thread answers on its
    /// own, so more than the CPUs only adds context switches.
    pub udp_threads: usize,
    /// Bytes of UDP receive buffer asked of the kernel (which caps it at
    /// `net.core.rmem_max`): the queue that absorbs bursts; past it datagrams are lost.
    pub udp_recv_buffer: usize,
    /// An idle TCP connection is closed after this long.
    pub tcp_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5353),
            zone: "lbaas.test.".into(),
            ttl: 5,
            ns_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            axfr_allow: Cidr::loopback(),
            notify: Vec::new(),
            refresh: Duration::from_secs(10),
            min_reload_interval: Duration::from_millis(200),
            max_in_flight: 1024,
            udp_threads: std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
            udp_recv_buffer: 4 << 20,
            tcp_timeout: Duration::from_secs(5),
        }
    }
}

/// A running server. Dropping it stops it too (the sockets' tasks are aborted, the publisher sees
/// its stop channel close), without waiting; [`DnsServer::shutdown`] waits.
pub struct DnsServer {
    addr: SocketAddr,
    server: Server<Handler>,
    udp: udp::UdpServer,
    status: Arc<Mutex<PublisherStatus>>,
    stats: Arc<QueryStats>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl DnsServer {
    /// Binds UDP and TCP, publishes the zone once (so the first answer is never from an empty
    /// zone; an unreachable database is an error here), then serves and keeps the zone current.
    pub async fn start(db: PgPool, config: Config) -> anyhow::Result<Self> {
        let spec = records::ZoneSpec::new(&config.zone, config.ttl, config.ns_address)?;
        anyhow::ensure!(!config.refresh.is_zero(), "refresh must be longer than zero");
        let (udp, tcp) = bind(config.listen, config.udp_recv_buffer).await?;
        let addr = udp.local_addr().context("read bound UDP address")?;

        let zone = Arc::new(ZoneSlot::default());
        let status = Arc::new(Mutex::new(PublisherStatus::default()));
        let mut publisher = DnsPublisher {
            db: db.clone(),
            spec,
            zone: zone.clone(),
            status: status.clone(),
            notify: config.notify.clone(),
            served: None,
        };
        publisher.reload().await.context("publish the DNS zone for the first time")?;

        let stats = Arc::new(QueryStats::default());
        let handler = Handler {
            stats: stats.clone(),
            zone,
            axfr_allow: config.axfr_allow.clone().into(),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        };
        let span = tracing::info_span!("dns", zone = %config.zone, %addr);
        let udp = span
            .in_scope(|| {
                udp::UdpServer::start(
                    udp,
                    config.udp_threads,
                    handler.clone(),
                    config.max_in_flight,
                )
            })
            .context("start the UDP threads")?;
        let mut server = Server::new(handler);
        server.register_listener(tcp, config.tcp_timeout, 64);

        let (stop, stop_rx) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let tasks = vec![
            tokio::spawn(
                publisher
                    .run(wake.clone(), stop_rx.clone(), config.refresh, config.min_reload_interval)
                    .instrument(span.clone()),
            ),
            tokio::spawn(publisher::listen(db, wake, stop_rx).instrument(span)),
        ];
        tracing::info!(%addr, zone = %config.zone, "DNS server listening (UDP and TCP)");
        Ok(Self { addr, server, udp, status, stats, stop, tasks })
    }

    /// The bound address (UDP and TCP share it).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The publisher's last run, error, counts and serial.
    pub fn status(&self) -> PublisherStatus {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What the metrics read at each scrape: the publisher's status and the query counts, as
    /// handles that outlive no one (they stay valid after `shutdown`).
    pub fn observers(&self) -> (Arc<Mutex<PublisherStatus>>, Arc<QueryStats>) {
        (self.status.clone(), self.stats.clone())
    }

    /// What the UDP threads did: answered from the table, handed to hickory, dropped.
    pub fn udp_stats(&self) -> UdpStats {
        self.udp.stats()
    }

    /// Stops reloading, closes the sockets and waits for the tasks and threads.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        self.udp.shutdown().await;
        self.server.shutdown_gracefully().await.context("shut the DNS server down")?;
        Ok(())
    }
}

/// Runs the DNS server until `shutdown` completes. What the controller spawns.
pub async fn run(
    db: PgPool,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let server = DnsServer::start(db, config).await?;
    shutdown.await;
    server.shutdown().await
}

/// Binds UDP then TCP on the same port. With port 0 the kernel picks the UDP port, which may be
/// taken for TCP; then another is tried.
async fn bind(
    listen: SocketAddr,
    recv_buffer: usize,
) -> anyhow::Result<(std::net::UdpSocket, TcpListener)> {
    let mut last_err = None;
    for _ in 0..if listen.port() == 0 { 16 } else { 1 } {
        let udp = udp::bind(listen, recv_buffer).with_context(|| format!("bind UDP {listen}"))?;
        let addr = udp.local_addr().context("read bound UDP address")?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last_err = Some(e),
        }
    }
    Err(anyhow::anyhow!("bind TCP {listen}: {:?}", last_err))
}
