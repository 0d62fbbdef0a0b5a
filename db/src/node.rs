//! Nodes (LB VMs). Written by the controller and healthcheckd; read-only through the API.

use chrono::{DateTime, Utc};
use lbaas_common::types::{LoadBalancerId, Node, NodeId, NodeStatus, TenantId, Utilization};
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{internal, parse_enum};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct NodeRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub hypervisor_id: Uuid,
    pub name: String,
    pub vip: Option<String>,
    pub status: String,
    pub utilization: String,
    pub cpu: f64,
    pub requests_per_second: f64,
    pub active_connections: i64,
    pub status_reason: String,
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// The config generation its agent acknowledged.
    pub config_generation: i64,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<NodeRow> for Node {
    fn from(r: NodeRow) -> Self {
        Node {
            id: NodeId(r.id),
            tenant_id: TenantId(r.tenant_id),
            load_balancer_id: LoadBalancerId(r.load_balancer_id),
            name: r.name,
            vip: r.vip,
            status: parse_enum::<NodeStatus>(&r.status),
            utilization: parse_enum::<Utilization>(&r.utilization),
            cpu: r.cpu,
            requests_per_second: r.requests_per_second,
            active_connections: r.active_connections,
            status_reason: r.status_reason,
            last_heartbeat: r.last_heartbeat,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) const COLS: &str = "id, tenant_id, load_balancer_id, hypervisor_id, name, host(vip) AS vip, status, utilization, \
                    cpu::float8 AS cpu, requests_per_second::float8 AS requests_per_second, \
                    active_connections, status_reason, last_heartbeat, config_generation, generation, created_at, \
                    updated_at";

pub async fn node_view(db: impl PgExecutor<'_>, lb: Uuid, key: &str) -> Result<NodeRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM node WHERE load_balancer_id = $1 AND (id::text = $2 OR name = $2)"
    ))
    .bind(lb)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view node"))?
    .ok_or_else(|| Error::not_found("node", key))
}

pub async fn node_list(db: impl PgExecutor<'_>, lb: Uuid, page: PageReq) -> Result<Vec<NodeRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM node WHERE load_balancer_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    ))
    .bind(lb)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list nodes"))
}

/// A node as the controller sees it: with its load balancer's placement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodePlacement {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub hypervisor_id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub vip: Option<String>,
    pub project_ip: Option<String>,
    pub project_prefix: Option<i32>,
    pub status: String,
    pub config_generation: i64,
    /// Seconds since the row was made (for the build timeout), read with the row.
    pub age_seconds: f64,
    /// Seconds since the status last changed (grace and drain periods).
    pub status_age_seconds: f64,
}

const PLACEMENT: &str =
    "SELECT n.id, n.tenant_id, n.load_balancer_id, n.hypervisor_id, lb.project_id, n.name, \
    host(n.vip) AS vip, host(n.project_ip) AS project_ip, \
    masklen(s.cidr) AS project_prefix, n.status, n.config_generation, \
    extract(epoch FROM now() - n.created_at)::float8 AS age_seconds, \
    extract(epoch FROM now() - n.status_changed_at)::float8 AS status_age_seconds \
    FROM node n JOIN load_balancer lb ON lb.id = n.load_balancer_id \
    LEFT JOIN subnet s ON s.id = n.subnet_id";

/// The nodes of these load balancers (not DELETED): a change-driven pass's view.
pub async fn node_list_placements_of(
    db: impl PgExecutor<'_>,
    lbs: &[Uuid],
) -> Result<Vec<NodePlacement>> {
    sqlx::query_as(&format!(
        "{PLACEMENT} WHERE n.load_balancer_id = ANY($1) AND n.status <> 'DELETED' \
         ORDER BY n.created_at"
    ))
    .bind(lbs)
    .fetch_all(db)
    .await
    .map_err(internal("list node placements"))
}

/// Every node that should exist in the world (not DELETED), across tenants.
pub async fn node_list_placements(db: impl PgExecutor<'_>) -> Result<Vec<NodePlacement>> {
    sqlx::query_as(&format!("{PLACEMENT} WHERE n.status <> 'DELETED' ORDER BY n.created_at"))
        .fetch_all(db)
        .await
        .map_err(internal("list node placements"))
}

/// Creates a node row on `hypervisor` with a VIP from `vip_pool` and an address in the load balancer's subnet,
/// both allocated here. The VIP is the one after the highest in use (one index probe, where a
/// lowest-free scan cost a probe per VIP in use: quadratic over a fleet); only when that reaches
/// the end of the pool is the lowest free one taken (from .10 up: the bottom of the pool is for
/// the public bridge and clients). So a freed VIP is not handed out again soon, which also keeps
/// a resolver's cached answer from reaching another load balancer. The subnet address is the
/// highest free one that is neither the gateway nor a member. The unique indexes make a
/// concurrent allocation fail rather than collide; the caller retries on the next pass.
pub async fn node_create(
    db: impl PgExecutor<'_>,
    id: Uuid,
    lb: Uuid,
    name: &str,
    vip_pool: &ipnet::IpNet,
    hypervisor: Uuid,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO node (id, tenant_id, load_balancer_id, hypervisor_id, name, subnet_id, vip, project_ip) \
         SELECT $1, lb.tenant_id, lb.id, $5, $3, lb.subnet_id, \
           coalesce( \
             (SELECT max(x.vip) + 1 FROM node x WHERE x.vip << $4::cidr \
                HAVING max(x.vip) + 1 < set_masklen(broadcast($4::cidr), 32)), \
             (SELECT set_masklen(network($4::cidr)::inet, 32) + o \
                FROM generate_series(10, (2 ^ (32 - masklen($4::cidr)))::bigint - 2) o \
                WHERE NOT EXISTS (SELECT 1 FROM node x \
                                  WHERE x.vip = set_masklen(network($4::cidr)::inet, 32) + o) LIMIT 1)), \
           (SELECT h.a FROM (SELECT set_masklen(broadcast(s.cidr), \
                               CASE family(s.cidr) WHEN 4 THEN 32 ELSE 128 END) - o AS a \
                             FROM generate_series(1, 1000) o) h \
              WHERE h.a > network(s.cidr) AND h.a <> s.gateway \
                AND NOT EXISTS (SELECT 1 FROM node x WHERE x.subnet_id = s.id AND x.project_ip = h.a) \
                AND NOT EXISTS (SELECT 1 FROM member m JOIN pool p ON p.id = m.pool_id \
                                JOIN load_balancer l2 ON l2.id = p.load_balancer_id \
                                WHERE l2.subnet_id = s.id AND m.address = h.a) \
              LIMIT 1) \
         FROM load_balancer lb JOIN subnet s ON s.id = lb.subnet_id WHERE lb.id = $2",
    )
    .bind(id)
    .bind(lb)
    .bind(name)
    .bind(vip_pool.to_string())
    .bind(hypervisor)
    .execute(db)
    .await
    .map_err(internal("create node"))?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("load balancer", lb));
    }
    Ok(())
}

pub async fn node_set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: NodeStatus,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE node SET status = $2, status_reason = $3, generation = generation + 1, \
         status_changed_at = now(), updated_at = now() WHERE id = $1 AND status <> $2",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(reason)
    .execute(db)
    .await
    .map_err(internal("set node status"))?;
    Ok(())
}

/// Records why a node is not progressing (a failed domain start, say) without changing its
/// status; written only when the text changes, so a failure repeated every pass costs nothing.
pub async fn node_set_reason(db: impl PgExecutor<'_>, id: Uuid, reason: &str) -> Result<()> {
    sqlx::query("UPDATE node SET status_reason = $2 WHERE id = $1 AND status_reason <> $2")
        .bind(id)
        .bind(reason)
        .execute(db)
        .await
        .map_err(internal("set node reason"))?;
    Ok(())
}

/// Moves a node to `to` only if it is in `from` now: the controller and healthcheckd both
/// write node status, and neither may undo a step the other took meanwhile (healthcheckd must
/// not bring back a node the controller is draining). True when the row changed.
pub async fn node_transition(
    db: impl PgExecutor<'_>,
    id: Uuid,
    from: NodeStatus,
    to: NodeStatus,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE node SET status = $3, status_reason = $4, generation = generation + 1, \
         status_changed_at = now(), updated_at = now() WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(reason)
    .execute(db)
    .await
    .map_err(internal("node transition"))?;
    Ok(done.rows_affected() > 0)
}

/// The agent acknowledged config `generation`.
pub async fn node_set_config_generation(
    db: impl PgExecutor<'_>,
    id: Uuid,
    generation: i64,
) -> Result<()> {
    sqlx::query("UPDATE node SET config_generation = $2 WHERE id = $1 AND config_generation <> $2")
        .bind(id)
        .bind(generation)
        .execute(db)
        .await
        .map_err(internal("set node config generation"))?;
    Ok(())
}

/// The load figures of an agent's latest heartbeat.
#[derive(Debug, Clone, Copy, Default)]
pub struct Load {
    pub cpu: f64,
    pub requests_per_second: f64,
    pub active_connections: u64,
}

pub async fn node_heartbeat(
    db: impl PgExecutor<'_>,
    id: Uuid,
    utilization: Utilization,
    load: Load,
) -> Result<()> {
    sqlx::query(
        "UPDATE node SET last_heartbeat = now(), utilization = $2, cpu = $3, \
         requests_per_second = $4, active_connections = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(utilization.as_str())
    .bind(load.cpu as f32)
    .bind(load.requests_per_second as f32)
    .bind(load.active_connections.min(i64::MAX as u64) as i64)
    .execute(db)
    .await
    .map_err(internal("record heartbeat"))?;
    Ok(())
}

pub async fn node_delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM node WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete node"))?;
    Ok(())
}

/// Every node that is not DELETED, oldest first: a reconcile pass reads them once, not once per
/// load balancer (a quiet pass must not cost a query per load balancer).
pub async fn node_list_live_all(db: impl PgExecutor<'_>) -> Result<Vec<NodeRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM node WHERE status <> 'DELETED' ORDER BY created_at"
    ))
    .fetch_all(db)
    .await
    .map_err(internal("list live nodes"))
}

/// [`node_list_live_all`] for these load balancers only.
pub async fn node_list_live_of(db: impl PgExecutor<'_>, lbs: &[Uuid]) -> Result<Vec<NodeRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM node WHERE load_balancer_id = ANY($1) AND status <> 'DELETED' \
         ORDER BY created_at"
    ))
    .bind(lbs)
    .fetch_all(db)
    .await
    .map_err(internal("list live nodes"))
}

/// Nodes of one load balancer that are not DELETED.
pub async fn node_list_live(db: impl PgExecutor<'_>, lb: Uuid) -> Result<Vec<NodeRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM node WHERE load_balancer_id = $1 AND status <> 'DELETED' ORDER BY created_at"
    ))
    .bind(lb)
    .fetch_all(db)
    .await
    .map_err(internal("list live nodes"))
}
