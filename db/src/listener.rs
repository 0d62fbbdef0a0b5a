//! Listeners: a protocol and port on a load balancer's VIPs.

use chrono::{DateTime, Utc};
use lbaas_common::types::{
    CertificateId, Listener, ListenerId, LoadBalancerId, PoolId, Protocol, TenantId,
};
use lbaas_common::{Error, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, parse_enum, Ctx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ListenerRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub name: String,
    pub protocol: String,
    pub port: i32,
    pub default_pool_id: Option<Uuid>,
    pub cache: bool,
    /// Position order: the first is the default certificate.
    pub certificate_ids: Vec<Uuid>,
    pub redirect_https_port: Option<i32>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ListenerRow> for Listener {
    fn from(r: ListenerRow) -> Self {
        Listener {
            id: ListenerId(r.id),
            tenant_id: TenantId(r.tenant_id),
            load_balancer_id: LoadBalancerId(r.load_balancer_id),
            name: r.name,
            protocol: parse_enum::<Protocol>(&r.protocol),
            port: r.port,
            default_pool_id: r.default_pool_id.map(PoolId),
            cache: r.cache,
            certificate_ids: r.certificate_ids.into_iter().map(CertificateId).collect(),
            redirect_https_port: r.redirect_https_port,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The certificate ids come from `listener_certificate`; the subquery names `listener.id` so
/// these columns work in a SELECT, a RETURNING and a `row_to_json` alike.
pub(crate) const COLS: &str =
    "id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id, cache, \
     coalesce((SELECT array_agg(lc.certificate_id ORDER BY lc.position) \
               FROM listener_certificate lc WHERE lc.listener_id = listener.id), '{}') \
       AS certificate_ids, \
     redirect_https_port, generation, created_at, updated_at";

/// What a new listener is made of (the caller validated it).
pub struct ListenerInsert<'a> {
    pub name: &'a str,
    pub protocol: Protocol,
    pub port: i32,
    pub default_pool: Option<Uuid>,
    pub cache: bool,
    pub redirect_https_port: Option<i32>,
}

pub async fn listener_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    lb: Uuid,
    l: ListenerInsert<'_>,
) -> Result<ListenerRow> {
    let ListenerInsert { name, protocol, port, default_pool, cache, redirect_https_port } = l;
    // The pool must belong to the same load balancer; checked in the INSERT itself.
    sqlx::query_as(&format!(
        "INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port, default_pool_id, cache, \
           redirect_https_port) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
         WHERE $7::uuid IS NULL OR EXISTS (SELECT 1 FROM pool WHERE id = $7 AND load_balancer_id = $3) \
         RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(lb)
    .bind(name)
    .bind(protocol.as_str())
    .bind(port)
    .bind(default_pool)
    .bind(cache)
    .bind(redirect_https_port)
    .fetch_optional(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "listener", name }, e))?
    .ok_or_else(|| Error::not_found("pool", default_pool.unwrap_or_default()))
}

pub async fn listener_view(db: impl PgExecutor<'_>, lb: Uuid, key: &str) -> Result<ListenerRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM listener WHERE load_balancer_id = $1 AND (name = $2 OR id::text = $2)"
    ))
    .bind(lb)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view listener"))?
    .ok_or_else(|| Error::not_found("listener", key))
}

pub async fn listener_list(
    db: impl PgExecutor<'_>,
    lb: Uuid,
    page: PageReq,
) -> Result<Vec<ListenerRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM listener WHERE load_balancer_id = $1 \
         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(lb)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list listeners"))
}

pub async fn listener_update(
    db: impl PgExecutor<'_>,
    lb: Uuid,
    id: Uuid,
    generation: Option<i64>,
    default_pool: Option<Uuid>,
    cache: Option<bool>,
) -> Result<ListenerRow> {
    let row: Option<ListenerRow> = sqlx::query_as(&format!(
        "UPDATE listener SET default_pool_id = coalesce($4, default_pool_id), \
           cache = coalesce($5, cache), \
           generation = generation + 1, updated_at = now() \
         WHERE load_balancer_id = $1 AND id = $2 AND ($3::bigint IS NULL OR generation = $3) \
           AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM pool WHERE id = $4 AND load_balancer_id = $1)) \
         RETURNING {COLS}"
    ))
    .bind(lb)
    .bind(id)
    .bind(generation)
    .bind(default_pool)
    .bind(cache)
    .fetch_optional(db)
    .await
    .map_err(internal("update listener"))?;
    row.ok_or_else(|| crate::stale("listener", id))
}

pub async fn listener_delete(db: impl PgExecutor<'_>, lb: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM listener WHERE load_balancer_id = $1 AND id = $2")
        .bind(lb)
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete listener"))?;
    Ok(())
}

/// Every listener of a load balancer, for building the agent's config.
pub async fn listener_list_all(db: impl PgExecutor<'_>, lb: Uuid) -> Result<Vec<ListenerRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM listener WHERE load_balancer_id = $1 ORDER BY port"
    ))
    .bind(lb)
    .fetch_all(db)
    .await
    .map_err(internal("list listeners"))
}
