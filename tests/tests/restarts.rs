//! Restarts under a running stack, with no manual step: libvirtd restarted while a load
//! balancer is being created, and PostgreSQL restarted while one is being created. Each ends
//! with the instance ACTIVE on exactly one VM, the controller and healthcheckd still running,
//! and its delete leaves no domain behind.
//! Real processes, real libvirt and VMs; PostgreSQL is a cluster of the test's own, so
//! restarting it never disturbs other tests.

use std::process::Command;
use std::time::Duration;

use lbaas_tests::{bin, curl, domains, script, wait_for, HostCleanup, PgCluster, Proc};
use serde_json::Value;

/// Creates instance `web` through the envelope, calls `disrupt` as soon as its node exists
/// (its domain is being started then), and checks that the stack converges on its own.
async fn create_through(admin_url: &str, disrupt: impl FnOnce()) {
    let prefix = lbaas_tests::test_prefix();
    let _cleanup = HostCleanup { prefix: prefix.clone(), backends: vec![] };
    let run_dir = std::env::temp_dir().join(format!("{prefix}-run"));
    let api = lbaas_tests::spawn_api_on(&run_dir, admin_url).await;
    let base = api.base.clone();
    let (_, body) =
        curl("POST", &format!("{base}/v1/tenants"), Some(&api.admin), Some(r#"{"name":"acme"}"#));
    let tok = serde_json::from_str::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string();
    let env = |action: &str, info: &str| {
        let kind =
            if info.contains("subnet") || action == "delete" { "instance" } else { "project" };
        let b = format!(r#"{{"action":"{action}","type":"{kind}","info":{info}}}"#);
        curl("POST", &format!("{base}/v1/requests"), Some(&tok), Some(&b)).0
    };
    assert_eq!(env("create", r#"{"name":"demo"}"#), 201);
    let image = std::env::var("LBAAS_IMAGE_DIR").expect("LBAAS_IMAGE_DIR: run through make test");
    let mut ctl = Proc::spawn(Command::new(bin("lbaas-controller")).args([
        "--database-url",
        &api.db_url,
        "--prefix",
        &prefix,
        "--image-dir",
        &image,
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--period",
        "2",
        "--dns-listen",
        "off",
        "--spare-nodes",
        "0",
    ]));
    let mut hc = Proc::spawn(Command::new(bin("lbaas-healthcheckd")).args([
        "--database-url",
        &api.db_url,
        "--prefix",
        &prefix,
        "--refresh-ms",
        "200",
    ]));
    let created = env(
        "create",
        r#"{"project":"demo","name":"web","traffic_type":"http","subnet":"10.10.0.0/24",
            "backend":{"entities":["10.10.0.11:8080"]}}"#,
    );
    assert_eq!(created, 202);

    let lb = format!("{base}/v1/projects/demo/load-balancers/web");
    let node_made = wait_for(Duration::from_millis(50), Duration::from_secs(30), || async {
        let (_, body) = curl("GET", &format!("{lb}/nodes"), Some(&tok), None);
        serde_json::from_str::<Value>(&body)
            .is_ok_and(|v| v["items"].as_array().is_some_and(|a| !a.is_empty()))
    })
    .await;
    assert!(node_made, "no node was made");
    disrupt();

    let mut last = String::new();
    let active = wait_for(Duration::from_millis(500), Duration::from_secs(240), || {
        let (_, body) = curl("GET", &lb, Some(&tok), None);
        let done = serde_json::from_str::<Value>(&body)
            .is_ok_and(|v| v["provisioning_status"] == "ACTIVE");
        last = body;
        async move { done }
    })
    .await;
    assert!(active, "web never became ACTIVE after the restart: {last}");
    // Nobody gave up: both take their lock again after a PostgreSQL restart.
    assert!(ctl.0.try_wait().unwrap().is_none(), "the controller exited");
    assert!(hc.0.try_wait().unwrap().is_none(), "healthcheckd exited");
    assert_eq!(domains(&prefix).len(), 1, "exactly one VM: {:?}", domains(&prefix));

    assert_eq!(env("delete", r#"{"project":"demo","name":"web"}"#), 202);
    let gone = wait_for(Duration::from_millis(200), Duration::from_secs(90), || async {
        curl("GET", &lb, Some(&tok), None).0 == 404
    })
    .await;
    assert!(gone, "web was not deleted");
    let left = wait_for(Duration::from_millis(200), Duration::from_secs(30), || async {
        domains(&prefix).is_empty()
    })
    .await;
    assert!(left, "domains left: {:?}", domains(&prefix));
    let _ = std::fs::remove_dir_all(&run_dir);
}

#[tokio::test]
async fn libvirtd_restarted_mid_create_converges() {
    let pg = PgCluster::start();
    create_through(&pg.admin_url, || {
        let st = Command::new(script("libvirtd.sh")).arg("restart").status().expect("restart");
        assert!(st.success(), "libvirtd did not come back");
    })
    .await;
}

#[tokio::test]
async fn postgresql_restarted_mid_create_converges() {
    let pg = PgCluster::start();
    create_through(&pg.admin_url, || pg.restart()).await;
}
