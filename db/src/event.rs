//! The monitor log: append-only events a person audits (status changes, failover steps).

use chrono::{DateTime, Utc};
use lbaas_common::types::{Event, EventId, LoadBalancerId, NodeId, TenantId};
use lbaas_common::Result;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::internal;
use crate::page::PageReq;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub load_balancer_id: Option<Uuid>,
    pub node_id: Option<Uuid>,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: EventId(r.id),
            load_balancer_id: r.load_balancer_id.map(LoadBalancerId),
            node_id: r.node_id.map(NodeId),
            kind: r.kind,
            message: r.message,
            created_at: r.created_at,
        }
    }
}

pub async fn event_insert(
    db: impl PgExecutor<'_>,
    tenant: Option<TenantId>,
    lb: Option<Uuid>,
    node: Option<Uuid>,
    kind: &str,
    message: &str,
) -> Result<()> {
    // UUIDv7: ids sort by time, so keyset pagination reads the log in order.
    sqlx::query(
        "INSERT INTO event (id, tenant_id, load_balancer_id, node_id, kind, message) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant.map(|t| t.0))
    .bind(lb)
    .bind(node)
    .bind(kind)
    .bind(message)
    .execute(db)
    .await
    .map_err(internal("insert event"))?;
    Ok(())
}

pub async fn event_list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    lb: Option<Uuid>,
    page: PageReq,
) -> Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT id, load_balancer_id, node_id, kind, message, created_at FROM event \
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR load_balancer_id = $2) \
         AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4",
    )
    .bind(tenant.0)
    .bind(lb)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list events"))
}

/// The tenant's newest event id: where a stream that asked for no history starts.
pub async fn event_latest(db: impl PgExecutor<'_>, tenant: TenantId) -> Result<Option<Uuid>> {
    let row: Option<(Uuid,)> =
        sqlx::query_as("SELECT id FROM event WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(tenant.0)
            .fetch_optional(db)
            .await
            .map_err(internal("read the newest event"))?;
    Ok(row.map(|r| r.0))
}
