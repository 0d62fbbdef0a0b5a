//! The one-query views against the per-part queries they replace: same rows, same order.

use lbaas_common::types::{Algorithm, ProjectId, Protocol, QuotasUpdate, TenantId, Utilization};
use lbaas_db::listener::{self, ListenerInsert};
use lbaas_db::node::{self, Load};
use lbaas_db::page::PageReq;
use lbaas_db::{load_balancer, member, pool, project, subnet, tenant, testing};

#[tokio::test]
async fn the_instance_view_is_its_parts_in_one_query() {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    let db = testing::fresh_database(&url).await.unwrap().0;
    let t =
        TenantId(tenant::tenant_create(&db, "acme", &QuotasUpdate::default()).await.unwrap().id);
    let mut tx = db.begin().await.unwrap();
    let p = project::project_create(&mut tx, t, 5, "demo", "Demo project", "").await.unwrap();
    tx.commit().await.unwrap();
    let net = "10.0.0.0/24".parse().unwrap();
    let s = subnet::subnet_create(&db, t, ProjectId(p.id), "a", &net, "10.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let (lb,): (uuid::Uuid,) = sqlx::query_as(
        "INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name) \
         VALUES (gen_random_uuid(), $1, $2, $3, 'web') RETURNING id",
    )
    .bind(t.0)
    .bind(p.id)
    .bind(s.id)
    .fetch_one(&db)
    .await
    .unwrap();
    let pl = pool::pool_create(&db, t, lb, "default", Protocol::Http, Algorithm::RoundRobin, None)
        .await
        .unwrap();
    let l = ListenerInsert {
        name: "default",
        protocol: Protocol::Http,
        port: 80,
        default_pool: Some(pl.id),
        cache: false,
        redirect_https_port: None,
    };
    listener::listener_create(&db, t, lb, l).await.unwrap();
    // Text order ("10.0.0.10" < "10.0.0.9") differs from address order: the view keeps the
    // address order of `member_list_all`.
    for a in ["10.0.0.9", "10.0.0.10", "10.0.0.200"] {
        member::member_create(&db, t, pl.id, a.parse().unwrap(), 8080, 1, "/").await.unwrap();
    }
    for i in 0..2 {
        let id = uuid::Uuid::new_v4();
        node::node_create(
            &db,
            id,
            lb,
            &format!("n{i}"),
            &"198.18.0.0/24".parse().unwrap(),
            lbaas_db::hypervisor::LOCAL,
        )
        .await
        .unwrap();
        let load =
            Load { cpu: 0.3 + f64::from(i), requests_per_second: 12.5, active_connections: 7 };
        node::node_heartbeat(&db, id, Utilization::Low, load).await.unwrap();
    }

    let by = |project: &'static str, key: String| {
        let db = db.clone();
        async move {
            load_balancer::instance_view_in_project(&db, t, project, &key, "default", "default")
                .await
        }
    };
    // Traffic reported for one member (and for one deleted meanwhile, which is skipped).
    let first = member::member_list_all(&db, pl.id).await.unwrap()[0].id;
    let stat = |member, requests| member::MemberStat {
        member,
        requests,
        errors: 2,
        active_connections: 1,
        latency_p50_ms: 3.5,
        latency_p99_ms: 12.0,
    };
    member::member_stat_upsert(&db, &[stat(first, 40), stat(uuid::Uuid::new_v4(), 1)])
        .await
        .unwrap();
    member::member_stat_upsert(&db, &[stat(first, 55)]).await.unwrap();

    let v = by("Demo project", "web".into()).await.unwrap();
    let traffic = v.members.0[0].traffic.as_ref().expect("the first member's traffic");
    assert_eq!((traffic.0.requests, traffic.0.errors, traffic.0.latency_p99_ms), (55, 2, 12.0));
    assert!(v.members.0[1].traffic.is_none());
    assert_eq!(
        format!("{:?}", v.lb),
        format!("{:?}", by("demo", lb.to_string()).await.unwrap().lb)
    );
    let lb_row = load_balancer::load_balancer_view_in_project(&db, t, "demo", "web").await.unwrap();
    assert_eq!(format!("{:?}", v.lb), format!("{lb_row:?}"));
    let sn = subnet::subnet_view_by_id(&db, s.id).await.unwrap();
    assert_eq!(format!("{:?}", v.subnet.0), format!("{sn:?}"));
    let li = listener::listener_view(&db, lb, "default").await.unwrap();
    assert_eq!(format!("{:?}", v.listener.unwrap().0), format!("{li:?}"));
    let po = pool::pool_view(&db, lb, "default").await.unwrap();
    assert_eq!(format!("{:?}", v.pool.unwrap().0), format!("{po:?}"));
    let members = member::member_list_all(&db, pl.id).await.unwrap();
    assert_eq!(format!("{:?}", v.members.0), format!("{members:?}"));
    let addrs: Vec<_> = v.members.0.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(addrs, ["10.0.0.9", "10.0.0.10", "10.0.0.200"]);
    let all = PageReq::parse(Some(1000), None).unwrap();
    let nodes = node::node_list(&db, lb, all).await.unwrap();
    assert_eq!(nodes.len(), 2);
    assert!(nodes.iter().all(|n| n.last_heartbeat.is_some()));
    assert_eq!(format!("{:?}", v.nodes.0), format!("{nodes:?}"));

    // A miss is a miss, by any key.
    assert!(by("demo", "nope".into()).await.is_err());
    assert!(by("other", "web".into()).await.is_err());
    assert!(by("demo", uuid::Uuid::new_v4().to_string()).await.is_err());
}
