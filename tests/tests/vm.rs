//! End-to-end on the real thing: lbaas-api and lbaas-controller processes, PostgreSQL, libvirt
//! VMs, network namespaces, test backends, and HTTP/TCP traffic from the public namespace to the
//! VIP. Every host object carries this run's own prefix and is removed at the end, pass or fail.

use std::process::Command;
use std::time::Duration;

use lbaas_tests::{bin, curl, domains, free_port, script, wait_for, HostCleanup, Proc};
use serde_json::Value;

fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().expect("run command");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `curl` run inside the public namespace, as the README tells users to.
/// `dig +short` against this run's DNS server.
fn dig(port: u16, name: &str) -> String {
    sh(&["dig", "@127.0.0.1", "-p", &port.to_string(), name, "A", "+short", "+time=1", "+tries=2"])
        .trim()
        .to_string()
}

fn curl_in(ns: &str, url: &str) -> Option<String> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "curl", "-s", "-m", "3", url])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

struct Stack {
    base: String,
    dns_port: u16,
    tok: String,
    admin: String,
    db_url: String,
    prefix: String,
    run_dir: std::path::PathBuf,
    secret_key_file: std::path::PathBuf,
    _api: Proc,
}

impl Stack {
    fn env(&self, action: &str, kind: &str, info: Value) -> (u16, Value) {
        let b = serde_json::json!({"action": action, "type": kind, "info": info}).to_string();
        let (s, body) =
            curl("POST", &format!("{}/v1/requests", self.base), Some(&self.tok), Some(&b));
        (s, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    fn lb(&self, name: &str) -> (u16, Value) {
        let (s, body) = curl(
            "GET",
            &format!("{}/v1/projects/demo/load-balancers/{name}", self.base),
            Some(&self.tok),
            None,
        );
        (s, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// A controller without a warm pool: these tests count VMs and taps exactly.
    fn controller(&self) -> Proc {
        self.controller_with(&["--spare-nodes", "0"])
    }

    /// Names of the load balancer's nodes (its VMs), from the API.
    fn node_names(&self, lb: &str) -> Vec<String> {
        let (_, body) = curl(
            "GET",
            &format!("{}/v1/projects/demo/load-balancers/{lb}/nodes", self.base),
            Some(&self.tok),
            None,
        );
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        v["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|n| n["name"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    fn healthcheckd(&self, extra: &[&str]) -> Proc {
        let mut args =
            vec!["--database-url", &self.db_url, "--prefix", &self.prefix, "--refresh-ms", "200"];
        args.extend_from_slice(extra);
        Proc::spawn(Command::new(bin("lbaas-healthcheckd")).args(args))
    }

    fn controller_with(&self, extra: &[&str]) -> Proc {
        let image =
            std::env::var("LBAAS_IMAGE_DIR").expect("LBAAS_IMAGE_DIR: run through `make test`");
        let dns = format!("127.0.0.1:{}", self.dns_port);
        // One DNS server per stack, unless the caller runs this one with its own (`off`).
        let dns: &[&str] =
            if extra.contains(&"--dns-listen") { &[] } else { &["--dns-listen", &dns] };
        Proc::spawn(
            Command::new(bin("lbaas-controller"))
                .args([
                    "--database-url",
                    &self.db_url,
                    "--prefix",
                    &self.prefix,
                    "--image-dir",
                    &image,
                    "--run-dir",
                    self.run_dir.to_str().unwrap(),
                    "--period",
                    "2",
                    "--secret-key-file",
                    self.secret_key_file.to_str().unwrap(),
                ])
                .args(dns)
                .args(extra),
        )
    }

    /// An admin call; the parsed body.
    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let b = body.map(|b| b.to_string());
        let (st, out) =
            curl(method, &format!("{}{path}", self.base), Some(&self.admin), b.as_deref());
        (st, serde_json::from_str(&out).unwrap_or(Value::Null))
    }

    /// `(status, hypervisor)` of each node of load balancer `lb`, from the admin fleet list.
    fn placements(&self, lb: &str) -> Vec<(String, String)> {
        let (_, v) = self.admin("GET", "/v1/nodes?limit=100", None);
        let mut out: Vec<(String, String)> = v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|n| n["load_balancer"] == lb)
            .map(|n| {
                let field = |k: &str| n[k].as_str().unwrap_or_default().to_string();
                (field("status"), field("hypervisor"))
            })
            .collect();
        out.sort();
        out
    }

    /// Deletes an instance of project `demo` and waits until it is gone.
    async fn delete_instance(&self, name: &str) {
        let (st, v) =
            self.env("delete", "instance", serde_json::json!({"project": "demo", "name": name}));
        assert_eq!(st, 202, "{v}");
        let ok = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
            self.lb(name).0 == 404
        })
        .await;
        assert!(ok, "{name} was not deleted");
    }

    async fn wait_active(&self, name: &str) -> Value {
        let mut last = Value::Null;
        let ok = wait_for(Duration::from_millis(200), Duration::from_secs(120), || {
            let (_, v) = self.lb(name);
            let done = v["provisioning_status"] == "ACTIVE";
            last = v;
            async move { done }
        })
        .await;
        assert!(ok, "{name} never became ACTIVE: {last}");
        last
    }
}

async fn stack(prefix: &str) -> Stack {
    let run_dir = std::env::temp_dir().join(format!("{prefix}-run"));
    let lbaas_tests::Api { proc: api, base, db_url, admin, secret_key_file } =
        lbaas_tests::spawn_api(&run_dir).await;
    let (_, body) = curl(
        "POST",
        &format!("{base}/v1/tenants"),
        Some(admin.as_str()),
        Some(r#"{"name":"acme"}"#),
    );
    let tok = serde_json::from_str::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string();
    let s = Stack {
        base,
        dns_port: free_port(),
        tok,
        admin,
        db_url,
        prefix: prefix.to_string(),
        run_dir,
        secret_key_file,
        _api: api,
    };
    assert_eq!(s.env("create", "project", serde_json::json!({"name": "demo"})).0, 201);
    s
}

#[tokio::test]
async fn http_and_tcp_through_the_vip_update_and_delete() {
    let prefix = lbaas_tests::test_prefix();
    let mut cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let s = stack(&prefix).await;
    let _ctl = s.controller();
    let pub_ns = format!("{prefix}-pub");

    let (st, v) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "web", "traffic_type": "http", "subnet": "10.10.0.0/24",
            "backend": {"entities": ["10.10.0.11:8080", "10.10.0.12:8080"]}}),
    );
    assert_eq!(st, 202, "{v}");
    let project_id: String = {
        let (_, body) = curl("GET", &format!("{}/v1/projects/demo", s.base), Some(&s.tok), None);
        serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string()
    };
    let pns = sh(&[script("backend.sh").to_str().unwrap(), "project-ns", &prefix, &project_id])
        .trim()
        .to_string();
    let lb = s.wait_active("web").await;
    let vip = lb["vips"][0].as_str().expect("an ACTIVE load balancer has a VIP").to_string();
    // The URL's name answers the VIP (within a second of ACTIVE).
    let name = "web.demo.acme.lbaas.test";
    let ok = wait_for(Duration::from_millis(100), Duration::from_secs(3), || async {
        dig(s.dns_port, name) == vip
    })
    .await;
    assert!(ok, "dig {name} → {:?}, want {vip}", dig(s.dns_port, name));

    for (i, ip) in ["10.10.0.11", "10.10.0.12", "10.10.0.13"].iter().enumerate() {
        let name = format!("{prefix}-b{i}");
        sh(&[
            script("backend.sh").to_str().unwrap(),
            "add",
            &pns,
            &name,
            &format!("{ip}/24"),
            "8080",
        ]);
        cleanup.backends.push(name);
    }
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        if let Some(body) = curl_in(&pub_ns, &format!("http://{vip}/")) {
            seen.insert(body.trim().to_string());
        }
    }
    assert_eq!(seen.len(), 2, "both backends answer through the VIP: {seen:?}");
    assert!(seen.iter().all(|b| !b.contains("10.10.0.13")));

    // Update members: the new one is served, by the same VM (no restart).
    let before = domains(&prefix);
    let domid = sh(&["virsh", "-c", "qemu:///system", "domid", &before[0]]);
    let (st, v) = s.env(
        "update",
        "instance",
        serde_json::json!({"project": "demo", "name": "web",
            "backend": {"entities": ["10.10.0.11:8080", "10.10.0.13:8080"]}}),
    );
    assert_eq!(st, 202, "{v}");
    s.wait_active("web").await;
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        curl_in(&pub_ns, &format!("http://{vip}/")).is_some_and(|b| b.contains("10.10.0.13"))
    })
    .await;
    assert!(ok, "the new member is served");
    for _ in 0..10 {
        let b = curl_in(&pub_ns, &format!("http://{vip}/")).unwrap_or_default();
        assert!(!b.contains("10.10.0.12"), "a removed member still serves: {b}");
    }
    assert_eq!(sh(&["virsh", "-c", "qemu:///system", "domid", &before[0]]), domid, "no VM restart");

    // A TCP instance on its own port, same backends.
    let (st, v) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "raw", "traffic_type": "tcp", "subnet": "10.10.0.0/24",
            "port": 9000, "backend": {"entities": ["10.10.0.11:8080"]}}),
    );
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["info"]["url"], "tcp://raw.demo.acme.lbaas.test:9000");
    let raw = s.wait_active("raw").await;
    let raw_vip = raw["vips"][0].as_str().unwrap().to_string();
    let body = curl_in(&pub_ns, &format!("http://{raw_vip}:9000/")).expect("TCP proxy answers");
    assert!(body.contains("10.10.0.11"), "{body}");

    // Delete both: no domain, no VIP, no rows left; the project namespace goes with the project.
    for name in ["web", "raw"] {
        assert_eq!(
            s.env("delete", "instance", serde_json::json!({"project": "demo", "name": name})).0,
            202
        );
    }
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
        s.lb("web").0 == 404 && s.lb("raw").0 == 404
    })
    .await;
    assert!(ok, "deletes finished");
    let ok = wait_for(Duration::from_millis(100), Duration::from_secs(3), || async {
        dig(s.dns_port, name).is_empty()
    })
    .await;
    assert!(ok, "a deleted load balancer's name no longer answers");
    let full = sh(&["dig", "@127.0.0.1", "-p", &s.dns_port.to_string(), name, "A"]);
    assert!(full.contains("status: NXDOMAIN"), "{full}");
    assert!(domains(&prefix).is_empty(), "domains left: {:?}", domains(&prefix));
    for b in cleanup.backends.drain(..) {
        sh(&[script("backend.sh").to_str().unwrap(), "del", &b]);
    }
    assert_eq!(s.env("delete", "project", serde_json::json!({"name": "demo"})).0, 200);
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(30), || async {
        !std::path::Path::new("/run/netns").join(&pns).exists()
    })
    .await;
    assert!(ok, "project namespace {pns} removed");
    // Taps are named <first 5 of prefix><node id>v|p; none may be left in the root namespace.
    let tap_prefix: String = prefix.chars().take(5).collect();
    let links = sh(&["ip", "-o", "link"]);
    assert!(
        !links.lines().any(|l| l.split(": ").nth(1).is_some_and(|n| n.starts_with(&tap_prefix))),
        "taps left: {links}"
    );
}

#[tokio::test]
async fn controller_killed_mid_create_converges_without_leaks() {
    let prefix = lbaas_tests::test_prefix();
    let _cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let s = stack(&prefix).await;
    let mut ctl = s.controller();
    let (st, _) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "web", "traffic_type": "http", "subnet": "10.20.0.0/24",
            "backend": {"entities": ["10.20.0.11:8080"]}}),
    );
    assert_eq!(st, 202);
    // Kill it as soon as the VM exists, before the agent has its config.
    let ok = wait_for(Duration::from_millis(50), Duration::from_secs(60), || async {
        !domains(&prefix).is_empty()
    })
    .await;
    assert!(ok, "the controller started a domain");
    ctl.kill9();
    let _ctl = s.controller();
    s.wait_active("web").await;
    assert_eq!(domains(&prefix).len(), 1, "exactly one VM for one node: {:?}", domains(&prefix));
    s.delete_instance("web").await;
    assert!(domains(&prefix).is_empty());
}

/// The A records of `name`, sorted.
fn vips(port: u16, name: &str) -> Vec<String> {
    let mut v: Vec<String> = dig(port, name).lines().map(str::to_string).collect();
    v.sort();
    v
}

/// The load balancer's members as the API shows them (empty if it cannot be read).
fn members(s: &Stack, lb: &str) -> Vec<Value> {
    let (_, body) = curl(
        "GET",
        &format!("{}/v1/projects/demo/load-balancers/{lb}/pools/default/members", s.base),
        Some(&s.tok),
        None,
    );
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    v["items"].as_array().cloned().unwrap_or_default()
}

fn member_statuses(s: &Stack, lb: &str) -> Vec<(String, String)> {
    let field = |m: &Value, k: &str| m[k].as_str().unwrap_or("").to_string();
    let mut out: Vec<(String, String)> = members(s, lb)
        .iter()
        .map(|m| (field(m, "address"), field(m, "operating_status")))
        .collect();
    out.sort();
    out
}

/// One `curl` process sending `n` keep-alive requests to `url` from inside `ns`; how many
/// answered 200.
fn burst(ns: &str, url: &str, n: usize) -> usize {
    let mut args = vec!["netns", "exec", ns, "curl", "-s", "-m", "10", "-o", "/dev/null"];
    args.extend(["-w", "%{http_code}\\n"]);
    let urls = vec![url; n];
    args.extend(urls.iter().copied());
    let out = Command::new("ip").args(&args).output().expect("curl");
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| *l == "200").count()
}

/// ARCHITECTURE §7 on the real thing: a dead backend leaves rotation; a VM that dies is replaced and
/// DNS follows; sustained load adds a node (DNS answers both), and when it stops the newest
/// node drains and goes. Timings are printed for the notes, not asserted.
#[tokio::test]
async fn health_checks_failover_and_autoscale() {
    let prefix = lbaas_tests::test_prefix();
    let mut cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let s = stack(&prefix).await;
    // One warm spare: the failover replacement claims it instead of booting. Never more than
    // one: the counts below are exact (demand growth has its own test).
    let metrics = format!("127.0.0.1:{}", free_port());
    let _ctl = s.controller_with(&[
        "--metrics-listen",
        &metrics,
        "--failover-grace",
        "5",
        "--drain-period",
        "3",
        "--spare-nodes",
        "1",
        "--spare-nodes-max",
        "1",
    ]);
    let _hc = s.healthcheckd(&[
        "--scale-rps-high",
        "5",
        "--scale-rps-low",
        "1",
        "--scale-out-after",
        "2",
        "--scale-in-after",
        "4",
        "--scale-cooldown",
        "4",
    ]);
    let pub_ns = format!("{prefix}-pub");
    let name = "web.demo.acme.lbaas.test";
    let (st, v) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "web", "traffic_type": "http", "subnet": "10.30.0.0/24",
            "backend": {"entities": ["10.30.0.11:8080", "10.30.0.12:8080"], "auto-scaling": true,
              "health-check": {"protocol": "HTTP", "port": 8080, "request-path": "/healthz",
                "criteria": {"interval": 1, "timeout": 1, "health-threshold": 2, "unhealth-threshold": 2}}}}),
    );
    assert_eq!(st, 202, "{v}");
    let project_id: String = {
        let (_, body) = curl("GET", &format!("{}/v1/projects/demo", s.base), Some(&s.tok), None);
        serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string()
    };
    let pns = sh(&[script("backend.sh").to_str().unwrap(), "project-ns", &prefix, &project_id])
        .trim()
        .to_string();
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(30), || async {
        std::path::Path::new("/run/netns").join(&pns).exists()
    })
    .await;
    assert!(ok, "project namespace {pns}");
    for (i, ip) in ["10.30.0.11", "10.30.0.12"].iter().enumerate() {
        let b = format!("{prefix}-b{i}");
        sh(&[script("backend.sh").to_str().unwrap(), "add", &pns, &b, &format!("{ip}/24"), "8080"]);
        cleanup.backends.push(b);
    }
    let lb = s.wait_active("web").await;
    let vip1 = lb["vips"][0].as_str().unwrap().to_string();
    let both_online = [
        ("10.30.0.11".to_string(), "ONLINE".to_string()),
        ("10.30.0.12".to_string(), "ONLINE".to_string()),
    ];
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        member_statuses(&s, "web") == both_online
    })
    .await;
    assert!(ok, "members ONLINE: {:?}", member_statuses(&s, "web"));

    // 1. A backend dies: OFFLINE after 2 failed probes, and the agents stop sending to it.
    let t0 = std::time::Instant::now();
    sh(&[script("backend.sh").to_str().unwrap(), "del", &cleanup.backends[1]]);
    let ok = wait_for(Duration::from_millis(100), Duration::from_secs(20), || async {
        member_statuses(&s, "web").get(1).is_some_and(|m| m.1 == "OFFLINE")
    })
    .await;
    assert!(ok, "dead member OFFLINE: {:?}", member_statuses(&s, "web"));
    eprintln!("member OFFLINE after {:.1}s", t0.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(1)).await;
    for _ in 0..10 {
        let b = curl_in(&pub_ns, &format!("http://{vip1}/")).unwrap_or_default();
        assert!(b.contains("10.30.0.11"), "only the live member serves: {b:?}");
    }

    // 2. The node's VM dies: DOWN, out of DNS, a replacement serves under a new VIP.
    let dom = s.node_names("web");
    assert_eq!(dom.len(), 1);
    // Give the warm pool time to have its spare up (booted alongside the first node).
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
        domains(&prefix).len() == 2
    })
    .await;
    assert!(ok, "a spare runs beside the node: {:?}", domains(&prefix));
    // A tenant following the monitor log (`lbaas events --follow --json`: the event stream)
    // sees the failover as it is recorded.
    let follower = Follower::start(&s);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let t0 = std::time::Instant::now();
    sh(&["virsh", "-c", "qemu:///system", "destroy", &dom[0]]);
    let ok = wait_for(Duration::from_millis(100), Duration::from_secs(20), || async {
        !vips(s.dns_port, name).contains(&vip1)
    })
    .await;
    assert!(ok, "the dead VIP left DNS");
    let out_of_dns = t0.elapsed();
    let mut vip2 = String::new();
    let ok = wait_for(Duration::from_millis(100), Duration::from_secs(90), || {
        let v = vips(s.dns_port, name);
        let found = v.len() == 1 && v[0] != vip1;
        if found {
            vip2 = v[0].clone();
        }
        async move { found }
    })
    .await;
    assert!(ok, "a replacement answers in DNS: {:?}", vips(s.dns_port, name));
    eprintln!(
        "failover: dead VIP out of DNS after {:.1}s, replacement VIP {vip2} in DNS after {:.1}s",
        out_of_dns.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    let b = curl_in(&pub_ns, &format!("http://{vip2}/")).unwrap_or_default();
    assert!(b.contains("10.30.0.11"), "the replacement serves: {b:?}");
    let (event, lag) = follower.wait_for_kind("node.down", Duration::from_secs(10));
    eprintln!(
        "events --follow: {} printed {:.0} ms after it was recorded",
        event["message"],
        lag * 1000.0
    );
    // After the grace period the DOWN node's row is gone too.
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        s.node_names("web").len() == 1
    })
    .await;
    assert!(ok, "the DOWN node was deleted after the grace period");

    // 3. Sustained load (bounded: at most 60 s, 100 requests per burst): a second node.
    let t0 = std::time::Instant::now();
    let mut served = 0;
    while t0.elapsed() < Duration::from_secs(60) && vips(s.dns_port, name).len() < 2 {
        served += burst(&pub_ns, &format!("http://{vip2}/"), 100);
    }
    let two = vips(s.dns_port, name);
    assert_eq!(two.len(), 2, "scaled out to two nodes in DNS after {served} requests");
    eprintln!("scale-out: second VIP in DNS after {:.1}s of load", t0.elapsed().as_secs_f64());
    // The load shows per member: in the API (members' traffic, from the heartbeats) and in the
    // controller's metrics, labelled by tenant, project and load balancer.
    let live_requests = || {
        members(&s, "web")
            .iter()
            .find(|m| m["address"] == "10.30.0.11")
            .and_then(|m| m["traffic"]["requests"].as_i64())
            .unwrap_or(0)
    };
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(10), || async {
        live_requests() >= 100
    })
    .await;
    assert!(ok, "member traffic in the API: {} requests", live_requests());
    let (_, text) = curl("GET", &format!("http://{metrics}/metrics"), None, None);
    // One series per node and member: the new node may not have sent any yet.
    let series: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("lbaas_member_requests_total{")
                && l.contains("project=\"demo\",load_balancer=\"web\"")
        })
        .collect();
    let total: f64 = series.iter().filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum();
    assert!(total > 0.0, "member series in the metrics: {series:?}\n{text}");
    eprintln!("member traffic: {} requests in the API; metrics: {series:?}", live_requests());
    for v in &two {
        let b = curl_in(&pub_ns, &format!("http://{v}/")).unwrap_or_default();
        assert!(b.contains("10.30.0.11"), "{v} serves: {b:?}");
    }

    // 4. Load stops: one node drains and goes; DNS back to one VIP.
    let t0 = std::time::Instant::now();
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
        vips(s.dns_port, name).len() == 1 && s.node_names("web").len() == 1
    })
    .await;
    assert!(ok, "scaled in: {:?} / {:?}", vips(s.dns_port, name), s.node_names("web"));
    let last = s.node_names("web");
    eprintln!("scale-in: back to one node after {:.1}s idle", t0.elapsed().as_secs_f64());
    let (_, body) = curl("GET", &format!("{}/v1/events?limit=1000", s.base), Some(&s.tok), None);
    for kind in [
        "member.down",
        "node.down",
        "node.created",
        "node.deleted",
        "autoscale.out",
        "autoscale.in",
        "node.sundown",
    ] {
        assert!(body.contains(kind), "event {kind} in the monitor log");
    }

    s.delete_instance("web").await;
    let left = domains(&prefix);
    assert!(!left.iter().any(|d| last.contains(d)), "the node's VM is gone: {left:?}");
    assert_eq!(left.len(), 1, "only the warm spare is left: {left:?}");
}

/// The dashboard in a real browser against this whole stack (api/ui/tests/live_dashboard.py):
/// an instance created from the form turns ACTIVE on the page without a reload, a member goes
/// OFFLINE there when its backend stops, a delete empties the list; another tenant sees none.
#[tokio::test]
async fn the_dashboard_follows_a_real_load_balancer() {
    let prefix = lbaas_tests::test_prefix();
    let backends = vec![format!("{prefix}-b0"), format!("{prefix}-b1")];
    let _cleanup = HostCleanup { prefix: prefix.clone(), backends: backends.clone() };
    let s = stack(&prefix).await;
    let _ctl = s.controller_with(&["--spare-nodes", "1", "--spare-nodes-max", "1"]);
    let _hc = s.healthcheckd(&[]);
    let (_, body) = curl(
        "POST",
        &format!("{}/v1/tenants", s.base),
        Some(&s.admin),
        Some(r#"{"name":"other"}"#),
    );
    let other =
        serde_json::from_str::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string();
    let venv = std::env::var("LBAAS_VENV").expect("LBAAS_VENV: run through `make test`");
    let out = tokio::process::Command::new(format!("{venv}/bin/python"))
        .arg(lbaas_tests::repo_root().join("api/ui/tests/live_dashboard.py"))
        .env("LBAAS_URL", &s.base)
        .env("LBAAS_TOKEN", &s.tok)
        .env("LBAAS_OTHER_TOKEN", &other)
        .env("LBAAS_PREFIX", &prefix)
        .env("LBAAS_BACKEND_SH", script("backend.sh"))
        .env("LBAAS_BACKENDS", backends.join(","))
        .kill_on_drop(true)
        .output()
        .await
        .expect("run the browser test");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success(), "the browser test failed:\n{text}");
}

/// `lbaas events --follow --json` running beside a test, its lines collected with the time each
/// arrived.
struct Follower {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<(std::time::SystemTime, String)>,
}

impl Follower {
    fn start(s: &Stack) -> Follower {
        use std::io::BufRead;
        let mut child = Command::new(bin("lbaas"))
            .env("LBAAS_API", &s.base)
            .env("LBAAS_TOKEN", &s.tok)
            .args(["--json", "events", "--follow"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run lbaas events --follow");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send((std::time::SystemTime::now(), line));
            }
        });
        Follower { child, lines }
    }

    /// The first event of `kind` printed, and how long after its `created_at` it was printed
    /// (seconds).
    fn wait_for_kind(&self, kind: &str, limit: Duration) -> (Value, f64) {
        let end = std::time::Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(std::time::Instant::now());
            let (at, line) =
                self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no {kind} event printed"));
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if v["kind"] == kind {
                let created =
                    chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap())
                        .unwrap();
                let at: chrono::DateTime<chrono::Utc> = at.into();
                let lag = (at - created.with_timezone(&chrono::Utc)).num_microseconds().unwrap();
                return (v, lag as f64 / 1e6);
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl` to `https://<host><path>` (or `http://` on port 80) in the public namespace, with the
/// name resolved to the VIP and the test CA trusted: `(status, redirect URL, body, verbose log)`.
fn curl_tls(ns: &str, ca: &std::path::Path, vip: &str, url: &str) -> (String, String, String) {
    let host = url.split("://").nth(1).and_then(|r| r.split(['/', ':']).next()).unwrap_or_default();
    let port = if url.starts_with("https://") { 443 } else { 80 };
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "curl", "-sv", "-m", "5", "--cacert"])
        .arg(ca)
        .args([
            "--resolve",
            &format!("{host}:{port}:{vip}"),
            "-w",
            "\n%{http_code} %{redirect_url}",
            url,
        ])
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, tail) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    (tail.to_string(), body.to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

#[tokio::test]
async fn https_with_two_certificates_host_and_path_rules_and_redirects() {
    let prefix = lbaas_tests::test_prefix();
    let mut cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let s = stack(&prefix).await;
    let _ctl = s.controller();
    let pub_ns = format!("{prefix}-pub");
    let ca = lbaas_certs::testing::TestCa::new(&s.run_dir);
    let www = ca.leaf(&["www.shop.test", "shop.test"], 30, false);
    let api = ca.leaf(&["api.shop.test"], 30, true);

    // Uploads: through the envelope and through REST; bad ones refused with their codes.
    let upload = |name: &str, c: &lbaas_certs::testing::TestCert| {
        s.env(
            "create",
            "certificate",
            serde_json::json!({"project": "demo", "name": name,
            "certificate": c.chain_pem, "private_key": c.key_pem}),
        )
    };
    let (st, v) = upload("www", &www);
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["info"]["names"], serde_json::json!(["shop.test", "www.shop.test"]));
    let body = serde_json::json!({"name": "api", "certificate_chain": api.chain_pem,
        "private_key": api.key_pem})
    .to_string();
    let (st, out) = curl(
        "POST",
        &format!("{}/v1/projects/demo/certificates", s.base),
        Some(&s.tok),
        Some(&body),
    );
    assert_eq!(st, 201, "{out}");
    assert!(!out.contains("PRIVATE KEY"), "a key is never returned: {out}");
    let expired = ca.leaf(&["old.shop.test"], -1, false);
    let (st, v) = upload("old", &expired);
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("certificate_expired")), "{v}");
    let (st, v) = upload(
        "mixed",
        &lbaas_certs::testing::TestCert { key_pem: api.key_pem.clone(), ..www.clone() },
    );
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("private_key_mismatch")), "{v}");
    let (_, listed) =
        curl("GET", &format!("{}/v1/projects/demo/certificates", s.base), Some(&s.tok), None);
    assert!(!listed.contains("PRIVATE KEY") && listed.contains("api.shop.test"), "{listed}");

    // Another tenant sees none of them, even by id, and cannot serve them.
    let (_, t2) = curl(
        "POST",
        &format!("{}/v1/tenants", s.base),
        Some(&s.admin),
        Some(r#"{"name":"other"}"#),
    );
    let tok2 = serde_json::from_str::<Value>(&t2).unwrap()["token"].as_str().unwrap().to_string();
    let (st, _) =
        curl("POST", &format!("{}/v1/projects", s.base), Some(&tok2), Some(r#"{"name":"demo"}"#));
    assert_eq!(st, 201);
    let www_id = v_str(
        &curl("GET", &format!("{}/v1/projects/demo/certificates/www", s.base), Some(&s.tok), None)
            .1,
        "id",
    );
    let (st, _) = curl(
        "GET",
        &format!("{}/v1/projects/demo/certificates/{www_id}", s.base),
        Some(&tok2),
        None,
    );
    assert_eq!(st, 404, "another tenant's certificate is not found");
    let (_, listed2) =
        curl("GET", &format!("{}/v1/projects/demo/certificates", s.base), Some(&tok2), None);
    assert_eq!(serde_json::from_str::<Value>(&listed2).unwrap()["items"], serde_json::json!([]));

    // An HTTPS instance: two certificates, a redirect from port 80, a host rule to its own pool
    // and a path rule that redirects.
    let (st, v) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "shop", "traffic_type": "https",
            "subnet": "10.10.0.0/24", "certificates": ["www", "api"], "redirect_http": true,
            "backend": {"entities": ["10.10.0.11:8080"], "rules": [
                {"host": "api.shop.test", "entities": ["10.10.0.12:8080"]},
                {"path_prefix": "/static/", "entities": ["10.10.0.13:8080"]},
                {"path_prefix": "/old", "redirect": "https://www.shop.test/new", "redirect-code": 301}]}}),
    );
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["info"]["url"], "https://shop.demo.acme.lbaas.test/");
    let (st, v) = curl(
        "DELETE",
        &format!("{}/v1/projects/demo/certificates/www", s.base),
        Some(&s.tok),
        None,
    );
    assert_eq!(st, 409, "a certificate in use stays: {v}");
    let project_id =
        v_str(&curl("GET", &format!("{}/v1/projects/demo", s.base), Some(&s.tok), None).1, "id");
    let pns = sh(&[script("backend.sh").to_str().unwrap(), "project-ns", &prefix, &project_id])
        .trim()
        .to_string();
    for (i, ip) in ["10.10.0.11", "10.10.0.12", "10.10.0.13"].iter().enumerate() {
        let name = format!("{prefix}-b{i}");
        sh(&[
            script("backend.sh").to_str().unwrap(),
            "add",
            &pns,
            &name,
            &format!("{ip}/24"),
            "8080",
        ]);
        cleanup.backends.push(name);
    }
    let lb = s.wait_active("shop").await;
    let vip = lb["vips"][0].as_str().unwrap().to_string();
    let ca_pem = ca.ca_pem_path();

    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        curl_tls(&pub_ns, &ca_pem, &vip, "https://www.shop.test/").1.contains("10.10.0.11")
    })
    .await;
    assert!(
        ok,
        "www over HTTPS reaches the default pool: {:?}",
        curl_tls(&pub_ns, &ca_pem, &vip, "https://www.shop.test/")
    );
    let (code, body, log) = curl_tls(&pub_ns, &ca_pem, &vip, "https://www.shop.test/");
    assert!(code.starts_with("200"), "{code}");
    assert!(body.contains("10.10.0.11"), "{body}");
    assert!(log.contains("CN=www.shop.test"), "SNI www gets the www certificate: {log}");
    let (code, body, log) = curl_tls(&pub_ns, &ca_pem, &vip, "https://api.shop.test/");
    assert!(code.starts_with("200"), "{code} {log}");
    assert!(body.contains("10.10.0.12"), "the host rule reaches the api pool: {body}");
    assert!(log.contains("CN=api.shop.test"), "SNI api gets the api certificate: {log}");
    // The path rule reaches a third pool (busybox httpd serves files: give the third one this).
    let static_dir = std::path::PathBuf::from(format!("/run/lbaas-backend/{prefix}-b2/static"));
    std::fs::create_dir_all(&static_dir).unwrap();
    std::fs::write(static_dir.join("app.js"), "backend 10.10.0.13\n").unwrap();
    let url = "https://www.shop.test/static/app.js";
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(10), || async {
        curl_tls(&pub_ns, &ca_pem, &vip, url).1.contains("10.10.0.13")
    })
    .await;
    assert!(
        ok,
        "the path rule reaches the static pool: {:?}",
        curl_tls(&pub_ns, &ca_pem, &vip, url)
    );
    let (code, _, _) = curl_tls(&pub_ns, &ca_pem, &vip, "https://www.shop.test/old/page?x=1");
    assert_eq!(code, "301 https://www.shop.test/new/old/page?x=1");
    let (code, _, _) = curl_tls(&pub_ns, &ca_pem, &vip, "http://www.shop.test/cart");
    assert_eq!(code, "301 https://www.shop.test/cart", "port 80 redirects to HTTPS");

    assert_eq!(
        s.env("delete", "instance", serde_json::json!({"project": "demo", "name": "shop"})).0,
        202
    );
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
        s.lb("shop").0 == 404
    })
    .await;
    assert!(ok, "delete finished");
    let (st, v) = curl(
        "DELETE",
        &format!("{}/v1/projects/demo/certificates/www", s.base),
        Some(&s.tok),
        None,
    );
    assert_eq!(st, 204, "unused now: {v}");
    for b in cleanup.backends.drain(..) {
        sh(&[script("backend.sh").to_str().unwrap(), "del", &b]);
    }
}

fn v_str(body: &str, key: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()[key].as_str().unwrap_or_default().to_string()
}

/// A second libvirtd on this host (`scripts/libvirtd.sh second NAME`), for placement over two
/// hypervisors. Dropped: its domains of the test prefix destroyed, the daemon stopped, its
/// directory removed.
struct SecondLibvirtd {
    name: String,
    uri: String,
    prefix: String,
}

impl SecondLibvirtd {
    fn start(name: &str, prefix: &str) -> SecondLibvirtd {
        let out = sh(&[script("libvirtd.sh").to_str().unwrap(), "second", name]);
        let uri = out.lines().last().unwrap_or_default().trim().to_string();
        assert!(uri.starts_with("qemu+unix://"), "{out}");
        SecondLibvirtd { name: name.into(), uri, prefix: prefix.into() }
    }

    fn domains(&self) -> Vec<String> {
        sh(&["virsh", "-c", &self.uri, "list", "--name"])
            .lines()
            .filter(|d| d.starts_with(&format!("{}-", self.prefix)))
            .map(str::to_string)
            .collect()
    }

    /// SIGKILL of its libvirtd alone (a crash): its VMs go on running.
    fn kill_daemon(&self) {
        let pid_file = format!("/var/lib/lbaas-hv/{}/run/libvirtd.pid", self.name);
        let pid = std::fs::read_to_string(&pid_file).expect("libvirtd pid file");
        sh(&["kill", "-9", pid.trim()]);
    }
}

impl Drop for SecondLibvirtd {
    fn drop(&mut self) {
        let _ = Command::new(script("sweep.sh")).arg(&self.prefix).status();
        let _ = Command::new(script("libvirtd.sh")).args(["second-stop", &self.name]).status();
        let _ = std::fs::remove_dir_all(format!("/var/lib/lbaas-hv/{}", self.name));
    }
}

/// Lets the traffic go on (at most 30 s) until more than 20 requests were answered in all: the
/// checks after it need traffic to have flowed, and a TCG guest that stalls (below) can hold
/// both clients for 15 s at the start of a window only seconds long (seen: a drain over in 9 s
/// with both clients stuck on the staying node from 0.1 s to 15 s).
async fn enough_traffic(answered: &std::sync::atomic::AtomicUsize) {
    let _ = wait_for(Duration::from_millis(200), Duration::from_secs(30), || async {
        answered.load(std::sync::atomic::Ordering::Relaxed) > 20
    })
    .await;
}

/// The traffic [`traffic`] sends: through `name` (resolved at `dns_port`) from the namespace
/// `ns`, at most `rounds` rounds, until `stop`; each answered request counted in `answered`.
#[derive(Clone)]
struct Load {
    ns: String,
    dns_port: u16,
    name: String,
    rounds: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    answered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Two independent clients of [`traffic_client`], summed: a request one of them waits on for
/// up to 15 s (a stalled TCG guest, below) does not stop the other from sending through the
/// window the caller measures (seen: a single client's one stall at the start of an 8 s drain
/// left one answered request to count).
fn traffic(load: Load) -> std::thread::JoinHandle<(usize, Vec<String>)> {
    let clients: Vec<_> = (0..2).map(|_| traffic_client(load.clone())).collect();
    std::thread::spawn(move || {
        let (mut ok, mut failed) = (0, Vec::new());
        for c in clients {
            let (o, f) = c.join().expect("traffic client");
            ok += o;
            failed.extend(f);
        }
        (ok, failed)
    })
}

/// Requests through the load balancer's DNS name, as a client that honours the TTL sees it:
/// each round resolves the name at the authoritative server and sends one request to every
/// address it answers. Bounded: at most `rounds` rounds, stopped early by `stop`. A failure is
/// a refused or reset connection, a wrong answer, or no answer twice in a row within 15 s; the
/// slowest answer and the stalls (address, when, whether still published after) are printed.
fn traffic_client(load: Load) -> std::thread::JoinHandle<(usize, Vec<String>)> {
    let Load { ns, dns_port, name, rounds, stop, answered } = load;
    std::thread::spawn(move || {
        let (mut ok, mut failed) = (0, Vec::new());
        let t0 = std::time::Instant::now();
        let (mut slowest, mut stalls) = (Duration::ZERO, Vec::new());
        for _ in 0..rounds {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            // A client honouring the zone's TTL (5 s) resolves again before it uses an older
            // answer: a retired node drains once that has expired, so an address that left DNS
            // meanwhile (a round with a 15 s stall in it outlives the answer) is not asked.
            let mut answer = (std::time::Instant::now(), vips(dns_port, &name));
            let round = answer.1.clone();
            let mut published = |vip: &str| {
                if answer.0.elapsed() >= Duration::from_secs(5) {
                    answer = (std::time::Instant::now(), vips(dns_port, &name));
                }
                answer.1.iter().any(|v| v == vip)
            };
            for vip in round {
                if !published(&vip) {
                    continue;
                }
                let url = format!("http://{vip}/");
                // What the client's namespace sees now, for the reports.
                let state = |args: &[&str]| {
                    let o = Command::new("ip").args(["netns", "exec", &ns]).args(args).output();
                    o.map(|o| String::from_utf8_lossy(&o.stdout).to_string()).unwrap_or_default()
                };
                // A request 5 s without an answer is probed while it waits, to tell a stalled VM
                // from a stuck proxy in it.
                let probe = std::cell::RefCell::new(String::new());
                let get = || {
                    let sent = std::time::Instant::now();
                    let mut child = Command::new("ip")
                        .args(["netns", "exec", &ns, "curl", "-s", "-m", "15", &url])
                        .stdout(std::process::Stdio::piped())
                        .spawn()
                        .expect("curl");
                    let status =
                        loop {
                            if let Some(st) = child.try_wait().expect("curl wait") {
                                break st;
                            }
                            if probe.borrow().is_empty() && sent.elapsed() >= Duration::from_secs(5)
                            {
                                // The guest's kernel completes a TCP handshake even while the proxy
                                // in it is stuck: a connect time of 0 means the VM (or the path to
                                // it) is what stalls.
                                let second = state(&[
                                "curl", "-s", "-o", "/dev/null", "-m", "2", "-w",
                                "connect %{time_connect}s, total %{time_total}s, code %{http_code}",
                                &url,
                            ]);
                                *probe.borrow_mut() = format!(
                                    "a second request after 5 s: {second} | neigh: {}",
                                    state(&["ip", "neigh", "show", &vip]).trim()
                                );
                            }
                            std::thread::sleep(Duration::from_millis(50));
                        };
                    let mut body = String::new();
                    if let Some(mut out) = child.stdout.take() {
                        let _ = std::io::Read::read_to_string(&mut out, &mut body);
                    }
                    (status.code(), body, sent.elapsed())
                };
                let (mut code, mut body, took) = get();
                slowest = slowest.max(took);
                // No answer within 15 s (curl 28) is a stalled guest, not a refused or reset
                // connection: a TCG guest on two shared cores can stop for that long while
                // another boots. What a drain could do wrong is refuse, reset or answer 5xx,
                // which the second try would show too; a stall is counted and printed.
                if code == Some(28) {
                    let still = published(&vip);
                    let at = t0.elapsed().as_secs_f64() - 15.0;
                    let probe = probe.borrow().clone();
                    stalls.push(format!("{vip} from {at:.1}s (published after: {still}; {probe})"));
                    if !still {
                        continue;
                    }
                    (code, body, _) = get();
                }
                if code == Some(0) && body.contains("10.50.0.") {
                    ok += 1;
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    let at = t0.elapsed().as_secs_f64();
                    let seen = format!(
                        "neigh: {} | bridge: {}",
                        state(&["ip", "neigh", "show"]),
                        state(&["bridge", "link", "show"])
                    );
                    failed.push(format!("{vip} at {at:.1}s: curl {code:?} {body:?} [{seen}]"));
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let report = format!(
            "traffic: {ok} answered, slowest {:.2}s, stalled past 15 s (tried again while still \
             published): {stalls:?}",
            slowest.as_secs_f64()
        );
        if stalls.is_empty() {
            eprintln!("{report}");
        } else {
            // Straight to the process's stderr, past the test harness's capture: a stall is
            // tolerated (the test passes) but is what is still unexplained (two CI runs of six),
            // so every CI log should show the ones that happened, with their probes.
            let line = format!("two_hypervisors {report}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
        (ok, failed)
    })
}

/// ARCHITECTURE §14 on real VMs and two real libvirt endpoints: the nodes of one load balancer
/// spread over both; draining one moves its node through SUNDOWN with no failed request; a
/// SIGKILLed libvirtd makes its hypervisor unreachable, its node is replaced on the other (no
/// failed request either), and the restarted daemon lets its controller remove the old VM.
#[tokio::test]
async fn two_hypervisors_spread_drain_and_survive_losing_one() {
    let prefix = lbaas_tests::test_prefix();
    let mut cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let hv2 = SecondLibvirtd::start(&prefix, &prefix);
    let s = stack(&prefix).await;
    let (st, v) = s.admin(
        "POST",
        "/v1/hypervisors",
        Some(serde_json::json!({"name": "hv2", "uri": hv2.uri, "capacity_nodes": 8})),
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["state"], "ENABLED");
    // A warm spare on local: the drain's replacement claims it instead of booting (a TCG boot
    // on two shared cores starves the serving VMs; one request took over 5 s in a CI run).
    let _local = s.controller_with(&["--spare-nodes", "1", "--spare-nodes-max", "1"]);
    let _second =
        s.controller_with(&["--spare-nodes", "0", "--hypervisor", "hv2", "--dns-listen", "off"]);
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(30), || async {
        let (_, v) = s.admin("GET", "/v1/hypervisors", None);
        let items = v["items"].as_array().cloned().unwrap_or_default();
        items.len() == 2 && items.iter().all(|h| h["reachable"] == true)
    })
    .await;
    assert!(ok, "both hypervisors reachable: {}", s.admin("GET", "/v1/hypervisors", None).1);

    let (st, v) = s.env(
        "create",
        "instance",
        serde_json::json!({"project": "demo", "name": "web", "traffic_type": "http", "subnet": "10.50.0.0/24",
            "backend": {"entities": ["10.50.0.11:8080"]}}),
    );
    assert_eq!(st, 202, "{v}");
    let project_id: String = {
        let (_, body) = curl("GET", &format!("{}/v1/projects/demo", s.base), Some(&s.tok), None);
        serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string()
    };
    let pns = sh(&[script("backend.sh").to_str().unwrap(), "project-ns", &prefix, &project_id])
        .trim()
        .to_string();
    s.wait_active("web").await;
    let b = format!("{prefix}-b0");
    sh(&[script("backend.sh").to_str().unwrap(), "add", &pns, &b, "10.50.0.11/24", "8080"]);
    cleanup.backends.push(b);
    let resize = |n: i32| {
        let body = format!(r#"{{"min_nodes":{n},"max_nodes":{n}}}"#);
        let url = format!("{}/v1/projects/demo/load-balancers/web", s.base);
        let (st, out) = curl("PATCH", &url, Some(&s.tok), Some(&body));
        assert_eq!(st, 202, "{out}");
    };
    let placed_as = |want: Vec<(&str, &str)>| {
        let want: Vec<(String, String)> =
            want.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let s = &s;
        async move {
            let ok = wait_for(Duration::from_millis(300), Duration::from_secs(120), || {
                let got = s.placements("web");
                let done = got == want;
                async move { done }
            })
            .await;
            assert!(ok, "want {want:?}, have {:?}", s.placements("web"));
        }
    };

    // 1. Two nodes: one on each hypervisor (anti-affinity), each a VM of its own libvirtd.
    resize(2);
    placed_as(vec![("ACTIVE", "hv2"), ("ACTIVE", "local")]).await;
    assert_eq!(hv2.domains().len(), 1, "hv2: {:?}", hv2.domains());
    let pub_ns = format!("{prefix}-pub");
    let name = "web.demo.acme.lbaas.test".to_string();
    let ok = wait_for(Duration::from_millis(200), Duration::from_secs(10), || async {
        vips(s.dns_port, &name).len() == 2
    })
    .await;
    assert!(ok, "DNS answers both nodes: {:?}", vips(s.dns_port, &name));

    // 2. Drain hv2 under traffic: replaced on local first, then retired; no request fails.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let load = traffic(Load {
        ns: pub_ns.clone(),
        dns_port: s.dns_port,
        name: name.clone(),
        rounds: 1500,
        stop: stop.clone(),
        answered: answered.clone(),
    });
    let t0 = std::time::Instant::now();
    let (st, v) =
        s.admin("PATCH", "/v1/hypervisors/hv2", Some(serde_json::json!({"state": "DRAINING"})));
    assert_eq!(st, 200, "{v}");
    placed_as(vec![("ACTIVE", "local"), ("ACTIVE", "local")]).await;
    let ok = wait_for(Duration::from_millis(300), Duration::from_secs(30), || async {
        hv2.domains().is_empty()
    })
    .await;
    assert!(ok, "hv2's VM destroyed: {:?}", hv2.domains());
    eprintln!("drain: hv2 empty after {:.1}s", t0.elapsed().as_secs_f64());
    enough_traffic(&answered).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (ok_count, failed) = load.join().unwrap();
    assert!(failed.is_empty(), "failed requests during the drain: {failed:?}");
    assert!(ok_count > 20, "traffic flowed through the drain: {ok_count}");

    // 3. hv2 back in service; a third node goes there (the emptier one, anti-affinity ties).
    let (st, v) =
        s.admin("PATCH", "/v1/hypervisors/hv2", Some(serde_json::json!({"state": "ENABLED"})));
    assert_eq!(st, 200, "{v}");
    resize(3);
    placed_as(vec![("ACTIVE", "hv2"), ("ACTIVE", "local"), ("ACTIVE", "local")]).await;

    // 4. hv2's libvirtd dies (SIGKILL). Its VM goes on serving, but nothing can repair it
    // there: once its controller has not listed domains for 30 s, the node is replaced on
    // local and retired through SUNDOWN, with no failed request.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let load = traffic(Load {
        ns: pub_ns.clone(),
        dns_port: s.dns_port,
        name: name.clone(),
        rounds: 1500,
        stop: stop.clone(),
        answered: answered.clone(),
    });
    let t0 = std::time::Instant::now();
    hv2.kill_daemon();
    let ok = wait_for(Duration::from_millis(300), Duration::from_secs(120), || async {
        let p = s.placements("web");
        p.iter().filter(|n| *n == &("ACTIVE".to_string(), "local".to_string())).count() == 3
            && !p.iter().any(|n| n.0 == "ACTIVE" && n.1 == "hv2")
    })
    .await;
    assert!(ok, "replaced on local: {:?}", s.placements("web"));
    eprintln!("libvirtd killed: replaced on local after {:.1}s", t0.elapsed().as_secs_f64());
    // Out of DNS, drained; the cached answers' TTL (5 s) and the drain pass under traffic.
    tokio::time::sleep(Duration::from_secs(8)).await;
    enough_traffic(&answered).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (ok_count, failed) = load.join().unwrap();
    assert!(failed.is_empty(), "failed requests while hv2 was lost: {failed:?}");
    assert!(ok_count > 20, "traffic flowed: {ok_count}");
    let (_, v) = s.admin("GET", "/v1/hypervisors/hv2", None);
    assert_eq!(v["reachable"], false, "{v}");

    // 5. Its libvirtd comes back: its controller removes the retired node's VM and row.
    sh(&[script("libvirtd.sh").to_str().unwrap(), "second", &hv2.name]);
    let ok = wait_for(Duration::from_millis(300), Duration::from_secs(60), || async {
        hv2.domains().is_empty() && s.placements("web").len() == 3
    })
    .await;
    assert!(ok, "hv2 cleaned up: {:?} / {:?}", hv2.domains(), s.placements("web"));
}
