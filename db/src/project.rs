//! Projects: a tenant's unit of isolation (one network namespace each, made by the controller).

use chrono::{DateTime, Utc};
use lbaas_common::types::{Project, ProjectId, TenantId};
use lbaas_common::ErrorCode;
use lbaas_common::{Error, Result};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, Ctx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: ProjectId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            display_name: r.display_name,
            description: r.description,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str =
    "id, tenant_id, name, display_name, description, generation, created_at, updated_at";

/// Checks the tenant's project quota and inserts, in the caller's transaction (which must hold
/// `tenant_lock`). `name` is the DNS label, `display_name` how people call it; a clash on
/// either is `AlreadyExists`.
pub async fn project_create(
    tx: &mut PgConnection,
    tenant: TenantId,
    quota: i32,
    name: &str,
    display_name: &str,
    description: &str,
) -> Result<ProjectRow> {
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM project WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal("count projects"))?;
    if count >= i64::from(quota) {
        return Err(Error::QuotaExceeded {
            message: format!(
                "project quota of {quota} reached; delete a project or ask the operator"
            ),
        });
    }
    sqlx::query_as(&format!(
        "INSERT INTO project (id, tenant_id, name, display_name, description) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(name)
    .bind(display_name)
    .bind(description)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| db_err(Ctx { kind: "project", name: display_name }, e))
}

/// By name or id, only among the tenant's own: another tenant's project is simply not found.
pub async fn project_view(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    key: &str,
) -> Result<ProjectRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM project \
         WHERE tenant_id = $1 AND (name = $2 OR display_name = $2 OR id::text = $2)"
    ))
    .bind(tenant.0)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view project"))?
    .ok_or_else(|| Error::not_found("project", key))
}

pub async fn project_list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    page: PageReq,
) -> Result<Vec<ProjectRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM project WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    ))
    .bind(tenant.0)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list projects"))
}

pub async fn project_update(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: ProjectId,
    generation: Option<i64>,
    description: Option<&str>,
) -> Result<ProjectRow> {
    sqlx::query_as(&format!(
        "UPDATE project SET description = coalesce($4, description), generation = generation + 1, \
           updated_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) \
         RETURNING {COLS}"
    ))
    .bind(tenant.0)
    .bind(id.0)
    .bind(generation)
    .bind(description)
    .fetch_optional(db)
    .await
    .map_err(internal("update project"))?
    .ok_or_else(|| crate::stale("project", id.0))
}

/// Deletes the project with its unused subnets and certificates (with no load balancer left,
/// no listener serves them). Load balancers hold their subnet (RESTRICT), so a
/// project that still has any is refused with `in_use` and nothing is deleted.
pub async fn project_delete(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: ProjectId,
    name: &str,
) -> Result<()> {
    let (lbs,): (i64,) = sqlx::query_as("SELECT count(*) FROM load_balancer WHERE project_id = $1")
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal("count load balancers"))?;
    if lbs > 0 {
        return Err(Error::conflict(
            ErrorCode::InUse,
            format!("project {name:?} still has {lbs} load balancer(s); delete them first"),
        ));
    }
    sqlx::query("DELETE FROM certificate WHERE tenant_id = $1 AND project_id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_err(Ctx { kind: "project", name }, e))?;
    sqlx::query("DELETE FROM subnet WHERE tenant_id = $1 AND project_id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_err(Ctx { kind: "project", name }, e))?;
    sqlx::query("DELETE FROM project WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_err(Ctx { kind: "project", name }, e))?;
    Ok(())
}

/// What a project's namespace must hold: the gateway address (with prefix) of each subnet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectNetwork {
    pub project_id: Uuid,
    pub gateways: Vec<String>,
}

/// Projects that need a namespace: those with at least one subnet.
pub async fn project_list_networks(db: impl PgExecutor<'_>) -> Result<Vec<ProjectNetwork>> {
    sqlx::query_as(
        "SELECT project_id, array_agg(host(gateway) || '/' || masklen(cidr) ORDER BY cidr) AS gateways \
         FROM subnet GROUP BY project_id ORDER BY project_id",
    )
    .fetch_all(db)
    .await
    .map_err(internal("list project networks"))
}
