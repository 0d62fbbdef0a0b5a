//! API tokens. A token is 32 random bytes shown once; only its SHA-256 is stored, so the table
//! is useless to someone who dumps it. SHA-256 rather than a password hash is right here: the
//! secret is high-entropy, and every request pays for the lookup.

use chrono::{DateTime, Utc};
use lbaas_common::types::{TenantId, Token, TokenId};
use lbaas_common::{Error, Result};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, Ctx};

/// Who a bearer token speaks for.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: Uuid,
    pub is_admin: bool,
    pub tenant_id: Option<TenantId>,
    pub tenant_name: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<TokenRow> for Token {
    fn from(r: TokenRow) -> Self {
        Token {
            id: TokenId(r.id),
            tenant_id: r.tenant_id.map(TenantId),
            name: r.name,
            created_at: r.created_at,
        }
    }
}

pub fn token_generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("lbt_{}", hex::encode(bytes))
}

pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub async fn token_authenticate(db: impl PgExecutor<'_>, secret: &str) -> Result<Option<Caller>> {
    let row: Option<(Uuid, bool, Option<Uuid>, Option<String>)> = sqlx::query_as(
        "SELECT k.id, k.is_admin, k.tenant_id, t.name FROM api_token k \
         LEFT JOIN tenant t ON t.id = k.tenant_id WHERE k.token_hash = $1",
    )
    .bind(token_hash(secret))
    .fetch_optional(db)
    .await
    .map_err(internal("authenticate token"))?;
    Ok(row.map(|(token_id, is_admin, tenant_id, tenant_name)| Caller {
        token_id,
        is_admin,
        tenant_id: tenant_id.map(TenantId),
        tenant_name,
    }))
}

/// Makes sure the operator's token is accepted. Idempotent: `make run` calls it at every start.
pub async fn token_ensure_admin(db: impl PgExecutor<'_>, secret: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_token (id, tenant_id, name, token_hash, is_admin) \
         VALUES ($1, NULL, 'admin', $2, true) ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(token_hash(secret))
    .execute(db)
    .await
    .map_err(internal("ensure admin token"))?;
    Ok(())
}

/// Returns the row and the secret, which exists nowhere else afterwards.
pub async fn token_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    name: &str,
) -> Result<(TokenRow, String)> {
    let secret = token_generate();
    let row = sqlx::query_as(
        "INSERT INTO api_token (id, tenant_id, name, token_hash) VALUES ($1, $2, $3, $4) \
         RETURNING id, tenant_id, name, created_at",
    )
    .bind(Uuid::new_v4())
    .bind(tenant.0)
    .bind(name)
    .bind(token_hash(&secret))
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "token", name }, e))?;
    Ok((row, secret))
}

pub async fn token_list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    page: PageReq,
) -> Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, tenant_id, name, created_at FROM api_token \
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
    )
    .bind(tenant.0)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list tokens"))
}

pub async fn token_delete(db: impl PgExecutor<'_>, tenant: TenantId, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM api_token WHERE tenant_id = $1 AND id::text = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(db)
        .await
        .map_err(internal("delete token"))?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("token", id));
    }
    Ok(())
}
