//! Amounts computed by the institution's callback: the contract, its failures, the README's handler.

use std::time::Duration;

use gpd_gateway::events::verify_signature;
use gpd_gateway::soap::SoapResponse;
use serde_json::{json, Value};

use super::common::nodo::{demand, get_payment, send_rt};
use super::common::{self, TestApp, ORG_A};
use super::support;
use super::support::*;

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
        description(&slow).contains("no answer within 0.8 s"),
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

crate::both_backends!(
    setup = super::support::app;
    callback_sets_the_amount,
    callback_failures_create_nothing,
    readme_callback_handler,
);
