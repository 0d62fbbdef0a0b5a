//! Pools and their health monitor (1:1, so the monitor's columns live in the pool row).

use chrono::{DateTime, Utc};
use lbaas_common::types::{
    Algorithm, HealthMonitor, LoadBalancerId, Pool, PoolId, Protocol, TenantId,
};
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, parse_enum, Ctx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PoolRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub name: String,
    pub protocol: String,
    pub algorithm: String,
    pub hm_protocol: Option<String>,
    pub hm_port: Option<i32>,
    pub hm_path: Option<String>,
    pub hm_interval: Option<i32>,
    pub hm_timeout: Option<i32>,
    pub hm_rise: Option<i32>,
    pub hm_fall: Option<i32>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PoolRow {
    pub fn health_monitor(&self) -> Option<HealthMonitor> {
        Some(HealthMonitor {
            protocol: parse_enum(self.hm_protocol.as_deref()?),
            port: self.hm_port,
            path: self.hm_path.clone(),
            interval: self.hm_interval?,
            timeout: self.hm_timeout?,
            health_threshold: self.hm_rise?,
            unhealth_threshold: self.hm_fall?,
        })
    }
}

impl From<PoolRow> for Pool {
    fn from(r: PoolRow) -> Self {
        Pool {
            health_monitor: r.health_monitor(),
            id: PoolId(r.id),
            tenant_id: TenantId(r.tenant_id),
            load_balancer_id: LoadBalancerId(r.load_balancer_id),
            name: r.name,
            protocol: parse_enum::<Protocol>(&r.protocol),
            algorithm: parse_enum::<Algorithm>(&r.algorithm),
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) const COLS: &str =
    "id, tenant_id, load_balancer_id, name, protocol, algorithm, hm_protocol, \
                    hm_port, hm_path, hm_interval, hm_timeout, hm_rise, hm_fall, generation, \
                    created_at, updated_at";

#[allow(clippy::too_many_arguments)]
pub async fn pool_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    lb: Uuid,
    name: &str,
    protocol: Protocol,
    algorithm: Algorithm,
    hm: Option<&HealthMonitor>,
) -> Result<PoolRow> {
    sqlx::query_as(&format!(
        "INSERT INTO pool (id, tenant_id, load_balancer_id, name, protocol, algorithm, hm_protocol, \
           hm_port, hm_path, hm_interval, hm_timeout, hm_rise, hm_fall) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(lb)
    .bind(name)
    .bind(protocol.as_str())
    .bind(algorithm.as_str())
    .bind(hm.map(|h| h.protocol.as_str()))
    .bind(hm.and_then(|h| h.port))
    .bind(hm.and_then(|h| h.path.clone()))
    .bind(hm.map(|h| h.interval))
    .bind(hm.map(|h| h.timeout))
    .bind(hm.map(|h| h.health_threshold))
    .bind(hm.map(|h| h.unhealth_threshold))
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "pool", name }, e))
}

pub async fn pool_view(db: impl PgExecutor<'_>, lb: Uuid, key: &str) -> Result<PoolRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM pool WHERE load_balancer_id = $1 AND (name = $2 OR id::text = $2)"
    ))
    .bind(lb)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view pool"))?
    .ok_or_else(|| Error::not_found("pool", key))
}

pub async fn pool_list(db: impl PgExecutor<'_>, lb: Uuid, page: PageReq) -> Result<Vec<PoolRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM pool WHERE load_balancer_id = $1 \
         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(lb)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list pools"))
}

/// `hm`: `None` keeps the monitor, `Some(None)` removes it, `Some(Some(m))` replaces it.
pub async fn pool_update(
    db: impl PgExecutor<'_>,
    lb: Uuid,
    id: Uuid,
    generation: Option<i64>,
    algorithm: Option<Algorithm>,
    hm: Option<Option<&HealthMonitor>>,
) -> Result<PoolRow> {
    let set_hm = hm.is_some();
    let hm = hm.flatten();
    let row: Option<PoolRow> = sqlx::query_as(&format!(
        "UPDATE pool SET algorithm = coalesce($4, algorithm), \
           hm_protocol = CASE WHEN $5 THEN $6 ELSE hm_protocol END, \
           hm_port = CASE WHEN $5 THEN $7 ELSE hm_port END, \
           hm_path = CASE WHEN $5 THEN $8 ELSE hm_path END, \
           hm_interval = CASE WHEN $5 THEN $9 ELSE hm_interval END, \
           hm_timeout = CASE WHEN $5 THEN $10 ELSE hm_timeout END, \
           hm_rise = CASE WHEN $5 THEN $11 ELSE hm_rise END, \
           hm_fall = CASE WHEN $5 THEN $12 ELSE hm_fall END, \
           generation = generation + 1, updated_at = now() \
         WHERE load_balancer_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) \
         RETURNING {COLS}"
    ))
    .bind(lb)
    .bind(id)
    .bind(generation)
    .bind(algorithm.map(|a| a.as_str()))
    .bind(set_hm)
    .bind(hm.map(|h| h.protocol.as_str()))
    .bind(hm.and_then(|h| h.port))
    .bind(hm.and_then(|h| h.path.clone()))
    .bind(hm.map(|h| h.interval))
    .bind(hm.map(|h| h.timeout))
    .bind(hm.map(|h| h.health_threshold))
    .bind(hm.map(|h| h.unhealth_threshold))
    .fetch_optional(db)
    .await
    .map_err(internal("update pool"))?;
    row.ok_or_else(|| crate::stale("pool", id))
}

pub async fn pool_delete(db: impl PgExecutor<'_>, lb: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM pool WHERE load_balancer_id = $1 AND id = $2")
        .bind(lb)
        .bind(id)
        .execute(db)
        .await
        // An L7 policy forwarding to it holds it (foreign key): 409 in_use.
        .map_err(|e| db_err(Ctx { kind: "pool", name: &id.to_string() }, e))?;
    Ok(())
}

pub async fn pool_list_all(db: impl PgExecutor<'_>, lb: Uuid) -> Result<Vec<PoolRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM pool WHERE load_balancer_id = $1 ORDER BY name"))
        .bind(lb)
        .fetch_all(db)
        .await
        .map_err(internal("list pools"))
}

/// Pools with a health monitor, of load balancers not being deleted (what healthcheckd probes).
pub async fn pool_count_monitored(db: impl PgExecutor<'_>) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pool p JOIN load_balancer lb ON lb.id = p.load_balancer_id \
         WHERE p.hm_protocol IS NOT NULL AND lb.provisioning_status <> 'PENDING_DELETE'",
    )
    .fetch_one(db)
    .await
    .map_err(internal("count monitored pools"))?;
    Ok(n)
}
