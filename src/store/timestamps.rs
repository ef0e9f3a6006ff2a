//! Timestamps read from the hot tables without chrono's format interpreter.
//!
//! SQLite keeps timestamps as text; diesel parses each one by walking a list of `strftime`
//! formats, which took 4–8% of the CPU of a Nodo read or a list page. The text diesel itself
//! writes (`YYYY-MM-DD HH:MM:SS[.fraction]`) is decoded here by position; anything else falls back
//! to diesel's parser. MySQL's binary timestamps go straight to diesel.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::multi_connection_impl::MultiBackend;

/// A `Timestamp` column, as `#[diesel(deserialize_as = Time)]` of a `NaiveDateTime` field.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Time(NaiveDateTime);

/// A `Nullable<Timestamp>` column, for an `Option<NaiveDateTime>` field.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct NullableTime(Option<NaiveDateTime>);

impl From<Time> for NaiveDateTime {
    fn from(stamp: Time) -> Self {
        stamp.0
    }
}

impl From<NullableTime> for Option<NaiveDateTime> {
    fn from(stamp: NullableTime) -> Self {
        stamp.0
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits.
pub fn parse_sqlite_text(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)?.and_hms_nano_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        nanos,
    )
}

impl FromSql<Timestamp, Sqlite> for Time {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(parsed) = parse_sqlite_text(value.read_text()) {
            return Ok(Time(parsed));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Time)
    }
}

#[cfg(feature = "mysql")]
impl FromSql<Timestamp, diesel::mysql::Mysql> for Time {
    fn from_sql(
        value: <diesel::mysql::Mysql as Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, diesel::mysql::Mysql>>::from_sql(value).map(Time)
    }
}

impl FromSql<Timestamp, MultiBackend> for Time {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Nullable<Timestamp>, MultiBackend> for NullableTime {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <Time as FromSql<Timestamp, MultiBackend>>::from_sql(value).map(|s| NullableTime(Some(s.0)))
    }

    fn from_nullable_sql(
        value: Option<<MultiBackend as Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(NullableTime(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_sqlite_text;

    fn chrono(text: &str) -> Option<chrono::NaiveDateTime> {
        chrono::NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    #[test]
    fn reads_what_diesel_writes_as_chrono_does() {
        for text in [
            "2026-11-30 14:36:18",
            "2026-11-30 14:36:18.5",
            "2026-11-30 14:36:18.123456",
            "2026-11-30 14:36:18.123456789",
            "2030-12-31 23:59:59.999999",
            "1970-01-01 00:00:00",
            "2024-02-29 12:00:00.000001",
        ] {
            assert_eq!(parse_sqlite_text(text), chrono(text), "{text}");
            assert!(parse_sqlite_text(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_other_shapes_to_the_fallback() {
        for text in [
            "2026-11-30T14:36:18",
            "2026-11-30 14:36",
            "2026-11-30 14:36:18.",
            "2026-11-30 14:36:18.1234567890",
            "2026-11-30 14:36:18+01:00",
            "2025-02-29 12:00:00",
            "2026-13-01 00:00:00",
            "2026-11-30 24:00:00",
            "2461010.5",
            "2026-1a-30 14:36:18",
        ] {
            assert_eq!(parse_sqlite_text(text), None, "{text}");
        }
    }
}
