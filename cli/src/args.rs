//! Command line of `lbaas` (clap derive). Flags that several commands share (`--project`,
//! `--lb`, `--pool`) are spelled the same everywhere, and `--project` also reads
//! `LBAAS_PROJECT` so a shell working on one project can leave it out.
//!
//! Values the API would reject anyway (names, CIDRs, addresses) are passed through untouched,
//! so the user sees the API's own error code; only what the CLI must interpret itself (a
//! health-check spec, an algorithm spelling, a port) is checked here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use lbaas_common::types::Algorithm;

#[derive(Debug, Parser)]
#[command(name = "lbaas", version, about = "Command-line client of the lbaas API")]
#[command(after_help = "Exit status: 0 done, 1 the API refused (error: <code>: <message>), \
2 the API could not be reached or the command line is wrong.")]
pub struct Cli {
    /// Base URL of the lbaas API.
    #[arg(long, env = "LBAAS_API", default_value = "http://127.0.0.1:8080", global = true)]
    pub api: String,
    /// Bearer token (a tenant's, or the operator's admin token).
    #[arg(long, env = "LBAAS_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Read the token from this file (e.g. .lbaas/admin-token); overrides --token.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Print the API's JSON answer instead of a table or summary.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tenants (operator, admin token).
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Compute hosts: capacity, state, placement (operator, admin token).
    #[command(subcommand)]
    Hypervisor(HypervisorCmd),
    /// Projects of the tenant.
    #[command(subcommand)]
    Project(ProjectCmd),
    /// Backend subnets of a project.
    #[command(subcommand)]
    Subnet(SubnetCmd),
    /// Instances: a load balancer with its listener, pool and members, in one request.
    #[command(subcommand)]
    Instance(InstanceCmd),
    /// TLS certificates of a project, for HTTPS instances (keys are never shown again).
    #[command(subcommand)]
    Certificate(CertificateCmd),
    /// Load balancers (REST).
    #[command(subcommand)]
    Lb(LbCmd),
    /// Members of a load balancer's pool.
    #[command(subcommand)]
    Member(MemberCmd),
    /// The VMs serving a load balancer.
    #[command(subcommand)]
    Node(NodeCmd),
    /// The monitor log: builds, failovers, health transitions, scaling.
    Events(EventsArgs),
}

#[derive(Debug, Args)]
pub struct ProjectArg {
    /// Project name or id.
    #[arg(long, short = 'p', env = "LBAAS_PROJECT")]
    pub project: String,
}

#[derive(Debug, Args)]
pub struct LbArgs {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Load balancer name or id.
    #[arg(long)]
    pub lb: String,
}

#[derive(Debug, Args)]
pub struct PoolArgs {
    #[command(flatten)]
    pub lb: LbArgs,
    /// Pool name or id (instances made through the envelope have one pool, `default`).
    #[arg(long, default_value = "default")]
    pub pool: String,
}

#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Create a tenant; prints its token (shown once) on stdout.
    Create {
        /// A DNS label: it becomes part of every load balancer name.
        name: String,
        #[arg(long, value_name = "N")]
        quota_projects: Option<i32>,
        #[arg(long, value_name = "N")]
        quota_load_balancers: Option<i32>,
        #[arg(long, value_name = "N")]
        quota_nodes: Option<i32>,
    },
    /// List tenants.
    List,
}

/// What placement may do with a hypervisor.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HvState {
    /// New nodes may go there.
    Enabled,
    /// Nothing new goes there; what runs stays (a cordon).
    Disabled,
    /// Nothing new, and its nodes move elsewhere through SUNDOWN (no failed request).
    Draining,
}

#[derive(Debug, Subcommand)]
pub enum HypervisorCmd {
    /// Hypervisors with their state, capacity, nodes and warm pools.
    List,
    Show {
        /// Hypervisor name or id.
        name: String,
    },
    /// Register a hypervisor; start a controller for it (`lbaas-controller --hypervisor NAME`).
    Add {
        /// A DNS label.
        name: String,
        /// libvirt URI: qemu:///system, qemu+ssh://HOST/system, qemu+unix:///system?socket=PATH.
        #[arg(long)]
        uri: String,
        /// Nodes it may hold, spares included (default 32).
        #[arg(long, value_name = "N")]
        capacity: Option<i32>,
        #[arg(long, value_enum)]
        state: Option<HvState>,
    },
    /// Change a hypervisor's state, capacity or URI.
    Set {
        /// Hypervisor name or id.
        name: String,
        #[arg(long, value_enum)]
        state: Option<HvState>,
        #[arg(long, value_name = "N")]
        capacity: Option<i32>,
        #[arg(long)]
        uri: Option<String>,
    },
    /// Move every node off a hypervisor (state DRAINING); `--wait` until no node and no spare
    /// is left.
    Drain {
        /// Hypervisor name or id.
        name: String,
        /// Wait until it holds no node (at most this many seconds).
        #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "300")]
        wait: Option<u64>,
    },
    /// Remove a hypervisor that holds no node and no spare.
    Delete {
        /// Hypervisor name or id.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    List,
    Show {
        /// Project name or id.
        name: String,
    },
    /// Delete a project (it must hold no load balancers).
    Delete {
        /// Project name or id.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubnetCmd {
    Create {
        #[command(flatten)]
        project: ProjectArg,
        /// e.g. 10.10.0.0/24
        #[arg(long)]
        cidr: String,
        /// Address the project bridge holds (default: the first host address).
        #[arg(long)]
        gateway: Option<String>,
        /// Default: `net-<cidr>` (net-10-10-0-0-24), the name an instance create gives it.
        #[arg(long)]
        name: Option<String>,
    },
    List {
        #[command(flatten)]
        project: ProjectArg,
    },
    Delete {
        #[command(flatten)]
        project: ProjectArg,
        /// Subnet name, id or CIDR.
        subnet: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrafficType {
    Http,
    Https,
    Tcp,
}

#[derive(Debug, Subcommand)]
pub enum CertificateCmd {
    /// Upload a PEM chain (leaf first) and its key; validated before it is stored.
    Upload(CertificateUploadArgs),
    /// Renew: a new chain and key under the same name; HTTPS listeners switch without drops.
    Renew(CertificateUploadArgs),
    /// Show a certificate: names, validity, fingerprint.
    Info(CertificateKey),
    /// List a project's certificates.
    List(ProjectArg),
    /// Delete a certificate (refused while an instance serves it).
    Delete(CertificateKey),
}

#[derive(Debug, Args)]
pub struct CertificateKey {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Certificate name.
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct CertificateUploadArgs {
    #[command(flatten)]
    pub key: CertificateKey,
    /// PEM file: the certificate, then its intermediates.
    #[arg(long, value_name = "FILE")]
    pub cert: std::path::PathBuf,
    /// PEM file: the private key (unencrypted).
    #[arg(long = "key", value_name = "FILE")]
    pub key_file: std::path::PathBuf,
}

/// One `--rule`: `host=H,path=/p` (either or both) and one of `to=IP:port+IP:port`,
/// `redirect=URL[,code=301]`, `reject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleArg {
    pub host: Option<String>,
    pub path_prefix: Option<String>,
    pub to: Option<Vec<String>>,
    pub redirect: Option<String>,
    pub code: Option<i32>,
    pub reject: bool,
}

pub fn parse_rule(s: &str) -> Result<RuleArg, String> {
    let mut r = RuleArg {
        host: None,
        path_prefix: None,
        to: None,
        redirect: None,
        code: None,
        reject: false,
    };
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("host", v)) => r.host = Some(v.to_string()),
            Some(("path", v)) => r.path_prefix = Some(v.to_string()),
            Some(("to", v)) => r.to = Some(v.split('+').map(str::to_string).collect()),
            Some(("redirect", v)) => r.redirect = Some(v.to_string()),
            Some(("code", v)) => {
                r.code = Some(v.parse().map_err(|_| format!("code {v:?} is not a number"))?)
            }
            None if part == "reject" => r.reject = true,
            _ => {
                return Err(format!(
                    "{part:?}: expected host=, path=, to=, redirect=, code= or reject"
                ))
            }
        }
    }
    Ok(r)
}

#[derive(Debug, Subcommand)]
pub enum InstanceCmd {
    /// Create a load balancer with its listener, pool, members and health check.
    Create(InstanceCreateArgs),
    /// Show an instance as the envelope reports it.
    Info(InstanceKey),
    /// Change members (the --backend list replaces them), algorithm, health check, autoscale.
    Update(InstanceUpdateArgs),
    /// Delete an instance (the VMs go, the name stops answering).
    Delete {
        #[command(flatten)]
        key: InstanceKey,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

#[derive(Debug, Args)]
pub struct InstanceKey {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Instance (load balancer) name.
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Poll until the load balancer settles (ACTIVE or ERROR; gone for a delete).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub wait_timeout: u64,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// `http`, `http:/path`, `http:PORT/path`, `https…` (TLS, the member's certificate not
    /// verified), `tcp` or `tcp:PORT` (port: the member's own when absent).
    #[arg(long, value_parser = parse_health_check, value_name = "SPEC")]
    pub health_check: Option<HealthCheck>,
    /// Seconds between probes.
    #[arg(long, default_value_t = 5, requires = "health_check")]
    pub interval: i32,
    /// Seconds a probe may take.
    #[arg(long, default_value_t = 5, requires = "health_check")]
    pub timeout: i32,
    /// Successes in a row that bring a member up.
    #[arg(long, default_value_t = 2, requires = "health_check")]
    pub rise: i32,
    /// Failures in a row that take a member down.
    #[arg(long, default_value_t = 2, requires = "health_check")]
    pub fall: i32,
}

#[derive(Debug, Args)]
pub struct InstanceCreateArgs {
    #[command(flatten)]
    pub key: InstanceKey,
    /// Traffic type.
    #[arg(long = "type", value_enum)]
    pub traffic_type: TrafficType,
    /// Backend subnet (CIDR); made in the project if it is not there yet.
    #[arg(long)]
    pub subnet: String,
    /// A backend: IP, IP:port or http://IP:port/path (repeat for more).
    #[arg(long = "backend", required = true, value_name = "ENTITY")]
    pub backends: Vec<String>,
    /// Listener port (default 80 for http, 443 for https, the first backend's port for tcp).
    #[arg(long)]
    pub port: Option<u16>,
    /// https: a certificate of the project by name (repeat; the first is the default, SNI
    /// picks among the others).
    #[arg(long = "certificate", value_name = "NAME")]
    pub certificates: Vec<String>,
    /// https: also listen on port 80 and redirect there to HTTPS.
    #[arg(long)]
    pub redirect_http: bool,
    /// http/https: a routing rule, tried in order before the backends (repeat):
    /// `host=api.example.com,to=10.0.0.5:8080+10.0.0.6:8080`, `path=/old,redirect=https://x/new`,
    /// `path=/admin,reject`.
    #[arg(long = "rule", value_parser = parse_rule, value_name = "RULE")]
    pub rules: Vec<RuleArg>,
    /// round-robin, least-connections, weighted-round-robin or least-latency.
    #[arg(long, value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    #[command(flatten)]
    pub health: HealthArgs,
    /// Let load add and remove nodes.
    #[arg(long)]
    pub auto_scaling: bool,
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Args)]
pub struct InstanceUpdateArgs {
    #[command(flatten)]
    pub key: InstanceKey,
    /// The new backend list (repeat); replaces every member.
    #[arg(long = "backend", value_name = "ENTITY")]
    pub backends: Vec<String>,
    #[arg(long, value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    #[command(flatten)]
    pub health: HealthArgs,
    #[arg(long, conflicts_with = "no_auto_scaling")]
    pub auto_scaling: bool,
    #[arg(long)]
    pub no_auto_scaling: bool,
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Debug, Subcommand)]
pub enum LbCmd {
    List {
        #[command(flatten)]
        project: ProjectArg,
    },
    Show {
        #[command(flatten)]
        project: ProjectArg,
        /// Load balancer name or id.
        name: String,
    },
    Delete {
        #[command(flatten)]
        project: ProjectArg,
        /// Load balancer name or id.
        name: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Change how many nodes it runs (placed on different hypervisors when there are several),
    /// autoscale, or its description.
    Set {
        #[command(flatten)]
        project: ProjectArg,
        /// Load balancer name or id.
        name: String,
        #[arg(long, value_name = "N")]
        min_nodes: Option<i32>,
        #[arg(long, value_name = "N")]
        max_nodes: Option<i32>,
        #[arg(long)]
        auto_scaling: Option<bool>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    List(PoolArgs),
    Add {
        #[command(flatten)]
        pool: PoolArgs,
        /// IP or IP:port (IPv6 as [addr]:port).
        address: String,
        /// Port when ADDRESS carries none.
        #[arg(long, default_value_t = 80)]
        port: i32,
        #[arg(long)]
        weight: Option<i32>,
    },
    Remove {
        #[command(flatten)]
        pool: PoolArgs,
        /// Member id, or its IP:port.
        member: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodeCmd {
    List(LbArgs),
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events of this load balancer: an id, or a name with --project.
    #[arg(long)]
    pub lb: Option<String>,
    /// Project of --lb (name or id).
    #[arg(long, short = 'p', env = "LBAAS_PROJECT")]
    pub project: Option<String>,
    /// Then print each new event as it is recorded (the API's event stream) until
    /// interrupted (Ctrl-C).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Seconds before reconnecting a broken stream with --follow.
    #[arg(long, default_value_t = 2, value_name = "SECONDS")]
    pub poll_interval: u64,
}

/// A health check as the envelope spells it (`health-check`), without its criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub protocol: TrafficType,
    pub port: Option<u16>,
    pub path: Option<String>,
}

pub fn parse_health_check(s: &str) -> Result<HealthCheck, String> {
    let (proto, rest) = s.split_once(':').unwrap_or((s, ""));
    let protocol = match proto.to_ascii_lowercase().as_str() {
        "http" => TrafficType::Http,
        "https" => TrafficType::Https,
        "tcp" => TrafficType::Tcp,
        _ => return Err(format!("{s:?}: expected http[s][:PORT][/PATH] or tcp[:PORT]")),
    };
    let (port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(rest[i..].to_string())),
        None => (rest, None),
    };
    if protocol == TrafficType::Tcp && path.is_some() {
        return Err(format!("{s:?}: a tcp health check has no path"));
    }
    let port = match port {
        "" => None,
        p => Some(p.parse::<u16>().map_err(|_| format!("{s:?}: {p:?} is not a port"))?),
    };
    Ok(HealthCheck { protocol, port, path })
}

/// `least-connections`, `least_connections` and `LEAST_CONNECTIONS` all name one algorithm.
pub fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.to_ascii_uppercase().replace('-', "_").parse().map_err(|_| {
        format!(
            "{s:?}: expected round-robin, least-connections, weighted-round-robin or least-latency"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_from_their_short_form() {
        let r = parse_rule("host=api.x.test,path=/v2,to=10.0.0.5:80+10.0.0.6:80").unwrap();
        assert_eq!(r.host.as_deref(), Some("api.x.test"));
        assert_eq!(r.path_prefix.as_deref(), Some("/v2"));
        assert_eq!(r.to.unwrap(), ["10.0.0.5:80", "10.0.0.6:80"]);
        let r = parse_rule("path=/old,redirect=https://x.test/new,code=301").unwrap();
        assert_eq!((r.redirect.as_deref(), r.code), (Some("https://x.test/new"), Some(301)));
        assert!(parse_rule("path=/admin,reject").unwrap().reject);
        assert!(parse_rule("host=a,nonsense").is_err());
        assert!(parse_rule("code=abc").is_err());
    }

    #[test]
    fn health_check_specs() {
        let hc = |p, port, path: Option<&str>| HealthCheck {
            protocol: p,
            port,
            path: path.map(str::to_string),
        };
        assert_eq!(parse_health_check("tcp"), Ok(hc(TrafficType::Tcp, None, None)));
        assert_eq!(parse_health_check("TCP:8080"), Ok(hc(TrafficType::Tcp, Some(8080), None)));
        assert_eq!(parse_health_check("http"), Ok(hc(TrafficType::Http, None, None)));
        assert_eq!(
            parse_health_check("http:/healthz"),
            Ok(hc(TrafficType::Http, None, Some("/healthz")))
        );
        assert_eq!(
            parse_health_check("http:8080/a/b"),
            Ok(hc(TrafficType::Http, Some(8080), Some("/a/b")))
        );
        assert!(parse_health_check("udp").is_err());
        assert!(parse_health_check("tcp:/x").is_err());
        assert!(parse_health_check("http:99999").is_err());
    }

    #[test]
    fn algorithm_spellings() {
        assert_eq!(parse_algorithm("least-latency"), Ok(Algorithm::LeastLatency));
        assert_eq!(parse_algorithm("ROUND_ROBIN"), Ok(Algorithm::RoundRobin));
        assert!(parse_algorithm("random").is_err());
    }

    #[test]
    fn command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
