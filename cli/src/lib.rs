//! `lbaas`, the command-line client of the lbaas API. It owns no state: every command is one
//! or a few calls of the generated client (`lbaas-client`: REST under `/v1`, the JSON envelope
//! at `/v1/requests` for instances), then either the answer as JSON (`--json`) or a
//! table/summary on stdout.
//!
//! Exit status: 0 done; 1 the API refused (`error: <code>: <message>` on stderr, the API's own
//! code) or the CLI could not finish (a `--wait` that ran out, an ERROR load balancer); 2 the
//! API could not be reached (or, from clap, a malformed command line).
//!
//! Requests are the generated client's types; answers are drawn from the `lbaas-common` view
//! types (the same JSON), the envelope's `instance` info as `serde_json::Value`.

pub mod args;
pub mod client;
pub mod output;

use std::io::Write;
use std::time::{Duration, Instant};

use lbaas_client::types as api;
use lbaas_common::types::{
    Event, Hypervisor, LoadBalancer, Member, Node, Project, ProvisioningStatus, Subnet, Tenant,
    TenantCreated,
};
use serde_json::{json, Value};

use args::*;
use client::{from_value, CliError, Client, Result, PAGE};
use output::{fields, list, or_dash, table, time};

/// How often `--wait` asks whether the load balancer settled.
const WAIT_POLL: Duration = Duration::from_secs(1);

pub async fn run(cli: Cli) -> Result<()> {
    let token = match &cli.token_file {
        Some(p) => Some(read_token(p)?),
        None => cli.token.clone().filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_string()),
    };
    let c = Client::new(&cli.api, token)?;
    let o = Out { json: cli.json };
    match cli.command {
        Command::Tenant(cmd) => tenant(&c, o, cmd).await,
        Command::Hypervisor(cmd) => hypervisor(&c, o, cmd).await,
        Command::Project(cmd) => project(&c, o, cmd).await,
        Command::Subnet(cmd) => subnet(&c, o, cmd).await,
        Command::Instance(cmd) => instance(&c, o, cmd).await,
        Command::Certificate(cmd) => certificate(&c, o, cmd).await,
        Command::Lb(cmd) => lb(&c, o, cmd).await,
        Command::Member(cmd) => member(&c, o, cmd).await,
        Command::Node(NodeCmd::List(a)) => {
            let (c, p, l) = (&c, &a.project.project, &a.lb);
            let items = c
                .list_all(
                    |cur| async move { c.api().node_list(p, l, cur.as_deref(), Some(PAGE)).await },
                )
                .await?;
            o.list(items, |nodes: Vec<Node>| {
                let rows = nodes
                    .iter()
                    .map(|n| {
                        vec![
                            n.name.clone(),
                            n.status.to_string(),
                            n.vip.clone().unwrap_or_else(|| "-".into()),
                            n.utilization.to_string(),
                            n.last_heartbeat.as_ref().map(time).unwrap_or_else(|| "-".into()),
                            or_dash(&n.status_reason),
                        ]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "STATUS", "VIP", "LOAD", "HEARTBEAT", "REASON"], &rows)
            })
        }
        Command::Events(a) => events(&c, o, a).await,
    }
}

fn read_token(path: &std::path::Path) -> Result<String> {
    let t = std::fs::read_to_string(path)
        .map_err(|e| CliError::local(format!("read token file {}: {e}", path.display())))?;
    let t = t.trim().to_string();
    if t.is_empty() {
        return Err(CliError::local(format!("token file {} is empty", path.display())));
    }
    Ok(t)
}

/// Where output goes, and in which form.
#[derive(Clone, Copy)]
struct Out {
    json: bool,
}

impl Out {
    /// The answer as JSON (`--json`), or the human rendering of it.
    fn one<T: serde::de::DeserializeOwned>(
        self,
        v: &Value,
        human: impl FnOnce(T) -> String,
    ) -> Result<()> {
        if self.json {
            return emit(&format!("{v}\n"));
        }
        emit(&human(from_value(v.clone())?))
    }

    /// A whole list (every page): `{"items": [...], "next_cursor": null}` with `--json`, the
    /// same shape as one page of the API.
    fn list<T: serde::de::DeserializeOwned>(
        self,
        items: Vec<Value>,
        human: impl FnOnce(Vec<T>) -> String,
    ) -> Result<()> {
        if self.json {
            return emit(&format!("{}\n", json!({"items": items, "next_cursor": null})));
        }
        emit(&human(from_value(Value::Array(items))?))
    }
}

fn emit(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::local(format!("write to stdout: {e}")))
}

// ---- certificates ----------------------------------------------------------------------------

fn read_pem(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::local(format!("read {}: {e}", path.display())))
}

fn certificate_fields(c: &lbaas_common::types::Certificate) -> String {
    fields(&[
        ("name", c.name.clone()),
        ("id", c.id.to_string()),
        ("names", list(&c.names)),
        ("subject", c.subject.clone()),
        ("issuer", c.issuer.clone()),
        ("valid", format!("{} .. {}", time(&c.not_before), time(&c.not_after))),
        ("sha256", c.fingerprint_sha256.clone()),
    ])
}

async fn certificate(c: &Client, o: Out, cmd: CertificateCmd) -> Result<()> {
    let upload = |a: &CertificateUploadArgs| -> Result<api::EnvelopeCertificateUpload> {
        Ok(api::EnvelopeCertificateUpload {
            project: a.key.project.project.clone(),
            name: a.key.name.clone(),
            certificate: read_pem(&a.cert)?,
            private_key: read_pem(&a.key_file)?,
        })
    };
    let key = |k: &CertificateKey| api::EnvelopeCertificateKey {
        project: k.project.project.clone(),
        name: k.name.clone(),
    };
    let (raw, info) = match cmd {
        CertificateCmd::Upload(a) => {
            let req = api::CertificateCreateRequest {
                action: api::ActionCreate::Create,
                type_: api::TypeCertificate::Certificate,
                info: upload(&a)?,
            };
            c.envelope(req.into()).await?
        }
        CertificateCmd::Renew(a) => {
            let req = api::CertificateUpdateRequest {
                action: api::ActionUpdate::Update,
                type_: api::TypeCertificate::Certificate,
                info: upload(&a)?,
            };
            c.envelope(req.into()).await?
        }
        CertificateCmd::Info(k) => {
            let req = api::CertificateInfoRequest {
                action: api::ActionInfo::Info,
                type_: api::TypeCertificate::Certificate,
                info: key(&k),
            };
            c.envelope(req.into()).await?
        }
        CertificateCmd::Delete(k) => {
            let req = api::CertificateDeleteRequest {
                action: api::ActionDelete::Delete,
                type_: api::TypeCertificate::Certificate,
                info: key(&k),
            };
            let (raw, _) = c.envelope(req.into()).await?;
            if o.json {
                return emit(&format!("{raw}\n"));
            }
            return emit(&format!("certificate {} deleted\n", k.name));
        }
        CertificateCmd::List(p) => {
            let p = &p.project;
            let items = c
                .list_all(|cur| async move {
                    c.api().certificate_list(p, cur.as_deref(), Some(PAGE)).await
                })
                .await?;
            return o.list(items, |cs: Vec<lbaas_common::types::Certificate>| {
                let rows = cs
                    .iter()
                    .map(|c| vec![c.name.clone(), c.names.join(","), time(&c.not_after)])
                    .collect::<Vec<_>>();
                table(&["NAME", "DNS NAMES", "EXPIRES"], &rows)
            });
        }
    };
    if o.json {
        return emit(&format!("{raw}\n"));
    }
    emit(&certificate_fields(&from_value(info)?))
}

// ---- tenants, projects, subnets ------------------------------------------------------------

async fn tenant(c: &Client, o: Out, cmd: TenantCmd) -> Result<()> {
    match cmd {
        TenantCmd::Create { name, quota_projects, quota_load_balancers, quota_nodes } => {
            let any =
                quota_projects.is_some() || quota_load_balancers.is_some() || quota_nodes.is_some();
            let quotas = any.then_some(api::QuotasUpdate {
                projects: quota_projects,
                load_balancers: quota_load_balancers,
                nodes: quota_nodes,
            });
            let raw = c.call(c.api().tenant_create(&api::TenantCreate { name, quotas })).await?;
            // The token alone on stdout, so `export LBAAS_TOKEN=$(lbaas tenant create acme)`
            // works; what was made goes to stderr.
            o.one(&raw, |t: TenantCreated| {
                let q = t.tenant.quotas;
                eprintln!(
                    "tenant {} created (id {}; quotas: {} projects, {} load balancers, {} nodes); \
                     its token, shown once:",
                    t.tenant.name, t.tenant.id, q.projects, q.load_balancers, q.nodes
                );
                format!("{}\n", t.token)
            })
        }
        TenantCmd::List => {
            let items = c
                .list_all(
                    |cur| async move { c.api().tenant_list(cur.as_deref(), Some(PAGE)).await },
                )
                .await?;
            o.list(items, |ts: Vec<Tenant>| {
                let rows = ts
                    .iter()
                    .map(|t| {
                        vec![
                            t.name.clone(),
                            t.id.to_string(),
                            format!(
                                "{}/{}/{}",
                                t.quotas.projects, t.quotas.load_balancers, t.quotas.nodes
                            ),
                            time(&t.created_at),
                        ]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "ID", "QUOTAS (PROJ/LB/NODES)", "CREATED"], &rows)
            })
        }
    }
}

// ---- hypervisors ---------------------------------------------------------------------------

fn hv_state(s: HvState) -> api::HypervisorState {
    match s {
        HvState::Enabled => api::HypervisorState::Enabled,
        HvState::Disabled => api::HypervisorState::Disabled,
        HvState::Draining => api::HypervisorState::Draining,
    }
}

fn hypervisor_fields(h: &Hypervisor) -> String {
    let spares: Vec<String> = h.spare_nodes.iter().map(|s| s.name.clone()).collect();
    fields(&[
        ("name", h.name.clone()),
        ("id", h.id.to_string()),
        ("uri", h.uri.clone()),
        ("state", h.state.to_string()),
        ("reachable", reachable_text(h)),
        ("capacity", format!("{} nodes", h.capacity_nodes)),
        ("nodes", h.nodes.to_string()),
        ("spares", list(&spares)),
        ("created", time(&h.created_at)),
    ])
}

/// `yes`, or `no` with when its controller last reached it.
fn reachable_text(h: &Hypervisor) -> String {
    match (h.reachable, &h.seen_at) {
        (true, _) => "yes".into(),
        (false, Some(t)) => format!("no (last seen {})", time(t)),
        (false, None) => "no (no controller has listed it yet)".into(),
    }
}

async fn hypervisor(c: &Client, o: Out, cmd: HypervisorCmd) -> Result<()> {
    match cmd {
        HypervisorCmd::List => {
            let items = c
                .list_all(
                    |cur| async move { c.api().hypervisor_list(cur.as_deref(), Some(PAGE)).await },
                )
                .await?;
            o.list(items, |hs: Vec<Hypervisor>| {
                let rows = hs
                    .iter()
                    .map(|h| {
                        vec![
                            h.name.clone(),
                            h.state.to_string(),
                            if h.reachable { "yes".into() } else { "no".into() },
                            format!("{}/{}", h.nodes, h.capacity_nodes),
                            h.spare_nodes.len().to_string(),
                            h.uri.clone(),
                        ]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "STATE", "REACHABLE", "NODES/CAPACITY", "SPARES", "URI"], &rows)
            })
        }
        HypervisorCmd::Show { name } => {
            let raw = c.call(c.api().hypervisor_view(&name)).await?;
            o.one(&raw, |h: Hypervisor| hypervisor_fields(&h))
        }
        HypervisorCmd::Add { name, uri, capacity, state } => {
            let body = api::HypervisorCreate {
                name,
                uri,
                capacity_nodes: capacity,
                state: state.map(hv_state),
            };
            let raw = c.call(c.api().hypervisor_create(&body)).await?;
            o.one(&raw, |h: Hypervisor| hypervisor_fields(&h))
        }
        HypervisorCmd::Set { name, state, capacity, uri } => {
            let body =
                api::HypervisorUpdate { uri, capacity_nodes: capacity, state: state.map(hv_state) };
            let raw = c.call(c.api().hypervisor_update(&name, &body)).await?;
            o.one(&raw, |h: Hypervisor| hypervisor_fields(&h))
        }
        HypervisorCmd::Drain { name, wait } => {
            let body = api::HypervisorUpdate {
                uri: None,
                capacity_nodes: None,
                state: Some(api::HypervisorState::Draining),
            };
            let mut raw = c.call(c.api().hypervisor_update(&name, &body)).await?;
            if let Some(secs) = wait {
                let deadline = Instant::now() + Duration::from_secs(secs);
                loop {
                    let h: Hypervisor = from_value(raw.clone())?;
                    if h.nodes == 0 && h.spare_nodes.is_empty() {
                        break;
                    }
                    if Instant::now() >= deadline {
                        return Err(CliError::Local(format!(
                            "hypervisor {} still holds {} nodes and {} spares after {secs} s",
                            h.name,
                            h.nodes,
                            h.spare_nodes.len()
                        )));
                    }
                    tokio::time::sleep(WAIT_POLL).await;
                    raw = c.call(c.api().hypervisor_view(&name)).await?;
                }
            }
            o.one(&raw, |h: Hypervisor| hypervisor_fields(&h))
        }
        HypervisorCmd::Delete { name } => {
            c.call(c.api().hypervisor_delete(&name)).await?;
            if o.json {
                return Ok(());
            }
            emit(&format!("hypervisor {name} deleted\n"))
        }
    }
}

fn project_fields(p: &Project) -> String {
    fields(&[
        ("name", p.name.clone()),
        ("id", p.id.to_string()),
        ("description", or_dash(&p.description)),
        ("created", time(&p.created_at)),
    ])
}

async fn project(c: &Client, o: Out, cmd: ProjectCmd) -> Result<()> {
    match cmd {
        ProjectCmd::Create { name, description } => {
            let body = api::ProjectCreate { name, description, display_name: None };
            let raw = c.call(c.api().project_create(&body)).await?;
            o.one(&raw, |p: Project| project_fields(&p))
        }
        ProjectCmd::List => {
            let items = c
                .list_all(
                    |cur| async move { c.api().project_list(cur.as_deref(), Some(PAGE)).await },
                )
                .await?;
            o.list(items, |ps: Vec<Project>| {
                let rows = ps
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.id.to_string(),
                            time(&p.created_at),
                            or_dash(&p.description),
                        ]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "ID", "CREATED", "DESCRIPTION"], &rows)
            })
        }
        ProjectCmd::Show { name } => {
            let raw = c.call(c.api().project_view(&name)).await?;
            o.one(&raw, |p: Project| project_fields(&p))
        }
        ProjectCmd::Delete { name } => {
            c.call(c.api().project_delete(&name)).await?;
            // The API answers 204 with no body: nothing to print as JSON.
            if o.json {
                return Ok(());
            }
            emit(&format!("project {name} deleted\n"))
        }
    }
}

/// The name the API gives a subnet an instance create makes (`net-10-10-0-0-24`), so a subnet
/// made here and one made by `instance create` look alike.
/// The name the API gives an instance's subnet, so `subnet create` without `--name` matches
/// what `instance create` makes. A CIDR that does not parse keeps its own spelling: the API
/// refuses it with the reason anyway.
pub fn subnet_name_for(cidr: &str) -> String {
    match cidr.parse::<ipnet::IpNet>() {
        Ok(net) => lbaas_common::names::subnet(&net),
        Err(_) => {
            let s: String =
                cidr.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            format!("net-{}", s.trim_matches('-'))
        }
    }
}

async fn subnet(c: &Client, o: Out, cmd: SubnetCmd) -> Result<()> {
    match cmd {
        SubnetCmd::Create { project, cidr, gateway, name } => {
            let name = name.unwrap_or_else(|| subnet_name_for(&cidr));
            let body = api::SubnetCreate { name, cidr, gateway };
            let raw = c.call(c.api().subnet_create(&project.project, &body)).await?;
            o.one(&raw, |s: Subnet| {
                fields(&[
                    ("name", s.name),
                    ("id", s.id.to_string()),
                    ("cidr", s.cidr),
                    ("gateway", s.gateway),
                ])
            })
        }
        SubnetCmd::List { project } => {
            let p = &project.project;
            let items = c
                .list_all(
                    |cur| async move { c.api().subnet_list(p, cur.as_deref(), Some(PAGE)).await },
                )
                .await?;
            o.list(items, |ss: Vec<Subnet>| {
                let rows = ss
                    .iter()
                    .map(|s| {
                        vec![s.name.clone(), s.cidr.clone(), s.gateway.clone(), s.id.to_string()]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "CIDR", "GATEWAY", "ID"], &rows)
            })
        }
        SubnetCmd::Delete { project, subnet } => {
            let p = &project.project;
            // The API addresses subnets by name or id; a CIDR is looked up first.
            let key = if subnet.contains('/') {
                let all = c
                    .list_all(|cur| async move {
                        c.api().subnet_list(p, cur.as_deref(), Some(PAGE)).await
                    })
                    .await?;
                let all: Vec<Subnet> = from_value(Value::Array(all))?;
                match all.into_iter().find(|s| s.cidr == subnet) {
                    Some(s) => s.name,
                    None => {
                        return Err(CliError::local(format!(
                            "no subnet {subnet} in project {}",
                            project.project
                        )))
                    }
                }
            } else {
                subnet.clone()
            };
            c.call(c.api().subnet_delete(p, &key)).await?;
            if o.json {
                return Ok(());
            }
            emit(&format!("subnet {key} deleted\n"))
        }
    }
}

// ---- instances (the envelope) --------------------------------------------------------------

fn health_check(h: &HealthArgs) -> Option<api::EnvelopeHealthCheck> {
    let hc = h.health_check.as_ref()?;
    Some(api::EnvelopeHealthCheck {
        protocol: match hc.protocol {
            TrafficType::Http => "HTTP",
            TrafficType::Https => "HTTPS",
            TrafficType::Tcp => "TCP",
        }
        .into(),
        port: hc.port.map(i32::from),
        request_path: hc.path.clone(),
        criteria: api::EnvelopeCriteria {
            interval: h.interval,
            timeout: h.timeout,
            health_threshold: h.rise,
            unhealth_threshold: h.fall,
        },
    })
}

fn key(k: &InstanceKey) -> api::EnvelopeInstanceKey {
    api::EnvelopeInstanceKey { project: k.project.project.clone(), name: k.name.clone() }
}

fn algorithm(a: lbaas_common::types::Algorithm) -> Result<api::Algorithm> {
    a.as_str().parse().map_err(|e| CliError::local(format!("algorithm {a}: {e}")))
}

fn info_request(k: &InstanceKey) -> api::EnvelopeRequest {
    api::InstanceInfoRequest {
        action: api::ActionInfo::Info,
        type_: api::TypeInstance::Instance,
        info: key(k),
    }
    .into()
}

/// The envelope's view of an instance as a summary.
fn instance_summary(i: &Value) -> String {
    let s = |k: &str| i[k].as_str().unwrap_or("-").to_string();
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let hc = &i["backend"]["health-check"];
    let health = if hc.is_object() {
        let c = &hc["criteria"];
        format!(
            "{}{}{} every {}s, timeout {}s, rise {}, fall {}",
            hc["protocol"].as_str().unwrap_or("?"),
            hc["port"].as_i64().map(|p| format!(" port {p}")).unwrap_or_default(),
            hc["request-path"].as_str().map(|p| format!(" {p}")).unwrap_or_default(),
            c["interval"],
            c["timeout"],
            c["health-threshold"],
            c["unhealth-threshold"]
        )
    } else {
        "none".into()
    };
    let nodes = i["nodes"]
        .as_array()
        .map(|ns| {
            ns.iter()
                .map(|n| {
                    format!(
                        "{} {} {}",
                        n["name"].as_str().unwrap_or("?"),
                        n["status"].as_str().unwrap_or("?"),
                        n["vip"].as_str().unwrap_or("-")
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut pairs = vec![
        ("name", s("name")),
        ("project", s("project")),
        ("id", s("id")),
        ("url", s("url")),
        ("status", format!("{} / {}", s("provisioning_status"), s("operating_status"))),
        ("vips", list(&strs(&i["vips"]))),
        (
            "listener",
            format!(
                "{} port {}, {}",
                s("traffic_type"),
                i["port"],
                i["algorithm"].as_str().unwrap_or("-")
            ),
        ),
        ("subnet", s("subnet")),
        ("backends", list(&strs(&i["backend"]["entities"]))),
        ("health-check", health),
        ("auto-scaling", i["backend"]["auto-scaling"].to_string()),
        ("nodes", list(&nodes)),
    ];
    if let Some(r) = i["status_reason"].as_str().filter(|r| !r.is_empty()) {
        pairs.push(("reason", r.to_string()));
    }
    fields(&pairs)
}

async fn instance(c: &Client, o: Out, cmd: InstanceCmd) -> Result<()> {
    match cmd {
        InstanceCmd::Create(a) => {
            let info = api::EnvelopeInstanceCreate {
                project: a.key.project.project.clone(),
                name: a.key.name.clone(),
                traffic_type: match a.traffic_type {
                    TrafficType::Http => "http",
                    TrafficType::Https => "https",
                    TrafficType::Tcp => "tcp",
                }
                .into(),
                subnet: a.subnet.clone(),
                backend: api::EnvelopeBackend {
                    entities: a.backends.clone(),
                    health_check: health_check(&a.health),
                    auto_scaling: Some(a.auto_scaling),
                    rules: (!a.rules.is_empty()).then(|| {
                        a.rules
                            .iter()
                            .map(|r| api::EnvelopeRule {
                                host: r.host.clone(),
                                path_prefix: r.path_prefix.clone(),
                                entities: r.to.clone(),
                                redirect: r.redirect.clone(),
                                redirect_code: r.code,
                                reject: r.reject.then_some(true),
                            })
                            .collect()
                    }),
                },
                certificates: (!a.certificates.is_empty()).then(|| a.certificates.clone()),
                redirect_http: a.redirect_http.then_some(true),
                port: a.port.map(i32::from),
                algorithm: a.algorithm.map(algorithm).transpose()?,
                description: a.description.clone(),
            };
            let req = api::InstanceCreateRequest {
                action: api::ActionCreate::Create,
                type_: api::TypeInstance::Instance,
                info,
            };
            let (raw, info) = c.envelope(req.into()).await?;
            settle(c, o, &a.key, &a.wait, raw, info).await
        }
        InstanceCmd::Info(k) => {
            let (raw, info) = c.envelope(info_request(&k)).await?;
            instance_out(o, &raw, &info)
        }
        InstanceCmd::Update(a) => {
            let backend = api::EnvelopeBackendUpdate {
                entities: (!a.backends.is_empty()).then(|| a.backends.clone()),
                health_check: health_check(&a.health),
                auto_scaling: (a.auto_scaling || a.no_auto_scaling).then_some(a.auto_scaling),
            };
            let backend_changed = backend.entities.is_some()
                || backend.health_check.is_some()
                || backend.auto_scaling.is_some();
            let info = api::EnvelopeInstanceUpdate {
                project: a.key.project.project.clone(),
                name: a.key.name.clone(),
                backend: backend_changed.then_some(backend),
                algorithm: a.algorithm.map(algorithm).transpose()?,
                description: a.description.clone(),
            };
            if info.backend.is_none() && info.algorithm.is_none() && info.description.is_none() {
                return Err(CliError::local(
                    "nothing to update: give --backend, --algorithm, --health-check, \
                     --[no-]auto-scaling or --description",
                ));
            }
            let req = api::InstanceUpdateRequest {
                action: api::ActionUpdate::Update,
                type_: api::TypeInstance::Instance,
                info,
            };
            let (raw, info) = c.envelope(req.into()).await?;
            settle(c, o, &a.key, &a.wait, raw, info).await
        }
        InstanceCmd::Delete { key: k, wait } => {
            let req = api::InstanceDeleteRequest {
                action: api::ActionDelete::Delete,
                type_: api::TypeInstance::Instance,
                info: key(&k),
            };
            let (raw, info) = c.envelope(req.into()).await?;
            if wait.wait {
                wait_gone(c, &k.project.project, &k.name, &wait).await?;
            }
            if o.json {
                return emit(&format!("{raw}\n"));
            }
            let state = if wait.wait {
                "deleted".to_string()
            } else {
                info["provisioning_status"].as_str().unwrap_or("PENDING_DELETE").to_string()
            };
            emit(&format!(
                "instance {}: {state} ({})\n",
                k.name,
                info["url"].as_str().unwrap_or("-")
            ))
        }
    }
}

fn instance_out(o: Out, raw: &Value, info: &Value) -> Result<()> {
    if o.json {
        return emit(&format!("{raw}\n"));
    }
    emit(&instance_summary(info))
}

/// After a create/update: without `--wait`, what the API answered; with it, the instance
/// once it is ACTIVE (ERROR is a failure, exit 1).
async fn settle(
    c: &Client,
    o: Out,
    key: &InstanceKey,
    wait: &WaitArgs,
    raw: Value,
    info: Value,
) -> Result<()> {
    if !wait.wait {
        return instance_out(o, &raw, &info);
    }
    let (mut raw, mut info) = (raw, info);
    let deadline = Instant::now() + Duration::from_secs(wait.wait_timeout);
    loop {
        let status = info["provisioning_status"].as_str().unwrap_or_default().to_string();
        if status == ProvisioningStatus::Active.as_str() {
            return instance_out(o, &raw, &info);
        }
        if status == ProvisioningStatus::Error.as_str() {
            instance_out(o, &raw, &info)?;
            return Err(CliError::local(format!(
                "instance {} is ERROR: {}",
                key.name,
                info["status_reason"].as_str().unwrap_or("no reason given")
            )));
        }
        if Instant::now() >= deadline {
            return Err(CliError::local(format!(
                "gave up after {}s: instance {} is still {status}",
                wait.wait_timeout, key.name
            )));
        }
        tokio::time::sleep(WAIT_POLL).await;
        (raw, info) = c.envelope(info_request(key)).await?;
    }
}

/// Polls until the load balancer answers 404.
async fn wait_gone(c: &Client, project: &str, name: &str, wait: &WaitArgs) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(wait.wait_timeout);
    loop {
        match c.call(c.api().load_balancer_view(project, name)).await {
            Err(CliError::Api { status: 404, .. }) => return Ok(()),
            Err(e) => return Err(e),
            Ok(raw) => {
                let lb: LoadBalancer = from_value(raw)?;
                if Instant::now() >= deadline {
                    return Err(CliError::local(format!(
                        "gave up after {}s: load balancer {name} is still {}",
                        wait.wait_timeout, lb.provisioning_status
                    )));
                }
            }
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

// ---- load balancers, members, events (REST) ------------------------------------------------

fn lb_fields(lb: &LoadBalancer) -> String {
    let mut pairs = vec![
        ("name", lb.name.clone()),
        ("id", lb.id.to_string()),
        ("url", lb.url.clone()),
        ("dns name", lb.dns_name.clone()),
        ("status", format!("{} / {}", lb.provisioning_status, lb.operating_status)),
        ("vips", list(&lb.vips)),
        (
            "nodes",
            format!(
                "{} desired (min {}, max {}), auto-scaling {}",
                lb.desired_nodes, lb.min_nodes, lb.max_nodes, lb.auto_scaling
            ),
        ),
        ("subnet id", lb.subnet_id.to_string()),
        ("description", or_dash(&lb.description)),
        ("created", time(&lb.created_at)),
        ("updated", time(&lb.updated_at)),
    ];
    if !lb.status_reason.is_empty() {
        pairs.push(("reason", lb.status_reason.clone()));
    }
    fields(&pairs)
}

async fn lb(c: &Client, o: Out, cmd: LbCmd) -> Result<()> {
    match cmd {
        LbCmd::List { project } => {
            let p = &project.project;
            let items = c
                .list_all(|cur| async move {
                    c.api().load_balancer_list(p, cur.as_deref(), Some(PAGE)).await
                })
                .await?;
            o.list(items, |lbs: Vec<LoadBalancer>| {
                let rows = lbs
                    .iter()
                    .map(|lb| {
                        vec![
                            lb.name.clone(),
                            lb.provisioning_status.to_string(),
                            lb.operating_status.to_string(),
                            list(&lb.vips),
                            lb.url.clone(),
                        ]
                    })
                    .collect::<Vec<_>>();
                table(&["NAME", "STATUS", "OPERATING", "VIPS", "URL"], &rows)
            })
        }
        LbCmd::Show { project, name } => {
            let raw = c.call(c.api().load_balancer_view(&project.project, &name)).await?;
            o.one(&raw, |lb: LoadBalancer| lb_fields(&lb))
        }
        LbCmd::Set { project, name, min_nodes, max_nodes, auto_scaling, description, wait } => {
            let body = api::LoadBalancerUpdate {
                generation: None,
                description,
                auto_scaling,
                min_nodes,
                max_nodes,
            };
            let mut raw =
                c.call(c.api().load_balancer_update(&project.project, &name, &body)).await?;
            let deadline = Instant::now() + Duration::from_secs(wait.wait_timeout);
            if wait.wait {
                loop {
                    let lb: LoadBalancer = from_value(raw.clone())?;
                    match lb.provisioning_status {
                        ProvisioningStatus::Active => break,
                        ProvisioningStatus::Error => {
                            return Err(CliError::local(format!(
                                "load balancer {name} is ERROR: {}",
                                lb.status_reason
                            )))
                        }
                        st if Instant::now() >= deadline => {
                            return Err(CliError::local(format!(
                                "gave up after {}s: load balancer {name} is still {st}",
                                wait.wait_timeout
                            )))
                        }
                        _ => {}
                    }
                    tokio::time::sleep(WAIT_POLL).await;
                    raw = c.call(c.api().load_balancer_view(&project.project, &name)).await?;
                }
            }
            o.one(&raw, |lb: LoadBalancer| lb_fields(&lb))
        }
        LbCmd::Delete { project, name, wait } => {
            let raw = c.call(c.api().load_balancer_delete(&project.project, &name)).await?;
            if wait.wait {
                wait_gone(c, &project.project, &name, &wait).await?;
            }
            o.one(&raw, |lb: LoadBalancer| {
                let state =
                    if wait.wait { "deleted".into() } else { lb.provisioning_status.to_string() };
                format!("load balancer {}: {state}\n", lb.name)
            })
        }
    }
}

/// `IP:port`, `[v6]:port` or a bare IP (then `default_port`). Anything else goes to the API
/// as it is, with `default_port`, so the API's `invalid_member` names the problem.
pub fn split_address(s: &str, default_port: i32) -> (String, i32) {
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return (sa.ip().to_string(), i32::from(sa.port()));
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return (ip.to_string(), default_port);
    }
    (s.to_string(), default_port)
}

fn member_rows(ms: &[Member]) -> String {
    let rows = ms
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.address.clone(),
                m.port.to_string(),
                m.weight.to_string(),
                m.operating_status.to_string(),
                m.path.clone(),
            ]
        })
        .collect::<Vec<_>>();
    table(&["ID", "ADDRESS", "PORT", "WEIGHT", "STATUS", "PATH"], &rows)
}

async fn member(c: &Client, o: Out, cmd: MemberCmd) -> Result<()> {
    match cmd {
        MemberCmd::List(a) => {
            let items = members_all(c, &a).await?;
            o.list(items, |ms: Vec<Member>| member_rows(&ms))
        }
        MemberCmd::Add { pool, address, port, weight } => {
            let (address, port) = split_address(&address, port);
            let body = api::MemberCreate { address, port, weight, path: None };
            let (p, l) = (&pool.lb.project.project, &pool.lb.lb);
            let raw = c.call(c.api().member_create(p, l, &pool.pool, &body)).await?;
            o.one(&raw, |m: Member| member_rows(&[m]))
        }
        MemberCmd::Remove { pool, member } => {
            let (id, what) = if uuid::Uuid::parse_str(&member).is_ok() {
                (member.clone(), member.clone())
            } else {
                let all: Vec<Member> = from_value(Value::Array(members_all(c, &pool).await?))?;
                let has_port = member.parse::<std::net::SocketAddr>().is_ok();
                let (addr, port) = split_address(&member, 0);
                let hits: Vec<&Member> = all
                    .iter()
                    .filter(|m| m.address == addr && (!has_port || m.port == port))
                    .collect();
                match hits.as_slice() {
                    [m] => (m.id.to_string(), format!("{}:{}", m.address, m.port)),
                    [] => {
                        return Err(CliError::local(format!(
                            "no member {member} in pool {} of {}",
                            pool.pool, pool.lb.lb
                        )))
                    }
                    _ => {
                        return Err(CliError::local(format!(
                            "{member} matches {} members: give IP:port or the member id",
                            hits.len()
                        )))
                    }
                }
            };
            let (p, l) = (&pool.lb.project.project, &pool.lb.lb);
            c.call(c.api().member_delete(p, l, &pool.pool, &id)).await?;
            if o.json {
                return Ok(());
            }
            emit(&format!("member {what} removed ({id})\n"))
        }
    }
}

async fn members_all(c: &Client, a: &PoolArgs) -> Result<Vec<Value>> {
    let (p, l, pool) = (&a.lb.project.project, &a.lb.lb, &a.pool);
    c.list_all(
        |cur| async move { c.api().member_list(p, l, pool, cur.as_deref(), Some(PAGE)).await },
    )
    .await
}

fn event_line(e: &Event) -> String {
    format!("{}  {:<24}  {}\n", time(&e.created_at), e.kind, e.message)
}

async fn events(c: &Client, o: Out, a: EventsArgs) -> Result<()> {
    let lb_id = match &a.lb {
        None => None,
        Some(l) if uuid::Uuid::parse_str(l).is_ok() => uuid::Uuid::parse_str(l).ok(),
        Some(l) => {
            let Some(p) = &a.project else {
                return Err(CliError::local(format!(
                    "--lb {l}: a load balancer name needs --project (or give its id)"
                )));
            };
            let lb: LoadBalancer = from_value(c.call(c.api().load_balancer_view(p, l)).await?)?;
            Some(lb.id.0)
        }
    };
    let lb_id = lb_id.as_ref();
    // From `start` (an event id: the API's cursor is exactly that), every page after it.
    let all_after = |start: Option<String>| async move {
        let mut first = Some(start);
        c.list_all(|cur| {
            let cursor = first.take().flatten().or(cur);
            async move { c.api().event_list(cursor.as_deref(), Some(PAGE), lb_id).await }
        })
        .await
    };
    let items = all_after(None).await?;
    if !a.follow {
        return o.list(items, |es: Vec<Event>| {
            let rows = es
                .iter()
                .map(|e| vec![time(&e.created_at), e.kind.clone(), e.message.clone()])
                .collect::<Vec<_>>();
            table(&["TIME", "KIND", "MESSAGE"], &rows)
        });
    }
    // Follow: the history above, then every new event as it is recorded, from the API's
    // Server-Sent Events stream, resumed after the last event printed (`Last-Event-ID`), so
    // a reconnect neither loses nor repeats one.
    let mut last: Option<String> = None;
    let print = |v: Value, last: &mut Option<String>| -> Result<()> {
        let e: Event = from_value(v.clone())?;
        *last = Some(e.id.to_string());
        if o.json {
            emit(&format!("{v}\n"))
        } else {
            emit(&event_line(&e))
        }
    };
    for v in items {
        print(v, &mut last)?;
    }
    let mut warned = false;
    loop {
        let after = last.clone();
        let r = c
            .event_stream(lb_id.copied(), after.as_deref(), |data| {
                warned = false;
                let v: Value = serde_json::from_str(data)
                    .map_err(|e| CliError::local(format!("an event the CLI cannot read: {e}")))?;
                print(v, &mut last)
            })
            .await;
        match r {
            // An API restart should not end a tail; say so once and reconnect.
            Ok(()) | Err(CliError::Unreachable { .. }) if !warned => {
                let why = match r {
                    Err(e) => e.to_string(),
                    Ok(()) => "the event stream ended".into(),
                };
                eprintln!("warning: {why}; reconnecting");
                warned = true;
            }
            Ok(()) | Err(CliError::Unreachable { .. }) => {}
            Err(e) => return Err(e),
        }
        tokio::time::sleep(Duration::from_secs(a.poll_interval.max(1))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_names_match_the_api() {
        assert_eq!(subnet_name_for("10.10.0.0/24"), "net-10-10-0-0-24");
        assert_eq!(subnet_name_for("fd00::/64"), "net-fd00---64");
    }

    #[test]
    fn addresses() {
        assert_eq!(split_address("10.0.0.5:8080", 80), ("10.0.0.5".into(), 8080));
        assert_eq!(split_address("10.0.0.5", 80), ("10.0.0.5".into(), 80));
        assert_eq!(split_address("[fd00::5]:81", 80), ("fd00::5".into(), 81));
        assert_eq!(split_address("fd00::5", 80), ("fd00::5".into(), 80));
        assert_eq!(split_address("nope", 80), ("nope".into(), 80));
    }

    #[test]
    fn instance_summary_reads_the_envelope_info() {
        let info = json!({
            "name": "web", "project": "demo", "id": "x", "url": "http://web.demo.acme.lbaas.test/",
            "provisioning_status": "ACTIVE", "operating_status": "ONLINE", "vips": ["198.18.0.10"],
            "traffic_type": "http", "port": 80, "algorithm": "ROUND_ROBIN", "subnet": "10.10.0.0/24",
            "backend": {"entities": ["10.10.0.11:8080"], "auto-scaling": false,
                        "health-check": {"protocol": "HTTP", "port": null, "request-path": "/h",
                            "criteria": {"interval": 5, "timeout": 5, "health-threshold": 2,
                                         "unhealth-threshold": 3}}},
            "nodes": [{"name": "n1", "status": "ACTIVE", "vip": "198.18.0.10"}],
            "status_reason": ""
        });
        let s = instance_summary(&info);
        assert!(s.contains("status:       ACTIVE / ONLINE\n"), "{s}");
        assert!(s.contains("vips:         198.18.0.10\n"), "{s}");
        assert!(s.contains("health-check: HTTP /h every 5s, timeout 5s, rise 2, fall 3\n"), "{s}");
        assert!(s.contains("nodes:        n1 ACTIVE 198.18.0.10\n"), "{s}");
        assert!(!s.contains("reason"), "{s}");
    }
}
