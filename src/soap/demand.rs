//! paDemandPaymentNotice: a citizen asks at a PSP for one of the institution's services, and we
//! create the position on the spot. Reads and checks in one database call, the institution's
//! callback (when the service has one) outside it, then one transaction creates the position.

use std::time::Duration;

use chrono::NaiveDateTime;

use super::ops::{verify, Outcome};
use super::xml::{
    CtQrCodeType, PaDemandPaymentNoticeRequest, PaDemandPaymentNoticeResponse, SoapResponse,
};
use crate::domain::nodo::NodoFault;
use crate::domain::service::demand::{pricing, request_hash, Priced, Pricing};
use crate::domain::service::{check_values, parse_payload, Service, ServiceId, Values};
use crate::domain::{OrgFiscalCode, Organization, Position};
use crate::events::callback::{CallbackError, Callbacks};
use crate::rest::model::CallbackRequestModel;
use crate::store::spontaneous::{self, Demand};
use crate::store::stations::CallerCache;
use crate::store::{orgs, services, webhooks, Db, DbConnection, StoreError};

/// A demand checked and ready to be priced and created.
struct Checked {
    org: Organization,
    service: Service,
    values: Values,
    hash: String,
}

enum Prepared {
    /// The same demand was answered a moment ago: the same notice.
    Replayed(Position),
    Priced(Box<Checked>, Priced),
    /// The institution's callback sets the price; signed with this secret.
    Ask(Box<Checked>, String, String),
}

type Step<T> = Result<Result<T, NodoFault>, StoreError>;

fn prepare(
    c: &mut DbConnection,
    r: &PaDemandPaymentNoticeRequest,
    callers: Option<&CallerCache>,
    now: NaiveDateTime,
) -> Step<Prepared> {
    if let Some(callers) = callers {
        if let Err(fault) = callers.check(c, &r.id_pa, &r.id_broker_pa, &r.id_station)? {
            return Ok(Err(fault));
        }
    }
    let unknown_domain = || Ok(Err(NodoFault::UnknownDomain(r.id_pa.clone())));
    let Ok(fiscal_code) = OrgFiscalCode::parse("idPA", &r.id_pa) else {
        return unknown_domain();
    };
    let Some(org) = orgs::find_org(c, fiscal_code.as_str())? else {
        return unknown_domain();
    };
    let given = match parse_payload(&r.dati_specifici_servizio_request) {
        Ok(given) => given,
        Err(e) => {
            return Ok(Err(NodoFault::Syntax(format!(
                "datiSpecificiServizioRequest: {e}"
            ))))
        }
    };
    let not_offered = || {
        Ok(Err(NodoFault::UnknownService(format!(
            "the service {} is not offered by the institution {}",
            r.id_servizio, r.id_pa
        ))))
    };
    let Ok(id) = ServiceId::parse("idServizio", &r.id_servizio) else {
        return not_offered();
    };
    let stored = match services::get(c, &fiscal_code, &id)? {
        Some(s) if s.enabled => s,
        _ => return not_offered(),
    };
    let service = match stored.to_domain(&org) {
        Ok(s) => s,
        Err(e) => return Ok(Err(NodoFault::Unavailable(e.to_string()))),
    };
    let values = match check_values(&service, &given) {
        Ok(v) => v,
        Err(e) => return Ok(Err(NodoFault::Semantic(format!("property {e}")))),
    };
    let hash = request_hash(&org, &service, &values);
    let demand = Demand {
        org: &org,
        service: &service,
        values: &values,
        hash: &hash,
    };
    if let Some(position) = spontaneous::replay(c, &demand, now)? {
        return Ok(Ok(Prepared::Replayed(position)));
    }
    let pricing = match pricing(&service, &values) {
        Ok(p) => p,
        Err(e) => return Ok(Err(NodoFault::Semantic(format!("property {e}")))),
    };
    let checked = Box::new(Checked {
        org,
        service,
        values,
        hash,
    });
    Ok(Ok(match pricing {
        Pricing::Known(priced) => Prepared::Priced(checked, *priced),
        Pricing::Callback(url) => {
            let Some(hook) = webhooks::get(c, &fiscal_code)? else {
                return Ok(Err(NodoFault::Unavailable(format!(
                    "the institution {} has no webhook secret to sign its service callback with",
                    r.id_pa
                ))));
            };
            Prepared::Ask(checked, url, hook.secret)
        }
    }))
}

async fn ask(
    callbacks: &Callbacks,
    checked: &Checked,
    url: &str,
    secret: &str,
) -> Result<Priced, NodoFault> {
    let request = CallbackRequestModel {
        organization_fiscal_code: checked.org.fiscal_code.to_string(),
        service_id: checked.service.id.to_string(),
        request_id: uuid::Uuid::new_v4().to_string(),
        properties: checked.values.fields.iter().cloned().collect(),
    };
    let answer = callbacks
        .ask(url, secret, &request)
        .await
        .map_err(|e| match e {
            CallbackError::NothingToPay(detail) => NodoFault::UnknownService(detail),
            CallbackError::Refused(detail) => NodoFault::Semantic(detail),
            CallbackError::Failed(detail) => NodoFault::Unavailable(detail),
        })?;
    answer
        .to_priced()
        .map_err(|e| NodoFault::Unavailable(format!("callback {url}: invalid answer: {e}")))
}

fn response(position: &Position) -> SoapResponse {
    let option = &position.options[0];
    let v = verify(position, option);
    SoapResponse::DemandPaymentNotice(PaDemandPaymentNoticeResponse {
        outcome: v.outcome,
        fault: None,
        qr_code: Some(CtQrCodeType {
            fiscal_code: position.organization_fiscal_code.to_string(),
            notice_number: option.nav.to_string(),
        }),
        payment_list: v.payment_list,
        payment_description: v.payment_description,
        fiscal_code_pa: v.fiscal_code_pa,
        company_name: v.company_name,
        office_name: v.office_name,
    })
}

/// Runs a demand end to end; the database steps wait at most `db_timeout` for a connection.
pub async fn demand(
    db: &Db,
    callbacks: &Callbacks,
    request: PaDemandPaymentNoticeRequest,
    callers: Option<std::sync::Arc<CallerCache>>,
    now: NaiveDateTime,
    db_timeout: Duration,
) -> Result<Outcome, StoreError> {
    let prepared = db
        .run_with_timeout(db_timeout, move |c| {
            prepare(c, &request, callers.as_deref(), now)
        })
        .await?;
    let (checked, priced) = match prepared {
        Err(fault) => return Ok(Err(fault)),
        Ok(Prepared::Replayed(position)) => return Ok(Ok(response(&position))),
        Ok(Prepared::Priced(checked, priced)) => (checked, priced),
        Ok(Prepared::Ask(checked, url, secret)) => {
            match ask(callbacks, &checked, &url, &secret).await {
                Ok(priced) => (checked, priced),
                Err(fault) => return Ok(Err(fault)),
            }
        }
    };
    let created = db
        .run_with_timeout(db_timeout, move |c| {
            let demand = Demand {
                org: &checked.org,
                service: &checked.service,
                values: &checked.values,
                hash: &checked.hash,
            };
            spontaneous::create(c, &demand, priced, now)
        })
        .await;
    match created {
        Ok(position) => Ok(Ok(response(&position))),
        Err(StoreError::Domain(e)) => Ok(Err(NodoFault::Unavailable(format!(
            "the position could not be created: {e}"
        )))),
        Err(e) => Err(e),
    }
}
