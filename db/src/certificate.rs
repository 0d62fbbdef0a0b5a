//! TLS certificates of a project. The private key is stored sealed (`lbaas_certs::SecretBox`);
//! only [`certificate_keys_for_lb`] reads it back, for the controller.

use chrono::{DateTime, Utc};
use lbaas_common::types::{Certificate, CertificateId, ProjectId, TenantId};
use lbaas_common::{Error, ErrorCode, Result};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::page::PageReq;
use crate::{db_err, internal, Ctx};

/// A certificate as the API shows it: everything but the sealed key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub chain_pem: String,
    pub names: Vec<String>,
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub fingerprint_sha256: String,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CertificateRow> for Certificate {
    fn from(r: CertificateRow) -> Self {
        Certificate {
            id: CertificateId(r.id),
            tenant_id: TenantId(r.tenant_id),
            project_id: ProjectId(r.project_id),
            name: r.name,
            certificate_chain: r.chain_pem,
            names: r.names,
            subject: r.subject,
            issuer: r.issuer,
            not_before: r.not_before,
            not_after: r.not_after,
            fingerprint_sha256: r.fingerprint_sha256,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "id, tenant_id, project_id, name, chain_pem, names, subject, issuer, \
                    not_before, not_after, fingerprint_sha256, generation, created_at, updated_at";

/// A validated upload, its key already sealed for the row `id`.
pub struct CertificateWrite<'a> {
    pub id: Uuid,
    pub chain_pem: &'a str,
    pub key_sealed: &'a [u8],
    pub names: &'a [String],
    pub subject: &'a str,
    pub issuer: &'a str,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub fingerprint_sha256: &'a str,
}

pub async fn certificate_create(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    project: Uuid,
    name: &str,
    w: &CertificateWrite<'_>,
) -> Result<CertificateRow> {
    sqlx::query_as(&format!(
        "INSERT INTO certificate (id, tenant_id, project_id, name, chain_pem, key_sealed, names, \
           subject, issuer, not_before, not_after, fingerprint_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLS}"
    ))
    .bind(w.id)
    .bind(tenant.0)
    .bind(project)
    .bind(name)
    .bind(w.chain_pem)
    .bind(w.key_sealed)
    .bind(w.names)
    .bind(w.subject)
    .bind(w.issuer)
    .bind(w.not_before)
    .bind(w.not_after)
    .bind(w.fingerprint_sha256)
    .fetch_one(db)
    .await
    .map_err(|e| db_err(Ctx { kind: "certificate", name }, e))
}

/// By id or name, inside one project.
pub async fn certificate_view(
    db: impl PgExecutor<'_>,
    project: Uuid,
    key: &str,
) -> Result<CertificateRow> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM certificate WHERE project_id = $1 AND (name = $2 OR id::text = $2)"
    ))
    .bind(project)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(internal("view certificate"))?
    .ok_or_else(|| Error::not_found("certificate", key))
}

pub async fn certificate_list(
    db: impl PgExecutor<'_>,
    project: Uuid,
    page: PageReq,
) -> Result<Vec<CertificateRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM certificate WHERE project_id = $1 \
         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(project)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(db)
    .await
    .map_err(internal("list certificates"))
}

/// A renewal: new chain, key and facts; the expiry warning is re-armed.
pub async fn certificate_replace(
    db: impl PgExecutor<'_>,
    generation: Option<i64>,
    w: &CertificateWrite<'_>,
) -> Result<CertificateRow> {
    let row: Option<CertificateRow> = sqlx::query_as(&format!(
        "UPDATE certificate SET chain_pem = $3, key_sealed = $4, names = $5, subject = $6, \
           issuer = $7, not_before = $8, not_after = $9, fingerprint_sha256 = $10, \
           expiry_warned_at = NULL, generation = generation + 1, updated_at = now() \
         WHERE id = $1 AND ($2::bigint IS NULL OR generation = $2) RETURNING {COLS}"
    ))
    .bind(w.id)
    .bind(generation)
    .bind(w.chain_pem)
    .bind(w.key_sealed)
    .bind(w.names)
    .bind(w.subject)
    .bind(w.issuer)
    .bind(w.not_before)
    .bind(w.not_after)
    .bind(w.fingerprint_sha256)
    .fetch_optional(db)
    .await
    .map_err(internal("replace certificate"))?;
    row.ok_or_else(|| crate::stale("certificate", w.id))
}

/// Refused (409 `in_use`) while a listener serves it: the foreign key says so.
pub async fn certificate_delete(db: impl PgExecutor<'_>, row: &CertificateRow) -> Result<()> {
    sqlx::query("DELETE FROM certificate WHERE id = $1")
        .bind(row.id)
        .execute(db)
        .await
        .map_err(|e| db_err(Ctx { kind: "certificate", name: &row.name }, e))?;
    Ok(())
}

/// The load balancers whose listeners serve a certificate: a renewal must reach their agents.
pub async fn certificate_load_balancers(db: impl PgExecutor<'_>, id: Uuid) -> Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT DISTINCT l.load_balancer_id FROM listener_certificate lc \
         JOIN listener l ON l.id = lc.listener_id WHERE lc.certificate_id = $1",
    )
    .bind(id)
    .fetch_all(db)
    .await
    .map_err(internal("list load balancers of a certificate"))
}

/// Resolves certificate keys (ids or names) of one project, in the order given. An unknown one
/// is a 404 naming it.
pub async fn certificate_resolve(
    db: impl PgExecutor<'_>,
    project: Uuid,
    keys: &[String],
) -> Result<Vec<Uuid>> {
    let found: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT k, c.id FROM unnest($2::text[]) AS k \
         JOIN certificate c ON c.project_id = $1 AND (c.name = k OR c.id::text = k)",
    )
    .bind(project)
    .bind(keys)
    .fetch_all(db)
    .await
    .map_err(internal("resolve certificates"))?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let id = found
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, id)| *id)
            .ok_or_else(|| Error::not_found("certificate", k))?;
        if out.contains(&id) {
            return Err(Error::invalid(
                ErrorCode::InvalidField,
                format!("certificate {k:?} is listed twice"),
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// Sets a listener's certificates (position 0 the default), replacing any it had.
pub async fn listener_certificates_set(
    db: &mut sqlx::PgConnection,
    listener: Uuid,
    certificates: &[Uuid],
) -> Result<()> {
    sqlx::query("DELETE FROM listener_certificate WHERE listener_id = $1")
        .bind(listener)
        .execute(&mut *db)
        .await
        .map_err(internal("clear listener certificates"))?;
    sqlx::query(
        "INSERT INTO listener_certificate (listener_id, certificate_id, position) \
         SELECT $1, c, (p - 1)::int FROM unnest($2::uuid[]) WITH ORDINALITY AS t(c, p)",
    )
    .bind(listener)
    .bind(certificates)
    .execute(&mut *db)
    .await
    .map_err(internal("set listener certificates"))?;
    Ok(())
}

/// A certificate with its sealed key, for the agents of one load balancer.
#[derive(Clone, sqlx::FromRow)]
pub struct CertificateKeyRow {
    pub listener_id: Uuid,
    pub position: i32,
    pub id: Uuid,
    pub names: Vec<String>,
    pub chain_pem: String,
    pub key_sealed: Vec<u8>,
}

pub async fn certificate_keys_for_lb(
    db: impl PgExecutor<'_>,
    lb: Uuid,
) -> Result<Vec<CertificateKeyRow>> {
    sqlx::query_as(
        "SELECT lc.listener_id, lc.position, c.id, c.names, c.chain_pem, c.key_sealed \
         FROM listener_certificate lc JOIN listener l ON l.id = lc.listener_id \
         JOIN certificate c ON c.id = lc.certificate_id \
         WHERE l.load_balancer_id = $1 ORDER BY lc.listener_id, lc.position",
    )
    .bind(lb)
    .fetch_all(db)
    .await
    .map_err(internal("read certificates of a load balancer"))
}

/// Certificates expiring within `within` that were not warned about yet, marked warned in the
/// same statement, so two controllers never both record the event.
pub async fn certificate_take_expiring(
    db: impl PgExecutor<'_>,
    within: chrono::Duration,
) -> Result<Vec<CertificateRow>> {
    let cols = COLS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(&format!(
        "UPDATE certificate c SET expiry_warned_at = now() \
         WHERE c.expiry_warned_at IS NULL AND c.not_after < now() + $1 \
         RETURNING {cols}"
    ))
    .bind(within)
    .fetch_all(db)
    .await
    .map_err(internal("take expiring certificates"))
}
