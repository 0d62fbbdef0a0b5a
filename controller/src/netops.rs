//! Host networking behind the narrow [`NetOps`] trait: network namespaces, a bridge per
//! namespace holding gateway addresses, and taps moved from the root namespace onto a bridge.
//!
//! The real implementation ([`Netlink`]) speaks rtnetlink; it never shells out to `ip`.
//! Namespaces are made the way iproute2 makes them (a bind mount of a thread's net namespace on
//! `/run/netns/<name>`), on a dedicated thread so no tokio worker ever changes namespace.
//! Every operation is idempotent: it checks what exists and makes only what is missing, so a
//! pass interrupted anywhere is finished by the next one.
//!
//! [`FakeNet`] keeps the same state in memory and can fail the Nth call, for reconciler tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Context, Result};
use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::{Handle, LinkBridge, LinkUnspec};

pub const NETNS_DIR: &str = "/run/netns";

pub trait NetOps: Send + Sync + 'static {
    /// Creates the namespace (with `lo` up) unless it exists.
    fn ensure_namespace(&self, ns: &str) -> impl Future<Output = Result<()>> + Send;
    /// Deletes the namespace and so every link in it; absent is fine.
    fn delete_namespace(&self, ns: &str) -> impl Future<Output = Result<()>> + Send;
    /// Names of existing namespaces that start with `prefix`.
    fn list_namespaces(&self, prefix: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// A bridge named `bridge` in `ns`, up, holding (at least) `addrs`.
    fn ensure_bridge(
        &self,
        ns: &str,
        bridge: &str,
        addrs: &[IpNet],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves `tap` from the root namespace into `ns` (if it is not there already), enslaves it
    /// to `bridge` and sets it up. Errors if the tap exists nowhere.
    fn attach_tap(
        &self,
        tap: &str,
        ns: &str,
        bridge: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

// ---- real: rtnetlink --------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct Netlink;

fn ns_path(ns: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(ns)
}

/// Makes `/run/netns` a shared mount point of its own, as `ip netns add` does before its first
/// namespace. Had we mounted namespaces on the plain directory, iproute2's first `ip netns add`
/// (a test backend, a user's) would stack its self-bind over them: they would then be hidden
/// behind copies that `ip netns del` unmounts while the originals stay busy, and no delete,
/// ours included, could remove them (seen on a fresh machine). Idempotent.
fn netns_dir_shared() -> Result<()> {
    use nix::mount::{mount, MsFlags};
    let shared = || {
        mount(
            None::<&str>,
            NETNS_DIR,
            None::<&str>,
            MsFlags::MS_SHARED | MsFlags::MS_REC,
            None::<&str>,
        )
    };
    match shared() {
        Ok(()) => Ok(()),
        // EINVAL: not a mount point yet. A recursive self-bind keeps what is mounted below.
        Err(nix::errno::Errno::EINVAL) => {
            mount(
                Some(NETNS_DIR),
                NETNS_DIR,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .context("bind-mount /run/netns on itself")?;
            shared().context("make /run/netns shared")
        }
        Err(e) => Err(e).context("make /run/netns shared"),
    }
}

/// True when `path` is a mounted network namespace (nsfs), not a stale empty file left by a
/// crash between creating the file and bind-mounting onto it.
fn is_netns_mount(path: &Path) -> bool {
    const NSFS_MAGIC: i64 = 0x6e73_6673;
    nix::sys::statfs::statfs(path).map(|s| s.filesystem_type().0 == NSFS_MAGIC).unwrap_or(false)
}

/// A netlink handle whose socket lives in `ns` (None: the root namespace). The socket is made
/// on a fresh thread that entered the namespace and then exits: never on a pooled thread, which
/// would stay in that namespace for whatever runs on it next. A socket keeps its namespace.
async fn handle_in(ns: Option<&str>) -> Result<Handle> {
    let rt = tokio::runtime::Handle::current();
    let file = match ns {
        Some(ns) => Some(File::open(ns_path(ns)).with_context(|| format!("open namespace {ns}"))?),
        None => None,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<_> {
            let _guard = rt.enter();
            if let Some(f) = &file {
                nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET)
                    .context("enter namespace")?;
            }
            let (conn, handle, _) = rtnetlink::new_connection().context("open netlink socket")?;
            Ok((conn, handle))
        })();
        let _ = tx.send(r);
    });
    let (conn, handle) = rx.await.map_err(|_| anyhow!("netlink thread died"))??;
    tokio::spawn(conn);
    Ok(handle)
}

async fn link_index(h: &Handle, name: &str) -> Result<Option<(u32, Option<u32>)>> {
    let mut links = h.link().get().match_name(name.to_string()).execute();
    match links.try_next().await {
        Ok(Some(msg)) => {
            let controller = msg.attributes.iter().find_map(|a| match a {
                LinkAttribute::Controller(c) => Some(*c),
                _ => None,
            });
            Ok(Some((msg.header.index, controller)))
        }
        Ok(None) => Ok(None),
        Err(rtnetlink::Error::NetlinkError(e))
            if e.raw_code() == -(nix::errno::Errno::ENODEV as i32) =>
        {
            Ok(None)
        }
        Err(e) => Err(anyhow!(e).context(format!("look up link {name}"))),
    }
}

/// EEXIST: "already there" is success for an idempotent add.
fn is_exists(e: &rtnetlink::Error) -> bool {
    matches!(e, rtnetlink::Error::NetlinkError(m) if m.raw_code() == -(nix::errno::Errno::EEXIST as i32))
}

impl NetOps for Netlink {
    async fn ensure_namespace(&self, ns: &str) -> Result<()> {
        let path = ns_path(ns);
        if is_netns_mount(&path) {
            return Ok(());
        }
        std::fs::create_dir_all(NETNS_DIR).context("create /run/netns")?;
        let p = path.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            netns_dir_shared()?;
            if p.exists() {
                let _ = nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH);
                std::fs::remove_file(&p).ok();
            }
            File::create(&p).with_context(|| format!("create {}", p.display()))?;
            // unshare() moves only this thread; it ends right after, the mount keeps the ns.
            let p2 = p.clone();
            std::thread::spawn(move || -> Result<()> {
                nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).context("unshare")?;
                nix::mount::mount(
                    Some("/proc/thread-self/ns/net"),
                    &p2,
                    None::<&str>,
                    nix::mount::MsFlags::MS_BIND,
                    None::<&str>,
                )
                .context("bind-mount namespace")?;
                Ok(())
            })
            .join()
            .map_err(|_| anyhow!("namespace thread panicked"))?
        })
        .await??;
        let h = handle_in(Some(ns)).await?;
        if let Some((lo, _)) = link_index(&h, "lo").await? {
            h.link()
                .set(LinkUnspec::new_with_index(lo).up().build())
                .execute()
                .await
                .context("set lo up")?;
        }
        tracing::info!(ns, "network namespace created");
        Ok(())
    }

    async fn delete_namespace(&self, ns: &str) -> Result<()> {
        let path = ns_path(ns);
        if !path.exists() {
            return Ok(());
        }
        tokio::task::spawn_blocking(move || -> Result<()> {
            let _ = nix::mount::umount2(&path, nix::mount::MntFlags::MNT_DETACH);
            std::fs::remove_file(&path).with_context(|| format!("remove {}", path.display()))
        })
        .await??;
        tracing::info!(ns, "network namespace deleted");
        Ok(())
    }

    async fn list_namespaces(&self, prefix: &str) -> Result<Vec<String>> {
        let mut out = vec![];
        let Ok(dir) = std::fs::read_dir(NETNS_DIR) else { return Ok(out) };
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(prefix) {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    async fn ensure_bridge(&self, ns: &str, bridge: &str, addrs: &[IpNet]) -> Result<()> {
        let h = handle_in(Some(ns)).await?;
        let idx = match link_index(&h, bridge).await? {
            Some((i, _)) => i,
            None => {
                match h.link().add(LinkBridge::new(bridge).build()).execute().await {
                    Ok(()) => {}
                    Err(e) if is_exists(&e) => {}
                    Err(e) => bail!("create bridge {bridge} in {ns}: {e}"),
                }
                link_index(&h, bridge).await?.ok_or_else(|| anyhow!("bridge {bridge} vanished"))?.0
            }
        };
        h.link()
            .set(LinkUnspec::new_with_index(idx).up().build())
            .execute()
            .await
            .context("set bridge up")?;
        for a in addrs {
            match h.address().add(idx, a.addr(), a.prefix_len()).execute().await {
                Ok(()) => {}
                Err(e) if is_exists(&e) => {}
                Err(e) => bail!("add {a} to {bridge} in {ns}: {e}"),
            }
        }
        Ok(())
    }

    async fn attach_tap(&self, tap: &str, ns: &str, bridge: &str) -> Result<()> {
        let inner = handle_in(Some(ns)).await?;
        if link_index(&inner, tap).await?.is_none() {
            let root = handle_in(None).await?;
            let (idx, _) =
                link_index(&root, tap).await?.ok_or_else(|| anyhow!("tap {tap} does not exist"))?;
            let f = File::open(ns_path(ns)).with_context(|| format!("open namespace {ns}"))?;
            root.link()
                .set(LinkUnspec::new_with_index(idx).setns_by_fd(f.as_raw_fd()).build())
                .execute()
                .await
                .with_context(|| format!("move {tap} into {ns}"))?;
        }
        let (idx, controller) =
            link_index(&inner, tap).await?.ok_or_else(|| anyhow!("tap {tap} lost in move"))?;
        let (br, _) = link_index(&inner, bridge)
            .await?
            .ok_or_else(|| anyhow!("no bridge {bridge} in {ns}"))?;
        if controller != Some(br) {
            inner
                .link()
                .set(LinkUnspec::new_with_index(idx).controller(br).build())
                .execute()
                .await
                .with_context(|| format!("enslave {tap} to {bridge}"))?;
        }
        inner
            .link()
            .set(LinkUnspec::new_with_index(idx).up().build())
            .execute()
            .await
            .context("set tap up")?;
        Ok(())
    }
}

// ---- fake: in memory ----------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct FakeNetState {
    /// namespace → bridge → addresses
    pub namespaces: BTreeMap<String, BTreeMap<String, BTreeSet<IpNet>>>,
    /// taps in the root namespace (made by the fake hypervisor when a domain starts)
    pub root_taps: BTreeSet<String>,
    /// tap → (namespace, bridge)
    pub attached: BTreeMap<String, (String, String)>,
    pub calls: u64,
    /// Fail the call with this number (1-based), once.
    pub fail_at: Option<u64>,
}

#[derive(Debug, Default, Clone)]
pub struct FakeNet(pub Arc<Mutex<FakeNetState>>);

impl FakeNet {
    fn step(&self) -> Result<std::sync::MutexGuard<'_, FakeNetState>> {
        let mut s = self.0.lock().unwrap();
        s.calls += 1;
        if s.fail_at == Some(s.calls) {
            s.fail_at = None;
            bail!("injected netops failure at call {}", s.calls);
        }
        Ok(s)
    }
}

impl NetOps for FakeNet {
    async fn ensure_namespace(&self, ns: &str) -> Result<()> {
        self.step()?.namespaces.entry(ns.to_string()).or_default();
        Ok(())
    }

    async fn delete_namespace(&self, ns: &str) -> Result<()> {
        let mut s = self.step()?;
        s.namespaces.remove(ns);
        s.attached.retain(|_, (n, _)| n != ns);
        Ok(())
    }

    async fn list_namespaces(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self.step()?.namespaces.keys().filter(|n| n.starts_with(prefix)).cloned().collect())
    }

    async fn ensure_bridge(&self, ns: &str, bridge: &str, addrs: &[IpNet]) -> Result<()> {
        let mut s = self.step()?;
        let n = s.namespaces.get_mut(ns).ok_or_else(|| anyhow!("no namespace {ns}"))?;
        n.entry(bridge.to_string()).or_default().extend(addrs.iter().copied());
        Ok(())
    }

    async fn attach_tap(&self, tap: &str, ns: &str, bridge: &str) -> Result<()> {
        let mut s = self.step()?;
        if !s.namespaces.get(ns).is_some_and(|n| n.contains_key(bridge)) {
            bail!("no bridge {bridge} in {ns}");
        }
        let here = s.attached.get(tap).is_some_and(|(n, _)| n == ns);
        if !here && !s.root_taps.remove(tap) {
            bail!("tap {tap} does not exist");
        }
        s.attached.insert(tap.to_string(), (ns.to_string(), bridge.to_string()));
        Ok(())
    }
}
