//! Generated IUVs: `POST .../iuvs`, REST creates without `iuv`, and the counter under concurrency
//! (100 parallel requests; two instances on one database).

mod common;

use std::collections::HashSet;

use common::{iuv, option, position, TestApp, ORG_A};
use gpd_gateway::domain::notice::has_valid_check_digits;
use gpd_gateway::domain::{NoticeNumber, SegregationCode};
use gpd_gateway::store::{self, iuvs, orgs, DatabaseUrl, StoreError};
use serde_json::{json, Value};

const ORG_0: &str = "10000000000";
const ORG_1: &str = "11111111111";
const ORG_2: &str = "22222222222";
/// Aux digit 3, segregation code 02 only.
const ORG_3: &str = "33333333333";
/// Aux digit 3, segregation codes 01 and 02.
const ORG_3X: &str = "34343434343";

/// Registers an institution with this configuration; returns its API key.
fn register(app: &TestApp, fc: &str, aux: u8, app_code: Option<&str>, codes: &[&str]) -> String {
    common::register_with(&app.database_url, fc, aux, app_code, codes)
}

async fn post(
    app: &TestApp,
    fc: &str,
    key: &str,
    rest: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let reply = app
        .send(
            reqwest::Method::POST,
            &format!("/organizations/{fc}/{rest}"),
            Some(key),
            body,
        )
        .await;
    (reply.status, reply.body)
}

async fn generate(app: &TestApp, fc: &str, key: &str, body: Option<&Value>) -> (u16, Value) {
    post(app, fc, key, "iuvs", body).await
}

/// `(iuv, nav)` of a 201, asserting the notice number is well formed.
async fn generated(app: &TestApp, fc: &str, key: &str, body: Option<&Value>) -> (String, String) {
    let (status, body) = generate(app, fc, key, body).await;
    assert_eq!(status, 201, "{body}");
    let iuv = body["iuv"].as_str().unwrap().to_owned();
    let nav = body["nav"].as_str().unwrap().to_owned();
    assert!(has_valid_check_digits(
        &NoticeNumber::parse("nav", &nav).unwrap()
    ));
    (iuv, nav)
}

fn bad_request(detail: &str) -> Value {
    json!({"title": "Bad Request", "status": 400, "detail": detail})
}

fn pair(iuv: &str, nav: &str) -> (String, String) {
    (iuv.to_owned(), nav.to_owned())
}

async fn shapes_per_aux_digit(app: TestApp) {
    let k0 = register(&app, ORG_0, 0, Some("01"), &[]);
    let k1 = register(&app, ORG_1, 1, None, &[]);
    let k2 = register(&app, ORG_2, 2, None, &[]);
    let k3 = register(&app, ORG_3, 3, None, &["02"]);
    let cases = [
        (
            ORG_0,
            &k0,
            ["000000000000141", "001000000000000141"],
            ["000000000000242", "001000000000000242"],
        ),
        (
            ORG_1,
            &k1,
            ["00000000000000001", "100000000000000001"],
            ["00000000000000002", "100000000000000002"],
        ),
        (
            ORG_2,
            &k2,
            ["00000000000000103", "200000000000000103"],
            ["00000000000000204", "200000000000000204"],
        ),
        (
            ORG_3,
            &k3,
            ["02000000000000184", "302000000000000184"],
            ["02000000000000285", "302000000000000285"],
        ),
    ];
    for (fc, key, first, second) in cases {
        assert_eq!(
            generated(&app, fc, key, None).await,
            pair(first[0], first[1]),
            "{fc}"
        );
        let body = json!({});
        assert_eq!(
            generated(&app, fc, key, Some(&body)).await,
            pair(second[0], second[1]),
            "{fc}"
        );
    }
    // Aux 3: the counter is the 13-digit base between the code and the check digits.
    assert_eq!(iuv(3), generated(&app, ORG_3, &k3, None).await.0);
}

async fn segregation_code_rules(app: TestApp) {
    let key = register(&app, ORG_3X, 3, None, &["02", "01"]);
    let (status, body) = generate(&app, ORG_3X, &key, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        bad_request(
            "segregationCode: required: the organization has several segregation codes: 01, 02"
        )
    );
    // Each code has its own counter.
    let (iuv01, nav01) =
        generated(&app, ORG_3X, &key, Some(&json!({"segregationCode": "01"}))).await;
    assert_eq!(iuv01, "01000000000000144");
    assert_eq!(nav01, "301000000000000144");
    let (iuv02, _) = generated(&app, ORG_3X, &key, Some(&json!({"segregationCode": "02"}))).await;
    assert_eq!(iuv02, iuv(1));
    for (body, detail) in [
        (
            json!({"segregationCode": "05"}),
            "segregationCode: '05' is not one of the organization's segregation codes: 01, 02",
        ),
        (
            json!({"segregationCode": "5"}),
            "segregationCode: '5' is not a segregation code (2 digits)",
        ),
        (
            json!({"segregationCode": 2}),
            "segregationCode: must be a string, got 2",
        ),
    ] {
        let (status, reply) = generate(&app, ORG_3X, &key, Some(&body)).await;
        assert_eq!(
            (status, &reply["title"]),
            (400, &json!("Bad Request")),
            "{body}"
        );
        assert_eq!(reply["detail"], detail, "{body}");
    }
    let (status, reply) = generate(&app, ORG_3X, &key, Some(&json!({"segregation": "01"}))).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply["detail"],
        "segregation: unknown field `segregation`, expected `segregationCode`"
    );

    // ORG_A has aux digit 3 and no segregation code: nothing is invented.
    let (status, reply) = generate(&app, ORG_A, &app.key_a, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply,
        bad_request("segregationCode: the organization (aux digit 3) has no segregation code to generate IUVs with: configure one with `gpd-gateway org update --fiscal-code 77777777777 --segregation-code NN`")
    );
    // Aux digits 0 to 2 have no segregation code.
    let k1 = register(&app, ORG_1, 1, None, &[]);
    let (status, reply) = generate(&app, ORG_1, &k1, Some(&json!({"segregationCode": "01"}))).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply,
        bad_request("segregationCode: the organization uses aux digit 1, whose IUVs have no segregation code")
    );
    // The key decides the institution, as everywhere.
    let (status, _) = generate(&app, ORG_3X, &app.key_a, None).await;
    assert_eq!(status, 403);
    let reply = app
        .send(
            reqwest::Method::POST,
            &format!("/organizations/{ORG_3X}/iuvs"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, 401);
    let reply = app
        .send(
            reqwest::Method::GET,
            &format!("/organizations/{ORG_3X}/iuvs"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
}

async fn concurrent_requests_get_distinct_iuvs(app: TestApp) {
    let key = register(&app, ORG_3, 3, None, &["02"]);
    let replies =
        futures_util::future::join_all((0..100).map(|_| generate(&app, ORG_3, &key, None))).await;
    let mut iuvs = HashSet::new();
    for (status, body) in replies {
        assert_eq!(status, 201, "{body}");
        let nav = body["nav"].as_str().unwrap();
        assert!(
            has_valid_check_digits(&NoticeNumber::parse("nav", nav).unwrap()),
            "{nav}"
        );
        assert_eq!(nav, format!("3{}", body["iuv"].as_str().unwrap()));
        iuvs.insert(body["iuv"].as_str().unwrap().to_owned());
    }
    // No value lost either: exactly the counter values 1 to 100.
    assert_eq!(iuvs, (1..=100).map(iuv).collect::<HashSet<_>>());
}

/// A position of ORG_3 whose options have these IUVs (`None`: generated).
fn position_of(iupd: &str, iuvs: &[Option<&str>]) -> Value {
    let mut body = position(iupd, "unused");
    body["paymentOption"] = iuvs
        .iter()
        .enumerate()
        .map(|(i, iuv)| {
            let mut o = option(
                iuv.unwrap_or("unused"),
                1230 + i as i64,
                "2030-12-31T23:59:59",
            );
            if iuv.is_none() {
                o.as_object_mut().unwrap().remove("iuv");
            }
            o
        })
        .collect();
    body
}

async fn values_used_by_hand_are_skipped(app: TestApp) {
    let key = register(&app, ORG_3, 3, None, &["02"]);
    // Counter value 1 is taken as an IUV, value 2 as a notice number of another IUV.
    let (status, body) = post(
        &app,
        ORG_3,
        &key,
        "debtpositions",
        Some(&position_of("BY-HAND-1", &[Some(&iuv(1))])),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mut second = position_of("BY-HAND-2", &[Some("02ABC")]);
    second["paymentOption"][0]["nav"] = json!(format!("3{}", iuv(2)));
    let (status, body) = post(&app, ORG_3, &key, "debtpositions", Some(&second)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        generated(&app, ORG_3, &key, None).await,
        (iuv(3), format!("3{}", iuv(3)))
    );
    // And the counter moved past them: nothing skipped twice.
    assert_eq!(generated(&app, ORG_3, &key, None).await.0, iuv(4));
}

async fn rest_create_generates_missing_iuvs(app: TestApp) {
    let key = register(&app, ORG_3, 3, None, &["02"]);
    // Option 1 holds counter value 1 by hand: option 0 gets value 2, option 2 value 3.
    let body = position_of("GEN-1", &[None, Some(&iuv(1)), None]);
    let (status, created) = post(
        &app,
        ORG_3,
        &key,
        "debtpositions?toPublish=true",
        Some(&body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let options = &created["paymentOption"];
    let expected = [iuv(2), iuv(1), iuv(3)];
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(options[i]["iuv"], want.as_str(), "{created}");
        assert_eq!(options[i]["nav"], format!("3{want}"));
    }
    let got = app
        .send(
            reqwest::Method::GET,
            &format!("/organizations/{ORG_3}/debtpositions/GEN-1"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["status"], "VALID");
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(got.body["paymentOption"][i]["iuv"], want.as_str());
        assert_eq!(got.body["paymentOption"][i]["nav"], format!("3{want}"));
        assert_eq!(got.body["paymentOption"][i]["amount"], 1230 + i as i64);
    }
    // The notice is payable by its generated number.
    let option = app
        .send(
            reqwest::Method::GET,
            &format!("/organizations/{ORG_3}/paymentoptions/3{}", iuv(2)),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(option.status, 200, "{}", option.body);

    // A refused position consumes no value: validation comes first, and a rollback gives back.
    let mut invalid = position_of("GEN-BAD", &[None]);
    invalid["paymentOption"][0]["amount"] = json!(1);
    let (status, reply) = post(&app, ORG_3, &key, "debtpositions", Some(&invalid)).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["detail"],
        "paymentOption[0].amount: 1 does not match the sum of its transfer amounts 1230"
    );
    let duplicate = position_of("GEN-1", &[None]);
    let (status, _) = post(&app, ORG_3, &key, "debtpositions", Some(&duplicate)).await;
    assert_eq!(status, 409);
    assert_eq!(generated(&app, ORG_3, &key, None).await.0, iuv(4));

    // Bulk create: the same, all in one transaction.
    let bulk = json!({"paymentPositions": [position_of("GEN-B1", &[None]), position_of("GEN-B2", &[Some(&iuv(6)), None])]});
    let (status, reply) = post(&app, ORG_3, &key, "debtpositions/bulk", Some(&bulk)).await;
    assert_eq!(status, 201, "{reply}");
    for (iupd, index, want) in [("GEN-B1", 0, iuv(5)), ("GEN-B2", 1, iuv(7))] {
        let got = app
            .send(
                reqwest::Method::GET,
                &format!("/organizations/{ORG_3}/debtpositions/{iupd}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(
            got.body["paymentOption"][index]["iuv"],
            want.as_str(),
            "{}",
            got.body
        );
    }

    // With iuv given nothing changes; nav alone is refused.
    let mut nav_only = position_of("GEN-NAV", &[None]);
    nav_only["paymentOption"][0]["nav"] = json!(format!("3{}", iuv(50)));
    let (status, reply) = post(&app, ORG_3, &key, "debtpositions", Some(&nav_only)).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply,
        bad_request("paymentOption[0].iuv: is required when nav is given (without both, the gateway generates both)")
    );
    // Update keeps iuv required.
    let reply = app
        .send(
            reqwest::Method::PUT,
            &format!("/organizations/{ORG_3}/debtpositions/GEN-1"),
            Some(&key),
            Some(&position_of("GEN-1", &[None])),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body, bad_request("paymentOption[0].iuv: is required"));
}

async fn rest_create_needs_one_segregation_code(app: TestApp) {
    let key = register(&app, ORG_3X, 3, None, &["01", "02"]);
    let body = position_of("SEVERAL", &[Some(&iuv(1)), None]);
    let (status, reply) = post(&app, ORG_3X, &key, "debtpositions", Some(&body)).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply,
        bad_request("paymentOption[1].iuv: required: the organization has several segregation codes: 01, 02")
    );
    let (status, reply) = post(
        &app,
        ORG_A,
        &app.key_a,
        "debtpositions",
        Some(&position_of("NONE", &[None])),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        reply["detail"].as_str().unwrap().starts_with(
            "paymentOption[0].iuv: the organization (aux digit 3) has no segregation code"
        ),
        "{reply}"
    );
    // Aux digit 0: a 15-digit IUV after the application code.
    let k0 = register(&app, ORG_0, 0, Some("01"), &[]);
    let (status, created) = post(
        &app,
        ORG_0,
        &k0,
        "debtpositions",
        Some(&position_of("AUX0", &[None])),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["paymentOption"][0]["iuv"], "000000000000141");
    assert_eq!(created["paymentOption"][0]["nav"], "001000000000000141");
}

async fn openapi_documents_iuvs(app: TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &doc["paths"]["/organizations/{organizationfiscalcode}/iuvs"]["post"];
    assert!(op["responses"]["201"].is_object(), "{op}");
    assert!(op["responses"]["400"].is_object());
    assert!(doc["components"]["schemas"]["GeneratedIuvModel"].is_object());
    assert!(doc["components"]["schemas"]["IuvRequestModel"].is_object());
}

/// Two instances of the service on one database, generating at once: no duplicate.
async fn two_instances_share_the_counter(app: TestApp) {
    let key = register(&app, ORG_3, 3, None, &["02"]);
    let (second_base, handle) = common::start_server(&app.database_url, |_| {}).await;
    let request = |base: String| {
        let client = app.client.clone();
        let key = key.clone();
        async move {
            let res = client
                .post(format!("{base}/organizations/{ORG_3}/iuvs"))
                .header(common::KEY_HEADER, key)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 201);
            let body: Value = res.json().await.unwrap();
            body["iuv"].as_str().unwrap().to_owned()
        }
    };
    let bases = (0..100).map(|i| {
        if i % 2 == 0 {
            app.base.clone()
        } else {
            second_base.clone()
        }
    });
    let iuvs: Vec<String> = futures_util::future::join_all(bases.map(request)).await;
    let distinct: HashSet<_> = iuvs.iter().cloned().collect();
    assert_eq!(distinct.len(), 100);
    assert_eq!(distinct, (1..=100).map(iuv).collect::<HashSet<_>>());
    handle.stop(true).await;
}

/// The store interface: `allocate` inside a transaction (a rollback gives the value back),
/// `allocate_now` on its own.
async fn store_allocate_runs_in_a_transaction(app: TestApp) {
    register(&app, ORG_3, 3, None, &["02", "03"]);
    let mut conn = store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap();
    let org = orgs::find_org(&mut conn, ORG_3).unwrap().unwrap();
    let code = SegregationCode::parse("c", "02").unwrap();
    let outside = iuvs::allocate(&mut conn, &org, Some(&code));
    assert!(
        matches!(outside, Err(StoreError::Database(_))),
        "{outside:?}"
    );
    let rolled_back: Result<(), StoreError> = store::write_tx(&mut conn, |c| {
        let (first, nav) = iuvs::allocate(c, &org, Some(&code))?;
        assert_eq!(
            (first.as_str(), nav.as_str()),
            (iuv(1).as_str(), format!("3{}", iuv(1)).as_str())
        );
        assert_eq!(iuvs::allocate(c, &org, Some(&code))?.0.as_str(), iuv(2));
        Err(StoreError::Conflict("roll back".to_owned()))
    });
    assert!(rolled_back.is_err());
    let (again, _) = iuvs::allocate_now(&mut conn, &org, Some(&code)).unwrap();
    assert_eq!(again.as_str(), iuv(1));
    let several = iuvs::allocate_now(&mut conn, &org, None).unwrap_err();
    assert_eq!(
        several.to_string(),
        "segregationCode: required: the organization has several segregation codes: 02, 03"
    );
}

both_backends!(
    store_allocate_runs_in_a_transaction,
    shapes_per_aux_digit,
    segregation_code_rules,
    concurrent_requests_get_distinct_iuvs,
    values_used_by_hand_are_skipped,
    rest_create_generates_missing_iuvs,
    rest_create_needs_one_segregation_code,
    openapi_documents_iuvs,
    two_instances_share_the_counter,
);
