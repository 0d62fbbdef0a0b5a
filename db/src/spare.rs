//! The warm pool of spare nodes (see migration 0006). Only the controller reads or writes it.

use lbaas_common::Result;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::internal;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SpareRow {
    pub id: Uuid,
    pub name: String,
    /// Seconds since the row was made (a spare that never comes up is replaced).
    pub age_seconds: f64,
}

pub async fn spare_list(db: impl PgExecutor<'_>) -> Result<Vec<SpareRow>> {
    sqlx::query_as(
        "SELECT id, name, extract(epoch FROM now() - created_at)::float8 AS age_seconds \
         FROM spare_node ORDER BY created_at",
    )
    .fetch_all(db)
    .await
    .map_err(internal("list spare nodes"))
}

pub async fn spare_create(db: impl PgExecutor<'_>, id: Uuid, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO spare_node (id, hypervisor_id, name) \
         VALUES ($1, '00000000-0000-0000-0000-000000000001', $2)",
    )
    .bind(id)
    .bind(name)
    .execute(db)
    .await
    .map_err(internal("create spare node"))?;
    Ok(())
}

pub async fn spare_delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM spare_node WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete spare node"))?;
    Ok(())
}

/// Turns spare `id` into a node of load balancer `lb` (addresses allocated as for any node),
/// in one transaction: the VM is never both, and a crash leaves it one or the other. False
/// when the spare is gone (claimed by another controller) or the node could not be allocated;
/// the caller then builds a fresh node.
pub async fn spare_claim(
    db: &PgPool,
    id: Uuid,
    name: &str,
    lb: Uuid,
    vip_pool: &ipnet::IpNet,
) -> Result<bool> {
    let mut tx = db.begin().await.map_err(internal("begin"))?;
    let gone = sqlx::query("DELETE FROM spare_node WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal("claim spare node"))?
        .rows_affected()
        == 0;
    if gone {
        return Ok(false);
    }
    crate::node::node_create(&mut *tx, id, lb, name, vip_pool).await?;
    tx.commit().await.map_err(internal("commit"))?;
    Ok(true)
}
