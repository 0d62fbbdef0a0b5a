//! End-to-end: the real `lbaas-api` and `lbaas-controller` processes on a real PostgreSQL,
//! driven with curl as a user would. Covers the quickstart flow and a controller SIGKILLed and
//! restarted while work is pending.

use std::process::Command;
use std::time::Duration;

use lbaas_tests::{bin, curl, wait_for, Proc};
use serde_json::Value;

#[tokio::test]
async fn quickstart_flow_and_controller_restart() {
    let dir = std::env::temp_dir().join(format!("lbaas-e2e-{}", uuid::Uuid::new_v4().simple()));
    let api = lbaas_tests::spawn_api(&dir).await;
    let (base, db_url) = (api.base.clone(), api.db_url.clone());

    let (s, body) = curl(
        "POST",
        &format!("{base}/v1/tenants"),
        Some(api.admin.as_str()),
        Some(r#"{"name":"acme"}"#),
    );
    assert_eq!(s, 201, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let tok = v["token"].as_str().unwrap().to_string();
    let env = |action: &str, kind: &str, info: &str| {
        let b = format!(r#"{{"action":"{action}","type":"{kind}","info":{info}}}"#);
        let (s, body) = curl("POST", &format!("{base}/v1/requests"), Some(&tok), Some(&b));
        (s, serde_json::from_str::<Value>(&body).unwrap())
    };
    assert_eq!(env("create", "project", r#"{"name":"demo"}"#).0, 201);
    let (s, v) = env(
        "create",
        "instance",
        r#"{"project":"demo","name":"web","traffic_type":"http","subnet":"10.10.0.0/24",
            "backend":{"entities":["10.10.0.11:8080"]}}"#,
    );
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["info"]["url"], "http://web.demo.acme.lbaas.test/");

    // Delete while no controller runs: the request is recorded, nothing is lost.
    let (s, v) = env("delete", "instance", r#"{"project":"demo","name":"web"}"#);
    assert_eq!((s, v["info"]["provisioning_status"].as_str()), (202, Some("PENDING_DELETE")));

    // A controller that is SIGKILLed right after start, then restarted, converges. Its host
    // objects carry this test's own prefix.
    let prefix = lbaas_tests::test_prefix();
    let _cleanup = lbaas_tests::HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let ctl_args = [
        "--database-url",
        &db_url,
        "--prefix",
        &prefix,
        "--run-dir",
        dir.to_str().unwrap(),
        "--dns-listen",
        "off",
    ];
    let mut ctl = Proc::spawn(Command::new(bin("lbaas-controller")).args(ctl_args));
    ctl.kill9();
    let _ctl = Proc::spawn(Command::new(bin("lbaas-controller")).args(ctl_args));
    let lb = format!("{base}/v1/projects/demo/load-balancers/web");
    assert!(
        wait_for(Duration::from_millis(100), Duration::from_secs(30), || async {
            curl("GET", &lb, Some(&tok), None).0 == 404
        })
        .await,
        "the controller did not finish the delete"
    );
    // With the load balancer gone the project can go too.
    assert_eq!(env("delete", "project", r#"{"name":"demo"}"#).0, 200);
    let (s, body) = curl("GET", &format!("{base}/v1/events"), Some(&tok), None);
    assert_eq!(s, 200);
    assert!(body.contains("load_balancer.deleted"), "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The messages of the operator's `<kind>` events (no tenant), oldest first.
async fn leading(db: &sqlx::PgPool, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT message FROM event WHERE kind = $1 ORDER BY created_at, id")
        .bind(kind)
        .fetch_all(db)
        .await
        .unwrap()
}

/// Two replicas of the controller and of healthcheckd: one of each works, the other stands by
/// on the advisory lock; SIGKILL the worker and the stand-by takes over within seconds, and the
/// work left pending (a delete) is finished by it.
#[tokio::test]
async fn replicas_stand_by_and_take_over_from_a_killed_holder() {
    let dir = std::env::temp_dir().join(format!("lbaas-rep-{}", uuid::Uuid::new_v4().simple()));
    let api = lbaas_tests::spawn_api(&dir).await;
    let (base, db_url) = (api.base.clone(), api.db_url.clone());
    let db = lbaas_db::connect(&db_url, 2).await.unwrap();
    let prefix = lbaas_tests::test_prefix();
    let _cleanup = lbaas_tests::HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let run_dir = dir.to_str().unwrap();
    let ctl_args = [
        "--database-url",
        &db_url,
        "--prefix",
        &prefix,
        "--run-dir",
        run_dir,
        "--dns-listen",
        "off",
    ];
    let hc_args = ["--database-url", &db_url, "--prefix", &prefix, "--refresh-ms", "200"];
    let ctl = || Proc::spawn(Command::new(bin("lbaas-controller")).args(ctl_args));
    let hc = || Proc::spawn(Command::new(bin("lbaas-healthcheckd")).args(hc_args));

    for (kind, start) in
        [("controller.leading", &ctl as &dyn Fn() -> Proc), ("healthcheckd.leading", &hc)]
    {
        let mut first = start();
        let first_pid = first.0.id();
        let led = wait_for(Duration::from_millis(100), Duration::from_secs(20), || async {
            leading(&db, kind).await.len() == 1
        })
        .await;
        assert!(led, "{kind}: the first replica leads");
        let second = start();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let events = leading(&db, kind).await;
        assert_eq!(events.len(), 1, "{kind}: the second replica stands by: {events:?}");
        assert!(events[0].contains(&format!("pid {first_pid}")), "{events:?}");

        first.kill9();
        let took = wait_for(Duration::from_millis(100), Duration::from_secs(10), || async {
            leading(&db, kind).await.len() == 2
        })
        .await;
        let events = leading(&db, kind).await;
        assert!(took, "{kind}: the stand-by takes over: {events:?}");
        assert!(events[1].contains(&format!("pid {}", second.0.id())), "{events:?}");
        if kind == "controller.leading" {
            // The new holder does the work: a delete recorded while the first was gone.
            let (s, body) = curl(
                "POST",
                &format!("{base}/v1/tenants"),
                Some(api.admin.as_str()),
                Some(r#"{"name":"acme"}"#),
            );
            assert_eq!(s, 201, "{body}");
            let tok = serde_json::from_str::<Value>(&body).unwrap()["token"]
                .as_str()
                .unwrap()
                .to_string();
            let env = |b: &str| curl("POST", &format!("{base}/v1/requests"), Some(&tok), Some(b)).0;
            assert_eq!(env(r#"{"action":"create","type":"project","info":{"name":"demo"}}"#), 201);
            let create = r#"{"action":"create","type":"instance","info":{"project":"demo","name":"web",
                "traffic_type":"tcp","port":9000,"subnet":"10.10.0.0/24","backend":{"entities":["10.10.0.11:80"]}}}"#;
            assert_eq!(env(create), 202);
            assert_eq!(
                env(
                    r#"{"action":"delete","type":"instance","info":{"project":"demo","name":"web"}}"#
                ),
                202
            );
            let lb = format!("{base}/v1/projects/demo/load-balancers/web");
            let done = wait_for(Duration::from_millis(200), Duration::from_secs(60), || async {
                curl("GET", &lb, Some(&tok), None).0 == 404
            })
            .await;
            assert!(done, "the new holder finished the delete");
        }
        drop(second);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `dig +short` of `name`/`qtype` at the DNS server on `port`.
fn dig(port: u16, name: &str, qtype: &str) -> String {
    let out = Command::new("dig")
        .args(["@127.0.0.1", "-p", &port.to_string(), name, qtype, "+short", "+time=1"])
        .output()
        .expect("dig");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Replicas of the API and of the controller's DNS server against one PostgreSQL: what one API
/// writes the other serves, a token revoked through one is refused by the other within the
/// auth cache's 5 s, and two controllers (one reconciling, one standing by) publish the same
/// zone with the same serial.
#[tokio::test]
async fn api_replicas_and_dns_replicas_agree() {
    let dir = std::env::temp_dir().join(format!("lbaas-rep2-{}", uuid::Uuid::new_v4().simple()));
    let a = lbaas_tests::spawn_api(&dir).await;
    let (_b_proc, b) = a.replica(&dir).await;
    let (s, body) = curl(
        "POST",
        &format!("{}/v1/tenants", a.base),
        Some(a.admin.as_str()),
        Some(r#"{"name":"acme"}"#),
    );
    assert_eq!(s, 201, "{body}");
    let tok = serde_json::from_str::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string();
    let (s, _) = curl("POST", &format!("{b}/v1/projects"), Some(&tok), Some(r#"{"name":"demo"}"#));
    assert_eq!(s, 201, "created through B");
    let (s, body) = curl("GET", &format!("{}/v1/projects/demo", a.base), Some(&tok), None);
    assert_eq!(s, 200, "read through A: {body}");

    // A second token, used (and cached) on B, revoked through A.
    let (s, body) =
        curl("POST", &format!("{}/v1/tokens", a.base), Some(&tok), Some(r#"{"name":"ci"}"#));
    assert_eq!(s, 201, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let (second, second_id) =
        (v["secret"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string());
    assert_eq!(curl("GET", &format!("{b}/v1/projects"), Some(&second), None).0, 200);
    let (s, _) = curl("DELETE", &format!("{}/v1/tokens/{second_id}", a.base), Some(&tok), None);
    assert_eq!(s, 204);
    let refused = wait_for(Duration::from_millis(200), Duration::from_secs(8), || async {
        curl("GET", &format!("{b}/v1/projects"), Some(&second), None).0 == 401
    })
    .await;
    assert!(refused, "B refuses the revoked token within its cache's 5 s");

    // Two controllers, each with a DNS server: the second stands by for reconciling, but
    // serves the same zone, serial included. No libvirt answers them (the node is made ACTIVE
    // by hand below, and with no domain list nothing declares it DOWN): DNS is what is tested.
    let prefix = lbaas_tests::test_prefix();
    let _cleanup = lbaas_tests::HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let ports = [lbaas_tests::free_port(), lbaas_tests::free_port()];
    let _ctls: Vec<Proc> = ports
        .iter()
        .map(|p| {
            Proc::spawn(Command::new(bin("lbaas-controller")).args([
                "--database-url",
                &a.db_url,
                "--prefix",
                &prefix,
                "--run-dir",
                dir.to_str().unwrap(),
                "--dns-listen",
                &format!("127.0.0.1:{p}"),
                "--spare-nodes",
                "0",
                "--libvirt-uri",
                "qemu+unix:///system?socket=/nonexistent/libvirt-sock",
            ]))
        })
        .collect();
    let env = |b: &str| curl("POST", &format!("{}/v1/requests", a.base), Some(&tok), Some(b)).0;
    let create = r#"{"action":"create","type":"instance","info":{"project":"demo","name":"web",
        "traffic_type":"tcp","port":9000,"subnet":"10.10.0.0/24","backend":{"entities":["10.10.0.11:80"]}}}"#;
    let db = lbaas_db::connect(&a.db_url, 1).await.unwrap();
    // Placement uses only hypervisors their controller reached lately; this one never answers.
    sqlx::query("UPDATE hypervisor SET seen_at = now() + interval '1 hour'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(env(create), 202);
    let placed = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM node").fetch_one(&db).await.unwrap();
        n == 1
    })
    .await;
    assert!(placed, "the reconciling controller placed a node");
    sqlx::query("UPDATE node SET status = 'ACTIVE'").execute(&db).await.unwrap();
    let name = "web.demo.acme.lbaas.test";
    let same = wait_for(Duration::from_millis(200), Duration::from_secs(20), || async {
        let soa: Vec<String> = ports.iter().map(|p| dig(*p, "lbaas.test", "SOA")).collect();
        let a: Vec<String> = ports.iter().map(|p| dig(*p, name, "A")).collect();
        !soa[0].is_empty() && soa[0] == soa[1] && a[0].starts_with("198.18.") && a[0] == a[1]
    })
    .await;
    let show = |p: u16| format!("{} / {}", dig(p, "lbaas.test", "SOA"), dig(p, name, "A"));
    assert!(same, "both servers answer alike: {} vs {}", show(ports[0]), show(ports[1]));
    assert_eq!(
        env(r#"{"action":"delete","type":"instance","info":{"project":"demo","name":"web"}}"#),
        202
    );
    let _ = std::fs::remove_dir_all(&dir);
}
