//! The invariants the database itself enforces, exercised with raw SQL where possible so that
//! a second writer (another replica, an operator's psql) cannot break them either.

use lbaas_common::types::{ProjectId, QuotasUpdate, TenantId};
use lbaas_db::{project, subnet, tenant, testing};
use sqlx::postgres::PgListener;
use sqlx::PgPool;

async fn db() -> PgPool {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    testing::fresh_database(&url).await.unwrap().0
}

async fn setup(db: &PgPool, quota_projects: i32) -> (TenantId, ProjectId) {
    let q = QuotasUpdate { projects: Some(quota_projects), ..Default::default() };
    let t = TenantId(tenant::tenant_create(db, "acme", &q).await.unwrap().id);
    let mut tx = db.begin().await.unwrap();
    let p = project::project_create(&mut tx, t, quota_projects, "demo", "demo", "").await.unwrap();
    tx.commit().await.unwrap();
    (t, ProjectId(p.id))
}

#[tokio::test]
async fn subnets_never_overlap_inside_a_project() {
    let db = db().await;
    let (t, p) = setup(&db, 5).await;
    let net = |s: &str| s.parse::<ipnet::IpNet>().unwrap();
    let gw = |s: &str| s.parse().unwrap();
    subnet::subnet_create(&db, t, p, "a", &net("10.0.0.0/24"), gw("10.0.0.1")).await.unwrap();
    let e = subnet::subnet_create(&db, t, p, "b", &net("10.0.0.0/16"), gw("10.0.0.2"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "subnet_overlap");
    // The same CIDR in another project is fine: namespaces isolate them.
    let mut tx = db.begin().await.unwrap();
    let other = project::project_create(&mut tx, t, 5, "other", "other", "").await.unwrap();
    tx.commit().await.unwrap();
    subnet::subnet_create(&db, t, ProjectId(other.id), "a", &net("10.0.0.0/24"), gw("10.0.0.1"))
        .await
        .unwrap();
    // Raw SQL cannot slip past it either.
    let raw = sqlx::query(
        "INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway) \
         VALUES (gen_random_uuid(), $1, $2, 'c', '10.0.0.128/25', '10.0.0.129')",
    )
    .bind(t.0)
    .bind(p.0)
    .execute(&db)
    .await;
    assert!(raw.is_err());
}

#[tokio::test]
async fn members_stay_inside_their_subnet() {
    let db = db().await;
    let (t, p) = setup(&db, 5).await;
    let s = subnet::subnet_create(
        &db,
        t,
        p,
        "a",
        &"10.0.0.0/24".parse().unwrap(),
        "10.0.0.1".parse().unwrap(),
    )
    .await
    .unwrap();
    let lb: (uuid::Uuid,) = sqlx::query_as(
        "INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name) \
         VALUES (gen_random_uuid(), $1, $2, $3, 'web') RETURNING id",
    )
    .bind(t.0)
    .bind(p.0)
    .bind(s.id)
    .fetch_one(&db)
    .await
    .unwrap();
    let pool = lbaas_db::pool::pool_create(
        &db,
        t,
        lb.0,
        "main",
        lbaas_common::types::Protocol::Http,
        lbaas_common::types::Algorithm::RoundRobin,
        None,
    )
    .await
    .unwrap();
    lbaas_db::member::member_create(&db, t, pool.id, "10.0.0.5".parse().unwrap(), 80, 1, "/")
        .await
        .unwrap();
    let e =
        lbaas_db::member::member_create(&db, t, pool.id, "10.9.0.5".parse().unwrap(), 80, 1, "/")
            .await
            .unwrap_err();
    assert_eq!(e.code(), "member_outside_subnet");
    let e =
        lbaas_db::member::member_create(&db, t, pool.id, "10.0.0.5".parse().unwrap(), 80, 1, "/")
            .await
            .unwrap_err();
    assert_eq!(e.code(), "already_exists");
}

#[tokio::test]
async fn quota_holds_under_concurrent_creates() {
    let db = db().await;
    let (t, _) = setup(&db, 3).await; // one project exists already, two slots left
    let mut tasks = vec![];
    for i in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let row = tenant::tenant_lock(&mut *tx, t).await.unwrap();
            let r = project::project_create(
                &mut tx,
                t,
                row.quota_projects,
                &format!("p{i}"),
                &format!("p{i}"),
                "",
            )
            .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r.is_ok()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        ok += task.await.unwrap() as i32;
    }
    assert_eq!(ok, 2, "exactly the two free slots are taken");
}

#[tokio::test]
async fn changes_are_notified() {
    let db = db().await;
    let mut listener = PgListener::connect_with(&db).await.unwrap();
    listener.listen(lbaas_db::CHANGE_CHANNEL).await.unwrap();
    let (_, p) = setup(&db, 5).await;
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), format!("project:{}", p.0));
}
