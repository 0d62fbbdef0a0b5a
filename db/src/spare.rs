//! The warm pool of spare nodes (see migration 0006). Only the controller reads or writes it.

use lbaas_common::Result;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::internal;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SpareRow {
    pub id: Uuid,
    pub hypervisor_id: Uuid,
    pub name: String,
    /// Its agent said hello (recorded by its controller, for placement on any controller).
    pub ready: bool,
    /// Seconds since the row was made (a spare that never comes up is replaced).
    pub age_seconds: f64,
}

const COLS: &str = "id, hypervisor_id, name, ready, \
    extract(epoch FROM now() - created_at)::float8 AS age_seconds";

/// The warm pool of one hypervisor, oldest first.
pub async fn spare_list(db: impl PgExecutor<'_>, hypervisor: Uuid) -> Result<Vec<SpareRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM spare_node WHERE hypervisor_id = $1 ORDER BY created_at"
    ))
    .bind(hypervisor)
    .fetch_all(db)
    .await
    .map_err(internal("list spare nodes"))
}

/// Ready spares on every hypervisor, oldest first: placement may claim any of them.
pub async fn spare_list_ready(db: impl PgExecutor<'_>) -> Result<Vec<SpareRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM spare_node WHERE ready ORDER BY created_at"))
        .fetch_all(db)
        .await
        .map_err(internal("list ready spare nodes"))
}

/// Spares on every hypervisor that are not ready yet and were made less than `younger_than`
/// seconds ago, oldest first: a load balancer may wait for one instead of booting its own.
pub async fn spare_list_booting(
    db: impl PgExecutor<'_>,
    younger_than: f64,
) -> Result<Vec<SpareRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM spare_node WHERE NOT ready \
         AND created_at > now() - make_interval(secs => $1) ORDER BY created_at"
    ))
    .bind(younger_than)
    .fetch_all(db)
    .await
    .map_err(internal("list booting spare nodes"))
}

pub async fn spare_set_ready(db: impl PgExecutor<'_>, id: Uuid, ready: bool) -> Result<()> {
    sqlx::query("UPDATE spare_node SET ready = $2 WHERE id = $1 AND ready <> $2")
        .bind(id)
        .bind(ready)
        .execute(db)
        .await
        .map_err(internal("mark spare node"))?;
    Ok(())
}

pub async fn spare_create(
    db: impl PgExecutor<'_>,
    id: Uuid,
    name: &str,
    hypervisor: Uuid,
) -> Result<()> {
    sqlx::query("INSERT INTO spare_node (id, hypervisor_id, name) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(hypervisor)
        .bind(name)
        .execute(db)
        .await
        .map_err(internal("create spare node"))?;
    Ok(())
}

/// False when it was gone already (claimed: its VM is a node's now).
pub async fn spare_delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    let done = sqlx::query("DELETE FROM spare_node WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete spare node"))?;
    Ok(done.rows_affected() > 0)
}

/// Turns spare `id` into a node of load balancer `lb` on the spare's hypervisor (addresses
/// allocated as for any node), in one transaction: the VM is never both, and a crash leaves it
/// one or the other. False when the spare is gone (claimed by another controller) or the node
/// could not be allocated; the caller then builds a fresh node.
pub async fn spare_claim(
    db: &PgPool,
    id: Uuid,
    name: &str,
    lb: Uuid,
    vip_pool: &ipnet::IpNet,
) -> Result<bool> {
    let mut tx = db.begin().await.map_err(internal("begin"))?;
    let hv: Option<(Uuid,)> =
        sqlx::query_as("DELETE FROM spare_node WHERE id = $1 RETURNING hypervisor_id")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal("claim spare node"))?;
    let Some((hv,)) = hv else {
        return Ok(false);
    };
    crate::node::node_create(&mut *tx, id, lb, name, vip_pool, hv).await?;
    tx.commit().await.map_err(internal("commit"))?;
    Ok(true)
}
