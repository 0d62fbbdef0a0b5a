//! Compute behind the narrow [`Hypervisor`] trait: transient libvirt domains, one per LB node,
//! booted straight from the lbaas kernel + initramfs, with two NICs and a virtio-serial channel.
//!
//! Domains are transient (`virDomainCreateXML`): nothing persists in libvirt that the database
//! does not know, and a destroyed domain leaves no definition behind. libvirt creates each tap
//! (`<interface type='ethernet'>` without `managed='no'`) and removes it when qemu exits, so a
//! tap can never outlive its VM, wherever it was moved. The network reconciler moves the taps
//! into their namespaces after start.
//!
//! Every call has a deadline ([`Deadlines`]; docs/ARCHITECTURE.md §10). libvirt calls block a
//! thread and cannot be cancelled, and libvirtd can stall for minutes (a root-only `/dev/kvm`
//! sends it into a capability re-probe loop in which every domain create waits): a call that
//! misses its deadline returns [`DeadlineExceeded`] while its thread stays parked in libvirt.
//! Until that thread comes back, further calls fail fast with [`Stalled`] instead of piling up
//! threads behind the same stall, except one probe call every [`PROBE_EVERY`]; the connection
//! is dropped so the next call opens a fresh one (libvirtd may have been restarted meanwhile).
//!
//! [`FakeHypervisor`] keeps domains in memory and can fail the Nth call or stall creates.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use crate::netops::FakeNet;

/// Everything needed to start one node VM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainSpec {
    pub name: String,
    pub memory_mib: u32,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub cmdline: String,
    /// Public NIC (eth0 in the guest), project NIC (eth1).
    pub taps: [String; 2],
    /// Host side of the agent channel (libvirt binds it).
    pub channel: PathBuf,
    pub console_log: PathBuf,
    /// `qemu` (TCG) or `kvm`.
    pub virt_type: String,
}

impl DomainSpec {
    pub fn xml(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('\'', "&apos;")
        };
        // Boot figures: create → agent hello, median of 4, TCG, 2 busy shared cores (issue 12).
        // - machine `pc` (i440fx), no USB: q35 adds 5 pcie-root-ports, qemu-xhci, a SATA
        //   controller and ACPI PCI routing to probe; pc with init_on_alloc=0 and tb-cache 16:
        //   4.1 s vs 4.4 s for q35 as it was. Without <acpi/> qemu runs with -no-acpi: the guest
        //   uses MP tables and calibrates its TSC against the PIT.
        // - tb-cache 16 MiB: qemu RSS 190 → 170 MiB, boot time unchanged; 8 MiB thrashes
        //   (6.6 s to hello).
        // - microvm boots ~0.6 s faster still, but libvirt 9.0 needs virtio-mmio addresses and
        //   <acpi/>, and the guest then has no HPET/PM timer: it hangs calibrating the TSC unless
        //   the host's TSC rate is passed as tsc_early_khz=. Not used (yet).
        // - the kernel is the project's own (scripts/kernel.sh, image/kernel.config: everything
        //   built in, one CPU, no ACPI/IPv6/modules), booted as an uncompressed ELF through its
        //   PVH entry: /init 1.2-1.4 s after create (Debian's cloud kernel: 3.2 s), and it
        //   boots in 48 MiB (Debian's needed 96 to decompress itself). qemu RSS 111-121 MiB
        //   (was 170-180): guest RAM ~45, translation cache 16, the mapped kernel and
        //   initramfs ~20, qemu itself the rest. 40 MiB cannot unpack the initramfs.
        // - no balloon: free page reporting (virtio_balloon) did not lower RSS within 25 s.
        format!(
            "<domain type='{vt}'>\
              <name>{name}</name><memory unit='MiB'>{mem}</memory><vcpu>1</vcpu>\
              <os><type arch='x86_64' machine='pc'>hvm</type>\
                <kernel>{kernel}</kernel><initrd>{initrd}</initrd><cmdline>{cmdline}</cmdline></os>\
              <cpu mode='custom'><model>qemu64</model></cpu>\
              {tcg}\
              <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>\
              <devices>\
                <controller type='usb' model='none'/>\
                <interface type='ethernet'><target dev='{tap0}'/><model type='virtio'/></interface>\
                <interface type='ethernet'><target dev='{tap1}'/><model type='virtio'/></interface>\
                <serial type='file'><source path='{console}'/><target port='0'/></serial>\
                <channel type='unix'><source mode='bind' path='{chan}'/>\
                  <target type='virtio' name='{chan_name}'/></channel>\
                <memballoon model='none'/>\
              </devices></domain>",
            vt = esc(&self.virt_type),
            name = esc(&self.name),
            mem = self.memory_mib,
            kernel = esc(&self.kernel.to_string_lossy()),
            initrd = esc(&self.initrd.to_string_lossy()),
            cmdline = esc(&self.cmdline),
            tcg = if self.virt_type == "qemu" {
                "<features><tcg><tb-cache unit='MiB'>16</tb-cache></tcg></features>"
            } else {
                ""
            },
            tap0 = esc(&self.taps[0]),
            tap1 = esc(&self.taps[1]),
            console = esc(&self.console_log.to_string_lossy()),
            chan = esc(&self.channel.to_string_lossy()),
            chan_name = lbaas_proto::CHANNEL_NAME,
        )
    }
}

pub trait Hypervisor: Send + Sync + 'static {
    /// Running domains whose name starts with `prefix`.
    fn list(&self, prefix: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Which of `names` run: a lookup each, so a change-driven pass costs what it looks at,
    /// not the size of the host.
    fn running(&self, names: &[String]) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Starts the domain unless one of that name runs.
    fn create(&self, spec: &DomainSpec) -> impl Future<Output = Result<()>> + Send;
    /// Stops (destroys) the domain; absent is fine.
    fn destroy(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    /// A call missed its deadline: the next call should not queue behind it on the same
    /// connection.
    fn reconnect(&self) {}
}

/// How long each kind of libvirt call may take before the controller stops waiting for it.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// A domain start: long enough for a loaded TCG host (a create returns in ~1 s idle).
    pub create: Duration,
    /// A destroy: libvirt itself waits up to ~15 s for a qemu that ignores SIGTERM.
    pub destroy: Duration,
    /// Listing and lookups: answered from libvirtd's memory, so seconds.
    pub list: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            create: Duration::from_secs(60),
            destroy: Duration::from_secs(30),
            list: Duration::from_secs(10),
        }
    }
}

/// A libvirt call did not return within its deadline. Its text names the call and the time,
/// as the load balancer's `status_reason` shows it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("libvirt did not answer {call} within {} s", .after.as_secs())]
pub struct DeadlineExceeded {
    pub call: String,
    pub after: Duration,
}

/// A call was not made because an earlier one is still stuck in libvirt. The text carries no
/// time, so a reason recorded from it stays the same from pass to pass.
#[derive(Debug, Clone, thiserror::Error)]
#[error("libvirt is not answering: {call} missed its deadline and has not returned")]
pub struct Stalled {
    pub call: String,
}

/// While a call is stuck, one call in this period still goes through, to notice recovery.
pub const PROBE_EVERY: Duration = Duration::from_secs(10);

/// Any [`Hypervisor`] with a deadline on every call (the product wraps [`Libvirt`] in it; the
/// stall tests wrap a [`FakeHypervisor`] that never answers). Each call runs as its own task,
/// so a call that misses its deadline is not cancelled (a libvirt call cannot be: its thread
/// stays inside libvirt) but left to finish; until it does, further calls fail fast with
/// [`Stalled`], except one probe every [`PROBE_EVERY`].
pub struct WithDeadlines<H> {
    pub inner: Arc<H>,
    pub deadlines: Deadlines,
    stuck: Arc<Mutex<Stuck>>,
    /// Each call's latency and outcome, when the process exports metrics.
    metrics: Option<Arc<crate::metrics::ControllerMetrics>>,
}

/// Calls that missed their deadline and have not returned yet.
#[derive(Default)]
struct Stuck {
    count: usize,
    /// The oldest stuck call.
    first: Option<String>,
    last_probe: Option<Instant>,
}

impl<H: Hypervisor> WithDeadlines<H> {
    pub fn new(inner: H, deadlines: Deadlines) -> Self {
        WithDeadlines { inner: Arc::new(inner), deadlines, stuck: Arc::default(), metrics: None }
    }

    pub fn with_metrics(mut self, m: Arc<crate::metrics::ControllerMetrics>) -> Self {
        self.metrics = Some(m);
        self
    }

    async fn call<T, F>(
        &self,
        kind: &'static str,
        call: String,
        deadline: Duration,
        f: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let start = Instant::now();
        let r = self.call_inner(call, deadline, f).await;
        if let Some(m) = &self.metrics {
            crate::metrics::ControllerMetrics::observe_call(&m.hypervisor_calls, kind, start, &r);
        }
        r
    }

    /// True while a call that missed its deadline is still inside the hypervisor.
    pub fn is_stalled(&self) -> bool {
        self.stuck.lock().unwrap().count > 0
    }

    async fn call_inner<T, F>(&self, call: String, deadline: Duration, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        {
            let mut st = self.stuck.lock().unwrap();
            if let Some(what) = &st.first {
                if st.last_probe.is_some_and(|t| t.elapsed() < PROBE_EVERY) {
                    return Err(Stalled { call: what.clone() }.into());
                }
                st.last_probe = Some(Instant::now());
            }
        }
        // Swapped under the `stuck` lock by whichever side is first: the waiter at the deadline
        // or the call when it returns; so a stuck call is counted once and uncounted once.
        let settled = Arc::new(AtomicBool::new(false));
        let (stuck, settled2, what) = (self.stuck.clone(), settled.clone(), call.clone());
        let task = tokio::spawn(async move {
            let r = f.await;
            let mut st = stuck.lock().unwrap();
            if settled2.swap(true, Ordering::Relaxed) {
                st.count -= 1;
                if st.count == 0 {
                    *st = Stuck::default();
                }
                tracing::info!(call = %what, "a hypervisor call that missed its deadline returned");
            }
            r
        });
        match tokio::time::timeout(deadline, task).await {
            Ok(joined) => joined.context("hypervisor call task")?,
            Err(_) => {
                {
                    let mut st = self.stuck.lock().unwrap();
                    if !settled.swap(true, Ordering::Relaxed) {
                        st.count += 1;
                        st.first.get_or_insert_with(|| call.clone());
                        st.last_probe = Some(Instant::now());
                    }
                }
                self.inner.reconnect();
                tracing::warn!(call = %call, deadline_s = deadline.as_secs(),
                    "hypervisor call missed its deadline");
                Err(DeadlineExceeded { call, after: deadline }.into())
            }
        }
    }
}

impl<H: Hypervisor> Hypervisor for WithDeadlines<H> {
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let (inner, prefix) = (self.inner.clone(), prefix.to_string());
        self.call("list", "domain list".into(), self.deadlines.list, async move {
            inner.list(&prefix).await
        })
        .await
    }

    async fn running(&self, names: &[String]) -> Result<Vec<String>> {
        let (inner, names) = (self.inner.clone(), names.to_vec());
        let call = format!("domain lookup ({} names)", names.len());
        self.call("list", call, self.deadlines.list, async move { inner.running(&names).await })
            .await
    }

    async fn create(&self, spec: &DomainSpec) -> Result<()> {
        let (inner, spec) = (self.inner.clone(), spec.clone());
        let call = format!("domain create ({})", spec.name);
        self.call("create", call, self.deadlines.create, async move { inner.create(&spec).await })
            .await
    }

    async fn destroy(&self, name: &str) -> Result<()> {
        let (inner, name) = (self.inner.clone(), name.to_string());
        let call = format!("domain destroy ({name})");
        self.call(
            "destroy",
            call,
            self.deadlines.destroy,
            async move { inner.destroy(&name).await },
        )
        .await
    }
}

// ---- real: libvirt through the virt crate -------------------------------------------------

/// [`Hypervisor::running`] looks names up one by one up to this many, and lists past it.
const LOOKUPS_MAX: usize = 2;

/// libvirt itself; the controller uses it inside [`WithDeadlines`].
pub struct Libvirt {
    uri: String,
    conn: Arc<Mutex<Option<virt::connect::Connect>>>,
}

impl Libvirt {
    pub fn new(uri: &str) -> Self {
        // libvirt prints every error to stderr by default, including the "domain not found"
        // that an idempotent lookup expects; errors reach us as values, and we log them.
        virt::error::clear_error_callback();
        Libvirt { uri: uri.to_string(), conn: Arc::new(Mutex::new(None)) }
    }

    /// Runs `f` with a live connection on a blocking thread (libvirt calls block). The lock is
    /// held only to read or store the connection, never across a libvirt call (opening one can
    /// stall too): a connection is thread-safe, so several calls (four domain starts at once)
    /// proceed in parallel. On error the connection is dropped so the next call reconnects
    /// (libvirtd may have restarted).
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&virt::connect::Connect) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        let uri = self.uri.clone();
        tokio::task::spawn_blocking(move || {
            let live = conn.lock().unwrap().clone();
            let c = match live {
                Some(c) if c.is_alive().unwrap_or(false) => c,
                _ => {
                    let c = virt::connect::Connect::open(Some(&uri))
                        .with_context(|| format!("connect to libvirt {uri}"))?;
                    *conn.lock().unwrap() = Some(c.clone());
                    c
                }
            };
            let r = f(&c);
            if r.is_err() {
                *conn.lock().unwrap() = None;
            }
            r
        })
        .await?
    }
}

/// Names of the running domains, one call.
fn active_names(c: &virt::connect::Connect) -> Result<Vec<String>> {
    let doms =
        c.list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE).context("list domains")?;
    Ok(doms.iter().filter_map(|d| d.name().ok()).collect())
}

impl Hypervisor for Libvirt {
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let prefix = prefix.to_string();
        self.with(move |c| {
            let mut names = active_names(c)?;
            names.retain(|n| n.starts_with(&prefix));
            names.sort();
            Ok(names)
        })
        .await
    }

    async fn running(&self, names: &[String]) -> Result<Vec<String>> {
        let names = names.to_vec();
        self.with(move |c| {
            // A call that reaches libvirtd even with nothing to look up: it is what proves the
            // hypervisor reachable (a cached connection to a daemon that died still says it is
            // alive until it is used).
            if names.is_empty() {
                c.lib_version().context("ask libvirtd its version")?;
            }
            // Past a few names one list costs less than a lookup each: under bench/create.sh
            // (20 VMs, spares booting) each lookup took 60-200 ms, and 9 of them 0.5-2 s.
            if names.len() > LOOKUPS_MAX {
                let active: std::collections::BTreeSet<String> =
                    active_names(c)?.into_iter().collect();
                return Ok(names.into_iter().filter(|n| active.contains(n)).collect());
            }
            let mut running = Vec::new();
            for n in names {
                match c.lookup_domain_by_name(&n) {
                    Ok(d) if d.is_active().context("domain state")? => running.push(n),
                    Ok(_) => {}
                    // Absent is not running; any other error (libvirtd gone) is no answer.
                    Err(e)
                        if matches!(
                            e.code(),
                            virt::enumutil::Enum::Known(virt::error::ErrorNumber::NoDomain)
                        ) => {}
                    Err(e) => return Err(anyhow!(e).context(format!("look up domain {n}"))),
                }
            }
            Ok(running)
        })
        .await
    }

    async fn create(&self, spec: &DomainSpec) -> Result<()> {
        let name = spec.name.clone();
        let xml = spec.xml();
        self.with(move |c| {
            if let Ok(d) = c.lookup_domain_by_name(&name) {
                if d.is_active().unwrap_or(false) {
                    return Ok(());
                }
            }
            c.create_domain_xml(&xml, 0).map(drop).with_context(|| format!("create domain {name}"))
        })
        .await
    }

    fn reconnect(&self) {
        *self.conn.lock().unwrap() = None;
    }

    async fn destroy(&self, name: &str) -> Result<()> {
        let name = name.to_string();
        self.with(move |c| match c.lookup_domain_by_name(&name) {
            Ok(d) => {
                if d.is_active().unwrap_or(false) {
                    d.destroy().with_context(|| format!("destroy domain {name}"))?;
                }
                Ok(())
            }
            Err(_) => Ok(()),
        })
        .await
    }
}

// ---- fake -------------------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct FakeHvState {
    pub domains: BTreeMap<String, DomainSpec>,
    pub calls: u64,
    pub fail_at: Option<u64>,
    /// The next this many creates hang (as libvirt's do in a re-probe loop) until
    /// [`FakeHypervisor::unstall`] is notified; then they go on and start their domain.
    pub stall_creates: u64,
}

/// Starting a domain "creates" its taps in the fake root namespace, destroying removes them
/// wherever they are, as libvirt and the kernel do.
#[derive(Debug, Default, Clone)]
pub struct FakeHypervisor {
    pub state: Arc<Mutex<FakeHvState>>,
    pub net: FakeNet,
    pub unstall: Arc<tokio::sync::Notify>,
}

impl FakeHypervisor {
    fn step(&self) -> Result<std::sync::MutexGuard<'_, FakeHvState>> {
        let mut s = self.state.lock().unwrap();
        s.calls += 1;
        if s.fail_at == Some(s.calls) {
            s.fail_at = None;
            bail!("injected hypervisor failure at call {}", s.calls);
        }
        Ok(s)
    }
}

impl Hypervisor for FakeHypervisor {
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self.step()?.domains.keys().filter(|n| n.starts_with(prefix)).cloned().collect())
    }

    async fn running(&self, names: &[String]) -> Result<Vec<String>> {
        let s = self.step()?;
        Ok(names.iter().filter(|n| s.domains.contains_key(*n)).cloned().collect())
    }

    async fn create(&self, spec: &DomainSpec) -> Result<()> {
        let stall = {
            let mut s = self.state.lock().unwrap();
            let stall = s.stall_creates > 0;
            s.stall_creates = s.stall_creates.saturating_sub(1);
            stall
        };
        if stall {
            self.unstall.notified().await;
        }
        let mut s = self.step()?;
        if s.domains.contains_key(&spec.name) {
            return Ok(());
        }
        let mut net = self.net.0.lock().unwrap();
        for t in &spec.taps {
            if net.root_taps.contains(t) || net.attached.contains_key(t) {
                return Err(anyhow!("tap {t} already exists"));
            }
        }
        net.root_taps.extend(spec.taps.iter().cloned());
        s.domains.insert(spec.name.clone(), spec.clone());
        Ok(())
    }

    async fn destroy(&self, name: &str) -> Result<()> {
        let mut s = self.step()?;
        if let Some(spec) = s.domains.remove(name) {
            let mut net = self.net.0.lock().unwrap();
            for t in &spec.taps {
                net.root_taps.remove(t);
                net.attached.remove(t);
            }
        }
        Ok(())
    }
}
