//! The institution's positions, filtered by due date, payment date and read-time status, paged.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rw::load_positions;
use super::scope::Reach;
use super::status::StatusSql;
use super::Backend;
use crate::domain::{Position, PositionStatus};
use crate::store::schema::{payment_options as po, payment_positions as pp};
use crate::store::{DbConnection, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    InsertedDate,
    Iupd,
    Status,
    CompanyName,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub due_date: Option<(NaiveDateTime, NaiveDateTime)>,
    pub payment_date: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Read-time statuses accepted (any of them); empty for all.
    pub status: Vec<PositionStatus>,
    /// Leave out positions with several installment plans (the v1 API cannot show them).
    pub single_plan_only: bool,
    pub order_by: Option<OrderBy>,
    pub ascending: bool,
    pub page: i64,
    pub limit: i64,
}

pub struct Page {
    pub positions: Vec<Position>,
    pub total: i64,
}

type BoxedPositions<'a> = pp::BoxedQuery<'a, Backend>;

/// Positions of `org` matching the filter. The status filter uses the read-time status, so a
/// PUBLISHED position past its validity date is listed as VALID even before the batch runs.
fn filtered<'a>(reach: Reach<'a>, f: &ListFilter, now: NaiveDateTime) -> BoxedPositions<'a> {
    let org = reach.org;
    let mut q = pp::table
        .filter(pp::organization_fiscal_code.eq(org.as_str()))
        .into_boxed();
    if let Some(inside) = reach.sql_condition() {
        q = q.filter(inside);
    }
    if let Some((from, to)) = f.due_date {
        let with_due = po::table
            .filter(po::organization_fiscal_code.eq(org.as_str()))
            .filter(po::due_date.ge(from))
            .filter(po::due_date.le(to))
            .select(po::payment_position_id);
        q = q.filter(pp::id.eq_any(with_due));
    }
    if let Some((from, to)) = f.payment_date {
        q = q
            .filter(pp::payment_date.ge(from))
            .filter(pp::payment_date.le(to));
    }
    if let Some(any) = f
        .status
        .iter()
        .map(|&s| Backend::reads_as(s, now))
        .reduce(Backend::or)
    {
        q = q.filter(any);
    }
    if f.single_plan_only {
        q = q.filter(pp::multiple_plans.eq(false));
    }
    q
}

/// How many positions the caller reaches match the filter (its paging is ignored).
pub fn count<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    f: &ListFilter,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(filtered(reach.into(), f, now).count().get_result(conn)?)
}

/// The positions the caller reaches (outside its scope they are neither listed nor counted).
pub fn list<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    f: &ListFilter,
    now: NaiveDateTime,
) -> Result<Page, StoreError> {
    let reach = reach.into();
    let total = count(conn, reach, f, now)?;
    let mut q = filtered(reach, f, now);
    q = match (f.order_by.unwrap_or(OrderBy::InsertedDate), f.ascending) {
        (OrderBy::InsertedDate, true) => q.order((pp::inserted_date.asc(), pp::id.asc())),
        (OrderBy::InsertedDate, false) => q.order((pp::inserted_date.desc(), pp::id.desc())),
        (OrderBy::Iupd, true) => q.order(pp::iupd.asc()),
        (OrderBy::Iupd, false) => q.order(pp::iupd.desc()),
        (OrderBy::Status, true) => q.order((pp::status.asc(), pp::id.asc())),
        (OrderBy::Status, false) => q.order((pp::status.desc(), pp::id.desc())),
        (OrderBy::CompanyName, true) => q.order((pp::company_name.asc(), pp::id.asc())),
        (OrderBy::CompanyName, false) => q.order((pp::company_name.desc(), pp::id.desc())),
    };
    let ids: Vec<i64> = q
        .select(pp::id)
        .offset(f.page * f.limit)
        .limit(f.limit)
        .load(conn)?;
    Ok(Page {
        positions: load_positions(conn, &ids)?,
        total,
    })
}
