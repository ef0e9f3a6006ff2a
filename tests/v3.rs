//! GPD's v3 API (payment options with their debtor and installments), the bulk update and
//! delete, and the notice verification ("OdP"), over HTTP on both databases. The scenarios of
//! GPD's v3 acceptance suite (crud, fsm, installments) are here as step code of our own.

mod common;

use common::nodo::{get_payment, send_rt, verify};
use common::{iuv, option, position, TestApp, ORG_A};
use gpd_gateway::domain::access::{Principal, Scope};
use gpd_gateway::domain::{self, OrgFiscalCode};
use gpd_gateway::soap::SoapResponse;
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::{self, DatabaseUrl};
use serde_json::{json, Value};

fn v3(rest: &str) -> String {
    format!("/v3/organizations/{ORG_A}/{rest}")
}

fn v1(rest: &str) -> String {
    format!("/organizations/{ORG_A}/{rest}")
}

fn nav(n: u64) -> String {
    format!("3{}", iuv(n))
}

fn debtor(fiscal_code: &str, name: &str) -> Value {
    json!({"type": "F", "fiscalCode": fiscal_code, "fullName": name, "city": "Roma", "country": "IT"})
}

/// An installment of 12.30 euros in two transfers (as the Nodo fixtures pay it).
fn installment(n: u64, due: &str, description: &str) -> Value {
    let mut o = option(&iuv(n), 1230, due);
    let o = o.as_object_mut().unwrap();
    json!({
        "iuv": iuv(n),
        "amount": 1230,
        "description": description,
        "dueDate": due,
        "transfer": o.remove("transfer").unwrap(),
        "installmentMetadata": [{"key": "rata", "value": description}],
    })
}

fn payment_option(description: &str, debtor: Value, installments: Vec<Value>) -> Value {
    json!({
        "description": description,
        "switchToExpired": false,
        "retentionDate": "2031-12-31T23:59:59",
        "debtor": debtor,
        "installments": installments,
    })
}

/// A position with a two-installment plan (installments n, n+1) and a single option (n+2).
fn plan_and_single(iupd: &str, n: u64) -> Value {
    json!({
        "iupd": iupd,
        "companyName": "Comune di Prova",
        "officeName": "Ufficio Tributi",
        "paymentOption": [
            payment_option(
                "Piano rateale A (2 rate)",
                debtor("RSSMRA80A01H501U", "Mario Rossi"),
                vec![
                    installment(n + 1, "2030-09-30T23:59:59", "Rata 2"),
                    installment(n, "2030-06-30T23:59:59", "Rata 1"),
                ],
            ),
            payment_option(
                "Pagamento in un'unica soluzione",
                debtor("VRDLGU80A01H501X", "Luigi Verdi"),
                vec![installment(n + 2, "2030-03-31T23:59:59", "Unica soluzione")],
            ),
        ]
    })
}

/// A position with two plans of two installments each.
fn two_plans(iupd: &str, n: u64) -> Value {
    let d = || debtor("RSSMRA80A01H501U", "Mario Rossi");
    json!({
        "iupd": iupd,
        "companyName": "Comune di Prova",
        "paymentOption": [
            payment_option("Piano A", d(), vec![
                installment(n, "2030-06-30T23:59:59", "A1"),
                installment(n + 1, "2030-09-30T23:59:59", "A2"),
            ]),
            payment_option("Piano B", d(), vec![
                installment(n + 2, "2030-05-31T23:59:59", "B1"),
                installment(n + 3, "2030-10-31T23:59:59", "B2"),
            ]),
        ]
    })
}

async fn create_v3(app: &TestApp, body: &Value, to_publish: bool) -> Value {
    let reply = app
        .post(
            &v3(&format!("debtpositions?toPublish={to_publish}")),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

fn pay_body(receipt: &str) -> Value {
    json!({"pspCompany": "Banca", "idReceipt": receipt, "paymentDate": "2030-01-10T10:00:00"})
}

async fn crud(app: TestApp) {
    let body = plan_and_single("V3-CRUD", 1);
    let created = create_v3(&app, &body, false).await;
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["iupd"], "V3-CRUD");
    assert_eq!(created["payStandIn"], true);
    // Options by earliest due date: the single (March) first, then the plan (June, September).
    let single = &created["paymentOption"][0];
    assert_eq!(single["installments"][0]["nav"], nav(3));
    assert_eq!(single["installments"][0]["status"], "UNPAID");
    assert_eq!(single["debtor"]["fiscalCode"], "VRDLGU80A01H501X");
    assert!(
        single.get("description").is_none(),
        "description is write-only"
    );
    let plan = &created["paymentOption"][1];
    assert_eq!(plan["installments"][0]["iuv"], iuv(1));
    assert_eq!(plan["installments"][1]["iuv"], iuv(2));
    assert_eq!(plan["installments"][0]["fee"], 0);
    assert_eq!(plan["installments"][0]["notificationFee"], 0);
    assert_eq!(plan["retentionDate"], "2031-12-31T23:59:59");

    let got = app.get(&v3("debtpositions/V3-CRUD")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let g = &got.body;
    assert_eq!(g["organizationFiscalCode"], ORG_A);
    assert_eq!(g["status"], "DRAFT");
    assert_eq!(g["officeName"], "Ufficio Tributi");
    assert_eq!(g["paymentOption"].as_array().unwrap().len(), 2);
    let i = &g["paymentOption"][1]["installments"][1];
    assert_eq!(i["nav"], nav(2));
    assert_eq!(i["organizationFiscalCode"], ORG_A);
    assert_eq!(i["amount"], 1230);
    assert_eq!(i["description"], "Rata 2");
    assert_eq!(i["dueDate"], "2030-09-30T23:59:59");
    assert_eq!(i["status"], "UNPAID");
    assert_eq!(
        i["installmentMetadata"],
        json!([{"key": "rata", "value": "Rata 2"}])
    );
    assert_eq!(i["transfer"][0]["iban"], "IT60X0542811101000000123456");
    assert_eq!(i["transfer"][0]["status"], "T_UNREPORTED");
    assert_eq!(g["paymentOption"][1]["debtor"]["fullName"], "Mario Rossi");
    assert_eq!(g["paymentOption"][1]["switchToExpired"], false);

    let list = app.get(&v3("debtpositions?status=DRAFT")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["page_info"]["items_found"], 1);
    assert_eq!(list.body["payment_position_list"][0]["iupd"], "V3-CRUD");
    assert_eq!(
        list.body["payment_position_list"][0]["paymentOption"][1]["installments"][0]["iuv"],
        iuv(1)
    );

    // GPD's crud scenario lists by status and a due-date window.
    let window = "due_date_from=2030-03-25&due_date_to=2030-04-03";
    let list = app
        .get(&v3(&format!("debtpositions?status=DRAFT&{window}")))
        .await;
    assert_eq!(list.body["page_info"]["items_found"], 1, "{}", list.body);
    let list = app
        .get(&v3(
            "debtpositions?status=DRAFT&due_date_from=2030-04-01&due_date_to=2030-04-20",
        ))
        .await;
    assert_eq!(list.body["page_info"]["items_found"], 0, "{}", list.body);

    let mut changed = body.clone();
    changed["companyName"] = json!("Comune Nuovo");
    changed["paymentOption"][1]["installments"][0]["amount"] = json!(1230);
    let updated = app.put(&v3("debtpositions/V3-CRUD"), &changed).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["companyName"], "Comune Nuovo");
    assert_eq!(updated.body["status"], "DRAFT");
    assert_eq!(updated.headers["etag"], "\"1\"");

    let deleted = app.delete(&v3("debtpositions/V3-CRUD")).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, "The debt position was successfully deleted");
    assert_eq!(app.get(&v3("debtpositions/V3-CRUD")).await.status, 404);
}

async fn fsm(app: TestApp) {
    let body = plan_and_single("V3-FSM-1", 1);
    create_v3(&app, &body, false).await;
    let published = app
        .put(&v3("debtpositions/V3-FSM-1?toPublish=true"), &body)
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(published.body["status"], "VALID");

    create_v3(&app, &plan_and_single("V3-FSM-2", 11), false).await;
    let reply = app.post(&v3("debtpositions/V3-FSM-2/publish"), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "VALID");
    assert!(reply.body["paymentOption"][0]["validityDate"].is_string());
    let again = app.post(&v3("debtpositions/V3-FSM-2/publish"), None).await;
    assert_eq!(again.status, 409);

    // Pay the single option and report its transfers: REPORTED reads PAID in v3.
    let paid = app
        .post(
            &v1(&format!("paymentoptions/{}/pay", nav(13))),
            Some(&pay_body("R1")),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    for t in ["1", "2"] {
        let reported = app
            .post(
                &v1(&format!("paymentoptions/{}/transfers/{t}/report", iuv(13))),
                None,
            )
            .await;
        assert_eq!(reported.status, 200, "{}", reported.body);
    }
    let v1_read = app.get(&v1("debtpositions/V3-FSM-2")).await;
    assert_eq!(v1_read.body["status"], "REPORTED");
    let v3_read = app.get(&v3("debtpositions/V3-FSM-2")).await;
    assert_eq!(v3_read.body["status"], "PAID");
    let single = &v3_read.body["paymentOption"][0]["installments"][0];
    assert_eq!(single["status"], "REPORTED");
    assert_eq!(single["idReceipt"], "R1");
    assert_eq!(single["pspCompany"], "Banca");

    // Invalidated reads UNPAYABLE, and the v3 list filters by that name.
    create_v3(&app, &plan_and_single("V3-FSM-3", 21), true).await;
    let invalid = app
        .post(&v1("debtpositions/V3-FSM-3/invalidate"), None)
        .await;
    assert_eq!(invalid.status, 200);
    let got = app.get(&v3("debtpositions/V3-FSM-3")).await;
    assert_eq!(got.body["status"], "UNPAYABLE");
    let list = app.get(&v3("debtpositions?status=UNPAYABLE")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let iupds: Vec<&str> = list.body["payment_position_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["iupd"].as_str().unwrap())
        .collect();
    assert_eq!(iupds, ["V3-FSM-3"]);
    let list = app.get(&v3("debtpositions?status=PAID")).await;
    assert_eq!(list.body["payment_position_list"][0]["iupd"], "V3-FSM-2");
    let bad = app.get(&v3("debtpositions?status=REPORTED")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["detail"],
        "status: 'REPORTED' is not one of DRAFT, PUBLISHED, VALID, UNPAYABLE, PARTIALLY_PAID, PAID"
    );
}

/// GPD's v3 installments scenarios: created DRAFT (pay is not gated by status), pay installment
/// 1 of plan 1, the other option is gone, the position is PARTIALLY_PAID.
async fn installments(app: TestApp) {
    for (iupd, body, other) in [
        ("V3-INST-1", plan_and_single("V3-INST-1", 1), nav(3)),
        ("V3-INST-2", two_plans("V3-INST-2", 11), nav(13)),
    ] {
        let first = body["paymentOption"][0]["installments"]
            .as_array()
            .unwrap()
            .iter()
            .min_by_key(|i| i["dueDate"].as_str().unwrap().to_owned())
            .unwrap()["iuv"]
            .as_str()
            .unwrap()
            .to_owned();
        let second = body["paymentOption"][0]["installments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["iuv"] != first.as_str())
            .unwrap()["iuv"]
            .as_str()
            .unwrap()
            .to_owned();
        create_v3(&app, &body, false).await;
        let paid = app
            .post(
                &v1(&format!("paymentoptions/3{first}/pay")),
                Some(&pay_body(iupd)),
            )
            .await;
        assert_eq!(paid.status, 200, "{iupd}: {}", paid.body);
        assert_eq!(paid.body["status"], "PO_PAID");
        let gone = app.get(&v1(&format!("paymentoptions/{other}"))).await;
        assert_eq!(gone.status, 404, "{iupd}: {}", gone.body);
        let got = app.get(&v3(&format!("debtpositions/{iupd}"))).await;
        assert_eq!(got.body["status"], "PARTIALLY_PAID", "{iupd}");
        let next = app.get(&v1(&format!("paymentoptions/3{second}"))).await;
        assert_eq!(next.status, 200, "{iupd}: {}", next.body);
        assert_eq!(next.body["isPartialPayment"], true);
        assert_eq!(next.body["fiscalCode"], "RSSMRA80A01H501U");
    }
}

async fn cross_version_reads(app: TestApp) {
    // A v3 position with one plan and one single reads through v1 as flat options.
    create_v3(&app, &plan_and_single("X-1", 1), false).await;
    let got = app.get(&v1("debtpositions/X-1")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let options = got.body["paymentOption"].as_array().unwrap();
    assert_eq!(options.len(), 3);
    let partial: Vec<bool> = options
        .iter()
        .map(|o| o["isPartialPayment"].as_bool().unwrap())
        .collect();
    assert_eq!(partial, [true, true, false]);
    assert_eq!(got.body["status"], "DRAFT");
    // The option's own debtor answers on the option read by notice number.
    let single = app.get(&v1(&format!("paymentoptions/{}", nav(3)))).await;
    assert_eq!(single.status, 200, "{}", single.body);
    assert_eq!(single.body["fiscalCode"], "VRDLGU80A01H501X");
    assert_eq!(single.body["fullName"], "Luigi Verdi");

    // Two plans: v1 cannot represent it (422 on GET, left out of the v1 list), v3 can.
    create_v3(&app, &two_plans("X-2", 11), false).await;
    let got = app.get(&v1("debtpositions/X-2")).await;
    assert_eq!(got.status, 422, "{}", got.body);
    assert_eq!(
        got.body["detail"],
        format!("The debt position X-2 has several installment plans, which the v1 API cannot represent; read it through /v3/organizations/{ORG_A}/debtpositions/X-2")
    );
    let by_iuv = app
        .get(&v1(&format!("paymentoptions/{}/debtposition", iuv(11))))
        .await;
    assert_eq!(by_iuv.status, 422);
    let v1_list = app.get(&v1("debtpositions")).await;
    let listed: Vec<&str> = v1_list.body["payment_position_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["iupd"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["X-1"]);
    assert_eq!(v1_list.body["page_info"]["items_found"], 1);
    let v3_list = app
        .get(&v3("debtpositions?orderby=IUPD&ordering=ASC"))
        .await;
    assert_eq!(v3_list.body["page_info"]["items_found"], 2);
    let plans = &app.get(&v3("debtpositions/X-2")).await.body["paymentOption"];
    // Plan B starts earlier (May) than plan A (June).
    assert_eq!(plans[0]["installments"][0]["description"], "B1");
    assert_eq!(plans[0]["installments"][1]["description"], "B2");
    assert_eq!(plans[1]["installments"][0]["description"], "A1");

    // A v1 position reads through v3: its installments as one plan, each single alone.
    let mut body = position("X-3", &iuv(21));
    let mut rate1 = option(&iuv(22), 1230, "2030-04-30T23:59:59");
    rate1["isPartialPayment"] = json!(true);
    let mut rate2 = option(&iuv(23), 1230, "2030-02-28T23:59:59");
    rate2["isPartialPayment"] = json!(true);
    body["paymentOption"] = json!([body["paymentOption"][0].clone(), rate1, rate2]);
    app.create(&body, false).await;
    let got = app.get(&v3("debtpositions/X-3")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let options = got.body["paymentOption"].as_array().unwrap();
    assert_eq!(options.len(), 2);
    assert_eq!(options[0]["installments"][0]["iuv"], iuv(23));
    assert_eq!(options[0]["installments"][1]["iuv"], iuv(22));
    assert_eq!(options[1]["installments"][0]["iuv"], iuv(21));
    assert_eq!(options[1]["debtor"]["fiscalCode"], "RSSMRA80A01H501U");
}

async fn v3_validation(app: TestApp) {
    let mut dup = plan_and_single("BAD-1", 1);
    dup["paymentOption"][1]["installments"][0]["iuv"] = json!(iuv(1));
    let reply = app.post(&v3("debtpositions"), Some(&dup)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        format!(
            "paymentOption[1].installments[0].iuv: IUV '{}' appears twice",
            iuv(1)
        )
    );

    let mut empty = plan_and_single("BAD-2", 1);
    empty["paymentOption"][1]["installments"] = json!([]);
    let reply = app.post(&v3("debtpositions"), Some(&empty)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        "paymentOption[1].installments: 1 to 100 installments are accepted, got 0"
    );

    let mut bad_debtor = plan_and_single("BAD-3", 1);
    bad_debtor["paymentOption"][0]["debtor"]["country"] = json!("Italia");
    let reply = app.post(&v3("debtpositions"), Some(&bad_debtor)).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("paymentOption[0].debtor.country:"),
        "{}",
        reply.body
    );

    let mut sum = plan_and_single("BAD-4", 1);
    sum["paymentOption"][0]["installments"][1]["amount"] = json!(999);
    let reply = app.post(&v3("debtpositions"), Some(&sum)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        "paymentOption[0].installments[1].amount: 999 does not match the sum of its transfer amounts 1230"
    );

    let too_many: Vec<Value> = (0..101)
        .map(|k| {
            payment_option(
                "x",
                debtor("RSSMRA80A01H501U", "M"),
                vec![installment(100 + k, "2030-06-30T23:59:59", "x")],
            )
        })
        .collect();
    let body = json!({"iupd": "BAD-5", "companyName": "C", "paymentOption": too_many});
    let reply = app.post(&v3("debtpositions"), Some(&body)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        "paymentOption: 1 to 100 payment options are accepted, got 101"
    );

    let mut past = plan_and_single("BAD-6", 1);
    past["paymentOption"][1]["validityDate"] = json!("2020-01-01T00:00:00");
    let reply = app.post(&v3("debtpositions"), Some(&past)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        "paymentOption[1].validityDate: must be in the future"
    );

    let mut missing = plan_and_single("BAD-7", 1);
    missing["paymentOption"][0]
        .as_object_mut()
        .unwrap()
        .remove("switchToExpired");
    let reply = app.post(&v3("debtpositions"), Some(&missing)).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("switchToExpired"),
        "{}",
        reply.body
    );

    // Nothing of the refused requests was stored.
    let list = app.get(&v3("debtpositions")).await;
    assert_eq!(list.body["page_info"]["items_found"], 0);
}

async fn bulk_update_and_delete(app: TestApp) {
    app.create(&position("B-1", &iuv(1)), false).await;
    app.create(&position("B-2", &iuv(2)), false).await;
    app.create(&position("B-3", &iuv(3)), true).await;

    let mut one = position("B-1", &iuv(1));
    one["companyName"] = json!("Nuovo 1");
    let mut two = position("B-2", &iuv(2));
    two["companyName"] = json!("Nuovo 2");
    let ok = app
        .put(
            &v1("debtpositions?toPublish=true"),
            &json!({"paymentPositions": [one, two]}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let b1 = app.get(&v1("debtpositions/B-1")).await.body;
    assert_eq!(b1["companyName"], "Nuovo 1");
    assert_eq!(b1["status"], "VALID");

    // All or nothing: an unknown IUPD, or a bad position, leaves the first one unchanged.
    let mut again = position("B-1", &iuv(1));
    again["companyName"] = json!("Mai");
    let missing = app
        .put(
            &v1("debtpositions"),
            &json!({"paymentPositions": [again.clone(), position("B-404", &iuv(9))]}),
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(
        missing.body["detail"],
        format!(
            "paymentPositions[1]: No debt position found for organization {ORG_A} and IUPD 'B-404'"
        )
    );
    let mut bad = position("B-2", &iuv(2));
    bad["paymentOption"][0]["amount"] = json!(1);
    let invalid = app
        .put(
            &v1("debtpositions"),
            &json!({"paymentPositions": [again.clone(), bad]}),
        )
        .await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);
    assert_eq!(
        invalid.body["detail"],
        "paymentPositions[1].paymentOption[0].amount: 1 does not match the sum of its transfer amounts 1230"
    );
    let twice = app
        .put(
            &v1("debtpositions"),
            &json!({"paymentPositions": [again.clone(), again]}),
        )
        .await;
    assert_eq!(twice.status, 400);
    assert_eq!(
        twice.body["detail"],
        "paymentPositions[1].iupd: 'B-1' appears twice"
    );
    assert_eq!(
        app.get(&v1("debtpositions/B-1")).await.body["companyName"],
        "Nuovo 1"
    );

    // Bulk delete: a paid position refuses the whole batch.
    let paid = app
        .post(
            &v1(&format!("paymentoptions/{}/pay", nav(3))),
            Some(&pay_body("R3")),
        )
        .await;
    assert_eq!(paid.status, 200);
    let body = json!({"paymentPositionIUPDs": ["B-1", "B-3"]});
    let refused = app
        .send(
            reqwest::Method::DELETE,
            &v1("debtpositions"),
            Some(&app.key_a),
            Some(&body),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("paymentPositionIUPDs[1]: The debt position B-3 is PAID"));
    assert_eq!(app.get(&v1("debtpositions/B-1")).await.status, 200);
    let body = json!({"paymentPositionIUPDs": ["B-1", "B-2"]});
    let deleted = app
        .send(
            reqwest::Method::DELETE,
            &v1("debtpositions"),
            Some(&app.key_a),
            Some(&body),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.body, "2 debt positions were successfully deleted");
    assert_eq!(deleted.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(app.get(&v1("debtpositions/B-1")).await.status, 404);
    let too_many: Vec<String> = (0..21).map(|k| format!("X-{k}")).collect();
    let reply = app
        .send(
            reqwest::Method::DELETE,
            &v1("debtpositions"),
            Some(&app.key_a),
            Some(&json!({"paymentPositionIUPDs": too_many})),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["detail"],
        "paymentPositionIUPDs: 1 to 20 IUPDs are accepted, got 21"
    );

    // GPD's v2 product: POST on .../debtpositions is the bulk create.
    let v2 = format!("/v2/organizations/{ORG_A}/debtpositions");
    let created = app
        .post(
            &v2,
            Some(
                &json!({"paymentPositions": [position("B-4", &iuv(4)), position("B-5", &iuv(5))]}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(app.get(&v1("debtpositions/B-5")).await.status, 200);
}

async fn notice_verification(app: TestApp) {
    let path = |nav: &str| format!("/payment-options/organizations/{ORG_A}/notices/{nav}");
    create_v3(&app, &plan_and_single("ODP-1", 1), false).await;
    let reply = app.post(&path(&nav(3)), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let b = &reply.body;
    assert_eq!(b["organizationFiscalCode"], ORG_A);
    assert_eq!(b["companyName"], "Comune di Prova");
    assert_eq!(b["officeName"], "Ufficio Tributi");
    let groups = b["paymentOptions"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let single = &groups[0];
    assert_eq!(single["description"], "Pagamento in un'unica soluzione");
    assert_eq!(single["numberOfInstallments"], 1);
    assert_eq!(single["amount"], 1230);
    assert_eq!(single["dueDate"], "2030-03-31T23:59:59");
    assert_eq!(single["status"], "PO_UNPAID");
    assert_eq!(single["allCCP"], false);
    let plan = &groups[1];
    assert_eq!(plan["description"], "Piano rateale A (2 rate)");
    assert_eq!(plan["numberOfInstallments"], 2);
    assert_eq!(plan["amount"], 2460);
    assert_eq!(plan["dueDate"], "2030-09-30T23:59:59");
    assert_eq!(plan["installments"][0]["nav"], nav(1));
    assert_eq!(plan["installments"][0]["status"], "POI_UNPAID");
    assert_eq!(plan["installments"][1]["dueDate"], "2030-09-30T23:59:59");

    app.post(
        &v1(&format!("paymentoptions/{}/pay", nav(1))),
        Some(&pay_body("R1")),
    )
    .await;
    let reply = app.post(&path(&nav(2)), None).await;
    let groups = reply.body["paymentOptions"].as_array().unwrap();
    assert_eq!(groups[0]["status"], "PO_INVALID");
    assert_eq!(groups[0]["installments"][0]["status"], "POI_INVALID");
    assert_eq!(groups[1]["status"], "PO_PARTIALLY_PAID");
    assert_eq!(groups[1]["statusReason"], "1 of 2 installments paid");
    assert_eq!(groups[1]["installments"][0]["status"], "POI_PAID");
    assert_eq!(groups[1]["installments"][1]["status"], "POI_UNPAID");

    let unknown = app.post(&path("399999999999999999"), None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["httpStatusCode"], 404);
    assert_eq!(unknown.body["httpStatusDescription"], "Not Found");
    assert_eq!(unknown.body["appErrorCode"], "ODP-107");
    assert!(unknown.body["timestamp"].is_i64());
    assert!(unknown.body["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("PAA_PAGAMENTO_SCONOSCIUTO: "));
    let malformed = app.post(&path("ABCDEF"), None).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["appErrorCode"], "ODP-101");
    assert_eq!(
        malformed.body["errorMessage"],
        "PAA_SINTASSI: notice number 'ABCDEF' is not 1 to 30 digits"
    );
    let nokey = app
        .send(reqwest::Method::POST, &path(&nav(3)), None, None)
        .await;
    assert_eq!(nokey.status, 401);
}

/// A key limited to the waste-tax domain: every new endpoint applies the scope as v1 does.
async fn scopes_apply(app: TestApp) {
    const ROADS: &str = "9/0201109AP/";
    let mut conn = store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap();
    let options = KeyOptions {
        scope: Scope::parse_list("scope", "0101108TS").unwrap(),
        label: None,
        expires: None,
    };
    let owner = Principal::Institution(OrgFiscalCode::parse("fc", ORG_A).unwrap());
    let waste = keys::create(&mut conn, &owner, &options, "test", domain::now())
        .unwrap()
        .secret;
    // Every installment's second transfer is in the roads domain: outside the key's scope.
    let body = plan_and_single("S-1", 1);
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let (app, waste) = (&app, &waste);
        async move { app.send(method, &path, Some(waste), body.as_ref()).await }
    };
    let reply = call(
        reqwest::Method::POST,
        v3("debtpositions"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply.body["detail"].as_str().unwrap().contains(ROADS),
        "{}",
        reply.body
    );

    create_v3(&app, &body, true).await;
    assert_eq!(
        call(reqwest::Method::GET, v3("debtpositions/S-1"), None)
            .await
            .status,
        404
    );
    let list = call(reqwest::Method::GET, v3("debtpositions"), None).await;
    assert_eq!(list.body["page_info"]["items_found"], 0);
    // Writes to a position outside the scope are refused (403), as on v1.
    assert_eq!(
        call(
            reqwest::Method::PUT,
            v3("debtpositions/S-1"),
            Some(body.clone())
        )
        .await
        .status,
        403
    );
    assert_eq!(
        call(reqwest::Method::DELETE, v3("debtpositions/S-1"), None)
            .await
            .status,
        403
    );
    assert_eq!(
        call(reqwest::Method::POST, v3("debtpositions/S-1/publish"), None)
            .await
            .status,
        403
    );
    let verify_path = format!("/payment-options/organizations/{ORG_A}/notices/{}", nav(3));
    let odp = call(reqwest::Method::POST, verify_path, None).await;
    assert_eq!(odp.status, 404);
    assert_eq!(odp.body["appErrorCode"], "ODP-107");
    let bulk = json!({"paymentPositionIUPDs": ["S-1"]});
    let refused = call(reqwest::Method::DELETE, v1("debtpositions"), Some(bulk)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("paymentPositionIUPDs[0].paymentOption["));
    let bulk = json!({"paymentPositions": [position("S-1", &iuv(1))]});
    assert_eq!(
        call(reqwest::Method::PUT, v1("debtpositions"), Some(bulk))
            .await
            .status,
        403
    );
    // Nothing changed.
    let got = app.get(&v3("debtpositions/S-1")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["etag"], "\"0\"");
}

/// A v3 position through the Nodo: verified, got and paid, then read through v1 and v3.
async fn nodo_pays_a_v3_position(app: TestApp) {
    app.add_station(ORG_A, 2);
    create_v3(&app, &plan_and_single("N-1", 1), true).await;
    let reply = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav(1)))
        .await;
    let SoapResponse::VerifyPaymentNotice(res) = reply.response() else {
        panic!("wrong response")
    };
    assert!(res.fault.is_none(), "{}", reply.text());
    let option = res.payment_list.unwrap().payment_option_description;
    assert_eq!(option.amount.cents(), 1230);
    assert_eq!(option.due_date.as_deref(), Some("2030-06-30"));

    let reply = app
        .soap(
            Some("paGetPaymentV2"),
            get_payment(ORG_A, &nav(1), true, None),
        )
        .await;
    let SoapResponse::GetPaymentV2(res) = reply.response() else {
        panic!("wrong response")
    };
    let data = res.data.expect("payment data");
    assert_eq!(data.debtor.full_name, "Mario Rossi");
    assert_eq!(data.description, "Rata 1");
    // The single option has its own debtor.
    let reply = app
        .soap(
            Some("paGetPaymentV2"),
            get_payment(ORG_A, &nav(3), true, None),
        )
        .await;
    let SoapResponse::GetPaymentV2(res) = reply.response() else {
        panic!("wrong response")
    };
    let data = res.data.expect("payment data");
    assert_eq!(data.debtor.full_name, "Luigi Verdi");
    assert_eq!(
        data.debtor.unique_identifier.entity_unique_identifier_value,
        "VRDLGU80A01H501X"
    );

    let reply = app
        .soap(Some("paSendRTV2"), send_rt(&nav(1), "RT-N1", true))
        .await;
    assert_eq!(reply.fault_code(), "OK", "{}", reply.text());

    let v3_read = app.get(&v3("debtpositions/N-1")).await.body;
    assert_eq!(v3_read["status"], "PARTIALLY_PAID");
    let plan = &v3_read["paymentOption"][1];
    assert_eq!(plan["installments"][0]["status"], "PAID");
    assert_eq!(plan["installments"][0]["idReceipt"], "RT-N1");
    assert_eq!(plan["installments"][1]["status"], "UNPAID");
    let v1_read = app.get(&v1("debtpositions/N-1")).await.body;
    assert_eq!(v1_read["status"], "PARTIALLY_PAID");
    let paid = v1_read["paymentOption"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["iuv"] == iuv(1).as_str())
        .unwrap();
    assert_eq!(paid["status"], "PO_PAID");
    // The single option is superseded now.
    let reply = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav(3)))
        .await;
    assert_ne!(reply.fault_code(), "OK");
}

both_backends!(
    crud,
    fsm,
    installments,
    cross_version_reads,
    v3_validation,
    bulk_update_and_delete,
    notice_verification,
    scopes_apply,
    nodo_pays_a_v3_position,
);
