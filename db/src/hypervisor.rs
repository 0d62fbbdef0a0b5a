//! Compute hosts (ARCHITECTURE §14). One row (`local`, `qemu:///system`) by default; an
//! operator adds more through the admin API; nodes and spares reference the host they run on.

use chrono::{DateTime, Utc};
use lbaas_common::error::Code;
use lbaas_common::types::{FleetNode, Hypervisor, HypervisorState, NodeId, SpareNode};
use lbaas_common::{Error, Result};
use sqlx::types::Json;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{internal, parse_enum};

/// The row every database starts with: `local`, `qemu:///system` (migration 0001).
pub const LOCAL: Uuid = Uuid::from_u128(1);

/// How recently a hypervisor's controller must have listed its domains for placement to use
/// it. The controller lists on every pass (at least every `--period`, 10 s by default) and
/// records it at most every [`SEEN_EVERY`].
pub const SEEN_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);
pub const SEEN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// SQL: hypervisor `h` was reached within [`SEEN_WITHIN`] (never: not reached).
fn reached_sql() -> String {
    format!("coalesce(h.seen_at > now() - make_interval(secs => {}), false)", SEEN_WITHIN.as_secs())
}

/// A compute host by name: its id and libvirt URI.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HypervisorRef {
    pub id: Uuid,
    pub name: String,
    pub uri: String,
}

pub async fn hypervisor_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<HypervisorRef>> {
    sqlx::query_as("SELECT id, name, uri FROM hypervisor WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
        .map_err(internal("view hypervisor"))
}

#[derive(Debug, sqlx::FromRow)]
pub struct HypervisorRow {
    pub id: Uuid,
    pub name: String,
    pub uri: String,
    pub capacity_nodes: i32,
    pub state: String,
    pub reachable: bool,
    pub seen_at: Option<DateTime<Utc>>,
    pub nodes: i64,
    pub spare_nodes: Json<Vec<SpareNode>>,
    pub created_at: DateTime<Utc>,
}

impl From<HypervisorRow> for Hypervisor {
    fn from(r: HypervisorRow) -> Self {
        Hypervisor {
            id: r.id,
            name: r.name,
            uri: r.uri,
            capacity_nodes: r.capacity_nodes,
            state: parse_enum::<HypervisorState>(&r.state),
            reachable: r.reachable,
            seen_at: r.seen_at,
            nodes: r.nodes,
            spare_nodes: r.spare_nodes.0,
            created_at: r.created_at,
        }
    }
}

fn select(filter: &str) -> String {
    format!(
        "SELECT h.id, h.name, h.uri, h.capacity_nodes, h.state, h.seen_at, h.created_at, \
           {reached} AS reachable, \
           (SELECT count(*) FROM node n WHERE n.hypervisor_id = h.id \
              AND n.status NOT IN ('DELETED', 'FAILED')) AS nodes, \
           coalesce((SELECT json_agg(json_build_object('name', s.name, 'created_at', s.created_at) \
             ORDER BY s.created_at) FROM spare_node s WHERE s.hypervisor_id = h.id), '[]'::json) \
             AS spare_nodes \
         FROM hypervisor h {filter}",
        reached = reached_sql()
    )
}

/// Hypervisors with their node counts and warm pools, one query.
pub async fn hypervisor_list(db: impl PgExecutor<'_>, page: PageReq) -> Result<Vec<HypervisorRow>> {
    sqlx::query_as(&select("WHERE ($1::uuid IS NULL OR h.id > $1) ORDER BY h.id LIMIT $2"))
        .bind(page.after)
        .bind(page.fetch())
        .fetch_all(db)
        .await
        .map_err(internal("list hypervisors"))
}

/// By name or id.
pub async fn hypervisor_view(db: impl PgExecutor<'_>, key: &str) -> Result<HypervisorRow> {
    sqlx::query_as(&select("WHERE h.id::text = $1 OR h.name = $1"))
        .bind(key)
        .fetch_optional(db)
        .await
        .map_err(internal("view hypervisor"))?
        .ok_or_else(|| Error::not_found("hypervisor", key))
}

pub async fn hypervisor_create(
    db: impl PgExecutor<'_>,
    name: &str,
    uri: &str,
    capacity_nodes: i32,
    state: HypervisorState,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let r = sqlx::query(
        "INSERT INTO hypervisor (id, name, uri, capacity_nodes, state) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(uri)
    .bind(capacity_nodes)
    .bind(state.as_str())
    .execute(db)
    .await
    .map_err(internal("create hypervisor"))?;
    if r.rows_affected() == 0 {
        return Err(Error::AlreadyExists { kind: "hypervisor", name: name.to_string() });
    }
    Ok(id)
}

/// Absent fields keep their value.
pub async fn hypervisor_update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    uri: Option<&str>,
    capacity_nodes: Option<i32>,
    state: Option<HypervisorState>,
) -> Result<()> {
    sqlx::query(
        "UPDATE hypervisor SET uri = coalesce($2, uri), \
           capacity_nodes = coalesce($3, capacity_nodes), state = coalesce($4, state), \
           generation = generation + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(uri)
    .bind(capacity_nodes)
    .bind(state.map(|s| s.as_str()))
    .execute(db)
    .await
    .map_err(internal("update hypervisor"))?;
    Ok(())
}

/// Only an empty hypervisor goes: no node holding a VM and no spare on it (drain it first; a
/// DRAINING or DISABLED one keeps no warm pool). FAILED node rows there (they hold no VM; an
/// ERROR load balancer keeps them to show why) go with it. Call it in a transaction.
pub async fn hypervisor_delete(db: &mut sqlx::PgConnection, id: Uuid, name: &str) -> Result<()> {
    // The hypervisor's row first, locked: a node placed meanwhile waits for the answer.
    sqlx::query("SELECT 1 FROM hypervisor WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *db)
        .await
        .map_err(internal("lock hypervisor"))?;
    let busy: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM node WHERE hypervisor_id = $1 AND status <> 'FAILED') \
             OR EXISTS (SELECT 1 FROM spare_node WHERE hypervisor_id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *db)
    .await
    .map_err(internal("check hypervisor"))?;
    if !busy {
        sqlx::query("DELETE FROM node WHERE hypervisor_id = $1 AND status = 'FAILED'")
            .bind(id)
            .execute(&mut *db)
            .await
            .map_err(internal("delete failed nodes"))?;
    }
    let r = sqlx::query("DELETE FROM hypervisor WHERE id = $1 AND NOT $2")
        .bind(id)
        .bind(busy)
        .execute(&mut *db)
        .await
        .map_err(internal("delete hypervisor"))?;
    if r.rows_affected() == 0 {
        return Err(Error::conflict(
            Code::InUse,
            format!(
                "hypervisor {name} still has nodes or spares: set its state to DRAINING, wait \
                 until it shows 0 nodes and no spare, then delete it"
            ),
        ));
    }
    Ok(())
}

/// Its controller listed its domains just now.
pub async fn hypervisor_seen(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query("UPDATE hypervisor SET seen_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("record hypervisor seen"))?;
    Ok(())
}

/// Whether any node of a serving load balancer runs on a hypervisor it must leave (DRAINING,
/// or not reached within [`SEEN_WITHIN`]): then a change-driven pass widens to a full one.
/// Index lookups only. (An ERROR load balancer's nodes stay until it is fixed or deleted.)
pub async fn hypervisor_evacuating(db: impl PgExecutor<'_>) -> Result<bool> {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM hypervisor h \
           WHERE (h.state = 'DRAINING' \
                  OR NOT {reached}) \
             AND EXISTS (SELECT 1 FROM node n JOIN load_balancer lb ON lb.id = n.load_balancer_id \
                           WHERE n.hypervisor_id = h.id AND n.status IN ('BUILDING', 'ACTIVE') \
                             AND lb.provisioning_status IN \
                               ('PENDING_CREATE', 'PENDING_UPDATE', 'ACTIVE')))",
        reached = reached_sql()
    ))
    .fetch_one(db)
    .await
    .map_err(internal("look for hypervisors to leave"))
}

/// Rows of nodes that can no longer be removed by their own controller: on a hypervisor not
/// reached within [`SEEN_WITHIN`] (its host is gone, or its libvirtd), in SUNDOWN, DOWN or
/// BUILDING for longer than `after` (the time their controller had to finish). They hold
/// nothing a client reaches (out of DNS), and their VMs, if the host comes back, are collected
/// there as unowned. `with_down`: DOWN ones too (not while the failover breaker holds them).
pub async fn nodes_abandoned_delete(
    db: impl PgExecutor<'_>,
    after: std::time::Duration,
    with_down: bool,
) -> Result<Vec<AbandonedNode>> {
    sqlx::query_as(&format!(
        "DELETE FROM node n USING hypervisor h \
          WHERE h.id = n.hypervisor_id \
            AND NOT {reached} \
            AND (n.status IN ('SUNDOWN', 'BUILDING') OR ($2 AND n.status = 'DOWN')) \
            AND n.status_changed_at < now() - make_interval(secs => $1) \
          RETURNING n.id, n.tenant_id, n.load_balancer_id, n.name, h.name AS hypervisor",
        reached = reached_sql()
    ))
    .bind(after.as_secs_f64())
    .bind(with_down)
    .fetch_all(db)
    .await
    .map_err(internal("delete abandoned nodes"))
}

#[derive(Debug, sqlx::FromRow)]
pub struct AbandonedNode {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub name: String,
    pub hypervisor: String,
}

/// What placement reads of each hypervisor, one query per pass.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HypervisorLoad {
    pub id: Uuid,
    pub name: String,
    pub state: String,
    pub capacity_nodes: i32,
    pub reachable: bool,
    /// Nodes that hold a VM (not DELETED or FAILED) and spares.
    pub used: i64,
}

/// `usage`: count each one's nodes and spares (`used`); without, `used` is 0 and the query
/// reads the hypervisor rows alone (states, for which nodes must leave).
pub async fn hypervisor_loads(db: impl PgExecutor<'_>, usage: bool) -> Result<Vec<HypervisorLoad>> {
    let used = match usage {
        true => {
            "(SELECT count(*) FROM node n WHERE n.hypervisor_id = h.id \
               AND n.status NOT IN ('DELETED', 'FAILED')) \
             + (SELECT count(*) FROM spare_node s WHERE s.hypervisor_id = h.id)"
        }
        false => "0::bigint",
    };
    sqlx::query_as(&format!(
        "SELECT h.id, h.name, h.state, h.capacity_nodes, \
           {reached} AS reachable, \
           {used} AS used \
         FROM hypervisor h ORDER BY h.name",
        reached = reached_sql()
    ))
    .fetch_all(db)
    .await
    .map_err(internal("read hypervisor loads"))
}

#[derive(Debug, sqlx::FromRow)]
pub struct FleetNodeRow {
    pub id: Uuid,
    pub name: String,
    pub tenant: String,
    pub project: String,
    pub load_balancer: String,
    pub hypervisor: String,
    pub status: String,
    pub vip: Option<String>,
    pub utilization: String,
    pub requests_per_second: f64,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub status_reason: String,
}

impl From<FleetNodeRow> for FleetNode {
    fn from(r: FleetNodeRow) -> Self {
        FleetNode {
            id: NodeId(r.id),
            name: r.name,
            tenant: r.tenant,
            project: r.project,
            load_balancer: r.load_balancer,
            hypervisor: r.hypervisor,
            status: parse_enum(&r.status),
            vip: r.vip,
            utilization: parse_enum(&r.utilization),
            requests_per_second: r.requests_per_second,
            last_heartbeat: r.last_heartbeat,
            status_reason: r.status_reason,
        }
    }
}

/// Every node of every tenant, DELETED excluded (admin).
pub async fn node_list_fleet(db: impl PgExecutor<'_>, page: PageReq) -> Result<Vec<FleetNodeRow>> {
    sqlx::query_as(
        "SELECT n.id, n.name, t.name AS tenant, p.name AS project, lb.name AS load_balancer, \
           h.name AS hypervisor, n.status, host(n.vip) AS vip, n.utilization, \
           n.requests_per_second::float8 AS requests_per_second, n.last_heartbeat, n.status_reason \
         FROM node n JOIN load_balancer lb ON lb.id = n.load_balancer_id \
           JOIN project p ON p.id = lb.project_id JOIN tenant t ON t.id = lb.tenant_id \
           JOIN hypervisor h ON h.id = n.hypervisor_id \
         WHERE n.status <> 'DELETED' AND ($1::uuid IS NULL OR n.id > $1) ORDER BY n.id LIMIT $2",
    )
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list every node"))
}
