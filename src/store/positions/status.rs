//! The read-time status table of [`crate::domain::status`] as SQL conditions on the
//! `payment_positions` row.

use chrono::NaiveDateTime;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use crate::domain::status::{terms, Cond, Term};
use crate::domain::PositionStatus;
use crate::store::schema::payment_positions as pp;

pub(super) type Predicate<DB> = Box<dyn BoxableExpression<pp::table, DB, SqlType = Nullable<Bool>>>;

/// The table as predicates on one backend: the list filters on the multi-backend, the batch
/// claims rows with locking clauses only the concrete backends have. Diesel composes
/// expressions per backend, so each implements the atoms (macro below) and shares the rest.
pub(super) trait StatusSql: Sized + 'static {
    /// TRUE or FALSE, never NULL, so that NOT is safe.
    fn cond(c: Cond, now: NaiveDateTime) -> Predicate<Self>;
    fn stored(status: PositionStatus) -> Predicate<Self>;
    fn and(a: Predicate<Self>, b: Predicate<Self>) -> Predicate<Self>;
    fn or(a: Predicate<Self>, b: Predicate<Self>) -> Predicate<Self>;
    fn not(a: Predicate<Self>) -> Predicate<Self>;

    /// One term: the stored status, every `when` condition, not all `unless` conditions.
    fn term(t: &Term, now: NaiveDateTime) -> Predicate<Self> {
        let all = |conds: &[Cond]| conds.iter().map(|c| Self::cond(*c, now)).reduce(Self::and);
        let mut p = Self::stored(t.stored);
        if let Some(when) = all(t.when) {
            p = Self::and(p, when);
        }
        if let Some(unless) = all(t.unless) {
            p = Self::and(p, Self::not(unless));
        }
        p
    }

    /// Rows whose status at `now` is `status`.
    fn reads_as(status: PositionStatus, now: NaiveDateTime) -> Predicate<Self> {
        terms(status)
            .iter()
            .map(|t| Self::term(t, now))
            .reduce(Self::or)
            // Never reached (every status has a term): FALSE.
            .unwrap_or_else(|| Self::and(Self::stored(status), Self::not(Self::stored(status))))
    }
}

macro_rules! status_sql {
    ($db:ty) => {
        impl StatusSql for $db {
            fn cond(c: Cond, now: NaiveDateTime) -> Predicate<Self> {
                match c {
                    Cond::ValidityReached => Box::new(
                        pp::validity_date
                            .is_not_null()
                            .nullable()
                            .and(pp::validity_date.le(now)),
                    ),
                    Cond::SwitchToExpired => Box::new(pp::switch_to_expired.nullable()),
                    Cond::DuePassed => Box::new(pp::max_due_date.lt(now).nullable()),
                    Cond::NoPayment => Box::new(pp::payment_date.is_null().nullable()),
                }
            }

            fn stored(status: PositionStatus) -> Predicate<Self> {
                Box::new(pp::status.eq(status.as_str()).nullable())
            }

            fn and(a: Predicate<Self>, b: Predicate<Self>) -> Predicate<Self> {
                Box::new(a.and(b))
            }

            fn or(a: Predicate<Self>, b: Predicate<Self>) -> Predicate<Self> {
                Box::new(a.or(b))
            }

            fn not(a: Predicate<Self>) -> Predicate<Self> {
                Box::new(diesel::dsl::not(a))
            }
        }
    };
}

status_sql!(super::Backend);
status_sql!(diesel::sqlite::Sqlite);
#[cfg(feature = "mysql")]
status_sql!(diesel::mysql::Mysql);
