//! What every route owes its caller: the key checked first, parameters validated with the
//! parameter named, 405 with `Allow`, and errors in the caller's format (ProblemJson for
//! institutions, SOAP for the Nodo).

mod common;

use common::nodo::{envelope, verify};
use common::{iuv, position, TestApp, ORG_A, ORG_B};
use serde_json::{json, Value};

fn path(rest: &str) -> String {
    format!("/organizations/{ORG_A}/{rest}")
}

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .header(common::KEY_HEADER, &app.key_a)
        .header("Content-Type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn nav_and_iuv_parameters_must_be_digits(app: TestApp) {
    let reply = app.get(&path("paymentoptions/ABCDEF")).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        json!({"title": "Bad Request", "status": 400,
               "detail": "nav: 'ABCDEF' must be 1 to 30 digits (a notice number or an IUV)"})
    );
    for (method, rest) in [
        (reqwest::Method::GET, "paymentoptions/12AB/debtposition"),
        (reqwest::Method::POST, "paymentoptions/12AB/pay"),
        (reqwest::Method::POST, "paymentoptions/paids/12AB"),
        (reqwest::Method::PUT, "paymentoptions/12AB/notificationfee"),
        (
            reqwest::Method::POST,
            "paymentoptions/12AB/transfers/1/report",
        ),
    ] {
        let reply = app
            .send(
                method.clone(),
                &path(rest),
                Some(&app.key_a),
                Some(&json!({})),
            )
            .await;
        assert_eq!(reply.status, 400, "{method} {rest}: {}", reply.body);
        assert!(
            reply.body["detail"]
                .as_str()
                .unwrap()
                .contains("'12AB' must be 1 to 30 digits"),
            "{method} {rest}: {}",
            reply.body
        );
    }
    let receipt = app.get(&format!("/payments/{ORG_A}/receipts/X1")).await;
    assert_eq!(receipt.status, 400);
    // Digits that name nothing are a 404, as before.
    assert_eq!(
        app.get(&path(&format!("paymentoptions/3{}", iuv(99))))
            .await
            .status,
        404
    );
    let transfer = app
        .post(
            &path(&format!("paymentoptions/{}/transfers/9/report", iuv(1))),
            None,
        )
        .await;
    assert_eq!(transfer.status, 400);
    assert!(transfer.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("transferid"));
}

async fn the_key_is_checked_before_the_parameters(app: TestApp) {
    let none = app
        .send(
            reqwest::Method::GET,
            &path("paymentoptions/ABC"),
            None,
            None,
        )
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.body["detail"],
        "Access denied: the Ocp-Apim-Subscription-Key header is missing"
    );
    let other = app
        .send(
            reqwest::Method::GET,
            &path("paymentoptions/ABC"),
            Some(&app.key_b),
            None,
        )
        .await;
    assert_eq!(other.status, 403);
    assert_eq!(
        other.body["detail"],
        format!("This API key is not allowed to act for organization {ORG_A}")
    );
    let receipts = app
        .send(
            reqwest::Method::GET,
            &format!("/payments/{ORG_B}/receipts"),
            Some(&app.key_a),
            None,
        )
        .await;
    assert_eq!(receipts.status, 403);
}

async fn a_wrong_method_is_405_with_allow(app: TestApp) {
    app.create(&position("M-1", &iuv(1)), false).await;
    for (method, rest, allow) in [
        (
            reqwest::Method::PATCH,
            "debtpositions/M-1",
            "GET, PUT, DELETE",
        ),
        (
            reqwest::Method::PATCH,
            "debtpositions",
            "GET, POST, PUT, DELETE",
        ),
        (reqwest::Method::GET, "debtpositions/M-1/publish", "POST"),
        (reqwest::Method::POST, "webhook", "GET, PUT, DELETE"),
    ] {
        let reply = app
            .send(method.clone(), &path(rest), Some(&app.key_a), None)
            .await;
        assert_eq!(reply.status, 405, "{method} {rest}");
        assert_eq!(reply.headers["allow"], allow, "{method} {rest}");
        assert_eq!(
            reply.body,
            json!({"title": "Method Not Allowed", "status": 405, "detail": "Method Not Allowed"})
        );
    }
    let info = app.send(reqwest::Method::POST, "/info", None, None).await;
    assert_eq!(info.status, 405);
    assert_eq!(info.headers["allow"], "GET");
    let unknown = app.get("/no/such/thing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["detail"], "No such endpoint");
}

/// The Nodo never receives JSON: a wrong method, an oversized body or an unknown schema
/// answer with a SOAP 1.1 fault.
async fn soap_errors_are_soap(app: TestApp) {
    let put = raw(
        &app,
        reqwest::Method::PUT,
        "/paForNode",
        verify(ORG_A, "3").into(),
    )
    .await;
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, POST");
    assert!(put.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let body = put.bytes().await.unwrap();
    common::xsd::assert_valid_soap_envelope(&body);
    assert!(String::from_utf8_lossy(&body).contains("<faultcode>soapenv:Client</faultcode>"));

    let huge = envelope(&format!(
        "<nod:paVerifyPaymentNoticeReq><idPA>{}</idPA></nod:paVerifyPaymentNoticeReq>",
        "7".repeat(2 * 1024 * 1024)
    ));
    let big = raw(&app, reqwest::Method::POST, "/paForNode", huge.into()).await;
    assert_eq!(big.status(), 413);
    assert!(big.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let body = big.bytes().await.unwrap();
    common::xsd::assert_valid_soap_envelope(&body);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<faultcode>soapenv:Client</faultcode>"),
        "{text}"
    );

    let schema = raw(&app, reqwest::Method::GET, "/xsd/nothing.xsd", Vec::new()).await;
    assert_eq!(schema.status(), 404);
    let body = schema.bytes().await.unwrap();
    common::xsd::assert_valid_soap_envelope(&body);
    assert!(String::from_utf8_lossy(&body).contains("no schema named nothing.xsd"));

    let no_wsdl = raw(&app, reqwest::Method::GET, "/paForNode", Vec::new()).await;
    assert_eq!(no_wsdl.status(), 404);
    common::xsd::assert_valid_soap_envelope(&no_wsdl.bytes().await.unwrap());
}

/// A request whose children are in the paForNode namespace is not the schema's: PAA_SINTASSI_XSD.
async fn qualified_children_are_a_syntax_error(app: TestApp) {
    app.add_station(ORG_A, 2);
    app.create(&position("Q-1", &iuv(1)), true).await;
    let good = verify(ORG_A, &format!("3{}", iuv(1)));
    assert_eq!(app.soap(None, good.clone()).await.fault_code(), "OK");
    let qualified = good.replace(
        "<nod:paVerifyPaymentNoticeReq>",
        r#"<nod:paVerifyPaymentNoticeReq xmlns="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd">"#,
    );
    let reply = app.soap(None, qualified).await;
    assert_eq!(reply.fault_code(), "PAA_SINTASSI_XSD");
    assert!(reply.text().contains("is not allowed"), "{}", reply.text());
}

async fn openapi_lists_401_403_and_429_on_every_keyed_operation(app: TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut keyed = 0;
    for (route, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.get("security").is_none() {
                continue;
            }
            keyed += 1;
            assert_eq!(
                operation["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"],
                "integer",
                "{method} {route} lacks 429 with Retry-After"
            );
            for status in ["401", "403", "429"] {
                assert_eq!(
                    operation["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ProblemJson",
                    "{method} {route} lacks {status}"
                );
            }
        }
    }
    assert!(keyed >= 23, "only {keyed} operations behind the key");
    let info = &doc["paths"]["/info"]["get"]["responses"];
    assert!(info.get("401").is_none());
    // Error answers written bare in the annotations carry the ProblemJson body.
    let update =
        &doc["paths"]["/organizations/{organizationfiscalcode}/debtpositions/{iupd}"]["put"];
    for status in ["400", "404", "409", "412", "413", "422", "503"] {
        assert_eq!(
            update["responses"][status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ProblemJson",
            "PUT position lacks {status}"
        );
    }
    assert_eq!(
        update["responses"]["412"]["description"],
        "Precondition Failed"
    );
}

both_backends!(
    nav_and_iuv_parameters_must_be_digits,
    the_key_is_checked_before_the_parameters,
    a_wrong_method_is_405_with_allow,
    soap_errors_are_soap,
    qualified_children_are_a_syntax_error,
    openapi_lists_401_403_and_429_on_every_keyed_operation,
);
