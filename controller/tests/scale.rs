//! The scale simulation (issue 15, `bench/scale.sh`): N load balancers in PostgreSQL, served by
//! the fake hypervisor, network and agents, so only the control plane's own cost is measured:
//! converging N creates, a full pass, a quiet (change-driven) pass, the pass that carries one
//! change, building the DNS zone,
//! and paging through the list the API serves. Prints a table; asserts nothing about time
//! (tests never do): `#[ignore]`d, run by the bench.

use std::time::{Duration, Instant};

use lbaas_controller::agent_link::FakeAgents;
use lbaas_controller::hypervisor::FakeHypervisor;
use lbaas_controller::netops::FakeNet;
use lbaas_controller::reconciler::{Changes, Reconciler, Settings};
use sqlx::PgPool;
use uuid::Uuid;

fn settings() -> Settings {
    Settings {
        prefix: "lbs".into(),
        vip_pool: "198.18.0.0/16".parse().unwrap(),
        image_dir: "/nonexistent".into(),
        run_dir: std::env::temp_dir().join("lbaas-scale"),
        memory_mib: 96,
        virt_type: "qemu".into(),
        build_timeout: Duration::from_secs(3600),
        failover_grace: Duration::from_secs(30),
        drain_period: Duration::from_secs(10),
        sundown_delay: Duration::ZERO,
        spares: 0,
        spares_max: 0,
        breaker: Default::default(),
        secrets: None,
    }
}

/// One tenant with `n` HTTP load balancers of one member each, 100 to a project (each project
/// with its own /24 subnet: a subnet gives its nodes addresses from its top), written in a few
/// set-based statements, as `n` API creates would leave them.
async fn seed(db: &PgPool, n: i64) {
    let t = Uuid::new_v4();
    let projects = (n + 99) / 100;
    for q in [
        format!("INSERT INTO tenant (id, name, quota_projects, quota_load_balancers, quota_nodes) VALUES ('{t}', 'scale', 100000, 100000, 100000)"),
        // A fake host with room for every node (the default capacity is 32).
        "UPDATE hypervisor SET capacity_nodes = 100000".to_string(),
        format!("INSERT INTO project (id, tenant_id, name, display_name) SELECT gen_random_uuid(), '{t}', 'p' || i, 'p' || i FROM generate_series(1, {projects}) i"),
        format!("INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway) \
                 SELECT gen_random_uuid(), '{t}', p.id, 'net', \
                   ('10.' || (i / 256) || '.' || (i % 256) || '.0/24')::cidr, ('10.' || (i / 256) || '.' || (i % 256) || '.1')::inet \
                 FROM (SELECT id, substr(name, 2)::int AS i FROM project) p"),
        format!("INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name) \
                 SELECT gen_random_uuid(), '{t}', s.project_id, s.id, 'lb-' || k \
                 FROM subnet s CROSS JOIN generate_series(1, 100) k \
                 WHERE (SELECT substr(name, 2)::int FROM project WHERE id = s.project_id) * 100 + k <= {n} + 100"),
        format!("INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol) SELECT gen_random_uuid(), '{t}', id, 'default', 'HTTP' FROM load_balancer"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id) SELECT gen_random_uuid(), '{t}', p.load_balancer_id, 'default', 'HTTP', 80, p.id FROM pool p"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) \
                 SELECT gen_random_uuid(), '{t}', p.id, host(s.gateway::inet + 10)::inet, 8080 \
                 FROM pool p JOIN load_balancer lb ON lb.id = p.load_balancer_id JOIN subnet s ON s.id = lb.subnet_id"),
    ] {
        sqlx::query(&q).execute(db).await.unwrap();
    }
    assert_eq!(count(db, "SELECT count(*) FROM load_balancer").await, n);
}

async fn count(db: &PgPool, q: &str) -> i64 {
    sqlx::query_scalar(q).fetch_one(db).await.unwrap()
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test]
#[ignore = "a benchmark: bench/scale.sh runs it"]
async fn scale_table() {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL").expect("LBAAS_TEST_DATABASE_URL");
    let sizes: Vec<i64> = std::env::var("LBAAS_SCALE_SIZES")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "{:>6} | {:>11} | {:>6} | {:>12} | {:>13} | {:>14} | {:>11} | {:>9} | {:>12} | {:>13}",
        "LBs",
        "converge s",
        "passes",
        "full pass ms",
        "quiet pass ms",
        "one change ms",
        "DNS build ms",
        "DNS MiB",
        "list all ms",
        "last page ms"
    );
    for n in sizes {
        let (db, _) = lbaas_db::testing::fresh_database(&url).await.unwrap();
        seed(&db, n).await;
        let net = FakeNet::default();
        let hv = FakeHypervisor { net: net.clone(), ..Default::default() };
        let mut rec = Reconciler::new(db.clone(), net, hv, FakeAgents::default(), settings());

        // Converge every create: nodes made, "booted", configured, ACTIVE.
        let start = Instant::now();
        let mut passes = 0;
        while count(&db, "SELECT count(*) FROM load_balancer WHERE provisioning_status = 'ACTIVE'")
            .await
            < n
        {
            rec.pass().await.unwrap();
            passes += 1;
            assert!(
                passes < 200,
                "{n} load balancers did not converge in 200 passes: {:?}",
                rec.status
            );
        }
        let converge = start.elapsed();
        // Settle: a pass or two more with nothing left to do.
        rec.pass().await.unwrap();

        // Statistics as autovacuum keeps them on a live database (it would analyze these tables
        // within a minute of such a bulk change): the planner picks the partial indexes by them.
        sqlx::query("ANALYZE").execute(&db).await.unwrap();
        // The safety net (every `--full-period`): every load balancer looked at.
        let mut full = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            rec.pass().await.unwrap();
            full.push(t.elapsed());
        }
        // A quiet pass (the `--period` timer, nothing announced): change-driven, nothing in
        // flight.
        let mut quiet = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            rec.pass_changes(Changes::default()).await.unwrap();
            assert_eq!(rec.status.scope, 0, "nothing in flight: {:?}", rec.status);
            quiet.push(t.elapsed());
        }
        // One change (a member added to one load balancer), then the pass that carries it.
        sqlx::query(
            "WITH lb AS (SELECT id FROM load_balancer WHERE name = 'lb-1' ORDER BY id LIMIT 1) \
             UPDATE load_balancer SET generation = generation + 1, provisioning_status = 'PENDING_UPDATE' \
             WHERE id IN (SELECT id FROM lb)",
        )
        .execute(&db)
        .await
        .unwrap();
        let lb1: Uuid = sqlx::query_scalar(
            "SELECT id FROM load_balancer WHERE name = 'lb-1' ORDER BY id LIMIT 1",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        let changed = Changes { load_balancers: [lb1].into(), ..Default::default() };
        let t = Instant::now();
        rec.pass_changes(changed).await.unwrap();
        let one_change = t.elapsed();
        assert!(!rec.status.full && rec.status.scope >= 1, "{:?}", rec.status);

        // The DNS zone as the publisher builds it.
        let before = rss_kib();
        let t = Instant::now();
        let spec = lbaas_dns::records::ZoneSpec::new("lbaas.test", 5, "127.0.0.1".parse().unwrap())
            .unwrap();
        let addresses = lbaas_db::dns::dns_address_list(&db).await.unwrap();
        let listeners = lbaas_db::dns::dns_listener_list(&db).await.unwrap();
        let built = lbaas_dns::records::build(&spec, &addresses, &listeners);
        let served = lbaas_dns::records::served(&spec, &built, 1).unwrap();
        let dns_build = t.elapsed();
        let dns_mib = rss_kib().saturating_sub(before) as f64 / 1024.0;
        assert_eq!(built.names as i64, n, "every load balancer has its name");
        drop(served);

        // The operator's fleet list (`GET /v1/nodes`: every node, across tenants), 1000 a
        // page, cursor to cursor: the API's longest list.
        let t = Instant::now();
        let mut after = None;
        let mut seen = 0;
        let mut last;
        loop {
            let page_start = Instant::now();
            let page = lbaas_db::page::PageReq { after, limit: 1000 };
            let rows = lbaas_db::hypervisor::node_list_fleet(&db, page).await.unwrap();
            last = page_start.elapsed();
            let more = rows.len() > 1000;
            seen += rows.len().min(1000);
            if !more {
                break;
            }
            after = rows.get(999).map(|r| r.id);
        }
        let list_all = t.elapsed();
        assert_eq!(seen as i64, n, "one node each");
        println!(
            "{n:>6} | {:>11.1} | {passes:>6} | {:>12} | {:>13} | {:>14} | {:>11} | {dns_mib:>9.1} | {:>12} | {:>13}",
            converge.as_secs_f64(),
            ms(median(full)),
            ms(median(quiet)),
            ms(one_change),
            ms(dns_build),
            ms(list_all),
            ms(last)
        );
        db.close().await;
    }
}
