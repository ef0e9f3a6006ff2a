//! `GET /taxonomy`: PagoPA's taxonomy catalog as imported with `gpd-gateway taxonomy import`.
//! Reference data, the same for every caller: any valid API key reads it, and no institution is
//! in the path.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::{app_data, rate_limit, with_key};
use super::params::{Param, Query};
use super::{resource, ApiResult};
use crate::clock::Clock;
use crate::domain::access::TaxonomyPrefix;
use crate::domain::taxonomy::TaxonomyEntry;
use crate::http::{header_text, API_KEY_HEADER};
use crate::store::{access, taxonomy, Db};

/// One service of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaxonomyEntryModel {
    /// The full code: institution type, macro area, service type, legal reason.
    #[schema(example = "0101108TS")]
    pub code: String,
    /// The transfer category of the code, as `transfer.category` carries it.
    #[schema(example = "9/0101108TS/")]
    pub category: String,
    #[schema(example = "01")]
    pub institution_type: String,
    #[schema(example = "COMUNE/UNIONE DI COMUNI / CONSORZI")]
    pub institution_type_name: String,
    #[schema(example = "01")]
    pub macro_area: String,
    #[schema(example = "TRIBUTI")]
    pub macro_area_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_area_description: Option<String>,
    #[schema(example = "108")]
    pub service_type: String,
    #[schema(example = "Canone Unico Patrimoniale - CORPORATE")]
    pub service_type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_description: Option<String>,
    /// IM (imposta), TS (tassa), SP (servizio pubblico), SA (sanzioni), AP (altri pagamenti).
    #[schema(example = "TS")]
    pub legal_reason: String,
    /// First day of validity, when the catalog gives one.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity, when the catalog gives one.
    pub valid_to: Option<NaiveDate>,
}

impl From<TaxonomyEntry> for TaxonomyEntryModel {
    fn from(e: TaxonomyEntry) -> Self {
        Self {
            category: e.code.category(),
            institution_type: e.code.institution_type().to_owned(),
            macro_area: e.code.macro_area().to_owned(),
            service_type: e.code.service_type().to_owned(),
            legal_reason: e.code.legal_reason().to_owned(),
            code: e.code.into_string(),
            institution_type_name: e.institution_type_name,
            macro_area_name: e.macro_area_name,
            macro_area_description: e.macro_area_description,
            service_type_name: e.service_type_name,
            service_type_description: e.service_type_description,
            valid_from: e.valid_from,
            valid_to: e.valid_to,
        }
    }
}

/// The catalog entries asked for, ordered by code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaxonomyModel {
    pub entries: Vec<TaxonomyEntryModel>,
}

#[derive(Debug, Deserialize)]
struct TaxonomyQuery {
    prefix: Option<String>,
}

/// `?prefix=`: a taxonomy prefix; absent or empty means the whole catalog.
fn prefix_param(req: &HttpRequest) -> ApiResult<Option<TaxonomyPrefix>> {
    let Query(q) = Query::<TaxonomyQuery>::extract(req)?;
    Ok(q.prefix
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| TaxonomyPrefix::parse("prefix", p))
        .transpose()?)
}

/// 401 unless the request carries an active key, of any institution or partner.
async fn any_valid_key(db: &Db, req: &HttpRequest) -> ApiResult<()> {
    let key = header_text(req, API_KEY_HEADER).map(str::to_owned);
    let now = app_data::<Clock>(req)?.now();
    with_key(db, rate_limit(req), key, move |c, key| {
        access::owner_of_key(c, key, now)
    })
    .await?;
    Ok(())
}

/// The taxonomy catalog.
///
/// The entries of PagoPA's taxonomy catalog whose code starts with `prefix` (all of them without
/// it), ordered by code: the names of the codes that transfer categories (`9/<code>/`) and
/// taxonomy scopes use. Empty until an operator runs `gpd-gateway taxonomy import`. Any valid API
/// key reads it. An extension of GPD's API.
#[utoipa::path(get, path = "/taxonomy", tag = "Taxonomy",
    params(("prefix" = Option<String>, Query, description = "a leading part of a code: 01, 0101, 0101108 or 0101108TS")),
    responses((status = 200, body = TaxonomyModel), (status = 400)), security(("ApiKey" = [])))]
pub async fn list(db: web::Data<Db>, req: HttpRequest) -> ApiResult<HttpResponse> {
    any_valid_key(&db, &req).await?;
    let prefix = prefix_param(&req)?;
    let entries = db.run(move |c| taxonomy::list(c, prefix.as_ref())).await?;
    Ok(HttpResponse::Ok().json(TaxonomyModel {
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/taxonomy", "GET").get(list));
}
