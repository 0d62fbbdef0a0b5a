//! `DnsPublisher`: the reconciler that turns PostgreSQL rows into the served zone. It runs on a
//! `NOTIFY lbaas_change` (relevant tables only) and on a timer, takes no input, and is idempotent:
//! a pass reads everything, builds the record set, advances the persisted serial if the set
//! changed, and swaps the whole catalog and the fast path's table built from it. A failed pass changes nothing served; the next one
//! retries. Its status (last run, last error, counts, serial) is readable by an operator.
//!
//! Invariants: the served serial is the one PostgreSQL returned for exactly the served record set;
//! it never decreases across passes, restarts or replicas (see `lbaas_db::dns::dns_zone_advance`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::RecordType;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{watch, Notify};
use tracing::Instrument;

use crate::fast;
use crate::handler::{Published, ZoneSlot};
use crate::records::{self, ZoneSpec};

/// What an operator can read about the publisher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublisherStatus {
    /// The persisted serial being served (before the 32-bit wrap).
    pub serial: Option<i64>,
    /// Records served, SOA excluded.
    pub records: usize,
    /// Load balancer names with at least one address.
    pub names: usize,
    /// Rows that could not be published (invalid names or addresses).
    pub skipped: usize,
    pub reloads: u64,
    pub last_reload: Option<SystemTime>,
    /// Microseconds the last pass took, from reading the rows to serving the new zone.
    pub last_reload_us: Option<u64>,
    /// The error of the last pass, cleared by the next successful one.
    pub last_error: Option<String>,
}

pub(crate) struct DnsPublisher {
    pub(crate) db: PgPool,
    pub(crate) spec: ZoneSpec,
    pub(crate) zone: Arc<ZoneSlot>,
    pub(crate) status: Arc<Mutex<PublisherStatus>>,
    pub(crate) notify: Vec<SocketAddr>,
    /// The canonical text and serial last swapped in; an identical pass swaps nothing.
    pub(crate) served: Option<(String, i64)>,
}

/// Tables whose changes can change the zone. Members, pools, subnets and events cannot, and the
/// node table's frequent heartbeat updates are coalesced by the minimum reload interval.
fn relevant(payload: &str) -> bool {
    let table = payload.split_once(':').map_or(payload, |(t, _)| t);
    matches!(table, "node" | "load_balancer" | "listener" | "project" | "tenant")
}

impl DnsPublisher {
    /// One pass. Returns an error without touching what is served if anything fails.
    pub(crate) async fn reload(&mut self) -> anyhow::Result<()> {
        let pass_started = std::time::Instant::now();
        let (addresses, listeners) = lbaas_db::dns::dns_snapshot_list(&self.db).await?;
        let built = records::build(&self.spec, &addresses, &listeners);
        let text = built.canonical_text();
        let hash = lbaas_db::dns::dns_records_hash(&text);
        let serial = lbaas_db::dns::dns_zone_advance(&self.db, &self.spec.key(), &hash).await?;
        let previous = self.served.as_ref().map(|(_, s)| *s);
        if self.served.as_ref() != Some(&(text.clone(), serial)) {
            let served = records::served(&self.spec, &built, records::soa_serial(serial))?;
            let started = std::time::Instant::now();
            let fast = fast::build(&self.spec, &built, &served.soa, &served.catalog).await?;
            let fast_build_ms = started.elapsed().as_millis() as u64;
            self.zone.swap(Published { served, fast });
            tracing::info!(
                serial,
                records = built.records.len(),
                skipped = built.skipped,
                fast_build_ms,
                "DNS zone published"
            );
            // Also at start-up (no previous): the zone may have changed while this server was
            // down, and a NOTIFY only makes a secondary compare serials.
            if previous.is_none_or(|p| serial > p) {
                self.send_notify(serial);
            }
            self.served = Some((text, serial));
        }
        if built.skipped > 0 {
            tracing::warn!(skipped = built.skipped, "rows with names or VIPs DNS cannot publish");
        }
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        status.serial = Some(serial);
        status.records = built.records.len();
        status.names = built.names;
        status.skipped = built.skipped;
        status.reloads += 1;
        status.last_reload = Some(SystemTime::now());
        status.last_reload_us = Some(pass_started.elapsed().as_micros() as u64);
        status.last_error = None;
        Ok(())
    }

    async fn reload_logged(&mut self) {
        if let Err(e) = self.reload().await {
            // WARN, not ERROR: the old zone keeps being served and the next pass retries; a
            // person needs to look only if `last_error` stays set.
            tracing::warn!(
                error = format!("{e:#}"),
                "DNS reload failed; serving the previous zone"
            );
            let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
            status.last_error = Some(format!("{e:#}"));
        }
    }

    /// Runs passes on wake-ups and every `refresh` until `stop` flips, at most one per
    /// `min_interval` (wake-ups during a pass or the pause are coalesced into one more pass).
    pub(crate) async fn run(
        mut self,
        wake: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
        refresh: Duration,
        min_interval: Duration,
    ) {
        let mut tick = tokio::time::interval(refresh);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate; start() already ran a pass
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = wake.notified() => {}
                _ = stop.changed() => return,
            }
            self.reload_logged().await;
            tokio::select! {
                _ = tokio::time::sleep(min_interval) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// DNS NOTIFY (RFC 1996) to each configured secondary, fire and forget: no retry and no wait
    /// for the acknowledgement. A lost NOTIFY costs at most the SOA refresh (60 s) on that
    /// secondary. TODO-robustness: retransmit until acknowledged, as BIND does.
    fn send_notify(&self, serial: i64) {
        if self.notify.is_empty() {
            return;
        }
        let mut msg = Message::query();
        msg.metadata.message_type = MessageType::Query;
        msg.metadata.op_code = OpCode::Notify;
        msg.metadata.authoritative = true;
        msg.add_query(Query::query(self.spec.origin.clone(), RecordType::SOA));
        msg.add_answer(self.spec.soa(records::soa_serial(serial)));
        let bytes = match msg.to_vec() {
            Ok(b) => b,
            Err(error) => {
                tracing::warn!(%error, "encode DNS NOTIFY");
                return;
            }
        };
        let targets = self.notify.clone();
        tokio::spawn(
            async move {
                for target in targets {
                    let bind: SocketAddr = if target.is_ipv4() {
                        ([0, 0, 0, 0], 0).into()
                    } else {
                        ([0u16; 8], 0).into()
                    };
                    let sent = match tokio::net::UdpSocket::bind(bind).await {
                        Ok(sock) => sock.send_to(&bytes, target).await.map(|_| ()),
                        Err(e) => Err(e),
                    };
                    match sent {
                        Ok(()) => tracing::debug!(%target, "DNS NOTIFY sent"),
                        Err(error) => tracing::warn!(%target, %error, "send DNS NOTIFY"),
                    }
                }
            }
            .instrument(tracing::info_span!("dns_notify", serial)),
        );
    }
}

/// Turns `NOTIFY lbaas_change` into wake-ups of the publisher. Reconnects with a pause on any
/// error; after every (re)connection it wakes the publisher once, because notifications sent
/// while it was not listening are lost.
pub(crate) async fn listen(db: PgPool, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    loop {
        let connected = async {
            let mut listener = PgListener::connect_with(&db).await?;
            listener.listen(lbaas_db::CHANGE_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            r = connected => match r {
                Ok(l) => l,
                Err(error) => {
                    tracing::warn!(%error, "LISTEN {}; retrying", lbaas_db::CHANGE_CHANNEL);
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = stop.changed() => return,
                    }
                }
            },
            _ = stop.changed() => return,
        };
        wake.notify_one();
        loop {
            tokio::select! {
                r = listener.try_recv() => match r {
                    Ok(Some(n)) => {
                        if relevant(n.payload()) {
                            wake.notify_one();
                        }
                    }
                    // The connection dropped; the next call reconnects and re-listens.
                    Ok(None) => wake.notify_one(),
                    Err(error) => {
                        tracing::warn!(%error, "receive notifications; reconnecting");
                        break;
                    }
                },
                _ = stop.changed() => return,
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relevant;

    #[test]
    fn only_tables_that_shape_the_zone_wake_the_publisher() {
        for yes in ["node:1", "load_balancer:x", "listener:y", "project:z", "tenant:t"] {
            assert!(relevant(yes), "{yes}");
        }
        for no in ["member:1", "pool:2", "subnet:3", "event:4", "nodes:5", ""] {
            assert!(!relevant(no), "{no}");
        }
    }
}
