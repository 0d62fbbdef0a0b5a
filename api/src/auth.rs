//! Bearer-token authentication. Two callers exist: a tenant (everything under `/v1` except
//! tenant administration) and the operator's admin token (tenant administration only).
//!
//! Isolation rule: a tenant never learns whether another tenant's resource exists, so every
//! lookup is scoped by tenant and a miss is a 404, never a 403. The admin surface is hidden the
//! same way: a tenant token on `/v1/tenants` gets 404.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lbaas_common::types::TenantId;
use lbaas_common::Error;
use lbaas_common::ErrorCode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lbaas_db::token::{token_authenticate, token_hash, Caller};

use crate::error::ApiError;
use crate::App;

/// A request made with a tenant's token.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
}

/// A request made with the operator's admin token.
#[derive(Debug, Clone)]
pub struct Admin;

/// Recently verified tokens, by hash, so the hot path costs no query for authentication.
/// Only successes are cached (junk tokens cannot fill it) and the map is bounded. Revocation
/// through this process clears it at once.
/// TODO-security: another API replica keeps a revoked token valid for up to `TTL`.
#[derive(Default)]
pub struct AuthCache {
    map: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl AuthCache {
    const TTL: Duration = Duration::from_secs(5);
    const MAX: usize = 10_000;

    fn get(&self, hash: &str) -> Option<Caller> {
        let map = self.map.lock().unwrap();
        map.get(hash).filter(|(_, at)| at.elapsed() < Self::TTL).map(|(c, _)| c.clone())
    }

    fn put(&self, hash: String, caller: Caller) {
        let mut map = self.map.lock().unwrap();
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(hash, (caller, Instant::now()));
    }

    pub fn clear(&self) {
        self.map.lock().unwrap().clear();
    }
}

async fn caller(parts: &Parts, app: &App) -> Result<Caller, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthorized)?;
    let secret = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or(Error::Unauthorized)?;
    let hash = token_hash(secret);
    if let Some(c) = app.auth_cache.get(&hash) {
        return Ok(c);
    }
    let c = token_authenticate(&app.db, secret).await?.ok_or(Error::Unauthorized)?;
    app.auth_cache.put(hash, c.clone());
    Ok(c)
}

impl FromRequestParts<App> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let c = caller(parts, app).await?;
        match (c.tenant_id, c.tenant_name) {
            (Some(id), Some(name)) => {
                tracing::Span::current().record("tenant", name.as_str());
                Ok(Tenant { id, name })
            }
            _ => Err(Error::invalid(
                ErrorCode::TenantTokenRequired,
                "this endpoint acts inside a tenant; use a tenant's token, not the admin token",
            )
            .into()),
        }
    }
}

impl FromRequestParts<App> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let c = caller(parts, app).await?;
        if c.is_admin {
            tracing::Span::current().record("tenant", "<admin>");
            Ok(Admin)
        } else {
            Err(Error::not_found("path", parts.uri.path()).into())
        }
    }
}
