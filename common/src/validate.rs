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

/// A libvirt URI for the QEMU driver (`qemu:///system`, `qemu+ssh://host/system`,
/// `qemu+unix:///system?socket=/path`, ...): the controller opens it as given.
pub fn libvirt_uri(value: &str) -> Result<()> {
    let scheme = value.split("://").next().unwrap_or_default();
    let transport_ok = match scheme.strip_prefix("qemu") {
        Some("") => true,
        Some(t) => ["+unix", "+ssh", "+tcp", "+tls", "+libssh", "+libssh2"].contains(&t),
        None => false,
    };
    let ok = transport_ok
        && value.contains("://")
        && value.len() <= 1024
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidUri,
            format!(
                "{value:?} is not a libvirt QEMU URI: use qemu:///system, \
                 qemu+ssh://HOST/system or qemu+unix:///system?socket=PATH"
            ),
        ))
    }
}

/// Nodes a hypervisor may hold (spares included).
pub fn capacity_nodes(value: i32) -> Result<()> {
    if (0..=10_000).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidCapacity,
            format!("capacity_nodes {value} is out of range: use 0 to 10000"),
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
    if cache && protocol == Protocol::Tcp {
        return Err(Error::invalid(
            ErrorCode::CacheNeedsHttp,
            "the response cache works on HTTP and HTTPS listeners only; this one is TCP",
        ));
    }
    Ok(())
}

/// Certificates are an HTTPS listener's and it needs at least one; the redirect to HTTPS is a
/// plain HTTP listener's. At most 32 certificates (SNI) per listener.
pub fn listener_tls(
    protocol: Protocol,
    certificates: &[String],
    redirect: Option<i32>,
) -> Result<()> {
    match (protocol, certificates.is_empty()) {
        (Protocol::Https, true) => {
            return Err(Error::invalid(
                ErrorCode::CertificateRequired,
                "an HTTPS listener needs at least one certificate (`certificates`)",
            ))
        }
        (Protocol::Http | Protocol::Tcp, false) => {
            return Err(Error::invalid(
                ErrorCode::CertificateNeedsHttps,
                format!("certificates are served by HTTPS listeners only; this one is {protocol}"),
            ))
        }
        _ => {}
    }
    if certificates.len() > 32 {
        return Err(Error::invalid(
            ErrorCode::InvalidField,
            "at most 32 certificates per listener",
        ));
    }
    if let Some(p) = redirect {
        port("redirect_https_port", p)?;
        if protocol != Protocol::Http {
            return Err(Error::invalid(
                ErrorCode::RedirectNeedsHttp,
                format!("only an HTTP listener redirects to HTTPS; this one is {protocol}"),
            ));
        }
    }
    Ok(())
}

/// Pools carry what their members speak: HTTP or TCP (an HTTPS listener forwards HTTP).
pub fn pool_protocol(protocol: Protocol) -> Result<()> {
    if protocol == Protocol::Https {
        return Err(Error::invalid(
            ErrorCode::InvalidProtocol,
            "a pool's protocol is what its members speak, HTTP or TCP; an HTTPS listener \
             terminates TLS and forwards HTTP to an HTTP pool",
        ));
    }
    Ok(())
}

/// An L7 policy's action and rules, as given, for a listener of `protocol` on `port`;
/// `redirect_pool` is checked against the load balancer by the caller. Returns the redirect
/// code to store (302 by default for redirects).
pub fn l7_policy(
    p: &crate::types::L7PolicyUpdate,
    protocol: Protocol,
    port: i32,
) -> Result<Option<i32>> {
    if protocol == Protocol::Tcp {
        return Err(Error::invalid(
            ErrorCode::PolicyNeedsHttp,
            "L7 policies act on HTTP requests; this listener is TCP",
        ));
    }
    use crate::types::L7Action as A;
    let bad = |m: String| Error::invalid(ErrorCode::InvalidL7Policy, m);
    if let Some(pos) = p.position {
        if !(1..=1000).contains(&pos) {
            return Err(bad(format!("position {pos} is not in 1..1000")));
        }
    }
    let given = [
        ("redirect_pool", p.redirect_pool.is_some(), A::RedirectToPool),
        ("redirect_url", p.redirect_url.is_some(), A::RedirectToUrl),
        ("redirect_prefix", p.redirect_prefix.is_some(), A::RedirectPrefix),
    ];
    for (field, present, action) in given {
        if present != (p.action == action) {
            return Err(bad(if present {
                format!("{field} does not go with action {}", p.action)
            } else {
                format!("action {} needs {field}", p.action)
            }));
        }
    }
    let code = match p.action {
        A::RedirectToUrl | A::RedirectPrefix => {
            let code = p.redirect_http_code.unwrap_or(302);
            if ![301, 302, 303, 307, 308].contains(&code) {
                return Err(bad(format!(
                    "redirect_http_code {code} is not 301, 302, 303, 307 or 308"
                )));
            }
            Some(code)
        }
        A::RedirectToPool | A::Reject => {
            if p.redirect_http_code.is_some() {
                return Err(bad(format!(
                    "redirect_http_code does not go with action {}",
                    p.action
                )));
            }
            None
        }
    };
    let target = p.redirect_url.as_deref().or(p.redirect_prefix.as_deref());
    if let Some(t) = target {
        let (scheme, host, target_port, path) = redirect_target(t).ok_or_else(|| {
            bad(format!("redirect target {t:?} must be an absolute http:// or https:// URL"))
        })?;
        let own_scheme = if protocol == Protocol::Https { "https" } else { "http" };
        let same_listener = scheme == own_scheme && target_port == port;
        if same_listener && would_match_again(&p.rules, (host, path)) {
            return Err(Error::invalid(
                ErrorCode::RedirectLoop,
                format!("redirecting to {t:?} would be redirected again by this same policy"),
            ));
        }
    }
    if p.rules.len() > 16 {
        return Err(Error::invalid(ErrorCode::InvalidL7Rule, "at most 16 rules per policy"));
    }
    for r in &p.rules {
        l7_rule(r)?;
    }
    Ok(code)
}

fn l7_rule(r: &crate::types::L7Rule) -> Result<()> {
    use crate::types::L7RuleType as T;
    let bad = |m: String| Error::invalid(ErrorCode::InvalidL7Rule, m);
    if r.value.is_empty() || r.value.len() > 1024 || r.value.chars().any(|c| c.is_control()) {
        return Err(bad(format!(
            "rule value {:?} must be 1..1024 characters, no control ones",
            r.value
        )));
    }
    match (r.rule_type, &r.key) {
        (T::Header | T::Cookie, None) => {
            Err(bad(format!("a {} rule needs `key` (the name to look at)", r.rule_type)))
        }
        (T::Header | T::Cookie, Some(k)) => {
            let token = !k.is_empty()
                && k.len() <= 256
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if token {
                Ok(())
            } else {
                Err(bad(format!("{} name {k:?} is not an HTTP token", r.rule_type)))
            }
        }
        (T::HostName | T::Path, Some(_)) => {
            Err(bad(format!("a {} rule takes no `key`", r.rule_type)))
        }
        (T::Path, None)
            if r.compare_type == crate::types::L7CompareType::EqualTo
                && !r.value.starts_with('/') =>
        {
            Err(bad(format!("path {:?} must start with '/'", r.value)))
        }
        _ => Ok(()),
    }
}

/// `(scheme, host, port, path)` of an absolute http(s) URL.
fn redirect_target(url: &str) -> Option<(&str, &str, i32, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c == ' ') {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, default_port),
    };
    (!host.is_empty()).then_some((scheme, host, port, path.split('?').next().unwrap_or("/")))
}

/// Whether a request for `target` on the same listener surely matches every rule again: a loop
/// a policy makes with itself. Without a host rule the target may be another site, and header
/// and cookie rules are unknown for the redirected request, so only what surely loops is
/// refused.
fn would_match_again(rules: &[crate::types::L7Rule], (host, path): (&str, &str)) -> bool {
    use crate::types::{L7CompareType as C, L7RuleType as T};
    let path = if path.is_empty() { "/" } else { path };
    rules.iter().any(|r| r.rule_type == T::HostName && !r.invert)
        && rules.iter().all(|r| {
            let compare = |s: &str, v: &str| match r.compare_type {
                C::EqualTo => s == v,
                C::StartsWith => s.starts_with(v),
                C::EndsWith => s.ends_with(v),
                C::Contains => s.contains(v),
            };
            let hit = match r.rule_type {
                T::HostName => compare(&host.to_ascii_lowercase(), &r.value.to_ascii_lowercase()),
                T::Path => compare(path, &r.value),
                T::Header | T::Cookie => return true,
            };
            hit != r.invert
        })
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

    fn policy(action: crate::types::L7Action) -> crate::types::L7PolicyUpdate {
        crate::types::L7PolicyUpdate {
            generation: None,
            position: None,
            action,
            redirect_pool: None,
            redirect_url: None,
            redirect_prefix: None,
            redirect_http_code: None,
            rules: vec![],
        }
    }

    fn rule(
        t: crate::types::L7RuleType,
        c: crate::types::L7CompareType,
        v: &str,
    ) -> crate::types::L7Rule {
        crate::types::L7Rule {
            rule_type: t,
            compare_type: c,
            key: None,
            value: v.into(),
            invert: false,
        }
    }

    #[test]
    fn l7_policies_are_checked_whole() {
        use crate::types::{L7Action as A, L7CompareType as C, L7RuleType as T};
        let l7_policy = |p: &crate::types::L7PolicyUpdate| l7_policy(p, Protocol::Https, 443);
        let code = |p: &crate::types::L7PolicyUpdate| l7_policy(p).unwrap_err().code().as_str();
        let mut p = policy(A::RedirectToPool);
        assert_eq!(code(&p), "invalid_l7_policy", "the pool is missing");
        p.redirect_pool = Some("api".into());
        assert_eq!(l7_policy(&p).unwrap(), None);
        p.redirect_http_code = Some(301);
        assert_eq!(code(&p), "invalid_l7_policy", "a code on a forward");

        let mut p = policy(A::RedirectPrefix);
        p.redirect_prefix = Some("https://www.example.com".into());
        assert_eq!(l7_policy(&p).unwrap(), Some(302));
        p.redirect_http_code = Some(200);
        assert_eq!(code(&p), "invalid_l7_policy");
        p.redirect_http_code = Some(308);
        p.redirect_url = Some("https://x.test/".into());
        assert_eq!(code(&p), "invalid_l7_policy", "two targets");
        p.redirect_url = None;
        p.redirect_prefix = Some("/relative".into());
        assert_eq!(code(&p), "invalid_l7_policy", "not absolute");

        // A policy that redirects what it matches onto something it matches again loops.
        let mut p = policy(A::RedirectToUrl);
        p.redirect_url = Some("https://old.example.com/new".into());
        p.rules = vec![rule(T::HostName, C::EqualTo, "OLD.example.com")];
        assert_eq!(code(&p), "redirect_loop");
        p.rules.push(rule(T::Path, C::StartsWith, "/old"));
        assert_eq!(l7_policy(&p).unwrap(), Some(302), "/new does not start with /old");
        p.rules[1].invert = true;
        assert_eq!(code(&p), "redirect_loop");
        p.redirect_url = Some("http://old.example.com/new".into());
        assert_eq!(l7_policy(&p).unwrap(), Some(302), "another listener (http)");
        p.redirect_url = Some("https://old.example.com:8443/new".into());
        assert_eq!(l7_policy(&p).unwrap(), Some(302), "another listener (port)");
        assert_eq!(
            super::l7_policy(&p, Protocol::Tcp, 80).unwrap_err().code(),
            "policy_needs_http"
        );

        let mut p = policy(A::Reject);
        p.rules = vec![rule(T::Header, C::Contains, "bot")];
        assert_eq!(code(&p), "invalid_l7_rule", "a header rule names its header");
        p.rules[0].key = Some("user-agent".into());
        assert_eq!(l7_policy(&p).unwrap(), None);
        p.rules[0].key = Some("bad header".into());
        assert_eq!(code(&p), "invalid_l7_rule");
        p.rules = vec![rule(T::Path, C::EqualTo, "no-slash")];
        assert_eq!(code(&p), "invalid_l7_rule");
        p.rules = vec![rule(T::Path, C::Contains, "")];
        assert_eq!(code(&p), "invalid_l7_rule");
        p.position = Some(0);
        assert_eq!(code(&p), "invalid_l7_policy");
    }

    #[test]
    fn tls_settings_belong_to_their_protocols() {
        let certs = vec!["web".to_string()];
        assert!(listener_tls(Protocol::Https, &certs, None).is_ok());
        assert_eq!(
            listener_tls(Protocol::Https, &[], None).unwrap_err().code(),
            "certificate_required"
        );
        assert_eq!(
            listener_tls(Protocol::Http, &certs, None).unwrap_err().code(),
            "certificate_needs_https"
        );
        assert!(listener_tls(Protocol::Http, &[], Some(443)).is_ok());
        assert_eq!(
            listener_tls(Protocol::Tcp, &[], Some(443)).unwrap_err().code(),
            "redirect_needs_http"
        );
        assert_eq!(listener_tls(Protocol::Http, &[], Some(0)).unwrap_err().code(), "invalid_port");
        assert_eq!(pool_protocol(Protocol::Https).unwrap_err().code(), "invalid_protocol");
        assert!(listener_cache(Protocol::Https, true).is_ok());
    }
}
