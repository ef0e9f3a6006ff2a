//! Bad input is refused with a clear 400/403/409/413 naming the problem, and nothing is written.

mod common;

use common::{iuv, position, register, TestApp, ORG_A, ORG_B};
use serde_json::{json, Value};

fn create_path() -> String {
    format!("/organizations/{ORG_A}/debtpositions")
}

async fn assert_nothing_stored(app: &TestApp) {
    let list = app.get(&create_path()).await;
    assert_eq!(
        list.body["page_info"]["items_found"], 0,
        "a refused request left data behind"
    );
}

/// A case: its name, a change to a valid body, the expected status and a fragment of the detail.
type Case = (&'static str, Box<dyn Fn(&mut Value)>, u16, &'static str);

/// A change to a valid body and the exact detail of the 400 it gets.
type Detail = (Box<dyn Fn(&mut Value)>, &'static str);

fn cases() -> Vec<Case> {
    vec![
        (
            "missing iupd",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("iupd");
            }),
            400,
            "iupd",
        ),
        (
            "blank iupd",
            Box::new(|b| b["iupd"] = json!("  ")),
            400,
            "iupd",
        ),
        (
            "unknown debtor type",
            Box::new(|b| b["type"] = json!("X")),
            400,
            "type",
        ),
        (
            "switchToExpired missing",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("switchToExpired");
            }),
            400,
            "switchToExpired",
        ),
        (
            "boolean as string",
            Box::new(|b| b["switchToExpired"] = json!("no")),
            400,
            "switchToExpired",
        ),
        (
            "country lower case",
            Box::new(|b| b["country"] = json!("it")),
            400,
            "country",
        ),
        (
            "bad email",
            Box::new(|b| b["email"] = json!("not-an-email")),
            400,
            "email",
        ),
        (
            "company name too long",
            Box::new(|b| b["companyName"] = json!("x".repeat(141))),
            400,
            "companyName",
        ),
        (
            "full name blank",
            Box::new(|b| b["fullName"] = json!("")),
            400,
            "fullName",
        ),
        (
            "no options",
            Box::new(|b| b["paymentOption"] = json!([])),
            400,
            "paymentOption",
        ),
        (
            "amount zero",
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(0)),
            400,
            "paymentOption[0].amount",
        ),
        (
            "amount negative",
            Box::new(|b| b["paymentOption"][0]["transfer"][1]["amount"] = json!(-5)),
            400,
            "paymentOption[0].transfer[1].amount",
        ),
        (
            "amount float",
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(12.3)),
            400,
            "paymentOption[0].amount",
        ),
        (
            "amount overflow",
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(100_000_000_000i64)),
            400,
            "paymentOption[0].amount",
        ),
        (
            "amount beyond i64",
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(1e30)),
            400,
            "paymentOption[0].amount",
        ),
        (
            "sum mismatch",
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(1231)),
            400,
            "sum of its transfer amounts",
        ),
        (
            "six transfers",
            Box::new(|b| {
                let t = b["paymentOption"][0]["transfer"][1].clone();
                let mut ts = vec![];
                for i in 1..=6 {
                    let mut x = t.clone();
                    x["idTransfer"] = json!(((i - 1) % 5 + 1).to_string());
                    x["amount"] = json!(205);
                    ts.push(x);
                }
                b["paymentOption"][0]["transfer"] = json!(ts);
                b["paymentOption"][0]["amount"] = json!(1230);
            }),
            400,
            "at most 5 transfers",
        ),
        (
            "no transfers",
            Box::new(|b| b["paymentOption"][0]["transfer"] = json!([])),
            400,
            "at least one transfer",
        ),
        (
            "transfer id 6",
            Box::new(|b| b["paymentOption"][0]["transfer"][1]["idTransfer"] = json!("6")),
            400,
            "idTransfer",
        ),
        (
            "duplicate transfer id",
            Box::new(|b| b["paymentOption"][0]["transfer"][1]["idTransfer"] = json!("1")),
            400,
            "appears twice",
        ),
        (
            "iban and stamp",
            Box::new(
                |b| b["paymentOption"][0]["transfer"][1]["stamp"] = json!({"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=", "stampType": "01", "provincialResidence": "RM"}),
            ),
            400,
            "either iban or stamp",
        ),
        (
            "neither iban nor stamp",
            Box::new(|b| {
                b["paymentOption"][0]["transfer"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("iban");
            }),
            400,
            "iban or a stamp",
        ),
        (
            "postal iban with stamp",
            Box::new(|b| {
                let t = &mut b["paymentOption"][0]["transfer"][0];
                t.as_object_mut().unwrap().remove("iban");
                t["stamp"] = json!({"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=", "stampType": "01", "provincialResidence": "RM"});
            }),
            400,
            "postalIban",
        ),
        (
            "bad iban chars",
            Box::new(|b| b["paymentOption"][0]["transfer"][0]["iban"] = json!("IT60 X054")),
            400,
            "iban",
        ),
        (
            "stamp type length",
            Box::new(|b| {
                let t = &mut b["paymentOption"][0]["transfer"][1];
                t.as_object_mut().unwrap().remove("iban");
                t["stamp"] = json!({"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=", "stampType": "1", "provincialResidence": "RM"});
            }),
            400,
            "stampType",
        ),
        (
            "due date in the past",
            Box::new(|b| b["paymentOption"][0]["dueDate"] = json!("2020-01-01T00:00:00")),
            400,
            "dueDate",
        ),
        (
            "due date not a date",
            Box::new(|b| b["paymentOption"][0]["dueDate"] = json!("tomorrow")),
            400,
            "dueDate",
        ),
        (
            "retention before due",
            Box::new(|b| b["paymentOption"][0]["retentionDate"] = json!("2030-01-01T00:00:00")),
            400,
            "retentionDate",
        ),
        (
            "validity in the past",
            Box::new(|b| b["validityDate"] = json!("2020-01-01T00:00:00")),
            400,
            "validityDate",
        ),
        (
            "due before validity",
            Box::new(|b| b["validityDate"] = json!("2031-01-01T00:00:00")),
            400,
            "dueDate",
        ),
        (
            "duplicate metadata key",
            Box::new(|b| {
                b["paymentOption"][0]["paymentOptionMetadata"] =
                    json!([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
            }),
            400,
            "appears twice",
        ),
        (
            "eleven metadata",
            Box::new(|b| {
                b["paymentOption"][0]["paymentOptionMetadata"] = json!((0..11)
                    .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
                    .collect::<Vec<_>>())
            }),
            400,
            "at most 10",
        ),
        (
            "reserved metadata key",
            Box::new(|b| {
                b["paymentOption"][0]["paymentOptionMetadata"] =
                    json!([{"key": "NOTIFICATION_FEE", "value": "1"}])
            }),
            409,
            "reserved",
        ),
        (
            "duplicate iuv in request",
            Box::new(|b| {
                let o = b["paymentOption"][0].clone();
                b["paymentOption"] = json!([o.clone(), o]);
            }),
            400,
            "appears twice",
        ),
        (
            "iuv too short for nav",
            Box::new(|b| b["paymentOption"][0]["iuv"] = json!("12345")),
            400,
            "17 digits",
        ),
        (
            "explicit nav not 18 digits",
            Box::new(|b| b["paymentOption"][0]["nav"] = json!("31234")),
            400,
            "nav",
        ),
        (
            "iuv with symbols",
            Box::new(|b| b["paymentOption"][0]["iuv"] = json!("02-123")),
            400,
            "iuv",
        ),
        (
            "description too long",
            Box::new(|b| b["paymentOption"][0]["description"] = json!("d".repeat(141))),
            400,
            "description",
        ),
        (
            "debtor fiscal code too long",
            Box::new(|b| b["fiscalCode"] = json!("RSSMRA80A01H501UX")),
            400,
            "fiscalCode",
        ),
        (
            "stamp type not 01",
            Box::new(|b| {
                let t = &mut b["paymentOption"][0]["transfer"][1];
                t.as_object_mut().unwrap().remove("iban");
                t["stamp"] = json!({"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=", "stampType": "02", "provincialResidence": "RM"});
            }),
            400,
            "stampType",
        ),
        (
            "stamp hash not base64",
            Box::new(|b| {
                let t = &mut b["paymentOption"][0]["transfer"][1];
                t.as_object_mut().unwrap().remove("iban");
                t["stamp"] = json!({"hashDocument": "not base64!", "stampType": "01", "provincialResidence": "RM"});
            }),
            400,
            "hashDocument",
        ),
        (
            "beneficiary fiscal code",
            Box::new(|b| {
                b["paymentOption"][0]["transfer"][1]["organizationFiscalCode"] = json!("abc")
            }),
            400,
            "organizationFiscalCode",
        ),
    ]
}

async fn every_validation_rule(app: TestApp) {
    for (name, change, status, needle) in cases() {
        let mut body = position("VAL", &iuv(1));
        change(&mut body);
        let reply = app.post(&create_path(), Some(&body)).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.body);
        assert_eq!(reply.body["status"], status, "{name}: ProblemJson expected");
        assert!(reply.body["title"].is_string(), "{name}");
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(needle),
            "{name}: detail '{detail}' lacks '{needle}'"
        );
    }
    assert_nothing_stored(&app).await;
}

/// The exact `detail` of refused bodies: the field path, then what is wrong in the API's words.
async fn details_name_the_field_in_api_words(app: TestApp) {
    let remove = |b: &mut Value, path: &[&str]| {
        let (last, parents) = path.split_last().unwrap();
        let mut node = b;
        for p in parents {
            node = match p.parse::<usize>() {
                Ok(i) => &mut node[i],
                Err(_) => &mut node[*p],
            };
        }
        node.as_object_mut().unwrap().remove(*last);
    };
    let cases: Vec<Detail> = vec![
        (
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(12.30)),
            "paymentOption[0].amount: must be an integer number of euro-cents (12.30 euros is 1230), got 12.3",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["transfer"][1]["amount"] = json!("200")),
            "paymentOption[0].transfer[1].amount: must be an integer number of euro-cents, got the string \"200\"",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(0)),
            "paymentOption[0].amount: must be at least 1 euro-cent, got 0",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["amount"] = json!(100_000_000_000i64)),
            "paymentOption[0].amount: must be at most 99999999999 euro-cents, got 100000000000",
        ),
        (
            Box::new(move |b| remove(b, &["fullName"])),
            "fullName: is required",
        ),
        (
            Box::new(move |b| remove(b, &["switchToExpired"])),
            "switchToExpired: is required",
        ),
        (
            Box::new(move |b| remove(b, &["paymentOption", "0", "transfer", "1", "category"])),
            "paymentOption[0].transfer[1].category: is required",
        ),
        (
            Box::new(|b| b["switchToExpired"] = json!("no")),
            "switchToExpired: must be true or false, got the string \"no\"",
        ),
        (
            Box::new(|b| b["email"] = json!(5)),
            "email: must be a string, got 5",
        ),
        (
            Box::new(|b| b["email"] = json!("not-an-email")),
            "email: 'not-an-email' is not a valid e-mail address",
        ),
        (
            Box::new(|b| b["type"] = json!("X")),
            "type: must be F or G, got \"X\"",
        ),
        (
            Box::new(|b| b["country"] = json!("it")),
            "country: 'it' must be two capital letters",
        ),
        (
            Box::new(|b| b["fullName"] = json!(" ")),
            "fullName: must not be blank",
        ),
        (
            Box::new(|b| b["companyName"] = json!("x".repeat(141))),
            "companyName: must be at most 140 characters, got 141",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["transfer"][0]["iban"] = json!(60)),
            "paymentOption[0].transfer[0].iban: must be a string, got 60",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["transfer"][0]["iban"] = json!("IT60 X054")),
            "paymentOption[0].transfer[0].iban: must be 1 to 35 letters or digits",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["transfer"] = json!({})),
            "paymentOption[0].transfer: must be a list, got an object",
        ),
        (
            Box::new(|b| b["paymentOption"][0]["dueDate"] = json!("tomorrow")),
            "paymentOption[0].dueDate: 'tomorrow' is not a date-time like 2026-05-28T10:00:00 (UTC)",
        ),
    ];
    for (change, expected) in cases {
        let mut body = position("WORDS", &iuv(1));
        change(&mut body);
        let reply = app.post(&create_path(), Some(&body)).await;
        assert_eq!(reply.status, 400, "{expected}: {}", reply.body);
        assert_eq!(reply.body["detail"], expected);
    }

    let mut bulk = json!({"paymentPositions": [position("BULK-1", &iuv(1))]});
    bulk["paymentPositions"][0]["fiscalCode"] = json!(true);
    let reply = app
        .post(&format!("{}/bulk", create_path()), Some(&bulk))
        .await;
    assert_eq!(
        reply.body["detail"],
        "paymentPositions[0].fiscalCode: must be a string, got true"
    );

    let fee = app
        .put(
            &format!(
                "/organizations/{ORG_A}/paymentoptions/3{}/notificationfee",
                iuv(1)
            ),
            &json!({"notificationFee": 1.5}),
        )
        .await;
    assert_eq!(
        fee.body["detail"],
        "notificationFee: must be an integer number of euro-cents (12.30 euros is 1230), got 1.5"
    );

    let malformed = app
        .client
        .post(app.url(&create_path()))
        .header(common::KEY_HEADER, &app.key_a)
        .header("content-type", "application/json")
        .body("{\"iupd\": ")
        .send()
        .await
        .unwrap();
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "malformed JSON: EOF while parsing a value at line 1 column 9"
    );
    let list = app
        .client
        .post(app.url(&create_path()))
        .header(common::KEY_HEADER, &app.key_a)
        .header("content-type", "application/json")
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    let body: Value = list.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "the request body must be an object, got a list"
    );
    assert_nothing_stored(&app).await;
}

async fn malformed_and_oversized_bodies(app: TestApp) {
    let send_raw = |body: Vec<u8>| {
        app.client
            .post(app.url(&create_path()))
            .header(common::KEY_HEADER, &app.key_a)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let res = send_raw(b"{\"iupd\": ".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("JSON"), "{body}");
    let res = send_raw(b"[1, 2]".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    let res = send_raw(Vec::new()).await.unwrap();
    assert_eq!(res.status(), 400);
    let mut big = b"{\"iupd\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    big.extend(b"\"}");
    match send_raw(big).await {
        Ok(res) => {
            assert_eq!(res.status(), 413);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["status"], 413);
        }
        // The server may close the connection while a 10 MB upload is still being sent.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    assert_nothing_stored(&app).await;
}

async fn notice_numbers_and_segregation_codes(app: TestApp) {
    // Explicit 18-digit NAV with an alphanumeric IUV.
    let mut body = position("NAV-EXPLICIT", "ABC123");
    body["paymentOption"][0]["nav"] = json!("399000000000000001");
    let created = app.create(&body, false).await;
    assert_eq!(created["paymentOption"][0]["nav"], "399000000000000001");
    assert_eq!(created["paymentOption"][0]["iuv"], "ABC123");

    // Same IUV or same NAV in another position: 409 naming the field.
    let dup_iuv = app
        .post(&create_path(), Some(&position("DUP", "ABC123")))
        .await;
    assert_eq!(
        dup_iuv.status, 400,
        "ABC123 without a nav cannot form a notice number"
    );
    let mut dup = position("DUP", "ABC123");
    dup["paymentOption"][0]["nav"] = json!("399000000000000002");
    let reply = app.post(&create_path(), Some(&dup)).await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("paymentOption[0].iuv"),
        "{}",
        reply.body
    );
    let mut dup_nav = position("DUP", &iuv(9));
    dup_nav["paymentOption"][0]["nav"] = json!("399000000000000001");
    let reply = app.post(&create_path(), Some(&dup_nav)).await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("paymentOption[0].nav"),
        "{}",
        reply.body
    );
    let reply = app
        .post(&create_path(), Some(&position("NAV-EXPLICIT", &iuv(8))))
        .await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body["detail"].as_str().unwrap().starts_with("iupd:"),
        "{}",
        reply.body
    );

    // An institution with segregation codes refuses IUVs of other intermediaries.
    let key = register(&app.database_url, "12345678901", &["47"]);
    let path = "/organizations/12345678901/debtpositions";
    let other = app
        .send(
            reqwest::Method::POST,
            path,
            Some(&key),
            Some(&position("SEG", &iuv(1))),
        )
        .await;
    assert_eq!(other.status, 403);
    assert!(
        other.body["detail"]
            .as_str()
            .unwrap()
            .contains("segregation code '02'"),
        "{}",
        other.body
    );
    let own_iuv =
        gpd_gateway::domain::notice::iuv_with_check_digits("47", "0000000000001").unwrap();
    let ok = app
        .send(
            reqwest::Method::POST,
            path,
            Some(&key),
            Some(&position("SEG", &own_iuv)),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["paymentOption"][0]["nav"], format!("3{own_iuv}"));
}

async fn tenant_isolation(app: TestApp) {
    app.create(&position("A-1", &iuv(1)), true).await;
    let b_path = format!("/organizations/{ORG_B}/debtpositions");
    let b = app
        .send(
            reqwest::Method::POST,
            &b_path,
            Some(&app.key_b),
            Some(&position("B-1", &iuv(1))),
        )
        .await;
    assert_eq!(
        b.status, 201,
        "IUVs are unique per institution, not globally"
    );

    // A's key on B's paths: 403 for every endpoint, B unchanged.
    for (method, p) in [
        (
            reqwest::Method::GET,
            format!("/organizations/{ORG_B}/debtpositions"),
        ),
        (
            reqwest::Method::GET,
            format!("/organizations/{ORG_B}/debtpositions/B-1"),
        ),
        (
            reqwest::Method::DELETE,
            format!("/organizations/{ORG_B}/debtpositions/B-1"),
        ),
        (
            reqwest::Method::POST,
            format!("/organizations/{ORG_B}/debtpositions/B-1/invalidate"),
        ),
        (
            reqwest::Method::GET,
            format!("/organizations/{ORG_B}/paymentoptions/3{}", iuv(1)),
        ),
        (
            reqwest::Method::POST,
            format!("/organizations/{ORG_B}/paymentoptions/paids/3{}", iuv(1)),
        ),
    ] {
        let reply = app
            .send(method.clone(), &p, Some(&app.key_a), Some(&json!({})))
            .await;
        assert_eq!(reply.status, 403, "{method} {p}");
        assert_eq!(reply.body["status"], 403);
    }
    let put = app
        .send(
            reqwest::Method::PUT,
            &format!("{b_path}/B-1"),
            Some(&app.key_a),
            Some(&position("B-1", &iuv(2))),
        )
        .await;
    assert_eq!(put.status, 403);
    // A's own path does not reach B's data.
    assert_eq!(
        app.get(&format!("/organizations/{ORG_A}/debtpositions/B-1"))
            .await
            .status,
        404
    );

    let b_now = app
        .send(
            reqwest::Method::GET,
            &format!("{b_path}/B-1"),
            Some(&app.key_b),
            None,
        )
        .await;
    assert_eq!(b_now.status, 200);
    assert_eq!(b_now.body["status"], "DRAFT");
    assert_eq!(b_now.body["paymentOption"][0]["iuv"], iuv(1).as_str());
    assert_eq!(b_now.body["paymentOption"][0]["status"], "PO_UNPAID");

    // Missing or unknown keys: 401 with a JSON body.
    let none = app.send(reqwest::Method::GET, &b_path, None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["status"], 401);
    let wrong = app
        .send(reqwest::Method::GET, &b_path, Some("gpd_nope"), None)
        .await;
    assert_eq!(wrong.status, 401);
}

async fn revoked_keys_stop_working(app: TestApp) {
    let url = gpd_gateway::store::DatabaseUrl::parse(&app.database_url).unwrap();
    let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
    let org = gpd_gateway::domain::OrgFiscalCode::parse("org", ORG_A).unwrap();
    let key = gpd_gateway::store::keys::create(
        &mut conn,
        &gpd_gateway::domain::access::Principal::Institution(org),
        &Default::default(),
        "test",
        gpd_gateway::domain::now(),
    )
    .unwrap();
    let path = create_path();
    assert_eq!(
        app.send(reqwest::Method::GET, &path, Some(&key.secret), None)
            .await
            .status,
        200
    );
    assert!(gpd_gateway::store::keys::revoke(
        &mut conn,
        &key.key_id,
        "test",
        gpd_gateway::domain::now()
    )
    .unwrap());
    assert_eq!(
        app.send(reqwest::Method::GET, &path, Some(&key.secret), None)
            .await
            .status,
        401
    );
    assert_eq!(
        app.send(reqwest::Method::GET, &path, Some(&app.key_a), None)
            .await
            .status,
        200
    );
}

both_backends!(
    every_validation_rule,
    details_name_the_field_in_api_words,
    malformed_and_oversized_bodies,
    notice_numbers_and_segregation_codes,
    tenant_isolation,
    revoked_keys_stop_working,
);
