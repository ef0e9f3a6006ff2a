//! Date-times: UTC, microsecond precision, written without offset as GPD and the Nodo do.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound};

/// `2026-05-28T10:00:00.123` (fraction only when not zero).
pub fn format_datetime(value: &NaiveDateTime) -> String {
    value.format("%Y-%m-%dT%H:%M:%S%.f").to_string()
}

/// A local date-time (taken as UTC), or one with `Z` or an offset (converted to UTC).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.naive_utc())
        })?;
    Some(parsed.trunc_subsecs(6))
}

/// The last instant of a day at the microsecond precision kept: `23:59:59.999999`.
pub fn last_instant() -> NaiveTime {
    NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN)
}

/// `2026-05-28`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_zones() {
        let t = parse_datetime("2021-10-01T17:48:22").unwrap();
        assert_eq!(format_datetime(&t), "2021-10-01T17:48:22");
        assert_eq!(
            format_datetime(&parse_datetime("2021-10-01T19:48:22.5+02:00").unwrap()),
            "2021-10-01T17:48:22.500"
        );
        assert_eq!(parse_datetime("2021-10-01T17:48:22Z"), Some(t));
        assert!(parse_datetime("yesterday").is_none());
    }
}
