//! Compute behind the narrow [`Hypervisor`] trait: transient libvirt domains, one per LB node,
//! booted straight from the lbaas kernel + initramfs, with two NICs and a virtio-serial channel.
//!
//! Domains are transient (`virDomainCreateXML`): nothing persists in libvirt that the database
//! does not know, and a destroyed domain leaves no definition behind. libvirt creates each tap
//! (`<interface type='ethernet'>` without `managed='no'`) and removes it when qemu exits, so a
//! tap can never outlive its VM, wherever it was moved. The network reconciler moves the taps
//! into their namespaces after start.
//!
//! [`Libvirt`] reconnects on demand, so a libvirtd restart costs one failed call, not the
//! controller. [`FakeHypervisor`] keeps domains in memory and can fail the Nth call.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
        // tb-cache trims qemu's RSS under TCG (~218 → ~190 MiB for a 96 MiB guest, measured);
        // no balloon: the guest is small and fixed.
        format!(
            "<domain type='{vt}'>\
              <name>{name}</name><memory unit='MiB'>{mem}</memory><vcpu>1</vcpu>\
              <os><type arch='x86_64' machine='q35'>hvm</type>\
                <kernel>{kernel}</kernel><initrd>{initrd}</initrd><cmdline>{cmdline}</cmdline></os>\
              <cpu mode='custom'><model>qemu64</model></cpu>\
              {tcg}\
              <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>\
              <devices>\
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
                "<features><tcg><tb-cache unit='MiB'>32</tb-cache></tcg></features>"
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
    /// Starts the domain unless one of that name runs.
    fn create(&self, spec: &DomainSpec) -> impl Future<Output = Result<()>> + Send;
    /// Stops (destroys) the domain; absent is fine.
    fn destroy(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
}

// ---- real: libvirt through the virt crate -------------------------------------------------

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
    /// held only to (re)connect: a libvirt connection is thread-safe, so several calls (four
    /// domain starts at once) proceed in parallel. On error the connection is dropped so the
    /// next call reconnects (libvirtd may have restarted).
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&virt::connect::Connect) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        let uri = self.uri.clone();
        tokio::task::spawn_blocking(move || {
            let c = {
                let mut guard = conn.lock().unwrap();
                if guard.as_ref().is_none_or(|c| !c.is_alive().unwrap_or(false)) {
                    *guard = Some(
                        virt::connect::Connect::open(Some(&uri))
                            .with_context(|| format!("connect to libvirt {uri}"))?,
                    );
                }
                guard.as_ref().expect("connected").clone()
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

impl Hypervisor for Libvirt {
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let prefix = prefix.to_string();
        self.with(move |c| {
            let doms = c
                .list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
                .context("list domains")?;
            let mut names: Vec<String> = doms
                .iter()
                .filter_map(|d| d.name().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect();
            names.sort();
            Ok(names)
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
}

/// Starting a domain "creates" its taps in the fake root namespace, destroying removes them
/// wherever they are, as libvirt and the kernel do.
#[derive(Debug, Default, Clone)]
pub struct FakeHypervisor {
    pub state: Arc<Mutex<FakeHvState>>,
    pub net: FakeNet,
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

    async fn create(&self, spec: &DomainSpec) -> Result<()> {
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
