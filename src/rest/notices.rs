//! Payment notices as PDF: one position's (`GET .../debtpositions/{iupd}/notice.pdf`), or a
//! ZIP of up to 100, streamed one PDF at a time (`POST .../notices`).

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::model::count_within;
use super::params::IupdParam;
use super::{parse_json, resource, ApiError, ApiResult};
use crate::domain::Iupd;
use crate::notice::zip::ZipStream;
use crate::notice::{self, NotPayable, Notice};
use crate::store::notice_settings;
use crate::store::positions as store;
use crate::store::Db;

pub const MAX_BATCH_NOTICES: usize = 100;

/// The positions whose notices a batch asks for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeBatchModel {
    /// 1 to 100 IUPDs of the institution, each once.
    pub iupds: Vec<String>,
}

impl From<NotPayable> for ApiError {
    fn from(e: NotPayable) -> Self {
        ApiError::NotFound(e.to_string())
    }
}

fn render(notice: &Notice) -> ApiResult<Vec<u8>> {
    notice::render(notice).map_err(|e| ApiError::Internal(e.to_string()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    web::block(f)
        .await
        .map_err(|e| ApiError::Internal(format!("rendering failed: {e}")))?
}

/// The payment notice of a position, as PDF.
///
/// Same key and scope rules as reading the position. 404 also when nothing is payable: the
/// position is a draft, or INVALID, EXPIRED, PAID or REPORTED, or no option is left unpaid.
#[utoipa::path(get, path = "/organizations/{organizationfiscalcode}/debtpositions/{iupd}/notice.pdf", tag = "Payment notices",
    params(("organizationfiscalcode" = String, Path), ("iupd" = String, Path)),
    responses((status = 200, description = "the notice", content_type = "application/pdf", body = Vec<u8>), (status = 404)),
    security(("ApiKey" = [])))]
pub async fn pdf(db: web::Data<Db>, caller: Caller<IupdParam>) -> ApiResult<HttpResponse> {
    let org = caller.org.clone();
    let (scoped, now, IupdParam(iupd)) = caller.into_parts();
    let name = format!("{iupd}.pdf");
    let (position, settings) = db
        .run(move |c| {
            let position = store::get_by_iupd(c, &scoped, iupd.as_str())?;
            Ok((position, notice_settings::get(c, &scoped.org)?))
        })
        .await?;
    let pdf = blocking(move || {
        let institution = notice_settings::institution(&org, settings)?;
        render(&notice::build(&position, &institution, now)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .body(pdf))
}

/// The payment notices of up to 100 positions, as a ZIP of `<iupd>.pdf` files.
///
/// Every IUPD is checked before anything is sent: one unknown, outside the key's scope or
/// with nothing payable is a 404 naming it, and no ZIP. The ZIP is then streamed, each PDF
/// sent as soon as it is rendered.
#[utoipa::path(post, path = "/organizations/{organizationfiscalcode}/notices", tag = "Payment notices",
    params(("organizationfiscalcode" = String, Path)),
    request_body = NoticeBatchModel,
    responses((status = 200, description = "a ZIP with one PDF per position", content_type = "application/zip", body = Vec<u8>), (status = 400), (status = 404)),
    security(("ApiKey" = [])))]
pub async fn batch(db: web::Data<Db>, caller: Caller, body: web::Bytes) -> ApiResult<HttpResponse> {
    let org = caller.org.clone();
    let (scoped, now, ()) = caller.into_parts();
    let model = parse_json::<NoticeBatchModel>(&body)?;
    count_within("iupds", model.iupds.len(), MAX_BATCH_NOTICES, "IUPDs")?;
    let mut seen = HashSet::new();
    let iupds = model
        .iupds
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let field = format!("iupds[{i}]");
            let iupd = Iupd::parse(&field, value)?;
            if !seen.insert(value.clone()) {
                return Err(ApiError::BadRequest(format!(
                    "{field}: '{value}' is listed more than once"
                )));
            }
            Ok(iupd)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let (positions, settings) = db
        .run(move |c| {
            let positions = iupds
                .iter()
                .map(|iupd| store::get_by_iupd(c, &scoped, iupd.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((positions, notice_settings::get(c, &scoped.org)?))
        })
        .await?;
    let notices = blocking(move || {
        let institution = notice_settings::institution(&org, settings)?;
        positions
            .iter()
            .map(|p| Ok(notice::build(p, &institution, now)?))
            .collect::<ApiResult<Vec<_>>>()
    })
    .await?;

    // Two entries in flight at most: the rendering waits for the client.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(2);
    actix_web::rt::task::spawn_blocking(move || {
        let mut zip = ZipStream::new();
        for notice in &notices {
            let entry = notice::render(notice)
                .map_err(|e| e.to_string())
                .and_then(|pdf| {
                    zip.entry(&format!("{}.pdf", notice.iupd), &pdf)
                        .map_err(|e| e.to_string())
                });
            let chunk = entry.map(web::Bytes::from).map_err(|e| {
                log::error!("notice of {} not rendered: {e}", notice.iupd);
                std::io::Error::other(e)
            });
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return; // the client went away, or the ZIP is cut short on purpose
            }
        }
        let end = zip
            .finish()
            .map(web::Bytes::from)
            .map_err(std::io::Error::other);
        let _ = tx.blocking_send(end);
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"notices.zip\"",
        ))
        .streaming(stream))
}

pub fn org_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .service(resource("/debtpositions/{iupd}/notice.pdf", "GET").get(pdf))
        .service(resource("/notices", "POST").post(batch))
}
