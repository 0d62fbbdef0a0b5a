//! Queries of the DNS publisher (the `lbaas-dns` crate): the records to serve and the zone's
//! persisted SOA serial.
//!
//! What is published is decided here, in SQL, so it has one definition: an address per node that
//! is `ACTIVE` and has a VIP, of a load balancer that is not being deleted. The serial lives in
//! `dns_zone` (migration 0002) and only grows: [`dns_zone_advance`] bumps it in the same statement
//! that compares the record set's hash, so concurrent replicas and restarts cannot move it back.

use lbaas_common::Result;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;

use crate::internal;

/// One published address: `<lb>.<project>.<tenant>.<zone>` → `vip`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DnsAddressRow {
    pub load_balancer: String,
    pub project: String,
    pub tenant: String,
    /// `host(vip)`: the address without its prefix length.
    pub vip: String,
}

/// One listener of a load balancer that has at least one published address.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DnsListenerRow {
    pub load_balancer: String,
    pub project: String,
    pub tenant: String,
    pub protocol: String,
    pub port: i32,
}

/// Every address to publish, in a stable order (the caller hashes what it builds from them).
pub async fn dns_address_list(db: impl PgExecutor<'_>) -> Result<Vec<DnsAddressRow>> {
    sqlx::query_as(
        "SELECT lb.name AS load_balancer, p.name AS project, t.name AS tenant, host(n.vip) AS vip
           FROM node n
           JOIN load_balancer lb ON lb.id = n.load_balancer_id
           JOIN project p ON p.id = lb.project_id
           JOIN tenant t ON t.id = lb.tenant_id
          WHERE n.status = 'ACTIVE' AND n.vip IS NOT NULL
            AND lb.provisioning_status <> 'PENDING_DELETE'
          ORDER BY t.name, p.name, lb.name, n.vip",
    )
    .fetch_all(db)
    .await
    .map_err(internal("list DNS addresses"))
}

/// The listeners of the load balancers [`dns_address_list`] publishes (a TXT record each). Load
/// balancers without an address are left out so that their name stays NXDOMAIN.
pub async fn dns_listener_list(db: impl PgExecutor<'_>) -> Result<Vec<DnsListenerRow>> {
    sqlx::query_as(
        "SELECT lb.name AS load_balancer, p.name AS project, t.name AS tenant, l.protocol, l.port
           FROM listener l
           JOIN load_balancer lb ON lb.id = l.load_balancer_id
           JOIN project p ON p.id = lb.project_id
           JOIN tenant t ON t.id = lb.tenant_id
          WHERE lb.provisioning_status <> 'PENDING_DELETE'
            AND EXISTS (SELECT 1 FROM node n WHERE n.load_balancer_id = lb.id
                           AND n.status = 'ACTIVE' AND n.vip IS NOT NULL)
          ORDER BY t.name, p.name, lb.name, l.port",
    )
    .fetch_all(db)
    .await
    .map_err(internal("list DNS listeners"))
}

/// The hash [`dns_zone_advance`] compares: SHA-256 of the record set's canonical text, hex. Computed
/// here rather than in SQL so a large zone's text does not travel to PostgreSQL on every reload;
/// it is deterministic, so every replica computes the same hash for the same records.
pub fn dns_records_hash(canonical_text: &str) -> String {
    hex::encode(Sha256::digest(canonical_text.as_bytes()))
}

/// Records that `zone` now serves the record set hashed to `records_hash` (see
/// [`dns_records_hash`]) and returns the serial that describes it. The serial is incremented only
/// when the hash differs from the stored one, in the same statement as the comparison, so it grows
/// on every change and never goes back (two replicas with the same view agree on the serial; with
/// different views each change still moves it forward).
pub async fn dns_zone_advance(db: &sqlx::PgPool, zone: &str, records_hash: &str) -> Result<i64> {
    // The CTE's upsert returns nothing when the hash is unchanged (DO UPDATE ... WHERE false); the
    // second branch then reads the current serial from the statement's snapshot, which holds the
    // row unless another replica created it after that snapshot was taken (only possible on the
    // zone's very first publication: the upsert waited for the other's commit, found the same
    // hash, and the snapshot predates that row). A second statement has a fresh snapshot that
    // sees it. Without the retry, replicas started together on a new database raced here, and
    // the loser's first publication failed its DNS server's start (seen in the replicas test).
    for _ in 0..2 {
        let serial: Option<i64> = sqlx::query_scalar(
            "WITH up AS (
                    INSERT INTO dns_zone (name, serial, records_hash) VALUES ($1, 1, $2)
                    ON CONFLICT (name) DO UPDATE
                       SET serial = dns_zone.serial + 1, records_hash = EXCLUDED.records_hash,
                           updated_at = now()
                     WHERE dns_zone.records_hash <> EXCLUDED.records_hash
                    RETURNING serial)
             SELECT serial FROM up
             UNION ALL
             SELECT serial FROM dns_zone WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM up)",
        )
        .bind(zone)
        .bind(records_hash)
        .fetch_optional(db)
        .await
        .map_err(internal("advance DNS zone serial"))?;
        if let Some(s) = serial {
            return Ok(s);
        }
    }
    Err(lbaas_common::Error::internal(
        "advance DNS zone serial",
        format!("no dns_zone row for {zone} after the upsert, read twice"),
    ))
}

/// The stored serial of `zone`, if it was ever published.
pub async fn dns_zone_view(db: impl PgExecutor<'_>, zone: &str) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT serial FROM dns_zone WHERE name = $1")
        .bind(zone)
        .fetch_optional(db)
        .await
        .map_err(internal("view DNS zone"))
}

/// Addresses and listeners read in one REPEATABLE READ, READ ONLY transaction, so the TXT records
/// and the addresses describe the same moment.
pub async fn dns_snapshot_list(
    db: &sqlx::PgPool,
) -> Result<(Vec<DnsAddressRow>, Vec<DnsListenerRow>)> {
    let mut tx = db.begin().await.map_err(internal("begin DNS snapshot"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(internal("set DNS snapshot isolation"))?;
    let addresses = dns_address_list(&mut *tx).await?;
    let listeners = dns_listener_list(&mut *tx).await?;
    tx.commit().await.map_err(internal("end DNS snapshot"))?;
    Ok((addresses, listeners))
}

#[cfg(test)]
mod tests {
    use super::dns_records_hash;

    #[test]
    fn records_hash_is_stable_sha256_hex() {
        // Replicas and restarts rely on this never changing for the same text.
        assert_eq!(
            dns_records_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(dns_records_hash("a\n"), dns_records_hash("b\n"));
    }
}
