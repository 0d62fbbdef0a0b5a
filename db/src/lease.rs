//! Dedicated connections for the API's hot reads: one query, one round trip.
//!
//! Why not the sqlx pool for these: sqlx 0.8 (0.9 too) pings every connection when it goes back
//! to the pool, and by default when it comes out. A one-query read through `PgPool` costs three
//! round trips to PostgreSQL, and PostgreSQL spent ~110 µs of CPU per REST GET under
//! `bench/api.sh` (perf), against ~45 µs for the query alone under `pgbench -M prepared`.
//!
//! A [`Lease`] hands out one connection at a time, at most `size` at once. The connection goes
//! back only after [`Lease::finish`] saw its query complete without a connection-level error:
//! a lease dropped mid-query (the client went away) or after an internal error closes its
//! connection instead, since its protocol state is unknown. A connection idle for longer than
//! [`Leases::IDLE_CHECK`] is pinged before use, so one that a PostgreSQL restart broke is
//! replaced, not handed to a request. Statements stay prepared per connection (sqlx's cache).

use lbaas_common::{Error, Result};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct Leases {
    opts: PgConnectOptions,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    permits: Arc<Semaphore>,
}

impl Leases {
    /// Connections idle longer than this are pinged before a request gets them.
    pub const IDLE_CHECK: Duration = Duration::from_secs(2);

    pub fn new(opts: PgConnectOptions, size: usize) -> Arc<Self> {
        Arc::new(Leases {
            opts,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size.max(1))),
        })
    }

    /// Waits for a free slot (bounded by `size`), then takes the most recently used idle
    /// connection (warm caches) or opens one.
    pub async fn lease(self: &Arc<Self>) -> Result<Lease> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| Error::internal("wait for a read connection", e))?;
        let popped = self.idle.lock().unwrap().pop();
        let conn = match popped {
            Some((c, at)) if at.elapsed() < Self::IDLE_CHECK => c,
            Some((mut c, _)) => match c.ping().await {
                Ok(()) => c,
                Err(_) => self.connect().await?,
            },
            None => self.connect().await?,
        };
        Ok(Lease { conn: Some(conn), leases: Arc::clone(self), keep: false, _permit: permit })
    }

    /// Leases with the pool's own connection options (URL, application name).
    pub fn for_pool(pool: &sqlx::PgPool, size: usize) -> Arc<Self> {
        Self::new((*pool.connect_options()).clone(), size)
    }

    async fn connect(&self) -> Result<PgConnection> {
        self.opts.connect().await.map_err(|e| Error::internal("connect to PostgreSQL", e))
    }
}

/// One connection, exclusively, until dropped. `&mut *lease` is a `PgExecutor`.
pub struct Lease {
    conn: Option<PgConnection>,
    leases: Arc<Leases>,
    keep: bool,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    /// Ends the lease with the result of its query: the connection is reused unless the
    /// query failed inside the driver (an internal error: broken socket, protocol).
    pub fn finish<T>(mut self, r: Result<T>) -> Result<T> {
        self.keep = !matches!(r, Err(Error::Internal { .. }));
        r
    }
}

impl Deref for Lease {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.keep {
                self.leases.idle.lock().unwrap().push((conn, Instant::now()));
            }
            // Otherwise the socket closes with `conn`: a fresh one is opened on demand.
        }
    }
}
