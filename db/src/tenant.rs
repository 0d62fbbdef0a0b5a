//! Tenants and their quotas. Tenant names are chosen by the admin, unique, and part of every
//! DNS name the tenant owns.

use chrono::{DateTime, Utc};
use lbaas_common::types::{Quotas, QuotasUpdate, Tenant, TenantId};
use lbaas_common::ErrorCode;
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, Ctx};

#[derive(Debug, sqlx::FromRow)]
pub struct TenantRow {
    pub id: Uuid,
    pub name: String,
    pub quota_projects: i32,
    pub quota_load_balancers: i32,
    pub quota_nodes: i32,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: TenantId(r.id),
            name: r.name,
            quotas: Quotas {
                projects: r.quota_projects,
                load_balancers: r.quota_load_balancers,
                nodes: r.quota_nodes,
            },
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "id, name, quota_projects, quota_load_balancers, quota_nodes, generation, \
                    created_at, updated_at";

pub async fn tenant_create(
    db: impl PgExecutor<'_>,
    name: &str,
    quotas: &QuotasUpdate,
) -> Result<TenantRow> {
    sqlx::query_as(&format!(
        "INSERT INTO tenant (id, name, quota_projects, quota_load_balancers, quota_nodes) \
         VALUES ($1, $2, coalesce($3, 10), coalesce($4, 20), coalesce($5, 40)) RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(quotas.projects)
    .bind(quotas.load_balancers)
    .bind(quotas.nodes)
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "tenant", name }, e))
}

/// By id or by name.
pub async fn tenant_view(db: impl PgExecutor<'_>, key: &str) -> Result<TenantRow> {
    sqlx::query_as(&format!("SELECT {COLS} FROM tenant WHERE id::text = $1 OR name = $1"))
        .bind(key)
        .fetch_optional(db)
        .await
        .map_err(internal("view tenant"))?
        .ok_or_else(|| Error::not_found("tenant", key))
}

pub async fn tenant_list(db: impl PgExecutor<'_>, page: PageReq) -> Result<Vec<TenantRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM tenant WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"
    ))
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list tenants"))
}

/// Compare-and-set on `generation` when one is given.
pub async fn tenant_update(
    db: impl PgExecutor<'_>,
    id: TenantId,
    generation: Option<i64>,
    quotas: &QuotasUpdate,
) -> Result<TenantRow> {
    sqlx::query_as(&format!(
        "UPDATE tenant SET quota_projects = coalesce($3, quota_projects), \
           quota_load_balancers = coalesce($4, quota_load_balancers), \
           quota_nodes = coalesce($5, quota_nodes), \
           generation = generation + 1, updated_at = now() \
         WHERE id = $1 AND ($2::bigint IS NULL OR generation = $2) RETURNING {COLS}"
    ))
    .bind(id.0)
    .bind(generation)
    .bind(quotas.projects)
    .bind(quotas.load_balancers)
    .bind(quotas.nodes)
    .fetch_optional(db)
    .await
    .map_err(internal("update tenant"))?
    .ok_or_else(|| crate::stale("tenant", id.0))
}

/// Refuses while the tenant still owns projects: their VMs and DNS names must be torn down by
/// the controller first, which a cascade would skip.
pub async fn tenant_delete(db: impl PgExecutor<'_>, id: TenantId) -> Result<()> {
    let done = sqlx::query(
        "DELETE FROM tenant t WHERE t.id = $1 \
         AND NOT EXISTS (SELECT 1 FROM project p WHERE p.tenant_id = t.id)",
    )
    .bind(id.0)
    .execute(db)
    .await
    .map_err(internal("delete tenant"))?;
    if done.rows_affected() == 0 {
        return Err(Error::conflict(
            ErrorCode::InUse,
            "tenant still owns projects; delete them first",
        ));
    }
    Ok(())
}

/// Locks the tenant row for the rest of the transaction: quota checks that count then insert
/// are serialized per tenant, so two concurrent creates cannot both take the last slot.
pub async fn tenant_lock(db: impl PgExecutor<'_>, id: TenantId) -> Result<TenantRow> {
    sqlx::query_as(&format!("SELECT {COLS} FROM tenant WHERE id = $1 FOR UPDATE"))
        .bind(id.0)
        .fetch_optional(db)
        .await
        .map_err(internal("lock tenant"))?
        .ok_or_else(|| Error::not_found("tenant", id))
}
