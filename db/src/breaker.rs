//! The mass-failover breaker's row (migration 0011): the controller records its judgement, an
//! operator records a resume.

use chrono::{DateTime, Utc};
use lbaas_common::types::FailoverBreaker;
use lbaas_common::Result;
use sqlx::PgExecutor;

use crate::internal;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BreakerRow {
    pub open: bool,
    pub down: i32,
    pub nodes: i32,
    pub changed_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
    /// Seconds since `resumed_at`, by the database's clock (the one node ages are measured by).
    pub resumed_age_seconds: Option<f64>,
}

impl From<BreakerRow> for FailoverBreaker {
    fn from(r: BreakerRow) -> Self {
        FailoverBreaker {
            open: r.open,
            down: r.down,
            nodes: r.nodes,
            changed_at: r.changed_at,
            resumed_at: r.resumed_at,
        }
    }
}

const COLS: &str = "open, down, nodes, changed_at, resumed_at, \
     extract(epoch FROM now() - resumed_at)::float8 AS resumed_age_seconds";

pub async fn breaker_view(db: impl PgExecutor<'_>) -> Result<BreakerRow> {
    sqlx::query_as(&format!("SELECT {COLS} FROM failover_breaker"))
        .fetch_one(db)
        .await
        .map_err(internal("view the failover breaker"))
}

/// The controller's judgement, when it changes.
pub async fn breaker_record(
    db: impl PgExecutor<'_>,
    open: bool,
    down: i32,
    nodes: i32,
) -> Result<()> {
    sqlx::query("UPDATE failover_breaker SET open = $1, down = $2, nodes = $3, changed_at = now()")
        .bind(open)
        .bind(down)
        .bind(nodes)
        .execute(db)
        .await
        .map_err(internal("record the failover breaker"))?;
    Ok(())
}

/// The operator's resume: the nodes DOWN now are accepted and replaced.
pub async fn breaker_resume(db: impl PgExecutor<'_>) -> Result<BreakerRow> {
    sqlx::query_as(&format!("UPDATE failover_breaker SET resumed_at = now() RETURNING {COLS}"))
        .fetch_one(db)
        .await
        .map_err(internal("resume failovers"))
}
