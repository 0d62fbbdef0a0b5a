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
