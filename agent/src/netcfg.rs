//! The VM's addresses, as the controller pushes them (`AgentConfig.network`). A node booted for
//! a load balancer already has them from its kernel command line (image/init); a spare from the
//! warm pool boots without and receives them when it is claimed. Applied with the image's
//! busybox `ip`: the only tool in the VM, and this runs a handful of times in a node's life.

use anyhow::{bail, Context, Result};
use lbaas_proto::NetworkConfig;

/// eth0 is the public NIC, eth1 the project NIC (domain XML order).
pub async fn apply(net: &NetworkConfig) -> Result<()> {
    for (dev, addr) in [("eth0", net.vip.as_str()), ("eth1", net.project.as_str())] {
        let valid = addr
            .split_once('/')
            .is_some_and(|(a, l)| a.parse::<std::net::IpAddr>().is_ok() && l.parse::<u8>().is_ok());
        if !valid {
            bail!("bad address {addr:?} for {dev}");
        }
        let shown = ip(&["-o", "addr", "show", "dev", dev]).await?;
        if shown.split_whitespace().any(|w| w == addr) {
            continue;
        }
        // The only address a node NIC carries is the one lbaas gave it: a different one is a
        // stale assignment, not something to keep beside the new one.
        ip(&["addr", "flush", "dev", dev]).await?;
        ip(&["addr", "add", addr, "dev", dev]).await?;
        ip(&["link", "set", dev, "up"]).await?;
        tracing::info!(dev, addr, "address set");
    }
    Ok(())
}

async fn ip(args: &[&str]) -> Result<String> {
    let out = tokio::process::Command::new("ip")
        .args(args)
        .output()
        .await
        .with_context(|| format!("run ip {}", args.join(" ")))?;
    if !out.status.success() {
        bail!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
