//! Domain types: typed IDs, status enums, request params (`*Create` / `*Update`, which reject
//! unknown fields) and response views. Database rows are a third family and live in `lbaas-db`;
//! the three never mix, so a column added to a table cannot leak into a response by accident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self { Self(Uuid::new_v4()) }
        }

        impl Default for $name {
            fn default() -> Self { Self::new() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    TenantId,
    TokenId,
    ProjectId,
    SubnetId,
    LoadBalancerId,
    ListenerId,
    PoolId,
    MemberId,
    NodeId,
    EventId,
    CertificateId,
    L7PolicyId
);

/// Enums stored as text in PostgreSQL (the CHECK constraints list the same spellings). The wire
/// text is the variant's SCREAMING_SNAKE_CASE name, by `rename_all`: utoipa does not read a
/// per-variant `rename` that a macro writes, and the spec listed `PendingCreate` where the API
/// sends `PENDING_CREATE`. `tests::text_enums_match_their_text` holds the two together.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where the control plane is with a resource (Octavia's `provisioning_status`).
    ProvisioningStatus {
        PendingCreate = "PENDING_CREATE",
        Active = "ACTIVE",
        PendingUpdate = "PENDING_UPDATE",
        PendingDelete = "PENDING_DELETE",
        Error = "ERROR",
    }
);

text_enum!(
    /// What the health checks observe (Octavia's `operating_status`).
    OperatingStatus {
        Online = "ONLINE",
        Degraded = "DEGRADED",
        Offline = "OFFLINE",
        NoMonitor = "NO_MONITOR",
    }
);

text_enum!(
    /// Lifecycle of one LB VM. DOWN: was ACTIVE, observed dead; out of DNS, replaced, deleted
    /// after a grace period unless it recovers first.
    NodeStatus {
        Building = "BUILDING",
        Active = "ACTIVE",
        Down = "DOWN",
        Failed = "FAILED",
        Sundown = "SUNDOWN",
        Deleted = "DELETED",
    }
);

text_enum!(
    Utilization {
        Low = "LOW",
        Medium = "MEDIUM",
        High = "HIGH",
    }
);

text_enum!(
    /// A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
    /// TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
    /// verifying the member's certificate, as Octavia's HTTPS monitor does).
    Protocol {
        Http = "HTTP",
        Tcp = "TCP",
        Https = "HTTPS",
    }
);

text_enum!(
    /// What an L7 policy does when its rules match (Octavia's names).
    L7Action {
        RedirectToPool = "REDIRECT_TO_POOL",
        RedirectToUrl = "REDIRECT_TO_URL",
        RedirectPrefix = "REDIRECT_PREFIX",
        Reject = "REJECT",
    }
);

text_enum!(
    /// What an L7 rule looks at: the host (without port, case-insensitive), the path (without
    /// query), a header (`key` names it) or a cookie (`key` names it).
    L7RuleType {
        HostName = "HOST_NAME",
        Path = "PATH",
        Header = "HEADER",
        Cookie = "COOKIE",
    }
);

text_enum!(
    L7CompareType {
        EqualTo = "EQUAL_TO",
        StartsWith = "STARTS_WITH",
        EndsWith = "ENDS_WITH",
        Contains = "CONTAINS",
    }
);

text_enum!(
    /// Balancing algorithm of a pool. `LEAST_LATENCY` is power-of-two-choices over an EWMA of
    /// latency and in-flight requests.
    Algorithm {
        RoundRobin = "ROUND_ROBIN",
        LeastConnections = "LEAST_CONNECTIONS",
        WeightedRoundRobin = "WEIGHTED_ROUND_ROBIN",
        LeastLatency = "LEAST_LATENCY",
    }
);

/// One page of a list. `next_cursor` is opaque; pass it back as `?cursor=` for the next page.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1..=1000 (default 100).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitParams {
    /// Block up to this many seconds (0..=600) until the resource leaves PENDING_*.
    pub wait: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventListParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Only events of this load balancer.
    pub load_balancer_id: Option<Uuid>,
}

// ---- tenants and tokens -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Quotas {
    pub projects: i32,
    pub load_balancers: i32,
    pub nodes: i32,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotasUpdate {
    pub projects: Option<i32>,
    pub load_balancers: Option<i32>,
    pub nodes: Option<i32>,
}

/// The mass-failover breaker (admin): whether the controller holds failovers back because too
/// many nodes went DOWN at once, and when an operator last resumed them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FailoverBreaker {
    pub open: bool,
    /// DOWN nodes and nodes counted (ACTIVE or DOWN) at the last change.
    pub down: i32,
    pub nodes: i32,
    pub changed_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
}

text_enum!(
    /// What placement may do with a hypervisor (ARCHITECTURE §14). ENABLED: new nodes go
    /// there. DISABLED: nothing new goes there, what runs stays (a cordon). DRAINING: nothing
    /// new, and its nodes are replaced elsewhere, then retired through SUNDOWN (out of DNS,
    /// drained, deleted): no request fails.
    HypervisorState {
        Enabled = "ENABLED",
        Disabled = "DISABLED",
        Draining = "DRAINING",
    }
);

/// A compute host (admin): its libvirt URI, capacity and state, how many nodes run on it, its
/// warm pool.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Hypervisor {
    pub id: Uuid,
    pub name: String,
    pub uri: String,
    /// Nodes (spares included) placement may put on it.
    pub capacity_nodes: i32,
    pub state: HypervisorState,
    /// Its controller listed its domains recently. An unreachable hypervisor gets no new nodes
    /// and its nodes are replaced elsewhere, as if it were DRAINING.
    pub reachable: bool,
    /// When its controller last reached its libvirt (never: null).
    pub seen_at: Option<DateTime<Utc>>,
    /// Nodes placed on it (any tenant), DELETED excluded.
    pub nodes: i64,
    /// Its warm pool: VMs booted ahead of need, oldest first.
    pub spare_nodes: Vec<SpareNode>,
    pub created_at: DateTime<Utc>,
}

/// A compute host to add (admin). Its controller is started with `--hypervisor NAME`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HypervisorCreate {
    /// A DNS label (RFC 1123).
    pub name: String,
    /// A libvirt QEMU URI: `qemu:///system`, `qemu+ssh://host/system`,
    /// `qemu+unix:///system?socket=/path`, ...
    pub uri: String,
    /// Default 32.
    #[serde(default)]
    pub capacity_nodes: Option<i32>,
    /// Default ENABLED.
    #[serde(default)]
    pub state: Option<HypervisorState>,
}

/// What an operator may change on a hypervisor (admin); absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HypervisorUpdate {
    pub uri: Option<String>,
    pub capacity_nodes: Option<i32>,
    pub state: Option<HypervisorState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SpareNode {
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A node as an operator sees it across tenants (admin).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FleetNode {
    pub id: NodeId,
    pub name: String,
    pub tenant: String,
    pub project: String,
    pub load_balancer: String,
    /// The hypervisor it runs on.
    pub hypervisor: String,
    pub status: NodeStatus,
    pub vip: Option<String>,
    pub utilization: Utilization,
    pub requests_per_second: f64,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub status_reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub quotas: Quotas,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantCreate {
    /// A DNS label (RFC 1123): it becomes part of every load balancer's name.
    pub name: String,
    #[serde(default)]
    pub quotas: Option<QuotasUpdate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdate {
    /// The generation you read; a stale one is a 409.
    pub generation: Option<i64>,
    pub quotas: Option<QuotasUpdate>,
}

/// A created tenant with its first token. The token is shown once and stored only hashed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantCreated {
    pub tenant: Tenant,
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Token {
    pub id: TokenId,
    pub tenant_id: Option<TenantId>,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    pub token: Token,
    /// The bearer secret, shown once.
    pub secret: String,
}

// ---- projects and subnets -----------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub tenant_id: TenantId,
    /// The DNS label (in load balancers' names); looks the project up, as does `display_name`.
    pub name: String,
    /// The name as a person wrote it (`john's project`); `name` when none was given.
    pub display_name: String,
    pub description: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCreate {
    /// A DNS label (RFC 1123).
    pub name: String,
    /// How people call it; `name` when absent. Unique per tenant.
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    pub generation: Option<i64>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Subnet {
    pub id: SubnetId,
    pub tenant_id: TenantId,
    pub project_id: ProjectId,
    pub name: String,
    /// e.g. `10.10.0.0/24`
    pub cidr: String,
    /// The address the project bridge holds; the first host address by default.
    pub gateway: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetCreate {
    pub name: String,
    pub cidr: String,
    #[serde(default)]
    pub gateway: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetUpdate {
    pub generation: Option<i64>,
    pub name: Option<String>,
}

// ---- load balancers -----------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoadBalancer {
    pub id: LoadBalancerId,
    pub tenant_id: TenantId,
    pub project_id: ProjectId,
    pub subnet_id: SubnetId,
    pub name: String,
    pub description: String,
    /// `<lb>.<project>.<tenant>.<zone>`
    pub dns_name: String,
    /// Where clients reach it, e.g. `http://web.demo.acme.lbaas.test/`.
    pub url: String,
    /// VIPs of the ACTIVE nodes.
    pub vips: Vec<String>,
    pub auto_scaling: bool,
    pub min_nodes: i32,
    pub max_nodes: i32,
    /// Nodes the load balancer should run now: `min_nodes` unless autoscale decided more.
    pub desired_nodes: i32,
    pub provisioning_status: ProvisioningStatus,
    pub operating_status: OperatingStatus,
    pub status_reason: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerCreate {
    pub name: String,
    /// Name or id of the project subnet that holds the backends.
    pub subnet: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub auto_scaling: Option<bool>,
    #[serde(default)]
    pub min_nodes: Option<i32>,
    #[serde(default)]
    pub max_nodes: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerUpdate {
    pub generation: Option<i64>,
    pub description: Option<String>,
    pub auto_scaling: Option<bool>,
    pub min_nodes: Option<i32>,
    pub max_nodes: Option<i32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Listener {
    pub id: ListenerId,
    pub tenant_id: TenantId,
    pub load_balancer_id: LoadBalancerId,
    pub name: String,
    pub protocol: Protocol,
    pub port: i32,
    pub default_pool_id: Option<PoolId>,
    /// HTTP/HTTPS: the agents cache GET responses that HTTP caching rules allow.
    pub cache: bool,
    /// HTTPS: the certificates served, chosen by the client's SNI; the first is the default.
    pub certificate_ids: Vec<CertificateId>,
    /// HTTP: every request is redirected to HTTPS on this port.
    pub redirect_https_port: Option<i32>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListenerCreate {
    pub name: String,
    pub protocol: Protocol,
    pub port: i32,
    #[serde(default)]
    pub default_pool_id: Option<PoolId>,
    /// HTTP/HTTPS: cache GET responses that HTTP caching rules allow (default off).
    #[serde(default)]
    pub cache: bool,
    /// HTTPS (required there): certificates of the same project, by id or name; the first is
    /// the default, served when the client's SNI names none of them.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// HTTP: redirect every request to `https://<host>[:port]<path>` (301 for GET/HEAD, else 308)
    /// instead of forwarding it.
    #[serde(default)]
    pub redirect_https_port: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListenerUpdate {
    pub generation: Option<i64>,
    pub default_pool_id: Option<PoolId>,
    pub cache: Option<bool>,
    /// HTTPS: replaces the certificate list (ids or names; the first is the default). Agents
    /// swap certificates without dropping connections.
    pub certificates: Option<Vec<String>>,
}

// ---- TLS certificates ---------------------------------------------------------------------

/// A certificate chain with its private key, for HTTPS listeners. The key is stored encrypted
/// and is never returned.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Certificate {
    pub id: CertificateId,
    pub tenant_id: TenantId,
    pub project_id: ProjectId,
    pub name: String,
    /// PEM, the leaf first.
    pub certificate_chain: String,
    /// DNS names the leaf serves (subjectAltName, else the common name), lower case.
    pub names: Vec<String>,
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub fingerprint_sha256: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateCreate {
    pub name: String,
    /// PEM: the leaf first, then its intermediates.
    pub certificate_chain: String,
    /// PEM private key of the leaf (PKCS#8, PKCS#1 or SEC1), unencrypted.
    pub private_key: String,
}

/// A renewal: a new chain and key under the same certificate; listeners using it switch over
/// without dropping connections.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateUpdate {
    pub generation: Option<i64>,
    pub certificate_chain: String,
    pub private_key: String,
}

// Hand-written: a request that carries a private key must not print it in any debug log.
impl std::fmt::Debug for CertificateCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCreate").field("name", &self.name).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CertificateUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateUpdate")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

// ---- L7 policies --------------------------------------------------------------------------

/// One condition of an L7 policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct L7Rule {
    #[serde(rename = "type")]
    pub rule_type: L7RuleType,
    pub compare_type: L7CompareType,
    /// HEADER and COOKIE: the header or cookie name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub value: String,
    /// Match when the comparison fails (a missing header or cookie fails it).
    #[serde(default)]
    pub invert: bool,
}

/// An ordered routing decision on an HTTP/HTTPS listener: the first policy (by `position`, then
/// age) whose rules all match acts; no match forwards to the listener's default pool.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct L7Policy {
    pub id: L7PolicyId,
    pub tenant_id: TenantId,
    pub listener_id: ListenerId,
    pub name: String,
    pub position: i32,
    pub action: L7Action,
    pub redirect_pool_id: Option<PoolId>,
    pub redirect_url: Option<String>,
    pub redirect_prefix: Option<String>,
    /// Redirects: 301, 302, 303, 307 or 308. REJECT: unused (403).
    pub redirect_http_code: Option<i32>,
    pub rules: Vec<L7Rule>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct L7PolicyCreate {
    pub name: String,
    /// 1..=1000, lower first (default 1000: after the others).
    #[serde(default)]
    pub position: Option<i32>,
    pub action: L7Action,
    /// REDIRECT_TO_POOL: a pool of the same load balancer, by id or name.
    #[serde(default)]
    pub redirect_pool: Option<String>,
    /// REDIRECT_TO_URL: an absolute http(s) URL.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// REDIRECT_PREFIX: `http(s)://host[:port][/path]`; the request's path and query follow it.
    #[serde(default)]
    pub redirect_prefix: Option<String>,
    /// Redirects: 301, 302 (default), 303, 307 or 308.
    #[serde(default)]
    pub redirect_http_code: Option<i32>,
    /// All must match; none: always (at most 16).
    #[serde(default)]
    pub rules: Vec<L7Rule>,
}

/// Replaces the whole policy but its name (send what should stay, too).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct L7PolicyUpdate {
    pub generation: Option<i64>,
    pub position: Option<i32>,
    pub action: L7Action,
    #[serde(default)]
    pub redirect_pool: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub redirect_prefix: Option<String>,
    #[serde(default)]
    pub redirect_http_code: Option<i32>,
    #[serde(default)]
    pub rules: Vec<L7Rule>,
}

/// Active health checking of a pool's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthMonitor {
    pub protocol: Protocol,
    /// Port probed on each member; the member's own port when absent.
    #[serde(default)]
    pub port: Option<i32>,
    /// HTTP only: path whose 2xx/3xx answer means healthy.
    #[serde(default)]
    pub path: Option<String>,
    /// Seconds between probes, 1..=3600.
    pub interval: i32,
    /// Seconds a probe may take, 1..=3600, not above `interval`.
    pub timeout: i32,
    /// Consecutive successes that bring a member UP, 1..=10.
    pub health_threshold: i32,
    /// Consecutive failures that take a member DOWN, 1..=10.
    pub unhealth_threshold: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Pool {
    pub id: PoolId,
    pub tenant_id: TenantId,
    pub load_balancer_id: LoadBalancerId,
    pub name: String,
    pub protocol: Protocol,
    pub algorithm: Algorithm,
    pub health_monitor: Option<HealthMonitor>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolCreate {
    pub name: String,
    pub protocol: Protocol,
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    #[serde(default)]
    pub health_monitor: Option<HealthMonitor>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolUpdate {
    pub generation: Option<i64>,
    pub algorithm: Option<Algorithm>,
    /// Replaces the monitor; send `null` explicitly through the envelope to keep it.
    pub health_monitor: Option<HealthMonitor>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub id: MemberId,
    pub tenant_id: TenantId,
    pub pool_id: PoolId,
    pub address: String,
    pub port: i32,
    pub weight: i32,
    /// HTTP path prefix the seed's URL entities carry (`http://10.0.0.5:8080/app/`).
    pub path: String,
    pub operating_status: OperatingStatus,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the load balancer's nodes last reported about traffic to this member; absent until
    /// a node has reported on it.
    pub traffic: Option<MemberTraffic>,
}

/// A member's traffic, summed over its load balancer's nodes (each node's running totals since
/// its agent started; latencies over a recent window, the worst node's).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberTraffic {
    pub requests: i64,
    /// Failed exchanges: connect errors, timeouts, 5xx answers.
    pub errors: i64,
    pub active_connections: i64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// When a node last reported on this member.
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberCreate {
    pub address: String,
    pub port: i32,
    #[serde(default)]
    pub weight: Option<i32>,
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    pub generation: Option<i64>,
    pub weight: Option<i32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Node {
    pub id: NodeId,
    pub tenant_id: TenantId,
    pub load_balancer_id: LoadBalancerId,
    pub name: String,
    pub vip: Option<String>,
    pub status: NodeStatus,
    pub utilization: Utilization,
    /// Agent CPU (0..1 per core), from its last heartbeat: what autoscale reads.
    pub cpu: f64,
    /// Requests per second the agent served, from its last heartbeat.
    pub requests_per_second: f64,
    /// Client connections open on the agent, from its last heartbeat.
    pub active_connections: i64,
    pub status_reason: String,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: EventId,
    pub load_balancer_id: Option<LoadBalancerId>,
    pub node_id: Option<NodeId>,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// Every error body: `{"error": {"code": "invalid_subnet", "message": "…"}}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: crate::ErrorCode,
    /// For a person: what was wrong and, where it helps, what to do.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_match_their_text() {
        fn check<T: Serialize + std::fmt::Display + utoipa::PartialSchema>(all: &[T]) {
            let schema = serde_json::to_value(T::schema()).unwrap();
            for v in all {
                assert_eq!(
                    serde_json::to_value(v).unwrap(),
                    serde_json::Value::from(v.to_string())
                );
                let listed = schema["enum"].as_array().unwrap();
                assert!(listed.contains(&serde_json::Value::from(v.to_string())), "{schema}");
            }
        }
        check(ProvisioningStatus::ALL);
        check(OperatingStatus::ALL);
        check(NodeStatus::ALL);
        check(Utilization::ALL);
        check(Protocol::ALL);
        check(Algorithm::ALL);
        check(L7Action::ALL);
        check(L7RuleType::ALL);
        check(L7CompareType::ALL);
        check(HypervisorState::ALL);
    }
}
