//! The monitor log, streamed: `GET /v1/events/stream` as Server-Sent Events (ARCHITECTURE §11).
//!
//! One `LISTEN lbaas_event` connection per API process ([`EventBus`]) fans the tenant ids of new
//! events out to the streams; a stream woken for its tenant (or every [`FALLBACK`], in case a
//! notification was lost while the listener reconnected) reads the events after the last one it
//! sent, by id (UUIDv7: ids sort by time). So a stream never misses an event and never repeats
//! one, and it resumes where a client left: `Last-Event-ID` (what browsers' `EventSource`
//! sends on reconnect) or `?after=<event id>`. Without either it starts with the next event.
//!
//! Not in the OpenAPI document: a stream that never ends is no operation the generated clients
//! or the schema fuzzer can call; the format is documented here and in the README.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use lbaas_common::types::Event;
use lbaas_common::{Error, ErrorCode};
use lbaas_db::page::PageReq;
use serde::Deserialize;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::auth::Tenant;
use crate::error::ApiError;
use crate::App;

/// A stream re-reads at least this often, notification or not.
const FALLBACK: Duration = Duration::from_secs(5);
/// Events read per query while catching up.
const BATCH: i64 = 100;

/// New events' tenant ids, from PostgreSQL, for every stream of this process.
pub struct EventBus {
    tx: broadcast::Sender<Uuid>,
}

impl EventBus {
    /// Starts the listener task (it reconnects on its own while the process lives).
    pub fn start(db: sqlx::PgPool) -> Arc<EventBus> {
        let (tx, _) = broadcast::channel(1024);
        let bus = Arc::new(EventBus { tx: tx.clone() });
        tokio::spawn(async move {
            loop {
                if let Err(e) = listen(&db, &tx).await {
                    tracing::warn!(error = %e, "event notifications stopped; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        bus
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.tx.subscribe()
    }
}

async fn listen(db: &sqlx::PgPool, tx: &broadcast::Sender<Uuid>) -> Result<(), sqlx::Error> {
    let mut l = PgListener::connect_with(db).await?;
    l.listen(lbaas_db::EVENT_CHANNEL).await?;
    loop {
        let n = l.recv().await?;
        if let Ok(tenant) = n.payload().parse::<Uuid>() {
            // No subscriber is fine: nobody is streaming.
            let _ = tx.send(tenant);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamParams {
    /// Only events of this load balancer (id).
    pub load_balancer_id: Option<Uuid>,
    /// Resume after this event id (as `Last-Event-ID`).
    pub after: Option<String>,
}

struct Cursor {
    app: App,
    tenant: Tenant,
    lb: Option<Uuid>,
    last: Option<Uuid>,
    rx: broadcast::Receiver<Uuid>,
    ready: VecDeque<Event>,
}

impl Cursor {
    /// Waits for this tenant's next notification (or the fallback period).
    async fn wake(&mut self) {
        let _ = tokio::time::timeout(FALLBACK, async {
            loop {
                match self.rx.recv().await {
                    Ok(t) if t == self.tenant.id.0 => return,
                    Ok(_) => {}
                    // Missed some: read anyway, the query catches up.
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        })
        .await;
    }

    async fn fill(&mut self) {
        let page = PageReq { after: self.last, limit: BATCH };
        match lbaas_db::event::event_list(&self.app.db, self.tenant.id, self.lb, page).await {
            Ok(rows) => self.ready.extend(rows.into_iter().map(Event::from)),
            Err(e) => tracing::warn!(error = %e, "event stream could not read events"),
        }
    }
}

pub async fn event_stream(
    State(app): State<App>,
    tenant: Tenant,
    headers: HeaderMap,
    Query(q): Query<StreamParams>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let resume =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_string).or(q.after);
    let last = match resume.as_deref() {
        Some(id) => Some(Uuid::parse_str(id.trim()).map_err(|_| {
            Error::invalid(
                ErrorCode::InvalidCursor,
                format!("Last-Event-ID / after {id:?} is not an event id"),
            )
        })?),
        None => lbaas_db::event::event_latest(&app.db, tenant.id).await?,
    };
    // Subscribed before the first read: an event written in between wakes the stream.
    let rx = app.events.subscribe();
    let cursor = Cursor { app, tenant, lb: q.load_balancer_id, last, rx, ready: VecDeque::new() };
    let stream = futures::stream::unfold((cursor, true), |(mut c, first)| async move {
        if first {
            c.fill().await;
        }
        while c.ready.is_empty() {
            c.wake().await;
            c.fill().await;
        }
        let e = c.ready.pop_front()?;
        c.last = Some(e.id.0);
        let sse = SseEvent::default()
            .id(e.id.0.to_string())
            .event(e.kind.clone())
            .json_data(&e)
            .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"));
        Some((Ok(sse), (c, false)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
