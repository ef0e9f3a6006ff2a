//! Spontaneous payments: the service catalog, paDemandPaymentNotice with each amount source, the
//! institution's callback and its failures, replays, and IUVs under concurrency.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use common::nodo::{demand, get_payment, send_rt, verify};
use common::{Backend, TestApp, ORG_A};
use gpd_gateway::domain::notice::has_valid_check_digits;
use gpd_gateway::domain::{NoticeNumber, OrgFiscalCode, Organization, SegregationCode};
use gpd_gateway::events::verify_signature;
use gpd_gateway::soap::SoapResponse;
use gpd_gateway::store::{self, orgs, DatabaseUrl};
use serde_json::{json, Value};

const GS: &str = "http://PuntoAccessoPSP.spcoop.gov.it/GeneralService";

/// ORG_A with segregation code 07 and a station, so demands can be served.
async fn app(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(backend, |c| {
        c.webhook_poll_ms = 20;
        c.callback_timeout_ms = 800;
    })
    .await;
    prepare(&app);
    app
}

fn prepare(app: &TestApp) {
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

fn payload(fields: &[(&str, &str)]) -> String {
    let children: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}>{v}</{k}>"))
        .collect();
    let xml = format!(r#"<service xmlns="{GS}">{children}</service>"#);
    base64::engine::general_purpose::STANDARD.encode(xml)
}

fn fixed_service() -> Value {
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

fn donation_service() -> Value {
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

fn callback_service(url: &str) -> Value {
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

async fn define(app: &TestApp, id: &str, body: &Value) -> Value {
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

async fn set_webhook(app: &TestApp, url: &str) -> String {
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
fn notice_of(reply: &common::nodo::SoapReply) -> String {
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

fn description(reply: &common::nodo::SoapReply) -> String {
    reply
        .response()
        .fault()
        .and_then(|f| f.description.clone())
        .unwrap_or_default()
}

async fn positions_count(app: &TestApp) -> i64 {
    let list = app
        .get(&format!("/organizations/{ORG_A}/debtpositions?limit=50"))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["page_info"]["items_found"].as_i64().unwrap()
}

// --- a callback inside the test ------------------------------------------------------------

#[derive(Clone)]
enum Behaviour {
    Answer(u16, Value),
    Slow(Duration),
}

struct CallbackState {
    behaviour: Mutex<Behaviour>,
    got: Mutex<Vec<(String, String)>>,
}

struct Callback {
    url: String,
    state: Arc<CallbackState>,
}

async fn answer(
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
    async fn start(behaviour: Behaviour) -> Callback {
        let state = Arc::new(CallbackState {
            behaviour: Mutex::new(behaviour),
            got: Mutex::new(Vec::new()),
        });
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/spontaneous/amount", server.addrs()[0]);
        tokio::spawn(server.run());
        Callback { url, state }
    }

    fn set(&self, behaviour: Behaviour) {
        *self.state.behaviour.lock().unwrap() = behaviour;
    }

    fn calls(&self) -> Vec<(String, String)> {
        self.state.got.lock().unwrap().clone()
    }
}

// --- the catalog ---------------------------------------------------------------------------

async fn catalog_api(app: TestApp) {
    let created = app
        .put(
            &format!("/organizations/{ORG_A}/services/DIR01"),
            &fixed_service(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body = &created.body;
    assert_eq!(body["serviceId"], "DIR01");
    assert_eq!(body["amount"], 1230);
    assert_eq!(body["dueInDays"], 30);
    assert_eq!(body["enabled"], true);
    assert_eq!(body["segregationCode"], "07");
    assert_eq!(body["properties"][0]["pattern"], "[A-Z]{2}[0-9]{4}");
    assert_eq!(body["properties"][1]["required"], false);

    let mut changed = fixed_service();
    changed["amount"] = json!(1500);
    let replaced = app
        .put(&format!("/organizations/{ORG_A}/services/DIR01"), &changed)
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["amount"], 1500);

    define(&app, "DON01", &donation_service()).await;
    let list = app.get(&format!("/organizations/{ORG_A}/services")).await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["serviceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DIR01", "DON01"]);

    let one = app
        .get(&format!("/organizations/{ORG_A}/services/DON01"))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["minAmount"], 100);
    assert_eq!(one.body["maxAmount"], 100000);

    // Refusals name the field.
    let bad_id = app
        .put(
            &format!("/organizations/{ORG_A}/services/TOOLONG"),
            &fixed_service(),
        )
        .await;
    assert_eq!(bad_id.status, 400);
    assert_eq!(
        bad_id.body["detail"],
        "serviceId: 'TOOLONG' must be exactly 5 letters or digits"
    );
    let mut two_sources = donation_service();
    two_sources["amount"] = json!(500);
    let reply = app
        .put(
            &format!("/organizations/{ORG_A}/services/BAD01"),
            &two_sources,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("amount: "),
        "{}",
        reply.body
    );
    let reply = app
        .put(
            &format!("/organizations/{ORG_A}/services/CB001"),
            &callback_service("http://127.0.0.1:9/x"),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("callbackUrl: callbacks are signed with the institution's webhook secret"),
        "{}",
        reply.body
    );
    let unknown_field = app
        .put(
            &format!("/organizations/{ORG_A}/services/BAD02"),
            &json!({"name": "x", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown_field.status, 400, "{}", unknown_field.body);

    // Another institution's key cannot touch it.
    let foreign = app
        .send(
            reqwest::Method::GET,
            &format!("/organizations/{ORG_A}/services"),
            Some(&app.key_b),
            None,
        )
        .await;
    assert_eq!(foreign.status, 403);

    let gone = app
        .delete(&format!("/organizations/{ORG_A}/services/DIR01"))
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.body["enabled"], false);
    let missing = app
        .get(&format!("/organizations/{ORG_A}/services/NOPE1"))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["detail"],
        format!("service NOPE1 of organization {ORG_A} does not exist")
    );
}

async fn served_xsd_validates_payloads(app: TestApp) {
    define(&app, "DIR01", &fixed_service()).await;
    define(&app, "DON01", &donation_service()).await;
    for (id, good, bad) in [
        (
            "DIR01",
            vec![("pratica", "AB1234"), ("nota", "urgente")],
            vec![vec![("pratica", "ab1234")], vec![("nota", "x")]],
        ),
        (
            "DON01",
            vec![("importo", "25.50"), ("email", "a@b.it")],
            vec![
                vec![("importo", "25,50")],
                vec![("importo", "1"), ("colore", "rosso")],
            ],
        ),
    ] {
        let reply = app
            .get(&format!("/organizations/{ORG_A}/services/{id}/xsd"))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.headers["content-type"],
            "application/xml; charset=utf-8"
        );
        let schema = reply.body.as_str().unwrap().to_owned();
        let decode = |p: &[(&str, &str)]| {
            base64::engine::general_purpose::STANDARD
                .decode(payload(p))
                .unwrap()
        };
        common::xsd::xmllint_text(&schema, &decode(&good))
            .unwrap_or(Ok(()))
            .unwrap_or_else(|e| {
                panic!("{id}: good payload refused: {e}\n{schema}");
            });
        for b in bad {
            assert!(
                common::xsd::xmllint_text(&schema, &decode(&b)).is_none_or(|r| r.is_err()),
                "{id}: bad payload {b:?} accepted"
            );
        }
    }
}

// --- demands, end to end ---------------------------------------------------------------------

/// verify -> getPaymentV2 -> sendRTV2 for `nav`, then the REST read shows the position PAID.
async fn pay(app: &TestApp, nav: &str, amount: &str) -> Value {
    let verified = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, nav))
        .await;
    let SoapResponse::VerifyPaymentNotice(v) = verified.response() else {
        panic!("{}", verified.text())
    };
    assert!(v.fault.is_none(), "{}", verified.text());
    let listed = v.payment_list.unwrap().payment_option_description;
    assert_eq!(listed.amount.to_string(), amount);
    let got = app
        .soap(Some("paGetPaymentV2"), get_payment(ORG_A, nav, true, None))
        .await;
    assert_eq!(got.fault_code(), "OK", "{}", got.text());
    let sent = app
        .soap(Some("paSendRTV2"), send_rt(nav, &format!("r-{nav}"), true))
        .await;
    assert_eq!(sent.fault_code(), "OK", "{}", sent.text());
    let read = app
        .get(&format!("/organizations/{ORG_A}/paymentoptions/{nav}"))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    read.body
}

async fn fixed_amount_end_to_end(app: TestApp) {
    define(&app, "DIR01", &fixed_service()).await;
    let reply = app
        .soap(
            Some("paDemandPaymentNotice"),
            demand(ORG_A, "DIR01", &payload(&[("pratica", "AB1234")])),
        )
        .await;
    let nav = notice_of(&reply);
    let SoapResponse::DemandPaymentNotice(r) = reply.response() else {
        unreachable!()
    };
    let option = r.payment_list.unwrap().payment_option_description;
    assert_eq!(option.amount.to_string(), "12.30");
    assert_eq!(
        option.detail_description.as_deref(),
        Some("Diritti di segreteria")
    );
    assert_eq!(
        r.payment_description.as_deref(),
        Some("Diritti di segreteria")
    );
    assert_eq!(r.fiscal_code_pa.as_deref(), Some(ORG_A));
    assert_eq!(r.company_name.as_deref(), Some("Comune 77777777777"));
    assert_eq!(r.office_name.as_deref(), Some("Ufficio Tributi"));

    let iupd = format!("SPONT-DIR01-{}", &nav[1..]);
    let created = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/{iupd}"))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["status"], "VALID");
    assert_eq!(created.body["type"], "F");
    let with_debtor = app
        .get(&format!("/organizations/{ORG_A}/paymentoptions/{nav}"))
        .await;
    assert_eq!(
        with_debtor.body["fiscalCode"], "ANONIMO",
        "{}",
        with_debtor.body
    );
    assert_eq!(with_debtor.body["fullName"], "ANONIMO");
    let transfer = &created.body["paymentOption"][0]["transfer"][0];
    assert_eq!(transfer["amount"], 1230);
    assert_eq!(transfer["category"], "9/0101108TS/");
    assert_eq!(transfer["iban"], "IT60X0542811101000000123456");
    assert_eq!(transfer["remittanceInformation"], "Diritti di segreteria");

    let option = pay(&app, &nav, "12.30").await;
    assert_eq!(option["status"], "PO_PAID", "{option}");
    let read = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/{iupd}"))
        .await;
    assert_eq!(read.body["status"], "PAID");

    let feed = app.get(&format!("/organizations/{ORG_A}/events")).await;
    let events = feed.body["events"].as_array().unwrap().clone();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["position.created", "payment.received", "position.paid"],
        "{}",
        feed.body
    );
    let data = &events[0]["event"]["data"];
    assert_eq!(data["origin"], "spontaneous");
    assert_eq!(data["serviceId"], "DIR01");
    assert_eq!(data["properties"], json!({"pratica": "AB1234"}));
    assert_eq!(data["iupd"], iupd);
}

async fn amount_typed_by_the_citizen(app: TestApp) {
    define(&app, "DON01", &donation_service()).await;
    let reply = app
        .soap(
            Some("paDemandPaymentNotice"),
            demand(ORG_A, "DON01", &payload(&[("importo", "12.3")])),
        )
        .await;
    let nav = notice_of(&reply);
    let option = pay(&app, &nav, "12.30").await;
    assert_eq!(option["amount"], 1230);

    for (fields, expected) in [
        (vec![("importo", "0.50")], "importo"),
        (vec![("importo", "1000.01")], "importo"),
        (vec![], "importo"),
        (vec![("importo", "5"), ("colore", "rosso")], "colore"),
        (vec![("importo", "5"), ("email", "not-an-address")], "email"),
    ] {
        let reply = app
            .soap(
                Some("paDemandPaymentNotice"),
                demand(ORG_A, "DON01", &payload(&fields)),
            )
            .await;
        assert_eq!(
            reply.fault_code(),
            "PAA_SEMANTICA",
            "{fields:?}: {}",
            reply.text()
        );
        let text = description(&reply);
        assert!(text.contains(expected), "{fields:?}: {text}");
    }
    assert_eq!(positions_count(&app).await, 1);
}

async fn callback_sets_the_amount(app: TestApp) {
    let callback = Callback::start(Behaviour::Answer(
        200,
        json!({
            "amount": 4200,
            "description": "Verbale 123 del 2026-11-01",
            "dueDate": "2030-01-31T23:59:59",
            "debtor": {"type": "F", "fiscalCode": "RSSMRA80A01H501U", "fullName": "Mario Rossi"},
            "transfers": [
                {"idTransfer": "1", "amount": 4000, "remittanceInformation": "Sanzione", "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456"},
                {"idTransfer": "2", "amount": 200, "organizationFiscalCode": "99999999999", "remittanceInformation": "Spese", "category": "9/0201109AP/", "iban": "IT60X0542811101000000654321"}
            ],
            "metadata": [{"key": "verbale", "value": "123"}]
        }),
    ))
    .await;
    // The institution's webhook on the same little server: it records what it receives.
    let secret = set_webhook(&app, &format!("{}/hooks", callback.url)).await;
    define(&app, "CDS01", &callback_service(&callback.url)).await;
    let fields = [
        ("targa", "AB123CD"),
        ("verbale", "123"),
        ("data", "2026-11-01"),
    ];
    let reply = app
        .soap(
            Some("paDemandPaymentNotice"),
            demand(ORG_A, "CDS01", &payload(&fields)),
        )
        .await;
    let nav = notice_of(&reply);

    // The callback was asked once (the other calls are webhook deliveries).
    let calls: Vec<_> = callback
        .calls()
        .into_iter()
        .filter(|(_, body)| body.contains("\"requestId\""))
        .collect();
    assert_eq!(calls.len(), 1);
    let (signature, body) = &calls[0];
    assert!(verify_signature(&secret, signature, body), "{signature}");
    let sent: Value = serde_json::from_str(body).unwrap();
    assert_eq!(sent["organizationFiscalCode"], ORG_A);
    assert_eq!(sent["serviceId"], "CDS01");
    assert_eq!(
        sent["properties"],
        json!({"targa": "AB123CD", "verbale": "123", "data": "2026-11-01"})
    );
    assert_eq!(sent["requestId"].as_str().unwrap().len(), 36);

    let got = app
        .soap(Some("paGetPaymentV2"), get_payment(ORG_A, &nav, true, None))
        .await;
    let SoapResponse::GetPaymentV2(g) = got.response() else {
        panic!("{}", got.text())
    };
    let data = g.data.expect("data");
    assert_eq!(data.payment_amount.to_string(), "42.00");
    assert_eq!(data.description, "Verbale 123 del 2026-11-01");
    assert_eq!(data.debtor.full_name, "Mario Rossi");
    assert_eq!(data.due_date, "2030-01-31");
    assert_eq!(data.transfer_list.transfer.len(), 2);
    let sent = app
        .soap(Some("paSendRTV2"), send_rt(&nav, "r-cb", true))
        .await;
    assert_eq!(sent.fault_code(), "OK");
    // The payment reaches the institution's webhook, signed, as for any notice.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let delivered = loop {
        let found = callback
            .calls()
            .into_iter()
            .find(|(_, body)| body.contains("\"payment.received\""));
        if let Some(found) = found {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no payment.received delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(verify_signature(&secret, &delivered.0, &delivered.1));
    let event: Value = serde_json::from_str(&delivered.1).unwrap();
    assert_eq!(event["data"]["nav"], nav);
    assert_eq!(event["data"]["amount"], 1230);
}

async fn callback_failures_create_nothing(app: TestApp) {
    let callback = Callback::start(Behaviour::Slow(Duration::from_millis(2000))).await;
    set_webhook(&app, "http://127.0.0.1:9/hooks").await;
    define(&app, "CDS01", &callback_service(&callback.url)).await;
    let ask = || {
        demand(
            ORG_A,
            "CDS01",
            &payload(&[("targa", "AB123CD"), ("verbale", "7")]),
        )
    };
    let transfer = |id: &str, amount: i64| json!({"idTransfer": id, "amount": amount, "remittanceInformation": "x", "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456"});
    let started = std::time::Instant::now();
    let slow = app.soap(Some("paDemandPaymentNotice"), ask()).await;
    assert_eq!(slow.fault_code(), "PAA_SYSTEM_ERROR", "{}", slow.text());
    assert!(
        description(&slow).contains("timed out after 0.8 s"),
        "{}",
        slow.text()
    );
    assert!(started.elapsed() < Duration::from_millis(1900));

    for (behaviour, code, detail) in [
        (
            Behaviour::Answer(500, json!({})),
            "PAA_SYSTEM_ERROR",
            "HTTP 500",
        ),
        (
            Behaviour::Answer(
                404,
                json!({"detail": "Nessun verbale 7 per la targa AB123CD"}),
            ),
            "PAA_PAGAMENTO_SCONOSCIUTO",
            "Nessun verbale 7 per la targa AB123CD",
        ),
        (
            Behaviour::Answer(422, json!({"detail": "Verbale già archiviato"})),
            "PAA_SEMANTICA",
            "Verbale già archiviato",
        ),
        (
            Behaviour::Answer(200, json!({"amount": 0})),
            "PAA_SYSTEM_ERROR",
            "amount",
        ),
        (
            Behaviour::Answer(200, json!({"importo": 10})),
            "PAA_SYSTEM_ERROR",
            "invalid answer",
        ),
        (
            Behaviour::Answer(
                200,
                json!({"amount": 600, "transfers": (1..=6).map(|i| transfer(&i.to_string(), 100)).collect::<Vec<_>>()}),
            ),
            "PAA_SYSTEM_ERROR",
            "transfers[5]",
        ),
        (
            Behaviour::Answer(
                200,
                json!({"amount": 1000, "transfers": [transfer("1", 600), transfer("2", 300)]}),
            ),
            "PAA_SYSTEM_ERROR",
            "the position could not be created",
        ),
    ] {
        callback.set(behaviour);
        let reply = app.soap(Some("paDemandPaymentNotice"), ask()).await;
        assert_eq!(reply.fault_code(), code, "{}", reply.text());
        assert!(
            description(&reply).contains(detail),
            "{detail}: {}",
            reply.text()
        );
    }
    assert_eq!(positions_count(&app).await, 0);
    let feed = app.get(&format!("/organizations/{ORG_A}/events")).await;
    assert_eq!(feed.body["events"], json!([]));
}

async fn faults_name_the_problem(app: TestApp) {
    define(&app, "DIR01", &fixed_service()).await;
    let good = payload(&[("pratica", "AB1234")]);
    let raw = |xml: &str| base64::engine::general_purpose::STANDARD.encode(xml);
    let cases: Vec<(String, &str, &str)> = vec![
        (
            demand(ORG_A, "DIR01", "bm90IHhtbA=="),
            "PAA_SINTASSI_XSD",
            "datiSpecificiServizioRequest",
        ),
        (
            demand(
                ORG_A,
                "DIR01",
                &raw(&format!(
                    r#"<!DOCTYPE service [<!ENTITY x "y">]><service xmlns="{GS}"><pratica>&x;</pratica></service>"#
                )),
            ),
            "PAA_SINTASSI_XSD",
            "datiSpecificiServizioRequest",
        ),
        (
            demand(
                ORG_A,
                "DIR01",
                &raw(r#"<service xmlns="urn:other"><pratica>AB1234</pratica></service>"#),
            ),
            "PAA_SINTASSI_XSD",
            "datiSpecificiServizioRequest",
        ),
        (
            demand(ORG_A, "NOPE1", &good),
            "PAA_PAGAMENTO_SCONOSCIUTO",
            "NOPE1",
        ),
        (
            demand(ORG_A, "DIR01", &payload(&[])),
            "PAA_SEMANTICA",
            "pratica",
        ),
        (
            demand(ORG_A, "DIR01", &payload(&[("pratica", "ab1234")])),
            "PAA_SEMANTICA",
            "pratica",
        ),
        (
            demand(
                ORG_A,
                "DIR01",
                &payload(&[("pratica", "AB1234"), ("x", "1")]),
            ),
            "PAA_SEMANTICA",
            "x",
        ),
        (
            demand("12345678901", "DIR01", &good),
            "PAA_ID_DOMINIO_ERRATO",
            "",
        ),
        (
            demand(ORG_A, "DIR01", &good)
                .replace("<idSoggettoServizio>00001", "<idSoggettoServizio>001"),
            "PAA_SINTASSI_XSD",
            "idSoggettoServizio",
        ),
    ];
    for (envelope, code, detail) in cases {
        let reply = app
            .soap(Some("paDemandPaymentNotice"), envelope.clone())
            .await;
        assert_eq!(reply.fault_code(), code, "{envelope}\n{}", reply.text());
        assert!(
            description(&reply).contains(detail),
            "{detail}: {}",
            reply.text()
        );
    }
    // A disabled service is unknown; the others keep working.
    app.delete(&format!("/organizations/{ORG_A}/services/DIR01"))
        .await;
    let reply = app
        .soap(Some("paDemandPaymentNotice"), demand(ORG_A, "DIR01", &good))
        .await;
    assert_eq!(reply.fault_code(), "PAA_PAGAMENTO_SCONOSCIUTO");
    assert_eq!(positions_count(&app).await, 0);
}

async fn repeated_demand_answers_the_same_notice(app: TestApp) {
    define(&app, "DIR01", &fixed_service()).await;
    let ask = |p: &str| demand(ORG_A, "DIR01", &payload(&[("pratica", p)]));
    let first = notice_of(&app.soap(Some("paDemandPaymentNotice"), ask("AB1234")).await);
    let again = notice_of(&app.soap(Some("paDemandPaymentNotice"), ask("AB1234")).await);
    assert_eq!(first, again);
    let other = notice_of(&app.soap(Some("paDemandPaymentNotice"), ask("CD5678")).await);
    assert_ne!(first, other);
    app.clock.advance(chrono::Duration::minutes(11));
    let later = notice_of(&app.soap(Some("paDemandPaymentNotice"), ask("AB1234")).await);
    assert_ne!(first, later);
    // Once paid, the same demand gets a fresh notice.
    let sent = app
        .soap(Some("paSendRTV2"), send_rt(&later, "r-later", true))
        .await;
    assert_eq!(sent.fault_code(), "OK");
    let fresh = notice_of(&app.soap(Some("paDemandPaymentNotice"), ask("AB1234")).await);
    assert_ne!(fresh, later);
    assert_eq!(positions_count(&app).await, 4);
}

async fn concurrent_demands_get_distinct_notices(app: TestApp) {
    define(&app, "DIR01", &fixed_service()).await;
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let p = format!("AB{i:04}");
                let reply = app
                    .soap(
                        Some("paDemandPaymentNotice"),
                        demand(ORG_A, "DIR01", &payload(&[("pratica", &p)])),
                    )
                    .await;
                notice_of(&reply)
            })
        })
        .collect();
    let mut navs = HashSet::new();
    for t in tasks {
        assert!(navs.insert(t.await.unwrap()));
    }
    assert_eq!(navs.len(), 100);
    assert_eq!(positions_count(&app).await, 100);
}

async fn two_instances_never_share_an_iuv(backend: Backend) {
    let app = app(backend).await;
    define(&app, "DIR01", &fixed_service()).await;
    let (second, handle) = common::start_server(&app.database_url, |_| {}).await;
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let app = app.clone();
            let base = if i % 2 == 0 {
                app.base.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                let body = demand(
                    ORG_A,
                    "DIR01",
                    &payload(&[("pratica", &format!("XY{i:04}"))]),
                );
                let res = app
                    .client
                    .post(format!("{base}/paForNode"))
                    .header("SOAPAction", "paDemandPaymentNotice")
                    .header("Content-Type", "text/xml")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let reply = common::nodo::SoapReply {
                    status: res.status().as_u16(),
                    body: res.bytes().await.unwrap().to_vec(),
                };
                notice_of(&reply)
            })
        })
        .collect();
    let mut navs = HashSet::new();
    for t in tasks {
        assert!(navs.insert(t.await.unwrap()));
    }
    assert_eq!(navs.len(), 60);
    handle.stop(true).await;
}

/// The callback handler of the README, run as it is printed there.
async fn readme_callback_handler(app: TestApp) {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("<!-- callback-handler -->")
        .expect("handler marker in README");
    let code = &readme[start..];
    let code = &code[code.find("```python\n").unwrap() + 10..];
    let code = &code[..code.find("```").unwrap()];
    let secret = set_webhook(&app, "http://127.0.0.1:9/hooks").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut handler = std::process::Command::new("python3")
        .arg("-c")
        .arg(code)
        .env("GPD_WEBHOOK_SECRET", &secret)
        .env("PORT", port.to_string())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    define(
        &app,
        "CDS01",
        &callback_service(&format!("http://127.0.0.1:{port}/amount")),
    )
    .await;
    let known = app
        .soap(
            Some("paDemandPaymentNotice"),
            demand(
                ORG_A,
                "CDS01",
                &payload(&[("targa", "AB123CD"), ("verbale", "123")]),
            ),
        )
        .await;
    let nav = notice_of(&known);
    let SoapResponse::DemandPaymentNotice(r) = known.response() else {
        unreachable!()
    };
    let option = r.payment_list.unwrap().payment_option_description;
    assert_eq!(option.amount.to_string(), "42.00");
    assert_eq!(option.detail_description.as_deref(), Some("Verbale 123"));
    assert!(nav.starts_with("307"));
    let unknown = app
        .soap(
            Some("paDemandPaymentNotice"),
            demand(
                ORG_A,
                "CDS01",
                &payload(&[("targa", "AB123CD"), ("verbale", "999")]),
            ),
        )
        .await;
    assert_eq!(unknown.fault_code(), "PAA_PAGAMENTO_SCONOSCIUTO");
    assert_eq!(
        description(&unknown),
        "Nessun verbale 999 per la targa AB123CD"
    );
    handler.kill().unwrap();
    handler.wait().unwrap();
}

both_backends!(
    setup = super::app;
    catalog_api,
    served_xsd_validates_payloads,
    fixed_amount_end_to_end,
    amount_typed_by_the_citizen,
    callback_sets_the_amount,
    callback_failures_create_nothing,
    faults_name_the_problem,
    repeated_demand_answers_the_same_notice,
    concurrent_demands_get_distinct_notices,
    readme_callback_handler,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_sqlite_never_share_an_iuv() {
    two_instances_never_share_an_iuv(Backend::Sqlite).await
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_mariadb_never_share_an_iuv() {
    two_instances_never_share_an_iuv(Backend::Mysql).await
}
