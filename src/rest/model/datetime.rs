//! Date-times as GPD writes them: ISO-8601 in UTC without offset (`2026-05-28T10:00:00.123`).

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serializer};

pub use crate::domain::time::{format_datetime as format, parse_date, parse_datetime as parse};

fn parsed<E: serde::de::Error>(text: &str) -> Result<NaiveDateTime, E> {
    parse(text).ok_or_else(|| {
        E::custom(format!(
            "'{text}' is not a date-time like 2026-05-28T10:00:00 (UTC)"
        ))
    })
}

pub fn serialize<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(value))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    parsed(&String::deserialize(d)?)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<NaiveDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&format(v)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| parsed(&text))
            .transpose()
    }
}
