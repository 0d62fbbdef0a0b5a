//! The VM's addresses, as the controller pushes them (`AgentConfig.network`). A node booted for
//! a load balancer already has them from its kernel command line (image/init); a spare from the
//! warm pool boots without and receives them when it is claimed. Set over netlink (rtnetlink):
//! on a TCG guest every fork/exec of `ip` costs a visible slice of the claim-to-serving time.

use anyhow::{anyhow, bail, Context, Result};
use futures::TryStreamExt;
use lbaas_proto::NetworkConfig;
use rtnetlink::{Handle, LinkUnspec};

/// Linux's EEXIST: the address is already there (booted with it), which is success.
const EEXIST: i32 = 17;

/// eth0 is the public NIC, eth1 the project NIC (domain XML order). Idempotent: an address the
/// NIC already has is left alone. A node's addresses never change during its life, so there is
/// nothing to remove.
pub async fn apply(net: &NetworkConfig) -> Result<()> {
    let (conn, h, _) = rtnetlink::new_connection().context("open netlink socket")?;
    let conn = tokio::spawn(conn);
    let r = async {
        for (dev, addr) in [("eth0", net.vip.as_str()), ("eth1", net.project.as_str())] {
            let (ip, len) =
                parse(addr).with_context(|| format!("bad address {addr:?} for {dev}"))?;
            let idx = index(&h, dev).await?;
            let added = match h.address().add(idx, ip, len).execute().await {
                Ok(()) => true,
                Err(rtnetlink::Error::NetlinkError(m)) if m.raw_code() == -EEXIST => false,
                Err(e) => bail!("add {addr} to {dev}: {e}"),
            };
            if added {
                // The address may have belonged to a deleted node a moment ago, and neighbours
                // still map it to that node's MAC. With arp_notify (set by image/init) the
                // kernel announces the NIC's addresses when it comes up: bounce it. Nothing
                // runs on a NIC that just got its first address.
                h.link()
                    .set(LinkUnspec::new_with_index(idx).down().build())
                    .execute()
                    .await
                    .with_context(|| format!("set {dev} down"))?;
                tracing::info!(dev, addr, "address set");
            }
            h.link()
                .set(LinkUnspec::new_with_index(idx).up().build())
                .execute()
                .await
                .with_context(|| format!("set {dev} up"))?;
        }
        Ok(())
    }
    .await;
    conn.abort();
    r
}

fn parse(addr: &str) -> Result<(std::net::IpAddr, u8)> {
    let (a, l) = addr.split_once('/').ok_or_else(|| anyhow!("no prefix length"))?;
    let ip: std::net::IpAddr = a.parse()?;
    let len: u8 = l.parse()?;
    if len > if ip.is_ipv4() { 32 } else { 128 } {
        bail!("prefix length {len} too long");
    }
    Ok((ip, len))
}

async fn index(h: &Handle, dev: &str) -> Result<u32> {
    let mut links = h.link().get().match_name(dev.to_string()).execute();
    match links.try_next().await {
        Ok(Some(m)) => Ok(m.header.index),
        Ok(None) => bail!("no NIC {dev}"),
        Err(e) => bail!("find {dev}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn addresses_need_a_sane_prefix() {
        assert_eq!(parse("198.18.0.10/16").unwrap().1, 16);
        assert!(parse("198.18.0.10").is_err());
        assert!(parse("198.18.0.10/33").is_err());
        assert!(parse("fd00::5/64").is_ok());
        assert!(parse("nonsense/8").is_err());
    }
}
