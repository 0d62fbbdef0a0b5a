//! Input validation shared by the REST API and the JSON envelope, so both front doors reject the
//! same input with the same code. Pure functions; the database repeats the structural rules as
//! constraints (overlap, member-in-subnet) because it is the last line of defence.

use crate::error::ErrorCode;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::{Error, Result};
use crate::types::{HealthMonitor, Protocol};

/// RFC 1123 label: 1..=63 of `[a-z0-9-]`, not starting or ending with `-`. Upper case is refused
/// rather than folded so the name a user sends is the name in DNS.
pub fn name(kind: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidName,
            format!(
                "{kind} name {value:?} is not a DNS label: use 1-63 lowercase letters, digits \
                 and '-', not starting or ending with '-'"
            ),
        ))
    }
}

pub fn description(value: &str) -> Result<()> {
    if value.len() > 1024 {
        return Err(Error::invalid(
            ErrorCode::InvalidDescription,
            "description longer than 1024 bytes",
        ));
    }
    Ok(())
}

/// A display name: what a person calls a resource (`john's project`): 1..=255 bytes, no
/// control characters.
pub fn display_name(value: &str) -> Result<()> {
    if value.trim().is_empty() || value.len() > 255 || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            format!("display name {value:?} must be 1 to 255 bytes without control characters"),
        ));
    }
    Ok(())
}

/// A subnet CIDR: canonical network address (host bits zero), IPv4 prefix 8..=30 or IPv6
/// 64..=126, so it has room for a gateway, nodes and members.
pub fn cidr(value: &str) -> Result<IpNet> {
    let net: IpNet = value.parse().map_err(|_| {
        Error::invalid(
            ErrorCode::InvalidSubnet,
            format!("{value:?} is not a CIDR such as 10.10.0.0/24"),
        )
    })?;
    if net.network() != net.addr() {
        return Err(Error::invalid(
            ErrorCode::InvalidSubnet,
            format!("{value:?} has host bits set; did you mean {}?", net.trunc()),
        ));
    }
    let (min, max) = match net {
        IpNet::V4(_) => (8, 30),
        IpNet::V6(_) => (64, 126),
    };
    if net.prefix_len() < min || net.prefix_len() > max {
        return Err(Error::invalid(
            ErrorCode::InvalidSubnet,
            format!("prefix length of {value:?} must be between {min} and {max}"),
        ));
    }
    Ok(net)
}

/// The gateway of a subnet: given, it must be a host address inside it; absent, the first host.
pub fn gateway(net: &IpNet, value: Option<&str>) -> Result<IpAddr> {
    match value {
        None => net.hosts().next().ok_or_else(|| {
            Error::invalid(ErrorCode::InvalidSubnet, format!("subnet {net} has no host addresses"))
        }),
        Some(v) => {
            let addr: IpAddr = v.parse().map_err(|_| {
                Error::invalid(
                    ErrorCode::InvalidGateway,
                    format!("gateway {v:?} is not an IP address"),
                )
            })?;
            if !host_in(net, addr) {
                return Err(Error::invalid(
                    ErrorCode::InvalidGateway,
                    format!("gateway {addr} is not a host address of {net}"),
                ));
            }
            Ok(addr)
        }
    }
}

/// True when `addr` is inside `net` and neither its network nor (IPv4) broadcast address.
pub fn host_in(net: &IpNet, addr: IpAddr) -> bool {
    net.contains(&addr)
        && addr != net.network()
        && !(matches!(net, IpNet::V4(_)) && addr == net.broadcast())
}

/// A member address: an IP host address inside the load balancer's subnet.
pub fn member_address(net: &IpNet, value: &str) -> Result<IpAddr> {
    let addr: IpAddr = value.parse().map_err(|_| {
        Error::invalid(
            ErrorCode::InvalidMember,
            format!("member address {value:?} is not an IP address"),
        )
    })?;
    if !host_in(net, addr) {
        return Err(Error::invalid(
            ErrorCode::MemberOutsideSubnet,
            format!("member address {addr} is not a host address of the subnet {net}"),
        ));
    }
    Ok(addr)
}

pub fn port(what: &str, value: i32) -> Result<()> {
    if (1..=65535).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(ErrorCode::InvalidPort, format!("{what} {value} is not in 1..65535")))
    }
}

/// The response cache is HTTP's: a TCP listener cannot see requests to cache.
pub fn listener_cache(protocol: Protocol, cache: bool) -> Result<()> {
    if cache && protocol != Protocol::Http {
        return Err(Error::invalid(
            ErrorCode::CacheNeedsHttp,
            "the response cache works on HTTP listeners only; this one is TCP",
        ));
    }
    Ok(())
}

pub fn weight(value: i32) -> Result<()> {
    if (0..=256).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(ErrorCode::InvalidWeight, format!("weight {value} is not in 0..256")))
    }
}

pub fn http_path(what: &str, value: &str) -> Result<()> {
    if value.starts_with('/') && value.len() <= 1024 && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidPath,
            format!("{what} {value:?} must start with '/' and hold no control characters"),
        ))
    }
}

pub fn health_monitor(hm: &HealthMonitor) -> Result<()> {
    let range = |what: &str, v: i32, lo: i32, hi: i32| {
        if (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err(Error::invalid(
                ErrorCode::InvalidHealthCheck,
                format!("health-check {what} {v} is not in {lo}..{hi}"),
            ))
        }
    };
    range("interval", hm.interval, 1, 3600)?;
    range("timeout", hm.timeout, 1, 3600)?;
    range("health-threshold", hm.health_threshold, 1, 10)?;
    range("unhealth-threshold", hm.unhealth_threshold, 1, 10)?;
    if hm.timeout > hm.interval {
        return Err(Error::invalid(
            ErrorCode::InvalidHealthCheck,
            format!(
                "health-check timeout {}s is longer than its interval {}s",
                hm.timeout, hm.interval
            ),
        ));
    }
    if let Some(p) = hm.port {
        port("health-check port", p)?;
    }
    if let Some(path) = &hm.path {
        http_path("health-check request-path", path)?;
    }
    Ok(())
}

pub fn quota(what: &str, value: i32) -> Result<()> {
    if (0..=100_000).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidQuota,
            format!("quota {what} {value} is not in 0..100000"),
        ))
    }
}

pub fn node_counts(min: i32, max: i32) -> Result<()> {
    if !(1..=64).contains(&min) || !(1..=64).contains(&max) || min > max {
        return Err(Error::invalid(
            ErrorCode::InvalidNodeCount,
            format!("min_nodes {min} and max_nodes {max} must satisfy 1 <= min <= max <= 64"),
        ));
    }
    Ok(())
}

/// A backend entity in the seed's spellings: `IP`, `IP:port`, `[v6]:port` or
/// `http://IP[:port][/path]`. The port defaults to `default_port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub address: IpAddr,
    pub port: i32,
    pub path: String,
}

pub fn entity(value: &str, default_port: i32) -> Result<Entity> {
    let bad = || {
        Error::invalid(
            ErrorCode::InvalidMember,
            format!(
                "backend entity {value:?} is not an IP, IP:port or http://IP:port/path address"
            ),
        )
    };
    let (rest, path, scheme_port) = if let Some(rest) = value.strip_prefix("http://") {
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        (hostport, path.to_string(), 80)
    } else if value.contains('/') {
        return Err(bad());
    } else {
        (value, "/".to_string(), default_port)
    };
    if let Ok(addr) = rest.parse::<IpAddr>() {
        return Ok(Entity { address: addr, port: scheme_port, path });
    }
    let sa: std::net::SocketAddr = rest.parse().map_err(|_| bad())?;
    let port = i32::from(sa.port());
    self::port("backend port", port)?;
    http_path("backend path", &path)?;
    Ok(Entity { address: sa.ip(), port, path })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Protocol;

    #[test]
    fn names_follow_rfc1123() {
        for ok in ["a", "web", "web-1", "0abc", &"a".repeat(63)] {
            assert!(name("x", ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "Web", "a_b", "a.b", &"a".repeat(64), "é"] {
            let err = name("x", bad).unwrap_err();
            assert_eq!(err.code(), "invalid_name", "{bad}");
        }
    }

    #[test]
    fn cidrs_must_be_canonical_and_sized() {
        assert_eq!(cidr("10.10.0.0/24").unwrap().to_string(), "10.10.0.0/24");
        assert!(cidr("fd00::/64").is_ok());
        for bad in ["10.10.0.1/24", "10.0.0.0/31", "10.0.0.0/4", "nope", "10.0.0.0", "300.0.0.0/8"]
        {
            assert_eq!(cidr(bad).unwrap_err().code(), "invalid_subnet", "{bad}");
        }
    }

    #[test]
    fn gateway_defaults_to_first_host_and_must_be_inside() {
        let net = cidr("10.10.0.0/24").unwrap();
        assert_eq!(gateway(&net, None).unwrap().to_string(), "10.10.0.1");
        assert_eq!(gateway(&net, Some("10.10.0.254")).unwrap().to_string(), "10.10.0.254");
        for bad in ["10.10.0.0", "10.10.0.255", "10.10.1.1", "x"] {
            assert_eq!(gateway(&net, Some(bad)).unwrap_err().code(), "invalid_gateway");
        }
    }

    #[test]
    fn members_must_be_hosts_of_the_subnet() {
        let net = cidr("10.10.0.0/24").unwrap();
        assert!(member_address(&net, "10.10.0.11").is_ok());
        assert_eq!(member_address(&net, "10.20.0.1").unwrap_err().code(), "member_outside_subnet");
        assert_eq!(
            member_address(&net, "10.10.0.255").unwrap_err().code(),
            "member_outside_subnet"
        );
        assert_eq!(member_address(&net, "web").unwrap_err().code(), "invalid_member");
    }

    #[test]
    fn entities_in_every_seed_spelling() {
        let e = entity("10.10.0.11:8080", 80).unwrap();
        assert_eq!(
            (e.address.to_string(), e.port, e.path.as_str()),
            ("10.10.0.11".into(), 8080, "/")
        );
        let e = entity("10.10.0.11", 9000).unwrap();
        assert_eq!(e.port, 9000);
        let e = entity("http://10.10.0.12:8080/app/", 80).unwrap();
        assert_eq!((e.port, e.path.as_str()), (8080, "/app/"));
        let e = entity("http://10.10.0.12", 8080).unwrap();
        assert_eq!(e.port, 80);
        let e = entity("[fd00::5]:81", 80).unwrap();
        assert_eq!(e.port, 81);
        for bad in ["10.10.0.11:0", "10.10.0.11:70000", "https://10.0.0.1/", "web:80", "10.0.0.1/x"]
        {
            assert!(entity(bad, 80).is_err(), "{bad}");
        }
    }

    #[test]
    fn health_monitor_ranges() {
        let mut hm = HealthMonitor {
            protocol: Protocol::Http,
            port: Some(8080),
            path: Some("/healthz".into()),
            interval: 5,
            timeout: 5,
            health_threshold: 2,
            unhealth_threshold: 2,
        };
        assert!(health_monitor(&hm).is_ok());
        hm.timeout = 6;
        assert_eq!(health_monitor(&hm).unwrap_err().code(), "invalid_health_check");
        hm.timeout = 1;
        hm.unhealth_threshold = 0;
        assert!(health_monitor(&hm).is_err());
        hm.unhealth_threshold = 3;
        hm.path = Some("healthz".into());
        assert_eq!(health_monitor(&hm).unwrap_err().code(), "invalid_path");
        hm.path = None;
        hm.port = Some(0);
        assert_eq!(health_monitor(&hm).unwrap_err().code(), "invalid_port");
    }
}
