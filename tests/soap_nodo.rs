//! The Nodo's SOAP operations over HTTP, every reply validated against xsd/paForNode.xsd.

mod common;

use common::nodo::{get_payment, send_rt, send_rt_for, verify, BROKER, STATION};
use common::{iuv, option, position, TestApp, ORG_A, ORG_B};
use futures_util::future::join_all;
use gpd_gateway::soap::xml::{
    CtTransferPav2AccountType, StAmountOptionType, StEntityUniqueIdentifierType,
};
use gpd_gateway::soap::SoapResponse;
use serde_json::json;

fn nav(n: u64) -> String {
    format!("3{}", iuv(n))
}

async fn ready(app: &TestApp) {
    app.add_station(ORG_A, 2);
}

async fn verify_answers_the_notice(app: TestApp) {
    ready(&app).await;
    app.create(&position("V-1", &iuv(1)), true).await;
    let reply = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav(1)))
        .await;
    let SoapResponse::VerifyPaymentNotice(res) = reply.response() else {
        panic!("wrong response")
    };
    assert!(res.fault.is_none());
    let option = res.payment_list.unwrap().payment_option_description;
    assert_eq!(option.amount.cents(), 1230);
    assert!(
        reply.text().contains("<amount>12.30</amount>"),
        "{}",
        reply.text()
    );
    assert_eq!(option.options, StAmountOptionType::Eq);
    assert_eq!(option.due_date.as_deref(), Some("2030-12-31"));
    assert_eq!(
        option.detail_description.as_deref(),
        Some("Tassa rifiuti 2030")
    );
    assert!(!option.all_ccp, "transfer 2 has no postal IBAN");
    assert_eq!(
        res.payment_description.as_deref(),
        Some("Tassa rifiuti 2030")
    );
    assert_eq!(res.fiscal_code_pa.as_deref(), Some(ORG_A));
    assert_eq!(res.company_name.as_deref(), Some("Comune di Prova"));
    assert_eq!(res.office_name.as_deref(), Some("Ufficio Tributi"));

    // allCCP is true when every transfer can go to a postal account; quoted SOAPAction works.
    let mut postal = position("V-2", &iuv(2));
    postal["paymentOption"][0]["transfer"][1]["postalIban"] = json!("IT60X0760103200000000654321");
    app.create(&postal, true).await;
    let reply = app
        .soap(Some("\"paVerifyPaymentNotice\""), verify(ORG_A, &nav(2)))
        .await;
    let SoapResponse::VerifyPaymentNotice(res) = reply.response() else {
        panic!("wrong response")
    };
    assert!(res.payment_list.unwrap().payment_option_description.all_ccp);
    // Without SOAPAction the Body element decides.
    assert_eq!(
        app.soap(None, verify(ORG_A, &nav(2))).await.fault_code(),
        "OK"
    );
}

async fn verify_faults(app: TestApp) {
    ready(&app).await;
    let fault = |reply: &common::nodo::SoapReply| {
        let response = reply.response();
        let f = response.fault().expect("a KO").clone();
        assert_eq!(f.id, ORG_A, "the fault id is the idPA");
        assert!(f.description.as_deref().is_some_and(|d| !d.is_empty()));
        f.fault_code
    };
    let unknown = app
        .soap(
            Some("paVerifyPaymentNotice"),
            verify(ORG_A, "399999999999999999"),
        )
        .await;
    assert_eq!(fault(&unknown), "PAA_PAGAMENTO_SCONOSCIUTO");

    app.create(&position("DRAFT", &iuv(10)), false).await;
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(10))).await),
        "PAA_PAGAMENTO_SCONOSCIUTO"
    );

    app.create(&position("CANCELLED", &iuv(11)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/CANCELLED/invalidate"),
        None,
    )
    .await;
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(11))).await),
        "PAA_PAGAMENTO_ANNULLATO"
    );

    app.create(&position("PAID", &iuv(12)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/paymentoptions/paids/{}", nav(12)),
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(12))).await),
        "PAA_PAGAMENTO_DUPLICATO"
    );

    let mut future = position("FUTURE", &iuv(13));
    future["validityDate"] = json!("2030-01-01T00:00:00");
    app.create(&future, true).await;
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(13))).await),
        "PAA_PAGAMENTO_SCONOSCIUTO"
    );

    // A single option whose installment sibling was paid: already paid another way.
    let mut plan = position("PLAN", &iuv(14));
    let mut rate = option(&iuv(15), 1230, "2030-06-30T00:00:00");
    rate["isPartialPayment"] = json!(true);
    plan["paymentOption"] = json!([option(&iuv(14), 1230, "2030-06-30T00:00:00"), rate]);
    app.create(&plan, true).await;
    app.post(
        &format!("/organizations/{ORG_A}/paymentoptions/paids/{}", nav(15)),
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(14))).await),
        "PAA_PAGAMENTO_DUPLICATO"
    );

    let due = app.clock.now() + chrono::Duration::hours(1);
    let mut expiring = position("EXPIRING", &iuv(16));
    expiring["switchToExpired"] = json!(true);
    expiring["paymentOption"][0]["dueDate"] =
        json!(due.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
    app.create(&expiring, true).await;
    assert_eq!(
        app.soap(None, verify(ORG_A, &nav(16))).await.fault_code(),
        "OK"
    );
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        fault(&app.soap(None, verify(ORG_A, &nav(16))).await),
        "PAA_PAGAMENTO_SCADUTO"
    );

    // The qrCode must name the institution that calls.
    let other_owner = verify(ORG_A, &nav(1)).replace(
        &format!("<fiscalCode>{ORG_A}</fiscalCode>"),
        &format!("<fiscalCode>{ORG_B}</fiscalCode>"),
    );
    app.create(&position("V-1", &iuv(1)), true).await;
    assert_eq!(
        fault(&app.soap(None, other_owner).await),
        "PAA_PAGAMENTO_SCONOSCIUTO"
    );
}

async fn caller_checks(app: TestApp) {
    ready(&app).await;
    app.create(&position("C-1", &iuv(1)), true).await;
    let code = |reply: common::nodo::SoapReply| reply.fault_code();
    let unknown_pa = verify("11111111111", &nav(1));
    assert_eq!(
        code(app.soap(None, unknown_pa).await),
        "PAA_ID_DOMINIO_ERRATO"
    );
    let wrong_broker =
        verify(ORG_A, &nav(1)).replace(&format!("<idBrokerPA>{BROKER}"), "<idBrokerPA>99999999999");
    assert_eq!(
        code(app.soap(None, wrong_broker).await),
        "PAA_ID_INTERMEDIARIO_ERRATO"
    );
    let wrong_station = verify(ORG_A, &nav(1)).replace(
        &format!("<idStation>{STATION}"),
        "<idStation>15376371009_99",
    );
    assert_eq!(
        code(app.soap(None, wrong_station).await),
        "PAA_STAZIONE_INT_ERRATA"
    );
    // ORG_B is registered but has no station.
    assert_eq!(
        code(app.soap(None, verify(ORG_B, &nav(1))).await),
        "PAA_ID_INTERMEDIARIO_ERRATO"
    );
}

async fn get_payment_v1_and_v2(app: TestApp) {
    ready(&app).await;
    let mut body = position("G-1", &iuv(1));
    body["paymentOption"][0]["transfer"][1]["transferMetadata"] =
        json!([{"key": "cap", "value": "77"}]);
    app.create(&body, true).await;

    let reply = app
        .soap(
            Some("paGetPayment"),
            get_payment(ORG_A, &nav(1), false, None),
        )
        .await;
    let SoapResponse::GetPayment(res) = reply.response() else {
        panic!("wrong response")
    };
    let data = res.data.expect("data");
    assert_eq!(data.creditor_reference_id, iuv(1));
    assert_eq!(data.payment_amount.cents(), 1230);
    assert_eq!(data.due_date, "2030-12-31");
    assert_eq!(data.retention_date.as_deref(), Some("2031-12-31T23:59:59"));
    assert_eq!(data.description, "Tassa rifiuti 2030");
    assert_eq!(data.company_name.as_deref(), Some("Comune di Prova"));
    assert_eq!(
        data.debtor.unique_identifier.entity_unique_identifier_type,
        StEntityUniqueIdentifierType::F
    );
    assert_eq!(
        data.debtor.unique_identifier.entity_unique_identifier_value,
        "RSSMRA80A01H501U"
    );
    assert_eq!(data.debtor.state_province_region.as_deref(), Some("RM"));
    assert_eq!(
        data.debtor.e_mail.as_deref(),
        Some("mario.rossi@example.it")
    );
    let transfers = &data.transfer_list.transfer;
    assert_eq!(transfers.len(), 2);
    assert_eq!(transfers[0].transfer_amount.cents(), 1030);
    assert_eq!(transfers[0].iban, "IT60X0542811101000000123456");
    assert_eq!(transfers[0].fiscal_code_pa, ORG_A);
    assert_eq!(transfers[1].fiscal_code_pa, "99999999999");
    assert_eq!(transfers[0].transfer_category, "9/0101108TS/");
    let sum: i64 = transfers.iter().map(|t| t.transfer_amount.cents()).sum();
    assert_eq!(
        sum,
        data.payment_amount.cents(),
        "paymentAmount is the sum of the transfers"
    );
    assert_eq!(data.metadata.unwrap().map_entry[0].key, "anno");

    // POSTAL asks for the postal account where there is one.
    let reply = app
        .soap(None, get_payment(ORG_A, &nav(1), false, Some("POSTAL")))
        .await;
    let SoapResponse::GetPayment(res) = reply.response() else {
        panic!("wrong response")
    };
    assert_eq!(
        res.data.unwrap().transfer_list.transfer[0].iban,
        "IT60X0760103200000000123456"
    );

    // V2, PAGOPA: the bank IBAN, the postal one as IBANAPPOGGIO metadata.
    let reply = app
        .soap(
            Some("paGetPaymentV2"),
            get_payment(ORG_A, &nav(1), true, Some("PAGOPA")),
        )
        .await;
    let SoapResponse::GetPaymentV2(res) = reply.response() else {
        panic!("wrong response")
    };
    let data = res.data.expect("data");
    assert_eq!(data.company_name, "Comune di Prova");
    let t = &data.transfer_list.transfer;
    assert_eq!(
        t[0].account,
        CtTransferPav2AccountType::Iban("IT60X0542811101000000123456".to_owned())
    );
    let meta = &t[0].metadata.as_ref().unwrap().map_entry;
    assert!(meta
        .iter()
        .any(|m| m.key == "IBANAPPOGGIO" && m.value == "IT60X0760103200000000123456"));
    assert_eq!(t[0].company_name.as_deref(), Some("Comune di Prova"));
    assert_eq!(t[1].company_name.as_deref(), Some("Provincia"));
    assert_eq!(t[1].metadata.as_ref().unwrap().map_entry[0].value, "77");

    // A digital stamp: V2 carries it, V1 refuses with PAA_SEMANTICA.
    let mut stamped = position("G-2", &iuv(2));
    let t = &mut stamped["paymentOption"][0]["transfer"][1];
    t.as_object_mut().unwrap().remove("iban");
    t["stamp"] = json!({"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=", "stampType": "01", "provincialResidence": "MI"});
    app.create(&stamped, true).await;
    let reply = app
        .soap(None, get_payment(ORG_A, &nav(2), true, None))
        .await;
    let SoapResponse::GetPaymentV2(res) = reply.response() else {
        panic!("wrong response")
    };
    match &res.data.unwrap().transfer_list.transfer[1].account {
        CtTransferPav2AccountType::RichiestaMarcaDaBollo(s) => {
            assert_eq!(
                s.hash_documento,
                "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E="
            );
            assert_eq!(s.provincia_residenza, "MI");
        }
        other => panic!("expected a stamp, got {other:?}"),
    }
    assert_eq!(
        app.soap(None, get_payment(ORG_A, &nav(2), false, None))
            .await
            .fault_code(),
        "PAA_SEMANTICA"
    );
    // Activation changes nothing.
    let stored = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/G-1"))
        .await;
    assert_eq!(stored.headers["etag"], "\"0\"");
}

async fn send_rt_pays_once(app: TestApp) {
    ready(&app).await;
    app.create(&position("R-1", &iuv(1)), true).await;
    let reply = app
        .soap(Some("paSendRTV2"), send_rt(&nav(1), "rcpt-1", true))
        .await;
    assert_eq!(reply.fault_code(), "OK", "{}", reply.text());
    let option = app
        .get(&format!("/organizations/{ORG_A}/paymentoptions/{}", nav(1)))
        .await
        .body;
    assert_eq!(option["status"], "PO_PAID");
    assert_eq!(option["idReceipt"], "rcpt-1");
    assert_eq!(option["pspCompany"], "Intesa Sanpaolo");
    assert_eq!(option["pspCode"], "BCITITMM");
    assert_eq!(option["pspTaxCode"], "00799960158");
    assert_eq!(option["paymentMethod"], "creditCard");
    assert_eq!(option["paymentDate"], "2026-11-20T10:30:00");
    assert_eq!(option["fee"], 150);
    let position_now = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/R-1"))
        .await;
    assert_eq!(position_now.body["status"], "PAID");
    assert_eq!(position_now.headers["etag"], "\"1\"");

    // The same receipt again: OK, nothing changes.
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-1", true))
            .await
            .fault_code(),
        "OK"
    );
    assert_eq!(
        app.get(&format!("/organizations/{ORG_A}/debtpositions/R-1"))
            .await
            .headers["etag"],
        "\"1\""
    );
    // Another receipt for the paid notice: refused, but kept for audit.
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-2", true))
            .await
            .fault_code(),
        "PAA_RECEIPT_DUPLICATA"
    );
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-2", true))
            .await
            .fault_code(),
        "PAA_RECEIPT_DUPLICATA"
    );
    assert_eq!(
        receipts(&app),
        vec![
            ("rcpt-1".into(), "APPLIED".into()),
            ("rcpt-2".into(), "DUPLICATE".into())
        ]
    );

    // V1 receipts too, and the raw XML is kept.
    app.create(&position("R-2", &iuv(2)), true).await;
    assert_eq!(
        app.soap(Some("paSendRT"), send_rt(&nav(2), "rcpt-v1", false))
            .await
            .fault_code(),
        "OK"
    );
    assert_eq!(
        app.get(&format!("/organizations/{ORG_A}/debtpositions/R-2"))
            .await
            .body["status"],
        "PAID"
    );
    let document = receipt_document(&app, "rcpt-v1");
    assert!(document.starts_with("<nod:paSendRTReq"), "{document}");
    assert!(document.contains("<receiptId>rcpt-v1</receiptId>"));
    assert!(document.contains("xmlns:nod=\"http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd\""));
}

async fn receipts_are_accepted_whatever_the_state(app: TestApp) {
    ready(&app).await;
    app.create(&position("DRAFT", &iuv(1)), false).await;
    app.create(&position("INVALID", &iuv(2)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/INVALID/invalidate"),
        None,
    )
    .await;
    for (n, iupd) in [(1, "DRAFT"), (2, "INVALID")] {
        assert_eq!(
            app.soap(None, send_rt(&nav(n), &format!("r-{n}"), true))
                .await
                .fault_code(),
            "OK"
        );
        assert_eq!(
            app.get(&format!("/organizations/{ORG_A}/debtpositions/{iupd}"))
                .await
                .body["status"],
            "PAID"
        );
    }
    // Unknown notice (broadcast station): stored and acknowledged.
    assert_eq!(
        app.soap(None, send_rt("399999999999999999", "r-unknown", true))
            .await
            .fault_code(),
        "OK"
    );
    // A copy for a secondary beneficiary: stored under our idPA, the owner's option untouched.
    let copy = send_rt_for(ORG_A, "12345678901", &nav(3), "r-secondary", true, "OK");
    assert_eq!(app.soap(None, copy).await.fault_code(), "OK");
    // A receipt with outcome KO is not a payment.
    app.create(&position("KO", &iuv(4)), true).await;
    let ko = send_rt_for(ORG_A, ORG_A, &nav(4), "r-ko", true, "KO");
    assert_eq!(app.soap(None, ko).await.fault_code(), "PAA_SEMANTICA");
    assert_eq!(
        app.get(&format!("/organizations/{ORG_A}/debtpositions/KO"))
            .await
            .body["status"],
        "VALID"
    );
    let mut stored = receipts(&app);
    stored.sort();
    assert_eq!(
        stored,
        vec![
            ("r-1".into(), "APPLIED".into()),
            ("r-2".into(), "APPLIED".into()),
            ("r-secondary".into(), "SECONDARY".into()),
            ("r-unknown".into(), "UNMATCHED".into()),
        ]
    );
}

async fn concurrent_receipts(app: TestApp) {
    ready(&app).await;
    app.create(&position("CC-1", &iuv(1)), true).await;
    let same = send_rt(&nav(1), "rcpt-same", true);
    let replies = join_all((0..50).map(|_| app.soap(Some("paSendRTV2"), same.clone()))).await;
    for reply in &replies {
        assert_eq!(reply.fault_code(), "OK");
    }
    assert_eq!(receipts(&app).len(), 1);
    let stored = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/CC-1"))
        .await;
    assert_eq!(
        stored.headers["etag"], "\"1\"",
        "exactly one payment was applied"
    );

    app.create(&position("CC-2", &iuv(2)), true).await;
    let (a, b) = tokio::join!(
        app.soap(None, send_rt(&nav(2), "rcpt-a", true)),
        app.soap(None, send_rt(&nav(2), "rcpt-b", true))
    );
    let mut codes = vec![a.fault_code(), b.fault_code()];
    codes.sort();
    assert_eq!(codes, vec!["OK", "PAA_RECEIPT_DUPLICATA"]);
    let option = app
        .get(&format!("/organizations/{ORG_A}/paymentoptions/{}", nav(2)))
        .await
        .body;
    let winner = option["idReceipt"].as_str().unwrap().to_owned();
    assert!(winner == "rcpt-a" || winner == "rcpt-b");
    let statuses: Vec<_> = receipts(&app)
        .into_iter()
        .filter(|(id, _)| id.starts_with("rcpt-a") || id.starts_with("rcpt-b"))
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&(winner, "APPLIED".into())));
}

async fn bad_messages_never_fail_the_server(app: TestApp) {
    ready(&app).await;
    // Not XML, with a SOAPAction: a KO of that operation.
    let reply = app
        .soap(Some("paVerifyPaymentNotice"), "this is not xml")
        .await;
    assert_eq!(reply.fault_code(), "PAA_SINTASSI_EXTRAXSD");
    // Not XML and no SOAPAction: a SOAP Fault with 400.
    let reply = app.soap(None, "<<<").await;
    assert_eq!(reply.status, 400);
    common::xsd::assert_valid_soap_envelope(&reply.body);
    // Schema-invalid: a required element missing.
    let invalid = verify(ORG_A, &nav(1)).replace(&format!("<idStation>{STATION}</idStation>"), "");
    let reply = app.soap(Some("paVerifyPaymentNotice"), invalid).await;
    let response = reply.response();
    let fault = response.fault().unwrap();
    assert_eq!(fault.fault_code, "PAA_SINTASSI_XSD");
    assert_eq!(fault.id, ORG_A);
    // An amount with one decimal.
    let bad_amount = get_payment(ORG_A, &nav(1), true, None)
        .replace("<amount>12.30</amount>", "<amount>12.3</amount>");
    assert_eq!(
        app.soap(None, bad_amount).await.fault_code(),
        "PAA_SINTASSI_XSD"
    );
    // XXE and billion laughs are refused at once.
    let xxe = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
        verify(ORG_A, "&x;").trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    );
    let reply = app.soap(Some("paVerifyPaymentNotice"), xxe).await;
    assert_eq!(reply.fault_code(), "PAA_SINTASSI_EXTRAXSD");
    assert!(!reply.text().contains("root:"));
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><l>&c;</l>";
    let reply = app.soap(None, laughs).await;
    assert_eq!(reply.status, 400);
    // The payload in a wrong namespace.
    let wrong_ns = verify(ORG_A, &nav(1)).replace(
        "xmlns:nod=\"http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd\"",
        "xmlns:nod=\"http://pagopa-api.pagopa.gov.it/node/nodeForPsp.xsd\"",
    );
    let reply = app.soap(Some("paVerifyPaymentNotice"), wrong_ns).await;
    assert_eq!(reply.fault_code(), "PAA_SINTASSI_EXTRAXSD");
    // SOAPAction naming another operation than the body.
    let reply = app.soap(Some("paSendRT"), verify(ORG_A, &nav(1))).await;
    assert_eq!(reply.fault_code(), "PAA_SINTASSI_EXTRAXSD");
    // Over 1 MiB: 413.
    let huge = verify(ORG_A, &nav(1)).replace(
        "<soapenv:Header/>",
        &format!("<soapenv:Header>{}</soapenv:Header>", " ".repeat(2 << 20)),
    );
    let reply = app.soap(Some("paVerifyPaymentNotice"), huge).await;
    assert_eq!(reply.status, 413);
    // Demand of a spontaneous payment: a clean KO.
    let demand =
        std::fs::read("tests/fixtures/soap/handwritten/paDemandPaymentNoticeRequest.xml").unwrap();
    let reply = app.soap(Some("paDemandPaymentNotice"), demand).await;
    let code = reply.fault_code();
    assert!(code.starts_with("PAA_"), "{code}");
    // `<service/>` without the GeneralService namespace is not a service payload.
    let demand = String::from_utf8(demand_for_us()).unwrap();
    assert_eq!(
        app.soap(None, demand).await.fault_code(),
        "PAA_SINTASSI_XSD"
    );
    // Official fixtures are answered with schema-valid replies.
    for fixture in [
        "tests/fixtures/soap/reference/gpdpay-it-paVerifyPaymentNoticeReq-defaultns.xml",
        "tests/fixtures/soap/reference/gpdpay-it-paGetPaymentV2Request.xml",
        "tests/fixtures/soap/reference/sanp-paSendRTV2Request.xml",
        "tests/fixtures/soap/reference/gpdpay-postman-paSendRTReq.xml",
    ] {
        let body = std::fs::read(fixture).unwrap();
        let reply = app.soap(None, body).await;
        reply.response();
    }
    // Still serving.
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn wsdl_and_schemas_are_served(app: TestApp) {
    let wsdl = app
        .client
        .get(app.url("/paForNode?wsdl"))
        .send()
        .await
        .unwrap();
    assert_eq!(wsdl.status(), 200);
    let text = wsdl.text().await.unwrap();
    assert!(
        text.contains(&format!("location=\"{}/paForNode\"", app.base)),
        "{text}"
    );
    assert!(text.contains("schemaLocation=\"../xsd/paForNode.xsd\""));
    let xsd = app
        .client
        .get(app.url("/xsd/paForNode.xsd"))
        .send()
        .await
        .unwrap();
    assert_eq!(xsd.status(), 200);
    assert!(xsd
        .text()
        .await
        .unwrap()
        .contains("paVerifyPaymentNoticeReq"));
    let common = app
        .client
        .get(app.url("/xsd/sac-common-types-1.0.xsd"))
        .send()
        .await
        .unwrap();
    assert_eq!(common.status(), 200);
    assert_eq!(
        app.client
            .get(app.url("/xsd/nope.xsd"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

fn demand_for_us() -> Vec<u8> {
    common::nodo::envelope(&format!(
        "<nod:paDemandPaymentNoticeRequest><idPA>{ORG_A}</idPA><idBrokerPA>{BROKER}</idBrokerPA><idStation>{STATION}</idStation>\
<idServizio>00001</idServizio><idSoggettoServizio>00002</idSoggettoServizio>\
<datiSpecificiServizioRequest>PHNlcnZpY2UvPg==</datiSpecificiServizioRequest></nod:paDemandPaymentNoticeRequest>"
    ))
    .into_bytes()
}

fn receipts(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use gpd_gateway::store::schema::receipts::dsl::*;
    let url = gpd_gateway::store::DatabaseUrl::parse(&app.database_url).unwrap();
    let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
    receipts
        .order(id.asc())
        .select((receipt_id, status))
        .load(&mut conn)
        .unwrap()
}

fn receipt_document(app: &TestApp, rid: &str) -> String {
    use diesel::prelude::*;
    use gpd_gateway::store::schema::receipts::dsl::*;
    let url = gpd_gateway::store::DatabaseUrl::parse(&app.database_url).unwrap();
    let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
    receipts
        .filter(receipt_id.eq(rid))
        .select(document)
        .first(&mut conn)
        .unwrap()
}

/// Caches hold configuration only: a payment through one instance is seen at once by another
/// instance on the same database, whose caches are warm.
async fn a_payment_through_one_instance_is_seen_by_another(app: TestApp) {
    ready(&app).await;
    app.create(&position("M-1", &iuv(1)), true).await;
    let server_clock = app.clock.clone();
    let (other, _handle) =
        common::start_server(&app.database_url, move |c| c.clock = server_clock).await;
    let at_other = |body: String| {
        let client = app.client.clone();
        let url = format!("{other}/paForNode");
        async move {
            let res = client
                .post(url)
                .header("Content-Type", "text/xml; charset=utf-8")
                .body(body)
                .send()
                .await
                .unwrap();
            common::nodo::SoapReply {
                status: res.status().as_u16(),
                body: res.bytes().await.unwrap().to_vec(),
            }
        }
    };
    // Both instances have read the notice (and checked the caller) before the payment.
    assert_eq!(
        app.soap(None, verify(ORG_A, &nav(1))).await.fault_code(),
        "OK"
    );
    assert_eq!(at_other(verify(ORG_A, &nav(1))).await.fault_code(), "OK");

    let paid = app.soap(None, send_rt(&nav(1), "rcpt-m1", true)).await;
    assert_eq!(paid.fault_code(), "OK", "{}", paid.text());
    assert_eq!(
        at_other(verify(ORG_A, &nav(1))).await.fault_code(),
        "PAA_PAGAMENTO_DUPLICATO"
    );
    assert_eq!(
        at_other(get_payment(ORG_A, &nav(1), true, None))
            .await
            .fault_code(),
        "PAA_PAGAMENTO_DUPLICATO"
    );
}

both_backends!(
    a_payment_through_one_instance_is_seen_by_another,
    verify_answers_the_notice,
    verify_faults,
    caller_checks,
    get_payment_v1_and_v2,
    send_rt_pays_once,
    receipts_are_accepted_whatever_the_state,
    concurrent_receipts,
    bad_messages_never_fail_the_server,
    wsdl_and_schemas_are_served,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soap_key_protects_the_endpoint() {
    let app = common::spawn_app_with(common::Backend::Sqlite, |c| {
        c.soap_key = Some("s3cret".to_owned())
    })
    .await;
    app.add_station(ORG_A, 2);
    let reply = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav(1)))
        .await;
    assert_eq!(reply.status, 401);
    let res = app
        .client
        .post(app.url("/paForNode"))
        .header("SOAPAction", "paVerifyPaymentNotice")
        .header("Ocp-Apim-Subscription-Key", "s3cret")
        .body(verify(ORG_A, &nav(1)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relaxed_caller_checks() {
    let app =
        common::spawn_app_with(common::Backend::Sqlite, |c| c.soap_check_caller = false).await;
    app.create(&position("RELAX", &iuv(1)), true).await;
    // No station registered, yet the notice is answered.
    assert_eq!(
        app.soap(None, verify(ORG_A, &nav(1))).await.fault_code(),
        "OK"
    );
}
