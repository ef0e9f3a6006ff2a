//! Demands end to end with a fixed or typed amount, their faults, replays and concurrency.

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use gpd_gateway::soap::SoapResponse;
use serde_json::{json, Value};

use super::common::nodo::{demand, get_payment, send_rt, verify};
use super::common::{self, Backend, TestApp, ORG_A};
use super::support;
use super::support::*;

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

crate::both_backends!(
    setup = super::support::app;
    fixed_amount_end_to_end,
    amount_typed_by_the_citizen,
    faults_name_the_problem,
    repeated_demand_answers_the_same_notice,
    concurrent_demands_get_distinct_notices,
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
