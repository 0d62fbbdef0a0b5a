//! Load balancers: the API writes desired state (PENDING_*), the controller converges the world
//! and moves the status on. The API never sets ACTIVE.

use chrono::{DateTime, Utc};
use lbaas_common::types::{
    LoadBalancer, LoadBalancerId, OperatingStatus, ProjectId, Protocol, ProvisioningStatus,
    SubnetId, TenantId,
};
use lbaas_common::ErrorCode;
use lbaas_common::{lb_dns_name, lb_url, Error, Result};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::listener::{self, ListenerRow};
use crate::member::{self, MemberRow};
use crate::node::{self, NodeRow};
use crate::page::PageReq;
use crate::pool::{self, PoolRow};
use crate::subnet::{self, SubnetRow};
use crate::{db_err, internal, parse_enum, Ctx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoadBalancerRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub project_id: Uuid,
    pub subnet_id: Uuid,
    pub name: String,
    pub description: String,
    pub auto_scaling: bool,
    pub min_nodes: i32,
    pub max_nodes: i32,
    pub provisioning_status: String,
    pub operating_status: String,
    pub status_reason: String,
    pub generation: i64,
    /// Bumped by every member health transition (see `config_generation`).
    pub health_generation: i64,
    /// How many nodes should run: autoscale's decision clamped to min..max.
    pub desired_nodes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    // Joined, for the DNS name and URL.
    pub project_name: String,
    pub tenant_name: String,
    pub listener_protocol: Option<String>,
    pub listener_port: Option<i32>,
    pub vips: Vec<String>,
}

impl LoadBalancerRow {
    /// The generation of the agents' config: it moves with every user change and every member
    /// health transition, and never goes back (both terms only grow).
    pub fn config_generation(&self) -> u64 {
        (self.generation + self.health_generation) as u64
    }

    pub fn provisioning_status(&self) -> ProvisioningStatus {
        parse_enum(&self.provisioning_status)
    }

    pub fn dns_name(&self, zone: &str) -> String {
        lb_dns_name(&self.name, &self.project_name, &self.tenant_name, zone)
    }

    pub fn url(&self, zone: &str) -> String {
        let protocol = self.listener_protocol.as_deref().map(parse_enum::<Protocol>);
        lb_url(&self.dns_name(zone), protocol, self.listener_port)
    }

    pub fn into_view(self, zone: &str) -> LoadBalancer {
        LoadBalancer {
            dns_name: self.dns_name(zone),
            url: self.url(zone),
            id: LoadBalancerId(self.id),
            tenant_id: TenantId(self.tenant_id),
            project_id: ProjectId(self.project_id),
            subnet_id: SubnetId(self.subnet_id),
            provisioning_status: parse_enum(&self.provisioning_status),
            operating_status: parse_enum::<OperatingStatus>(&self.operating_status),
            name: self.name,
            description: self.description,
            vips: self.vips,
            auto_scaling: self.auto_scaling,
            min_nodes: self.min_nodes,
            max_nodes: self.max_nodes,
            desired_nodes: self.desired_nodes,
            status_reason: self.status_reason,
            generation: self.generation,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLS: &str = "lb.id, lb.tenant_id, lb.project_id, lb.subnet_id, lb.name, \
    lb.description, lb.auto_scaling, lb.min_nodes, lb.max_nodes, lb.provisioning_status, \
    lb.operating_status, lb.status_reason, lb.generation, lb.health_generation, \
    LEAST(GREATEST(coalesce(lb.desired_nodes, lb.min_nodes), lb.min_nodes), lb.max_nodes) \
      AS desired_nodes, lb.created_at, lb.updated_at, \
    p.name AS project_name, t.name AS tenant_name, \
    l1.protocol AS listener_protocol, l1.port AS listener_port, \
    ARRAY(SELECT host(n.vip) FROM node n WHERE n.load_balancer_id = lb.id \
       AND n.status = 'ACTIVE' AND n.vip IS NOT NULL ORDER BY n.vip) AS vips";

/// The first listener that serves (not one that only redirects to HTTPS) gives the URL its
/// scheme and port: one lateral lookup, not a subquery per column (each subplan costs executor
/// set-up at every call).
const FROM: &str = "FROM load_balancer lb JOIN project p ON p.id = lb.project_id \
    JOIN tenant t ON t.id = lb.tenant_id \
    LEFT JOIN LATERAL (SELECT l.protocol, l.port FROM listener l WHERE l.load_balancer_id = lb.id \
       ORDER BY l.redirect_https_port IS NOT NULL, l.created_at, l.port LIMIT 1) l1 ON true";

/// A key is a name or an id. Parsed here, so the query compares a uuid column with a uuid (an
/// index lookup) instead of casting every id to text.
fn key_id(key: &str) -> Option<Uuid> {
    Uuid::parse_str(key).ok()
}

pub struct LoadBalancerInsert<'a> {
    pub tenant: TenantId,
    pub project: ProjectId,
    pub subnet: SubnetId,
    pub name: &'a str,
    pub description: &'a str,
    pub auto_scaling: bool,
    pub min_nodes: i32,
    pub max_nodes: i32,
}

/// Checks the load-balancer and node quotas (the caller holds `tenant_lock`), then inserts in
/// PENDING_CREATE. Nodes count by `min_nodes`: what the controller will certainly build;
/// autoscale checks the quota again before it adds one.
pub async fn load_balancer_create(
    tx: &mut PgConnection,
    quota_lbs: i32,
    quota_nodes: i32,
    lb: LoadBalancerInsert<'_>,
) -> Result<Uuid> {
    let (count, nodes): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(min_nodes), 0)::bigint FROM load_balancer WHERE tenant_id = $1",
    )
    .bind(lb.tenant.0)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal("count load balancers"))?;
    if count >= i64::from(quota_lbs) {
        return Err(Error::QuotaExceeded {
            message: format!("load balancer quota of {quota_lbs} reached"),
        });
    }
    if nodes + i64::from(lb.min_nodes) > i64::from(quota_nodes) {
        return Err(Error::QuotaExceeded {
            message: format!(
                "node quota of {quota_nodes} reached ({nodes} in use, {} asked)",
                lb.min_nodes
            ),
        });
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name, description, \
           auto_scaling, min_nodes, max_nodes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(lb.tenant.0)
    .bind(lb.project.0)
    .bind(lb.subnet.0)
    .bind(lb.name)
    .bind(lb.description)
    .bind(lb.auto_scaling)
    .bind(lb.min_nodes)
    .bind(lb.max_nodes)
    .execute(&mut *tx)
    .await
    .map_err(|e| db_err(Ctx { kind: "load balancer", name: lb.name }, e))?;
    Ok(id)
}

pub async fn load_balancer_view(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: ProjectId,
    key: &str,
) -> Result<LoadBalancerRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} {FROM} WHERE lb.tenant_id = $1 AND lb.project_id = $2 \
         AND (lb.name = $3 OR lb.id = $4)"
    ))
    .bind(tenant.0)
    .bind(project.0)
    .bind(key)
    .bind(key_id(key))
    .fetch_optional(db)
    .await
    .map_err(internal("view load balancer"))?
    .ok_or_else(|| Error::not_found("load balancer", key))
}

/// Project (name, display name or id) and load balancer (name or id), both of this tenant.
const IN_PROJECT: &str = "WHERE p.tenant_id = $1 AND lb.tenant_id = $1 \
    AND (p.name = $2 OR p.display_name = $2 OR p.id = $4) AND (lb.name = $3 OR lb.id = $5)";

/// Project and load balancer resolved in one query: the hot path of every
/// load-balancer-scoped request.
pub async fn load_balancer_view_in_project(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project_key: &str,
    key: &str,
) -> Result<LoadBalancerRow> {
    let row: Option<LoadBalancerRow> =
        sqlx::query_as(&format!("SELECT {COLS} {FROM} {IN_PROJECT}"))
            .bind(tenant.0)
            .bind(project_key)
            .bind(key)
            .bind(key_id(project_key))
            .bind(key_id(key))
            .fetch_optional(db)
            .await
            .map_err(internal("view load balancer"))?;
    row.ok_or_else(|| Error::not_found("load balancer", key))
}

/// A load balancer with everything an instance shows (the envelope's `info`): its subnet, the
/// named listener and pool, the pool's members and the nodes. One query, one round trip: the
/// parts come back as JSON columns, decoded into the same rows the per-part queries return.
#[derive(Debug, sqlx::FromRow)]
pub struct InstanceRow {
    #[sqlx(flatten)]
    pub lb: LoadBalancerRow,
    pub subnet: Json<SubnetRow>,
    pub listener: Option<Json<ListenerRow>>,
    pub pool: Option<Json<PoolRow>>,
    pub members: Json<Vec<MemberRow>>,
    pub nodes: Json<Vec<NodeRow>>,
}

pub async fn instance_view_in_project(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project_key: &str,
    key: &str,
    listener: &str,
    pool: &str,
) -> Result<InstanceRow> {
    let (subnet, listener_cols, pool_cols) = (subnet::COLS, listener::COLS, pool::COLS);
    let (member, node) = (member::COLS, node::COLS);
    // Members in address order, as `member_list_all`; the qualified names sort by the inet
    // columns, not by the text the select list makes of them.
    let row: Option<InstanceRow> = sqlx::query_as(&format!(
        "SELECT {COLS}, \
           (SELECT row_to_json(s) FROM (SELECT {subnet} FROM subnet \
              WHERE subnet.id = lb.subnet_id) s) AS subnet, \
           (SELECT row_to_json(x) FROM (SELECT {listener_cols} FROM listener \
              WHERE listener.load_balancer_id = lb.id AND listener.name = $6) x) AS listener, \
           (SELECT row_to_json(x) FROM (SELECT {pool_cols} FROM pool \
              WHERE pool.load_balancer_id = lb.id AND pool.name = $7) x) AS pool, \
           (SELECT coalesce(json_agg(m), '[]'::json) FROM (SELECT {member} FROM member \
              WHERE member.pool_id = (SELECT pool.id FROM pool \
                WHERE pool.load_balancer_id = lb.id AND pool.name = $7) \
              ORDER BY member.address, member.port) m) AS members, \
           (SELECT coalesce(json_agg(x), '[]'::json) FROM (SELECT {node} FROM node \
              WHERE node.load_balancer_id = lb.id ORDER BY node.id) x) AS nodes \
         {FROM} {IN_PROJECT}"
    ))
    .bind(tenant.0)
    .bind(project_key)
    .bind(key)
    .bind(key_id(project_key))
    .bind(key_id(key))
    .bind(listener)
    .bind(pool)
    .fetch_optional(db)
    .await
    .map_err(internal("view instance"))?;
    row.ok_or_else(|| Error::not_found("load balancer", key))
}

pub async fn load_balancer_list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: ProjectId,
    page: PageReq,
) -> Result<Vec<LoadBalancerRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} {FROM} WHERE lb.tenant_id = $1 AND lb.project_id = $2 \
         AND ($3::uuid IS NULL OR lb.id > $3) ORDER BY lb.id LIMIT $4"
    ))
    .bind(tenant.0)
    .bind(project.0)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list load balancers"))
}

/// How many load balancers are in each provisioning state (metrics).
pub async fn load_balancer_count_by_status(db: impl PgExecutor<'_>) -> Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT provisioning_status, count(*) FROM load_balancer GROUP BY 1")
        .fetch_all(db)
        .await
        .map_err(internal("count load balancers by status"))
}

/// Load balancers in the given provisioning states, across tenants (for reconcilers).
pub async fn load_balancer_list_by_status(
    db: impl PgExecutor<'_>,
    statuses: &[ProvisioningStatus],
) -> Result<Vec<LoadBalancerRow>> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    sqlx::query_as(&format!(
        "SELECT {COLS} {FROM} WHERE lb.provisioning_status = ANY($1) ORDER BY lb.id"
    ))
    .bind(statuses)
    .fetch_all(db)
    .await
    .map_err(internal("list load balancers by status"))
}

/// The load balancers a change-driven pass looks at (ARCHITECTURE §14, "Quiet passes"): those
/// named by a change (`lbs`, or owning one of `nodes`), and those with work in flight (pending,
/// or with a node BUILDING, DOWN or SUNDOWN: the timer-driven states). Each branch is an index
/// lookup (migration 0012's partial indexes), so a quiet fleet costs nothing per load balancer.
pub async fn load_balancer_scope(
    db: impl PgExecutor<'_>,
    lbs: &[Uuid],
    nodes: &[Uuid],
) -> Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM load_balancer \
           WHERE provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE') \
         UNION SELECT id FROM load_balancer WHERE id = ANY($1) \
         UNION SELECT load_balancer_id FROM node WHERE status NOT IN ('ACTIVE', 'FAILED') \
         UNION SELECT load_balancer_id FROM node WHERE id = ANY($2)",
    )
    .bind(lbs)
    .bind(nodes)
    .fetch_all(db)
    .await
    .map_err(internal("scope load balancers"))
}

/// PENDING_DELETE load balancers: a literal status, so the partial index serves it.
pub async fn load_balancer_list_deleting(db: impl PgExecutor<'_>) -> Result<Vec<LoadBalancerRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} {FROM} WHERE lb.provisioning_status = 'PENDING_DELETE' ORDER BY lb.id"
    ))
    .fetch_all(db)
    .await
    .map_err(internal("list deleted load balancers"))
}

/// [`load_balancer_list_by_status`] among `ids`.
pub async fn load_balancer_list_of(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
    statuses: &[ProvisioningStatus],
) -> Result<Vec<LoadBalancerRow>> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    sqlx::query_as(&format!(
        "SELECT {COLS} {FROM} WHERE lb.id = ANY($2) AND lb.provisioning_status = ANY($1) \
         ORDER BY lb.id"
    ))
    .bind(statuses)
    .bind(ids)
    .fetch_all(db)
    .await
    .map_err(internal("list load balancers"))
}

pub struct LoadBalancerChange<'a> {
    pub generation: Option<i64>,
    pub description: Option<&'a str>,
    pub auto_scaling: Option<bool>,
    pub min_nodes: Option<i32>,
    pub max_nodes: Option<i32>,
}

/// Compare-and-set update. A provisioned load balancer goes to PENDING_UPDATE so the
/// controller pushes the change; one still PENDING_CREATE stays so.
pub async fn load_balancer_update(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: Uuid,
    change: LoadBalancerChange<'_>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE load_balancer SET description = coalesce($4, description), \
           auto_scaling = coalesce($5, auto_scaling), min_nodes = coalesce($6, min_nodes), \
           max_nodes = coalesce($7, max_nodes), \
           provisioning_status = CASE WHEN provisioning_status IN ('ACTIVE', 'ERROR') \
             THEN 'PENDING_UPDATE' ELSE provisioning_status END, \
           generation = generation + 1, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) \
           AND provisioning_status <> 'PENDING_DELETE'",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(change.generation)
    .bind(change.description)
    .bind(change.auto_scaling)
    .bind(change.min_nodes)
    .bind(change.max_nodes)
    .execute(db)
    .await
    .map_err(internal("update load balancer"))?;
    if done.rows_affected() == 0 {
        return Err(crate::stale("load balancer", id));
    }
    Ok(())
}

/// A child (listener, pool, member) changed: bump the generation so the controller pushes a new
/// config. Refused while the load balancer is being deleted.
pub async fn load_balancer_touch(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    let done = sqlx::query(
        "UPDATE load_balancer SET \
           provisioning_status = CASE WHEN provisioning_status IN ('ACTIVE', 'ERROR') \
             THEN 'PENDING_UPDATE' ELSE provisioning_status END, \
           generation = generation + 1, updated_at = now() \
         WHERE id = $1 AND provisioning_status <> 'PENDING_DELETE'",
    )
    .bind(id)
    .execute(db)
    .await
    .map_err(internal("touch load balancer"))?;
    if done.rows_affected() == 0 {
        return Err(Error::conflict(
            ErrorCode::Immutable,
            "the load balancer is being deleted and cannot change",
        ));
    }
    Ok(())
}

/// Marks for deletion; the controller tears down nodes, DNS and VIPs, then removes the rows.
/// Idempotent: deleting twice is fine.
pub async fn load_balancer_mark_deleted(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: Uuid,
) -> Result<()> {
    sqlx::query(
        "UPDATE load_balancer SET provisioning_status = 'PENDING_DELETE', \
           generation = generation + 1, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND provisioning_status <> 'PENDING_DELETE'",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(db)
    .await
    .map_err(internal("mark load balancer deleted"))?;
    Ok(())
}

/// Removes the rows of a load balancer once no node of it holds a VM (each hypervisor's
/// controller removes its own nodes first); children cascade.
pub async fn load_balancer_purge(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM load_balancer WHERE id = $1 AND provisioning_status = 'PENDING_DELETE' \
           AND NOT EXISTS (SELECT 1 FROM node n WHERE n.load_balancer_id = $1 \
                             AND n.status NOT IN ('FAILED', 'DELETED'))",
    )
    .bind(id)
    .execute(db)
    .await
    .map_err(internal("purge load balancer"))?;
    Ok(done.rows_affected() > 0)
}

/// Records why the controller cannot finish a load balancer's pending work, keeping its status.
/// Written only when the text changes: every write is announced (NOTIFY wakes the controller),
/// and an unchanged failure must not wake it again.
pub async fn load_balancer_set_reason(
    db: impl PgExecutor<'_>,
    id: Uuid,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE load_balancer SET status_reason = $2 WHERE id = $1 AND status_reason <> $2",
    )
    .bind(id)
    .bind(reason)
    .execute(db)
    .await
    .map_err(internal("set load balancer reason"))?;
    Ok(())
}

/// Status transitions written by the controller.
/// Only a pending one becomes ACTIVE: another controller's activation that read it before a
/// node failure must not turn an ERROR back.
pub async fn load_balancer_set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    generation: i64,
    status: ProvisioningStatus,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE load_balancer SET provisioning_status = $3, status_reason = $4, updated_at = now(), \
           operating_status = CASE WHEN $3 = 'ACTIVE' THEN 'ONLINE' \
             WHEN $3 = 'ERROR' THEN 'OFFLINE' ELSE operating_status END \
         WHERE id = $1 AND generation = $2 \
           AND ($3 <> 'ACTIVE' OR provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE'))",
    )
    .bind(id)
    .bind(generation)
    .bind(status.as_str())
    .bind(reason)
    .execute(db)
    .await
    .map_err(internal("set load balancer status"))?;
    Ok(done.rows_affected() > 0)
}

/// Autoscale's decision: run `desired` nodes (the caller keeps it within min..max). The node
/// quota is checked here, where the tenant's total is known: a scale-out that would pass it is
/// refused (`false`) and the load balancer keeps its size. Records when, for the cooldown.
pub async fn load_balancer_set_desired(
    db: impl PgExecutor<'_>,
    id: Uuid,
    desired: i32,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE load_balancer lb SET desired_nodes = $2, scaled_at = now() \
         FROM tenant t WHERE lb.id = $1 AND t.id = lb.tenant_id \
           AND $2 BETWEEN lb.min_nodes AND lb.max_nodes \
           AND (SELECT coalesce(sum(CASE WHEN x.id = lb.id THEN $2 \
                       ELSE GREATEST(coalesce(x.desired_nodes, x.min_nodes), x.min_nodes) END), 0) \
                  FROM load_balancer x WHERE x.tenant_id = lb.tenant_id) <= t.quota_nodes",
    )
    .bind(id)
    .bind(desired)
    .execute(db)
    .await
    .map_err(internal("set desired nodes"))?;
    Ok(done.rows_affected() > 0)
}

/// Operating status of every provisioned load balancer from what serves it: OFFLINE with no
/// ACTIVE node, DEGRADED with a DOWN node or an OFFLINE member, else ONLINE. Only changes are
/// written (each one is announced). Returns how many changed.
/// `only`: these load balancers (a change-driven pass); `None`: all.
pub async fn load_balancer_refresh_operating(
    db: impl PgExecutor<'_>,
    only: Option<&[Uuid]>,
) -> Result<u64> {
    let done = sqlx::query(&format!(
        "UPDATE load_balancer lb SET operating_status = x.st FROM ( \
           SELECT l.id, CASE \
             WHEN NOT EXISTS (SELECT 1 FROM node n WHERE n.load_balancer_id = l.id \
                              AND n.status = 'ACTIVE') THEN 'OFFLINE' \
             WHEN EXISTS (SELECT 1 FROM node n WHERE n.load_balancer_id = l.id AND n.status = 'DOWN') \
               OR EXISTS (SELECT 1 FROM member m JOIN pool p ON p.id = m.pool_id \
                          WHERE p.load_balancer_id = l.id AND m.operating_status = 'OFFLINE') \
               THEN 'DEGRADED' \
             ELSE 'ONLINE' END AS st \
           FROM load_balancer l WHERE l.provisioning_status IN ('ACTIVE', 'PENDING_UPDATE') {and}) x \
         WHERE lb.id = x.id AND lb.operating_status <> x.st",
        // Two texts, not `$1 IS NULL OR …`: a generic plan could not use the primary key.
        and = if only.is_some() { "AND l.id = ANY($1)" } else { "" }
    ))
    .bind(only)
    .execute(db)
    .await
    .map_err(internal("refresh operating status"))?;
    Ok(done.rows_affected())
}
