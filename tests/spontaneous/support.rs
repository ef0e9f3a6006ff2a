//! What the tests of spontaneous payments share: the app, services, payloads, a callback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use gpd_gateway::domain::notice::has_valid_check_digits;
use gpd_gateway::domain::{NoticeNumber, OrgFiscalCode, Organization, SegregationCode};
use gpd_gateway::soap::SoapResponse;
use gpd_gateway::store::{self, orgs, DatabaseUrl};
use serde_json::{json, Value};

use super::common::{self, Backend, TestApp, ORG_A};

pub const GS: &str = "http://PuntoAccessoPSP.spcoop.gov.it/GeneralService";

/// ORG_A with segregation code 07 and a station, so demands can be served.
pub async fn app(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(backend, |c| {
        c.webhook_poll_ms = 20;
        c.callback_timeout_ms = 800;
        // 100 concurrent demands queue for 10 connections: on a busy machine the default 1 s
        // wait (a fast PAA_SYSTEM_ERROR, tested elsewhere) would fail them.
        c.soap_db_timeout_ms = 10_000;
    })
    .await;
    prepare(&app);
    app
}

pub fn prepare(app: &TestApp) {
    let mut conn = store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap();
    let org = Organization::new(
        OrgFiscalCode::parse("fc", ORG_A).unwrap(),
        &format!("Comune {ORG_A}"),
        Some("Ufficio Tributi"),
        3,
        None,
        vec![SegregationCode::parse("code", "07").unwrap()],
    )
    .unwrap();
    orgs::update_org(&mut conn, &org).unwrap();
    app.add_station(ORG_A, 2);
}

pub fn payload(fields: &[(&str, &str)]) -> String {
    let children: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}>{v}</{k}>"))
        .collect();
    let xml = format!(r#"<service xmlns="{GS}">{children}</service>"#);
    base64::engine::general_purpose::STANDARD.encode(xml)
}

pub fn fixed_service() -> Value {
    json!({
        "name": "Diritti di segreteria",
        "description": "Diritti di segreteria",
        "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456",
        "amount": 1230,
        "properties": [
            {"name": "pratica", "type": "STRING", "required": true, "maxLength": 20, "pattern": "[A-Z]{2}[0-9]{4}"},
            {"name": "nota", "type": "STRING", "required": false}
        ]
    })
}

pub fn donation_service() -> Value {
    json!({
        "name": "Donazione",
        "description": "Donazione al Comune",
        "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456",
        "minAmount": 100,
        "maxAmount": 100000,
        "properties": [
            {"name": "importo", "type": "AMOUNT", "required": true},
            {"name": "email", "type": "EMAIL", "required": false}
        ]
    })
}

pub fn callback_service(url: &str) -> Value {
    json!({
        "name": "Contravvenzione",
        "description": "Contravvenzione al codice della strada",
        "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456",
        "callbackUrl": url,
        "properties": [
            {"name": "targa", "type": "STRING", "required": true},
            {"name": "verbale", "type": "NUMBER", "required": true},
            {"name": "data", "type": "DATE", "required": false},
            {"name": "codiceFiscale", "type": "FISCAL_CODE", "required": false}
        ]
    })
}

pub async fn define(app: &TestApp, id: &str, body: &Value) -> Value {
    let reply = app
        .put(&format!("/organizations/{ORG_A}/services/{id}"), body)
        .await;
    assert!(
        reply.status == 201 || reply.status == 200,
        "{} {}",
        reply.status,
        reply.body
    );
    reply.body
}

pub async fn set_webhook(app: &TestApp, url: &str) -> String {
    let reply = app
        .put(
            &format!("/organizations/{ORG_A}/webhook"),
            &json!({"url": url}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["secret"].as_str().unwrap().to_owned()
}

/// The notice number of an OK demand reply (validated against the XSD), checking its shape.
pub fn notice_of(reply: &common::nodo::SoapReply) -> String {
    let SoapResponse::DemandPaymentNotice(r) = reply.response() else {
        panic!("not a demand response: {}", reply.text())
    };
    assert!(r.fault.is_none(), "{}", reply.text());
    let qr = r.qr_code.expect("qrCode");
    assert_eq!(qr.fiscal_code, ORG_A);
    let nav = NoticeNumber::parse("nav", &qr.notice_number).unwrap();
    assert!(qr.notice_number.starts_with("307"), "{}", qr.notice_number);
    assert!(has_valid_check_digits(&nav), "{}", qr.notice_number);
    qr.notice_number
}

pub fn description(reply: &common::nodo::SoapReply) -> String {
    reply
        .response()
        .fault()
        .and_then(|f| f.description.clone())
        .unwrap_or_default()
}

pub async fn positions_count(app: &TestApp) -> i64 {
    let list = app
        .get(&format!("/organizations/{ORG_A}/debtpositions?limit=50"))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["page_info"]["items_found"].as_i64().unwrap()
}

// --- a callback inside the test ------------------------------------------------------------

#[derive(Clone)]
pub enum Behaviour {
    Answer(u16, Value),
    Slow(Duration),
}

pub struct CallbackState {
    behaviour: Mutex<Behaviour>,
    got: Mutex<Vec<(String, String)>>,
}

pub struct Callback {
    pub url: String,
    state: Arc<CallbackState>,
}

pub async fn answer(
    state: web::Data<CallbackState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let signature = req
        .headers()
        .get("X-GPD-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = String::from_utf8_lossy(&body).into_owned();
    state.got.lock().unwrap().push((signature, body));
    let behaviour = state.behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Answer(status, value) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(value)
        }
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            HttpResponse::Ok().json(json!({"amount": 100}))
        }
    }
}

impl Callback {
    pub async fn start(behaviour: Behaviour) -> Callback {
        let state = Arc::new(CallbackState {
            behaviour: Mutex::new(behaviour),
            got: Mutex::new(Vec::new()),
        });
        let url = format!(
            "{}/spontaneous/amount",
            common::serve_local(state.clone(), answer, 1)
        );
        Callback { url, state }
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.state.behaviour.lock().unwrap() = behaviour;
    }

    pub fn calls(&self) -> Vec<(String, String)> {
        self.state.got.lock().unwrap().clone()
    }
}
