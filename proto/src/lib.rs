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
