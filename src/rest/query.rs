//! Query-string parameters shared by the REST handlers: numbers with bounds, booleans, dates
//! and date windows. Errors name the parameter.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use super::{ApiError, ApiResult};
use crate::domain::time::{parse_date, parse_datetime};

/// Longest date window a list filter accepts.
pub const MAX_FILTER_DAYS: i64 = 30;

/// A whole number from `min` to `max`, `default` when absent.
pub fn number(name: &str, value: Option<&str>, default: i64, min: i64, max: i64) -> ApiResult<i64> {
    match value {
        None => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "{name}: '{text}' must be a number from {min} to {max}"
            ))),
        },
    }
}

/// `true` or `false`, case-insensitively (`True`, `FALSE`...); absent is false.
pub fn boolean(name: &str, value: Option<&str>) -> ApiResult<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{name}: '{other}' is not true or false"
        ))),
    }
}

/// A day (`2026-05-28`) taken at its first instant, or at its last with `end_of_day`.
pub fn day(name: &str, value: Option<&str>, end_of_day: bool) -> ApiResult<Option<NaiveDateTime>> {
    let last_instant = crate::domain::time::last_instant();
    value
        .map(|text| {
            let date = parse_date(text).ok_or_else(|| {
                ApiError::BadRequest(format!("{name}: '{text}' is not a date like 2026-05-28"))
            })?;
            Ok(date.and_time(if end_of_day {
                last_instant
            } else {
                NaiveTime::MIN
            }))
        })
        .transpose()
}

/// A date-time (`2026-05-28T10:00:00`, UTC unless it carries an offset).
pub fn instant(name: &str, value: Option<&str>) -> ApiResult<Option<NaiveDateTime>> {
    value
        .map(|text| {
            parse_datetime(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{name}: '{text}' is not a date-time like 2026-05-28T10:00:00"
                ))
            })
        })
        .transpose()
}

/// A day (its start, or its end with `end_of_day`) or an exact date-time.
pub fn day_or_instant(
    name: &str,
    value: Option<&str>,
    end_of_day: bool,
) -> ApiResult<Option<NaiveDateTime>> {
    match value.and_then(parse_date) {
        Some(_) => day(name, value, end_of_day),
        None => instant(name, value),
    }
}

/// Completes a date window (one bound gives the other +/- 30 days) and checks its length.
pub fn window(
    name: &str,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> ApiResult<Option<(NaiveDateTime, NaiveDateTime)>> {
    let span = Duration::days(MAX_FILTER_DAYS);
    let (from, to) = match (from, to) {
        (None, None) => return Ok(None),
        (Some(f), None) => (f, f + span),
        (None, Some(t)) => (t - span, t),
        (Some(f), Some(t)) => (f, t),
    };
    if from > to {
        return Err(ApiError::BadRequest(format!(
            "{name}_from must not be after {name}_to"
        )));
    }
    if to - from > span + Duration::days(1) {
        return Err(ApiError::BadRequest(format!(
            "{name}: the interval may span at most {MAX_FILTER_DAYS} days"
        )));
    }
    Ok(Some((from, to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_bounded_and_named() {
        assert_eq!(number("limit", None, 10, 1, 50).ok(), Some(10));
        assert_eq!(number("limit", Some("50"), 10, 1, 50).ok(), Some(50));
        let error = number("limit", Some("51"), 10, 1, 50)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("limit: '51' must be a number from 1 to 50")
        );
    }

    #[test]
    fn booleans_ignore_case() {
        assert_eq!(boolean("toPublish", Some("TRUE")).ok(), Some(true));
        assert_eq!(boolean("toPublish", None).ok(), Some(false));
        assert!(boolean("toPublish", Some("yes")).is_err());
    }

    #[test]
    fn a_window_with_one_bound_spans_thirty_days() {
        let from = day("d_from", Some("2030-01-01"), false).ok().flatten();
        let (start, end) = window("d", from, None).ok().flatten().expect("a window");
        assert_eq!(end - start, Duration::days(MAX_FILTER_DAYS));
        let to = day("d_to", Some("2030-03-01"), true).ok().flatten();
        let error = window("d", from, to).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("d: the interval may span at most 30 days")
        );
    }
}
