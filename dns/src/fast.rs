//! The answer table of the UDP fast path: for every name of the zone, the finished response to
//! each question the zone can be asked about it, so that answering a query is a hash lookup and a
//! copy, with no parsing into objects, no allocation and no task per packet.
//!
//! Where the bytes come from: hickory's own `Catalog` (the one that answers the slow path and
//! TCP) is asked every question once, when the zone is published, and its encoded responses are
//! kept as templates. A response's layout depends on the question only through its length (the
//! answers' owner names are compression pointers to offset 12, and a name's wire length does not
//! depend on its case), so at query time the template is copied and only the message ID, the
//! RD/CD flags (copied from the query, as hickory does), the question as sent (0x20 mixed case
//! echoed) and the EDNS payload size are patched. The fast path therefore cannot drift from what
//! hickory says: it is hickory's answer, cached. Rejected: encoding answers by hand from the
//! records (a second implementation of hickory's choices of sections, glue and flags to keep in
//! step), and a cache filled on first query (a zone change would have to invalidate it, and a
//! flood of random names would fill it).
//!
//! Two answers depend on the question's name itself and are encoded here instead: NXDOMAIN (the
//! SOA in authority, its names compressed against the origin's labels inside the question, as
//! BIND does; hickory spells the origin out once more) and REFUSED (outside the zone). The tests
//! check every answer against hickory's: the same message, and the same bytes but for that
//! compression.
//!
//! Anything the table cannot answer exactly as hickory would is [`Verdict::Slow`]: opcodes other
//! than QUERY, several or no questions, records in the answer/authority sections, compression in
//! the question, classes other than IN, types outside [`ORDINARY`] (ANY, AXFR, IXFR, CNAME, DS...),
//! EDNS versions other than 0, the DO bit, EDNS options other than cookies and padding, trailing
//! bytes, and answers larger than the client's buffer (hickory truncates them and sets TC).
//! Responses (QR set) and packets shorter than a header are dropped, as hickory drops them.
//!
//! Invariant: a [`Table`] is immutable once built and describes exactly one published zone
//! (records and serial); the publisher replaces it whole, together with the catalog.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Header, HeaderCounts, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinEncoder};
use hickory_server::net::runtime::TokioTime;
use hickory_server::net::xfer::Protocol;
use hickory_server::net::NetError;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::{Catalog, MessageResponse};

use crate::records::{RecordSetBuilt, ZoneSpec};

/// Query types answered from the table for every name of the zone: those whose answer at a name
/// is "the records of that type there, or none" in hickory's in-memory zone. Everything else
/// (ANY, CNAME, DS, transfers, meta types) has special rules and goes to hickory.
pub const ORDINARY: [RecordType; 12] = [
    RecordType::A,
    RecordType::AAAA,
    RecordType::TXT,
    RecordType::NS,
    RecordType::SOA,
    RecordType::MX,
    RecordType::SRV,
    RecordType::PTR,
    RecordType::CAA,
    RecordType::HTTPS,
    RecordType::SVCB,
    RecordType::NAPTR,
];

/// Bytes of a DNS header, and where the question starts.
const HEADER: usize = 12;
/// An OPT record with no options: root name, type, class (= payload size), TTL, RDLENGTH.
const OPT_LEN: usize = 11;
/// The largest payload hickory is asked for when templates are made: templates are complete.
const PROBE_PAYLOAD: u16 = u16::MAX;
const OPT_TYPE: u16 = 41;
/// EDNS options accepted on the fast path: hickory reads and ignores them both (it echoes none,
/// and a cookie server-side is not implemented). Any other option goes to hickory, which may
/// validate it (client subnet) or answer it (NSID).
const OPT_COOKIE: u16 = 10;
const OPT_PADDING: u16 = 12;

/// One finished response to a question about one name, as hickory encoded it.
#[derive(Debug, Clone)]
struct Template {
    bytes: Box<[u8]>,
}

/// The responses for one name: without EDNS (if it fits in 512 bytes untruncated) and with EDNS
/// (ending with the OPT record, whose payload size is patched per query).
#[derive(Debug, Clone, Default)]
struct Pair {
    plain: Option<Template>,
    edns: Option<Template>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    /// Types with records at this name.
    types: Vec<(u16, Pair)>,
    /// Any other type of [`ORDINARY`]: NOERROR, no answer, SOA in authority.
    nodata: Pair,
}

/// What the fast path serves: one published zone, ready to answer.
#[derive(Debug, Default)]
pub struct Table {
    /// Wire-format origin, lower case.
    origin: Vec<u8>,
    /// Keyed by the wire-format name, lower case. Holds every owner name and every empty
    /// non-terminal between an owner name and the origin; any other name in the zone does not
    /// exist (the zone has no wildcards and no delegations).
    names: HashMap<Box<[u8]>, Entry>,
    /// The SOA for the authority section of an NXDOMAIN: TTL, RDATA as (mname labels below the
    /// origin, rname labels below the origin, the 20 bytes of numbers).
    soa_ttl: u32,
    soa_mname: Vec<u8>,
    soa_rname: Vec<u8>,
    soa_numbers: [u8; 20],
}

/// What to do with a datagram.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The response is in the output buffer.
    Answer,
    /// Not for the fast path: hand the datagram to hickory.
    Slow,
    /// Not worth an answer (shorter than a header, or a response).
    Drop,
}

/// A question, as far as the fast path reads one.
struct Question {
    /// End of the question (after QTYPE and QCLASS).
    end: usize,
    qtype: u16,
    /// Offset of the origin's first label inside the message, for compression pointers.
    origin_at: Option<usize>,
    /// `Some(payload size)` when the query carries an OPT record.
    edns: Option<u16>,
}

impl Table {
    /// Answers `query` into `out` from the table if it can be answered exactly as hickory would.
    pub fn answer(&self, query: &[u8], out: &mut Vec<u8>) -> Verdict {
        if query.len() < HEADER {
            return Verdict::Drop;
        }
        if query[2] & 0x80 != 0 {
            return Verdict::Drop;
        }
        let mut key = [0u8; 255];
        let Some((q, key_len)) = self.parse(query, &mut key) else {
            return Verdict::Slow;
        };
        let key = &key[..key_len];
        let Some(origin_at) = q.origin_at else {
            self.refused(query, &q, out);
            return fits(out, q.edns);
        };
        if !ORDINARY.iter().any(|t| u16::from(*t) == q.qtype) {
            return Verdict::Slow;
        }
        let Some(entry) = self.names.get(key) else {
            self.nxdomain(query, &q, origin_at, out);
            return fits(out, q.edns);
        };
        let pair =
            entry.types.iter().find(|(t, _)| *t == q.qtype).map_or(&entry.nodata, |(_, p)| p);
        let template = match q.edns {
            None => pair.plain.as_ref(),
            Some(_) => pair.edns.as_ref(),
        };
        let Some(template) = template else {
            return Verdict::Slow;
        };
        let bytes = &template.bytes;
        out.clear();
        out.extend_from_slice(bytes);
        out[..2].copy_from_slice(&query[..2]);
        out[2] = (bytes[2] & !0x01) | (query[2] & 0x01);
        out[3] = (bytes[3] & !0x10) | (query[3] & 0x10);
        out[HEADER..q.end].copy_from_slice(&query[HEADER..q.end]);
        if let Some(payload) = q.edns {
            let class = out.len() - OPT_LEN + 3;
            out[class..class + 2].copy_from_slice(&payload.max(512).to_be_bytes());
        }
        fits(out, q.edns)
    }

    /// Reads the header, the question (lower-casing its name into `key`) and the OPT record.
    /// `None`: not a query the fast path answers.
    fn parse(&self, query: &[u8], key: &mut [u8; 255]) -> Option<(Question, usize)> {
        let be16 = |at: usize| -> Option<u16> {
            Some(u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]))
        };
        // QR is checked by the caller; opcode QUERY only.
        if query[2] & 0x78 != 0 {
            return None;
        }
        let (qd, an, ns, ar) = (be16(4)?, be16(6)?, be16(8)?, be16(10)?);
        if qd != 1 || an != 0 || ns != 0 || ar > 1 {
            return None;
        }
        // The name: plain labels only (a pointer in a question is legal but never sent by
        // resolvers; hickory reads it), at most 255 bytes in all.
        let mut at = HEADER;
        let mut labels = [0usize; 128];
        let mut count = 0;
        loop {
            let len = *query.get(at)? as usize;
            if len == 0 {
                break;
            }
            if len > 63 || count == labels.len() {
                return None;
            }
            labels[count] = at;
            count += 1;
            let label = query.get(at + 1..at + 1 + len)?;
            key.get_mut(at - HEADER..at - HEADER + 1)?[0] = len as u8;
            let dst = key.get_mut(at + 1 - HEADER..at + 1 - HEADER + len)?;
            for (d, s) in dst.iter_mut().zip(label) {
                *d = s.to_ascii_lowercase();
            }
            at += 1 + len;
        }
        let key_len = at + 1 - HEADER;
        *key.get_mut(key_len - 1)? = 0;
        let qtype = be16(at + 1)?;
        let qclass = be16(at + 3)?;
        if qclass != 1 {
            return None;
        }
        let end = at + 5;

        let edns = if ar == 1 { Some(opt(query, end)?) } else { None };
        if ar == 0 && end != query.len() {
            return None;
        }
        // In the zone if the origin is a suffix of the name at a label boundary.
        let origin_at = (0..=count).find_map(|i| {
            let start = if i < count { labels[i] } else { at } - HEADER;
            (key[start..key_len] == self.origin[..]).then_some(start + HEADER)
        });
        Some((Question { end, qtype, origin_at, edns }, key_len))
    }

    /// Header and question of a response without records: response bit, RD and CD as asked.
    fn header_and_question(
        &self,
        query: &[u8],
        q: &Question,
        flags: u8,
        rcode: u8,
        nscount: u16,
        out: &mut Vec<u8>,
    ) {
        out.clear();
        out.extend_from_slice(&query[..2]);
        out.push(0x80 | flags | (query[2] & 0x01));
        out.push((query[3] & 0x10) | rcode);
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&nscount.to_be_bytes());
        out.extend_from_slice(&u16::from(q.edns.is_some()).to_be_bytes());
        out.extend_from_slice(&query[HEADER..q.end]);
    }

    /// Outside the zone: REFUSED, not authoritative, as hickory's catalog answers.
    fn refused(&self, query: &[u8], q: &Question, out: &mut Vec<u8>) {
        self.header_and_question(query, q, 0, ResponseCode::Refused.low(), 0, out);
        push_opt(q.edns, out);
    }

    /// A name in the zone that does not exist: NXDOMAIN, authoritative, SOA in authority, every
    /// name in it compressed against the origin's position in the question.
    fn nxdomain(&self, query: &[u8], q: &Question, origin_at: usize, out: &mut Vec<u8>) {
        self.header_and_question(query, q, 0x04, ResponseCode::NXDomain.low(), 1, out);
        let pointer = 0xc000 | origin_at as u16;
        out.extend_from_slice(&pointer.to_be_bytes());
        out.extend_from_slice(&u16::from(RecordType::SOA).to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&self.soa_ttl.to_be_bytes());
        let rdlen = self.soa_mname.len() + 2 + self.soa_rname.len() + 2 + self.soa_numbers.len();
        out.extend_from_slice(&(rdlen as u16).to_be_bytes());
        out.extend_from_slice(&self.soa_mname);
        out.extend_from_slice(&pointer.to_be_bytes());
        out.extend_from_slice(&self.soa_rname);
        out.extend_from_slice(&pointer.to_be_bytes());
        out.extend_from_slice(&self.soa_numbers);
        push_opt(q.edns, out);
    }
}

/// Over UDP a response must fit the client's buffer; if it does not, hickory truncates.
fn fits(out: &[u8], edns: Option<u16>) -> Verdict {
    let limit = edns.map_or(512, |p| p.max(512)) as usize;
    if out.len() <= limit {
        Verdict::Answer
    } else {
        Verdict::Slow
    }
}

/// The response's OPT record: the client's payload size (at least 512), version 0, no flags, no
/// options, as hickory's catalog builds it.
fn push_opt(edns: Option<u16>, out: &mut Vec<u8>) {
    if let Some(payload) = edns {
        out.push(0);
        out.extend_from_slice(&OPT_TYPE.to_be_bytes());
        out.extend_from_slice(&payload.max(512).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    }
}

/// Reads the query's OPT record at `at`, which must end the message. Returns the payload size,
/// or `None` if hickory must look at it (version, DO bit, options, malformed).
fn opt(query: &[u8], at: usize) -> Option<u16> {
    let rr = query.get(at..at + OPT_LEN)?;
    let [name, t0, t1, p0, p1, ext_rcode, version, flags0, flags1, l0, l1] = rr else {
        return None;
    };
    if *name != 0 || u16::from_be_bytes([*t0, *t1]) != OPT_TYPE {
        return None;
    }
    if *ext_rcode != 0 || *version != 0 || *flags0 != 0 || *flags1 != 0 {
        return None;
    }
    let rdata = query.get(at + OPT_LEN..)?;
    if rdata.len() != usize::from(u16::from_be_bytes([*l0, *l1])) {
        return None;
    }
    let mut options = rdata;
    while !options.is_empty() {
        let [c0, c1, n0, n1, rest @ ..] = options else {
            return None;
        };
        let (code, len) =
            (u16::from_be_bytes([*c0, *c1]), usize::from(u16::from_be_bytes([*n0, *n1])));
        // A client cookie alone is 8 bytes, with a server cookie 16 to 40 (RFC 7873 §4).
        let ok = match code {
            OPT_COOKIE => len == 8 || (16..=40).contains(&len),
            OPT_PADDING => true,
            _ => false,
        };
        if !ok || rest.len() < len {
            return None;
        }
        options = &rest[len..];
    }
    Some(u16::from_be_bytes([*p0, *p1]))
}

/// The wire form of `name`, lower case.
fn wire(name: &Name) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 1);
    for label in name.to_lowercase().iter() {
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

/// The labels of `name` below `origin`, in wire form without the final root (the caller appends
/// a pointer to the origin).
fn below(name: &Name, origin: &Name) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(origin.zone_of(name), "{name} is not in {origin}");
    let full = wire(name);
    Ok(full[..full.len() - wire(origin).len()].to_vec())
}

/// Builds the table of a published zone by asking `catalog` every question once.
pub async fn build(
    spec: &ZoneSpec,
    built: &RecordSetBuilt,
    soa: &Record,
    catalog: &Catalog,
) -> anyhow::Result<Table> {
    let RData::SOA(soa_data) = &soa.data else {
        anyhow::bail!("the zone's SOA record holds no SOA data");
    };
    let mut numbers = [0u8; 20];
    for (i, n) in [
        soa_data.serial,
        soa_data.refresh as u32,
        soa_data.retry as u32,
        soa_data.expire as u32,
        soa_data.minimum,
    ]
    .into_iter()
    .enumerate()
    {
        numbers[i * 4..i * 4 + 4].copy_from_slice(&n.to_be_bytes());
    }
    let mut table = Table {
        origin: wire(&spec.origin),
        names: HashMap::new(),
        soa_ttl: soa.ttl,
        soa_mname: below(&soa_data.mname, &spec.origin)?,
        soa_rname: below(&soa_data.rname, &spec.origin)?,
        soa_numbers: numbers,
    };

    // Every owner name with its types, and every name between it and the origin (an empty
    // non-terminal answers NOERROR, not NXDOMAIN).
    let mut types: BTreeMap<Name, Vec<RecordType>> = BTreeMap::new();
    for record in std::iter::once(soa).chain(&built.records) {
        let mut name = record.name.to_lowercase();
        types.entry(name.clone()).or_default().push(record.record_type());
        while name.num_labels() > spec.origin.num_labels() {
            name = name.base_name();
            types.entry(name.clone()).or_default();
        }
    }
    for (name, mut present) in types {
        present.sort_by_key(|t| u16::from(*t));
        present.dedup();
        let mut entry = Entry::default();
        for t in &present {
            entry.types.push((u16::from(*t), pair(catalog, &name, *t).await?));
        }
        // The no-data answer, learnt from an ordinary type with nothing at this name.
        if let Some(absent) = ORDINARY.iter().find(|t| !present.contains(t)) {
            let nodata = pair(catalog, &name, *absent).await?;
            let no_answers = |t: &Option<Template>| {
                t.as_ref().is_none_or(|t| t.bytes.get(6..8) == Some(&[0, 0]))
            };
            if no_answers(&nodata.plain) && no_answers(&nodata.edns) {
                entry.nodata = nodata;
            }
        }
        table.names.insert(wire(&name).into_boxed_slice(), entry);
    }
    Ok(table)
}

/// Asks the catalog one question without and with EDNS and keeps the answers it can reuse:
/// NOERROR, not truncated, and (with EDNS) ending with the plain OPT record it will patch.
async fn pair(catalog: &Catalog, name: &Name, qtype: RecordType) -> anyhow::Result<Pair> {
    let mut out = Pair::default();
    for edns in [false, true] {
        let bytes = ask(catalog, &probe(name, qtype, edns)?).await?;
        let Ok(header) = Header::from_bytes(&bytes) else {
            continue;
        };
        let m = &header.metadata;
        if m.truncation || m.response_code != ResponseCode::NoError || m.op_code != OpCode::Query {
            continue;
        }
        if edns && !ends_with_plain_opt(&bytes, header.counts) {
            continue;
        }
        let template = Some(Template { bytes: bytes.into_boxed_slice() });
        if edns {
            out.edns = template;
        } else {
            out.plain = template;
        }
    }
    Ok(out)
}

fn ends_with_plain_opt(bytes: &[u8], counts: HeaderCounts) -> bool {
    let Some(opt) = bytes.len().checked_sub(OPT_LEN).and_then(|at| bytes.get(at..)) else {
        return false;
    };
    counts.additionals >= 1
        && opt[0] == 0
        && opt[1..3] == OPT_TYPE.to_be_bytes()
        && opt[5..11] == [0, 0, 0, 0, 0, 0]
}

/// A query for `name`/`qtype`, ID 0, no flags; with EDNS, the largest payload and no options.
pub(crate) fn probe(name: &Name, qtype: RecordType, edns: bool) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, u8::from(edns)]);
    out.extend_from_slice(&wire(name));
    out.extend_from_slice(&u16::from(qtype).to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    push_opt(edns.then_some(PROBE_PAYLOAD), &mut out);
    Ok(out)
}

/// What hickory's catalog answers to `query` over UDP, encoded as hickory's UDP path does.
pub(crate) async fn ask(catalog: &Catalog, query: &[u8]) -> anyhow::Result<Vec<u8>> {
    let src = SocketAddr::from(([127, 0, 0, 1], 53));
    let request = Request::from_bytes(query.to_vec(), src, Protocol::Udp)
        .map_err(|e| anyhow::anyhow!("parse probe query: {e}"))?;
    let capture = Capture::default();
    catalog.handle_request::<_, TokioTime>(&request, capture.clone()).await;
    let bytes = capture.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    bytes.ok_or_else(|| anyhow::anyhow!("the catalog sent no response"))
}

/// A response handler that keeps the encoded response.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

#[async_trait::async_trait]
impl ResponseHandler for Capture {
    async fn send_response<'a>(
        &mut self,
        response: MessageResponse<
            '_,
            'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
        >,
    ) -> Result<ResponseInfo, NetError> {
        let (info, bytes) = encode_udp(response);
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
        Ok(info)
    }
}

/// Encodes a response as hickory's UDP path does (`MessageResponse::encode` is crate-private):
/// at most the client's EDNS payload size, or 512 bytes without EDNS, truncated with TC beyond;
/// a response that cannot be encoded becomes a bare SERVFAIL.
pub(crate) fn encode_udp<'a>(
    response: MessageResponse<
        '_,
        'a,
        impl Iterator<Item = &'a Record> + Send + 'a,
        impl Iterator<Item = &'a Record> + Send + 'a,
        impl Iterator<Item = &'a Record> + Send + 'a,
        impl Iterator<Item = &'a Record> + Send + 'a,
    >,
) -> (ResponseInfo, Vec<u8>) {
    let id = response.metadata().id;
    let max = response.edns().map_or(512, |e| e.max_payload());
    let mut bytes = Vec::with_capacity(512);
    let mut encoder = BinEncoder::new(&mut bytes);
    encoder.set_max_size(max);
    match response.destructive_emit(&mut encoder) {
        Ok(info) => (info, bytes),
        Err(error) => {
            tracing::warn!(%error, "encode DNS response; SERVFAIL instead");
            let mut metadata = Metadata::new(id, MessageType::Response, OpCode::Query);
            metadata.response_code = ResponseCode::ServFail;
            let header = Header { metadata, counts: HeaderCounts::default() };
            let mut bytes = Vec::with_capacity(HEADER);
            let mut encoder = BinEncoder::new(&mut bytes);
            let _ = hickory_proto::serialize::binary::BinEncodable::emit(&header, &mut encoder);
            (header.into(), bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{self, ZoneSpec};
    use hickory_proto::op::Message;
    use lbaas_db::dns::{DnsAddressRow, DnsListenerRow};

    fn addr(lb: &str, vip: &str) -> DnsAddressRow {
        DnsAddressRow {
            load_balancer: lb.into(),
            project: "web".into(),
            tenant: "acme".into(),
            vip: vip.into(),
        }
    }

    /// A zone with a small name (two A, an AAAA, a TXT) and a big one (100 A: 1.6 KB).
    async fn zone() -> (Table, Catalog) {
        let spec = ZoneSpec::new("lbaas.test", 5, "127.0.0.1".parse().unwrap()).unwrap();
        let mut rows =
            vec![addr("lb1", "10.0.0.5"), addr("lb1", "10.0.0.6"), addr("lb1", "fd00::5")];
        rows.extend((1..=100).map(|i| addr("big", &format!("10.0.1.{i}"))));
        let listeners = [DnsListenerRow {
            load_balancer: "lb1".into(),
            project: "web".into(),
            tenant: "acme".into(),
            protocol: "HTTP".into(),
            port: 80,
        }];
        let built = records::build(&spec, &rows, &listeners);
        let served = records::served(&spec, &built, 42).unwrap();
        let table = build(&spec, &built, &served.soa, &served.catalog).await.unwrap();
        (table, served.catalog)
    }

    /// A query as clients send it: `name` as given (case kept), RD set, optional OPT record with
    /// `payload`, `flags` (DO is 0x8000) and raw `options`.
    fn query(id: u16, name: &str, qtype: u16, edns: Option<(u16, u16, &[u8])>) -> Vec<u8> {
        let mut q = id.to_be_bytes().to_vec();
        q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, u8::from(edns.is_some())]);
        for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.push(0);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        if let Some((payload, flags, options)) = edns {
            q.push(0);
            q.extend_from_slice(&OPT_TYPE.to_be_bytes());
            q.extend_from_slice(&payload.to_be_bytes());
            q.extend_from_slice(&[0, 0]);
            q.extend_from_slice(&flags.to_be_bytes());
            q.extend_from_slice(&(options.len() as u16).to_be_bytes());
            q.extend_from_slice(options);
        }
        q
    }

    const A: u16 = 1;
    const COOKIE: &[u8] = &[0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];

    /// The fast path answers `q`, and its answer means what hickory's does, with the question
    /// echoed byte for byte.
    async fn same_as_hickory(table: &Table, catalog: &Catalog, q: &[u8]) -> Message {
        let mut out = Vec::new();
        assert_eq!(table.answer(q, &mut out), Verdict::Answer, "{q:?}");
        let hickory = ask(catalog, q).await.unwrap();
        let fast = Message::from_vec(&out).expect("the fast answer parses");
        assert_eq!(fast, Message::from_vec(&hickory).unwrap(), "{q:?}");
        let question_end = q.len() - if q[11] == 1 { q.len() - fast_question_end(q) } else { 0 };
        assert_eq!(out[12..question_end], q[12..question_end], "question echoed as sent");
        // Byte for byte, but for NXDOMAIN: hickory compresses names only against the whole
        // question name, this against its suffixes too (as BIND does), so its SOA is shorter.
        if !q.iter().any(u8::is_ascii_uppercase)
            && fast.metadata.response_code != ResponseCode::NXDomain
        {
            assert_eq!(out, hickory, "byte for byte: {q:?}");
        }
        fast
    }

    fn fast_question_end(q: &[u8]) -> usize {
        let mut at = 12;
        while q[at] != 0 {
            at += 1 + q[at] as usize;
        }
        at + 5
    }

    #[tokio::test]
    async fn answers_mean_what_hickory_answers() {
        let (table, catalog) = zone().await;
        let names = [
            "lb1.web.acme.lbaas.test",
            "LB1.Web.ACME.lbaas.TEST",
            "ns1.lbaas.test",
            "lbaas.test",
            "LbAaS.TeSt",
            "web.acme.lbaas.test",
            "acme.lbaas.test",
            "nope.web.acme.lbaas.test",
            "NoPe.Web.acme.LBAAS.test",
            "x.lb1.web.acme.lbaas.test",
            "example.com",
            "test",
            "",
            "lbaas.test.example",
        ];
        let types = [1u16, 28, 16, 2, 6, 15, 33, 65, 257];
        let edns: [Option<(u16, u16, &[u8])>; 5] = [
            None,
            Some((1232, 0, &[])),
            Some((100, 0, &[])),
            Some((4096, 0, COOKIE)),
            Some((512, 0, &[0, 12, 0, 3, 0, 0, 0])),
        ];
        let mut id = 0;
        for name in names {
            for qtype in types {
                for e in edns {
                    id += 1;
                    same_as_hickory(&table, &catalog, &query(id, name, qtype, e)).await;
                }
            }
        }
        // RD clear and CD set are copied as hickory copies them.
        let mut q = query(7, "lb1.web.acme.lbaas.test", A, None);
        q[2] = 0;
        q[3] = 0x10;
        same_as_hickory(&table, &catalog, &q).await;
    }

    #[tokio::test]
    async fn the_rules_hold_on_the_fast_path() {
        let (table, catalog) = zone().await;
        let m =
            same_as_hickory(&table, &catalog, &query(1, "LB1.web.Acme.lbaas.test", A, None)).await;
        assert_eq!(
            (m.metadata.response_code, m.metadata.authoritative),
            (ResponseCode::NoError, true)
        );
        assert_eq!(m.answers.len(), 2);
        assert_eq!(m.queries[0].name().to_ascii(), "LB1.web.Acme.lbaas.test.", "0x20 case echoed");

        let m = same_as_hickory(&table, &catalog, &query(2, "nope.lbaas.test", A, None)).await;
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert!(
            matches!(m.authorities.first().map(|r| &r.data), Some(RData::SOA(s)) if s.serial == 42)
        );

        let m = same_as_hickory(&table, &catalog, &query(3, "example.com", A, None)).await;
        assert_eq!(m.metadata.response_code, ResponseCode::Refused);

        let m = same_as_hickory(
            &table,
            &catalog,
            &query(4, "lb1.web.acme.lbaas.test", A, Some((1232, 0, COOKIE))),
        )
        .await;
        assert_eq!(m.edns.as_ref().map(|e| e.max_payload()), Some(1232), "OPT in the reply");
        let m =
            same_as_hickory(&table, &catalog, &query(5, "lb1.web.acme.lbaas.test", A, None)).await;
        assert!(m.edns.is_none(), "no OPT when the query had none");
    }

    #[tokio::test]
    async fn what_the_table_cannot_answer_goes_to_hickory() {
        let (table, _) = zone().await;
        let lb1 = "lb1.web.acme.lbaas.test";
        let mut slow = vec![
            query(1, lb1, 255, None),                                   // ANY
            query(1, "lbaas.test", 252, None),                          // AXFR
            query(1, "lbaas.test", 251, None),                          // IXFR
            query(1, lb1, 5, None),                                     // CNAME
            query(1, lb1, A, Some((1232, 0x8000, &[]))),                // DO bit
            query(1, lb1, A, Some((1232, 0, &[0, 3, 0, 0]))),           // NSID
            query(1, lb1, A, Some((1232, 0, &[0, 10, 0, 3, 1, 2, 3]))), // bad cookie
            query(1, lb1, A, Some((1232, 0, &[0, 10, 0, 8, 1]))),       // option past the end
            query(1, "big.web.acme.lbaas.test", A, None),               // 1.6 KB > 512: TC
            query(1, "big.web.acme.lbaas.test", A, Some((1232, 0, &[]))),
        ];
        let mut v1 = query(1, lb1, A, Some((1232, 0, &[])));
        let version = v1.len() - 5;
        v1[version] = 1;
        slow.push(v1);
        let mut notify = query(1, "lbaas.test", 6, None);
        notify[2] = 4 << 3;
        slow.push(notify);
        let mut two = query(1, lb1, A, None);
        two[5] = 2;
        slow.push(two);
        let mut chaos = query(1, lb1, A, None);
        let class = chaos.len() - 1;
        chaos[class] = 3;
        slow.push(chaos);
        let mut trailing = query(1, lb1, A, None);
        trailing.push(0);
        slow.push(trailing);
        let mut pointer = query(1, "lbaas.test", A, None);
        pointer.truncate(12);
        pointer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        slow.push(pointer);
        let mut out = Vec::new();
        for q in &slow {
            assert_eq!(table.answer(q, &mut out), Verdict::Slow, "{q:?}");
        }
        // The big name over EDNS with a large enough buffer is the fast path's.
        let q = query(1, "big.web.acme.lbaas.test", A, Some((4096, 0, &[])));
        assert_eq!(table.answer(&q, &mut out), Verdict::Answer);

        let mut response = query(1, lb1, A, None);
        response[2] |= 0x80;
        for q in [&b""[..], &[0; 11], &response] {
            assert_eq!(table.answer(q, &mut out), Verdict::Drop, "{q:?}");
        }
    }

    /// Every prefix of real queries, and deterministic random mutations of them: never a panic,
    /// and whatever the fast path answers parses.
    #[tokio::test]
    async fn malformed_input_never_panics() {
        let (table, _) = zone().await;
        let seeds = [
            query(1, "lb1.web.acme.lbaas.test", A, Some((1232, 0, COOKIE))),
            query(2, "nope.lbaas.test", A, None),
            query(3, "example.com", 28, Some((512, 0, &[]))),
        ];
        let mut out = Vec::new();
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for seed in &seeds {
            for len in 0..=seed.len() {
                let _ = table.answer(&seed[..len], &mut out);
            }
            for _ in 0..20_000 {
                let mut q = seed.clone();
                for _ in 0..1 + next() % 4 {
                    let at = (next() % q.len() as u64) as usize;
                    q[at] = next() as u8;
                }
                if table.answer(&q, &mut out) == Verdict::Answer {
                    Message::from_vec(&out).unwrap_or_else(|e| panic!("{q:?} -> {out:?}: {e}"));
                }
            }
        }
    }
}
