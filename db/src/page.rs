//! Keyset pagination: the cursor is the id of the last row of the previous page, so a page is a
//! single index range scan however deep the client pages, and concurrent inserts never make a
//! client skip or repeat rows the way OFFSET does.

use lbaas_common::types::Page;
use lbaas_common::ErrorCode;
use lbaas_common::{Error, Result};
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Copy)]
pub struct PageReq {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl PageReq {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                ErrorCode::InvalidLimit,
                format!("limit {limit} is not in 1..{MAX_LIMIT}"),
            ));
        }
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(Uuid::parse_str(c).map_err(|_| {
                Error::invalid(ErrorCode::InvalidCursor, "cursor is not one this API returned")
            })?),
        };
        Ok(PageReq { limit, after })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    pub fn finish<R, V>(
        &self,
        mut rows: Vec<R>,
        id: impl Fn(&R) -> Uuid,
        view: impl Fn(R) -> V,
    ) -> Page<V> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more { rows.last().map(|r| id(r).to_string()) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}
