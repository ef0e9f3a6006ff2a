//! The batch that persists time-driven statuses (VALID, EXPIRED) read-time rules already show.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rw::load_positions;
use super::status::StatusSql;
use crate::domain::events::{self, NewEvent};
use crate::domain::status::{due_terms, time_driven, Facts, Term};
use crate::domain::PositionStatus;
use crate::store::events as store_events;
use crate::store::schema::payment_positions as pp;
use crate::store::{write_tx, DbConnection, StoreError};

/// Stores the status of positions whose read-time status differs from the stored one only
/// because time passed (PUBLISHED->VALID, VALID->EXPIRED, PUBLISHED->EXPIRED), one term of the
/// status table at a time, claimed and persisted in batches. Returns how many positions changed.
pub fn persist_time_transitions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for target in time_driven() {
        for term in due_terms(target) {
            loop {
                let n = write_tx(conn, |c| persist_batch(c, target, term, now, batch))?;
                changed += n;
                if (n as i64) < batch {
                    break;
                }
            }
        }
    }
    Ok(changed)
}

/// Moves up to `batch` positions matching `term` to `target`, with their events.
fn persist_batch(
    c: &mut DbConnection,
    target: PositionStatus,
    term: &Term,
    now: NaiveDateTime,
    batch: i64,
) -> Result<usize, StoreError> {
    let ids = claim_due(c, term, now, batch)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let before = load_positions(c, &ids)?;
    // The claimed rows matched `term` and stay locked until the commit, so the primary key alone
    // picks them. With the term's conditions too, MariaDB may scan the term's index instead and
    // wait for a due position another transaction holds (a payment): a deadlock.
    let updated = diesel::update(pp::table.filter(pp::id.eq_any(&ids)))
        .set((
            pp::status.eq(target.as_str()),
            pp::last_updated_date.eq(now),
            pp::version.eq(pp::version + 1),
        ))
        .execute(c)?;
    let new_events: Vec<NewEvent> = before
        .into_iter()
        .filter(|p| term.matches(&Facts::of(p), now))
        .flat_map(|mut p| {
            let was = p.status;
            p.status = target;
            p.last_updated_date = now;
            events::transitions(was, &p, now)
        })
        .collect();
    store_events::insert(c, &new_events)?;
    Ok(updated)
}

/// Loads the ids of positions matching `term` on the concrete backend `$db`, ordered by id;
/// `$lock` adds locking clauses (MySQL only).
macro_rules! due_ids {
    ($conn:expr, $db:ty, $term:expr, $now:expr, $batch:expr $(, $lock:ident)*) => {
        pp::table
            .filter(<$db as StatusSql>::term($term, $now))
            .select(pp::id)
            .order(pp::id.asc())
            .limit($batch)
            $(.$lock())*
            .load::<i64>($conn)?
    };
}

/// Claims due positions. On MySQL the rows are locked with `SKIP LOCKED`, so instances running
/// the batch at once split the work instead of repeating it; SQLite has a single writer.
fn claim_due(
    conn: &mut DbConnection,
    term: &Term,
    now: NaiveDateTime,
    batch: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(match conn {
        DbConnection::Sqlite(c) => due_ids!(c, diesel::sqlite::Sqlite, term, now, batch),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => {
            due_ids!(
                c,
                diesel::mysql::Mysql,
                term,
                now,
                batch,
                for_update,
                skip_locked
            )
        }
    })
}
