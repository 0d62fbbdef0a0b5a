//! The controller ↔ agent protocol.
//!
//! Transport: a virtio-serial port (`org.lbaas.agent.0`); libvirt binds a unix socket on the
//! host, the guest sees `/dev/vportNpM`. No IP and no vsock needed (there is no vhost-vsock on
//! these hypervisors). Framing: one JSON object per line, UTF-8, at most [`MAX_LINE`] bytes.
//!
//! Semantics:
//! - The agent sends [`FromAgent::Hello`] when it starts and again whenever it sees a
//!   [`ToAgent::Ping`], so a controller that (re)connects learns the applied generation at once.
//! - [`ToAgent::Config`] carries a generation. Applying is idempotent: the same generation twice
//!   is acknowledged without change; an older one is acknowledged with the current generation and
//!   not applied. Every config is answered by [`FromAgent::Ack`].
//! - The agent sends [`FromAgent::Heartbeat`] at least once a second with its load and
//!   per-member statistics; a controller treats a silence of a few seconds as a dead agent.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The virtio-serial port name (the `<target name=…>` of the libvirt channel).
pub const CHANNEL_NAME: &str = "org.lbaas.agent.0";

/// Longest accepted line; a longer one is a protocol error and closes the connection.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToAgent {
    Config {
        generation: u64,
        config: AgentConfig,
    },
    /// Stop accepting, finish in-flight work within `seconds`, report `Drained`.
    Drain {
        seconds: u32,
    },
    Ping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromAgent {
    Hello { node: String, version: String, generation: u64 },
    Ack { generation: u64, error: Option<String> },
    Heartbeat(Heartbeat),
    Drained,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Protocol {
    Http,
    Tcp,
    /// HTTP behind TLS terminated by the agent ([`ListenerConfig::tls`]).
    Https,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Algorithm {
    #[default]
    RoundRobin,
    LeastConnections,
    WeightedRoundRobin,
    LeastLatency,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentConfig {
    pub listeners: Vec<ListenerConfig>,
    /// The node's addresses. A node booted for a load balancer also has them from its kernel
    /// command line; a spare from the warm pool boots without and gets them here when claimed.
    /// None: leave the NICs as they are (an agent run outside a VM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// eth0, on the public bridge: `<vip>/<len>`.
    pub vip: String,
    /// eth1, on the project bridge: `<address>/<len>`.
    pub project: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerConfig {
    pub name: String,
    pub protocol: Protocol,
    /// Bound on all of the node's addresses (the VIP).
    pub port: u16,
    #[serde(default)]
    pub algorithm: Algorithm,
    pub members: Vec<MemberConfig>,
    /// HTTP only: cache GET responses that HTTP caching rules allow.
    #[serde(default)]
    pub cache: bool,
    /// HTTPS only: the certificates served, chosen by SNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
    /// HTTP only: answer every request with a redirect to `https://<host>:<port><path>` (308,
    /// or 301 for GET/HEAD) instead of proxying it. The port is left out of the URL when 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_https_port: Option<u16>,
    /// HTTP/HTTPS only: pools other than the default one (`members`), named by L7 policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<PoolConfig>,
    /// HTTP/HTTPS only: L7 policies, tried in order; the first whose rules all match acts. No
    /// match: the default pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyConfig>,
}

/// TLS termination of an HTTPS listener: TLS 1.2 and 1.3, ALPN `h2` and `http/1.1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsConfig {
    /// Chosen by the client's SNI against each certificate's `names` (exact, or `*.suffix` for
    /// one label); the first is the default, served when SNI is absent or matches none.
    pub certificates: Vec<CertificateConfig>,
}

/// One certificate with its key. The key crosses only the host-local controller ↔ agent
/// channel; the agent keeps it in memory and never writes or logs it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateConfig {
    pub id: String,
    /// DNS names (subject alternative names, else the common name), lower case; `*.` wildcards.
    pub names: Vec<String>,
    /// PEM: the leaf first, then its chain.
    pub chain_pem: String,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: String,
}

impl std::fmt::Debug for CertificateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key, not even in a debug log.
        f.debug_struct("CertificateConfig")
            .field("id", &self.id)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// A pool an L7 policy forwards to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolConfig {
    pub id: String,
    #[serde(default)]
    pub algorithm: Algorithm,
    pub members: Vec<MemberConfig>,
}

/// An L7 policy: when every rule matches (no rules: always), act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyConfig {
    pub id: String,
    pub rules: Vec<RuleConfig>,
    pub action: ActionConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionConfig {
    /// To one of the listener's `pools`, by id.
    Forward { pool: String },
    /// Redirect to this URL as is.
    RedirectUrl { url: String, status: u16 },
    /// Redirect to `prefix` followed by the request's path and query.
    RedirectPrefix { prefix: String, status: u16 },
    /// Answer with this status (e.g. 403) and no proxying.
    Reject { status: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleConfig {
    pub kind: RuleKind,
    pub compare: Compare,
    /// The header or cookie name (HEADER, COOKIE); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub value: String,
    /// Matches when the comparison does not (a missing header or cookie: does not compare).
    #[serde(default)]
    pub invert: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleKind {
    /// The request's host (`Host` or the h2 authority) without its port, compared ASCII
    /// case-insensitively.
    HostName,
    /// The request's path (no query).
    Path,
    Header,
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compare {
    EqualTo,
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberConfig {
    pub id: String,
    pub address: IpAddr,
    pub port: u16,
    #[serde(default = "one")]
    pub weight: u32,
    /// Active health as decided by the control plane; a DOWN member gets no new traffic.
    #[serde(default = "yes")]
    pub up: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The config generation in force.
    pub generation: u64,
    pub uptime_ms: u64,
    pub active_connections: u64,
    pub requests_total: u64,
    pub requests_per_second: f64,
    /// CPU use of the agent process, 0.0..=1.0 per core.
    pub cpu: f64,
    pub members: Vec<MemberStats>,
    /// Requests answered from a listener's response cache since start (absent from older agents).
    #[serde(default)]
    pub cache_hits: u64,
    /// Cacheable requests (on listeners with `cache`) that went to a member.
    #[serde(default)]
    pub cache_misses: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MemberStats {
    pub id: String,
    pub requests: u64,
    pub errors: u64,
    pub active: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Passive health ejected it (connect errors / 5xx) for a back-off period.
    pub ejected: bool,
}

/// Encodes one message as a line (with the trailing `\n`).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec(msg).expect("protocol messages serialize");
    v.push(b'\n');
    v
}

pub fn decode<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let msg = ToAgent::Config {
            generation: 7,
            config: AgentConfig {
                listeners: vec![ListenerConfig {
                    name: "default".into(),
                    protocol: Protocol::Http,
                    port: 80,
                    algorithm: Algorithm::LeastLatency,
                    members: vec![MemberConfig {
                        id: "m1".into(),
                        address: "10.10.0.11".parse().unwrap(),
                        port: 8080,
                        weight: 2,
                        up: true,
                    }],
                    cache: false,
                    tls: None,
                    redirect_https_port: None,
                    pools: vec![],
                    policies: vec![],
                }],
                network: Some(NetworkConfig {
                    vip: "198.18.0.10/16".into(),
                    project: "10.10.0.253/24".into(),
                }),
            },
        };
        let line = encode(&msg);
        assert_eq!(*line.last().unwrap(), b'\n');
        let back: ToAgent = decode(&line[..line.len() - 1]).unwrap();
        assert_eq!(back, msg);
        let s = String::from_utf8(line).unwrap();
        assert!(s.starts_with(r#"{"type":"config","generation":7"#), "{s}");
        assert!(s.contains(r#""algorithm":"LEAST_LATENCY""#), "{s}");
    }

    #[test]
    fn defaults_keep_old_controllers_working() {
        let m: MemberConfig = decode(br#"{"id":"a","address":"10.0.0.1","port":80}"#).unwrap();
        assert_eq!((m.weight, m.up), (1, true));
        let hb: FromAgent = decode(br#"{"type":"heartbeat","generation":3,"uptime_ms":1,"active_connections":0,"requests_total":0,"requests_per_second":0.0,"cpu":0.0,"members":[]}"#).unwrap();
        assert!(matches!(hb, FromAgent::Heartbeat(Heartbeat { generation: 3, .. })));
    }
}
