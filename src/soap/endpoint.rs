//! `POST /paForNode`: the single SOAP endpoint the Nodo calls, plus the WSDL and XSDs it points to.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::ops;
use super::xml::{
    ko_response, parse_request, render_response, soap_fault, Operation, SoapError, SoapRequest,
};
use crate::clock::Clock;
use crate::domain::nodo::NodoFault;
use crate::events::callback::Callbacks;
use crate::limits::StationInflight;
use crate::store::Db;

pub const SOAP_ACTION: &str = "SOAPAction";
/// The endpoint the Nodo POSTs to (and GETs `?wsdl` from).
pub const PATH: &str = "/paForNode";
const SCHEMA_PATH: &str = "/xsd/";
const XML: &str = "text/xml; charset=utf-8";

/// Paths whose errors must be SOAP, never the REST API's JSON.
pub fn is_soap_path(path: &str) -> bool {
    path == PATH || path.starts_with("/paForNode/") || path.starts_with(SCHEMA_PATH)
}

/// A SOAP 1.1 fault for an error met before any operation was known (wrong method, oversized
/// or unreadable body): `soapenv:Client` for the caller's mistakes, `soapenv:Server` for ours.
pub fn plain_fault(status: StatusCode, message: &str) -> HttpResponse {
    let code = if status.is_server_error() {
        "Server"
    } else {
        "Client"
    };
    xml(status, soap_fault(code, message))
}

/// Settings of the Nodo endpoint.
#[derive(Debug, Clone)]
pub struct SoapConfig {
    /// When set, requests must carry it in `Ocp-Apim-Subscription-Key`.
    pub key: Option<String>,
    /// Check idPA, idBrokerPA and idStation against the registered stations.
    pub check_caller: bool,
    /// How long to wait for a database connection before answering PAA_SYSTEM_ERROR.
    pub db_timeout: Duration,
    /// Asks services' callbacks for the amount of a paDemandPaymentNotice.
    pub callbacks: Callbacks,
    /// Requests in flight per station: beyond the cap, PAA_SYSTEM_ERROR at once.
    pub inflight: Arc<StationInflight>,
}

const WSDL: &str = include_str!("../../wsdl/paForNode.wsdl");
const WSDL_ADDRESS: &str = "http://pagopa-api.pagopa.gov.it/service/pa/paForNode";
const SCHEMAS: &[(&str, &str)] = &[
    ("paForNode.xsd", include_str!("../../xsd/paForNode.xsd")),
    (
        "sac-common-types-1.0.xsd",
        include_str!("../../xsd/sac-common-types-1.0.xsd"),
    ),
    (
        "MarcaDaBollo.xsd",
        include_str!("../../xsd/MarcaDaBollo.xsd"),
    ),
    (
        "xmldsig-core-schema.xsd",
        include_str!("../../xsd/xmldsig-core-schema.xsd"),
    ),
    ("envelope.xsd", include_str!("../../xsd/envelope.xsd")),
];

fn xml(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status).content_type(XML).body(body)
}

/// The idPA of a message that could not be parsed, for the fault `id`, when it can be seen.
fn sniff_id_pa(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    text.split_once("<idPA>")
        .and_then(|(_, rest)| rest.split_once("</idPA>"))
        .map(|(id, _)| id.trim())
        .filter(|id| id.len() <= 35 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_default()
        .to_owned()
}

fn refused(op: Operation, fault: &NodoFault, id_pa: &str) -> HttpResponse {
    let description = fault.to_string();
    xml(
        StatusCode::OK,
        ko_response(
            op,
            fault.code(),
            fault.fault_string(),
            id_pa,
            Some(&description),
        ),
    )
}

fn unparsable(error: &SoapError, action: Option<&str>, body: &[u8]) -> HttpResponse {
    let op = error
        .operation()
        .or_else(|| action.and_then(Operation::from_soap_action));
    let Some(op) = op else {
        return xml(
            StatusCode::BAD_REQUEST,
            soap_fault("Client", &error.to_string()),
        );
    };
    let fault = match error {
        SoapError::SchemaInvalid { .. } => NodoFault::Syntax(error.to_string()),
        _ => NodoFault::Semantic(error.to_string()),
    };
    let code = match error {
        SoapError::SchemaInvalid { .. } => "PAA_SINTASSI_XSD",
        _ => "PAA_SINTASSI_EXTRAXSD",
    };
    xml(
        StatusCode::OK,
        ko_response(
            op,
            code,
            fault.fault_string(),
            &sniff_id_pa(body),
            Some(&error.to_string()),
        ),
    )
}

/// Every paForNode operation, dispatched by SOAPAction or by the Body element.
pub async fn pa_for_node(
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    config: web::Data<SoapConfig>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(key) = &config.key {
        let given = req
            .headers()
            .get(crate::http::API_KEY_HEADER)
            .and_then(|v| v.to_str().ok());
        if given != Some(key.as_str()) {
            return xml(
                StatusCode::UNAUTHORIZED,
                soap_fault("Client", "missing or wrong Ocp-Apim-Subscription-Key"),
            );
        }
    }
    let action = req
        .headers()
        .get(SOAP_ACTION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed = match parse_request(&body, action.as_deref()) {
        Ok(parsed) => parsed,
        Err(error) => {
            log::info!("refused SOAP message: {error}");
            return unparsable(&error, action.as_deref(), &body);
        }
    };
    let op = parsed.request.operation();
    let id_pa = parsed.request.id_pa().to_owned();
    // Held until the reply: a station past its cap is answered now rather than queued past the
    // Nodo's time-out.
    let Some(_permit) = config.inflight.enter(parsed.request.id_station()) else {
        log::warn!(
            "{op} refused: station {} has {} requests in flight",
            parsed.request.id_station(),
            config.inflight.max()
        );
        return refused(op, &NodoFault::System, &id_pa);
    };
    let callers = config.check_caller.then(|| db.callers());
    let now = clock.now();
    let outcome = match parsed.request {
        SoapRequest::DemandPaymentNotice(request) => {
            super::demand::demand(
                &db,
                &config.callbacks,
                request,
                callers,
                now,
                config.db_timeout,
            )
            .await
        }
        _ => {
            db.run_with_timeout(config.db_timeout, move |c| {
                ops::execute(c, &parsed, callers.as_deref(), now)
            })
            .await
        }
    };
    match outcome {
        Ok(Ok(response)) => xml(StatusCode::OK, render_response(op, &response)),
        Ok(Err(fault)) => refused(op, &fault, &id_pa),
        Err(error) => {
            log::error!("{op} failed: {error}");
            refused(op, &NodoFault::System, &id_pa)
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WsdlQuery {
    wsdl: Option<String>,
}

/// `GET /paForNode?wsdl`: the official WSDL, its address pointing at this server.
pub async fn wsdl(req: HttpRequest, query: web::Query<WsdlQuery>) -> HttpResponse {
    if query.wsdl.is_none() && !req.query_string().eq_ignore_ascii_case("wsdl") {
        return plain_fault(
            StatusCode::NOT_FOUND,
            "GET /paForNode?wsdl gives the WSDL; operations are POSTed",
        );
    }
    let info = req.connection_info();
    let address = format!("{}://{}/paForNode", info.scheme(), info.host());
    HttpResponse::Ok()
        .content_type(XML)
        .body(WSDL.replace(WSDL_ADDRESS, &address))
}

/// `GET /xsd/{name}`: the schemas the WSDL imports.
pub async fn schema(name: web::Path<String>) -> HttpResponse {
    match SCHEMAS.iter().find(|(n, _)| *n == name.as_str()) {
        Some((_, text)) => HttpResponse::Ok().content_type(XML).body(*text),
        None => plain_fault(StatusCode::NOT_FOUND, &format!("no schema named {name}")),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PATH)
            .post(pa_for_node)
            .get(wsdl)
            .default_service(web::to(|| async {
                let mut res = plain_fault(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "POST the SOAP request, or GET ?wsdl",
                );
                res.headers_mut().insert(
                    actix_web::http::header::ALLOW,
                    actix_web::http::header::HeaderValue::from_static("GET, POST"),
                );
                res
            })),
    )
    .service(web::resource("/xsd/{name}").get(schema));
}
