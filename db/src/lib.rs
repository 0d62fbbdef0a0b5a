//! All SQL of lbaas. One function per query, named `<resource>_<verb>`, taking `impl PgExecutor`
//! (or a transaction) so callers compose transactions. Rows (`*Row`) are this crate's own type
//! family and turn into `lbaas_common::types` views through `From`/`into_view`. Constraint
//! violations become domain errors here, so no caller ever matches on SQLSTATEs.

use lbaas_common::ErrorCode;
use lbaas_common::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub mod breaker;
pub mod certificate;
pub mod dns;
pub mod event;
pub mod health;
pub mod hypervisor;
pub mod l7policy;
pub mod lease;
pub mod listener;
pub mod load_balancer;
pub mod member;
pub mod node;
pub mod page;
pub mod pool;
pub mod project;
pub mod spare;
pub mod subnet;
pub mod tenant;
pub mod token;

pub use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, Transaction};

/// The channel every change is announced on (see `lbaas_notify_change` in the migrations).
pub const CHANGE_CHANNEL: &str = "lbaas_change";

/// The channel each new event announces its tenant id on (`lbaas_notify_event`).
pub const EVENT_CHANNEL: &str = "lbaas_event";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub fn connect_options(url: &str) -> Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)
        .map_err(|e| Error::internal("parse database url", e))?
        .application_name("lbaas"))
}

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings each connection as it comes back to the pool; pinging it again on the way
        // out is a third round trip per query. Only a connection idle for a while (a PostgreSQL
        // restart may have broken it meanwhile) is checked before use.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > lease::Leases::IDLE_CHECK {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(connect_options(url)?)
        .await
        .map_err(|e| Error::internal("connect to PostgreSQL", e))
}

/// Runs the forward-only migrations. Only the API runs them at start-up (one writer of schema);
/// sqlx's advisory lock makes concurrent replicas safe anyway.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await.map_err(|e| Error::internal("run migrations", e))
}

/// What the row is called in messages, and which name the user gave it.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub kind: &'static str,
    pub name: &'a str,
}

/// Turns a database error into the domain error a client may see. Constraint names are the
/// contract between the migrations and this function.
pub(crate) fn db_err(ctx: Ctx<'_>, e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &e {
        let constraint = db.constraint().unwrap_or_default();
        match db.code().as_deref() {
            Some("23505") => {
                if constraint == "listener_load_balancer_port_key" {
                    return Error::conflict(
                        ErrorCode::PortInUse,
                        "another listener of this load balancer already uses that port",
                    );
                }
                if constraint == "member_pool_address_port_key" {
                    return Error::AlreadyExists { kind: "member", name: ctx.name.to_string() };
                }
                return Error::AlreadyExists { kind: ctx.kind, name: ctx.name.to_string() };
            }
            Some("23P01") if constraint == "subnet_no_overlap" => {
                return Error::conflict(
                    ErrorCode::SubnetOverlap,
                    format!("subnet {} overlaps another subnet of this project", ctx.name),
                );
            }
            Some("23514") if constraint == "member_inside_subnet" => {
                return Error::invalid(
                    ErrorCode::MemberOutsideSubnet,
                    format!("member {} is outside the load balancer's subnet", ctx.name),
                );
            }
            Some("23503") => {
                return Error::conflict(
                    ErrorCode::InUse,
                    format!(
                        "{} {:?} is still in use; delete what uses it first",
                        ctx.kind, ctx.name
                    ),
                );
            }
            _ => {}
        }
    }
    Error::internal(format!("query {} {:?}", ctx.kind, ctx.name), e)
}

/// Errors where no constraint is expected: anything is internal.
pub(crate) fn internal(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::internal(what, e)
}

/// Parses a text column written through a CHECK constraint; a mismatch is a bug, not input.
pub(crate) fn parse_enum<T: FromStr<Err = String>>(s: &str) -> T {
    s.parse().unwrap_or_else(|e| panic!("database holds a value the code does not know: {e}"))
}

/// Creates a database for one test and returns its pool. Tests share one cluster
/// (`LBAAS_TEST_DATABASE_URL`, an admin connection) and never each other's data.
pub mod testing {
    use super::*;
    use sqlx::Executor;

    /// Returns the pool and the URL of the new database (for processes a test starts).
    pub async fn fresh_database(admin_url: &str) -> Result<(PgPool, String)> {
        let admin = connect(admin_url, 1).await?;
        let name = format!("lbaas_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .map_err(internal("create test database"))?;
        admin.close().await;
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let url = match base.rsplit_once('/') {
            Some((head, _db)) if head.contains("://") && head.len() > "postgres://".len() => {
                format!("{head}/{name}")
            }
            _ => format!("{base}/{name}"),
        };
        let pool = connect(&url, 8).await?;
        migrate(&pool).await?;
        Ok((pool, url))
    }
}

/// An update matched no row although the caller had just read it: its generation moved on.
pub(crate) fn stale(kind: &'static str, id: uuid::Uuid) -> Error {
    Error::conflict(
        ErrorCode::StaleGeneration,
        format!("{kind} {id} changed since you read it (generation mismatch); read it and retry"),
    )
}
