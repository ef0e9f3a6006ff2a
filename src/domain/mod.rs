//! Pure pagoPA/GPD rules: identifiers, money, positions, their state machine. No I/O here.

pub mod access;
pub mod error;
pub mod events;
pub mod fields;
pub mod ids;
pub mod iuv;
pub mod money;
pub mod nodo;
pub mod notice;
pub mod org;
pub mod portal;
pub mod position;
pub mod service;
pub mod status;
pub mod taxonomy;
pub mod time;

#[cfg(test)]
mod position_tests;
#[cfg(test)]
pub(crate) mod test_fixtures;

pub use error::{DomainError, FieldError};
pub use fields::{
    CountryCode, DebtorFiscalCode, Email, Iban, ProvinceCode, StampHash, StampType, Text, Text140,
    Text255, Text35, Text70,
};
pub use ids::{Iupd, Iuv, NoticeNumber, OrgFiscalCode, SegregationCode, TransferId};
pub use iuv::{IuvScheme, NewPosition, PendingIuvs};
pub use money::Amount;
pub use org::Organization;
pub use position::*;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// Current UTC time at the microsecond precision both databases store.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
