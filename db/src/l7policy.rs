//! L7 policies of a listener, their rules in the same row (jsonb).

use chrono::{DateTime, Utc};
use lbaas_common::types::{L7Action, L7Policy, L7PolicyId, L7Rule, ListenerId, PoolId, TenantId};
use lbaas_common::{Error, Result};
use sqlx::types::Json;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, parse_enum, Ctx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct L7PolicyRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub listener_id: Uuid,
    pub name: String,
    pub position: i32,
    pub action: String,
    pub redirect_pool_id: Option<Uuid>,
    pub redirect_url: Option<String>,
    pub redirect_prefix: Option<String>,
    pub redirect_http_code: Option<i32>,
    pub rules: Json<Vec<L7Rule>>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<L7PolicyRow> for L7Policy {
    fn from(r: L7PolicyRow) -> Self {
        L7Policy {
            id: L7PolicyId(r.id),
            tenant_id: TenantId(r.tenant_id),
            listener_id: ListenerId(r.listener_id),
            name: r.name,
            position: r.position,
            action: parse_enum::<L7Action>(&r.action),
            redirect_pool_id: r.redirect_pool_id.map(PoolId),
            redirect_url: r.redirect_url,
            redirect_prefix: r.redirect_prefix,
            redirect_http_code: r.redirect_http_code,
            rules: r.rules.0,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "id, tenant_id, listener_id, name, position, action, redirect_pool_id, \
                    redirect_url, redirect_prefix, redirect_http_code, rules, generation, \
                    created_at, updated_at";

/// A policy's content, validated by the caller; the pool is checked to be of the listener's
/// load balancer in the statement itself.
pub struct L7PolicyWrite<'a> {
    pub position: i32,
    pub action: L7Action,
    pub redirect_pool: Option<Uuid>,
    pub redirect_url: Option<&'a str>,
    pub redirect_prefix: Option<&'a str>,
    pub redirect_http_code: Option<i32>,
    pub rules: &'a [L7Rule],
}

pub async fn l7policy_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    lb: Uuid,
    listener: Uuid,
    name: &str,
    w: &L7PolicyWrite<'_>,
) -> Result<L7PolicyRow> {
    sqlx::query_as(&format!(
        "INSERT INTO l7policy (id, tenant_id, listener_id, name, position, action, \
           redirect_pool_id, redirect_url, redirect_prefix, redirect_http_code, rules) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
         WHERE $7::uuid IS NULL OR EXISTS (SELECT 1 FROM pool WHERE id = $7 AND load_balancer_id = $12) \
         RETURNING {COLS}"
    ))
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(listener)
    .bind(name)
    .bind(w.position)
    .bind(w.action.as_str())
    .bind(w.redirect_pool)
    .bind(w.redirect_url)
    .bind(w.redirect_prefix)
    .bind(w.redirect_http_code)
    .bind(Json(w.rules))
    .bind(lb)
    .fetch_optional(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "l7 policy", name }, e))?
    .ok_or_else(|| Error::not_found("pool", w.redirect_pool.unwrap_or_default()))
}

pub async fn l7policy_update(
    db: impl PgExecutor<'_>,
    lb: Uuid,
    id: Uuid,
    generation: Option<i64>,
    w: &L7PolicyWrite<'_>,
) -> Result<L7PolicyRow> {
    let row: Option<L7PolicyRow> = sqlx::query_as(&format!(
        "UPDATE l7policy SET position = $3, action = $4, redirect_pool_id = $5, \
           redirect_url = $6, redirect_prefix = $7, redirect_http_code = $8, rules = $9, \
           generation = generation + 1, updated_at = now() \
         WHERE id = $1 AND ($2::bigint IS NULL OR generation = $2) \
           AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM pool WHERE id = $5 AND load_balancer_id = $10)) \
         RETURNING {COLS}"
    ))
    .bind(id)
    .bind(generation)
    .bind(w.position)
    .bind(w.action.as_str())
    .bind(w.redirect_pool)
    .bind(w.redirect_url)
    .bind(w.redirect_prefix)
    .bind(w.redirect_http_code)
    .bind(Json(w.rules))
    .bind(lb)
    .fetch_optional(db)
    .await
    .map_err(internal("update l7 policy"))?;
    row.ok_or_else(|| crate::stale("l7 policy", id))
}

pub async fn l7policy_view(
    db: impl PgExecutor<'_>,
    listener: Uuid,
    key: &str,
) -> Result<L7PolicyRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM l7policy WHERE listener_id = $1 AND (name = $2 OR id::text = $2)"
    ))
    .bind(listener)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view l7 policy"))?
    .ok_or_else(|| Error::not_found("l7 policy", key))
}

pub async fn l7policy_list(
    db: impl PgExecutor<'_>,
    listener: Uuid,
    page: PageReq,
) -> Result<Vec<L7PolicyRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM l7policy WHERE listener_id = $1 \
         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(listener)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list l7 policies"))
}

pub async fn l7policy_delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM l7policy WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete l7 policy"))?;
    Ok(())
}

/// Every policy of a load balancer's listeners in evaluation order, for the agents' config.
pub async fn l7policy_list_for_lb(db: impl PgExecutor<'_>, lb: Uuid) -> Result<Vec<L7PolicyRow>> {
    let cols = COLS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(&format!(
        "SELECT {cols} FROM l7policy p JOIN listener l ON l.id = p.listener_id \
         WHERE l.load_balancer_id = $1 ORDER BY p.listener_id, p.position, p.created_at, p.id"
    ))
    .bind(lb)
    .fetch_all(db)
    .await
    .map_err(internal("list l7 policies of a load balancer"))
}
