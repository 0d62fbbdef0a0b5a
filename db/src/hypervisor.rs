//! Compute hosts. One row (`local`, `qemu:///system`) by default; nodes reference the host they
//! run on.

use lbaas_common::Result;
use sqlx::PgExecutor;

use crate::internal;

pub async fn hypervisor_uri(db: impl PgExecutor<'_>, name: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT uri FROM hypervisor WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
        .map_err(internal("view hypervisor"))?;
    Ok(row.map(|r| r.0))
}
