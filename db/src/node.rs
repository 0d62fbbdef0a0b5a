//! Nodes (LB VMs). Written by the controller and healthcheckd; read-only through the API.

use chrono::{DateTime, Utc};
use lbaas_common::types::{LoadBalancerId, Node, NodeId, NodeStatus, TenantId, Utilization};
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{internal, parse_enum};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub name: String,
    pub vip: Option<String>,
    pub status: String,
    pub utilization: String,
    pub status_reason: String,
    pub last_heartbeat: Option<DateTime<Utc>>,
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
            status_reason: r.status_reason,
            last_heartbeat: r.last_heartbeat,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "id, tenant_id, load_balancer_id, name, host(vip) AS vip, status, utilization, \
                    status_reason, last_heartbeat, generation, created_at, updated_at";

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

pub async fn node_count(db: impl PgExecutor<'_>, lb: Uuid) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM node WHERE load_balancer_id = $1")
        .bind(lb)
        .fetch_one(db)
        .await
        .map_err(internal("count nodes"))?;
    Ok(n)
}
