//! The request handler hickory's `Server` calls for every TCP query, and the UDP threads for
//! every datagram the fast path leaves to hickory: it owns what is served (a `Catalog`, the zone
//! transfer and the fast path's table, swapped whole by the publisher, never edited in place, so a
//! query sees either the old or the new zone and nothing in between), the AXFR allow-list and the
//! bound on requests in flight. Answering queries (NXDOMAIN with SOA, REFUSED outside the zone,
//! EDNS, UDP truncation) is hickory's `Catalog`; zone transfers are answered here, because
//! hickory's allow/deny policy knows no client addresses and it sends a transfer as one message.

use std::future::Future;
use std::iter;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use hickory_proto::op::{Edns, Header, HeaderCounts, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::{LowerName, Record, RecordType};
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::sync::Semaphore;

use crate::cidr::Cidr;
use crate::fast;
use crate::records::Served;

/// One published zone: what hickory answers from, and the fast path's table built from it.
pub(crate) struct Published {
    pub(crate) served: Served,
    pub(crate) fast: fast::Table,
}

/// What is being served; the publisher replaces the whole `Arc`. An `ArcSwap` rather than a
/// lock: the UDP threads read it for every datagram, and a read is then a few atomic operations
/// that never wait for the publisher (nor for each other).
#[derive(Default)]
pub(crate) struct ZoneSlot {
    published: ArcSwapOption<Published>,
}

impl ZoneSlot {
    pub(crate) fn swap(&self, published: Published) {
        self.published.store(Some(Arc::new(published)));
    }

    pub(crate) fn current(&self) -> arc_swap::Guard<Option<Arc<Published>>> {
        self.published.load()
    }
}

#[derive(Clone)]
pub(crate) struct Handler {
    pub(crate) zone: Arc<ZoneSlot>,
    /// Answers by query type and response code (this path: TCP and the UDP slow path).
    pub(crate) stats: Arc<crate::QueryStats>,
    pub(crate) axfr_allow: Arc<[Cidr]>,
    /// Requests being answered. hickory spawns a task per TCP connection without a limit (and
    /// the UDP threads one per slow-path datagram, bounded there); past this bound a request gets
    /// SERVFAIL at once instead of queueing, so a flood costs a bounded amount of work and the
    /// answer tells the client to retry.
    pub(crate) in_flight: Arc<Semaphore>,
}

impl Handler {
    async fn handle<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
        _time: PhantomData<T>,
    ) -> ResponseInfo {
        let Ok(_permit) = self.in_flight.try_acquire() else {
            tracing::debug!(src = %request.src(), "too many requests in flight; SERVFAIL");
            return error_response(request, ResponseCode::ServFail, response_handle).await;
        };
        // Never None once `DnsServer::start` returned: it publishes before serving.
        let Some(published) = self.zone.current().clone() else {
            return error_response(request, ResponseCode::ServFail, response_handle).await;
        };
        let served = &published.served;
        if is_transfer(request) {
            if !self.axfr_allow.iter().any(|n| n.contains(request.src().ip())) {
                tracing::info!(src = %request.src(), "zone transfer refused: not in the allow-list");
                return error_response(request, ResponseCode::Refused, response_handle).await;
            }
            return transfer(request, served, response_handle).await;
        }
        served.catalog.handle_request::<R, T>(request, response_handle).await
    }
}

fn is_transfer(request: &Request) -> bool {
    request.metadata.op_code == OpCode::Query
        && request
            .queries
            .queries()
            .iter()
            .any(|q| matches!(q.query_type(), RecordType::AXFR | RecordType::IXFR))
}

/// Answers an allowed AXFR, or an IXFR with the full zone (RFC 1995 §4 lets a server without
/// history do so), in as many messages as it takes. Over UDP an AXFR is refused (RFC 5936 §4.2
/// defines none) and an IXFR gets the SOA alone, which tells the client to use TCP.
async fn transfer<R: ResponseHandler>(
    request: &Request,
    served: &Served,
    mut response_handle: R,
) -> ResponseInfo {
    let [query] = request.queries.queries() else {
        return error_response(request, ResponseCode::FormErr, response_handle).await;
    };
    if *query.name() != LowerName::new(&served.soa.name) {
        return error_response(request, ResponseCode::NotAuth, response_handle).await;
    }
    let udp = request.protocol() == Protocol::Udp;
    if udp && query.query_type() == RecordType::AXFR {
        return error_response(request, ResponseCode::Refused, response_handle).await;
    }
    let soa_only = [vec![served.soa.clone()]];
    let messages: &[Vec<Record>] = if udp { &soa_only } else { &served.transfer };

    let edns = response_edns(request);
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.authoritative = true;
    let mut info = servfail_info(request);
    for records in messages {
        let response = MessageResponseBuilder::new(&request.queries, edns.as_ref()).build(
            metadata,
            records.iter(),
            iter::empty(),
            iter::empty(),
            iter::empty(),
        );
        match response_handle.send_response(response).await {
            Ok(sent) => info = sent,
            Err(error) => {
                tracing::debug!(%error, src = %request.src(), "send zone transfer");
                return servfail_info(request);
            }
        }
    }
    info
}

/// An EDNS query gets an OPT record back (RFC 6891 §6.1.1), as the catalog would do.
fn response_edns(request: &Request) -> Option<Edns> {
    request.edns.as_ref().map(|e| {
        let mut out = Edns::new();
        out.set_max_payload(e.max_payload().max(512));
        out
    })
}

/// What is reported to hickory when no response could be sent.
fn servfail_info(request: &Request) -> ResponseInfo {
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.response_code = ResponseCode::ServFail;
    Header { metadata, counts: HeaderCounts::default() }.into()
}

async fn error_response<R: ResponseHandler>(
    request: &Request,
    code: ResponseCode,
    mut response_handle: R,
) -> ResponseInfo {
    let edns = response_edns(request);
    let response = MessageResponseBuilder::new(&request.queries, edns.as_ref())
        .error_msg(&request.metadata, code);
    match response_handle.send_response(response).await {
        Ok(info) => info,
        Err(error) => {
            tracing::debug!(%error, src = %request.src(), "send error response");
            servfail_info(request)
        }
    }
}

// `RequestHandler` is declared with `#[async_trait]`. This crate does not depend on async-trait,
// so the impl is written in the form the macro expands to: a boxed, `Send` future.
impl RequestHandler for Handler {
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: 'async_trait + ResponseHandler,
        T: 'async_trait + Time,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let info = self.handle::<R, T>(request, response_handle, PhantomData).await;
            let qtype = request.queries.queries().first().map_or(0, |q| u16::from(q.query_type()));
            self.stats.record(qtype, info.response_code.low());
            info
        })
    }
}
