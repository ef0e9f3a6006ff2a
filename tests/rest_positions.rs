//! Debt positions over HTTP: every endpoint's success path and the refusals of the state table.

mod common;

use common::{iuv, option, position, TestApp, ORG_A};
use serde_json::{json, Value};

fn path(rest: &str) -> String {
    format!("/organizations/{ORG_A}/{rest}")
}

async fn create_echoes_every_field(app: TestApp) {
    let iuv1 = iuv(1);
    let body = position("IUPD-CREATE", &iuv1);
    let reply = app
        .send(
            reqwest::Method::POST,
            &path("debtpositions"),
            Some(&app.key_a),
            Some(&body),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.headers["etag"], "\"0\"");
    assert!(reply.headers.contains_key("x-request-id"));
    let p = &reply.body;
    assert_eq!(p["iupd"], "IUPD-CREATE");
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["type"], "F");
    assert_eq!(p["fiscalCode"], "RSSMRA80A01H501U");
    assert_eq!(p["fullName"], "Mario Rossi");
    assert_eq!(p["city"], "Roma");
    assert_eq!(p["email"], "mario.rossi@example.it");
    assert_eq!(p["companyName"], "Comune di Prova");
    assert_eq!(p["officeName"], "Ufficio Tributi");
    assert_eq!(p["payStandIn"], true);
    assert_eq!(p["switchToExpired"], false);
    let o = &p["paymentOption"][0];
    assert_eq!(o["iuv"], iuv1.as_str());
    assert_eq!(o["nav"], format!("3{iuv1}"));
    assert_eq!(o["amount"], 1230);
    assert_eq!(o["dueDate"], "2030-12-31T23:59:59");
    assert_eq!(o["retentionDate"], "2031-12-31T23:59:59");
    assert_eq!(o["fee"], 0);
    assert_eq!(
        o["paymentOptionMetadata"],
        json!([{"key": "anno", "value": "2030"}])
    );
    let t = &o["transfer"];
    assert_eq!(t[0]["idTransfer"], "1");
    assert_eq!(t[0]["amount"], 1030);
    assert_eq!(t[0]["organizationFiscalCode"], ORG_A);
    assert_eq!(t[0]["iban"], "IT60X0542811101000000123456");
    assert_eq!(t[0]["postalIban"], "IT60X0760103200000000123456");
    assert_eq!(
        t[0]["transferMetadata"],
        json!([{"key": "capitolo", "value": "1234"}])
    );
    assert_eq!(t[1]["organizationFiscalCode"], "99999999999");
    assert_eq!(t[1]["companyName"], "Provincia");

    let got = app.get(&path("debtpositions/IUPD-CREATE")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["etag"], "\"0\"");
    let g = &got.body;
    assert_eq!(g["organizationFiscalCode"], ORG_A);
    assert_eq!(g["status"], "DRAFT");
    assert_eq!(g["paymentOption"][0]["status"], "PO_UNPAID");
    assert_eq!(
        g["paymentOption"][0]["transfer"][0]["status"],
        "T_UNREPORTED"
    );
    assert_eq!(g["paymentOption"][0]["nav"], format!("3{iuv1}"));
    assert_eq!(g["insertedDate"], g["lastUpdatedDate"]);
}

async fn request_id_is_echoed(app: TestApp) {
    let res = app
        .client
        .get(app.url("/info"))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let info: Value = res.json().await.unwrap();
    assert_eq!(
        info,
        json!({"name": "gpd-gateway", "version": env!("CARGO_PKG_VERSION"), "environment": "test"})
    );
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let unknown = app.get("/no/such/route").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["status"], 404);
}

async fn publish_at_create_is_case_insensitive(app: TestApp) {
    for (i, flag) in ["True", "TRUE", "true"].iter().enumerate() {
        let body = position(&format!("PUB-{i}"), &iuv(10 + i as u64));
        let reply = app
            .post(
                &path(&format!("debtpositions?toPublish={flag}")),
                Some(&body),
            )
            .await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.body["status"], "VALID");
        assert!(reply.body["validityDate"].is_string());
    }
    let bad = app
        .post(
            &path("debtpositions?toPublish=yes"),
            Some(&position("PUB-X", &iuv(19))),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["detail"].as_str().unwrap().contains("toPublish"));
}

async fn published_becomes_valid_at_read_time(app: TestApp) {
    let validity = app.clock.now() + chrono::Duration::hours(1);
    let mut body = position("LAZY", &iuv(20));
    body["validityDate"] = json!(validity.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
    let created = app.create(&body, true).await;
    assert_eq!(created["status"], "PUBLISHED");
    let listed = app.get(&path("debtpositions?status=PUBLISHED")).await;
    assert_eq!(listed.body["page_info"]["items_found"], 1);
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        app.get(&path("debtpositions/LAZY")).await.body["status"],
        "VALID"
    );
    let option = app.get(&path(&format!("paymentoptions/{}", iuv(20)))).await;
    assert_eq!(option.status, 200);
    assert_eq!(option.body["debtPositionStatus"], "VALID");
    let listed = app.get(&path("debtpositions?status=VALID")).await;
    assert_eq!(listed.body["page_info"]["items_found"], 1);
    assert_eq!(listed.body["payment_position_list"][0]["iupd"], "LAZY");
}

async fn state_machine(app: TestApp) {
    app.create(&position("SM", &iuv(30)), false).await;
    let published = app.post(&path("debtpositions/SM/publish"), None).await;
    assert_eq!(published.status, 200);
    assert_eq!(published.body["status"], "VALID");
    assert_eq!(
        app.post(&path("debtpositions/SM/publish"), None)
            .await
            .status,
        409
    );
    let invalid = app.post(&path("debtpositions/SM/invalidate"), None).await;
    assert_eq!(invalid.status, 200);
    assert_eq!(invalid.body["status"], "INVALID");
    let again = app.post(&path("debtpositions/SM/invalidate"), None).await;
    assert_eq!(again.status, 409);
    assert!(again.body["detail"].as_str().unwrap().contains("INVALID"));
    assert_eq!(
        app.post(&path("debtpositions/SM/publish"), None)
            .await
            .status,
        409
    );

    // Revival: an update of an INVALID position brings it back, same IUPD and NAV.
    let revived = app
        .put(
            &path("debtpositions/SM?toPublish=true"),
            &position("SM", &iuv(30)),
        )
        .await;
    assert_eq!(revived.status, 200, "{}", revived.body);
    assert_eq!(revived.body["status"], "VALID");
    assert_eq!(
        revived.body["paymentOption"][0]["nav"],
        format!("3{}", iuv(30))
    );

    // DRAFT cannot be invalidated.
    app.create(&position("SM-DRAFT", &iuv(31)), false).await;
    assert_eq!(
        app.post(&path("debtpositions/SM-DRAFT/invalidate"), None)
            .await
            .status,
        409
    );

    // Payments freeze the position.
    let paid = app
        .post(
            &path(&format!(
                "paymentoptions/paids/{}",
                format_args!("3{}", iuv(30))
            )),
            Some(&json!({})),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "PO_PAID");
    assert_eq!(paid.body["idReceipt"], "CLOSED_AS_ALREADY_PAID_BY_EC");
    assert_eq!(paid.body["pspCompany"], "CLOSED_AS_ALREADY_PAID_BY_EC");
    assert_eq!(
        app.get(&path("debtpositions/SM")).await.body["status"],
        "PAID"
    );
    assert_eq!(
        app.put(&path("debtpositions/SM"), &position("SM", &iuv(30)))
            .await
            .status,
        409
    );
    assert_eq!(app.delete(&path("debtpositions/SM")).await.status, 409);
    assert_eq!(
        app.post(&path("debtpositions/SM/invalidate"), None)
            .await
            .status,
        409
    );
    assert_eq!(
        app.post(&path("debtpositions/SM/publish"), None)
            .await
            .status,
        409
    );
    let twice = app
        .post(
            &path(&format!("paymentoptions/paids/{}", iuv(30))),
            Some(&json!({})),
        )
        .await;
    assert_eq!(twice.status, 409);

    let deleted = app.delete(&path("debtpositions/SM-DRAFT")).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        deleted.body,
        json!("The debt position was successfully deleted")
    );
    assert_eq!(app.get(&path("debtpositions/SM-DRAFT")).await.status, 404);
    assert_eq!(
        app.delete(&path("debtpositions/SM-DRAFT")).await.status,
        404
    );
}

async fn update_replaces_content(app: TestApp) {
    app.create(&position("UPD", &iuv(40)), false).await;
    let mut body = position("UPD", &iuv(41));
    body["companyName"] = json!("Nuovo Comune");
    body["paymentOption"] = json!([
        option(&iuv(41), 5000, "2031-01-31T00:00:00"),
        option(&iuv(42), 700, "2031-02-28T00:00:00")
    ]);
    let reply = app.put(&path("debtpositions/UPD"), &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["etag"], "\"1\"");
    assert_eq!(reply.body["companyName"], "Nuovo Comune");
    assert_eq!(reply.body["status"], "DRAFT");
    let got = app.get(&path("debtpositions/UPD")).await.body;
    let ivus: Vec<&str> = got["paymentOption"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["iuv"].as_str().unwrap())
        .collect();
    assert_eq!(ivus, vec![iuv(41).as_str(), iuv(42).as_str()]);
    assert_eq!(got["paymentOption"][0]["amount"], 5000);
    // The IUV freed by the update can be used again.
    app.create(&position("UPD-2", &iuv(40)), false).await;

    let mismatch = app
        .put(&path("debtpositions/UPD"), &position("OTHER", &iuv(43)))
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("iupd:"));
    assert_eq!(
        app.put(&path("debtpositions/NOPE"), &position("NOPE", &iuv(44)))
            .await
            .status,
        404
    );

    let stale = app
        .client
        .put(app.url(&path("debtpositions/UPD")))
        .header(common::KEY_HEADER, &app.key_a)
        .header("If-Match", "\"0\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
}

async fn list_pages_filters_and_orders(app: TestApp) {
    for i in 0..12u64 {
        let mut body = position(&format!("L-{i:02}"), &iuv(100 + i));
        body["paymentOption"][0]["dueDate"] = json!(format!("2030-01-{:02}T10:00:00", i + 1));
        app.create(&body, i % 2 == 0).await;
    }
    let page = app.get(&path("debtpositions?limit=5&page=2")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body["page_info"],
        json!({"page": 2, "limit": 5, "items_found": 12, "total_pages": 3})
    );
    assert_eq!(
        page.body["payment_position_list"].as_array().unwrap().len(),
        2
    );
    let first = app
        .get(&path("debtpositions?limit=3&orderby=IUPD&ordering=ASC"))
        .await;
    let iupds: Vec<&str> = first.body["payment_position_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["iupd"].as_str().unwrap())
        .collect();
    assert_eq!(iupds, ["L-00", "L-01", "L-02"]);
    let newest = app.get(&path("debtpositions?limit=1")).await;
    assert_eq!(newest.body["payment_position_list"][0]["iupd"], "L-11");

    let valid = app.get(&path("debtpositions?status=VALID&limit=50")).await;
    assert_eq!(valid.body["page_info"]["items_found"], 6);
    let due = app
        .get(&path(
            "debtpositions?due_date_from=2030-01-03&due_date_to=2030-01-05",
        ))
        .await;
    assert_eq!(due.body["page_info"]["items_found"], 3);
    let draft_due = app
        .get(&path(
            "debtpositions?status=DRAFT&due_date_from=2030-01-01&due_date_to=2030-01-10",
        ))
        .await;
    assert_eq!(draft_due.body["page_info"]["items_found"], 5);

    for (query, needle) in [
        (
            "due_date_from=2030-01-01&payment_date_from=2030-01-01",
            "Exclusive",
        ),
        ("due_date_from=2030-01-01&due_date_to=2030-03-01", "30 days"),
        ("due_date_from=2030-02-01&due_date_to=2030-01-01", "after"),
        ("limit=51", "limit"),
        ("limit=0", "limit"),
        ("page=-1", "page"),
        ("status=PAYED", "status"),
        ("orderby=AMOUNT", "orderby"),
        ("due_date_from=01/01/2030", "due_date_from"),
    ] {
        let reply = app.get(&path(&format!("debtpositions?{query}"))).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(
            reply.body["detail"].as_str().unwrap().contains(needle),
            "{query}: {}",
            reply.body
        );
    }
}

async fn options_by_nav_or_iuv_pay_and_report(app: TestApp) {
    let iuv1 = iuv(50);
    let nav = format!("3{iuv1}");
    app.create(&position("OPT", &iuv1), true).await;
    for key in [&nav, &iuv1] {
        let reply = app.get(&path(&format!("paymentoptions/{key}"))).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["nav"], nav.as_str());
        assert_eq!(reply.body["iupd"], "OPT");
        assert_eq!(reply.body["fullName"], "Mario Rossi");
        assert_eq!(reply.body["debtPositionStatus"], "VALID");
        assert_eq!(reply.body["amount"], 1230);
    }
    assert_eq!(
        app.get(&path("paymentoptions/300000000000000000"))
            .await
            .status,
        404
    );
    let owner = app
        .get(&path(&format!("paymentoptions/{iuv1}/debtposition")))
        .await;
    assert_eq!(owner.status, 200);
    assert_eq!(owner.body["iupd"], "OPT");
    assert_eq!(owner.body["paymentOption"][0]["iuv"], iuv1.as_str());

    // Reporting before payment is refused.
    assert_eq!(
        app.post(
            &path(&format!("paymentoptions/{iuv1}/transfers/1/report")),
            None
        )
        .await
        .status,
        409
    );

    let pay = json!({"paymentDate": "2026-01-15T10:30:00", "paymentMethod": "creditCard", "pspCode": "ABI03069",
                     "pspTaxCode": "00799960158", "pspCompany": "Intesa", "idReceipt": "rcpt-1", "fee": "150"});
    let paid = app
        .post(&path(&format!("paymentoptions/{iuv1}/pay")), Some(&pay))
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "PO_PAID");
    assert_eq!(paid.body["paymentDate"], "2026-01-15T10:30:00");
    assert_eq!(paid.body["pspCompany"], "Intesa");
    assert_eq!(paid.body["idReceipt"], "rcpt-1");
    assert_eq!(paid.body["fee"], 150);
    let position_now = app.get(&path("debtpositions/OPT")).await.body;
    assert_eq!(position_now["status"], "PAID");
    assert_eq!(position_now["paymentDate"], "2026-01-15T10:30:00");
    assert_eq!(
        app.post(&path(&format!("paymentoptions/{nav}/pay")), Some(&pay))
            .await
            .status,
        409
    );

    let reported = app
        .post(
            &path(&format!("paymentoptions/{iuv1}/transfers/1/report")),
            None,
        )
        .await;
    assert_eq!(reported.status, 200, "{}", reported.body);
    assert_eq!(reported.body["status"], "T_REPORTED");
    assert_eq!(reported.body["idTransfer"], "1");
    assert_eq!(
        app.post(
            &path(&format!("paymentoptions/{iuv1}/transfers/1/report")),
            None
        )
        .await
        .status,
        409
    );
    assert_eq!(
        app.post(
            &path(&format!("paymentoptions/{iuv1}/transfers/9/report")),
            None
        )
        .await
        .status,
        400
    );
    let option = app.get(&path(&format!("paymentoptions/{nav}"))).await;
    assert_eq!(option.body["status"], "PO_PARTIALLY_REPORTED");
    app.post(
        &path(&format!("paymentoptions/{iuv1}/transfers/2/report")),
        None,
    )
    .await;
    assert_eq!(
        app.get(&path("debtpositions/OPT")).await.body["status"],
        "REPORTED"
    );
}

async fn installments_and_cross_plan_rules(app: TestApp) {
    let mut body = position("PLAN", &iuv(60));
    let mut rate1 = option(&iuv(61), 600, "2030-01-31T00:00:00");
    let mut rate2 = option(&iuv(62), 630, "2030-02-28T00:00:00");
    rate1["isPartialPayment"] = json!(true);
    rate2["isPartialPayment"] = json!(true);
    rate1["transfer"][0]["amount"] = json!(400);
    rate2["transfer"][0]["amount"] = json!(430);
    body["paymentOption"] = json!([option(&iuv(60), 1230, "2030-01-31T00:00:00"), rate1, rate2]);
    app.create(&body, true).await;
    let pay = json!({"pspCompany": "PSP", "idReceipt": "r-61"});
    let first = app
        .post(
            &path(&format!("paymentoptions/{}/pay", iuv(61))),
            Some(&pay),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        app.get(&path("debtpositions/PLAN")).await.body["status"],
        "PARTIALLY_PAID"
    );
    // The single option is no longer payable nor visible once an installment is paid.
    assert_eq!(
        app.get(&path(&format!("paymentoptions/{}", iuv(60))))
            .await
            .status,
        404
    );
    let single = app
        .post(
            &path(&format!("paymentoptions/{}/pay", iuv(60))),
            Some(&json!({"pspCompany": "PSP", "idReceipt": "r-60"})),
        )
        .await;
    assert_eq!(single.status, 404);
    assert_eq!(
        app.get(&path(&format!("paymentoptions/{}", iuv(62))))
            .await
            .status,
        200
    );
    let second = app
        .post(
            &path(&format!("paymentoptions/{}/pay", iuv(62))),
            Some(&json!({"pspCompany": "PSP", "idReceipt": "r-62"})),
        )
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(
        app.get(&path("debtpositions/PLAN")).await.body["status"],
        "PAID"
    );
}

async fn iban_bulk_replacement(app: TestApp) {
    app.create(&position("IBAN-1", &iuv(70)), false).await;
    app.create(&position("IBAN-2", &iuv(71)), true).await;
    app.create(&position("IBAN-3", &iuv(72)), true).await;
    app.post(
        &path(&format!("paymentoptions/paids/{}", iuv(72))),
        Some(&json!({})),
    )
    .await;
    let reply = app
        .send(
            reqwest::Method::PATCH,
            &path("debtpositions/transfers?oldIban=IT60X0542811101000000123456&limit=10"),
            Some(&app.key_a),
            Some(&json!({"newIban": "IT12A0000000000000000000001"})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["updatedTransfers"], 2);
    let got = app.get(&path("debtpositions/IBAN-1")).await.body;
    assert_eq!(
        got["paymentOption"][0]["transfer"][0]["iban"],
        "IT12A0000000000000000000001"
    );
    let paid = app.get(&path("debtpositions/IBAN-3")).await.body;
    assert_eq!(
        paid["paymentOption"][0]["transfer"][0]["iban"],
        "IT60X0542811101000000123456"
    );
    let missing = app
        .send(
            reqwest::Method::PATCH,
            &path("debtpositions/transfers"),
            Some(&app.key_a),
            Some(&json!({"newIban": "X1"})),
        )
        .await;
    assert_eq!(missing.status, 400);
}

async fn expiry_at_read_time_and_by_the_job(app: TestApp) {
    let due = app.clock.now() + chrono::Duration::hours(1);
    let mut body = position("EXP", &iuv(80));
    body["switchToExpired"] = json!(true);
    body["paymentOption"][0]["dueDate"] = json!(due.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
    body["paymentOption"][0]["retentionDate"] = json!("2031-01-01T00:00:00");
    assert_eq!(app.create(&body, true).await["status"], "VALID");
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        app.get(&path("debtpositions/EXP")).await.body["status"],
        "EXPIRED"
    );
    assert_eq!(
        app.get(&path("debtpositions?status=EXPIRED")).await.body["page_info"]["items_found"],
        1
    );
    assert_eq!(
        app.get(&path("debtpositions?status=VALID")).await.body["page_info"]["items_found"],
        0
    );
    assert_eq!(
        app.post(&path("debtpositions/EXP/invalidate"), None)
            .await
            .status,
        409
    );

    let url = gpd_gateway::store::DatabaseUrl::parse(&app.database_url).unwrap();
    let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
    let changed =
        gpd_gateway::store::positions::persist_time_transitions(&mut conn, app.clock.now(), 10)
            .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(
        gpd_gateway::store::positions::persist_time_transitions(&mut conn, app.clock.now(), 10)
            .unwrap(),
        0
    );
    let org = gpd_gateway::domain::OrgFiscalCode::parse("org", ORG_A).unwrap();
    let stored = gpd_gateway::store::positions::get_by_iupd(&mut conn, &org, "EXP").unwrap();
    assert_eq!(stored.status, gpd_gateway::domain::PositionStatus::Expired);
    assert_eq!(stored.version, 1);

    // An expired position comes back with an update keeping IUPD and NAV.
    let mut revive = body.clone();
    revive["paymentOption"][0]["dueDate"] = json!("2030-06-30T00:00:00");
    let revived = app
        .put(&path("debtpositions/EXP?toPublish=true"), &revive)
        .await;
    assert_eq!(revived.status, 200, "{}", revived.body);
    assert_eq!(revived.body["status"], "VALID");
    assert_eq!(
        revived.body["paymentOption"][0]["nav"],
        format!("3{}", iuv(80))
    );
}

async fn openapi_describes_every_route(app: TestApp) {
    let doc = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (p, method) in [
        ("/info", "get"),
        ("/health", "get"),
        ("/organizations/{organizationfiscalcode}/debtpositions", "post"),
        ("/organizations/{organizationfiscalcode}/debtpositions", "get"),
        ("/organizations/{organizationfiscalcode}/debtpositions/bulk", "post"),
        ("/organizations/{organizationfiscalcode}/webhook", "put"),
        ("/organizations/{organizationfiscalcode}/webhook/rotate-secret", "post"),
        ("/organizations/{organizationfiscalcode}/events", "get"),
        ("/organizations/{organizationfiscalcode}/events/{eventId}/redeliver", "post"),
        ("/payments/{organizationfiscalcode}/receipts", "get"),
        ("/payments/{organizationfiscalcode}/receipts/{iuv}", "get"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/{nav}/notificationfee", "put"),
        ("/organizations/{organizationfiscalcode}/debtpositions/transfers", "patch"),
        ("/organizations/{organizationfiscalcode}/debtpositions/{iupd}", "get"),
        ("/organizations/{organizationfiscalcode}/debtpositions/{iupd}", "put"),
        ("/organizations/{organizationfiscalcode}/debtpositions/{iupd}", "delete"),
        ("/organizations/{organizationfiscalcode}/debtpositions/{iupd}/publish", "post"),
        ("/organizations/{organizationfiscalcode}/debtpositions/{iupd}/invalidate", "post"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/{nav}", "get"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/{nav}/pay", "post"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/paids/{nav}", "post"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/debtposition", "get"),
        ("/organizations/{organizationfiscalcode}/paymentoptions/{iuv}/transfers/{transferid}/report", "post"),
    ] {
        assert!(paths.get(p).and_then(|m| m.get(method)).is_some(), "{method} {p} missing from the OpenAPI");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["ApiKey"]["name"],
        "Ocp-Apim-Subscription-Key"
    );
    assert!(doc["components"]["schemas"]["PaymentPositionModel"].is_object());
    assert!(doc["components"]["schemas"]["EventDocument"].is_object());
}

async fn bulk_create_is_all_or_nothing(app: TestApp) {
    let bulk = path("debtpositions/bulk");
    let ok =
        json!({"paymentPositions": [position("BULK-1", &iuv(90)), position("BULK-2", &iuv(91))]});
    let reply = app.post(&format!("{bulk}?toPublish=true"), Some(&ok)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        app.get(&path("debtpositions/BULK-2")).await.body["status"],
        "VALID"
    );
    // The second position reuses an IUV: nothing of this batch is stored.
    let bad =
        json!({"paymentPositions": [position("BULK-3", &iuv(92)), position("BULK-4", &iuv(90))]});
    let reply = app.post(&bulk, Some(&bad)).await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("paymentPositions[1]."),
        "{}",
        reply.body
    );
    assert_eq!(app.get(&path("debtpositions/BULK-3")).await.status, 404);
    let mut invalid = position("BULK-5", &iuv(93));
    invalid["paymentOption"][0]["amount"] = json!(0);
    let reply = app
        .post(&bulk, Some(&json!({"paymentPositions": [invalid]})))
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("paymentPositions[0].paymentOption[0].amount"),
        "{}",
        reply.body
    );
    let empty = app
        .post(&bulk, Some(&json!({"paymentPositions": []})))
        .await;
    assert_eq!(empty.status, 400);
    assert_eq!(
        app.get(&path("debtpositions")).await.body["page_info"]["items_found"],
        2
    );
}

async fn notification_fee_goes_to_the_primary_transfer(app: TestApp) {
    let nav = format!("3{}", iuv(95));
    app.create(&position("FEE", &iuv(95)), true).await;
    let fee_path = path(&format!("paymentoptions/{nav}/notificationfee"));
    let reply = app.put(&fee_path, &json!({"notificationFee": 150})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["amount"], 1380);
    assert_eq!(reply.body["notificationFee"], 150);
    assert_eq!(reply.body["transfer"][0]["amount"], 1180);
    assert_eq!(reply.body["transfer"][1]["amount"], 200);
    assert!(reply.body["lastUpdatedDateNotificationFee"].is_string());
    // A new fee replaces the old one.
    let reply = app.put(&fee_path, &json!({"notificationFee": 100})).await;
    assert_eq!(reply.body["amount"], 1330);
    // An update keeps the fee on top of the new amounts.
    let updated = app
        .put(&path("debtpositions/FEE"), &position("FEE", &iuv(95)))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["paymentOption"][0]["amount"], 1330);
    assert_eq!(updated.body["paymentOption"][0]["notificationFee"], 100);
    assert_eq!(
        updated.body["paymentOption"][0]["transfer"][0]["amount"],
        1130
    );
    assert_eq!(
        app.put(&fee_path, &json!({"notificationFee": -1}))
            .await
            .status,
        400
    );
    app.post(
        &path(&format!("paymentoptions/paids/{nav}")),
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        app.put(&fee_path, &json!({"notificationFee": 10}))
            .await
            .status,
        422
    );
    assert_eq!(
        app.put(
            &path("paymentoptions/399999999999999999/notificationfee"),
            &json!({"notificationFee": 1})
        )
        .await
        .status,
        404
    );
}

/// Creates the positions with the bulk endpoint, `per_request` at a time.
async fn create_in_bulk(app: &TestApp, bodies: &[Value], per_request: usize) {
    for chunk in bodies.chunks(per_request) {
        let reply = app
            .post(
                &path("debtpositions/bulk"),
                Some(&json!({ "paymentPositions": chunk })),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
}

/// Beyond `COUNT_LIMIT` (200) matching positions the count stops, says so, and `after` pages on.
async fn list_count_is_capped_and_keyset_pages_through_everything(app: TestApp) {
    const TOTAL: u64 = 230;
    let bodies: Vec<Value> = (0..TOTAL)
        .map(|i| {
            let mut body = position(&format!("K-{i:03}"), &iuv(1000 + i));
            // Odd ones fall due in March (a due-date filter over 115 of them), even ones in June.
            let month = if i % 2 == 1 { 3 } else { 6 };
            body["paymentOption"][0]["dueDate"] =
                json!(format!("2030-{month:02}-{:02}T10:00:00", 1 + i % 28));
            body["companyName"] = json!(format!("Comune {}", i % 7));
            body
        })
        .collect();
    create_in_bulk(&app, &bodies, 100).await;

    let all = app.get(&path("debtpositions?limit=50")).await;
    assert_eq!(
        all.body["page_info"],
        json!({"page": 0, "limit": 50, "items_found": 200, "total_pages": 4, "items_found_capped": true})
    );
    let march = app
        .get(&path(
            "debtpositions?limit=50&due_date_from=2030-03-01&due_date_to=2030-03-31",
        ))
        .await;
    assert_eq!(
        march.body["page_info"],
        json!({"page": 0, "limit": 50, "items_found": 115, "total_pages": 3})
    );

    // Keyset paging, every order, ascending and descending: each position exactly once, in order.
    for (orderby, key) in [
        ("INSERTED_DATE", None),
        ("IUPD", Some("iupd")),
        ("STATUS", Some("status")),
        ("COMPANY_NAME", Some("companyName")),
    ] {
        for ordering in ["ASC", "DESC"] {
            for filter in ["", "&due_date_from=2030-03-01&due_date_to=2030-03-31"] {
                let mut seen: Vec<Value> = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let cursor = after
                        .as_ref()
                        .map(|a| format!("&after={a}"))
                        .unwrap_or_default();
                    let page = app
                        .get(&path(&format!(
                            "debtpositions?limit=37&orderby={orderby}&ordering={ordering}{filter}{cursor}"
                        )))
                        .await;
                    assert_eq!(page.status, 200, "{}", page.body);
                    let items = page.body["payment_position_list"]
                        .as_array()
                        .unwrap()
                        .clone();
                    let Some(last) = items.last() else { break };
                    after = Some(last["iupd"].as_str().unwrap().to_owned());
                    seen.extend(items);
                }
                let expected = if filter.is_empty() { TOTAL } else { TOTAL / 2 };
                let mut iupds: Vec<&str> =
                    seen.iter().map(|p| p["iupd"].as_str().unwrap()).collect();
                assert_eq!(
                    iupds.len() as u64,
                    expected,
                    "{orderby} {ordering} {filter}"
                );
                if let Some(key) = key {
                    let keys: Vec<&str> = seen.iter().map(|p| p[key].as_str().unwrap()).collect();
                    let mut sorted = keys.clone();
                    sorted.sort();
                    if ordering == "DESC" {
                        sorted.reverse();
                    }
                    assert_eq!(keys, sorted, "{orderby} {ordering} {filter}");
                }
                iupds.sort();
                iupds.dedup();
                assert_eq!(
                    iupds.len() as u64,
                    expected,
                    "{orderby} {ordering} {filter}: repeats"
                );
            }
        }
    }

    let newest = app.get(&path("debtpositions?limit=2&after=K-229")).await;
    let names: Vec<&str> = newest.body["payment_position_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["iupd"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["K-228", "K-227"]);
    let both = app.get(&path("debtpositions?page=1&after=K-100")).await;
    assert_eq!(both.status, 400);
    assert_eq!(
        both.body["detail"],
        "after: keyset paging starts after a position; page must be 0 or absent"
    );
    let unknown = app.get(&path("debtpositions?after=NOPE")).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["detail"],
        format!("after: no debt position 'NOPE' of organization {ORG_A}")
    );
}

/// A capped due-date window of a few days in insertion order is merged from per-day streams: newer
/// positions due elsewhere are skipped, positions due on several days of the window come once.
async fn week_window_in_insertion_order_skips_newer_positions_due_elsewhere(app: TestApp) {
    const MATCHING: u64 = 260;
    const NEWER: u64 = 60;
    let day = |i: u64| format!("2030-03-{:02}T{:02}:00:00", 1 + i % 7, i % 24);
    let bodies: Vec<Value> = (0..MATCHING + NEWER)
        .map(|i| {
            let mut body = position(&format!("W-{i:03}"), &iuv(3000 + 10 * i));
            if i >= MATCHING {
                body["paymentOption"][0]["dueDate"] = json!("2030-09-15T10:00:00");
            } else if i % 10 == 0 {
                // A single option and a plan of two installments, three days of the window.
                let mut rate1 = option(&iuv(3001 + 10 * i), 600, &day(i + 1));
                let mut rate2 = option(&iuv(3002 + 10 * i), 630, &day(i + 2));
                rate1["isPartialPayment"] = json!(true);
                rate2["isPartialPayment"] = json!(true);
                rate1["transfer"][0]["amount"] = json!(400);
                rate2["transfer"][0]["amount"] = json!(430);
                body["paymentOption"] =
                    json!([option(&iuv(3000 + 10 * i), 1230, &day(i)), rate1, rate2]);
            } else {
                body["paymentOption"][0]["dueDate"] = json!(day(i));
            }
            body
        })
        .collect();
    create_in_bulk(&app, &bodies, 70).await;
    // W-005 moves out of the window, the newer W-270 into it: the streams follow updates.
    for (iupd, n, due) in [
        ("W-005", 5, "2030-10-01T10:00:00"),
        ("W-270", 270, "2030-03-04T08:00:00"),
    ] {
        let mut body = position(iupd, &iuv(3000 + 10 * n));
        body["paymentOption"][0]["dueDate"] = json!(due);
        let reply = app
            .put(&path(&format!("debtpositions/{iupd}")), &body)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let mut expected: Vec<String> = (0..MATCHING)
        .filter(|&i| i != 5)
        .chain([270])
        .map(|i| format!("W-{i:03}"))
        .collect();
    expected.sort_by_key(|iupd| std::cmp::Reverse(iupd.clone()));
    let window = "due_date_from=2030-03-01&due_date_to=2030-03-07";
    let iupds = |page: &Value| -> Vec<String> {
        page["payment_position_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["iupd"].as_str().unwrap().to_owned())
            .collect()
    };

    let first = app
        .get(&path(&format!("debtpositions?limit=20&{window}")))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body["page_info"],
        json!({"page": 0, "limit": 20, "items_found": 200, "total_pages": 10, "items_found_capped": true})
    );
    assert_eq!(iupds(&first.body), expected[..20]);
    let fourth = app
        .get(&path(&format!("debtpositions?limit=20&page=3&{window}")))
        .await;
    assert_eq!(iupds(&fourth.body), expected[60..80]);
    let oldest = app
        .get(&path(&format!(
            "debtpositions?limit=15&ordering=ASC&{window}"
        )))
        .await;
    let mut ascending = expected.clone();
    ascending.reverse();
    assert_eq!(iupds(&oldest.body), ascending[..15]);

    // Keyset paging through the whole window, both directions.
    for (ordering, order) in [("DESC", &expected), ("ASC", &ascending)] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .get(&path(&format!(
                    "debtpositions?limit=37&ordering={ordering}&{window}{cursor}"
                )))
                .await;
            assert_eq!(page.status, 200, "{}", page.body);
            let names = iupds(&page.body);
            let Some(last) = names.last() else { break };
            cursor = format!("&after={last}");
            seen.extend(names);
        }
        assert_eq!(&seen, order, "{ordering}");
    }

    // The newest 45 published: a DRAFT page is found below them, the streams read deeper.
    for iupd in &expected[..45] {
        let reply = app
            .post(&path(&format!("debtpositions/{iupd}/publish")), None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let drafts = app
        .get(&path(&format!(
            "debtpositions?limit=5&status=DRAFT&{window}"
        )))
        .await;
    assert_eq!(drafts.status, 200, "{}", drafts.body);
    assert_eq!(drafts.body["page_info"]["items_found_capped"], true);
    assert_eq!(iupds(&drafts.body), expected[45..50]);
}

both_backends!(
    bulk_create_is_all_or_nothing,
    list_count_is_capped_and_keyset_pages_through_everything,
    week_window_in_insertion_order_skips_newer_positions_due_elsewhere,
    notification_fee_goes_to_the_primary_transfer,
    create_echoes_every_field,
    request_id_is_echoed,
    publish_at_create_is_case_insensitive,
    published_becomes_valid_at_read_time,
    state_machine,
    update_replaces_content,
    list_pages_filters_and_orders,
    options_by_nav_or_iuv_pay_and_report,
    installments_and_cross_plan_rules,
    iban_bulk_replacement,
    expiry_at_read_time_and_by_the_job,
    openapi_describes_every_route,
);
