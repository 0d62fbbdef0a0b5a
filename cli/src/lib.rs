//! `lbaas`, the command-line client of the lbaas API. It owns no state: every command is one
//! or a few HTTP requests (REST under `/v1`, the JSON envelope at `/v1/requests` for
//! instances), then either the API's JSON (`--json`) or a table/summary on stdout.
//!
//! Exit status: 0 done; 1 the API refused (`error: <code>: <message>` on stderr, the API's own
//! code) or the CLI could not finish (a `--wait` that ran out, an ERROR load balancer); 2 the
//! API could not be reached (or, from clap, a malformed command line).
//!
//! Response bodies are read with the `lbaas-common` view types where one exists; the envelope's
//! `instance` info has no type of its own, so it is read as `serde_json::Value`.

pub mod args;
pub mod client;
pub mod output;

use std::io::Write;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lbaas_common::types::{
    Event, LoadBalancer, Member, Node, Project, ProvisioningStatus, Subnet, Tenant, TenantCreated,
};
use serde_json::{json, Value};

use args::*;
use client::{encode, from_value, parse, CliError, Client, Result};
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
        Command::Project(cmd) => project(&c, o, cmd).await,
        Command::Subnet(cmd) => subnet(&c, o, cmd).await,
        Command::Instance(cmd) => instance(&c, o, cmd).await,
        Command::Lb(cmd) => lb(&c, o, cmd).await,
        Command::Member(cmd) => member(&c, o, cmd).await,
        Command::Node(NodeCmd::List(a)) => {
            let items =
                c.list_all(&format!("{}/nodes", lb_path(&a.project.project, &a.lb))).await?;
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
    /// The API's body as it came (`--json`), or the human rendering of it.
    fn one<T: serde::de::DeserializeOwned>(
        self,
        raw: &Bytes,
        human: impl FnOnce(T) -> String,
    ) -> Result<()> {
        if self.json {
            return emit_raw(raw);
        }
        emit(&human(parse(raw)?))
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

fn emit_raw(raw: &[u8]) -> Result<()> {
    let mut s = String::from_utf8_lossy(raw).into_owned();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    emit(&s)
}

fn project_path(p: &str) -> String {
    format!("/v1/projects/{}", encode(p))
}

fn lb_path(p: &str, lb: &str) -> String {
    format!("{}/load-balancers/{}", project_path(p), encode(lb))
}

fn members_path(a: &PoolArgs) -> String {
    format!("{}/pools/{}/members", lb_path(&a.lb.project.project, &a.lb.lb), encode(&a.pool))
}

// ---- tenants, projects, subnets ------------------------------------------------------------

async fn tenant(c: &Client, o: Out, cmd: TenantCmd) -> Result<()> {
    match cmd {
        TenantCmd::Create { name, quota_projects, quota_load_balancers, quota_nodes } => {
            let mut body = json!({"name": name});
            if quota_projects.is_some() || quota_load_balancers.is_some() || quota_nodes.is_some() {
                let mut q = serde_json::Map::new();
                for (k, v) in [
                    ("projects", quota_projects),
                    ("load_balancers", quota_load_balancers),
                    ("nodes", quota_nodes),
                ] {
                    if let Some(v) = v {
                        q.insert(k.into(), v.into());
                    }
                }
                body["quotas"] = Value::Object(q);
            }
            let raw = c.post("/v1/tenants", &body).await?;
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
            let items = c.list_all("/v1/tenants").await?;
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
            let mut body = json!({"name": name});
            if let Some(d) = description {
                body["description"] = d.into();
            }
            let raw = c.post("/v1/projects", &body).await?;
            o.one(&raw, |p: Project| project_fields(&p))
        }
        ProjectCmd::List => {
            let items = c.list_all("/v1/projects").await?;
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
            let raw = c.get(&project_path(&name)).await?;
            o.one(&raw, |p: Project| project_fields(&p))
        }
        ProjectCmd::Delete { name } => {
            let raw = c.delete(&project_path(&name)).await?;
            if o.json {
                return emit_raw(&raw);
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
            let mut body = json!({"name": name, "cidr": cidr});
            if let Some(g) = gateway {
                body["gateway"] = g.into();
            }
            let raw = c.post(&format!("{}/subnets", project_path(&project.project)), &body).await?;
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
            let items = c.list_all(&format!("{}/subnets", project_path(&project.project))).await?;
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
            let base = format!("{}/subnets", project_path(&project.project));
            // The API addresses subnets by name or id; a CIDR is looked up first.
            let key = if subnet.contains('/') {
                let all: Vec<Subnet> = from_value(Value::Array(c.list_all(&base).await?))?;
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
            let raw = c.delete(&format!("{base}/{}", encode(&key))).await?;
            if o.json {
                return emit_raw(&raw);
            }
            emit(&format!("subnet {key} deleted\n"))
        }
    }
}

// ---- instances (the envelope) --------------------------------------------------------------

fn health_check_json(h: &HealthArgs) -> Option<Value> {
    let hc = h.health_check.as_ref()?;
    let mut v = json!({
        "protocol": match hc.protocol { TrafficType::Http => "HTTP", TrafficType::Tcp => "TCP" },
        "criteria": {
            "interval": h.interval,
            "timeout": h.timeout,
            "health-threshold": h.rise,
            "unhealth-threshold": h.fall,
        }
    });
    if let Some(p) = hc.port {
        v["port"] = p.into();
    }
    if let Some(p) = &hc.path {
        v["request-path"] = p.clone().into();
    }
    Some(v)
}

fn key_json(k: &InstanceKey) -> Value {
    json!({"project": k.project.project, "name": k.name})
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
            let mut backend = json!({"entities": a.backends, "auto-scaling": a.auto_scaling});
            if let Some(hc) = health_check_json(&a.health) {
                backend["health-check"] = hc;
            }
            let mut info = key_json(&a.key);
            info["traffic_type"] = match a.traffic_type {
                TrafficType::Http => "http",
                TrafficType::Tcp => "tcp",
            }
            .into();
            info["subnet"] = a.subnet.clone().into();
            info["backend"] = backend;
            if let Some(p) = a.port {
                info["port"] = p.into();
            }
            if let Some(al) = a.algorithm {
                info["algorithm"] = al.as_str().into();
            }
            if let Some(d) = &a.description {
                info["description"] = d.clone().into();
            }
            let (raw, info) = c.envelope("create", "instance", info).await?;
            settle(c, o, &a.key, &a.wait, raw, info).await
        }
        InstanceCmd::Info(k) => {
            let (raw, info) = c.envelope("info", "instance", key_json(&k)).await?;
            instance_out(o, &raw, &info)
        }
        InstanceCmd::Update(a) => {
            let mut info = key_json(&a.key);
            let mut backend = serde_json::Map::new();
            if !a.backends.is_empty() {
                backend.insert("entities".into(), json!(a.backends));
            }
            if let Some(hc) = health_check_json(&a.health) {
                backend.insert("health-check".into(), hc);
            }
            if a.auto_scaling || a.no_auto_scaling {
                backend.insert("auto-scaling".into(), a.auto_scaling.into());
            }
            let mut changed = !backend.is_empty();
            if changed {
                info["backend"] = Value::Object(backend);
            }
            if let Some(al) = a.algorithm {
                info["algorithm"] = al.as_str().into();
                changed = true;
            }
            if let Some(d) = &a.description {
                info["description"] = d.clone().into();
                changed = true;
            }
            if !changed {
                return Err(CliError::local(
                    "nothing to update: give --backend, --algorithm, --health-check, \
                     --[no-]auto-scaling or --description",
                ));
            }
            let (raw, info) = c.envelope("update", "instance", info).await?;
            settle(c, o, &a.key, &a.wait, raw, info).await
        }
        InstanceCmd::Delete { key, wait } => {
            let (raw, info) = c.envelope("delete", "instance", key_json(&key)).await?;
            if wait.wait {
                wait_gone(c, &key.project.project, &key.name, &wait).await?;
            }
            if o.json {
                return emit_raw(&raw);
            }
            let state = if wait.wait {
                "deleted".to_string()
            } else {
                info["provisioning_status"].as_str().unwrap_or("PENDING_DELETE").to_string()
            };
            emit(&format!(
                "instance {}: {state} ({})\n",
                key.name,
                info["url"].as_str().unwrap_or("-")
            ))
        }
    }
}

fn instance_out(o: Out, raw: &Bytes, info: &Value) -> Result<()> {
    if o.json {
        return emit_raw(raw);
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
    raw: Bytes,
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
        (raw, info) = c.envelope("info", "instance", key_json(key)).await?;
    }
}

/// Polls until the load balancer answers 404.
async fn wait_gone(c: &Client, project: &str, name: &str, wait: &WaitArgs) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(wait.wait_timeout);
    loop {
        match c.get(&lb_path(project, name)).await {
            Err(CliError::Api { status: 404, .. }) => return Ok(()),
            Err(e) => return Err(e),
            Ok(raw) => {
                let lb: LoadBalancer = parse(&raw)?;
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
            let path = format!("{}/load-balancers", project_path(&project.project));
            let items = c.list_all(&path).await?;
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
            let raw = c.get(&lb_path(&project.project, &name)).await?;
            o.one(&raw, |lb: LoadBalancer| lb_fields(&lb))
        }
        LbCmd::Delete { project, name, wait } => {
            let raw = c.delete(&lb_path(&project.project, &name)).await?;
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
            let items = c.list_all(&members_path(&a)).await?;
            o.list(items, |ms: Vec<Member>| member_rows(&ms))
        }
        MemberCmd::Add { pool, address, port, weight } => {
            let (address, port) = split_address(&address, port);
            let mut body = json!({"address": address, "port": port});
            if let Some(w) = weight {
                body["weight"] = w.into();
            }
            let raw = c.post(&members_path(&pool), &body).await?;
            o.one(&raw, |m: Member| member_rows(&[m]))
        }
        MemberCmd::Remove { pool, member } => {
            let path = members_path(&pool);
            let (id, what) = if uuid::Uuid::parse_str(&member).is_ok() {
                (member.clone(), member.clone())
            } else {
                let all: Vec<Member> = from_value(Value::Array(c.list_all(&path).await?))?;
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
            let raw = c.delete(&format!("{path}/{}", encode(&id))).await?;
            if o.json {
                return emit_raw(&raw);
            }
            emit(&format!("member {what} removed ({id})\n"))
        }
    }
}

fn event_line(e: &Event) -> String {
    format!("{}  {:<24}  {}\n", time(&e.created_at), e.kind, e.message)
}

async fn events(c: &Client, o: Out, a: EventsArgs) -> Result<()> {
    let lb_id = match &a.lb {
        None => None,
        Some(l) if uuid::Uuid::parse_str(l).is_ok() => Some(l.clone()),
        Some(l) => {
            let Some(p) = &a.project else {
                return Err(CliError::local(format!(
                    "--lb {l}: a load balancer name needs --project (or give its id)"
                )));
            };
            let lb: LoadBalancer = parse(&c.get(&lb_path(p, l)).await?)?;
            Some(lb.id.to_string())
        }
    };
    let base = match &lb_id {
        Some(id) => format!("/v1/events?load_balancer_id={}", encode(id)),
        None => "/v1/events".to_string(),
    };
    let items = c.list_all(&base).await?;
    if !a.follow {
        return o.list(items, |es: Vec<Event>| {
            let rows = es
                .iter()
                .map(|e| vec![time(&e.created_at), e.kind.clone(), e.message.clone()])
                .collect::<Vec<_>>();
            table(&["TIME", "KIND", "MESSAGE"], &rows)
        });
    }
    // Follow: one line per event (JSON lines with --json), then poll after the last one seen.
    // The resume point is the last event's id: the API's cursor is exactly that (`id >
    // cursor`), but it hands out `next_cursor` only when a page is full, so a tail has to keep
    // its own. TODO-robustness: an always-present resume cursor in the API would spare the
    // CLI this knowledge.
    let mut last: Option<String> = None;
    let print = |items: Vec<Value>, last: &mut Option<String>| -> Result<()> {
        for v in items {
            let e: Event = from_value(v.clone())?;
            *last = Some(e.id.to_string());
            if o.json {
                emit(&format!("{v}\n"))?;
            } else {
                emit(&event_line(&e))?;
            }
        }
        Ok(())
    };
    print(items, &mut last)?;
    let mut warned = false;
    loop {
        tokio::time::sleep(Duration::from_secs(a.poll_interval.max(1))).await;
        let url = match &last {
            Some(id) => {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}cursor={}", encode(id))
            }
            None => base.clone(),
        };
        match c.list_all(&url).await {
            Ok(items) => {
                warned = false;
                print(items, &mut last)?;
            }
            // An API restart should not end a tail; say so once and keep polling.
            Err(e @ CliError::Unreachable { .. }) => {
                if !warned {
                    eprintln!("warning: {e}; retrying");
                    warned = true;
                }
            }
            Err(e) => return Err(e),
        }
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
