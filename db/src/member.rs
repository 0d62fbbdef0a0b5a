//! Pool members. The database refuses a member outside its load balancer's subnet
//! (`member_inside_subnet` trigger) and a duplicate address:port in one pool.

use chrono::{DateTime, Utc};
use lbaas_common::types::{Member, MemberId, MemberTraffic, OperatingStatus, PoolId, TenantId};
use lbaas_common::{Error, Result};
use sqlx::types::Json;
use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, parse_enum, Ctx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct MemberRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub pool_id: Uuid,
    pub address: String,
    pub port: i32,
    pub weight: i32,
    pub path: String,
    pub operating_status: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `member_stat`, when a node has reported on the member.
    pub traffic: Option<Json<MemberTraffic>>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            id: MemberId(r.id),
            tenant_id: TenantId(r.tenant_id),
            pool_id: PoolId(r.pool_id),
            address: r.address,
            port: r.port,
            weight: r.weight,
            path: r.path,
            operating_status: parse_enum::<OperatingStatus>(&r.operating_status),
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
            traffic: r.traffic.map(|t| t.0),
        }
    }
}

pub(crate) const COLS: &str =
    "id, tenant_id, pool_id, host(address) AS address, port, weight, path, \
     operating_status, generation, created_at, updated_at, \
     (SELECT row_to_json(st) FROM (SELECT requests, errors, active_connections, latency_p50_ms, \
        latency_p99_ms, seen_at AS last_seen FROM member_stat \
        WHERE member_stat.member_id = member.id) st) AS traffic";

pub async fn member_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    pool: Uuid,
    address: IpAddr,
    port: i32,
    weight: i32,
    path: &str,
) -> Result<MemberRow> {
    let label = format!("{address}:{port}");
    sqlx::query_as(&format!(
        "INSERT INTO member (id, tenant_id, pool_id, address, port, weight, path) \
         VALUES ($1, $2, $3, $4::inet, $5, $6, $7) RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(pool)
    .bind(address.to_string())
    .bind(port)
    .bind(weight)
    .bind(path)
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "member", name: &label }, e))
}

pub async fn member_view(db: impl PgExecutor<'_>, pool: Uuid, key: &str) -> Result<MemberRow> {
    sqlx::query_as(&format!("SELECT {COLS} FROM member WHERE pool_id = $1 AND id::text = $2"))
        .bind(pool)
        .bind(key)
        .fetch_optional(db)
        .await
        .map_err(internal("view member"))?
        .ok_or_else(|| Error::not_found("member", key))
}

pub async fn member_list_by_pool(
    db: impl PgExecutor<'_>,
    pool: Uuid,
    page: PageReq,
) -> Result<Vec<MemberRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM member WHERE pool_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    ))
    .bind(pool)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list members"))
}

/// Every member of a pool, for config building and the envelope's replace-all update.
pub async fn member_list_all(db: impl PgExecutor<'_>, pool: Uuid) -> Result<Vec<MemberRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM member WHERE pool_id = $1 ORDER BY member.address, member.port"
    ))
    .bind(pool)
    .fetch_all(db)
    .await
    .map_err(internal("list members"))
}

pub async fn member_update(
    db: impl PgExecutor<'_>,
    pool: Uuid,
    id: Uuid,
    generation: Option<i64>,
    weight: Option<i32>,
) -> Result<MemberRow> {
    let row: Option<MemberRow> = sqlx::query_as(&format!(
        "UPDATE member SET weight = coalesce($4, weight), generation = generation + 1, \
           updated_at = now() \
         WHERE pool_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) RETURNING {COLS}"
    ))
    .bind(pool)
    .bind(id)
    .bind(generation)
    .bind(weight)
    .fetch_optional(db)
    .await
    .map_err(internal("update member"))?;
    row.ok_or_else(|| crate::stale("member", id))
}

pub async fn member_delete(db: impl PgExecutor<'_>, pool: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM member WHERE pool_id = $1 AND id = $2")
        .bind(pool)
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete member"))?;
    Ok(())
}

/// One member's traffic as the controller sums it from the heartbeats.
pub struct MemberStat {
    pub member: Uuid,
    pub requests: i64,
    pub errors: i64,
    pub active_connections: i64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
}

/// Records the members' traffic, one statement for all. Members deleted meanwhile are skipped
/// (the join), so a late heartbeat never fails the batch.
pub async fn member_stat_upsert(db: impl PgExecutor<'_>, stats: &[MemberStat]) -> Result<()> {
    if stats.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&MemberStat) -> i64| stats.iter().map(f).collect::<Vec<i64>>();
    let ms = |f: fn(&MemberStat) -> f64| stats.iter().map(f).collect::<Vec<f64>>();
    sqlx::query(
        "INSERT INTO member_stat (member_id, requests, errors, active_connections, \
           latency_p50_ms, latency_p99_ms, seen_at) \
         SELECT u.id, u.requests, u.errors, u.active, u.p50, u.p99, now() \
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], \
           $6::float8[]) AS u(id, requests, errors, active, p50, p99) \
         JOIN member m ON m.id = u.id \
         ON CONFLICT (member_id) DO UPDATE SET requests = EXCLUDED.requests, \
           errors = EXCLUDED.errors, active_connections = EXCLUDED.active_connections, \
           latency_p50_ms = EXCLUDED.latency_p50_ms, latency_p99_ms = EXCLUDED.latency_p99_ms, \
           seen_at = EXCLUDED.seen_at",
    )
    .bind(stats.iter().map(|s| s.member).collect::<Vec<Uuid>>())
    .bind(col(|s| s.requests))
    .bind(col(|s| s.errors))
    .bind(col(|s| s.active_connections))
    .bind(ms(|s| s.latency_p50_ms))
    .bind(ms(|s| s.latency_p99_ms))
    .execute(db)
    .await
    .map_err(internal("record member traffic"))?;
    Ok(())
}
