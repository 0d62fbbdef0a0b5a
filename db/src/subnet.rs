//! Subnets of a project. The database refuses two overlapping subnets in one project
//! (`subnet_no_overlap`), so concurrent creates cannot race past the rule.

use chrono::{DateTime, Utc};
use lbaas_common::types::{ProjectId, Subnet, SubnetId, TenantId};
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, Ctx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SubnetRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub cidr: String,
    pub gateway: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SubnetRow {
    pub fn net(&self) -> ipnet::IpNet {
        self.cidr.parse().expect("cidr column holds a valid CIDR")
    }
}

impl From<SubnetRow> for Subnet {
    fn from(r: SubnetRow) -> Self {
        Subnet {
            id: SubnetId(r.id),
            tenant_id: TenantId(r.tenant_id),
            project_id: ProjectId(r.project_id),
            name: r.name,
            cidr: r.cidr,
            gateway: r.gateway,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) const COLS: &str =
    "id, tenant_id, project_id, name, cidr::text AS cidr, host(gateway) AS gateway, \
                    generation, created_at, updated_at";

pub async fn subnet_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: ProjectId,
    name: &str,
    cidr: &ipnet::IpNet,
    gateway: IpAddr,
) -> Result<SubnetRow> {
    sqlx::query_as(&format!(
        "INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway) \
         VALUES ($1, $2, $3, $4, $5::cidr, $6::inet) RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(project.0)
    .bind(name)
    .bind(cidr.to_string())
    .bind(gateway.to_string())
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "subnet", name }, e))
}

pub async fn subnet_view(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: ProjectId,
    key: &str,
) -> Result<SubnetRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM subnet WHERE tenant_id = $1 AND project_id = $2 \
         AND (name = $3 OR id::text = $3)"
    ))
    .bind(tenant.0)
    .bind(project.0)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view subnet"))?
    .ok_or_else(|| Error::not_found("subnet", key))
}

pub async fn subnet_view_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<SubnetRow> {
    sqlx::query_as(&format!("SELECT {COLS} FROM subnet WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
        .map_err(internal("view subnet"))?
        .ok_or_else(|| Error::not_found("subnet", id))
}

/// The subnet of the project with exactly this CIDR, if any (the envelope reuses it).
pub async fn subnet_find_by_cidr(
    db: impl PgExecutor<'_>,
    project: ProjectId,
    cidr: &ipnet::IpNet,
) -> Result<Option<SubnetRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM subnet WHERE project_id = $1 AND cidr = $2::cidr"))
        .bind(project.0)
        .bind(cidr.to_string())
        .fetch_optional(db)
        .await
        .map_err(internal("find subnet"))
}

pub async fn subnet_list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: ProjectId,
    page: PageReq,
) -> Result<Vec<SubnetRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM subnet WHERE tenant_id = $1 AND project_id = $2 \
         AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4"
    ))
    .bind(tenant.0)
    .bind(project.0)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list subnets"))
}

pub async fn subnet_update(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: SubnetId,
    generation: Option<i64>,
    name: Option<&str>,
) -> Result<SubnetRow> {
    sqlx::query_as(&format!(
        "UPDATE subnet SET name = coalesce($4, name), generation = generation + 1, updated_at = now() \
         WHERE tenant_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) \
         RETURNING {COLS}"
    ))
    .bind(tenant.0)
    .bind(id.0)
    .bind(generation)
    .bind(name)
    .fetch_optional(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "subnet", name: name.unwrap_or_default() }, e))?
    .ok_or_else(|| crate::stale("subnet", id.0))
}

pub async fn subnet_delete(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    id: SubnetId,
    name: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM subnet WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .execute(db)
        .await
        .map_err(|e| db_err(Ctx { kind: "subnet", name }, e))?;
    Ok(())
}
