use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Converges VMs, networks and agent configs to the desired state in PostgreSQL.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Seconds between passes when nothing wakes the controller. Such a pass looks at work in
    /// flight only (timers: build timeout, failover grace, drains).
    #[arg(long, env = "LBAAS_RECONCILE_PERIOD", default_value_t = 10)]
    period: u64,
    /// Seconds between full passes: every load balancer and node looked at, unowned domains,
    /// links and namespaces collected, fleet metrics refreshed.
    #[arg(long, env = "LBAAS_FULL_RECONCILE_PERIOD", default_value_t = 30)]
    full_period: u64,
    /// Prefix of every host object (namespaces, domains, taps); GC touches only these.
    #[arg(long, env = "LBAAS_PREFIX", default_value = "lbaas")]
    prefix: String,
    /// The hypervisor (a row of the `hypervisor` table) this controller reconciles; replicas
    /// for the same one stand by on its lock.
    #[arg(long, env = "LBAAS_HYPERVISOR", default_value = "local")]
    hypervisor: String,
    /// Overrides the URI of that `hypervisor` row (`local`: `qemu:///system`).
    #[arg(long, env = "LBAAS_LIBVIRT_URI")]
    libvirt_uri: Option<String>,
    #[arg(long, env = "LBAAS_VIP_POOL", default_value = "198.18.0.0/16")]
    vip_pool: ipnet::IpNet,
    #[arg(long, env = "LBAAS_IMAGE_DIR", default_value = ".lbaas/image")]
    image_dir: PathBuf,
    #[arg(long, env = "LBAAS_RUN_DIR", default_value = ".lbaas/run")]
    run_dir: PathBuf,
    #[arg(long, env = "LBAAS_NODE_MEMORY_MIB", default_value_t = 48)]
    memory_mib: u32,
    /// `qemu` (TCG) or `kvm`. /dev/kvm exists on these machines but hangs guests, so TCG is
    /// the default; `scripts/preflight.sh` tells whether kvm works on a given host.
    #[arg(long, env = "LBAAS_VIRT_TYPE", default_value = "qemu")]
    virt_type: String,
    #[arg(long, env = "LBAAS_BUILD_TIMEOUT", default_value_t = 120)]
    build_timeout: u64,
    /// Seconds a libvirt domain create may take; past it the node is FAILED and its load
    /// balancer ERROR with the reason (a stalled libvirtd must never hang the controller).
    #[arg(long, env = "LBAAS_LIBVIRT_CREATE_TIMEOUT", default_value_t = 60)]
    libvirt_create_timeout: u64,
    /// Seconds a libvirt domain destroy may take.
    #[arg(long, env = "LBAAS_LIBVIRT_DESTROY_TIMEOUT", default_value_t = 30)]
    libvirt_destroy_timeout: u64,
    /// Seconds a libvirt domain list may take.
    #[arg(long, env = "LBAAS_LIBVIRT_LIST_TIMEOUT", default_value_t = 10)]
    libvirt_list_timeout: u64,
    /// Seconds a DOWN node is kept (it may come back) before it is deleted; its replacement is
    /// built at once either way.
    #[arg(long, env = "LBAAS_FAILOVER_GRACE", default_value_t = 30)]
    failover_grace: u64,
    /// Seconds a node leaving (scale-in) gets to finish in-flight work.
    #[arg(long, env = "LBAAS_DRAIN_PERIOD", default_value_t = 10)]
    drain_period: u64,
    /// VMs kept booted ahead of need (the warm pool): creates, failovers and scale-outs claim
    /// one instead of waiting for a boot. Each costs a node's memory while it waits.
    #[arg(long, env = "LBAAS_SPARE_NODES", default_value_t = 2)]
    spare_nodes: usize,
    /// How far a burst of creates may grow the warm pool (each node made in the last two
    /// minutes adds a spare; half the host's available memory caps it too). Default: twice
    /// `--spare-nodes`. Idle TCG guests cost ~3 % of a core each: on two cores, growing 4 to 12
    /// made a burst of ten slower (serving p50 2.5 s) than growing it to 8 (1.25 s).
    #[arg(long, env = "LBAAS_SPARE_NODES_MAX")]
    spare_nodes_max: Option<usize>,
    /// Mass-failover breaker: failovers pause when more than this share of the nodes went DOWN
    /// within the window (and at least `--failover-breaker-min` did).
    #[arg(long, env = "LBAAS_FAILOVER_BREAKER_SHARE", default_value_t = 0.5)]
    failover_breaker_share: f64,
    #[arg(long, env = "LBAAS_FAILOVER_BREAKER_MIN", default_value_t = 3)]
    failover_breaker_min: usize,
    /// Seconds.
    #[arg(long, env = "LBAAS_FAILOVER_BREAKER_WINDOW", default_value_t = 60)]
    failover_breaker_window: u64,
    /// Prometheus metrics (`GET /metrics`), on loopback; `off` serves none.
    /// The operator's key that TLS private keys are sealed with (the API's
    /// `--secret-key-file`); without it HTTPS listeners cannot be configured.
    #[arg(long, env = "LBAAS_SECRET_KEY_FILE")]
    secret_key_file: Option<std::path::PathBuf>,
    #[arg(long, env = "LBAAS_CONTROLLER_METRICS_LISTEN", default_value = "127.0.0.1:9102")]
    metrics_listen: String,
    /// UDP and TCP address of the authoritative DNS server; `off` runs none.
    #[arg(long, env = "LBAAS_DNS_LISTEN", default_value = "127.0.0.1:5353")]
    dns_listen: String,
    #[arg(long, env = "LBAAS_ZONE", default_value = lbaas_common::DEFAULT_ZONE)]
    zone: String,
    #[arg(long, env = "LBAAS_DNS_TTL", default_value_t = 5)]
    dns_ttl: u32,
    /// Secondaries sent a DNS NOTIFY when the zone changes (comma-separated host:port).
    #[arg(long, env = "LBAAS_DNS_NOTIFY", value_delimiter = ',')]
    dns_notify: Vec<std::net::SocketAddr>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let dns = match cli.dns_listen.as_str() {
        "off" => None,
        addr => Some(lbaas_dns::Config {
            listen: addr.parse()?,
            zone: cli.zone,
            ttl: cli.dns_ttl,
            notify: cli.dns_notify,
            ..Default::default()
        }),
    };
    lbaas_controller::run(lbaas_controller::Config {
        database_url: cli.database_url,
        period: Duration::from_secs(cli.period),
        full_period: Duration::from_secs(cli.full_period),
        hypervisor: cli.hypervisor,
        libvirt_uri: cli.libvirt_uri,
        settings: lbaas_controller::reconciler::Settings {
            prefix: cli.prefix,
            vip_pool: cli.vip_pool,
            image_dir: abs(cli.image_dir),
            run_dir: abs(cli.run_dir),
            memory_mib: cli.memory_mib,
            virt_type: cli.virt_type,
            build_timeout: Duration::from_secs(cli.build_timeout),
            failover_grace: Duration::from_secs(cli.failover_grace),
            drain_period: Duration::from_secs(cli.drain_period),
            // Cached answers expire before a retired node stops accepting. Plus one second: the
            // zone follows a status change within a reload (~200 ms), and an answer sent in that
            // window still lives a full TTL.
            sundown_delay: Duration::from_secs(u64::from(cli.dns_ttl) + 1),
            spares: cli.spare_nodes,
            spares_max: cli.spare_nodes_max.unwrap_or(cli.spare_nodes * 2),
            breaker: lbaas_controller::breaker::BreakerPolicy {
                share: cli.failover_breaker_share.clamp(0.0, 1.0),
                min: cli.failover_breaker_min.max(1),
                window: Duration::from_secs(cli.failover_breaker_window),
            },
            secrets: match &cli.secret_key_file {
                Some(path) => Some(lbaas_certs::SecretBox::from_file(path)?),
                None => None,
            },
        },
        dns,
        deadlines: lbaas_controller::hypervisor::Deadlines {
            create: Duration::from_secs(cli.libvirt_create_timeout),
            destroy: Duration::from_secs(cli.libvirt_destroy_timeout),
            list: Duration::from_secs(cli.libvirt_list_timeout),
        },
        metrics_listen: lbaas_metrics::parse_listen(&cli.metrics_listen)?,
    })
    .await
}
