//! What healthcheckd reads and writes: probe targets with their criteria, member and node
//! transitions, load figures for autoscale, and the liveness beats of the processes.

use lbaas_common::types::TenantId;
use lbaas_common::Result;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::internal;

/// Load balancers whose members and nodes are worth probing: built or being built, not being
/// deleted and not given up on.
const LIVE_LB: &str = "lb.provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE', 'ACTIVE')";

/// A member of a monitored pool, with the pool's criteria (defaults filled in here, so a
/// monitor written with only a protocol still probes sensibly) and the project it lives in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberTarget {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub project_id: Uuid,
    pub address: String,
    /// The monitor's port when it has one, else the member's.
    pub port: i32,
    pub operating_status: String,
    pub protocol: String,
    pub path: String,
    pub interval: i32,
    pub timeout: i32,
    pub rise: i32,
    pub fall: i32,
}

pub async fn member_targets(db: impl PgExecutor<'_>) -> Result<Vec<MemberTarget>> {
    sqlx::query_as(&format!(
        "SELECT m.id, m.tenant_id, p.load_balancer_id, lb.project_id, host(m.address) AS address, \
           coalesce(p.hm_port, m.port) AS port, m.operating_status, p.hm_protocol AS protocol, \
           coalesce(nullif(p.hm_path, ''), '/') AS path, coalesce(p.hm_interval, 5) AS interval, \
           coalesce(p.hm_timeout, 5) AS timeout, coalesce(p.hm_rise, 2) AS rise, \
           coalesce(p.hm_fall, 2) AS fall \
         FROM member m JOIN pool p ON p.id = m.pool_id \
         JOIN load_balancer lb ON lb.id = p.load_balancer_id \
         WHERE p.hm_protocol IS NOT NULL AND {LIVE_LB} ORDER BY m.id"
    ))
    .fetch_all(db)
    .await
    .map_err(internal("list member targets"))
}

/// Writes a member's health transition and its event in one transaction, and bumps its load
/// balancer's `health_generation` so the controller pushes the new member set to the agents.
/// Nothing happens (false) when the member already has that status or is gone.
pub async fn member_set_health(
    db: &PgPool,
    m: &MemberTarget,
    status: &str,
    why: &str,
) -> Result<bool> {
    let mut tx = db.begin().await.map_err(internal("begin"))?;
    let lb: Option<(Uuid,)> = sqlx::query_as(
        "WITH m AS (UPDATE member SET operating_status = $2 \
                     WHERE id = $1 AND operating_status <> $2 RETURNING pool_id) \
         UPDATE load_balancer lb SET health_generation = health_generation + 1 \
           FROM pool p, m WHERE p.id = m.pool_id AND lb.id = p.load_balancer_id RETURNING lb.id",
    )
    .bind(m.id)
    .bind(status)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal("set member health"))?;
    if lb.is_none() {
        return Ok(false);
    }
    let kind = if status == "ONLINE" { "member.up" } else { "member.down" };
    crate::event::event_insert(
        &mut *tx,
        Some(TenantId(m.tenant_id)),
        Some(m.load_balancer_id),
        None,
        kind,
        &format!("member {}:{} {status}: {why}", m.address, m.port),
    )
    .await?;
    tx.commit().await.map_err(internal("commit"))?;
    Ok(true)
}

/// Members of pools whose monitor was removed go back to NO_MONITOR (and into rotation).
pub async fn members_clear_unmonitored(db: impl PgExecutor<'_>) -> Result<u64> {
    let done = sqlx::query(
        "WITH m AS (UPDATE member m SET operating_status = 'NO_MONITOR' FROM pool p \
                     WHERE p.id = m.pool_id AND p.hm_protocol IS NULL \
                       AND m.operating_status <> 'NO_MONITOR' RETURNING p.load_balancer_id) \
         UPDATE load_balancer SET health_generation = health_generation + 1 \
          WHERE id IN (SELECT load_balancer_id FROM m)",
    )
    .execute(db)
    .await
    .map_err(internal("clear unmonitored members"))?;
    Ok(done.rows_affected())
}

/// An ACTIVE or DOWN node, with what tells whether it serves: its heartbeat age and the port
/// its VIP answers on, probed with the criteria of its load balancer's first monitored pool
/// (defaults when none: a node is probed whether or not its members are).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeTarget {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub load_balancer_id: Uuid,
    pub name: String,
    pub vip: Option<String>,
    pub status: String,
    /// Seconds since the controller last recorded a heartbeat; None: never.
    pub heartbeat_age: Option<f64>,
    /// Seconds since the controller of the node's hypervisor last beat
    /// ([`controller_beat_name`]); None: never.
    pub controller_beat_age: Option<f64>,
    pub probe_port: Option<i32>,
    pub interval: i32,
    pub timeout: i32,
    pub rise: i32,
    pub fall: i32,
}

pub async fn node_targets(db: impl PgExecutor<'_>) -> Result<Vec<NodeTarget>> {
    sqlx::query_as(&format!(
        "SELECT n.id, n.tenant_id, n.load_balancer_id, n.name, host(n.vip) AS vip, n.status, \
           extract(epoch FROM now() - n.last_heartbeat)::float8 AS heartbeat_age, \
           (SELECT extract(epoch FROM now() - b.beat_at)::float8 FROM service_beat b \
             JOIN hypervisor h ON b.name = 'controller:' || h.name \
             WHERE h.id = n.hypervisor_id) AS controller_beat_age, \
           (SELECT l.port FROM listener l WHERE l.load_balancer_id = lb.id \
             ORDER BY l.created_at, l.port LIMIT 1) AS probe_port, \
           coalesce(hm.hm_interval, 2) AS interval, coalesce(hm.hm_timeout, 1) AS timeout, \
           coalesce(hm.hm_rise, 2) AS rise, coalesce(hm.hm_fall, 3) AS fall \
         FROM node n JOIN load_balancer lb ON lb.id = n.load_balancer_id \
         LEFT JOIN LATERAL (SELECT p.hm_interval, p.hm_timeout, p.hm_rise, p.hm_fall FROM pool p \
                             WHERE p.load_balancer_id = lb.id AND p.hm_protocol IS NOT NULL \
                             ORDER BY p.created_at LIMIT 1) hm ON true \
         WHERE n.status IN ('ACTIVE', 'DOWN') AND {LIVE_LB} ORDER BY n.id"
    ))
    .fetch_all(db)
    .await
    .map_err(internal("list node targets"))
}

/// One autoscaled load balancer and the load its serving nodes reported (only ACTIVE nodes
/// with a heartbeat younger than `fresh_seconds` count).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScaleTarget {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub min_nodes: i32,
    pub max_nodes: i32,
    pub desired_nodes: i32,
    /// Seconds since the last scaling decision; None: never scaled.
    pub since_scaled: Option<f64>,
    pub serving: i64,
    /// Nodes still building or draining: a step is still under way.
    pub changing: i64,
    pub avg_cpu: f64,
    pub avg_rps: f64,
}

pub async fn scale_targets(
    db: impl PgExecutor<'_>,
    fresh_seconds: f64,
) -> Result<Vec<ScaleTarget>> {
    sqlx::query_as(
        "SELECT lb.id, lb.tenant_id, lb.name, lb.min_nodes, lb.max_nodes, \
           LEAST(GREATEST(coalesce(lb.desired_nodes, lb.min_nodes), lb.min_nodes), lb.max_nodes) \
             AS desired_nodes, \
           extract(epoch FROM now() - lb.scaled_at)::float8 AS since_scaled, \
           count(n.id) FILTER (WHERE n.status = 'ACTIVE' \
             AND n.last_heartbeat > now() - make_interval(secs => $1)) AS serving, \
           count(n.id) FILTER (WHERE n.status IN ('BUILDING', 'SUNDOWN')) AS changing, \
           coalesce(avg(n.cpu) FILTER (WHERE n.status = 'ACTIVE' \
             AND n.last_heartbeat > now() - make_interval(secs => $1)), 0)::float8 AS avg_cpu, \
           coalesce(avg(n.requests_per_second) FILTER (WHERE n.status = 'ACTIVE' \
             AND n.last_heartbeat > now() - make_interval(secs => $1)), 0)::float8 AS avg_rps \
         FROM load_balancer lb LEFT JOIN node n ON n.load_balancer_id = lb.id \
         WHERE lb.auto_scaling AND lb.provisioning_status = 'ACTIVE' \
         GROUP BY lb.id ORDER BY lb.id",
    )
    .bind(fresh_seconds)
    .fetch_all(db)
    .await
    .map_err(internal("list scale targets"))
}

/// Records that process `name` is alive now.
/// The beat of the controller reconciling a hypervisor: it records its nodes' heartbeats, so
/// while it is silent a stale node heartbeat says nothing about the node.
pub fn controller_beat_name(hypervisor: &str) -> String {
    format!("controller:{hypervisor}")
}

pub async fn service_beat(db: impl PgExecutor<'_>, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO service_beat (name) VALUES ($1) \
         ON CONFLICT (name) DO UPDATE SET beat_at = now()",
    )
    .bind(name)
    .execute(db)
    .await
    .map_err(internal("record service beat"))?;
    Ok(())
}

/// Seconds since process `name` last beat; None: never.
pub async fn service_beat_age(db: impl PgExecutor<'_>, name: &str) -> Result<Option<f64>> {
    let r: Option<(f64,)> = sqlx::query_as(
        "SELECT extract(epoch FROM now() - beat_at)::float8 FROM service_beat WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(db)
    .await
    .map_err(internal("read service beat"))?;
    Ok(r.map(|r| r.0))
}

/// Leadership among healthcheckd replicas: a session advisory lock, held by the connection
/// that took it for as long as it lives. Only the holder probes and decides, so two replicas
/// never double a scale-out or flap a member.
pub const LEADER_LOCK: i64 = 0x6c62_6861_6873_6864; // "lbhahshd"

/// The advisory lock of the controller that does the fleet-wide steps (node counts, placement,
/// the breaker; ARCHITECTURE §14): any controller may hold it, one at a time.
pub const SCHEDULER_LOCK: i64 = 0x6c62_7363_6865_6475; // "lbschedu"

/// The advisory lock a controller holds to reconcile one hypervisor (ARCHITECTURE §9): the
/// first 8 bytes of SHA-256("controller:" ‖ hypervisor id). Replicas of the controller wait on
/// it; the one that holds it does the work, and a SIGKILLed holder's connection closes, which
/// frees the lock for the next replica at once.
pub fn controller_lock(hypervisor: Uuid) -> i64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(b"controller:")
        .chain_update(hypervisor.as_bytes())
        .finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Takes `lock` for this connection's session if no other session holds it.
pub async fn try_lock(conn: &mut PgConnection, lock: i64) -> Result<bool> {
    let (got,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
        .bind(lock)
        .fetch_one(conn)
        .await
        .map_err(internal("take advisory lock"))?;
    Ok(got)
}

/// Waits until this replica holds `lock`, on a connection of its own that it returns; `None`
/// once `stop` resolves. Connection errors (PostgreSQL restarting) are retried, not fatal, so
/// stand-bys and a leader that lost its connection wait through a restart. `what` names the
/// work in the logs ("hypervisor local", "healthcheckd").
pub async fn hold_lock(
    db: &PgPool,
    lock: i64,
    what: &str,
    stop: impl std::future::Future<Output = ()>,
) -> Option<PgConnection> {
    tokio::pin!(stop);
    let mut conn: Option<PgConnection> = None;
    let mut waiting_logged = false;
    loop {
        if conn.is_none() {
            match db.acquire().await {
                Ok(c) => conn = Some(c.detach()),
                Err(e) => tracing::warn!(error = %e, what, "no connection for the lock yet"),
            }
        }
        if let Some(c) = conn.as_mut() {
            match try_lock(c, lock).await {
                Ok(true) => return conn,
                Ok(false) if !waiting_logged => {
                    tracing::info!(what, "another replica holds the lock; standing by");
                    waiting_logged = true;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, what, "could not ask for the lock");
                    conn = None;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = &mut stop => return None,
        }
    }
}

/// The leader's connection is still there, and with it the lock. When it is not, another
/// replica may lead already: the caller must stop deciding.
pub async fn still_leading(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT 1").execute(conn).await.map_err(internal("check leader connection"))?;
    Ok(())
}
