//! The `lbaas` command-line client against a real lbaas-api and PostgreSQL: the tenant's daily
//! path (tenant, project, instance, members, events) and its failures (the API's code and exit
//! 1 for a refusal, exit 2 when the API cannot be reached). No controller runs here, so
//! instances stay PENDING_CREATE; the VM suites cover what happens next.

use std::process::{Command, Output};

use lbaas_tests::{bin, spawn_api};

struct Cli {
    api: String,
    token: Option<String>,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(bin("lbaas"));
        c.env("LBAAS_API", &self.api).env_remove("LBAAS_TOKEN").env_remove("LBAAS_PROJECT");
        if let Some(t) = &self.token {
            c.env("LBAAS_TOKEN", t);
        }
        c.args(args).output().expect("run lbaas")
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "lbaas {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[tokio::test]
async fn a_tenant_drives_lbaas_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lbaas-cli-{}", std::process::id()));
    let api = spawn_api(&dir).await;
    let admin = Cli { api: api.base.clone(), token: Some(api.admin.clone()) };

    // The operator makes a tenant; the token alone goes to stdout, for scripts.
    let token = admin.ok(&["tenant", "create", "acme"]).trim().to_string();
    assert!(token.starts_with("lbt_"), "{token}");
    let cli = Cli { api: api.base.clone(), token: Some(token) };

    assert!(cli.ok(&["project", "create", "demo"]).contains("demo"));
    let out = cli.ok(&[
        "instance",
        "create",
        "-p",
        "demo",
        "--name",
        "web",
        "--type",
        "http",
        "--subnet",
        "10.10.0.0/24",
        "--backend",
        "10.10.0.11:8080",
        "--backend",
        "10.10.0.12:8080",
        "--health-check",
        "http:/healthz",
        "--auto-scaling",
    ]);
    assert!(out.contains("http://web.demo.acme.lbaas.test/"), "{out}");
    assert!(out.contains("PENDING_CREATE"), "{out}");
    let info = cli.ok(&["instance", "info", "-p", "demo", "--name", "web"]);
    assert!(info.contains("HTTP /healthz"), "{info}");

    // --json is the API's own answer.
    let v: serde_json::Value =
        serde_json::from_str(&cli.ok(&["--json", "lb", "show", "-p", "demo", "web"])).unwrap();
    assert_eq!(v["name"], "web");
    assert_eq!(v["auto_scaling"], true);
    assert!(cli.ok(&["lb", "list", "-p", "demo"]).contains("web"));
    let out = cli.ok(&["lb", "set", "-p", "demo", "web", "--min-nodes", "2", "--max-nodes", "3"]);
    assert!(out.contains("nodes:       2 desired (min 2, max 3)"), "{out}");
    let out = cli.run(&["lb", "set", "-p", "demo", "web", "--min-nodes", "4", "--max-nodes", "3"]);
    assert_eq!(out.status.code(), Some(1), "min above max is refused");

    cli.ok(&["member", "add", "-p", "demo", "--lb", "web", "10.10.0.13:8080"]);
    let members = cli.ok(&["member", "list", "-p", "demo", "--lb", "web"]);
    assert_eq!(members.matches("10.10.0.1").count(), 3, "{members}");
    cli.ok(&["member", "remove", "-p", "demo", "--lb", "web", "10.10.0.13:8080"]);
    assert!(!cli.ok(&["member", "list", "-p", "demo", "--lb", "web"]).contains("10.10.0.13"));

    let events = cli.ok(&["events"]);
    assert!(events.contains("load_balancer.create_requested"), "{events}");

    // A refusal: the API's code, exit 1, nothing on stdout.
    let out = cli.run(&["subnet", "create", "-p", "demo", "--cidr", "10.20.0.0/33"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: invalid_subnet:"));
    // Another tenant's resources do not exist for this one.
    let out = cli.run(&["lb", "show", "-p", "nope", "web"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_found"));
    // No API: exit 2, naming the URL.
    let gone = Cli { api: "http://127.0.0.1:1".into(), token: cli.token.clone() };
    let out = gone.run(&["project", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://127.0.0.1:1"));

    cli.ok(&["instance", "delete", "-p", "demo", "--name", "web"]);
}

/// Kills the child on drop (a failed assertion must not leave a follower running).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn events_follow_prints_new_events_as_they_are_recorded() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let dir = std::env::temp_dir().join(format!("lbaas-cli-follow-{}", std::process::id()));
    let api = spawn_api(&dir).await;
    let admin = Cli { api: api.base.clone(), token: Some(api.admin.clone()) };
    let token = admin.ok(&["tenant", "create", "acme"]).trim().to_string();
    let cli = Cli { api: api.base.clone(), token: Some(token.clone()) };
    cli.ok(&["project", "create", "first"]);

    let mut child = Command::new(bin("lbaas"));
    child
        .env("LBAAS_API", &api.base)
        .env("LBAAS_TOKEN", &token)
        .args(["events", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut follower = Killed(child.spawn().expect("run lbaas events --follow"));
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = follower.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    // The history first (the tenant's creation, then the project's).
    let history: Vec<String> =
        (0..2).map(|_| rx.recv_timeout(Duration::from_secs(10)).expect("history").1).collect();
    assert!(history[0].contains("tenant.created"), "{history:?}");
    assert!(history[1].contains("project.created") && history[1].contains("first"), "{history:?}");

    // Then a new event, through the stream: printed well within a second of being recorded.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let made = Instant::now();
    cli.ok(&["project", "create", "second"]);
    let (at, line) = rx.recv_timeout(Duration::from_secs(5)).expect("new event printed");
    assert!(line.contains("project.created") && line.contains("second"), "{line}");
    let took = at.duration_since(made);
    eprintln!("events --follow printed the new event {} ms after the create", took.as_millis());
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "each event once");
}

#[tokio::test]
async fn certificates_and_an_https_instance_with_rules_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lbaas-cli-tls-{}", std::process::id()));
    let api = spawn_api(&dir).await;
    let admin = Cli { api: api.base.clone(), token: Some(api.admin.clone()) };
    let token = admin.ok(&["tenant", "create", "acme"]).trim().to_string();
    let cli = Cli { api: api.base.clone(), token: Some(token) };
    cli.ok(&["project", "create", "shop"]);

    let ca = lbaas_certs::testing::TestCa::new(&dir);
    let www = ca.leaf(&["www.shop.test"], 30, false);
    let (cert, key) = (dir.join("www.pem"), dir.join("www.key"));
    std::fs::write(&cert, &www.chain_pem).unwrap();
    std::fs::write(&key, &www.key_pem).unwrap();
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let out =
        cli.ok(&["certificate", "upload", "-p", "shop", "--name", "www", "--cert", c, "--key", k]);
    assert!(out.contains("www.shop.test") && !out.contains("PRIVATE"), "{out}");
    assert!(cli.ok(&["certificate", "list", "-p", "shop"]).contains("www.shop.test"));
    let json = cli.ok(&["--json", "certificate", "info", "-p", "shop", "--name", "www"]);
    assert!(json.contains("fingerprint_sha256") && !json.contains("PRIVATE"), "{json}");

    // A mismatched key: the API's code, exit 1.
    let other = ca.leaf(&["api.shop.test"], 30, false);
    std::fs::write(&key, &other.key_pem).unwrap();
    let out =
        cli.run(&["certificate", "upload", "-p", "shop", "--name", "bad", "--cert", c, "--key", k]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("private_key_mismatch"));

    let out = cli.ok(&[
        "instance",
        "create",
        "-p",
        "shop",
        "--name",
        "web",
        "--type",
        "https",
        "--subnet",
        "10.10.0.0/24",
        "--backend",
        "10.10.0.11:8080",
        "--certificate",
        "www",
        "--redirect-http",
        "--rule",
        "host=api.shop.test,to=10.10.0.12:8080+10.10.0.13:8080",
        "--rule",
        "path=/old,redirect=https://www.shop.test/new,code=308",
    ]);
    assert!(out.contains("https://web.shop.acme.lbaas.test/"), "{out}");
    let out = cli.run(&["certificate", "delete", "-p", "shop", "--name", "www"]);
    assert_eq!(out.status.code(), Some(1), "in use");
    assert!(String::from_utf8_lossy(&out.stderr).contains("in_use"));
    let out = cli.run(&[
        "instance",
        "create",
        "-p",
        "shop",
        "--name",
        "x",
        "--type",
        "http",
        "--subnet",
        "10.10.0.0/24",
        "--backend",
        "10.10.0.11:8080",
        "--rule",
        "host=a,nonsense",
    ]);
    assert_eq!(out.status.code(), Some(2), "a malformed rule is a usage error");
}

/// The operator's hypervisor commands: add, list, set, drain (with `--wait`: nothing runs
/// there, so it returns at once), delete; a bad URI is refused with the API's code.
#[tokio::test]
async fn an_operator_manages_hypervisors_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lbaas-cli-hv-{}", std::process::id()));
    let api = spawn_api(&dir).await;
    let admin = Cli { api: api.base.clone(), token: Some(api.admin.clone()) };
    let out = admin.ok(&[
        "hypervisor",
        "add",
        "hv2",
        "--uri",
        "qemu+unix:///system?socket=/var/lib/lbaas-hv/hv2/run/libvirt-sock",
        "--capacity",
        "8",
    ]);
    assert!(out.contains("state:     ENABLED"), "{out}");
    assert!(out.contains("reachable: no (no controller has listed it yet)"), "{out}");
    let list = admin.ok(&["hypervisor", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("NAME   STATE    REACHABLE  NODES/CAPACITY"), "{list}");
    assert!(lines.iter().any(|l| l.starts_with("hv2 ") && l.contains("0/8")), "{list}");
    assert!(lines.iter().any(|l| l.starts_with("local") && l.contains("0/32")), "{list}");
    let out = admin.ok(&["hypervisor", "set", "hv2", "--state", "disabled", "--capacity", "4"]);
    assert!(out.contains("state:     DISABLED") && out.contains("4 nodes"), "{out}");
    let out = admin.ok(&["hypervisor", "drain", "hv2", "--wait", "5"]);
    assert!(out.contains("state:     DRAINING") && out.contains("nodes:     0"), "{out}");
    let bad = admin.run(&["hypervisor", "add", "hv3", "--uri", "http://nope"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid_uri"));
    assert!(admin.ok(&["hypervisor", "delete", "hv2"]).contains("hypervisor hv2 deleted"));
    let json = admin.ok(&["--json", "hypervisor", "list"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1), "{json}");
}
