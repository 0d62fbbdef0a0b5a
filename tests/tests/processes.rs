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
