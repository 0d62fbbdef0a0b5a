//! Queries answered, by query type and response code, for the metrics (a fixed table of
//! counters: the UDP threads add a batch's counts at once, the slow path and TCP one by one;
//! no allocation, no lock, a bounded set of labels).

use std::sync::atomic::{AtomicU64, Ordering};

/// The query types counted by name; any other is `other`.
const QTYPES: [(&str, u16); 7] =
    [("A", 1), ("AAAA", 28), ("NS", 2), ("SOA", 6), ("CNAME", 5), ("AXFR", 252), ("ANY", 255)];
/// Response codes by their RFC 1035/2136 names (index = code); any other is `other`.
const RCODES: [&str; 10] = [
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH",
];
const NT: usize = QTYPES.len() + 1;
const NR: usize = RCODES.len() + 1;
pub(crate) const SLOTS: usize = NT * NR;

#[derive(Debug)]
pub struct QueryStats {
    counts: [AtomicU64; SLOTS],
}

impl Default for QueryStats {
    fn default() -> Self {
        QueryStats { counts: std::array::from_fn(|_| AtomicU64::new(0)) }
    }
}

pub(crate) fn slot(qtype: u16, rcode: u8) -> usize {
    let t = QTYPES.iter().position(|(_, v)| *v == qtype).unwrap_or(NT - 1);
    let r = usize::from(rcode).min(NR - 1);
    t * NR + r
}

impl QueryStats {
    pub(crate) fn record(&self, qtype: u16, rcode: u8) {
        self.counts[slot(qtype, rcode)].fetch_add(1, Ordering::Relaxed);
    }

    /// Adds a batch counted locally (indexed by [`slot`]).
    pub(crate) fn add(&self, local: &[u64; SLOTS]) {
        for (c, n) in self.counts.iter().zip(local) {
            if *n > 0 {
                c.fetch_add(*n, Ordering::Relaxed);
            }
        }
    }

    /// (query type, response code, count) for every pair seen.
    pub fn snapshot(&self) -> Vec<(&'static str, &'static str, u64)> {
        let mut out = Vec::new();
        for (i, c) in self.counts.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
            if n == 0 {
                continue;
            }
            let (t, r) = (i / NR, i % NR);
            let qtype = QTYPES.get(t).map_or("other", |(name, _)| name);
            let rcode = RCODES.get(r).copied().unwrap_or("other");
            out.push((qtype, rcode, n));
        }
        out
    }
}

/// QTYPE of a query's first question: after the header and the QNAME's labels (compression
/// pointers do not occur in a question; such a query is not classified).
pub(crate) fn qtype(query: &[u8]) -> Option<u16> {
    let mut i = 12;
    loop {
        let len = usize::from(*query.get(i)?);
        if len == 0 {
            i += 1;
            break;
        }
        if len & 0xC0 != 0 {
            return None;
        }
        i += 1 + len;
    }
    Some(u16::from_be_bytes([*query.get(i)?, *query.get(i + 1)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_type_and_code_with_other_for_the_rest() {
        let s = QueryStats::default();
        s.record(1, 0);
        s.record(1, 0);
        s.record(28, 3);
        s.record(99, 0);
        s.record(1, 15);
        let mut local = [0u64; SLOTS];
        local[slot(6, 0)] += 4;
        s.add(&local);
        let mut snap = s.snapshot();
        snap.sort();
        assert_eq!(
            snap,
            [
                ("A", "NOERROR", 2),
                ("A", "other", 1),
                ("AAAA", "NXDOMAIN", 1),
                ("SOA", "NOERROR", 4),
                ("other", "NOERROR", 1)
            ]
        );
    }

    #[test]
    fn reads_the_question_type() {
        // Header, then www.example. A IN.
        let mut q = vec![0u8; 12];
        q.extend_from_slice(b"\x03www\x07example\x00\x00\x01\x00\x01");
        assert_eq!(qtype(&q), Some(1));
        assert_eq!(qtype(&q[..14]), None);
    }
}
