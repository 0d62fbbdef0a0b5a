//! healthcheckd over a fake prober and a real PostgreSQL: thresholds decide member and node
//! transitions, only transitions are written, a stopped controller does not look like dead
//! nodes, and autoscale writes its decision within min..max.

use std::net::SocketAddr;
use std::time::Duration;

use lbaas_healthcheckd::probe::FakeProber;
use lbaas_healthcheckd::scale::ScalePolicy;
use lbaas_healthcheckd::{Checker, Config};
use sqlx::PgPool;
use uuid::Uuid;

async fn db() -> (PgPool, String) {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    lbaas_db::testing::fresh_database(&url).await.unwrap()
}

async fn exec(db: &PgPool, q: &str) {
    sqlx::query(q).execute(db).await.unwrap();
}

/// An ACTIVE load balancer with an HTTP listener on 80, a pool monitored every second (2 to
/// rise, 2 to fall), two members and one ACTIVE node at 198.18.0.10.
async fn seed(db: &PgPool) -> (Uuid, Uuid) {
    let (t, p, s, lb, pool, node) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    for q in [
        format!("INSERT INTO tenant (id, name) VALUES ('{t}', 'acme')"),
        format!("INSERT INTO project (id, tenant_id, name) VALUES ('{p}', '{t}', 'demo')"),
        format!("INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway) VALUES ('{s}', '{t}', '{p}', 'a', '10.10.0.0/24', '10.10.0.1')"),
        format!("INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name, provisioning_status, auto_scaling, max_nodes) VALUES ('{lb}', '{t}', '{p}', '{s}', 'web', 'ACTIVE', true, 3)"),
        format!("INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol, hm_protocol, hm_path, hm_interval, hm_timeout, hm_rise, hm_fall) VALUES ('{pool}', '{t}', '{lb}', 'default', 'HTTP', 'HTTP', '/healthz', 1, 1, 2, 2)"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id) VALUES (gen_random_uuid(), '{t}', '{lb}', 'default', 'HTTP', 80, '{pool}')"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) VALUES (gen_random_uuid(), '{t}', '{pool}', '10.10.0.11', 8080)"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) VALUES (gen_random_uuid(), '{t}', '{pool}', '10.10.0.12', 8080)"),
        format!("INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status, last_heartbeat) VALUES ('{node}', '{t}', '{lb}', 'lbt-n-1', '198.18.0.10', 'ACTIVE', now())"),
    ] {
        exec(db, &q).await;
    }
    (lb, node)
}

fn config(url: &str) -> Config {
    let mut c = Config::new(url.to_string(), "lbt".into());
    c.refresh = Duration::from_millis(200);
    c.scale = ScalePolicy {
        out_after: Duration::ZERO,
        in_after: Duration::from_secs(3600),
        cooldown: Duration::ZERO,
        ..Default::default()
    };
    c
}

async fn beat(db: &PgPool) {
    exec(db, "INSERT INTO service_beat (name) VALUES ('controller:local') ON CONFLICT (name) DO UPDATE SET beat_at = now()").await;
    exec(db, "UPDATE node SET last_heartbeat = now() WHERE status = 'ACTIVE'").await;
}

async fn one(db: &PgPool, q: &str) -> String {
    sqlx::query_as::<_, (String,)>(q).fetch_one(db).await.unwrap().0
}

#[tokio::test]
async fn member_thresholds_write_transitions_and_bump_the_config() {
    let (db, url) = db().await;
    let (lb, _) = seed(&db).await;
    let fake = FakeProber::default();
    fake.down.lock().unwrap().insert("10.10.0.11:8080".parse::<SocketAddr>().unwrap());
    let mut c = Checker::new(db.clone(), fake.clone(), config(&url));
    beat(&db).await;
    c.run_for(Some(Duration::from_millis(2600))).await.unwrap();

    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT host(address), operating_status FROM member ORDER BY address")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        [("10.10.0.11".into(), "OFFLINE".into()), ("10.10.0.12".into(), "ONLINE".into())]
    );
    // Two transitions, each bumping the agents' config generation, each in the log.
    let hg =
        one(&db, &format!("SELECT health_generation::text FROM load_balancer WHERE id = '{lb}'"))
            .await;
    assert_eq!(hg, "2");
    let down = one(&db, "SELECT message FROM event WHERE kind = 'member.down'").await;
    assert!(down.contains("10.10.0.11:8080 OFFLINE"), "{down}");
    // Probes ran from the project's namespace, as HTTP on the monitor's path.
    let calls = fake.calls.lock().unwrap().clone();
    assert!(
        calls.iter().any(
            |(ns, check)| ns.starts_with("lbt-p-") && format!("{check:?}").contains("/healthz")
        ),
        "{calls:?}"
    );

    // Back up after `rise` good probes; nothing written while the state holds.
    fake.down.lock().unwrap().clear();
    beat(&db).await;
    c.run_for(Some(Duration::from_millis(2600))).await.unwrap();
    let hg =
        one(&db, &format!("SELECT health_generation::text FROM load_balancer WHERE id = '{lb}'"))
            .await;
    assert_eq!(hg, "3");
    let n = one(&db, "SELECT count(*)::text FROM event WHERE kind LIKE 'member.%'").await;
    assert_eq!(n, "3");
}

#[tokio::test]
async fn a_stale_heartbeat_takes_a_node_down_only_while_the_controller_is_alive() {
    let (db, url) = db().await;
    let (_, node) = seed(&db).await;
    let mut c = Checker::new(db.clone(), FakeProber::default(), config(&url));
    // No controller beat at all: stale node heartbeats prove nothing.
    exec(&db, "UPDATE node SET last_heartbeat = now() - interval '1 minute'").await;
    c.run_for(Some(Duration::from_millis(700))).await.unwrap();
    assert_eq!(one(&db, "SELECT status FROM node").await, "ACTIVE");

    exec(&db, "INSERT INTO service_beat (name) VALUES ('controller:local')").await;
    c.run_for(Some(Duration::from_millis(700))).await.unwrap();
    assert_eq!(one(&db, "SELECT status FROM node").await, "DOWN");
    let why = one(
        &db,
        &format!("SELECT message FROM event WHERE kind = 'node.down' AND node_id = '{node}'"),
    )
    .await;
    assert!(why.contains("no heartbeat"), "{why}");
}

#[tokio::test]
async fn failed_vip_probes_take_a_node_down_and_good_ones_with_heartbeats_bring_it_back() {
    let (db, url) = db().await;
    seed(&db).await;
    let fake = FakeProber::default();
    fake.down.lock().unwrap().insert("198.18.0.10:80".parse::<SocketAddr>().unwrap());
    let mut c = Checker::new(db.clone(), fake.clone(), config(&url));
    let (metrics, registry) = lbaas_healthcheckd::metrics::HealthMetrics::new();
    c.metrics = metrics;
    beat(&db).await;
    c.run_for(Some(Duration::from_millis(2600))).await.unwrap();
    assert_eq!(one(&db, "SELECT status FROM node").await, "DOWN");
    // The same, as an operator's Prometheus sees it.
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(text.contains("lbaas_healthcheckd_failovers_total 1\n"), "{text}");
    assert!(
        text.contains("lbaas_healthcheckd_transitions_total{target=\"node\",to=\"DOWN\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("lbaas_healthcheckd_probes_total{target=\"node\",outcome=\"failed\"}"),
        "{text}"
    );
    assert!(text.contains("lbaas_healthcheckd_targets{target=\"node\"} 1\n"), "{text}");
    assert!(fake.calls.lock().unwrap().iter().any(|(ns, _)| ns == "lbt-pub"));

    fake.down.lock().unwrap().clear();
    for _ in 0..6 {
        exec(&db, "UPDATE node SET last_heartbeat = now()").await;
        exec(&db, "UPDATE service_beat SET beat_at = now()").await;
        c.run_for(Some(Duration::from_millis(500))).await.unwrap();
    }
    assert_eq!(one(&db, "SELECT status FROM node").await, "ACTIVE");
    assert_eq!(one(&db, "SELECT count(*)::text FROM event WHERE kind = 'node.up'").await, "1");
}

#[tokio::test]
async fn sustained_load_scales_out_within_max() {
    let (db, url) = db().await;
    let (lb, _) = seed(&db).await;
    exec(&db, "UPDATE node SET cpu = 0.95").await;
    let mut c = Checker::new(db.clone(), FakeProber::default(), config(&url));
    beat(&db).await;
    c.run_for(Some(Duration::from_millis(700))).await.unwrap();
    let d =
        one(&db, &format!("SELECT desired_nodes::text FROM load_balancer WHERE id = '{lb}'")).await;
    assert_eq!(d, "2");
    let msg = one(&db, "SELECT message FROM event WHERE kind = 'autoscale.out'").await;
    assert!(msg.contains("1 nodes → 2") && msg.contains("cpu 0.95"), "{msg}");
    // Not settled (one node serves, two wanted): no further decision.
    c.run_for(Some(Duration::from_millis(700))).await.unwrap();
    let d =
        one(&db, &format!("SELECT desired_nodes::text FROM load_balancer WHERE id = '{lb}'")).await;
    assert_eq!(d, "2");
}
