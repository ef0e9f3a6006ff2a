//! The institution's positions, filtered by due date, payment date and read-time status, paged.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::rw::load_positions;
use super::scope::Reach;
use super::status::StatusSql;
use super::Backend;
use crate::domain::{DomainError, Position, PositionStatus};
use crate::store::schema::{payment_options as po, payment_positions as pp};
use crate::store::{DbConnection, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    InsertedDate,
    Iupd,
    Status,
    CompanyName,
}

/// A due-date window of at most this many days, listed in insertion order, is read as one index
/// stream per day, merged.
pub const MAX_STREAM_DAYS: i64 = 31;

/// A list counts at most this many matching positions: beyond it `items_found` says "at least
/// this many", so that every page costs an index range read however many positions match.
pub const COUNT_LIMIT: i64 = 200;

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
    /// Keyset paging: the IUPD of the last position of the previous page (then `page` is 0).
    pub after: Option<String>,
}

pub struct Page {
    pub positions: Vec<Position>,
    /// Matching positions, counted up to [`COUNT_LIMIT`].
    pub total: i64,
    /// More than [`COUNT_LIMIT`] positions match: `total` is a lower bound.
    pub total_capped: bool,
}

type BoxedPositions<'a> = pp::BoxedQuery<'a, Backend>;

/// How the due-date condition is applied to the positions.
#[derive(Clone, Copy)]
enum Due {
    /// Not at all (the caller restricts the ids itself).
    Skip,
    /// `id IN (options due ...)`: driven from the options' due-date index (counting).
    In,
    /// A probe of each position's options, read in the order of the page (many matches).
    Exists,
}

/// Positions of `org` matching the filter. The status filter uses the read-time status, so a
/// PUBLISHED position past its validity date is listed as VALID even before the batch runs.
/// Without `by_org` the caller restricts the ids to the institution's own.
fn filtered<'a>(
    reach: Reach<'a>,
    f: &ListFilter,
    now: NaiveDateTime,
    due: Due,
    by_org: bool,
) -> BoxedPositions<'a> {
    let org = reach.org;
    let mut q = pp::table.into_boxed();
    if by_org {
        q = q.filter(pp::organization_fiscal_code.eq(org.as_str()));
    }
    if let Some(inside) = reach.sql_condition() {
        q = q.filter(inside);
    }
    if let Some((from, to)) = f.due_date {
        q = match due {
            Due::Skip => q,
            Due::In => q.filter(
                pp::id.eq_any(
                    po::table
                        .filter(po::organization_fiscal_code.eq(org.as_str()))
                        .filter(po::due_date.ge(from))
                        .filter(po::due_date.le(to))
                        .select(po::payment_position_id),
                ),
            ),
            // A count rather than EXISTS: MariaDB turns EXISTS into a semi-join that reads every
            // option of the institution before the first row of the page.
            Due::Exists => q.filter(
                po::table
                    .filter(po::payment_position_id.eq(pp::id))
                    .filter(po::due_date.ge(from))
                    .filter(po::due_date.le(to))
                    .count()
                    .single_value()
                    .gt(0),
            ),
        };
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

/// Up to `limit` ids of matching positions, in no particular order. With a due-date filter they
/// are found from the options' `(institution, due date)` index, a chunk at a time, then checked
/// against the rest of the filter by primary key: no read of positions outside the window.
fn matching_ids(
    conn: &mut DbConnection,
    reach: Reach,
    f: &ListFilter,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let Some((from, to)) = f.due_date else {
        return Ok(filtered(reach, f, now, Due::Skip, true)
            .select(pp::id)
            .limit(limit)
            .load(conn)?);
    };
    let chunk = limit + limit / 10;
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for round in 0.. {
        let options: Vec<i64> = po::table
            .filter(po::organization_fiscal_code.eq(reach.org.as_str()))
            .filter(po::due_date.ge(from))
            .filter(po::due_date.le(to))
            .select(po::payment_position_id)
            .order((po::due_date.asc(), po::payment_position_id.asc()))
            .offset(round * chunk)
            .limit(chunk)
            .load(conn)?;
        let candidates: Vec<i64> = options
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        if !candidates.is_empty() {
            let passed: Vec<i64> = filtered(reach, f, now, Due::Skip, false)
                .filter(pp::id.eq_any(candidates))
                .select(pp::id)
                .load(conn)?;
            found.extend(passed);
        }
        if found.len() as i64 >= limit || (options.len() as i64) < chunk {
            break;
        }
    }
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}

/// How many positions the caller reaches match the filter (its paging is ignored).
pub fn count<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    f: &ListFilter,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(filtered(reach.into(), f, now, Due::In, true)
        .count()
        .get_result(conn)?)
}

/// The sort key of the position named by `after`, for keyset paging.
struct Anchor {
    id: i64,
    inserted_date: NaiveDateTime,
    iupd: String,
    status: String,
    company_name: String,
}

fn anchor(conn: &mut DbConnection, reach: Reach, iupd: &str) -> Result<Anchor, StoreError> {
    let mut q = pp::table
        .filter(pp::organization_fiscal_code.eq(reach.org.as_str()))
        .filter(pp::iupd.eq(iupd))
        .into_boxed();
    if let Some(inside) = reach.sql_condition() {
        q = q.filter(inside);
    }
    let row: Option<(i64, NaiveDateTime, String, String, String)> = q
        .select((
            pp::id,
            pp::inserted_date,
            pp::iupd,
            pp::status,
            pp::company_name,
        ))
        .first(conn)
        .optional()?;
    let (id, inserted_date, iupd, status, company_name) = row.ok_or_else(|| {
        DomainError::invalid(
            "after",
            format!("no debt position '{iupd}' of organization {}", reach.org),
        )
    })?;
    Ok(Anchor {
        id,
        inserted_date,
        iupd,
        status,
        company_name,
    })
}

/// A position's place in insertion order, as the options' per-day index holds it.
type StreamKey = (NaiveDateTime, i64);

fn precedes(a: StreamKey, b: StreamKey, ascending: bool) -> bool {
    if ascending {
        a < b
    } else {
        a > b
    }
}

/// Up to `n` positions with an option due on `day`, in insertion order, after `start` (excluded).
fn day_stream(
    conn: &mut DbConnection,
    org: &str,
    day: NaiveDate,
    start: Option<StreamKey>,
    ascending: bool,
    n: i64,
) -> Result<Vec<StreamKey>, StoreError> {
    let of_day = po::table
        .filter(po::organization_fiscal_code.eq(org))
        .filter(po::due_day.eq(day))
        .select((po::position_inserted_date, po::payment_position_id));
    let asc = (
        po::position_inserted_date.asc(),
        po::payment_position_id.asc(),
    );
    let desc = (
        po::position_inserted_date.desc(),
        po::payment_position_id.desc(),
    );
    let rows = match (start, ascending) {
        (None, true) => of_day.order(asc).limit(n).load(conn)?,
        (None, false) => of_day.order(desc).limit(n).load(conn)?,
        (Some((inserted, id)), true) => of_day
            .filter(po::position_inserted_date.ge(inserted))
            .filter(
                po::position_inserted_date
                    .gt(inserted)
                    .or(po::payment_position_id.gt(id)),
            )
            .order(asc)
            .limit(n)
            .load(conn)?,
        (Some((inserted, id)), false) => of_day
            .filter(po::position_inserted_date.le(inserted))
            .filter(
                po::position_inserted_date
                    .lt(inserted)
                    .or(po::payment_position_id.lt(id)),
            )
            .order(desc)
            .limit(n)
            .load(conn)?,
    };
    Ok(rows)
}

/// The window's days, when the page in insertion order can be read from per-day streams.
fn stream_days(f: &ListFilter) -> Option<Vec<NaiveDate>> {
    let (from, to) = f.due_date?;
    let span = (to.date() - from.date()).num_days() + 1;
    if !(1..=MAX_STREAM_DAYS).contains(&span) {
        return None;
    }
    Some(
        from.date()
            .iter_days()
            .take_while(|day| *day <= to.date())
            .collect(),
    )
}

/// The first `want` matching positions in insertion order (all of them when fewer match), merged
/// from one index stream per day of the due-date window: only positions falling due in the window
/// are read, however many newer ones do not. Each stream is read deep enough for `want` if the
/// matches spread evenly over the days; the merge is exact up to the earliest last key of a stream
/// cut short, and the read goes four times deeper while the checked matches fall short.
fn stream_matches(
    conn: &mut DbConnection,
    reach: Reach,
    f: &ListFilter,
    now: NaiveDateTime,
    days: &[NaiveDate],
    anchor: Option<&Anchor>,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let Some((from, to)) = f.due_date else {
        return Ok(Vec::new());
    };
    let last_instant = crate::domain::time::last_instant();
    let whole_days = from.time() == NaiveTime::MIN && to.time() >= last_instant;
    let due = if whole_days { Due::Skip } else { Due::Exists };
    let needs_check = !whole_days
        || !f.status.is_empty()
        || f.payment_date.is_some()
        || f.single_plan_only
        || reach.sql_condition().is_some();
    let ascending = f.ascending;
    let start: Option<StreamKey> = anchor.map(|a| (a.inserted_date, a.id));
    let even_share = want.saturating_mul(3) / (2 * days.len().max(1)) + 1;
    let mut depth = i64::try_from(even_share).unwrap_or(i64::MAX);
    // Positions already checked by a shallower round, and whether they matched.
    let mut verdicts: HashMap<i64, bool> = HashMap::new();
    loop {
        let mut keys: Vec<StreamKey> = Vec::new();
        let mut cut: Option<StreamKey> = None;
        for day in days {
            let rows = day_stream(conn, reach.org.as_str(), *day, start, ascending, depth)?;
            if rows.len() as i64 == depth {
                if let Some(&last) = rows.last() {
                    cut = Some(match cut {
                        Some(c) if precedes(c, last, ascending) => c,
                        _ => last,
                    });
                }
            }
            keys.extend(rows);
        }
        keys.sort_by(|a, b| if ascending { a.cmp(b) } else { b.cmp(a) });
        keys.dedup();
        if let Some(c) = cut {
            keys.retain(|k| !precedes(c, *k, ascending));
        }
        let mut found: Vec<i64> = Vec::with_capacity(want);
        let mut next = keys.iter().map(|k| k.1);
        while found.len() < want {
            let missing = want - found.len();
            let ids: Vec<i64> = next.by_ref().take(missing + missing / 8 + 1).collect();
            if ids.is_empty() {
                break;
            }
            if needs_check {
                let unchecked: Vec<i64> = ids
                    .iter()
                    .copied()
                    .filter(|id| !verdicts.contains_key(id))
                    .collect();
                if !unchecked.is_empty() {
                    let passed: HashSet<i64> = filtered(reach, f, now, due, false)
                        .filter(pp::id.eq_any(&unchecked))
                        .select(pp::id)
                        .load::<i64>(conn)?
                        .into_iter()
                        .collect();
                    verdicts.extend(unchecked.into_iter().map(|id| (id, passed.contains(&id))));
                }
                found.extend(ids.into_iter().filter(|id| verdicts.get(id) == Some(&true)));
            } else {
                found.extend(ids);
            }
        }
        if found.len() >= want || cut.is_none() {
            found.truncate(want);
            return Ok(found);
        }
        depth = depth.saturating_mul(4);
    }
}

/// Orders `q` and keeps what comes after `anchor` in that order.
fn ordered<'a>(
    q: BoxedPositions<'a>,
    order: OrderBy,
    ascending: bool,
    anchor: Option<Anchor>,
) -> BoxedPositions<'a> {
    macro_rules! keyset {
        ($q:expr, $col:expr, $value:expr, $id:expr) => {
            match ($value, ascending) {
                (None, true) => $q.order(($col.asc(), pp::id.asc())),
                (None, false) => $q.order(($col.desc(), pp::id.desc())),
                (Some(v), true) => $q
                    .filter($col.gt(v.clone()).or($col.eq(v).and(pp::id.gt($id))))
                    .order(($col.asc(), pp::id.asc())),
                (Some(v), false) => $q
                    .filter($col.lt(v.clone()).or($col.eq(v).and(pp::id.lt($id))))
                    .order(($col.desc(), pp::id.desc())),
            }
        };
    }
    let id = anchor.as_ref().map_or(0, |a| a.id);
    match order {
        OrderBy::InsertedDate => {
            keyset!(q, pp::inserted_date, anchor.map(|a| a.inserted_date), id)
        }
        // IUPDs are unique per institution: no tie to break, and MariaDB sorts the whole
        // institution (filesort) when `id` follows the unique index's only column.
        OrderBy::Iupd => match (anchor.map(|a| a.iupd), ascending) {
            (None, true) => q.order(pp::iupd.asc()),
            (None, false) => q.order(pp::iupd.desc()),
            (Some(v), true) => q.filter(pp::iupd.gt(v)).order(pp::iupd.asc()),
            (Some(v), false) => q.filter(pp::iupd.lt(v)).order(pp::iupd.desc()),
        },
        OrderBy::Status => keyset!(q, pp::status, anchor.map(|a| a.status), id),
        OrderBy::CompanyName => keyset!(q, pp::company_name, anchor.map(|a| a.company_name), id),
    }
}

/// The positions the caller reaches (outside its scope they are neither listed nor counted).
///
/// Counting stops after [`COUNT_LIMIT`] matches. A due-date window of up to [`MAX_STREAM_DAYS`]
/// days in insertion order is counted and paged from per-day streams of the options' index (in
/// one pass, or after the count when paging by `after`). Otherwise, when fewer than the limit
/// match, the page is sorted from their ids; when more match, it is read in its order from the
/// institution's index for that order, each position checked against the filter, so the read
/// stops with the page.
pub fn list<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    f: &ListFilter,
    now: NaiveDateTime,
) -> Result<Page, StoreError> {
    let reach = reach.into();
    let order = f.order_by.unwrap_or(OrderBy::InsertedDate);
    let offset = usize::try_from(f.page * f.limit).unwrap_or(usize::MAX);
    let need = offset.saturating_add(usize::try_from(f.limit).unwrap_or(0));
    let days = stream_days(f).filter(|_| order == OrderBy::InsertedDate);
    let limit = usize::try_from(COUNT_LIMIT).unwrap_or(usize::MAX);
    if let (Some(days), None) = (&days, &f.after) {
        // One pass counts and pages: the first matches in order, enough for both.
        let mut ids = stream_matches(conn, reach, f, now, days, None, need.max(limit + 1))?;
        let total_capped = ids.len() > limit;
        let total = ids.len().min(limit) as i64;
        ids.truncate(need);
        let page = ids.split_off(offset.min(ids.len()));
        return Ok(Page {
            positions: load_positions(conn, &page)?,
            total,
            total_capped,
        });
    }
    let matching = matching_ids(conn, reach, f, now, COUNT_LIMIT + 1)?;
    let total_capped = matching.len() as i64 > COUNT_LIMIT;
    let total = (matching.len() as i64).min(COUNT_LIMIT);
    let anchor = match &f.after {
        Some(iupd) => Some(anchor(conn, reach, iupd)?),
        None => None,
    };
    if let (true, Some(days)) = (total_capped, &days) {
        let ids = stream_matches(conn, reach, f, now, days, anchor.as_ref(), need)?;
        return Ok(Page {
            positions: load_positions(conn, &ids)?,
            total,
            total_capped,
        });
    }
    let q = if total_capped {
        filtered(reach, f, now, Due::Exists, true)
    } else if matching.is_empty() {
        return Ok(Page {
            positions: Vec::new(),
            total,
            total_capped,
        });
    } else {
        pp::table.filter(pp::id.eq_any(matching)).into_boxed()
    };
    let ids: Vec<i64> = ordered(q, order, f.ascending, anchor)
        .select(pp::id)
        .offset(f.page * f.limit)
        .limit(f.limit)
        .load(conn)?;
    Ok(Page {
        positions: load_positions(conn, &ids)?,
        total,
        total_capped,
    })
}
