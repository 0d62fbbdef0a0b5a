//! Shared vocabulary of every lbaas process: domain types, the error type, input validation and
//! the naming rules that tie a load balancer to its DNS name and URL.

pub mod error;
pub mod types;
pub mod validate;

pub use error::{Error, ErrorCode, Result};

/// Host object names shared by the controller (which makes them) and healthcheckd (which
/// probes from inside them). Everything starts with the deployment's prefix: GC touches only
/// those.
pub mod names {
    use uuid::Uuid;

    /// Where VIPs live and clients and node probes run.
    pub fn public_namespace(prefix: &str) -> String {
        format!("{prefix}-pub")
    }

    /// The name an instance's subnet gets when only its CIDR is given (`10.10.0.0/24` →
    /// `net-10-10-0-0-24`): a DNS label, so REST users and the CLI can address it.
    pub fn subnet(net: &ipnet::IpNet) -> String {
        let s: String = net
            .to_string()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!("net-{}", s.trim_matches('-'))
    }

    /// The DNS label a human name gets (`john's project` → `johns-project`): lowercase ASCII
    /// letters and digits kept, apostrophes dropped, any other run of characters one `-`, cut
    /// to 63. `None` when nothing is left to make a label of.
    pub fn label_from(human: &str) -> Option<String> {
        let mut out = String::new();
        for c in human.chars().filter(|c| !matches!(c, '\'' | '’')) {
            match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9') => out.push(c),
                _ if !out.is_empty() && !out.ends_with('-') => out.push('-'),
                _ => {}
            }
        }
        out.truncate(63);
        let label = out.trim_end_matches('-').to_string();
        (!label.is_empty()).then_some(label)
    }

    /// One per project with subnets: its bridge carries the gateways, members and node legs.
    pub fn project_namespace(prefix: &str, project: Uuid) -> String {
        format!("{prefix}-p-{}", &project.simple().to_string()[..8])
    }
}

/// The default authoritative zone (ARCHITECTURE §6).
pub const DEFAULT_ZONE: &str = "lbaas.test";

/// `<lb>.<project>.<tenant>.<zone>`: tenant names are unique and every part is a DNS label, so
/// two load balancers never share a name.
pub fn lb_dns_name(lb: &str, project: &str, tenant: &str, zone: &str) -> String {
    format!("{lb}.{project}.{tenant}.{}", zone.trim_end_matches('.'))
}

/// The URL a tenant uses: `http://<name>/` for an HTTP listener on 80, otherwise
/// `<scheme>://<name>:<port>/`.
pub fn lb_url(dns_name: &str, protocol: Option<types::Protocol>, port: Option<i32>) -> String {
    match (protocol, port) {
        (Some(types::Protocol::Tcp), Some(p)) => format!("tcp://{dns_name}:{p}"),
        (Some(types::Protocol::Https), Some(443)) => format!("https://{dns_name}/"),
        (Some(types::Protocol::Https), Some(p)) => format!("https://{dns_name}:{p}/"),
        (_, Some(p)) if p != 80 => format!("http://{dns_name}:{p}/"),
        _ => format!("http://{dns_name}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::Protocol;

    #[test]
    fn labels_from_human_names() {
        use super::names::label_from;
        assert_eq!(label_from("john's project").as_deref(), Some("johns-project"));
        assert_eq!(label_from("Demo_1").as_deref(), Some("demo-1"));
        assert_eq!(label_from("  Web -- Tier  ").as_deref(), Some("web-tier"));
        assert_eq!(label_from("demo").as_deref(), Some("demo"));
        assert_eq!(label_from("'!?"), None);
        assert_eq!(label_from(&"a".repeat(80)).map(|l| l.len()), Some(63));
    }

    #[test]
    fn urls() {
        let n = lb_dns_name("web", "demo", "acme", "lbaas.test.");
        assert_eq!(n, "web.demo.acme.lbaas.test");
        assert_eq!(lb_url(&n, Some(Protocol::Http), Some(80)), "http://web.demo.acme.lbaas.test/");
        assert_eq!(
            lb_url(&n, Some(Protocol::Http), Some(8080)),
            "http://web.demo.acme.lbaas.test:8080/"
        );
        assert_eq!(
            lb_url(&n, Some(Protocol::Tcp), Some(5432)),
            "tcp://web.demo.acme.lbaas.test:5432"
        );
        assert_eq!(lb_url(&n, None, None), "http://web.demo.acme.lbaas.test/");
    }
}
