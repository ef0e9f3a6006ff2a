//! Path, query and header parameters, validated after the key (so an unknown caller learns
//! nothing about them) and before the handler runs: 400 naming the parameter otherwise.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use serde::de::DeserializeOwned;

use super::query;
use super::ApiError;
use crate::domain::service::ServiceId;
use crate::domain::{Iupd, TransferId};

/// A parameter read from the request once the caller is known; see [`super::caller::Caller`].
pub trait Param: Sized {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError>;
}

impl Param for () {
    fn extract(_: &HttpRequest) -> Result<Self, ApiError> {
        Ok(())
    }
}

macro_rules! param_tuple {
    ($($name:ident),+) => {
        impl<$($name: Param),+> Param for ($($name,)+) {
            fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
                Ok(($($name::extract(req)?,)+))
            }
        }
    };
}

param_tuple!(A);
param_tuple!(A, B);
param_tuple!(A, B, C);

/// Longest notice number or IUV accepted in a path, as GPD's `^\d{1,30}$`.
const MAX_OPTION_KEY: usize = 30;

fn segment<'a>(
    req: &'a HttpRequest,
    names: &[&'static str],
) -> Result<(&'static str, &'a str), ApiError> {
    names
        .iter()
        .find_map(|name| req.match_info().get(name).map(|value| (*name, value)))
        .ok_or_else(|| ApiError::Internal(format!("route without {{{}}}", names.join("|"))))
}

/// `{iupd}` of the path.
pub struct IupdParam(pub Iupd);

impl Param for IupdParam {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let (name, value) = segment(req, &["iupd"])?;
        Ok(Self(Iupd::parse(name, value)?))
    }
}

/// `{nav}` or `{iuv}` of the path: a notice number or an IUV, digits only.
pub struct OptionKey(pub String);

impl Param for OptionKey {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let (name, value) = segment(req, &["nav", "iuv"])?;
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        if digits && value.len() <= MAX_OPTION_KEY {
            Ok(Self(value.to_owned()))
        } else {
            Err(ApiError::BadRequest(format!(
                "{name}: '{value}' must be 1 to {MAX_OPTION_KEY} digits (a notice number or an IUV)"
            )))
        }
    }
}

/// `{transferid}` of the path: 1 to 5.
pub struct TransferIdParam(pub TransferId);

impl Param for TransferIdParam {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let (name, value) = segment(req, &["transferid"])?;
        Ok(Self(TransferId::parse(name, value)?))
    }
}

/// The version named by an `If-Match` header, if any.
pub struct IfMatch(pub Option<i32>);

impl Param for IfMatch {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        let text = value.to_str().unwrap_or_default().trim();
        let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
        text.parse::<i32>().map(|v| Self(Some(v))).map_err(|_| {
            ApiError::BadRequest(format!(
                "If-Match: '{text}' is not a version returned in an ETag"
            ))
        })
    }
}

/// The query string, deserialized into `T` (whose fields are usually text, checked after).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Param for Query<T> {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        web::Query::<T>::from_query(req.query_string())
            .map(|q| Self(q.into_inner()))
            .map_err(|e| ApiError::BadRequest(format!("query string: {e}")))
    }
}

#[derive(Debug, serde::Deserialize)]
struct PublishQuery {
    #[serde(rename = "toPublish")]
    to_publish: Option<String>,
}

/// The `toPublish` query parameter of create and update (case-insensitive, default false).
pub struct ToPublish(pub bool);

impl Param for ToPublish {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let Query(q) = Query::<PublishQuery>::extract(req)?;
        query::boolean("toPublish", q.to_publish.as_deref()).map(Self)
    }
}

/// `{serviceId}` of the path: 5 letters or digits.
pub struct ServiceIdParam(pub ServiceId);

impl Param for ServiceIdParam {
    fn extract(req: &HttpRequest) -> Result<Self, ApiError> {
        let (name, value) = segment(req, &["serviceId"])?;
        Ok(Self(ServiceId::parse(name, value)?))
    }
}
