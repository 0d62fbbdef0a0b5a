//! `lbaas-agent` entry point: flags → [`lbaas_agent::Options`], tracing, [`lbaas_agent::run`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;
use lbaas_agent::{ChannelSpec, Options, RuntimeKind};

/// The lbaas data plane: HTTP/TCP load-balancing proxy driven by the controller.
#[derive(Debug, Parser)]
#[command(version)]
struct Flags {
    /// Controller channel: `auto` (the virtio-serial port) or `unix:/path/to/socket`.
    /// Without it the agent serves `--config` alone.
    #[arg(long, env = "LBAAS_AGENT_CHANNEL")]
    channel: Option<ChannelSpec>,
    /// This node's name, reported in `Hello`. Defaults to the kernel hostname.
    #[arg(long, env = "LBAAS_AGENT_NODE")]
    node: Option<String>,
    /// An `AgentConfig` JSON file applied at start (generation 0), for development and benches.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address the listeners bind.
    #[arg(long, default_value = "0.0.0.0")]
    listen: IpAddr,
    /// Event-loop threads serving traffic (default: one per CPU). 0 serves on the control thread.
    #[arg(long)]
    workers: Option<usize>,
    /// `per-thread`: a single-threaded runtime per worker thread; `shared`: one work-stealing
    /// runtime over them (a flat p99 when threads get preempted); `auto`: per-thread for one
    /// worker, shared for more.
    #[arg(long, default_value = "auto")]
    runtime: RuntimeKind,
    /// Serve JSON statistics on this loopback address (`GET /stats`), e.g. `127.0.0.1:9901`.
    /// Off by default; a non-loopback address is refused.
    #[arg(long, env = "LBAAS_AGENT_ADMIN")]
    admin_listen: Option<SocketAddr>,
    /// Client connections open at once per listener; beyond it new ones wait in the backlog.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Byte budget of the response caches, in MiB, shared by the caching listeners. Default: a
    /// quarter of the memory available at start, at most 32 MiB.
    #[arg(long)]
    cache_mb: Option<u64>,
    /// Serve every HTTP connection with hyper, without the HTTP/1.1 fast path (ARCHITECTURE
    /// §15): a way out should a client trip over the fast path.
    #[arg(long)]
    no_http1_fast_path: bool,
    /// Log filter (tracing-subscriber syntax), e.g. `info` or `lbaas_agent=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    log: String,
}

fn main() -> anyhow::Result<()> {
    let flags = Flags::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&flags.log))
        .with_writer(std::io::stderr)
        .init();
    let node = flags.node.unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "lbaas-node".to_owned())
    });
    let mut opts = Options::new(node);
    opts.channel = flags.channel;
    opts.config = flags.config;
    opts.listen = flags.listen;
    opts.admin_listen = flags.admin_listen;
    opts.runtime = flags.runtime;
    opts.tunables.http1_fast_path = !flags.no_http1_fast_path;
    if let Some(n) = flags.max_connections {
        opts.tunables.max_connections_per_listener = n;
    }
    match flags.cache_mb {
        Some(mb) => opts.tunables.cache_capacity_bytes = mb << 20,
        None => {
            if let Some(avail) = mem_available_bytes() {
                // A node is a small VM (48 MiB): the caching listeners share one budget
                // (listener.rs), which must fit beside the connections' buffers: a quarter of
                // what is free at start, at most the built-in 32 MiB.
                let fit = avail / 4;
                opts.tunables.cache_capacity_bytes = opts.tunables.cache_capacity_bytes.min(fit);
            }
        }
    }
    opts.workers = flags
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    // The control runtime (channel, heartbeats, config) needs one thread; traffic runs on the
    // workers `run` starts.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(lbaas_agent::run(opts))
}

/// `MemAvailable` from /proc/meminfo, in bytes (None where there is no such file).
fn mem_available_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib << 10)
}
