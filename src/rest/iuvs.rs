//! Generated IUVs, for institutions that do not compute their own: `POST .../iuvs` reserves the
//! next IUV and notice number of the institution's counter (see [`crate::store::iuvs`]).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Caller;
use super::{parse_json, ApiResult};
use crate::domain::iuv::SEGREGATION_FIELD;
use crate::domain::SegregationCode;
use crate::store::{iuvs, Db};

/// Body of `POST .../iuvs` (optional: an empty body asks for the institution's only code).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IuvRequestModel {
    /// Two digits, one of the institution's segregation codes (aux digit 3 only). Required when
    /// it has several; by default its only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "02")]
    pub segregation_code: Option<String>,
}

/// A generated IUV and its notice number, reserved: no other request gets them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GeneratedIuvModel {
    #[schema(example = "02123456789012356")]
    pub iuv: String,
    /// The notice number (numero avviso, 18 digits) of the IUV.
    #[schema(example = "302123456789012356")]
    pub nav: String,
}

/// Generate an IUV.
///
/// Reserves the next IUV of the institution's counter and answers it with its notice number, in
/// the shape its aux digit gives (aux 3: segregation code + 13 digits + 2 check digits). Values
/// already used by one of its payment options are skipped. An extension of GPD's API.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/iuvs", tag = "IUVs",
    params(("organizationfiscalcode" = String, Path)),
    request_body(content = Option<IuvRequestModel>, description = "optional; an empty body is allowed"),
    responses((status = 201, body = GeneratedIuvModel), (status = 400), (status = 409)), security(("ApiKey" = [])))]
pub async fn generate(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let model = if body.iter().all(u8::is_ascii_whitespace) {
        IuvRequestModel::default()
    } else {
        parse_json::<IuvRequestModel>(&body)?
    };
    let segregation = model
        .segregation_code
        .as_deref()
        .filter(|code| !code.is_empty())
        .map(|code| SegregationCode::parse(SEGREGATION_FIELD, code))
        .transpose()?;
    let org = caller.org;
    let (iuv, nav) = db
        .run(move |c| iuvs::allocate_now(c, &org, segregation.as_ref()))
        .await?;
    Ok(HttpResponse::Created().json(GeneratedIuvModel {
        iuv: iuv.into_string(),
        nav: nav.into_string(),
    }))
}
