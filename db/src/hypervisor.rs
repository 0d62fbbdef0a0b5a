//! Compute hosts. One row (`local`, `qemu:///system`) by default; nodes reference the host they
//! run on.

use chrono::{DateTime, Utc};
use lbaas_common::types::{FleetNode, Hypervisor, NodeId, SpareNode};
use lbaas_common::Result;
use sqlx::types::Json;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{internal, parse_enum};

pub async fn hypervisor_uri(db: impl PgExecutor<'_>, name: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT uri FROM hypervisor WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
        .map_err(internal("view hypervisor"))?;
    Ok(row.map(|r| r.0))
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
            nodes: r.nodes,
            spare_nodes: r.spare_nodes.0,
            created_at: r.created_at,
        }
    }
}

/// Hypervisors with their node counts and warm pools, one query.
pub async fn hypervisor_list(db: impl PgExecutor<'_>, page: PageReq) -> Result<Vec<HypervisorRow>> {
    sqlx::query_as(
        "SELECT h.id, h.name, h.uri, h.created_at, \
           (SELECT count(*) FROM node n WHERE n.hypervisor_id = h.id AND n.status <> 'DELETED') \
             AS nodes, \
           coalesce((SELECT json_agg(json_build_object('name', s.name, 'created_at', s.created_at) \
             ORDER BY s.created_at) FROM spare_node s WHERE s.hypervisor_id = h.id), '[]'::json) \
             AS spare_nodes \
         FROM hypervisor h WHERE ($1::uuid IS NULL OR h.id > $1) ORDER BY h.id LIMIT $2",
    )
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list hypervisors"))
}

#[derive(Debug, sqlx::FromRow)]
pub struct FleetNodeRow {
    pub id: Uuid,
    pub name: String,
    pub tenant: String,
    pub project: String,
    pub load_balancer: String,
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
           n.status, host(n.vip) AS vip, n.utilization, \
           n.requests_per_second::float8 AS requests_per_second, n.last_heartbeat, n.status_reason \
         FROM node n JOIN load_balancer lb ON lb.id = n.load_balancer_id \
           JOIN project p ON p.id = lb.project_id JOIN tenant t ON t.id = lb.tenant_id \
         WHERE n.status <> 'DELETED' AND ($1::uuid IS NULL OR n.id > $1) ORDER BY n.id LIMIT $2",
    )
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list every node"))
}
