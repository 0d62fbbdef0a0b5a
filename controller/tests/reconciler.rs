//! Reconciler tests over the in-memory fakes (real PostgreSQL, fake world): every step run twice
//! gives the same end state; a failure injected at step N converges on a later pass and leaks
//! nothing; delete tears everything down.

use std::time::Duration;

use lbaas_controller::agent_link::{AgentState, FakeAgents};
use lbaas_controller::hypervisor::{Deadlines, FakeHypervisor, WithDeadlines};
use lbaas_controller::netops::FakeNet;
use lbaas_controller::reconciler::{Reconciler, Settings};
use sqlx::PgPool;
use uuid::Uuid;

type R = Reconciler<FakeNet, FakeHypervisor, FakeAgents>;
type RD = Reconciler<FakeNet, WithDeadlines<FakeHypervisor>, FakeAgents>;

async fn db() -> PgPool {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    lbaas_db::testing::fresh_database(&url).await.unwrap().0
}

fn settings() -> Settings {
    Settings {
        prefix: "lbt".into(),
        vip_pool: "198.18.0.0/16".parse().unwrap(),
        image_dir: "/nonexistent".into(),
        run_dir: std::env::temp_dir().join("lbaas-reconciler-test"),
        memory_mib: 96,
        virt_type: "qemu".into(),
        build_timeout: Duration::from_secs(600),
        failover_grace: Duration::from_secs(30),
        drain_period: Duration::from_secs(10),
        sundown_delay: Duration::ZERO,
        spares: 0,
        spares_max: 0,
        breaker: Default::default(),
        secrets: Some(
            lbaas_certs::SecretBox::from_hex(&lbaas_certs::SecretBox::generate_hex()).unwrap(),
        ),
    }
}

/// A tenant, project, subnet and a load balancer with a listener, pool and two members.
async fn seed(db: &PgPool) -> (Uuid, Uuid) {
    let t = Uuid::new_v4();
    let p = Uuid::new_v4();
    let s = Uuid::new_v4();
    let lb = Uuid::new_v4();
    let pool = Uuid::new_v4();
    for q in [
        format!("INSERT INTO tenant (id, name) VALUES ('{t}', 'acme')"),
        format!("INSERT INTO project (id, tenant_id, name) VALUES ('{p}', '{t}', 'demo')"),
        format!("INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway) VALUES ('{s}', '{t}', '{p}', 'a', '10.10.0.0/24', '10.10.0.1')"),
        format!("INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name) VALUES ('{lb}', '{t}', '{p}', '{s}', 'web')"),
        format!("INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol) VALUES ('{pool}', '{t}', '{lb}', 'default', 'HTTP')"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id) VALUES (gen_random_uuid(), '{t}', '{lb}', 'default', 'HTTP', 80, '{pool}')"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) VALUES (gen_random_uuid(), '{t}', '{pool}', '10.10.0.11', 8080)"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) VALUES (gen_random_uuid(), '{t}', '{pool}', '10.10.0.254', 8080)"),
    ] {
        sqlx::query(&q).execute(db).await.unwrap();
    }
    (p, lb)
}

/// A reconciler over the fakes keeping a warm pool of `base` spares, grown up to `max`.
fn with_spares(db: &PgPool, base: usize, max: usize) -> R {
    let net = FakeNet::default();
    let hv = FakeHypervisor { net: net.clone(), ..Default::default() };
    let mut s = settings();
    s.spares = base;
    s.spares_max = max;
    Reconciler::new(db.clone(), net, hv, FakeAgents::default(), s)
}

fn rec(db: &PgPool) -> R {
    let net = FakeNet::default();
    let hv = FakeHypervisor { net: net.clone(), ..Default::default() };
    Reconciler::new(db.clone(), net, hv, FakeAgents::default(), settings())
}

/// The message of the one event matching `filter` (an SQL condition on `event`).
async fn event_message(db: &PgPool, filter: &str) -> String {
    sqlx::query_scalar(&format!("SELECT message FROM event WHERE {filter}"))
        .fetch_one(db)
        .await
        .unwrap()
}

async fn status(db: &PgPool, lb: Uuid) -> Option<String> {
    sqlx::query_as::<_, (String,)>("SELECT provisioning_status FROM load_balancer WHERE id = $1")
        .bind(lb)
        .fetch_optional(db)
        .await
        .unwrap()
        .map(|r| r.0)
}

/// The world as the fakes hold it, for comparing end states.
fn world(r: &R) -> String {
    let hv = r.hv.state.lock().unwrap();
    let net = r.net.0.lock().unwrap();
    format!(
        "domains={:?} namespaces={:?} root_taps={:?} attached={:?}",
        hv.domains.keys().collect::<Vec<_>>(),
        net.namespaces,
        net.root_taps,
        net.attached
    )
}

async fn converge(r: &mut R, lb: Uuid) {
    for _ in 0..6 {
        let _ = r.pass().await;
        if status(&r.db, lb).await.as_deref() == Some("ACTIVE") && r.pass().await.is_ok() {
            return;
        }
    }
    panic!("did not converge: {} / {:?}", world(r), r.status);
}

#[tokio::test]
async fn create_converges_and_passes_are_idempotent() {
    let db = db().await;
    let (project, lb) = seed(&db).await;
    let mut r = rec(&db);
    converge(&mut r, lb).await;

    let (vip, pip, st): (String, String, String) = sqlx::query_as(
        "SELECT host(vip), host(project_ip), status FROM node WHERE load_balancer_id = $1",
    )
    .bind(lb)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(vip, "198.18.0.10");
    // Highest free host, skipping the member at .254.
    assert_eq!(pip, "10.10.0.253");
    assert_eq!(st, "ACTIVE");
    let s = r.settings.clone();
    {
        let net = r.net.0.lock().unwrap();
        assert!(net.namespaces.contains_key("lbt-pub"));
        let pns = s.project_namespace(project);
        assert_eq!(
            net.namespaces[&pns]["br0"].iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            ["10.10.0.1/24"]
        );
        assert!(net.root_taps.is_empty(), "every tap moved into its namespace");
        assert_eq!(net.attached.len(), 2);
    }
    let before = world(&r);
    r.pass().await.unwrap();
    r.pass().await.unwrap();
    assert_eq!(world(&r), before, "a pass over a converged world changes nothing");
    assert_eq!(r.status.domains_created, 1);

    // A change bumps the generation: the config is pushed again, no VM restart.
    sqlx::query("UPDATE load_balancer SET generation = generation + 1, provisioning_status = 'PENDING_UPDATE' WHERE id = $1")
        .bind(lb)
        .execute(&db)
        .await
        .unwrap();
    converge(&mut r, lb).await;
    assert_eq!(r.status.domains_created, 1);
    assert_eq!(world(&r), before);
}

#[tokio::test]
async fn a_failure_at_any_step_converges_and_leaks_nothing() {
    let db = db().await;
    let (_, lb) = seed(&db).await;
    let mut reference = rec(&db);
    converge(&mut reference, lb).await;
    let net_calls = reference.net.0.lock().unwrap().calls;
    let hv_calls = reference.hv.state.lock().unwrap().calls;

    for which in ["net", "hv"] {
        let total = if which == "net" { net_calls } else { hv_calls };
        for n in 1..=total.min(12) {
            let db = self::db().await;
            let (_, lb) = seed(&db).await;
            let mut r = rec(&db);
            if which == "net" {
                r.net.0.lock().unwrap().fail_at = Some(n);
            } else {
                r.hv.state.lock().unwrap().fail_at = Some(n);
            }
            converge(&mut r, lb).await;
            let w = world(&r);
            let hv = r.hv.state.lock().unwrap();
            let net = r.net.0.lock().unwrap();
            assert_eq!(hv.domains.len(), 1, "{which} failure at {n}: {w}");
            assert!(net.root_taps.is_empty(), "{which} failure at {n} leaked a tap: {w}");
            assert_eq!(net.attached.len(), 2, "{which} failure at {n}: {w}");
        }
    }
}

#[tokio::test]
async fn delete_tears_everything_down() {
    let db = db().await;
    let (project, lb) = seed(&db).await;
    let mut r = rec(&db);
    converge(&mut r, lb).await;
    sqlx::query("UPDATE load_balancer SET provisioning_status = 'PENDING_DELETE' WHERE id = $1")
        .bind(lb)
        .execute(&db)
        .await
        .unwrap();
    r.pass().await.unwrap();
    assert_eq!(status(&db, lb).await, None, "rows purged");
    let (nodes,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM node").fetch_one(&db).await.unwrap();
    assert_eq!(nodes, 0);
    {
        let hv = r.hv.state.lock().unwrap();
        assert!(hv.domains.is_empty());
        let net = r.net.0.lock().unwrap();
        assert!(net.attached.is_empty() && net.root_taps.is_empty());
    }
    // The project namespace goes when its last subnet goes.
    let pns = r.settings.project_namespace(project);
    assert!(r.net.0.lock().unwrap().namespaces.contains_key(&pns));
    sqlx::query("DELETE FROM subnet").execute(&db).await.unwrap();
    r.pass().await.unwrap();
    assert!(!r.net.0.lock().unwrap().namespaces.contains_key(&pns));

    // A domain the database does not know (left by a crash) is garbage-collected.
    r.hv.state.lock().unwrap().domains.insert("lbt-n-deadbeef0000".into(), Default::default());
    r.hv.state.lock().unwrap().domains.insert("other-vm".into(), Default::default());
    r.pass().await.unwrap();
    let names: Vec<String> = r.hv.state.lock().unwrap().domains.keys().cloned().collect();
    assert_eq!(names, ["other-vm"], "only our prefix is collected");
}

#[tokio::test]
async fn a_failed_read_of_the_projects_networks_deletes_no_namespace() {
    let db = db().await;
    let (project, lb) = seed(&db).await;
    let mut r = rec(&db);
    converge(&mut r, lb).await;
    let before = world(&r);
    // Only the networks' query reads the column under this name once the node exists: the
    // rest of the pass runs, as it does when one query of it hits a restarting PostgreSQL.
    sqlx::query("ALTER TABLE subnet RENAME COLUMN gateway TO gw").execute(&db).await.unwrap();
    r.pass().await.unwrap();
    let err = r.status.last_error.clone().unwrap_or_default();
    assert!(err.contains("list project networks"), "the read failed: {err}");
    let pns = r.settings.project_namespace(project);
    assert!(r.net.0.lock().unwrap().namespaces.contains_key(&pns), "{}", world(&r));
    assert_eq!(world(&r), before, "the running node keeps its namespace and taps");
    sqlx::query("ALTER TABLE subnet RENAME COLUMN gw TO gateway").execute(&db).await.unwrap();
    r.pass().await.unwrap();
    assert_eq!(world(&r), before);
    assert_eq!(status(&db, lb).await.as_deref(), Some("ACTIVE"));
}

async fn nodes(db: &PgPool, lb: Uuid) -> Vec<(String, String)> {
    sqlx::query_as("SELECT name, status FROM node WHERE load_balancer_id = $1 ORDER BY created_at")
        .bind(lb)
        .fetch_all(db)
        .await
        .unwrap()
}

/// Nodes that went through SUNDOWN, from the monitor log.
async fn sundowns(db: &PgPool, lb: Uuid) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT split_part(message, ':', 1) FROM event WHERE load_balancer_id = $1 AND kind = 'node.sundown' ORDER BY id",
    )
    .bind(lb)
    .fetch_all(db)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

async fn passes(r: &mut R, n: usize) {
    for _ in 0..n {
        r.pass().await.unwrap();
    }
}

async fn operating(db: &PgPool, lb: Uuid) -> String {
    sqlx::query_as::<_, (String,)>("SELECT operating_status FROM load_balancer WHERE id = $1")
        .bind(lb)
        .fetch_one(db)
        .await
        .unwrap()
        .0
}

/// A converged load balancer whose one node healthcheckd just declared DOWN; returns the
/// reconciler, the load balancer and the DOWN node's name.
async fn with_down_node(db: &PgPool) -> (R, Uuid, String) {
    let (_, lb) = seed(db).await;
    let mut r = rec(db);
    converge(&mut r, lb).await;
    let first = nodes(db, lb).await[0].0.clone();
    set_node(db, &first, "DOWN").await;
    (r, lb, first)
}

async fn set_node(db: &PgPool, name: &str, status: &str) {
    sqlx::query("UPDATE node SET status = $2, status_changed_at = now() WHERE name = $1")
        .bind(name)
        .bind(status)
        .execute(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn failover_replaces_a_down_node_and_removes_it_after_the_grace_period() {
    let db = db().await;
    // healthcheckd's decision: DOWN. The next pass builds a replacement; the DOWN node stays
    // (it may come back) and keeps its VM.
    let (mut r, lb, first) = with_down_node(&db).await;
    passes(&mut r, 3).await;
    let ns = nodes(&db, lb).await;
    assert_eq!(ns.len(), 2, "{ns:?}");
    assert_eq!(ns[0], (first.clone(), "DOWN".into()));
    assert_eq!(ns[1].1, "ACTIVE");
    assert!(r.hv.state.lock().unwrap().domains.contains_key(&first));
    let kinds: Vec<(String,)> = sqlx::query_as(
        "SELECT message FROM event WHERE load_balancer_id = $1 AND kind = 'node.created' ORDER BY id",
    )
    .bind(lb)
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(kinds.last().unwrap().0.contains(&format!("replaces DOWN node {first}")), "{kinds:?}");
    assert_eq!(operating(&db, lb).await, "DEGRADED", "a DOWN node degrades its load balancer");

    // Past the grace period the DOWN node and its VM go.
    let mut s = (*r.settings).clone();
    s.failover_grace = Duration::ZERO;
    r.settings = std::sync::Arc::new(s);
    passes(&mut r, 2).await;
    let ns = nodes(&db, lb).await;
    assert_eq!(ns.len(), 1, "{ns:?}");
    assert_ne!(ns[0].0, first);
    assert_eq!(operating(&db, lb).await, "ONLINE");
    assert!(!r.hv.state.lock().unwrap().domains.contains_key(&first));
}

#[tokio::test]
async fn a_node_that_comes_back_makes_the_newest_surplus_node_go() {
    let db = db().await;
    let (mut r, lb, first) = with_down_node(&db).await;
    passes(&mut r, 3).await;
    let replacement = nodes(&db, lb).await[1].0.clone();

    // Back before the grace period: the replacement (newest) drains and goes (the fake agent
    // reports drained at once, so within one pass).
    set_node(&db, &first, "ACTIVE").await;
    passes(&mut r, 1).await;
    assert_eq!(nodes(&db, lb).await, [(first, "ACTIVE".to_string())]);
    assert_eq!(sundowns(&db, lb).await, std::slice::from_ref(&replacement));
    assert!(!r.hv.state.lock().unwrap().domains.contains_key(&replacement));
}

#[tokio::test]
async fn an_active_node_whose_vm_vanished_is_down_and_replaced_not_rebooted() {
    let db = db().await;
    let (_, lb) = seed(&db).await;
    let mut r = rec(&db);
    converge(&mut r, lb).await;
    let first = nodes(&db, lb).await[0].0.clone();
    r.hv.state.lock().unwrap().domains.remove(&first);
    passes(&mut r, 3).await;
    let ns = nodes(&db, lb).await;
    assert_eq!(ns[0], (first.clone(), "DOWN".into()), "{ns:?}");
    assert_eq!(ns[1].1, "ACTIVE");
    assert!(!r.hv.state.lock().unwrap().domains.contains_key(&first), "not restarted");
}

#[tokio::test]
async fn desired_nodes_scale_out_and_in_through_sundown() {
    let db = db().await;
    let (_, lb) = seed(&db).await;
    sqlx::query("UPDATE load_balancer SET auto_scaling = true, max_nodes = 3 WHERE id = $1")
        .bind(lb)
        .execute(&db)
        .await
        .unwrap();
    let mut r = rec(&db);
    converge(&mut r, lb).await;
    assert!(lbaas_db::load_balancer::load_balancer_set_desired(&db, lb, 3).await.unwrap());
    passes(&mut r, 3).await;
    let ns = nodes(&db, lb).await;
    assert_eq!(ns.iter().filter(|n| n.1 == "ACTIVE").count(), 3, "{ns:?}");
    assert_eq!(r.hv.state.lock().unwrap().domains.len(), 3);
    // Beyond max is refused.
    assert!(!lbaas_db::load_balancer::load_balancer_set_desired(&db, lb, 4).await.unwrap());

    assert!(lbaas_db::load_balancer::load_balancer_set_desired(&db, lb, 1).await.unwrap());
    let oldest = nodes(&db, lb).await[0].0.clone();
    passes(&mut r, 1).await;
    assert_eq!(nodes(&db, lb).await, [(oldest, "ACTIVE".to_string())], "the oldest stays");
    assert_eq!(sundowns(&db, lb).await.len(), 2, "the others went through SUNDOWN");
    assert_eq!(r.hv.state.lock().unwrap().domains.len(), 1);
}

#[tokio::test]
async fn new_nodes_claim_warm_spares_and_the_pool_is_topped_up() {
    let db = db().await;
    let mut r = with_spares(&db, 2, 0);
    passes(&mut r, 2).await;
    let spares: Vec<(String,)> = sqlx::query_as("SELECT name FROM spare_node ORDER BY created_at")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(spares.len(), 2);
    assert_eq!(r.hv.state.lock().unwrap().domains.len(), 2, "spares boot before any demand");
    // A spare boots without addresses: they come with the claim.
    let cmdline = r.hv.state.lock().unwrap().domains[&spares[0].0].cmdline.clone();
    assert!(!cmdline.contains("lbaas.vip"), "{cmdline}");

    let (_, lb) = seed(&db).await;
    converge(&mut r, lb).await;
    let ns = nodes(&db, lb).await;
    assert_eq!(ns.len(), 1);
    assert!(spares.iter().any(|sp| sp.0 == ns[0].0), "the node is a former spare: {ns:?}");
    let msg = event_message(&db, "kind = 'node.created'").await;
    assert!(msg.contains("warm spare"), "{msg}");
    passes(&mut r, 1).await;
    let left: (i64,) =
        sqlx::query_as("SELECT count(*) FROM spare_node").fetch_one(&db).await.unwrap();
    assert_eq!(left.0, 2, "the pool is topped up");
    assert_eq!(r.hv.state.lock().unwrap().domains.len(), 3);
    assert_eq!(r.status.domains_created, 3, "no VM booted for the node itself");
}

#[tokio::test]
async fn demand_grows_the_warm_pool_up_to_its_maximum() {
    let db = db().await;
    let mut r = with_spares(&db, 1, 2);
    let spare_count = |db: PgPool| async move {
        let n: (i64,) =
            sqlx::query_as("SELECT count(*) FROM spare_node").fetch_one(&db).await.unwrap();
        n.0
    };
    passes(&mut r, 2).await;
    assert_eq!(spare_count(db.clone()).await, 1, "the base size with no demand");
    let (_, lb) = seed(&db).await;
    converge(&mut r, lb).await;
    passes(&mut r, 1).await;
    assert_eq!(spare_count(db.clone()).await, 2, "one node made: one more spare");
    let api = seed_another(&db, "api").await;
    converge(&mut r, api).await;
    let third = seed_another(&db, "third").await;
    converge(&mut r, third).await;
    passes(&mut r, 1).await;
    assert_eq!(spare_count(db.clone()).await, 2, "never above the maximum");
}

/// The spares not ready yet keep their agents from saying hello: they are booting.
async fn hold_hello(r: &R) {
    let ids: Vec<(Uuid,)> =
        sqlx::query_as("SELECT id FROM spare_node WHERE NOT ready").fetch_all(&r.db).await.unwrap();
    let mut states = r.agents.states.lock().unwrap();
    for (id,) in ids {
        states.insert(id.to_string(), AgentState { connected: true, ..Default::default() });
    }
}

#[tokio::test]
async fn a_new_load_balancer_waits_for_a_booting_spare_but_not_for_a_stuck_one() {
    let db = db().await;
    let mut r = with_spares(&db, 1, 1);
    passes(&mut r, 1).await;
    hold_hello(&r).await;
    let (_, lb) = seed(&db).await;
    passes(&mut r, 3).await;
    assert!(nodes(&db, lb).await.is_empty(), "no VM of its own while a spare boots");
    assert_eq!(r.status.domains_created, 1, "only the spare");

    // The spare says hello: the load balancer takes it.
    for st in r.agents.states.lock().unwrap().values_mut() {
        st.hello = true;
    }
    converge(&mut r, lb).await;
    let spare_names: Vec<String> = r.hv.state.lock().unwrap().domains.keys().cloned().collect();
    let ns = nodes(&db, lb).await;
    assert_eq!(ns.len(), 1);
    assert!(spare_names.contains(&ns[0].0), "{ns:?}");
    let msg = event_message(&db, "kind = 'node.created'").await;
    assert!(msg.contains("warm spare"), "{msg}");

    // A spare that has been booting for longer than anyone waits holds up nobody.
    passes(&mut r, 1).await;
    sqlx::query("UPDATE spare_node SET ready = false, created_at = now() - interval '1 minute'")
        .execute(&db)
        .await
        .unwrap();
    let stuck: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM spare_node").fetch_all(&db).await.unwrap();
    assert!(!stuck.is_empty());
    hold_hello(&r).await;
    let booted_before = r.status.domains_created;
    let api = seed_another(&db, "api").await;
    converge(&mut r, api).await;
    let ns = nodes(&db, api).await;
    assert_eq!(ns.len(), 1);
    assert!(!stuck.iter().any(|sp| sp.0 == ns[0].0), "not the stuck spare: {ns:?}");
    assert_eq!(r.status.domains_created, booted_before + 1, "a VM booted for it");
    let msg =
        event_message(&db, &format!("kind = 'node.created' AND load_balancer_id = '{api}'")).await;
    assert!(!msg.contains("warm spare"), "{msg}");
}

/// A second load balancer, `api`, in the project and subnet `seed` made.
async fn seed_another(db: &PgPool, name: &str) -> Uuid {
    let lb = Uuid::new_v4();
    let pool = Uuid::new_v4();
    for q in [
        format!("INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name) SELECT '{lb}', tenant_id, project_id, id, '{name}' FROM subnet LIMIT 1"),
        format!("INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol) SELECT '{pool}', tenant_id, '{lb}', 'default', 'HTTP' FROM load_balancer WHERE id = '{lb}'"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id) SELECT gen_random_uuid(), tenant_id, '{lb}', 'default', 'HTTP', 80, '{pool}' FROM load_balancer WHERE id = '{lb}'"),
    ] {
        sqlx::query(&q).execute(db).await.unwrap();
    }
    lb
}

/// The stall libvirt shows with a root-only /dev/kvm (a domain create that does not return
/// for minutes), on the fake: the pass is not held up, so another load balancer is created and
/// deleted meanwhile; at the deadline the stalled one is ERROR with a reason naming the cause,
/// its node FAILED, an event written; when the create finally returns, its late domain is
/// destroyed and nothing leaks.
#[tokio::test]
async fn a_stalled_domain_create_fails_its_load_balancer_and_holds_up_nothing_else() {
    let db = db().await;
    let (_, stalled_lb) = seed(&db).await;
    let net = FakeNet::default();
    let fake = FakeHypervisor { net: net.clone(), ..Default::default() };
    fake.state.lock().unwrap().stall_creates = 1;
    let deadline = Duration::from_secs(8);
    let hv =
        WithDeadlines::new(fake, Deadlines { create: deadline, destroy: deadline, list: deadline });
    let mut r = Reconciler::new(db.clone(), net, hv, FakeAgents::default(), settings());
    let started = std::time::Instant::now();
    r.pass().await.unwrap(); // web's node: its domain create hangs
    assert_eq!(status(&db, stalled_lb).await.as_deref(), Some("PENDING_CREATE"));

    // Another load balancer goes through its whole life while the create hangs.
    let other = seed_another(&db, "api").await;
    for _ in 0..6 {
        r.pass().await.unwrap();
        if status(&db, other).await.as_deref() == Some("ACTIVE") {
            break;
        }
    }
    assert_eq!(status(&db, other).await.as_deref(), Some("ACTIVE"), "{:?}", r.status);
    sqlx::query("UPDATE load_balancer SET provisioning_status = 'PENDING_DELETE' WHERE id = $1")
        .bind(other)
        .execute(&db)
        .await
        .unwrap();
    r.pass().await.unwrap();
    assert_eq!(status(&db, other).await, None, "deleted while the other create hangs");
    assert!(started.elapsed() < deadline, "the stall held the passes up");

    // The deadline passes: ERROR, reason, event, FAILED node.
    let mut failed = false;
    let end = started + deadline * 2;
    while !failed && std::time::Instant::now() < end {
        r.pass().await.unwrap();
        failed = status(&db, stalled_lb).await.as_deref() == Some("ERROR");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(failed, "no ERROR after the deadline: {:?}", r.status);
    let (reason,): (String,) =
        sqlx::query_as("SELECT status_reason FROM load_balancer WHERE id = $1")
            .bind(stalled_lb)
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(reason.contains("libvirt did not answer domain create"), "{reason}");
    assert!(reason.contains("within 8 s"), "{reason}");
    let (kind, message): (String, String) = sqlx::query_as(
        "SELECT kind, message FROM event WHERE load_balancer_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(stalled_lb)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), message == reason), ("node.failed", true));
    assert_eq!(nodes(&db, stalled_lb).await[0].1, "FAILED");
    println!(
        "stalled create → ERROR after {:.1} s (deadline {deadline:?})",
        started.elapsed().as_secs_f64()
    );

    // libvirt answers at last: the late domain belongs to a FAILED node and is destroyed.
    r.hv.inner.unstall.notify_waiters();
    // The stuck call returns and the breaker closes within a probe period; then the late
    // domain is collected.
    let cleaned = passes_until(&mut r, deadline * 3, |r| {
        let hv = r.hv.inner.state.lock().unwrap();
        let net = r.net.0.lock().unwrap();
        !r.hv.is_stalled()
            && hv.domains.is_empty()
            && net.root_taps.is_empty()
            && net.attached.is_empty()
    })
    .await;
    let hv = r.hv.inner.state.lock().unwrap();
    assert!(cleaned, "the late domain leaked: {:?}", hv.domains.keys());
}

/// Runs passes until `cond` holds of the reconciler or `limit` passes, pausing between passes
/// as the controller's loop would.
async fn passes_until(r: &mut RD, limit: Duration, cond: impl Fn(&RD) -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    loop {
        r.pass().await.unwrap();
        if cond(r) {
            return true;
        }
        if std::time::Instant::now() > end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of the series whose line starts with `prefix` (name and labels).
fn series(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_count_passes_objects_and_traffic_by_load_balancer() {
    use lbaas_controller::metrics::{ControllerMetrics, NodeTraffic};
    let db = db().await;
    let (_, lb) = seed(&db).await;
    let mut r = rec(&db);
    let (m, registry) = ControllerMetrics::new();
    r.metrics = m.clone();
    converge(&mut r, lb).await;
    let node: (Uuid, String) =
        sqlx::query_as("SELECT id, name FROM node WHERE load_balancer_id = $1")
            .bind(lb)
            .fetch_one(&db)
            .await
            .unwrap();
    r.pass().await.unwrap(); // records the ACTIVE node
    let heartbeat = |requests| lbaas_proto::Heartbeat {
        requests_per_second: 12.5,
        active_connections: 3,
        members: vec![lbaas_proto::MemberStats {
            id: "m1".into(),
            requests,
            errors: 1,
            active: 2,
            p50_ms: 4.0,
            p99_ms: 20.0,
            ejected: false,
        }],
        ..Default::default()
    };
    m.set_traffic(vec![NodeTraffic { node: node.0.to_string(), heartbeat: heartbeat(40) }]);
    let scrape = || {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        text
    };
    let text = scrape();
    let passes = series(&text, "lbaas_controller_reconcile_passes_total{outcome=\"ok\"}");
    assert!(passes.is_some_and(|n| n >= 2.0), "{text}");
    assert_eq!(series(&text, "lbaas_controller_nodes{status=\"ACTIVE\"}"), Some(1.0), "{text}");
    assert_eq!(series(&text, "lbaas_controller_nodes{status=\"DOWN\"}"), Some(0.0), "{text}");
    assert_eq!(
        series(&text, "lbaas_controller_load_balancers{status=\"ACTIVE\"}"),
        Some(1.0),
        "{text}"
    );
    let member = format!(
        "lbaas_member_requests_total{{tenant=\"acme\",project=\"demo\",load_balancer=\"web\",node=\"{}\",member=\"m1\"}}",
        node.1
    );
    assert_eq!(series(&text, &member), Some(40.0), "{text}");
    let rps = "lbaas_load_balancer_requests_per_second{tenant=\"acme\",project=\"demo\",load_balancer=\"web\"}";
    assert_eq!(series(&text, rps), Some(12.5), "{text}");
    // Under load the next heartbeat moves the member's series.
    m.set_traffic(vec![NodeTraffic { node: node.0.to_string(), heartbeat: heartbeat(95) }]);
    assert_eq!(series(&scrape(), &member), Some(95.0));
    // A node no pass has seen (or one gone) has no series: cardinality follows what exists.
    m.set_traffic(vec![NodeTraffic { node: Uuid::new_v4().to_string(), heartbeat: heartbeat(7) }]);
    assert!(!scrape().contains("lbaas_member_requests_total{"), "{}", scrape());
}

#[tokio::test]
async fn a_mass_failure_pauses_failovers_until_nodes_come_back() {
    let db = db().await;
    let (_, first) = seed(&db).await;
    let mut lbs = vec![first];
    for name in ["b", "c", "d"] {
        lbs.push(seed_another(&db, name).await);
    }
    let mut r = rec(&db);
    for lb in &lbs {
        converge(&mut r, *lb).await;
    }
    let count = |db: PgPool| async move {
        let n: (i64,) = sqlx::query_as("SELECT count(*) FROM node").fetch_one(&db).await.unwrap();
        n.0
    };
    assert_eq!(count(db.clone()).await, 4);
    let events = |db: PgPool, kind: &'static str| async move {
        let n: (i64,) = sqlx::query_as("SELECT count(*) FROM event WHERE kind = $1")
            .bind(kind)
            .fetch_one(&db)
            .await
            .unwrap();
        n.0
    };

    // Three of four go DOWN at once (what healthcheckd writes when a network partition hits).
    sqlx::query(
        "UPDATE node SET status = 'DOWN', status_changed_at = now() \
         WHERE load_balancer_id = ANY($1)",
    )
    .bind(&lbs[1..])
    .execute(&db)
    .await
    .unwrap();
    passes(&mut r, 3).await;
    assert!(r.breaker.open);
    assert_eq!(count(db.clone()).await, 4, "no replacement while the breaker is open");
    assert_eq!(events(db.clone(), "failover.paused").await, 1);

    // Two come back: one DOWN of four is an ordinary failover again.
    sqlx::query("UPDATE node SET status = 'ACTIVE' WHERE load_balancer_id = ANY($1)")
        .bind(&lbs[1..3])
        .execute(&db)
        .await
        .unwrap();
    passes(&mut r, 2).await;
    assert!(!r.breaker.open);
    assert_eq!(events(db.clone(), "failover.resumed").await, 1);
    assert_eq!(count(db.clone()).await, 5, "the node still DOWN is replaced now");
}

/// An operator resumes failovers the breaker paused: the nodes DOWN by then are replaced, and
/// the breaker's row says what happened each way.
#[tokio::test]
async fn an_operator_resume_replaces_the_nodes_the_breaker_held() {
    let db = db().await;
    let (_, first) = seed(&db).await;
    let mut lbs = vec![first];
    for name in ["b", "c", "d"] {
        lbs.push(seed_another(&db, name).await);
    }
    let mut r = rec(&db);
    for lb in &lbs {
        converge(&mut r, *lb).await;
    }
    sqlx::query(
        "UPDATE node SET status = 'DOWN', status_changed_at = now() \
         WHERE load_balancer_id = ANY($1)",
    )
    .bind(&lbs[1..])
    .execute(&db)
    .await
    .unwrap();
    passes(&mut r, 3).await;
    assert!(r.breaker.open);
    let row = lbaas_db::breaker::breaker_view(&db).await.unwrap();
    assert_eq!((row.open, row.down, row.nodes), (true, 3, 4), "the API can show it");

    lbaas_db::breaker::breaker_resume(&db).await.unwrap();
    passes(&mut r, 3).await;
    assert!(!r.breaker.open);
    let msg = event_message(&db, "kind = 'failover.resumed'").await;
    assert!(msg.contains("by the operator"), "{msg}");
    let serving: i64 =
        sqlx::query_scalar("SELECT count(*) FROM node WHERE status IN ('BUILDING', 'ACTIVE')")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(serving, 4, "each held node got its replacement");
    assert!(!lbaas_db::breaker::breaker_view(&db).await.unwrap().open);
}

/// The config of an HTTPS listener: its certificates with their keys opened, its policies and
/// the pools they forward to; a key sealed with another operator key is a clear error.
#[tokio::test]
async fn https_configs_carry_opened_keys_policies_and_their_pools() {
    let db = db().await;
    let (project, lb) = seed(&db).await;
    let secrets =
        lbaas_certs::SecretBox::from_hex(&lbaas_certs::SecretBox::generate_hex()).unwrap();
    let ca = lbaas_certs::testing::TestCa::new(&std::env::temp_dir());
    let leaf = ca.leaf(&["www.shop.test"], 30, false);
    let v = lbaas_certs::validate(&leaf.chain_pem, &leaf.key_pem, chrono::Utc::now()).unwrap();
    let (cert, listener, api_pool) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let tenant: Uuid = sqlx::query_scalar("SELECT tenant_id FROM load_balancer WHERE id = $1")
        .bind(lb)
        .fetch_one(&db)
        .await
        .unwrap();
    let write = lbaas_db::certificate::CertificateWrite {
        id: cert,
        chain_pem: &v.chain_pem,
        key_sealed: &secrets.seal(cert.as_bytes(), v.key_pem.as_bytes()),
        names: &v.names,
        subject: &v.subject,
        issuer: &v.issuer,
        not_before: v.not_before,
        not_after: v.not_after,
        fingerprint_sha256: &v.fingerprint_sha256,
    };
    let t = lbaas_common::types::TenantId(tenant);
    lbaas_db::certificate::certificate_create(&db, t, project, "www", &write).await.unwrap();
    for q in [
        format!("INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol, algorithm) VALUES ('{api_pool}', '{tenant}', '{lb}', 'api', 'HTTP', 'LEAST_CONNECTIONS')"),
        format!("INSERT INTO member (id, tenant_id, pool_id, address, port) VALUES (gen_random_uuid(), '{tenant}', '{api_pool}', '10.10.0.12', 8080)"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port) VALUES ('{listener}', '{tenant}', '{lb}', 'tls', 'HTTPS', 443)"),
        format!("INSERT INTO listener_certificate VALUES ('{listener}', '{cert}', 0)"),
        format!("INSERT INTO l7policy (id, tenant_id, listener_id, name, position, action, redirect_pool_id, rules) VALUES (gen_random_uuid(), '{tenant}', '{listener}', 'api', 1, 'REDIRECT_TO_POOL', '{api_pool}', '[{{\"type\":\"HOST_NAME\",\"compare_type\":\"EQUAL_TO\",\"value\":\"api.shop.test\"}}]')"),
        format!("INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, redirect_https_port) VALUES (gen_random_uuid(), '{tenant}', '{lb}', 'plain', 'HTTP', 8080, 443)"),
    ] {
        sqlx::query(&q).execute(&db).await.unwrap();
    }
    let cfg = lbaas_controller::reconciler::agent_config(&db, lb, Some(&secrets)).await.unwrap();
    let tls = cfg.listeners.iter().find(|l| l.name == "tls").unwrap();
    assert_eq!(tls.protocol, lbaas_proto::Protocol::Https);
    let certs = &tls.tls.as_ref().unwrap().certificates;
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].names, ["www.shop.test"]);
    assert_eq!(certs[0].key_pem, v.key_pem, "the key is opened for the agent");
    assert_eq!(tls.pools.len(), 1);
    assert_eq!(tls.pools[0].id, api_pool.to_string());
    assert_eq!(tls.pools[0].algorithm, lbaas_proto::Algorithm::LeastConnections);
    assert_eq!(tls.pools[0].members[0].address.to_string(), "10.10.0.12");
    assert_eq!(
        tls.policies[0].action,
        lbaas_proto::ActionConfig::Forward { pool: api_pool.to_string() }
    );
    assert_eq!(tls.policies[0].rules[0].kind, lbaas_proto::RuleKind::HostName);
    let plain = cfg.listeners.iter().find(|l| l.name == "plain").unwrap();
    assert_eq!((plain.redirect_https_port, plain.tls.is_none()), (Some(443), true));
    assert!(!format!("{cfg:?}").contains("PRIVATE KEY"), "a config's Debug never shows a key");

    let other = lbaas_certs::SecretBox::from_hex(&lbaas_certs::SecretBox::generate_hex()).unwrap();
    let err = lbaas_controller::reconciler::agent_config(&db, lb, Some(&other)).await.unwrap_err();
    assert!(format!("{err:#}").contains("another secret key"), "{err:#}");
    let err = lbaas_controller::reconciler::agent_config(&db, lb, None).await.unwrap_err();
    assert!(format!("{err:#}").contains("--secret-key-file"), "{err:#}");

    // Expiry: announced once inside the window, again only after a renewal re-arms it.
    let within = std::time::Duration::from_secs(30 * 24 * 3600);
    assert_eq!(lbaas_controller::certificate_warn_expiring(&db, within).await.unwrap(), 1);
    assert_eq!(lbaas_controller::certificate_warn_expiring(&db, within).await.unwrap(), 0);
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM event WHERE kind LIKE 'certificate.%'")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(kinds, ["certificate.expiring"]);
    let short = std::time::Duration::from_secs(24 * 3600);
    sqlx::query("UPDATE certificate SET expiry_warned_at = NULL").execute(&db).await.unwrap();
    assert_eq!(
        lbaas_controller::certificate_warn_expiring(&db, short).await.unwrap(),
        0,
        "30 days left"
    );
}

// ---- several hypervisors (ARCHITECTURE §14) ------------------------------------------------

/// A second hypervisor row, `hv2`, and a reconciler for it with a world of its own.
async fn second_hypervisor(db: &PgPool, capacity: i32) -> (R, Uuid) {
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO hypervisor (id, name, uri, capacity_nodes) \
         VALUES (gen_random_uuid(), 'hv2', 'qemu+unix:///system?socket=/x', $1) RETURNING id",
    )
    .bind(capacity)
    .fetch_one(db)
    .await
    .unwrap();
    (rec(db).with_hypervisor(id), id)
}

/// `(node name, status, hypervisor name)` of a load balancer's nodes, oldest first.
async fn placed(db: &PgPool, lb: Uuid) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT n.name, n.status, h.name FROM node n JOIN hypervisor h ON h.id = n.hypervisor_id \
         WHERE n.load_balancer_id = $1 ORDER BY n.created_at",
    )
    .bind(lb)
    .fetch_all(db)
    .await
    .unwrap()
}

async fn set_nodes(db: &PgPool, lb: Uuid, n: i32) {
    sqlx::query("UPDATE load_balancer SET min_nodes = $2, max_nodes = $2 WHERE id = $1")
        .bind(lb)
        .bind(n)
        .execute(db)
        .await
        .unwrap();
}

async fn active_nodes(db: &PgPool, lb: Uuid) -> usize {
    placed(db, lb).await.iter().filter(|n| n.1 == "ACTIVE").count()
}

/// Both controllers run a pass, `n` times; the load balancer must keep `floor` ACTIVE nodes
/// after every single pass (a drain never leaves it short of serving nodes).
async fn both(a: &mut R, b: &mut R, n: usize, lb: Uuid, floor: usize) {
    for _ in 0..n {
        for r in [&mut *a, &mut *b] {
            r.pass().await.unwrap();
            let active = active_nodes(&r.db, lb).await;
            assert!(active >= floor, "{active} ACTIVE nodes: {:?}", placed(&r.db, lb).await);
        }
    }
}

#[tokio::test]
async fn nodes_spread_over_hypervisors_and_a_drain_moves_them_without_a_gap() {
    let db = db().await;
    let mut a = rec(&db);
    let (mut b, _) = second_hypervisor(&db, 8).await;
    // Both controllers have listed their domains once: both hypervisors are reachable.
    both(&mut a, &mut b, 1, Uuid::nil(), 0).await;
    let (_, lb) = seed(&db).await;
    set_nodes(&db, lb, 2).await;
    for _ in 0..6 {
        both(&mut a, &mut b, 1, lb, 0).await;
    }
    assert_eq!(status(&db, lb).await.as_deref(), Some("ACTIVE"));
    let hvs: Vec<String> = placed(&db, lb).await.into_iter().map(|n| n.2).collect();
    assert_eq!(hvs.len(), 2);
    assert_ne!(hvs[0], hvs[1], "anti-affinity: one node per hypervisor");
    assert_eq!(a.hv.state.lock().unwrap().domains.len(), 1);
    assert_eq!(b.hv.state.lock().unwrap().domains.len(), 1);
    assert!(a.status.scheduling ^ b.status.scheduling, "exactly one controller schedules");

    // Drain hv2: its node is replaced on local first, then retired through SUNDOWN; the load
    // balancer never has fewer than 2 ACTIVE nodes.
    sqlx::query("UPDATE hypervisor SET state = 'DRAINING' WHERE name = 'hv2'")
        .execute(&db)
        .await
        .unwrap();
    both(&mut a, &mut b, 6, lb, 2).await;
    let after = placed(&db, lb).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().all(|n| n.1 == "ACTIVE" && n.2 == "local"), "{after:?}");
    assert!(b.hv.state.lock().unwrap().domains.is_empty(), "hv2's VM is gone");
    assert_eq!(sundowns(&db, lb).await.len(), 1, "the hv2 node went through SUNDOWN");
    let msg = event_message(&db, "kind = 'node.sundown'").await;
    assert!(msg.contains("hypervisor hv2 is DRAINING"), "{msg}");
}

#[tokio::test]
async fn an_unreachable_hypervisor_is_evacuated_and_a_dead_scheduler_is_replaced() {
    let db = db().await;
    let mut a = rec(&db);
    let (mut b, _) = second_hypervisor(&db, 8).await;
    both(&mut a, &mut b, 1, Uuid::nil(), 0).await;
    let (_, lb) = seed(&db).await;
    set_nodes(&db, lb, 2).await;
    for _ in 0..6 {
        both(&mut a, &mut b, 1, lb, 0).await;
    }
    assert_eq!(active_nodes(&db, lb).await, 2);

    // hv2's controller stops answering (its host died, or its libvirt): once it has not listed
    // its domains for SEEN_WITHIN, its node is replaced on local and retired.
    sqlx::query("UPDATE hypervisor SET seen_at = now() - interval '1 minute' WHERE name = 'hv2'")
        .execute(&db)
        .await
        .unwrap();
    for _ in 0..4 {
        a.pass().await.unwrap();
        assert!(active_nodes(&db, lb).await >= 2, "{:?}", placed(&db, lb).await);
    }
    let now = placed(&db, lb).await;
    let on_local: Vec<_> = now.iter().filter(|n| n.2 == "local").collect();
    assert_eq!(on_local.len(), 2, "{now:?}");
    assert!(on_local.iter().all(|n| n.1 == "ACTIVE"), "{now:?}");
    let old: Vec<_> = now.iter().filter(|n| n.2 == "hv2").collect();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].1, "SUNDOWN", "out of DNS until its own controller removes it");
    // It comes back: it removes its retired node.
    b.pass().await.unwrap();
    b.pass().await.unwrap();
    assert!(placed(&db, lb).await.iter().all(|n| n.2 == "local"));
    assert!(b.hv.state.lock().unwrap().domains.is_empty());

    // The scheduling controller dies; the other takes the scheduler lock on its next pass.
    let (mut survivor, dead) = if a.status.scheduling { (b, a) } else { (a, b) };
    assert!(!survivor.status.scheduling);
    drop(dead);
    tokio::time::sleep(Duration::from_millis(200)).await;
    survivor.pass().await.unwrap();
    assert!(survivor.status.scheduling, "the survivor schedules now");
}

#[tokio::test]
async fn placement_respects_capacity_and_says_why_a_node_waits() {
    let db = db().await;
    sqlx::query("UPDATE hypervisor SET capacity_nodes = 1 WHERE name = 'local'")
        .execute(&db)
        .await
        .unwrap();
    let mut a = rec(&db);
    let (mut b, _) = second_hypervisor(&db, 1).await;
    both(&mut a, &mut b, 1, Uuid::nil(), 0).await;
    let (_, lb) = seed(&db).await;
    set_nodes(&db, lb, 3).await;
    both(&mut a, &mut b, 3, lb, 0).await;
    assert_eq!(placed(&db, lb).await.len(), 2, "one node per hypervisor, no more");
    let (reason,): (String,) =
        sqlx::query_as("SELECT status_reason FROM load_balancer WHERE id = $1")
            .bind(lb)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(reason, "no hypervisor can take a node (hv2 full, local full)");
    // More room: the third node is placed.
    sqlx::query("UPDATE hypervisor SET capacity_nodes = 2 WHERE name = 'local'")
        .execute(&db)
        .await
        .unwrap();
    both(&mut a, &mut b, 3, lb, 0).await;
    assert_eq!(placed(&db, lb).await.len(), 3);
    assert_eq!(status(&db, lb).await.as_deref(), Some("ACTIVE"));
}

// ---- change-driven passes (ARCHITECTURE §14, "Quiet passes") --------------------------------

/// The notifications PostgreSQL sent since the last call, as the controller's loop gathers them.
async fn noted(l: &mut sqlx::postgres::PgListener) -> lbaas_controller::reconciler::Changes {
    let mut c = lbaas_controller::reconciler::Changes::default();
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(50), l.recv()).await {
        c.note(n.payload());
    }
    c
}

/// Change-driven passes until `done`, each fed what was announced; at most 10.
async fn follow(
    r: &mut R,
    l: &mut sqlx::postgres::PgListener,
    what: &str,
    done: impl Fn(Vec<(String, String)>) -> bool,
    lb: Uuid,
) {
    for _ in 0..10 {
        let c = noted(l).await;
        r.pass_changes(c).await.unwrap();
        assert!(!r.status.full, "{what}: a change-driven pass stayed one");
        if done(nodes(&r.db, lb).await)
            && status(&r.db, lb).await.as_deref() != Some("PENDING_UPDATE")
        {
            return;
        }
    }
    panic!("{what}: not done by change-driven passes: {:?} {:?}", nodes(&r.db, lb).await, r.status);
}

#[tokio::test]
async fn change_driven_passes_create_update_fail_over_and_delete_and_a_quiet_one_looks_at_nothing()
{
    let db = db().await;
    let mut l = sqlx::postgres::PgListener::connect_with(&db).await.unwrap();
    l.listen(lbaas_db::CHANGE_CHANNEL).await.unwrap();
    let mut r = rec(&db);
    r.pass().await.unwrap();
    let (_, lb) = seed(&db).await;
    follow(&mut r, &mut l, "create", |n| n.len() == 1 && n[0].1 == "ACTIVE", lb).await;
    // One more for the activation the node's ACTIVE row announced.
    r.pass_changes(noted(&mut l).await).await.unwrap();
    assert_eq!(status(&db, lb).await.as_deref(), Some("ACTIVE"));

    // Quiet: nothing announced, nothing in flight: no load balancer is looked at.
    r.pass_changes(noted(&mut l).await).await.unwrap();
    r.pass_changes(noted(&mut l).await).await.unwrap();
    assert_eq!((r.status.full, r.status.scope), (false, 0), "{:?}", r.status);

    // A member added (the API touches the load balancer in the same transaction).
    sqlx::query("INSERT INTO member (id, tenant_id, pool_id, address, port) SELECT gen_random_uuid(), tenant_id, id, '10.10.0.12', 8080 FROM pool")
        .execute(&db)
        .await
        .unwrap();
    lbaas_db::load_balancer::load_balancer_touch(&db, lb).await.unwrap();
    follow(&mut r, &mut l, "update", |n| n.len() == 1, lb).await;
    assert_eq!(status(&db, lb).await.as_deref(), Some("ACTIVE"));
    let generation: (i64,) =
        sqlx::query_as("SELECT config_generation FROM node").fetch_one(&db).await.unwrap();
    assert_eq!(generation.0, 2, "the new config reached the node");

    // healthcheckd declares the node DOWN, long enough ago for the grace period.
    let old = nodes(&db, lb).await[0].0.clone();
    sqlx::query("UPDATE node SET status = 'DOWN', status_changed_at = now() - interval '1 hour'")
        .execute(&db)
        .await
        .unwrap();
    follow(&mut r, &mut l, "failover", |n| n.len() == 1 && n[0].1 == "ACTIVE" && n[0].0 != old, lb)
        .await;

    sqlx::query("UPDATE load_balancer SET provisioning_status = 'PENDING_DELETE'")
        .execute(&db)
        .await
        .unwrap();
    for _ in 0..5 {
        r.pass_changes(noted(&mut l).await).await.unwrap();
    }
    assert_eq!(status(&db, lb).await, None, "purged by change-driven passes");
    assert!(r.hv.state.lock().unwrap().domains.is_empty());
}

/// Two hypervisors, a load balancer of two nodes spread over them, converged.
async fn spread(db: &PgPool) -> (R, R, Uuid) {
    let mut a = rec(db);
    let (mut b, _) = second_hypervisor(db, 8).await;
    both(&mut a, &mut b, 1, Uuid::nil(), 0).await;
    let (_, lb) = seed(db).await;
    set_nodes(db, lb, 2).await;
    for _ in 0..6 {
        both(&mut a, &mut b, 1, lb, 0).await;
    }
    assert_eq!(active_nodes(db, lb).await, 2);
    assert!(a.status.scheduling, "local's controller passed first: it schedules");
    (a, b, lb)
}

#[tokio::test]
async fn a_hypervisor_lost_for_good_gives_up_its_rows_after_their_grace() {
    let db = db().await;
    let (mut a, _b, lb) = spread(&db).await;
    // hv2 never answers again: its node is replaced on local and retired (SUNDOWN) ...
    sqlx::query("UPDATE hypervisor SET seen_at = now() - interval '1 minute' WHERE name = 'hv2'")
        .execute(&db)
        .await
        .unwrap();
    for _ in 0..4 {
        a.pass().await.unwrap();
    }
    let sundown: Vec<_> = placed(&db, lb).await.into_iter().filter(|n| n.1 == "SUNDOWN").collect();
    assert_eq!(sundown.len(), 1, "{:?}", placed(&db, lb).await);
    a.pass().await.unwrap();
    assert_eq!(placed(&db, lb).await.len(), 3, "kept while its controller may still finish it");
    // ... and once its controller has had longer than drain and grace, the scheduler removes
    // the row (its VM, if the host comes back, is collected there).
    sqlx::query(
        "UPDATE node SET status_changed_at = now() - interval '1 hour' WHERE status = 'SUNDOWN'",
    )
    .execute(&db)
    .await
    .unwrap();
    a.pass().await.unwrap();
    let left = placed(&db, lb).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|n| n.2 == "local"));
    let msg = event_message(&db, "kind = 'node.deleted' AND message LIKE '%unreachable%'").await;
    assert!(msg.contains("hypervisor hv2 unreachable; removed without its VM"), "{msg}");
}

#[tokio::test]
async fn a_controller_that_does_not_schedule_follows_the_breaker() {
    let db = db().await;
    let (_a, mut b, lb) = spread(&db).await;
    assert!(!b.status.scheduling);
    // hv2's node went DOWN long ago, while the scheduler holds failovers back.
    sqlx::query(
        "UPDATE node SET status = 'DOWN', status_changed_at = now() - interval '1 hour' \
         WHERE hypervisor_id <> '00000000-0000-0000-0000-000000000001'",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("UPDATE failover_breaker SET open = true").execute(&db).await.unwrap();
    b.pass().await.unwrap();
    b.pass().await.unwrap();
    let down = placed(&db, lb).await.into_iter().filter(|n| n.1 == "DOWN").count();
    assert_eq!(down, 1, "kept: the breaker is open");
    sqlx::query("UPDATE failover_breaker SET open = false").execute(&db).await.unwrap();
    b.pass().await.unwrap();
    b.pass().await.unwrap();
    let down = placed(&db, lb).await.into_iter().filter(|n| n.1 == "DOWN").count();
    assert_eq!(down, 0, "removed after the grace period once failovers resume");
}
