//! The zone serial's first publication by two replicas at once.

use std::time::Duration;

use lbaas_db::{dns, testing};

/// Replica A has inserted the zone's first row and not committed yet; replica B's upsert waits
/// for it, then finds the same hash (nothing to update) and a snapshot from before A's row.
/// B must still answer A's serial, not fail: a failed first publication stops its DNS server.
#[tokio::test]
async fn a_replica_racing_the_first_publication_reads_the_winners_serial() {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    let db = testing::fresh_database(&url).await.unwrap().0;
    let hash = dns::dns_records_hash("a.test. 60 IN A 198.18.0.10\n");
    let mut a = db.begin().await.unwrap();
    sqlx::query("INSERT INTO dns_zone (name, serial, records_hash) VALUES ('test.', 1, $1)")
        .bind(&hash)
        .execute(&mut *a)
        .await
        .unwrap();
    let b = tokio::spawn({
        let (db, hash) = (db.clone(), hash.clone());
        async move { dns::dns_zone_advance(&db, "test.", &hash).await }
    });
    // Commit only once B waits on A's row lock: that is the interleaving that raced.
    let mut waited = false;
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
             AND query LIKE '%INSERT INTO dns_zone%' AND datname = current_database()",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        if n > 0 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(waited, "replica B never waited on A's row");
    a.commit().await.unwrap();
    assert_eq!(b.await.unwrap().unwrap(), 1, "B answers the serial A published");
    assert_eq!(
        dns::dns_zone_advance(&db, "test.", &hash).await.unwrap(),
        1,
        "same hash, same serial"
    );
}
