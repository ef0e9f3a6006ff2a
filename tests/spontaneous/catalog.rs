//! The service catalog API and the XSD it serves.

use base64::Engine;
use serde_json::json;

use super::common::{self, TestApp, ORG_A};
use super::support;
use super::support::*;

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

crate::both_backends!(
    setup = super::support::app;
    catalog_api,
    served_xsd_validates_payloads,
);
