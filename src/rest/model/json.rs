//! Reading JSON bodies: serde's errors told in the API's words, each naming its field path
//! (`paymentOption[0].amount: must be ...`). Only a body that is not JSON at all is "malformed".

use serde::de::{DeserializeOwned, Deserializer, Error as _, Visitor};
use serde_json::error::Category;

use crate::domain::money::MAX_CENTS;
use crate::rest::{ApiError, ApiResult};

/// Parses a JSON body; errors name the field path (`paymentOption[0].amount: ...`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("a JSON body is required".to_owned()));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::BadRequest(describe(&path, e.into_inner()))
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Marks an error raised inside a flattened part: `MARK path MARK message` (see [`flattened`]).
const MARK: char = '\u{1}';

fn describe(path: &str, e: serde_json::Error) -> String {
    if matches!(
        e.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return format!("malformed JSON: {e}");
    }
    // Data errors carry the position of the value; the path says it better.
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let path = if path == "." { "" } else { path };
    match message
        .strip_prefix(MARK)
        .and_then(|rest| rest.split_once(MARK))
    {
        Some((inner, message)) if inner != "." => field_error(&join(path, inner), message),
        Some((_, message)) => field_error(path, message),
        None => field_error(path, message),
    }
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// `path: what is wrong`, from one of serde's messages.
fn field_error(path: &str, message: &str) -> String {
    let quoted = |text: &str| text.trim_matches('`').to_owned();
    let (path, text) = if let Some(field) = message.strip_prefix("missing field ") {
        (join(path, &quoted(field)), "is required".to_owned())
    } else if let Some(field) = message.strip_prefix("duplicate field ") {
        (join(path, &quoted(field)), "appears twice".to_owned())
    } else if let Some((got, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    {
        let text = format!(
            "must be {}, got {}",
            expected_words(expected),
            got_words(got)
        );
        (path.to_owned(), text)
    } else if let Some((got, expected)) = message
        .strip_prefix("unknown variant ")
        .and_then(|m| m.split_once(", expected "))
    {
        let text = format!(
            "must be {}, got \"{}\"",
            expected.replace('`', ""),
            quoted(got)
        );
        (path.to_owned(), text)
    } else {
        (path.to_owned(), message.to_owned())
    };
    if path.is_empty() {
        format!("the request body {text}")
    } else {
        format!("{path}: {text}")
    }
}

/// What serde expected, in the API's words.
fn expected_words(expected: &str) -> &str {
    match expected {
        "a boolean" => "true or false",
        "a sequence" => "a list",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "an integer number",
        "f32" | "f64" => "a number",
        e if e.starts_with("struct ") || e == "a map" => "an object",
        e if e.starts_with("enum ") => "a string",
        e => e,
    }
}

/// What was given instead, in the API's words (serde's `Unexpected`).
fn got_words(got: &str) -> String {
    let value = |text: &str| text.trim_matches('`').to_owned();
    match got {
        "sequence" => "a list".to_owned(),
        "map" => "an object".to_owned(),
        "unit" | "null" => "null".to_owned(),
        g => {
            if let Some(text) = g.strip_prefix("string ") {
                format!("the string {text}")
            } else if let Some((_, v)) = g
                .split_once(' ')
                .filter(|(kind, _)| matches!(*kind, "integer" | "boolean" | "floating"))
            {
                value(v.strip_prefix("point ").unwrap_or(v))
            } else {
                g.to_owned()
            }
        }
    }
}

/// Deserializes a `#[serde(flatten)]` part keeping the path of its errors, which flattening
/// loses: `#[serde(flatten, deserialize_with = "json::flattened")]`.
pub(super) fn flattened<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde_path_to_error::deserialize(d).map_err(|e| {
        let path = e.path().to_string();
        D::Error::custom(format!("{MARK}{path}{MARK}{}", e.into_inner()))
    })
}

/// Amounts in euro-cents: an integer, refused in plain words when given in euros.
pub(super) mod cents {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_i64(Cents)
    }

    struct Cents;

    impl Visitor<'_> for Cents {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer number of euro-cents")
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v)
                .map_err(|_| E::custom(format!("must be at most {MAX_CENTS} euro-cents, got {v}")))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            Err(E::custom(format!(
                "must be an integer number of euro-cents (12.30 euros is 1230), got {v:?}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[serde(default)]
        flag: Option<bool>,
        #[serde(flatten, deserialize_with = "flattened")]
        part: Part,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Part {
        full_name: String,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize)]
    enum Kind {
        F,
        G,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        #[serde(deserialize_with = "cents::deserialize")]
        amount: i64,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn detail(body: &str) -> String {
        match parse_json::<Body>(body.as_bytes()) {
            Ok(b) => panic!("accepted: {b:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn well_formed_bodies_name_the_field() {
        let ok = r#""name": "n", "fullName": "f""#;
        let cases = [
            (r#"{"fullName": "f"}"#.to_owned(), "name: is required"),
            (r#"{"name": "n"}"#.to_owned(), "fullName: is required"),
            (
                format!(r#"{{{ok}, "items": [{{}}]}}"#),
                "items[0].amount: is required",
            ),
            (
                format!(r#"{{{ok}, "items": [{{"amount": 12.30}}]}}"#),
                "items[0].amount: must be an integer number of euro-cents (12.30 euros is 1230), got 12.3",
            ),
            (
                format!(r#"{{{ok}, "items": [{{"amount": "1230"}}]}}"#),
                "items[0].amount: must be an integer number of euro-cents, got the string \"1230\"",
            ),
            (
                format!(r#"{{{ok}, "items": [{{"amount": 18446744073709551615}}]}}"#),
                "items[0].amount: must be at most 99999999999 euro-cents, got 18446744073709551615",
            ),
            (
                format!(r#"{{{ok}, "items": [{{"amount": 1, "tags": [1]}}]}}"#),
                "items[0].tags[0]: must be a string, got 1",
            ),
            (
                format!(r#"{{{ok}, "items": {{}}}}"#),
                "items: must be a list, got an object",
            ),
            (
                format!(r#"{{{ok}, "flag": "yes"}}"#),
                "flag: must be true or false, got the string \"yes\"",
            ),
            (
                r#"{"name": 5, "fullName": "f"}"#.to_owned(),
                "name: must be a string, got 5",
            ),
            (
                format!(r#"{{{ok}, "email": false}}"#),
                "email: must be a string, got false",
            ),
            (
                format!(r#"{{{ok}, "kind": "X"}}"#),
                "kind: must be F or G, got \"X\"",
            ),
            (
                format!(r#"{{{ok}, "name": "m"}}"#),
                "name: appears twice",
            ),
            ("[1, 2]".to_owned(), "the request body must be an object, got a list"),
        ];
        for (body, expected) in cases {
            assert_eq!(detail(&body), expected, "{body}");
        }
    }

    #[test]
    fn malformed_json_keeps_the_position() {
        assert_eq!(
            detail(r#"{"name": "#),
            "malformed JSON: EOF while parsing a value at line 1 column 9"
        );
        assert_eq!(
            detail(r#"{"name": "n", "fullName": "f"} x"#),
            "malformed JSON: trailing characters at line 1 column 32"
        );
        assert_eq!(detail(""), "a JSON body is required");
    }
}
